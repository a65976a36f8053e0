"""Edge cases of the rules added or re-graded for rule accuracy (issue 12): catches and catches-not, and
the severity each one has."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import pointers, rule_findings
from tests.test_rules_roles import ROLE

C = "/containerDefinitions/0"


def doc(*containers: dict[str, Any], **task: Any) -> str:
    return json.dumps({"family": "f", **task, "containerDefinitions": list(containers)}, indent=2)


def c(name: str = "web", **members: Any) -> dict[str, Any]:
    return {"name": name, "image": "nginx:1.27", "memory": 256, **members}


FARGATE_WINDOWS = {
    "requiresCompatibilities": ["FARGATE"],
    "networkMode": "awsvpc",
    "cpu": "1024",
    "memory": "2048",
}
SSM = "arn:aws:ssm:eu-west-1:111122223333:parameter"


def pm(**members: Any) -> dict[str, Any]:
    return c(portMappings=[members])


def firelens(options: dict[str, Any]) -> dict[str, Any]:
    return c("router", firelensConfiguration={"type": "fluentbit", "options": options})


def secrets(value: Any) -> dict[str, Any]:
    return c(secrets=[{"name": "A", "valueFrom": value}])


def windows(family: Any, arch: Any = "X86_64", **task: Any) -> str:
    platform = {"operatingSystemFamily": family, "cpuArchitecture": arch}
    return doc(c(), runtimePlatform=platform, **{**FARGATE_WINDOWS, **task})


PROXY = {"type": "APPMESH", "containerName": "web"}

CASES: list[tuple[str, str, list[str]]] = [
    # TDL040 enum-value-not-in-model
    ("TDL040", doc(c(logConfiguration={"logDriver": "none"})), [f"{C}/logConfiguration/logDriver"]),
    (
        "TDL040",
        doc(c(portMappings=[{"containerPort": 80, "protocol": "http"}])),
        [f"{C}/portMappings/0/protocol"],
    ),
    ("TDL040", doc(c(), requiresCompatibilities=["fargate"]), ["/requiresCompatibilities/0"]),
    ("TDL040", doc(c(), networkMode="awsvpc", requiresCompatibilities=["EC2"]), []),
    ("TDL003", doc(c(logConfiguration={"logDriver": "none"})), []),  # TDL040's, not TDL003's
    ("TDL003", doc(c(logConfiguration={"options": {}})), [f"{C}/logConfiguration"]),  # missing member
    # A network mode the model does not list: TDL040 warns, the rules that need the mode stay silent.
    ("TDL616", doc(c(links=["b"]), c("b"), networkMode="default"), []),
    ("TDL431", doc(c(), proxyConfiguration=PROXY, networkMode="default"), []),
    ("TDL040", doc(c(links=["b"]), c("b"), networkMode="default"), ["/networkMode"]),
    # TDL042 too-many-credential-specs
    ("TDL042", doc(c(credentialSpecs=["credentialspec:a", "credentialspec:b"])), [f"{C}/credentialSpecs"]),
    ("TDL042", doc(c(credentialSpecs=["credentialspec:a"])), []),
    ("TDL042", doc(c(credentialSpecs=[])), []),
    # TDL215 swappiness-out-of-range
    ("TDL215", doc(c(linuxParameters={"swappiness": -1})), [f"{C}/linuxParameters/swappiness"]),
    ("TDL215", doc(c(linuxParameters={"swappiness": 101})), [f"{C}/linuxParameters/swappiness"]),
    ("TDL215", doc(c(linuxParameters={"swappiness": 0, "maxSwap": 0})), []),
    ("TDL215", doc(c(linuxParameters={"swappiness": 100})), []),
    # TDL257 fargate-windows-unsupported-platform
    ("TDL257", windows("WINDOWS_SERVER_20H2_CORE"), ["/runtimePlatform/operatingSystemFamily"]),
    ("TDL257", windows("WINDOWS_SERVER_2004_CORE"), ["/runtimePlatform/operatingSystemFamily"]),
    ("TDL257", windows("WINDOWS_SERVER_2019_FULL", "ARM64"), ["/runtimePlatform/cpuArchitecture"]),
    ("TDL257", windows("WINDOWS_SERVER_2025_CORE"), []),
    ("TDL257", windows("WINDOWS_SERVER_2016_FULL", requiresCompatibilities=["EC2"]), []),  # EC2 offers it
    ("TDL257", windows("LINUX", "ARM64"), []),
    ("TDL257", windows(None, "ARM64"), []),  # OS unknown
    # TDL316 restart-policy-out-of-range
    (
        "TDL316",
        doc(c(restartPolicy={"enabled": True, "restartAttemptPeriod": 59})),
        [f"{C}/restartPolicy/restartAttemptPeriod"],
    ),
    (
        "TDL316",
        doc(c(restartPolicy={"enabled": True, "restartAttemptPeriod": 1801})),
        [f"{C}/restartPolicy/restartAttemptPeriod"],
    ),
    (
        "TDL316",
        doc(c(restartPolicy={"enabled": True, "ignoredExitCodes": list(range(51))})),
        [f"{C}/restartPolicy/ignoredExitCodes"],
    ),
    (
        "TDL316",
        doc(
            c(
                restartPolicy={
                    "enabled": True,
                    "restartAttemptPeriod": 60,
                    "ignoredExitCodes": list(range(50)),
                }
            )
        ),
        [],
    ),
    ("TDL316", doc(c(restartPolicy={"enabled": True, "restartAttemptPeriod": 1800})), []),
    ("TDL316", doc(c(restartPolicy={"enabled": True, "restartAttemptPeriod": "300"})), []),  # TDL003's
    # TDL317 ulimit-soft-above-hard
    (
        "TDL317",
        doc(c(ulimits=[{"name": "nofile", "softLimit": 2, "hardLimit": 1}])),
        [f"{C}/ulimits/0/softLimit"],
    ),
    ("TDL317", doc(c(ulimits=[{"name": "nofile", "softLimit": 1, "hardLimit": 1}])), []),
    ("TDL317", doc(c(ulimits=[{"name": "nofile", "softLimit": 2}])), []),  # TDL003's
    ("TDL317", doc(c(ulimits=[{"name": "nofile", "softLimit": True, "hardLimit": 0}])), []),
    # TDL418 firelens-s3-config-not-arn
    (
        "TDL418",
        doc(firelens({"config-file-type": "s3", "config-file-value": "s3://b/k.conf"})),
        ["/containerDefinitions/0/firelensConfiguration/options/config-file-value"],
    ),
    (
        "TDL418",
        doc(firelens({"config-file-type": "s3", "config-file-value": "arn:aws:s3:::b"})),
        ["/containerDefinitions/0/firelensConfiguration/options/config-file-value"],
    ),
    (
        "TDL418",
        doc(firelens({"config-file-type": "s3", "config-file-value": "arn:aws-cn:s3:::b/k.conf"})),
        [],
    ),
    (
        "TDL418",
        doc(firelens({"config-file-type": "file", "config-file-value": "/fluent-bit/etc/extra.conf"})),
        [],
    ),
    # TDL423 ssm-parameter-empty-path-segment
    ("TDL423", doc(secrets(f"{SSM}//db/password"), executionRoleArn=ROLE), [f"{C}/secrets/0/valueFrom"]),
    ("TDL423", doc(secrets("/db//password"), executionRoleArn=ROLE), [f"{C}/secrets/0/valueFrom"]),
    ("TDL423", doc(secrets(f"{SSM}/db/password/"), executionRoleArn=ROLE), [f"{C}/secrets/0/valueFrom"]),
    ("TDL423", doc(secrets(f"{SSM}/db/password"), executionRoleArn=ROLE), []),
    ("TDL423", doc(secrets("/db/password"), executionRoleArn=ROLE), []),
    ("TDL423", doc(secrets("password"), executionRoleArn=ROLE), []),
    (
        "TDL423",
        doc(
            secrets("arn:aws:secretsmanager:eu-west-1:111122223333:secret:db//x-AbCdEf"),
            executionRoleArn=ROLE,
        ),
        [],
    ),
    # TDL431 proxy-configuration-without-awsvpc
    ("TDL431", doc(c(), proxyConfiguration=PROXY), ["/proxyConfiguration"]),
    ("TDL431", doc(c(), proxyConfiguration=PROXY, networkMode="host"), ["/proxyConfiguration"]),
    ("TDL431", doc(c(), proxyConfiguration=PROXY, networkMode="awsvpc"), []),
    ("TDL431", doc(c(), networkMode="bridge"), []),
    ("TDL431", json.dumps([c()]), []),
    # TDL622 external-with-awsvpc
    ("TDL622", doc(c(), requiresCompatibilities=["EXTERNAL"], networkMode="awsvpc"), ["/networkMode"]),
    ("TDL622", doc(c(), requiresCompatibilities=["EXTERNAL"]), []),
    ("TDL622", doc(c(), requiresCompatibilities=["EXTERNAL"], networkMode="host"), []),
    ("TDL622", doc(c(), requiresCompatibilities=["EC2"], networkMode="awsvpc"), []),
    # TDL623 container-port-and-range
    (
        "TDL623",
        doc(pm(containerPort=80, containerPortRange="8000-8010")),
        [f"{C}/portMappings/0/containerPortRange"],
    ),
    ("TDL623", doc(pm(containerPortRange="8000-8010")), []),
    ("TDL623", doc(pm(containerPort=80)), []),
    # TDL624 app-protocol-without-name
    ("TDL624", doc(pm(containerPort=80, appProtocol="grpc")), [f"{C}/portMappings/0/appProtocol"]),
    ("TDL624", doc(pm(containerPort=80, appProtocol="grpc", name="")), [f"{C}/portMappings/0/appProtocol"]),
    ("TDL624", doc(pm(containerPort=80, appProtocol="grpc", name="api")), []),
    ("TDL624", doc(pm(containerPort=80, name="api")), []),
    # TDL625 service-connect-fields-in-host-or-none-mode
    (
        "TDL625",
        doc(pm(containerPort=80, hostPort=80, name="web"), networkMode="host"),
        [f"{C}/portMappings/0/name"],
    ),
    ("TDL625", doc(pm(containerPort=80, name="web", appProtocol="http"), networkMode="bridge"), []),
    ("TDL625", doc(pm(containerPort=80, name="web"), networkMode="awsvpc"), []),
    ("TDL625", doc(pm(containerPort=80, name="web")), []),  # bridge by default
    # TDL714 docker-volume-without-driver
    (
        "TDL714",
        doc(c(), volumes=[{"name": "v", "dockerVolumeConfiguration": {}}]),
        ["/volumes/0/dockerVolumeConfiguration"],
    ),
    (
        "TDL714",
        doc(c(), volumes=[{"name": "v", "dockerVolumeConfiguration": {"driver": " "}}]),
        ["/volumes/0/dockerVolumeConfiguration"],
    ),
    ("TDL714", doc(c(), volumes=[{"name": "v", "dockerVolumeConfiguration": {"driver": "local"}}]), []),
    ("TDL714", doc(c(), volumes=[{"name": "v", "host": {"sourcePath": "/data"}}]), []),
    ("TDL714", doc(c(), volumes=[{"name": "v"}]), []),
]


@pytest.mark.parametrize(("rule", "document", "expected"), CASES)
def test_catches(lint_text: Any, rule: str, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), rule) == sorted(expected)


SEVERITIES = {
    "TDL040": "warning",
    "TDL042": "error",
    "TDL215": "error",
    "TDL257": "error",
    "TDL316": "error",
    "TDL317": "error",
    "TDL418": "error",
    "TDL423": "warning",
    "TDL431": "error",
    "TDL622": "error",
    "TDL623": "error",
    "TDL624": "warning",
    "TDL625": "warning",
    "TDL714": "warning",
}


@pytest.mark.parametrize("rule", sorted(SEVERITIES))
def test_severity(lint_text: Any, rule: str) -> None:
    document = next(d for r, d, expected in CASES if r == rule and expected)
    found = rule_findings(lint_text(document), rule)
    assert found and {f["severity"] for f in found} == {SEVERITIES[rule]}


def test_an_enum_mismatch_alone_does_not_fail_the_lint(lint_text: Any) -> None:
    """ECS accepts logDriver "none", which the model does not list: a warning, exit 0."""
    result = lint_text(doc(c(logConfiguration={"logDriver": "none"})))
    assert result.code == 0
    [finding] = rule_findings(result, "TDL040")
    assert finding["message"] == (
        'Container "web" logConfiguration.logDriver is string "none"; expected one of: json-file, syslog, '
        "journald, gelf, fluentd, awslogs, splunk, awsfirelens"
    )


def test_selecting_only_the_enum_rule_runs_the_schema_stage(lint_text: Any) -> None:
    result = lint_text(doc(c(logConfiguration={"logDriver": "none"}), cpu=256), select=("TDL040",))
    assert [f["rule"] for f in result.findings] == ["TDL040"]
