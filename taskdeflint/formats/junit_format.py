"""JUnit XML for GitLab and Jenkins: one test case per file, one failure per finding."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from taskdeflint.formats import Report, escape_controls


def render(report: Report) -> str:
    failed = sum(1 for r in report.results if r.findings)
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
    for result in report.results:
        # XML 1.0 cannot hold control characters, even escaped: a member or file name with one is written
        # as a backslash escape.
        case = ET.SubElement(suite, "testcase", classname="taskdeflint", name=escape_controls(result.path))
        for f in result.findings:
            path, message = escape_controls(f.path), escape_controls(f.message)
            failure = ET.SubElement(case, "failure", type=f"{f.rule} {f.name}", message=f"{f.rule} {message}")
            failure.text = f"{path}:{f.line}:{f.column}: {f.severity.label} {f.rule} {message}"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
