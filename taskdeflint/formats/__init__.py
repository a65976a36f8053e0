"""Output formats. Each module renders a `Report`; only the chosen one is imported."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from taskdeflint.engine.catalogue import Catalogue
from taskdeflint.engine.linter import FileResult
from taskdeflint.findings import Finding, Severity

FORMATS = ("text", "json", "sarif", "github", "junit")

# C0 and C1 control characters, the Unicode line and paragraph separators, and the two non-characters XML
# forbids. A member name or a file name may hold any of them; printed as they are, a line break would start
# a forged finding line in a CI log (or a workflow command), an escape sequence would drive the terminal,
# and XML would not parse.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_controls(text: str) -> str:
    """`text` with control characters written as escapes (`\\n`, `\\u001b`, `\\u2028`), for line-based and XML
    output."""
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub(lambda m: _NAMED.get(m.group(), f"\\u{ord(m.group()):04x}"), text)


@dataclass(frozen=True, slots=True)
class Report:
    """Everything a format may show: every file linted (clean ones too, and only the findings at or above
    the display threshold), the rules in force, the severity that fails the run (None: `--fail-on never`)
    and how many findings the threshold hid."""

    results: list[FileResult]
    catalogue: Catalogue
    color: bool = False
    quiet: bool = False
    fail_on: Severity | None = Severity.ERROR
    hidden: int = 0

    @property
    def findings(self) -> list[Finding]:
        return [finding for result in self.results for finding in result.findings]


def renderer(name: str) -> Callable[[Report], str]:
    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r}")
    module = importlib.import_module(f"taskdeflint.formats.{name}_format")
    render: Callable[[Report], str] = module.render
    return render
