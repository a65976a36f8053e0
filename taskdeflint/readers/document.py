"""Reading a file: bytes to text to JSON to the task definitions it holds.

Every way a file can fail to be a task definition ends here as a finding with a position (an empty file,
a byte order mark, bytes that are not UTF-8, invalid JSON, non-standard constants, duplicate keys, absurd
nesting, an unknown kind of document), never as an exception.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from taskdeflint.model import TaskDef
from taskdeflint.positions import PositionMap, TooCostly, TooDeep, find_depth_violation, scan, shorten, split
from taskdeflint.readers.placeholders import Placeholder, present, unquoted
from taskdeflint.readers.placeholders import pattern as placeholder_pattern

MAX_DEPTH = 64
_TOO_DEEP_MESSAGE = (
    f"JSON is nested more than {MAX_DEPTH} levels deep; no task definition nests that deep, "
    "so the file is not read further"
)
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
    came from: see `taskdeflint.embedded.Embedding`."""

    def to_document(self, pointer: str) -> str: ...

    def annotate(self, raw: Raw) -> Raw: ...


@dataclass(frozen=True, slots=True)
class Target:
    """One task definition inside a document, and how its pointers map back to the document."""

    kind: Kind
    base: str
    taskdef: TaskDef
    origin: Origin | None = None

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


@dataclass(slots=True)
class Loaded:
    text: str = ""
    positions: PositionMap | None = None
    document: Any = None
    targets: list[Target] = field(default_factory=list)
    raws: list[Raw] = field(default_factory=list)
    # The file could not be read or parsed: its findings say why, and no rule selection hides them.
    unreadable: bool = False


def decode(data: bytes, loaded: Loaded) -> str | None:
    """UTF-8 text of a file, or None with a finding saying why it is not."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        loaded.raws.append(
            Raw(INVALID_ENCODING, "File is UTF-16 encoded; task definitions must be UTF-8", offset=0)
        )
        return None
    if b"\x00" in data[:8192]:
        loaded.raws.append(
            Raw(INVALID_ENCODING, "File is binary (it contains NUL bytes), not JSON", offset=0)
        )
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        loaded.raws.append(
            Raw(
                INVALID_ENCODING,
                "File starts with a UTF-8 byte order mark, which JSON parsers such as the AWS CLI's "
                "reject; save it as UTF-8 without BOM",
                offset=0,
            )
        )
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        good = data[: error.start].decode("utf-8", errors="replace")
        loaded.text = good  # the text before the bad byte, to turn its offset into a line and column
        loaded.raws.append(
            Raw(
                INVALID_ENCODING,
                f"Byte 0x{data[error.start]:02x} is not valid UTF-8 (is the file Latin-1 or "
                "another legacy encoding?); task definitions must be UTF-8",
                offset=len(good),
            )
        )
        return None


# `json`'s messages are written to be followed by "line 1 column 5 (char 4)"; the finding gives the
# position, so each is said in full here.
_JSON_MESSAGES = {
    "Expecting value": "expected a value (an object, array, string, number, true, false or null)",
    "Expecting property name enclosed in double quotes": "expected a member name in double quotes",
    "Expecting ':' delimiter": "expected ':' after the member name",
    "Expecting ',' delimiter": "expected ',' or a closing bracket",
    "Unterminated string starting at": "string has no closing double quote",
    "Invalid control character at": (
        "a control character (a line break or tab) inside a string must be escaped as \\n or \\t"
    ),
    "Invalid \\escape": 'invalid escape in a string (JSON has \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX)',
    "Invalid \\uXXXX escape": "\\u in a string must be followed by four hexadecimal digits",
    "Extra data": "unexpected text after the end of the JSON document",
}


def _syntax_message(text: str, error: json.JSONDecodeError) -> str:
    pos = error.pos
    if text.startswith(("//", "/*"), pos):
        return "Comments are not allowed in JSON"
    before = text[:pos].rstrip()
    if before.endswith(",") and text[pos : pos + 1] in ("}", "]"):
        return "Trailing comma: JSON allows no comma before a closing bracket"
    if text[pos : pos + 1] == "'":
        return "Strings must use double quotes in JSON"
    if not text[pos:].strip() and error.msg != "Unterminated string starting at":
        return "Invalid JSON: the file ends before the document does (a bracket or brace is not closed)"
    return f"Invalid JSON: {_JSON_MESSAGES.get(error.msg, error.msg)}"


# Integers of more digits than this read as floats (infinity). Python refuses to convert more than 4,300
# digits either way; the margin keeps what the rules compute from the values (a sum of the containers'
# cpu, a product) printable too: a file of at most 10**8 numbers cannot sum past 4,008 digits.
MAX_INT_DIGITS = 4000
_LONG_INT = re.compile(rf"(?<!\d)\d{{{MAX_INT_DIGITS + 1}}}")  # tried at the start of each run only


def _loads(text: str) -> Any:
    """`json.loads`, but an integer of more than MAX_INT_DIGITS digits reads as a float (like `1e400`, it
    becomes infinity and the schema reports it), instead of raising a bare ValueError."""
    if _LONG_INT.search(text) is None:
        return json.loads(text)
    return json.loads(text, parse_int=_parse_long_int)


def _parse_long_int(digits: str) -> int | float:
    return int(digits) if len(digits.lstrip("-")) <= MAX_INT_DIGITS else float(digits)


def parse(
    text: str, loaded: Loaded, placeholders: re.Pattern[str] | None = None, extra: tuple[str, ...] = ()
) -> bool:
    """Parse JSON and map its positions; False when the document cannot be used. With `placeholders`,
    a text that is JSON only once rendered (`"cpu": ${CPU}`) is read with those values unknown."""
    loaded.text = text
    if not text.strip():
        loaded.raws.append(Raw(INVALID_JSON, "File is empty; expected a JSON object", offset=0))
        return False
    source, bare = text, None
    try:
        try:
            loaded.document = _loads(text)
        except json.JSONDecodeError:
            rendered = None if placeholders is None else unquoted(text, placeholders, extra)
            if rendered is None:
                raise
            # The same length, so every offset (and the error's, if there is a real one) is the file's.
            source, bare = rendered
            loaded.document = _loads(source)
    except json.JSONDecodeError as error:
        text = source
        offset = error.pos
        # A trailing comma is reported at the comma, where the fix is.
        message = _syntax_message(text, error)
        if message.startswith("Trailing comma"):
            offset = len(text[:offset].rstrip()) - 1
        elif error.msg == "Invalid \\uXXXX escape" and text[offset - 1 : offset + 1] == "\\u":
            offset -= 1  # at the backslash that starts the escape, as for other bad escapes
        loaded.raws.append(Raw(INVALID_JSON, message, offset=offset))
        return False
    except RecursionError:
        violation = find_depth_violation(text, MAX_DEPTH)
        offset = violation[0] if violation else 0
        loaded.raws.append(
            Raw(
                TOO_DEEP,
                _TOO_DEEP_MESSAGE,
                offset=offset,
            )
        )
        return False
    try:
        loaded.positions = positions = scan(source, MAX_DEPTH)
    except TooDeep as error:
        loaded.raws.append(
            Raw(
                TOO_DEEP,
                _TOO_DEEP_MESSAGE,
                offset=error.offset,
            )
        )
        return False
    except TooCostly as error:
        loaded.raws.append(
            Raw(
                TOO_LARGE,
                f"Member names so long and nested so deep that their JSON Pointers would take more than "
                f"{-(-error.limit // 1048576)} MiB; no task definition has such names, so the file is not "
                "read further",
                offset=error.offset,
            )
        )
        return False
    for duplicate in positions.duplicates:
        line, column = positions.line_col(duplicate.first_offset)
        loaded.raws.append(
            Raw(
                DUPLICATE_KEY,
                f'Duplicate key "{shorten(duplicate.key)}" (first given at line {line}, column {column}); '
                "JSON parsers keep only the last value",
                pointer=duplicate.pointer,
                offset=duplicate.offset,
            )
        )
    if bare is not None:
        positions.text = text
        _mark_bare(loaded, source, bare)
    if positions.non_finite:
        for pointer, offset in positions.non_finite:
            literal = re.match(r"-?[A-Za-z]+", text[offset:])
            word = literal.group() if literal else "NaN"
            loaded.raws.append(Raw(INVALID_JSON, f"{word} is not valid JSON", pointer=pointer, offset=offset))
        return False
    return True


def _mark_bare(loaded: Loaded, source: str, offsets: list[int]) -> None:
    """Put a Placeholder where each bare placeholder of a template stands (see `parse`)."""
    assert loaded.positions is not None
    wanted = set(offsets)
    for pointer, span in loaded.positions.spans.items():
        if span.start in wanted and pointer:
            parent = loaded.document
            tokens = split(pointer)
            for token in tokens[:-1]:
                parent = parent[int(token)] if isinstance(parent, list) else parent[token]
            last: Any = int(tokens[-1]) if isinstance(parent, list) else tokens[-1]
            parent[last] = Placeholder(loaded.text[span.start : span.end])


def _json_type(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"


def find_targets(document: object) -> list[Target] | str | tuple[str, str]:
    """The task definitions a parsed document holds, or why it holds none (with the pointer of the
    offending item, when one item is to blame)."""
    if isinstance(document, dict):
        inner = document.get("taskDefinition")
        if isinstance(inner, dict):
            return [Target(Kind.DESCRIBE, "/taskDefinition", TaskDef(inner, Kind.DESCRIBE.name))]
        if "containerDefinitions" in document or "family" in document:
            kind = Kind.DESCRIBE if any(k in document for k in READ_ONLY_MEMBERS) else Kind.REGISTER
            return [Target(kind, "", TaskDef(document, kind.name))]
        return (
            "Not a task definition: expected register-task-definition input (with "
            '"containerDefinitions"), describe-task-definition output (with "taskDefinition"), '
            "a list of container definitions, a CloudFormation template or a Terraform plan or state"
        )
    if isinstance(document, list):
        if document and all(isinstance(item, dict) for item in document):
            if any("image" in item or "name" in item for item in document):
                return [
                    Target(
                        Kind.CONTAINERS,
                        "",
                        TaskDef({"containerDefinitions": document}, "CONTAINERS"),
                    )
                ]
            return "Not a task definition: a list whose objects have no container members (name, image)"
        if not document:
            return "Not a task definition: the list is empty"
        bad = next(i for i, item in enumerate(document) if not isinstance(item, dict))
        return (
            f"Not a list of container definitions: item {bad} is {_json_type(document[bad])}, not an object",
            f"/{bad}",
        )
    return f"Not a task definition: the top level is {_json_type(document)}, not an object"


def _is_yaml(name: str, text: str) -> bool:
    """YAML for `.yaml` and `.yml` files; for other names but `.json` (`.template`, stdin), when the text
    does not start like JSON and reads like a CloudFormation template."""
    lower = name.lower()
    if lower.endswith((".yaml", ".yml")):
        return True
    if lower.endswith(".json") or text.lstrip()[:1] in ("{", "[", ""):
        return False
    return re.search(r"^(AWSTemplateFormatVersion|Resources)[ \t]*:", text, re.M) is not None


def _embedded(loaded: Loaded) -> list[Target] | str | None:
    """The task definitions of a CloudFormation template or a Terraform plan or state, or why it holds
    none; None when the document is neither."""
    document = loaded.document
    if not isinstance(document, dict):
        return None
    if "Resources" in document or "AWSTemplateFormatVersion" in document:
        from taskdeflint.readers import cloudformation

        return cloudformation.find_targets(loaded)
    if "format_version" in document and ("planned_values" in document or "values" in document):
        from taskdeflint.readers import terraform

        return terraform.find_targets(loaded)
    return None


def load(
    data: bytes,
    *,
    explicit: bool = True,
    max_bytes: int = MAX_BYTES,
    name: str = "",
    placeholders: tuple[str, ...] | None = (),
) -> Loaded | None:
    """Everything the linter needs from one file's bytes.

    Returns None for a file found by searching a folder that turns out not to be a task definition:
    such files are skipped silently. A file named explicitly always yields a result. `name` (the file's
    name) tells YAML from JSON. `placeholders` are the config's own placeholder syntaxes (regular
    expressions) beside the built-in ones; None turns recognition off.
    """
    expression = None if placeholders is None else placeholder_pattern(placeholders)
    loaded = Loaded(unreadable=True)  # until it is parsed
    if len(data) > max_bytes:
        loaded.raws.append(
            Raw(
                TOO_LARGE,
                f"File is larger than {_size(max_bytes)}, the most taskdeflint reads, so it was not "
                "linted (see max-file-size)",
                offset=0,
            )
        )
        return loaded
    text = decode(data, loaded)
    if text is None:
        return loaded
    yaml = _is_yaml(name, text)
    if yaml:
        from taskdeflint.readers import yamlsource

        if not yamlsource.parse(text, loaded):
            return loaded
    elif not parse(text, loaded, expression, placeholders or ()):
        return loaded
    loaded.unreadable = False
    embedded = _embedded(loaded)
    if isinstance(embedded, str):
        if not explicit:
            return None
        loaded.raws.append(Raw(NOT_A_TASK_DEFINITION, embedded))
        return loaded
    if embedded is not None:
        loaded.targets = embedded
        return loaded
    if yaml or "null" in text:
        from taskdeflint.readers.deploytime import drop_nulls

        drop_nulls(loaded)
    targets = find_targets(loaded.document)
    if not explicit and isinstance(loaded.document, list) and isinstance(targets, list):
        from taskdeflint.readers.containerlist import looks_like_container_list

        if not looks_like_container_list(loaded.document):
            return None  # objects with `name` and `image`, but not container definitions
    if isinstance(targets, str | tuple):
        if not explicit:
            return None
        message, pointer = (targets, "") if isinstance(targets, str) else targets
        loaded.raws.append(Raw(NOT_A_TASK_DEFINITION, message, pointer=pointer))
        return loaded
    loaded.targets = targets
    if expression is not None and placeholders is not None and present(text, expression, placeholders):
        from taskdeflint.readers.deploytime import mark_placeholders

        mark_placeholders(loaded, expression)
    return loaded


def _size(count: int) -> str:
    if count >= 1048576 and count % 1048576 == 0:
        return f"{count // 1048576} MiB"
    if count >= 1024 and count % 1024 == 0:
        return f"{count // 1024} KiB"
    return f"{count} bytes"


def looks_like_task_definition(data: bytes) -> bool:
    """A cheap test for files found by searching a folder, before any parsing.

    A task definition saved as UTF-16 or with a byte order mark is still found, so that its encoding is
    reported rather than the file skipped.
    """
    # The whole file is searched: a marker may come after any amount of pretty-printed JSON (a large
    # container list has its first "image" far from the start), and a search of the bytes is still cheap.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = data.decode("utf-16", errors="replace").encode("utf-8")
    data = data.removeprefix(b"\xef\xbb\xbf")
    return (
        b"containerDefinitions" in data  # JSON, or YAML without the quotes
        or b"taskDefinition" in data
        or (data.lstrip()[:1] == b"[" and b'"image"' in data)
        or b"AWS::ECS::TaskDefinition" in data
        or (b"format_version" in data and b"aws_ecs_task_definition" in data)
    )
