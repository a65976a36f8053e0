"""The built wheel carries the schema and the rules: install it in a fresh venv and lint from elsewhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

# The installed package must be found by itself, not through a PYTHONPATH pointing at a checkout.
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (found,) = out.glob("taskdeflint-*.whl")
    return found


def test_wheel_ships_schemas_rules_and_types(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "taskdeflint/schemas/task-definition.schema.json" in names
    assert "taskdeflint/py.typed" in names
    shipped_rules = {n.rsplit("/", 1)[-1] for n in names if n.startswith("taskdeflint/rules/")}
    assert shipped_rules == {p.name for p in (ROOT / "rules").glob("*.toml")} | {"index.json"}


def test_installed_wheel_lints_outside_the_source_tree(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)], check=True, capture_output=True
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "taskdef.json").write_text(
        '{\n  "family": "web",\n  "containerDefinitions": [\n'
        '    {"name": "web", "image": "nginx:1.27", "enviroment": []}\n  ]\n}\n'
    )
    completed = subprocess.run(
        [str(venv / "bin" / "taskdeflint"), "lint", "--format", "json", "--select", "TDL0", "taskdef.json"],
        cwd=work,
        env=CLEAN_ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1, completed.stderr
    findings = json.loads(completed.stdout)
    assert [(f["rule"], f["line"], f["column"], f["pointer"]) for f in findings] == [
        ("TDL003", 4, 44, "/containerDefinitions/0/enviroment")
    ]
    # The rules came from the installed package, not from this checkout.
    listed = subprocess.run(
        [str(venv / "bin" / "taskdeflint"), "rules"],
        cwd=work,
        env=CLEAN_ENV,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "TDL003" in listed.stdout
    where = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import taskdeflint.engine.catalogue as c; print(c.builtin_rules_dir())",
        ],
        cwd=work,
        env=CLEAN_ENV,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(venv) in where.stdout
    # The precompiled index in the wheel holds exactly what the shipped TOML files say.
    same = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "from taskdeflint.engine.catalogue import builtin_rules, builtin_rules_dir, load_dir, INDEX_NAME\n"
            "assert (builtin_rules_dir() / INDEX_NAME).is_file()\n"
            "assert builtin_rules() == tuple(load_dir(builtin_rules_dir()))\n"
            "print(len(builtin_rules()))",
        ],
        cwd=work,
        env=CLEAN_ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    assert same.returncode == 0, same.stderr
    assert int(same.stdout) == len(list((ROOT / "rules").glob("*.toml")))
