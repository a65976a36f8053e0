"""Configuration: `.taskdeflint.toml` or `[tool.taskdeflint]` in `pyproject.toml`.

The nearest file wins, searching from the working folder upwards (in one folder `.taskdeflint.toml` comes
before `pyproject.toml`); there is no user-global config. Both hold the same keys, and an unknown key is
an error. Paths and globs in a config file are relative to the folder that holds it.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taskdeflint.findings import Severity

CONFIG_NAME = ".taskdeflint.toml"

_RULE_PREFIX = {"type": "string", "pattern": "^[A-Z]{1,8}[0-9]{0,3}$"}
_SEVERITY = {"enum": ["error", "warning", "info"]}
_GLOBS = {"type": "array", "items": {"type": "string", "minLength": 1}}
# Include globs are relative to the config's folder (an absolute one would lint files outside the project).
_RELATIVE_GLOBS = {"type": "array", "items": {"type": "string", "pattern": "^[^/]"}}
# A file larger than this is not a task definition anyone keeps; the limit is read into memory in one go.
MAX_FILE_SIZE_LIMIT = 1 << 30

CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "select": {"type": "array", "items": _RULE_PREFIX},
        "ignore": {"type": "array", "items": _RULE_PREFIX},
        "fail-on": {"enum": ["error", "warning", "info", "never"]},
        "show": _SEVERITY,
        "allow-empty": {"type": "boolean"},
        "include": _RELATIVE_GLOBS,
        "exclude": _GLOBS,
        "rules-dir": _GLOBS,
        "baseline": {"type": "string", "minLength": 1},
        "max-file-size": {"type": "integer", "minimum": 1, "maximum": MAX_FILE_SIZE_LIMIT},
        "rule-timeout": {"type": "number", "minimum": 0, "maximum": 3600},
        "placeholders": {"type": "boolean"},
        "placeholder-patterns": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "severity": {
            "type": "object",
            "propertyNames": {"pattern": "^[A-Z]{2,8}[0-9]{3}$"},
            "additionalProperties": _SEVERITY,
        },
        "per-file-ignores": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": _RULE_PREFIX},
        },
        "suppress": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["rule", "reason"],
                "properties": {
                    "files": {"type": "string", "minLength": 1},
                    "rule": {"type": "string", "pattern": "^[A-Z]{2,8}[0-9]{3}$"},
                    "pointer": {"type": "string", "pattern": "^(/.*)?$"},
                    "container": {"type": "string", "minLength": 1},
                    "reason": {"type": "string", "pattern": "\\S"},
                },
                "not": {"required": ["pointer", "container"]},
            },
        },
        # The builder's services manifest; the builder validates each service's table.
        "services": {"type": "object", "additionalProperties": {"type": "object"}},
    },
}


class ConfigError(Exception):
    """A config file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class Suppression:
    rule: str
    reason: str
    files: str | None
    pointer: str | None
    container: str | None
    line: int
    index: int


@dataclass(frozen=True, slots=True)
class Config:
    path: Path | None
    root: Path
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str | None = None
    show: str | None = None
    allow_empty: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    rules_dirs: tuple[Path, ...] = ()
    baseline: Path | None = None
    severity: dict[str, Severity] = field(default_factory=dict)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    services: dict[str, Any] = field(default_factory=dict)
    max_file_size: int | None = None
    rule_timeout: float | None = None
    placeholders: bool = True
    placeholder_patterns: tuple[str, ...] = ()


def find_config(start: Path) -> Path | None:
    """The nearest config file at or above `start`."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
    return None


def parse_toml(text: str) -> dict[str, Any]:
    """TOML as `tomllib` reads it; nesting too deep for its recursive parser is a `TOMLDecodeError` too."""
    import tomllib

    try:
        return tomllib.loads(text)
    except RecursionError:
        raise tomllib.TOMLDecodeError("arrays or tables nested too deeply") from None


def _has_tool_table(pyproject: Path) -> bool:
    import tomllib

    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if "taskdeflint" not in text:
        return False
    try:
        data = parse_toml(text)
    except tomllib.TOMLDecodeError:
        return True  # let load_config report the syntax error
    return isinstance(data.get("tool"), dict) and "taskdeflint" in data["tool"]


def _suppress_lines(text: str, pyproject: bool) -> list[int]:
    """Line numbers of the `[[suppress]]` tables, in order, to report unused ones where they stand."""
    header = r"tool\s*\.\s*taskdeflint\s*\.\s*suppress" if pyproject else "suppress"
    # `[ \t]*`, not `\s*`: a blank line before the header must not count as the header's line.
    pattern = re.compile(rf"^[ \t]*(\[\[)[ \t]*{header}[ \t]*\]\]", re.M)
    return [text.count("\n", 0, m.start(1)) + 1 for m in pattern.finditer(text)]


def load_config(path: Path) -> Config:
    import tomllib

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read config: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: config is not UTF-8 text") from None
    try:
        data: Any = parse_toml(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    is_pyproject = path.name == "pyproject.toml"
    if is_pyproject:
        data = data.get("tool", {}).get("taskdeflint", {})
        prefix = "tool.taskdeflint."
    else:
        prefix = ""
    lines = _suppress_lines(text, is_pyproject)
    _validate(path, data, prefix, lines)
    if data.get("rule-timeout") != data.get("rule-timeout"):  # NaN, which TOML allows and no bound refuses
        raise ConfigError(f"{path}: {prefix}rule-timeout: nan is not a number of seconds")
    root = path.parent.resolve()
    suppressions = tuple(
        Suppression(
            rule=item["rule"],
            reason=item["reason"],
            files=item.get("files"),
            pointer=item.get("pointer"),
            container=item.get("container"),
            line=lines[index] if index < len(lines) else 1,
            index=index,
        )
        for index, item in enumerate(data.get("suppress", []))
    )
    baseline = data.get("baseline")
    return Config(
        path=path,
        root=root,
        select=tuple(data.get("select", ())),
        ignore=tuple(data.get("ignore", ())),
        fail_on=data.get("fail-on"),
        show=data.get("show"),
        allow_empty=data.get("allow-empty", False),
        include=tuple(data.get("include", ())),
        exclude=tuple(data.get("exclude", ())),
        rules_dirs=tuple(root / p for p in data.get("rules-dir", ())),
        baseline=root / baseline if baseline else None,
        severity={k: Severity.parse(v) for k, v in data.get("severity", {}).items()},
        per_file_ignores=tuple((glob, tuple(ids)) for glob, ids in data.get("per-file-ignores", {}).items()),
        suppressions=suppressions,
        services=data.get("services", {}),
        max_file_size=data.get("max-file-size"),
        rule_timeout=data.get("rule-timeout"),
        placeholders=data.get("placeholders", True),
        placeholder_patterns=_patterns(path, data.get("placeholder-patterns", [])),
    )


def _patterns(path: Path, patterns: list[str]) -> tuple[str, ...]:
    """The config's own placeholder syntaxes, each a regular expression that must compile."""
    for text in patterns:
        try:
            empty = re.compile(text).fullmatch("") is not None
        except re.error as error:
            raise ConfigError(
                f"{path}: placeholder-patterns: {text!r} is not a regular expression: {error}"
            ) from None
        if empty:
            raise ConfigError(f"{path}: placeholder-patterns: {text!r} matches an empty string")
    return tuple(patterns)


def _validate(path: Path, data: object, prefix: str, suppress_lines: list[int]) -> None:
    from taskdeflint.fastschema import Schema

    errors = sorted(Schema(CONFIG_SCHEMA).iter_errors(data), key=lambda e: list(e.path))
    if not errors:
        return
    messages = []
    for error in errors:
        location = list(error.absolute_path)
        where = (prefix + ".".join(str(p) for p in location)).rstrip(".")
        if len(location) >= 2 and location[0] == "suppress" and isinstance(location[1], int):
            # Entries are [[suppress]] tables; name the one meant by its line, not by a 0-based index.
            number = location[1]
            line = f" at line {suppress_lines[number]}" if number < len(suppress_lines) else ""
            rest = ".".join(str(p) for p in location[2:])
            where = f"[[{prefix}suppress]] #{number + 1}{line}" + (f": {rest}" if rest else "")
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
            extra = ", ".join(repr(k) for k in error.instance if k not in known)
            messages.append(f"unknown key {extra}" + (f" in {where}" if where else ""))
        elif error.validator == "not":
            messages.append(f"{where}: give either 'pointer' or 'container', not both")
        elif error.validator == "required" and where.startswith(f"[[{prefix}suppress]]"):
            required: Any = error.validator_value
            present: Any = error.instance
            missing = [k for k in required if k not in present]
            if "reason" in missing:
                messages.append(f"{where}: a suppression needs a 'reason' (why the finding is accepted)")
            else:
                messages.append(f"{where}: a suppression needs a 'rule' (the id of the rule it silences)")
        elif error.validator == "pattern" and where.endswith("reason"):
            messages.append(f"{where}: a suppression needs a reason")
        elif error.validator == "pattern" and where.endswith("pointer"):
            messages.append(
                f"{where}: {error.instance!r} is not a JSON Pointer; copy it from --format json output "
                '(it starts with "/", e.g. "/containerDefinitions/0/image")'
            )
        elif error.validator == "pattern" and (
            where.endswith("rule") or where.startswith(f"{prefix}severity")
        ):
            messages.append(f"{where}: {error.instance!r} is not a rule id (e.g. TDL003)")
        elif error.validator == "pattern" and where.startswith(f"{prefix}include"):
            messages.append(
                f"{where}: {error.instance!r} is an absolute glob; include globs are relative to the "
                "config's folder"
            )
        elif error.validator == "pattern":
            messages.append(f"{where}: {error.instance!r} is not a rule id or prefix (e.g. TDL003 or TDL0)")
        else:
            messages.append(f"{where or 'config'}: {error.message}")
    raise ConfigError(f"{path}: " + "; ".join(messages))


def discover(start: Path, explicit: Path | None) -> Config:
    """The config to use: `--config FILE`, else the nearest one, else the defaults."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: config file does not exist")
        return load_config(explicit)
    found = find_config(start.resolve())
    if found is None:
        return Config(path=None, root=start.resolve())
    return load_config(found)


def glob_match(path: str, pattern: str) -> bool:
    """Shell-style match of a relative path; `**/` also matches no folder at all."""
    if fnmatch.fnmatchcase(path, pattern):
        return True
    if "**/" in pattern and fnmatch.fnmatchcase(path, pattern.replace("**/", "")):
        return True
    # A pattern without a slash matches the file name in any folder (like .gitignore).
    return "/" not in pattern and fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern)
