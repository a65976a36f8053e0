"""The rule catalogue: one TOML file per rule, shipped in `rules/`, plus any `--rules-dir`.

A rule file holds the rule's identity (id, kebab-case name, default severity), its documentation (summary,
docs, the AWS source it rests on), at least one bad and one good example, and its logic: either a JSON
Schema fragment that the task definition must satisfy, or the name of a Python check
(`package.module:function`, or `file.py:function` beside the rule file for user rules).
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from taskdeflint.data import data_dir
from taskdeflint.findings import Severity

# A check takes the resource its rule looks at (a `model.TaskDef`, a `model.Service` ...) and yields the
# pointer (in that resource's API names) and message of each finding.
CheckFunction = Callable[[Any], Iterable[tuple[str, str]]]

# What a rule looks at (`resource` in its file): the kinds of `model.Resource`, and task definitions.
TASK_DEFINITION = "task-definition"
RESOURCES = (TASK_DEFINITION, "service", "target-group", "listener", "listener-rule", "discovery-service")

RULE_ID = re.compile(r"^[A-Z]{2,8}[0-9]{3}$")
RULE_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
# A rule whose check names one of these is emitted by a reader, the schema stage or the run itself.
_ENGINE_MODULES = (
    "taskdeflint.readers.",
    "taskdeflint.engine.schema:",
    "taskdeflint.engine.links:",
    "taskdeflint.lint:",
)
_KEYS = frozenset(
    {
        "id",
        "name",
        "severity",
        "summary",
        "docs",
        "source",
        "check",
        "schema",
        "message",
        "examples",
        "evidence",
        "resource",
    }
)
# What an error rule rests on (issue: "an error needs evidence"): the ECS API model, AWS documentation, an
# error message the service was seen to return, or a peer tool whose validation reproduces the service's.
EVIDENCE = {
    "model": "ECS API model",
    "documentation": "AWS documentation",
    "observed": "observed error message",
    "peer": "peer tool validation",
}
_EXAMPLE_KEYS = frozenset(
    {"kind", "title", "document", "pointers", "config", "dockerfile", "format", "taskdef"}
)


class CatalogueError(Exception):
    """A rule file that cannot be used; the message names the file."""


# Set to 1 (or true, yes, on): refuse rules whose check is Python code (`--no-python-rules` does the same).
NO_PYTHON_RULES_ENV = "TASKDEFLINT_NO_PYTHON_RULES"


def python_rules_refused(flag: bool = False) -> bool:
    """Whether Python checks are refused: `--no-python-rules`, or the environment variable set."""
    return flag or os.environ.get(NO_PYTHON_RULES_ENV, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True, slots=True)
class Example:
    kind: Literal["bad", "good"]
    title: str
    document: str
    pointers: tuple[str, ...]
    config: str | None = None
    # A Dockerfile that a service of the config's manifest builds for the document's first container.
    dockerfile: str | None = None
    # "yaml" for an example that is a YAML CloudFormation template (linted as taskdef.yaml).
    format: Literal["json", "yaml"] = "json"
    # For a service's example (linted as service.json): the task definition it names, linted beside it
    # as taskdef.json.
    taskdef: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    severity: Severity
    summary: str
    docs: str
    source: str
    examples: tuple[Example, ...]
    check: str | None
    schema: dict[str, Any] | None
    message: str | None
    origin: Path
    evidence: str | None = None
    resource: str = TASK_DEFINITION

    @property
    def evidence_label(self) -> str | None:
        """The kind of evidence in words, e.g. "observed error message"."""
        return EVIDENCE.get(self.evidence) if self.evidence else None

    @property
    def engine_stage(self) -> bool:
        """True for rules that the parser or the schema stage emit rather than a check function."""
        return self.check is not None and self.check.startswith(_ENGINE_MODULES)

    @property
    def builtin(self) -> bool:
        return self.id.startswith("TDL")

    def load_check(self) -> CheckFunction:
        """Import the check function this rule names."""
        assert self.check is not None
        return _import_check(self.check, self.origin.parent)


def _import_check(target: str, base: Path) -> CheckFunction:
    module_name, _, function_name = target.partition(":")
    if module_name.endswith(".py"):
        path = (base / module_name).resolve()
        key = f"taskdeflint_user_rules.{path.stem}_{abs(hash(path))}"
        module = sys.modules.get(key)
        if module is None:
            from importlib.util import module_from_spec, spec_from_file_location

            spec = spec_from_file_location(key, path)
            if spec is None or spec.loader is None:
                raise CatalogueError(f"{path}: cannot load check module")
            module = module_from_spec(spec)
            sys.modules[key] = module
            spec.loader.exec_module(module)
    else:
        module = importlib.import_module(module_name)
    function = getattr(module, function_name, None)
    if not callable(function):
        raise CatalogueError(f"check {target!r} is not a function")
    return function  # type: ignore[no-any-return]


def builtin_rules_dir() -> Path:
    """The shipped rules: inside the installed package, or beside it in a source checkout."""
    return data_dir("rules")


def _fail(path: Path, message: str) -> CatalogueError:
    return CatalogueError(f"{path}: {message}")


def parse_rule(path: Path) -> Rule:
    import tomllib

    from taskdeflint.config import parse_toml

    try:
        data = parse_toml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise _fail(path, f"cannot read rule file: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise _fail(path, f"invalid TOML: {error}") from None
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise _fail(path, f"unknown key(s): {', '.join(unknown)}")
    for key in ("id", "name", "severity", "summary", "docs", "source"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise _fail(path, f"{key!r} must be a non-empty string")
    rule_id: str = data["id"]
    if not RULE_ID.match(rule_id):
        raise _fail(path, f"id {rule_id!r} must be 2-8 capital letters and 3 digits, e.g. ORG001")
    if not RULE_NAME.match(data["name"]):
        raise _fail(path, f"name {data['name']!r} must be kebab-case")
    try:
        severity = Severity.parse(data["severity"])
    except ValueError as error:
        raise _fail(path, str(error)) from None
    check = data.get("check")
    schema_text = data.get("schema")
    if (check is None) == (schema_text is None):
        raise _fail(path, "give exactly one of 'check' (a Python check) or 'schema' (a fragment)")
    schema: dict[str, Any] | None = None
    if schema_text is not None:
        if not isinstance(schema_text, str):
            raise _fail(path, "'schema' must be a string holding a JSON Schema object")
        try:
            schema = json.loads(schema_text)
        except json.JSONDecodeError as error:
            raise _fail(path, f"'schema' is not valid JSON: {error}") from None
        if not isinstance(schema, dict):
            raise _fail(path, "'schema' must be a JSON object")
        if not isinstance(data.get("message"), str):
            raise _fail(path, "a schema rule needs a 'message' template")
    elif not isinstance(check, str) or ":" not in check:
        raise _fail(path, "'check' must read 'module:function' or 'file.py:function'")
    evidence = data.get("evidence")
    if evidence is not None and evidence not in EVIDENCE:
        raise _fail(path, f"'evidence' must be one of: {', '.join(EVIDENCE)}")
    resource = data.get("resource", TASK_DEFINITION)
    if resource not in RESOURCES:
        raise _fail(path, f"'resource' must be one of: {', '.join(RESOURCES)}")
    if resource != TASK_DEFINITION and schema is not None:
        raise _fail(path, "a schema fragment checks task definitions; give a 'check' for other resources")
    examples = tuple(_parse_examples(path, data.get("examples")))
    kinds = {e.kind for e in examples}
    if kinds != {"bad", "good"}:
        raise _fail(path, "needs at least one bad and one good example")
    return Rule(
        id=rule_id,
        name=data["name"],
        severity=severity,
        summary=data["summary"].strip(),
        docs=data["docs"].strip(),
        source=data["source"].strip(),
        examples=examples,
        check=check,
        schema=schema,
        message=data.get("message"),
        origin=path,
        evidence=evidence,
        resource=resource,
    )


def _parse_examples(path: Path, raw: object) -> Iterator[Example]:
    if not isinstance(raw, list):
        raise _fail(path, "'examples' must be an array of tables ([[examples]])")
    for number, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            raise _fail(path, f"example {number} must be a table")
        unknown = sorted(set(item) - _EXAMPLE_KEYS)
        if unknown:
            raise _fail(path, f"example {number}: unknown key(s): {', '.join(unknown)}")
        kind = item.get("kind")
        if kind not in ("bad", "good"):
            raise _fail(path, f"example {number}: 'kind' must be 'bad' or 'good'")
        document = item.get("document")
        if not isinstance(document, str):
            raise _fail(path, f"example {number}: 'document' must be a string")
        pointers = item.get("pointers", [])
        if not isinstance(pointers, list) or not all(isinstance(p, str) for p in pointers):
            raise _fail(path, f"example {number}: 'pointers' must be a list of JSON Pointers")
        if kind == "bad" and not pointers:
            raise _fail(path, f"example {number}: a bad example must list the pointers it flags")
        if kind == "good" and pointers:
            raise _fail(path, f"example {number}: a good example flags nothing")
        title = item.get("title", "")
        if not isinstance(title, str):
            raise _fail(path, f"example {number}: 'title' must be a string")
        config = item.get("config")
        if config is not None and not isinstance(config, str):
            raise _fail(path, f"example {number}: 'config' must be a string of TOML")
        dockerfile = item.get("dockerfile")
        if dockerfile is not None and not isinstance(dockerfile, str):
            raise _fail(path, f"example {number}: 'dockerfile' must be a string")
        form = item.get("format", "json")
        if form not in ("json", "yaml"):
            raise _fail(path, f"example {number}: 'format' must be 'json' or 'yaml'")
        taskdef = item.get("taskdef")
        if taskdef is not None and not isinstance(taskdef, str):
            raise _fail(path, f"example {number}: 'taskdef' must be a string")
        yield Example(kind, title, document, tuple(pointers), config, dockerfile, form, taskdef)


def load_dir(directory: Path) -> list[Rule]:
    if not directory.is_dir():
        raise CatalogueError(f"{directory}: rules folder does not exist")
    return [parse_rule(path) for path in sorted(directory.glob("*.toml"))]


# The shipped catalogue, precompiled at wheel-build time (see hatch_build.py): parsing 100+ TOML files
# on every start costs more than linting a file. A source checkout has no index and parses the TOML.
INDEX_NAME = "index.json"


def to_index(rules: Iterable[Rule]) -> str:
    """The catalogue as JSON, for `INDEX_NAME`: every field of every rule, already validated."""
    entries = [
        {
            "id": r.id,
            "name": r.name,
            "severity": r.severity.label,
            "summary": r.summary,
            "docs": r.docs,
            "source": r.source,
            "check": r.check,
            "schema": r.schema,
            "message": r.message,
            "file": r.origin.name,
            "evidence": r.evidence,
            "resource": r.resource,
            "examples": [
                {
                    "kind": e.kind,
                    "title": e.title,
                    "document": e.document,
                    "pointers": list(e.pointers),
                    "config": e.config,
                    "dockerfile": e.dockerfile,
                    "format": e.format,
                    "taskdef": e.taskdef,
                }
                for e in r.examples
            ],
        }
        for r in rules
    ]
    return json.dumps({"version": 1, "rules": entries}, ensure_ascii=False, separators=(",", ":"))


def _from_index(directory: Path, text: str) -> list[Rule]:
    data = json.loads(text)
    return [
        Rule(
            id=e["id"],
            name=e["name"],
            severity=Severity.parse(e["severity"]),
            summary=e["summary"],
            docs=e["docs"],
            source=e["source"],
            examples=tuple(
                Example(
                    x["kind"],
                    x["title"],
                    x["document"],
                    tuple(x["pointers"]),
                    x["config"],
                    x.get("dockerfile"),
                    x.get("format", "json"),
                    x.get("taskdef"),
                )
                for x in e["examples"]
            ),
            check=e["check"],
            schema=e["schema"],
            message=e["message"],
            origin=directory / e["file"],
            evidence=e.get("evidence"),
            resource=e.get("resource", TASK_DEFINITION),
        )
        for e in data["rules"]
    ]


@dataclass(frozen=True, slots=True)
class Catalogue:
    rules: tuple[Rule, ...]

    def get(self, rule_id: str) -> Rule | None:
        for rule in self.rules:
            if rule.id == rule_id or rule.name == rule_id:
                return rule
        return None

    @property
    def by_id(self) -> dict[str, Rule]:
        return {rule.id: rule for rule in self.rules}


@cache
def builtin_rules() -> tuple[Rule, ...]:
    directory = builtin_rules_dir()
    try:
        text = (directory / INDEX_NAME).read_text(encoding="utf-8")
    except FileNotFoundError:
        return tuple(load_dir(directory))
    return tuple(_from_index(directory, text))


def describe(rule: Rule) -> str:
    """The rule and where it lives: `ORG001 (policies/checks.py:explode)` or `ORG002 (policies/x.toml)`."""
    if rule.check is not None:
        module, _, function = rule.check.partition(":")
        where = f"{_shown(rule.origin.parent / module)}:{function}" if module.endswith(".py") else rule.check
    else:
        where = _shown(rule.origin)
    return f"{rule.id} ({where})"


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return path.as_posix()


def load_catalogue(extra_dirs: Iterable[Path] = ()) -> Catalogue:
    """The shipped rules plus user rule folders; ids and names must be unique across all of them. Nothing
    of the user's rules is imported here (`userrules.check_user_rules` does that, or refuses to)."""
    rules = list(builtin_rules())
    seen_ids = {rule.id: rule.origin for rule in rules}
    seen_names = {rule.name: rule.origin for rule in rules}
    for directory in extra_dirs:
        for rule in load_dir(directory):
            if rule.builtin:
                raise _fail(rule.origin, "ids starting with TDL are reserved for built-in rules")
            if rule.id in seen_ids:
                raise _fail(rule.origin, f"id {rule.id} is already used by {seen_ids[rule.id]}")
            if rule.name in seen_names:
                raise _fail(rule.origin, f"name {rule.name} is already used by {seen_names[rule.name]}")
            seen_ids[rule.id] = rule.origin
            seen_names[rule.name] = rule.origin
            rules.append(rule)
    return Catalogue(tuple(sorted(rules, key=lambda r: r.id)))
