"""Output formats. Each module renders a `Report`; only the chosen one is imported."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from taskdeflint.catalogue import Catalogue
from taskdeflint.engine import FileResult
from taskdeflint.findings import Finding

FORMATS = ("text", "json", "sarif", "github", "junit")


@dataclass(frozen=True, slots=True)
class Report:
    """Everything a format may show: every file linted (clean ones too) and the rules in force."""

    results: list[FileResult]
    catalogue: Catalogue
    color: bool = False
    quiet: bool = False

    @property
    def findings(self) -> list[Finding]:
        return [finding for result in self.results for finding in result.findings]


def renderer(name: str) -> Callable[[Report], str]:
    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r}")
    module = importlib.import_module(f"taskdeflint.formats.{name}_format")
    render: Callable[[Report], str] = module.render
    return render
