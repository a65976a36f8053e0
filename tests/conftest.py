from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from taskdeflint.lint import LintSettings, run

ROOT = Path(__file__).resolve().parent.parent

# The rules of the document stage: what makes a file unreadable or not valid API input.
DOCUMENT_RULES = frozenset(
    {"TDL001", "TDL002", "TDL003", "TDL004", "TDL005", "TDL006", "TDL007", "TDL008", "TDL040"}
)


class Result:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code = code
        self.stdout = stdout
        self.stderr = stderr

    @property
    def findings(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = json.loads(self.stdout)
        return data


def pointers(result: Result, rule: str) -> list[str]:
    """The pointers a rule flags in a lint result, sorted; the run itself must have worked."""
    assert result.code in (0, 1), result.stderr
    return sorted(f["pointer"] for f in result.findings if f["rule"] == rule)


def rule_findings(result: Result, rule: str) -> list[dict[str, Any]]:
    """A rule's findings in a lint result; the run itself must have worked."""
    assert result.code in (0, 1), result.stderr
    return [f for f in result.findings if f["rule"] == rule]


def lint(cwd: Path, *paths: str, **options: Any) -> Result:
    """Run `taskdeflint lint` in-process with JSON output (unless another format is asked for)."""
    options.setdefault("format", "json")
    out, err = io.StringIO(), io.StringIO()
    code = run(LintSettings(paths=paths, cwd=cwd, **options), stdout=out, stderr=err)
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def lint_text(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Lint a document given as text (and an optional config), as the file `taskdef.json`."""

    def run_text(
        text: str | bytes, config: str | None = None, name: str = "taskdef.json", **options: Any
    ) -> Result:
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        if config is not None:
            (tmp_path / ".taskdeflint.toml").write_text(config, encoding="utf-8")
        return lint(tmp_path, name, **options)

    return run_text
