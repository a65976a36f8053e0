"""The schema stage: the generated ECS API schema, applied to each task definition (rule TDL003).

The schema in `schemas/` is generated from botocore's ECS service model by `scripts/generate_schema.py`.
Its root validates register-task-definition input; `$defs/TaskDefinition` validates the inside of
describe-task-definition output (which adds read-only members); `$defs/ContainerDefinition` validates each
item of a bare container list.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from taskdeflint.data import service_schema, task_definition_schema
from taskdeflint.fastschema import Schema
from taskdeflint.model import dotted
from taskdeflint.positions import join, split
from taskdeflint.readers import services
from taskdeflint.readers.base import (
    ENUM_MISMATCH,
    MEMBER_DROPPED_BY_ECSPRESSO,
    SCHEMA_VIOLATION,
    Kind,
    Placed,
    Raw,
    Target,
)
from taskdeflint.readers.unknown import is_unknown

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

ROOT = "RegisterTaskDefinitionRequest"

_TYPE_WORDS = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


@cache
def _validator(kind: Kind) -> Schema:
    schema = dict(task_definition_schema())
    if kind is Kind.DESCRIBE:
        schema["$ref"] = "#/$defs/TaskDefinition"
        # The console's export and `describe-task-definition --include TAGS` give `tags` beside the
        # read-only members; it is a member of register input, checked as such.
        defs = schema["$defs"] = dict(schema["$defs"])
        inner = defs["TaskDefinition"] = dict(defs["TaskDefinition"])
        inner["properties"] = {**inner["properties"], "tags": defs[ROOT]["properties"]["tags"]}
    elif kind is Kind.CONTAINERS:
        del schema["$ref"]
        schema["type"] = "object"
        schema["properties"] = {
            "containerDefinitions": {
                "type": "array",
                "items": {"$ref": "#/$defs/ContainerDefinition"},
            }
        }
    return Schema(schema)


@cache
def _wrapper_validator() -> Schema:
    schema = dict(task_definition_schema())
    del schema["$ref"]
    schema.update(
        {
            "type": "object",
            "properties": {
                "taskDefinition": {},
                "tags": {"type": "array", "items": {"$ref": "#/$defs/Tag"}},
            },
            "additionalProperties": False,
        }
    )
    return Schema(schema)


# Where a value may be a secret, messages give its type only: an environment variable's value (a numeric
# PIN is still a secret), and an option such as "splunk-token" or "password". A CI log is no place for it.
_SECRET_POINTER = re.compile(
    r"/environment/\d+/value$|(?i:password|passwd|secret|token|api.?key|credential|private.?key)[^/]*$"
)


def _describe_value(value: object, pointer: str = "") -> str:
    if (
        _SECRET_POINTER.search(pointer)
        and isinstance(value, str | int | float)
        and not isinstance(value, bool)
    ):
        return "a string" if isinstance(value, str) else "a number"
    if isinstance(value, bool):
        return f"boolean {json.dumps(value)}"
    if value is None:
        return "null"
    if isinstance(value, float) and not math.isfinite(value):
        # 1e400, or an integer of thousands of digits: `json` reads it as infinity.
        return "a number too large to represent"
    if isinstance(value, int | float):
        return f"number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"string {json.dumps(shown)}"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _hint(pointer: str, expected: str) -> str:
    member = pointer.rsplit("/", 1)[-1]
    if expected == "string" and pointer in ("/cpu", "/memory"):
        example = '"256" or "1 vCPU"' if member == "cpu" else '"512" or "2 GB"'
        return f" (task-level {member} is a string in the ECS API, e.g. {example})"
    if expected == "integer" and member in ("cpu", "memory", "memoryReservation"):
        return f" (container-level {member} is an integer)"
    return ""


def _messages(error: ValidationError, where_of: Callable[[str], str]) -> Iterator[tuple[str, str]]:
    pointer = "".join(f"/{t}" if isinstance(t, int) else join("", t) for t in error.absolute_path)
    where = where_of(pointer)
    validator = str(error.validator)
    instance = error.instance
    value: Any = error.validator_value
    subschema = error.schema if isinstance(error.schema, dict) else {}
    if validator == "additionalProperties" and isinstance(instance, dict):
        known = list(subschema.get("properties", {}))
        for key in instance:
            if key in known:
                continue
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
            if not close:
                close = [k for k in known if k.lower() == key.lower()]
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            yield join(pointer, key), f'{where}: unknown member "{key}"{hint}'
    elif validator == "required" and isinstance(instance, dict):
        for key in value:
            if key not in instance:
                yield pointer, f'{where}: missing required member "{key}"'
    elif validator == "type":
        expected = value
        expected_words = (
            " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in expected)
            if isinstance(expected, list)
            else _TYPE_WORDS.get(str(expected), str(expected))
        )
        yield (
            pointer,
            f"{where} must be {expected_words}, not {_describe_value(instance, pointer)}"
            f"{_hint(pointer, str(expected))}",
        )
    elif validator == "enum":
        options = [str(v) for v in value]
        close = [o for o in options if isinstance(instance, str) and o.lower() == instance.lower()]
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        yield (
            pointer,
            f"{where} is {_describe_value(instance, pointer)}; expected one of: {', '.join(options)}{hint}",
        )
    elif validator in ("maxItems", "minItems") and isinstance(instance, list):
        bound = "at most" if validator == "maxItems" else "at least"
        yield (
            pointer,
            f"{where} has {len(instance)} items; the ECS API allows {bound} {value}",
        )
    elif validator in ("maxLength", "minLength") and isinstance(instance, str):
        bound = "at most" if validator == "maxLength" else "at least"
        yield (
            pointer,
            f"{where} is {len(instance)} characters long; the ECS API allows {bound} {value}",
        )
    else:
        yield pointer, f"{where}: {error.message}"


def _rule(error: ValidationError) -> str:
    """TDL003, or TDL040 for a value outside an enumeration: botocore does not check enum values, and ECS
    accepts some values that the model does not list (`logDriver: "none"`), so such a value is not proof
    that AWS refuses the definition."""
    return ENUM_MISMATCH if error.validator == "enum" else SCHEMA_VIOLATION


def validate(target: Target, document: object) -> Iterator[Raw]:
    """Schema violations of one target, as findings with pointers into the document."""
    if target.kind is Kind.DESCRIBE and target.base and isinstance(document, dict):
        for error in _wrapper_validator().iter_errors(document):
            if error.validator == "additionalProperties":
                for key in document:
                    if key not in ("taskDefinition", "tags"):
                        yield Raw(
                            SCHEMA_VIOLATION,
                            f'Unknown member "{key}" beside "taskDefinition" in describe output',
                            pointer=join("", key),
                        )
            else:
                for pointer, message in _messages(error, target.taskdef.where):
                    yield Raw(_rule(error), message, pointer=pointer)
    for error in _validator(target.kind).iter_errors(target.taskdef.data):
        if is_unknown(error.instance):
            continue  # a value only the deployment knows (a template's intrinsic function, a plan's unknown)
        for pointer, message in _messages(error, target.taskdef.where):
            yield Raw(_rule(error), message, pointer=target.to_document(pointer))


# The shape each JSON form of a service has in the ECS API model. ecspresso reads its service definition
# into its own type: the describe output's Service with serviceConnectConfiguration and
# volumeConfigurations beside it (kayac/ecspresso, ecspresso.go `type Service`).
_SERVICE_ROOTS = {
    services.CREATE: "CreateServiceRequest",
    services.UPDATE: "UpdateServiceRequest",
    services.DESCRIBE: "Service",
    services.OUTPUT: "Service",
    services.ECSPRESSO: "Service",
}


@cache
def _service_validator(form: str) -> Schema:
    schema = dict(service_schema())
    root = _SERVICE_ROOTS[form]
    schema["$ref"] = f"#/$defs/{root}"
    if form == services.ECSPRESSO:
        defs = schema["$defs"] = dict(schema["$defs"])
        inner = defs[root] = dict(defs[root])
        create = defs["CreateServiceRequest"]["properties"]
        inner["properties"] = {
            **inner["properties"],
            "serviceConnectConfiguration": create["serviceConnectConfiguration"],
            "volumeConfigurations": create["volumeConfigurations"],
        }
    return Schema(schema)


def _service_where(pointer: str) -> str:
    return dotted(split(pointer)) or "Service"


def validate_service(placed: Placed) -> Iterator[Raw]:
    """Schema violations of a service kept in one of the ECS API's JSON forms. ecspresso reads its file
    with Go's `encoding/json` and, past a warning, drops a member it does not know (`unmarshalJSON` in
    ecspresso.go): there an unknown member is TDL023, a warning."""
    if placed.form not in _SERVICE_ROOTS:
        return
    for error in _service_validator(placed.form).iter_errors(placed.resource.data):
        if is_unknown(error.instance):
            continue
        rule = _rule(error)
        if placed.form == services.ECSPRESSO and error.validator == "additionalProperties":
            rule = MEMBER_DROPPED_BY_ECSPRESSO
        for pointer, message in _messages(error, _service_where):
            if rule == MEMBER_DROPPED_BY_ECSPRESSO:
                message += "; ecspresso drops it"
            yield Raw(rule, message, pointer=placed.to_document(pointer))
