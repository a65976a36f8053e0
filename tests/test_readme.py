"""The README, followed from top to bottom by a newcomer on a fresh machine: every command in it works.

The commands are the README's fenced ```sh blocks. An HTML comment right before a block says what is
special about it (readers do not see it):

    <!-- readme-test: exit 1 -->                      the block ends with exit code 1 (default 0)
    <!-- readme-test: needs docker -->                the block needs the Docker engine and the registry
    <!-- readme-test: output of the block above -->   (before a ```text block) the exact stdout of the
                                                       ```sh block before it

The two set-up commands are special: `bash scripts/install` runs in a temporary copy of the working tree,
and the lint command after it; `bash scripts/check` is not run (it runs this test) but must be what CI
runs. Every later block runs, in order, as one bash script in that copy, in the environment a newcomer
has after the tour's `. .venv/bin/activate`.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from buildtools import DockerEnv, docker_env_fixture  # noqa: F401
from worktree import ROOT, copy_worktree

README = ROOT / "README.md"
INSTALL = "bash scripts/install && .venv/bin/taskdeflint lint examples/forum"
CHECK = "bash scripts/check"
MARKS = {"exit 1", "needs docker", "output of the block above"}

_BLOCK = re.compile(
    r"(?:<!-- readme-test: (?P<marks>[^>]*?) -->\n)?^```(?P<lang>\w*)[^\n]*\n(?P<code>.*?)^```$",
    re.MULTILINE | re.DOTALL,
)


@dataclass
class Block:
    lang: str
    code: str
    line: int
    marks: set[str] = field(default_factory=set)

    @property
    def exit_code(self) -> int:
        return 1 if "exit 1" in self.marks else 0


def blocks() -> list[Block]:
    text = README.read_text(encoding="utf-8")
    found = []
    for match in _BLOCK.finditer(text):
        marks = {m.strip() for m in (match.group("marks") or "").split(";") if m.strip()}
        assert marks <= MARKS, f"README.md: unknown readme-test marks {marks - MARKS}"
        line = text.count("\n", 0, match.start("code"))
        found.append(Block(match.group("lang"), match.group("code"), line, marks))
    return found


def tour() -> list[tuple[Block, Block | None]]:
    """The ```sh blocks after the two set-up ones, each with the ```text block that quotes its output."""
    found = blocks()
    pairs: list[tuple[Block, Block | None]] = []
    for index, block in enumerate(found):
        if block.lang != "sh" or block.code.strip() in (INSTALL, CHECK):
            continue
        after = found[index + 1] if index + 1 < len(found) else None
        quoted = after if after is not None and "output of the block above" in after.marks else None
        pairs.append((block, quoted))
    return pairs


# -- the README's shape (fast) --------------------------------------------------------------------------


def test_the_two_set_up_commands_come_first_and_exactly() -> None:
    commands = [b.code.strip() for b in blocks() if b.lang == "sh"]
    assert commands[:2] == [INSTALL, CHECK]
    setup = README.read_text(encoding="utf-8").split("\n## ")[1]
    assert setup.startswith("Set-up\n")


def test_scripts_check_is_what_ci_runs() -> None:
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    assert re.search(r'^exec bash scripts/check "\$@"$', ci, re.MULTILINE), ci
    check = (ROOT / "scripts/check").read_text(encoding="utf-8")
    for step in (
        "scripts/services.sh",
        "pip install --quiet -e '.[test,dev]'",
        "ruff check",
        "mypy",
        "pytest",
    ):
        assert step in check, step


def test_every_block_is_one_this_test_knows() -> None:
    for block in blocks():
        if "output of the block above" in block.marks:
            assert block.lang == "text", block.line
    assert any(quoted for _, quoted in tour()), "the tour quotes the output of a command"
    assert any("needs docker" in block.marks for block, _ in tour()), "the tour builds the example"


def test_the_readme_links_the_docs() -> None:
    text = README.read_text(encoding="utf-8")
    for target in (
        "docs/rules.md",
        "docs/services.md",
        "docs/configuration.md",
        "docs/ci.md",
        "docs/builder.md",
        "docs/architecture.md",
        "CHANGELOG.md",
    ):
        assert f"]({target})" in text, target
        assert (ROOT / target).is_file(), target


# -- following it (slow: installs into a fresh venv, from the package index) ---------------------------


def newcomer_env(root: Path) -> dict[str, str]:
    """A shell with nothing of this test run's venv in it."""
    drop = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("PYTEST")}
    ours = os.environ.get("VIRTUAL_ENV")
    path = [p for p in env.get("PATH", "").split(os.pathsep) if not (ours and p.startswith(ours))]
    env["PATH"] = os.pathsep.join(path)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def activated(root: Path) -> dict[str, str]:
    """What `. .venv/bin/activate` leaves in the shell."""
    env = newcomer_env(root)
    env["VIRTUAL_ENV"] = str(root / ".venv")
    env["PATH"] = f"{root / '.venv/bin'}{os.pathsep}{env['PATH']}"
    return env


def bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the working tree after the first set-up command: `.venv` installed, the example linted."""
    root = copy_worktree(tmp_path_factory.mktemp("readme") / "taskdeflint")
    assert not (root / ".venv").exists()
    result = bash(INSTALL, root, newcomer_env(root))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "install: taskdeflint" in result.stderr and "is in .venv/bin" in result.stderr
    assert re.search(
        r"^No problems found in 4 files; \d+ more not shown \(--show info\)\.$", result.stdout, re.MULTILINE
    ), result.stdout
    return root


def run_block(block: Block, quoted: Block | None, root: Path) -> subprocess.CompletedProcess[str]:
    result = bash(block.code, root, activated(root))
    where = f"README.md line {block.line}"
    assert result.returncode == block.exit_code, (
        f"{where}: exit {result.returncode}\n{result.stdout}{result.stderr}"
    )
    assert "Traceback" not in result.stderr, f"{where}: {result.stderr}"
    if quoted is not None:
        assert result.stdout == quoted.code, f"{where}: the quoted output is not what the command prints"
    return result


@pytest.mark.slow
def test_the_tour(checkout: Path) -> None:
    ran = 0
    for block, quoted in tour():
        if "needs docker" not in block.marks:
            result = run_block(block, quoted, checkout)
            ran += 1
            if "taskdeflint rule TDL201" in block.code:
                assert result.stdout.startswith("# TDL201 fargate-invalid-cpu-memory\n")
    assert ran >= 2


@pytest.mark.slow
@pytest.mark.docker
def test_the_tour_that_builds(checkout: Path, docker_env: DockerEnv) -> None:
    # The README pushes to the example's own repositories (localhost:5000/forum/...), as a newcomer does.
    # Its three images (a few bytes each) stay in the engine, as they would on the newcomer's machine:
    # removing images of fixed names could pull them from under another run that shares the engine.
    for block, quoted in tour():
        if "needs docker" in block.marks:
            run_block(block, quoted, checkout)
    forum = checkout / "examples/forum"
    assert sorted(p.name for p in (forum / "rendered").iterdir()) == [
        "posts.json",
        "threads.json",
        "users.json",
    ]
    assert (forum / "build.json").is_file()
    for name in ("users", "threads", "posts"):
        assert f"localhost:5000/forum/{name}@sha256:" in (forum / "rendered" / f"{name}.json").read_text()
