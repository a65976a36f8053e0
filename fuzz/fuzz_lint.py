"""Coverage-guided fuzzing of the parser and the lint engine with atheris (libFuzzer for Python).

Not part of the test suite: `fuzz/run` (or `python fuzz/fuzz_lint.py -max_total_time=60 CORPUS SEEDS`)
runs it for a bounded time; fuzz/README.md says how to install atheris and what to do with a crash.

Each input is one file's bytes, linted with every rule. The first byte picks a variant: most inputs are
linted as they are, some as YAML (a CloudFormation template), some are rewritten by `json.loads` and
`json.dumps` first (so the fuzzer also explores deep structure of valid JSON), some are wrapped as
describe-task-definition output, some as the Properties of a CloudFormation template, and some have a run
of one character made thousands of characters long.
Whatever the input, the linter must not raise and must answer within libFuzzer's -timeout, and every
finding must make sense: a known rule, a position inside the text, and a report that every output format
can render.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import atheris

with atheris.instrument_imports(include=["taskdeflint"]):
    # Everything the engine imports lazily, imported now so that it is instrumented.
    import taskdeflint.checks.containers
    import taskdeflint.checks.dependencies
    import taskdeflint.checks.dockerfile
    import taskdeflint.checks.health
    import taskdeflint.checks.images
    import taskdeflint.checks.logging
    import taskdeflint.checks.networking
    import taskdeflint.checks.platform
    import taskdeflint.checks.roles
    import taskdeflint.checks.security
    import taskdeflint.checks.size
    import taskdeflint.checks.sizing
    import taskdeflint.checks.volumes
    import taskdeflint.engine.schema
    import taskdeflint.formats.github_format
    import taskdeflint.formats.json_format
    import taskdeflint.formats.junit_format
    import taskdeflint.formats.sarif_format
    import taskdeflint.formats.text_format
    import taskdeflint.positions
    import taskdeflint.readers.cloudformation
    import taskdeflint.readers.document
    import taskdeflint.readers.embedded
    import taskdeflint.readers.terraform
    import taskdeflint.readers.unknown
    import taskdeflint.readers.yamlsource
    from taskdeflint.engine.catalogue import load_catalogue
    from taskdeflint.engine.linter import FileResult, Linter, Policy
    from taskdeflint.formats import Report

CATALOGUE = load_catalogue()
LINTER = Linter(CATALOGUE, Policy())
KNOWN = {rule.id for rule in CATALOGUE.rules}
FORMATS = (
    taskdeflint.formats.text_format.render,
    taskdeflint.formats.json_format.render,
    taskdeflint.formats.sarif_format.render,
    taskdeflint.formats.github_format.render,
    taskdeflint.formats.junit_format.render,
)


def _variant(data: bytes) -> bytes:
    """The bytes to lint: the input itself, or (by its first byte) an amplified, re-serialised or wrapped
    form of the rest."""
    if not data:
        return data
    mode, rest = data[0] % 8, data[1:]
    if mode == 4:  # linted as YAML (a CloudFormation template)
        return rest
    if mode == 5 and len(rest) > 2:
        # One run of a repeated byte (the second byte picks which, the third how long: up to 16,384
        # bytes): long digit strings (Python's int() refuses more than 4,300 digits) and long runs of
        # blanks (quadratic regular expressions) are what byte mutations on small inputs do not reach.
        body = rest[2:]
        runs = list(re.finditer(rb"(.)\1", body, re.DOTALL))
        if not runs:
            return body
        run = runs[rest[0] % len(runs)]
        return body[: run.start()] + run.group(1) * ((rest[1] + 1) * 64) + body[run.start() :]
    if mode not in (3, 6, 7):
        return data
    try:
        value: Any = json.loads(rest)
    except (ValueError, RecursionError):
        return rest
    try:
        if mode == 7 and isinstance(value, dict):
            value = {"taskDefinition": value, "tags": []}
        if mode == 3 and isinstance(value, dict) and "Resources" not in value:
            # A task definition as the Properties of a CloudFormation resource, with the input's own
            # Parameters, Mappings and Conditions (when it has them) beside it.
            sections = {k: value.pop(k) for k in ("Parameters", "Mappings", "Conditions") if k in value}
            properties = taskdeflint.readers.cloudformation.from_api(value)
            resource = {"Type": "AWS::ECS::TaskDefinition", "Properties": properties}
            value = {"AWSTemplateFormatVersion": "2010-09-09", **sections, "Resources": {"T": resource}}
        return json.dumps(value, indent=1, ensure_ascii=False).encode("utf-8", "surrogatepass")
    except (ValueError, RecursionError):
        return rest


def _check(data: bytes, result: FileResult) -> None:
    lines = data.decode("utf-8", "replace").split("\n")
    for finding in result.findings:
        assert finding.rule in KNOWN, finding
        assert 1 <= finding.line <= len(lines), finding
        assert 1 <= finding.column <= len(lines[finding.line - 1]) + 1, finding
        assert finding.end_line >= finding.line, finding
        assert isinstance(finding.message, str) and finding.message, finding
        assert finding.pointer == "" or finding.pointer.startswith("/"), finding
    report = Report([result], CATALOGUE)
    for render in FORMATS:
        output = render(report)
        output.encode("utf-8", "backslashreplace")
    parsed = json.loads(taskdeflint.formats.json_format.render(report))
    assert len(parsed) == len(result.findings)


def TestOneInput(data: bytes) -> None:  # atheris' name
    name = "fuzz.yaml" if data[:1] and data[0] % 8 == 4 else "fuzz.json"
    data = _variant(data)
    result = LINTER.lint(name, data)
    assert result is not None  # an explicit file always gets a result
    _check(data, result)


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
