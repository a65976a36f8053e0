"""Baselines: record today's findings, then report only new ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Result, lint

FOUNDATION = ("TDL001", "TDL002", "TDL003", "TDL004", "TDL005", "TDL006", "TDL007")

TASKDEF = """{
  "family": "web",
  "containerDefinitions": [
    {"name": "web", "image": "x", "memory": 512, "enviroment": []}
  ]
}
"""


def run(cwd: Path, *paths: str, **options: Any) -> Result:
    options.setdefault("select", FOUNDATION)
    return lint(cwd, *paths, **options)


def found(result: Result) -> list[tuple[str, str, int, str]]:
    return [(f["path"], f["rule"], f["line"], f["pointer"]) for f in result.findings]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "web.json").write_text(TASKDEF, encoding="utf-8")
    return tmp_path


def write_baseline(repo: Path, *paths: str, name: str = "baseline.json", cwd: Path | None = None) -> Result:
    result = run(cwd or repo, *(paths or ("deploy",)), write_baseline=Path(name))
    assert result.code == 0, result.stderr
    return result


def test_write_baseline_records_findings_and_exits_0(repo: Path) -> None:
    result = write_baseline(repo)
    assert result.stdout == ""
    assert result.stderr == "taskdeflint: wrote 1 finding to baseline.json\n"
    assert json.loads((repo / "baseline.json").read_text(encoding="utf-8")) == {
        "version": 1,
        "findings": [
            {
                "path": "deploy/web.json",
                "rule": "TDL003",
                "pointer": "/containerDefinitions/0/enviroment",
                "message": 'Container "web": unknown member "enviroment" (did you mean "environment"?)',
            }
        ],
    }


def test_with_the_baseline_only_new_findings_are_reported(repo: Path) -> None:
    write_baseline(repo)
    assert run(repo, "deploy", baseline=Path("baseline.json")).findings == []
    assert run(repo, "deploy", baseline=Path("baseline.json")).code == 0
    text = TASKDEF.replace('"memory": 512', '"memory": "512"')
    (repo / "deploy" / "web.json").write_text(text, encoding="utf-8")
    result = run(repo, "deploy", baseline=Path("baseline.json"))
    assert found(result) == [("deploy/web.json", "TDL003", 4, "/containerDefinitions/0/memory")]
    assert result.code == 1


def test_a_new_file_is_all_new(repo: Path) -> None:
    write_baseline(repo)
    (repo / "deploy" / "api.json").write_text(TASKDEF, encoding="utf-8")
    result = run(repo, "deploy", baseline=Path("baseline.json"))
    assert found(result) == [("deploy/api.json", "TDL003", 4, "/containerDefinitions/0/enviroment")]


def test_the_baseline_survives_lines_moving(repo: Path) -> None:
    write_baseline(repo)
    moved = TASKDEF.replace('{\n  "family": "web",', '{\n\n\n  "cpu": "256",\n  "family": "web",')
    moved = moved.replace(
        '{"name": "web", "image": "x", "memory": 512, "enviroment": []}',
        ('{\n      "enviroment": [],\n      "name": "web",\n      "image": "x",\n      "memory": 512\n    }'),
    )
    (repo / "deploy" / "web.json").write_text(moved, encoding="utf-8")
    assert found(run(repo, "deploy")) == [
        ("deploy/web.json", "TDL003", 8, "/containerDefinitions/0/enviroment")
    ]
    assert run(repo, "deploy", baseline=Path("baseline.json")).findings == []


def test_a_second_identical_problem_is_still_reported(repo: Path) -> None:
    text = TASKDEF.replace('"memory": 512,', '"memory": 512, "memory": 256,')
    (repo / "deploy" / "web.json").write_text(text, encoding="utf-8")
    write_baseline(repo)
    # The same duplicate key a third time: same file, rule and pointer, one more than recorded.
    text = TASKDEF.replace('"memory": 512,', '"memory": 512, "memory": 256, "memory": 128,')
    (repo / "deploy" / "web.json").write_text(text, encoding="utf-8")
    result = run(repo, "deploy", baseline=Path("baseline.json"))
    line = text.splitlines()[3]
    third = line.index('"memory"', line.index('"memory"', line.index('"memory"') + 1) + 1)
    # The recorded one covers the first repeat; the new, later repeat is reported.
    assert [(f["rule"], f["pointer"], f["line"], f["column"]) for f in result.findings] == [
        ("TDL002", "/containerDefinitions/0/memory", 4, third + 1)
    ]
    assert result.code == 0  # a warning


def test_the_same_problem_in_a_second_container_is_new(repo: Path) -> None:
    write_baseline(repo)
    text = TASKDEF.replace(
        '"enviroment": []}',
        '"enviroment": []},\n    {"name": "log", "image": "x", "memory": 64, "enviroment": []}',
    )
    (repo / "deploy" / "web.json").write_text(text, encoding="utf-8")
    result = run(repo, "deploy", baseline=Path("baseline.json"))
    assert found(result) == [("deploy/web.json", "TDL003", 5, "/containerDefinitions/1/enviroment")]


def test_a_fixed_problem_just_goes(repo: Path) -> None:
    write_baseline(repo)
    (repo / "deploy" / "web.json").write_text(TASKDEF.replace("enviroment", "environment"), encoding="utf-8")
    result = run(repo, "deploy", baseline=Path("baseline.json"))
    assert (result.code, result.findings, result.stderr) == (0, [], "")


def test_the_baseline_key_in_the_config(repo: Path) -> None:
    (repo / ".taskdeflint.toml").write_text('baseline = "ci/baseline.json"\n', encoding="utf-8")
    write_baseline(repo, name="ci/baseline.json")
    assert (
        json.loads((repo / "ci" / "baseline.json").read_text())["findings"][0]["path"] == "../deploy/web.json"
    )
    assert run(repo, "deploy").findings == []
    # The config's baseline path is relative to the config's folder, and the recorded paths to the
    # baseline's, so it works from any working folder.
    assert run(repo / "deploy", ".").findings == []
    assert run(repo / "deploy", "web.json").findings == []


def test_a_baseline_written_in_a_subfolder_works_from_the_top(repo: Path) -> None:
    write_baseline(repo, "web.json", name="../baseline.json", cwd=repo / "deploy")
    assert json.loads((repo / "baseline.json").read_text())["findings"][0]["path"] == "deploy/web.json"
    assert run(repo, "deploy", baseline=Path("baseline.json")).findings == []


def test_write_baseline_ignores_the_old_baseline(repo: Path) -> None:
    write_baseline(repo)
    (repo / "deploy" / "api.json").write_text(TASKDEF, encoding="utf-8")
    result = run(repo, "deploy", baseline=Path("baseline.json"), write_baseline=Path("baseline.json"))
    assert result.stderr == "taskdeflint: wrote 2 findings to baseline.json\n"
    assert len(json.loads((repo / "baseline.json").read_text())["findings"]) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "baseline is not valid JSON"),
        (b"\xff\xfe", "baseline is not valid JSON"),
        ("[]", "not a taskdeflint baseline (version 1)"),
        ('{"version": 2, "findings": []}', "not a taskdeflint baseline (version 1)"),
        ('{"version": 1}', "not a taskdeflint baseline (version 1)"),
        (
            '{"version": 1, "findings": [{"path": "a", "rule": "TDL003"}]}',
            "each finding needs path, rule and pointer",
        ),
        ('{"version": 1, "findings": ["a"]}', "each finding needs path, rule and pointer"),
    ],
)
def test_a_corrupt_baseline_is_exit_2(repo: Path, content: str | bytes, message: str) -> None:
    path = repo / "baseline.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    result = run(repo, "deploy", baseline=Path("baseline.json"))
    assert result.code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"taskdeflint: error: {path}: {message}")
    assert len(result.stderr.splitlines()) == 1


def test_a_missing_baseline_is_exit_2(repo: Path) -> None:
    result = run(repo, "deploy", baseline=Path("nope.json"))
    assert result.code == 2
    assert (
        result.stderr
        == f"taskdeflint: error: {repo / 'nope.json'}: cannot read baseline: No such file or directory\n"
    )


def test_a_baseline_that_cannot_be_written_is_exit_2(repo: Path) -> None:
    result = run(repo, "deploy", write_baseline=Path("deploy/web.json/baseline.json"))
    assert result.code == 2
    assert result.stderr == (
        f"taskdeflint: error: deploy/web.json/baseline.json: cannot write: {repo / 'deploy' / 'web.json'} is a "
        "file, not a folder\n"
    )
