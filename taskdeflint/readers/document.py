"""Reading a file: bytes to text to JSON (or YAML) to the task definitions it holds.

Every way a file can fail to be a task definition ends here as a finding with a position (an empty file,
a byte order mark, bytes that are not UTF-8, invalid JSON, non-standard constants, duplicate keys, absurd
nesting, an unknown kind of document), never as an exception. This module tells the forms apart and hands
each to its reader: `jsonsource` and `yamlsource` for the text, `cloudformation` and `terraform` for the
documents that hold task definitions as resources.
"""

from __future__ import annotations

import re

from taskdeflint.model import TaskDef
from taskdeflint.readers import services
from taskdeflint.readers.base import (
    INVALID_ENCODING,
    MAX_BYTES,
    NOT_A_TASK_DEFINITION,
    READ_ONLY_MEMBERS,
    TOO_LARGE,
    Kind,
    Loaded,
    Raw,
    Target,
)
from taskdeflint.readers.jsonsource import parse
from taskdeflint.readers.placeholders import pattern as placeholder_pattern
from taskdeflint.readers.placeholders import present


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
            "a list of container definitions, an ECS service (create-service input, describe-services "
            "output), a CloudFormation template or a Terraform plan or state"
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
    """The task definitions of a CloudFormation template or a Terraform plan or state (its services and
    the resources tied to them go to `loaded.resources`), or why it holds none; None when the document is
    neither."""
    document = loaded.document
    if not isinstance(document, dict):
        return None
    if "Resources" in document or "AWSTemplateFormatVersion" in document:
        from taskdeflint.readers import cloudformation

        return cloudformation.find_targets(loaded)
    if "format_version" in document and ("planned_values" in document or "values" in document):
        from taskdeflint.readers import tfresources

        return tfresources.find_targets(loaded)
    return None


def load(
    data: bytes,
    *,
    explicit: bool = True,
    max_bytes: int = MAX_BYTES,
    name: str = "",
    placeholders: tuple[str, ...] | None = (),
    positions: bool = True,
    service_definition: bool = False,
) -> Loaded | None:
    """Everything the linter needs from one file's bytes.

    Returns None for a file found by searching a folder that turns out not to be a task definition:
    such files are skipped silently. A file named explicitly always yields a result. `name` (the file's
    name) tells YAML from JSON. `placeholders` are the config's own placeholder syntaxes (regular
    expressions) beside the built-in ones; None turns recognition off. Without `positions`, a JSON task
    definition is read without mapping where its values are (for what a service of another file needs).
    `service_definition`: an ecspresso config names the file as its service definition.
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
    elif not parse(text, loaded, expression, placeholders or (), positions=positions):
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
    if isinstance(targets, str | tuple):
        found = services.find(loaded.document, service_definition)
        if found is not None:
            loaded.resources = found
            targets = []
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
    if expression is not None and present(text, expression, placeholders or ()):
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
        or b"serviceName" in data
        or services.has_marker(data)
        or b"AWS::ECS::Service" in data
        or b"AWS::ElasticLoadBalancingV2::ListenerRule" in data
        or (b"format_version" in data and (b"aws_ecs_service" in data or b"_listener_rule" in data))
    )
