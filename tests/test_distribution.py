"""The sdist and the wheel: `python -m build` makes the sdist, then the wheel from the sdist (as a packager
or pip does from PyPI), and that wheel works in a fresh venv."""

from __future__ import annotations

import email
import email.message
import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from worktree import ROOT

from taskdeflint import __version__

pytestmark = pytest.mark.slow

CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "GITHUB_ACTIONS")}


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(sdist, wheel built from it, build log)."""
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    log = built.stdout + built.stderr
    assert built.returncode == 0, log
    assert "Building wheel from sdist" in log
    (sdist,) = out.glob("taskdeflint-*.tar.gz")
    (wheel,) = out.glob("taskdeflint-*.whl")
    return sdist, wheel, log


def test_build_is_clean(dists: tuple[Path, Path, str]) -> None:
    sdist, wheel, log = dists
    assert sdist.name == f"taskdeflint-{__version__}.tar.gz"
    assert wheel.name == f"taskdeflint-{__version__}-py3-none-any.whl"
    # Warnings from the backend (hatchling) or the frontend; pip's notes about local index folders that
    # this machine's pip config names are not the project's.
    warnings = [line for line in log.splitlines() if "warn" in line.lower() and "Location '" not in line]
    assert warnings == []


def test_sdist_holds_the_project(dists: tuple[Path, Path, str]) -> None:
    sdist, _, _ = dists
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for required in (
        "README.md",
        "CHANGELOG.md",
        "LICENSE",
        "pyproject.toml",
        "hatch_build.py",
        ".pre-commit-hooks.yaml",
        "action.yml",
        "taskdeflint/py.typed",
        "schemas/task-definition.schema.json",
        "docs/rules.md",
        "docs/ci.md",
        "docs/configuration.md",
        "docs/builder.md",
        "examples/forum/.taskdeflint.toml",
        "examples/forum/services/posts/Dockerfile",
        "examples/forum-broken/deploy/users.json",
    ):
        assert required in names, required
    assert {n for n in names if n.startswith("rules/") and n.endswith(".toml")} == {
        f"rules/{p.name}" for p in (ROOT / "rules").glob("*.toml")
    }
    assert not [n for n in names if "__pycache__" in n or n.startswith((".venv/", ".git/"))]


def test_wheel_metadata(dists: tuple[Path, Path, str]) -> None:
    _, wheel, _ = dists
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = f"taskdeflint-{__version__}.dist-info"
        metadata: email.message.Message = email.message_from_bytes(archive.read(f"{info}/METADATA"))
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    assert {"taskdeflint/py.typed", "taskdeflint/rules/index.json", f"{info}/licenses/LICENSE"} <= names
    assert metadata["Version"] == __version__
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["Requires-Python"] == ">=3.11"
    classifiers = metadata.get_all("Classifier") or []
    assert "Typing :: Typed" in classifiers and "Programming Language :: Python :: 3.11" in classifiers
    assert classifiers == pyproject["project"]["classifiers"]
    script = pyproject["project"]["scripts"]["taskdeflint"]
    assert f"taskdeflint = {script}" in entry_points
    # The README is the long description, so what PyPI shows is what the repository shows.
    assert metadata["Description-Content-Type"] == "text/markdown"
    description = metadata.get_payload()
    assert isinstance(description, str)
    assert description.strip() == (ROOT / "README.md").read_text(encoding="utf-8").strip()


def test_wheel_from_the_sdist_works(dists: tuple[Path, Path, str], tmp_path: Path) -> None:
    sdist, wheel, _ = dists
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin/python"), "-m", "pip", "install", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
        env=CLEAN_ENV,
    )
    command = str(venv / "bin/taskdeflint")
    version = subprocess.run(
        [command, "--version"], capture_output=True, text=True, check=True, env=CLEAN_ENV
    )
    assert version.stdout == f"taskdeflint, version {__version__}\n"
    # Lint the examples shipped in the sdist, from outside any source tree.
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "unpacked", filter="data")
    examples = tmp_path / "unpacked" / f"taskdeflint-{__version__}" / "examples"
    good = subprocess.run(
        [command, "lint", "forum"], cwd=examples, capture_output=True, text=True, check=False, env=CLEAN_ENV
    )
    assert good.returncode == 0, good.stdout + good.stderr
    bad = subprocess.run(
        [command, "lint", "--format", "json", "forum-broken"],
        cwd=examples,
        capture_output=True,
        text=True,
        check=False,
        env=CLEAN_ENV,
    )
    assert bad.returncode == 1, bad.stderr
    assert re.search(r'"rule": "TDL201"', bad.stdout)
    where = subprocess.run(
        [str(venv / "bin/python"), "-c", "import taskdeflint, sys; sys.stdout.write(taskdeflint.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        env=CLEAN_ENV,
    )
    assert where.stdout.startswith(str(venv))
