"""Baselines: adopt the linter on an existing repository by recording today's findings and reporting only
new ones. Findings are matched by path, rule and JSON Pointer (not by line, so edits elsewhere in a file
do not invalidate the baseline), counted, so a second identical problem is still reported."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from taskdeflint.atomic import write_text
from taskdeflint.findings import Finding

VERSION = 1

Key = tuple[str, str, str]


class BaselineError(Exception):
    pass


def _same(path: str) -> str:
    return path


def _key(finding: Finding, relative: Callable[[str], str] = _same) -> Key:
    return relative(finding.path), finding.rule, finding.pointer


def read(path: Path) -> Counter[Key]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BaselineError(f"{path}: cannot read baseline: {error.strerror or error}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BaselineError(f"{path}: baseline is not valid JSON: {error}") from None
    except RecursionError:
        raise BaselineError(f"{path}: not a taskdeflint baseline (nested too deeply)") from None
    if (
        not isinstance(data, dict)
        or data.get("version") != VERSION
        or not isinstance(data.get("findings"), list)
    ):
        raise BaselineError(f"{path}: not a taskdeflint baseline (version {VERSION})")
    keys: Counter[Key] = Counter()
    for item in data["findings"]:
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) for k in ("path", "rule", "pointer")
        ):
            raise BaselineError(f"{path}: each finding needs path, rule and pointer strings")
        keys[(item["path"], item["rule"], item["pointer"])] += 1
    return keys


def write(path: Path, findings: list[Finding], relative: Callable[[str], str] = _same) -> None:
    """Record findings; `relative` turns a finding's path into the one stored (relative to the baseline's
    folder, so that the baseline works from any working folder)."""
    entries = [
        {"path": relative(f.path), "rule": f.rule, "pointer": f.pointer, "message": f.message}
        for f in sorted(findings)
    ]
    write_text(path, json.dumps({"version": VERSION, "findings": entries}, indent=2) + "\n")


def filter_new(
    findings: list[Finding], known: Counter[Key], relative: Callable[[str], str] = _same
) -> list[Finding]:
    """The findings not covered by the baseline (`relative` as for `write`)."""
    remaining = Counter(known)
    new = []
    for finding in findings:
        key = _key(finding, relative)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            new.append(finding)
    return new
