"""Print the import graph of the `taskdeflint` package and the cycles in it.

    python scripts/import_graph.py          # module -> what it imports when it is imported
    python scripts/import_graph.py --lazy   # also the imports inside functions

An import inside `if TYPE_CHECKING:` is left out: it never runs. Imports inside functions (the lazy ones
that keep `--version` and `lint` from loading YAML, Docker and the like) run only when called; they are
listed apart, and `--lazy` counts them when looking for cycles.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "taskdeflint"


@dataclass(frozen=True, slots=True)
class Imports:
    top: frozenset[str]  # run when the module is imported
    lazy: frozenset[str]  # inside functions: run when they are called


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _targets(
    node: ast.Import | ast.ImportFrom, name: str, is_package: bool, known: Iterable[str]
) -> set[str]:
    """The package's modules an import statement loads (`from a import b` loads `a.b` when that is a
    module, else `a`)."""
    known = set(known)
    if isinstance(node, ast.Import):
        names = {alias.name for alias in node.names}
    else:
        base = node.module or ""
        if node.level:
            parts = name.split(".") if is_package else name.split(".")[:-1]
            parts = parts[: len(parts) - node.level + 1]
            base = ".".join([*parts, base] if base else parts)
        names = {f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names}
    return {n for n in names if n == PACKAGE or n.startswith(PACKAGE + ".")}


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _module_level(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements that run when the module is imported (not in functions or classes' methods, not
    under `if TYPE_CHECKING:`)."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node):
                yield from _module_level(node.body)
                yield from _module_level(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                yield from _module_level(block)
        elif isinstance(node, ast.With | ast.ClassDef):
            yield from _module_level(node.body)


def _typing_only(tree: ast.Module) -> set[int]:
    """Ids of the import statements under `if TYPE_CHECKING:` anywhere in the module."""
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            ids.update(
                id(inner) for inner in ast.walk(node) if isinstance(inner, ast.Import | ast.ImportFrom)
            )
    return ids


def graph(root: Path = ROOT) -> dict[str, Imports]:
    """What each module of the package imports of the package."""
    found = modules(root)
    result = {}
    for name, path in found.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_package = path.name == "__init__.py"
        top = {t for node in _module_level(tree.body) for t in _targets(node, name, is_package, found)}
        skip = _typing_only(tree)
        every = {
            t
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in skip
            for t in _targets(node, name, is_package, found)
        }
        result[name] = Imports(frozenset(top - {name}), frozenset(every - top - {name}))
    return result


def cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next((c for c in children if c in edges), None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return sorted(found)


def _short(name: str) -> str:
    return name.removeprefix(PACKAGE + ".") if name != PACKAGE else PACKAGE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lazy", action="store_true", help="count imports inside functions for cycles")
    args = parser.parse_args(argv)
    imports = graph()
    width = max(len(_short(name)) for name in imports)
    for name, found in imports.items():
        line = f"{_short(name):<{width}} -> {', '.join(sorted(map(_short, found.top)))}"
        if found.lazy:
            line += f"   [lazy: {', '.join(sorted(map(_short, found.lazy)))}]"
        print(line.rstrip())
    edges = {name: found.top | found.lazy if args.lazy else found.top for name, found in imports.items()}
    groups = cycles(edges)
    print(f"\ncycles{' (with lazy imports)' if args.lazy else ''}: {len(groups) or 'none'}")
    for group in groups:
        print("  " + " <-> ".join(map(_short, group)))
    return 1 if groups else 0


if __name__ == "__main__":
    sys.exit(main())
