"""Services in Terraform plans and states (`terraform show -json`): aws_ecs_service with the target
groups, listeners, listener rules and Cloud Map services it is tied to, converted to the APIs' names,
with references from the plan's configuration (through module inputs, outputs and depends_on) or, in a
state, by ARN; and the service rules at their line and column in a plan.

The fixtures in tests/data/terraform-services are a configuration and its plan and state written as
`terraform show -json` prints them (pretty-printed as `jq .` does): a web service behind an ALB listener rule, found
through Cloud Map, and an API service from a module (`module.api`), with its task definition counted
(`aws_ecs_task_definition.app[0]`); broken/ holds a shop whose services each break one rule.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from taskdeflint.engine.links import connect
from taskdeflint.model import Listener, ListenerRule, Resource, Service, TargetGroup
from taskdeflint.readers import base, document
from taskdeflint.readers.tfresources import MAX_CHAIN, MIN_WAITS, UNFOLLOWED
from tests.conftest import ROOT, lint

DATA = ROOT / "tests" / "data" / "terraform-services"
PLAN = DATA / "plan.json"
STATE = DATA / "state.json"
BROKEN = DATA / "broken" / "plan.json"


def load(path: Path, text: str | None = None) -> base.Loaded:
    data = path.read_bytes() if text is None else text.encode()
    loaded = document.load(data, name=path.name)
    assert loaded is not None and not loaded.raws, loaded and loaded.raws
    connect(loaded, None, None, read=lambda path: [])  # a plan ties no file of its own
    return loaded


def by_key(loaded: base.Loaded) -> dict[str, base.Placed]:
    return {placed.resource.key: placed for placed in loaded.resources}


# --- reading -----------------------------------------------------------------------------------------

WEB = "aws_ecs_service.web"
API = "module.api.aws_ecs_service.app"
API_TD = "module.api.aws_ecs_task_definition.app[0]"
API_TG = "module.api.aws_lb_target_group.app"
API_RULE = "module.api.aws_lb_listener_rule.app"

# What each resource of the fixture refers to (by an ARN: the state does not tell the other references, to
# a security group's or a namespace's id), and what it waits for, the same in the plan (from the
# configuration) and in the state (by ARN, and by the depends_on that Terraform recorded).
REFS = {
    WEB: {
        "/cluster": "aws_ecs_cluster.main",
        "/taskDefinition": "aws_ecs_task_definition.web",
        "/loadBalancers/0/targetGroupArn": "aws_lb_target_group.web",
        "/serviceRegistries/0/registryArn": "aws_service_discovery_service.web",
    },
    "aws_lb_listener_rule.web": {
        "/ListenerArn": "aws_lb_listener.http",
        "/Actions/0/TargetGroupArn": "aws_lb_target_group.web",
    },
    "aws_lb_listener.http": {"/LoadBalancerArn": "aws_lb.public"},
    "aws_lb_target_group.web": {},
    "aws_service_discovery_service.web": {},
    API: {
        "/cluster": "aws_ecs_cluster.main",  # var.cluster_arn
        "/taskDefinition": API_TD,
        "/loadBalancers/0/targetGroupArn": API_TG,
        "/serviceConnectConfiguration/namespace": "aws_service_discovery_private_dns_namespace.internal",
    },
    API_RULE: {
        # var.listener_arn, given aws_lb_listener.http.arn by the module call
        "/ListenerArn": "aws_lb_listener.http",
        "/Actions/0/ForwardConfig/TargetGroups/0/TargetGroupArn": API_TG,
    },
    API_TG: {},
}
WAITS = {
    WEB: (
        "aws_ecs_cluster.main",
        "aws_ecs_task_definition.web",
        "aws_lb_listener_rule.web",  # depends_on
        "aws_lb_target_group.web",
        "aws_security_group.tasks",
        "aws_service_discovery_service.web",
    ),
    "aws_lb.public": ("aws_security_group.tasks",),
    "aws_lb_listener.http": ("aws_lb.public",),
    "aws_lb_listener_rule.web": ("aws_lb_listener.http", "aws_lb_target_group.web"),
    "aws_service_discovery_service.web": ("aws_service_discovery_private_dns_namespace.internal",),
    API: (
        "aws_ecs_cluster.main",
        "aws_lb_listener.http",  # the module call's depends_on
        "aws_security_group.tasks",
        "aws_service_discovery_private_dns_namespace.internal",  # var.namespace_arn
        API_TD,
        API_RULE,
        API_TG,
    ),
    API_RULE: ("aws_lb_listener.http", API_TG),
    API_TG: ("aws_lb_listener.http",),
}


@pytest.mark.parametrize("path", [PLAN, STATE], ids=["plan", "state"])
def test_references_module_addresses_and_depends_on(path: Path) -> None:
    loaded = load(path)
    assert [t.key for t in loaded.targets] == ["aws_ecs_task_definition.web", API_TD]
    resources = by_key(loaded)
    # Every other resource that waits for something is there too, with only what it waits for.
    assert {key for key, p in resources.items() if type(p.resource) is Resource} == {"aws_lb.public"}
    assert {key for key, p in resources.items() if type(p.resource) is not Resource} == set(REFS)
    for key, refs in REFS.items():
        assert refs.items() <= resources[key].resource.refs.items(), key
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


def test_a_state_names_a_task_definition_by_family_and_revision() -> None:
    """The provider keeps `task_definition` as `family:revision` when the configuration gave no ARN."""
    state = json.loads(STATE.read_text())
    for resource in state["values"]["root_module"]["resources"]:
        if resource["address"] == WEB:
            resource["values"]["task_definition"] = "forum-web:1"
    resources = by_key(load(STATE, json.dumps(state, indent=2)))
    assert resources[WEB].resource.refs["/taskDefinition"] == "aws_ecs_task_definition.web"


@pytest.mark.parametrize("waits", [True, False])
def test_a_service_waits_for_the_listener_rule_through_another_resource(tmp_path: Path, waits: bool) -> None:
    """`depends_on = [time_sleep.after_rule]`, a pause that depends on the rule: the service waits for
    the rule all the same (TDL818 follows it); without the pause's depends_on, it does not."""
    plan = json.loads(PLAN.read_text())
    pause = {
        "address": "time_sleep.after_rule",
        "mode": "managed",
        "type": "time_sleep",
        "name": "after_rule",
        "provider_name": "registry.terraform.io/hashicorp/time",
        "schema_version": 0,
        "values": {"create_duration": "30s", "destroy_duration": None, "triggers": None},
        "sensitive_values": {},
    }
    plan["planned_values"]["root_module"]["resources"].append(pause)
    configured = plan["configuration"]["root_module"]["resources"]
    configured.append(
        {
            "address": "time_sleep.after_rule",
            "mode": "managed",
            "type": "time_sleep",
            "name": "after_rule",
            "provider_config_key": "time",
            "expressions": {"create_duration": {"constant_value": "30s"}},
            "schema_version": 0,
            **({"depends_on": ["aws_lb_listener_rule.web"]} if waits else {}),
        }
    )
    next(r for r in configured if r["address"] == WEB)["depends_on"] = ["time_sleep.after_rule"]
    (tmp_path / "plan.json").write_text(json.dumps(plan, indent=2))
    got = [(f["rule"], f["pointer"]) for f in lint(tmp_path, "plan.json", select=("TDL818",)).findings]
    assert got == ([] if waits else [("TDL818", f"{RESOURCES}/1/values/load_balancer/0/target_group_arn")])


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
        # No deployment_configuration block: what it lacks as a whole is the circuit breaker.
        "/deploymentConfiguration": f"{values}/deployment_circuit_breaker",
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


def test_what_a_module_waiting_for_a_module_expands_to_is_bounded() -> None:
    """`depends_on = [module.b]` on a module call makes each of its resources wait for each of b's: a
    thousand services and a thousand target groups would be a million waits, more than the budget."""
    count = 1000

    def resources(module: str, kind: str, name: str) -> list[dict[str, Any]]:
        return [
            {
                "address": f"module.{module}.{kind}.{name}[{i}]",
                "mode": "managed",
                "type": kind,
                "name": name,
                "index": i,
                "values": {"name": f"{name}{i}"},
            }
            for i in range(count)
        ]

    def module(kind: str, name: str) -> dict[str, Any]:
        return {"resources": [{"address": f"{kind}.{name}", "type": kind, "name": name, "expressions": {}}]}

    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "child_modules": [
                    {"address": "module.a", "resources": resources("a", "aws_ecs_service", "s")},
                    {"address": "module.b", "resources": resources("b", "aws_lb_target_group", "t")},
                ]
            }
        },
        "configuration": {
            "root_module": {
                "module_calls": {
                    "a": {"depends_on": ["module.b"], "module": module("aws_ecs_service", "s")},
                    "b": {"module": module("aws_lb_target_group", "t")},
                }
            }
        },
    }
    text = json.dumps(plan)
    assert count * count > max(MIN_WAITS, len(text) // 4)
    loaded = load(Path("plan.json"), text)
    services = [p.resource for p in loaded.resources if isinstance(p.resource, Service)]
    waits = [len(service.depends_on) for service in services]
    assert waits[0] == count  # the first services wait for every target group
    assert sum(waits) <= max(MIN_WAITS, len(text) // 4) + count
    # The last ones wait for what waits for everything: no check finds that they do not wait.
    last = services[-1]
    assert last.depends_on == (UNFOLLOWED,)
    assert last.graph is not None and last.graph.reaches(last.key, {"module.b.aws_lb_target_group.t[7]"})


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


# Each service of broken/ breaks one rule (its name says which, main.tf a comment): the finding, at the
# attribute that breaks it (or the block that lacks one), in the plan as jq prints it.
RESOURCES = "/planned_values/root_module/resources"
RULES = [
    ("TDL801", 552, 17, "6/values/load_balancer/0/container_name", "aws_ecs_service.lb_container"),
    ("TDL802", 648, 17, "7/values/load_balancer/0/container_port", "aws_ecs_service.lb_port"),
    # The target group's ARN is known only after apply, so absent from the plan: at its load_balancer block.
    ("TDL803", 1792, 15, "20/values/load_balancer/0/target_group_arn", "aws_ecs_service.target_type"),
    ("TDL804", 890, 11, "10/values", "aws_ecs_service.no_network"),
    ("TDL805", 748, 13, "8/values/network_configuration", "aws_ecs_service.network_on_bridge"),
    ("TDL806", 438, 13, "5/values/capacity_provider_strategy", "aws_ecs_service.launch_and_capacity"),
    (
        "TDL807",
        1243,
        17,
        "14/values/network_configuration/0/assign_public_ip",
        "aws_ecs_service.public_ip_ec2",
    ),
    ("TDL808", 309, 13, "3/values/launch_type", "aws_ecs_service.fargate_on_bridge"),
    ("TDL809", 1085, 13, "12/values/platform_version", "aws_ecs_service.old_platform"),
    (
        "TDL810",
        1602,
        17,
        "18/values/service_registries/0/port",
        "aws_ecs_service.registry_port_and_container",
    ),
    (
        "TDL811",
        1508,
        17,
        "17/values/service_registries/0/container_name",
        "aws_ecs_service.registry_container",
    ),
    ("TDL812", 1347, 17, "15/values/service_registries/0/port", "aws_ecs_service.registry_a_with_port"),
    ("TDL813", 1425, 15, "16/values/service_registries/0", "aws_ecs_service.registry_bridge"),
    (
        "TDL814",
        1705,
        21,
        "19/values/service_connect_configuration/0/service/0/port_name",
        "aws_ecs_service.service_connect_port",
    ),
    ("TDL815", 371, 13, "4/values/health_check_grace_period_seconds", "aws_ecs_service.grace_without_lb"),
    ("TDL816", 37, 13, "0/values/deployment_maximum_percent", "aws_ecs_service.cannot_progress"),
    ("TDL817", 817, 13, "9/values/deployment_circuit_breaker", "aws_ecs_service.no_circuit_breaker"),
    ("TDL818", 975, 15, "11/values/load_balancer/0/target_group_arn", "aws_ecs_service.not_attached"),
    ("TDL819", 2472, 13, "32/values/priority", "aws_lb_listener_rule.search_v2"),
    ("TDL820", 244, 13, "2/values/scheduling_strategy", "aws_ecs_service.daemon_on_fargate"),
    ("TDL821", 1170, 13, "13/values/platform_version", "aws_ecs_service.platform_on_ec2"),
    ("TDL823", 135, 17, "1/values/load_balancer/0/elb_name", "aws_ecs_service.classic_elb"),
    (
        "TDL825",
        2782,
        15,
        "40/values/load_balancer/0/target_group_arn",
        "aws_ecs_service.fixed_health_port",
    ),
]


@pytest.mark.parametrize(("rule", "line", "column", "pointer", "address"), RULES, ids=[r[0] for r in RULES])
def test_each_rule_at_its_line_and_column(
    rule: str, line: int, column: int, pointer: str, address: str
) -> None:
    result = lint(BROKEN.parent, BROKEN.name, select=(rule,))
    assert result.code in (0, 1), result.stderr
    got = [(f["rule"], f["line"], f["column"], f["pointer"]) for f in result.findings]
    assert got == [(rule, line, column, f"{RESOURCES}/{pointer}")]
    assert result.findings[0]["message"].endswith(f"(resource {address})")
    resources = json.loads(BROKEN.read_text())["planned_values"]["root_module"]["resources"]
    assert resources[int(pointer.split("/")[0])]["address"] == address


def test_each_service_breaks_only_its_rule() -> None:
    assert findings(BROKEN) == sorted((r, line, c, f"{RESOURCES}/{p}") for r, line, c, p, _ in RULES)


def test_the_plan_as_terraform_prints_it_on_one_line(tmp_path: Path) -> None:
    compact = json.dumps(json.loads(BROKEN.read_text()), separators=(",", ":"))
    (tmp_path / "plan.json").write_text(compact)
    one_line = findings(tmp_path / "plan.json")
    assert {line for _, line, _, _ in one_line} == {1}
    assert [(r, p) for r, _, _, p in one_line] == [(r, p) for r, _, _, p in findings(BROKEN)]
    _, _, column, _ = one_line[0]
    assert compact[column - 1 :].startswith('"container_name":"app"')


# A value the apply decides (a dynamic block over an unknown list, a count from another resource): the
# rule that needs it says nothing.
UNKNOWN = {
    "aws_ecs_service.network_on_bridge": ("network_configuration", "TDL805"),
    "aws_ecs_service.cannot_progress": ("desired_count", "TDL816"),
    "aws_ecs_service.lb_port": ("load_balancer", "TDL802"),
    "aws_ecs_service.daemon_on_fargate": ("launch_type", "TDL820"),
    "aws_ecs_service.launch_and_capacity": ("capacity_provider_strategy", "TDL806"),
    "aws_lb_target_group.instance": ("target_type", "TDL803"),
    "aws_service_discovery_service.a": ("dns_config", "TDL812"),
    "aws_lb_target_group.fixed_health_port": ("health_check", "TDL825"),
}


def test_values_known_only_after_apply_make_no_finding(tmp_path: Path) -> None:
    plan = json.loads(BROKEN.read_text())
    for resource in plan["planned_values"]["root_module"]["resources"]:
        if resource["address"] in UNKNOWN:
            del resource["values"][UNKNOWN[resource["address"]][0]]
    for change in plan["resource_changes"]:
        if change["address"] in UNKNOWN:
            change["change"]["after_unknown"][UNKNOWN[change["address"]][0]] = True
    (tmp_path / "plan.json").write_text(json.dumps(plan, indent=2))
    silent = {rule for _, rule in UNKNOWN.values()}
    assert {r for r, _, _, _ in findings(tmp_path / "plan.json")} == {r[0] for r in RULES} - silent
