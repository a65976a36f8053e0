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
from buildtools import DockerEnv, docker_env_fixture  # noqa: F401
from exampletools import forum_copy, remove_images
from worktree import ROOT, copy_worktree

from taskdeflint.cli import main

ACTION = ROOT / "action.yml"
INPUTS = {
    "paths",
    "format",
    "output",
    "fail-on",
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
    if match := re.fullmatch(r"inputs\.([\w-]+)", expression):
        return inputs[match.group(1)]
    if match := re.fullmatch(r"inputs\.([\w-]+) == '([^']*)'", expression):
        return inputs[match.group(1)] == match.group(2)
    if expression == "!cancelled()":
        return True
    if expression in context:
        return context[expression]
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
            "github.event.pull_request.head.repo.full_name": "",  # not a pull request
        }

    def run(
        self, name: str, extra_env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str] | None:
        """Run the step called `name`; None when its `if` skips it."""
        (step,) = [s for s in self.steps if s.get("name") == name]
        if not condition(step, self.inputs, self.context):
            return None
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
            CI="true",
            **(extra_env or {}),
        )
        cwd = self.workspace / substitute(step.get("working-directory", "."), self.inputs, self.context)
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )


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
    for step in ("Build, push and pin images", "Lint task definitions"):
        result = runner.run(step)
        assert result is None or result.returncode == 0, (result.stdout, result.stderr)
    calls = recorded(record)
    for argv in calls if validate else ():
        parse_cli(argv)  # every flag and value is one the CLI accepts
    return calls


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
            "config": "ci/taskdeflint.toml",
            "render-dir": "rendered",
        },
    )
    assert calls == [
        [
            "lint", "--format", "sarif", "--fail-on", "warning", "--output", "results.sarif",
            "--config", "ci/taskdeflint.toml", "--", "deploy/web.json", "services/a.json",
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
    for step in ("Build, push and pin images", "Lint task definitions"):
        ran(runner.run(step, {"GITHUB_REPOSITORY": "owner/repo"}))
    (*build, build_variable), (*lint, _) = recorded(record)
    parse_cli(build)
    parse_cli(lint)
    assert ("--no-python-rules" in lint) is refused
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
            "lint", "--format", "junit", "--fail-on", "error", "--output", "taskdeflint.xml",
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


def _version() -> str:
    from taskdeflint import __version__

    return __version__


@pytest.mark.slow
def test_action_lints_for_code_scanning_and_junit(installed: tuple[Path, Path], tmp_path: Path) -> None:
    action_path, runner_temp = installed
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy/web.json").write_text(BAD, encoding="utf-8")
    (tmp_path / "package.json").write_text('{"name": "web"}\n', encoding="utf-8")

    annotations = ran(Runner(tmp_path, runner_temp, action_path).run("Lint task definitions"))
    assert annotations.returncode == 1, annotations.stdout + annotations.stderr
    assert "::error file=deploy/web.json,line=3,endLine=3,col=3," in annotations.stdout

    sarif = Runner(tmp_path, runner_temp, action_path, format="sarif", output="results.sarif")
    result = ran(sarif.run("Lint task definitions"))
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads((tmp_path / "results.sarif").read_text(encoding="utf-8"))
    assert report["version"] == "2.1.0"
    located = {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        for r in report["runs"][0]["results"]
    }
    assert ("TDL003", "deploy/web.json") in located

    junit = Runner(tmp_path, runner_temp, action_path, format="junit", output="out/taskdeflint.xml")
    junit.inputs["fail-on"] = "never"
    result = ran(junit.run("Lint task definitions"))
    assert result.returncode == 0, result.stdout + result.stderr
    suite = ET.parse(tmp_path / "out/taskdeflint.xml").getroot()
    assert suite.get("failures") == "1" and suite.get("tests") == "1"


@pytest.mark.slow
@pytest.mark.docker
def test_action_builds_pushes_pins_and_lints_the_forum(
    installed: tuple[Path, Path], tmp_path: Path, docker_env: DockerEnv
) -> None:
    action_path, runner_temp = installed
    forum, prefix = forum_copy(tmp_path, docker_env.registry)
    runner = Runner(
        tmp_path,
        runner_temp,
        action_path,
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
    findings = json.loads((forum / "report.json").read_text(encoding="utf-8"))
    assert {f["path"].split("/")[0] for f in findings} == {"deploy", "rendered"}
    assert {f["severity"] for f in findings} == {"info"}
