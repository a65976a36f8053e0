"""The checked-in schema is exactly what the generator makes from the pinned botocore ECS model."""

from __future__ import annotations

import importlib.util
import json
import os
from types import ModuleType

import pytest

from tests.conftest import ROOT


def _generator() -> ModuleType:
    if importlib.util.find_spec("botocore") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("botocore (a dev dependency) is not installed")
        pytest.skip("botocore is not installed")
    spec = importlib.util.spec_from_file_location("generate_schema", ROOT / "scripts" / "generate_schema.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_checked_in_schema_matches_the_model() -> None:
    generator = _generator()
    checked_in = (ROOT / "schemas" / "task-definition.schema.json").read_text(encoding="utf-8")
    assert generator.render(generator.generate()) == checked_in


def test_provenance_names_the_model_it_came_from() -> None:
    generator = _generator()
    provenance = json.loads((ROOT / "schemas" / "PROVENANCE.json").read_text(encoding="utf-8"))
    assert provenance["botocore_version"] == generator.botocore_version()
    assert provenance["api_version"] == "2014-11-13"


def test_schema_catches_a_typo_and_takes_describe_members() -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads((ROOT / "schemas" / "task-definition.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    register = Draft202012Validator(schema)
    container = {"name": "web", "image": "nginx:1.27", "enviroment": []}
    errors = list(register.iter_errors({"family": "web", "containerDefinitions": [container]}))
    assert [e.validator for e in errors] == ["additionalProperties"]
    described = {"family": "web", "containerDefinitions": [], "revision": 3, "status": "ACTIVE"}
    assert not register.is_valid(described)
    assert Draft202012Validator({**schema, "$ref": "#/$defs/TaskDefinition"}).is_valid(described)


def test_checked_in_service_schema_matches_the_model() -> None:
    generator = _generator()
    checked_in = (ROOT / "schemas" / "service.schema.json").read_text(encoding="utf-8")
    assert generator.render(generator.generate(services=True)) == checked_in
