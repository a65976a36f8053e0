"""Defaults a user acts on: what is shown (`--show`), a lint that finds nothing, the rule commands reading
the config, and one shape for every usage error."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import lint
from tests.test_catalogue import USER_RULE
from tests.test_cli import taskdeflint

# An error (TDL003, a misspelt member), a warning (TDL501, the latest tag) and an info finding (TDL502, an
# image not pinned by digest) in one file.
MIXED = """{
  "family": "web",
  "containerDefinitions": [
    {"name": "web", "image": "nginx:latest", "memory": 512, "enviroment": []}
  ]
}
"""
SELECT = ("TDL003", "TDL501", "TDL502")
# Only an info finding (TDL502).
INFO_ONLY = (
    '{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "memory": 512}]}\n'
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "mixed.json").write_text(MIXED, encoding="utf-8")
    (tmp_path / "info.json").write_text(INFO_ONLY, encoding="utf-8")
    return tmp_path


def rules(result_stdout: str) -> list[str]:
    return [f["rule"] for f in json.loads(result_stdout)]


class TestShow:
    def test_info_findings_are_hidden_by_default(self, project: Path) -> None:
        result = lint(project, "mixed.json", "info.json", select=SELECT, show=None)
        assert (result.code, rules(result.stdout)) == (1, ["TDL501", "TDL003"])

    @pytest.mark.parametrize(
        ("show", "expected"),
        [("error", ["TDL003"]), ("warning", ["TDL501", "TDL003"]), ("info", ["TDL501", "TDL502", "TDL003"])],
    )
    def test_the_option(self, project: Path, show: str, expected: list[str]) -> None:
        assert rules(lint(project, "mixed.json", select=SELECT, show=show).stdout) == expected

    def test_the_config_key_and_the_option_wins(self, project: Path) -> None:
        (project / ".taskdeflint.toml").write_text('show = "info"\n', encoding="utf-8")
        assert rules(lint(project, "mixed.json", select=SELECT, show=None).stdout) == [
            "TDL501",
            "TDL502",
            "TDL003",
        ]
        assert rules(lint(project, "mixed.json", select=SELECT, show="error").stdout) == ["TDL003"]

    def test_what_fails_the_run_is_always_shown(self, project: Path) -> None:
        result = lint(project, "info.json", select=SELECT, fail_on="info", show="error")
        assert (result.code, rules(result.stdout)) == (1, ["TDL502"])
        result = lint(project, "mixed.json", select=SELECT, fail_on="warning", show="error")
        assert (result.code, rules(result.stdout)) == (1, ["TDL501", "TDL003"])

    def test_a_hidden_finding_never_fails_the_run(self, project: Path) -> None:
        assert lint(project, "info.json", select=SELECT, show=None).code == 0
        assert lint(project, "info.json", select=SELECT, fail_on="warning", show=None).code == 0

    def test_the_summary_counts_what_is_hidden(self, project: Path) -> None:
        text = lint(project, "mixed.json", "info.json", select=SELECT, format="text", show=None).stdout
        assert (
            text.splitlines()[-1]
            == "Found 1 error, 1 warning in 1 of 2 files; 2 more not shown (--show info)."
        )
        text = lint(project, "info.json", select=SELECT, format="text", show=None).stdout
        assert text == "No problems found in 1 file; 1 more not shown (--show info).\n"

    @pytest.mark.parametrize("output_format", ["github", "sarif", "junit", "text"])
    def test_every_format_follows_the_threshold(self, project: Path, output_format: str) -> None:
        out = lint(project, "mixed.json", "info.json", select=SELECT, format=output_format, show=None).stdout
        assert "TDL501" in out and "TDL003" in out
        assert "TDL502" not in out
        out = lint(project, "mixed.json", select=SELECT, format=output_format, show="info").stdout
        assert "TDL502" in out

    def test_a_baseline_records_hidden_findings_too(self, project: Path) -> None:
        result = lint(project, "info.json", select=SELECT, write_baseline=Path("base.json"))
        assert result.code == 0
        recorded = json.loads((project / "base.json").read_text(encoding="utf-8"))
        assert "TDL502" in json.dumps(recorded)

    def test_the_option_and_its_values_on_the_command_line(self, project: Path) -> None:
        completed = taskdeflint("lint", "--show", "info", "--format", "json", "info.json", cwd=project)
        assert completed.returncode == 0
        assert "TDL502" in rules(completed.stdout)
        completed = taskdeflint("lint", "--show", "never", "info.json", cwd=project)
        assert completed.returncode == 2
        assert completed.stderr.startswith("taskdeflint: error: Invalid value for '--show': 'never'")


class TestJunitVerdict:
    def cases(self, project: Path, **options: object) -> dict[str, tuple[int, int]]:
        """Each test case: (failures, system-out elements)."""
        options.setdefault("show", None)
        root = ET.fromstring(lint(project, ".", select=SELECT, format="junit", **options).stdout)
        return {
            str(case.get("name")): (len(case.findall("failure")), len(case.findall("system-out")))
            for case in root.iter("testcase")
        }

    def test_one_failure_per_file_listing_its_findings(self, project: Path) -> None:
        root = ET.fromstring(lint(project, ".", select=SELECT, format="junit", show="info").stdout)
        [case] = [c for c in root.iter("testcase") if c.get("name") == "mixed.json"]
        [failure] = case.findall("failure")
        assert failure.get("type") == "TDL003 schema-violation"
        assert failure.get("message") == (
            '1 error, 1 warning, 1 info; first: TDL003 Container "web": unknown member "enviroment" (did you '
            'mean "environment"?)'
        )
        assert [line.split(": ", 1)[1].split(" ")[:2] for line in (failure.text or "").splitlines()] == [
            ["warning", "TDL501"],
            ["info", "TDL502"],
            ["error", "TDL003"],
        ]
        assert root.get("failures") == "1" and root.get("tests") == "2"

    def test_fail_on_decides_which_files_fail(self, project: Path) -> None:
        assert self.cases(project) == {"info.json": (0, 0), "mixed.json": (1, 0)}
        assert self.cases(project, show="info") == {"info.json": (0, 1), "mixed.json": (1, 0)}
        assert self.cases(project, fail_on="info") == {"info.json": (1, 0), "mixed.json": (1, 0)}

    def test_never_fails_a_test_with_fail_on_never(self, project: Path) -> None:
        root = ET.fromstring(
            lint(project, ".", select=SELECT, format="junit", fail_on="never", show=None).stdout
        )
        assert root.get("failures") == "0"
        assert self.cases(project, fail_on="never") == {"info.json": (0, 0), "mixed.json": (0, 1)}


class TestNothingToLint:
    def test_a_folder_without_task_definitions_is_exit_2(self, tmp_path: Path) -> None:
        (tmp_path / "deploy").mkdir()
        (tmp_path / "deploy/settings.json").write_text('{"replicas": 2}', encoding="utf-8")
        result = lint(tmp_path, "deploy", allow_empty=False)
        assert result.code == 2
        assert result.stderr == (
            "taskdeflint: error: deploy: no task definition found in this folder; pass --allow-empty (or set "
            "allow-empty in the config) if that is expected\n"
        )
        assert lint(tmp_path, "deploy", allow_empty=True).code == 0
        (tmp_path / ".taskdeflint.toml").write_text("allow-empty = true\n", encoding="utf-8")
        assert lint(tmp_path, "deploy", allow_empty=False).code == 0

    def test_each_path_must_yield_one(self, project: Path) -> None:
        (project / "empty").mkdir()
        result = lint(project, "mixed.json", "empty", select=SELECT, show=None, allow_empty=False)
        assert result.code == 2
        assert "taskdeflint: error: empty: no task definition found in this folder" in result.stderr
        assert rules(result.stdout) == ["TDL501", "TDL003"]  # the rest is still reported

    def test_a_file_found_by_two_paths_counts_for_both(self, project: Path) -> None:
        assert lint(project, ".", "mixed.json", select=SELECT, show=None, allow_empty=False).code == 1

    def test_the_working_folder(self, tmp_path: Path) -> None:
        result = lint(tmp_path, allow_empty=False)
        assert result.code == 2
        assert result.stderr.startswith(
            "taskdeflint: error: .: no task definition found in the working folder"
        )

    def test_an_include_glob_that_matches_nothing(self, project: Path) -> None:
        (project / ".taskdeflint.toml").write_text(
            'include = ["*.json", "deploy/*.json"]\n', encoding="utf-8"
        )
        result = lint(project, select=SELECT, show=None, allow_empty=False)
        assert result.code == 2
        assert result.stderr.startswith(
            f"taskdeflint: error: {project / '.taskdeflint.toml'}: include 'deploy/*.json': matches no task "
            "definition"
        )
        assert rules(result.stdout) == ["TDL501", "TDL003"]

    def test_exclude_applies_to_include_globs(self, project: Path) -> None:
        (project / ".taskdeflint.toml").write_text(
            'include = ["*.json"]\nexclude = ["mixed.json"]\n', encoding="utf-8"
        )
        result = lint(project, select=SELECT, show="info", allow_empty=False)
        assert (result.code, {f["path"] for f in json.loads(result.stdout)}) == (0, {"info.json"})

    def test_pre_commit_mode_skips_files_that_hold_no_task_definition(self, project: Path) -> None:
        (project / "settings.json").write_text('{"replicas": 2}', encoding="utf-8")
        (project / "package.json").write_text('{"name": "web"}', encoding="utf-8")
        result = lint(
            project,
            "settings.json",
            "mixed.json",
            "package.json",
            select=SELECT,
            pre_commit=True,
            allow_empty=False,
        )
        assert (result.code, result.stderr) == (1, "")
        assert {f["path"] for f in json.loads(result.stdout)} == {"mixed.json"}
        result = lint(project, "settings.json", "package.json", pre_commit=True, allow_empty=False)
        assert (result.code, result.stdout, result.stderr) == (0, "[]\n", "")
        # Named without it, such a file is reported (TDL004), and the run is no pass.
        result = lint(project, "settings.json", allow_empty=False)
        assert (result.code, rules(result.stdout)) == (2, ["TDL004"])
        assert result.stderr.startswith(
            "taskdeflint: error: settings.json: no task definition; pass --allow-empty"
        )

    def test_a_named_file_or_glob_of_files_that_hold_none(self, project: Path) -> None:
        (project / "settings.json").write_text('{"replicas": 2}', encoding="utf-8")
        result = lint(project, "settings.json", "mixed.json", select=SELECT, allow_empty=False)
        assert result.code == 2
        assert result.stderr.startswith("taskdeflint: error: settings.json: no task definition;")
        # With --allow-empty, the file is still reported, as a finding.
        result = lint(project, "settings.json", select=("TDL004",), allow_empty=True)
        assert (result.code, result.stderr, rules(result.stdout)) == (1, "", ["TDL004"])
        (project / ".taskdeflint.toml").write_text('include = ["settings*.json"]\n', encoding="utf-8")
        result = lint(project, select=SELECT, allow_empty=False)
        assert result.code == 2
        assert "include 'settings*.json': matches no task definition" in result.stderr
        # A named file that is broken JSON is a finding, not an empty lint.
        (project / "broken.json").write_text('{"family": "web",', encoding="utf-8")
        result = lint(project, "broken.json", select=("TDL001",), allow_empty=False)
        assert (result.code, rules(result.stdout)) == (1, ["TDL001"])


class TestRuleCommands:
    @pytest.fixture
    def with_rules(self, tmp_path: Path) -> Path:
        (tmp_path / "policies").mkdir()
        (tmp_path / "policies/ORG001-team-label.toml").write_text(USER_RULE, encoding="utf-8")
        (tmp_path / ".taskdeflint.toml").write_text('rules-dir = ["policies"]\n', encoding="utf-8")
        (tmp_path / "sub").mkdir()
        return tmp_path

    def test_rules_lists_the_configs_rules(self, with_rules: Path) -> None:
        completed = taskdeflint("rules", cwd=with_rules / "sub")
        assert completed.returncode == 0, completed.stderr
        assert "ORG001  warning  missing-team-label" in completed.stdout

    def test_rule_explains_one_of_them(self, with_rules: Path) -> None:
        completed = taskdeflint("rule", "ORG001", cwd=with_rules)
        assert completed.returncode == 0, completed.stderr
        assert completed.stdout.startswith("# ORG001 missing-team-label\n")

    def test_an_explicit_config(self, with_rules: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
        elsewhere = tmp_path_factory.mktemp("elsewhere")
        config = str(with_rules / ".taskdeflint.toml")
        assert "ORG001" not in taskdeflint("rules", cwd=elsewhere).stdout
        assert "ORG001" in taskdeflint("rules", "--config", config, cwd=elsewhere).stdout

    def test_a_broken_config_is_exit_2(self, with_rules: Path) -> None:
        (with_rules / ".taskdeflint.toml").write_text("colour = 1\n", encoding="utf-8")
        for command in (("rules",), ("rule", "TDL001")):
            completed = taskdeflint(*command, cwd=with_rules)
            assert completed.returncode == 2
            assert completed.stderr.startswith("taskdeflint: error: ")
            assert "unknown key 'colour'" in completed.stderr


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("lint", "--bogus"), "No such option '--bogus'"),
        (("lint", "--jobs", "0", "x.json"), "Invalid value for '-j' / '--jobs'"),
        (("rules", "--bogus"), "No such option '--bogus'"),
        (("rule",), "Missing argument 'RULE_ID'"),
        (("rule", "TDL001", "TDL002"), "Got unexpected extra argument (TDL002)"),
        (("build", "--progress", "fancy"), "Invalid value for '--progress'"),
        (("nope",), "No such command 'nope'"),
        (("--bogus",), "No such option '--bogus'"),
    ],
)
def test_usage_errors_are_exit_2_with_one_prefix(tmp_path: Path, argv: tuple[str, ...], message: str) -> None:
    completed = taskdeflint(*argv, cwd=tmp_path)
    assert completed.returncode == 2
    assert completed.stdout == ""
    [line] = completed.stderr.splitlines()
    assert line.startswith(f"taskdeflint: error: {message}"), line
    assert line.endswith("--help')"), line
