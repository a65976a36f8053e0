"""The service rules (TDL802-TDL824) at their line, column and pointer in the JSON forms that
people keep services in: `aws ecs create-service --cli-input-json` input beside register input (and
`update-service` input, where an absent member keeps its current value),
`describe-services` output beside `describe-task-definition` output, and ecspresso projects
(`ecspresso.yml`, `ecs-service-def.json`, `ecs-task-def.json`, with `{{ must_env `X` }}` placeholders).

The fixtures are under tests/services/: one folder of broken services per form (each rule fires in each
form that has a place for it; `extra/` holds TDL821-TDL824), `good/` (the same services put right, in
each form) and `placeholders/` (an ecspresso project whose values are filled in at deploy time).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from taskdeflint.engine.catalogue import builtin_rules
from tests.conftest import ROOT, Result, lint, rule_findings

SERVICES = ROOT / "tests" / "services"

Found = tuple[str, str, int, int, str]  # path, rule, line, column, pointer


def copy(name: str, tmp_path: Path) -> Path:
    """A fixture folder copied out of the repository, so that no config above it applies."""
    folder = tmp_path / name.replace("/", "-")
    shutil.copytree(SERVICES / name, folder)
    return folder


def service_findings(result: Result) -> list[Found]:
    """The findings of the service rules, as (path, rule, line, column, pointer), in report order."""
    assert result.code in (0, 1), result.stderr
    return [
        (f["path"], f["rule"], f["line"], f["column"], f["pointer"])
        for f in result.findings
        if f["rule"].startswith("TDL8")
    ]


DESCRIBE: list[Found] = [
    ("services.json", "TDL802", 11, 21, "/services/0/loadBalancers/0/containerPort"),
    ("services.json", "TDL809", 20, 13, "/services/0/platformVersion"),
    ("services.json", "TDL813", 102, 17, "/services/1/serviceRegistries/0"),
    (
        "services.json",
        "TDL817",
        114,
        21,
        "/services/1/deploymentConfiguration/deploymentCircuitBreaker/enable",
    ),
    ("services.json", "TDL805", 130, 13, "/services/1/networkConfiguration"),
    (
        "services.json",
        "TDL807",
        138,
        21,
        "/services/1/networkConfiguration/awsvpcConfiguration/assignPublicIp",
    ),
    ("services.json", "TDL815", 141, 13, "/services/1/healthCheckGracePeriodSeconds"),
    ("services.json", "TDL808", 160, 13, "/services/2/launchType"),
    ("services.json", "TDL806", 161, 13, "/services/2/capacityProviderStrategy"),
    ("services.json", "TDL816", 175, 17, "/services/2/deploymentConfiguration/maximumPercent"),
    ("services.json", "TDL804", 197, 9, "/services/3"),
    ("services.json", "TDL810", 205, 21, "/services/3/serviceRegistries/0/port"),
    ("services.json", "TDL811", 206, 21, "/services/3/serviceRegistries/0/containerName"),
    ("services.json", "TDL820", 223, 13, "/services/3/schedulingStrategy"),
]

# agent by ARN (agent:2), batch and web by family, worker by family:revision (worker:3).
CREATE: list[Found] = [
    ("agent-service.json", "TDL810", 8, 13, "/serviceRegistries/0/port"),
    ("agent-service.json", "TDL811", 9, 13, "/serviceRegistries/0/containerName"),
    ("agent-service.json", "TDL808", 13, 5, "/launchType"),
    ("agent-service.json", "TDL820", 14, 5, "/schedulingStrategy"),
    ("agent-service.json", "TDL805", 15, 5, "/networkConfiguration"),
    ("batch-service.json", "TDL804", 1, 1, ""),
    ("web-service.json", "TDL802", 9, 13, "/loadBalancers/0/containerPort"),
    ("web-service.json", "TDL806", 14, 5, "/capacityProviderStrategy"),
    ("web-service.json", "TDL809", 20, 5, "/platformVersion"),
    ("web-service.json", "TDL817", 21, 5, "/deploymentConfiguration"),
    ("web-service.json", "TDL816", 22, 9, "/deploymentConfiguration/maximumPercent"),
    ("web-service.json", "TDL814", 44, 17, "/serviceConnectConfiguration/services/0/portName"),
    ("worker-service.json", "TDL813", 6, 9, "/serviceRegistries/0"),
    ("worker-service.json", "TDL805", 26, 5, "/networkConfiguration"),
    ("worker-service.json", "TDL807", 30, 13, "/networkConfiguration/awsvpcConfiguration/assignPublicIp"),
    ("worker-service.json", "TDL815", 33, 5, "/healthCheckGracePeriodSeconds"),
]

ECSPRESSO: list[Found] = [
    ("api/ecs-service-def.json", "TDL804", 1, 1, ""),
    ("api/ecs-service-def.json", "TDL817", 2, 3, "/deploymentConfiguration"),
    ("api/ecs-service-def.json", "TDL816", 3, 5, "/deploymentConfiguration/maximumPercent"),
    ("api/ecs-service-def.json", "TDL802", 14, 7, "/loadBalancers/0/containerPort"),
    ("api/ecs-service-def.json", "TDL814", 37, 9, "/serviceConnectConfiguration/services/0/portName"),
    ("legacy/ecs-service-def.json", "TDL815", 11, 3, "/healthCheckGracePeriodSeconds"),
    ("legacy/ecs-service-def.json", "TDL805", 13, 3, "/networkConfiguration"),
    (
        "legacy/ecs-service-def.json",
        "TDL807",
        15,
        7,
        "/networkConfiguration/awsvpcConfiguration/assignPublicIp",
    ),
    ("legacy/ecs-service-def.json", "TDL813", 22, 5, "/serviceRegistries/0"),
    ("worker/ecs-service-def.json", "TDL806", 2, 3, "/capacityProviderStrategy"),
    ("worker/ecs-service-def.json", "TDL808", 12, 3, "/launchType"),
    ("worker/ecs-service-def.json", "TDL805", 13, 3, "/networkConfiguration"),
    ("worker/ecs-service-def.json", "TDL809", 26, 3, "/platformVersion"),
    ("worker/ecs-service-def.json", "TDL820", 27, 3, "/schedulingStrategy"),
    ("worker/ecs-service-def.json", "TDL811", 30, 7, "/serviceRegistries/0/containerName"),
    ("worker/ecs-service-def.json", "TDL810", 32, 7, "/serviceRegistries/0/port"),
]

FORMS = {"describe": DESCRIBE, "create": CREATE, "ecspresso": ECSPRESSO}

# A legacy service moved to awsvpc: a Classic Load Balancer, two registries, an EC2 platform version, a role.
EXTRA: dict[str, list[Found]] = {
    "create": [
        ("legacy-service.json", "TDL823", 7, 13, "/loadBalancers/0/loadBalancerName"),
        ("legacy-service.json", "TDL824", 16, 9, "/serviceRegistries/1"),
        ("legacy-service.json", "TDL821", 22, 5, "/platformVersion"),
        ("legacy-service.json", "TDL822", 23, 5, "/role"),
    ],
    "describe": [
        ("services.json", "TDL823", 9, 21, "/services/0/loadBalancers/0/loadBalancerName"),
        ("services.json", "TDL824", 18, 17, "/services/0/serviceRegistries/1"),
    ],
    # ecspresso drops `role` (TDL023), so ECS never sees it: no TDL822.
    "ecspresso": [
        ("ecs-service-def.json", "TDL823", 14, 7, "/loadBalancers/0/loadBalancerName"),
        ("ecs-service-def.json", "TDL821", 27, 3, "/platformVersion"),
        ("ecs-service-def.json", "TDL824", 33, 5, "/serviceRegistries/1"),
    ],
}


@pytest.mark.parametrize("form", FORMS)
def test_every_rule_at_its_place_in_each_form(form: str, tmp_path: Path) -> None:
    result = lint(copy(form, tmp_path), ".")
    assert service_findings(result) == FORMS[form]
    assert result.code == 1
    extra = lint(copy(f"extra/{form}", tmp_path), ".")
    assert service_findings(extra) == EXTRA[form]
    assert extra.code == 1


def test_ecspresso_drops_the_role_so_ecs_never_refuses_it(tmp_path: Path) -> None:
    result = lint(copy("extra/ecspresso", tmp_path), ".")
    [dropped] = rule_findings(result, "TDL023")
    assert (dropped["line"], dropped["column"], dropped["pointer"]) == (28, 3, "/role")
    assert rule_findings(result, "TDL822") == []


# Where a rule has no place in a form. TDL800 and TDL801 have tests of their own; TDL803, TDL812, TDL825
# need a target group or a Cloud Map service in the same document, which only templates and plans hold (as
# do TDL818 and TDL819).
NOT_IN_FORM = {
    # The ECS API model's Service keeps Service Connect in each deployment, not in the service; it
    # reports roleArn, not role; ECS gives an EC2 service no platform version.
    "describe": {"TDL814", "TDL821", "TDL822"},
    "create": set(),
    "ecspresso": {"TDL822"},
}


def test_each_form_shows_every_service_rule_that_needs_no_other_resource() -> None:
    rules = {r.id for r in builtin_rules() if r.resource == "service" and r.id.startswith("TDL8")}
    rules -= {"TDL800", "TDL801", "TDL803", "TDL812", "TDL818", "TDL819", "TDL825"}
    for form, expected in FORMS.items():
        shown = {rule for _, rule, *_ in expected + EXTRA[form]}
        assert shown == rules - NOT_IN_FORM[form], form


def test_describe_output_messages_name_the_service_and_the_values(tmp_path: Path) -> None:
    result = lint(copy("describe", tmp_path), ".")
    messages = {f["rule"]: f["message"] for f in result.findings if f["rule"].startswith("TDL8")}
    assert messages["TDL802"] == (
        'loadBalancers[0].containerPort 8080 is not a container port of Container "web" (its container '
        "ports: 80)"
    )
    assert messages["TDL808"] == (
        'Service "scheduler" runs on launch type FARGATE, but its task definition is not compatible with '
        "FARGATE (its compatibilities: EC2)"
    )
    assert messages["TDL809"] == (
        'Service "web" pins Fargate platformVersion "1.3.0", too old for its task definition: '
        "ephemeralStorage needs 1.4.0 or later"
    )
    assert messages["TDL816"] == (
        "With desiredCount 1, minimumHealthyPercent 100 and maximumPercent 100, a rolling deployment must "
        "keep 1 task running and may run at most 1: it can neither stop an old task nor start a new one, "
        "so it never makes progress"
    )
    assert messages["TDL820"] == (
        'Service "agent" uses schedulingStrategy "DAEMON", which the CODE_DEPLOY deployment controller '
        'does not support (use "REPLICA")'
    )


@pytest.mark.parametrize("form", ["good/create", "good/describe", "good/ecspresso"])
def test_correct_services_get_no_finding(form: str, tmp_path: Path) -> None:
    folder = copy(form, tmp_path)
    result = lint(folder, ".")
    assert service_findings(result) == []
    assert result.code == 0
    # Every service of the folder was linted against its task definition.
    services = {f["path"] for f in lint(folder, ".", select=("TDL800",)).findings}
    assert services == set()


def test_a_service_without_its_task_definition_gets_only_the_checks_that_need_none(tmp_path: Path) -> None:
    folder = copy("create", tmp_path)
    result = lint(folder, "web-service.json")
    assert service_findings(result) == [
        ("web-service.json", "TDL800", 4, 5, "/taskDefinition"),
        ("web-service.json", "TDL806", 14, 5, "/capacityProviderStrategy"),
        ("web-service.json", "TDL817", 21, 5, "/deploymentConfiguration"),
        ("web-service.json", "TDL816", 22, 9, "/deploymentConfiguration/maximumPercent"),
    ]
    assert result.code == 1


WEB_SERVICE = {
    "cluster": "production",
    "serviceName": "web",
    "taskDefinition": "web",
    "desiredCount": 2,
    "launchType": "FARGATE",
    "platformVersion": "1.3.0",
    "loadBalancers": [
        {
            "targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/73e2d6bc",
            "containerName": "web",
            "containerPort": 8080,
        }
    ],
    "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-0a1b2c3d4e5f60718"]}},
    "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
}


def web_taskdef(port: int) -> dict[str, object]:
    """A Fargate task definition of family web with an EFS volume (which needs platform 1.4.0)."""
    data = json.loads((SERVICES / "create" / "taskdefs" / "web.json").read_text(encoding="utf-8"))
    data["containerDefinitions"][0]["portMappings"][0]["containerPort"] = port
    return data  # type: ignore[no-any-return]


def test_with_two_task_definitions_of_the_family_a_finding_must_hold_for_both(tmp_path: Path) -> None:
    for folder, port in (("staging", 8080), ("production", 80)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "web.json").write_text(json.dumps(web_taskdef(port), indent=2), encoding="utf-8")
    (tmp_path / "services").mkdir()
    (tmp_path / "services" / "web.json").write_text(json.dumps(WEB_SERVICE, indent=2), encoding="utf-8")
    result = lint(tmp_path, ".")
    # Both have the EFS volume (TDL809); only production's container lacks port 8080 (TDL802).
    assert service_findings(result) == [("services/web.json", "TDL809", 7, 3, "/platformVersion")]
    # With port 80 mapped by neither, the load balancer's port is wrong whichever runs.
    (tmp_path / "staging" / "web.json").write_text(json.dumps(web_taskdef(80), indent=2), encoding="utf-8")
    assert [rule for _, rule, *_ in service_findings(lint(tmp_path, "."))] == ["TDL809", "TDL802"]


PLACEHOLDER = re.compile(r"\{\{ (?:must_env|tfstate) `([^`]+)` \}\}")

RENDERED = {
    "DESIRED_COUNT": "1",
    "LAUNCH_TYPE": "FARGATE",
    "CONTAINER": "api",
    "PORT": "8080",
    "PUBLIC_IP": "DISABLED",
    "SUBNET_A": "subnet-0a1b2c3d4e5f60718",
    "PLATFORM_VERSION": "1.3.0",
    "NAMESPACE": "internal",
    "PORT_NAME": "http",
    "IMAGE_TAG": "2.1.0",
    "NETWORK_MODE": "awsvpc",
    "COMPATIBILITY": "FARGATE",
    "AWS_REGION": "eu-west-1",
    "CLUSTER": "production",
}


def render(text: str) -> str:
    """The text as ecspresso renders it; a tfstate lookup gives an ARN."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return RENDERED.get(name, f"arn:aws:iam::123456789012:role/{name.replace('.', '-')}")

    return PLACEHOLDER.sub(value, text)


def test_values_filled_in_at_deploy_time_give_no_finding(tmp_path: Path) -> None:
    folder = copy("placeholders", tmp_path)
    result = lint(folder, ".")
    assert service_findings(result) == []
    assert [f["path"] for f in rule_findings(result, "TDL019")] == [
        "ecs-service-def.json",
        "ecs-task-def.json",
    ]
    assert result.code == 0
    # Rendered with these values, the same project has four defects that the unknown values hid.
    for path in folder.iterdir():
        path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert service_findings(lint(folder, ".")) == [
        ("ecs-service-def.json", "TDL806", 2, 3, "/capacityProviderStrategy"),
        ("ecs-service-def.json", "TDL816", 13, 5, "/deploymentConfiguration/maximumPercent"),
        ("ecs-service-def.json", "TDL809", 33, 3, "/platformVersion"),
        ("ecs-service-def.json", "TDL810", 46, 7, "/serviceRegistries/0/port"),
    ]


def test_exit_codes_follow_the_severity_of_service_findings(tmp_path: Path) -> None:
    folder = copy("create", tmp_path)
    # Errors fail the run; --fail-on never passes it.
    assert lint(folder, "worker-service.json", "taskdefs").code == 1
    assert lint(folder, "worker-service.json", "taskdefs", fail_on="never").code == 0
    # A warning alone (TDL815) passes by default and fails with --fail-on warning.
    worker = json.loads((folder / "worker-service.json").read_text(encoding="utf-8"))
    for member in ("serviceRegistries", "networkConfiguration"):
        del worker[member]
    (folder / "worker-service.json").write_text(json.dumps(worker, indent=4), encoding="utf-8")
    warned = lint(folder, "worker-service.json", "taskdefs")
    assert [rule for _, rule, *_ in service_findings(warned)] == ["TDL815"]
    assert warned.code == 0
    assert lint(folder, "worker-service.json", "taskdefs", fail_on="warning").code == 1
    # Notes alone (TDL800, TDL817) pass unless --fail-on info.
    del worker["deploymentConfiguration"], worker["healthCheckGracePeriodSeconds"]
    (folder / "worker-service.json").write_text(json.dumps(worker, indent=4), encoding="utf-8")
    noted = lint(folder, "worker-service.json")
    assert sorted(rule for _, rule, *_ in service_findings(noted)) == ["TDL800", "TDL817"]
    assert noted.code == 0
    assert lint(folder, "worker-service.json", fail_on="info").code == 1


# --- TDL803 and TDL812: the target group or Cloud Map service in the same template ------------------

TEMPLATE = """\
Parameters:
  TargetType:
    Type: String
    AllowedValues: [ip, instance]
Resources:
  BridgeTask:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: bridge
      ContainerDefinitions:
        - {Name: app, Image: "example/app:1.0", Memory: 256, PortMappings: [{ContainerPort: 80, HostPort: 0}]}
  AwsvpcTask:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: awsvpc
      NetworkMode: awsvpc
      ContainerDefinitions:
        - {Name: app, Image: "example/app:1.0", Memory: 256, PortMappings: [{ContainerPort: 80}]}
  IpGroup:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {Port: 80, Protocol: HTTP, VpcId: vpc-0a1b2c3d, TargetType: ip}
  LambdaGroup:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {TargetType: lambda}
  ChosenGroup:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {Port: 80, Protocol: HTTP, VpcId: vpc-0a1b2c3d, TargetType: !Ref TargetType}
  SrvRecords:
    Type: AWS::ServiceDiscovery::Service
    Properties:
      DnsConfig: {DnsRecords: [{Type: SRV, TTL: 60}]}
  ARecords:
    Type: AWS::ServiceDiscovery::Service
    Properties:
      DnsConfig: {DnsRecords: [{Type: A, TTL: 60}]}
  BridgeService:
    Type: AWS::ECS::Service
    Properties:
      TaskDefinition: !Ref BridgeTask
      DesiredCount: 1
      LoadBalancers:
        - {ContainerName: app, ContainerPort: 80, TargetGroupArn: !Ref IpGroup}
        - {ContainerName: app, ContainerPort: 80, TargetGroupArn: !Ref ChosenGroup}
  AwsvpcService:
    Type: AWS::ECS::Service
    Properties:
      TaskDefinition: !Ref AwsvpcTask
      DesiredCount: 1
      NetworkConfiguration: {AwsvpcConfiguration: {Subnets: [subnet-0a1b2c3d]}}
      LoadBalancers:
        - {ContainerName: app, ContainerPort: 80, TargetGroupArn: !Ref LambdaGroup}
        - {ContainerName: app, ContainerPort: 80, TargetGroupArn: !Ref IpGroup}
      ServiceRegistries:
        - {RegistryArn: !GetAtt SrvRecords.Arn}
  ARecordService:
    Type: AWS::ECS::Service
    Properties:
      TaskDefinition: !Ref AwsvpcTask
      DesiredCount: 1
      NetworkConfiguration: {AwsvpcConfiguration: {Subnets: [subnet-0a1b2c3d]}}
      ServiceRegistries:
        - {RegistryArn: !GetAtt ARecords.Arn, ContainerName: app, ContainerPort: 80}
"""


def test_target_types_and_dns_records_in_a_template(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    result = lint(tmp_path, "template.yaml", select=("TDL803", "TDL812"))
    # An ip target group for bridge tasks, a lambda one for any; the target type a parameter chooses is
    # not known; the SRV entry without a port, the A entry with one.
    assert [(f["rule"], f["line"], f["column"], f["pointer"]) for f in result.findings] == [
        ("TDL803", 42, 51, "/Resources/BridgeService/Properties/LoadBalancers/0/TargetGroupArn"),
        ("TDL803", 51, 51, "/Resources/AwsvpcService/Properties/LoadBalancers/0/TargetGroupArn"),
        ("TDL812", 54, 11, "/Resources/AwsvpcService/Properties/ServiceRegistries/0"),
        ("TDL812", 62, 67, "/Resources/ARecordService/Properties/ServiceRegistries/0/ContainerPort"),
    ]
    assert result.code == 1


def test_update_service_input_leaves_out_what_it_does_not_change(tmp_path: Path) -> None:
    """In update-service input an absent member keeps the service's current value: no networkConfiguration
    is not a missing one (TDL804), no deploymentConfiguration is not a deployment without circuit breaker
    (TDL817). What it gives is checked."""
    folder = copy("update", tmp_path)
    result = lint(folder, ".")
    assert service_findings(result) == [
        ("web-update.json", "TDL802", 10, 13, "/loadBalancers/0/containerPort")
    ]
    # The same members as create-service input mean the defaults, and the service lacks both.
    text = (folder / "web-update.json").read_text(encoding="utf-8")
    (folder / "web-update.json").write_text(text.replace('"service":', '"serviceName":'), encoding="utf-8")
    created = service_findings(lint(folder, "."))
    assert sorted(rule for _, rule, *_ in created) == ["TDL802", "TDL804", "TDL817"]
