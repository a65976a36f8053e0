"""`taskdeflint verify` against the loopback registry: a missing tag and an architecture mismatch are
findings at the image's line and column; a multi-arch index covers both platforms; sidecars count."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from buildtools import (
    DockerEnv,
    Project,
    docker_env_fixture,  # noqa: F401
    project_fixture,  # noqa: F401
)

pytestmark = pytest.mark.docker


def task(arch: str | None, images: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "family": "app",
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512",
    }
    if arch is not None:
        data["runtimePlatform"] = {"operatingSystemFamily": "LINUX", "cpuArchitecture": arch}
    data["containerDefinitions"] = [{"name": name, "image": image} for name, image in images.items()]
    return data


def verify(*files: Path, output_format: str = "text") -> tuple[int, str, str]:
    from taskdeflint.builder.verify import VerifySettings, run

    out, err = io.StringIO(), io.StringIO()
    code = run(VerifySettings(files=files, output_format=output_format), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module", name="pushed")
def pushed_fixture(docker_env: DockerEnv, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Two images in the registry, pushed by the builder: an amd64 one, and an amd64+arm64 index."""
    root = tmp_path_factory.mktemp("verify")
    project = Project(root, docker_env.registry, docker_env.api)
    project.service(
        "single", {"Dockerfile": "FROM scratch\nCOPY a /a\n", "a": uuid.uuid4().hex}, platform="linux/amd64"
    )
    project.service(
        "multi",
        {"Dockerfile": "FROM scratch\nCOPY a /a\n", "a": uuid.uuid4().hex},
        platforms=["linux/amd64", "linux/arm64"],
    )
    result = project.build(push=True, metadata_file=Path("meta.json"))
    assert result.code == 0, result.output
    meta = project.metadata()["services"]
    project.cleanup()
    return {name: f"{entry['repository']}:{entry['content_tag']}" for name, entry in meta.items()}


def test_a_missing_tag_and_an_architecture_mismatch_are_findings_at_the_image(
    tmp_path: Path, pushed: dict[str, str], docker_env: DockerEnv
) -> None:
    missing = pushed["single"].rsplit(":", 1)[0] + ":no-such-tag"
    path = tmp_path / "app.json"
    path.write_text(
        json.dumps(
            task("ARM64", {"app": pushed["multi"], "envoy": pushed["single"], "agent": missing}), indent=2
        )
        + "\n"
    )
    code, out, err = verify(path)
    assert code == 1 and err == ""
    lines = path.read_text().splitlines()
    envoy_line = next(n for n, text in enumerate(lines, 1) if pushed["single"] in text)
    agent_line = next(n for n, text in enumerate(lines, 1) if missing in text)
    column = lines[envoy_line - 1].index('"image"') + 1
    assert out.splitlines() == [
        f'{path.as_posix()}:{envoy_line}:{column}: error TDL558 Container "envoy" image "{pushed["single"]}" is '
        "for linux/amd64, but the task runs on LINUX/ARM64 (linux/arm64)",
        f'{path.as_posix()}:{agent_line}:{column}: error TDL557 Container "agent" image "{missing}" is not in '
        f"{docker_env.registry} (no such tag or digest)",
    ]


def test_images_that_cover_the_task_pass(tmp_path: Path, pushed: dict[str, str]) -> None:
    path = tmp_path / "app.json"
    path.write_text(json.dumps(task(None, {"app": pushed["multi"], "sidecar": pushed["single"]})))
    code, out, err = verify(path, output_format="json")
    assert (code, json.loads(out), err) == (0, [], "")


def test_a_digest_reference_and_an_unreachable_registry(tmp_path: Path, pushed: dict[str, str]) -> None:
    from buildtools import registry_digest, unused_port

    repository, tag = pushed["single"].rsplit(":", 1)
    registry, name = repository.split("/", 1)
    pinned = f"{repository}@{registry_digest(registry, name, tag)}"
    down = f"127.0.0.1:{unused_port()}/team/app:1"
    path = tmp_path / "app.json"
    path.write_text(json.dumps(task("X86_64", {"app": pinned, "other": down, "tpl": "${IMAGE}"})))
    code, out, _ = verify(path, output_format="json")
    findings = json.loads(out)
    assert code == 0  # a warning only
    assert [(f["rule"], f["severity"], f["pointer"]) for f in findings] == [
        ("TDL559", "warning", "/containerDefinitions/1/image")
    ]
    assert "is not reachable" in findings[0]["message"]


def test_verify_on_the_command_line(tmp_path: Path, pushed: dict[str, str]) -> None:
    from click.testing import CliRunner

    from taskdeflint.cli import main

    path = tmp_path / "app.json"
    path.write_text(json.dumps(task("ARM64", {"app": pushed["single"]})))
    result = CliRunner().invoke(main, ["verify", str(path)])
    assert result.exit_code == 1
    assert "error TDL558" in result.output
    not_taskdef = tmp_path / "notes.json"
    not_taskdef.write_text('{"hello": 1}')
    result = CliRunner().invoke(main, ["verify", str(not_taskdef)])
    assert result.exit_code == 2
