"""What several categories of checks need: launch type, operating system, and the unit strings in which
task-level cpu and memory may be written."""

from __future__ import annotations

import re

from taskdeflint.model import TaskDef

# RegisterTaskDefinition takes task cpu as CPU units ("1024") or vCPU ("1 vCPU", "0.5 vcpu"), and task
# memory as MiB ("2048") or GB ("2GB", "2 GB"); ECS converts them at registration (ECS API model,
# RegisterTaskDefinitionRequest.cpu and .memory; shared/fargate-cpu-memory.json string_forms_note).
# The blanks before the unit belong to the optional unit group: two `\s*` side by side backtrack
# quadratically on a value of many blanks that does not match ("1" + 100,000 spaces + "x" took minutes).
# A number may start with its decimal point: the AWS table writes ".25 vCPU".
_NUMBER = r"(\d{1,12}(?:\.\d{1,12})?|\.\d{1,12})"
_CPU = re.compile(rf"^\s*{_NUMBER}(?:\s*(vcpu))?\s*$", re.IGNORECASE | re.ASCII)
_MEMORY = re.compile(rf"^\s*{_NUMBER}(?:\s*(gb))?\s*$", re.IGNORECASE | re.ASCII)


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
