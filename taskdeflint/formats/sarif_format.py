"""SARIF 2.1.0 for code scanning, with the catalogue's metadata and help for every rule."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from taskdeflint import __version__
from taskdeflint.catalogue import Rule
from taskdeflint.findings import Severity
from taskdeflint.formats import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule(rule: Rule) -> dict[str, Any]:
    help_text = f"{rule.summary}\n\n{rule.docs}\n\nSource: {rule.source}"
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.docs},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
        "properties": {"source": rule.source},
    }


def _uri(path: str) -> str:
    """A SARIF `uri` is a URI reference: spaces, `%` and non-ASCII letters in a path are percent-encoded,
    and an absolute path becomes a `file:` URI. A file name that is not UTF-8 (its bytes are kept as lone
    surrogates) is percent-encoded byte for byte."""
    if path.startswith("/"):
        return "file://" + quote(path, errors="surrogateescape")
    return quote(path, errors="surrogateescape")


def render(report: Report) -> str:
    rules = list(report.catalogue.rules)
    index = {rule.id: i for i, rule in enumerate(rules)}
    results = []
    for f in report.findings:
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
            "partialFingerprints": {"taskdeflint/v1": f"{f.rule}:{f.path}:{f.pointer}"},
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
