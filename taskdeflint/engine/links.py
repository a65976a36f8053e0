"""What ties a service to the rest of a deployment: its task definition, and, in a template or a plan,
its target groups, listeners and Cloud Map services.

Inside one document a reader records references by key (`Ref`, `Fn::GetAtt`, Terraform addresses) and
`connect` follows them. A service that names its task definition by family, `family:revision` or ARN
finds it among the files of the run, which only the run knows once every file is read (`Links`); an
ecspresso service definition finds it through the `ecspresso.yml` beside it. A service whose task
definition is none of these is said once (TDL800) and gets only the checks that need nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from taskdeflint.model import Graph, Service, TaskDef
from taskdeflint.readers import base, services

TASKDEF_NOT_LINTED = "TDL800"

# arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION (any partition), or FAMILY[:REVISION].
_ARN = re.compile(r"^arn:[^:]+:ecs:[^:]*:[^:]*:task-definition/(.+)$")
_REFERENCE = re.compile(r"^([A-Za-z0-9_-]{1,255})(?::([0-9]{1,9}))?$")
ECSPRESSO_CONFIGS = ("ecspresso.yml", "ecspresso.yaml", "ecspresso.json")


def parse_reference(reference: str) -> tuple[str, int | None] | None:
    """The family and revision a `taskDefinition` value names, or None when it names none."""
    match = _ARN.match(reference.strip())
    found = _REFERENCE.match(match.group(1) if match else reference.strip())
    if found is None:
        return None
    return found.group(1), int(found.group(2)) if found.group(2) else None


def family_of(taskdef: TaskDef) -> tuple[str, int | None] | None:
    family = taskdef.data.get("family")
    revision = taskdef.data.get("revision")
    if not isinstance(family, str):
        return None
    return family, revision if isinstance(revision, int) and not isinstance(revision, bool) else None


def _matches(wanted: tuple[str, int | None], have: tuple[str, int | None] | None) -> bool:
    """A family names every revision of it; `family:revision` only that revision (or a file without
    one: register input, a template, which registers the next revision)."""
    return have is not None and have[0] == wanted[0] and (wanted[1] is None or have[1] in (None, wanted[1]))


@dataclass
class Links:
    """The task definitions of the whole run, for services that name theirs by family (the second pass;
    in the first, a service that needs another file leaves its file for it).

    `families` lists, for each family, the files whose task definitions have it; `read` gives the task
    definitions of a file.
    """

    read: Callable[[Path], list[TaskDef]]
    families: dict[str, list[Path]]
    # The task definition files that an ecspresso config may tie a service definition to (None: any);
    # with `ecspresso` false, none.
    only: frozenset[Path] | None = None
    ecspresso: bool = True
    # Files beyond the run that may hold a family the run has not (pre-commit's run holds only the files
    # of the commit, and a service's task definition is most often in another).
    search: Callable[[str], list[Path]] | None = None
    _cache: dict[Path, list[TaskDef]] = field(default_factory=dict)

    def ties(self, path: Path) -> bool:
        """Whether the task definition file that an ecspresso config names is followed."""
        return self.ecspresso and (self.only is None or path.resolve() in self.only)

    def taskdefs(self, path: Path) -> list[TaskDef]:
        found = self._cache.get(path)
        if found is None:
            try:
                found = self.read(path)
            except OSError:
                found = []
            self._cache[path] = found
        return found

    def by_reference(self, wanted: tuple[str, int | None], near: Path | None) -> list[TaskDef]:
        """The task definitions of the run that `wanted` names (those in the service's own folder when
        there are several)."""
        paths = self.families.get(wanted[0], [])
        if not paths and self.search is not None:
            paths = self.search(wanted[0])
        if near is not None and len(paths) > 1:
            close = [p for p in paths if p.parent == near.parent]
            paths = close or paths
        return [t for path in paths for t in self.taskdefs(path) if _matches(wanted, family_of(t))]


# At most this many YAML files of a folder are read in search of an ecspresso config of another name.
MAX_CONFIGS = 50


def ecspresso_taskdef(location: Path) -> Path | None:
    """The task definition file that an ecspresso config ties to a service definition: `ecspresso.yml`
    (or .yaml, .json) in its folder or one of the two above, or a YAML file of another name in its folder
    (`ecspresso --config staging.yml`); `service_definition` names the file, `task_definition` its task
    definition."""
    folder = location.parent
    for level in range(3):
        candidates = [folder / name for name in ECSPRESSO_CONFIGS]
        if level == 0:
            try:
                others = sorted(p for p in folder.iterdir() if p.suffix in (".yml", ".yaml"))
            except OSError:
                others = []
            candidates += [p for p in others[:MAX_CONFIGS] if p.name not in ECSPRESSO_CONFIGS]
        for config in candidates:
            if config.is_file():
                found = _ecspresso_pair(config, location)
                if found is not None:
                    return found
        if folder.parent == folder:
            break
        folder = folder.parent
    return None


def _ecspresso_pair(config: Path, location: Path) -> Path | None:
    try:
        text = config.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if len(text) > 1_000_000 or "service_definition" not in text:
        return None
    try:
        if config.suffix == ".json":
            import json

            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception:  # an unreadable config ties nothing; ecspresso itself reports it
        return None
    if not isinstance(data, dict):
        return None
    service, taskdef = data.get("service_definition"), data.get("task_definition")
    if not isinstance(service, str) or not isinstance(taskdef, str) or "{{" in service + taskdef:
        return None
    try:
        if (config.parent / service).resolve() != location.resolve():
            return None
    except OSError:
        return None
    return config.parent / taskdef


@dataclass
class Connected:
    """What `connect` found: per service, the task definitions it may run (several when the run has
    more than one candidate: a finding must then hold for each), and what is left for the second pass."""

    candidates: dict[int, list[TaskDef]] = field(default_factory=dict)
    raws: list[base.Raw] = field(default_factory=list)
    pending: bool = False


def connect(
    loaded: base.Loaded,
    links: Links | None,
    location: Path | None,
    read: Callable[[Path], list[TaskDef]],
) -> Connected:
    """Give each resource its document's graph and each service its task definition. `read` gives the
    task definitions of a file (the one an ecspresso config names) while the run has no `links` yet."""
    out = Connected()
    if not loaded.resources:
        return out
    graph = Graph()
    for target in loaded.targets:
        if target.key:
            graph.taskdefs[target.key] = target.taskdef
    for placed in loaded.resources:
        graph.add(placed.resource)
    for number, placed in enumerate(loaded.resources):
        service = placed.resource
        if not isinstance(service, Service):
            continue
        service.form = placed.form
        found, note = _find(service, graph, loaded.targets, links, location, read)
        if found is None:
            out.pending = True
            continue
        out.candidates[number] = found
        service.taskdef = found[0] if found else None
        if not found and note:
            pointer = "/taskDefinition" if "taskDefinition" in service.data else ""
            raw = base.Raw(TASKDEF_NOT_LINTED, note, placed.to_document(pointer))
            out.raws.append(placed.annotate(raw))
    return out


def _find(
    service: Service,
    graph: Graph,
    targets: Iterable[base.Target],
    links: Links | None,
    location: Path | None,
    read: Callable[[Path], list[TaskDef]],
) -> tuple[list[TaskDef] | None, str]:
    """The candidates for the service's task definition (None: only the second pass can tell) and, when
    there is none, why."""
    name = f"service {service.name}" if service.name != "service" else "this service"
    key = service.refs.get("/taskDefinition")
    if key is not None:
        taskdef = graph.taskdefs.get(key)
        if taskdef is not None:
            return [taskdef], ""
        return [], ""  # a resource of the template that is no task definition it holds: the schema's
    reference = service.data.get("taskDefinition")
    if reference is None:
        if location is not None:
            path = ecspresso_taskdef(location)
            if path is not None and (links is None or links.ties(path)):
                try:
                    found = links.taskdefs(path) if links is not None else read(path)
                except OSError:
                    found = []
                if found:
                    return found[:1], ""
                return [], (
                    f"The task definition that ecspresso's config names for {name} ({path.name}) could "
                    "not be read; the checks that compare the service with it were skipped"
                )
        if service.form == services.ECSPRESSO:
            return [], (
                f"The task definition of {name} is not named in the file, and no ecspresso config beside "
                "it names the file as its service_definition; the checks that compare the service with "
                "it were skipped"
            )
        return [], ""
    if not isinstance(reference, str):
        return [], (
            f"The task definition of {name} is known only when deployed; the checks that compare the "
            "service with it were skipped"
        )
    wanted = parse_reference(reference)
    if wanted is None:
        return [], ""
    here = [t for t in targets if _matches(wanted, family_of(t.taskdef))]
    if here:
        return [t.taskdef for t in here], ""
    if links is None:
        return None, ""
    elsewhere = links.by_reference(wanted, location)
    if elsewhere:
        return elsewhere, ""
    return [], (
        f'Task definition "{reference}" of {name} is not among the files linted; the checks that compare '
        "the service with it were skipped"
    )
