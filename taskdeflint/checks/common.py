"""What several categories of checks need: launch type, operating system, and the unit strings in which
task-level cpu and memory may be written."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TypeVar

from taskdeflint.model import TaskDef

Edge = TypeVar("Edge")

# Enumerating elementary cycles is exponential in the worst case; a task has at most 10 containers,
# but a linted file may hold anything, so the search stops after this many steps or cycles.
_MAX_STEPS = 20_000
_MAX_CYCLES = 50


def cycles(edges: dict[int, list[tuple[int, Edge]]]) -> Iterator[tuple[int, list[tuple[int, Edge]]]]:
    """The elementary cycles of a graph of containers (by index), each once: `(start, steps)`, where
    `start` is the cycle's smallest node and each step is the next node and the edge that leads to it
    (the last step leads back to `start`). Edges out of a node are followed in the order given."""
    steps = 0
    found = 0
    nodes = sorted(set(edges) | {n for out in edges.values() for n, _ in out})
    for start in nodes:
        # Simple-cycle search: cycles whose smallest node is `start`, through larger nodes only.
        path: list[tuple[int, Edge]] = []
        on_path = {start}
        stack: list[Iterator[tuple[int, Edge]]] = [iter(edges.get(start, []))]
        while stack:
            steps += 1
            if steps > _MAX_STEPS or found >= _MAX_CYCLES:
                return
            step = next(stack[-1], None)
            if step is None:
                stack.pop()
                if path:
                    on_path.discard(path.pop()[0])
                continue
            node, edge = step
            if node == start:
                found += 1
                yield start, [*path, (node, edge)]
            elif node > start and node not in on_path:
                path.append((node, edge))
                on_path.add(node)
                stack.append(iter(edges.get(node, [])))


# RegisterTaskDefinition takes task cpu as CPU units ("1024") or vCPU ("1 vCPU", "0.5 vcpu"), and task
# memory as MiB ("2048") or GB ("2GB", "2 GB"); ECS converts them at registration (ECS API model,
# RegisterTaskDefinitionRequest.cpu and .memory; shared/fargate-cpu-memory.json string_forms_note).
# The blanks before the unit belong to the optional unit group: two `\s*` side by side backtrack
# quadratically on a value of many blanks that does not match ("1" + 100,000 spaces + "x" took minutes).
# A number may start with its decimal point: the AWS table writes ".25 vCPU".
_NUMBER = r"(\d{1,12}(?:\.\d{1,12})?|\.\d{1,12})"
_CPU = re.compile(rf"^\s*{_NUMBER}(?:\s*(vcpu))?\s*$", re.IGNORECASE | re.ASCII)
_MEMORY = re.compile(rf"^\s*{_NUMBER}(?:\s*(gb))?\s*$", re.IGNORECASE | re.ASCII)


def integer(value: object) -> int | None:
    """An integer member, or None for anything else (bool is an int subclass in Python, not in JSON)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _units(value: object, pattern: re.Pattern[str]) -> int | None:
    if not isinstance(value, str):
        return None
    match = pattern.match(value)
    if match is None:
        return None
    number, unit = match.groups()
    if unit is None:
        return int(number) if number.isdigit() else None
    scaled = float(number) * 1024
    return int(scaled) if scaled.is_integer() else None


def task_cpu(value: object) -> int | None:
    """Task-level cpu in CPU units, or None when absent or not a form ECS accepts."""
    return _units(value, _CPU)


def task_memory(value: object) -> int | None:
    """Task-level memory in MiB, or None when absent or not a form ECS accepts."""
    return _units(value, _MEMORY)


def os_family(td: TaskDef) -> str | None:
    platform = td.data.get("runtimePlatform")
    if isinstance(platform, dict):
        family = platform.get("operatingSystemFamily")
        if isinstance(family, str):
            return family
    return None


def is_windows(td: TaskDef) -> bool:
    family = os_family(td)
    return family is not None and family.startswith("WINDOWS")
