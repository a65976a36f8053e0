"""Where the shipped data (the schema and the rule catalogue) is: inside the installed package, where the
wheel puts it, or at the top of a source checkout; and the task-definition schema itself, which the
readers use for the ECS API's shapes and the engine's schema stage validates with."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent
SCHEMA_FILE = "task-definition.schema.json"
SERVICE_SCHEMA_FILE = "service.schema.json"


def data_dir(name: str) -> Path:
    packaged = _PACKAGE / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / name


def schemas_dir() -> Path:
    return data_dir("schemas")


@cache
def task_definition_schema() -> dict[str, Any]:
    """The schema generated from the ECS API model (`scripts/generate_schema.py`), loaded once."""
    with (schemas_dir() / SCHEMA_FILE).open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


@cache
def service_schema() -> dict[str, Any]:
    """The services' schema generated from the ECS API model (`scripts/generate_schema.py`), loaded once,
    and only when a file holds a service in the API's JSON."""
    with (schemas_dir() / SERVICE_SCHEMA_FILE).open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema
