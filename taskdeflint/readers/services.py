"""ECS services kept as the ECS API's JSON: `create-service` and `update-service` input
(`--cli-input-json`), their output and `describe-services` output, and ecspresso's
`ecs-service-def.json` (create-service input without the names, which ecspresso's config gives).

The values are already in the API's names, so each service is placed by a base pointer
(`/services/0` in describe output). Which task definition a service runs (`taskDefinition`: a family,
`family:revision` or an ARN; ecspresso's config for ecspresso) is found by the run, across files.
"""

from __future__ import annotations

from typing import Any

from taskdeflint.model import Service
from taskdeflint.readers.base import Placed

CREATE = "create-service input"
UPDATE = "update-service input"
DESCRIBE = "describe-services output"
OUTPUT = "create-service output"
ECSPRESSO = "ecspresso service definition"

# Members only a service has (not a task definition, not a container): one of them, beside members all
# of which a service may have, tells a service definition without a name (ecspresso's) from other JSON.
MARKERS = frozenset(
    {
        "loadBalancers",
        "serviceRegistries",
        "desiredCount",
        "launchType",
        "capacityProviderStrategy",
        "platformVersion",
        "deploymentConfiguration",
        "networkConfiguration",
        "healthCheckGracePeriodSeconds",
        "schedulingStrategy",
        "deploymentController",
        "serviceConnectConfiguration",
    }
)
# CreateService and UpdateService input and the Service of describe output (ECS API model), and the
# AWS CLI's own members (`--cli-input-json` takes none of its own, but `generate-cli-skeleton` output
# is what users start from).
MEMBERS = MARKERS | {
    "cluster",
    "serviceName",
    "service",
    "taskDefinition",
    "availabilityZoneRebalancing",
    "clientToken",
    "role",
    "placementConstraints",
    "placementStrategy",
    "tags",
    "enableECSManagedTags",
    "propagateTags",
    "enableExecuteCommand",
    "volumeConfigurations",
    "vpcLatticeConfigurations",
    "forceNewDeployment",
    "serviceArn",
    "clusterArn",
    "status",
    "runningCount",
    "pendingCount",
    "platformFamily",
    "taskSets",
    "deployments",
    "roleArn",
    "events",
    "createdAt",
    "currentServiceDeployment",
    "currentServiceRevisions",
    "createdBy",
    "resourceManagementType",
}


# Members of `run-task` and `start-task` input that a service does not have: such input names a task
# definition, a launch type and a network configuration too, but is no service definition. A `cluster`
# without a service name is such input too: create-service input needs `serviceName`, and ecspresso
# takes both from its config (its service definition has no cluster member).
RUN_TASK = frozenset(
    {"count", "overrides", "startedBy", "group", "referenceId", "containerInstances", "cluster"}
)


def has_marker(data: bytes) -> bool:
    """Whether a file's bytes name a member only a service has (before any parsing)."""
    return any(marker in data for marker in _MARKER_BYTES)


_MARKER_BYTES = tuple(sorted(marker.encode() for marker in MARKERS))


def _is_service(value: object, named: str = "") -> bool:
    """A service in the API's shape: with a `named` member (`serviceName`, `service`), that name beside
    `taskDefinition` or a member only a service has; without a name (ecspresso), two such members. Either
    way, most of its members are the API's (a typo among them is the schema stage's to report, not a
    reason to skip the file)."""
    if not isinstance(value, dict) or not value:
        return False
    markers = len(MARKERS.intersection(value))
    if named:
        if not isinstance(value.get(named), str):
            return False
        if not (markers or isinstance(value.get("taskDefinition"), str)):
            return False
    elif markers < 2:
        return False
    known = sum(1 for key in value if key in MEMBERS)
    return known * 2 > len(value)


def find(document: object, named_by_ecspresso: bool = False) -> list[Placed] | None:
    """The services of a document in the API's shape, or None when it is no such document.
    `named_by_ecspresso`: an ecspresso config names the file as its service definition, which is then
    one whatever few members it has (`{"schedulingStrategy": "DAEMON"}`)."""
    if not isinstance(document, dict):
        return None
    services = document.get("services")
    if isinstance(services, list) and services and all(_is_service(s, "serviceName") for s in services):
        return [_placed(DESCRIBE, s, f"/services/{i}") for i, s in enumerate(services)]
    inner = document.get("service")
    if isinstance(inner, dict) and _is_service(inner, "serviceName"):
        return [_placed(OUTPUT, inner, "/service")]
    if _is_service(document, "serviceName"):
        return [_placed(CREATE, document, "")]
    if _is_service(document, "service"):
        return [_placed(UPDATE, document, "")]
    if (
        "serviceName" not in document
        and "service" not in document
        and not RUN_TASK.intersection(document)
        and _is_service(document)
    ):
        return [_placed(ECSPRESSO, document, "")]
    if named_by_ecspresso and "serviceName" not in document and "service" not in document:
        return [_placed(ECSPRESSO, document, "")]
    return None


def _placed(form: str, data: dict[str, Any], base: str) -> Placed:
    name = data.get("serviceName") or data.get("service")
    label = f'service "{name}"' if isinstance(name, str) and name else ""
    return Placed(form, Service(data, label=label), base)
