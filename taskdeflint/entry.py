"""The `taskdeflint` console script. `--version` answers before the CLI framework is imported."""

from __future__ import annotations

import sys


def run() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from taskdeflint import __version__

        print(f"taskdeflint, version {__version__}")
        return
    from taskdeflint.cli import main

    main(prog_name="taskdeflint")
