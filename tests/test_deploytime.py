"""Placeholders (config on, off, your own syntax), images the builder renders, describe's tags."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import lint, pointers, rule_findings
from tests.test_terraform import plan

CODEPIPELINE = (
    '{"family": "web", "containerDefinitions": [{"name": "web", "image": "<IMAGE1_NAME>", "memory": 512}]}'
)


def test_placeholders_can_be_turned_off(lint_text: Any) -> None:
    assert pointers(lint_text(CODEPIPELINE), "TDL017") == []
    off = lint_text(CODEPIPELINE, config="placeholders = false\n")
    assert pointers(off, "TDL017") == ["/containerDefinitions/0/image"]
    assert pointers(off, "TDL019") == []


def test_a_syntax_of_your_own(lint_text: Any) -> None:
    text = CODEPIPELINE.replace("<IMAGE1_NAME>", "@@IMAGE@@")
    assert pointers(lint_text(text), "TDL017") == ["/containerDefinitions/0/image"]
    mine = lint_text(text, config="placeholder-patterns = ['@@[A-Z_]+@@']\n")
    assert pointers(mine, "TDL017") == []
    assert pointers(mine, "TDL019") == ["/containerDefinitions/0/image"]


def test_a_pattern_that_is_no_regular_expression_is_a_config_error(lint_text: Any) -> None:
    result = lint_text(CODEPIPELINE, config="placeholder-patterns = ['@@[A-Z']\n")
    assert result.code == 2 and "placeholder-patterns" in result.stderr


def test_a_finding_that_holds_whatever_the_placeholder_is_still_reported(lint_text: Any) -> None:
    # Privileged on Fargate, whatever the image; an unquoted port is still an unknown number.
    text = (
        '{"family": "web", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",\n'
        ' "cpu": "256", "memory": "512", "containerDefinitions": [{"name": "web", "image": "${IMAGE}",\n'
        ' "privileged": true, "portMappings": [{"containerPort": ${PORT}}]}]}'
    )
    result = lint_text(text)
    assert [(f["rule"], f["line"], f["column"]) for f in rule_findings(result, "TDL250")] == [
        ("TDL250", 3, 2)
    ]
    assert rule_findings(result, "TDL003") == [] and rule_findings(result, "TDL001") == []
    assert "2 values are filled in" in rule_findings(result, "TDL019")[0]["message"]


def test_a_quoted_placeholder_where_a_number_belongs_renders_to_a_string(lint_text: Any) -> None:
    text = CODEPIPELINE.replace('"memory": 512', '"memory": "${MEMORY}"')
    assert pointers(lint_text(text), "TDL003") == ["/containerDefinitions/0/memory"]


def test_the_image_the_builder_renders_is_not_reported(lint_text: Any) -> None:
    text = CODEPIPELINE.replace("<IMAGE1_NAME>", "localhost:5000/web:latest")
    assert pointers(lint_text(text), "TDL501") == ["/containerDefinitions/0/image"]
    config = (
        '[services.web]\ncontext = "."\nrepository = "localhost:5000/web"\ntask-definition = "taskdef.json"\n'
    )
    built = lint_text(text, config=config)
    assert [f for f in built.findings if f["rule"].startswith(("TDL5", "TDL01"))] == []


def test_tags_beside_describe_only_members_are_checked_as_tags(lint_text: Any) -> None:
    text = (
        '{"taskDefinitionArn": "arn:aws:ecs:eu-west-1:1:task-definition/web:3", "revision": 3,\n'
        ' "family": "web", "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "memory": 512}],\n'
        ' "tags": [{"key": "team", "value": "web"}]}'
    )
    assert pointers(lint_text(text), "TDL003") == []
    bad = text.replace('{"key": "team", "value": "web"}', '{"key": "team", "valu": "web"}')
    assert pointers(lint_text(bad), "TDL003") == ["/tags/0/valu"]


def test_a_plan_reads_a_case_variant_as_its_member_and_checks_it(lint_text: Any) -> None:
    containers = (
        '[{"name":"web","image":"nginx:1.27","memory":512,'
        '"HealthCheck":{"Command":["curl -f http://localhost/"],"interval":30}}]'
    )
    result = lint_text(plan({"family": "web", "container_definitions": containers}), name="plan.json")
    at = "/planned_values/root_module/resources/0/values/container_definitions/0"
    assert pointers(result, "TDL022") == [f"{at}/HealthCheck", f"{at}/HealthCheck/Command"]
    # The health check is read, and its command checked where the file writes it.
    assert pointers(result, "TDL311") == [f"{at}/HealthCheck/Command/0"]
    assert rule_findings(result, "TDL003") == []


def test_a_list_that_a_tf_file_reads_with_file_is_read_as_terraform_does(tmp_path: Path) -> None:
    (tmp_path / "containers.json").write_text(
        '[\n  {"name": "web", "image": "nginx:1.27", "memory": 512,\n   "portmappings": [{"containerPort": 80}],'
        '\n   "extra": 1, "user": null}\n]\n',
        encoding="utf-8",
    )
    assert {f["rule"] for f in lint(tmp_path, "containers.json").findings} >= {"TDL003", "TDL020"}
    (tmp_path / "main.tf").write_text(
        'resource "aws_ecs_task_definition" "web" {\n  family = "web"\n'
        '  container_definitions = file("${path.module}/containers.json")\n}\n',
        encoding="utf-8",
    )
    found = [(f["rule"], f["line"], f["column"]) for f in lint(tmp_path, "containers.json").findings]
    assert ("TDL022", 3, 4) in found and ("TDL021", 4, 4) in found
    assert not [f for f in found if f[0] in ("TDL003", "TDL020")]
