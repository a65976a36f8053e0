"""The content hash: what it covers (exactly what docker sends) and what it ignores."""

from __future__ import annotations

import io
import os
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

docker = pytest.importorskip("docker")

from taskdeflint.builder.context import CONTENT_TAG_PREFIX, archive, inputs  # noqa: E402
from taskdeflint.builder.manifest import Service  # noqa: E402
from taskdeflint.builder.references import Repository  # noqa: E402

FILES = {
    "Dockerfile": "FROM scratch\nCOPY . /app\n",
    "app/main.txt": "main\n",
    "app/lib/util.txt": "util\n",
    "debug.log": "noise\n",
    "logs/keep.log": "kept by a ! pattern\n",
    "logs/other.log": "ignored\n",
    "build/out.bin": "ignored folder\n",
    ".dockerignore": "# comment\n**/*.log\n!logs/keep.log\nbuild/\n\n",
}


def names(data: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        return sorted(archive.getnames())


def make(root: Path, files: dict[str, str], order: list[str] | None = None) -> Path:
    for name in order or list(files):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[name], encoding="utf-8")
    return root


def service(context: Path, **changes: object) -> Service:
    base = Service(
        name="web",
        context=context.resolve(),
        dockerfile="Dockerfile",
        repository=Repository("127.0.0.1:5000", "team/web"),
        target=None,
        build_args=(),
        platform=None,
        task_definition=None,
        container="web",
        tags=(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def digest(context: Path, **changes: object) -> str:
    return inputs(service(context, **changes)).digest


def test_stable_across_runs_and_file_order(tmp_path: Path) -> None:
    one = make(tmp_path / "one", FILES)
    two = make(tmp_path / "two", FILES, order=list(reversed(FILES)))
    os.utime(two / "app/main.txt", (1, 1))  # timestamps do not count
    assert digest(one) == digest(one) == digest(two)
    tag = inputs(service(one)).content_tag
    assert tag.startswith(CONTENT_TAG_PREFIX) and len(tag) <= 128


@pytest.mark.parametrize(
    "change",
    [
        {"build_args": (("NODE_ENV", "production"),)},
        {"target": "runtime"},
        {"platform": "linux/arm64"},
    ],
    ids=["build-args", "target", "platform"],
)
def test_changes_with_build_settings(tmp_path: Path, change: dict[str, object]) -> None:
    context = make(tmp_path, FILES)
    assert digest(context, **change) != digest(context)


def test_build_arg_values_count(tmp_path: Path) -> None:
    context = make(tmp_path, FILES)
    assert digest(context, build_args=(("A", "1"),)) != digest(context, build_args=(("A", "2"),))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("Dockerfile", "FROM scratch\nCOPY . /srv\n"),
        ("app/main.txt", "main v2\n"),
        ("app/new.txt", "a new file\n"),
        ("logs/keep.log", "re-included, so it counts\n"),
        (".dockerignore", "**/*.log\n"),
    ],
)
def test_changes_with_what_docker_sends(tmp_path: Path, name: str, text: str) -> None:
    context = make(tmp_path, FILES)
    before = digest(context)
    make(context, {name: text})
    assert digest(context) != before


def test_changes_with_file_mode(tmp_path: Path) -> None:
    context = make(tmp_path, FILES)
    before = digest(context)
    (context / "app/main.txt").chmod(0o755)
    assert digest(context) != before


@pytest.mark.parametrize("name", ["debug.log", "logs/other.log", "build/out.bin", "build/new/deep.txt"])
def test_ignores_dockerignored_files(tmp_path: Path, name: str) -> None:
    context = make(tmp_path, FILES)
    before = digest(context)
    make(context, {name: "changed, but docker never sees it\n"})
    assert digest(context) == before


def test_files_are_exactly_what_the_sdk_sends(tmp_path: Path) -> None:
    """The SDK's own `APIClient.build(path=...)` archive holds the same paths as ours."""
    from docker.utils.build import tar

    context = make(tmp_path, FILES)
    exclude = [
        line.strip()
        for line in (context / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    with tar(str(context), exclude=exclude, dockerfile=("Dockerfile", None)) as sdk_archive:
        sdk = names(sdk_archive.read())
    build = inputs(service(context))
    assert list(build.files) == sdk
    assert "debug.log" not in sdk and "build/out.bin" not in sdk and "logs/keep.log" in sdk
    with archive(service(context), build) as ours:
        assert names(ours.read()) == sdk


def test_dockerfile_outside_the_context_is_sent_and_hashed_stably(tmp_path: Path) -> None:
    context = make(tmp_path / "ctx", {"a.txt": "a\n"})
    make(tmp_path, {"docker/web.Dockerfile": "FROM scratch\nCOPY a.txt /\n"})
    web = service(context, dockerfile="../docker/web.Dockerfile")
    first, second = inputs(web), inputs(web)
    assert first.digest == second.digest and first.dockerfile == second.dockerfile
    assert first.dockerfile.startswith(".dockerfile.")
    with archive(web, first) as sent:
        members = names(sent.read())
    assert first.dockerfile in members and "a.txt" in members
    make(tmp_path, {"docker/web.Dockerfile": "FROM scratch\nCOPY a.txt /b\n"})
    assert inputs(web).digest != first.digest
