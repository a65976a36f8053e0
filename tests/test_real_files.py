"""Task definitions as teams keep them (tests/real): each file lints without an error, and the same file
with one real defect planted gives that error, at its rule, line and column. The expected findings are
beside each file (`NAME.expected.json`: rule, severity, line, column, pointer)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import lint

REAL = Path(__file__).parent / "real"
FILES = sorted(
    p.relative_to(REAL).as_posix()
    for p in [*REAL.glob("*.json"), *REAL.glob("cli/*.json"), *REAL.glob("terraform/templates/*.tpl")]
    if not p.name.endswith(".expected.json")
)


def findings(name: str) -> list[dict[str, object]]:
    result = lint(REAL, name)
    assert result.code in (0, 1), result.stderr
    keys = ("rule", "severity", "line", "column", "pointer")
    return [{k: f[k] for k in keys} for f in result.findings]


@pytest.mark.parametrize("name", FILES)
def test_real_file_gives_exactly_its_expected_findings(name: str) -> None:
    expected = json.loads((REAL / f"{name}.expected.json").read_text(encoding="utf-8"))
    assert findings(name) == expected


# cli/ holds the Terraform template of terraform/templates given to the AWS CLI instead: errors there.
@pytest.mark.parametrize(
    "name", [n for n in FILES if ".broken." not in n and ".defect." not in n and not n.startswith("cli/")]
)
def test_a_real_file_without_a_defect_has_no_error(name: str) -> None:
    assert [f for f in findings(name) if f["severity"] == "error"] == []


@pytest.mark.parametrize("name", [n for n in FILES if ".broken." in n or ".defect." in n])
def test_one_planted_defect_is_the_one_new_finding(name: str) -> None:
    """The planted file differs from its clean twin by one defect: exactly one finding more (or, for a
    syntax error, TDL001 alone: the file cannot be read further)."""
    clean = name.replace(".broken.", ".").replace(".defect.", ".")
    before = {(f["rule"], f["pointer"]) for f in findings(clean)}
    after = findings(name)
    new = [f for f in after if (f["rule"], f["pointer"]) not in before]
    assert len(new) == 1, after
    if new[0]["rule"] == "TDL001":
        assert after == new


def test_terraform_reads_a_container_list_that_the_cli_rejects() -> None:
    """The same list: where a .tf file passes it to templatefile() its case variants and unknown members
    are what the AWS provider makes of them (warnings); given to the AWS CLI they are errors."""
    terraform = {(f["rule"], f["line"]) for f in findings("terraform/templates/api-containers.json.tpl")}
    cli = {(f["rule"], f["line"]) for f in findings("cli/container-definitions.json")}
    assert {("TDL022", 7), ("TDL022", 25), ("TDL021", 26)} <= terraform
    assert {("TDL003", 7), ("TDL003", 25), ("TDL003", 26)} <= cli
    assert not any(rule in ("TDL003", "TDL020") for rule, _ in terraform)
