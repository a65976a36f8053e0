"""The services manifest: every problem reported at once, before anything is built (exit 2)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from taskdeflint.builder.manifest import ManifestError, load_services
from taskdeflint.builder.references import Repository, check_tag, parse_repository
from taskdeflint.builder.runner import BuildSettings, run
from taskdeflint.config import load_config


def project(
    tmp_path: Path, config: str, files: dict[str, str] | None = None, name: str = ".taskdeflint.toml"
) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    for relative, text in (files or {}).items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / name).write_text(config, encoding="utf-8")
    return tmp_path


def build(root: Path, *services: str, **options: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(BuildSettings(services=services, cwd=root, **options), stdout=out, stderr=err)  # type: ignore[arg-type]
    return code, out.getvalue(), err.getvalue()


TASKDEF = json.dumps({"family": "web", "containerDefinitions": [{"name": "web", "image": "x"}]})
GOOD_FILES = {
    "services/web/Dockerfile": "FROM scratch AS base\nCOPY a /a\nFROM base AS runtime\n",
    "services/web/a": "a\n",
    "deploy/web.json": TASKDEF,
}


def test_all_problems_are_reported_and_nothing_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No engine is needed to refuse a manifest: point DOCKER_HOST nowhere to prove nothing is asked of it.
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent.sock")
    config = """
[services.web]
context = "services/web"
repository = "127.0.0.1:5000/forum/web:stable"
task-definition = "deploy/web.json"
container = "webb"
target = "prod"
dockerfle = "Dockerfile"

[services.api]
repository = "127.0.0.1:5000/forum/api"

[services.jobs]
context = "services/jobs"
repository = "127.0.0.1:5000/forum/Jobs"

[services.worker]
context = "services/web"
dockerfile = "worker.Dockerfile"
repository = "127.0.0.1:5000/forum/worker"
tags = ["bad tag"]
"""
    root = project(tmp_path, config, GOOD_FILES)
    code, out, err = build(root, push=True)
    assert code == 2
    assert out == ""
    problems = [line.removeprefix("taskdeflint: error: ") for line in err.splitlines() if "error:" in line]
    prefix = f"{root / '.taskdeflint.toml'}: services."
    assert all(p.startswith(prefix) for p in problems), problems
    text = "\n".join(p.removeprefix(prefix) for p in problems)
    expected = [
        "web: unknown key 'dockerfle' (did you mean 'dockerfile'?)",
        "web: repository '127.0.0.1:5000/forum/web:stable' holds a tag ('stable'); give the repository "
        "without a tag ('127.0.0.1:5000/forum/web') and put extra tags in 'tags'",
        "web: target 'prod' is not a stage of services/web/Dockerfile (its stages: base, runtime)",
        "web: deploy/web.json has no container named 'webb' ('container' is 'webb'; its containers: 'web')",
        "api: 'context' is required",
        "jobs: context 'services/jobs' is not a folder",
        "jobs: repository '127.0.0.1:5000/forum/Jobs': path component 'Jobs' is not a valid repository "
        "name (repository names are lower case)",
        "worker: Dockerfile services/web/worker.Dockerfile does not exist",
        "worker: tags: 'bad tag' is not a valid tag",
    ]
    for message in expected:
        assert message in text, f"{message!r} not in:\n{text}"
    assert len(problems) == len(expected)
    assert "nothing was built (9 manifest problems)" in err
    assert "Traceback" not in err


def test_default_container_is_the_service_name(tmp_path: Path) -> None:
    config = '[services.api]\ncontext = "services/web"\nrepository = "r.example.com/api"\ntask-definition = "deploy/web.json"\n'
    root = project(tmp_path, config, GOOD_FILES)
    with pytest.raises(ManifestError) as caught:
        load_services(load_config(root / ".taskdeflint.toml"))
    assert caught.value.problems == [
        f"{root / '.taskdeflint.toml'}: services.api: deploy/web.json has no container named 'api' "
        "('container' defaults to the service name 'api'; its containers: 'web')"
    ]


def test_pyproject_manifest_and_defaults(tmp_path: Path) -> None:
    taskdef = {
        "family": "web",
        "runtimePlatform": {"cpuArchitecture": "ARM64"},
        "containerDefinitions": [{"name": "web"}],
    }
    files = {**GOOD_FILES, "deploy/web.json": json.dumps(taskdef)}
    config = """
[tool.taskdeflint.services.web]
context = "services/web"
repository = "forum/web"
task-definition = "deploy/web.json"
build-args = { PORT = 8080, MODE = "prod" }
"""
    root = project(tmp_path, config, files, name="pyproject.toml")
    (service,) = load_services(load_config(root / "pyproject.toml"))
    assert service.context == (root / "services/web").resolve()
    assert service.dockerfile == "Dockerfile"
    assert service.repository == Repository("docker.io", "forum/web")
    assert service.platform == "linux/arm64"  # from the task definition's runtimePlatform
    assert service.container == "web"
    assert service.build_args == (("MODE", "prod"), ("PORT", "8080"))


def test_unknown_service_and_empty_manifest(tmp_path: Path) -> None:
    root = project(
        tmp_path, '[services.web]\ncontext = "services/web"\nrepository = "r.io/web"\n', GOOD_FILES
    )
    code, _, err = build(root, "wbe")
    assert code == 2 and "unknown service 'wbe' (did you mean 'web'? services: web)" in err
    empty = project(tmp_path / "empty", 'select = ["TDL"]\n')
    code, _, err = build(empty)
    assert code == 2 and "no services to build; add a [services.NAME] table per image" in err


def test_usage_errors(tmp_path: Path) -> None:
    root = project(
        tmp_path, '[services.web]\ncontext = "services/web"\nrepository = "r.io/web"\n', GOOD_FILES
    )
    code, _, err = build(root, tags=("-bad",))
    assert code == 2 and "--tag: '-bad' is not a valid tag" in err
    code, _, err = build(root, config=Path("missing.toml"))
    assert code == 2 and "config file does not exist" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("localhost:5000/forum/threads", Repository("localhost:5000", "forum/threads")),
        (
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web",
            Repository("123456789012.dkr.ecr.eu-west-1.amazonaws.com", "web"),
        ),
        ("nginx", Repository("docker.io", "library/nginx")),
        ("ghcr.io/org/app", Repository("ghcr.io", "org/app")),
    ],
)
def test_repositories(text: str, expected: Repository) -> None:
    assert parse_repository(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("localhost:5000/forum/threads:1.0", "holds a tag ('1.0')"),
        ("forum/threads@sha256:" + "a" * 64, "holds a digest"),
        ("Forum/threads", "lower case"),
        ("registry.example.com/", "not a valid repository name"),
    ],
)
def test_bad_repositories(text: str, message: str) -> None:
    parsed = parse_repository(text)
    assert isinstance(parsed, str) and message in parsed


def test_repository_helpers() -> None:
    ecr = parse_repository("123456789012.dkr.ecr.eu-west-1.amazonaws.com/web")
    assert isinstance(ecr, Repository) and ecr.ecr_region == "eu-west-1"
    hub = parse_repository("nginx")
    assert isinstance(hub, Repository) and str(hub) == "nginx" and hub.api_host == "registry-1.docker.io"
    assert hub.pinned("sha256:00") == "nginx@sha256:00"
    assert check_tag("v1.2.3") is None and check_tag("a" * 129) is not None and check_tag(".x") is not None
