"""`taskdeflint build` with BuildKit against the real engine and the loopback registry: cache mounts and
build secrets, the legacy builder as a choice, arm64 under emulation, multi-platform image indexes,
tags added to skipped services, and base image digests in the content tag."""

from __future__ import annotations

import io
import json
import os
import tarfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from buildtools import (
    DockerEnv,
    Project,
    arm64_base_fixture,  # noqa: F401
    busybox_base_fixture,  # noqa: F401
    docker_env_fixture,  # noqa: F401
    image_platform,
    project_fixture,  # noqa: F401
    registry_digest,
    registry_get,
)
from test_build_faults import taskdef as lint_clean_taskdef
from test_build_faults import write_json

pytestmark = pytest.mark.docker

OPTIONS: dict[str, Any] = {"push": True, "metadata_file": Path("meta.json"), "render_dir": Path("rendered")}


def taskdef(name: str, arch: str = "X86_64") -> dict[str, Any]:
    """A task definition the linter finds no error in, for `arch`."""
    data = lint_clean_taskdef(name)
    data["runtimePlatform"] = {"operatingSystemFamily": "LINUX", "cpuArchitecture": arch}
    return data


def path_of(repository: str) -> str:
    return repository.split("/", 1)[1]


def saved_image(api: Any, image: str) -> bytes:
    """Every byte of `docker save`, with each layer unpacked too (a secret could hide in a layer tar)."""
    data = b"".join(api.get_image(image))
    found = [data]
    with tarfile.open(fileobj=io.BytesIO(data)) as outer:
        for member in outer.getmembers():
            if member.isfile() and member.name.endswith(".tar"):
                handle = outer.extractfile(member)
                assert handle is not None
                layer = handle.read()
                with tarfile.open(fileobj=io.BytesIO(layer)) as inner:
                    for item in inner.getmembers():
                        if item.isfile():
                            content = inner.extractfile(item)
                            assert content is not None
                            found.append(content.read())
    return b"\n".join(found)


def test_cache_mount_and_build_secrets_build_and_push_and_the_secret_is_nowhere(
    project: Project, busybox_base: str, docker_env: DockerEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_secret = f"env-secret-{uuid.uuid4().hex}"
    file_secret = f"file-secret-{uuid.uuid4().hex}"
    monkeypatch.setenv("TASKDEFLINT_TEST_TOKEN", env_secret)
    (project.root / "pip.conf").write_text(file_secret + "\n", encoding="utf-8")
    dockerfile = (
        f"FROM {busybox_base}\n"
        f"RUN echo {uuid.uuid4().hex} > /run-id\n"  # no step of this test comes from the build cache
        "RUN --mount=type=cache,target=/cache echo warm >> /cache/hits && cp /cache/hits /hits\n"
        "RUN --mount=type=secret,id=token,required=true cat /run/secrets/token && "
        "wc -c < /run/secrets/token > /token-length\n"
        'RUN --mount=type=secret,id=pip,required=true echo "pip: $(cat /run/secrets/pip)"\n'
        'USER 1000\nCMD ["/bin/sh"]\n'
    )
    project.service(
        "api",
        {"Dockerfile": dockerfile},
        secrets=[{"id": "token", "env": "TASKDEFLINT_TEST_TOKEN"}, {"id": "pip", "src": "pip.conf"}],
        **{"task-definition": "deploy/api.json"},
    )
    write_json(project.root / "deploy/api.json", taskdef("api"))

    result = project.build(**OPTIONS)
    assert result.code == 0, result.output
    meta = project.metadata()["services"]["api"]
    assert meta["status"] == "pushed"
    repository = meta["repository"]
    assert registry_digest(docker_env.registry, path_of(repository), meta["content_tag"]) == meta["digest"]
    rendered = (project.root / "rendered/api.json").read_text()
    assert json.loads(rendered)["containerDefinitions"][0]["image"] == f"{repository}@{meta['digest']}"
    # The RUN steps printed both secrets; the log shows them masked.
    assert "pip: ***" in result.stdout, result.stdout
    assert result.stdout.count("***") >= 2, result.stdout

    image = f"{repository}:{meta['content_tag']}"
    history = json.dumps(docker_env.api.history(image))
    inspect = json.dumps(docker_env.api.inspect_image(image))
    layers = saved_image(docker_env.api, image)
    for secret in (env_secret, file_secret):
        assert secret not in result.output
        assert secret not in (project.root / "meta.json").read_text()
        assert secret not in rendered
        assert secret not in meta["content_tag"]
        assert secret not in history and secret not in inspect
        assert secret.encode() not in layers
    assert b"warm" in layers  # the cache mount was used (and the layers really were searched)

    # A new secret value is not a new image: the content tag covers secret ids only.
    monkeypatch.setenv("TASKDEFLINT_TEST_TOKEN", f"rotated-{uuid.uuid4().hex}")
    again = project.build(**OPTIONS)
    assert again.code == 0, again.output
    assert project.metadata()["services"]["api"]["status"] == "skipped"


def test_an_unset_secret_variable_stops_the_service_before_its_build(project: Project) -> None:
    project.service(
        "api",
        {"Dockerfile": "FROM scratch\nCOPY a /a\n", "a": "a"},
        secrets=[{"id": "token", "env": "TASKDEFLINT_TEST_UNSET_VARIABLE"}],
    )
    result = project.build(push=True)
    assert result.code == 1
    assert (
        "taskdeflint: error: api: secret 'token': the environment variable TASKDEFLINT_TEST_UNSET_VARIABLE "
        "is not set\n" in result.stderr
    )
    assert "building" not in result.stdout


def test_the_legacy_builder_is_a_choice_and_refuses_what_needs_buildkit(project: Project) -> None:
    project.service("web", {"Dockerfile": "FROM scratch\nCOPY a /a\n", "a": "legacy"})
    project.service("api", {"Dockerfile": "FROM scratch\nCOPY --link a /a\n", "a": "link"})
    result = project.build("web", push=True, builder="legacy", metadata_file=Path("meta.json"))
    assert result.code == 0, result.output
    assert "Step 1/2 : FROM scratch" in result.stdout  # the engine's old builder's log
    assert project.metadata()["services"]["web"]["status"] == "pushed"

    refused = project.build("api", push=True, builder="legacy")
    assert refused.code == 1
    assert (
        "taskdeflint: error: api: Dockerfile:2 uses COPY --link, which needs BuildKit; the legacy builder "
        'cannot build it (drop --builder legacy / builder = "legacy")\n'
    ) in refused.stderr
    assert "building" not in refused.stdout


def test_a_failed_build_says_its_error_once(project: Project, busybox_base: str) -> None:
    project.service("api", {"Dockerfile": f"FROM {busybox_base}\nRUN echo about to fail && exit 3\n"})
    result = project.build(push=True)
    assert result.code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("taskdeflint: error: api:")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("taskdeflint: error: api: build failed: ")
    assert "exit code: 3" in errors[0]
    message = errors[0].split("build failed: ", 1)[1]
    # In the log once, as the failing step's status (#5 ERROR: ...), and once in the summary; BuildKit's
    # closing line that repeats it is left out of the log.
    assert result.stdout.count(message) == 2, result.stdout
    assert f"api  FAILED      build failed: {message}" in result.stdout


def test_an_arm64_service_builds_under_emulation(
    project: Project, arm64_base: str, docker_env: DockerEnv
) -> None:
    project.service(
        "graviton",
        {"Dockerfile": f"FROM {arm64_base}\nRUN echo {uuid.uuid4().hex} && uname -m\nUSER 1000\n"},
        **{"task-definition": "deploy/graviton.json"},
    )
    write_json(project.root / "deploy/graviton.json", taskdef("graviton", arch="ARM64"))
    result = project.build(**OPTIONS)
    assert result.code == 0, result.output
    assert "aarch64" in result.stdout  # the RUN step really ran, as arm64
    meta = project.metadata()["services"]["graviton"]
    assert image_platform(docker_env.registry, path_of(meta["repository"]), meta["digest"]) == "linux/arm64"


def test_two_platforms_push_an_index_whose_digest_is_pinned(project: Project, docker_env: DockerEnv) -> None:
    project.service(
        "multi",
        {"Dockerfile": "FROM scratch\nCOPY a /a\n", "a": uuid.uuid4().hex},
        platforms=["linux/amd64", "linux/arm64"],
        tags=["stable"],
        **{"task-definition": "deploy/multi.json"},
    )
    write_json(project.root / "deploy/multi.json", taskdef("multi"))
    result = project.build(**OPTIONS)
    assert result.code == 0, result.output
    meta = project.metadata()["services"]["multi"]
    repository, path = meta["repository"], path_of(meta["repository"])
    rendered = json.loads((project.root / "rendered/multi.json").read_text())
    assert rendered["containerDefinitions"][0]["image"] == f"{repository}@{meta['digest']}"

    media_type, body = registry_get(docker_env.registry, path, meta["content_tag"])
    assert media_type == "application/vnd.oci.image.index.v1+json"
    index = json.loads(body)
    assert registry_digest(docker_env.registry, path, "stable") == meta["digest"]
    listed = {
        f"{m['platform']['os']}/{m['platform']['architecture']}": m["digest"] for m in index["manifests"]
    }
    assert sorted(listed) == ["linux/amd64", "linux/arm64"]
    assert listed == meta["platforms"]
    for platform, digest in listed.items():
        assert image_platform(docker_env.registry, path, digest) == platform

    # The content tag covers the platform list: one platform less is another image.
    project.services["multi"]["platforms"] = ["linux/amd64"]
    project.write_config()
    again = project.build(**OPTIONS)
    assert again.code == 0, again.output
    assert project.metadata()["services"]["multi"]["content_tag"] != meta["content_tag"]


def test_a_skipped_service_gets_the_new_tags_without_a_build(project: Project) -> None:
    project.service("web", {"Dockerfile": "FROM scratch\nCOPY a /a\n", "a": uuid.uuid4().hex})
    first = project.build(push=True, metadata_file=Path("meta.json"))
    assert first.code == 0, first.output
    meta = project.metadata()["services"]["web"]
    images = project.local_image_ids()

    again = project.build(push=True, tags=("release-7",), metadata_file=Path("meta.json"))
    assert again.code == 0, again.output
    later = project.metadata()["services"]["web"]
    assert later["status"] == "skipped" and "release-7" in later["tags"]
    assert registry_digest(project.registry, path_of(meta["repository"]), "release-7") == meta["digest"]
    assert project.local_image_ids() == images  # nothing built or pulled
    assert "building" not in again.stdout


def test_base_image_digests_are_in_the_content_tag(project: Project, docker_env: DockerEnv) -> None:
    base = f"taskdeflint-test-base-{uuid.uuid4().hex[:10]}"

    def import_base(content: bytes) -> None:
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w") as tar:
            info = tarfile.TarInfo("base.txt")
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
        path = project.root / "base.tar"
        path.write_bytes(archive.getvalue())
        docker_env.api.import_image(src=str(path), repository=base, tag="1")

    import_base(b"one")
    try:
        project.service("app", {"Dockerfile": f"FROM {base}:1\nCOPY a /a\n", "a": "a"})
        assert project.build(metadata_file=Path("meta.json")).code == 0
        first = project.metadata()["services"]["app"]["content_tag"]
        import_base(b"two")  # the same tag now names another image
        assert project.build(metadata_file=Path("meta.json")).code == 0
        assert project.metadata()["services"]["app"]["content_tag"] != first
    finally:
        docker_env.api.remove_image(f"{base}:1", force=True)

    missing = f"{project.registry}/{project.prefix}/no-such-base:1"
    project.services["app"]["dockerfile"] = "Other.dockerfile"
    (project.root / "services/app/Other.dockerfile").write_text(f"FROM {missing}\nCOPY a /a\n")
    project.write_config()
    result = project.build()
    assert result.code == 1
    assert (
        f"taskdeflint: error: app: base image {missing} (Other.dockerfile:1) is neither in the engine nor in "
        f"{project.registry} (no such tag)\n"
    ) in result.stderr


def test_buildkit_cli_is_found_on_this_machine() -> None:
    """CI's machine has a CLI that builds with BuildKit (Debian's docker.io 20.10 at /usr/bin/docker)."""
    from taskdeflint.builder import buildkit

    if os.environ.get("CI", "").lower() != "true":
        pytest.skip("only CI's machine is known to have one")
    assert buildkit.find_cli().path
