"""A typed view of one task definition, as rules see it.

Rules speak in JSON Pointers relative to the task definition (`/containerDefinitions/0/image`); the
engine maps them to the document they came from (a describe wrapper, a bare container list) and from
there to line and column. Nothing here trusts the document's types: the schema stage reports wrong types,
and these accessors simply skip what is not of the expected shape, so no rule crashes on bad input.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from taskdeflint.positions import split

if TYPE_CHECKING:
    from taskdeflint.readers.dockerfile import DockerfileFacts


@dataclass(frozen=True, slots=True)
class Container:
    index: int
    data: dict[str, Any]

    @property
    def pointer(self) -> str:
        return f"/containerDefinitions/{self.index}"

    @property
    def name(self) -> str:
        name = self.data.get("name")
        return name if isinstance(name, str) and name else f"#{self.index}"

    @property
    def label(self) -> str:
        return f'Container "{self.name}"'

    @property
    def essential(self) -> bool:
        """An omitted `essential` means true."""
        return self.data.get("essential", True) is not False


class TaskDef:
    """One task definition: register input, the inside of describe output, or a bare container list.

    `dockerfiles` holds, by container name, what the Dockerfile of the service that builds that
    container's image says (set by `lint` for files the services manifest names; empty otherwise).
    """

    __slots__ = ("_containers", "data", "dockerfiles", "kind")

    def __init__(self, data: dict[str, Any], kind: str) -> None:
        self.data = data
        self.kind = kind
        self.dockerfiles: dict[str, DockerfileFacts] = {}
        self._containers: list[Container] | None = None

    @property
    def containers(self) -> list[Container]:
        """The containers that are objects, with their indexes. Every check asks for them, so they are
        listed once; the task definition's data is not changed after it is made."""
        if self._containers is None:
            raw = self.data.get("containerDefinitions")
            self._containers = (
                [Container(i, c) for i, c in enumerate(raw) if isinstance(c, dict)]
                if isinstance(raw, list)
                else []
            )
        return self._containers

    def container_at(self, pointer: str) -> Container | None:
        """The container a pointer lies inside, if any."""
        tokens = split(pointer)
        if (
            len(tokens) >= 2
            and tokens[0] == "containerDefinitions"
            and tokens[1].isascii()  # "²" is a digit to isdigit(), not to int()
            and tokens[1].isdigit()
            and len(tokens[1]) <= 10  # int() refuses thousands of digits
        ):
            raw = self.data.get("containerDefinitions")
            index = int(tokens[1])
            if isinstance(raw, list) and index < len(raw) and isinstance(raw[index], dict):
                return Container(index, raw[index])
        return None

    def where(self, pointer: str) -> str:
        """Words for the object a pointer names, for messages: `Container "web" logConfiguration`."""
        return self.phrase(pointer, split(pointer))

    def phrase(self, pointer: str, names: list[str]) -> str:
        """`where` for a pointer whose members are shown as `names` (another form's names, such as a
        template's `ContainerDefinitions`)."""
        container = self.container_at(pointer)
        if container is not None:
            rest = dotted(names[2:])
            return f"{container.label} {rest}" if rest else container.label
        return dotted(names) or "Task definition"

    @property
    def network_mode(self) -> str:
        mode = self.data.get("networkMode")
        return mode if isinstance(mode, str) else "bridge"

    @property
    def compatibilities(self) -> set[str]:
        raw = self.data.get("requiresCompatibilities")
        if not isinstance(raw, list):
            return set()
        return {c for c in raw if isinstance(c, str)}

    @property
    def fargate(self) -> bool:
        return "FARGATE" in self.compatibilities

    def iter_items(self, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
        raw = self.data.get(key)
        if isinstance(raw, list):
            for index, item in enumerate(raw):
                if isinstance(item, dict):
                    yield index, item


def dotted(names: list[str]) -> str:
    """`containerDefinitions[0].logConfiguration`: names joined with dots, indices in brackets."""
    out = ""
    for name in names:
        if name.isdigit():
            out += f"[{name}]"
        else:
            out += f".{name}" if out else name
    return out
