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

from collections.abc import Callable, Iterable, Iterator
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


def _size(value: object) -> int:
    """The number of values in a document (objects, lists and scalars)."""
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def _substitute(value: Any, variable: str, index: int) -> Any:
    """`value` with every Unknown of `variable` replaced by its alternative `index`: a new object or
    list only where something inside it changed, the same one elsewhere (worlds share what they do not
    change).

    An alternative that is ABSENT removes an object member; a list item keeps its Unknown, so that the
    pointers of the items after it stay the same in every world.
    """
    if isinstance(value, Unknown):
        if value.variable == variable and index < len(value.alternatives):
            return value.alternatives[index]
        return value
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        changed = False
        for key, item in value.items():
            new = _substitute(item, variable, index)
            changed = changed or new is not item
            if new is not ABSENT:
                out[key] = new
        return out if changed else value
    if isinstance(value, list):
        items = []
        changed = False
        for item in value:
            new = _substitute(item, variable, index)
            changed = changed or (new is not item and new is not ABSENT)
            items.append(item if new is ABSENT else new)
        return items if changed else value
    return value


# The most worlds times values of the task definition that `certain` reads: each world is one run of
# each rule that finds something. Past it (thousands of `Fn::If`, of unresolved functions, each an
# unknown with alternatives), the rules are not run on the task definition at all (see TDL031), so
# that what they report stays what holds in every world.
WORLD_BUDGET = 500_000
TOO_MANY_WORLDS = "TDL031"


def too_many_worlds(taskdef: PartialTaskDef) -> str:
    """The message of TDL031 for a task definition whose worlds are too many to read."""
    return (
        f"Task definition has {len(taskdef.choices()):,} cases between its values known only when "
        f"deployed (conditions, parameters, unresolved functions), too many to check each at its size "
        f"({_size(taskdef.data):,} values); its rules were not run, only the schema"
    )


class PartialTaskDef(TaskDef):
    """A task definition taken from a template or plan, some of whose values may be Unknown.

    `describe` gives, for a pointer, the source's name of each of its tokens (CloudFormation's
    `ContainerDefinitions`, Terraform's `volume`), so that messages use the words of the file; the rules'
    pointers stay the ECS API's.
    """

    __slots__ = ("_choices", "_describe", "_too_many", "_unreadable", "_worlds")

    def __init__(
        self, data: dict[str, Any], kind: str, describe: Callable[[str], list[str]] | None = None
    ) -> None:
        super().__init__(data, kind)
        self._describe = describe
        self._worlds: list[TaskDef] | None = None
        self._choices: list[tuple[str, int]] | None = None
        self._too_many: bool | None = None
        self._unreadable: bool | None = None

    def where(self, pointer: str) -> str:
        if self._describe is None:
            return super().where(pointer)
        return self.phrase(pointer, self._describe(pointer))

    def choices(self) -> list[tuple[str, int]]:
        """Each world as (variable, alternative): one per alternative of each unknown that has some (the
        others left unknown)."""
        if self._choices is None:
            variables: dict[str, int] = {}
            _variables(self.data, variables)
            self._choices = [(v, i) for v, count in sorted(variables.items()) for i in range(count)]
        return self._choices

    def too_many_worlds(self) -> bool:
        """Whether reading every world would cost more than WORLD_BUDGET (see TDL031)."""
        if self._too_many is None:
            count = len(self.choices())
            self._too_many = count > 1 and count * _size(self.data) > WORLD_BUDGET
        return self._too_many

    def worlds(self) -> Iterator[TaskDef]:
        """The task definition once per world, each made when first asked for (a rule that finds nothing
        in the first is not run in the others); just itself when no unknown has alternatives; none when
        a structure is unknown or there are too many worlds to read."""
        if self._unreadable is None:
            self._unreadable = has_structure(self.data) or self.too_many_worlds()
        if self._unreadable:
            return
        choices = self.choices()
        if not choices:
            yield self
            return
        if self._worlds is None:
            self._worlds = []
        for position, (variable, index) in enumerate(choices):
            if position == len(self._worlds):
                world = PartialTaskDef(_substitute(self.data, variable, index), self.kind, self._describe)
                if hasattr(self, "dockerfiles"):
                    world.dockerfiles = self.dockerfiles
                self._worlds.append(world)
            yield self._worlds[position]


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
    first_world = next(worlds, None)
    if first_world is None:
        return []
    first = list(run(first_world))
    if not first:
        return first
    kept = {pointer for pointer, _ in first}
    for world in worlds:
        kept &= {pointer for pointer, _ in run(world)}
        if not kept:
            return []
    return [(pointer, message) for pointer, message in first if pointer in kept]
