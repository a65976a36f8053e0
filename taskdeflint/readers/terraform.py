"""Terraform plans and states, as `terraform show -json` writes them.

Every `aws_ecs_task_definition` resource of `planned_values` (a plan) or `values` (a state), in the root
module and in child modules, becomes one task definition in the ECS API's shape. Its attributes are the
provider's snake_case names, its nested blocks are lists of one object (`runtime_platform`,
`ephemeral_storage`) or sets of objects (`volume`), `tags` and `proxy_configuration.properties` are maps
where the API has lists of pairs, a volume's `host_path` is the API's `host.sourcePath`, and an unset
attribute is null or empty (`""`, `[]`, `{}`). `container_definitions` is a JSON string: it is parsed,
and its findings point inside the string, at the character of the plan file where the member is written
(`.../values/container_definitions/0/privileged`, a pointer that goes on into the string).

A plan's values that are "known after apply" (`resource_changes[].change.after_unknown`) are `Unknown`.
Each task definition's key is its resource's address, by which the plan's services refer to it; the
services and the other resources they are tied to are read by `tfresources`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from taskdeflint.positions import Span, join
from taskdeflint.readers.base import SCHEMA_VIOLATION, Kind, Loaded, Raw, Target
from taskdeflint.readers.deploytime import renamed_pointers, terraform_members
from taskdeflint.readers.embedded import ROOT, Embedding, child, link_names, members, unknown_at
from taskdeflint.readers.jsonsource import parse
from taskdeflint.readers.unknown import PartialTaskDef, Unknown

RESOURCE_TYPE = "aws_ecs_task_definition"


@dataclass(frozen=True, slots=True)
class Field:
    """One provider attribute: the API member it sets, and its form (`value`; `block`, a list of one
    object; `blocks`, a list or set of objects; `map`; `pairs`, a map where the API has a list of
    `{key, value}` objects, whose names `pair` gives; `host`, the volume's host_path)."""

    member: str
    form: str = "value"
    pair: tuple[str, str] = ("", "")
    required: bool = False  # "" is a value the configuration gave, not the zero value of an unset attribute


# By the API definition each block converts to: its attributes in the provider's names.
BLOCKS: dict[str, dict[str, Field]] = {
    ROOT: {
        "family": Field("family", required=True),
        "container_definitions": Field("containerDefinitions", "json", required=True),
        "cpu": Field("cpu"),
        "memory": Field("memory"),
        "network_mode": Field("networkMode"),
        "requires_compatibilities": Field("requiresCompatibilities"),
        "execution_role_arn": Field("executionRoleArn"),
        "task_role_arn": Field("taskRoleArn"),
        "pid_mode": Field("pidMode"),
        "ipc_mode": Field("ipcMode"),
        "enable_fault_injection": Field("enableFaultInjection"),
        "volume": Field("volumes", "blocks"),
        "placement_constraints": Field("placementConstraints", "blocks"),
        "proxy_configuration": Field("proxyConfiguration", "block"),
        "inference_accelerator": Field("inferenceAccelerators", "blocks"),
        "runtime_platform": Field("runtimePlatform", "block"),
        "ephemeral_storage": Field("ephemeralStorage", "block"),
        "tags": Field("tags", "pairs", ("key", "value")),
    },
    "Volume": {
        "name": Field("name"),
        "host_path": Field("host", "host"),
        "configure_at_launch": Field("configuredAtLaunch"),
        "docker_volume_configuration": Field("dockerVolumeConfiguration", "block"),
        "efs_volume_configuration": Field("efsVolumeConfiguration", "block"),
        "fsx_windows_file_server_volume_configuration": Field(
            "fsxWindowsFileServerVolumeConfiguration", "block"
        ),
        "s3files_volume_configuration": Field("s3filesVolumeConfiguration", "block"),
    },
    "DockerVolumeConfiguration": {
        "scope": Field("scope"),
        "autoprovision": Field("autoprovision"),
        "driver": Field("driver"),
        "driver_opts": Field("driverOpts", "map"),
        "labels": Field("labels", "map"),
    },
    "EFSVolumeConfiguration": {
        "file_system_id": Field("fileSystemId"),
        "root_directory": Field("rootDirectory"),
        "transit_encryption": Field("transitEncryption"),
        "transit_encryption_port": Field("transitEncryptionPort"),
        "authorization_config": Field("authorizationConfig", "block"),
    },
    "EFSAuthorizationConfig": {"access_point_id": Field("accessPointId"), "iam": Field("iam")},
    "FSxWindowsFileServerVolumeConfiguration": {
        "file_system_id": Field("fileSystemId"),
        "root_directory": Field("rootDirectory"),
        "authorization_config": Field("authorizationConfig", "block"),
    },
    "FSxWindowsFileServerAuthorizationConfig": {
        "credentials_parameter": Field("credentialsParameter"),
        "domain": Field("domain"),
    },
    "S3FilesVolumeConfiguration": {
        "file_system_arn": Field("fileSystemArn"),
        "root_directory": Field("rootDirectory"),
        "transit_encryption_port": Field("transitEncryptionPort"),
        "access_point_arn": Field("accessPointArn"),
    },
    "TaskDefinitionPlacementConstraint": {"type": Field("type"), "expression": Field("expression")},
    "ProxyConfiguration": {
        "container_name": Field("containerName"),
        "type": Field("type"),
        "properties": Field("properties", "pairs", ("name", "value")),
    },
    "InferenceAccelerator": {"device_name": Field("deviceName"), "device_type": Field("deviceType")},
    "RuntimePlatform": {
        "operating_system_family": Field("operatingSystemFamily"),
        "cpu_architecture": Field("cpuArchitecture"),
    },
    "EphemeralStorage": {"size_in_gib": Field("sizeInGiB")},
}
_NAMES = {(name, f.member): attribute for name, fields in BLOCKS.items() for attribute, f in fields.items()}


def tf_name(definition: str, member: str) -> str:
    """The provider's name of an API member (the API's own name inside container_definitions)."""
    return _NAMES.get((definition, member), member)


def _unset(value: object) -> bool:
    return value is None or value == "" or value == [] or value == {}


def with_unknowns(values: object, unknown: object, where: str) -> object:
    """`values` with Unknown where the plan's `after_unknown` marks a value as known after apply."""
    if unknown is True:
        return Unknown(f"known after apply: {where}")
    if isinstance(unknown, dict):
        out = dict(values) if isinstance(values, dict) else {}
        for key, mark in unknown.items():
            if mark is not False:
                out[key] = with_unknowns(out.get(key), mark, f"{where}.{key}")
        return out
    if isinstance(unknown, list) and isinstance(values, list):
        return [
            with_unknowns(item, unknown[i] if i < len(unknown) else False, f"{where}[{i}]")
            for i, item in enumerate(values)
        ]
    return values


class _Converter:
    def __init__(self, loaded: Loaded, embedding: Embedding, label: str) -> None:
        self.loaded = loaded
        self.embedding = embedding
        self.label = label

    def record(self, api: str, at: str) -> None:
        self.embedding.pointers[api] = at

    def block(self, values: dict[str, Any], name: str, at: str, api: str) -> dict[str, Any]:
        self.record(api, at)
        self.embedding.definitions[api] = name
        out: dict[str, Any] = {}
        fields = BLOCKS.get(name, {})
        for attribute, value in values.items():
            spec = fields.get(attribute)
            if spec is None or (_unset(value) and not (spec.required and value == "")):
                continue  # computed (arn, revision, tags_all) or unset
            if spec.member == "transitEncryptionPort" and value == 0:
                continue  # the provider's zero value: not sent
            at_member, api_member = join(at, attribute), join(api, spec.member)
            converted = self.field(value, spec, name, at_member, api_member)
            if converted is not None:
                out[spec.member] = converted
        return out

    def field(self, value: object, spec: Field, name: str, at: str, api: str) -> object:
        if isinstance(value, Unknown):
            self.record(api, at)
            self.embedding.opaque.add(api)
            return unknown_at(value, members(name).get(spec.member, {}), api)
        inner = child(name, spec.member)
        if spec.form == "json":
            return self.container_definitions(value, at, api)
        if spec.form == "host":
            self.record(api, at)
            self.record(join(api, "sourcePath"), at)
            self.embedding.opaque.add(api)
            return {"sourcePath": value}
        if spec.form == "block" and isinstance(value, list) and isinstance(value[0], dict):
            self.record(api, at)
            return self.block(value[0], inner, f"{at}/0", api)
        if spec.form == "blocks" and isinstance(value, list):
            self.record(api, at)
            return [
                self.block(item, inner, f"{at}/{i}", f"{api}/{i}") if isinstance(item, dict) else item
                for i, item in enumerate(value)
            ]
        if spec.form == "pairs" and isinstance(value, dict):
            self.record(api, at)
            first, second = spec.pair
            pairs = []
            for index, (key, item) in enumerate(value.items()):
                for suffix in ("", f"/{first}", f"/{second}"):
                    self.record(f"{api}/{index}{suffix}", join(at, key))
                pairs.append({first: key, second: item})
            return pairs
        self.record(api, at)
        return value

    def container_definitions(self, value: object, at: str, api: str) -> object:
        """The parsed JSON of container_definitions, its positions mapped into the plan file's text."""
        self.record(api, at)
        if not isinstance(value, str):
            return value  # the schema stage reports the type
        offsets = _string_offsets(self.loaded, at, value)
        inner = Loaded()
        parsed = parse(value, inner)
        for raw in inner.raws:
            offset = (
                offsets[min(raw.offset, len(offsets) - 1)] if offsets and raw.offset is not None else None
            )
            message = f"container_definitions: {raw.message} ({self.label})"
            self.loaded.raws.append(Raw(raw.rule, message, at + raw.pointer, offset))
        if not parsed:
            return Unknown(f"unreadable container_definitions of {self.label}")
        # Read as the provider reads it: member names in any case, unknown members dropped.
        found, renamed = terraform_members(inner.document, at, self.label)
        self.loaded.raws += found
        if offsets is not None and inner.positions is not None and self.loaded.positions is not None:
            spans = self.loaded.positions.spans
            for pointer, span in inner.positions.spans.items():
                if pointer:
                    key = offsets[span.key] if span.key is not None else None
                    spans[at + pointer] = Span(offsets[span.start], offsets[span.end], key)
                    self.record(api + pointer, at + pointer)
            for renamed_api, written in renamed_pointers(inner.positions.spans, renamed):
                self.record(api + renamed_api, at + written)
        elif isinstance(inner.document, list):
            self.embedding.opaque.add(api)  # no positions inside the string: its findings go on it
        if not isinstance(inner.document, list):
            self.loaded.raws.append(
                Raw(
                    SCHEMA_VIOLATION,
                    f"container_definitions must be a JSON list of container definitions ({self.label})",
                    pointer=at,
                )
            )
        return inner.document


def _string_offsets(loaded: Loaded, pointer: str, value: str) -> list[int] | None:
    """For each character of a JSON string value (and one past its end), its offset in the file's text;
    None when the file is not JSON text whose string can be read back character by character."""
    if loaded.positions is None:
        return None
    span = loaded.positions.spans.get(pointer)
    if span is None:
        return None
    literal = loaded.text[span.start : span.end]
    if len(literal) < 2 or literal[0] != '"' or literal[-1] != '"':
        return None
    offsets: list[int] = []
    i, end = 1, len(literal) - 1
    while i < end:
        offsets.append(span.start + i)
        if literal[i] != "\\":
            i += 1
        elif literal[i + 1] != "u":
            i += 2
        elif 0xD800 <= int(literal[i + 2 : i + 6], 16) < 0xDC00 and literal[i + 6 : i + 8] == "\\u":
            i += 12  # a surrogate pair: one character
        else:
            i += 6
    offsets.append(span.start + end)
    return offsets if len(offsets) == len(value) + 1 else None


def module_resources(module: object, at: str) -> list[tuple[str, dict[str, Any]]]:
    """The resources of a module and its child modules, with their pointers."""
    if not isinstance(module, dict):
        return []
    found = [
        (f"{at}/resources/{i}", resource)
        for i, resource in enumerate(module.get("resources") or [])
        if isinstance(resource, dict)
    ]
    for i, submodule in enumerate(module.get("child_modules") or []):
        found += module_resources(submodule, f"{at}/child_modules/{i}")
    return found


def after_unknown(document: dict[str, Any]) -> dict[str, object]:
    """A plan's `after_unknown` marks by resource address (none in a state)."""
    marks: dict[str, object] = {}
    for change in document.get("resource_changes") or []:
        if isinstance(change, dict) and isinstance(change.get("change"), dict):
            marks[str(change.get("address"))] = change["change"].get("after_unknown")
    return marks


def task_definition(loaded: Loaded, at: str, resource: dict[str, Any], marks: object) -> Target | None:
    """The task definition of one `aws_ecs_task_definition` resource at `at`, keyed by its address."""
    address = str(resource.get("address", resource.get("name", "?")))
    attributes = resource.get("values")
    if not isinstance(attributes, dict):
        return None
    if marks is True:  # the whole resource is known after apply: each of its attributes is
        marks = dict.fromkeys(BLOCKS[ROOT], True)
    attributes = with_unknowns(attributes, marks, address)
    assert isinstance(attributes, dict)
    label = f"resource {address}"
    embedding = Embedding(label, join(at, "values"), tf_name)
    converter = _Converter(loaded, embedding, label)
    data = converter.block(attributes, ROOT, join(at, "values"), "")
    link_names(data)
    taskdef = PartialTaskDef(data, Kind.REGISTER.name, embedding.names)
    return Target(Kind.REGISTER, "", taskdef, embedding, key=address)


def from_api(data: dict[str, Any], name: str = ROOT) -> dict[str, Any]:
    """A register-task-definition document as the `values` of an aws_ecs_task_definition resource in a
    plan (for tests and benchmarks). Members the provider cannot express are left out."""
    out: dict[str, Any] = {}
    for attribute, spec in BLOCKS.get(name, {}).items():
        if spec.member not in data:
            continue
        value = data[spec.member]
        inner = child(name, spec.member)
        if spec.form == "json":
            out[attribute] = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        elif spec.form == "host":
            source = value.get("sourcePath") if isinstance(value, dict) else None
            if source is not None:
                out[attribute] = source
        elif spec.form == "block" and isinstance(value, dict):
            out[attribute] = [from_api(value, inner)]
        elif spec.form == "blocks" and isinstance(value, list):
            out[attribute] = [from_api(item, inner) if isinstance(item, dict) else item for item in value]
        elif spec.form == "pairs" and isinstance(value, list):
            first, second = spec.pair
            out[attribute] = {item.get(first): item.get(second) for item in value if isinstance(item, dict)}
        else:
            out[attribute] = value
    return out
