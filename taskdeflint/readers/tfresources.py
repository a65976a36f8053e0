"""What a Terraform plan or state (`terraform show -json`) holds for ECS: its task definitions (see
`terraform`), and its services with the target groups, listeners, listener rules and Cloud Map services
they are tied to, each converted to its API's shape:

- `aws_ecs_service` to CreateService input, in the ECS API's names: `load_balancer` blocks to
  `loadBalancers`, `network_configuration` to `networkConfiguration.awsvpcConfiguration` (with the
  provider's boolean `assign_public_ip` as ENABLED or DISABLED), `deployment_minimum_healthy_percent`,
  `deployment_maximum_percent`, `deployment_circuit_breaker`, `alarms` and the `deployment_configuration`
  block into `deploymentConfiguration`, `iam_role` to `role`;
- `aws_lb_target_group` and `aws_alb_target_group` to CreateTargetGroup input (`health_check` to the
  `HealthCheck*` members), `aws_lb_listener` and `aws_alb_listener` to CreateListener input
  (`default_action` to `DefaultActions`), `aws_lb_listener_rule` and `aws_alb_listener_rule` to
  CreateRule input, `aws_service_discovery_service` to Cloud Map's CreateService input (`dns_config` to
  `DnsConfig`).

An unset attribute is null or empty in a plan, and the provider's zero value in a state; what the provider
does not send for it (an empty string or list, the 0 of `health_check_grace_period_seconds` and of a
service registry's ports) is left out. A value known only after apply is `Unknown`.

Each resource's key is its address (`module.web.aws_ecs_service.app[0]`). In a plan, the `configuration`
section gives each attribute's `references`, followed here through module inputs (`var.x`) and outputs
(`module.alb.arn`): a value that refers to exactly one resource of the plan is in the resource's `refs`;
every resource it refers to anywhere, or names in `depends_on` (its own or its module call's), is one it
waits for. A state has no configuration: there a value equal to another resource's ARN refers to it, and
the `depends_on` that Terraform recorded says what it waits for.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from taskdeflint.model import DiscoveryService, Listener, ListenerRule, Resource, Service, TargetGroup
from taskdeflint.positions import join, split
from taskdeflint.readers.base import Loaded, Placed, Raw, Target
from taskdeflint.readers.terraform import (
    RESOURCE_TYPE,
    after_unknown,
    module_resources,
    task_definition,
    with_unknowns,
)
from taskdeflint.readers.unknown import Unknown


@dataclass(frozen=True, slots=True)
class Attr:
    """One provider attribute: where its value goes in the API's object (`member`, a path of member
    names; "" puts a block's members into the object itself) and its form: `value`; `block` (a list of
    one object); `blocks` (a list or set of objects); `pairs` (a map where the API has a list of
    key/value objects named by `pair`); `switch` (a boolean the API spells ENABLED or DISABLED); `list`
    (a string the API has as a list of one); `wrap` (a string the API has as the member `pair[0]` of the
    one object of a list). `inner` names a block's attributes; `zero` holds the values of an unset
    attribute that the provider does not send."""

    member: str
    form: str = "value"
    inner: str = ""
    pair: tuple[str, str] = ("key", "value")
    zero: tuple[object, ...] = ()


_ELB_TAGS = Attr("Tags", "pairs", pair=("Key", "Value"))

# By the kind of object each converts to: its attributes in the provider's names (AWS provider's
# aws_ecs_service, aws_lb_target_group, aws_lb_listener, aws_lb_listener_rule and
# aws_service_discovery_service schemas; ECS, Elastic Load Balancing v2 and Cloud Map API models).
SPECS: dict[str, dict[str, Attr]] = {
    "Service": {
        "name": Attr("serviceName"),
        "cluster": Attr("cluster"),
        "task_definition": Attr("taskDefinition"),
        "desired_count": Attr("desiredCount"),
        "launch_type": Attr("launchType"),
        "platform_version": Attr("platformVersion"),
        "scheduling_strategy": Attr("schedulingStrategy"),
        "iam_role": Attr("role"),
        "health_check_grace_period_seconds": Attr("healthCheckGracePeriodSeconds", zero=(0,)),
        "availability_zone_rebalancing": Attr("availabilityZoneRebalancing"),
        "enable_ecs_managed_tags": Attr("enableECSManagedTags"),
        "enable_execute_command": Attr("enableExecuteCommand"),
        "propagate_tags": Attr("propagateTags"),
        "deployment_maximum_percent": Attr("deploymentConfiguration/maximumPercent"),
        "deployment_minimum_healthy_percent": Attr("deploymentConfiguration/minimumHealthyPercent"),
        "deployment_circuit_breaker": Attr(
            "deploymentConfiguration/deploymentCircuitBreaker", "block", "CircuitBreaker"
        ),
        "alarms": Attr("deploymentConfiguration/alarms", "block", "Alarms"),
        "deployment_configuration": Attr("deploymentConfiguration", "block", "DeploymentConfiguration"),
        "deployment_controller": Attr("deploymentController", "block", "DeploymentController"),
        "capacity_provider_strategy": Attr("capacityProviderStrategy", "blocks", "CapacityProvider"),
        "load_balancer": Attr("loadBalancers", "blocks", "LoadBalancer"),
        "network_configuration": Attr("networkConfiguration/awsvpcConfiguration", "block", "AwsVpc"),
        "ordered_placement_strategy": Attr("placementStrategy", "blocks", "PlacementStrategy"),
        "placement_constraints": Attr("placementConstraints", "blocks", "PlacementConstraint"),
        "service_registries": Attr("serviceRegistries", "blocks", "ServiceRegistry"),
        "service_connect_configuration": Attr("serviceConnectConfiguration", "block", "ServiceConnect"),
        "volume_configuration": Attr("volumeConfigurations", "blocks", "VolumeConfiguration"),
        "vpc_lattice_configurations": Attr("vpcLatticeConfigurations", "blocks", "VpcLattice"),
        "tags": Attr("tags", "pairs"),
    },
    "CircuitBreaker": {"enable": Attr("enable"), "rollback": Attr("rollback")},
    "Alarms": {"alarm_names": Attr("alarmNames"), "enable": Attr("enable"), "rollback": Attr("rollback")},
    "DeploymentConfiguration": {
        "strategy": Attr("strategy"),
        "bake_time_in_minutes": Attr("bakeTimeInMinutes"),
        "lifecycle_hook": Attr("lifecycleHooks", "blocks", "LifecycleHook"),
    },
    "LifecycleHook": {
        "hook_target_arn": Attr("hookTargetArn"),
        "role_arn": Attr("roleArn"),
        "lifecycle_stages": Attr("lifecycleStages"),
        "hook_details": Attr("hookDetails"),
    },
    "DeploymentController": {"type": Attr("type")},
    "CapacityProvider": {
        "capacity_provider": Attr("capacityProvider"),
        "weight": Attr("weight"),
        "base": Attr("base"),
    },
    "LoadBalancer": {
        "target_group_arn": Attr("targetGroupArn"),
        "elb_name": Attr("loadBalancerName"),
        "container_name": Attr("containerName"),
        "container_port": Attr("containerPort"),
        "advanced_configuration": Attr("advancedConfiguration", "block", "AdvancedConfiguration"),
    },
    "AdvancedConfiguration": {
        "alternate_target_group_arn": Attr("alternateTargetGroupArn"),
        "production_listener_rule": Attr("productionListenerRule"),
        "test_listener_rule": Attr("testListenerRule"),
        "role_arn": Attr("roleArn"),
    },
    "AwsVpc": {
        "subnets": Attr("subnets"),
        "security_groups": Attr("securityGroups"),
        "assign_public_ip": Attr("assignPublicIp", "switch"),
    },
    "PlacementStrategy": {"type": Attr("type"), "field": Attr("field")},
    "PlacementConstraint": {"type": Attr("type"), "expression": Attr("expression")},
    "ServiceRegistry": {
        "registry_arn": Attr("registryArn"),
        "port": Attr("port", zero=(0,)),
        "container_name": Attr("containerName"),
        "container_port": Attr("containerPort", zero=(0,)),
    },
    "ServiceConnect": {
        "enabled": Attr("enabled"),
        "namespace": Attr("namespace"),
        "log_configuration": Attr("logConfiguration", "block", "LogConfiguration"),
        "service": Attr("services", "blocks", "ServiceConnectService"),
    },
    "LogConfiguration": {
        "log_driver": Attr("logDriver"),
        "options": Attr("options"),
        "secret_option": Attr("secretOptions", "blocks", "Secret"),
    },
    "Secret": {"name": Attr("name"), "value_from": Attr("valueFrom")},
    "ServiceConnectService": {
        "port_name": Attr("portName"),
        "discovery_name": Attr("discoveryName"),
        "ingress_port_override": Attr("ingressPortOverride", zero=(0,)),
        "client_alias": Attr("clientAliases", "blocks", "ClientAlias"),
        "timeout": Attr("timeout", "block", "Timeout"),
        "tls": Attr("tls", "block", "Tls"),
    },
    "ClientAlias": {"port": Attr("port"), "dns_name": Attr("dnsName")},
    "Timeout": {
        "idle_timeout_seconds": Attr("idleTimeoutSeconds"),
        "per_request_timeout_seconds": Attr("perRequestTimeoutSeconds"),
    },
    "Tls": {
        "issuer_cert_authority": Attr("issuerCertificateAuthority", "block", "CertificateAuthority"),
        "kms_key": Attr("kmsKey"),
        "role_arn": Attr("roleArn"),
    },
    "CertificateAuthority": {"aws_pca_authority_arn": Attr("awsPcaAuthorityArn")},
    "VolumeConfiguration": {
        "name": Attr("name"),
        "managed_ebs_volume": Attr("managedEBSVolume", "block", "ManagedEbsVolume"),
    },
    "ManagedEbsVolume": {
        "role_arn": Attr("roleArn"),
        "encrypted": Attr("encrypted"),
        "file_system_type": Attr("filesystemType"),
        "iops": Attr("iops", zero=(0,)),
        "kms_key_id": Attr("kmsKeyId"),
        "size_in_gb": Attr("sizeInGiB", zero=(0,)),
        "snapshot_id": Attr("snapshotId"),
        "throughput": Attr("throughput", zero=(0,)),
        "volume_initialization_rate": Attr("volumeInitializationRate", zero=(0,)),
        "volume_type": Attr("volumeType"),
    },
    "VpcLattice": {
        "role_arn": Attr("roleArn"),
        "target_group_arn": Attr("targetGroupArn"),
        "port_name": Attr("portName"),
    },
    "TargetGroup": {
        "name": Attr("Name"),
        "port": Attr("Port"),
        "protocol": Attr("Protocol"),
        "protocol_version": Attr("ProtocolVersion"),
        "vpc_id": Attr("VpcId"),
        "target_type": Attr("TargetType"),
        "ip_address_type": Attr("IpAddressType"),
        "health_check": Attr("", "block", "HealthCheck"),
        "tags": _ELB_TAGS,
    },
    "HealthCheck": {
        "enabled": Attr("HealthCheckEnabled"),
        "healthy_threshold": Attr("HealthyThresholdCount"),
        "interval": Attr("HealthCheckIntervalSeconds"),
        "matcher": Attr("Matcher/HttpCode"),
        "path": Attr("HealthCheckPath"),
        "port": Attr("HealthCheckPort"),
        "protocol": Attr("HealthCheckProtocol"),
        "timeout": Attr("HealthCheckTimeoutSeconds"),
        "unhealthy_threshold": Attr("UnhealthyThresholdCount"),
    },
    "Listener": {
        "load_balancer_arn": Attr("LoadBalancerArn"),
        "port": Attr("Port"),
        "protocol": Attr("Protocol"),
        "ssl_policy": Attr("SslPolicy"),
        "certificate_arn": Attr("Certificates", "wrap", pair=("CertificateArn", "")),
        "alpn_policy": Attr("AlpnPolicy", "list"),
        "default_action": Attr("DefaultActions", "blocks", "Action"),
        "tags": _ELB_TAGS,
    },
    "ListenerRule": {
        "listener_arn": Attr("ListenerArn"),
        "priority": Attr("Priority"),
        "action": Attr("Actions", "blocks", "Action"),
        "condition": Attr("Conditions", "blocks", "RuleCondition"),
        "tags": _ELB_TAGS,
    },
    "Action": {
        "type": Attr("Type"),
        "target_group_arn": Attr("TargetGroupArn"),
        "order": Attr("Order"),
        "forward": Attr("ForwardConfig", "block", "Forward"),
        "redirect": Attr("RedirectConfig", "block", "Redirect"),
        "fixed_response": Attr("FixedResponseConfig", "block", "FixedResponse"),
    },
    "Forward": {
        "target_group": Attr("TargetGroups", "blocks", "TargetGroupTuple"),
        "stickiness": Attr("TargetGroupStickinessConfig", "block", "Stickiness"),
    },
    "TargetGroupTuple": {"arn": Attr("TargetGroupArn"), "weight": Attr("Weight")},
    "Stickiness": {"enabled": Attr("Enabled"), "duration": Attr("DurationSeconds")},
    "Redirect": {
        "host": Attr("Host"),
        "path": Attr("Path"),
        "port": Attr("Port"),
        "protocol": Attr("Protocol"),
        "query": Attr("Query"),
        "status_code": Attr("StatusCode"),
    },
    "FixedResponse": {
        "content_type": Attr("ContentType"),
        "message_body": Attr("MessageBody"),
        "status_code": Attr("StatusCode"),
    },
    "RuleCondition": {
        "host_header": Attr("HostHeaderConfig", "block", "Values"),
        "http_header": Attr("HttpHeaderConfig", "block", "HttpHeader"),
        "http_request_method": Attr("HttpRequestMethodConfig", "block", "Values"),
        "path_pattern": Attr("PathPatternConfig", "block", "Values"),
        "query_string": Attr("QueryStringConfig/Values", "blocks", "KeyValue"),
        "source_ip": Attr("SourceIpConfig", "block", "Values"),
    },
    "Values": {"values": Attr("Values")},
    "HttpHeader": {"http_header_name": Attr("HttpHeaderName"), "values": Attr("Values")},
    "KeyValue": {"key": Attr("Key"), "value": Attr("Value")},
    "DiscoveryService": {
        "name": Attr("Name"),
        "namespace_id": Attr("NamespaceId"),
        "description": Attr("Description"),
        "type": Attr("Type"),
        "dns_config": Attr("DnsConfig", "block", "DnsConfig"),
        "health_check_config": Attr("HealthCheckConfig", "block", "DiscoveryHealthCheck"),
        "health_check_custom_config": Attr("HealthCheckCustomConfig", "block", "CustomHealthCheck"),
        "tags": _ELB_TAGS,
    },
    "DnsConfig": {
        "namespace_id": Attr("NamespaceId"),
        "routing_policy": Attr("RoutingPolicy"),
        "dns_records": Attr("DnsRecords", "blocks", "DnsRecord"),
    },
    "DnsRecord": {"ttl": Attr("TTL"), "type": Attr("Type")},
    "DiscoveryHealthCheck": {
        "failure_threshold": Attr("FailureThreshold"),
        "resource_path": Attr("ResourcePath"),
        "type": Attr("Type"),
    },
    "CustomHealthCheck": {"failure_threshold": Attr("FailureThreshold")},
}

# The resource types read, with the spec of their attributes and their kind of resource.
KINDS: dict[str, tuple[str, type[Resource]]] = {
    "aws_ecs_service": ("Service", Service),
    "aws_lb_target_group": ("TargetGroup", TargetGroup),
    "aws_alb_target_group": ("TargetGroup", TargetGroup),
    "aws_lb_listener": ("Listener", Listener),
    "aws_alb_listener": ("Listener", Listener),
    "aws_lb_listener_rule": ("ListenerRule", ListenerRule),
    "aws_alb_listener_rule": ("ListenerRule", ListenerRule),
    "aws_service_discovery_service": ("DiscoveryService", DiscoveryService),
}

# A listener rule's condition names its field; the API's `Field` says which config it holds.
_CONDITION_FIELDS = {
    "HostHeaderConfig": "host-header",
    "HttpHeaderConfig": "http-header",
    "HttpRequestMethodConfig": "http-request-method",
    "PathPatternConfig": "path-pattern",
    "QueryStringConfig": "query-string",
    "SourceIpConfig": "source-ip",
}

# How many references one plan's resolution may follow (through module inputs and outputs); beyond that,
# the rest are left unresolved, so that the cost of a plan stays bounded by its size.
MAX_STEPS = 100_000
# How many module inputs and outputs one reference may pass through, and how deep modules may nest.
MAX_CHAIN = 100
MAX_MODULE_DEPTH = 32
# How many resources the resources of one document may wait for in all: at least this many, or one per
# four characters of its text.
MIN_WAITS = 250_000
# The key of what the resources past that budget wait for: every resource (no address looks like it).
UNFOLLOWED = "(waits past the budget)"


def _reverse(spec: str) -> dict[str, tuple[str, ...]]:
    """An object's API members (paths of member names, and their prefixes) by the provider's path."""
    out: dict[str, tuple[str, ...]] = {}
    for attribute, attr in SPECS[spec].items():
        if attr.member:
            out[attr.member] = (attribute,)
        else:
            for member, tokens in _reverse(attr.inner).items():
                out.setdefault(member, (attribute, "0", *tokens))
    for attribute, attr in SPECS[spec].items():
        names = attr.member.split("/")
        for size in range(1, len(names)):
            out.setdefault("/".join(names[:size]), (attribute,))
    return out


_REVERSE = {spec: _reverse(spec) for spec in SPECS}
# A service's deploymentConfiguration is spread over several attributes; without a
# `deployment_configuration` block (the strategy and its hooks), what is missing from it as a whole is
# the circuit breaker, the one block of it that no default fills.
_REVERSE["Service"]["deploymentConfiguration"] = ("deployment_circuit_breaker",)


@dataclass(slots=True)
class Placement:
    """Where one resource's API pointers lie in the document: `pointers` for each converted value,
    `objects` for each converted object (its spec and its pointer), so that a member the resource does
    not set is named as the provider names it (`/deploymentConfiguration/deploymentCircuitBreaker` to
    `.../values/deployment_circuit_breaker`) and reported at the object that would hold it."""

    label: str
    pointers: dict[str, str] = field(default_factory=dict)
    objects: dict[str, tuple[str, str]] = field(default_factory=dict)

    def to_document(self, pointer: str) -> str:
        found = self.pointers.get(pointer)
        if found is not None:
            return found
        fallback = None
        cut = pointer
        while True:
            held = self.objects.get(cut)
            if held is not None:
                spec, at = held
                tokens = _REVERSE[spec].get("/".join(split(pointer[len(cut) :])))
                if tokens is not None:
                    return join(at, *tokens)
                fallback = fallback or at
            elif cut in self.pointers and fallback is None:
                return self.pointers[cut]  # inside a value (one known only after apply)
            if not cut:
                break
            cut = cut[: cut.rfind("/")]
        return fallback or ""

    def annotate(self, raw: Raw) -> Raw:
        return Raw(raw.rule, f"{raw.message} ({self.label})", raw.pointer, raw.offset)


# --- addresses ----------------------------------------------------------------------------------------

_STEP = re.compile(r'([A-Za-z_][A-Za-z0-9_-]*)(\[(?:[0-9]+|"(?:[^"\\]|\\.)*")\])?')

Instance = tuple[tuple[str, str], ...]  # a module instance: (name, key) from the root down; key "" or "[0]"


def _steps(address: str) -> list[tuple[str, str]] | None:
    """The dotted steps of an address or reference, each a name and its instance key ("" without)."""
    steps: list[tuple[str, str]] = []
    position = 0
    while position < len(address):
        match = _STEP.match(address, position)
        if match is None:
            return None
        steps.append((match.group(1), match.group(2) or ""))
        position = match.end()
        if position < len(address):
            if address[position] != ".":
                return steps  # an index of a value ([0] after an attribute): what follows is the value's
            position += 1
    return steps


def _parse(address: str) -> tuple[Instance, str] | None:
    """The module instance of a resource's address and the resource within it (`aws_x.y[0]`)."""
    steps = _steps(address)
    if not steps:
        return None
    modules: list[tuple[str, str]] = []
    while len(steps) > 2 and steps[0] == ("module", ""):
        modules.append(steps[1])
        steps = steps[2:]
    if len(steps) == 3 and steps[0] == ("data", ""):
        return None
    if len(steps) != 2 or steps[0][1]:
        return None
    return tuple(modules), f"{steps[0][0]}.{steps[1][0]}{steps[1][1]}"


def _prefix(instance: Instance) -> str:
    return "".join(f"module.{name}{key}." for name, key in instance)


def _module_path(instance: Instance) -> str:
    """The configuration's address of a module instance's module (no instance keys)."""
    return "".join(f"module.{name}." for name, _ in instance)


def _base(resource: str) -> str:
    """A resource instance's address without its instance key."""
    return resource[: resource.index("[")] if resource.endswith("]") else resource


class _Configuration:
    """A plan's `configuration`: the references of each resource's attributes, followed to the
    addresses of the resources of the plan (`keys`) they name."""

    def __init__(self, configuration: object, keys: dict[str, tuple[Instance, str]]) -> None:
        self.keys = keys
        self.modules: dict[str, dict[str, Any]] = {}
        self.calls: dict[str, dict[str, Any]] = {}
        self.resources: dict[str, dict[str, Any]] = {}
        self.instances: dict[str, list[str]] = {}
        # The resources inside each module call of each module instance (`module.a[0].module.b`: those
        # of every instance of b in a[0]), for `depends_on = [module.b]`.
        self.members: dict[str, list[str]] = {}
        for key, (instance, resource) in keys.items():
            self.instances.setdefault(_prefix(instance) + _base(resource), []).append(key)
            for depth in range(1, len(instance) + 1):
                call = f"{_prefix(instance[: depth - 1])}module.{instance[depth - 1][0]}"
                self.members.setdefault(call, []).append(key)
        root = configuration.get("root_module") if isinstance(configuration, dict) else None
        if isinstance(root, dict):
            self._index(root, "", None, 0)
        self._memo: dict[tuple[str, Instance, str, bool], frozenset[str]] = {}
        self._steps = 0
        self._active: set[tuple[str, Instance]] = set()
        self._depends: dict[tuple[tuple[str, ...], Instance], frozenset[str]] = {}

    def _index(self, module: dict[str, Any], path: str, call: dict[str, Any] | None, depth: int) -> None:
        self.modules[path] = module
        if call is not None:
            self.calls[path] = call
        for resource in module.get("resources") or []:
            if isinstance(resource, dict) and isinstance(resource.get("address"), str):
                self.resources[path + resource["address"]] = resource
        calls = module.get("module_calls")
        if depth < MAX_MODULE_DEPTH and isinstance(calls, dict):
            for name, inner in calls.items():
                if isinstance(inner, dict) and isinstance(inner.get("module"), dict):
                    self._index(inner["module"], f"{path}module.{name}.", inner, depth + 1)

    def resource(self, instance: Instance, resource: str) -> dict[str, Any] | None:
        found = self.resources.get(_module_path(instance) + _base(resource))
        return found if isinstance(found, dict) else None

    def resolve(self, references: object, instance: Instance, own: str = "") -> frozenset[str]:
        """The resources of the plan that an expression's references name, seen from a module instance
        (`own` is the instance key of what refers, for `count.index` and `each`)."""
        if not isinstance(references, list):
            return frozenset()
        texts = [r for r in references if isinstance(r, str)]
        indexed = any(r == "count.index" or r.startswith("each.") for r in texts)
        found: set[str] = set()
        for text in texts:
            found |= self._one(text, instance, own if indexed else "", indexed)
        return frozenset(found)

    def _one(self, text: str, instance: Instance, own: str, indexed: bool) -> frozenset[str]:
        memo = (text, instance, own, indexed)
        if memo in self._memo:
            return self._memo[memo]
        self._steps += 1
        if self._steps > MAX_STEPS or len(self._active) >= MAX_CHAIN or (text, instance) in self._active:
            return frozenset()  # a cycle, or a chain longer than a configuration has
        self._active.add((text, instance))
        try:
            found = self._follow(text, instance, own)
        finally:
            self._active.discard((text, instance))
        self._memo[memo] = found
        return found

    def _follow(self, text: str, instance: Instance, own: str) -> frozenset[str]:
        steps = _steps(text)
        if not steps or len(steps) < 2:
            return frozenset()
        head = steps[0][0]
        if head == "var":
            call = self.calls.get(_module_path(instance))
            if not instance or call is None:
                return frozenset()
            expressions = call.get("expressions")
            expression = expressions.get(steps[1][0]) if isinstance(expressions, dict) else None
            if not isinstance(expression, dict):
                return frozenset()
            return self.resolve(expression.get("references"), instance[:-1], instance[-1][1])
        if head == "module":
            if len(steps) < 3:
                return frozenset()
            name, key = steps[1]
            inner = self.modules.get(f"{_module_path(instance)}module.{name}.")
            outputs = inner.get("outputs") if inner is not None else None
            output = outputs.get(steps[2][0]) if isinstance(outputs, dict) else None
            expression = output.get("expression") if isinstance(output, dict) else None
            if not isinstance(expression, dict):
                return frozenset()
            return self.resolve(expression.get("references"), (*instance, (name, key)))
        if head in ("data", "local", "count", "each", "path", "terraform", "self"):
            return frozenset()
        base = f"{_prefix(instance)}{head}.{steps[1][0]}"
        if steps[0][1]:
            return frozenset()
        if steps[1][1]:
            wanted = base + steps[1][1]
            return frozenset({wanted}) if wanted in self.keys else frozenset()
        if base in self.keys:
            return frozenset({base})
        if own and base + own in self.keys:
            return frozenset({base + own})
        return frozenset(self.instances.get(base, ()))

    def waits(self, config: dict[str, Any], instance: Instance, own: str) -> set[str]:
        """What a resource waits for: everything its expressions refer to, its `depends_on`, and its
        module calls' `depends_on`."""
        found: set[str] = set()
        for references in _references(config.get("expressions")):
            found |= self.resolve(references, instance, own)
        found |= self.depends_on(config.get("depends_on"), instance)
        for depth in range(len(instance), 0, -1):
            call = self.calls.get(_module_path(instance[:depth]))
            if call is not None:
                found |= self.depends_on(call.get("depends_on"), instance[: depth - 1])
        return found

    def depends_on(self, names: object, instance: Instance) -> frozenset[str]:
        if not isinstance(names, list):
            return frozenset()
        memo = (tuple(n for n in names if isinstance(n, str)), instance)
        found = self._depends.get(memo)
        if found is None:
            found = self._depends[memo] = frozenset(self._depends_on(memo[0], instance))
        return found

    def _depends_on(self, names: tuple[str, ...], instance: Instance) -> set[str]:
        found: set[str] = set()
        for name in names:
            steps = _steps(name)
            if not steps or len(steps) < 2:
                continue
            if steps[0] == ("module", ""):
                found.update(self.members.get(f"{_prefix(instance)}module.{steps[1][0]}", ()))
            elif steps[0][0] != "data":
                found |= self._one(f"{steps[0][0]}.{steps[1][0]}", instance, "", False)
        return found


def _references(expressions: object) -> Iterator[object]:
    """The `references` of every expression in a resource's expressions, nested blocks included."""
    stack = [expressions]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "references" in item and isinstance(item["references"], list):
                yield item["references"]
            stack.extend(v for k, v in item.items() if k not in ("references", "constant_value"))
        elif isinstance(item, list):
            stack.extend(item)


def _matching_block(blocks: object, values: list[Any], index: int) -> dict[str, Any] | None:
    """The configuration block that gave the planned block `values[index]`: the one whose constant
    values it has (a set's blocks come in another order than written), or the one at the same place."""
    if not isinstance(blocks, list) or not blocks:
        return None
    item = values[index]
    fits: list[dict[str, Any]] = [
        b
        for b in blocks
        if isinstance(b, dict)
        and all(
            not isinstance(e, dict) or "constant_value" not in e or item.get(k) == e["constant_value"]
            for k, e in b.items()
        )
    ]
    if len(fits) == 1:
        return fits[0]
    same = blocks[index] if len(blocks) == len(values) else None
    return same if isinstance(same, dict) and same in fits else None


def _unset(value: object, attr: Attr) -> bool:
    if value is None or value == "" or value == [] or value == {}:
        return True
    return any(type(value) is type(zero) and value == zero for zero in attr.zero)


class _Converter:
    """Converts one resource's values to its API's object, recording where each value came from and
    which of its values refer to other resources of the document."""

    def __init__(
        self, placement: Placement, configuration: _Configuration | None, instance: Instance, own: str
    ):
        self.placement = placement
        self.configuration = configuration
        self.instance = instance
        self.own = own
        self.refs: dict[str, str] = {}

    def convert(self, values: dict[str, Any], spec: str, at: str, expressions: object) -> dict[str, Any]:
        out: dict[str, Any] = {}
        self.placement.pointers[""] = at
        self.fill(values, spec, at, "", out, expressions, True)
        return out

    def fill(
        self,
        values: dict[str, Any],
        spec: str,
        at: str,
        api: str,
        out: dict[str, Any],
        expressions: object,
        own_object: bool,
    ) -> None:
        if own_object:
            self.placement.objects[api] = (spec, at)
        fields = SPECS[spec]
        config = expressions if isinstance(expressions, dict) else {}
        for attribute, value in values.items():
            attr = fields.get(attribute)
            if attr is None or _unset(value, attr):
                continue  # computed (arn, id, tags_all), Terraform's own (timeouts, triggers), or unset
            self.attribute(value, attr, join(at, attribute), api, out, config.get(attribute))
        if spec == "RuleCondition":
            named = next((_CONDITION_FIELDS[k] for k in out if k in _CONDITION_FIELDS), None)
            if named is not None:
                out["Field"] = named

    def attribute(
        self, value: object, attr: Attr, at: str, api: str, out: dict[str, Any], expression: object
    ) -> None:
        target = f"{api}/{attr.member}" if attr.member else api
        if attr.form in ("block", "blocks") and isinstance(value, list):
            blocks = [expression] if isinstance(expression, dict) else expression  # a single nested block
            if attr.form == "block":
                item = value[0]
                inner = _ensure(out, attr.member) if isinstance(item, dict) else None
                if inner is None or not isinstance(item, dict):
                    return
                if attr.member:
                    self.placement.pointers[target] = at
                config = _matching_block(blocks, value, 0)
                self.fill(item, attr.inner, f"{at}/0", target, inner, config, bool(attr.member))
                return
            self.placement.pointers[target] = at
            items: list[object] = []
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    converted: dict[str, Any] = {}
                    config = _matching_block(blocks, value, index)
                    self.placement.pointers[f"{target}/{index}"] = f"{at}/{index}"
                    self.fill(item, attr.inner, f"{at}/{index}", f"{target}/{index}", converted, config, True)
                    items.append(converted)
                else:
                    items.append(item)
            _put(out, attr.member, items)
            return
        if isinstance(value, Unknown):
            head = attr.member.split("/")[0]
            if head not in out:  # a whole block only the apply knows: whether its object is set at all
                out[head] = value
                self.placement.pointers[f"{api}/{head}"] = at
                self.refer(f"{api}/{head}", expression)
                return
        elif attr.form == "pairs" and isinstance(value, dict):
            pairs = []
            for index, (key, item) in enumerate(value.items()):
                for suffix in ("", f"/{attr.pair[0]}", f"/{attr.pair[1]}"):
                    self.placement.pointers[f"{target}/{index}{suffix}"] = join(at, key)
                pairs.append({attr.pair[0]: key, attr.pair[1]: item})
            value = pairs
        elif attr.form == "switch" and isinstance(value, bool):
            value = "ENABLED" if value else "DISABLED"
        elif attr.form == "list":
            self.placement.pointers[f"{target}/0"] = at
            value = [value]
        elif attr.form == "wrap":
            self.placement.pointers[f"{target}/0"] = at
            self.placement.pointers[f"{target}/0/{attr.pair[0]}"] = at
            self.refer(f"{target}/0/{attr.pair[0]}", expression)
            value = [{attr.pair[0]: value}]
        if _put(out, attr.member, value):
            self.placement.pointers[target] = at
            self.refer(target, expression)

    def refer(self, pointer: str, expression: object) -> None:
        if self.configuration is None or not isinstance(expression, dict):
            return
        found = self.configuration.resolve(expression.get("references"), self.instance, self.own)
        if len(found) == 1:
            self.refs[pointer] = next(iter(found))


def _ensure(out: dict[str, Any], path: str) -> dict[str, Any] | None:
    """The object at a path of member names, made where missing; None under a value that is not one
    (known only after apply)."""
    for name in path.split("/") if path else ():
        inner = out.setdefault(name, {})
        if not isinstance(inner, dict):
            return None
        out = inner
    return out


def _put(out: dict[str, Any], path: str, value: object) -> bool:
    parent, _, name = path.rpartition("/")
    holder = _ensure(out, parent)
    if holder is None:
        return False
    holder[name] = value
    return True


def _strings(value: object, pointer: str) -> Iterator[tuple[str, str]]:
    """Every string of a converted value, with its pointer."""
    if isinstance(value, str):
        yield pointer, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, join(pointer, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{pointer}/{index}")


def find_targets(loaded: Loaded) -> list[Target] | str | None:
    """The task definitions of a plan or state; its services and what they are tied to go to
    `loaded.resources`. A message when it holds none of them; None when the document is no plan or
    state."""
    document = loaded.document
    if not isinstance(document, dict):
        return None
    section = "planned_values" if "planned_values" in document else "values"
    values = document.get(section)
    if not isinstance(values, dict):
        return None
    marks = after_unknown(document)
    found = [
        (at, resource, resource["address"])
        for at, resource in module_resources(values.get("root_module"), f"/{section}/root_module")
        if resource.get("mode", "managed") == "managed" and isinstance(resource.get("address"), str)
    ]
    targets = [
        target
        for at, resource, address in found
        if resource.get("type") == RESOURCE_TYPE
        and (target := task_definition(loaded, at, resource, marks.get(address))) is not None
    ]
    if any(resource.get("type") in KINDS for _, resource, _ in found):
        form = "Terraform plan" if section == "planned_values" else "Terraform state"
        budget = max(MIN_WAITS, len(loaded.text) // 4)
        loaded.resources = _resources(document, found, marks, form, budget)
    if not targets and not loaded.resources:
        kind = "plan" if section == "planned_values" else "state"
        return (
            f"Not a task definition: the Terraform {kind} has no {RESOURCE_TYPE} or aws_ecs_service resource"
        )
    return targets


def _resources(
    document: dict[str, Any],
    found: list[tuple[str, dict[str, Any], str]],
    marks: dict[str, object],
    form: str,
    budget: int,
) -> list[Placed]:
    """The resources of the document's kinds, and every other resource (but task definitions) as a plain
    `Resource` with only what it waits for, so that `Graph.reaches` follows a service's wait through it (a
    `time_sleep` or `null_resource` that waits for the listener). `budget` bounds how many resources they
    wait for in all: a module that waits for another makes each of its resources wait for each of the
    other's. Past it, a resource waits for `UNFOLLOWED`, which waits for every resource of the document,
    so that no check finds that it does not wait for something."""
    keys = {a: parsed for _, _, a in found if (parsed := _parse(a)) is not None}
    configuration = document.get("configuration")
    config = _Configuration(configuration, keys) if isinstance(configuration, dict) else None
    recorded = _recorded(keys)
    arns: dict[str, str] = {}
    read: list[tuple[type[Resource], dict[str, Any], str, Placement, dict[str, str], set[str]]] = []
    for at, resource, address in found:
        attributes = resource.get("values")
        parsed = keys.get(address)
        if parsed is None or not isinstance(attributes, dict):
            continue
        _arns(attributes, address, arns)
        if resource.get("type") == RESOURCE_TYPE:
            continue
        instance, name = parsed
        own = name[name.index("[") :] if name.endswith("]") else ""
        settings = config.resource(instance, name) if config is not None else None
        placement = Placement(f"resource {address}")
        waits: set[str] = set()
        if budget <= 0:
            waits = {UNFOLLOWED}
        elif config is not None and settings is not None:
            waits = config.waits(settings, instance, own)
        else:  # a state: what Terraform recorded that it waits for
            dependencies = resource.get("depends_on")
            names = dependencies if isinstance(dependencies, list) else []
            waits = {k for n in names if isinstance(n, str) for k in recorded.get(n, ())}
        budget -= len(waits)
        kind = KINDS.get(str(resource.get("type")))
        if kind is None:
            if waits - {address}:
                placement.pointers[""] = join(at, "values")
                read.append((Resource, {}, address, placement, {}, waits))
            continue
        spec, cls = kind
        mark = marks.get(address)
        if mark is True:  # the whole resource is known after apply: each of its attributes is
            mark = dict.fromkeys(SPECS[spec], True)
        attributes = with_unknowns(attributes, mark, address)
        assert isinstance(attributes, dict)
        converter = _Converter(placement, config if settings is not None else None, instance, own)
        expressions = settings.get("expressions") if settings is not None else None
        data = converter.convert(attributes, spec, join(at, "values"), expressions)
        read.append((cls, data, address, placement, converter.refs, waits))
    out = []
    if budget < 0:
        # What the resources past the budget wait for is not known: as if they waited for every other.
        nowhere = Placement(f"resource {UNFOLLOWED}")
        read.append((Resource, {}, UNFOLLOWED, nowhere, {}, set(keys)))
    for cls, data, address, placement, refs, waits in read:
        for pointer, value in _strings(data, ""):
            other = arns.get(value)
            if other is not None and other != address:
                refs.setdefault(pointer, other)
        waits.discard(address)
        made = cls(data, key=address, label=address, refs=refs, depends_on=tuple(sorted(waits)))
        out.append(Placed(form, made, origin=placement))
    return out


def _recorded(keys: dict[str, tuple[Instance, str]]) -> dict[str, list[str]]:
    """The resources of the document by the address a state's `depends_on` names them with (their
    configuration's: no instance keys)."""
    out: dict[str, list[str]] = {}
    for key, (instance, resource) in keys.items():
        out.setdefault(_module_path(instance) + _base(resource), []).append(key)
    return out


def _arns(values: dict[str, Any], address: str, arns: dict[str, str]) -> None:
    """The values by which other resources name this one in a state: its ARN (a task definition's
    also without its revision, and as `family:revision`)."""
    for name in ("arn", "arn_without_revision"):
        value = values.get(name)
        if isinstance(value, str) and value:
            arns.setdefault(value, address)
    family, revision = values.get("family"), values.get("revision")
    if isinstance(family, str) and isinstance(revision, int) and not isinstance(revision, bool):
        arns.setdefault(f"{family}:{revision}", address)
