"""Platform checks (TDL25x Fargate, TDL27x Windows): members that a launch type or an operating system
does not support.

Fargate means `requiresCompatibilities` contains `FARGATE` (also together with `EC2`: the definition must
then be valid for both). Windows means `runtimePlatform.operatingSystemFamily` starts with `WINDOWS`
(`common.is_windows`); without a runtimePlatform nothing here can know the OS and the Windows rules stay
silent. Sources: the ECS API model (botocore 1.43.11) doc strings and the AWS page "Amazon ECS task
definition differences for the Fargate launch type", as collected in shared/ecs-facts.md sections 3.5 and
3.6. A member is flagged only when it asks for something: `true` for a boolean, a non-empty list, string
or object, any number; `false`, null and empty lists ask for nothing. A member of the wrong type is the
schema stage's to report (TDL003) and is skipped here.

Overlaps left to other categories on purpose: links and extraHosts on Fargate (Fargate requires awsvpc,
and the networking rules flag both in awsvpc mode), start/stop timeouts on Fargate (sizing rules).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from taskdeflint.checks.common import is_windows
from taskdeflint.model import Container, TaskDef

Finding = Iterator[tuple[str, str]]

FARGATE_LOG_DRIVERS = frozenset({"awslogs", "splunk", "awsfirelens"})
# The LogDriver enum of the API model; other values are the schema stage's to report.
LOG_DRIVERS = frozenset(
    {"json-file", "syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "awsfirelens"}
)
ON_FARGATE = "which tasks on Fargate do not support"
ON_WINDOWS = "which Windows containers do not support"
ON_WINDOWS_DOC = "which AWS documentation lists as not supported for Windows containers"


# The API type of each member these rules read, to tell a value that asks for a feature from one of the
# wrong type (ECS API model, ContainerDefinition and LinuxParameters shapes).
BOOLEAN, INTEGER, LIST, OBJECT, STRING = "boolean", "integer", "list", "object", "string"
TYPES = {
    "privileged": BOOLEAN,
    "disableNetworking": BOOLEAN,
    "readonlyRootFilesystem": BOOLEAN,
    "dnsServers": LIST,
    "dnsSearchDomains": LIST,
    "dockerSecurityOptions": LIST,
    "links": LIST,
    "extraHosts": LIST,
    "ulimits": LIST,
    "systemControls": LIST,
    "environmentFiles": LIST,
    "devices": LIST,
    "tmpfs": LIST,
    "sharedMemorySize": INTEGER,
    "maxSwap": INTEGER,
    "swappiness": INTEGER,
    "memoryReservation": INTEGER,
    "user": STRING,
    "linuxParameters": OBJECT,
    "firelensConfiguration": OBJECT,
}


def _asks(key: str, value: object) -> bool:
    """Whether a member's value asks for the feature (see the module docstring)."""
    kind = TYPES[key]
    if kind == BOOLEAN:
        return value is True
    if kind == INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == LIST:
        return isinstance(value, list) and bool(value)
    if kind == OBJECT:
        return isinstance(value, dict) and bool(value)
    return isinstance(value, str) and bool(value)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _set(c: Container, key: str) -> bool:
    return _asks(key, c.data.get(key))


def _quote(value: str) -> str:
    return json.dumps(value)


# --- TDL250 fargate-unsupported-container-parameter ------------------------------------------------------


def fargate_unsupported_container_parameter(td: TaskDef) -> Finding:
    """privileged, disableNetworking, dnsServers, dnsSearchDomains, dockerSecurityOptions, GPUs on Fargate."""
    if not td.fargate:
        return
    for c in td.containers:
        for key in (
            "privileged",
            "disableNetworking",
            "dnsServers",
            "dnsSearchDomains",
            "dockerSecurityOptions",
        ):
            if _set(c, key):
                yield f"{c.pointer}/{key}", f"{c.label} sets {key}, {ON_FARGATE}"
        for index, requirement in enumerate(_list(c.data.get("resourceRequirements"))):
            if isinstance(requirement, dict) and requirement.get("type") == "GPU":
                yield (
                    f"{c.pointer}/resourceRequirements/{index}",
                    f"{c.label} requests a GPU, {ON_FARGATE}",
                )


# --- TDL251 fargate-unsupported-linux-parameter ----------------------------------------------------------


def fargate_unsupported_linux_parameter(td: TaskDef) -> Finding:
    """linuxParameters devices, sharedMemorySize, maxSwap and swappiness on Fargate (tmpfs mounts are
    supported on Fargate since January 2026: shared/ecs-facts.md section 4.1)."""
    if not td.fargate:
        return
    for c in td.containers:
        params = _dict(c.data.get("linuxParameters"))
        for key in ("devices", "sharedMemorySize", "maxSwap", "swappiness"):
            if _asks(key, params.get(key)):
                yield (
                    f"{c.pointer}/linuxParameters/{key}",
                    f"{c.label} sets linuxParameters.{key}, {ON_FARGATE}",
                )


# --- TDL252 fargate-unsupported-capability ---------------------------------------------------------------


def _is_sys_ptrace(capability: str) -> bool:
    name = capability.strip().upper()
    return name.removeprefix("CAP_") == "SYS_PTRACE"


def fargate_unsupported_capability(td: TaskDef) -> Finding:
    """linuxParameters.capabilities.add entries other than SYS_PTRACE on Fargate."""
    if not td.fargate:
        return
    for c in td.containers:
        capabilities = _dict(_dict(c.data.get("linuxParameters")).get("capabilities"))
        for index, capability in enumerate(_list(capabilities.get("add"))):
            if isinstance(capability, str) and not _is_sys_ptrace(capability):
                yield (
                    f"{c.pointer}/linuxParameters/capabilities/add/{index}",
                    f"{c.label} adds Linux capability {_quote(capability)}; tasks on Fargate can add only "
                    '"SYS_PTRACE"',
                )


# --- TDL253 fargate-unsupported-task-parameter -----------------------------------------------------------


def fargate_unsupported_task_parameter(td: TaskDef) -> Finding:
    """ipcMode, pidMode other than task, and placementConstraints on Fargate."""
    if not td.fargate:
        return
    ipc = td.data.get("ipcMode")
    if ipc in ("host", "task", "none"):
        yield (
            "/ipcMode",
            f"Task definition sets ipcMode {_quote(ipc)}; tasks on Fargate do not support ipcMode",
        )
    pid = td.data.get("pidMode")
    if pid == "host":
        yield (
            "/pidMode",
            f'Task definition sets pidMode {_quote(pid)}; on Fargate the only valid pidMode is "task"',
        )
    constraints = td.data.get("placementConstraints")
    if isinstance(constraints, list) and constraints:
        yield "/placementConstraints", f"Task definition sets placementConstraints, {ON_FARGATE}"


# --- TDL254 fargate-unsupported-log-driver ---------------------------------------------------------------


def fargate_unsupported_log_driver(td: TaskDef) -> Finding:
    if not td.fargate:
        return
    for c in td.containers:
        driver = _dict(c.data.get("logConfiguration")).get("logDriver")
        if isinstance(driver, str) and driver in LOG_DRIVERS and driver not in FARGATE_LOG_DRIVERS:
            yield (
                f"{c.pointer}/logConfiguration/logDriver",
                f"{c.label} uses log driver {_quote(driver)}; tasks on Fargate support only awslogs, splunk "
                "and awsfirelens",
            )


# --- TDL255 fargate-firelens-s3-config -------------------------------------------------------------------


def fargate_firelens_s3_config(td: TaskDef) -> Finding:
    if not td.fargate:
        return
    for c in td.containers:
        options = _dict(_dict(c.data.get("firelensConfiguration")).get("options"))
        if options.get("config-file-type") == "s3":
            yield (
                f"{c.pointer}/firelensConfiguration/options/config-file-type",
                f'{c.label} loads its FireLens configuration from S3 (config-file-type "s3"); tasks on '
                'Fargate support only config-file-type "file"',
            )


# --- TDL256 fargate-elastic-inference --------------------------------------------------------------------


def fargate_elastic_inference(td: TaskDef) -> Finding:
    if not td.fargate:
        return
    accelerators = td.data.get("inferenceAccelerators")
    if isinstance(accelerators, list) and accelerators:
        yield (
            "/inferenceAccelerators",
            "Task definition sets inferenceAccelerators (Elastic Inference), " + ON_FARGATE,
        )
    for c in td.containers:
        for index, requirement in enumerate(_list(c.data.get("resourceRequirements"))):
            if isinstance(requirement, dict) and requirement.get("type") == "InferenceAccelerator":
                yield (
                    f"{c.pointer}/resourceRequirements/{index}",
                    f"{c.label} requests an Elastic Inference accelerator, {ON_FARGATE}",
                )


# --- TDL270 windows-unsupported-parameter ----------------------------------------------------------------

# Container members that the API model says are "not supported for Windows containers".
WINDOWS_UNSUPPORTED = (
    "links",
    "privileged",
    "disableNetworking",
    "dnsServers",
    "dnsSearchDomains",
    "extraHosts",
    "readonlyRootFilesystem",
    "ulimits",
    "linuxParameters",
    "systemControls",
)


def windows_unsupported_parameter(td: TaskDef) -> Finding:
    if not is_windows(td):
        return
    for key, values in (("ipcMode", ("host", "task", "none")), ("pidMode", ("host", "task"))):
        value = td.data.get(key)
        if isinstance(value, str) and value in values:
            yield f"/{key}", f"Task definition sets {key} {_quote(value)}, {ON_WINDOWS}"
    for c in td.containers:
        for key in WINDOWS_UNSUPPORTED:
            if _set(c, key):
                yield f"{c.pointer}/{key}", f"{c.label} sets {key}, {ON_WINDOWS}"
    for index, volume in td.iter_items("volumes"):
        driver = _dict(volume.get("dockerVolumeConfiguration")).get("driver")
        if isinstance(driver, str) and driver and driver != "local":
            name = volume.get("name")
            label = f"Volume {_quote(name)}" if isinstance(name, str) and name else f"Volume #{index}"
            yield (
                f"/volumes/{index}/dockerVolumeConfiguration/driver",
                f"{label} uses Docker volume driver {_quote(driver)}; "
                'Windows containers support only the "local" driver',
            )


# --- TDL271 windows-possibly-unsupported-parameter -------------------------------------------------------


def windows_possibly_unsupported_parameter(td: TaskDef) -> Finding:
    if not is_windows(td):
        return
    if isinstance(td.data.get("proxyConfiguration"), dict):
        yield "/proxyConfiguration", f"Task definition sets proxyConfiguration (App Mesh), {ON_WINDOWS_DOC}"
    for c in td.containers:
        for key in ("memoryReservation", "firelensConfiguration", "environmentFiles"):
            if _set(c, key):
                yield f"{c.pointer}/{key}", f"{c.label} sets {key}, {ON_WINDOWS_DOC}"
        if _dict(c.data.get("logConfiguration")).get("logDriver") == "awsfirelens":
            yield (
                f"{c.pointer}/logConfiguration/logDriver",
                f'{c.label} uses log driver "awsfirelens" (FireLens), {ON_WINDOWS_DOC}',
            )


# --- TDL257 fargate-windows-unsupported-platform ---------------------------------------------------------

# The Windows families Fargate offers (AWS docs, task definition parameters, "Runtime platform";
# shared/fargate-cpu-memory.json "windows"). The others in the model's OSFamily enum (2016_FULL,
# 2004_CORE, 20H2_CORE) are for EC2 only.
FARGATE_WINDOWS_FAMILIES = (
    "WINDOWS_SERVER_2019_FULL",
    "WINDOWS_SERVER_2019_CORE",
    "WINDOWS_SERVER_2022_FULL",
    "WINDOWS_SERVER_2022_CORE",
    "WINDOWS_SERVER_2025_FULL",
    "WINDOWS_SERVER_2025_CORE",
)


def fargate_windows_unsupported_platform(td: TaskDef) -> Finding:
    """Windows on Fargate with ARM64, or with a Windows family Fargate does not offer."""
    if not td.fargate or not is_windows(td):
        return
    platform = _dict(td.data.get("runtimePlatform"))
    family = platform.get("operatingSystemFamily")
    if isinstance(family, str) and family not in FARGATE_WINDOWS_FAMILIES:
        yield (
            "/runtimePlatform/operatingSystemFamily",
            f"Task definition runs {_quote(family)} on Fargate, which offers Windows only as "
            f"{', '.join(FARGATE_WINDOWS_FAMILIES[:-1])} and {FARGATE_WINDOWS_FAMILIES[-1]}",
        )
    if platform.get("cpuArchitecture") == "ARM64":
        yield (
            "/runtimePlatform/cpuArchitecture",
            'Task definition runs Windows on Fargate with cpuArchitecture "ARM64"; Windows containers on '
            'Fargate run on "X86_64" only',
        )
