"""GitHub Actions workflow commands: one annotation per finding."""

from __future__ import annotations

from taskdeflint.findings import Severity
from taskdeflint.formats import Report, escape_controls

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    # Line breaks as GitHub escapes them; other control characters (from a member or file name) as backslash
    # escapes: the log would show a raw escape sequence as colours or worse.
    return escape_controls(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    lines = []
    for f in report.findings:
        properties = ",".join(
            [
                f"file={_property(f.path)}",
                f"line={f.line}",
                f"endLine={f.end_line}",
                f"col={f.column}",
                f"endColumn={f.end_column}",
                f"title={_property(f'{f.rule} {f.name}')}",
            ]
        )
        lines.append(f"::{_LEVELS[f.severity]} {properties}::{_data(f.message)}")
    return "\n".join(lines) + "\n" if lines else ""
