"""Wheel build hook: precompile the rule catalogue into taskdeflint/rules/index.json.

Loading one JSON file starts the linter faster than parsing every rule's TOML file; the index is made
from the same files in the same build, so it cannot go stale.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        sys.path.insert(0, str(root))
        try:
            from taskdeflint.engine.catalogue import INDEX_NAME, load_dir, to_index
        finally:
            sys.path.pop(0)
        index = Path(tempfile.mkdtemp()) / INDEX_NAME
        index.write_text(to_index(load_dir(root / "rules")), encoding="utf-8")
        build_data["force_include"][str(index)] = f"taskdeflint/rules/{INDEX_NAME}"
