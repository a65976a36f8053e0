"""The catalogue itself: every rule is well formed, documented, and its examples do what they say."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from taskdeflint.engine.catalogue import (
    CatalogueError,
    Example,
    Rule,
    builtin_rules,
    load_catalogue,
    parse_rule,
)
from taskdeflint.findings import Severity
from tests.conftest import DOCUMENT_RULES, ROOT, lint

RULES = builtin_rules()


def test_ids_and_names_are_unique_and_well_formed() -> None:
    ids = [r.id for r in RULES]
    names = [r.name for r in RULES]
    assert len(ids) == len(set(ids))
    assert len(names) == len(set(names))
    for rule in RULES:
        assert re.fullmatch(r"TDL\d{3}", rule.id), rule.id
        assert rule.origin.name == f"{rule.id}-{rule.name}.toml", rule.origin


def test_every_rule_names_its_source_and_has_examples() -> None:
    for rule in RULES:
        assert len(rule.docs) > 80, rule.id
        assert rule.source, rule.id
        assert {e.kind for e in rule.examples} == {"bad", "good"}, rule.id


def test_every_error_rule_names_the_kind_of_evidence_it_rests_on() -> None:
    """An error says the definition will not work; the rule must say what shows that (issue 12)."""
    missing = [r.id for r in RULES if r.severity is Severity.ERROR and r.evidence is None]
    assert missing == [], f"error rules without 'evidence': {missing}"
    for rule in RULES:
        if rule.evidence is not None:
            assert rule.evidence_label in rule_text(rule), rule.id


def rule_text(rule: Rule) -> str:
    from taskdeflint.engine.explain import explain

    return explain(rule)


def test_checks_resolve_to_functions() -> None:
    for rule in RULES:
        if rule.check is not None:
            assert callable(rule.load_check()), rule.id


EXAMPLES = [(rule, n, example) for rule in RULES for n, example in enumerate(rule.examples, 1)]


def example_config(example: Example, folder: Path) -> str | None:
    """An example's config. An example with a Dockerfile gets it written as `folder/Dockerfile`, and a
    service that builds it for the document's first container, unless its config has services of its own."""
    if example.dockerfile is None:
        return example.config
    (folder / "Dockerfile").write_text(example.dockerfile.strip("\n") + "\n", encoding="utf-8")
    config = example.config or ""
    if "[services." in config:
        return config
    document = json.loads(example.document)
    if isinstance(document, dict):
        document = document.get("taskDefinition", document).get("containerDefinitions")
    return config + "\n".join(
        [
            "",
            "[services.example]",
            'context = "."',
            'repository = "localhost:5000/example"',
            'task-definition = "taskdef.json"',
            f"container = {json.dumps(document[0]['name'])}",
            "",
        ]
    )


@pytest.mark.parametrize(
    ("rule", "number", "example"), EXAMPLES, ids=[f"{r.id}-{e.kind}-{n}" for r, n, e in EXAMPLES]
)
def test_rule_examples(rule, number, example, lint_text, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # An example with `format = "yaml"` (a CloudFormation template) is linted as taskdef.yaml.
    name = f"taskdef.{example.format}"
    if example.taskdef is not None:
        # A service's example: the service as service.json, the task definition it runs beside it.
        (tmp_path / "taskdef.json").write_text(example.taskdef.strip("\n"), encoding="utf-8")
        name = "service.json"
    result = lint_text(example.document.strip("\n"), config=example_config(example, tmp_path), name=name)
    if example.taskdef is not None:
        result = lint(tmp_path, "service.json", "taskdef.json")
    assert result.code in (0, 1), result.stderr
    found = [f for f in result.findings if f["rule"] == rule.id]
    if example.taskdef is not None:
        assert {f["path"] for f in found} <= {"service.json"}, found
    if example.kind == "bad":
        assert sorted(f["pointer"] for f in found) == sorted(example.pointers), found
    else:
        assert found == []
    if rule.id not in DOCUMENT_RULES:
        # Examples of ECS rules are valid API input, so that each shows its own rule alone.
        document_findings = [f for f in result.findings if f["rule"] in DOCUMENT_RULES]
        assert document_findings == []


def test_docs_rules_md_is_current() -> None:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_rules_doc.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


def _write_rule(folder: Path, text: str, name: str = "ORG001-team-label.toml") -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


USER_RULE = '''
id = "ORG001"
name = "missing-team-label"
severity = "warning"
summary = "Every container carries a team label."
source = "Our platform policy."
docs = "Cost reports group containers by their team Docker label."
schema = """
{"properties": {"containerDefinitions": {"items": {"required": ["dockerLabels"],
  "properties": {"dockerLabels": {"required": ["team"]}}}}}}
"""
message = "{container} has no team label"

[[examples]]
kind = "bad"
document = '{"family": "a", "containerDefinitions": [{"name": "a", "image": "a:1"}]}'
pointers = ["/containerDefinitions/0"]

[[examples]]
kind = "good"
document = '{"family": "a", "containerDefinitions": [{"name": "a", "image": "a:1", "dockerLabels": {"team": "x"}}]}'
'''


def test_user_rules_dir_adds_a_schema_rule(tmp_path: Path) -> None:
    from tests.conftest import lint

    _write_rule(tmp_path / "policies", USER_RULE)
    (tmp_path / "td.json").write_text(
        '{"family": "a",\n "containerDefinitions": [\n  {"name": "api", "image": "a:1"}]}\n'
    )
    result = lint(tmp_path, "td.json", rules_dirs=(tmp_path / "policies",), select=("ORG",))
    assert result.code == 0  # a warning does not fail the default --fail-on error
    assert result.findings == [
        {
            "rule": "ORG001",
            "name": "missing-team-label",
            "severity": "warning",
            "message": 'Container "api" has no team label',
            "path": "td.json",
            "line": 3,
            "column": 3,
            "end_line": 3,
            "end_column": 34,
            "pointer": "/containerDefinitions/0",
        }
    ]


def test_user_rule_with_a_python_check(tmp_path: Path) -> None:
    from tests.conftest import lint

    # Build the rule file by hand: a check, no schema.
    rule = "\n".join(
        [
            'id = "ORG002"',
            'name = "root-user"',
            'severity = "error"',
            'summary = "Containers name a non-root user."',
            'source = "Our platform policy."',
            'docs = "We never run as root; the image default user is root unless it says otherwise."',
            'check = "policy.py:no_root"',
            "[[examples]]",
            'kind = "bad"',
            """document = '{"family": "a", "containerDefinitions": [{"name": "a", "image": "a:1"}]}'""",
            'pointers = ["/containerDefinitions/0"]',
            "[[examples]]",
            'kind = "good"',
            """document = '{"family": "a", "containerDefinitions": [{"name": "a", "image": "a:1", "user": "1000"}]}'""",
        ]
    )
    _write_rule(tmp_path / "policies", rule, "ORG002-root-user.toml")
    (tmp_path / "policies" / "policy.py").write_text(
        "def no_root(td):\n"
        "    for c in td.containers:\n"
        "        if c.data.get('user') in (None, 'root', '0'):\n"
        "            yield c.pointer, f'{c.label} runs as root'\n"
    )
    (tmp_path / "td.json").write_text(
        '{"family": "a", "containerDefinitions": [{"name": "a", "image": "a:1"}]}'
    )
    result = lint(tmp_path, "td.json", rules_dirs=(tmp_path / "policies",), select=("ORG",))
    assert result.code == 1
    assert [(f["rule"], f["message"], f["pointer"]) for f in result.findings] == [
        ("ORG002", 'Container "a" runs as root', "/containerDefinitions/0")
    ]


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        (lambda t: t.replace('id = "ORG001"', 'id = "TDL999"'), "reserved"),
        (lambda t: t.replace('name = "missing-team-label"', 'name = "Missing_Team"'), "kebab-case"),
        (lambda t: t.replace('severity = "warning"', 'severity = "fatal"'), "unknown severity"),
        (lambda t: t.replace('kind = "good"', 'kind = "bad"'), "must list the pointers"),
        (lambda t: t.replace("pointers = ", "pointerz = "), "unknown key"),
        (lambda t: t + "\nextra = 1\n", "unknown key"),
        (lambda t: t.replace('"required": ["team"]', '"required": ["team"'), "not valid JSON"),
        (lambda t: t.replace("[[examples]]", "[[examples", 1), "invalid TOML"),
        (lambda t: t.replace('severity = "warning"', 'severity = "error"\nevidence = "hunch"'), "'evidence'"),
    ],
)
def test_bad_user_rules_are_refused_with_the_file_named(tmp_path: Path, mutation, message) -> None:  # type: ignore[no-untyped-def]
    _write_rule(tmp_path / "policies", mutation(USER_RULE))
    with pytest.raises(CatalogueError) as raised:
        load_catalogue([tmp_path / "policies"])
    assert "ORG001-team-label.toml" in str(raised.value)
    assert message in str(raised.value)


def test_parse_rule_roundtrip_of_a_shipped_rule() -> None:
    rule = parse_rule(ROOT / "rules" / "TDL003-schema-violation.toml")
    assert rule.check == "taskdeflint.engine.schema:validate"
    assert rule.engine_stage
