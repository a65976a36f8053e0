"""The resources of a CloudFormation template beside its task definitions: `AWS::ECS::Service`, the
Elastic Load Balancing v2 `TargetGroup`, `Listener` and `ListenerRule`, and `AWS::ServiceDiscovery::Service`.

A service is converted to the ECS API's names (`LoadBalancers/0/ContainerName` to
`loadBalancers/0/containerName`): CloudFormation capitalises the API's names, and renames one
(`PlacementStrategies`). The others keep their names, which are their APIs' (`TargetType`, `Priority`,
`DnsConfig`). Values are evaluated as a task definition's are (`cloudformation.Template`: parameter
defaults, `Fn::Sub`, `Fn::If` as an Unknown ...), and a number or boolean written as a string is
converted, as CloudFormation converts it, for the members that the APIs type so.

A value that refers to another resource of the template (`Ref`, `Fn::GetAtt`, `${Name}` in `Fn::Sub`)
is an Unknown, and its API pointer is recorded in the resource's `refs` with that resource's logical id.
A reference deeper inside a value (in `Fn::Join`, in either branch of `Fn::If`) makes CloudFormation
create the resource after that one too: it joins `DependsOn` in the resource's `depends_on`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from taskdeflint.model import DiscoveryService, Listener, ListenerRule, Resource, Service, TargetGroup
from taskdeflint.positions import join, split
from taskdeflint.readers.base import SCHEMA_VIOLATION, Loaded, Placed, Raw
from taskdeflint.readers.embedded import nearest
from taskdeflint.readers.services import MEMBERS
from taskdeflint.readers.unknown import ABSENT, Unknown

if TYPE_CHECKING:
    from taskdeflint.readers.cloudformation import Template

FORM = "CloudFormation template"
SERVICE = "AWS::ECS::Service"
KINDS: dict[str, type[Resource]] = {
    SERVICE: Service,
    "AWS::ElasticLoadBalancingV2::TargetGroup": TargetGroup,
    "AWS::ElasticLoadBalancingV2::Listener": Listener,
    "AWS::ElasticLoadBalancingV2::ListenerRule": ListenerRule,
    "AWS::ServiceDiscovery::Service": DiscoveryService,
}

# AWS::ECS::Service's names that are not the API's with the first letter capitalised.
_SERVICE_RENAMED = {"PlacementStrategies": "placementStrategy"}
_SERVICE_CFN_NAMES = {api: cfn for cfn, api in _SERVICE_RENAMED.items()}
# The members the APIs type as integers and booleans (botocore's models: ecs CreateServiceRequest,
# elbv2 CreateTargetGroupInput, CreateListenerInput and CreateRuleInput, servicediscovery
# CreateServiceRequest), by name; tests/test_services_cloudformation.py checks them against the models.
SERVICE_INTEGERS = frozenset(
    {
        "bakeTimeInMinutes",
        "base",
        "canaryBakeTimeInMinutes",
        "containerPort",
        "desiredCount",
        "healthCheckGracePeriodSeconds",
        "idleTimeoutSeconds",
        "ingressPortOverride",
        "iops",
        "maximumPercent",
        "minimumHealthyPercent",
        "perRequestTimeoutSeconds",
        "port",
        "sizeInGiB",
        "stepBakeTimeInMinutes",
        "throughput",
        "timeoutInMinutes",
        "volumeInitializationRate",
        "weight",
    }
)
SERVICE_BOOLEANS = frozenset(
    {"enable", "enableECSManagedTags", "enableExecuteCommand", "enabled", "encrypted", "rollback"}
)
OTHER_INTEGERS = frozenset(
    {
        "DurationSeconds",
        "FailureThreshold",
        "HealthCheckIntervalSeconds",
        "HealthCheckTimeoutSeconds",
        "HealthyThresholdCount",
        "Order",
        "Port",
        "Priority",
        "SessionTimeout",
        "TTL",
        "TargetControlPort",
        "UnhealthyThresholdCount",
        "Weight",
    }
)
OTHER_BOOLEANS = frozenset(
    {"Enabled", "HealthCheckEnabled", "IgnoreClientCertificateExpiry", "IsDefault", "UseExistingClientSecret"}
)
# The service's objects whose keys are data, not member names (ServiceConnectConfiguration's
# logConfiguration.options).
_DATA_KEYS = "options"
_DIRECT = ("Ref", "Fn::GetAtt", "Fn::Sub")
_INTEGER = re.compile(r"[+-]?\d{1,18}")


def _api_name(key: str) -> str:
    return _SERVICE_RENAMED.get(key) or key[:1].lower() + key[1:]


def _cfn_name(member: str) -> str:
    return _SERVICE_CFN_NAMES.get(member) or member[:1].upper() + member[1:]


@dataclass(slots=True)
class ResourceOrigin:
    """Where one resource lies in its template: `pointers` maps the API pointer of every converted value
    to its template pointer, and a value that a function made (`opaque`) holds whatever lies below it.
    `camel`: the API's names are CloudFormation's with the first letter lowered (a service)."""

    label: str
    root: str
    camel: bool
    pointers: dict[str, str] = field(default_factory=dict)
    opaque: set[str] = field(default_factory=set)

    def to_document(self, pointer: str) -> str:
        found = self.pointers.get(pointer)
        if found is not None:
            return found
        cut, base = nearest(self.pointers, pointer, self.root)
        if cut in self.opaque:
            return base
        parent = split(cut)[-1] if cut else ""
        for token in split(pointer[len(cut) :]):
            data = not self.camel or token.isdigit() or parent == _DATA_KEYS
            base = join(base, token if data else _cfn_name(token))
            parent = token
        return base

    def annotate(self, raw: Raw) -> Raw:
        """Name the resource in a rule's message, and speak of a service's members as the template does
        (`LoadBalancers[0].ContainerName`, not the API's `loadBalancers[0].containerName`)."""
        message = cfn_words(raw.message) if self.camel else raw.message
        return Raw(raw.rule, f"{message} ({self.label})", raw.pointer, raw.offset)


# A member's name, or a path of them (`loadBalancers[0].containerName`), in a message; quoted text is data.
_QUOTED = re.compile(r'("[^"]*")')
_WORD = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:\[\d+\])?(?:\.[A-Za-z][A-Za-z0-9]*(?:\[\d+\])?)*")
_CAMEL = re.compile(r"[a-z][a-z0-9]*[A-Z][A-Za-z0-9]*")


def _cfn_path(match: re.Match[str]) -> str:
    """A service member's API name, or a dotted path that starts at one, in CloudFormation's names; any
    other word as it is."""
    text = match.group(0)
    segments = text.split(".")
    first = segments[0].split("[", 1)[0]
    if len(segments) == 1 and "[" not in text:
        return _cfn_name(text) if _CAMEL.fullmatch(text) else text
    if first not in MEMBERS:
        return text
    out = []
    data = False
    for segment in segments:
        name, bracket, rest = segment.partition("[")
        out.append((name if data else _cfn_name(name)) + bracket + rest)
        data = name == _DATA_KEYS
    return ".".join(out)


def cfn_words(message: str) -> str:
    """A message about a service with the API's member names outside quotes in CloudFormation's."""
    parts = _QUOTED.split(message)
    return "".join(part if n % 2 else _WORD.sub(_cfn_path, part) for n, part in enumerate(parts))


class _Converter:
    """One resource's Properties in its API's names, with the pointers, references and waits found."""

    def __init__(self, template: Template, origin: ResourceOrigin) -> None:
        self.template = template
        self.origin = origin
        self.integers = SERVICE_INTEGERS if origin.camel else OTHER_INTEGERS
        self.booleans = SERVICE_BOOLEANS if origin.camel else OTHER_BOOLEANS
        self.refs: dict[str, str] = {}
        self.waits: list[str] = []

    def convert(self, raw: object, at: str, api: str, data: bool = False) -> object:
        self.origin.pointers[api] = at
        if self.template.is_expression(raw):
            self.origin.opaque.add(api)
            found = self.template.references(raw)
            name = next(iter(raw)) if isinstance(raw, dict) else ""
            if len(found) == 1 and name in _DIRECT:
                self.refs[api] = found[0]
            else:
                self.waits.extend(found)
            value = self.template.evaluate(raw)
            if isinstance(value, Unknown) and value.alternatives:  # Fn::If, a parameter's AllowedValues
                choices = tuple(self.known(choice, api) for choice in value.alternatives)
                return Unknown(value.expression, value.variable, choices)
            return self.known(value, api)
        if isinstance(raw, dict):
            out: dict[str, Any] = {}
            for key, item in raw.items():
                key = key if isinstance(key, str) else str(key)
                member = key if data or not self.origin.camel else _api_name(key)
                value = self.convert(item, join(at, key), join(api, member), member == _DATA_KEYS)
                if value is not ABSENT:
                    out[member] = value
            return out
        if isinstance(raw, list):
            items: list[Any] = []
            for index, item in enumerate(raw):
                value = self.convert(item, f"{at}/{index}", f"{api}/{len(items)}")
                if value is not ABSENT:
                    items.append(value)
            return items
        return self.scalar(raw, api)

    def known(self, value: object, api: str, data: bool = False) -> object:
        """What a function gave, in the API's names; its parts are all placed at the function."""
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for key, item in value.items():
                member = key if data or not self.origin.camel or not isinstance(key, str) else _api_name(key)
                out[member] = self.known(item, join(api, str(member)), member == _DATA_KEYS)
            return out
        if isinstance(value, list):
            return [self.known(item, f"{api}/{index}") for index, item in enumerate(value)]
        return self.scalar(value, api)

    def scalar(self, value: object, api: str) -> object:
        """A number or boolean written as a string, converted as CloudFormation converts it."""
        cut = api.rfind("/")
        if not isinstance(value, str) or (self.origin.camel and api[:cut].endswith(f"/{_DATA_KEYS}")):
            return value  # a map's values (logConfiguration.options) are strings, whatever their keys
        member = api[cut + 1 :]
        if member in self.integers and _INTEGER.fullmatch(value.strip()):
            return int(value)
        if member in self.booleans and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        return value


def place(loaded: Loaded, template: Template, resources: dict[str, Any]) -> list[Placed]:
    """The services, target groups, listeners, listener rules and Cloud Map services of a template (the
    findings of their conversion added to `loaded.raws`). Every other resource comes as a plain
    `Resource` with only what it waits for, so that `Graph.reaches` follows a service's wait through it
    (a service that waits for a custom resource that waits for the listener)."""
    placed = []
    for name, resource in resources.items():
        if not isinstance(resource, dict) or not isinstance(name, str):
            continue
        kind = KINDS.get(resource.get("Type"))  # type: ignore[arg-type]
        if kind is None:
            waits = _depends_on(resource, template.references(resource.get("Properties")))
            node = Resource({}, key=name, label=name, depends_on=waits)
            placed.append(
                Placed(
                    FORM, node, origin=ResourceOrigin(label(name, resource), join("/Resources", name), False)
                )
            )
            continue
        found = _placed(loaded, template, name, resource, kind)
        if found is not None:
            placed.append(found)
    return placed


# AWS::ECS::Service's properties (its CloudFormation resource schema, as the CDK's CfnServiceProps lists
# them); CloudFormation refuses any other ("Encountered unsupported property"). A property the ECS API
# model's CreateService has is taken too, so that one added to both since is no false error.
SERVICE_PROPERTIES = frozenset(
    {
        "AvailabilityZoneRebalancing",
        "CapacityProviderStrategy",
        "Cluster",
        "DeploymentConfiguration",
        "DeploymentController",
        "DesiredCount",
        "EnableECSManagedTags",
        "EnableExecuteCommand",
        "ForceNewDeployment",
        "HealthCheckGracePeriodSeconds",
        "LaunchType",
        "LoadBalancers",
        "NetworkConfiguration",
        "PlacementConstraints",
        "PlacementStrategies",
        "PlatformVersion",
        "PropagateTags",
        "Role",
        "SchedulingStrategy",
        "ServiceConnectConfiguration",
        "ServiceName",
        "ServiceRegistries",
        "Tags",
        "TaskDefinition",
        "VolumeConfigurations",
        "VpcLatticeConfigurations",
    }
)


@cache
def _service_properties() -> frozenset[str]:
    from taskdeflint.data import service_schema

    create = service_schema()["$defs"]["CreateServiceRequest"]["properties"]
    return SERVICE_PROPERTIES | {_cfn_name(member) for member in create}


def _depends_on(resource: dict[str, Any], waits: list[str]) -> tuple[str, ...]:
    """What a resource waits for: the resources it refers to, and those its `DependsOn` names."""
    depends = resource.get("DependsOn")
    for key in [depends] if isinstance(depends, str) else depends if isinstance(depends, list) else []:
        if isinstance(key, str) and key not in waits:
            waits.append(key)
    return tuple(waits)


def label(name: str, resource: dict[str, Any]) -> str:
    """`resource Web, construct Stack/Web/Resource`: a resource as messages name it."""
    metadata = resource.get("Metadata")
    text = f"resource {name}"
    if isinstance(metadata, dict) and isinstance(metadata.get("aws:cdk:path"), str):
        text += f", construct {metadata['aws:cdk:path']}"
    return text


def _placed(
    loaded: Loaded, template: Template, name: str, resource: dict[str, Any], kind: type[Resource]
) -> Placed | None:
    base = join("/Resources", name)
    words = label(name, resource)
    at = join(base, "Properties") if "Properties" in resource else base
    origin = ResourceOrigin(words, at, camel=kind is Service)
    converter = _Converter(template, origin)
    properties = resource.get("Properties", {})
    if not isinstance(properties, dict):
        loaded.raws.append(
            Raw(SCHEMA_VIOLATION, f"Properties must be an object ({words})", pointer=join(base, "Properties"))
        )
        return None
    if kind is Service:
        for key in properties:
            if isinstance(key, str) and key not in _service_properties():
                close = difflib.get_close_matches(key, sorted(_service_properties()), n=1, cutoff=0.75)
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                loaded.raws.append(
                    Raw(
                        SCHEMA_VIOLATION,
                        f'{SERVICE}: unknown property "{key}"{hint} ({words})',
                        pointer=join(at, key),
                    )
                )
    data = converter.convert(properties, at, "")
    if not isinstance(data, dict):
        data = {}  # Properties made by a function (Fn::If): nothing of them is known
    waits = _depends_on(resource, list(dict.fromkeys(converter.waits)))
    made = kind(data, key=name, label=name, refs=converter.refs, depends_on=waits)
    condition = resource.get("Condition")
    made.condition = condition if isinstance(condition, str) else ""
    return Placed(FORM, made, origin=origin)
