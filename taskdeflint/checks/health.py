"""Container health check checks (TDL311-TDL314): the command's form and the timing.

Sources: the ECS API model (HealthCheck.command, .interval, .timeout; botocore ecs 2014-11-13) and
shared/ecs-facts.md section 3.10. The numeric ranges are a schema fragment (TDL310). Every function
takes a `TaskDef` and yields `(pointer, message)`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from taskdeflint.model import Container, TaskDef

PREFIXES = ("CMD", "CMD-SHELL")
DEFAULT_INTERVAL = 30  # HealthCheck.interval: "The default value is 30 seconds."
DEFAULT_TIMEOUT = 5  # HealthCheck.timeout: "The default value is 5."


def health_checks(td: TaskDef) -> Iterator[tuple[Container, dict[str, Any]]]:
    for container in td.containers:
        check = container.data.get("healthCheck")
        if isinstance(check, dict):
            yield container, check


def _commands(td: TaskDef) -> Iterator[tuple[Container, list[Any]]]:
    for container, check in health_checks(td):
        command = check.get("command")
        if isinstance(command, list):
            yield container, command


def _short(command: list[Any]) -> str:
    text = json.dumps(command)
    return text if len(text) <= 60 else text[:57] + "..."


# TDL311 -------------------------------------------------------------------------------------------


def invalid_health_check_command(td: TaskDef) -> Iterator[tuple[str, str]]:
    """healthCheck.command is empty or does not start with "CMD" or "CMD-SHELL" ("NONE" is TDL312's)."""
    for container, command in _commands(td):
        pointer = f"{container.pointer}/healthCheck/command"
        if not command:
            yield (
                pointer,
                f'{container.label} healthCheck.command is empty; it must start with "CMD" or "CMD-SHELL"',
            )
            continue
        first = command[0]
        if not isinstance(first, str) or first in PREFIXES or first == "NONE":
            continue
        hint = ""
        if first.upper() in PREFIXES:
            hint = f' (the prefix is case-sensitive: "{first.upper()}")'
        elif " " in first.strip():
            hint = f' (to run "{first}" with the shell, put "CMD-SHELL" before it)'
        yield (
            f"{pointer}/0",
            f'{container.label} healthCheck.command starts with "{first}"; it must start with "CMD" or '
            f'"CMD-SHELL"{hint}',
        )


# TDL312 -------------------------------------------------------------------------------------------


def health_check_command_none(td: TaskDef) -> Iterator[tuple[str, str]]:
    """healthCheck.command starts with Docker's "NONE", which ECS does not document."""
    for container, command in _commands(td):
        if command and command[0] == "NONE":
            yield (
                f"{container.pointer}/healthCheck/command/0",
                f'{container.label} healthCheck.command starts with "NONE", which ECS does not document '
                '(it must start with "CMD" or "CMD-SHELL"); to have no health check, omit healthCheck',
            )


# TDL313 -------------------------------------------------------------------------------------------


def empty_health_check_command(td: TaskDef) -> Iterator[tuple[str, str]]:
    """healthCheck.command is "CMD" or "CMD-SHELL" with nothing (or only blank text) to run."""
    for container, command in _commands(td):
        if not command or command[0] not in PREFIXES:
            continue
        rest = command[1:]
        if any(not isinstance(part, str) or part.strip() for part in rest):
            continue
        if command[0] == "CMD-SHELL":
            effect = "an empty shell command always succeeds, so the check tests nothing"
        else:
            effect = "there is no program to run, so the check cannot pass"
        yield (
            f"{container.pointer}/healthCheck/command",
            f"{container.label} healthCheck.command {_short(command)} gives no command after "
            f'"{command[0]}"; {effect}',
        )


# TDL314 -------------------------------------------------------------------------------------------


def _seconds(check: dict[str, Any], key: str, default: int) -> int | None:
    if key not in check or check[key] is None:
        return default
    value = check[key]
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def health_check_timeout_not_below_interval(td: TaskDef) -> Iterator[tuple[str, str]]:
    """healthCheck.timeout is not shorter than healthCheck.interval (defaults: 5 s and 30 s)."""
    for container, check in health_checks(td):
        interval = _seconds(check, "interval", DEFAULT_INTERVAL)
        timeout = _seconds(check, "timeout", DEFAULT_TIMEOUT)
        if interval is None or timeout is None or timeout < interval:
            continue
        if not (5 <= interval <= 300 and 2 <= timeout <= 60):
            continue  # out of range: TDL310 reports it
        explicit_timeout = check.get("timeout") is not None
        member = "timeout" if explicit_timeout else "interval"
        interval_text = (
            f"{interval} s" if check.get("interval") is not None else f"{interval} s (the default)"
        )
        timeout_text = f"{timeout} s" if explicit_timeout else f"{timeout} s (the default)"
        yield (
            f"{container.pointer}/healthCheck/{member}",
            f"{container.label} healthCheck timeout {timeout_text} is not shorter than its interval "
            f"{interval_text}; a slow check then runs into the next one",
        )
