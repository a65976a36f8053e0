"""Services in Terraform plans and states (`terraform show -json`): aws_ecs_service with the target
groups, listeners, listener rules and Cloud Map services it is tied to, converted to the APIs' names,
with references from the plan's configuration (through module inputs, outputs and depends_on) or, in a
state, by ARN; and the service rules at their line and column in a plan.

The fixtures in tests/data/terraform-services are a configuration and what `terraform show -json` prints
for its plan and state (pretty-printed as `jq .` does): a web service behind an ALB listener rule, found
through Cloud Map, and an API service from a module (`module.api`), with its task definition counted
(`aws_ecs_task_definition.app[0]`); broken/ holds a shop whose services each break one rule.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from taskdeflint.engine.links import connect
from taskdeflint.model import Listener, ListenerRule, Service, TargetGroup
from taskdeflint.readers import base, document
from taskdeflint.readers.tfresources import MAX_CHAIN
from tests.conftest import ROOT, lint

DATA = ROOT / "tests" / "data" / "terraform-services"
PLAN = DATA / "plan.json"
STATE = DATA / "state.json"
BROKEN = DATA / "broken" / "plan.json"


def load(path: Path, text: str | None = None) -> base.Loaded:
    data = path.read_bytes() if text is None else text.encode()
    loaded = document.load(data, name=path.name)
    assert loaded is not None and not loaded.raws, loaded and loaded.raws
    connect(loaded, None, None)
    return loaded


def by_key(loaded: base.Loaded) -> dict[str, base.Placed]:
    return {placed.resource.key: placed for placed in loaded.resources}


# --- reading -----------------------------------------------------------------------------------------

WEB = "aws_ecs_service.web"
API = "module.api.aws_ecs_service.app"
API_TD = "module.api.aws_ecs_task_definition.app[0]"
API_TG = "module.api.aws_lb_target_group.app"
API_RULE = "module.api.aws_lb_listener_rule.app"

# What each resource of the fixture refers to, and what else it waits for, the same in the plan (from
# the configuration) and in the state (by ARN, and by the depends_on that Terraform recorded).
REFS = {
    WEB: {
        "/taskDefinition": "aws_ecs_task_definition.web",
        "/loadBalancers/0/targetGroupArn": "aws_lb_target_group.web",
        "/serviceRegistries/0/registryArn": "aws_service_discovery_service.web",
    },
    "aws_lb_listener_rule.web": {
        "/ListenerArn": "aws_lb_listener.http",
        "/Actions/0/TargetGroupArn": "aws_lb_target_group.web",
    },
    "aws_lb_listener.http": {},
    "aws_lb_target_group.web": {},
    "aws_service_discovery_service.web": {},
    API: {"/taskDefinition": API_TD, "/loadBalancers/0/targetGroupArn": API_TG},
    API_RULE: {
        # var.listener_arn, given aws_lb_listener.http.arn by the module call
        "/ListenerArn": "aws_lb_listener.http",
        "/Actions/0/ForwardConfig/TargetGroups/0/TargetGroupArn": API_TG,
    },
    API_TG: {},
}
WAITS = {
    WEB: (
        "aws_ecs_task_definition.web",
        "aws_lb_listener_rule.web",  # depends_on
        "aws_lb_target_group.web",
        "aws_service_discovery_service.web",
    ),
    "aws_lb_listener_rule.web": ("aws_lb_listener.http", "aws_lb_target_group.web"),
    API: ("aws_lb_listener.http", API_TD, API_RULE, API_TG),  # the listener: the module call's depends_on
    API_RULE: ("aws_lb_listener.http", API_TG),
    API_TG: ("aws_lb_listener.http",),
}


@pytest.mark.parametrize("path", [PLAN, STATE], ids=["plan", "state"])
def test_references_module_addresses_and_depends_on(path: Path) -> None:
    loaded = load(path)
    assert [t.key for t in loaded.targets] == ["aws_ecs_task_definition.web", API_TD]
    resources = by_key(loaded)
    assert {key: p.resource.refs for key, p in resources.items()} == REFS
    assert {key: p.resource.depends_on for key, p in resources.items() if p.resource.depends_on} == WAITS
    # Each service runs the task definition it refers to, and waits for the rule that attaches its
    # target group to the listener.
    taskdefs = {t.key: t.taskdef for t in loaded.targets}
    for key, rule in ((WEB, "aws_lb_listener_rule.web"), (API, API_RULE)):
        service = resources[key].resource
        assert isinstance(service, Service)
        assert service.taskdef is taskdefs[service.refs["/taskDefinition"]]
        assert service.graph is not None and service.graph.reaches(key, {rule})
    kinds = {key: type(p.resource) for key, p in resources.items()}
    assert kinds["aws_lb_listener.http"] is Listener
    assert kinds[API_RULE] is ListenerRule
    assert kinds[API_TG] is TargetGroup
    assert {p.form for p in loaded.resources} == {"Terraform plan" if path == PLAN else "Terraform state"}


def test_attributes_in_the_apis_names() -> None:
    resources = by_key(load(PLAN))
    web = resources[WEB].resource.data
    assert {k: v for k, v in web.items() if k != "taskDefinition"} == {
        "serviceName": "web",
        "desiredCount": 2,
        "launchType": "FARGATE",
        "schedulingStrategy": "REPLICA",
        "enableECSManagedTags": False,
        "enableExecuteCommand": False,
        "deploymentConfiguration": {
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        },
        "loadBalancers": [
            {
                "containerName": "web",
                "containerPort": 8080,
                "targetGroupArn": web["loadBalancers"][0]["targetGroupArn"],
            }
        ],
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "assignPublicIp": "DISABLED",
                "securityGroups": web["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"],
                "subnets": ["subnet-0a1b2c3d4e5f60718", "subnet-0b2c3d4e5f6071829"],
            }
        },
        "serviceRegistries": [{"registryArn": web["serviceRegistries"][0]["registryArn"]}],
        "cluster": web["cluster"],
        "role": web["role"],
        "platformVersion": web["platformVersion"],
        "availabilityZoneRebalancing": web["availabilityZoneRebalancing"],
    }
    # Known after apply: present, of no JSON type.
    unknown = [web["taskDefinition"], web["cluster"], web["loadBalancers"][0]["targetGroupArn"], web["role"]]
    assert all(type(v).__name__ == "Unknown" for v in unknown)
    api = resources[API].resource.data
    assert "launchType" not in api or type(api["launchType"]).__name__ == "Unknown"
    assert api["capacityProviderStrategy"] == [{"base": 0, "capacityProvider": "FARGATE", "weight": 1}]
    assert api["serviceConnectConfiguration"]["services"] == [
        {"portName": "http", "clientAliases": [{"port": 3000}]}
    ]
    tg = resources["aws_lb_target_group.web"].resource.data
    assert {
        k: tg[k] for k in ("Name", "Port", "Protocol", "TargetType", "VpcId", "HealthCheckPath", "Matcher")
    } == {
        "Name": "forum-web",
        "Port": 8080,
        "Protocol": "HTTP",
        "TargetType": "ip",
        "VpcId": "vpc-0c5e1f2a3b4d6e7f8",
        "HealthCheckPath": "/health",
        "Matcher": {"HttpCode": "200"},
    }
    listener = resources["aws_lb_listener.http"].resource.data
    assert listener["DefaultActions"][0]["FixedResponseConfig"] == {
        "ContentType": "text/plain",
        "MessageBody": "Not found",
        "StatusCode": "404",
    }
    rule = resources["aws_lb_listener_rule.web"].resource.data
    assert (rule["Priority"], rule["Conditions"]) == (
        100,
        [{"PathPatternConfig": {"Values": ["/*"]}, "Field": "path-pattern"}],
    )
    discovery = resources["aws_service_discovery_service.web"].resource
    assert discovery.data["DnsConfig"]["DnsRecords"] == [{"TTL": 10, "Type": "A"}]


def test_the_state_has_the_known_values() -> None:
    resources = by_key(load(STATE))
    web = resources[WEB].resource.data
    assert web["taskDefinition"] == "arn:aws:ecs:eu-west-1:123456789012:task-definition/forum-web:1"
    assert web["role"] == "/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"
    assert "launchType" not in resources[API].resource.data  # "" once the capacity provider chose


def test_origins_point_into_the_plan_in_the_providers_names() -> None:
    placed = by_key(load(PLAN))[WEB]
    values = "/planned_values/root_module/resources/1/values"
    assert json.loads(PLAN.read_text())["planned_values"]["root_module"]["resources"][1]["address"] == WEB
    assert {
        pointer: placed.to_document(pointer)
        for pointer in (
            "",
            "/loadBalancers/0/containerPort",
            "/loadBalancers/0/targetGroupArn",
            "/networkConfiguration",
            "/networkConfiguration/awsvpcConfiguration/assignPublicIp",
            "/deploymentConfiguration/minimumHealthyPercent",
            "/deploymentConfiguration/deploymentCircuitBreaker/enable",
            "/serviceRegistries/0/registryArn",
            # Members the service does not set: where the provider would have them.
            "/deploymentConfiguration",
            "/healthCheckGracePeriodSeconds",
            "/serviceRegistries/0/port",
            "/capacityProviderStrategy",
        )
    } == {
        "": values,
        "/loadBalancers/0/containerPort": f"{values}/load_balancer/0/container_port",
        "/loadBalancers/0/targetGroupArn": f"{values}/load_balancer/0/target_group_arn",
        "/networkConfiguration": f"{values}/network_configuration",
        "/networkConfiguration/awsvpcConfiguration/assignPublicIp": f"{values}/network_configuration/0/assign_public_ip",
        "/deploymentConfiguration/minimumHealthyPercent": f"{values}/deployment_minimum_healthy_percent",
        "/deploymentConfiguration/deploymentCircuitBreaker/enable": f"{values}/deployment_circuit_breaker/0/enable",
        "/serviceRegistries/0/registryArn": f"{values}/service_registries/0/registry_arn",
        "/deploymentConfiguration": f"{values}/deployment_configuration",
        "/healthCheckGracePeriodSeconds": f"{values}/health_check_grace_period_seconds",
        "/serviceRegistries/0/port": f"{values}/service_registries/0/port",
        "/capacityProviderStrategy": f"{values}/capacity_provider_strategy",
    }


def test_a_plan_of_services_without_task_definitions_is_linted(tmp_path: Path) -> None:
    plan = json.loads(PLAN.read_text())
    module = plan["planned_values"]["root_module"]
    module["resources"] = [r for r in module["resources"] if r["type"] != "aws_ecs_task_definition"]
    del module["child_modules"]
    (tmp_path / "plan.json").write_text(json.dumps(plan, indent=2))
    result = lint(tmp_path, "plan.json")
    assert result.code == 0, result.stderr
    # Not TDL004: the service is linted, without the task definition that only the apply makes known.
    assert [(f["rule"], f["line"], f["column"], f["pointer"], f["message"]) for f in result.findings] == [
        (
            "TDL800",
            42,
            11,
            "/planned_values/root_module/resources/1/values/task_definition",
            "The task definition of service web is known only when deployed; the checks that compare the "
            "service with it were skipped (resource aws_ecs_service.web)",
        )
    ]


def test_a_document_with_neither_is_not_a_task_definition(tmp_path: Path) -> None:
    plan = {"format_version": "1.2", "planned_values": {"root_module": {"resources": []}}}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    result = lint(tmp_path, "plan.json")
    assert [(f["rule"], f["message"]) for f in result.findings] == [
        (
            "TDL004",
            "Not a task definition: the Terraform plan has no aws_ecs_task_definition or aws_ecs_service resource",
        )
    ]


def test_references_that_loop_between_a_module_and_its_caller_end() -> None:
    """`var.x` given `module.m.out` whose value is `var.x`, and a chain longer than any configuration:
    read in bounded time, unresolved."""
    outputs = {f"o{n}": {"expression": {"references": [f"var.v{n}"]}} for n in range(3 * MAX_CHAIN)}
    inputs = {f"v{n}": {"references": [f"module.m.o{n + 1}", "module.m"]} for n in range(3 * MAX_CHAIN)}
    inputs["v0"] = {"references": ["module.m.o0", "module.m"]}
    service = {
        "address": "module.m.aws_ecs_service.s",
        "mode": "managed",
        "type": "aws_ecs_service",
        "name": "s",
        "values": {"name": "s", "task_definition": "web", "desired_count": 1},
    }
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {"child_modules": [{"address": "module.m", "resources": [service]}]}
        },
        "configuration": {
            "root_module": {
                "module_calls": {
                    "m": {
                        "expressions": inputs,
                        "module": {
                            "outputs": outputs,
                            "resources": [
                                {
                                    "address": "aws_ecs_service.s",
                                    "type": "aws_ecs_service",
                                    "name": "s",
                                    "expressions": {"task_definition": {"references": ["var.v0"]}},
                                }
                            ],
                        },
                    }
                }
            }
        },
    }
    loaded = load(Path("plan.json"), json.dumps(plan))
    assert [(p.resource.key, p.resource.refs) for p in loaded.resources] == [
        ("module.m.aws_ecs_service.s", {})
    ]


# --- findings at their place -------------------------------------------------------------------------


def findings(path: Path, **options: Any) -> list[tuple[str, int, int, str]]:
    result = lint(path.parent, path.name, **options)
    assert result.code in (0, 1), result.stderr
    return sorted(
        (f["rule"], f["line"], f["column"], f["pointer"])
        for f in result.findings
        if f["rule"].startswith("TDL8")
    )


def test_the_correct_plan_and_state_have_no_service_findings() -> None:
    for path in (PLAN, STATE):
        result = lint(path.parent, path.name)
        assert result.code == 0, result.stderr
        assert [f for f in result.findings if f["severity"] != "info" or f["rule"].startswith("TDL8")] == []


def test_a_service_finding_names_the_resource_at_its_attribute() -> None:
    result = lint(BROKEN.parent, BROKEN.name, select=("TDL801",))
    assert [(f["rule"], f["line"], f["column"], f["pointer"], f["message"]) for f in result.findings] == [
        (
            "TDL801",
            477,
            17,
            "/planned_values/root_module/resources/5/values/load_balancer/0/container_name",
            'loadBalancers[0].containerName "app" is not a container of the task definition (its containers: '
            '"web") (resource aws_ecs_service.lb_container)',
        )
    ]


def test_the_plan_as_terraform_prints_it_on_one_line(tmp_path: Path) -> None:
    compact = json.dumps(json.loads(BROKEN.read_text()), separators=(",", ":"))
    (tmp_path / "plan.json").write_text(compact)
    one_line = findings(tmp_path / "plan.json")
    assert {line for _, line, _, _ in one_line} == {1}
    assert [(r, p) for r, _, _, p in one_line] == [(r, p) for r, _, _, p in findings(BROKEN)]
    _, _, column, _ = one_line[0]
    assert compact[column - 1 :].startswith('"container_name":"app"')
