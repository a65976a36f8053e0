"""The lint pipeline for one file: load, find task definitions, run the schema and the rules, place
findings, then apply the policy (selection, severity overrides, per-file ignores, suppressions)."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taskdeflint.config import Suppression, glob_match
from taskdeflint.engine.catalogue import TASK_DEFINITION, Catalogue, CheckFunction, Rule, describe
from taskdeflint.engine.links import Connected, Links, connect, ecspresso_taskdef
from taskdeflint.engine.masking import hidden_values, mask
from taskdeflint.engine.userrules import DEFAULT_TIMEOUT, RuleFailure, guard
from taskdeflint.fastschema import Schema
from taskdeflint.findings import Finding, Severity
from taskdeflint.model import Service
from taskdeflint.positions import join
from taskdeflint.readers import base, services
from taskdeflint.readers.document import load
from taskdeflint.readers.unknown import TOO_MANY_WORLDS, PartialTaskDef, certain, is_unknown, too_many_worlds

if TYPE_CHECKING:
    from collections.abc import Mapping

    from taskdeflint.model import TaskDef
    from taskdeflint.readers.dockerfile import DockerfileFacts


def matches(rule_id: str, prefixes: Iterable[str]) -> bool:
    return any(prefix == "ALL" or rule_id.startswith(prefix) for prefix in prefixes)


@dataclass(frozen=True, slots=True)
class Policy:
    """What to report: the CLI's and the config's choices, merged."""

    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    max_bytes: int = base.MAX_BYTES
    # Seconds one of the user's rules may take on one task definition (0: no limit).
    rule_timeout: float = DEFAULT_TIMEOUT
    # The config's own placeholder syntaxes beside the built-in ones; None: placeholders are not recognised.
    placeholders: tuple[str, ...] | None = ()

    def selected(self, rule_id: str) -> bool:
        return matches(rule_id, self.select) and not matches(rule_id, self.ignore)


@dataclass(slots=True)
class FileResult:
    """`match_path` is the path the config's globs are matched against (relative to the config's folder)."""

    path: str
    findings: list[Finding]
    used_suppressions: set[int] = field(default_factory=set)
    match_path: str = ""
    # Why some of the user's rules could not judge this file (their findings are missing).
    errors: list[str] = field(default_factory=list)
    # Read and parsed, but it holds no task definition (TDL004, reported or not).
    no_task_definition: bool = False
    # A service of it names its task definition by family or ARN, which only the whole run can find:
    # the file is linted again once every file is read (see `lint`), and this result is replaced.
    pending: bool = False
    # The families of its task definitions, for the services of other files.
    families: list[str] = field(default_factory=list)
    # The bytes of a pending file, to lint it again without reading it again (stdin cannot be).
    data: bytes | None = None


@cache
def _fragment_validator(rule_id: str, schema_text: str) -> Schema:
    schema: dict[str, Any] = json.loads(schema_text)
    return Schema(schema)


def run_fragment(rule: Rule, taskdef: TaskDef) -> Iterator[tuple[str, str]]:
    """Pointers and messages where a task definition breaks a rule's schema fragment."""
    assert rule.schema is not None and rule.message is not None
    validator = _fragment_validator(rule.id, json.dumps(rule.schema, sort_keys=True))
    for error in validator.iter_errors(taskdef.data):
        if is_unknown(error.instance):
            continue  # a value only the deployment knows
        pointer = "".join(f"/{t}" if isinstance(t, int) else join("", t) for t in error.absolute_path)
        container = taskdef.container_at(pointer)
        yield (
            pointer,
            rule.message.format(
                container=container.label if container else "Task definition",
                where=taskdef.where(pointer),
                member=pointer.rsplit("/", 1)[-1],
                value=json.dumps(error.instance, default=str),  # str: an Unknown of a template
            ),
        )


def _run(rule: Rule, check: CheckFunction | None, taskdef: TaskDef) -> Iterable[tuple[str, str]]:
    return check(taskdef) if check else run_fragment(rule, taskdef)


class Linter:
    """Lints files with one catalogue and one policy; reusable across many files."""

    def __init__(self, catalogue: Catalogue, policy: Policy) -> None:
        self.catalogue = catalogue
        self.policy = policy
        self.rules = catalogue.by_id
        selected = [r for r in catalogue.rules if not r.engine_stage and policy.selected(r.id)]
        self._checks: list[tuple[Rule, CheckFunction | None]] = [
            (rule, self._check(rule)) for rule in selected if rule.resource == TASK_DEFINITION
        ]
        # The rules on services, target groups, listeners ... by the kind of resource they look at.
        self._resource_checks: dict[str, list[tuple[Rule, CheckFunction]]] = {}
        for rule in selected:
            if rule.resource != TASK_DEFINITION:
                check = self._check(rule)
                assert check is not None  # the catalogue refuses a schema fragment for them
                self._resource_checks.setdefault(rule.resource, []).append((rule, check))
        # The task definitions of the whole run, for services that name theirs by family (set by `lint`
        # for the second pass); None in the first.
        self.links: Links | None = None
        self._schema_selected = policy.selected(base.SCHEMA_VIOLATION) or policy.selected(base.ENUM_MISMATCH)

    def _check(self, rule: Rule) -> CheckFunction | None:
        """A rule's check function; the user's rules (checks and fragments) run guarded."""
        check = None if rule.schema is not None else rule.load_check()
        if rule.builtin:
            return check
        return guard(rule, check or partial(run_fragment, rule), self.policy.rule_timeout)

    def raw_findings(
        self,
        loaded: base.Loaded,
        failures: list[str] | None = None,
        connected: Connected | None = None,
    ) -> Iterator[base.Raw]:
        """The file's findings before the policy. A user's rule that fails is named in `failures`; without
        that list, what the rule raised is raised here (as a bug in a built-in rule is). `connected` is
        what `links.connect` found for the file's services."""
        yield from loaded.raws
        if connected is not None:
            yield from connected.raws
        if loaded.resources and connected is not None:
            if self._schema_selected or self.policy.selected(base.MEMBER_DROPPED_BY_ECSPRESSO):
                from taskdeflint.engine import schema

                for placed in loaded.resources:
                    yield from schema.validate_service(placed)
            yield from self._resource_findings(loaded, connected, failures)
        if not loaded.targets:
            return
        from taskdeflint.engine import schema

        for target in loaded.targets:
            if self._schema_selected:
                for raw in schema.validate(target, loaded.document):
                    yield target.annotate(raw)
            if (
                self._checks
                and isinstance(target.taskdef, PartialTaskDef)
                and target.taskdef.too_many_worlds()
            ):
                yield target.annotate(
                    base.Raw(TOO_MANY_WORLDS, too_many_worlds(target.taskdef), target.to_document(""))
                )
            for rule, check in self._checks:
                # With unknown values (templates, plans), only what holds whatever they turn out to be.
                try:
                    found = list(certain(partial(_run, rule, check), target.taskdef))
                except RuleFailure as failure:
                    if failures is None:
                        raise failure.raised or failure from None
                    failures.append(
                        f"rule {describe(failure.rule)} {failure.reason}; its findings are missing"
                    )
                    continue
                for pointer, message in found:
                    yield target.annotate(base.Raw(rule.id, message, target.to_document(pointer)))

    def read_taskdefs(self, path: Path) -> list[TaskDef]:
        """The task definitions of a file, read as `lint` reads it, for a service of another file."""
        with path.open("rb") as stream:
            data = stream.read(self.policy.max_bytes + 1)
        loaded = load(
            data,
            max_bytes=self.policy.max_bytes,
            name=path.name,
            placeholders=self.policy.placeholders,
            positions=False,  # nothing is reported in it here
        )
        return [] if loaded is None else [target.taskdef for target in loaded.targets]

    def _resource_findings(
        self, loaded: base.Loaded, connected: Connected, failures: list[str] | None
    ) -> Iterator[base.Raw]:
        """The findings of the rules on services and the other resources. A service that may run one of
        several task definitions (the run has more than one of its family) is checked against each, and
        only what is found for every one of them is kept."""
        for number, placed in enumerate(loaded.resources):
            checks = self._resource_checks.get(placed.resource.kind)
            if not checks:
                continue
            candidates = connected.candidates.get(number)
            service = placed.resource if isinstance(placed.resource, Service) else None
            runs: list[TaskDef | None] = list(candidates) if service is not None and candidates else [None]
            kept: dict[tuple[str, str], str] | None = None
            for taskdef in runs:
                if service is not None and taskdef is not None:
                    service.taskdef = taskdef
                found: dict[tuple[str, str], str] = {}
                for rule, check in checks:
                    try:
                        for pointer, message in check(placed.resource):
                            found.setdefault((rule.id, pointer), message)
                    except RuleFailure as failure:
                        if failures is None:
                            raise failure.raised or failure from None
                        failures.append(
                            f"rule {describe(failure.rule)} {failure.reason}; its findings are missing"
                        )
                kept = found if kept is None else {k: v for k, v in kept.items() if k in found}
            if service is not None and candidates:
                service.taskdef = candidates[0]
            for (rule_id, pointer), message in (kept or {}).items():
                yield placed.annotate(base.Raw(rule_id, message, placed.to_document(pointer)))

    def lint(
        self,
        path: str,
        data: bytes,
        *,
        explicit: bool = True,
        match_path: str | None = None,
        dockerfiles: Mapping[str, DockerfileFacts] | None = None,
        built: Collection[str] = (),
        location: Path | None = None,
        rule_failures: bool = False,
    ) -> FileResult | None:
        """Findings of one file, shown as `path`; the policy's globs are matched against `match_path`
        (the path relative to the config's folder), which defaults to `path`. `dockerfiles` is what the
        Dockerfiles of the services that name this file say, by container name; `built` names the
        containers whose image `taskdeflint build` renders. `location` is where the file is on disk. With
        `rule_failures`, a user's rule that fails is named in the result's `errors` and the file's other
        findings are kept; otherwise what it raised is raised."""
        read = partial(
            load,
            data,
            explicit=explicit,
            max_bytes=self.policy.max_bytes,
            name=path,
            placeholders=self.policy.placeholders,
        )
        loaded = read()
        if (
            (loaded is None or any(raw.rule == base.NOT_A_TASK_DEFINITION for raw in loaded.raws))
            and location is not None
            and services.has_marker(data)
            and ecspresso_taskdef(location) is not None
        ):
            # An ecspresso service definition too short to tell by its members (a DAEMON service).
            loaded = read(service_definition=True)
        if loaded is None:
            return None
        if built or (location is not None and any(t.kind is base.Kind.CONTAINERS for t in loaded.targets)):
            from taskdeflint.readers.deploytime import as_deployed

            as_deployed(loaded, built, location)
        if dockerfiles:
            for target in loaded.targets:
                target.taskdef.dockerfiles = dict(dockerfiles)
        connected = connect(loaded, self.links, location, self.read_taskdefs) if loaded.resources else None
        where = path if match_path is None else match_path
        ignored = tuple(
            prefix
            for pattern, prefixes in self.policy.per_file_ignores
            if glob_match(where, pattern)
            for prefix in prefixes
        )
        suppressions = [s for s in self.policy.suppressions if s.files is None or glob_match(where, s.files)]
        result = FileResult(path, [], match_path=where)
        result.no_task_definition = any(raw.rule == base.NOT_A_TASK_DEFINITION for raw in loaded.raws)
        result.families = [f for t in loaded.targets if isinstance(f := t.taskdef.data.get("family"), str)]
        if connected is not None and connected.pending:
            result.pending = True
            result.data = data
            return result  # linted in the second pass, once the run's task definitions are known
        seen: set[tuple[str, str, int | None, str]] = set()
        hidden: list[str] | None = None  # what messages may not echo whole, found at the first finding
        for raw in self.raw_findings(loaded, result.errors if rule_failures else None, connected):
            # That the file could not be read or parsed is said whatever rules are selected: otherwise
            # `--select TDL2` would pass a file with a trailing comma (only per-file-ignores hide it).
            if not (self.policy.selected(raw.rule) or loaded.unreadable) or matches(raw.rule, ignored):
                continue
            key = (raw.rule, raw.pointer, raw.offset, raw.message)
            if key in seen:
                continue
            seen.add(key)
            suppression = _suppressed(raw, suppressions, loaded)
            if suppression is not None:
                result.used_suppressions.add(suppression.index)
                continue
            if hidden is None:
                hidden = hidden_values(target.taskdef for target in loaded.targets)
            result.findings.append(self._place(path, raw, loaded, hidden))
        result.findings.sort()
        return result

    def _place(self, path: str, raw: base.Raw, loaded: base.Loaded, hidden: list[str]) -> Finding:
        """The finding, placed in the file; its message masked (no credential, whatever the rule quotes)."""
        rule = self.rules.get(raw.rule)
        severity = self.policy.severity.get(raw.rule) or (rule.severity if rule else Severity.ERROR)
        positions = loaded.positions
        if raw.offset is not None:
            if positions is None:
                from taskdeflint.positions import PositionMap

                positions = loaded.positions = PositionMap(loaded.text)
            line, column = positions.line_col(raw.offset)
            end_line, end_column = line, column + 1
        elif positions is not None:
            line, column, end_line, end_column = positions.locate(raw.pointer)
        else:
            line, column, end_line, end_column = 1, 1, 1, 1
        return Finding(
            path=path,
            line=line,
            column=column,
            rule=raw.rule,
            end_line=end_line,
            end_column=end_column,
            name=rule.name if rule else raw.rule.lower(),
            severity=severity,
            message=mask(raw.message, hidden),
            pointer=raw.pointer,
        )


def _suppressed(raw: base.Raw, suppressions: list[Suppression], loaded: base.Loaded) -> Suppression | None:
    for suppression in suppressions:
        if suppression.rule != raw.rule:
            continue
        if suppression.pointer is not None:
            pointer = suppression.pointer
            if raw.pointer != pointer and not raw.pointer.startswith(pointer + "/"):
                continue
        if (
            suppression.container is not None
            and _container_name(raw.pointer, loaded) != suppression.container
        ):
            continue
        return suppression
    return None


def _container_name(pointer: str, loaded: base.Loaded) -> str | None:
    for target in loaded.targets:
        prefix = target.to_document("/containerDefinitions")
        if target.kind is base.Kind.CONTAINERS or pointer.startswith(prefix + "/"):
            rest = pointer[len(prefix) :] if pointer.startswith(prefix) else pointer
            container = target.taskdef.container_at("/containerDefinitions" + rest)
            if container is not None:
                return container.name
    return None
