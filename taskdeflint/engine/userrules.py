"""Your own rules (`rules-dir`): checked when they are loaded, and kept from harming the run.

A rule with a Python check runs the repository's code: in CI on a pull request, that is code execution with
the job's secrets. `--no-python-rules` (or TASKDEFLINT_NO_PYTHON_RULES=1) refuses such rules. A check that
raises, calls `sys.exit`, returns garbage, prints or loops is stopped and named; the run reports the rest.
"""

from __future__ import annotations

import re
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taskdeflint.engine.catalogue import (
    NO_PYTHON_RULES_ENV,
    Catalogue,
    CatalogueError,
    CheckFunction,
    Rule,
    describe,
)

if TYPE_CHECKING:
    from taskdeflint.model import TaskDef

# How long one rule may take on one task definition, by default (the config's `rule-timeout`).
DEFAULT_TIMEOUT = 10.0
# More findings than this from one rule on one task definition is a runaway check.
MAX_FINDINGS = 10_000
# The names a schema rule's message may use (see engine.run_fragment).
PLACEHOLDERS = frozenset({"container", "where", "member", "value"})


class RuleFailure(Exception):
    """A rule of the user's failed on one task definition; `reason` says how, without quoting the file.
    `raised` is the exception the check raised, if it raised one (not `sys.exit`)."""

    def __init__(self, rule: Rule, reason: str, raised: Exception | None = None) -> None:
        super().__init__(reason)
        self.rule = rule
        self.reason = reason
        self.raised = raised


class _Timeout(BaseException):
    """Raised in a check that ran out of time; a BaseException so that `except Exception` cannot keep it."""


def _exception(error: BaseException) -> str:
    """The exception's type and the line of the check's code that raised it; not its message, which may
    quote a value of the file."""
    import traceback

    if isinstance(error, SystemExit):
        return f"called sys.exit({error.code!r})" if isinstance(error.code, int | None) else "called sys.exit"
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"raised {type(error).__name__}{where}"


def refuse(rule: Rule, refuse_python: bool) -> None:
    """A `CatalogueError` for a user's rule with a Python check, when Python checks are refused."""
    if refuse_python and rule.check is not None and not rule.builtin:
        raise CatalogueError(
            f"{describe(rule)}: Python checks are refused (--no-python-rules or {NO_PYTHON_RULES_ENV}); "
            "a rule file's Python check runs the repository's code"
        )


def check_user_rules(catalogue: Catalogue, refuse_python: bool) -> None:
    """Load-time checks of the user's rules: Python checks are imported (or refused), schema fragments
    and message templates validated. A problem is a `CatalogueError` that names the rule."""
    for rule in catalogue.rules:
        if rule.builtin:
            continue
        if rule.check is not None:
            refuse(rule, refuse_python)
            _import(rule)
        else:
            _check_fragment(rule)


def _import(rule: Rule) -> None:
    try:
        with redirect_stdout(sys.stderr):
            rule.load_check()
    except CatalogueError as error:
        raise CatalogueError(f"{describe(rule)}: {error}") from None
    except SyntaxError as error:
        where = f" at {Path(error.filename).name}:{error.lineno}" if error.filename else ""
        raise CatalogueError(f"{describe(rule)}: cannot load the check: SyntaxError{where}") from None
    except ImportError as error:  # its message names a module, not a value of a file
        detail = f"{_exception(error)} ({error})"
        raise CatalogueError(f"{describe(rule)}: cannot load the check: {detail}") from None
    except (Exception, SystemExit) as error:  # an import error, sys.exit (Ctrl-C and SIGTERM go through)
        raise CatalogueError(f"{describe(rule)}: cannot load the check: {_exception(error)}") from None


def _check_fragment(rule: Rule) -> None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    assert rule.schema is not None
    name = describe(rule)
    try:
        Draft202012Validator.check_schema(rule.schema)
    except SchemaError as error:
        where = "/".join(str(p) for p in error.path)
        raise CatalogueError(f"{name}: invalid schema fragment at '/{where}': {error.message}") from None
    for pointer, ref in _refs(rule.schema, ""):
        if not _resolves(rule.schema, ref):
            raise CatalogueError(
                f"{name}: schema fragment $ref {ref!r} at '{pointer}' does not resolve within the fragment"
            )
    try:
        Draft202012Validator(rule.schema).is_valid({})  # a recursion that never ends, for one
    except (RecursionError, re.error, ValueError, TypeError) as error:
        raise CatalogueError(f"{name}: invalid schema fragment: {type(error).__name__}") from None
    _check_message(rule, name)


def _refs(schema: object, pointer: str) -> Iterator[tuple[str, str]]:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str):
                yield pointer or "/", value
            else:
                yield from _refs(value, f"{pointer}/{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from _refs(value, f"{pointer}/{index}")


def _resolves(schema: dict[str, Any], ref: str) -> bool:
    """A `$ref` that names a place in the fragment itself (`#`, `#/$defs/name`)."""
    if not ref.startswith("#"):
        return False
    from urllib.parse import unquote

    node: Any = schema
    for token in unquote(ref[1:]).split("/")[1:] if ref != "#" else []:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    return isinstance(node, dict | bool)


def _check_message(rule: Rule, name: str) -> None:
    from string import Formatter

    assert rule.message is not None
    try:
        fields = [field for _, field, _, _ in Formatter().parse(rule.message) if field is not None]
    except ValueError as error:
        raise CatalogueError(f"{name}: message template: {error}") from None
    for field in fields:
        if field not in PLACEHOLDERS:
            known = ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS))
            raise CatalogueError(
                f"{name}: message template uses {{{field}}}; it may use {known} (double braces for a brace)"
            )
    try:
        rule.message.format(**dict.fromkeys(PLACEHOLDERS, ""))
    except (ValueError, KeyError, IndexError) as error:
        raise CatalogueError(f"{name}: message template: {error}") from None


# --- at run time ------------------------------------------------------------------------------------------


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after `seconds`, where a timer signal can (the main thread of a process)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def guard(
    rule: Rule, function: Callable[[TaskDef], Iterable[tuple[str, str]]], timeout: float
) -> CheckFunction:
    """`function` (the rule's check or fragment) run so that it cannot harm the run: within `timeout`
    seconds, with what it prints sent to stderr (stdout holds the report), its findings checked. Any
    failure is a `RuleFailure`."""

    def guarded(td: TaskDef) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        try:
            with redirect_stdout(sys.stderr), _time_limit(timeout):
                result = function(td)
                if (
                    result is None
                    or isinstance(result, str | bytes | dict)
                    or not hasattr(result, "__iter__")
                ):
                    raise RuleFailure(rule, f"returned {type(result).__name__}, not (pointer, message) pairs")
                for item in result:
                    found.append(_finding(rule, item))
                    if len(found) > MAX_FINDINGS:
                        raise RuleFailure(rule, f"gave more than {MAX_FINDINGS} findings")
        except RuleFailure:
            raise
        except _Timeout:
            raise RuleFailure(
                rule, f"took longer than {timeout:g} s (rule-timeout) and was stopped"
            ) from None
        except (Exception, SystemExit) as error:  # sys.exit must not end the run; Ctrl-C and SIGTERM do
            raised = error if isinstance(error, Exception) else None
            raise RuleFailure(rule, _exception(error), raised) from None
        return found

    return guarded


def _finding(rule: Rule, item: object) -> tuple[str, str]:
    if (
        isinstance(item, tuple | list)
        and len(item) == 2
        and isinstance(item[0], str)
        and isinstance(item[1], str)
        and (item[0] == "" or item[0].startswith("/"))
    ):
        return item[0], item[1]
    raise RuleFailure(
        rule, f"gave {type(item).__name__} where a (pointer, message) pair of strings is expected"
    )
