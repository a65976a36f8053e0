"""Service checks (TDL8xx): an ECS service against itself, its task definition, and, in a template or
a plan, its target groups, listeners and Cloud Map services.

Sources are the ECS API model (botocore ecs 2014-11-13: CreateServiceRequest, LoadBalancer,
ServiceRegistry, ServiceConnectConfiguration, NetworkConfiguration, DeploymentConfiguration) and the
observed CreateService errors collected in shared/service-facts.md. Every function takes a
`model.Service` (or the resource its rule names) and yields `(pointer, message)`, the pointer in the
ECS API's names (`/loadBalancers/0/containerName`); none trusts the document's types, and a check that
needs the task definition yields nothing when the service's is not known.
"""

from __future__ import annotations

from collections.abc import Iterator

from taskdeflint.model import Container, Service, TaskDef


def _container(taskdef: TaskDef, name: str) -> Container | None:
    return next((c for c in taskdef.containers if c.data.get("name") == name), None)


def _known_names(taskdef: TaskDef) -> list[str] | None:
    """The names of the task definition's containers; None when one of them is not known (a template's
    unknown value), since the name looked for may be that one."""
    names = []
    for container in taskdef.containers:
        name = container.data.get("name")
        if not isinstance(name, str):
            return None
        names.append(name)
    raw = taskdef.data.get("containerDefinitions")
    if not isinstance(raw, list) or len(names) != len(raw):
        return None
    return names


def load_balancer_container(service: Service) -> Iterator[tuple[str, str]]:
    """TDL801: `loadBalancers[].containerName` names no container of the task definition."""
    taskdef = service.taskdef
    if taskdef is None:
        return
    names = _known_names(taskdef)
    if names is None:
        return
    for index, item in service.items("loadBalancers"):
        name = item.get("containerName")
        if isinstance(name, str) and name not in names:
            have = ", ".join(f'"{n}"' for n in names) or "none"
            yield (
                f"/loadBalancers/{index}/containerName",
                f'loadBalancers[{index}].containerName "{name}" is not a container of the task definition '
                f"(its containers: {have})",
            )
