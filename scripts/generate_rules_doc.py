"""Write docs/rules.md from the rule catalogue (`--check`: exit 1 if it is stale)."""

from __future__ import annotations

import sys
from pathlib import Path

from taskdeflint.atomic import write_text
from taskdeflint.engine.catalogue import load_catalogue
from taskdeflint.engine.explain import rules_markdown

TARGET = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def main(argv: list[str]) -> int:
    text = rules_markdown(load_catalogue())
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print("docs/rules.md is stale: run python scripts/generate_rules_doc.py", file=sys.stderr)
            return 1
        return 0
    write_text(TARGET, text)
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
