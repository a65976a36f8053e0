"""`taskdeflint --help`, every command's help, `--version`, and the one place the version is set."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import click
import pytest
from click.testing import CliRunner
from worktree import ROOT

from taskdeflint import __version__
from taskdeflint.cli import main

COMMANDS = sorted(main.commands)


def test_group_help_lists_every_command_with_an_example() -> None:
    result = CliRunner().invoke(main, ["--help"], prog_name="taskdeflint", terminal_width=100)
    assert result.exit_code == 0
    listed = result.output.split("Commands:\n", 1)[1]
    for name in COMMANDS:
        assert re.search(rf"^  {name} +\S", listed, re.MULTILINE), name
        assert f"taskdeflint {name} " in result.output, f"no example of `taskdeflint {name}`"
    assert "..." not in listed, "a command's short help is cut: give it short_help"
    assert "--version" in result.output


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help_is_complete(name: str) -> None:
    command = main.commands[name]
    assert command.help and len(command.help) > 40, name
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"taskdeflint {name} {param.opts[0]} has no help"
    result = CliRunner().invoke(main, [name, "--help"], prog_name="taskdeflint", terminal_width=100)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: taskdeflint {name} [OPTIONS]")
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.opts[-1] in result.output


def test_commands_that_exit_with_codes_say_which() -> None:
    for name in ("lint", "build"):
        help_text = main.commands[name].help or ""
        assert "Exit codes: 0" in help_text and " 2 " in help_text, name


@pytest.mark.parametrize("args", [["--version"], ["-V"]])
def test_version(args: list[str]) -> None:
    for command in ([sys.executable, "-m", "taskdeflint", *args], [sys.executable, "-c", _VIA_CLICK, *args]):
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"taskdeflint, version {__version__}\n"


# The click group's own --version (used when other arguments come along with it).
_VIA_CLICK = "import sys; from taskdeflint.cli import main; main(sys.argv[1:], prog_name='taskdeflint')"


def test_the_version_is_set_in_one_place() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["hatch"]["version"]["path"] == "taskdeflint/__init__.py"
    assert re.fullmatch(r"\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?", __version__)
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    first = re.search(r"^## (\S+)", changelog, re.MULTILINE)
    assert first and first.group(1) == __version__, "CHANGELOG.md's newest entry is not this version"


def test_documented_version_pins_are_this_version() -> None:
    """The docs tell users to pin `rev: vX.Y.Z`, `@vX.Y.Z` and `taskdeflint==X.Y.Z`: the current release."""
    for path in [ROOT / ".pre-commit-hooks.yaml", ROOT / "docs/ci.md"]:
        text = path.read_text(encoding="utf-8")
        pins = re.findall(r"(?:rev: v|taskdeflint@v|taskdeflint(?:\[[\w,]+\])?==)(\d+\.\d+\.\d+\S*?)\b", text)
        assert pins, path
        assert set(pins) == {__version__}, (path.name, pins)
