"""CI usage: the composite action (`action.yml`) and the commands that docs/ci.md and the README show.

The action's `run` steps are run with bash as GitHub runs them (`bash --noprofile --norc -eo pipefail`),
with the `${{ }}` expressions they use evaluated here. A stand-in `taskdeflint` records the arguments, which
must then parse with the real CLI: every flag the action passes is one the CLI has. The slow tests run the
install, lint and build steps for real.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from buildtools import DockerEnv, Project, docker_env_fixture, project_fixture  # noqa: F401
from exampletools import forum_copy, remove_images
from worktree import ROOT, copy_worktree

from taskdeflint.cli import main

ACTION = ROOT / "action.yml"
INPUTS = {
    "paths",
    "format",
    "output",
    "fail-on",
    "show",
    "config",
    "build",
    "push",
    "render-dir",
    "metadata-file",
    "version",
    "python-rules",
    "working-directory",
}
BAD = '{\n  "family": "web",\n  "cpu": 256,\n  "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "memory": 512}]\n}\n'


def action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return data


def parse_cli(argv: list[str]) -> click.Context:
    """Parse `taskdeflint ARGV` with the real command, running nothing; raise on an unknown flag or value."""
    name, *rest = argv
    assert name in main.commands, f"taskdeflint has no command {name!r}"
    return main.commands[name].make_context(name, rest)


# -- GitHub expressions: only the forms action.yml uses -----------------------------------------------

_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def evaluate(expression: str, inputs: dict[str, str], context: dict[str, str]) -> str | bool:
    expression = expression.strip()
    if "&&" in expression:
        return all(evaluate(part, inputs, context) is True for part in expression.split("&&"))
    if match := re.fullmatch(r"inputs\.([\w-]+)", expression):
        return inputs[match.group(1)]
    if match := re.fullmatch(r"([\w.-]+) == '([^']*)'", expression):
        return str(evaluate(match.group(1), inputs, context)) == match.group(2)
    if expression == "!cancelled()":
        return True
    if expression in context:
        return context[expression]
    if re.fullmatch(r"steps\.[\w-]+\.(outputs\.[\w-]+|outcome)", expression):
        return ""  # a step that did not run (or set no such output)
    raise AssertionError(f"action.yml uses an expression this test does not evaluate: {expression!r}")


def substitute(text: str, inputs: dict[str, str], context: dict[str, str]) -> str:
    return _EXPRESSION.sub(lambda m: str(evaluate(m.group(1), inputs, context)), text)


def condition(step: dict[str, Any], inputs: dict[str, str], context: dict[str, str]) -> bool:
    raw = str(step.get("if", "true"))
    match = _EXPRESSION.fullmatch(raw.strip())
    result = evaluate(match.group(1) if match else raw, inputs, context) if raw != "true" else True
    assert isinstance(result, bool), raw
    return result


class Runner:
    """Runs the action's steps in `workspace`, as the runner would, with the given inputs."""

    def __init__(self, workspace: Path, runner_temp: Path, action_path: Path, **overrides: str) -> None:
        spec = action()
        self.steps: list[dict[str, Any]] = spec["runs"]["steps"]
        self.inputs = {name: str(value.get("default", "")) for name, value in spec["inputs"].items()}
        unknown = set(overrides) - set(self.inputs)
        assert not unknown, unknown
        self.inputs.update(overrides)
        self.workspace = workspace
        self.runner_temp = runner_temp
        self.action_path = action_path
        self.context = {
            "steps.python.outputs.python-path": sys.executable,
            "steps.python.outputs.python-version": "{}.{}.{}".format(*sys.version_info[:3]),
            "github.event.pull_request.head.repo.full_name": "",  # not a pull request
        }

    def run(
        self, name: str, extra_env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str] | None:
        """Run the step called `name`; None when its `if` skips it."""
        (step,) = [s for s in self.steps if s.get("name") == name]
        if not condition(step, self.inputs, self.context):
            return None
        outputs = self.runner_temp / f"output-{uuid.uuid4().hex}"
        outputs.touch()
        script = self.runner_temp / f"step-{uuid.uuid4().hex}.sh"
        script.write_text(substitute(step["run"], self.inputs, self.context), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "TASKDEFLINT_"))}
        env.pop("VIRTUAL_ENV", None)
        env.update(
            {
                key: substitute(str(value), self.inputs, self.context)
                for key, value in step.get("env", {}).items()
            }
        )
        env.update(
            RUNNER_TEMP=str(self.runner_temp),
            GITHUB_ACTION_PATH=str(self.action_path),
            GITHUB_ACTIONS="true",
            GITHUB_WORKSPACE=str(self.workspace),
            GITHUB_OUTPUT=str(outputs),
            RUNNER_OS="Linux",
            CI="true",
            **(extra_env or {}),
        )
        cwd = self.workspace / substitute(step.get("working-directory", "."), self.inputs, self.context)
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if "id" in step:
            self.context[f"steps.{step['id']}.outcome"] = "success" if done.returncode == 0 else "failure"
            for line in outputs.read_text(encoding="utf-8").splitlines():
                key, _, value = line.partition("=")
                self.context[f"steps.{step['id']}.outputs.{key}"] = value
        return done

    def outputs(self) -> dict[str, str]:
        """The action's outputs, as the workflow sees them."""
        return {
            name: substitute(str(value["value"]), self.inputs, self.context)
            for name, value in action()["outputs"].items()
        }


# -- action.yml: shape ---------------------------------------------------------------------------------


def test_action_is_a_composite_action_with_the_documented_inputs() -> None:
    spec = action()
    assert spec["name"] == "taskdeflint" and spec["description"]
    assert set(spec["inputs"]) == INPUTS
    for name, value in spec["inputs"].items():
        assert value.get("description"), name
        assert isinstance(value.get("default"), str), f"{name}: a default, as a string"
    assert spec["runs"]["using"] == "composite"
    for step in spec["runs"]["steps"]:
        if "run" in step:
            assert step["shell"] == "bash", step["name"]
            # Inputs reach the scripts through env, never spliced into the script text (injection).
            assert "${{" not in step["run"], step["name"]
    documented = (ROOT / "docs/ci.md").read_text(encoding="utf-8")
    for name in INPUTS:
        assert f"| `{name}` |" in documented, f"docs/ci.md does not document the input {name}"


# -- action.yml: the arguments its steps pass (a stand-in taskdeflint) --------------------------------


@pytest.fixture
def recording(tmp_path: Path) -> tuple[Path, Path]:
    """A RUNNER_TEMP whose taskdeflint-venv/bin/taskdeflint records its arguments; (runner_temp, record)."""
    runner_temp = tmp_path / "runner-temp"
    script = runner_temp / "taskdeflint-venv/bin/taskdeflint"
    script.parent.mkdir(parents=True)
    record = tmp_path / "argv.jsonl"
    script.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"with open({str(record)!r}, 'a') as f:\n    f.write(json.dumps(sys.argv[1:]) + '\\n')\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return runner_temp, record


def ran(result: subprocess.CompletedProcess[str] | None) -> subprocess.CompletedProcess[str]:
    assert result is not None, "the step's `if` skipped it"
    return result


def recorded(record: Path) -> list[list[str]]:
    if not record.exists():
        return []
    return [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]


def run_build_and_lint(
    tmp_path: Path, recording: tuple[Path, Path], inputs: dict[str, str] | None = None, validate: bool = True
) -> list[list[str]]:
    runner_temp, record = recording
    workspace = tmp_path / "workspace"
    for name in ("deploy/web.json", "deploy/api.json", "rendered/web.json", "services/a.json"):
        (workspace / name).parent.mkdir(parents=True, exist_ok=True)
        (workspace / name).write_text("{}", encoding="utf-8")
    runner = Runner(workspace, runner_temp, ROOT, **(inputs or {}))
    runner.context["steps.install.outcome"] = "success"
    for step in ("Build, push and pin images", "Lint task definitions"):
        result = runner.run(step)
        assert result is None or result.returncode == 0, (result.stdout, result.stderr)
    calls = recorded(record)
    for argv in calls if validate else ():
        parse_cli(argv)  # every flag and value is one the CLI accepts
    # Each lint is followed by the same lint as JSON, which the findings output counts.
    counting = [c for c in calls if str(runner_temp / "taskdeflint-findings.json") in c]
    shown = [c for c in calls if c not in counting]
    for argv in counting:
        assert argv[:7] == ["lint", "--format", "json", "--fail-on", "never", "--output", argv[6]]
        linted = calls[calls.index(argv) - 1]
        assert argv[argv.index("--") :] == linted[linted.index("--") :]
        assert [a for a in argv[7 : argv.index("--")] if a.startswith("--")] == [
            a for a in linted[5 : linted.index("--")] if a.startswith("--") and a != "--output"
        ]
    return [[arg.replace(str(workspace), "$WORKSPACE") for arg in argv] for argv in shown]


def test_defaults_lint_the_workspace_with_annotations(tmp_path: Path, recording: tuple[Path, Path]) -> None:
    assert run_build_and_lint(tmp_path, recording) == [
        ["lint", "--format", "github", "--fail-on", "error", "--", "."]
    ]


def test_lint_inputs_map_to_flags(tmp_path: Path, recording: tuple[Path, Path]) -> None:
    calls = run_build_and_lint(
        tmp_path,
        recording,
        {
            "paths": "deploy/web.json\n  services/*.json",
            "format": "sarif",
            "output": "results.sarif",
            "fail-on": "warning",
            "show": "info",
            "config": "ci/taskdeflint.toml",
            "render-dir": "rendered",
        },
    )
    assert calls == [
        [
            "lint", "--format", "sarif", "--fail-on", "warning", "--output", "$WORKSPACE/results.sarif",
            "--show", "info", "--config", "ci/taskdeflint.toml", "--", "deploy/web.json", "services/a.json",
        ]
    ]  # fmt: skip  # render-dir without build: nothing was rendered, nothing added


@pytest.mark.parametrize(
    ("head", "python_rules", "refused"),
    [
        ("someone/fork", "auto", True),
        ("owner/repo", "auto", False),
        ("", "auto", False),
        ("someone/fork", "true", False),
        ("owner/repo", "false", True),
    ],
)
def test_python_rules_are_refused_on_pull_requests_from_forks(
    tmp_path: Path, recording: tuple[Path, Path], head: str, python_rules: str, refused: bool
) -> None:
    runner_temp, record = recording
    stand_in = runner_temp / "taskdeflint-venv/bin/taskdeflint"  # it records the variable too
    stand_in.write_text(
        stand_in.read_text(encoding="utf-8").replace(
            "sys.argv[1:]", "sys.argv[1:] + [__import__('os').environ.get('TASKDEFLINT_NO_PYTHON_RULES', '')]"
        ),
        encoding="utf-8",
    )
    (tmp_path / "workspace").mkdir()
    inputs = {"python-rules": python_rules, "build": "true"}
    runner = Runner(tmp_path / "workspace", runner_temp, ROOT, **inputs)
    runner.context["github.event.pull_request.head.repo.full_name"] = head
    runner.context["steps.install.outcome"] = "success"
    for step in ("Build, push and pin images", "Lint task definitions"):
        ran(runner.run(step, {"GITHUB_REPOSITORY": "owner/repo"}))
    (*build, build_variable), (*lint, _), (*count, _) = recorded(record)
    parse_cli(build)
    parse_cli(lint)
    parse_cli(count)
    assert ("--no-python-rules" in lint) is refused
    assert ("--no-python-rules" in count) is refused  # the lint that counts the findings too
    assert (build_variable == "1") is refused  # the build lints what it renders


def test_build_inputs_map_to_flags_and_the_rendered_folder_is_linted(
    tmp_path: Path, recording: tuple[Path, Path]
) -> None:
    calls = run_build_and_lint(
        tmp_path,
        recording,
        {
            "build": "true",
            "push": "true",
            "paths": "deploy",
            "format": "junit",
            "output": "taskdeflint.xml",
            "render-dir": "rendered",
            "metadata-file": "build.json",
        },
    )
    assert calls == [
        ["build", "--progress", "plain", "--push", "--render-dir", "rendered", "--metadata-file", "build.json"],
        [
            "lint", "--format", "junit", "--fail-on", "error", "--output", "$WORKSPACE/taskdeflint.xml",
            "--", "deploy", "rendered",
        ],
    ]  # fmt: skip
    assert run_build_and_lint(tmp_path / "again", recording, {"build": "true", "paths": ""})[-2:] == [
        ["build", "--progress", "plain"],
        ["lint", "--format", "github", "--fail-on", "error", "--"],  # empty paths: the config's include
    ]


def test_bad_input_values_are_refused_by_the_cli(tmp_path: Path, recording: tuple[Path, Path]) -> None:
    (argv,) = run_build_and_lint(tmp_path, recording, {"format": "checkstyle"}, validate=False)
    with pytest.raises(click.BadParameter, match="checkstyle"):
        parse_cli(argv)


# -- documented commands ------------------------------------------------------------------------------

_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_COMMAND = re.compile(r"(?:^|[\s'\"/])taskdeflint\s+((?:lint|build|rules?)\b[^'\"\n#|>]*)")


def documented_commands() -> list[tuple[str, list[str]]]:
    found = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for block in _FENCE.findall(doc.read_text(encoding="utf-8")):
            for match in _COMMAND.finditer(block.replace("\\\n", " ")):
                found.append((doc.name, shlex.split(match.group(1))))
    return found


def test_documented_commands_use_real_flags() -> None:
    commands = documented_commands()
    shown = {" ".join(argv) for _, argv in commands}
    # What docs/ci.md promises to show.
    for expected in (
        "lint --format sarif --output results.sarif deploy/",
        "lint --format github deploy/",
        "lint --format junit --output taskdeflint.xml deploy/",
        "build --push --metadata-file build.json --render-dir rendered/",
        "lint --format sarif --output results.sarif rendered/",
    ):
        assert expected in shown, expected
    for doc, argv in commands:
        try:
            parse_cli(argv)
        except click.ClickException as error:
            pytest.fail(f"{doc}: taskdeflint {' '.join(argv)}: {error.format_message()}")


def test_ci_yaml_examples_parse() -> None:
    text = (ROOT / "docs/ci.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```yaml\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    assert len(blocks) >= 7
    workflows = 0
    for block in blocks:
        data = yaml.safe_load(block)
        assert isinstance(data, dict | list), block
        if isinstance(data, dict) and "jobs" in data:
            workflows += 1
            for job in data["jobs"].values():
                for step in job["steps"]:
                    assert ("uses" in step) != ("run" in step), step
                    if str(step.get("uses", "")).startswith("OWNER/taskdeflint@"):
                        assert set(step.get("with", {})) <= INPUTS, step["with"]
    assert workflows == 4


# -- the real thing (slow: installs taskdeflint from this working tree) ---------------------------------


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The action's install step, run for real with build extras; (action_path, runner_temp)."""
    action_path = copy_worktree(tmp_path_factory.mktemp("action") / "taskdeflint")
    runner_temp = tmp_path_factory.mktemp("runner-temp")
    workspace = tmp_path_factory.mktemp("workspace")
    result = ran(Runner(workspace, runner_temp, action_path, build="true").run("Install taskdeflint"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith(f"version {_version()}"), result.stdout
    return action_path, runner_temp


def after_install(workspace: Path, runner_temp: Path, action_path: Path, **inputs: str) -> Runner:
    """A runner whose install step has succeeded (in the `installed` fixture)."""
    runner = Runner(workspace, runner_temp, action_path, **inputs)
    runner.context["steps.install.outcome"] = "success"
    return runner


def _version() -> str:
    from taskdeflint import __version__

    return __version__


@pytest.mark.slow
def test_action_lints_for_code_scanning_and_junit(installed: tuple[Path, Path], tmp_path: Path) -> None:
    action_path, runner_temp = installed
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy/web.json").write_text(BAD, encoding="utf-8")
    (tmp_path / "package.json").write_text('{"name": "web"}\n', encoding="utf-8")

    annotations = after_install(tmp_path, runner_temp, action_path)
    result = ran(annotations.run("Lint task definitions"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "::error file=deploy/web.json,line=3,endLine=3,col=3," in result.stdout
    shown = len(re.findall(r"^::(error|warning|notice) ", result.stdout, re.MULTILINE))
    assert shown >= 1 and annotations.outputs() == {"findings": str(shown), "sarif": ""}

    sarif = after_install(tmp_path, runner_temp, action_path, format="sarif", output="results.sarif")
    result = ran(sarif.run("Lint task definitions"))
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads((tmp_path / "results.sarif").read_text(encoding="utf-8"))
    assert sarif.outputs() == {"findings": str(shown), "sarif": str(tmp_path / "results.sarif")}
    assert len(report["runs"][0]["results"]) == shown
    assert report["version"] == "2.1.0"
    located = {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        for r in report["runs"][0]["results"]
    }
    assert ("TDL003", "deploy/web.json") in located

    for fail_on, failures in (("never", "0"), ("error", "1")):
        junit = after_install(
            tmp_path, runner_temp, action_path, format="junit", output="out/taskdeflint.xml"
        )
        junit.inputs["fail-on"] = fail_on
        result = ran(junit.run("Lint task definitions"))
        assert result.returncode == (0 if fail_on == "never" else 1), result.stdout + result.stderr
        suite = ET.parse(tmp_path / "out/taskdeflint.xml").getroot()
        assert suite.get("failures") == failures and suite.get("tests") == "1"


@pytest.mark.slow
def test_action_sarif_from_a_working_directory_is_where_upload_reads_it(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    """With working-directory, the report is written relative to the workspace, and its URIs are relative
    to the repository root (the workspace), where code scanning resolves them."""
    action_path, runner_temp = installed
    (tmp_path / "services/web dir/deploy").mkdir(parents=True)
    (tmp_path / "services/web dir/deploy/web.json").write_text(BAD, encoding="utf-8")
    runner = after_install(
        tmp_path, runner_temp, action_path, format="sarif", paths="deploy",
        **{"working-directory": "services/web dir"},
    )  # fmt: skip
    result = ran(runner.run("Lint task definitions"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert runner.outputs()["sarif"] == str(tmp_path / "taskdeflint.sarif")
    report = json.loads((tmp_path / "taskdeflint.sarif").read_text(encoding="utf-8"))
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in report["runs"][0]["results"]
    }
    assert uris == {"services/web%20dir/deploy/web.json"}


@pytest.mark.slow
def test_action_reuses_a_restored_environment_and_stops_after_a_failed_install(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    action_path, runner_temp = installed
    # What actions/cache restored: the install step only checks it.
    again = Runner(tmp_path, runner_temp, action_path, build="true")
    result = ran(again.run("Install taskdeflint"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"taskdeflint, version {_version()}\n"
    assert again.context["steps.install.outcome"] == "success"

    # A version that cannot be installed: one failure, and the lint step does not run.
    empty_temp = tmp_path / "runner-temp"
    empty_temp.mkdir()
    broken = Runner(tmp_path, empty_temp, action_path, version="0.0.0.dev0+nonexistent")
    result = ran(broken.run("Install taskdeflint", extra_env={"PIP_NO_INDEX": "1"}))
    assert result.returncode == 1
    assert "::error title=taskdeflint::could not install taskdeflint==0.0.0.dev0+nonexistent" in result.stdout
    assert not (empty_temp / "taskdeflint-venv").exists()  # nothing half-installed is cached
    assert broken.run("Lint task definitions") is None
    assert broken.outputs() == {"findings": "", "sarif": ""}


def test_the_environment_key_names_what_is_installed(tmp_path: Path) -> None:
    keys = []
    for inputs in ({}, {"build": "true"}, {"version": "0.1.0"}):
        runner = Runner(tmp_path, tmp_path, ROOT, **inputs)
        assert ran(runner.run("Name the taskdeflint environment")).returncode == 0
        keys.append(runner.context["steps.environment.outputs.key"])
    python = "{}.{}.{}".format(*sys.version_info[:3])
    assert re.fullmatch(
        rf"taskdeflint-Linux-py{re.escape(python)}-build-false-source-[0-9a-f]{{20}}", keys[0]
    )
    assert keys[1] == keys[0].replace("build-false", "build-true")
    assert keys[2] == f"taskdeflint-Linux-py{python}-build-false-release-0.1.0"


@pytest.mark.slow
@pytest.mark.docker
def test_action_builds_pushes_pins_and_lints_the_forum(
    installed: tuple[Path, Path], tmp_path: Path, docker_env: DockerEnv
) -> None:
    action_path, runner_temp = installed
    forum, prefix = forum_copy(tmp_path, docker_env.registry)
    runner = after_install(
        tmp_path,
        runner_temp,
        action_path,
        show="info",
        build="true",
        push="true",
        paths="deploy",
        format="json",
        output="report.json",
        **{"render-dir": "rendered", "metadata-file": "build.json", "working-directory": forum.name},
    )
    try:
        built = ran(runner.run("Build, push and pin images"))
        assert built.returncode == 0, built.stdout + built.stderr
        linted = ran(runner.run("Lint task definitions"))
        assert linted.returncode == 0, linted.stdout + linted.stderr
    finally:
        remove_images(docker_env, prefix)
    metadata = json.loads((forum / "build.json").read_text(encoding="utf-8"))
    assert {entry["status"] for entry in metadata["services"].values()} == {"pushed"}
    findings = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))  # relative to the workspace
    assert {f["path"].split("/")[0] for f in findings} == {"deploy", "rendered"}
    assert {f["severity"] for f in findings} == {"info"}


@pytest.mark.docker
def test_a_build_without_git_says_it_has_no_commit_tag(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An image such as python:3.12-slim has no git: the plan says why the commit tag is missing."""
    project.service("web", {"Dockerfile": "FROM scratch\nCOPY a.txt /\n", "a.txt": "x\n"})
    (tmp_path / "empty-bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    plan = project.build(dry_run=True, push=True)
    assert plan.code == 0, plan.output
    assert "(no git tag: git is not installed)" in plan.stdout


SYSTEM_PYTHON = Path("/usr/bin/python3")


def _externally_managed() -> bool:
    if not SYSTEM_PYTHON.exists():
        return False
    done = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return (Path(done.stdout.strip()) / "EXTERNALLY-MANAGED").is_file()


@pytest.mark.slow
def test_the_jenkins_recipe_works_where_the_system_python_is_externally_managed(tmp_path: Path) -> None:
    """The recipe's `sh` steps, run as an agent runs them: the system Python (PEP 668), no venv active."""
    if not _externally_managed():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SYSTEM_PYTHON} is not an externally managed Python (PEP 668)")
        pytest.skip(f"{SYSTEM_PYTHON} is not an externally managed Python (PEP 668)")
    text = (ROOT / "docs/ci.md").read_text(encoding="utf-8")
    [groovy] = re.findall(r"^```groovy\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    steps = re.findall(r"^\s*sh '(.*)'$", groovy, re.MULTILINE)
    assert steps and any("pip install" in step for step in steps)
    # taskdeflint from this working tree, where the recipe installs it from the package index.
    source = copy_worktree(tmp_path / "source")
    steps = [
        step.replace("pip install --quiet taskdeflint", f"pip install --quiet {source}") for step in steps
    ]
    workspace = tmp_path / "workspace"
    (workspace / "deploy").mkdir(parents=True)
    (workspace / "deploy/web.json").write_text(BAD, encoding="utf-8")
    (workspace / "deploy/api.json").write_text(BAD.replace('"cpu": 256,', '"cpu": "256",'), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON", "PIP_USER"))}
    env["PATH"] = f"{SYSTEM_PYTHON.parent}:/bin"

    def sh(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["sh", "-xe", "-c", command], cwd=workspace, env=env, capture_output=True, text=True, timeout=900
        )

    # What the recipe used to do fails here, which is the point of the test.
    refused = sh(f"python3 -m pip install --quiet {source}")
    assert refused.returncode != 0 and "externally-managed-environment" in refused.stderr, refused.stderr
    for step in steps:
        done = sh(step)
        assert done.returncode == 0, (step, done.stdout, done.stderr)
    suite = ET.parse(workspace / "taskdeflint.xml").getroot()
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    # A usage error still fails the stage.
    assert sh(steps[-1].replace("--format junit", "--format nope")).returncode != 0


def test_the_repository_is_named_in_one_place() -> None:
    """Docs, hooks and SARIF help links name the repository that `REPOSITORY_URL` names."""
    from taskdeflint import REPOSITORY_URL

    owner_name = REPOSITORY_URL.removeprefix("https://github.com/")
    named: list[tuple[str, str]] = []
    for path in [
        ROOT / "README.md",
        ROOT / "action.yml",
        ROOT / ".pre-commit-hooks.yaml",
        *(ROOT / "docs").glob("*.md"),
    ]:
        text = path.read_text(encoding="utf-8")
        named += [(path.name, m) for m in re.findall(r"github\.com/([\w.-]+/taskdeflint)\b", text)]
        named += [(path.name, m) for m in re.findall(r"uses: ([\w.-]+/taskdeflint)@", text)]
    assert named and {m for _, m in named} == {owner_name}, named


def test_the_environment_is_restored_before_and_saved_right_after_the_install() -> None:
    steps = action()["runs"]["steps"]
    uses = [(s.get("uses", "run").split("@")[0], s.get("id")) for s in steps]
    assert uses[:6] == [
        ("actions/setup-python", "python"),
        ("run", "environment"),
        ("actions/cache/restore", "cache"),
        ("run", "install"),
        ("actions/cache/save", None),
        ("run", None),  # the build
    ]
    restore, save = steps[2], steps[4]
    assert restore["with"] == save["with"]
    assert "taskdeflint-venv" in restore["with"]["path"]
    assert save["if"] == "steps.cache.outputs.cache-hit != 'true'"
    lint = steps[-1]
    assert lint["id"] == "lint" and "steps.install.outcome == 'success'" in lint["if"]
    assert set(action()["outputs"]) == {"findings", "sarif"}
