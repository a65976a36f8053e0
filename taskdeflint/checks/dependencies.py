"""Container dependency checks (TDL300-TDL304): `dependsOn` targets, cycles and conditions.

Sources: the ECS API model (ContainerDefinition.dependsOn, ContainerDependency.condition,
ContainerDefinition.essential) and the observed RegisterTaskDefinition errors in shared/ecs-facts.md
(sections 3.8 and 4). Every function takes a `TaskDef` and yields `(pointer, message)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from taskdeflint.checks.common import cycles
from taskdeflint.model import Container, TaskDef


@dataclass(frozen=True, slots=True)
class Dependency:
    """One `dependsOn` entry: the container that waits, and the one it names."""

    container: Container
    index: int
    target: str
    condition: str | None

    @property
    def pointer(self) -> str:
        return f"{self.container.pointer}/dependsOn/{self.index}"


def dependencies(td: TaskDef) -> Iterator[Dependency]:
    for container in td.containers:
        raw = container.data.get("dependsOn")
        if not isinstance(raw, list):
            continue
        for index, item in enumerate(raw):
            if not isinstance(item, dict):
                continue
            target = item.get("containerName")
            if not isinstance(target, str):
                continue
            condition = item.get("condition")
            yield Dependency(container, index, target, condition if isinstance(condition, str) else None)


def _by_name(td: TaskDef) -> dict[str, Container]:
    """Containers by name; with duplicate names (another rule's finding) the first one wins."""
    found: dict[str, Container] = {}
    for container in td.containers:
        name = container.data.get("name")
        if isinstance(name, str):
            found.setdefault(name, container)
    return found


def _is_self(dependency: Dependency) -> bool:
    return dependency.target == dependency.container.data.get("name")


# TDL300 -------------------------------------------------------------------------------------------


def unknown_dependency(td: TaskDef) -> Iterator[tuple[str, str]]:
    """A dependsOn entry names no container of the task definition."""
    names = _by_name(td)
    for dependency in dependencies(td):
        if dependency.target not in names:
            yield (
                f"{dependency.pointer}/containerName",
                f'{dependency.container.label} depends on "{dependency.target}", which is not a container '
                "of this task definition",
            )


# TDL301 -------------------------------------------------------------------------------------------


def self_dependency(td: TaskDef) -> Iterator[tuple[str, str]]:
    """A container names itself in its own dependsOn."""
    for dependency in dependencies(td):
        if _is_self(dependency):
            yield (
                f"{dependency.pointer}/containerName",
                f"{dependency.container.label} depends on itself, so it can never start",
            )


# TDL302 -------------------------------------------------------------------------------------------


def dependency_cycle(td: TaskDef) -> Iterator[tuple[str, str]]:
    """Containers that wait for each other in a ring (each elementary cycle reported once).

    A cycle is reported at the dependsOn entry of its first container (in document order) that names
    the next container of the cycle. Self-dependencies are TDL301's.
    """
    names = _by_name(td)
    # edges[i] = [(j, dependency)] in document order, one edge per (i, j) pair.
    edges: dict[int, list[tuple[int, Dependency]]] = {}
    containers: dict[int, Container] = {}
    for dependency in dependencies(td):
        target = names.get(dependency.target)
        source = dependency.container
        if target is None or _is_self(dependency) or target.index == source.index:
            continue
        # Only the first container of a duplicated name takes part, so the graph has one node per name.
        source_name = source.data.get("name")
        named = names.get(source_name) if isinstance(source_name, str) else None
        if named is None or named.index != source.index:
            continue
        containers[source.index] = source
        containers[target.index] = target
        out = edges.setdefault(source.index, [])
        if all(j != target.index for j, _ in out):
            out.append((target.index, dependency))

    for start, cycle in cycles(edges):
        chain = " -> ".join(f'"{containers[n].name}"' for n in [start, *(n for n, _ in cycle)])
        first = cycle[0][1]
        yield (
            f"{first.pointer}/containerName",
            f"Containers depend on each other in a cycle: {chain}; none of them can start",
        )


# TDL303 -------------------------------------------------------------------------------------------


def healthy_dependency_without_health_check(td: TaskDef) -> Iterator[tuple[str, str]]:
    """A HEALTHY dependency on a container that has no healthCheck."""
    names = _by_name(td)
    for dependency in dependencies(td):
        target = names.get(dependency.target)
        if dependency.condition != "HEALTHY" or target is None or _is_self(dependency):
            continue
        if isinstance(target.data.get("healthCheck"), dict):
            continue
        yield (
            f"{dependency.pointer}/condition",
            f'{dependency.container.label} depends on "{target.name}" with condition HEALTHY, but '
            f'"{target.name}" has no healthCheck, so it never reports healthy and '
            f'"{dependency.container.name}" never starts',
        )


# TDL304 -------------------------------------------------------------------------------------------


def completion_dependency_on_essential(td: TaskDef) -> Iterator[tuple[str, str]]:
    """A COMPLETE or SUCCESS dependency on an essential container."""
    names = _by_name(td)
    for dependency in dependencies(td):
        target = names.get(dependency.target)
        if dependency.condition not in ("COMPLETE", "SUCCESS") or target is None:
            continue
        essential = target.data.get("essential")
        if essential is None:
            how = "is essential (essential is omitted, which means true)"
        elif essential is True:
            how = "sets essential to true"
        else:
            continue  # false, or a wrong type that the schema stage reports
        yield (
            f"{dependency.pointer}/condition",
            f'{dependency.container.label} depends on "{target.name}" with condition '
            f'{dependency.condition}, but "{target.name}" {how}; the container a {dependency.condition} '
            "dependency names must be non-essential",
        )
