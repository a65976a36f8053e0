"""The hooks of `.pre-commit-hooks.yaml`, run by a real pre-commit.

pre-commit installs a hook from a git repository at a commit, so the tests commit a copy of this working
tree (HEAD may lag behind it) and point a `.pre-commit-config.yaml` at it. The hook environment is
installed once per module (into a temporary PRE_COMMIT_HOME) from the package indexes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from buildtools import DockerEnv, docker_env_fixture  # noqa: F401
from worktree import ROOT, commit_all, copy_worktree, git

MANIFEST = ROOT / ".pre-commit-hooks.yaml"

GOOD = """{
  "family": "web",
  "containerDefinitions": [
    {
      "name": "web",
      "image": "nginx:1.27",
      "memory": 512,
      "user": "1000",
      "readonlyRootFilesystem": true,
      "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g", "awslogs-region": "eu-west-1"}}
    }
  ]
}
"""
# A number where ECS wants a string: an error on line 3, column 3.
BAD = GOOD.replace('"family": "web",', '"family": "web",\n  "cpu": 256,')
BAD_LINE = "error TDL003 cpu must be a string, not number 256"


def hooks() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in data}


# -- the manifest itself (fast) ------------------------------------------------------------------------


def test_manifest_declares_the_lint_hook_and_a_manual_build_plan_hook() -> None:
    found = hooks()
    assert set(found) == {"taskdeflint", "taskdeflint-build-plan"}
    lint = found["taskdeflint"]
    assert lint["entry"] == "taskdeflint lint --pre-commit" and lint["language"] == "python"
    assert lint["types_or"] == ["json", "yaml"] and "stages" not in lint
    assert "files" not in lint and "exclude" not in lint  # content decides, not names
    plan = found["taskdeflint-build-plan"]
    assert plan["entry"] == "taskdeflint build --dry-run --push"
    assert plan["stages"] == ["manual"]
    assert plan["pass_filenames"] is False and plan["always_run"] is True
    # The builder needs the Docker SDK, which `pip install .` of the hook repository does not bring.
    assert {re.split(r"[<>=]", d)[0] for d in plan["additional_dependencies"]} == {
        "docker",
        "dockerfile-parse",
    }


@pytest.mark.parametrize(
    ("path", "passed"),
    [
        ("taskdef.json", True),
        ("ecs/web.json", True),
        ("deploy/api.yaml", True),
        ("infra/stack.yml", True),
        ("cdk.out/App.template.json", True),
        ("package.json", True),  # passed, and skipped by taskdeflint: it holds no task definition
        ("infra/stack.template", False),  # see docs/ci.md for widening the hook to these
        ("ecs/web.json.bak", False),
        ("main.tf", False),
    ],
)
def test_the_files_pre_commit_passes(path: str, passed: bool) -> None:
    """pre-commit passes a file whose `identify` tags include one of `types_or`."""
    from identify.identify import tags_from_filename

    assert bool(tags_from_filename(path) & set(hooks()["taskdeflint"]["types_or"])) is passed


# -- a real pre-commit (slow: installs the hook environment) --------------------------------------------


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A git repository holding this working tree, committed; (path, commit)."""
    repo = copy_worktree(tmp_path_factory.mktemp("hook-repo") / "taskdeflint")
    return repo, commit_all(repo, "taskdeflint working tree")


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def pre_commit(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    # No GITHUB_ACTIONS: in a workflow `taskdeflint lint` would choose the github format.
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR")}
    env.update(PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def project(root: Path, repo: tuple[Path, str], files: dict[str, str], hook: str = "") -> Path:
    """A git repository with `files` (staged) and a `.pre-commit-config.yaml` using our hooks."""
    root.mkdir(parents=True, exist_ok=True)
    git("init", "--quiet", cwd=root)
    config = (
        f"repos:\n  - repo: {repo[0]}\n    rev: {repo[1]}\n    hooks:\n      - id: taskdeflint\n{hook}"
        "      - id: taskdeflint-build-plan\n"
    )
    for name, text in {".pre-commit-config.yaml": config, **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git("add", "--all", cwd=root)
    return root


def output(completed: subprocess.CompletedProcess[str]) -> str:
    return completed.stdout + completed.stderr


@pytest.mark.slow
def test_validate_manifest_and_config(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    manifest = pre_commit("validate-manifest", str(MANIFEST), cwd=ROOT, home=pre_commit_home)
    assert manifest.returncode == 0, output(manifest)
    root = project(tmp_path / "p", hook_repo, {})
    config = pre_commit("validate-config", ".pre-commit-config.yaml", cwd=root, home=pre_commit_home)
    assert config.returncode == 0, output(config)


YAML_BAD = """family: api
containerDefinitions:
  - name: api
    image: nginx:1.27
    memory: 512
    enviroment: []
"""
STACK_BAD = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - Name: web
          Image: !Sub "${AWS::AccountId}.dkr.ecr.eu-west-1.amazonaws.com/web:1.0"
          Memory: 512
          Privileged: yes
          Enviroment: []
"""
# What pre-commit hands over, and taskdeflint must skip without a word.
UNRELATED = {
    "ecs/settings.json": '{"replicas": 2, "region": "eu-west-1"}\n',
    "package.json": '{"name": "web", "private": true}\n',
    "tsconfig.json": '{"compilerOptions": {"strict": true}}\n',
    ".vscode/settings.json": '{"editor.tabSize": 2}\n',
    "fixtures/products.json": '[{"name": "Chair", "image": "chair.png", "price": 30}]\n',
    "docker-compose.yml": "services:\n  web:\n    image: nginx:1.27\n",
    ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps: []\n",
}


def hook_report(out: str) -> tuple[set[str], set[str], list[str]]:
    """(linted count lines summed into files, skipped files, finding lines) over every batch pre-commit ran."""
    skipped = set(re.findall(r"^taskdeflint: skipped (\S+): not a task definition$", out, re.MULTILINE))
    linted = sum(int(n) for n in re.findall(r"^taskdeflint: linted (\d+) files?$", out, re.MULTILINE))
    findings = re.findall(r"^(\S+:\d+:\d+: (?:error|warning) TDL\d+)", out, re.MULTILINE)
    return {str(linted)}, skipped, sorted(findings)


@pytest.mark.slow
def test_hook_lints_exactly_the_task_definitions_among_json_and_yaml(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    root = project(
        tmp_path / "p",
        hook_repo,
        {
            "deploy/taskdef.json": GOOD,
            "terraform/containers.json": json.dumps(json.loads(GOOD)["containerDefinitions"], indent=2),
            **UNRELATED,
        },
        hook="        args: [--verbose, --show, error]\n",
    )
    good = pre_commit("run", "--all-files", "--verbose", cwd=root, home=pre_commit_home)
    assert good.returncode == 0, output(good)
    assert re.search(r"^taskdeflint\.+Passed$", good.stdout, re.MULTILINE), good.stdout
    assert hook_report(good.stdout) == ({"2"}, {*UNRELATED, ".pre-commit-config.yaml"}, []), good.stdout
    assert "taskdeflint build plan" not in good.stdout

    for name, text in {"deploy/api.yaml": YAML_BAD, "infra/stack.yaml": STACK_BAD}.items():
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    git("add", "--all", cwd=root)
    bad = pre_commit("run", "--all-files", cwd=root, home=pre_commit_home)
    assert bad.returncode == 1, output(bad)
    assert re.search(r"^taskdeflint\.+Failed$", bad.stdout, re.MULTILINE), bad.stdout
    assert "- exit code: 1" in bad.stdout
    linted, skipped, findings = hook_report(bad.stdout)
    assert (linted, skipped) == ({"4"}, {*UNRELATED, ".pre-commit-config.yaml"}), bad.stdout
    assert findings == [
        "deploy/api.yaml:6:5: error TDL003",
        "infra/stack.yaml:11:11: error TDL003",
    ], bad.stdout

    # try-repo, as a user tries a hook before adding it to their config.
    tried = pre_commit(
        "try-repo", str(hook_repo[0]), "taskdeflint", "--ref", hook_repo[1], "--all-files",
        cwd=root, home=pre_commit_home,
    )  # fmt: skip
    assert tried.returncode == 1, output(tried)
    assert "deploy/api.yaml:6:5: error TDL003" in tried.stdout


@pytest.mark.slow
def test_files_can_be_overridden(tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path) -> None:
    root = project(
        tmp_path / "p",
        hook_repo,
        {"platform/web.json": BAD, "deploy/taskdef.json": BAD},
        hook="        files: ^platform/.*\\.json$\n",
    )
    result = pre_commit("run", "--all-files", cwd=root, home=pre_commit_home)
    assert result.returncode == 1, output(result)
    assert f"platform/web.json:3:3: {BAD_LINE}" in result.stdout
    assert "deploy/taskdef.json" not in result.stdout  # the override replaces the default pattern


@pytest.mark.slow
@pytest.mark.docker
def test_build_plan_hook_in_the_manual_stage(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path, docker_env: DockerEnv
) -> None:
    repository = f"{docker_env.registry}/taskdeflint-test/{uuid.uuid4().hex[:12]}/web"
    root = project(
        tmp_path / "p",
        hook_repo,
        {
            ".taskdeflint.toml": f'[services.web]\ncontext = "web"\nrepository = "{repository}"\n',
            "web/Dockerfile": "FROM scratch\nCOPY index.html /\n",
            "web/index.html": "<h1>hi</h1>\n",
        },
    )
    sha = commit_all(root, "web")[:7]
    result = pre_commit(
        "run", "--hook-stage", "manual", "taskdeflint-build-plan", "--verbose", cwd=root, home=pre_commit_home
    )
    assert result.returncode == 0, output(result)
    assert re.search(r"^taskdeflint build plan\.+Passed$", result.stdout, re.MULTILINE), result.stdout
    assert re.search(rf"^web  build and push  {re.escape(repository)}  tags: {sha}, content-[0-9a-f]{{20}}$",
                     result.stdout, re.MULTILINE), result.stdout  # fmt: skip


@pytest.mark.slow
def test_the_hook_can_be_widened_to_template_files(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    """docs/ci.md: `types_or: [file]` and `files` add CloudFormation's `*.template` files."""
    root = project(
        tmp_path / "p",
        hook_repo,
        {"infra/stack.template": STACK_BAD, "deploy/api.yaml": YAML_BAD, "notes.txt": "not linted\n"},
        hook="        types_or: [file]\n        files: \\.(json|ya?ml|template)$\n        args: [--show, error]\n",
    )
    result = pre_commit("run", "--all-files", cwd=root, home=pre_commit_home)
    assert result.returncode == 1, output(result)
    assert hook_report(result.stdout)[2] == [
        "deploy/api.yaml:6:5: error TDL003",
        "infra/stack.template:11:11: error TDL003",
    ], result.stdout


SERVICE = """{
  "cluster": "main",
  "serviceName": "web",
  "taskDefinition": "web",
  "desiredCount": 2,
  "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": true, "rollback": true}},
  "loadBalancers": [
    {
      "targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef",
      "containerName": "web",
      "containerPort": 8080
    }
  ]
}
"""


@pytest.mark.slow
def test_a_commit_that_renames_a_container_fails_at_the_service_that_names_it(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    """The service's file is not in the commit; the renamed container breaks it all the same."""
    taskdef = json.loads(GOOD)
    taskdef["containerDefinitions"][0]["portMappings"] = [{"containerPort": 8080}]
    root = project(
        tmp_path / "p",
        hook_repo,
        {"deploy/web.json": json.dumps(taskdef, indent=2) + "\n", "services/web.json": SERVICE},
    )
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "web", cwd=root)
    taskdef["containerDefinitions"][0]["name"] = "app"
    (root / "deploy/web.json").write_text(json.dumps(taskdef, indent=2) + "\n", encoding="utf-8")
    git("add", "deploy/web.json", cwd=root)
    staged = pre_commit("run", cwd=root, home=pre_commit_home)  # the staged files only
    assert staged.returncode == 1, output(staged)
    assert hook_report(staged.stdout)[2] == ["services/web.json:10:7: error TDL801"], staged.stdout
