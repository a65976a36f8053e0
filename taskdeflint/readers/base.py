"""What every reader makes of a file: the task definitions it holds (`Target`), the findings it makes
before the catalogue names them (`Raw`), and the two together with the text and its positions (`Loaded`).

Also the ids of the rules the readers emit, and the limits they read within.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Protocol

from taskdeflint.model import Resource, TaskDef
from taskdeflint.positions import PositionMap

MAX_DEPTH = 64
# Eight times CloudFormation's largest template (1 MB): at the peak memory a lint takes per byte of the
# densest input (about 70 bytes; see benchmarks/large_files.py), a file at the limit needs about 600 MiB.
MAX_BYTES = 8 * 1024 * 1024

INVALID_JSON = "TDL001"
INVALID_YAML = "TDL008"
DUPLICATE_KEY = "TDL002"
SCHEMA_VIOLATION = "TDL003"
ENUM_MISMATCH = "TDL040"
NOT_A_TASK_DEFINITION = "TDL004"
INVALID_ENCODING = "TDL005"
TOO_DEEP = "TDL006"
TOO_LARGE = "TDL007"
MEMBER_DROPPED_BY_ECSPRESSO = "TDL023"

# Members that describe-task-definition returns and register-task-definition does not take.
READ_ONLY_MEMBERS = (
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
    "deleteRequestedAt",
)


# Integers of more digits than this read as floats (infinity). Python refuses to convert more than 4,300
# digits either way; the margin keeps what the rules compute from the values (a sum of the containers'
# cpu, a product) printable too: a file of at most 10**8 numbers cannot sum past 4,008 digits.
MAX_INT_DIGITS = 4000


class Kind(enum.Enum):
    REGISTER = "register-task-definition input"
    DESCRIBE = "describe-task-definition output"
    CONTAINERS = "container definitions list"


@dataclass(frozen=True, slots=True)
class Raw:
    """A finding before the catalogue gives it a name and severity.

    Located by `pointer` in the document when `offset` is None, else by the character offset.
    """

    rule: str
    message: str
    pointer: str = ""
    offset: int | None = None


class Origin(Protocol):
    """Where a task definition embedded in a larger document (a CloudFormation or Terraform resource)
    came from: see `taskdeflint.readers.embedded.Embedding`."""

    def to_document(self, pointer: str) -> str: ...

    def annotate(self, raw: Raw) -> Raw: ...


@dataclass(frozen=True, slots=True)
class Target:
    """One task definition inside a document, and how its pointers map back to the document."""

    kind: Kind
    base: str
    taskdef: TaskDef
    origin: Origin | None = None
    # Its id in its document, by which other resources there refer to it (a logical id, an address).
    key: str = ""

    def annotate(self, raw: Raw) -> Raw:
        """A finding of this task definition as its origin words it (naming the resource)."""
        return raw if self.origin is None else self.origin.annotate(raw)

    def to_document(self, pointer: str) -> str:
        if self.origin is not None:
            return self.origin.to_document(pointer)
        if self.kind is Kind.CONTAINERS:
            prefix = "/containerDefinitions"
            if pointer.startswith(prefix):
                return pointer[len(prefix) :]
            return ""
        return self.base + pointer


@dataclass(frozen=True, slots=True)
class Placed:
    """One resource other than a task definition (a service, a target group ...) inside a document.

    `form` says what the document is (`create-service input`, `CloudFormation template` ...). Rules'
    pointers are in the resource's API names; `origin` maps them into the document, or `base` is
    prepended when the document holds the resource in the API's shape.
    """

    form: str
    resource: Resource
    base: str = ""
    origin: Origin | None = None

    def annotate(self, raw: Raw) -> Raw:
        return raw if self.origin is None else self.origin.annotate(raw)

    def to_document(self, pointer: str) -> str:
        return self.base + pointer if self.origin is None else self.origin.to_document(pointer)


@dataclass(slots=True)
class Loaded:
    text: str = ""
    positions: PositionMap | None = None
    document: Any = None
    targets: list[Target] = field(default_factory=list)
    # Services, target groups, listeners, listener rules and Cloud Map services.
    resources: list[Placed] = field(default_factory=list)
    raws: list[Raw] = field(default_factory=list)
    # The file could not be read or parsed: its findings say why, and no rule selection hides them.
    unreadable: bool = False
