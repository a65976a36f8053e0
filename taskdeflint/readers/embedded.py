"""Task definitions that live inside another document: a CloudFormation resource, a Terraform resource.

Each is converted to the ECS API's shape (so that the same schema and rules run on it) while recording
where every converted value came from: an `Embedding` maps the rules' API pointers back to pointers into
the document (`/containerDefinitions/0/privileged` to
`/Resources/Web/Properties/ContainerDefinitions/0/Privileged`), names the resource in messages, and
words schema messages in the source's names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from taskdeflint.positions import join, split
from taskdeflint.readers.base import Raw
from taskdeflint.readers.unknown import Unknown

ROOT = "RegisterTaskDefinitionRequest"


@cache
def _defs() -> dict[str, dict[str, Any]]:
    from taskdeflint.data import task_definition_schema

    defs: dict[str, dict[str, Any]] = task_definition_schema()["$defs"]
    return defs


def resolve(node: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A schema node with its `$ref` followed, and the name of the definition it refers to."""
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        return name, _defs()[name]
    return "", node


def definition(name: str) -> dict[str, Any]:
    return _defs()[name]


def members(name: str) -> dict[str, dict[str, Any]]:
    """The members of an object definition, by their API names."""
    properties: dict[str, dict[str, Any]] = _defs()[name].get("properties", {})
    return properties


def is_map(node: dict[str, Any]) -> bool:
    """An object whose keys are data (dockerLabels, options), not member names."""
    return node.get("type") == "object" and isinstance(node.get("additionalProperties"), dict)


def child(name: str, member: str) -> str:
    """The definition of an object member, or of the items of an array member ("" for other values)."""
    node = members(name).get(member)
    if node is None:
        return ""
    ref, node = resolve(node)
    if ref:
        return ref
    items = node.get("items")
    if isinstance(items, dict):
        return resolve(items)[0]
    return ""


def coerce(value: object, node: dict[str, Any]) -> object:
    """A scalar as CloudFormation passes it on: it converts numbers and booleans to the string a string
    member needs, and numeric or boolean strings to the number or boolean a member of that type needs.
    Anything else is left for the schema stage to judge."""
    kind = node.get("type")
    if kind == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        if isinstance(value, float):
            return repr(value)
    elif kind == "integer" and isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,18}", value.strip()):
        return int(value)
    elif kind == "boolean" and isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


def alternatives(node: dict[str, Any]) -> tuple[object, ...]:
    """The values a member of this schema can take, when they are few: its enum, true and false, or
    one-item lists of an enum (requiresCompatibilities). Empty when any value goes."""
    enum = node.get("enum")
    if isinstance(enum, list):
        return tuple(enum)
    if node.get("type") == "boolean":
        return (True, False)
    items = node.get("items")
    if node.get("type") == "array" and isinstance(items, dict) and isinstance(items.get("enum"), list):
        return tuple([value] for value in items["enum"])
    return ()


def is_structure(node: dict[str, Any]) -> bool:
    """Whether a schema node is an object (a container, a map) or a list of objects."""
    node = resolve(node)[1]
    if node.get("type") == "object":
        return True
    items = node.get("items")
    return (
        node.get("type") == "array" and isinstance(items, dict) and resolve(items)[1].get("type") == "object"
    )


# Values that stand for "any number" and "any string" beside the Unknown itself: a rule whose finding
# depends on the value (a sum, a threshold, whether a string is set) gives a different answer for one of
# them, so the finding is not kept.
_WITNESSES: dict[str, tuple[object, ...]] = {
    "integer": (0, 2**31 - 1),
    "number": (0, 2**31 - 1),
    "string": ("", "unknown"),
}


def unknown_at(value: Unknown, node: dict[str, Any], where: str) -> Unknown:
    """An Unknown at a member of this schema: with the member's few values as alternatives (an enum,
    a boolean), or witnesses of any number or string, or marked as a structure nothing is known of."""
    if value.alternatives:
        return value
    resolved = resolve(node)[1]
    choices = alternatives(resolved)
    if choices:
        return Unknown(value.expression, f"{value.expression} at {where}", choices)
    witnesses = _WITNESSES.get(str(resolved.get("type")))
    if witnesses:
        return Unknown(value.expression, f"{value.expression} at {where}", (value, *witnesses))
    return Unknown(value.expression, structure=is_structure(node))


# Where a task definition names its containers and its volumes, and where it refers to those names.
_NAMESPACES = (
    (
        (("containerDefinitions", "*", "name"),),
        (
            ("containerDefinitions", "*", "dependsOn", "*", "containerName"),
            ("containerDefinitions", "*", "links", "*"),
            ("containerDefinitions", "*", "volumesFrom", "*", "sourceContainer"),
            ("proxyConfiguration", "containerName"),
        ),
    ),
    (
        (("volumes", "*", "name"),),
        (("containerDefinitions", "*", "mountPoints", "*", "sourceVolume"),),
    ),
)


def _at(value: object, path: tuple[str, ...]) -> list[tuple[Any, Any, object]]:
    """(parent, key, value) of every value at a path ("*" for any item of a list)."""
    if not path:
        return []
    head, rest = path[0], path[1:]
    items: list[tuple[Any, Any]]
    if head == "*":
        items = list(enumerate(value)) if isinstance(value, list) else []
    else:
        items = [(head, value[head])] if isinstance(value, dict) and head in value else []
    if not rest:
        return [(value, key, item) for key, item in items]
    return [found for _, item in items for found in _at(item, rest)]


def link_names(data: dict[str, Any]) -> None:
    """Give an unknown container or volume name the names the task definition refers to as its
    alternatives (and an unknown reference the names it defines), so that a rule that finds a name
    missing reports it only when no value of the unknown could supply it."""
    for defining, referring in _NAMESPACES:
        names = [found for path in defining for found in _at(data, path)]
        references = [found for path in referring for found in _at(data, path)]
        defined = sorted({v for _, _, v in names if isinstance(v, str)})
        referred = sorted({v.split(":", 1)[0] for _, _, v in references if isinstance(v, str)})
        for group, candidates in ((names, referred), (references, defined)):
            for parent, key, value in group:
                if isinstance(value, Unknown) and candidates:
                    variable = f"{value.expression} as a name at {id(parent)}/{key}"
                    choices = value.alternatives or (value,)
                    parent[key] = Unknown(value.expression, variable, (*choices, *candidates))


def definition_at(pointer: str) -> str:
    """The schema definition of the object an API pointer names ("" for a value that is no object)."""
    name = ROOT
    for token in split(pointer):
        if not token.isdigit():
            name = child(name, token) if name else ""
    return name


_MEMBER = re.compile(r'(missing required member|unknown member) "([^"]*)"')


def nearest(pointers: dict[str, str], pointer: str, root: str) -> tuple[str, str]:
    """The longest prefix of an API pointer that a conversion recorded, and where it lies in the document
    (`root` when none did): what a value that was not converted itself (a default, a member below a
    function's result) is placed under."""
    cut = pointer
    while cut:
        cut = cut[: cut.rfind("/")]
        if cut in pointers:
            break
    return cut, pointers.get(cut, root)


@dataclass(slots=True)
class Embedding:
    """Where one embedded task definition lies in its document, and how to speak of it.

    `pointers` maps the API pointer of every converted value to its document pointer; `opaque` holds the
    API pointers of values that an expression produced (an intrinsic function, an unknown): whatever lies
    below them is placed at the expression. `definitions` names the schema definition of each converted
    object, so that a missing member can be named as the source names it (`name_of(definition, member)`).
    """

    label: str
    root: str
    name_of: Callable[[str, str], str]
    pointers: dict[str, str] = field(default_factory=dict)
    opaque: set[str] = field(default_factory=set)
    definitions: dict[str, str] = field(default_factory=dict)
    _reverse: dict[str, str] | None = None

    def to_document(self, pointer: str) -> str:
        found = self.pointers.get(pointer)
        if found is not None:
            return found
        cut, base = nearest(self.pointers, pointer, self.root)
        if cut in self.opaque:
            return base
        name = self.definitions.get(cut, "")
        for token in split(pointer[len(cut) :]):
            base = join(base, self.name_of(name, token) if name else token)
            name = child(name, token) if name else ""
        return base

    def names(self, pointer: str) -> list[str]:
        """The source's name of each token of an API pointer, for messages."""
        out: list[str] = []
        name = ROOT
        for token in split(pointer):
            if token.isdigit() or not name:
                out.append(token)  # an index, or a key of a map (dockerLabels), which is data
                continue
            out.append(self.name_of(name, token))
            name = child(name, token)
        return out

    def annotate(self, raw: Raw) -> Raw:
        """Name the resource in a rule's or the schema's message, and a member the schema names as the
        source names it."""
        message = raw.message
        if raw.rule == "TDL003" and _MEMBER.search(message):
            if self._reverse is None:
                self._reverse = {document: api for api, document in self.pointers.items()}
            api = self._reverse.get(raw.pointer)
            name = definition_at(api) if api is not None else ""
            if name:
                message = _MEMBER.sub(lambda m: f'{m.group(1)} "{self.name_of(name, m.group(2))}"', message)
        return Raw(raw.rule, f"{message} ({self.label})", raw.pointer, raw.offset)
