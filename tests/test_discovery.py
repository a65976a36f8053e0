"""Which files a folder search (and pre-commit, which hands over every JSON and YAML file) lints: by content,
wherever in the file the marker is, and not every list of objects with `name` and `image`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from taskdeflint.readers.containerlist import looks_like_container_list
from tests.conftest import ROOT, lint

SELECT = ("TDL001", "TDL003")
CONTAINER = {
    "name": "web",
    "image": "nginx:1.27",
    "essential": True,
    "memory": 512,
    "portMappings": [{"containerPort": 80}],
}


def found(folder: Path) -> set[str]:
    """The files a folder search lints: those not reported as skipped."""
    result = lint(folder, ".", verbose=True, select=SELECT, allow_empty=True)
    assert result.code in (0, 1), result.stderr
    skipped = {
        line.removeprefix("taskdeflint: skipped ").split(":")[0]
        for line in result.stderr.splitlines()
        if line.startswith("taskdeflint: skipped ")
    }
    every = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    return every - skipped


def test_a_large_pretty_printed_container_list_is_found(tmp_path: Path) -> None:
    # The first "image" comes after 64 KiB of environment variables.
    environment = [{"name": f"SETTING_{i:05d}", "value": "x" * 40} for i in range(1500)]
    containers = [{"name": "web", "environment": environment, "essential": True, "image": "nginx:1.27"}]
    text = json.dumps(containers, indent=2)
    assert text.index('"image"') > 65536
    (tmp_path / "containers.json").write_text(text.replace('"essential"', '"esential"'), encoding="utf-8")
    result = lint(tmp_path, ".", select=SELECT)
    assert [(f["rule"], f["pointer"]) for f in result.findings] == [("TDL003", "/0/esential")]


def test_a_task_definition_whose_marker_comes_late_is_found(tmp_path: Path) -> None:
    document = {"family": "web", "tags": [{"key": f"k{i}", "value": "v" * 50} for i in range(1200)]}
    document["containerDefinitions"] = [{**CONTAINER, "cpu": "1"}]
    text = json.dumps(document, indent=2)
    assert text.index("containerDefinitions") > 65536
    (tmp_path / "web.json").write_text(text, encoding="utf-8")
    pointers = [f["pointer"] for f in lint(tmp_path, ".", select=SELECT).findings]
    assert "/containerDefinitions/0/cpu" in pointers


@pytest.mark.parametrize(
    ("items", "counts"),
    [
        ([CONTAINER], True),
        ([{"name": "a", "image": "b", "cpu": "1"}], True),  # the suite's smallest fixture
        ([{"name": "a", "image": "b", "esential": True, "memory": 512}], True),  # a typo does not hide it
        ([{"name": "a", "image": "b", "Essential": True, "PortMappings": []}], True),  # as Terraform reads
        ([{"name": "Chair", "image": "chair.png", "price": 30}], False),
        ([{"name": "Laptop", "image": "laptop.png", "memory": 16, "price": 900, "sku": "L1"}], False),
        ([{"name": "Ada", "image": "ada.jpg"}, {"name": "Alan", "image": "alan.jpg"}], False),
    ],
)
def test_what_counts_as_a_container_list(items: list[dict[str, object]], counts: bool) -> None:
    assert looks_like_container_list(items) is counts


def test_a_list_of_product_fixtures_is_skipped(tmp_path: Path) -> None:
    products = [
        {
            "name": "Chair",
            "image": "https://cdn.example.com/chair.png",
            "price": 30,
            "description": "A chair",
        },
        {"name": "Desk", "image": "https://cdn.example.com/desk.png", "price": 120, "description": "A desk"},
    ]
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures/products.json").write_text(json.dumps(products, indent=2), encoding="utf-8")
    (tmp_path / "containers.json").write_text(json.dumps([CONTAINER]), encoding="utf-8")
    assert found(tmp_path) == {"containers.json"}
    # Named on the command line, a file is always linted.
    result = lint(tmp_path, "fixtures/products.json", select=SELECT)
    assert {f["path"] for f in result.findings} == {"fixtures/products.json"}


def test_the_shipped_examples_still_count() -> None:
    assert {path for path in found(ROOT / "examples") if path.endswith((".json", ".yaml", ".yml"))} == {
        "cdk/cdk.out/ForumStack.template.json",
        "cloudformation/forum-web.yaml",
        "forum-broken/deploy/posts.json",
        "forum-broken/deploy/search.json",
        "forum-broken/deploy/services.yaml",
        "forum-broken/deploy/threads.json",
        "forum-broken/deploy/users.json",
        "forum/deploy/posts.json",
        "forum/deploy/services.yaml",
        "forum/deploy/threads.json",
        "forum/deploy/users.json",
        "terraform/container-definitions.json",
        "terraform/plan.json",
    }


def test_yaml_task_definitions_and_cloudformation_yaml_are_found(tmp_path: Path) -> None:
    (tmp_path / "web.yaml").write_text(
        "family: web\ncontainerDefinitions:\n  - name: web\n    image: nginx:1.27\n    memory: 512\n"
        "    enviroment: []\n",
        encoding="utf-8",
    )
    (tmp_path / "stack.yml").write_text(
        "Resources:\n  Task:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n"
        "      ContainerDefinitions:\n        - Name: web\n          Image: nginx:1.27\n          Memory: 512\n"
        "          Enviroment: []\n",
        encoding="utf-8",
    )
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: nginx:1.27\n", encoding="utf-8")
    result = lint(tmp_path, ".", select=SELECT)
    assert sorted((f["path"], f["line"]) for f in result.findings) == [("stack.yml", 9), ("web.yaml", 6)]
