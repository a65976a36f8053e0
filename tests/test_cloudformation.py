"""CloudFormation templates (JSON and YAML, and the CDK's cdk.out): task definitions where they live.

The same defect is reported by the same rule, at the right line and column, in register-task-definition
JSON, a JSON template, a YAML template written with short-form tags, and a Terraform plan; every rule's
examples give the same findings as templates; unresolved intrinsic functions are unknown, and a rule stays
silent where its finding would depend on them.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taskdeflint.engine.catalogue import load_catalogue
from taskdeflint.engine.linter import Linter, Policy
from tests import forms
from tests.conftest import DOCUMENT_RULES, ROOT, Result, lint

CFN = Path(__file__).resolve().parent / "cfn"
GOLDEN = Path(__file__).resolve().parent / "golden"
LINTER = Linter(load_catalogue(), Policy())


def position(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """Line and column (1-based) where `needle` starts in `text`."""
    offset = -1
    for _ in range(occurrence):
        offset = text.index(needle, offset + 1)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def run(tmp_path: Path, name: str, text: str, **options: Any) -> Result:
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = lint(tmp_path, name, **options)
    assert result.code in (0, 1), result.stderr
    return result


def found(result: Result, rule: str | None = None) -> list[tuple[str, str]]:
    return sorted((f["rule"], f["pointer"]) for f in result.findings if rule is None or f["rule"] == rule)


def yaml_template(properties: str, head: str = "") -> str:
    """A YAML template whose one AWS::ECS::TaskDefinition resource, TaskDef, has these Properties."""
    body = textwrap.indent(textwrap.dedent(properties).strip("\n"), " " * 6)
    return (
        'AWSTemplateFormatVersion: "2010-09-09"\n'
        + textwrap.dedent(head)
        + "Resources:\n  TaskDef:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n"
        + body
        + "\n"
    )


P = "/Resources/TaskDef/Properties"
C0 = f"{P}/ContainerDefinitions/0"


# --- The same defect where task definitions live ---------------------------------------------------------

REGISTER = """{
  "family": "agent",
  "requiresCompatibilities": ["EC2"],
  "containerDefinitions": [
    {"name": "agent", "image": "example/agent:2.1", "memory": 256, "privileged": true}
  ]
}
"""

TEMPLATE_JSON = """{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "AgentTaskDef": {
      "Type": "AWS::ECS::TaskDefinition",
      "Properties": {
        "Family": "agent",
        "RequiresCompatibilities": ["EC2"],
        "ContainerDefinitions": [
          {"Name": "agent", "Image": "example/agent:2.1", "Memory": 256, "Privileged": true}
        ]
      }
    }
  }
}
"""

TEMPLATE_YAML = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  AgentImage:
    Type: String
    Default: example/agent:2.1
Resources:
  AgentTaskDef:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: !Sub "${AWS::StackName}-agent"
      RequiresCompatibilities: [EC2]
      ExecutionRoleArn: !GetAtt ExecutionRole.Arn
      ContainerDefinitions:
        - Name: agent
          Image: !Ref AgentImage
          Memory: "256"
          Privileged: true
  ExecutionRole:
    Type: AWS::IAM::Role
"""


def plan_with(containers: list[dict[str, Any]]) -> str:
    """A plan of one aws_ecs_task_definition whose container_definitions is these containers' JSON."""
    values = {
        "family": "agent",
        "requires_compatibilities": ["EC2"],
        "container_definitions": json.dumps(containers),
    }
    resource = {
        "address": "aws_ecs_task_definition.agent",
        "mode": "managed",
        "type": "aws_ecs_task_definition",
        "name": "agent",
        "values": values,
    }
    document = {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": [resource]}},
    }
    return json.dumps(document, indent=2)


AGENT = {"name": "agent", "image": "example/agent:2.1", "memory": 256, "privileged": True}
PLAN = plan_with([AGENT])


@pytest.mark.parametrize(
    ("name", "text", "pointer", "needle", "suffix"),
    [
        ("taskdef.json", REGISTER, "/containerDefinitions/0/privileged", '"privileged"', ""),
        (
            "template.json",
            TEMPLATE_JSON,
            "/Resources/AgentTaskDef/Properties/ContainerDefinitions/0/Privileged",
            '"Privileged"',
            " (resource AgentTaskDef)",
        ),
        (
            "template.yaml",
            TEMPLATE_YAML,
            "/Resources/AgentTaskDef/Properties/ContainerDefinitions/0/Privileged",
            "Privileged",
            " (resource AgentTaskDef)",
        ),
        (
            "plan.json",
            PLAN,
            "/planned_values/root_module/resources/0/values/container_definitions/0/privileged",
            '\\"privileged\\"',
            " (resource aws_ecs_task_definition.agent)",
        ),
    ],
)
def test_the_same_defect_where_task_definitions_live(
    tmp_path: Path, name: str, text: str, pointer: str, needle: str, suffix: str
) -> None:
    result = run(tmp_path, name, text, select=("TDL0", "TDL1"))
    findings = [f for f in result.findings if f["rule"] == "TDL101"]
    assert [(f["line"], f["column"], f["pointer"]) for f in findings] == [(*position(text, needle), pointer)]
    assert findings[0]["message"] == (
        'Container "agent" runs privileged, with root-like access to the host container instance' + suffix
    )
    # Nothing else of the document or the schema stage: the forms convert cleanly.
    assert [f for f in result.findings if f["rule"] in DOCUMENT_RULES] == []


def test_positions_inside_container_definitions_count_escapes(tmp_path: Path) -> None:
    # Escapes before the member (\u00e9, a surrogate pair, \n, \") each stand for one character.
    plan = plan_with([{"note": 'é😀\n\t"', **AGENT}])
    assert "\\ud83d" in plan
    result = run(tmp_path, "plan.json", plan, select=("TDL101",))
    assert [(f["line"], f["column"]) for f in result.findings] == [position(plan, '\\"privileged\\"')]


# --- Every rule's examples, as templates ----------------------------------------------------------------

EXAMPLES = forms.rule_examples(DOCUMENT_RULES)


def _as_register(pointer: str) -> str:
    return pointer.removeprefix("/taskDefinition")


@pytest.mark.parametrize(("rule", "number", "document"), EXAMPLES, ids=[f"{r}-{n}" for r, n, _ in EXAMPLES])
@pytest.mark.parametrize("form", ["json", "yaml"])
def test_rule_examples_as_templates(rule: str, number: int, document: str, form: str) -> None:
    """A rule finds in a template what it finds in the register input, at the same member."""
    register = forms.register_of(document)
    assert register is not None
    base = LINTER.lint("taskdef.json", document.encode())
    assert base is not None
    expected = sorted(
        (f.rule, forms.template_pointer(_as_register(f.pointer))) for f in base.findings if f.rule != "TDL019"
    )
    text = forms.template_json(register) if form == "json" else forms.template_yaml(register)
    result = LINTER.lint(f"template.{form}", text.encode())
    assert result is not None
    assert sorted((f.rule, f.pointer) for f in result.findings) == expected


@pytest.mark.parametrize("name", sorted(p.stem for p in GOLDEN.glob("*.json") if ".expected" not in p.name))
def test_golden_files_as_templates(name: str) -> None:
    text = (GOLDEN / f"{name}.json").read_text(encoding="utf-8")
    register = forms.register_of(text)
    assert register is not None
    base = LINTER.lint("taskdef.json", text.encode())
    assert base is not None
    for form, template in (("json", forms.template_json(register)), ("yaml", forms.template_yaml(register))):
        result = LINTER.lint(f"template.{form}", template.encode())
        assert result is not None
        assert sorted((f.rule, f.pointer) for f in result.findings) == sorted(
            (f.rule, forms.template_pointer(f.pointer)) for f in base.findings
        )


def _leaves(value: object, pointer: str = "") -> list[str]:
    out = [pointer]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _leaves(item, f"{pointer}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _leaves(item, f"{pointer}/{index}")
    return out


def _replace(document: Any, pointer: str, value: object) -> None:
    tokens = pointer[1:].split("/")
    for token in tokens[:-1]:
        document = document[int(token)] if isinstance(document, list) else document[token]
    if isinstance(document, list):
        document[int(tokens[-1])] = value
    else:
        document[tokens[-1]] = value


@pytest.mark.parametrize("name", ["fargate-appmesh-firelens", "ec2-bridge-links", "ec2-host-mode-agent"])
@pytest.mark.parametrize("kind", ["GetAtt", "If"])
def test_an_unknown_value_adds_no_finding(name: str, kind: str) -> None:
    """Any value replaced by one the template cannot know (`!GetAtt`), or by `!If` between it and such a
    value, gives no finding that the original does not give: what is reported holds for every value."""
    register = forms.register_of((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    assert register is not None
    template = forms.template(register)
    properties = template["Resources"]["TaskDef"]["Properties"]
    base = LINTER.lint("template.json", json.dumps(template).encode())
    assert base is not None
    known = {(f.rule, f.pointer) for f in base.findings}
    for leaf in _leaves(properties)[1:]:
        changed = copy.deepcopy(template)
        original = copy.deepcopy(properties)
        for token in leaf[1:].split("/"):
            original = original[int(token)] if isinstance(original, list) else original[token]
        unknown: object = {"Fn::GetAtt": ["Other", "Value"]}
        if kind == "If":
            unknown = {"Fn::If": ["SomeCondition", original, unknown]}
        _replace(changed["Resources"]["TaskDef"]["Properties"], leaf, unknown)
        result = LINTER.lint("template.json", json.dumps(changed).encode())
        assert result is not None
        added = {(f.rule, f.pointer) for f in result.findings} - known
        assert added == set(), leaf


# --- Intrinsic functions ----------------------------------------------------------------------------------

EC2_AGENT = """
RequiresCompatibilities: [EC2]
ContainerDefinitions:
  - Name: agent
    Image: example/agent:2.1
    Memory: 256
    Privileged: {privileged}
"""


@pytest.mark.parametrize(
    ("privileged", "expected"),
    [
        ("true", [("TDL101", f"{C0}/Privileged")]),
        ("!If [IsProd, true, true]", [("TDL101", f"{C0}/Privileged")]),
        ("!If [IsProd, true, false]", []),
        ("!Ref Flag", []),
        ("!GetAtt Custom.Privileged", []),
        ('"true"', [("TDL101", f"{C0}/Privileged")]),
        ("!Ref FlagOn", [("TDL101", f"{C0}/Privileged")]),
        ("!Ref FlagEither", []),
        ("!Ref FlagOnly", [("TDL101", f"{C0}/Privileged")]),
        ("!Ref AWS::NoValue", []),
    ],
)
def test_a_rule_is_silent_when_its_finding_depends_on_an_unknown(
    tmp_path: Path, privileged: str, expected: list[tuple[str, str]]
) -> None:
    head = """\
    Parameters:
      Flag: {Type: String}
      FlagOn: {Type: String, Default: "true"}
      FlagEither: {Type: String, AllowedValues: ["true", "false"]}
      FlagOnly: {Type: String, AllowedValues: ["true"]}
    Conditions:
      IsProd: !Equals [!Ref AWS::Region, eu-west-1]
    """
    text = yaml_template(EC2_AGENT.format(privileged=privileged), head)
    assert found(run(tmp_path, "t.yaml", text), "TDL101") == expected
    assert found(run(tmp_path, "t.yaml", text), "TDL003") == []


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("bridge", [("TDL616", f"{C0}/Links")]),
        ("awsvpc", [("TDL616", f"{C0}/Links")]),
        ("!Ref Mode", []),  # bridge allows links, awsvpc does not: the mode decides
        ("!Ref ModeDefault", [("TDL616", f"{C0}/Links")]),
    ],
)
def test_an_unknown_network_mode_is_not_taken_for_bridge(
    tmp_path: Path, mode: str, expected: list[tuple[str, str]]
) -> None:
    head = "Parameters:\n  Mode: {Type: String}\n  ModeDefault: {Type: String, Default: awsvpc}\n"
    properties = f"""
    NetworkMode: {mode}
    ContainerDefinitions:
      - {{Name: web, Image: nginx:1.27, Memory: 256, Links: [api]}}
      - {{Name: api, Image: nginx:1.27, Memory: 256}}
    """
    result = run(tmp_path, "t.yaml", yaml_template(properties, head))
    got = found(result, "TDL616")
    if mode == "bridge":
        assert got == []
    else:
        assert got == expected


def test_no_value_removes_a_member_and_an_if_with_no_value_is_unknown(tmp_path: Path) -> None:
    properties = """
    ContainerDefinitions:
      - Name: web
        Image: nginx:1.27
        Memory: 256
        LogConfiguration: !Ref AWS::NoValue
      - Name: api
        Image: nginx:1.27
        Memory: 256
        LogConfiguration: !If
          - HasLogs
          - LogDriver: awslogs
            Options: {awslogs-group: /ecs/api, awslogs-region: eu-west-1, awslogs-stream-prefix: api}
          - !Ref AWS::NoValue
    """
    result = run(tmp_path, "t.yaml", yaml_template(properties, "Conditions:\n  HasLogs: !Equals [a, b]\n"))
    assert found(result, "TDL113") == [("TDL113", C0)]


def test_parameters_mappings_and_string_functions_are_resolved(tmp_path: Path) -> None:
    head = """\
    Parameters:
      Env: {Type: String, Default: prod}
      Repo: {Type: String, Default: example/web}
    Mappings:
      Sizes:
        prod: {Cpu: "256", Memory: "4096"}
    """
    properties = """
    RequiresCompatibilities: [FARGATE]
    NetworkMode: awsvpc
    Cpu: !FindInMap [Sizes, !Ref Env, Cpu]
    Memory: !FindInMap [Sizes, !Ref Env, Memory]
    ContainerDefinitions:
      - Name: web
        Image: !Join [":", [!Ref Repo, "1.0"]]
        Essential: "true"
      - Name: worker
        Image: !Sub "${Repo}@sha256:${AWS::AccountId}"
        Essential: "false"
    """
    text = yaml_template(properties, head)
    result = run(tmp_path, "t.yaml", text)
    got = found(result)
    # 256 CPU units allow at most 2 GB: reported at the function that gave the value.
    assert ("TDL201", f"{P}/Memory") in got
    assert ("TDL502", f"{P}/ContainerDefinitions/0/Image") in got  # example/web:1.0, not pinned
    assert ("TDL017", f"{P}/ContainerDefinitions/1/Image") not in got  # unknown: not judged
    assert [f for f in result.findings if f["rule"] == "TDL003"] == []
    finding = next(f for f in result.findings if f["rule"] == "TDL201")
    assert (finding["line"], finding["column"]) == position(text, "Memory: !FindInMap")


def test_cloudformation_converts_scalars_as_it_does(tmp_path: Path) -> None:
    properties = """
    Cpu: 256
    Memory: 512
    RequiresCompatibilities: [EC2]
    ContainerDefinitions:
      - Name: web
        Image: nginx:1.27
        Memory: "512"
        Essential: "true"
        ReadonlyRootFilesystem: "True"
        PortMappings: [{ContainerPort: "8080", HostPort: 8080}]
    """
    result = run(tmp_path, "t.yaml", yaml_template(properties))
    assert found(result, "TDL003") == []
    assert found(result, "TDL112") == []


def test_renamed_members_maps_and_tags(tmp_path: Path) -> None:
    properties = """
    Family: data
    RequiresCompatibilities: [FARGATE]
    NetworkMode: awsvpc
    Cpu: "256"
    Memory: "512"
    ExecutionRoleArn: arn:aws:iam::123456789012:role/exec
    TaskRoleArn: arn:aws:iam::123456789012:role/task
    Tags: [{Key: team, Value: data}]
    Volumes:
      - Name: shared
        EFSVolumeConfiguration:
          FilesystemId: fs-12345678
          TransitEncryption: DISABLED
          AuthorizationConfig: {IAM: ENABLED}
    ProxyConfiguration:
      Type: APPMESH
      ContainerName: envoy
      ProxyConfigurationProperties:
        - {Name: AppPorts, Value: "8080"}
    ContainerDefinitions:
      - Name: web
        Image: nginx:1.27
        DockerLabels: {com.example.team: data, Anything: goes}
        MountPoints: [{SourceVolume: shared, ContainerPath: /data}]
      - Name: envoy
        Image: public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod
    """
    result = run(tmp_path, "t.yaml", yaml_template(properties))
    got = found(result)
    assert ("TDL707", f"{P}/Volumes/0/EFSVolumeConfiguration/TransitEncryption") in got
    assert [f for f in result.findings if f["rule"] == "TDL003"] == []


@pytest.mark.parametrize(
    ("properties", "pointer", "message"),
    [
        (
            "ContainerDefinitions: [{Name: web, Image: nginx:1.27, Enviroment: []}]",
            f"{C0}/Enviroment",
            'Container "web": unknown member "Enviroment" (did you mean "Environment"?)',
        ),
        (
            "ContainerDefinitions: [{Name: web, Image: nginx:1.27, privileged: false}]",
            f"{C0}/privileged",
            'Container "web": unknown member "privileged" (did you mean "Privileged"?)',
        ),
        (
            "ContainerDefinitions: [{Name: web, Image: nginx:1.27}]\n"
            "Volumes: [{Name: d, EfsVolumeConfiguration: {FilesystemId: fs-1}}]",
            f"{P}/Volumes/0/EfsVolumeConfiguration",
            'Volumes[0]: unknown member "EfsVolumeConfiguration" (did you mean "EFSVolumeConfiguration"?)',
        ),
        (
            "ContainerDefinitions: [{Name: web, Image: nginx:1.27, Secrets: [{Name: A}]}]",
            f"{C0}/Secrets/0",
            'Container "web" Secrets[0]: missing required member "ValueFrom"',
        ),
        (
            "ContainerDefinitions: [{Name: web, Image: nginx:1.27, HealthCheck: {Command: [CMD, x], Interval: []}}]",
            f"{C0}/HealthCheck/Interval",
            'Container "web" HealthCheck.Interval must be an integer, not an array',
        ),
        ("Family: web", P, 'Task definition: missing required member "ContainerDefinitions"'),
    ],
)
def test_schema_findings_speak_cloudformation(
    tmp_path: Path, properties: str, pointer: str, message: str
) -> None:
    result = run(tmp_path, "t.yaml", yaml_template(properties), select=("TDL003",))
    assert [(f["pointer"], f["message"]) for f in result.findings] == [
        (pointer, f"{message} (resource TaskDef)")
    ]


def test_unknown_names_do_not_make_references_dangle(tmp_path: Path) -> None:
    properties = """
    ContainerDefinitions:
      - Name: web
        Image: nginx:1.27
        Memory: 256
        DependsOn: [{ContainerName: sidecar, Condition: START}]
        Links: [sidecar]
        MountPoints: [{SourceVolume: data, ContainerPath: /data}]
      - Name: !Sub "${AWS::StackName}-sidecar"
        Image: nginx:1.27
        Memory: 256
    Volumes:
      - Name: !Ref VolumeName
    """
    result = run(tmp_path, "t.yaml", yaml_template(properties, "Parameters:\n  VolumeName: {Type: String}\n"))
    assert {"TDL300", "TDL617", "TDL700", "TDL711"}.isdisjoint(f["rule"] for f in result.findings)


@pytest.mark.parametrize(
    "properties",
    [
        "Fn::Transform: {Name: AWS::Include, Parameters: {Location: s3://b/k}}",
        "ContainerDefinitions: [{Fn::Transform: {Name: M}}]",
        "ContainerDefinitions: !Split [',', !ImportValue Containers]",
        "ContainerDefinitions: [!ImportValue Container]",
        "ContainerDefinitions: !If [C, [{Name: a, Image: b}], !Ref AWS::NoValue]",
        "ContainerDefinitions: [{Name: a, Image: b, Ulimits: !Ref AWS::NotificationARNs}]",
    ],
)
def test_structures_made_by_functions_do_not_crash_and_are_not_guessed(
    tmp_path: Path, properties: str
) -> None:
    result = run(tmp_path, "t.yaml", yaml_template(properties))
    assert result.stderr == ""
    assert all(f["rule"] in DOCUMENT_RULES for f in result.findings), result.findings


def test_properties_that_are_not_an_object(tmp_path: Path) -> None:
    text = yaml_template("[]").replace("Properties:\n      []", "Properties: []")
    result = run(tmp_path, "t.yaml", text)
    assert [(f["rule"], f["pointer"], f["message"]) for f in result.findings] == [
        ("TDL003", P, "Properties must be an object (resource TaskDef)")
    ]
    text = yaml_template("[]").replace("Properties:\n      []", "Properties: !If [C, {}, {Family: web}]")
    assert run(tmp_path, "t.yaml", text).findings == []  # made by a function: nothing is known


def test_a_resource_without_properties_is_reported_at_the_resource(tmp_path: Path) -> None:
    text = (
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Empty:\n    Type: AWS::ECS::TaskDefinition\n'
    )
    result = run(tmp_path, "t.yaml", text, select=("TDL003",))
    assert [(f["line"], f["column"], f["pointer"]) for f in result.findings] == [(3, 3, "/Resources/Empty")]


def test_every_task_definition_of_a_template_is_linted_and_named(tmp_path: Path) -> None:
    text = """{"Resources": {
      "Bucket": {"Type": "AWS::S3::Bucket"},
      "One": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [
        {"Name": "a", "Image": "nginx:1.27", "Memory": 64, "Privileged": true}]}},
      "Two": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [
        {"Name": "b", "Image": "nginx:1.27", "Memory": 64, "Privileged": true}]}}}}"""
    result = run(tmp_path, "stack.template", text, select=("TDL101",))
    assert [(f["pointer"], f["message"].rsplit("(", 1)[-1]) for f in result.findings] == [
        ("/Resources/One/Properties/ContainerDefinitions/0/Privileged", "resource One)"),
        ("/Resources/Two/Properties/ContainerDefinitions/0/Privileged", "resource Two)"),
    ]


def test_suppressions_name_template_pointers_and_containers(tmp_path: Path) -> None:
    properties = EC2_AGENT.format(privileged="true")
    config = textwrap.dedent(
        f"""\
        [[suppress]]
        rule = "TDL101"
        pointer = "{C0}/Privileged"
        reason = "the storage agent needs the host's devices"

        [[suppress]]
        rule = "TDL111"
        container = "agent"
        reason = "the image sets its user"
        """
    )
    (tmp_path / ".taskdeflint.toml").write_text(config, encoding="utf-8")
    result = run(tmp_path, "t.yaml", yaml_template(properties))
    assert {"TDL101", "TDL111", "TDL901"}.isdisjoint(f["rule"] for f in result.findings)


# --- YAML ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule", "needle", "message"),
    [
        ("Resources:\n  A: [1, 2\n", "TDL008", "", "Invalid YAML: expected ',' or ']'"),
        (
            "Resources:\n\tA: 1\n",
            "TDL008",
            "\t",
            "Invalid YAML: a tab character; YAML indents with spaces only",
        ),
        ("Resources: {}\n---\nResources: {}\n", "TDL008", "---", "A template holds one YAML document"),
        ("Resources:\n  A: *missing\n", "TDL008", "*missing", "Invalid YAML: found undefined alias"),
        ("Resources:\n  A: &a [*a]\n", "TDL008", "&a", "A YAML alias refers to a node that contains it"),
        ("Resources:\n  A: !Bogus x\n", "TDL008", "!Bogus", "Unknown YAML tag !Bogus"),
        ("# nothing\n", "TDL008", "#", "File holds no YAML document"),
        ('Resources:\n  A: "\x07"\n', "TDL008", "\x07", "Invalid YAML: character #x0007 is not allowed"),
        (
            "a:\n" + "".join(" " * i + "- \n" for i in range(1, 80)),
            "TDL006",
            "",
            "YAML is nested more than 64",
        ),
    ],
)
def test_bad_yaml_is_a_finding_at_its_place_never_a_traceback(
    tmp_path: Path, text: str, rule: str, needle: str, message: str
) -> None:
    result = run(tmp_path, "t.yaml", text)
    assert result.stderr == ""
    finding = next(f for f in result.findings if f["rule"] == rule)
    assert finding["message"].startswith(message), finding["message"]
    if needle:
        assert (finding["line"], finding["column"]) == position(text, needle)


def test_syntax_error_position(tmp_path: Path) -> None:
    result = run(tmp_path, "t.yaml", "Resources:\n  A: [1, 2\n")
    assert [(f["rule"], f["line"], f["column"]) for f in result.findings] == [("TDL008", 3, 1)]


def test_an_alias_bomb_is_stopped(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    result = run(tmp_path, "t.yaml", "\n".join(lines) + "\nResources: {}\n")
    assert [f["rule"] for f in result.findings] == ["TDL008"]
    assert "alias bomb" in result.findings[0]["message"]


def test_duplicate_keys_in_yaml(tmp_path: Path) -> None:
    properties = """
    RequiresCompatibilities: [EC2]
    ContainerDefinitions:
      - Name: web
        Image: nginx:1.27
        Memory: 256
        Memory: 512
    """
    text = yaml_template(properties)
    result = run(tmp_path, "t.yaml", text)
    duplicate = next(f for f in result.findings if f["rule"] == "TDL002")
    line, column = position(text, "Memory: 256")
    assert (duplicate["line"], duplicate["column"]) == position(text, "Memory: 512")
    assert duplicate["pointer"] == f"{C0}/Memory"
    assert duplicate["message"].startswith(
        f'Duplicate key "Memory" (first given at line {line}, column {column})'
    )


def test_anchors_merge_keys_and_long_forms(tmp_path: Path) -> None:
    text = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  TaskDef:
    Type: AWS::ECS::TaskDefinition
    Properties:
      RequiresCompatibilities: [EC2]
      ContainerDefinitions:
        - &base
          Name: web
          Image: {"Fn::Join": [":", [nginx, "1.27"]]}
          Memory: 256
          Privileged: true
        - <<: *base
          Name: api
          Privileged: false
"""
    result = run(tmp_path, "t.yaml", text, select=("TDL0", "TDL101"))
    assert found(result) == [("TDL101", f"{C0}/Privileged")]


def test_linting_json_does_not_import_yaml(tmp_path: Path) -> None:
    (tmp_path / "taskdef.json").write_text(REGISTER, encoding="utf-8")
    (tmp_path / "template.json").write_text(TEMPLATE_JSON, encoding="utf-8")
    code = (
        "import sys\n"
        "from taskdeflint.lint import LintSettings, run\n"
        "from pathlib import Path\n"
        "run(LintSettings(paths=('taskdef.json', 'template.json'), cwd=Path('.')))\n"
        "assert 'yaml' not in sys.modules, 'yaml was imported'\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False, env=env
    )
    assert completed.returncode == 0, completed.stderr


# --- Finding templates: folders, cdk.out, stdin -----------------------------------------------------------


def _cdk_template() -> str:
    return json.dumps(
        {
            "Resources": {
                "WebTaskDef1A2B3C4D": {
                    "Type": "AWS::ECS::TaskDefinition",
                    "Properties": {
                        "ContainerDefinitions": [
                            {
                                "Essential": True,
                                "Image": "nginx:1.27",
                                "Memory": 256,
                                "Name": "web",
                                "Privileged": True,
                            }
                        ],
                        "Family": "AppStackWebTaskDef",
                        "NetworkMode": "bridge",
                        "RequiresCompatibilities": ["EC2"],
                    },
                    "Metadata": {"aws:cdk:path": "AppStack/Web/TaskDef/Resource"},
                }
            },
            "Parameters": {
                "BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk"}
            },
        },
        indent=1,
    )


def test_folders_are_searched_for_templates_and_cdk_out(tmp_path: Path) -> None:
    (tmp_path / "cdk.out" / "asset.0123abcd").mkdir(parents=True)
    (tmp_path / "cdk.out" / "AppStack.template.json").write_text(_cdk_template(), encoding="utf-8")
    (tmp_path / "cdk.out" / "asset.0123abcd" / "copy.template.json").write_text(
        _cdk_template(), encoding="utf-8"
    )
    (tmp_path / "cdk.out" / "manifest.json").write_text('{"version": "36.0.0", "artifacts": {}}')
    (tmp_path / "cdk.out" / "tree.json").write_text('{"tree": {"type": "AWS::ECS::TaskDefinition"}}')
    (tmp_path / "cfn").mkdir()
    (tmp_path / "cfn" / "web.yaml").write_text(TEMPLATE_YAML, encoding="utf-8")
    (tmp_path / "cfn" / "web.yml").write_text(TEMPLATE_YAML, encoding="utf-8")
    (tmp_path / "cfn" / "web.template").write_text(TEMPLATE_JSON, encoding="utf-8")
    (tmp_path / "cfn" / "bucket.yaml").write_text("Resources:\n  B: {Type: AWS::S3::Bucket}\n")
    (tmp_path / "cfn" / "other.yaml").write_text("AWS::ECS::TaskDefinition: is mentioned\n")
    (tmp_path / "compose.yaml").write_text("services:\n  web: {image: nginx}\n")
    result = lint(tmp_path, ".", select=("TDL101",), verbose=True)
    assert sorted({f["path"] for f in result.findings}) == [
        "cdk.out/AppStack.template.json",
        "cfn/web.template",
        "cfn/web.yaml",
        "cfn/web.yml",
    ]
    cdk = next(f for f in result.findings if f["path"].startswith("cdk.out"))
    assert cdk["message"].endswith("(resource WebTaskDef1A2B3C4D, construct AppStack/Web/TaskDef/Resource)")
    assert cdk["pointer"] == "/Resources/WebTaskDef1A2B3C4D/Properties/ContainerDefinitions/0/Privileged"


def test_a_template_named_explicitly_without_task_definitions(tmp_path: Path) -> None:
    result = run(tmp_path, "bucket.yaml", "Resources:\n  B: {Type: AWS::S3::Bucket}\n")
    assert [(f["rule"], f["message"]) for f in result.findings] == [
        (
            "TDL004",
            "Not a task definition: the CloudFormation template has no AWS::ECS::TaskDefinition, "
            "AWS::ECS::Service or Elastic Load Balancing resource",
        )
    ]


def test_a_yaml_template_on_stdin(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "taskdeflint", "lint", "--select", "TDL101", "-"],
        input=TEMPLATE_YAML.encode(),
        capture_output=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert completed.returncode == 0, completed.stderr  # a warning
    line, column = position(TEMPLATE_YAML, "Privileged")
    assert completed.stdout.decode().startswith(f"<stdin>:{line}:{column}: warning TDL101")


# --- The fixtures in tests/cfn ----------------------------------------------------------------------------

REGENERATE = os.environ.get("TASKDEFLINT_REGEN_GOLDEN") == "1"
FIXTURES = sorted(p.name for p in CFN.iterdir() if not p.name.endswith(".expected.json"))
KEYS = ("rule", "line", "column", "severity", "message", "pointer")


@pytest.mark.parametrize("name", FIXTURES)
def test_fixtures(tmp_path: Path, name: str) -> None:
    """tests/cfn holds valid templates (no error may be reported) and invalid ones (named `invalid-...`),
    each with its expected findings beside it. Regenerate with TASKDEFLINT_REGEN_GOLDEN=1."""
    (tmp_path / name).write_bytes((CFN / name).read_bytes())
    result = lint(tmp_path, name)
    assert result.code in (0, 1), result.stderr
    findings = [{key: f[key] for key in KEYS} for f in result.findings]
    expected_path = CFN / f"{name}.expected.json"
    if REGENERATE:
        expected_path.write_text(json.dumps(findings, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert findings == json.loads(expected_path.read_text(encoding="utf-8"))
    errors = [f for f in findings if f["severity"] == "error"]
    if name.startswith("invalid-"):
        assert errors, "an invalid fixture must have an error"
    else:
        assert errors == [], errors


def test_the_readme_section_shows_what_the_examples_give() -> None:
    """README's "Where task definitions live" quotes a command and its output (a ```text block, since
    the README's ```sh blocks run in order from another folder)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Where task definitions live\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```text\n", 1)[1].split("```", 1)[0]
    command, *output = block.splitlines()
    assert command.startswith("$ taskdeflint lint ")
    completed = subprocess.run(
        [sys.executable, "-m", "taskdeflint", *command.split()[2:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"},
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == output
    for link in (
        "examples/forum/",
        "examples/cloudformation/",
        "examples/cdk/cdk.out/",
        "examples/terraform/plan.json",
    ):
        assert f"]({link})" in section and (ROOT / link).exists(), link


_YAML_PIECES = [
    "Resources:\n",
    "  T:\n",
    "    Type: AWS::ECS::TaskDefinition\n",
    "    Properties:\n",
    "      ",
    "ContainerDefinitions:",
    " - ",
    "Name: ",
    "!Ref ",
    "!If [",
    "!GetAtt ",
    "&a ",
    "*a",
    "<<: ",
    "{",
    "}",
    "[",
    "]",
    ",",
    ": ",
    "\t",
    "\n",
    "---\n",
    "'",
    '"',
    "#",
    "!Sub ",
    "x",
    "1",
    "true",
    "null",
    "- ",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_YAML_PIECES), max_size=40))
def test_no_yaml_text_makes_the_linter_raise(pieces: list[str]) -> None:
    text = "".join(pieces)
    result = LINTER.lint("t.yaml", text.encode("utf-8"))
    assert result is not None
