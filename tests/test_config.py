"""Configuration: where it is found, what each key does, how bad config is refused, and suppressions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Result, lint

FOUNDATION = ("TDL001", "TDL002", "TDL003", "TDL004", "TDL005", "TDL006", "TDL007", "TDL901")

# TDL003 (error) at 3:30 in container "web", TDL003 at 4:30 in container "log", TDL002 (warning) at 5:3.
TASKDEF = """{
  "containerDefinitions": [
    {"name": "web", "image": "x", "enviroment": [], "memory": 512},
    {"name": "log", "image": "x", "enviroment": [], "memory": 512}],
  "family": "a", "family": "web"
}
"""
WEB = ("TDL003", 3, 35, "/containerDefinitions/0/enviroment")
LOG = ("TDL003", 4, 35, "/containerDefinitions/1/enviroment")
DUP = ("TDL002", 5, 18, "/family")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def found(result: Result) -> list[tuple[str, int, int, str]]:
    return [(f["rule"], f["line"], f["column"], f["pointer"]) for f in result.findings]


def run(cwd: Path, *paths: str, **options: Any) -> Result:
    options.setdefault("select", FOUNDATION)
    return lint(cwd, *paths, **options)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    write(tmp_path / "deploy" / "web.json", TASKDEF)
    return tmp_path


def test_without_config(repo: Path) -> None:
    result = run(repo, "deploy/web.json")
    assert found(result) == [WEB, LOG, DUP]
    assert result.code == 1


class TestDiscovery:
    def test_taskdeflint_toml(self, repo: Path) -> None:
        write(repo / ".taskdeflint.toml", 'ignore = ["TDL002"]\n')
        assert found(run(repo, "deploy/web.json")) == [WEB, LOG]

    def test_pyproject_tool_table(self, repo: Path) -> None:
        write(repo / "pyproject.toml", '[project]\nname = "x"\n\n[tool.taskdeflint]\nignore = ["TDL002"]\n')
        assert found(run(repo, "deploy/web.json")) == [WEB, LOG]

    def test_pyproject_without_the_table_is_not_a_config(self, repo: Path) -> None:
        write(repo / ".taskdeflint.toml", 'ignore = ["TDL002"]\n')
        write(repo / "deploy" / "pyproject.toml", "[tool.black]\nline-length = 100\n# not taskdeflint\n")
        assert found(run(repo / "deploy", "web.json")) == [
            ("TDL003", 3, 35, WEB[3]),
            ("TDL003", 4, 35, LOG[3]),
        ]

    def test_the_nearest_config_wins(self, repo: Path) -> None:
        write(repo / ".taskdeflint.toml", 'ignore = ["TDL002"]\n')
        write(repo / "deploy" / "pyproject.toml", '[tool.taskdeflint]\nignore = ["TDL003"]\n')
        assert found(run(repo / "deploy", "web.json")) == [DUP]
        assert found(run(repo, "deploy/web.json")) == [WEB, LOG]

    def test_configs_are_not_merged(self, repo: Path) -> None:
        write(repo / ".taskdeflint.toml", 'ignore = ["TDL002"]\n')
        write(repo / "deploy" / ".taskdeflint.toml", 'fail-on = "warning"\n')
        assert found(run(repo / "deploy", "web.json")) == [WEB, LOG, DUP]

    def test_taskdeflint_toml_wins_over_pyproject_in_the_same_folder(self, repo: Path) -> None:
        write(repo / ".taskdeflint.toml", 'ignore = ["TDL002"]\n')
        write(repo / "pyproject.toml", '[tool.taskdeflint]\nignore = ["TDL003"]\n')
        assert found(run(repo, "deploy/web.json")) == [WEB, LOG]

    def test_config_option_names_the_file(self, repo: Path) -> None:
        write(repo / ".taskdeflint.toml", 'ignore = ["TDL002"]\n')
        write(repo / "ci" / "strict.toml", 'ignore = ["TDL003"]\n')
        assert found(run(repo, "deploy/web.json", config=Path("ci/strict.toml"))) == [DUP]

    def test_config_option_may_name_a_pyproject(self, repo: Path) -> None:
        write(repo / "other" / "pyproject.toml", '[tool.taskdeflint]\nignore = ["TDL003"]\n')
        assert found(run(repo, "deploy/web.json", config=repo / "other" / "pyproject.toml")) == [DUP]

    def test_a_missing_config_file_is_exit_2(self, repo: Path) -> None:
        result = run(repo, "deploy/web.json", config=Path("nope.toml"))
        assert result.code == 2
        assert result.stderr == f"taskdeflint: error: {repo / 'nope.toml'}: config file does not exist\n"
        assert result.stdout == ""


class TestBadConfig:
    @pytest.mark.parametrize(
        ("name", "text", "message"),
        [
            (".taskdeflint.toml", 'selct = ["TDL"]\n', "unknown key 'selct'"),
            (
                "pyproject.toml",
                '[tool.taskdeflint]\nselct = ["TDL"]\n',
                "unknown key 'selct' in tool.taskdeflint",
            ),
            (".taskdeflint.toml", "[severity]\nTDL002 = 'fatal'\n", "severity.TDL002: 'fatal' is not one of"),
            (".taskdeflint.toml", 'fail-on = "warn"\n', "fail-on: 'warn' is not one of"),
            (".taskdeflint.toml", 'select = "TDL"\n', "select: 'TDL' is not of type 'array'"),
            (".taskdeflint.toml", 'select = ["tdl0"]\n', "select.0: 'tdl0' is not a rule id or prefix"),
            (".taskdeflint.toml", "max-file-size = 0\n", "max-file-size: 0 is less than the minimum of 1"),
            (
                ".taskdeflint.toml",
                '\n[[suppress]]\nrule = "TDL003"\npointer = "/a"\nreason = "r"\ncolour = "red"\n',
                "unknown key 'colour' in [[suppress]] #1 at line 2",
            ),
            (
                ".taskdeflint.toml",
                '[[suppress]]\nrule = "TDL3"\nreason = "r"\n',
                "[[suppress]] #1 at line 1: rule: 'TDL3' is not a rule id (e.g. TDL003)",
            ),
            (
                ".taskdeflint.toml",
                '[[suppress]]\nrule = "TDL003"\npointer = "containerDefinitions/0"\nreason = "r"\n',
                "[[suppress]] #1 at line 1: pointer: 'containerDefinitions/0' is not a JSON Pointer",
            ),
            (
                ".taskdeflint.toml",
                '[[suppress]]\nrule = "TDL003"\npointer = "/a"\ncontainer = "web"\nreason = "r"\n',
                "[[suppress]] #1 at line 1: give either 'pointer' or 'container', not both",
            ),
            (
                ".taskdeflint.toml",
                "[severity]\nTDL999 = 'error'\n",
                "severity: unknown rule TDL999",
            ),
            (".taskdeflint.toml", 'ignore = ["XYZ"]\n', "ignore: 'XYZ' matches no rule id"),
            (
                ".taskdeflint.toml",
                '[per-file-ignores]\n"*.json" = ["TDL08"]\n',
                "per-file-ignores: 'TDL08' matches no rule id",
            ),
        ],
    )
    def test_bad_config_is_exit_2_naming_the_file_and_the_key(
        self, repo: Path, name: str, text: str, message: str
    ) -> None:
        path = write(repo / name, text)
        result = run(repo, "deploy/web.json")
        assert result.code == 2
        assert result.stdout == ""
        assert result.stderr.startswith(f"taskdeflint: error: {path}")
        assert message in result.stderr
        assert len(result.stderr.splitlines()) == 1

    @pytest.mark.parametrize("name", [".taskdeflint.toml", "pyproject.toml"])
    def test_invalid_toml(self, repo: Path, name: str) -> None:
        path = write(repo / name, '[tool.taskdeflint]\nselect = ["TDL"\n')
        result = run(repo, "deploy/web.json")
        assert result.code == 2
        assert result.stderr.startswith(f"taskdeflint: error: {path}: invalid TOML: ")

    def test_config_that_is_not_utf8(self, repo: Path) -> None:
        (repo / ".taskdeflint.toml").write_bytes(b'ignore = ["TDL002"] # caf\xe9\n')
        result = run(repo, "deploy/web.json")
        assert result.code == 2
        assert (
            result.stderr == f"taskdeflint: error: {repo / '.taskdeflint.toml'}: config is not UTF-8 text\n"
        )

    @pytest.mark.parametrize(
        ("entry", "message"),
        [
            ('rule = "TDL003"\npointer = "/a"\n', "a suppression needs a 'reason'"),
            ('rule = "TDL003"\npointer = "/a"\nreason = "  "\n', "reason: a suppression needs a reason"),
            ('pointer = "/a"\nreason = "r"\n', "a suppression needs a 'rule'"),
        ],
    )
    def test_a_suppression_needs_a_rule_and_a_reason(self, repo: Path, entry: str, message: str) -> None:
        write(repo / ".taskdeflint.toml", "# suppressions\n\n[[suppress]]\n" + entry)
        result = run(repo, "deploy/web.json")
        assert result.code == 2
        assert f"[[suppress]] #1 at line 3: {message}" in result.stderr


class TestKeys:
    def test_select_and_ignore(self, repo: Path) -> None:
        write(repo / ".taskdeflint.toml", 'select = ["TDL00"]\nignore = ["TDL003"]\n')
        assert found(lint(repo, "deploy/web.json")) == [DUP]

    def test_command_line_select_replaces_the_config_select_and_ignores_add_up(self, repo: Path) -> None:
        write(repo / ".taskdeflint.toml", 'select = ["TDL002"]\nignore = ["TDL9"]\n')
        assert found(lint(repo, "deploy/web.json", select=("TDL003",))) == [WEB, LOG]
        write(repo / ".taskdeflint.toml", 'ignore = ["TDL002"]\n')
        assert found(lint(repo, "deploy/web.json", select=FOUNDATION, ignore=("TDL003",))) == []

    @pytest.mark.parametrize(("fail_on", "code"), [("error", 1), ("warning", 1), ("never", 0)])
    def test_fail_on(self, repo: Path, fail_on: str, code: int) -> None:
        write(repo / ".taskdeflint.toml", f'fail-on = "{fail_on}"\n')
        assert run(repo, "deploy/web.json").code == code
        assert run(repo, "deploy/web.json", ignore=("TDL003",)).code == (0 if fail_on != "warning" else 1)

    def test_fail_on_on_the_command_line_wins(self, repo: Path) -> None:
        write(repo / ".taskdeflint.toml", 'fail-on = "never"\n')
        assert run(repo, "deploy/web.json", fail_on="error").code == 1

    def test_include_is_what_lint_without_paths_lints(self, repo: Path) -> None:
        write(repo / "other" / "x.json", TASKDEF)
        write(repo / "deploy" / "nested" / "y.json", TASKDEF)
        write(repo / ".taskdeflint.toml", 'include = ["deploy/**/*.json"]\n')
        assert sorted({f["path"] for f in run(repo).findings}) == ["deploy/nested/y.json", "deploy/web.json"]
        # From a subfolder the globs still mean the config's folder (files outside the working folder are
        # shown with absolute paths).
        assert sorted({f["path"] for f in run(repo / "other").findings}) == [
            (repo / "deploy" / "nested" / "y.json").as_posix(),
            (repo / "deploy" / "web.json").as_posix(),
        ]
        # Paths on the command line win over include.
        assert {f["path"] for f in run(repo, "other").findings} == {"other/x.json"}

    def test_exclude_applies_when_searching_folders(self, repo: Path) -> None:
        write(repo / "deploy" / "legacy" / "old.json", TASKDEF)
        write(repo / "deploy" / "generated.json", TASKDEF)
        write(repo / ".taskdeflint.toml", 'exclude = ["deploy/legacy/**", "generated.json"]\n')
        assert {f["path"] for f in run(repo, ".").findings} == {"deploy/web.json"}
        # The globs are relative to the config's folder, wherever lint runs from.
        assert {f["path"] for f in run(repo / "deploy", ".").findings} == {"web.json"}

    def test_severity_overrides(self, repo: Path) -> None:
        write(repo / ".taskdeflint.toml", '[severity]\nTDL002 = "error"\nTDL003 = "info"\n')
        result = run(repo, "deploy/web.json")
        assert [(f["rule"], f["severity"]) for f in result.findings] == [
            ("TDL003", "info"),
            ("TDL003", "info"),
            ("TDL002", "error"),
        ]
        assert result.code == 1

    def test_per_file_ignores(self, repo: Path) -> None:
        write(repo / "deploy" / "legacy" / "old.json", TASKDEF)
        write(
            repo / ".taskdeflint.toml",
            '[per-file-ignores]\n"deploy/legacy/*.json" = ["TDL0"]\n"web.json" = ["TDL002"]\n',
        )
        result = run(repo, ".")
        assert [(f["path"], f["rule"]) for f in result.findings] == [
            ("deploy/web.json", "TDL003"),
            ("deploy/web.json", "TDL003"),
        ]
        # The same from the subfolder: the globs are the config folder's.
        assert [(f["path"], f["rule"]) for f in run(repo / "deploy", ".").findings] == [
            ("web.json", "TDL003"),
            ("web.json", "TDL003"),
        ]

    def test_max_file_size(self, repo: Path) -> None:
        write(repo / "small.json", '{"family": "a", "containerDefinitions": []}')
        write(repo / ".taskdeflint.toml", "max-file-size = 64\n")
        result = run(repo, "deploy/web.json", "small.json")
        assert [(f["path"], f["rule"], f["line"], f["column"], f["message"]) for f in result.findings] == [
            (
                "deploy/web.json",
                "TDL007",
                1,
                1,
                "File is larger than 64 bytes, the most taskdeflint reads, so it was not linted "
                "(see max-file-size)",
            )
        ]

    def test_max_file_size_in_a_searched_folder(self, repo: Path) -> None:
        write(repo / ".taskdeflint.toml", "max-file-size = 2048\n")
        write(
            repo / "deploy" / "big.json",
            '{"family": "a", "containerDefinitions": [], "x": "' + "y" * 4096 + '"}',
        )
        result = run(repo, "deploy")
        assert [(f["path"], f["rule"]) for f in result.findings if f["rule"] == "TDL007"] == [
            ("deploy/big.json", "TDL007")
        ]

    def test_rules_dir_is_relative_to_the_config(self, repo: Path) -> None:
        write(
            repo / "policies" / "ORG001-no-web.toml",
            """id = "ORG001"
name = "web-family"
severity = "warning"
summary = "No family is called web."
source = "Our policy."
docs = "The family name web is reserved."
schema = '{"properties": {"family": {"not": {"const": "web"}}}}'
message = "family {value} is reserved"

[[examples]]
kind = "bad"
document = '{"family": "web", "containerDefinitions": [{"name": "a", "image": "a:1"}]}'
pointers = ["/family"]

[[examples]]
kind = "good"
document = '{"family": "api", "containerDefinitions": [{"name": "a", "image": "a:1"}]}'
""",
        )
        write(repo / ".taskdeflint.toml", 'rules-dir = ["policies"]\nselect = ["ORG", "TDL002"]\n')
        result = lint(repo / "deploy", "web.json")
        # Both at the repeated "family" key (the value json.loads keeps); same place, so sorted by rule id.
        assert [(f["rule"], f["message"], f["line"], f["column"]) for f in result.findings] == [
            ("ORG001", 'family "web" is reserved', 5, 18),
            (
                "TDL002",
                'Duplicate key "family" (first given at line 5, column 3); JSON parsers keep only the last '
                "value",
                5,
                18,
            ),
        ]


class TestSuppressions:
    def test_by_file_glob_rule_and_pointer(self, repo: Path) -> None:
        write(
            repo / ".taskdeflint.toml",
            """
[[suppress]]
files = "deploy/*.json"
rule = "TDL003"
pointer = "/containerDefinitions/0/enviroment"
reason = "the deploy script strips it"
""",
        )
        result = run(repo, "deploy/web.json")
        assert found(result) == [LOG, DUP]

    def test_a_pointer_covers_what_lies_below_it(self, repo: Path) -> None:
        write(
            repo / ".taskdeflint.toml",
            '[[suppress]]\nrule = "TDL003"\npointer = "/containerDefinitions"\nreason = "legacy"\n',
        )
        assert found(run(repo, "deploy/web.json")) == [DUP]

    def test_a_pointer_does_not_cover_a_sibling_with_the_same_prefix(self, repo: Path) -> None:
        write(
            repo / ".taskdeflint.toml",
            '[[suppress]]\nrule = "TDL003"\npointer = "/containerDefinitions/0/enviro"\nreason = "legacy"\n',
        )
        assert found(run(repo, "deploy/web.json")) == [("TDL901", 1, 1, "/suppress/0"), WEB, LOG, DUP]

    def test_by_container_name(self, repo: Path) -> None:
        write(
            repo / ".taskdeflint.toml",
            '[[suppress]]\nfiles = "deploy/web.json"\nrule = "TDL003"\ncontainer = "log"\nreason = "vendor image"\n',
        )
        assert found(run(repo, "deploy/web.json")) == [WEB, DUP]

    def test_by_container_name_in_describe_output_and_a_container_list(self, tmp_path: Path) -> None:
        write(
            tmp_path / "describe.json",
            '{"taskDefinition": {"family": "x", "containerDefinitions": [\n'
            '  {"name": "web", "image": "x", "enviroment": []},\n'
            '  {"name": "log", "image": "x", "enviroment": []}]}}',
        )
        write(
            tmp_path / "list.json",
            '[{"name": "log", "image": "x", "enviroment": []},\n {"name": "web", "image": "x", "enviroment": []}]',
        )
        write(
            tmp_path / ".taskdeflint.toml",
            '[[suppress]]\nrule = "TDL003"\ncontainer = "log"\nreason = "vendor"\n',
        )
        result = run(tmp_path, "describe.json", "list.json")
        assert [(f["path"], f["pointer"]) for f in result.findings] == [
            ("describe.json", "/taskDefinition/containerDefinitions/0/enviroment"),
            ("list.json", "/1/enviroment"),
        ]

    def test_a_suppression_for_another_file_does_not_apply(self, repo: Path) -> None:
        write(
            repo / ".taskdeflint.toml",
            '[[suppress]]\nfiles = "other/*.json"\nrule = "TDL003"\ncontainer = "web"\nreason = "r"\n',
        )
        write(repo / "other" / "api.json", '{"family": "api", "containerDefinitions": []}')
        result = run(repo, "deploy/web.json")
        # And it is not reported as unused: its files were not linted.
        assert found(result) == [WEB, LOG, DUP]

    def test_a_suppression_whose_files_match_no_file_is_unused(self, repo: Path) -> None:
        write(
            repo / ".taskdeflint.toml",
            '[[suppress]]\nfiles = "deploy/wbe.json"\nrule = "TDL003"\ncontainer = "web"\nreason = "r"\n',
        )
        result = run(repo, "deploy/web.json")
        assert found(result) == [("TDL901", 1, 1, "/suppress/0"), WEB, LOG, DUP]
        unused = next(f for f in result.findings if f["rule"] == "TDL901")
        assert unused["message"] == (
            'Suppression of TDL003 for container "web" has files = "deploy/wbe.json", which matches no '
            "file; fix or remove it"
        )

    def test_a_suppression_applies_from_a_subfolder(self, repo: Path) -> None:
        write(
            repo / ".taskdeflint.toml",
            '[[suppress]]\nfiles = "deploy/web.json"\nrule = "TDL003"\ncontainer = "web"\nreason = "r"\n',
        )
        result = run(repo / "deploy", "web.json")
        assert [(f["path"], f["rule"], f["line"]) for f in result.findings] == [
            ("web.json", "TDL003", 4),
            ("web.json", "TDL002", 5),
        ]

    def test_unused_suppressions_are_reported_at_their_header(self, repo: Path) -> None:
        config = write(
            repo / ".taskdeflint.toml",
            """# Suppressions, with reasons.

[[suppress]]
rule = "TDL003"
container = "web"
reason = "used"

  [[ suppress ]]   # indented, spaced
files = "deploy/*.json"
rule = "TDL003"
pointer = "/containerDefinitions/5"
reason = "fixed long ago"

[[suppress]]
rule = "TDL002"
container = "nope"
reason = "never matched"
""",
        )
        result = run(repo, "deploy/web.json")
        assert result.code == 1
        unused = [f for f in result.findings if f["rule"] == "TDL901"]
        assert unused == [
            {
                "rule": "TDL901",
                "name": "unused-suppression",
                "severity": "warning",
                "message": 'Suppression of TDL003 for pointer "/containerDefinitions/5" matched no finding; '
                "remove it",
                "path": ".taskdeflint.toml",
                "line": 8,
                "column": 1,
                "end_line": 8,
                "end_column": 1,
                "pointer": "/suppress/1",
            },
            {
                "rule": "TDL901",
                "name": "unused-suppression",
                "severity": "warning",
                "message": 'Suppression of TDL002 for container "nope" matched no finding; remove it',
                "path": ".taskdeflint.toml",
                "line": 14,
                "column": 1,
                "end_line": 14,
                "end_column": 1,
                "pointer": "/suppress/2",
            },
        ]
        lines = config.read_text().splitlines()
        assert "[[ suppress ]]" in lines[7] and lines[13] == "[[suppress]]"

    def test_unused_suppressions_in_pyproject(self, repo: Path) -> None:
        write(
            repo / "pyproject.toml",
            '[project]\nname = "x"\n\n[tool.taskdeflint]\nignore = []\n\n'
            '[[tool.taskdeflint.suppress]]\nrule = "TDL002"\npointer = "/nope"\nreason = "r"\n',
        )
        unused = [
            (f["path"], f["line"]) for f in run(repo, "deploy/web.json").findings if f["rule"] == "TDL901"
        ]
        assert unused == [("pyproject.toml", 7)]

    def test_unused_suppression_from_a_subfolder_names_the_config_file(self, repo: Path) -> None:
        write(repo / ".taskdeflint.toml", '[[suppress]]\nrule = "TDL002"\npointer = "/nope"\nreason = "r"\n')
        unused = [
            (f["path"], f["line"]) for f in run(repo / "deploy", "web.json").findings if f["rule"] == "TDL901"
        ]
        assert unused == [((repo / ".taskdeflint.toml").as_posix(), 1)]

    def test_a_suppression_of_a_rule_that_did_not_run_is_not_judged(self, repo: Path) -> None:
        write(repo / ".taskdeflint.toml", '[[suppress]]\nrule = "TDL003"\ncontainer = "web"\nreason = "r"\n')
        assert found(run(repo, "deploy/web.json", ignore=("TDL003",))) == [DUP]
        assert found(run(repo, "deploy/web.json", select=("TDL002", "TDL901"))) == [DUP]

    def test_unused_suppression_severity_can_be_overridden_and_fails_the_run(self, tmp_path: Path) -> None:
        write(
            tmp_path / "clean.json", '{"family": "a", "containerDefinitions": [{"name": "a", "image": "x"}]}'
        )
        write(
            tmp_path / ".taskdeflint.toml",
            '[severity]\nTDL901 = "error"\n\n[[suppress]]\nrule = "TDL003"\ncontainer = "a"\nreason = "r"\n',
        )
        result = run(tmp_path, "clean.json")
        assert [(f["rule"], f["severity"], f["line"]) for f in result.findings] == [("TDL901", "error", 4)]
        assert result.code == 1

    def test_unused_suppressions_can_be_ignored(self, tmp_path: Path) -> None:
        write(
            tmp_path / "clean.json", '{"family": "a", "containerDefinitions": [{"name": "a", "image": "x"}]}'
        )
        write(
            tmp_path / ".taskdeflint.toml", '[[suppress]]\nrule = "TDL003"\ncontainer = "a"\nreason = "r"\n'
        )
        assert run(tmp_path, "clean.json").code == 0  # a warning
        assert run(tmp_path, "clean.json", ignore=("TDL901",)).findings == []
