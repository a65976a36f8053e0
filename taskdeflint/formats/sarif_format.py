"""SARIF 2.1.0 for code scanning: the results, and the metadata and help of the rules they name."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from taskdeflint import REPOSITORY_URL, __version__
from taskdeflint.engine.catalogue import Rule
from taskdeflint.engine.explain import anchor
from taskdeflint.findings import Severity
from taskdeflint.formats import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule(rule: Rule) -> dict[str, Any]:
    help_text = f"{rule.summary}\n\n{rule.docs}\n\nSource: {rule.source}"
    described: dict[str, Any] = {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.docs},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
        "properties": {"source": rule.source},
    }
    if uri := help_uri(rule):
        described["helpUri"] = uri
    return described


def help_uri(rule: Rule) -> str:
    """The rule's section of docs/rules.md in the repository, at this version's tag. Rules of your own
    (not `TDL`) are not there; theirs is the help text alone."""
    if not rule.id.startswith("TDL"):
        return ""
    return f"{REPOSITORY_URL}/blob/v{__version__}/docs/rules.md#{anchor(rule)}"


def fingerprint(rule: str, path: str, pointer: str, occurrence: int) -> str:
    """What identifies a finding across runs: its rule, file and JSON Pointer, never its line, so that an
    edit above it does not make code scanning see a new alert. The n-th finding with the same three gets
    `:n`."""
    digest = hashlib.sha256(f"{rule}\0{path}\0{pointer}".encode("utf-8", "surrogateescape")).hexdigest()
    return f"{digest[:32]}:{occurrence}"


def _uri(path: str) -> str:
    """A SARIF `uri` is a URI reference: spaces, `%` and non-ASCII letters in a path are percent-encoded,
    and an absolute path becomes a `file:` URI. A file name that is not UTF-8 (its bytes are kept as lone
    surrogates) is percent-encoded byte for byte."""
    if path.startswith("/"):
        return "file://" + quote(path, errors="surrogateescape")
    return quote(path, errors="surrogateescape")


def render(report: Report) -> str:
    named = {f.rule for f in report.findings}
    rules = [rule for rule in report.catalogue.rules if rule.id in named]
    index = {rule.id: i for i, rule in enumerate(rules)}
    results = []
    seen: dict[tuple[str, str, str], int] = {}
    for f in report.findings:
        key = (f.rule, f.path, f.pointer)
        seen[key] = seen.get(key, 0) + 1
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "level": _LEVELS[f.severity],
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(f.path)},
                        "region": {
                            "startLine": f.line,
                            "startColumn": f.column,
                            "endLine": f.end_line,
                            "endColumn": f.end_column,
                        },
                    },
                    "logicalLocations": [{"fullyQualifiedName": f.pointer or "/", "kind": "member"}],
                }
            ],
            "partialFingerprints": {"taskdeflint/v2": fingerprint(*key, seen[key])},
            "properties": {"pointer": f.pointer},
        }
        if f.rule in index:
            result["ruleIndex"] = index[f.rule]
        results.append(result)
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "taskdeflint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule(rule) for rule in rules],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
