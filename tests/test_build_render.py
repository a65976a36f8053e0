"""Pinning images into task definitions: only the image changes."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from taskdeflint.builder.render import TaskDefinitionError, load_task_definition, render

PINNED = "127.0.0.1:5000/forum/web@sha256:" + "ab" * 32

REGISTER = """{
  "family": "web",
  "taskRoleArn": "arn:aws:iam::123456789012:role/web",
  "containerDefinitions": [
    {"name": "sidecar", "image": "envoy:1.29", "essential": false},
    {
      "name": "web",
      "essential": true,
      "image": "web:latest",
      "memory": 512,
      "futureContainerMember": {"nested": [1, 2.50, "\\u00e9"]}
    }
  ],
  "someFutureTopLevelMember": {"enabled": true},
  "cpu": "256",
  "tags": [{"key": "team", "value": "forum"}]
}
"""


def write(tmp_path: Path, text: str, name: str = "taskdef.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_register_input_only_the_image_changes(tmp_path: Path) -> None:
    source = write(tmp_path, REGISTER)
    rendered = render(load_task_definition(source), {"web": PINNED})
    changed = [
        line for line in difflib.ndiff(REGISTER.splitlines(), rendered.splitlines()) if line[:1] in "+-"
    ]
    assert changed == ['-       "image": "web:latest",', f'+       "image": "{PINNED}",']
    document = json.loads(rendered)
    original = json.loads(REGISTER)
    assert list(document) == list(original)  # key order, unknown members included
    assert document["someFutureTopLevelMember"] == {"enabled": True}
    assert list(document["containerDefinitions"][1]) == list(original["containerDefinitions"][1])
    assert document["containerDefinitions"][0]["image"] == "envoy:1.29"
    original["containerDefinitions"][1]["image"] = PINNED
    assert document == original


def test_describe_output_becomes_register_input(tmp_path: Path) -> None:
    inner = json.loads(REGISTER)
    del inner["tags"]
    described = {
        "taskDefinition": {
            "taskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3",
            **inner,
            "revision": 3,
            "status": "ACTIVE",
            "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.task-iam-role"}],
            "compatibilities": ["EC2", "FARGATE"],
            "registeredAt": "2024-01-01T00:00:00Z",
            "registeredBy": "arn:aws:iam::123456789012:user/me",
        },
        "tags": [{"key": "team", "value": "forum"}],
    }
    source = write(tmp_path, json.dumps(described, indent=4))
    document = json.loads(render(load_task_definition(source), {"web": PINNED}))
    expected = json.loads(REGISTER)
    expected["containerDefinitions"][1]["image"] = PINNED
    assert document == expected
    assert list(document) == [*list(inner), "tags"]
    assert render(load_task_definition(source), {"web": PINNED}).startswith('{\n    "family"')  # indent kept


def test_describe_tags_merge_with_the_definitions_own(tmp_path: Path) -> None:
    described = {
        "taskDefinition": {
            "family": "web",
            "containerDefinitions": [{"name": "web", "image": "x"}],
            "tags": [{"key": "team", "value": "mine"}],
        },
        "tags": [{"key": "team", "value": "theirs"}, {"key": "env", "value": "prod"}],
    }
    document = json.loads(
        render(load_task_definition(write(tmp_path, json.dumps(described))), {"web": PINNED})
    )
    assert document["tags"] == [{"key": "team", "value": "mine"}, {"key": "env", "value": "prod"}]


def test_read_only_members_in_register_shape_are_dropped(tmp_path: Path) -> None:
    data = {
        "family": "web",
        "revision": 4,
        "status": "ACTIVE",
        "containerDefinitions": [{"name": "web", "image": "x"}],
    }
    document = json.loads(render(load_task_definition(write(tmp_path, json.dumps(data))), {"web": PINNED}))
    assert document == {"family": "web", "containerDefinitions": [{"name": "web", "image": PINNED}]}


def test_container_list_stays_a_list(tmp_path: Path) -> None:
    text = '[\n  {"name": "web", "image": "old", "cpu": 10},\n  {"name": "log", "image": "fluent-bit"}\n]\n'
    rendered = render(load_task_definition(write(tmp_path, text)), {"web": PINNED})
    assert rendered == text.replace('"old"', json.dumps(PINNED))


def test_container_without_image_gets_one(tmp_path: Path) -> None:
    data = {"family": "web", "containerDefinitions": [{"name": "web", "memory": 128}]}
    document = json.loads(render(load_task_definition(write(tmp_path, json.dumps(data))), {"web": PINNED}))
    assert document["containerDefinitions"] == [{"name": "web", "memory": 128, "image": PINNED}]


def test_two_services_in_one_task_definition(tmp_path: Path) -> None:
    other = "127.0.0.1:5000/forum/envoy@sha256:" + "cd" * 32
    document = json.loads(
        render(load_task_definition(write(tmp_path, REGISTER)), {"web": PINNED, "sidecar": other})
    )
    assert [c["image"] for c in document["containerDefinitions"]] == [other, PINNED]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"family": "a", "family": "b", "containerDefinitions": []}', 'duplicate key "family"'),
        ('{"family": "a",}', "not valid JSON"),
        ('{"hello": 1}', "not a task definition"),
    ],
)
def test_unusable_task_definitions(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(TaskDefinitionError, match=message):
        load_task_definition(write(tmp_path, text))


def test_missing_container_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TaskDefinitionError, match="no container named api"):
        render(load_task_definition(write(tmp_path, REGISTER)), {"api": PINNED})


def test_runtime_platform(tmp_path: Path) -> None:
    data = {"family": "a", "containerDefinitions": [], "runtimePlatform": {"cpuArchitecture": "ARM64"}}
    assert load_task_definition(write(tmp_path, json.dumps(data))).runtime_platform() == "linux/arm64"
    data["runtimePlatform"] = {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"}
    assert load_task_definition(write(tmp_path, json.dumps(data))).runtime_platform() == "linux/amd64"
    del data["runtimePlatform"]
    assert load_task_definition(write(tmp_path, json.dumps(data))).runtime_platform() is None
