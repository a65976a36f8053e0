"""The `taskdeflint` command as a user runs it: exit codes, what is linted, what is printed where."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from taskdeflint import __version__
from taskdeflint.engine.catalogue import Catalogue, builtin_rules_dir, load_dir
from tests.conftest import lint

FOUNDATION = "TDL001,TDL002,TDL003,TDL004,TDL005,TDL006,TDL007"
FOUNDATION_IDS = tuple(FOUNDATION.split(","))

CLEAN = '{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "memory": 512}]}\n'
# A schema error (error) on line 3 and a duplicate key (warning) on line 4.
BROKEN = """{
  "family": "web",
  "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "memory": 512, "enviroment": []}],
  "family": "api"
}
"""
BROKEN_LINES = [
    'broken.json:3:82: error TDL003 Container "web": unknown member "enviroment" (did you mean "environment"?)',
    'broken.json:4:3: warning TDL002 Duplicate key "family" (first given at line 2, column 3); JSON parsers '
    "keep only the last value",
]
ONLY_WARNING = (
    '{"family": "a", "family": "web", "containerDefinitions": [{"name": "w", "image": "x", "memory": 1}]}'
)


def taskdeflint(
    *args: str, cwd: Path, stdin: str | bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real command in a fresh process, with no CI or colour variables inherited."""
    environment = {
        k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR")
    }
    environment.update(env or {})
    completed = subprocess.run(
        [*COMMAND, *args],
        cwd=cwd,
        input=stdin.encode() if isinstance(stdin, str) else stdin,
        capture_output=True,
        env=environment,
        timeout=120,
        check=False,
    )
    stdout = completed.stdout.decode("utf-8")
    stderr = completed.stderr.decode("utf-8")
    assert "Traceback" not in stderr, stderr
    return subprocess.CompletedProcess(completed.args, completed.returncode, stdout, stderr)


# The installed console script, as users run it; `python -m taskdeflint` where there is none.
_SCRIPT = Path(sys.executable).with_name("taskdeflint")
COMMAND = [str(_SCRIPT)] if _SCRIPT.is_file() else [sys.executable, "-m", "taskdeflint"]


def shipped_rules() -> Catalogue:
    """The rule files as they are now (not the catalogue this process cached when it started)."""
    return Catalogue(tuple(sorted(load_dir(builtin_rules_dir()), key=lambda r: r.id)))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "clean.json").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "broken.json").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "warning.json").write_text(ONLY_WARNING, encoding="utf-8")
    return tmp_path


class TestExitCodes:
    def test_0_when_clean(self, project: Path) -> None:
        completed = taskdeflint("lint", "--select", FOUNDATION, "clean.json", cwd=project)
        assert (completed.returncode, completed.stdout, completed.stderr) == (
            0,
            "No problems found in 1 file.\n",
            "",
        )

    def test_1_with_findings(self, project: Path) -> None:
        completed = taskdeflint("lint", "--select", FOUNDATION, "broken.json", "clean.json", cwd=project)
        assert completed.returncode == 1
        assert completed.stdout.splitlines() == [*BROKEN_LINES, "Found 1 error, 1 warning in 1 of 2 files."]
        assert completed.stderr == ""

    def test_2_for_a_missing_file_with_one_line_on_stderr(self, project: Path) -> None:
        completed = taskdeflint("lint", "clean.json", "nope.json", cwd=project)
        assert completed.returncode == 2
        assert completed.stderr == "taskdeflint: error: nope.json: no such file or folder\n"
        assert completed.stdout == ""

    def test_2_for_a_path_below_a_file(self, project: Path) -> None:
        completed = taskdeflint("lint", "clean.json/taskdef.json", cwd=project)
        assert completed.returncode == 2
        assert completed.stderr == "taskdeflint: error: clean.json/taskdef.json: no such file or folder\n"

    def test_2_for_an_unreadable_file_found_in_a_folder_and_the_others_are_still_linted(
        self, project: Path
    ) -> None:
        # A link to nothing cannot be read, even by root.
        (project / "gone.json").symlink_to(project / "deleted.json")
        result = lint(project, ".", select=FOUNDATION_IDS)
        assert result.code == 2
        assert result.stderr == "taskdeflint: error: gone.json: cannot read file: No such file or directory\n"
        assert sorted({f["path"] for f in result.findings}) == ["broken.json", "warning.json"]

    def test_2_for_a_named_file_that_cannot_be_read_and_the_others_are_still_linted(
        self, project: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The suite runs as root in CI, where chmod 000 does not stop a read: refuse the open instead.
        (project / "secret.json").write_text(CLEAN, encoding="utf-8")
        real_open = Path.open

        def refusing_open(self: Path, *args: Any, **kwargs: Any) -> Any:
            if self.name == "secret.json":
                raise PermissionError(13, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)

        monkeypatch.setattr(Path, "open", refusing_open)
        result = lint(project, "secret.json", "broken.json", select=FOUNDATION_IDS)
        assert result.code == 2
        assert result.stderr == "taskdeflint: error: secret.json: cannot read file: Permission denied\n"
        assert {f["path"] for f in result.findings} == {"broken.json"}

    @pytest.mark.skipif(
        os.name != "posix" or os.geteuid() == 0, reason="root reads files whatever their mode"
    )
    def test_2_for_a_file_without_read_permission(self, project: Path) -> None:
        (project / "secret.json").write_text(CLEAN, encoding="utf-8")
        (project / "secret.json").chmod(0)
        try:
            result = lint(project, "secret.json", "broken.json", select=FOUNDATION_IDS)
        finally:
            (project / "secret.json").chmod(stat.S_IRUSR | stat.S_IWUSR)
        assert result.code == 2
        assert result.stderr == "taskdeflint: error: secret.json: cannot read file: Permission denied\n"
        assert {f["path"] for f in result.findings} == {"broken.json"}

    @pytest.mark.skipif(
        os.name != "posix" or os.geteuid() == 0, reason="root lists folders whatever their mode"
    )
    def test_2_for_an_unreadable_folder(self, project: Path) -> None:
        locked = project / "locked"
        locked.mkdir()
        locked.chmod(0)
        try:
            result = lint(project, ".", select=FOUNDATION_IDS)
        finally:
            locked.chmod(stat.S_IRWXU)
        assert result.code == 2
        assert "taskdeflint: error: locked: cannot read folder: Permission denied" in result.stderr
        assert {f["path"] for f in result.findings} == {"broken.json", "warning.json"}

    def test_2_for_a_folder_given_where_a_file_is_expected(self, project: Path) -> None:
        (project / "out").mkdir()
        completed = taskdeflint("lint", "clean.json", "-o", "out", cwd=project)
        assert completed.returncode == 2
        assert "is a directory" in completed.stderr

    def test_2_for_an_unknown_option(self, project: Path) -> None:
        completed = taskdeflint("lint", "--format", "yaml", "clean.json", cwd=project)
        assert completed.returncode == 2
        assert "'yaml' is not one of 'text', 'json', 'sarif', 'github', 'junit'" in completed.stderr

    @pytest.mark.parametrize(
        ("fail_on", "broken", "warning_only", "clean"),
        [
            (None, 1, 0, 0),
            ("error", 1, 0, 0),
            ("warning", 1, 1, 0),
            ("info", 1, 1, 0),
            ("never", 0, 0, 0),
        ],
    )
    def test_fail_on(
        self, project: Path, fail_on: str | None, broken: int, warning_only: int, clean: int
    ) -> None:
        codes = [
            lint(project, name, fail_on=fail_on, select=FOUNDATION_IDS).code
            for name in ("broken.json", "warning.json", "clean.json")
        ]
        assert codes == [broken, warning_only, clean]

    def test_fail_on_info_counts_info_findings(self, project: Path) -> None:
        (project / ".taskdeflint.toml").write_text('[severity]\nTDL002 = "info"\n', encoding="utf-8")
        assert lint(project, "warning.json", select=FOUNDATION_IDS, fail_on="warning").code == 0
        assert lint(project, "warning.json", select=FOUNDATION_IDS, fail_on="info").code == 1

    def test_fail_on_from_the_command_line(self, project: Path) -> None:
        assert taskdeflint("lint", "--select", FOUNDATION, "warning.json", cwd=project).returncode == 0
        args = ("lint", "--select", FOUNDATION, "--fail-on", "warning", "warning.json")
        assert taskdeflint(*args, cwd=project).returncode == 1
        args = ("lint", "--fail-on", "never", "broken.json")
        assert taskdeflint(*args, cwd=project).returncode == 0


class TestSelection:
    def rules(self, project: Path, *args: str) -> set[str]:
        completed = taskdeflint("lint", "--format", "json", *args, "broken.json", cwd=project)
        assert completed.returncode in (0, 1), completed.stderr
        return {f["rule"] for f in json.loads(completed.stdout)}

    def test_select_by_prefix_and_comma_lists(self, project: Path) -> None:
        assert self.rules(project, "--select", "TDL002") == {"TDL002"}
        assert self.rules(project, "--select", "TDL00") >= {"TDL002", "TDL003"}
        assert self.rules(project, "--select", "TDL002,TDL003") == {"TDL002", "TDL003"}
        assert self.rules(project, "--select", "TDL002", "--select", "TDL003") == {"TDL002", "TDL003"}
        assert self.rules(project, "--select", " TDL002 , TDL003 ,") == {"TDL002", "TDL003"}

    def test_ignore_by_prefix_and_comma_lists(self, project: Path) -> None:
        assert self.rules(project, "--select", FOUNDATION, "--ignore", "TDL002") == {"TDL003"}
        assert self.rules(project, "--select", FOUNDATION, "--ignore", "TDL002,TDL003") == set()
        assert self.rules(project, "--ignore", "TDL") == set()
        assert self.rules(project, "--select", "TDL002", "--ignore", "TDL00") == set()

    def test_rule_ids_are_not_case_sensitive_on_the_command_line(self, project: Path) -> None:
        assert self.rules(project, "--select", "tdl002") == {"TDL002"}

    @pytest.mark.parametrize("option", ["--select", "--ignore"])
    def test_a_prefix_that_matches_no_rule_is_an_error(self, project: Path, option: str) -> None:
        completed = taskdeflint("lint", option, "TDL003,TDL02X", "broken.json", cwd=project)
        assert completed.returncode == 2
        assert completed.stderr == (
            f"taskdeflint: error: {option}: 'TDL02X' matches no rule id (ids look like TDL003; "
            "`taskdeflint rules` lists them)\n"
        )
        assert completed.stdout == ""


class TestWhatIsLinted:
    def test_folders_are_searched_by_content(self, tmp_path: Path) -> None:
        (tmp_path / "package.json").write_text('{"name": "app", "version": "1.0.0"}', encoding="utf-8")
        (tmp_path / "tsconfig.json").write_text('{"compilerOptions": {"strict": true}}', encoding="utf-8")
        (tmp_path / "deploy" / "nested").mkdir(parents=True)
        (tmp_path / "deploy" / "foo.json").write_text(BROKEN, encoding="utf-8")
        (tmp_path / "deploy" / "nested" / "containers.json").write_text(
            '[{"name": "a", "image": "b", "cpu": "1"}]', encoding="utf-8"
        )
        (tmp_path / "deploy" / "notes.txt").write_text(BROKEN, encoding="utf-8")
        (tmp_path / "deploy" / "foo.json.bak").write_text(BROKEN, encoding="utf-8")
        for skipped in ("node_modules/pkg", ".git", ".venv/lib", ".terraform"):
            (tmp_path / skipped).mkdir(parents=True)
            (tmp_path / skipped / "task.json").write_text(BROKEN, encoding="utf-8")
        result = lint(tmp_path, ".", select=FOUNDATION_IDS, verbose=True)
        assert sorted({f["path"] for f in result.findings}) == [
            "deploy/foo.json",
            "deploy/nested/containers.json",
        ]
        assert result.stderr.splitlines() == [
            "taskdeflint: skipped package.json: not a task definition",
            "taskdeflint: skipped tsconfig.json: not a task definition",
            "taskdeflint: linted 2 files",
        ]

    def test_no_paths_lints_the_working_folder(self, project: Path) -> None:
        completed = taskdeflint("lint", "--select", FOUNDATION, "-q", cwd=project)
        assert completed.stdout.splitlines() == [
            *BROKEN_LINES,
            'warning.json:1:17: warning TDL002 Duplicate key "family" (first given at line 1, column 2); JSON '
            "parsers keep only the last value",
        ]

    def test_a_file_named_explicitly_is_always_reported(self, tmp_path: Path) -> None:
        (tmp_path / "package.json").write_text('{"name": "app"}', encoding="utf-8")
        result = lint(tmp_path, "package.json", select=FOUNDATION_IDS)
        assert result.code == 1
        assert [(f["rule"], f["line"], f["column"]) for f in result.findings] == [("TDL004", 1, 1)]

    def test_a_found_file_that_looks_like_a_task_definition_but_is_broken_is_reported(
        self, tmp_path: Path
    ) -> None:
        # UTF-16 and a byte order mark must not hide a task definition from the folder search.
        (tmp_path / "utf16.json").write_bytes(CLEAN.encode("utf-16"))
        (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + CLEAN.encode())
        (tmp_path / "trailing.json").write_text(CLEAN.replace("}]}", "},]}"), encoding="utf-8")
        result = lint(tmp_path, ".", select=FOUNDATION_IDS)
        assert [(f["path"], f["rule"]) for f in result.findings] == [
            ("bom.json", "TDL005"),
            ("trailing.json", "TDL001"),
            ("utf16.json", "TDL005"),
        ]

    def test_a_symlink_loop_in_a_folder_does_not_hang(self, project: Path) -> None:
        (project / "sub").mkdir()
        (project / "sub" / "loop").symlink_to(project, target_is_directory=True)
        (project / "sub" / "self").symlink_to(project / "sub", target_is_directory=True)
        completed = taskdeflint("lint", "--select", FOUNDATION, "--format", "json", ".", cwd=project)
        assert completed.returncode == 1
        assert sorted({f["path"] for f in json.loads(completed.stdout)}) == ["broken.json", "warning.json"]

    def test_a_file_given_twice_is_linted_once(self, project: Path) -> None:
        result = lint(project, "broken.json", "./broken.json", ".", select=FOUNDATION_IDS)
        assert [f["path"] for f in result.findings].count("broken.json") == 2  # its two findings, once

    def test_stdin(self, project: Path) -> None:
        completed = taskdeflint("lint", "--select", FOUNDATION, "-", cwd=project, stdin=BROKEN)
        assert completed.returncode == 1
        assert completed.stdout.splitlines()[0] == BROKEN_LINES[0].replace("broken.json", "<stdin>")

    def test_stdin_that_is_not_a_task_definition_is_reported(self, project: Path) -> None:
        completed = taskdeflint("lint", "--select", FOUNDATION, "-", cwd=project, stdin=b"\xff\xfe{\x00}\x00")
        assert completed.returncode == 1
        assert completed.stdout.splitlines()[0] == (
            "<stdin>:1:1: error TDL005 File is UTF-16 encoded; task definitions must be UTF-8"
        )

    def test_paths_with_spaces_and_non_ascii_names(self, tmp_path: Path) -> None:
        folder = tmp_path / "my deploy" / "café"
        folder.mkdir(parents=True)
        (folder / "tâche web.json").write_text(BROKEN, encoding="utf-8")
        completed = taskdeflint("lint", "--select", FOUNDATION, "-q", "my deploy", cwd=tmp_path)
        assert completed.returncode == 1
        assert completed.stdout.splitlines()[0] == BROKEN_LINES[0].replace(
            "broken.json", "my deploy/café/tâche web.json"
        )
        explicit = taskdeflint(
            "lint", "--select", FOUNDATION, "--format", "json", "my deploy/café/tâche web.json", cwd=tmp_path
        )
        assert {f["path"] for f in json.loads(explicit.stdout)} == {"my deploy/café/tâche web.json"}

    def test_an_absolute_path_outside_the_working_folder_is_shown_absolute(
        self, tmp_path: Path, project: Path
    ) -> None:
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        result = lint(elsewhere, str(project / "broken.json"), select=FOUNDATION_IDS)
        assert {f["path"] for f in result.findings} == {(project / "broken.json").as_posix()}


class TestOutput:
    def test_output_file_is_written_instead_of_stdout(self, project: Path) -> None:
        completed = taskdeflint(
            "lint",
            "--select",
            FOUNDATION,
            "--format",
            "json",
            "-o",
            "reports/lint.json",
            "broken.json",
            cwd=project,
        )
        assert completed.returncode == 1
        assert completed.stdout == ""
        report = json.loads((project / "reports" / "lint.json").read_text(encoding="utf-8"))
        assert [f["rule"] for f in report] == ["TDL003", "TDL002"]
        assert os.listdir(project / "reports") == ["lint.json"]  # no temporary file left behind

    def test_output_file_replaces_the_old_one_and_keeps_its_mode(self, project: Path) -> None:
        target = project / "report.txt"
        target.write_text("old report\n" * 1000, encoding="utf-8")
        target.chmod(0o640)
        result = lint(project, "broken.json", select=FOUNDATION_IDS, format="text", output=Path("report.txt"))
        assert result.code == 1
        assert result.stdout == ""
        assert target.read_text(encoding="utf-8").splitlines() == [
            *BROKEN_LINES,
            "Found 1 error, 1 warning in 1 of 1 file.",
        ]
        assert stat.S_IMODE(target.stat().st_mode) == 0o640
        assert sorted(os.listdir(project)) == ["broken.json", "clean.json", "report.txt", "warning.json"]

    def test_an_output_file_that_cannot_be_written_is_exit_2(self, project: Path) -> None:
        completed = taskdeflint("lint", "broken.json", "-o", "clean.json/report.txt", cwd=project)
        assert completed.returncode == 2
        assert completed.stderr == (
            f"taskdeflint: error: clean.json/report.txt: cannot write: {project / 'clean.json'} is a file, "
            "not a folder\n"
        )
        assert completed.stdout == ""

    def test_quiet_drops_the_summary(self, project: Path) -> None:
        completed = taskdeflint(
            "lint", "--select", FOUNDATION, "-q", "broken.json", "clean.json", cwd=project
        )
        assert completed.stdout.splitlines() == BROKEN_LINES
        clean = taskdeflint("lint", "-q", "--select", FOUNDATION, "clean.json", cwd=project)
        assert (clean.returncode, clean.stdout) == (0, "")

    def test_verbose_names_skipped_files(self, project: Path) -> None:
        (project / "package.json").write_text('{"name": "x"}', encoding="utf-8")
        (project / "data.json").write_text(
            '{"containerDefinitions": "looks like one, but is not"', encoding="utf-8"
        )
        completed = taskdeflint("lint", "-v", "--select", FOUNDATION, ".", cwd=project)
        assert "taskdeflint: skipped package.json: not a task definition" in completed.stderr.splitlines()
        assert "taskdeflint: linted 4 files" in completed.stderr.splitlines()
        assert "data.json:1:54: error TDL001" in completed.stdout

    @pytest.mark.parametrize(
        ("show", "summary"),
        [
            (None, "Found 2 warnings in 2 of 3 files; 1 more not shown (--show info)."),
            ("info", "Found 2 warnings, 1 info in 2 of 3 files."),
        ],
    )
    def test_summary_wording(self, project: Path, show: str | None, summary: str) -> None:
        (project / ".taskdeflint.toml").write_text('[severity]\nTDL003 = "info"\n', encoding="utf-8")
        names = ("broken.json", "warning.json", "clean.json")
        result = lint(project, *names, select=FOUNDATION_IDS, format="text", show=show)
        assert result.stdout.splitlines()[-1] == summary


class TestColor:
    def test_never_and_auto_when_not_a_terminal_print_no_escapes(self, project: Path) -> None:
        for args in (("--color", "never"), ("--color", "auto"), ()):
            completed = taskdeflint("lint", *args, "--select", FOUNDATION, "broken.json", cwd=project)
            assert "\033[" not in completed.stdout

    def test_always(self, project: Path) -> None:
        completed = taskdeflint(
            "lint", "--color", "always", "--select", FOUNDATION, "broken.json", cwd=project
        )
        first = completed.stdout.splitlines()[0]
        assert first == (
            "\033[1mbroken.json:3:82:\033[0m \033[31merror\033[0m \033[2mTDL003\033[0m "
            'Container "web": unknown member "enviroment" (did you mean "environment"?)'
        )
        # The summary is not coloured; a report written to a file never is.
        assert completed.stdout.splitlines()[-1] == "Found 1 error, 1 warning in 1 of 1 file."

    def test_no_color_turns_auto_off_but_not_always(self, project: Path) -> None:
        import io

        class Terminal(io.StringIO):
            def isatty(self) -> bool:
                return True

        from taskdeflint.lint import LintSettings, run

        for color, no_color, expected in [
            ("auto", None, True),
            ("auto", "1", False),
            ("always", "1", True),
            ("never", None, False),
        ]:
            out = Terminal()
            env = dict(os.environ)
            env.pop("NO_COLOR", None)
            if no_color:
                env["NO_COLOR"] = no_color
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(os, "environ", env)
                run(
                    LintSettings(paths=("broken.json",), cwd=project, color=color, select=FOUNDATION_IDS),
                    stdout=out,
                    stderr=io.StringIO(),
                )
            assert ("\033[" in out.getvalue()) is expected, (color, no_color)

    def test_color_always_does_not_go_into_an_output_file(self, project: Path) -> None:
        taskdeflint("lint", "--color", "always", "-o", "r.txt", "broken.json", cwd=project)
        assert "\033[" not in (project / "r.txt").read_text(encoding="utf-8")


class TestGithubActions:
    def test_github_format_is_chosen_in_github_actions(self, project: Path) -> None:
        completed = taskdeflint(
            "lint", "--select", FOUNDATION, "broken.json", cwd=project, env={"GITHUB_ACTIONS": "true"}
        )
        assert completed.stdout.splitlines()[0] == (
            "::error file=broken.json,line=3,endLine=3,col=82,endColumn=98,title=TDL003 schema-violation::"
            'Container "web": unknown member "enviroment" (did you mean "environment"?)'
        )
        assert completed.returncode == 1

    def test_an_explicit_format_wins(self, project: Path) -> None:
        completed = taskdeflint(
            "lint",
            "--format",
            "text",
            "--select",
            FOUNDATION,
            "broken.json",
            cwd=project,
            env={"GITHUB_ACTIONS": "true"},
        )
        assert completed.stdout.splitlines()[0] == BROKEN_LINES[0]

    def test_other_values_do_not_switch(self, project: Path) -> None:
        completed = taskdeflint(
            "lint", "--select", FOUNDATION, "broken.json", cwd=project, env={"GITHUB_ACTIONS": "false"}
        )
        assert completed.stdout.splitlines()[0] == BROKEN_LINES[0]


class TestOtherCommands:
    def test_rules_lists_every_rule(self, tmp_path: Path) -> None:
        completed = taskdeflint("rules", cwd=tmp_path)
        assert completed.returncode == 0
        lines = completed.stdout.splitlines()
        catalogue = shipped_rules()
        assert [line.split()[0] for line in lines] == [rule.id for rule in catalogue.rules]
        for line, rule in zip(lines, catalogue.rules, strict=True):
            assert line.split()[1:3] == [rule.severity.label, rule.name]
            assert line.endswith(rule.summary)
        assert "TDL003  error    schema-violation" in completed.stdout

    def test_rule_prints_docs_source_and_examples(self, tmp_path: Path) -> None:
        completed = taskdeflint("rule", "TDL003", cwd=tmp_path)
        assert completed.returncode == 0
        rule = shipped_rules().get("TDL003")
        assert rule is not None
        text = completed.stdout
        assert text.startswith("# TDL003 schema-violation\n")
        assert "Default severity: **error**" in text
        assert rule.docs in text
        assert f"Source: {rule.source}" in text
        assert "## Bad example" in text and "## Good example" in text
        for example in rule.examples:
            assert example.document.strip("\n") in text

    def test_rule_by_name_or_lower_case_id(self, tmp_path: Path) -> None:
        by_name = taskdeflint("rule", "duplicate-key", cwd=tmp_path)
        by_id = taskdeflint("rule", "tdl002", cwd=tmp_path)
        assert by_name.returncode == by_id.returncode == 0
        assert by_name.stdout == by_id.stdout
        assert by_name.stdout.startswith("# TDL002 duplicate-key\n")

    def test_an_unknown_rule_is_an_error_with_a_message(self, tmp_path: Path) -> None:
        completed = taskdeflint("rule", "NOPE", cwd=tmp_path)
        assert completed.returncode == 2
        assert completed.stdout == ""
        assert completed.stderr == "taskdeflint: error: no rule 'NOPE'; `taskdeflint rules` lists them\n"

    @pytest.mark.parametrize("flag", ["--version", "-V"])
    def test_version(self, tmp_path: Path, flag: str) -> None:
        completed = taskdeflint(flag, cwd=tmp_path)
        assert (completed.returncode, completed.stdout) == (0, f"taskdeflint, version {__version__}\n")

    @pytest.mark.parametrize(
        ("command", "expected"),
        [
            ((), ["lint", "rules", "rule"]),
            (
                ("lint",),
                [
                    "--format",
                    "--output",
                    "--fail-on",
                    "--select",
                    "--ignore",
                    "--config",
                    "--baseline",
                    "--write-baseline",
                    "--quiet",
                    "--verbose",
                    "--color",
                    "Exit codes",
                ],
            ),
            (("rules",), ["List the rule catalogue", "--rules-dir"]),
            (("rule",), ["RULE_ID", "Explain one rule"]),
        ],
    )
    @pytest.mark.parametrize("flag", ["--help", "-h"])
    def test_help_of_every_command(
        self, tmp_path: Path, command: tuple[str, ...], expected: list[str], flag: str
    ) -> None:
        completed = taskdeflint(*command, flag, cwd=tmp_path)
        assert completed.returncode == 0
        assert completed.stdout.startswith("Usage: taskdeflint")
        for word in expected:
            assert word in completed.stdout

    def test_no_command_shows_usage(self, tmp_path: Path) -> None:
        completed = taskdeflint(cwd=tmp_path)
        assert completed.returncode == 2
        assert completed.stderr.startswith("Usage: taskdeflint")
        assert "lint    Lint task definitions" in completed.stderr
