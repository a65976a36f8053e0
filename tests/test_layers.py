"""The package's imports run one way, downward through its rooms, and never in a circle.

    cli, entry  ->  builder  ->  lint, baseline  ->  checks | formats  ->  engine  ->  readers  ->  floor

A module imports from its own room or from a room below; `checks` and `formats` stand side by side and do
not import each other. Imports inside functions (the lazy ones that keep start-up fast) count too; those
under `if TYPE_CHECKING:` do not, since they never run. `scripts/import_graph.py` prints the whole graph.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _import_graph() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


import_graph = _import_graph()

# Rooms from the bottom up; a room may import only from itself and the rooms of lower rank.
RANK = {"floor": 0, "readers": 1, "engine": 2, "checks": 3, "formats": 3, "lint": 4, "builder": 5, "cli": 6}
# Modules that sit directly in `taskdeflint/`, by room. Everything else is a package of its own name.
FLAT = {
    "floor": {
        "taskdeflint",
        "atomic",
        "config",
        "data",
        "fastschema",
        "findings",
        "model",
        "positions",
        "workers",
    },
    "lint": {"lint", "baseline"},
    "cli": {"cli", "entry", "__main__"},
}


def room(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "floor"
    if parts[1] in RANK and parts[1] not in FLAT:
        return parts[1]
    for name, members in FLAT.items():
        if parts[1] in members:
            return name
    raise AssertionError(f"{module} is in no room: add it to a package, or to FLAT in {__file__}")


GRAPH = import_graph.graph(ROOT)


def test_every_module_has_a_room() -> None:
    for module in GRAPH:
        room(module)


def test_no_import_cycle_when_modules_are_imported() -> None:
    edges = {name: found.top for name, found in GRAPH.items()}
    assert import_graph.cycles(edges) == []


def test_no_import_cycle_counting_function_level_imports() -> None:
    edges = {name: found.top | found.lazy for name, found in GRAPH.items()}
    assert import_graph.cycles(edges) == []


def test_imports_run_downward() -> None:
    wrong = [
        f"{module} ({room(module)}) imports {target} ({room(target)})"
        for module, found in GRAPH.items()
        for target in sorted(found.top | found.lazy)
        if room(target) != room(module) and RANK[room(target)] >= RANK[room(module)]
    ]
    assert wrong == []


def test_readers_know_nothing_of_rules_reports_or_runs() -> None:
    above = {"engine", "checks", "formats", "lint", "builder", "cli"}
    for module, found in GRAPH.items():
        if room(module) == "readers":
            assert not {room(t) for t in found.top | found.lazy} & above, module


def test_the_architecture_doc_names_every_room_and_module() -> None:
    """docs/architecture.md's table of rooms lists each package and flat module of `taskdeflint/`, and
    only those."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = {
        name
        for row in re.findall(r"^\| [^|]+ \| ([^|]+) \|", text, re.MULTILINE)
        for name in re.findall(r"`([\w/]+)`", row)
    }
    package = ROOT / "taskdeflint"
    actual = {p.stem for p in package.glob("*.py") if p.name != "__init__.py"}
    actual |= {f"{p.name}/" for p in package.iterdir() if (p / "__init__.py").is_file()}
    assert named == actual


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "taskdeflint" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("files", "expected_top", "expected_any"),
    [
        pytest.param(
            {
                "__init__.py": "",
                "a.py": "from taskdeflint.b import x\n",
                "b.py": "from taskdeflint import a\n",
            },
            [["taskdeflint.a", "taskdeflint.b"]],
            [["taskdeflint.a", "taskdeflint.b"]],
            id="module-level",
        ),
        pytest.param(
            {
                "__init__.py": "",
                "r/__init__.py": "",
                "r/a.py": "from .b import x\n",
                "r/b.py": "def f():\n    from taskdeflint.r import a\n",
            },
            [],
            [["taskdeflint.r.a", "taskdeflint.r.b"]],
            id="inside-a-function",
        ),
        pytest.param(
            {
                "__init__.py": "",
                "a.py": "from taskdeflint.b import x\n",
                "b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from taskdeflint.a import y\n",
            },
            [],
            [],
            id="typing-only",
        ),
    ],
)
def test_the_graph_finds_cycles(
    tmp_path: Path, files: dict[str, str], expected_top: list[list[str]], expected_any: list[list[str]]
) -> None:
    graph = import_graph.graph(_package(tmp_path, files))
    assert import_graph.cycles({n: f.top for n, f in graph.items()}) == expected_top
    assert import_graph.cycles({n: f.top | f.lazy for n, f in graph.items()}) == expected_any
