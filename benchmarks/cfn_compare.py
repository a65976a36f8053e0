"""What taskdeflint and cfn-lint each catch in the same CloudFormation templates.

    python benchmarks/cfn_compare.py                               # taskdeflint only
    python benchmarks/cfn_compare.py --cfn-lint PATH/TO/cfn-lint   # and cfn-lint, installed elsewhere
    python benchmarks/cfn_compare.py --keep DIR -v                 # keep the templates; list each case

It installs nothing. cfn-lint is used when it is importable by this Python (`python -m cfnlint`), found
on PATH, or given with --cfn-lint (for example a separate venv's: `python -m venv /tmp/cfnlint-venv &&
/tmp/cfnlint-venv/bin/pip install cfn-lint`).

The templates, one AWS::ECS::TaskDefinition resource each, in JSON:

- one per catalogue defect: every bad example of every rule (register-task-definition input, converted
  to CloudFormation's names by `taskdeflint.readers.cloudformation.from_api`), except the file-level rules
  (invalid JSON, duplicate keys, encodings, sizes), examples that need a config, and bare container lists;
- the valid ones: the golden task definitions of tests/golden, converted the same way, and the valid
  templates of tests/cfn (parameters, conditions, intrinsic functions, the CDK's output).

For each tool it counts the defect templates with an error or warning anywhere, and with one at the
defect's place (at or around a member the example names: the one pointer a prefix of the other, inside
the resource's Properties); for taskdeflint also those reported by the example's own rule at exactly its
pointers (its info-level rules included). A false error is an error-level report on a valid template.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from taskdeflint.engine.catalogue import builtin_rules  # noqa: E402
from taskdeflint.positions import join, split  # noqa: E402
from taskdeflint.readers.base import READ_ONLY_MEMBERS  # noqa: E402
from taskdeflint.readers.cloudformation import cfn_name, from_api  # noqa: E402
from taskdeflint.readers.embedded import ROOT as API_ROOT  # noqa: E402
from taskdeflint.readers.embedded import child  # noqa: E402

FILE_RULES = {"TDL001", "TDL002", "TDL004", "TDL005", "TDL006", "TDL007"}
RESOURCE = "TaskDef"
PROPERTIES = f"/Resources/{RESOURCE}/Properties"


@dataclass
class Case:
    name: str
    path: Path
    valid: bool
    rule: str = ""
    pointers: tuple[str, ...] = ()
    reports: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)  # tool: (level, id, pointer)


def register_of(text: str) -> dict[str, Any] | None:
    try:
        document = json.loads(text)
    except ValueError:
        return None
    if isinstance(document, dict) and isinstance(document.get("taskDefinition"), dict):
        document = document["taskDefinition"]
    if not isinstance(document, dict) or "containerDefinitions" not in document:
        return None
    return {k: v for k, v in document.items() if k not in READ_ONLY_MEMBERS}


def template_pointer(pointer: str) -> str:
    out, name = PROPERTIES, API_ROOT
    for token in split(pointer.removeprefix("/taskDefinition")):
        if token.isdigit() or not name:
            out = join(out, token)
        else:
            out = join(out, cfn_name(name, token))
            name = child(name, token)
    return out


def template(register: dict[str, Any]) -> str:
    resource = {"Type": "AWS::ECS::TaskDefinition", "Properties": from_api(register)}
    document = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {RESOURCE: resource}}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_cases(folder: Path) -> list[Case]:
    cases: list[Case] = []
    for rule in builtin_rules():
        if rule.id in FILE_RULES:
            continue
        for number, example in enumerate(rule.examples, 1):
            if example.kind != "bad" or example.config or getattr(example, "dockerfile", None):
                continue
            register = register_of(example.document)
            if register is None:
                continue
            path = folder / "bad" / f"{rule.id}-{number}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(template(register), encoding="utf-8")
            pointers = tuple(template_pointer(p) for p in example.pointers)
            cases.append(Case(path.stem, path, False, rule.id, pointers))
    for golden in sorted((ROOT / "tests" / "golden").glob("*.json")):
        register = None if golden.name.endswith(".expected.json") else register_of(golden.read_text("utf-8"))
        if register is not None:
            path = folder / "valid" / f"golden-{golden.stem}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(template(register), encoding="utf-8")
            cases.append(Case(path.stem, path, True))
    for fixture in sorted((ROOT / "tests" / "cfn").iterdir()):
        if fixture.name.startswith("invalid-") or fixture.name.endswith(".expected.json"):
            continue
        path = folder / "valid" / fixture.name
        shutil.copyfile(fixture, path)
        cases.append(Case(path.stem, path, True))
    return cases


def cfn_lint_command(given: str | None) -> list[str] | None:
    if given:
        return [given]
    if importlib.util.find_spec("cfnlint") is not None:
        return [sys.executable, "-m", "cfnlint"]
    found = shutil.which("cfn-lint")
    return [found] if found else None


def _pointer(path: list[Any]) -> str:
    return "".join(join("", str(token)) for token in path)


def run_taskdeflint(cases: list[Case]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "taskdeflint", "lint", "--format", "json", "--fail-on", "never"]
        + [str(c.path) for c in cases],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    elapsed = time.perf_counter() - started
    by_path = {str(c.path): c for c in cases}
    for c in cases:
        c.reports["taskdeflint"] = []
    for finding in json.loads(completed.stdout or "[]"):
        case = by_path.get(finding["path"])
        if case is not None:
            case.reports["taskdeflint"].append((finding["severity"], finding["rule"], finding["pointer"]))
    return elapsed


def run_cfn_lint(command: list[str], cases: list[Case]) -> tuple[str, float]:
    version = subprocess.run([*command, "--version"], capture_output=True, text=True, check=False)
    started = time.perf_counter()
    completed = subprocess.run(
        [*command, "--format", "json", "--regions", "us-east-1", "--", *(str(c.path) for c in cases)],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    by_path = {str(c.path): c for c in cases}
    for c in cases:
        c.reports["cfn-lint"] = []
    levels = {"Error": "error", "Warning": "warning", "Informational": "info"}
    for match in json.loads(completed.stdout or "[]"):
        case = by_path.get(str(Path(match["Filename"])))
        if case is not None:
            pointer = _pointer(match.get("Location", {}).get("Path") or [])
            level = levels.get(match.get("Level", ""), "info")
            case.reports["cfn-lint"].append((level, match["Rule"]["Id"], pointer))
    return (version.stdout or version.stderr).strip(), elapsed


def _near(found: str, expected: tuple[str, ...]) -> bool:
    if not found.startswith(PROPERTIES):
        return False
    return any(found.startswith(p) or p.startswith(found) for p in expected)


def summary(tool: str, cases: list[Case], verbose: bool) -> list[str]:
    bad = [c for c in cases if not c.valid]
    valid = [c for c in cases if c.valid]

    def reported(c: Case) -> list[tuple[str, str, str]]:
        return [r for r in c.reports[tool] if r[0] in ("error", "warning")]

    anywhere = [c for c in bad if reported(c)]
    placed = [c for c in bad if any(_near(p, c.pointers) for _, _, p in reported(c))]
    false = [c for c in valid if any(level == "error" for level, _, _ in c.reports[tool])]
    lines = [
        f"  defects with an error or warning anywhere:      {len(anywhere):4d} of {len(bad)}",
        f"  ... with one at the defect's place:             {len(placed):4d} of {len(bad)}",
    ]
    if tool == "taskdeflint":
        own = [c for c in bad if any(rule == c.rule and p in c.pointers for _, rule, p in c.reports[tool])]
        lines.append(f"  defects reported by their own rule, exactly:    {len(own):4d} of {len(bad)}")
        if verbose:
            lines.append(
                f"  not by their own rule: {', '.join(sorted(c.name for c in bad if c not in own)) or '-'}"
            )
    lines.append(f"  valid templates with a false error:             {len(false):4d} of {len(valid)}")
    if verbose:
        lines.append(f"  caught at the place: {', '.join(sorted(c.name for c in placed)) or '-'}")
        for c in false:
            errors = sorted({f"{rule} {p}" for level, rule, p in c.reports[tool] if level == "error"})
            lines.append(f"  false errors in {c.path.name}: {'; '.join(errors)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cfn-lint", metavar="PATH", help="the cfn-lint executable to compare with")
    parser.add_argument("--keep", metavar="DIR", type=Path, help="write the templates to DIR and keep them")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="name the missed defects and false errors"
    )
    options = parser.parse_args(argv)
    folder = options.keep or Path(tempfile.mkdtemp(prefix="cfn-compare-"))
    try:
        cases = write_cases(folder)
        bad = sum(1 for c in cases if not c.valid)
        print(f"{len(cases)} templates: {bad} with one catalogue defect each, {len(cases) - bad} valid")
        elapsed = run_taskdeflint(cases)
        print(f"\ntaskdeflint ({elapsed:.1f} s for all templates)")
        print("\n".join(summary("taskdeflint", cases, options.verbose)))
        command = cfn_lint_command(options.cfn_lint)
        if command is None:
            print("\ncfn-lint: not available (not importable, not on PATH, no --cfn-lint); not compared")
            return 0
        version, elapsed = run_cfn_lint(command, cases)
        print(f"\n{version} ({elapsed:.1f} s for all templates)")
        print("\n".join(summary("cfn-lint", cases, options.verbose)))
        only_cfn_lint = [
            c.name
            for c in cases
            if not c.valid
            and any(lv in ("error", "warning") and _near(p, c.pointers) for lv, _, p in c.reports["cfn-lint"])
            and not any(r == c.rule for _, r, _ in c.reports["taskdeflint"])
        ]
        print(
            "\ncaught at the place by cfn-lint, not by taskdeflint's rule: "
            + (", ".join(only_cfn_lint) or "none")
        )
    finally:
        if options.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
