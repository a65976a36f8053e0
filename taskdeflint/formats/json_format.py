"""A JSON array with one object per finding; nothing else on stdout."""

from __future__ import annotations

import json

from taskdeflint.formats import Report


def render(report: Report) -> str:
    return json.dumps([f.as_dict() for f in report.findings], indent=2, ensure_ascii=False) + "\n"
