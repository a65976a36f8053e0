"""CloudFormation templates, JSON or YAML, and the CDK's `cdk.out/*.template.json`.

Every `AWS::ECS::TaskDefinition` resource becomes one task definition in the ECS API's shape: its
properties are renamed to the API's names (CloudFormation capitalises the API's names, and renames a few:
`EFSVolumeConfiguration`, `FilesystemId`, `IAM`, `ProxyConfigurationProperties` ...), its scalars are
converted as CloudFormation converts them (`"512"` for an integer member is 512, `256` for a string
member is `"256"`), and its intrinsic functions are resolved where the template alone decides them:

* `Ref` to a parameter with a Default gives the default (to one with a single AllowedValue, that value);
  `Ref AWS::NoValue` removes the member;
* `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, `Fn::Base64`, `Fn::ToJsonString`
  and `Fn::Length` are computed when their arguments are known;
* anything else (`Fn::GetAtt`, `Fn::ImportValue`, pseudo parameters, a parameter without a default) is
  an `Unknown`, and so is `Fn::If`, whose two branches are its alternatives (see `readers.unknown`).

Findings point into the template (`/Resources/Web/Properties/ContainerDefinitions/0/Privileged`) and name
the resource, and the CDK construct path when the resource's Metadata has one. Each task definition's key
is its logical id; the services, target groups, listeners, listener rules and Cloud Map services beside
them are read by `cfnresources`. A template with neither task definitions nor services is reported.
"""

from __future__ import annotations

import base64
import difflib
import json
import re
from functools import cache
from typing import Any

from taskdeflint.positions import join
from taskdeflint.readers import cfnresources
from taskdeflint.readers.base import MAX_DEPTH, SCHEMA_VIOLATION, Kind, Loaded, Raw, Target
from taskdeflint.readers.embedded import (
    ROOT,
    Embedding,
    coerce,
    is_map,
    link_names,
    members,
    resolve,
    unknown_at,
)
from taskdeflint.readers.unknown import ABSENT, PartialTaskDef, Unknown, contains_unknown

RESOURCE_TYPE = "AWS::ECS::TaskDefinition"

# CloudFormation's names for API members that are not the API name with its first letter capitalised
# (AWS::ECS::TaskDefinition resource schema).
RENAMED = {
    ("Volume", "efsVolumeConfiguration"): "EFSVolumeConfiguration",
    ("Volume", "fsxWindowsFileServerVolumeConfiguration"): "FSxWindowsFileServerVolumeConfiguration",
    ("Volume", "s3filesVolumeConfiguration"): "S3FilesVolumeConfiguration",
    ("EFSVolumeConfiguration", "fileSystemId"): "FilesystemId",
    ("EFSAuthorizationConfig", "iam"): "IAM",
    ("ProxyConfiguration", "properties"): "ProxyConfigurationProperties",
}
_ROOT_NODE = {"$ref": f"#/$defs/{ROOT}"}
_NO_VALUE = {"Ref": "AWS::NoValue"}


def cfn_name(definition: str, member: str) -> str:
    """CloudFormation's name of an API member of a schema definition."""
    return RENAMED.get((definition, member)) or member[:1].upper() + member[1:]


@cache
def _api_names(definition: str) -> dict[str, str]:
    return {cfn_name(definition, member): member for member in members(definition)}


def _is_function(value: object) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = next(iter(value))
    return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::"))


def _has_function(value: object) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if _is_function(item) or "Fn::Transform" in item:
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _expression(value: object) -> str:
    """The canonical text of an expression: the same function of the same arguments is the same value."""
    if isinstance(value, dict) and isinstance(value.get("Fn::GetAtt"), str):
        value = {"Fn::GetAtt": value["Fn::GetAtt"].split(".", 1)}
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _as_string(value: object) -> str | None:
    """A known scalar as the string CloudFormation makes of it, or None."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        result = coerce(value, {"type": "string"})
        return result if isinstance(result, str) else None
    return None


class _Unresolved(Exception):
    pass


class Template:
    """The parts of a template that intrinsic functions read: Parameters and Mappings."""

    def __init__(self, document: dict[str, Any]) -> None:
        parameters = document.get("Parameters")
        mappings = document.get("Mappings")
        resources = document.get("Resources")
        self.parameters: dict[str, Any] = parameters if isinstance(parameters, dict) else {}
        self.mappings: dict[str, Any] = mappings if isinstance(mappings, dict) else {}
        self.resources: set[str] = set(resources) if isinstance(resources, dict) else set()
        # Each function of the template is evaluated once (by identity; the value is kept so that its id
        # is not reused), functions being evaluated are `active` (one that needs itself is unknown), and
        # functions nest at most MAX_DEPTH deep: the cost is the template's size, whatever it nests.
        self._done: dict[int, tuple[object, object]] = {}
        self._active: set[int] = set()

    def evaluate(self, value: object) -> object:
        """A value with its intrinsic functions resolved: known parts, Unknowns, or ABSENT."""
        if isinstance(value, dict):
            if _is_function(value):
                return self.function(value)
            if "Fn::Transform" in value:
                return Unknown(_expression(value))
            out = {}
            for key, item in value.items():
                result = self.evaluate(item)
                if result is not ABSENT:
                    out[key] = result
            return out
        if isinstance(value, list):
            return [r for r in (self.evaluate(item) for item in value) if r is not ABSENT]
        return value

    @staticmethod
    def is_expression(value: object) -> bool:
        """Whether a value is made by an intrinsic function (or a transform)."""
        return _is_function(value) or (isinstance(value, dict) and "Fn::Transform" in value)

    def references(self, value: object) -> list[str]:
        """The logical ids of the resources of the template that a value refers to (`Ref`,
        `Fn::GetAtt`, `${Name}` and `${Name.Attribute}` in `Fn::Sub`), anywhere inside it, in order."""
        found: list[str] = []
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
                continue
            if not isinstance(item, dict):
                continue
            if _is_function(item):
                name, argument = next(iter(item.items()))
                for key in _referred(name, argument):
                    if key in self.resources and key not in found:
                        found.append(key)
            stack.extend(reversed(list(item.values())))
        return found

    def function(self, value: dict[str, Any]) -> object:
        done = self._done.get(id(value))
        if done is not None:
            return done[1]
        if id(value) in self._active or len(self._active) >= MAX_DEPTH:
            return Unknown(_expression(value))  # it needs itself, or nests absurdly deep
        self._active.add(id(value))
        try:
            result = self._function(value)
        finally:
            self._active.discard(id(value))
        self._done[id(value)] = (value, result)
        return result

    def _function(self, value: dict[str, Any]) -> object:
        name, argument = next(iter(value.items()))
        expression = _expression(value)
        try:
            if name == "Ref":
                return self.ref(argument, expression)
            if name == "Fn::If" and isinstance(argument, list) and len(argument) == 3:
                branches = tuple(self.evaluate(branch) for branch in argument[1:])
                return Unknown(expression, f"condition {argument[0]}", branches)
            method = _FUNCTIONS.get(name)
            if method is not None:
                return method(self, argument)
        except _Unresolved:
            pass
        return Unknown(expression)

    def ref(self, name: object, expression: str) -> object:
        if name == "AWS::NoValue":
            return ABSENT
        if not isinstance(name, str):
            return Unknown(expression)
        parameter = self.parameters.get(name)
        if not isinstance(parameter, dict):
            return Unknown(expression)  # a resource, a pseudo parameter, or a name the template lacks
        kind = str(parameter.get("Type", "String"))
        if kind.startswith("AWS::SSM::Parameter::Value"):
            return Unknown(expression)  # the default names an SSM parameter; its value is unknown
        if _has_function(parameter.get("Default")) or _has_function(parameter.get("AllowedValues")):
            return Unknown(expression)  # CloudFormation allows no functions there (nor a Ref to itself)
        if "Default" in parameter:
            return _parameter_value(parameter["Default"], kind)
        allowed = parameter.get("AllowedValues")
        if isinstance(allowed, list) and len(allowed) == 1:
            return _parameter_value(allowed[0], kind)
        if isinstance(allowed, list) and allowed:
            values = tuple(_parameter_value(v, kind) for v in allowed)
            return Unknown(expression, f"parameter {name}", values)
        return Unknown(expression)

    def _string(self, value: object) -> str:
        result = _as_string(self.evaluate(value))
        if result is None:
            raise _Unresolved
        return result

    def _list(self, value: object) -> list[Any]:
        result = self.evaluate(value)
        if not isinstance(result, list):
            raise _Unresolved
        return result

    def sub(self, argument: object) -> object:
        variables: dict[str, Any] = {}
        if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], dict):
            argument, variables = argument
        if not isinstance(argument, str):
            raise _Unresolved

        def replace(match: re.Match[str]) -> str:
            inner = match.group(1).strip()
            if inner.startswith("!"):
                return "${" + inner[1:] + "}"
            if inner in variables:
                return self._string(variables[inner])
            if "." in inner:
                raise _Unresolved  # ${Resource.Attribute}
            result = _as_string(self.ref(inner, ""))
            if result is None:
                raise _Unresolved
            return result

        return re.sub(r"\$\{([^}]*)\}", replace, argument)

    def join(self, argument: object) -> object:
        if not isinstance(argument, list) or len(argument) != 2:
            raise _Unresolved
        delimiter = self._string(argument[0])
        items = self._list(argument[1])
        strings = [_as_string(item) for item in items]
        if any(s is None for s in strings):
            raise _Unresolved
        return delimiter.join(s for s in strings if s is not None)

    def select(self, argument: object) -> object:
        if not isinstance(argument, list) or len(argument) != 2:
            raise _Unresolved
        index = self._string(argument[0])
        items = self._list(argument[1])
        if not (index.isascii() and index.isdigit() and len(index) <= 10) or int(index) >= len(items):
            raise _Unresolved
        return items[int(index)]

    def split(self, argument: object) -> object:
        if not isinstance(argument, list) or len(argument) != 2:
            raise _Unresolved
        delimiter = self._string(argument[0])
        if not delimiter:
            raise _Unresolved  # CloudFormation rejects an empty delimiter
        return self._string(argument[1]).split(delimiter)

    def find_in_map(self, argument: object) -> object:
        if not isinstance(argument, list) or len(argument) not in (3, 4):
            raise _Unresolved
        keys = [self._string(item) for item in argument[:3]]
        found: object = self.mappings
        for key in keys:
            found = found.get(key) if isinstance(found, dict) else None
        if found is None and len(argument) == 4 and isinstance(argument[3], dict):
            default = argument[3].get("DefaultValue")
            if default is None:
                raise _Unresolved
            return self.evaluate(default)
        if found is None or _has_function(found):
            raise _Unresolved  # CloudFormation allows no functions in Mappings
        return found

    def base64(self, argument: object) -> object:
        try:
            data = self._string(argument).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (`"\\ud800"`) is no text CloudFormation can encode
            raise _Unresolved from None
        return base64.b64encode(data).decode("ascii")

    def to_json_string(self, argument: object) -> object:
        result = self.evaluate(argument)
        if result is ABSENT or contains_unknown(result):
            raise _Unresolved
        return json.dumps(result, separators=(",", ":"))

    def length(self, argument: object) -> object:
        return len(self._list(argument))


def _referred(name: str, argument: object) -> list[str]:
    """The names a function refers to as resources (or parameters: the caller tells them apart)."""
    if name == "Ref":
        return [argument] if isinstance(argument, str) else []
    if name == "Fn::GetAtt":
        if isinstance(argument, str):
            return [argument.split(".", 1)[0]]
        if isinstance(argument, list) and argument and isinstance(argument[0], str):
            return [argument[0]]
        return []
    if name == "Fn::Sub":
        variables: object = {}
        if isinstance(argument, list) and len(argument) == 2:
            argument, variables = argument
        if not isinstance(argument, str):
            return []
        names = (m.group(1).strip().split(".", 1)[0] for m in re.finditer(r"\$\{([^}!][^}]*)\}", argument))
        return [n for n in names if not (isinstance(variables, dict) and n in variables)]
    return []


_FUNCTIONS = {
    "Fn::Sub": Template.sub,
    "Fn::Join": Template.join,
    "Fn::Select": Template.select,
    "Fn::Split": Template.split,
    "Fn::FindInMap": Template.find_in_map,
    "Fn::Base64": Template.base64,
    "Fn::ToJsonString": Template.to_json_string,
    "Fn::Length": Template.length,
}


def _parameter_value(value: object, kind: str) -> object:
    """A parameter's value as a template reads it: a string, or a list of strings for list types."""
    if kind == "CommaDelimitedList" or kind.startswith("List<"):
        if isinstance(value, str):
            return [item.strip() for item in value.split(",")]
        if isinstance(value, list):
            return [_as_string(item) or item for item in value]
    text = _as_string(value)
    return text if text is not None else value


class _Converter:
    """Converts one resource's Properties to the API's shape, recording where each value came from."""

    def __init__(self, template: Template, embedding: Embedding) -> None:
        self.template = template
        self.embedding = embedding
        # Members the API does not know: (API pointer of the object, key, template pointer, definition).
        self.unknown_members: list[tuple[str, str, str, str]] = []

    def convert(self, raw: object, at: str, api: str, node: dict[str, Any], record: bool = True) -> object:
        if record:
            self.embedding.pointers[api] = at
        if isinstance(raw, dict) and (_is_function(raw) or "Fn::Transform" in raw):
            if record:
                self.embedding.opaque.add(api)
            return self.function(raw, at, api, node)
        definition, node = resolve(node)
        if isinstance(raw, dict) and definition and "properties" in node:
            if record:
                self.embedding.definitions[api] = definition
            names = _api_names(definition)
            out: dict[str, Any] = {}
            for key, item in raw.items():
                member = names.get(key)
                if member is None:
                    self.unknown_members.append((api, key, join(at, key), definition))
                    continue
                value = self.convert(
                    item, join(at, key), join(api, member), node["properties"][member], record
                )
                if value is not ABSENT:
                    out[member] = value
            return out
        if isinstance(raw, dict) and is_map(node):
            out = {}
            for key, item in raw.items():
                value = self.convert(
                    item, join(at, key), join(api, key), node["additionalProperties"], record
                )
                if value is not ABSENT:
                    out[key] = value
            return out
        if isinstance(raw, list) and node.get("type") == "array":
            items: list[Any] = []
            for index, item in enumerate(raw):
                value = self.convert(
                    item, f"{at}/{index}", f"{api}/{len(items)}", node.get("items", {}), record
                )
                if value is not ABSENT:
                    items.append(value)
            return items
        if isinstance(raw, dict | list):
            return self.template.evaluate(raw)  # not the type the API takes: the schema stage says so
        return coerce(raw, node)

    def function(self, raw: dict[str, Any], at: str, api: str, node: dict[str, Any]) -> object:
        name, argument = next(iter(raw.items()))
        if name == "Fn::If" and isinstance(argument, list) and len(argument) == 3:
            branches = tuple(
                ABSENT if branch == _NO_VALUE else self.convert(branch, f"{at}/Fn::If/{i}", api, node, False)
                for i, branch in enumerate(argument[1:], 1)
            )
            if branches[0] == branches[1]:
                return branches[0]
            return Unknown(_expression(raw), f"condition {argument[0]}", branches)
        value = self.template.evaluate(raw)
        if value is ABSENT:
            return ABSENT
        if isinstance(value, Unknown):
            if value.alternatives:  # a parameter's AllowedValues
                converted = tuple(self.convert(v, at, api, node, False) for v in value.alternatives)
                return Unknown(value.expression, value.variable, converted)
            return unknown_at(value, node, api)
        if _has_function(value):  # evaluation resolves every function: never convert one again
            return unknown_at(Unknown(_expression(raw)), node, api)
        # A known value (a default, a mapping's entry, a joined string): all of it lies at the function.
        return self.convert(value, at, api, node, False)


def _describe_key(key: str, definition: str) -> str:
    known = list(_api_names(definition))
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
    if not close:
        close = [k for k in known if k.lower() == key.lower()]
    return f' (did you mean "{close[0]}"?)' if close else ""


def is_template(document: dict[str, Any]) -> bool:
    resources = document.get("Resources")
    if "AWSTemplateFormatVersion" in document:
        return True
    return (
        isinstance(resources, dict)
        and bool(resources)
        and all(isinstance(r, dict) and isinstance(r.get("Type"), str) for r in resources.values())
    )


def find_targets(loaded: Loaded) -> list[Target] | str | None:
    """The task definitions of a template (their findings of the conversion added to `loaded.raws`), why
    it has none, or None when the document is no template. Its services, target groups, listeners,
    listener rules and Cloud Map services go to `loaded.resources` (see `cfnresources`)."""
    document = loaded.document
    if not isinstance(document, dict) or not is_template(document):
        return None
    resources = document.get("Resources")
    resources = resources if isinstance(resources, dict) else {}
    found = [
        (name, resource)
        for name, resource in resources.items()
        if isinstance(resource, dict) and resource.get("Type") == RESOURCE_TYPE
    ]
    # Services, and the resources tied to them: a load balancer's stack with only its listener rules is
    # linted too, for what can be wrong there alone (two rules of a listener with one priority).
    placed = any(isinstance(r, dict) and r.get("Type") in cfnresources.KINDS for r in resources.values())
    if not found and not placed:
        return (
            f"Not a task definition: the CloudFormation template has no {RESOURCE_TYPE}, "
            f"{cfnresources.SERVICE} or Elastic Load Balancing resource"
        )
    template = Template(document)
    targets = [target for name, resource in found if (target := _target(loaded, template, name, resource))]
    if placed:
        loaded.resources = cfnresources.place(loaded, template, resources)
    return targets


def _target(loaded: Loaded, template: Template, name: str, resource: dict[str, Any]) -> Target | None:
    base = join("/Resources", name)
    label = cfnresources.label(name, resource)
    properties = resource.get("Properties", {})
    at = join(base, "Properties") if "Properties" in resource else base
    embedding = Embedding(label, at, cfn_name)
    if not isinstance(properties, dict):
        loaded.raws.append(
            Raw(SCHEMA_VIOLATION, f"Properties must be an object ({label})", pointer=join(base, "Properties"))
        )
        return None
    converter = _Converter(template, embedding)
    data = converter.convert(properties, at, "", _ROOT_NODE)
    if not isinstance(data, dict):
        return None  # Properties made by an intrinsic function (Fn::If, Fn::Transform): not known here
    if "family" not in data:
        data["family"] = Unknown("the family name CloudFormation generates")
    link_names(data)
    taskdef = PartialTaskDef(data, Kind.REGISTER.name, embedding.names)
    for api, key, pointer, definition in converter.unknown_members:
        where = taskdef.where(api)
        loaded.raws.append(
            Raw(
                SCHEMA_VIOLATION,
                f'{where}: unknown member "{key}"{_describe_key(key, definition)} ({label})',
                pointer=pointer,
            )
        )
    return Target(Kind.REGISTER, "", taskdef, embedding, key=name)


def from_api(value: object, node: dict[str, Any] | None = None) -> object:
    """A register-task-definition document in CloudFormation's names: the Properties of an
    AWS::ECS::TaskDefinition resource (for tests and benchmarks)."""
    definition, node = resolve(node if node is not None else _ROOT_NODE)
    if isinstance(value, dict) and definition and "properties" in node:
        return {
            cfn_name(definition, key): from_api(item, node["properties"].get(key, {}))
            for key, item in value.items()
        }
    if isinstance(value, dict) and is_map(node):
        return {key: from_api(item, node["additionalProperties"]) for key, item in value.items()}
    if isinstance(value, list):
        return [from_api(item, node.get("items", {})) for item in value]
    return value
