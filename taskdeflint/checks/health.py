"""Container health check checks (TDL311-TDL315): the command's form and the timing.

Sources: the ECS API model (HealthCheck.command, .interval, .timeout; botocore ecs 2014-11-13) and
shared/ecs-facts.md section 3.10. The numeric ranges are a schema fragment (TDL310). Every function
takes a `TaskDef` and yields `(pointer, message)`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from taskdeflint.checks.common import integer, is_windows
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
                f"{container.label} healthCheck.command is empty; the ECS API documents it as starting with "
                '"CMD" or "CMD-SHELL"',
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
            f'{container.label} healthCheck.command starts with "{first}"; the ECS API documents it as '
            f'starting with "CMD" or "CMD-SHELL"{hint}',
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
    return integer(check[key])


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


# TDL315 -------------------------------------------------------------------------------------------

# A Windows program path may hold blanks ("C:\\Program Files\\app\\check.exe"): left alone.
_WINDOWS_PATH = re.compile(r"^\s*(?:[A-Za-z]:)?\\|^\s*[A-Za-z]:/")


def _command_line(argument: object) -> str | None:
    """The argument, if it is a whole command line rather than a program: words separated by blanks."""
    if not isinstance(argument, str) or _WINDOWS_PATH.match(argument):
        return None
    words = argument.split()
    return argument.strip() if len(words) > 1 else None


# Shell syntax: a line with any of these needs the shell, it cannot be split into arguments.
_SHELL = re.compile(r"[|&;<>()$`'\"\\*?~]")


def _fix(line: str, prefix: list[str]) -> str:
    """How to write the line instead: with the shell, and (without shell syntax) one argument per element."""
    shell = json.dumps([*prefix, line]) if prefix else json.dumps(["sh", "-c", line])
    if _SHELL.search(line):
        return shell
    split = json.dumps([*(["CMD"] if prefix else []), *line.split()])
    return f"{shell} or one argument per element, {split}"


def command_line_as_one_argument(td: TaskDef) -> Iterator[tuple[str, str]]:
    """A whole command line given as the program of an exec form: `["CMD", "curl -f http://localhost/"]`,
    `"entryPoint": ["python app.py"]`. No program has that name, so it can never run. Silent for Windows,
    where the arguments are joined into one command line for the process."""
    if is_windows(td):
        return
    # (container, where, the program element, what runs it, the prefix of the shell form)
    programs: list[tuple[Container, str, object, str, list[str]]] = []
    for container, command in _commands(td):
        if len(command) >= 2 and command[0] == "CMD":
            programs.append(
                (container, "healthCheck/command/1", command[1], "healthCheck.command", ["CMD-SHELL"])
            )
    for container in td.containers:
        entry_point = container.data.get("entryPoint")
        if isinstance(entry_point, list) and entry_point:
            programs.append((container, "entryPoint/0", entry_point[0], "entryPoint", []))
    for container, where, program, member, shell in programs:
        line = _command_line(program)
        if line is None:
            continue
        effect = "the check always fails" if shell else "the container cannot start"
        with_cmd = ' with "CMD"' if shell else ""
        yield (
            f"{container.pointer}/{where}",
            f'{container.label} {member} runs "{line}" as one program name{with_cmd}, so {effect}; write '
            f"{_fix(line, shell)}",
        )
