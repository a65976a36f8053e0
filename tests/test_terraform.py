"""Terraform plans and states (`terraform show -json`): aws_ecs_task_definition resources, their
snake_case attributes and blocks, container_definitions as a JSON string with positions inside it, and
values known only after apply."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from taskdeflint.engine.catalogue import load_catalogue
from taskdeflint.engine.linter import Linter, Policy
from tests import forms
from tests.conftest import DOCUMENT_RULES, ROOT, Result, lint

GOLDEN = Path(__file__).resolve().parent / "golden"
LINTER = Linter(load_catalogue(), Policy())
VALUES = "/planned_values/root_module/resources/0/values"


def position(text: str, needle: str) -> tuple[int, int]:
    offset = text.index(needle)
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def plan(
    values: dict[str, Any], unknown: dict[str, Any] | None = None, section: str = "planned_values"
) -> str:
    resource = {
        "address": "aws_ecs_task_definition.web",
        "mode": "managed",
        "type": "aws_ecs_task_definition",
        "name": "web",
        "values": values,
    }
    document: dict[str, Any] = {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        section: {"root_module": {"resources": [resource]}},
    }
    if unknown is not None:
        document["resource_changes"] = [
            {
                "address": "aws_ecs_task_definition.web",
                "change": {"actions": ["create"], "after_unknown": unknown},
            }
        ]
    return json.dumps(document, indent=2)


def web(**attributes: Any) -> dict[str, Any]:
    containers = attributes.pop(
        "containers", [{"name": "web", "image": "nginx:1.27", "memory": 256, "essential": True}]
    )
    values = {"family": "web", "container_definitions": json.dumps(containers), **attributes}
    return values


def run(tmp_path: Path, text: str, name: str = "plan.json", **options: Any) -> Result:
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = lint(tmp_path, name, **options)
    assert result.code in (0, 1), result.stderr
    return result


def found(result: Result, rule: str | None = None) -> list[tuple[str, str]]:
    return sorted((f["rule"], f["pointer"]) for f in result.findings if rule is None or f["rule"] == rule)


EXAMPLES = forms.rule_examples(DOCUMENT_RULES)


@pytest.mark.parametrize(("rule", "number", "document"), EXAMPLES, ids=[f"{r}-{n}" for r, n, _ in EXAMPLES])
def test_rule_examples_as_plans(rule: str, number: int, document: str) -> None:
    """A rule finds in a plan what it finds in the register input, at the same attribute."""
    register = forms.register_of(document)
    assert register is not None
    base = LINTER.lint("taskdef.json", document.encode())
    assert base is not None
    expected = sorted(
        (f.rule, forms.plan_pointer(f.pointer.removeprefix("/taskDefinition"), register))
        for f in base.findings
        if f.rule != "TDL019"
    )
    result = LINTER.lint("plan.json", forms.plan(register).encode())
    assert result is not None
    assert sorted((f.rule, f.pointer) for f in result.findings) == expected


@pytest.mark.parametrize("name", sorted(p.stem for p in GOLDEN.glob("*.json") if ".expected" not in p.name))
def test_golden_files_as_plans(name: str) -> None:
    text = (GOLDEN / f"{name}.json").read_text(encoding="utf-8")
    register = forms.register_of(text)
    assert register is not None
    base = LINTER.lint("taskdef.json", text.encode())
    result = LINTER.lint("plan.json", forms.plan(register).encode())
    assert base is not None and result is not None
    assert sorted((f.rule, f.pointer) for f in result.findings) == sorted(
        (f.rule, forms.plan_pointer(f.pointer, register)) for f in base.findings
    )


def test_attributes_and_blocks_map_to_their_place(tmp_path: Path) -> None:
    values = web(
        requires_compatibilities=["FARGATE"],
        network_mode="awsvpc",
        cpu="256",
        memory="4096",
        tags={"team": "web", "": "x"},
        volume=[
            {"name": "logs", "host_path": "/var/log/web", "efs_volume_configuration": []},
            {
                "name": "shared",
                "host_path": "",
                "efs_volume_configuration": [
                    {
                        "file_system_id": "fs-1",
                        "transit_encryption": "DISABLED",
                        "authorization_config": [{"iam": "ENABLED"}],
                    }
                ],
            },
        ],
        proxy_configuration=[
            {"container_name": "envoy", "type": "APPMESH", "properties": {"AppPorts": "8080"}}
        ],
    )
    text = plan(values)
    result = run(tmp_path, text)
    got = found(result)
    assert ("TDL201", f"{VALUES}/memory") in got  # 256 CPU units allow at most 2 GB
    assert ("TDL706", f"{VALUES}/volume/0/host_path") in got  # a host path on Fargate
    assert ("TDL707", f"{VALUES}/volume/1/efs_volume_configuration/0/transit_encryption") in got
    assert ("TDL430", f"{VALUES}/proxy_configuration/0/container_name") in got  # no container envoy
    tag = next(f for f in result.findings if f["rule"] == "TDL003")
    assert (tag["pointer"], tag["message"]) == (
        f"{VALUES}/tags/",
        "tags[1].key is 0 characters long; the ECS API allows at least 1 (resource aws_ecs_task_definition.web)",
    )


def test_a_state_file_with_the_providers_empty_values(tmp_path: Path) -> None:
    values = web(
        arn="arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3",
        revision=3,
        cpu="",
        memory="",
        network_mode="bridge",
        execution_role_arn="",
        task_role_arn="",
        ipc_mode="",
        pid_mode="",
        requires_compatibilities=[],
        placement_constraints=[],
        proxy_configuration=[],
        runtime_platform=[],
        volume=[],
        tags={},
        tags_all={},
        skip_destroy=False,
        track_latest=False,
    )
    result = run(tmp_path, plan(values, section="values"), name="terraform.tfstate.json")
    assert [f for f in result.findings if f["rule"] in DOCUMENT_RULES] == []
    assert all(f["pointer"].startswith("/values/root_module/resources/0/values") for f in result.findings)


def test_child_modules_and_addresses(tmp_path: Path) -> None:
    resource = {
        "address": 'module.app.aws_ecs_task_definition.web["blue"]',
        "mode": "managed",
        "type": "aws_ecs_task_definition",
        "name": "web",
        "index": "blue",
        "values": web(containers=[{"name": "web", "image": "nginx:1.27", "memory": 64, "privileged": True}]),
    }
    data = {"address": "data.aws_ecs_task_definition.old", "mode": "data", "type": "aws_ecs_task_definition"}
    document = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [data],
                "child_modules": [{"address": "module.app", "resources": [resource]}],
            }
        },
    }
    result = run(tmp_path, json.dumps(document), select=("TDL101",))
    assert [(f["pointer"], f["message"].rsplit(" (", 1)[1]) for f in result.findings] == [
        (
            "/planned_values/root_module/child_modules/0/resources/0/values/container_definitions/0/privileged",
            'resource module.app.aws_ecs_task_definition.web["blue"])',
        )
    ]


@pytest.mark.parametrize(
    ("unknown", "silent"),
    [
        ({"execution_role_arn": True}, "TDL400"),  # awslogs on Fargate needs an execution role: it has one
        ({"network_mode": True}, "TDL600"),  # Fargate needs awsvpc: unknown is not bridge
        ({"container_definitions": True}, "TDL400"),
    ],
)
def test_values_known_after_apply(tmp_path: Path, unknown: dict[str, Any], silent: str) -> None:
    containers = [
        {
            "name": "web",
            "image": "nginx:1.27",
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": "g",
                    "awslogs-region": "eu-west-1",
                    "awslogs-stream-prefix": "w",
                },
            },
        }
    ]
    values = web(requires_compatibilities=["FARGATE"], cpu="256", memory="512", containers=containers)
    values["network_mode"] = "bridge"
    for key in unknown:
        values.pop(key, None)
    before = run(
        tmp_path,
        plan(web(requires_compatibilities=["FARGATE"], cpu="256", memory="512", containers=containers)),
    )
    assert silent in {f["rule"] for f in before.findings}
    result = run(tmp_path, plan(values, unknown))
    assert silent not in {f["rule"] for f in result.findings}
    assert [f for f in result.findings if f["rule"] in DOCUMENT_RULES] == []


@pytest.mark.parametrize(
    ("containers", "rule", "needle", "message"),
    [
        ('[{"name": "web",}]', "TDL001", ",}", "container_definitions: Trailing comma"),
        (
            '[{"name": "web", "name": "api", "image": "x"}]',
            "TDL002",
            '"name": "api"',
            "container_definitions: Duplicate",
        ),
        (
            '{"name": "web"}',
            "TDL003",
            "",
            "container_definitions must be a JSON list of container definitions",
        ),
    ],
)
def test_container_definitions_that_are_not_a_container_list(
    tmp_path: Path, containers: str, rule: str, needle: str, message: str
) -> None:
    text = plan({"family": "web", "container_definitions": containers})
    result = run(tmp_path, text)
    finding = next(f for f in result.findings if f["rule"] == rule)
    assert finding["message"].startswith(message), finding["message"]
    if needle:
        assert (finding["line"], finding["column"]) == position(text, json.dumps(needle)[1:-1])


def test_a_plan_without_task_definitions(tmp_path: Path) -> None:
    document = {
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": []}},
        "configuration": {"note": "aws_ecs_task_definition"},  # found by the cheap test, then skipped
    }
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "empty.json").write_text(json.dumps(document))
    assert lint(tmp_path, "plans").findings == []
    result = run(tmp_path, json.dumps(document), name="empty.json")
    assert [(f["rule"], f["message"]) for f in result.findings] == [
        (
            "TDL004",
            "Not a task definition: the Terraform plan has no aws_ecs_task_definition or aws_ecs_service resource",
        )
    ]


def test_the_example_plan_and_its_container_file(tmp_path: Path) -> None:
    result = lint(ROOT / "examples" / "terraform", ".")
    assert result.code == 0, result.stderr
    assert {f["path"] for f in result.findings} <= {"plan.json"}
    assert all(f["severity"] == "info" for f in result.findings)
