"""`path:line:col: severity RULE message`, the shape editors and pre-commit understand."""

from __future__ import annotations

from taskdeflint.findings import Severity
from taskdeflint.formats import Report, escape_controls

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(report: Report) -> str:
    # Findings below the display threshold are counted, so that hiding them is never a surprise.
    hidden = f"; {report.hidden} more not shown (--show info)" if report.hidden else ""
    findings = report.findings
    files = len(report.results)
    if not findings:
        return f"No problems found in {_plural(files, 'file')}{hidden}."
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    # "info" is a mass noun: "2 errors, 1 warning, 3 info".
    parts = [
        _plural(counts[s], s.label) if s is not Severity.INFO else f"{counts[s]} info"
        for s in reversed(Severity)
        if counts[s]
    ]
    with_findings = sum(1 for r in report.results if r.findings)
    return f"Found {', '.join(parts)} in {with_findings} of {_plural(files, 'file')}{hidden}."


def render(report: Report) -> str:
    lines = []
    for finding in report.findings:
        where = f"{escape_controls(finding.path)}:{finding.line}:{finding.column}:"
        severity = finding.severity.label
        if report.color:
            color = _COLORS[finding.severity]
            where = f"{_BOLD}{where}{_RESET}"
            severity = f"{color}{severity}{_RESET}"
            rule = f"{_DIM}{finding.rule}{_RESET}"
        else:
            rule = finding.rule
        lines.append(f"{where} {severity} {rule} {escape_controls(finding.message)}")
    if not report.quiet:
        lines.append(summary(report))
    return "\n".join(lines) + "\n" if lines else ""
