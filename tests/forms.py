"""The same task definition written where task definitions live: a CloudFormation template (JSON or YAML)
and a Terraform plan, with the pointer a finding has in each. For tests (and benchmarks/cfn_compare.py).
"""

from __future__ import annotations

import json
from typing import Any

from taskdeflint.engine.catalogue import builtin_rules
from taskdeflint.positions import join, split
from taskdeflint.readers.base import READ_ONLY_MEMBERS
from taskdeflint.readers.cloudformation import cfn_name, from_api
from taskdeflint.readers.embedded import ROOT, child
from taskdeflint.readers.placeholders import pattern
from taskdeflint.readers.terraform import BLOCKS
from taskdeflint.readers.terraform import from_api as tf_values

RESOURCE = "TaskDef"
ADDRESS = "aws_ecs_task_definition.this"
PLAN_VALUES = "/planned_values/root_module/resources/0/values"


def rule_examples(skip: frozenset[str]) -> list[tuple[str, int, str]]:
    """(rule, number, document) of every rule example that is a plain task definition, for the tests that
    lint each one again as a template or a plan and expect the same findings. Placeholders and nulls are read
    as such in plain JSON only (in a template `!Sub` owns `${...}`, and a plan's values are rendered already),
    so the placeholder and null rules, and examples that hold a placeholder, are left out, with `skip`."""
    return [
        (rule.id, number, example.document)
        for rule in builtin_rules()
        if rule.id not in skip and rule.id not in ("TDL019", "TDL020")
        for number, example in enumerate(rule.examples, 1)
        if not example.config
        and not getattr(example, "dockerfile", None)
        and register_of(example.document)
        and not pattern().search(example.document)
    ]


def register_of(text: str) -> dict[str, Any] | None:
    """The register-task-definition input an example holds (describe output unwrapped), or None for a
    bare container list or a document that is not JSON."""
    try:
        document = json.loads(text)
    except ValueError:
        return None
    if isinstance(document, dict) and isinstance(document.get("taskDefinition"), dict):
        document = {k: v for k, v in document["taskDefinition"].items() if k not in READ_ONLY_MEMBERS}
    elif isinstance(document, dict) and any(k in document for k in READ_ONLY_MEMBERS):
        document = {k: v for k, v in document.items() if k not in READ_ONLY_MEMBERS}
    if not isinstance(document, dict) or "containerDefinitions" not in document:
        return None
    return document


def template(register: dict[str, Any], resource: str = RESOURCE) -> dict[str, Any]:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {resource: {"Type": "AWS::ECS::TaskDefinition", "Properties": from_api(register)}},
    }


def template_json(register: dict[str, Any]) -> str:
    return json.dumps(template(register), indent=2, ensure_ascii=False) + "\n"


def template_yaml(register: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(template(register), sort_keys=False, allow_unicode=True, width=1000)


def plan(register: dict[str, Any]) -> str:
    resource = {
        "address": ADDRESS,
        "mode": "managed",
        "type": "aws_ecs_task_definition",
        "name": "this",
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "schema_version": 1,
        "values": tf_values(register),
        "sensitive_values": {},
    }
    document = {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": [resource]}},
        "resource_changes": [
            {
                "address": ADDRESS,
                "mode": "managed",
                "type": "aws_ecs_task_definition",
                "name": "this",
                "change": {"actions": ["create"], "after_unknown": {"arn": True, "id": True}},
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def template_pointer(pointer: str, resource: str = RESOURCE) -> str:
    """Where a register-input pointer lies in the template of `template`."""
    out = join("/Resources", resource, "Properties")
    name = ROOT
    for token in split(pointer):
        if token.isdigit() or not name:
            out = join(out, token)
            continue
        out = join(out, cfn_name(name, token))
        name = child(name, token)
    return out


def plan_pointer(pointer: str, register: dict[str, Any]) -> str:
    """Where a register-input pointer lies in the plan of `plan`."""
    out = PLAN_VALUES
    name = ROOT
    value: Any = register
    tokens = split(pointer)
    while tokens:
        token = tokens.pop(0)
        if name == ROOT and token == "containerDefinitions":
            return join(out, "container_definitions", *tokens)
        names = {f.member: (attribute, f) for attribute, f in BLOCKS.get(name, {}).items()}
        if token not in names:
            return join(out, token, *tokens)
        attribute, spec = names[token]
        out = join(out, attribute)
        value = value.get(token) if isinstance(value, dict) else None
        if spec.form == "host":
            return out
        if spec.form == "pairs":
            if tokens and isinstance(value, list) and tokens[0].isdigit():
                item = value[int(tokens[0])]
                out = join(out, str(item.get(spec.pair[0])))
            return out
        if spec.form == "block":
            out += "/0"
        if spec.form == "blocks" and tokens:
            index = tokens.pop(0)
            out = join(out, index)
            value = value[int(index)] if isinstance(value, list) and index.isdigit() else None
        name = child(name, token)
    return out
