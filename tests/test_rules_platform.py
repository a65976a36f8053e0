"""Edge cases of the Fargate (TDL250..TDL256) and Windows (TDL270, TDL271) platform rules: catches and
catches-not, positions, messages, and documents with wrong types in the members these rules read."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import pointers, rule_findings

FARGATE: dict[str, Any] = {
    "requiresCompatibilities": ["FARGATE"],
    "networkMode": "awsvpc",
    "cpu": "1024",
    "memory": "2048",
}
WINDOWS: dict[str, Any] = {"runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"}}


def task(container: dict[str, Any] | None = None, **members: Any) -> str:
    data: dict[str, Any] = {"family": "t"}
    data.update(members)
    data["containerDefinitions"] = [{"name": "app", "image": "app:1", "memory": 256, **(container or {})}]
    return json.dumps(data, indent=2)


def fargate(container: dict[str, Any] | None = None, **members: Any) -> str:
    return task(container, **{**FARGATE, **members})


def windows(container: dict[str, Any] | None = None, **members: Any) -> str:
    return task(container, **{**WINDOWS, **members})


C = "/containerDefinitions/0"

# --- TDL250 fargate-unsupported-container-parameter -------------------------------------------------------

TDL250 = [
    (fargate({"privileged": True}), [f"{C}/privileged"]),
    (fargate({"privileged": False}), []),
    (task({"privileged": True}), []),  # EC2: the security rules' business
    (task({"privileged": True}, requiresCompatibilities=["EC2"]), []),
    (fargate({"privileged": True}, requiresCompatibilities=["EC2", "FARGATE"]), [f"{C}/privileged"]),
    (fargate({"disableNetworking": True}), [f"{C}/disableNetworking"]),
    (fargate({"disableNetworking": False}), []),
    (
        fargate({"dnsServers": ["10.0.0.2"], "dnsSearchDomains": ["example.com"]}),
        [f"{C}/dnsSearchDomains", f"{C}/dnsServers"],
    ),
    (fargate({"dnsServers": [], "dnsSearchDomains": []}), []),
    (fargate({"dockerSecurityOptions": ["no-new-privileges"]}), [f"{C}/dockerSecurityOptions"]),
    (fargate({"resourceRequirements": [{"type": "GPU", "value": "1"}]}), [f"{C}/resourceRequirements/0"]),
    (fargate({"resourceRequirements": [{"type": "InferenceAccelerator", "value": "d"}]}), []),  # TDL256
    # links and extraHosts are the networking rules' (Fargate requires awsvpc)
    (fargate({"links": ["db"], "extraHosts": [{"hostname": "h", "ipAddress": "10.0.0.1"}]}), []),
    # wrong types
    (fargate({"privileged": "true"}), []),  # the schema's to report
    (fargate({"resourceRequirements": {"type": "GPU"}}), []),
    (fargate({"resourceRequirements": ["GPU"]}), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL250)
def test_tdl250(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL250") == expected


def test_tdl250_position_and_message(lint_text: Any) -> None:
    text = (
        "{\n"
        '  "family": "t", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",\n'
        '  "cpu": "256", "memory": "512",\n'
        '  "containerDefinitions": [\n'
        '    {"name": "web", "image": "app:1",\n'
        '      "privileged": true}\n'
        "  ]\n"
        "}\n"
    )
    [finding] = rule_findings(lint_text(text), "TDL250")
    assert (finding["line"], finding["column"], finding["severity"]) == (6, 7, "error")
    assert finding["message"] == 'Container "web" sets privileged, which tasks on Fargate do not support'


# --- TDL251 fargate-unsupported-linux-parameter -----------------------------------------------------------

TDL251 = [
    (fargate({"linuxParameters": {"initProcessEnabled": True}}), []),
    (
        fargate({"linuxParameters": {"devices": [{"hostPath": "/dev/fuse"}]}}),
        [f"{C}/linuxParameters/devices"],
    ),
    (fargate({"linuxParameters": {"devices": [], "tmpfs": []}}), []),
    (
        fargate({"linuxParameters": {"maxSwap": 0, "swappiness": 0}}),
        [f"{C}/linuxParameters/maxSwap", f"{C}/linuxParameters/swappiness"],
    ),
    (fargate({"linuxParameters": {"sharedMemorySize": 64}}), [f"{C}/linuxParameters/sharedMemorySize"]),
    (
        # Supported on Fargate since January 2026 (shared/ecs-facts.md section 4.1).
        fargate({"linuxParameters": {"tmpfs": [{"containerPath": "/run", "size": 64}]}}),
        [],
    ),
    (fargate({"linuxParameters": {"sharedMemorySize": None}}), []),
    (task({"linuxParameters": {"sharedMemorySize": 64, "maxSwap": 1024}}), []),  # EC2
    (fargate({"linuxParameters": "sharedMemorySize"}), []),  # wrong type
    (fargate({"linuxParameters": [{"maxSwap": 1}]}), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL251)
def test_tdl251(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL251") == expected


def test_tdl251_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",\n'
        ' "cpu": "256", "memory": "512",\n'
        ' "containerDefinitions": [{"name": "web", "image": "app:1",\n'
        '   "linuxParameters": {"initProcessEnabled": true,\n'
        '                       "sharedMemorySize": 128}}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL251")
    assert (finding["line"], finding["column"]) == (5, 24)
    assert finding["message"] == (
        'Container "web" sets linuxParameters.sharedMemorySize, which tasks on Fargate do not support'
    )


# --- TDL252 fargate-unsupported-capability ----------------------------------------------------------------


def caps(*add: Any, **extra: Any) -> dict[str, Any]:
    return {"linuxParameters": {"capabilities": {"add": list(add), **extra}}}


ADD = f"{C}/linuxParameters/capabilities/add"
TDL252 = [
    (fargate(caps("SYS_PTRACE")), []),
    (fargate(caps("CAP_SYS_PTRACE", "sys_ptrace")), []),  # other spellings: not documented either way
    (fargate(caps("SYS_PTRACE", "NET_ADMIN", "ALL")), [f"{ADD}/1", f"{ADD}/2"]),
    (fargate(caps(drop=["ALL"])), []),
    (fargate({"linuxParameters": {"capabilities": {"drop": ["NET_RAW", "SYS_ADMIN"]}}}), []),
    (task(caps("NET_ADMIN")), []),  # EC2
    (fargate(caps(1, None, "NET_ADMIN")), [f"{ADD}/2"]),  # wrong item types are skipped
    (fargate({"linuxParameters": {"capabilities": {"add": "NET_ADMIN"}}}), []),
    (fargate({"linuxParameters": {"capabilities": ["NET_ADMIN"]}}), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL252)
def test_tdl252(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL252") == expected


def test_tdl252_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",\n'
        ' "cpu": "256", "memory": "512",\n'
        ' "containerDefinitions": [{"name": "web", "image": "app:1",\n'
        '   "linuxParameters": {"capabilities": {"add": [\n'
        '      "SYS_PTRACE",\n'
        '      "NET_ADMIN"]}}}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL252")
    assert (finding["line"], finding["column"]) == (6, 7)
    assert finding["message"] == (
        'Container "web" adds Linux capability "NET_ADMIN"; tasks on Fargate can add only "SYS_PTRACE"'
    )


# --- TDL253 fargate-unsupported-task-parameter ------------------------------------------------------------

TDL253 = [
    (fargate(ipcMode="none"), ["/ipcMode"]),
    (fargate(ipcMode="task"), ["/ipcMode"]),
    (fargate(ipcMode=None), []),
    (fargate(ipcMode="bogus"), []),  # not in the enum: the schema's to report
    (fargate(pidMode="task"), []),
    (fargate(pidMode="host"), ["/pidMode"]),
    (fargate(placementConstraints=[]), []),
    (fargate(placementConstraints=[{"type": "memberOf", "expression": "x"}]), ["/placementConstraints"]),
    (fargate(placementConstraints={"type": "memberOf"}), []),  # wrong type
    (
        task(ipcMode="host", pidMode="host", placementConstraints=[{"type": "memberOf", "expression": "x"}]),
        [],
    ),
]


@pytest.mark.parametrize(("document", "expected"), TDL253)
def test_tdl253(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL253") == expected


def test_tdl253_position_and_message(lint_text: Any) -> None:
    text = (
        "{\n"
        '  "family": "t",\n'
        '  "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "512",\n'
        '  "ipcMode": "task",\n'
        '  "containerDefinitions": [{"name": "web", "image": "app:1"}]\n'
        "}\n"
    )
    [finding] = rule_findings(lint_text(text), "TDL253")
    assert (finding["line"], finding["column"]) == (4, 3)
    assert (
        finding["message"] == 'Task definition sets ipcMode "task"; tasks on Fargate do not support ipcMode'
    )


# --- TDL254 fargate-unsupported-log-driver ----------------------------------------------------------------


def log(driver: Any) -> dict[str, Any]:
    return {"logConfiguration": {"logDriver": driver}}


TDL254 = [
    *[
        (fargate(log(d)), [f"{C}/logConfiguration/logDriver"])
        for d in ("json-file", "syslog", "journald", "gelf", "fluentd")
    ],
    *[(fargate(log(d)), []) for d in ("awslogs", "splunk", "awsfirelens")],
    (fargate(log("logentries")), []),  # not in the enum: the schema's to report
    (task(log("json-file")), []),
    (fargate({"logConfiguration": "json-file"}), []),
    (fargate(log(["json-file"])), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL254)
def test_tdl254(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL254") == expected


def test_tdl254_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",\n'
        ' "cpu": "256", "memory": "512",\n'
        ' "containerDefinitions": [{"name": "web", "image": "app:1",\n'
        '   "logConfiguration": {\n'
        '     "logDriver": "fluentd"}}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL254")
    assert (finding["line"], finding["column"]) == (5, 6)
    assert finding["message"] == (
        'Container "web" uses log driver "fluentd"; tasks on Fargate support only awslogs, splunk and awsfirelens'
    )


# --- TDL255 fargate-firelens-s3-config --------------------------------------------------------------------


def firelens(**options: Any) -> dict[str, Any]:
    return {"firelensConfiguration": {"type": "fluentbit", "options": options}}


TDL255 = [
    (
        fargate(firelens(**{"config-file-type": "s3", "config-file-value": "arn:aws:s3:::b/f.conf"})),
        [f"{C}/firelensConfiguration/options/config-file-type"],
    ),
    (fargate(firelens(**{"config-file-type": "file", "config-file-value": "/f.conf"})), []),
    (fargate(firelens(**{"enable-ecs-log-metadata": "true"})), []),
    (task(firelens(**{"config-file-type": "s3"})), []),  # EC2 may read from S3
    (fargate({"firelensConfiguration": {"type": "fluentbit", "options": ["config-file-type", "s3"]}}), []),
    (fargate({"firelensConfiguration": "s3"}), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL255)
def test_tdl255(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL255") == expected


def test_tdl255_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",\n'
        ' "cpu": "256", "memory": "512",\n'
        ' "containerDefinitions": [{"name": "router", "image": "fluent-bit:3",\n'
        '   "firelensConfiguration": {"type": "fluentbit", "options": {\n'
        '     "config-file-type": "s3", "config-file-value": "arn:aws:s3:::b/f.conf"}}}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL255")
    assert (finding["line"], finding["column"]) == (5, 6)
    assert finding["message"] == (
        'Container "router" loads its FireLens configuration from S3 (config-file-type "s3"); tasks on Fargate '
        'support only config-file-type "file"'
    )


# --- TDL256 fargate-elastic-inference ---------------------------------------------------------------------

ACCELERATORS = [{"deviceName": "d1", "deviceType": "eia2.medium"}]
TDL256 = [
    (fargate(inferenceAccelerators=ACCELERATORS), ["/inferenceAccelerators"]),
    (fargate(inferenceAccelerators=[]), []),
    (
        fargate(
            {
                "resourceRequirements": [
                    {"type": "GPU", "value": "1"},
                    {"type": "InferenceAccelerator", "value": "d1"},
                ]
            }
        ),
        [f"{C}/resourceRequirements/1"],
    ),
    (
        task(
            {"resourceRequirements": [{"type": "InferenceAccelerator", "value": "d1"}]},
            inferenceAccelerators=ACCELERATORS,
        ),
        [],
    ),
    (fargate(inferenceAccelerators={"deviceName": "d1"}), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL256)
def test_tdl256(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL256") == expected


def test_tdl256_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",\n'
        ' "cpu": "256", "memory": "512",\n'
        '   "inferenceAccelerators": [{"deviceName": "d1", "deviceType": "eia2.medium"}],\n'
        ' "containerDefinitions": [{"name": "web", "image": "app:1"}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL256")
    assert (finding["line"], finding["column"], finding["severity"]) == (3, 4, "warning")
    assert finding["message"] == (
        "Task definition sets inferenceAccelerators (Elastic Inference), which tasks on Fargate do not support"
    )


# --- TDL270 windows-unsupported-parameter -----------------------------------------------------------------

TDL270 = [
    (windows({"user": "ContainerUser"}), []),  # expected on Windows, not forbidden (issue 12)
    (windows({"user": ""}), []),
    (
        windows({"privileged": True, "readonlyRootFilesystem": True}),
        [f"{C}/privileged", f"{C}/readonlyRootFilesystem"],
    ),
    (windows({"privileged": False, "readonlyRootFilesystem": False, "disableNetworking": False}), []),
    (
        windows({"links": ["db"], "extraHosts": [{"hostname": "h", "ipAddress": "10.0.0.1"}]}),
        [f"{C}/extraHosts", f"{C}/links"],
    ),
    (
        windows({"dnsServers": ["10.0.0.2"], "dnsSearchDomains": ["corp"]}),
        [f"{C}/dnsSearchDomains", f"{C}/dnsServers"],
    ),
    (windows({"ulimits": [{"name": "nofile", "softLimit": 1, "hardLimit": 2}]}), [f"{C}/ulimits"]),
    (windows({"linuxParameters": {"initProcessEnabled": True}}), [f"{C}/linuxParameters"]),
    (windows({"linuxParameters": {}}), []),
    (
        windows({"systemControls": [{"namespace": "net.ipv4.tcp_keepalive_time", "value": "500"}]}),
        [f"{C}/systemControls"],
    ),
    (windows(ipcMode="none", pidMode="task"), ["/ipcMode", "/pidMode"]),
    (windows(ipcMode="bogus"), []),
    (
        windows(volumes=[{"name": "v", "dockerVolumeConfiguration": {"driver": "rexray/ebs"}}]),
        ["/volumes/0/dockerVolumeConfiguration/driver"],
    ),
    (windows(volumes=[{"name": "v", "dockerVolumeConfiguration": {"driver": "local"}}]), []),
    (windows(volumes=[{"name": "v", "dockerVolumeConfiguration": {"scope": "task"}}]), []),
    # other OS families, or none
    (task({"user": "1000", "privileged": True}, runtimePlatform={"operatingSystemFamily": "LINUX"}), []),
    (task({"user": "1000"}), []),
    (task({"user": "u"}, runtimePlatform={"operatingSystemFamily": "windows_server_2022_core"}), []),
    (task({"user": "u"}, runtimePlatform="WINDOWS_SERVER_2022_CORE"), []),  # wrong type
    (windows({"user": 1000, "ulimits": "nofile", "linuxParameters": []}), []),  # the schema's to report
]


@pytest.mark.parametrize(("document", "expected"), TDL270)
def test_tdl270(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL270") == expected


def test_tdl270_on_fargate_windows(lint_text: Any) -> None:
    document = task({"privileged": True}, **FARGATE, **WINDOWS)
    result = lint_text(document)
    rules = sorted(f["rule"] for f in result.findings if f["pointer"] == f"{C}/privileged")
    assert rules == ["TDL250", "TDL270"]


def test_tdl270_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t",\n'
        ' "runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2019_FULL"},\n'
        ' "containerDefinitions": [{"name": "iis", "image": "iis:1", "cpu": 1024, "memory": 2048,\n'
        '   "user": "ContainerUser", "ulimits": [{"name": "nofile", "softLimit": 1, "hardLimit": 2}]}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL270")
    assert (finding["line"], finding["column"], finding["severity"]) == (4, 29, "error")
    assert finding["message"] == 'Container "iis" sets ulimits, which Windows containers do not support'


# --- TDL271 windows-possibly-unsupported-parameter --------------------------------------------------------

ENV_FILES = [{"type": "s3", "value": "arn:aws:s3:::b/a.env"}]
TDL271 = [
    (windows({"memoryReservation": 512}), [f"{C}/memoryReservation"]),
    (windows({"environmentFiles": ENV_FILES}), [f"{C}/environmentFiles"]),
    (windows({"environmentFiles": []}), []),
    (windows({"firelensConfiguration": {"type": "fluentbit"}}), [f"{C}/firelensConfiguration"]),
    (windows({"logConfiguration": {"logDriver": "awsfirelens"}}), [f"{C}/logConfiguration/logDriver"]),
    (
        windows(
            {
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {"awslogs-group": "g", "awslogs-region": "r"},
                }
            }
        ),
        [],
    ),
    (windows(proxyConfiguration={"type": "APPMESH", "containerName": "app"}), ["/proxyConfiguration"]),
    (task({"memoryReservation": 512, "environmentFiles": ENV_FILES}), []),
    (windows(proxyConfiguration="app"), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL271)
def test_tdl271(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL271") == expected


def test_tdl271_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t",\n'
        ' "runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2019_FULL"},\n'
        ' "containerDefinitions": [{"name": "iis", "image": "iis:1", "cpu": 1024, "memory": 2048,\n'
        '    "memoryReservation": 1024}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL271")
    assert (finding["line"], finding["column"], finding["severity"]) == (4, 5, "warning")
    assert finding["message"] == (
        'Container "iis" sets memoryReservation, which AWS documentation lists as not supported for Windows '
        "containers"
    )


# --- wrong types anywhere do not crash the platform rules -------------------------------------------------

WRONG_TYPES = [
    '{"family": "t", "requiresCompatibilities": ["FARGATE"], "containerDefinitions": [1, "a", null, []]}',
    '{"family": "t", "requiresCompatibilities": {"FARGATE": true}, "containerDefinitions": [{"name": "a"}]}',
    '{"family": "t", "requiresCompatibilities": ["FARGATE"], "containerDefinitions": [{"name": "a", "image": "a",'
    ' "linuxParameters": {"capabilities": {"add": [1, {"x": 1}]}, "devices": "x", "tmpfs": 3},'
    ' "logConfiguration": {"logDriver": 5}, "firelensConfiguration": {"options": "s3"},'
    ' "resourceRequirements": [1, {"type": 2}], "dockerSecurityOptions": "x"}],'
    ' "inferenceAccelerators": 3, "placementConstraints": "x", "ipcMode": 1, "pidMode": ["host"]}',
    '{"family": "t", "runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2022_FULL"},'
    ' "containerDefinitions": [{"name": "a", "image": "a", "user": {}, "linuxParameters": "x",'
    ' "logConfiguration": [], "systemControls": {}}], "volumes": [{"dockerVolumeConfiguration": {"driver": 3}}, 4],'
    ' "proxyConfiguration": [], "ipcMode": 3}',
    '{"family": "t", "runtimePlatform": {"operatingSystemFamily": 3}, "containerDefinitions": {"a": 1}}',
    '[{"name": "a", "image": "a", "privileged": true, "user": "x"}]',
]


@pytest.mark.parametrize("document", WRONG_TYPES)
def test_wrong_types_do_not_crash(lint_text: Any, document: str) -> None:
    result = lint_text(document, select=("TDL25", "TDL27"))
    assert result.code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr


def test_bare_container_list_is_not_judged_by_platform(lint_text: Any) -> None:
    # a bare container list shows no requiresCompatibilities or runtimePlatform: nothing to go on
    result = lint_text(
        '[{"name": "a", "image": "a", "privileged": true, "user": "x"}]', select=("TDL25", "TDL27")
    )
    assert result.findings == []
