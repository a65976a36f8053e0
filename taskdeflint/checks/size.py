"""Size checks (TDL03x): the 64 KiB quota on a registered task definition.

How ECS measures the size is not documented. An AWS documentation maintainer advised saving the task
definition as JSON and checking the file size (awsdocs/amazon-ecs-developer-guide#43), so the checks
measure the compact UTF-8 JSON of the RegisterTaskDefinition request body: no whitespace between tokens,
non-ASCII characters as UTF-8 rather than `\\uXXXX` escapes. Describe output is measured as register would
take it, without its read-only members (`taskDefinitionArn`, `revision`, `status`, ...). A bare list of
container definitions is measured alone: a lower bound of the whole task definition.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from taskdeflint.document import READ_ONLY_MEMBERS
from taskdeflint.model import TaskDef

LIMIT = 65536
NEAR = 0.9


def register_body(td: TaskDef) -> dict[str, Any]:
    """What RegisterTaskDefinition would take: the document without describe's read-only members."""
    if td.kind == "DESCRIBE":
        return {k: v for k, v in td.data.items() if k not in READ_ONLY_MEMBERS}
    return td.data


def compact_size(td: TaskDef) -> int | None:
    """Bytes of the compact UTF-8 JSON of the register request body, or None if it cannot be encoded."""
    try:
        text = json.dumps(register_body(td), ensure_ascii=False, separators=(",", ":"))
        return len(text.encode("utf-8", errors="surrogatepass"))
    except (TypeError, ValueError, RecursionError):
        return None


def _subject(td: TaskDef) -> str:
    return "Container definitions alone are" if td.kind == "CONTAINERS" else "Task definition is"


def task_definition_too_large(td: TaskDef) -> Iterator[tuple[str, str]]:
    size = compact_size(td)
    if size is not None and size > LIMIT:
        yield (
            "",
            f"{_subject(td)} {size:,} bytes as compact UTF-8 JSON, over the {LIMIT:,}-byte (64 KiB) limit "
            "on a registered task definition",
        )


def task_definition_near_size_limit(td: TaskDef) -> Iterator[tuple[str, str]]:
    size = compact_size(td)
    if size is not None and NEAR * LIMIT < size <= LIMIT:
        yield (
            "",
            f"{_subject(td)} {size:,} bytes as compact UTF-8 JSON, {size * 100 // LIMIT}% of the "
            f"{LIMIT:,}-byte (64 KiB) limit on a registered task definition",
        )
