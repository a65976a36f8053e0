"""Size checks (TDL030, TDL041): the 64 KiB quota on a registered task definition.

How ECS measures the size is not documented. An AWS documentation maintainer advised saving the task
definition as JSON and checking the file size (awsdocs/amazon-ecs-developer-guide#43); the AWS CLI and SDKs
send the request body with blanks after separators and non-ASCII characters as `\\uXXXX` escapes (botocore
serializes with `json.dumps(body)`). So the size lies between two measures of the RegisterTaskDefinition
request body: the smallest, compact JSON with each character counted once; the largest, the body as
botocore sends it. Over the limit by the smallest measure is over by any measure (TDL030, an error); over
it only by the largest may or may not be refused (TDL041, a warning). Describe output is measured as
register would take it, without its read-only members (`taskDefinitionArn`, `revision`, `status`, ...). A
bare list of container definitions is measured alone: a lower bound of the whole task definition.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from taskdeflint.model import TaskDef
from taskdeflint.readers.base import READ_ONLY_MEMBERS

LIMIT = 65536


def register_body(td: TaskDef) -> dict[str, Any]:
    """What RegisterTaskDefinition would take: the document without describe's read-only members."""
    if td.kind == "DESCRIBE":
        return {k: v for k, v in td.data.items() if k not in READ_ONLY_MEMBERS}
    return td.data


def measures(td: TaskDef) -> tuple[int, int] | None:
    """(smallest, largest) size of the register request body when the largest is over the limit: characters
    of its compact JSON, and bytes of the JSON as the AWS CLI sends it. None when the body is within the
    limit however it is counted (the largest is measured first, and the smallest, without blanks and
    escapes, is never more), or cannot be encoded."""
    body = register_body(td)
    try:
        largest = len(json.dumps(body))
        if largest <= LIMIT:
            return None
        smallest = len(json.dumps(body, ensure_ascii=False, separators=(",", ":")))
    except (TypeError, ValueError, RecursionError):
        return None
    return smallest, largest


def _subject(td: TaskDef) -> str:
    return "Container definitions alone are" if td.kind == "CONTAINERS" else "Task definition is"


def task_definition_too_large(td: TaskDef) -> Iterator[tuple[str, str]]:
    """Over 64 KiB however it is measured."""
    sizes = measures(td)
    if sizes is not None and sizes[0] > LIMIT:
        yield (
            "",
            f"{_subject(td)} {sizes[0]:,} characters as compact JSON, over the {LIMIT:,}-byte (64 KiB) limit "
            "on a registered task definition however it is counted",
        )


def task_definition_may_be_too_large(td: TaskDef) -> Iterator[tuple[str, str]]:
    """Over 64 KiB as the AWS CLI sends it, not as compact JSON."""
    sizes = measures(td)
    if sizes is not None and sizes[0] <= LIMIT < sizes[1]:
        yield (
            "",
            f"{_subject(td)} {sizes[1]:,} bytes as the AWS CLI sends it ({sizes[0]:,} characters as compact "
            f"JSON), over the {LIMIT:,}-byte (64 KiB) limit on a registered task definition by one way of "
            "counting",
        )
