"""The example projects: examples/forum lints clean and builds, examples/forum-broken says what the README
quotes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from buildtools import DockerEnv, docker_env_fixture, registry_digest  # noqa: F401
from exampletools import FORUM, FORUM_BROKEN, SERVICES, forum_copy, remove_images
from worktree import ROOT

from taskdeflint.config import load_config
from taskdeflint.readers.yamlsource import template_loader
from tests.conftest import lint

# What `taskdeflint lint examples/forum` keeps, each explained in examples/forum/README.md:
# (file, rule, container).
KEPT = {
    ("deploy/users.json", "TDL502", "users"),
    ("deploy/threads.json", "TDL502", "threads"),
    ("deploy/posts.json", "TDL502", "posts"),
    ("deploy/posts.json", "TDL502", "log_router"),
    ("deploy/posts.json", "TDL112", "log_router"),
    ("deploy/posts.json", "TDL111", "log_router"),
}
# Rendered, the three services' own images are pinned: only the log router's findings stay.
KEPT_RENDERED = {f for f in KEPT if f[2] == "log_router"}


def environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR")}


def taskdeflint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command in a fresh process, as the README runs it."""
    return subprocess.run(
        [sys.executable, "-m", "taskdeflint", *args],
        cwd=cwd,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def container_of(document: dict[str, Any], pointer: str) -> str:
    index = int(pointer.split("/")[2])
    name: str = document["containerDefinitions"][index]["name"]
    return name


def kept(findings: list[dict[str, Any]], base: Path) -> set[tuple[str, str, str]]:
    result = set()
    for finding in findings:
        path = base / finding["path"]
        document = json.loads(path.read_text(encoding="utf-8"))
        result.add((path.relative_to(FORUM if FORUM in path.parents else base).as_posix(),
                    finding["rule"], container_of(document, finding["pointer"])))  # fmt: skip
    return result


# -- examples/forum ------------------------------------------------------------------------------------


def test_forum_lints_clean_with_only_the_findings_its_readme_explains() -> None:
    result = lint(ROOT, "examples/forum")
    assert result.code == 0, result.stderr
    findings = result.findings
    assert {f["severity"] for f in findings} == {"info"}
    assert kept(findings, ROOT) == KEPT
    explained = (FORUM / "README.md").read_text(encoding="utf-8")
    for _, rule, container in KEPT:
        assert rule in explained and f"`{container}`" in explained, (rule, container)
    assert "Six findings of severity `info`" in explained and len(KEPT) == 6


def test_forum_lints_inside_its_folder_with_its_config() -> None:
    """In the folder, the config applies (its include globs, and its services manifest: the images that
    `taskdeflint build` pins are placeholders by design, so only the log router's findings stay)."""
    inside = lint(FORUM)
    assert inside.code == 0, inside.stderr
    assert {f["severity"] for f in inside.findings} == {"info"}
    assert kept(inside.findings, FORUM) == KEPT_RENDERED


def test_forum_is_what_the_issue_asks_for() -> None:
    """Three services, each with a Dockerfile and a Fargate task definition; one with a FireLens log
    router; run by ECS services behind an Application Load Balancer (a target group and a path rule per
    service), reaching each other through Service Connect."""
    config = load_config(FORUM / ".taskdeflint.toml")
    assert tuple(config.services) == SERVICES
    documents = {}
    for name, table in config.services.items():
        assert table["repository"] == f"localhost:5000/forum/{name}"
        assert (FORUM / table["context"] / "Dockerfile").is_file()
        document = json.loads((FORUM / table["task-definition"]).read_text(encoding="utf-8"))
        documents[name] = document
        assert document["requiresCompatibilities"] == ["FARGATE"] and document["networkMode"] == "awsvpc"
        containers = {c["name"]: c for c in document["containerDefinitions"]}
        app = containers[table.get("container", name)]
        assert app["healthCheck"]["command"][0] in ("CMD", "CMD-SHELL")
        assert app["logConfiguration"]["logDriver"] in ("awslogs", "awsfirelens")
        assert app["user"] != "0" and app["readonlyRootFilesystem"] is True
        # The Dockerfile agrees with the task definition about the port and the user.
        dockerfile = (FORUM / table["context"] / "Dockerfile").read_text(encoding="utf-8")
        assert f"USER {app['user']}" in dockerfile
        assert f"EXPOSE {app['portMappings'][0]['containerPort']}" in dockerfile
    posts = documents["posts"]
    assert "proxyConfiguration" not in posts  # no App Mesh: a service is in a mesh or in Service Connect
    assert [c["name"] for c in posts["containerDefinitions"] if "firelensConfiguration" in c] == [
        "log_router"
    ]
    assert "target" in config.services["posts"]  # one multi-stage build

    resources = template(FORUM / "deploy" / "services.yaml")["Resources"]
    of_type = {kind: {k: r for k, r in resources.items() if r["Type"] == kind} for kind in TYPES}
    assert len(of_type["AWS::ElasticLoadBalancingV2::LoadBalancer"]) == 1
    services = of_type["AWS::ECS::Service"]
    assert sorted(s["Properties"]["ServiceName"] for s in services.values()) == sorted(SERVICES)
    for service in services.values():
        properties = service["Properties"]
        name = properties["ServiceName"]
        document = documents[name]
        assert properties["TaskDefinition"] == document["family"]  # found by family among the files
        (balancer,) = properties["LoadBalancers"]
        group = resources[balancer["TargetGroupArn"]["Ref"]]["Properties"]
        assert group["TargetType"] == "ip"
        # A path rule forwards to the target group, and the service waits for it.
        rule = resources[service["DependsOn"]]
        assert rule["Type"] == "AWS::ElasticLoadBalancingV2::ListenerRule"
        assert rule["Properties"]["Actions"] == [
            {"Type": "forward", "TargetGroupArn": balancer["TargetGroupArn"]}
        ]
        (condition,) = rule["Properties"]["Conditions"]
        assert (
            condition["Field"] == "path-pattern" and f"/{name}/*" in condition["PathPatternConfig"]["Values"]
        )
        # Service Connect publishes the task definition's named port mapping.
        connect = properties["ServiceConnectConfiguration"]
        assert connect["Enabled"] is True
        (published,) = connect["Services"]
        mappings = [m for c in document["containerDefinitions"] for m in c.get("portMappings", [])]
        (mapping,) = [m for m in mappings if m.get("name") == published["PortName"]]
        assert mapping["appProtocol"] == "http" and mapping["containerPort"] == balancer["ContainerPort"]


def test_forum_services_are_checked_against_its_task_definitions(tmp_path: Path) -> None:
    """The stack's services find their task definitions by family among the files: a load balancer port
    that the task definition does not map, in a copy, is found at its line and column."""
    copy = tmp_path / "forum"
    shutil.copytree(FORUM / "deploy", copy / "deploy")
    stack = copy / "deploy" / "services.yaml"
    good = "- {ContainerName: threads, ContainerPort: 8080, "
    text = stack.read_text(encoding="utf-8")
    assert text.count(good) == 1
    stack.write_text(text.replace(good, good.replace("8080", "8081")), encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if good in row)
    column = text.splitlines()[line - 1].index("ContainerPort") + 1  # a YAML member is placed at its key
    result = lint(tmp_path, "forum")
    assert result.code == 1
    assert [
        (f["path"], f["rule"], f["line"], f["column"]) for f in result.findings if f["severity"] != "info"
    ] == [("forum/deploy/services.yaml", "TDL802", line, column)]
    assert "TDL800" not in {f["rule"] for f in result.findings}


TYPES = (
    "AWS::ECS::Service",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    "AWS::ElasticLoadBalancingV2::ListenerRule",
)


def template(path: Path) -> dict[str, Any]:
    """A CloudFormation template in YAML, its short-form tags read as the long form (`!Ref X` as
    `{"Ref": "X"}`)."""
    loaded: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=template_loader())
    return loaded


def test_forum_builds_offline() -> None:
    """Every stage starts FROM scratch: nothing is pulled, so the example builds without a network."""
    for dockerfile in FORUM.glob("services/*/Dockerfile"):
        froms = re.findall(r"^FROM\s+(\S+)", dockerfile.read_text(encoding="utf-8"), re.MULTILINE)
        assert froms and set(froms) == {"scratch"}, dockerfile


@pytest.mark.docker
def test_forum_builds_pushes_pins_and_lints(tmp_path: Path, docker_env: DockerEnv) -> None:
    forum, prefix = forum_copy(tmp_path, docker_env.registry)
    command = (
        "build",
        "--push",
        "--progress",
        "plain",
        "--render-dir",
        "rendered",
        "--metadata-file",
        "build.json",
    )
    try:
        first = taskdeflint(*command, cwd=forum)
        assert first.returncode == 0, first.stdout + first.stderr
        metadata = json.loads((forum / "build.json").read_text(encoding="utf-8"))["services"]
        assert {name: entry["status"] for name, entry in metadata.items()} == dict.fromkeys(
            SERVICES, "pushed"
        )
        for name, entry in metadata.items():
            repository = f"{docker_env.registry}/{prefix}/forum/{name}"
            assert entry["repository"] == repository
            path = repository.split("/", 1)[1]
            assert registry_digest(docker_env.registry, path, entry["content_tag"]) == entry["digest"]
            source = (forum / "deploy" / f"{name}.json").read_text(encoding="utf-8")
            rendered = (forum / "rendered" / f"{name}.json").read_text(encoding="utf-8")
            document = json.loads(rendered)
            (container,) = [c for c in document["containerDefinitions"] if c["name"] == name]
            assert container["image"] == f"{repository}@{entry['digest']}"
            # Only the image of the service's container changed.
            assert rendered == source.replace(
                f'"localhost:5000/forum/{name}:dev"', json.dumps(container["image"])
            )
        linted = lint(forum, "rendered")
        assert linted.code == 0
        assert kept(linted.findings, forum) == {
            (f"rendered/{file.split('/')[1]}", r, c) for file, r, c in KEPT_RENDERED
        }

        # Nothing changed: nothing is built again.
        second = taskdeflint(*command, cwd=forum)
        assert second.returncode == 0, second.stdout + second.stderr
        again = json.loads((forum / "build.json").read_text(encoding="utf-8"))["services"]
        assert {entry["status"] for entry in again.values()} == {"skipped"}
        assert {n: e["digest"] for n, e in again.items()} == {n: e["digest"] for n, e in metadata.items()}
    finally:
        remove_images(docker_env, prefix)


# -- examples/forum-broken -----------------------------------------------------------------------------


def readme_quote(command: str) -> str:
    """The ```text block that the README shows right after the ```sh block ending in `command`."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(
        rf"```sh\n(?:[^`]*\n)?{re.escape(command)}\n```\n\n<!-- readme-test: output of the block above -->\n"
        r"```text\n(.*?)```",
        readme,
        re.DOTALL,
    )
    assert match, f"the README quotes no output of {command!r}"
    return match.group(1)


def test_readme_quotes_the_real_output_of_forum_broken() -> None:
    result = taskdeflint("lint", "examples/forum-broken", cwd=ROOT)
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    assert readme_quote("taskdeflint lint examples/forum-broken") == result.stdout


def test_forum_broken_shows_defects_of_many_categories() -> None:
    result = lint(ROOT, "examples/forum-broken")
    errors = {f["rule"] for f in result.findings if f["severity"] == "error"}
    # Document, sizing/Fargate, dependencies/health, logging/roles, networking, volumes.
    assert {rule[3] for rule in errors} >= {"0", "2", "3", "4", "6", "7"}
    assert {f["rule"] for f in result.findings if f["severity"] == "warning"} >= {"TDL106", "TDL501"}
    listed = (FORUM_BROKEN / "README.md").read_text(encoding="utf-8")
    for rule in errors | {"TDL106", "TDL501"}:
        assert f"| {rule} |" in listed, f"examples/forum-broken/README.md does not list {rule}"
