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

import re
from collections.abc import Callable, Iterator
from typing import Any

from taskdeflint.checks.common import integer, task_cpu
from taskdeflint.checks.networking import network_mode, parse_port_range
from taskdeflint.model import Container, Service, TargetGroup, TaskDef
from taskdeflint.readers.cfnresources import FORM as CLOUDFORMATION
from taskdeflint.readers.services import CREATE, UPDATE


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
    return _not_a_container(service, "loadBalancers")


def _not_a_container(service: Service, member: str) -> Iterator[tuple[str, str]]:
    """The entries of a list member (`loadBalancers`, `serviceRegistries`) whose containerName is no
    container of the task definition."""
    taskdef = service.taskdef
    names = _known_names(taskdef) if taskdef is not None else None
    if names is None:
        return
    for index, item in service.items(member):
        name = item.get("containerName")
        if isinstance(name, str) and name not in names:
            have = ", ".join(f'"{n}"' for n in names) or "none"
            yield (
                f"/{member}/{index}/containerName",
                f'{member}[{index}].containerName "{name}" is not a container of the task definition '
                f"(its containers: {have})",
            )


# --- what several checks need --------------------------------------------------------------------

FARGATE_PROVIDERS = frozenset({"FARGATE", "FARGATE_SPOT"})


def _linux(taskdef: TaskDef) -> bool:
    """Whether the task definition is for Linux: no runtimePlatform, or one whose operatingSystemFamily
    is absent or LINUX (Windows numbers its Fargate platform versions and defaults its network mode
    apart)."""
    if "runtimePlatform" not in taskdef.data:
        return True
    platform = taskdef.data["runtimePlatform"]
    if not isinstance(platform, dict):
        return False
    return "operatingSystemFamily" not in platform or platform["operatingSystemFamily"] == "LINUX"


def _mode(taskdef: TaskDef) -> str | None:
    """The task's network mode, or None when it is not known. An absent networkMode is bridge for a
    Linux task (ECS API model, RegisterTaskDefinitionRequest.networkMode); a Windows task's default is
    another mode, and a value a template leaves open is unknown."""
    mode = network_mode(taskdef)
    if mode is not None and "networkMode" not in taskdef.data and not _linux(taskdef):
        return None
    return mode


def _on_fargate(service: Service) -> str | None:
    """The pointer that puts the service on Fargate (`/launchType` FARGATE, or a capacity provider
    strategy of FARGATE and FARGATE_SPOT only), or None when it is not known to run there (a cluster's
    default strategy is not in the file)."""
    if "launchType" in service.data:
        return "/launchType" if service.data["launchType"] == "FARGATE" else None
    strategy = service.data.get("capacityProviderStrategy")
    if not isinstance(strategy, list) or not strategy:
        return None
    for item in strategy:
        provider = item.get("capacityProvider") if isinstance(item, dict) else None
        if provider not in FARGATE_PROVIDERS:
            return None
    return "/capacityProviderStrategy"


def _unchanged(service: Service, member: str) -> bool:
    """Whether a member is left out of update-service input, where that keeps the service's current
    value (not known here) rather than meaning the default."""
    return service.form == UPDATE and member not in service.data


def _controller(service: Service) -> str | None:
    """The deployment controller's type (ECS when none is given), or None when it is not known."""
    if _unchanged(service, "deploymentController"):
        return None
    if "deploymentController" not in service.data:
        return "ECS"
    controller = service.data["deploymentController"]
    if not isinstance(controller, dict):
        return None
    kind = controller.get("type", "ECS")
    return kind if isinstance(kind, str) else None


def _deployment(service: Service) -> dict[str, Any] | None:
    """deploymentConfiguration: {} when absent, None when it is not an object."""
    config = service.data.get("deploymentConfiguration", {})
    return config if isinstance(config, dict) else None


def _rolling(service: Service) -> bool:
    """Whether the service deploys by ECS's rolling update: the ECS controller, the ROLLING strategy
    (or none given) and the REPLICA scheduler (or none given); False when any of them is not known."""
    config = _deployment(service)
    return (
        service.form != UPDATE  # its strategy and scheduler are the service's current ones
        and _controller(service) == "ECS"
        and config is not None
        and config.get("strategy", "ROLLING") == "ROLLING"
        and service.data.get("schedulingStrategy", "REPLICA") == "REPLICA"
    )


def _load_balancer_container(service: Service, index: int, item: dict[str, Any]) -> Container | None:
    """The container that `loadBalancers[index]` names, when its task definition and every container
    name in it are known (an unknown name could be the one looked for)."""
    taskdef = service.taskdef
    name = item.get("containerName")
    if taskdef is None or not isinstance(name, str):
        return None
    names = _known_names(taskdef)
    if names is None or names.count(name) != 1:
        return None
    return _container(taskdef, name)


def _mappings(*containers: Container) -> list[dict[str, Any]] | None:
    """The port mapping objects of the containers; None when a portMappings or one of its items is not
    an object (an unknown value may hide the mapping looked for)."""
    found: list[dict[str, Any]] = []
    for container in containers:
        raw = container.data.get("portMappings", [])
        if not isinstance(raw, list) or not all(isinstance(mapping, dict) for mapping in raw):
            return None
        found.extend(raw)
    return found


# --- TDL802 ----------------------------------------------------------------------------------------


def _container_ports(container: Container) -> tuple[list[int], list[tuple[int, int]]] | None:
    """A container's container ports and containerPortRanges; None when one of them is not known."""
    mappings = _mappings(container)
    if mappings is None:
        return None
    ports: list[int] = []
    ranges: list[tuple[int, int]] = []
    for mapping in mappings:
        if "containerPortRange" in mapping:
            text = mapping["containerPortRange"]
            parsed = parse_port_range(text) if isinstance(text, str) else None
            if parsed is None:
                return None
            ranges.append(parsed)
        if "containerPort" in mapping:
            port = integer(mapping["containerPort"])
            if port is None:
                return None
            ports.append(port)
    return ports, ranges


def load_balancer_port(service: Service) -> Iterator[tuple[str, str]]:
    """TDL802: `loadBalancers[].containerPort` is not a container port of that container's portMappings."""
    for index, item in service.items("loadBalancers"):
        port = integer(item.get("containerPort"))
        container = _load_balancer_container(service, index, item)
        if port is None or container is None:
            continue
        known = _container_ports(container)
        if known is None:
            continue
        ports, ranges = known
        if port in ports or any(first <= port <= last for first, last in ranges):
            continue
        have = ", ".join([str(p) for p in ports] + [f"{first}-{last}" for first, last in ranges]) or "none"
        yield (
            f"/loadBalancers/{index}/containerPort",
            f"loadBalancers[{index}].containerPort {port} is not a container port of {container.label} "
            f"(its container ports: {have})",
        )


# --- TDL803 ----------------------------------------------------------------------------------------


def target_type_network_mode(service: Service) -> Iterator[tuple[str, str]]:
    """TDL803: the target group's target type cannot take this service's tasks."""
    for index, _item in service.items("loadBalancers"):
        group = service.target_group(index)
        kind = group.target_type if group is not None else None
        if kind is None:
            continue
        pointer = f"/loadBalancers/{index}/targetGroupArn"
        if kind in ("lambda", "alb"):
            yield (
                pointer,
                f'loadBalancers[{index}] targets a target group of target type "{kind}", which takes a '
                f"single {'Lambda function' if kind == 'lambda' else 'Application Load Balancer'}, not "
                'ECS tasks (use "ip" for awsvpc tasks, "instance" for bridge and host)',
            )
            continue
        mode = _mode(service.taskdef) if service.taskdef is not None else None
        if (kind, mode) in (("instance", "awsvpc"), ("ip", "bridge")):
            want = "ip" if mode == "awsvpc" else "instance"
            yield (
                pointer,
                f'loadBalancers[{index}] targets a target group of target type "{kind}", which is '
                f'incompatible with the task definition\'s network mode "{mode}" (it needs "{want}")',
            )


# --- TDL825 ----------------------------------------------------------------------------------------


def _health_check_port(group: TargetGroup) -> int | None:
    """The target group's `HealthCheckPort` when it is a port number; None when it is `traffic-port`
    (also its default), absent, or not known before deployment."""
    value = group.data.get("HealthCheckPort")
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return integer(value)


def _dynamic_host_port(container: Container, port: int) -> bool:
    """Whether the container maps container port `port`, and each of its mappings of it leaves the host
    port to ECS (`hostPort` 0 or omitted); False when a mapping that could be one of them is not known."""
    mappings = _mappings(container)
    if mappings is None:
        return False
    found = False
    for mapping in mappings:
        if "containerPort" not in mapping:
            continue
        mapped = integer(mapping["containerPort"])
        if mapped is None:
            return False
        if mapped != port:
            continue
        host = mapping.get("hostPort")
        if host is not None and integer(host) != 0:
            return False
        found = True
    return found


def _static_host_ports(taskdef: TaskDef) -> set[int] | None:
    """The host ports the task's containers reserve by number; None when one of them is not known."""
    mappings = _mappings(*taskdef.containers)
    if mappings is None:
        return None
    ports: set[int] = set()
    for mapping in mappings:
        if mapping.get("hostPort") is None:
            continue
        number = integer(mapping["hostPort"])
        if number is None:
            return None
        if number != 0:
            ports.add(number)
    return ports


def dynamic_host_port_health_check(service: Service) -> Iterator[tuple[str, str]]:
    """TDL825: a target group health-checks a fixed port, and the bridge task's port is a dynamic one."""
    taskdef = service.taskdef
    if taskdef is None or _mode(taskdef) != "bridge":
        return
    for index, item in service.items("loadBalancers"):
        group = service.target_group(index)
        port = integer(item.get("containerPort"))
        if group is None or group.target_type != "instance" or port is None:
            continue
        checked = _health_check_port(group)
        container = _load_balancer_container(service, index, item)
        if checked is None or container is None or not _dynamic_host_port(container, port):
            continue
        # A port the task itself reserves on the instance is reached: a health endpoint of its own.
        reserved = _static_host_ports(taskdef)
        if reserved is None or checked in reserved:
            continue
        yield (
            f"/loadBalancers/{index}/targetGroupArn",
            f"loadBalancers[{index}] targets a target group whose HealthCheckPort is {checked}, but "
            f"{container.label} maps container port {port} to a dynamic host port (bridge mode, hostPort "
            f"0 or omitted): the health checks go to port {checked} of the instance, not to the task, so "
            'its targets never become healthy (use HealthCheckPort "traffic-port")',
        )


# --- TDL804, TDL805 ---------------------------------------------------------------------------------


def awsvpc_without_network_configuration(service: Service) -> Iterator[tuple[str, str]]:
    """TDL804: an awsvpc task definition, and the service gives no awsvpcConfiguration."""
    taskdef = service.taskdef
    # An EXTERNAL controller's network configuration is its task sets' (CreateTaskSet), not the service's.
    if taskdef is None or _mode(taskdef) != "awsvpc" or _controller(service) not in ("ECS", "CODE_DEPLOY"):
        return
    if _unchanged(service, "networkConfiguration"):
        return
    network = service.data.get("networkConfiguration")
    if network is not None and (not isinstance(network, dict) or "awsvpcConfiguration" in network):
        return
    yield (
        "",
        f"{_name(service)} runs a task definition in awsvpc network mode but has no "
        "networkConfiguration.awsvpcConfiguration (its subnets and security groups)",
    )


def network_configuration_without_awsvpc(service: Service) -> Iterator[tuple[str, str]]:
    """TDL805: a networkConfiguration for a task definition whose network mode is not awsvpc."""
    taskdef = service.taskdef
    network = service.data.get("networkConfiguration")
    if taskdef is None or not isinstance(network, dict) or "awsvpcConfiguration" not in network:
        return
    mode = _mode(taskdef)
    if mode is None or mode == "awsvpc":
        return
    shown = f'"{mode}"' if "networkMode" in taskdef.data else f'"{mode}" (networkMode is not set)'
    yield (
        "/networkConfiguration",
        f"{_name(service)} gives a networkConfiguration, which only awsvpc tasks take; its task "
        f"definition's network mode is {shown}",
    )


def _name(service: Service) -> str:
    return f'Service "{service.name}"' if service.name != "service" else "The service"


# --- TDL806, TDL807 ---------------------------------------------------------------------------------


def launch_type_and_capacity_provider(service: Service) -> Iterator[tuple[str, str]]:
    """TDL806: both a launchType and a capacityProviderStrategy."""
    launch = service.launch_type
    strategy = service.data.get("capacityProviderStrategy")
    if launch is not None and isinstance(strategy, list) and strategy:
        yield (
            "/capacityProviderStrategy",
            f'{_name(service)} gives both launchType "{launch}" and a capacityProviderStrategy; a '
            "service takes one or the other",
        )


def public_ip_with_ec2(service: Service) -> Iterator[tuple[str, str]]:
    """TDL807: assignPublicIp ENABLED with the EC2 launch type."""
    vpc = service.awsvpc_configuration
    if service.launch_type == "EC2" and vpc is not None and vpc.get("assignPublicIp") == "ENABLED":
        yield (
            "/networkConfiguration/awsvpcConfiguration/assignPublicIp",
            f'{_name(service)} sets assignPublicIp "ENABLED" with launch type "EC2": tasks on EC2 '
            "instances cannot get a public IP address for their network interface",
        )


# --- TDL808, TDL809 ---------------------------------------------------------------------------------


def launch_type_not_compatible(service: Service) -> Iterator[tuple[str, str]]:
    """TDL808: a Fargate service whose task definition cannot run on Fargate.

    describe-task-definition output's `compatibilities` is ECS's own verdict. Otherwise only a network
    mode other than awsvpc settles it: ECS has run awsvpc task definitions without
    requiresCompatibilities on Fargate (aws-cloudformation/cfn-lint#3592, #3593)."""
    where = _on_fargate(service)
    taskdef = service.taskdef
    if where is None or taskdef is None:
        return
    how = "launch type FARGATE" if where == "/launchType" else "a Fargate capacity provider strategy"
    computed = taskdef.data.get("compatibilities")
    if isinstance(computed, list) and all(isinstance(c, str) for c in computed):
        if "FARGATE" not in computed:
            have = ", ".join(computed) or "none"
            yield (
                where,
                f"{_name(service)} runs on {how}, but its task definition is not compatible with "
                f"FARGATE (its compatibilities: {have})",
            )
        return
    mode = _mode(taskdef)
    if mode is not None and mode != "awsvpc":
        yield (
            where,
            f'{_name(service)} runs on {how}, but its task definition\'s network mode is "{mode}": Fargate '
            "runs only awsvpc task definitions that require FARGATE",
        )


_VERSION = re.compile(r"^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$")
Version = tuple[int, int, int]
V1_1: Version = (1, 1, 0)
V1_2: Version = (1, 2, 0)
V1_3: Version = (1, 3, 0)
V1_4: Version = (1, 4, 0)


def _nonempty(value: object) -> bool:
    return isinstance(value, list) and bool(value)


def _platform_needs(taskdef: TaskDef) -> Iterator[tuple[Version, str]]:
    """What of a Linux task definition needs which Fargate platform version (the least one), with
    words for it. Sources: the ECS API model's member docs, except EFS volumes (efs-volumes.html),
    secrets and repositoryCredentials (shared/ecs-facts.md 3.5 and 3.11)."""
    data = taskdef.data
    for index, volume in taskdef.iter_items("volumes"):
        if isinstance(volume.get("efsVolumeConfiguration"), dict):
            name = volume.get("name")
            yield V1_4, f'EFS volume "{name}"' if isinstance(name, str) else f"EFS volumes[{index}]"
    if isinstance(data.get("ephemeralStorage"), dict):
        yield V1_4, "ephemeralStorage"
    if isinstance(data.get("pidMode"), str):
        yield V1_4, "pidMode"
    cpu = task_cpu(data.get("cpu"))
    if cpu is not None and cpu >= 8192:
        yield V1_4, f"task cpu {cpu} ({cpu // 1024} vCPU)"
    for container in taskdef.containers:
        for needed, member, used in _CONTAINER_NEEDS:
            if used(container.data):
                yield needed, f"{container.label} {member}"


def _capabilities_added(container: dict[str, Any]) -> bool:
    linux = container.get("linuxParameters")
    capabilities = linux.get("capabilities") if isinstance(linux, dict) else None
    return isinstance(capabilities, dict) and _nonempty(capabilities.get("add"))


_CONTAINER_NEEDS: tuple[tuple[Version, str, Callable[[dict[str, Any]], bool]], ...] = (
    (V1_4, "environmentFiles", lambda c: _nonempty(c.get("environmentFiles"))),
    (V1_4, "linuxParameters.capabilities.add", _capabilities_added),
    (V1_4, "systemControls", lambda c: _nonempty(c.get("systemControls"))),
    (V1_3, "dependsOn", lambda c: _nonempty(c.get("dependsOn"))),
    (V1_3, "startTimeout", lambda c: integer(c.get("startTimeout")) is not None),
    (V1_3, "stopTimeout", lambda c: integer(c.get("stopTimeout")) is not None),
    (V1_3, "secrets", lambda c: _nonempty(c.get("secrets"))),
    (V1_2, "repositoryCredentials", lambda c: isinstance(c.get("repositoryCredentials"), dict)),
    (V1_1, "healthCheck", lambda c: isinstance(c.get("healthCheck"), dict)),
)


def platform_version_too_old(service: Service) -> Iterator[tuple[str, str]]:
    """TDL809: an explicit Fargate platformVersion older than what the task definition uses needs."""
    taskdef = service.taskdef
    text = service.text("platformVersion")
    match = _VERSION.match(text) if text is not None else None
    if taskdef is None or match is None or _on_fargate(service) is None or not _linux(taskdef):
        return
    version = (int(match.group(1)), int(match.group(2)), int(match.group(3)))
    short: dict[Version, list[str]] = {}
    for needed, what in _platform_needs(taskdef):
        if needed > version:
            short.setdefault(needed, []).append(what)
    if not short:
        return
    needs = "; ".join(
        f"{', '.join(whats)} need{'s' if len(whats) == 1 else ''} {'.'.join(map(str, needed))} or later"
        for needed, whats in sorted(short.items(), reverse=True)
    )
    yield (
        "/platformVersion",
        f'{_name(service)} pins Fargate platformVersion "{text}", too old for its task definition: {needs}',
    )


# --- TDL810 - TDL813 ----------------------------------------------------------------------------------


def service_registry_port_and_container(service: Service) -> Iterator[tuple[str, str]]:
    """TDL810: a serviceRegistries entry gives both `port` and containerName/containerPort."""
    for index, item in service.items("serviceRegistries"):
        if integer(item.get("port")) is None:
            continue
        given = [k for k in ("containerName", "containerPort") if isinstance(item.get(k), str | int)]
        if given:
            yield (
                f"/serviceRegistries/{index}/port",
                f"serviceRegistries[{index}] gives port and {' and '.join(given)}; give either port or "
                "the containerName and containerPort combination, not both",
            )


def service_registry_container(service: Service) -> Iterator[tuple[str, str]]:
    """TDL811: serviceRegistries[].containerName names no container of the task definition."""
    return _not_a_container(service, "serviceRegistries")


def service_registry_record_shape(service: Service) -> Iterator[tuple[str, str]]:
    """TDL812: the entry's ports do not fit the Cloud Map service's DNS records."""
    taskdef = service.taskdef
    mode = _mode(taskdef) if taskdef is not None else None
    for index, item in service.items("serviceRegistries"):
        registry = service.registry(index)
        types = registry.record_types if registry is not None else None
        if not types:
            continue
        if types <= {"A", "AAAA"}:
            for member in ("port", "containerPort"):
                if integer(item.get(member)) is not None:
                    yield (
                        f"/serviceRegistries/{index}/{member}",
                        f"serviceRegistries[{index}] gives {member}, but its Cloud Map service has only "
                        f"{' and '.join(sorted(types))} records, which take no port",
                    )
        # Without a port at all; in bridge and host mode TDL813 says what is needed.
        elif (
            "SRV" in types
            and "port" not in item
            and "containerPort" not in item
            and mode not in ("bridge", "host")
        ):
            yield (
                f"/serviceRegistries/{index}",
                f"serviceRegistries[{index}] gives neither port nor containerName and containerPort, "
                "but its Cloud Map service has SRV records, which need a port",
            )


def service_registry_needs_container(service: Service) -> Iterator[tuple[str, str]]:
    """TDL813: a bridge or host task definition, and a registry entry without containerName and
    containerPort."""
    taskdef = service.taskdef
    mode = _mode(taskdef) if taskdef is not None else None
    if mode not in ("bridge", "host"):
        return
    for index, item in service.items("serviceRegistries"):
        missing = [k for k in ("containerName", "containerPort") if k not in item]
        if missing:
            yield (
                f"/serviceRegistries/{index}",
                f"serviceRegistries[{index}] has no {' or '.join(missing)}; with a task definition in "
                f"{mode} network mode, ECS registers a container's port, so it needs both",
            )


# --- TDL814 -------------------------------------------------------------------------------------------


def _port_names(taskdef: TaskDef) -> set[str] | None:
    """The names of the task definition's port mappings; None when one may be missing from view (an
    unknown container, mapping or name)."""
    if _known_names(taskdef) is None:
        return None
    mappings = _mappings(*taskdef.containers)
    if mappings is None:
        return None
    names: set[str] = set()
    for mapping in mappings:
        if "name" in mapping:
            if not isinstance(mapping["name"], str):
                return None
            names.add(mapping["name"])
    return names


def service_connect_port_name(service: Service) -> Iterator[tuple[str, str]]:
    """TDL814: serviceConnectConfiguration.services[].portName is no port mapping's name."""
    config = service.data.get("serviceConnectConfiguration")
    taskdef = service.taskdef
    if not isinstance(config, dict) or config.get("enabled") is False or taskdef is None:
        return
    services = config.get("services")
    names = _port_names(taskdef) if isinstance(services, list) else None
    if names is None:
        return
    for index, item in enumerate(services):  # type: ignore[arg-type]
        port = item.get("portName") if isinstance(item, dict) else None
        if isinstance(port, str) and port not in names:
            have = ", ".join(f'"{n}"' for n in sorted(names)) or "none"
            yield (
                f"/serviceConnectConfiguration/services/{index}/portName",
                f'serviceConnectConfiguration.services[{index}].portName "{port}" is not the name of a '
                f"port mapping of the task definition (its port mapping names: {have})",
            )


# --- TDL815 - TDL817 ----------------------------------------------------------------------------------


def grace_period_without_load_balancer(service: Service) -> Iterator[tuple[str, str]]:
    """TDL815: a health check grace period that no health check uses: no load balancer, no VPC Lattice,
    and no container health check in the task definition."""
    grace = integer(service.data.get("healthCheckGracePeriodSeconds"))
    taskdef = service.taskdef
    if grace is None or grace <= 0 or taskdef is None:
        return
    for member in ("loadBalancers", "vpcLatticeConfigurations"):
        if _unchanged(service, member) or (member in service.data and service.data[member] != []):
            return
    raw = taskdef.data.get("containerDefinitions")
    if _known_names(taskdef) is None or not isinstance(raw, list):
        return
    if any("healthCheck" in c.data for c in taskdef.containers):
        return
    yield (
        "/healthCheckGracePeriodSeconds",
        f"{_name(service)} sets healthCheckGracePeriodSeconds {grace}, but it has no load balancer and its "
        "task definition no container health check: no health check uses the grace period",
    )


def deployment_cannot_progress(service: Service) -> Iterator[tuple[str, str]]:
    """TDL816: a rolling deployment may neither stop an old task nor start a new one."""
    count = integer(service.data.get("desiredCount"))
    config = _deployment(service)
    if count is None or count <= 0 or config is None or not _rolling(service):
        return
    low = integer(config.get("minimumHealthyPercent", 100))
    high = integer(config.get("maximumPercent", 200))
    if low is None or high is None:
        return
    keep = -(-count * low // 100)  # rounded up (ECS API model, minimumHealthyPercent)
    room = count * high // 100  # rounded down (maximumPercent)
    if keep < count or room > count:
        return
    pointer = next(
        (f"/deploymentConfiguration/{m}" for m in ("maximumPercent", "minimumHealthyPercent") if m in config),
        "/deploymentConfiguration",
    )
    yield (
        pointer,
        f"With desiredCount {count}, minimumHealthyPercent {low} and maximumPercent {high}, a rolling "
        f"deployment must keep {keep} task{'s' if keep != 1 else ''} running and may run at most {room}: it "
        "can neither stop an old task nor start a new one, so it never makes progress",
    )


def no_deployment_circuit_breaker(service: Service) -> Iterator[tuple[str, str]]:
    """TDL817: a rolling deployment without the deployment circuit breaker."""
    config = _deployment(service)
    if config is None or not _rolling(service):
        return
    breaker = config.get("deploymentCircuitBreaker")
    if isinstance(breaker, dict):
        enable = breaker.get("enable")
        if enable is True or ("enable" in breaker and not isinstance(enable, bool)):
            return
        pointer = "/deploymentConfiguration/deploymentCircuitBreaker" + (
            "/enable" if "enable" in breaker else ""
        )
    elif breaker is not None:
        return
    else:
        pointer = "/deploymentConfiguration" if "deploymentConfiguration" in service.data else ""
    yield (
        pointer,
        f"{_name(service)} deploys by rolling update without the deployment circuit breaker: a deployment "
        "whose tasks never become healthy keeps replacing them instead of failing (and rolling back)",
    )


# --- TDL820 -------------------------------------------------------------------------------------------


def daemon_scheduling_not_supported(service: Service) -> Iterator[tuple[str, str]]:
    """TDL820: the DAEMON scheduling strategy on Fargate or with a CODE_DEPLOY or EXTERNAL controller."""
    if service.data.get("schedulingStrategy") != "DAEMON":
        return
    controller = _controller(service)
    if controller in ("CODE_DEPLOY", "EXTERNAL"):
        why = f"the {controller} deployment controller"
    elif _on_fargate(service) is not None:
        why = "Fargate"
    else:
        return
    yield (
        "/schedulingStrategy",
        f'{_name(service)} uses schedulingStrategy "DAEMON", which {why} does not support (use "REPLICA")',
    )


# --- TDL821 - TDL824 ------------------------------------------------------------------------------


def platform_version_with_ec2(service: Service) -> Iterator[tuple[str, str]]:
    """TDL821: a platformVersion with the EC2 launch type."""
    version = service.text("platformVersion")
    if service.launch_type == "EC2" and version is not None:
        yield (
            "/platformVersion",
            f'{_name(service)} sets platformVersion "{version}" with launch type "EC2"; only Fargate takes a '
            "platform version",
        )


def service_role_not_permitted(service: Service) -> Iterator[tuple[str, str]]:
    """TDL822: a `role` for a service that has no load balancer, or whose task definition uses awsvpc."""
    role = service.text("role")
    # Only where the user gives it: CreateService input and a CloudFormation template. In update-service
    # input and describe output it is an unknown member (TDL003), ecspresso drops it (TDL023), and a
    # Terraform plan or state holds the role that the provider read back (the service-linked role).
    if role is None or service.form not in (CREATE, CLOUDFORMATION):
        return
    balancers = service.data.get("loadBalancers", [])
    taskdef = service.taskdef
    if balancers == []:
        why = "which ECS takes only for a service with a load balancer"
    elif taskdef is not None and _mode(taskdef) == "awsvpc":
        why = "but its task definition uses awsvpc, for which ECS uses its service-linked role and no other"
    else:
        return
    yield "/role", f'{_name(service)} gives role "{role}", {why}'


def classic_load_balancer_with_awsvpc(service: Service) -> Iterator[tuple[str, str]]:
    """TDL823: a Classic Load Balancer for a service whose task definition uses awsvpc."""
    taskdef = service.taskdef
    if taskdef is None or _mode(taskdef) != "awsvpc":
        return
    for index, item in service.items("loadBalancers"):
        name = item.get("loadBalancerName")
        if isinstance(name, str):
            yield (
                f"/loadBalancers/{index}/loadBalancerName",
                f'loadBalancers[{index}] names the Classic Load Balancer "{name}", but awsvpc tasks can only '
                "be registered with an Application or Network Load Balancer's target group",
            )


def multiple_service_registries(service: Service) -> Iterator[tuple[str, str]]:
    """TDL824: more than one serviceRegistries entry."""
    registries = service.data.get("serviceRegistries")
    if isinstance(registries, list) and len(registries) > 1:
        yield (
            "/serviceRegistries/1",
            f"{_name(service)} has {len(registries)} serviceRegistries entries; a service can be associated "
            "with one service registry only",
        )
