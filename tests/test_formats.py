"""The output formats parse, hold exactly what they document, and escape what their syntax needs."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from jsonschema import Draft4Validator

from taskdeflint import __version__
from taskdeflint.engine.catalogue import load_catalogue
from taskdeflint.engine.linter import FileResult
from taskdeflint.findings import Finding, Severity
from taskdeflint.formats import FORMATS, Report, renderer
from taskdeflint.formats.sarif_format import help_uri
from tests.conftest import ROOT, lint

FOUNDATION = ("TDL001", "TDL002", "TDL003", "TDL004", "TDL005", "TDL006", "TDL007", "TDL901")
JSON_KEYS = [
    "rule",
    "name",
    "severity",
    "message",
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "pointer",
]

BROKEN = """{
  "family": "web",
  "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "memory": 512, "enviroment": []}],
  "family": "api"
}
"""
CLEAN = '{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "memory": 512}]}'
CONFIG = """
[[suppress]]
files = "clean.json"
rule = "TDL003"
container = "web"
reason = "fixed since"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Two files with findings (one in a folder with a space, a comma and non-ASCII letters), a clean file,
    and a config whose unused suppression makes a finding in the config file."""
    (tmp_path / "broken.json").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "clean.json").write_text(CLEAN, encoding="utf-8")
    odd = tmp_path / "déploy, v2"
    odd.mkdir()
    (odd / "50% web.json").write_text('[{"name": "a", "image": "b", "cpu": "1"}]', encoding="utf-8")
    (tmp_path / ".taskdeflint.toml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


def run(project: Path, output_format: str) -> str:
    result = lint(project, ".", format=output_format, select=FOUNDATION)
    assert result.code == 1, result.stderr
    assert result.stderr == ""
    return result.stdout


def test_every_format_has_a_renderer() -> None:
    for name in FORMATS:
        assert callable(renderer(name))
    with pytest.raises(ValueError, match="unknown format"):
        renderer("yaml")


class TestJson:
    def test_a_list_of_findings_with_exactly_the_documented_keys(self, project: Path) -> None:
        findings = json.loads(run(project, "json"))
        assert isinstance(findings, list)
        for finding in findings:
            assert list(finding) == JSON_KEYS
        assert findings == [
            {
                "rule": "TDL901",
                "name": "unused-suppression",
                "severity": "warning",
                "message": 'Suppression of TDL003 for container "web" matched no finding; remove it',
                "path": ".taskdeflint.toml",
                "line": 2,
                "column": 1,
                "end_line": 2,
                "end_column": 1,
                "pointer": "/suppress/0",
            },
            {
                "rule": "TDL003",
                "name": "schema-violation",
                "severity": "error",
                "message": 'Container "web": unknown member "enviroment" (did you mean "environment"?)',
                "path": "broken.json",
                "line": 3,
                "column": 82,
                "end_line": 3,
                "end_column": 98,
                "pointer": "/containerDefinitions/0/enviroment",
            },
            {
                "rule": "TDL002",
                "name": "duplicate-key",
                "severity": "warning",
                "message": 'Duplicate key "family" (first given at line 2, column 3); JSON parsers keep only the '
                "last value",
                "path": "broken.json",
                "line": 4,
                "column": 3,
                "end_line": 4,
                "end_column": 4,
                "pointer": "/family",
            },
            {
                "rule": "TDL003",
                "name": "schema-violation",
                "severity": "error",
                "message": 'Container "a" cpu must be an integer, not string "1" (container-level cpu is an integer)',
                "path": "déploy, v2/50% web.json",
                "line": 1,
                "column": 30,
                "end_line": 1,
                "end_column": 40,
                "pointer": "/0/cpu",
            },
        ]

    def test_no_findings_is_an_empty_list(self, tmp_path: Path) -> None:
        (tmp_path / "clean.json").write_text(CLEAN, encoding="utf-8")
        result = lint(tmp_path, "clean.json", select=FOUNDATION)
        assert (result.code, result.stdout) == (0, "[]\n")

    def test_quiet_and_verbose_do_not_change_stdout(self, project: Path) -> None:
        plain = lint(project, ".", select=FOUNDATION).stdout
        assert lint(project, ".", select=FOUNDATION, quiet=True).stdout == plain
        verbose = lint(project, ".", select=FOUNDATION, verbose=True)
        assert verbose.stdout == plain
        assert verbose.stderr == "taskdeflint: linted 3 files\n"


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    schema = json.loads((ROOT / "tests" / "data" / "sarif-2.1.0-rtm.5.json").read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


class TestSarif:
    def test_validates_against_the_sarif_schema(self, project: Path, validator: Draft4Validator) -> None:
        log = json.loads(run(project, "sarif"))
        errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
        assert [f"{list(e.path)}: {e.message}" for e in errors] == []
        assert log["version"] == "2.1.0"

    def test_a_clean_run_validates_too(self, tmp_path: Path, validator: Draft4Validator) -> None:
        (tmp_path / "clean.json").write_text(CLEAN, encoding="utf-8")
        log = json.loads(lint(tmp_path, "clean.json", format="sarif", select=FOUNDATION).stdout)
        assert list(validator.iter_errors(log)) == []
        assert log["runs"][0]["results"] == []

    def test_rules_metadata_and_help(self, project: Path) -> None:
        log = json.loads(run(project, "sarif"))
        [sarif_run] = log["runs"]
        driver = sarif_run["tool"]["driver"]
        assert driver["name"] == "taskdeflint"
        # Only the rules that have results, in catalogue order.
        catalogue = load_catalogue()
        assert [r["id"] for r in driver["rules"]] == ["TDL002", "TDL003", "TDL901"]
        for described in driver["rules"]:
            rule = catalogue.get(described["id"])
            assert rule is not None
            assert described["helpUri"] == (
                f"https://github.com/OWNER/taskdeflint/blob/v{__version__}/docs/rules.md#"
                f"{rule.id.lower()}-{rule.name}"
            )
            assert described["name"] == rule.name
            assert described["shortDescription"]["text"] == rule.summary
            assert described["fullDescription"]["text"] == rule.docs
            assert rule.docs in described["help"]["text"]
            assert rule.source in described["help"]["text"]
            assert described["help"]["markdown"]
            assert (
                described["defaultConfiguration"]["level"]
                == {
                    Severity.ERROR: "error",
                    Severity.WARNING: "warning",
                    Severity.INFO: "note",
                }[rule.severity]
            )
        for result in sarif_run["results"]:
            assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]

    def test_help_uris_name_sections_of_the_rules_page(self) -> None:
        """Every rule's helpUri anchor is a heading of docs/rules.md."""
        headings = set(
            re.findall(r"^## (TDL\d{3} [a-z0-9-]+)$", (ROOT / "docs/rules.md").read_text("utf-8"), re.M)
        )
        for rule in load_catalogue().rules:
            assert f"{rule.id} {rule.name}" in headings
            assert help_uri(rule).endswith("#" + f"{rule.id} {rule.name}".lower().replace(" ", "-"))

    def test_fingerprints_do_not_depend_on_lines(self, project: Path) -> None:
        def prints(text: str) -> list[str]:
            return [
                r["partialFingerprints"]["taskdeflint/v2"] for r in json.loads(text)["runs"][0]["results"]
            ]

        before = prints(run(project, "sarif"))
        assert len(set(before)) == len(before)
        assert all(re.fullmatch(r"[0-9a-f]{32}:1", p) for p in before)
        broken = project / "broken.json"
        broken.write_text(
            "\n\n\n" + broken.read_text(encoding="utf-8").replace("{", "{\n  ", 1), encoding="utf-8"
        )
        after = json.loads(run(project, "sarif"))["runs"][0]["results"]
        assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after][1:3] == [7, 8]
        assert prints(run(project, "sarif")) == before

    def test_the_same_rule_twice_at_one_pointer_is_told_apart(self) -> None:
        one = finding("t.json", "a")
        log = json.loads(render("sarif", FileResult("t.json", [one, finding("t.json", "b")])))
        prints = [r["partialFingerprints"]["taskdeflint/v2"] for r in log["runs"][0]["results"]]
        assert prints[0].endswith(":1") and prints[1] == prints[0][:-1] + "2"

    def test_size_for_one_file(self, tmp_path: Path) -> None:
        """The rules' docs go into the report only for the rules it names: a few kilobytes, not the
        catalogue (once about 480 KB for any file)."""
        shutil.copy(ROOT / "examples/forum-broken/deploy/users.json", tmp_path / "users.json")
        text = lint(tmp_path, "users.json", format="sarif").stdout
        assert len(json.loads(text)["runs"][0]["tool"]["driver"]["rules"]) <= 10
        assert len(text.encode()) < 64_000

    def test_results_carry_position_level_pointer_and_encoded_uri(self, project: Path) -> None:
        results = json.loads(run(project, "sarif"))["runs"][0]["results"]
        summary = [
            (
                r["ruleId"],
                r["level"],
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["locations"][0]["physicalLocation"]["region"],
                r["properties"]["pointer"],
            )
            for r in results
        ]
        assert summary == [
            (
                "TDL901",
                "warning",
                ".taskdeflint.toml",
                {"startLine": 2, "startColumn": 1, "endLine": 2, "endColumn": 1},
                "/suppress/0",
            ),
            (
                "TDL003",
                "error",
                "broken.json",
                {"startLine": 3, "startColumn": 82, "endLine": 3, "endColumn": 98},
                "/containerDefinitions/0/enviroment",
            ),
            (
                "TDL002",
                "warning",
                "broken.json",
                {"startLine": 4, "startColumn": 3, "endLine": 4, "endColumn": 4},
                "/family",
            ),
            (
                "TDL003",
                "error",
                "d%C3%A9ploy%2C%20v2/50%25%20web.json",
                {"startLine": 1, "startColumn": 30, "endLine": 1, "endColumn": 40},
                "/0/cpu",
            ),
        ]
        uri = summary[-1][2]
        assert unquote(uri) == "déploy, v2/50% web.json"
        assert re.fullmatch(r"[A-Za-z0-9\-._~%/]+", uri)

    def test_an_absolute_path_is_a_file_uri(self, tmp_path: Path) -> None:
        (tmp_path / "a b.json").write_text(BROKEN, encoding="utf-8")
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        log = json.loads(
            lint(elsewhere, str(tmp_path / "a b.json"), format="sarif", select=FOUNDATION).stdout
        )
        uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == "file://" + (tmp_path / "a b.json").as_posix().replace(" ", "%20")


def finding(path: str, message: str, rule: str = "TDL003", severity: Severity = Severity.ERROR) -> Finding:
    return Finding(
        path=path,
        line=3,
        column=7,
        rule=rule,
        end_line=4,
        end_column=2,
        name="schema-violation",
        severity=severity,
        message=message,
        pointer="/containerDefinitions/0",
    )


def render(name: str, *results: FileResult) -> str:
    return renderer(name)(Report(list(results), load_catalogue()))


class TestGithub:
    def test_one_annotation_per_finding(self, project: Path) -> None:
        lines = run(project, "github").splitlines()
        assert lines == [
            "::warning file=.taskdeflint.toml,line=2,endLine=2,col=1,endColumn=1,title=TDL901 unused-suppression::"
            'Suppression of TDL003 for container "web" matched no finding; remove it',
            "::error file=broken.json,line=3,endLine=3,col=82,endColumn=98,title=TDL003 schema-violation::"
            'Container "web": unknown member "enviroment" (did you mean "environment"?)',
            "::warning file=broken.json,line=4,endLine=4,col=3,endColumn=4,title=TDL002 duplicate-key::"
            'Duplicate key "family" (first given at line 2, column 3); JSON parsers keep only the last value',
            "::error file=déploy%2C v2/50%25 web.json,line=1,endLine=1,col=30,endColumn=40,"
            "title=TDL003 schema-violation::"
            'Container "a" cpu must be an integer, not string "1" (container-level cpu is an integer)',
        ]

    def test_properties_and_message_are_escaped(self) -> None:
        text = render(
            "github",
            FileResult("a,b:c%d\nx.json", [finding("a,b:c%d\nx.json", "line one\r\nline two: 100%, done")]),
        )
        assert text == (
            "::error file=a%2Cb%3Ac%25d%0Ax.json,line=3,endLine=4,col=7,endColumn=2,title=TDL003 schema-violation"
            "::line one%0D%0Aline two: 100%25, done\n"
        )

    def test_severities_map_to_annotation_levels(self) -> None:
        text = render(
            "github",
            FileResult(
                "t.json",
                [
                    finding("t.json", "e"),
                    finding("t.json", "w", severity=Severity.WARNING),
                    finding("t.json", "i", severity=Severity.INFO),
                ],
            ),
        )
        assert [line.split(" ", 1)[0] for line in text.splitlines()] == ["::error", "::warning", "::notice"]

    def test_a_key_with_a_line_break_stays_on_one_line(self, tmp_path: Path) -> None:
        (tmp_path / "t.json").write_text(
            '{"family": "web", "containerDefinitions": [], "a\\nb": 1, "a\\nb": 2}', encoding="utf-8"
        )
        out = lint(tmp_path, "t.json", format="github", select=("TDL002",)).stdout
        assert out == (
            "::warning file=t.json,line=1,endLine=1,col=58,endColumn=59,title=TDL002 duplicate-key::"
            'Duplicate key "a%0Ab" (first given at line 1, column 47); JSON parsers keep only the last value\n'
        )

    def test_nothing_when_clean(self) -> None:
        assert render("github", FileResult("t.json", [])) == ""


class TestJunit:
    def test_one_testcase_per_file_and_one_failure_per_failing_file(self, project: Path) -> None:
        root = ET.fromstring(run(project, "junit"))
        assert root.tag == "testsuites"
        [suite] = root.findall("testsuite")
        cases = suite.findall("testcase")
        assert [case.get("name") for case in cases] == [
            ".taskdeflint.toml",
            "broken.json",
            "clean.json",
            "déploy, v2/50% web.json",
        ]
        failures = {case.get("name"): case.findall("failure") for case in cases}
        # With --fail-on error (the default), a file with only a warning passes; its finding is in its output.
        assert {name: len(found) for name, found in failures.items()} == {
            "broken.json": 1,
            "clean.json": 0,
            "déploy, v2/50% web.json": 1,
            ".taskdeflint.toml": 0,
        }
        [config_case] = [case for case in cases if case.get("name") == ".taskdeflint.toml"]
        assert (config_case.findtext("system-out") or "").startswith(".taskdeflint.toml:2:1: warning TDL901 ")
        assert suite.get("tests") == root.get("tests") == "4"
        assert suite.get("failures") == root.get("failures") == "2"
        [first] = failures["broken.json"]
        assert first.get("type") == "TDL003 schema-violation"
        assert first.get("message") == (
            '1 error, 1 warning; first: TDL003 Container "web": unknown member "enviroment" (did you mean '
            '"environment"?)'
        )
        assert (first.text or "").splitlines() == [
            'broken.json:3:82: error TDL003 Container "web": unknown member "enviroment" (did you mean '
            '"environment"?)',
            'broken.json:4:3: warning TDL002 Duplicate key "family" (first given at line 2, column 3); JSON parsers '
            "keep only the last value",
        ]

    def test_markup_in_messages_is_escaped(self) -> None:
        text = render("junit", FileResult("<a&b>.json", [finding("<a&b>.json", "say \"<x>\" & 'y'")]))
        root = ET.fromstring(text)
        [case] = root.iter("testcase")
        assert case.get("name") == "<a&b>.json"
        [failure] = case.findall("failure")
        assert failure.get("message") == "1 error; first: TDL003 say \"<x>\" & 'y'"

    def test_a_clean_run(self, tmp_path: Path) -> None:
        (tmp_path / "clean.json").write_text(CLEAN, encoding="utf-8")
        root = ET.fromstring(lint(tmp_path, "clean.json", format="junit", select=FOUNDATION).stdout)
        assert [(c.get("name"), len(c)) for c in root.iter("testcase")] == [("clean.json", 0)]
        assert root.get("failures") == "0"


class TestText:
    def test_lines_then_summary(self, project: Path) -> None:
        assert run(project, "text").splitlines() == [
            '.taskdeflint.toml:2:1: warning TDL901 Suppression of TDL003 for container "web" matched no finding; '
            "remove it",
            'broken.json:3:82: error TDL003 Container "web": unknown member "enviroment" (did you mean '
            '"environment"?)',
            'broken.json:4:3: warning TDL002 Duplicate key "family" (first given at line 2, column 3); JSON parsers '
            "keep only the last value",
            'déploy, v2/50% web.json:1:30: error TDL003 Container "a" cpu must be an integer, not string "1" '
            "(container-level cpu is an integer)",
            "Found 2 errors, 2 warnings in 3 of 4 files.",
        ]

    @pytest.mark.parametrize(
        ("findings", "summary"),
        [
            ([], "No problems found in 2 files."),
            ([finding("a.json", "x")], "Found 1 error in 1 of 2 files."),
            (
                [
                    finding("a.json", "x", severity=Severity.INFO),
                    finding("a.json", "y", severity=Severity.INFO),
                ],
                "Found 2 info in 1 of 2 files.",
            ),
        ],
    )
    def test_summary(self, findings: list[Finding], summary: str) -> None:
        text = render("text", FileResult("a.json", findings), FileResult("b.json", []))
        assert text.splitlines()[-1] == summary


def test_all_formats_render_the_same_findings(project: Path) -> None:
    """One run, five formats: the same (rule, path, line, column) in each."""
    expected = [(f["rule"], f["path"], f["line"], f["column"]) for f in json.loads(run(project, "json"))]
    sarif: Any = json.loads(run(project, "sarif"))
    assert [
        (
            r["ruleId"],
            unquote(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]),
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["locations"][0]["physicalLocation"]["region"]["startColumn"],
        )
        for r in sarif["runs"][0]["results"]
    ] == expected
    text_lines = run(project, "text").splitlines()[:-1]
    assert [
        (m[4], m[1], int(m[2]), int(m[3]))
        for m in (re.match(r"(.*):(\d+):(\d+): \w+ (\w+) ", line) for line in text_lines)
        if m
    ] == expected
    github = run(project, "github").splitlines()
    assert len(github) == len(expected)
    junit = ET.fromstring(run(project, "junit"))
    listed = [
        line.split(": ", 1)[0]
        for case in junit.iter("testcase")
        for element in (*case.findall("failure"), *case.findall("system-out"))
        for line in (element.text or "").splitlines()
    ]
    assert listed == [f"{path}:{line}:{column}" for _, path, line, column in expected]
