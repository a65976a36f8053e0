"""The fast yes/no schema check agrees with jsonschema, so skipping jsonschema on "yes" loses nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from taskdeflint.data import task_definition_schema
from taskdeflint.engine.catalogue import builtin_rules
from taskdeflint.engine.schema import _validator
from taskdeflint.fastschema import Schema, Unsupported, compile_schema
from taskdeflint.readers.base import Kind
from tests.conftest import ROOT

GOLDEN = [
    json.loads(p.read_text())
    for p in sorted((ROOT / "tests" / "golden").glob("*.json"))
    if not p.name.endswith(".expected.json")
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 70000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1.0, 2.5, "", "bridge", "awsvpc", "FARGATE", "256", "CMD", "ENABLED", "tcp", "x" * 300]),
    st.text(max_size=8),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*prefix, index))
    return out


@st.composite
def mutated_task_definitions(draw: st.DrawFn) -> Any:
    """A golden task definition with one node replaced, one member added, or one member removed."""
    document = json.loads(json.dumps(draw(st.sampled_from(GOLDEN))))
    path = draw(st.sampled_from(_paths(document)))
    if not path:
        return draw(json_values)
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    action = draw(st.sampled_from(["replace", "add", "remove"]))
    if action == "replace":
        parent[path[-1]] = draw(json_values)
    elif action == "add" and isinstance(parent, dict):
        parent[draw(st.sampled_from(["name", "image", "memory", "essential", "extra", "cpu"]))] = draw(
            json_values
        )
    elif isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent.pop(path[-1])
    return document


SCHEMAS = {kind.name: _validator(kind).schema for kind in Kind}
FRAGMENTS = {rule.id: rule.schema for rule in builtin_rules() if rule.schema is not None}


def test_every_shipped_schema_compiles() -> None:
    for name, schema in {**SCHEMAS, **FRAGMENTS}.items():
        assert Schema(schema).fast is not None, name


@settings(max_examples=400, deadline=None)
@given(mutated_task_definitions())
def test_fast_check_agrees_with_jsonschema_on_task_definitions(document: Any) -> None:
    for name, schema in {**SCHEMAS, **FRAGMENTS}.items():
        expected = Draft202012Validator(schema).is_valid(document)
        assert compile_schema(schema)(document) is expected, name


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_fast_check_agrees_with_jsonschema_on_any_json(document: Any) -> None:
    for name, schema in SCHEMAS.items():
        assert compile_schema(schema)(document) is Draft202012Validator(schema).is_valid(document), name


@pytest.mark.parametrize(
    ("schema", "valid", "invalid"),
    [
        ({"type": "integer"}, [1, 2.0, -3], [True, 1.5, "1", None]),
        ({"type": "number"}, [1, 1.5], [False, "1"]),
        ({"enum": ["a", 1]}, ["a", 1, 1.0], [True, "b", [1]]),
        ({"const": False}, [False], [0, None]),
        ({"const": 1}, [1, 1.0], [True]),
        ({"maxLength": 2}, ["ab", "éé", 5], ["abc"]),
        ({"pattern": "^a"}, ["ab", 3], ["ba"]),
        ({"minimum": 2, "maximum": 4}, [2, 4, "x", True], [1, 5]),
        ({"contains": {"const": 1}}, [[0, 1], {}], [[0], []]),
        ({"if": {"required": ["a"]}, "then": {"required": ["b"]}}, [{}, {"a": 1, "b": 2}], [{"a": 1}]),
        ({"not": {"type": "string"}}, [1], ["s"]),
        (
            {"additionalProperties": {"type": "string"}, "properties": {"a": {}}},
            [{"a": 1, "b": "x"}],
            [{"b": 1}],
        ),
    ],
)
def test_keywords(schema: dict[str, Any], valid: list[Any], invalid: list[Any]) -> None:
    check = compile_schema(schema)
    for value in valid:
        assert check(value) and Draft202012Validator(schema).is_valid(value), value
    for value in invalid:
        assert not check(value) and not Draft202012Validator(schema).is_valid(value), value


def test_unknown_keywords_are_refused_so_jsonschema_is_used() -> None:
    with pytest.raises(Unsupported):
        compile_schema({"dependentRequired": {"a": ["b"]}})
    schema = Schema({"dependentRequired": {"a": ["b"]}})
    assert schema.fast is None
    assert [e.validator for e in schema.iter_errors({"a": 1})] == ["dependentRequired"]


def test_the_task_definition_schema_is_loaded_once(tmp_path: Path) -> None:
    assert task_definition_schema() is task_definition_schema()
