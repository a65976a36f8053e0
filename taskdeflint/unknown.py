"""Values that only a deployment knows: an unresolved CloudFormation intrinsic function (`!GetAtt
Role.Arn`, `!Sub` of a pseudo parameter, a parameter without a default), or Terraform's "known after
apply".

An `Unknown` stands in a task definition where such a value is. It is *present* (a rule asking whether
a member is set sees it), of *no JSON type* (every `isinstance` test a rule makes fails, so a check that
needs the value skips it), and the schema stage does not report it.

Rules also read defaults: an absent or unreadable networkMode is bridge, an unreadable
requiresCompatibilities is not Fargate. An Unknown must not turn into such a guess. So where an unknown
value can only be one of a few values (the two branches of `Fn::If`, a parameter's AllowedValues, an enum
or boolean member), the Unknown lists them, and `certain` reports a rule's finding only when the rule
makes it whichever of them the deployment picks: the rule runs once per alternative of each unknown (the
others stay unknown) and a finding is kept when every run makes it at the same pointer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from taskdeflint.model import TaskDef


class _Absent:
    """What `AWS::NoValue` and a condition's empty branch give: no value at all."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()


class Unknown:
    """A value that is there but cannot be known before deployment.

    `expression` says where it comes from (`Fn::GetAtt TaskRole.Arn`); two Unknowns of the same
    expression are equal, since they are the same value. `variable` names what decides the value (a
    condition, a parameter) and `alternatives` the values it can take, in the variable's order; an empty
    tuple means any value.
    """

    __slots__ = ("alternatives", "expression", "structure", "variable")

    def __init__(
        self,
        expression: str,
        variable: str = "",
        alternatives: tuple[object, ...] = (),
        structure: bool = False,
    ) -> None:
        self.expression = expression
        self.variable = variable or expression
        self.alternatives = alternatives
        # An object or a list of objects (a container, the volumes) of which nothing is known: the rules
        # read across such structures (names, mounts, totals), so none of them can be trusted with it.
        self.structure = structure and not alternatives

    def __str__(self) -> str:
        return f"(known only when deployed: {self.expression})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unknown) and other.expression == self.expression

    def __hash__(self) -> int:
        return hash(("Unknown", self.expression))

    def __repr__(self) -> str:
        return f"Unknown({self.expression!r})"

    def __deepcopy__(self, memo: dict[int, object]) -> Unknown:
        return self


def is_unknown(value: object) -> bool:
    return isinstance(value, Unknown)


def contains_unknown(value: object) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def has_structure(value: object) -> bool:
    """Whether an Unknown of which nothing is known stands for an object or a list of objects."""
    if isinstance(value, Unknown):
        return value.structure
    if isinstance(value, dict):
        return any(has_structure(v) for v in value.values())
    if isinstance(value, list):
        return any(has_structure(v) for v in value)
    return False


def _variables(value: object, found: dict[str, int]) -> None:
    if isinstance(value, Unknown):
        if value.alternatives:
            found[value.variable] = max(found.get(value.variable, 0), len(value.alternatives))
    elif isinstance(value, dict):
        for item in value.values():
            _variables(item, found)
    elif isinstance(value, list):
        for item in value:
            _variables(item, found)


def _substitute(value: Any, variable: str, index: int) -> Any:
    """A copy of `value` with every Unknown of `variable` replaced by its alternative `index`.

    An alternative that is ABSENT removes an object member; a list item keeps its Unknown, so that the
    pointers of the items after it stay the same in every world.
    """
    if isinstance(value, Unknown):
        if value.variable == variable and index < len(value.alternatives):
            return value.alternatives[index]
        return value
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            new = _substitute(item, variable, index)
            if new is not ABSENT:
                out[key] = new
        return out
    if isinstance(value, list):
        items = []
        for item in value:
            new = _substitute(item, variable, index)
            items.append(item if new is ABSENT else new)
        return items
    return value


class PartialTaskDef(TaskDef):
    """A task definition taken from a template or plan, some of whose values may be Unknown.

    `describe` gives, for a pointer, the source's name of each of its tokens (CloudFormation's
    `ContainerDefinitions`, Terraform's `volume`), so that messages use the words of the file; the rules'
    pointers stay the ECS API's.
    """

    __slots__ = ("_describe", "_worlds")

    def __init__(
        self, data: dict[str, Any], kind: str, describe: Callable[[str], list[str]] | None = None
    ) -> None:
        super().__init__(data, kind)
        self._describe = describe
        self._worlds: list[TaskDef] | None = None

    def where(self, pointer: str) -> str:
        if self._describe is None:
            return super().where(pointer)
        names = self._describe(pointer)
        container = self.container_at(pointer)
        if container is not None:
            rest = dotted(names[2:])
            return f"{container.label} {rest}" if rest else container.label
        return dotted(names) or "Task definition"

    def worlds(self) -> list[TaskDef]:
        """The task definition once per alternative of each unknown that has alternatives (the others
        left unknown); just itself when no unknown has any; none when a structure is unknown."""
        if self._worlds is None and has_structure(self.data):
            self._worlds = []
        if self._worlds is None:
            variables: dict[str, int] = {}
            _variables(self.data, variables)
            worlds: list[TaskDef] = []
            for variable, count in sorted(variables.items()):
                for index in range(count):
                    data = _substitute(self.data, variable, index)
                    world = PartialTaskDef(data, self.kind, self._describe)
                    if hasattr(self, "dockerfiles"):
                        world.dockerfiles = self.dockerfiles
                    worlds.append(world)
            self._worlds = worlds or [self]
        return self._worlds


def dotted(names: list[str]) -> str:
    """`ContainerDefinitions[0].LogConfiguration`: names joined with dots, indices in brackets."""
    out = ""
    for name in names:
        if name.isdigit():
            out += f"[{name}]"
        else:
            out += f".{name}" if out else name
    return out


Found = Iterable[tuple[str, str]]


def certain(run: Callable[[TaskDef], Found], taskdef: TaskDef) -> Found:
    """The findings of `run` that hold whatever the unknowns of `taskdef` turn out to be.

    A plain task definition is passed straight through. Otherwise the rule runs in the first world, and
    only when it finds something in the others; a finding is kept when every world makes it at the same
    pointer (with the first world's message).
    """
    if not isinstance(taskdef, PartialTaskDef):
        return run(taskdef)
    worlds = taskdef.worlds()
    if not worlds:
        return []
    first = list(run(worlds[0]))
    if not first or len(worlds) == 1:
        return first
    kept = {pointer for pointer, _ in first}
    for world in worlds[1:]:
        kept &= {pointer for pointer, _ in run(world)}
        if not kept:
            return []
    return [(pointer, message) for pointer, message in first if pointer in kept]
