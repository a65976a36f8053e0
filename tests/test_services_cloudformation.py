"""ECS services in CloudFormation templates (JSON, YAML with short-form tags, and the CDK's cdk.out), with
their target groups, listeners, listener rules and Cloud Map services.

The fixtures in tests/cfn are the forum's web service as people keep it: a hand-written YAML stack in the
shape of aws-samples/ecs-refarch-cloudformation's services, the same stack in hand-written JSON (numbers
as strings), and the output of the CDK's ApplicationLoadBalancedFargateService with Cloud Map. Each test
breaks one thing in each and expects the finding at the exact line and column.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from taskdeflint.model import DiscoveryService, Listener, ListenerRule, Resource, Service, TargetGroup
from taskdeflint.readers import cfnresources
from taskdeflint.readers.base import Loaded, Placed
from taskdeflint.readers.document import load
from taskdeflint.readers.unknown import ABSENT, Unknown
from tests.conftest import Result, lint

CFN = Path(__file__).resolve().parent / "cfn"
YAML = "service-fargate.yaml"
JSON = "service-fargate.json"
CDK = "cdk-web-service.template.json"
FORMS = (YAML, JSON, CDK)
# The logical ids of each fixture's resources, by role.
IDS = {
    YAML: {
        "service": "Service",
        "taskdef": "TaskDefinition",
        "tg": "TargetGroup",
        "rule": "ListenerRule",
        "sd": "DiscoveryService",
    },
    JSON: {
        "service": "Service",
        "taskdef": "TaskDefinition",
        "tg": "TargetGroup",
        "rule": "ListenerRule",
        "sd": "DiscoveryService",
    },
    CDK: {
        "service": "WebService3B9F1E2A",
        "taskdef": "WebTaskDef1A2B3C4D",
        "tg": "WebLBPublicListenerECSGroup9A7B6C5D",
        "rule": "WebLBPublicListenerApiRule3E1F2A4B",
        "sd": "WebServiceCloudmapService4C5D6E7F",
        "listener": "WebLBPublicListener8D2C4B1A",
    },
}


def text_of(name: str) -> str:
    return (CFN / name).read_text(encoding="utf-8")


def loaded(name: str, text: str | None = None) -> Loaded:
    result = load((text if text is not None else text_of(name)).encode(), name=name)
    assert result is not None
    return result


def by_key(result: Loaded) -> dict[str, Placed]:
    return {placed.resource.key: placed for placed in result.resources}


def position(text: str, needle: str, after: str = "") -> tuple[int, int]:
    """Line and column (1-based) where `needle` first starts after the first `after`."""
    offset = text.index(needle, text.index(after) if after else 0)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def anchor(name: str, key: str) -> str:
    """Text that starts the resource `key` in the template."""
    return f" {key}:\n" if name.endswith(".yaml") else f'"{key}": {{'


def key_of(name: str, member: str) -> str:
    """A member's name as it is written in the template."""
    return member if name.endswith(".yaml") else f'"{member}"'


def run(tmp_path: Path, name: str, text: str, *options: str) -> Result:
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = lint(tmp_path, name, **({"select": options} if options else {}))
    assert result.code in (0, 1), result.stderr
    return result


def found(result: Result, rule: str) -> list[tuple[str, int, int]]:
    return sorted((f["pointer"], f["line"], f["column"]) for f in result.findings if f["rule"] == rule)


def properties(name: str, role: str) -> str:
    return f"/Resources/{IDS[name][role]}/Properties"


# --- What the reader makes of each form ------------------------------------------------------------------


@pytest.mark.parametrize("name", FORMS)
def test_each_form_gives_its_resources_in_their_apis_names(name: str) -> None:
    result = loaded(name)
    ids = IDS[name]
    assert [t.key for t in result.targets] == [ids["taskdef"]]
    placed = by_key(result)
    service = placed[ids["service"]].resource
    assert isinstance(service, Service)
    assert service.data["launchType"] == "FARGATE"
    assert service.data["desiredCount"] == 2  # "2" in the JSON, !Ref of a Number parameter in the YAML
    assert service.data["deploymentConfiguration"]["deploymentCircuitBreaker"] == {
        "enable": True,
        "rollback": True,
    }
    assert service.data["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"] == "DISABLED"
    assert service.data["loadBalancers"][0]["containerName"] == "web"
    assert service.data["loadBalancers"][0]["containerPort"] == 8080
    assert isinstance(service.data["loadBalancers"][0]["targetGroupArn"], Unknown)
    assert isinstance(placed[ids["tg"]].resource, TargetGroup)
    assert placed[ids["tg"]].resource.data["TargetType"] == "ip"
    assert placed[ids["tg"]].resource.data["Port"] in (8080, 80)
    rule = placed[ids["rule"]].resource
    assert isinstance(rule, ListenerRule)
    assert isinstance(rule.data["Priority"], int)
    discovery = placed[ids["sd"]].resource
    assert isinstance(discovery, DiscoveryService)
    assert discovery.record_types == {"A"}
    # Every other resource is in the graph too, with what it waits for, and no data.
    others = [p.resource for p in result.resources if type(p.resource) is Resource]
    assert others and all(r.data == {} for r in others)


@pytest.mark.parametrize("name", FORMS)
def test_references_to_other_resources_are_resolved_to_logical_ids(name: str) -> None:
    ids = IDS[name]
    placed = by_key(loaded(name))
    service = placed[ids["service"]].resource
    assert isinstance(service, Service)
    assert service.refs["/taskDefinition"] == ids["taskdef"]
    assert service.refs["/loadBalancers/0/targetGroupArn"] == ids["tg"]
    assert service.refs["/serviceRegistries/0/registryArn"] == ids["sd"]  # !GetAtt DiscoveryService.Arn
    assert service.refs["/networkConfiguration/awsvpcConfiguration/securityGroups/0"].startswith(
        ("SecurityGroup", "WebServiceSecurityGroup")
    )
    # Parameters, pseudo parameters and imports are values, not resources.
    assert all(key in loaded(name).document["Resources"] for key in service.refs.values())
    assert ids["rule"] in service.depends_on
    rule = placed[ids["rule"]].resource
    assert rule.refs["/Actions/0/TargetGroupArn"] == ids["tg"]
    # The linter follows them: the service's task definition is the template's, the target group and
    # the Cloud Map service are found by the model's accessors.
    result = lint(CFN, name)
    assert [f["rule"] for f in result.findings if f["rule"] == "TDL800"] == []


def test_the_cdk_listener_and_its_dependencies() -> None:
    ids = IDS[CDK]
    placed = by_key(loaded(CDK))
    listener = placed[ids["listener"]].resource
    assert isinstance(listener, Listener)
    assert listener.refs == {
        "/DefaultActions/0/TargetGroupArn": ids["tg"],
        "/LoadBalancerArn": "WebLB6C3F5E2D",
    }
    assert placed[ids["rule"]].resource.refs["/ListenerArn"] == ids["listener"]
    service = placed[ids["service"]].resource
    assert service.depends_on == (
        "WebLBPublicListenerApiRule3E1F2A4B",
        "WebLBPublicListenerECSGroup9A7B6C5D",
        "WebLBPublicListener8D2C4B1A",
        "WebTaskDefTaskRole0C3D8E9F",
    )
    # The load balancer refers to its security group: a plain node with what it waits for.
    assert placed["WebLB6C3F5E2D"].resource.depends_on == ("WebLBSecurityGroup5E4A0F1B",)


SERVICE_ONLY = """\
AWSTemplateFormatVersion: "2010-09-09"
Conditions:
  IsProd: !Equals [!Ref "AWS::AccountId", "123456789012"]
Resources:
  Wait:
    Type: AWS::CloudFormation::WaitConditionHandle
  Api:
    Type: AWS::ECS::Service
    Condition: IsProd
    DependsOn: [Wait]
    Properties:
      TaskDefinition: api:3
      Cluster: !Join ["-", [forum, !Ref Wait]]
      ServiceName: !Sub "${Wait}-api"
      PlacementStrategies:
        - Type: spread
          Field: attribute:ecs.availability-zone
      ServiceConnectConfiguration:
        Enabled: true
        LogConfiguration:
          LogDriver: awslogs
          Options:
            awslogs-group: /ecs/api
            Mode: non-blocking
            port: "24224"
      LoadBalancers:
        - !If [IsProd, !Ref "AWS::NoValue", {ContainerName: api, ContainerPort: 80}]
        - ContainerName: !Ref AWS::NoValue
          ContainerPort: 8080
"""


def test_names_unknowns_conditions_and_waits() -> None:
    result = loaded("t.yaml", SERVICE_ONLY)
    assert result.targets == []
    assert [r.rule for r in result.raws] == []  # services without a task definition: no TDL004
    api = by_key(result)["Api"]
    service = api.resource
    assert isinstance(service, Service)
    assert service.condition == "IsProd"
    # `${Wait}` in Fn::Sub is a reference; inside Fn::Join it is a wait, as DependsOn is.
    assert service.refs == {"/serviceName": "Wait"}
    assert service.depends_on == ("Wait",)
    assert isinstance(service.data["cluster"], Unknown)
    # PlacementStrategies is the API's placementStrategy; Options' keys are data.
    assert service.data["placementStrategy"] == [
        {"type": "spread", "field": "attribute:ecs.availability-zone"}
    ]
    options = service.data["serviceConnectConfiguration"]["logConfiguration"]["options"]
    assert options == {"awslogs-group": "/ecs/api", "Mode": "non-blocking", "port": "24224"}
    # Fn::If is unknown, its alternatives in the API's names; AWS::NoValue removes a member.
    choice = service.data["loadBalancers"][0]
    assert isinstance(choice, Unknown)
    assert choice.alternatives == (ABSENT, {"containerName": "api", "containerPort": 80})
    assert service.data["loadBalancers"][1] == {"containerPort": 8080}
    # Pointers go back into the template, in its names, also for members that are not there.
    to_document = api.to_document
    assert to_document("/loadBalancers/1/containerPort") == (
        "/Resources/Api/Properties/LoadBalancers/1/ContainerPort"
    )
    assert to_document("/loadBalancers/0/containerName") == "/Resources/Api/Properties/LoadBalancers/0"
    assert to_document("/deploymentConfiguration/maximumPercent") == (
        "/Resources/Api/Properties/DeploymentConfiguration/MaximumPercent"
    )
    assert to_document("/placementStrategy/0/type") == "/Resources/Api/Properties/PlacementStrategies/0/Type"
    assert to_document("/serviceConnectConfiguration/logConfiguration/options/max-buffer-size") == (
        "/Resources/Api/Properties/ServiceConnectConfiguration/LogConfiguration/Options/max-buffer-size"
    )
    assert to_document("") == "/Resources/Api/Properties"


def test_a_load_balancers_stack_alone_is_linted_for_its_listener_rules(tmp_path: Path) -> None:
    """A stack of the load balancer, its listener and the services' rules, kept apart from the services:
    what can be wrong there alone (two rules of the listener with one priority) is reported, and a
    folder search finds it."""
    rule = (
        "  {name}:\n    Type: AWS::ElasticLoadBalancingV2::ListenerRule\n    Properties:\n"
        "      ListenerArn: !Ref Listener\n      Priority: {priority}\n"
        "      Conditions: [{{Field: path-pattern, Values: [/{name}/*]}}]\n"
        "      Actions: [{{Type: forward, TargetGroupArn: !Ref TG}}]\n"
    )
    text = (
        "Resources:\n  TG:\n    Type: AWS::ElasticLoadBalancingV2::TargetGroup\n"
        "    Properties: {Port: 80, Protocol: HTTP, TargetType: ip}\n"
        "  Listener:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n"
        "    Properties: {LoadBalancerArn: arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/a/1,"
        " Port: 80, Protocol: HTTP, DefaultActions: [{Type: forward, TargetGroupArn: !Ref TG}]}\n"
        + rule.format(name="users", priority=10)
        + rule.format(name="posts", priority=10)
    )
    (tmp_path / "alb.yaml").write_text(text, encoding="utf-8")
    result = run(tmp_path, "alb.yaml", text)
    assert [(f["rule"], f["line"], f["column"]) for f in result.findings] == [("TDL819", 19, 7)]
    assert [f["rule"] for f in lint(tmp_path, ".").findings] == ["TDL819"]
    result = run(tmp_path, "service.yaml", SERVICE_ONLY)
    assert [f["rule"] for f in result.findings if f["rule"].startswith("TDL00")] == []


def test_properties_that_are_not_an_object(tmp_path: Path) -> None:
    text = "Resources:\n  Web:\n    Type: AWS::ECS::Service\n    Properties: [1]\n"
    result = run(tmp_path, "t.yaml", text)
    assert [(f["rule"], f["pointer"], f["line"], f["column"]) for f in result.findings] == [
        ("TDL003", "/Resources/Web/Properties", 4, 5)
    ]
    assert result.findings[0]["message"] == "Properties must be an object (resource Web)"


@pytest.mark.parametrize(
    ("model", "shape", "ours"),
    [
        ("ecs", "CreateServiceRequest", "SERVICE"),
        ("elbv2", "CreateTargetGroupInput", "OTHER"),
        ("elbv2", "CreateListenerInput", "OTHER"),
        ("elbv2", "CreateRuleInput", "OTHER"),
        ("servicediscovery", "CreateServiceRequest", "OTHER"),
    ],
)
def test_integer_and_boolean_members_are_the_models(model: str, shape: str, ours: str) -> None:
    """The members whose strings the reader converts to numbers and booleans are those the APIs' models
    type so (the reader's tables are by name, across the resources of one kind)."""
    botocore = pytest.importorskip("botocore.session")
    service_model = botocore.get_session().get_service_model(model)
    integers: set[str] = set()
    booleans: set[str] = set()
    seen: set[str] = set()
    stack = [service_model.shape_for(shape)]
    while stack:
        current = stack.pop()
        if current.type_name == "list":
            stack.append(current.member)
        if current.type_name != "structure" or current.name in seen:
            continue
        seen.add(current.name)
        for member, inner in current.members.items():
            if inner.type_name in ("integer", "long"):
                integers.add(member)
            elif inner.type_name == "boolean":
                booleans.add(member)
            stack.append(inner)
    assert integers <= getattr(cfnresources, f"{ours}_INTEGERS")
    assert booleans <= getattr(cfnresources, f"{ours}_BOOLEANS")
    if ours == "SERVICE":
        assert integers == cfnresources.SERVICE_INTEGERS
        assert booleans == cfnresources.SERVICE_BOOLEANS


# --- Where a service's findings are, in each form ----------------------------------------------------------


def replace(text: str, old: str, new: str, after: str = "") -> str:
    """`text` with the first `old` after the first `after` replaced by `new`."""
    start = text.index(after) if after else 0
    offset = text.index(old, start)
    return text[:offset] + new + text[offset + len(old) :]


def rename_container_in_load_balancer(name: str, text: str) -> str:
    """The service's load balancer names container `app`; the task definition's is `web`."""
    after = anchor(name, IDS[name]["service"])
    if name == YAML:
        return replace(text, "- ContainerName: web", "- ContainerName: app", after)
    return replace(text, '"ContainerName": "web"', '"ContainerName": "app"', after)


@pytest.mark.parametrize("name", FORMS)
def test_a_service_finding_is_at_its_member_and_names_the_resource(tmp_path: Path, name: str) -> None:
    text = rename_container_in_load_balancer(name, text_of(name))
    result = run(tmp_path, name, text)
    findings = [f for f in result.findings if f["rule"] == "TDL801"]
    service = IDS[name]["service"]
    line, column = position(text, key_of(name, "ContainerName"), anchor(name, service))
    assert [(f["pointer"], f["line"], f["column"]) for f in findings] == [
        (f"{properties(name, 'service')}/LoadBalancers/0/ContainerName", line, column)
    ]
    construct = ", construct ForumStack/Web/Service/Service" if name == CDK else ""
    assert findings[0]["message"] == (
        'LoadBalancers[0].ContainerName "app" is not a container of the task definition (its containers: '
        f'"web") (resource {service}{construct})'
    )


@pytest.mark.parametrize(
    ("message", "worded"),
    [
        (
            'serviceRegistries[0].containerName "appServer" is not a container (its containers: "web")',
            'ServiceRegistries[0].ContainerName "appServer" is not a container (its containers: "web")',
        ),
        (
            "launchType FARGATE with a capacityProviderStrategy, e.g. at desiredCount 1 (platform 1.4.0)",
            "LaunchType FARGATE with a CapacityProviderStrategy, e.g. at DesiredCount 1 (platform 1.4.0)",
        ),
        (
            "serviceConnectConfiguration.logConfiguration.options.maxBufferSize; placementStrategy[1].field",
            "ServiceConnectConfiguration.LogConfiguration.Options.maxBufferSize; PlacementStrategies[1].Field",
        ),
        (
            "the service runs on ecs.amazonaws.com as a service",
            "the service runs on ecs.amazonaws.com as a service",
        ),
    ],
)
def test_messages_about_a_service_speak_the_templates_names(message: str, worded: str) -> None:
    assert cfnresources.cfn_words(message) == worded


def test_positions_in_the_yaml_stack_by_hand(tmp_path: Path) -> None:
    """The same finding, with its line and column written out (the YAML stack, line 62)."""
    text = rename_container_in_load_balancer(YAML, text_of(YAML))
    assert text.splitlines()[61] == "                - ContainerName: app"
    result = run(tmp_path, YAML, text, "TDL801")
    assert [(f["rule"], f["line"], f["column"]) for f in result.findings] == [("TDL801", 62, 19)]


# --- TDL818 target-group-not-attached --------------------------------------------------------------------


def drop_wait(name: str, text: str) -> str:
    """The service no longer waits for the listener rule (nor, in the CDK's output, the listener)."""
    if name == YAML:
        return text.replace("        DependsOn: ListenerRule\n", "", 1)
    if name == JSON:
        return text.replace('      "DependsOn": ["ListenerRule"],\n', "", 1)
    document = json.loads(text)
    del document["Resources"][IDS[CDK]["service"]]["DependsOn"]
    return json.dumps(document, indent=1) + "\n"


@pytest.mark.parametrize("name", FORMS)
def test_tdl818_a_service_that_does_not_wait_for_the_listener(tmp_path: Path, name: str) -> None:
    assert found(run(tmp_path, name, text_of(name)), "TDL818") == []
    text = drop_wait(name, text_of(name))
    result = run(tmp_path, name, text)
    service = IDS[name]["service"]
    line, column = position(text, key_of(name, "TargetGroupArn"), anchor(name, service))
    assert found(result, "TDL818") == [
        (f"{properties(name, 'service')}/LoadBalancers/0/TargetGroupArn", line, column)
    ]
    [finding] = [f for f in result.findings if f["rule"] == "TDL818"]
    assert finding["severity"] == "warning"
    assert f"target group {IDS[name]['tg']}" in finding["message"]


def template(resources: str, head: str = "") -> str:
    return 'AWSTemplateFormatVersion: "2010-09-09"\n' + head + "Resources:\n" + resources


TARGET_GROUP = """\
  TG:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {Port: 80, Protocol: HTTP, VpcId: vpc-0a1b2c3d}
"""
LISTENER = """\
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/forum/50dc6c495c0c9188
      Port: 80
      Protocol: HTTP
      DefaultActions:
        - Type: forward
          ForwardConfig:
            TargetGroups:
              - TargetGroupArn: !GetAtt TG.TargetGroupArn
"""


def service(depends: str = "", target_group: str = "!Ref TG") -> str:
    return (
        "  Web:\n    Type: AWS::ECS::Service\n"
        + depends
        + "    Properties:\n      TaskDefinition: web:4\n      LoadBalancers:\n"
        + f"        - {{ContainerName: web, ContainerPort: 80, TargetGroupArn: {target_group}}}\n"
    )


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        # The listener forwards to the target group (in a ForwardConfig); the service waits for it.
        (TARGET_GROUP + LISTENER + service("    DependsOn: Listener\n"), []),
        # ... or does not.
        (TARGET_GROUP + LISTENER + service(), [(22, 51)]),
        # It waits for a resource that waits for the listener.
        (
            TARGET_GROUP
            + LISTENER
            + "  Ready:\n    Type: AWS::CloudFormation::WaitConditionHandle\n    DependsOn: Listener\n"
            + service("    DependsOn: [Ready]\n"),
            [],
        ),
        # No listener of the template forwards to it.
        (
            TARGET_GROUP
            + LISTENER.replace("!GetAtt TG.TargetGroupArn", "arn:aws:elasticloadbalancing:eu-west-1:1:tg/x/1")
            + service("    DependsOn: Listener\n"),
            [(23, 51)],
        ),
        # No listener in the template: it is attached elsewhere, nothing to tell.
        (TARGET_GROUP + service(), []),
        # The target group is not the template's.
        (
            TARGET_GROUP + LISTENER + service(target_group="arn:aws:elasticloadbalancing:eu-west-1:1:tg/x/1"),
            [],
        ),
        # Through a parameter or an import: not a reference to a resource of the template.
        (TARGET_GROUP + LISTENER + service(target_group="!ImportValue forum-web-tg"), []),
    ],
)
def test_tdl818_cases(tmp_path: Path, resources: str, expected: list[tuple[int, int]]) -> None:
    text = template(resources)
    result = run(tmp_path, "t.yaml", text, "TDL818")
    assert [(f["line"], f["column"]) for f in result.findings] == expected
    assert {f["pointer"] for f in result.findings} <= {
        "/Resources/Web/Properties/LoadBalancers/0/TargetGroupArn"
    }
    for line, column in expected:
        assert text.splitlines()[line - 1][column - 1 :].startswith("TargetGroupArn")


# --- TDL819 duplicate-listener-rule-priority ----------------------------------------------------------------


def duplicate_rule(name: str, text: str) -> tuple[str, str]:
    """A second path rule on the same listener with the first one's priority, and its logical id."""
    rule = IDS[name]["rule"]
    if name == YAML:
        block = text[text.index(f"    {rule}:\n") : text.index("    DiscoveryService:\n")]
        copy = block.replace(f"{rule}:", "AdminRule:", 1).replace("- !Ref Path", "- /admin/*")
        return text.replace(block, block + copy, 1), "AdminRule"
    document = json.loads(text)
    resources = document["Resources"]
    copy = json.loads(json.dumps(resources[rule]))
    copy["Properties"]["Conditions"] = [{"Field": "path-pattern", "Values": ["/admin/*"]}]
    copy["Properties"].pop("Metadata", None)
    resources["AdminRule"] = copy
    return json.dumps(document, indent=2 if name == JSON else 1) + "\n", "AdminRule"


@pytest.mark.parametrize("name", FORMS)
def test_tdl819_a_second_rule_with_the_same_priority(tmp_path: Path, name: str) -> None:
    assert found(run(tmp_path, name, text_of(name)), "TDL819") == []
    text, added = duplicate_rule(name, text_of(name))
    result = run(tmp_path, name, text)
    line, column = position(text, key_of(name, "Priority"), anchor(name, added))
    assert found(result, "TDL819") == [(f"/Resources/{added}/Properties/Priority", line, column)]
    [finding] = [f for f in result.findings if f["rule"] == "TDL819"]
    assert finding["severity"] == "error"
    assert f"listener rule {IDS[name]['rule']}" in finding["message"]


def rule(name: str, listener: str, priority: str, condition: str = "") -> str:
    return (
        f"  {name}:\n    Type: AWS::ElasticLoadBalancingV2::ListenerRule\n"
        + (f"    Condition: {condition}\n" if condition else "")
        + f"    Properties:\n      ListenerArn: {listener}\n      Priority: {priority}\n"
        + "      Conditions: [{Field: path-pattern, Values: [/x]}]\n"
        + "      Actions: [{Type: forward, TargetGroupArn: !Ref TG}]\n"
    )


LISTENER_ARN = (
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/forum/50dc6c495c0c9188/f2f7dc8efc522ab2"
)
CONDITIONS = "Conditions:\n  Blue: !Equals [!Ref Colour, blue]\n  Green: !Equals [!Ref Colour, green]\n"


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        # The same listener resource, priorities as a number and as a string.
        (rule("A", "!Ref Listener", "5") + rule("B", "!Ref Listener", '"5"'), ["B"]),
        # Every rule after the first.
        (
            rule("A", "!Ref Listener", "5")
            + rule("B", "!Ref Listener", "5")
            + rule("C", "!Ref Listener", "5"),
            ["B", "C"],
        ),
        (rule("A", "!Ref Listener", "5") + rule("B", "!Ref Listener", "6"), []),
        # The same ARN, the same import: the same listener.
        (rule("A", LISTENER_ARN, "5") + rule("B", LISTENER_ARN, "5"), ["B"]),
        (
            rule("A", "!ImportValue forum-listener", "5") + rule("B", "!ImportValue forum-listener", "5"),
            ["B"],
        ),
        # Other listeners.
        (rule("A", "!ImportValue forum-listener", "5") + rule("B", "!ImportValue admin-listener", "5"), []),
        (rule("A", "!Ref Listener", "5") + rule("B", LISTENER_ARN, "5"), []),
        # A priority only the deployment knows.
        (rule("A", "!Ref Listener", "5") + rule("B", "!Ref Listener", "!Ref Priority"), []),
        # Created under different conditions: perhaps never together. Under the same one: together.
        (rule("A", "!Ref Listener", "5", "Blue") + rule("B", "!Ref Listener", "5", "Green"), []),
        (rule("A", "!Ref Listener", "5", "Blue") + rule("B", "!Ref Listener", "5", "Blue"), ["B"]),
    ],
)
def test_tdl819_cases(tmp_path: Path, rules: str, expected: list[str]) -> None:
    head = "Parameters:\n  Colour: {Type: String}\n  Priority: {Type: Number}\n" + CONDITIONS
    text = template(TARGET_GROUP + LISTENER + rules + service("    DependsOn: Listener\n"), head)
    result = run(tmp_path, "t.yaml", text, "TDL819")
    assert [f["pointer"] for f in result.findings] == [
        f"/Resources/{key}/Properties/Priority" for key in expected
    ]
    for finding, key in zip(result.findings, expected, strict=True):
        assert (finding["line"], finding["column"]) == position(text, "Priority:", anchor("t.yaml", key))


# --- Every service rule that applies to CloudFormation, in each form ---------------------------------------
#
# Each case breaks the correct fixtures in one way: `yaml` edits the YAML stack's text (old, new, the role of
# the resource whose text it edits), `ops` edit the JSON stacks' documents (the hand-written one is written
# again with its indent), and the finding is expected at `at`: a resource's role and the member's path in
# the template's names below its Properties.

Op = tuple[str, str, str, Any]  # ("set" | "del", role, path, value)


def apply(name: str, ops: list[Op]) -> str:
    document = json.loads(text_of(name))
    for action, role, path, value in ops:
        parent: Any = document["Resources"][IDS[name][role]]["Properties"]
        tokens = path.split("/")
        for token in tokens[:-1]:
            parent = parent[int(token)] if isinstance(parent, list) else parent.setdefault(token, {})
        last = tokens[-1]
        if action == "del":
            del parent[int(last) if isinstance(parent, list) else last]
        elif isinstance(parent, list) and int(last) == len(parent):
            parent.append(value)
        elif isinstance(parent, list):
            parent[int(last)] = value
        else:
            parent[last] = value
    return json.dumps(document, indent=2 if name == JSON else 1) + "\n"


def edit(text: str, edits: list[tuple[str, str | None, str]]) -> str:
    """The YAML stack with each `old` after the resource of `role` replaced by `new`; with `new` None,
    the resource's member `old` removed, with all it holds (the lines indented below it)."""
    for old, new, role in edits:
        after = anchor(YAML, IDS[YAML][role])
        if new is not None:
            text = replace(text, old, new, after)
            continue
        start = text.index(f" {old}:", text.index(after))
        start = text.rfind("\n", 0, start) + 1
        indent = len(text[start:]) - len(text[start:].lstrip(" "))
        end = text.index("\n", start) + 1
        while len(text[end:]) - len(text[end:].lstrip(" ")) > indent:
            end = text.index("\n", end) + 1
        text = text[:start] + text[end:]
    return text


def item(name: str, text: str, offset: int, index: int) -> int:
    """Where item `index` of the list after `offset` starts: after its "- " in YAML (the items are not
    lists), at its first character in JSON (counting brackets outside strings)."""
    if name == YAML:
        for _ in range(index + 1):
            offset = text.index("- ", offset + 1)
        return offset + 2
    position = text.index("[", offset) + 1
    depth, count, quoted = 0, 0, False
    while True:
        char = text[position]
        if quoted:
            quoted = char != '"' or text[position - 1] == "\\"
        elif char == '"' and depth == 0 and count == index:
            return position
        elif char == '"':
            quoted = True
        elif char in "[{":
            if depth == 0 and count == index:
                return position
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            count += 1
        position += 1


def locate(name: str, text: str, role: str, path: str) -> tuple[int, int]:
    """Where a member of a resource's Properties starts (its name; an item of a list: its value), found by
    reading the text in order: the resource, Properties, then each member. The items are objects."""
    offset = text.index(anchor(name, IDS[name][role]))
    offset = text.index(key_of(name, "Properties"), offset)
    for token in [t for t in path.split("/") if t]:
        if token.isdigit():
            offset = item(name, text, offset, int(token))
            continue
        offset = text.index(key_of(name, token) + ":" if name == YAML else key_of(name, token), offset)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


# rule: (yaml edits, json ops, (role, path of the finding below Properties))
RULE_CASES: dict[str, tuple[list[tuple[str, str | None, str]], list[Op], tuple[str, str]]] = {
    "TDL802": (
        [("ContainerPort: 8080", "ContainerPort: 8081", "service")],
        [("set", "service", "LoadBalancers/0/ContainerPort", 8081)],
        ("service", "LoadBalancers/0/ContainerPort"),
    ),
    "TDL803": (
        [("TargetType: ip", "TargetType: instance", "tg")],
        [("set", "tg", "TargetType", "instance")],
        ("service", "LoadBalancers/0/TargetGroupArn"),
    ),
    "TDL804": (
        [("NetworkConfiguration", None, "service")],
        [("del", "service", "NetworkConfiguration", None)],
        ("service", ""),
    ),
    "TDL805": (
        [
            ("NetworkMode: awsvpc", "NetworkMode: bridge", "taskdef"),
            ("                - FARGATE", "                - EC2", "taskdef"),
            ("LaunchType: FARGATE", "LaunchType: EC2", "service"),
        ],
        [
            ("set", "taskdef", "NetworkMode", "bridge"),
            ("set", "taskdef", "RequiresCompatibilities", ["EC2"]),
            ("set", "service", "LaunchType", "EC2"),
        ],
        ("service", "NetworkConfiguration"),
    ),
    "TDL806": (
        [
            (
                "LaunchType: FARGATE\n",
                "LaunchType: FARGATE\n            CapacityProviderStrategy:\n"
                "                - CapacityProvider: FARGATE_SPOT\n                  Weight: 1\n",
                "service",
            )
        ],
        [("set", "service", "CapacityProviderStrategy", [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}])],
        ("service", "CapacityProviderStrategy"),
    ),
    "TDL807": (
        [
            ("LaunchType: FARGATE", "LaunchType: EC2", "service"),
            ("AssignPublicIp: DISABLED", "AssignPublicIp: ENABLED", "service"),
            ("                - FARGATE", "                - EC2", "taskdef"),
        ],
        [
            ("set", "service", "LaunchType", "EC2"),
            ("set", "service", "NetworkConfiguration/AwsvpcConfiguration/AssignPublicIp", "ENABLED"),
            ("set", "taskdef", "RequiresCompatibilities", ["EC2"]),
        ],
        ("service", "NetworkConfiguration/AwsvpcConfiguration/AssignPublicIp"),
    ),
    "TDL808": (
        [
            ("NetworkMode: awsvpc", "NetworkMode: bridge", "taskdef"),
            ("                - FARGATE", "                - EC2", "taskdef"),
        ],
        [("set", "taskdef", "NetworkMode", "bridge"), ("set", "taskdef", "RequiresCompatibilities", ["EC2"])],
        ("service", "LaunchType"),
    ),
    "TDL809": (
        [
            ("PlatformVersion: 1.4.0", "PlatformVersion: 1.3.0", "service"),
            (
                "            Memory: 512\n",
                "            Memory: 512\n            EphemeralStorage:\n                SizeInGiB: 40\n",
                "taskdef",
            ),
        ],
        [
            ("set", "service", "PlatformVersion", "1.3.0"),
            ("set", "taskdef", "EphemeralStorage", {"SizeInGiB": 40}),
        ],
        ("service", "PlatformVersion"),
    ),
    "TDL810": (
        [
            (
                "- RegistryArn: !GetAtt DiscoveryService.Arn\n",
                "- RegistryArn: !GetAtt DiscoveryService.Arn\n                  Port: 8080\n"
                "                  ContainerName: web\n                  ContainerPort: 8080\n",
                "service",
            )
        ],
        [
            ("set", "service", "ServiceRegistries/0/Port", 8080),
            ("set", "service", "ServiceRegistries/0/ContainerName", "web"),
            ("set", "service", "ServiceRegistries/0/ContainerPort", 8080),
        ],
        ("service", "ServiceRegistries/0/Port"),
    ),
    "TDL811": (
        [
            (
                "- RegistryArn: !GetAtt DiscoveryService.Arn\n",
                "- RegistryArn: !GetAtt DiscoveryService.Arn\n                  ContainerName: app\n"
                "                  ContainerPort: 8080\n",
                "service",
            ),
            ("- Type: A\n", "- Type: SRV\n", "sd"),
        ],
        [
            ("set", "service", "ServiceRegistries/0/ContainerName", "app"),
            ("set", "service", "ServiceRegistries/0/ContainerPort", 8080),
            ("set", "sd", "DnsConfig/DnsRecords/0/Type", "SRV"),
        ],
        ("service", "ServiceRegistries/0/ContainerName"),
    ),
    "TDL812": (
        [
            (
                "- RegistryArn: !GetAtt DiscoveryService.Arn\n",
                "- RegistryArn: !GetAtt DiscoveryService.Arn\n                  Port: 8080\n",
                "service",
            )
        ],
        [("set", "service", "ServiceRegistries/0/Port", 8080)],
        ("service", "ServiceRegistries/0/Port"),
    ),
    "TDL813": (
        [
            ("NetworkMode: awsvpc", "NetworkMode: bridge", "taskdef"),
            ("                - FARGATE", "                - EC2", "taskdef"),
            ("LaunchType: FARGATE", "LaunchType: EC2", "service"),
            ("- Type: A\n", "- Type: SRV\n", "sd"),
        ],
        [
            ("set", "taskdef", "NetworkMode", "bridge"),
            ("set", "taskdef", "RequiresCompatibilities", ["EC2"]),
            ("set", "service", "LaunchType", "EC2"),
            ("set", "sd", "DnsConfig/DnsRecords/0/Type", "SRV"),
        ],
        ("service", "ServiceRegistries/0"),
    ),
    "TDL814": (
        [("- PortName: http", "- PortName: web", "service")],
        [
            (
                "set",
                "service",
                "ServiceConnectConfiguration",
                {
                    "Enabled": True,
                    "Namespace": "forum",
                    "Services": [{"PortName": "web", "DiscoveryName": "web-sc"}],
                },
            )
        ],
        ("service", "ServiceConnectConfiguration/Services/0/PortName"),
    ),
    "TDL815": (
        [("LoadBalancers", None, "service")],
        [("del", "service", "LoadBalancers", None)],
        ("service", "HealthCheckGracePeriodSeconds"),
    ),
    "TDL816": (
        [
            ("DesiredCount: !Ref DesiredCount", "DesiredCount: 1", "service"),
            ("MaximumPercent: 200", "MaximumPercent: 100", "service"),
        ],
        [
            ("set", "service", "DesiredCount", 1),
            ("set", "service", "DeploymentConfiguration/MaximumPercent", 100),
        ],
        ("service", "DeploymentConfiguration/MaximumPercent"),
    ),
    "TDL817": (
        [("DeploymentCircuitBreaker", None, "service")],
        [("del", "service", "DeploymentConfiguration/DeploymentCircuitBreaker", None)],
        ("service", "DeploymentConfiguration"),
    ),
    "TDL820": (
        [
            (
                "LaunchType: FARGATE\n",
                "LaunchType: FARGATE\n            SchedulingStrategy: DAEMON\n",
                "service",
            )
        ],
        [("set", "service", "SchedulingStrategy", "DAEMON")],
        ("service", "SchedulingStrategy"),
    ),
    "TDL821": (
        [
            ("LaunchType: FARGATE", "LaunchType: EC2", "service"),
            ("                - FARGATE", "                - EC2", "taskdef"),
        ],
        [
            ("set", "service", "LaunchType", "EC2"),
            ("set", "service", "PlatformVersion", "1.4.0"),
            ("set", "taskdef", "RequiresCompatibilities", ["EC2"]),
        ],
        ("service", "PlatformVersion"),
    ),
    "TDL822": (
        [
            (
                "LaunchType: FARGATE\n",
                "LaunchType: FARGATE\n            Role: arn:aws:iam::123456789012:role/ecsServiceRole\n",
                "service",
            )
        ],
        [("set", "service", "Role", "arn:aws:iam::123456789012:role/ecsServiceRole")],
        ("service", "Role"),
    ),
    "TDL823": (
        [("TargetGroupArn: !Ref TargetGroup", "LoadBalancerName: forum-web", "service")],
        [
            ("del", "service", "LoadBalancers/0/TargetGroupArn", None),
            ("set", "service", "LoadBalancers/0/LoadBalancerName", "forum-web"),
        ],
        ("service", "LoadBalancers/0/LoadBalancerName"),
    ),
    "TDL824": (
        [
            (
                "- RegistryArn: !GetAtt DiscoveryService.Arn\n",
                "- RegistryArn: !GetAtt DiscoveryService.Arn\n"
                "                - RegistryArn: arn:aws:servicediscovery:eu-west-1:123456789012:service/srv-web2\n",
                "service",
            )
        ],
        [
            (
                "set",
                "service",
                "ServiceRegistries/1",
                {"RegistryArn": "arn:aws:servicediscovery:eu-west-1:123456789012:service/srv-web2"},
            )
        ],
        ("service", "ServiceRegistries/1"),
    ),
    "TDL825": (
        [
            ("NetworkMode: awsvpc", "NetworkMode: bridge", "taskdef"),
            ("                - FARGATE", "                - EC2", "taskdef"),
            ("LaunchType: FARGATE", "LaunchType: EC2", "service"),
            ("NetworkConfiguration", None, "service"),
            ("TargetType: ip", "TargetType: instance", "tg"),
            (
                "HealthCheckPath: /web/health\n",
                'HealthCheckPath: /web/health\n            HealthCheckPort: "8080"\n',
                "tg",
            ),
        ],
        [
            ("set", "taskdef", "NetworkMode", "bridge"),
            ("set", "taskdef", "RequiresCompatibilities", ["EC2"]),
            ("set", "service", "LaunchType", "EC2"),
            ("del", "service", "NetworkConfiguration", None),
            ("set", "tg", "TargetType", "instance"),
            ("set", "tg", "HealthCheckPort", "8080"),
        ],
        ("service", "LoadBalancers/0/TargetGroupArn"),
    ),
}


def test_every_service_rule_has_its_case() -> None:
    from taskdeflint.engine.catalogue import builtin_rules

    # Every rule on services has its case here, but TDL800 (the run's note), TDL023 (ecspresso's files
    # only) and the two tested above.
    services = {r.id for r in builtin_rules() if r.resource == "service"}
    assert set(RULE_CASES) == services - {"TDL023", "TDL800", "TDL801", "TDL818"}


@pytest.mark.parametrize("name", FORMS)
def test_no_service_rule_fires_on_the_correct_stacks(name: str) -> None:
    result = lint(CFN, name)
    assert [f for f in result.findings if f["rule"].startswith("TDL8")] == []


@pytest.mark.parametrize("rule", sorted(RULE_CASES))
@pytest.mark.parametrize("name", FORMS)
def test_each_service_rule_in_each_form(tmp_path: Path, name: str, rule: str) -> None:
    edits, ops, (role, path) = RULE_CASES[rule]
    text = edit(text_of(YAML), edits) if name == YAML else apply(name, ops)
    result = run(tmp_path, name, text)
    pointer = properties(name, role) + (f"/{path}" if path else "")
    assert found(result, rule) == [(pointer, *locate(name, text, role, path))]


@pytest.mark.parametrize(
    ("name", "called"),
    # The JSON stack's ServiceName is a !Sub of a parameter's default; the CDK's output has none.
    [(YAML, 'Service "web"'), (JSON, 'Service "forum-web"'), (CDK, "The service")],
)
def test_a_service_is_called_by_its_name_or_the_service(tmp_path: Path, name: str, called: str) -> None:
    edits, ops, _ = RULE_CASES["TDL817"]
    text = edit(text_of(YAML), edits) if name == YAML else apply(name, ops)
    [finding] = [f for f in run(tmp_path, name, text).findings if f["rule"] == "TDL817"]
    construct = ", construct ForumStack/Web/Service/Service" if name == CDK else ""
    assert finding["message"].startswith(f"{called} deploys by rolling update")
    assert finding["message"].endswith(f"(resource {IDS[name]['service']}{construct})")


def test_an_unknown_service_property_is_what_cloudformation_refuses(tmp_path: Path) -> None:
    """CloudFormation refuses a property AWS::ECS::Service does not have ("Encountered unsupported
    property"); a misspelt `LoadBalancer` would otherwise leave the load balancer unchecked."""
    text = SERVICE_ONLY.replace(
        "      PlacementStrategies:", "      LoadBalancer: []\n      PlacementStrategies:"
    )
    result = run(tmp_path, "service.yaml", text)
    rows = [
        (f["rule"], f["line"], f["column"], f["message"]) for f in result.findings if f["rule"] == "TDL003"
    ]
    assert rows == [
        (
            "TDL003",
            15,
            7,
            'AWS::ECS::Service: unknown property "LoadBalancer" (did you mean "LoadBalancers"?) (resource Api)',
        )
    ]
    assert [f for f in run(tmp_path, "service.yaml", SERVICE_ONLY).findings if f["rule"] == "TDL003"] == []
