"""`taskdeflint build` against the real Docker engine and the loopback registry."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from buildtools import (
    CuttingProxy,
    DockerEnv,
    Project,
    busybox_base_fixture,  # noqa: F401
    docker_config,
    docker_env_fixture,  # noqa: F401
    project_fixture,  # noqa: F401
    refusing_registry,
    registry_digest,
    unused_port,
)

pytestmark = pytest.mark.docker

SCRATCH = "FROM scratch\nCOPY {file} /{file}\n"


def taskdef(name: str, **extra: Any) -> dict[str, Any]:
    """A task definition the linter finds no error in."""
    container = {
        "name": name,
        "image": "placeholder:latest",
        "essential": True,
        "memory": 128,
        "user": "1000",
        "readonlyRootFilesystem": True,
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {"awslogs-group": "g", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": name},
        },
    }
    document = {"family": name, "containerDefinitions": [container], "requiresCompatibilities": ["EC2"]}
    document.update(extra)
    return document


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def path_of(repository: str) -> str:
    return repository.split("/", 1)[1]


def assert_in_registry(project: Project, meta: dict[str, Any], name: str) -> str:
    """The metadata's digest is what the registry itself says every tag of the service points at."""
    entry = meta["services"][name]
    repository = entry["repository"]
    registry = repository.split("/", 1)[0]
    assert entry["digest"].startswith("sha256:")
    assert entry["content_tag"] in entry["tags"]
    for tag in entry["tags"]:
        assert registry_digest(registry, path_of(repository), tag) == entry["digest"], tag
    return str(entry["digest"])


def test_build_push_skip_and_rebuild_only_what_changed(project: Project, busybox_base: str) -> None:
    project.service(
        "web",
        {"Dockerfile": SCRATCH.format(file="index.html"), "index.html": "<h1>hi</h1>\n"},
        **{"task-definition": "deploy/web.json", "tags": ["stable"]},
    )
    project.service(
        "api",
        {
            "Dockerfile": "FROM scratch\nCOPY . /app\n",
            "main.txt": "v1\n",
            "notes.txt": "scratch notes\n",
            ".dockerignore": "# local only\nnotes.txt\n",
        },
    )
    project.service(
        "worker",
        {
            "Dockerfile": f'FROM {busybox_base} AS runtime\nARG GREETING\nRUN echo "$GREETING" > /greeting && test -s /greeting\n'
        },
        **{"task-definition": "deploy/worker.json", "build-args": {"GREETING": "hello"}, "target": "runtime"},
    )
    write_json(project.root / "deploy/web.json", taskdef("web"))
    describe = {
        "taskDefinition": {
            **taskdef("worker"),
            "revision": 7,
            "status": "ACTIVE",
            "taskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/worker:7",
        },
        "tags": [{"key": "team", "value": "forum"}],
    }
    write_json(project.root / "deploy/worker.json", describe)
    options = {"push": True, "jobs": 3, "metadata_file": Path("meta.json"), "render_dir": Path("rendered")}

    first = project.build(**options)
    assert first.code == 0, first.output
    # BuildKit's plain log, one prefixed line at a time when not on a terminal
    assert re.search(r"^\[worker\] #\d+ \[1/2\] FROM ", first.stdout, re.MULTILINE), first.stdout
    meta = project.metadata()
    digests = {name: assert_in_registry(project, meta, name) for name in ("web", "api", "worker")}
    assert {e["status"] for e in meta["services"].values()} == {"pushed"}
    assert "stable" in meta["services"]["web"]["tags"]
    web = json.loads((project.root / "rendered/web.json").read_text())
    assert (
        web["containerDefinitions"][0]["image"] == f"{project.services['web']['repository']}@{digests['web']}"
    )
    worker = json.loads((project.root / "rendered/worker.json").read_text())
    assert "taskDefinition" not in worker and "revision" not in worker and "status" not in worker
    assert worker["tags"] == [{"key": "team", "value": "forum"}]
    assert worker["containerDefinitions"][0]["image"].endswith(f"/worker@{digests['worker']}")
    assert meta["services"]["worker"]["task_definition"] == "rendered/worker.json"
    images_before = project.local_image_ids()

    # Nothing changed: everything is skipped, nothing is built.
    second = project.build(**options)
    assert second.code == 0, second.output
    meta = project.metadata()
    assert {name: e["status"] for name, e in meta["services"].items()} == dict.fromkeys(digests, "skipped")
    assert {name: e["digest"] for name, e in meta["services"].items()} == digests
    assert all(e["image_id"] is None for e in meta["services"].values())
    assert "] FROM " not in second.stdout
    assert project.local_image_ids() == images_before
    assert json.loads((project.root / "rendered/web.json").read_text()) == web

    # A file that docker does not send (.dockerignore) changes: still nothing to do.
    (project.root / "services/api/notes.txt").write_text("other notes\n")
    assert project.build(**options).code == 0
    assert {e["status"] for e in project.metadata()["services"].values()} == {"skipped"}
    assert project.local_image_ids() == images_before

    # One file of one service changes: only that service is built and pushed.
    (project.root / "services/api/main.txt").write_text("v2\n")
    plan = project.build(dry_run=True, push=True)
    assert plan.code == 0, plan.output
    lines = {line.split()[0]: line for line in plan.stdout.splitlines()}
    assert "build and push" in lines["api"] and " skip " in lines["web"] and " skip " in lines["worker"]
    third = project.build(**options)
    assert third.code == 0, third.output
    meta = project.metadata()
    assert {name: e["status"] for name, e in meta["services"].items()} == {
        "web": "skipped",
        "api": "pushed",
        "worker": "skipped",
    }
    new_api = assert_in_registry(project, meta, "api")
    assert new_api != digests["api"]
    assert len(project.local_image_ids() - images_before) == 1


def test_failed_build_stops_the_queue_and_keep_going_tries_all(project: Project) -> None:
    project.service("one", {"Dockerfile": SCRATCH.format(file="a.txt"), "a.txt": "1\n"})
    project.service("two", {"Dockerfile": "FROM scratch\nCOPY missing.txt /\n", "b.txt": "2\n"})
    project.service("three", {"Dockerfile": SCRATCH.format(file="c.txt"), "c.txt": "3\n"})

    stopped = project.build(push=True, jobs=1, metadata_file=Path("meta.json"))
    assert stopped.code == 1
    assert "Traceback" not in stopped.output
    assert "two: build failed" in stopped.stderr and "missing.txt" in stopped.stderr
    meta = project.metadata()["services"]
    assert [meta[n]["status"] for n in ("one", "two", "three")] == ["pushed", "failed", "not-started"]
    assert_in_registry(project, project.metadata(), "one")
    for name in ("two", "three"):
        assert meta[name]["digest"] is None and meta[name]["image"] is None and meta[name]["tags"] == []
    three = project.services["three"]["repository"]
    assert registry_digest(project.registry, path_of(three), meta["three"]["content_tag"]) is None

    going = project.build(push=True, jobs=2, keep_going=True, metadata_file=Path("meta.json"))
    assert going.code == 1
    meta = project.metadata()["services"]
    assert [meta[n]["status"] for n in ("one", "two", "three")] == ["skipped", "failed", "pushed"]
    assert_in_registry(project, project.metadata(), "three")
    assert meta["two"]["digest"] is None


def test_errors_in_the_rendered_task_definition_fail_after_the_push(project: Project) -> None:
    project.service(
        "web",
        {"Dockerfile": SCRATCH.format(file="a.txt"), "a.txt": "x\n"},
        **{"task-definition": "deploy/web.json"},
    )
    document = taskdef("web", futureMember={"kept": True})
    document["containerDefinitions"][0]["cpu"] = "lots"  # an error the linter reports
    write_json(project.root / "deploy/web.json", document)
    result = project.build(push=True, metadata_file=Path("meta.json"), render_dir=Path("out"))
    assert result.code == 1, result.output
    assert "rendered/web.json" not in result.stdout and "out/web.json:" in result.stdout
    meta = project.metadata()
    entry = meta["services"]["web"]
    assert entry["status"] == "pushed" and entry["lint_errors"] >= 1
    assert_in_registry(project, meta, "web")
    rendered = json.loads((project.root / "out/web.json").read_text())
    assert rendered["futureMember"] == {"kept": True}
    assert list(rendered) == list(document)


def test_engine_not_running(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    project.service("web", {"Dockerfile": SCRATCH.format(file="a.txt"), "a.txt": "x\n"})
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent.sock")
    result = project.build(push=True, metadata_file=Path("meta.json"))
    assert result.code == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert "cannot reach the Docker engine at unix:///nonexistent.sock" in result.stderr
    assert "Traceback" not in result.output
    assert not (project.root / "meta.json").exists()


def test_registry_down(project: Project) -> None:
    port = unused_port()
    project.service(
        "web", {"Dockerfile": SCRATCH.format(file="a.txt"), "a.txt": "x\n"}, registry=f"127.0.0.1:{port}"
    )
    result = project.build(push=True, metadata_file=Path("meta.json"))
    assert result.code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("taskdeflint: error:")]
    assert errors == [
        f"taskdeflint: error: web: registry 127.0.0.1:{port} is not reachable at "
        f"http://127.0.0.1:{port}/v2/: connection refused"
    ]
    assert "Traceback" not in result.output
    entry = project.metadata()["services"]["web"]
    assert entry["status"] == "failed" and entry["digest"] is None and entry["image_id"] is None


def test_registry_refusing_auth(project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "s3cret-that-must-not-leak"
    with refusing_registry() as (host, seen):
        project.service("web", {"Dockerfile": SCRATCH.format(file="a.txt"), "a.txt": "x\n"}, registry=host)
        monkeypatch.setenv(
            "DOCKER_CONFIG", str(docker_config(tmp_path / "docker-empty", "elsewhere:1", "u", "p"))
        )
        anonymous = project.build(push=True)
        monkeypatch.setenv("DOCKER_CONFIG", str(docker_config(tmp_path / "docker", host, "ci-bot", secret)))
        refused = project.build(push=True, metadata_file=Path("meta.json"))
    assert anonymous.code == 1
    assert f"registry {host} needs a login and the Docker config has none for it" in anonymous.stderr
    assert refused.code == 1
    assert f"registry {host} refused the credentials of user 'ci-bot'" in refused.stderr
    assert any(header.startswith("Basic ") for header in seen)  # the credentials were offered
    for result in (anonymous, refused):
        assert secret not in result.output and "Traceback" not in result.output
        assert len([line for line in result.stderr.splitlines() if "error:" in line]) == 1
    meta_text = (project.root / "meta.json").read_text()
    assert secret not in meta_text
    assert json.loads(meta_text)["services"]["web"]["digest"] is None


def test_push_cut_short_claims_nothing(project: Project, docker_env: DockerEnv) -> None:
    proxy = CuttingProxy(
        docker_env.registry, cut=lambda data: data.startswith(b"PUT ") and b"/manifests/" in data
    )
    try:
        project.service(
            "web",
            {"Dockerfile": SCRATCH.format(file="a.txt"), "a.txt": "x\n"},
            registry=proxy.address,
            tags=["stable"],
        )
        project.service("api", {"Dockerfile": SCRATCH.format(file="b.txt"), "b.txt": "y\n"})
        result = project.build(push=True, jobs=1, keep_going=True, metadata_file=Path("meta.json"))
    finally:
        proxy.close()
    assert proxy.cuts >= 1
    assert result.code == 1
    assert "web: push of" in result.stderr and "failed" in result.stderr
    assert "Traceback" not in result.output
    meta = project.metadata()["services"]
    assert meta["web"]["status"] == "failed"
    assert meta["web"]["digest"] is None and meta["web"]["image"] is None and meta["web"]["tags"] == []
    assert meta["web"]["pushed"] is False
    # The content tag was never pushed (it goes last), so the next run builds again.
    web = project.services["web"]["repository"]
    assert registry_digest(docker_env.registry, path_of(web), meta["web"]["content_tag"]) is None
    assert_in_registry(project, project.metadata(), "api")


def test_interrupt_stops_cleanly(project: Project, busybox_base: str) -> None:
    project.service("slow", {"Dockerfile": f"FROM {busybox_base}\nRUN echo started && sleep 30\n"})
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "taskdeflint",
            "build",
            "--push",
            "--progress",
            "plain",
            "--metadata-file",
            "meta.json",
            "--render-dir",
            "out",
        ],
        cwd=project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    for line in process.stdout:
        if "started" in line or time.monotonic() > deadline:
            break
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert sorted(p.name for p in project.root.iterdir()) == [".taskdeflint.toml", "services"]


def test_git_commit_tag(project: Project) -> None:
    project.service("web", {"Dockerfile": SCRATCH.format(file="a.txt"), "a.txt": "x\n"})

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=project.root, check=True, capture_output=True, text=True
        ).stdout

    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "services")
    sha = git("rev-parse", "--short", "HEAD").strip()
    plan = project.build(dry_run=True, push=True)
    assert plan.code == 0, plan.output
    assert f"tags: {sha}, content-" in plan.stdout
    (project.root / "services/web/a.txt").write_text("changed\n")
    plan = project.build(dry_run=True, push=True)
    assert f"{sha} has uncommitted changes" in plan.stdout and f"tags: {sha}" not in plan.stdout


def test_build_without_push_is_local_only(project: Project) -> None:
    project.service(
        "web",
        {"Dockerfile": SCRATCH.format(file="a.txt"), "a.txt": "local\n"},
        **{"task-definition": "deploy/web.json"},
    )
    write_json(project.root / "deploy/web.json", taskdef("web"))
    result = project.build(metadata_file=Path("meta.json"), render_dir=Path("out"))
    assert result.code == 0, result.output
    assert "not rendered: the image was not pushed (use --push)" in result.stderr
    entry = project.metadata()["services"]["web"]
    assert entry["status"] == "built" and entry["pushed"] is False
    assert (
        entry["digest"] is None and entry["image"] is None and entry["image_id"] in project.local_image_ids()
    )
    assert registry_digest(project.registry, path_of(entry["repository"]), entry["content_tag"]) is None
    assert not (project.root / "out").exists()


def test_registry_down_without_push_still_builds(project: Project) -> None:
    port = unused_port()
    project.service(
        "web", {"Dockerfile": SCRATCH.format(file="a.txt"), "a.txt": "x\n"}, registry=f"127.0.0.1:{port}"
    )
    result = project.build()
    assert result.code == 0, result.output
    assert (
        "warning: web: registry" in result.stderr and "building without the registry check" in result.stderr
    )
    assert len(project.local_image_ids()) == 1
