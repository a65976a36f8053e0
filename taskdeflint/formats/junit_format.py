"""JUnit XML for GitLab and Jenkins: one test case per file, failed when the file has a finding at or above
`--fail-on` (never with `--fail-on never`), listing all the file's findings."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from taskdeflint.engine.linter import FileResult
from taskdeflint.findings import Severity
from taskdeflint.formats import Report, escape_controls


def _failed(result: FileResult, fail_on: Severity | None) -> bool:
    return fail_on is not None and any(f.severity >= fail_on for f in result.findings)


def _listing(result: FileResult) -> str:
    # XML 1.0 cannot hold control characters, even escaped: a member or file name with one is written as a
    # backslash escape.
    return "\n".join(
        f"{escape_controls(f.path)}:{f.line}:{f.column}: {f.severity.label} {f.rule} "
        + escape_controls(f.message)
        for f in result.findings
    )


def _message(result: FileResult, fail_on: Severity) -> str:
    counts = {s: sum(1 for f in result.findings if f.severity is s) for s in Severity}
    parts = [
        f"{counts[s]} {s.label}{'' if counts[s] == 1 or s is Severity.INFO else 's'}"
        for s in reversed(Severity)
        if counts[s]
    ]
    first = next(f for f in result.findings if f.severity >= fail_on)
    return f"{', '.join(parts)}; first: {first.rule} {escape_controls(first.message)}"


def render(report: Report) -> str:
    failed = sum(1 for r in report.results if _failed(r, report.fail_on))
    suites = ET.Element("testsuites", name="taskdeflint", tests=str(len(report.results)))
    suites.set("failures", str(failed))
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="taskdeflint",
        tests=str(len(report.results)),
        failures=str(failed),
    )
    suite.set("errors", "0")
    fail_on = report.fail_on
    for result in report.results:
        case = ET.SubElement(suite, "testcase", classname="taskdeflint", name=escape_controls(result.path))
        if not result.findings:
            continue
        if fail_on is not None and _failed(result, fail_on):
            rules = sorted({f"{f.rule} {f.name}" for f in result.findings if f.severity >= fail_on})
            failure = ET.SubElement(case, "failure", type=", ".join(rules), message=_message(result, fail_on))
            failure.text = _listing(result)
        else:
            # Shown but not failing: in the test's output, where the CI's test report shows it.
            output = ET.SubElement(case, "system-out")
            output.text = _listing(result)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
