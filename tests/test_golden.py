"""Golden files: realistic, valid task definitions linted with the whole catalogue.

Each `tests/golden/NAME.json` is a task definition that AWS accepts. The test lints it with every rule
and compares the whole output (rule, line, column, severity, message, pointer) with the checked-in
`tests/golden/NAME.expected.json`, and asserts that nothing is an error: a valid task definition must
never get an error-level finding.

When rules are added or messages change, regenerate the expected files and review the diff:

    TASKDEFLINT_REGEN_GOLDEN=1 pytest tests/test_golden.py

(The error-severity check still runs while regenerating.)
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DOCUMENT_RULES, lint

GOLDEN = Path(__file__).resolve().parent / "golden"
REGENERATE = os.environ.get("TASKDEFLINT_REGEN_GOLDEN") == "1"
KEYS = ("rule", "line", "column", "severity", "message", "pointer")
NAMES = sorted(
    p.name.removesuffix(".json") for p in GOLDEN.glob("*.json") if not p.name.endswith(".expected.json")
)


def _findings(tmp_path: Path, name: str) -> list[dict[str, Any]]:
    # Lint a copy in an empty folder, so that no config of this repository applies.
    shutil.copyfile(GOLDEN / f"{name}.json", tmp_path / f"{name}.json")
    result = lint(tmp_path, f"{name}.json", format="json", fail_on="error")
    assert result.code in (0, 1), result.stderr
    return [{key: finding[key] for key in KEYS} for finding in result.findings]


def _dump(findings: list[dict[str, Any]]) -> str:
    return json.dumps(findings, indent=2, ensure_ascii=False) + "\n"


def test_there_are_golden_files() -> None:
    assert len(NAMES) >= 6, NAMES


def test_every_expected_file_has_its_golden_file() -> None:
    expected = {p.name.removesuffix(".expected.json") for p in GOLDEN.glob("*.expected.json")}
    assert expected <= set(NAMES), sorted(expected - set(NAMES))


@pytest.mark.parametrize("name", NAMES)
def test_golden(tmp_path: Path, name: str) -> None:
    findings = _findings(tmp_path, name)
    expected_path = GOLDEN / f"{name}.expected.json"
    if REGENERATE:
        expected_path.write_text(_dump(findings), encoding="utf-8")
    errors = [f for f in findings if f["severity"] == "error"]
    assert errors == [], f"{name}.json is a valid task definition but got errors: {errors}"
    assert expected_path.exists(), (
        f"{expected_path.name} is missing: run TASKDEFLINT_REGEN_GOLDEN=1 pytest tests/test_golden.py"
    )
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert findings == expected, (
        f"{name}.json: output changed; if intended, run "
        "TASKDEFLINT_REGEN_GOLDEN=1 pytest tests/test_golden.py and review the diff"
    )


@pytest.mark.parametrize("name", NAMES)
def test_golden_is_register_input_without_document_findings(tmp_path: Path, name: str) -> None:
    document = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    assert isinstance(document, dict) and "family" in document and "containerDefinitions" in document
    findings = _findings(tmp_path, name)
    assert [f for f in findings if f["rule"] in DOCUMENT_RULES] == []
