"""The BuildKit builder's parts that need no engine: finding a Docker CLI, what needs BuildKit in a
Dockerfile, emulation for another architecture, and the manifest's BuildKit keys."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

pytest.importorskip("docker")
pytest.importorskip("dockerfile_parse")

from taskdeflint.builder import buildkit, platforms
from taskdeflint.builder.manifest import ManifestError, load_services
from taskdeflint.builder.runner import BuildSettings, run
from taskdeflint.config import discover
from taskdeflint.readers.dockerfile import buildkit_features


def fake_cli(folder: Path, name: str, version: str, buildx: bool) -> str:
    """A script that answers `--version` and `buildx version` as a Docker CLI would."""
    path = folder / name
    buildx_answer = (
        'echo "github.com/docker/buildx v0.17.1"; exit 0'
        if buildx
        else 'echo "docker: unknown command: docker buildx" >&2; exit 1'
    )
    path.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = --version ]; then echo "Docker version {version}, build abc"; exit 0; fi\n'
        f'if [ "$1" = buildx ]; then {buildx_answer}; fi\n'
        "exit 1\n",
        encoding="utf-8",
    )
    path.chmod(0o755)
    return str(path)


@pytest.fixture(autouse=True)
def fresh_probe_cache() -> None:
    buildkit._found.clear()


def test_a_new_cli_without_buildx_is_passed_over_with_the_reason(tmp_path: Path) -> None:
    new = fake_cli(tmp_path, "docker28", "28.1.1", buildx=False)
    assert buildkit.probe(new) == (
        f"{new}: Docker CLI 28.1 has no buildx plugin, and from 23 on the CLI builds with BuildKit only "
        "through buildx"
    )
    with pytest.raises(buildkit.CLIError) as caught:
        buildkit.find_cli(new)
    message = str(caught.value)
    assert message.startswith("no Docker CLI that can build with BuildKit (")
    assert "28.1 has no buildx plugin" in message and "--builder legacy" in message


@pytest.mark.parametrize(
    ("version", "buildx", "how"),
    [
        ("20.10.24+dfsg1", False, "20.10 (DOCKER_BUILDKIT=1 docker build)"),
        ("28.1.1", True, "28.1 (docker buildx build)"),
    ],
)
def test_a_cli_that_can_build_with_buildkit(tmp_path: Path, version: str, buildx: bool, how: str) -> None:
    path = fake_cli(tmp_path, "docker", version, buildx)
    found = buildkit.find_cli(path)
    assert found.buildx is buildx and found.describe() == f"{path} {how}"


def test_the_build_command_holds_secret_names_never_values(tmp_path: Path) -> None:
    cli = buildkit.DockerCLI("/usr/bin/docker", "20.10", buildx=False)
    request = buildkit.BuildRequest(
        dockerfile="Dockerfile",
        tag="r:t",
        build_args=(("A", "1"),),
        target=None,
        platform="linux/arm64",
        secrets=(("npm", "env", "NPM_TOKEN"), ("pip", "src", "/s/pip.conf")),
        ssh=("default",),
        network="none",
        cache_from=("type=registry,ref=r:cache",),
        cache_to=(),
        no_cache=False,
        iidfile=tmp_path / "iid",
    )
    argv, env = buildkit.command(cli, request)
    assert env["DOCKER_BUILDKIT"] == "1"
    assert argv[:2] == ["/usr/bin/docker", "build"] and argv[-1] == "-"
    joined = " ".join(argv)
    assert "--secret id=npm,env=NPM_TOKEN --secret id=pip,src=/s/pip.conf --ssh default" in joined
    assert "--platform linux/arm64" in joined and "--network none" in joined


@pytest.mark.parametrize(
    ("dockerfile", "expected"),
    [
        ("FROM scratch\nCOPY a /a\n", []),
        ("# syntax=docker/dockerfile:1\nFROM scratch\n", []),  # the legacy builder reads it as a comment
        ("FROM busybox\nRUN --mount=type=cache,target=/c make\n", [(2, "RUN --mount")]),
        (
            "FROM busybox\nRUN <<EOF\necho hi\nEOF\nCOPY --chmod=755 a /a\n",
            [(2, "a heredoc (RUN <<)"), (5, "COPY --chmod")],
        ),
        ("FROM busybox\nRUN echo <<<word\nCOPY --chown=1 a /a\n", []),  # a here-string, and a flag both know
    ],
)
def test_what_needs_buildkit(dockerfile: str, expected: list[tuple[int, str]]) -> None:
    assert buildkit_features(dockerfile) == expected


def test_emulation_missing_is_said_before_the_build(tmp_path: Path) -> None:
    binfmt = tmp_path / "binfmt_misc"
    assert "binfmt_misc is not mounted" in (
        platforms.emulation_problem("linux/arm64", "x86_64", binfmt) or ""
    )
    binfmt.mkdir()
    (binfmt / "register").write_text("")
    problem = platforms.emulation_problem("linux/arm64", "x86_64", binfmt)
    assert problem is not None
    assert problem.startswith("cannot build for linux/arm64 on this x86_64 engine: no emulator for aarch64")
    assert "qemu-user-static" in problem
    (binfmt / "qemu-aarch64").write_text("enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\n")
    assert platforms.emulation_problem("linux/arm64", "x86_64", binfmt) is None
    assert platforms.emulation_problem("linux/amd64", "x86_64", binfmt) is None


def write_project(root: Path, table: str) -> None:
    (root / "ctx").mkdir()
    (root / "ctx" / "Dockerfile").write_text("FROM scratch\nCOPY a /a\n")
    (root / ".taskdeflint.toml").write_text(
        f'[services.api]\ncontext = "ctx"\nrepository = "localhost:5000/api"\n{table}'
    )


def test_manifest_buildkit_keys(tmp_path: Path) -> None:
    (tmp_path / "pip.conf").write_text("x")
    write_project(
        tmp_path,
        'platforms = ["linux/amd64", "linux/arm64"]\nsecrets = [{ id = "npm", env = "NPM_TOKEN" }, '
        '{ id = "pip", src = "pip.conf" }]\nssh = ["default"]\nnetwork = "none"\ncache-from = ["type=local,src=c"]\n',
    )
    (service,) = load_services(discover(tmp_path, None))
    assert service.platforms == ("linux/amd64", "linux/arm64") and service.platform is None
    assert service.secrets == (("npm", "env", "NPM_TOKEN"), ("pip", "src", str(tmp_path / "pip.conf")))
    assert (
        service.ssh == ("default",)
        and service.network == "none"
        and service.cache_from == ("type=local,src=c",)
    )


def test_manifest_buildkit_key_problems(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        'platform = "linux/amd64"\nplatforms = ["linux/arm64", "linux/arm64"]\n'
        'secrets = [{ id = "npm" }, { id = "f", src = "missing.txt" }]\nbuilder = "kaniko"\n',
    )
    with pytest.raises(ManifestError) as caught:
        load_services(discover(tmp_path, None))
    problems = [p.split(": ", 2)[-1] for p in caught.value.problems]
    assert problems == [
        "give 'platform' or 'platforms', not both",
        'secrets: \'npm\' needs exactly one of src = "FILE" or env = "VARIABLE"',
        "secrets: 'f': file 'missing.txt' does not exist",
        "builder 'kaniko' is not one of buildkit, legacy",
    ]


def test_no_buildkit_cli_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(tmp_path, "")
    (tmp_path / "ctx" / "a").write_text(str(tmp_path))  # new content: not in the registry
    old = fake_cli(tmp_path, "docker28", "28.0.0", buildx=False)
    monkeypatch.setenv("TASKDEFLINT_DOCKER", old)
    out, err = io.StringIO(), io.StringIO()
    try:
        code = run(BuildSettings(cwd=tmp_path), stdout=out, stderr=err)
    finally:
        buildkit._found.clear()
    if "cannot reach the Docker engine" in err.getvalue():
        pytest.skip("no Docker engine")
    assert code == 1
    assert err.getvalue().startswith("taskdeflint: error: api: no Docker CLI that can build with BuildKit (")
    assert err.getvalue().count("\n") == 1
    assert "building" not in out.getvalue()


def test_github_actions_folds_each_service_into_one_group(monkeypatch: pytest.MonkeyPatch) -> None:
    from taskdeflint.builder.display import GroupedDisplay, choose

    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    out, err = io.StringIO(), io.StringIO()
    display = choose("auto", out, err, ["web", "api"], jobs=2)
    assert isinstance(display, GroupedDisplay)
    display.state("web", "building")
    display.log("web", "#1 [1/2] FROM scratch")
    display.log("api", "::error::not a command")
    display.state("api", "building")
    display.state("web", "pushed r@sha256:1", final=True)
    display.state("api", "failed", final=True)
    display.failed("api")
    assert out.getvalue().splitlines() == [
        "::group::web",
        "[web] building",
        "[web] #1 [1/2] FROM scratch",
        "::endgroup::",
        "[web] pushed r@sha256:1",
        "::group::api",
        "[api] ::error::not a command",
        "[api] building",
        "::endgroup::",
        "[api] failed",
        "[api] ::error::not a command",  # a failure repeats its last lines outside the fold
        "[api] building",
    ]


def test_cache_to_needs_buildx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(tmp_path, 'cache-to = ["type=inline"]\n')
    (tmp_path / "ctx" / "a").write_text(str(tmp_path))  # new content: not in the registry
    old = fake_cli(tmp_path, "docker", "20.10.24", buildx=False)
    out, err = io.StringIO(), io.StringIO()
    try:
        code = run(BuildSettings(cwd=tmp_path, docker=old), stdout=out, stderr=err)
    finally:
        buildkit._found.clear()
    if "cannot reach the Docker engine" in err.getvalue():
        pytest.skip("no Docker engine")
    assert code == 1
    assert err.getvalue() == (
        f"taskdeflint: error: api: 'cache-to' needs docker buildx, and {old} 20.10 (DOCKER_BUILDKIT=1 docker "
        "build) has no buildx plugin\n"
    )
