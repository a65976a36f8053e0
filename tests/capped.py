"""Running the CLI in a child process with caps on its time and address space, for inputs meant to make
the linter slow or hungry: a run that goes past a cap fails the test instead of the machine."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A lint of a small file needs well under this; the inputs here would need gigabytes without the bounds.
ADDRESS_SPACE = 512 * 1024 * 1024
SECONDS = 30


@dataclass(frozen=True, slots=True)
class Capped:
    code: int
    findings: list[dict[str, Any]]
    stderr: str


def set_caps(address_space: int = ADDRESS_SPACE, seconds: int = SECONDS) -> None:
    """Cap this process (a child, from `preexec_fn`) at `address_space` bytes and `seconds` of CPU time."""
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))


def capped_lint(cwd: Path, *arguments: str, address_space: int = ADDRESS_SPACE) -> Capped:
    """`taskdeflint lint --format json --show info ARGUMENTS` in `cwd` (every finding), in a child limited
    to `address_space` bytes of memory and SECONDS of CPU time (and of wall-clock time)."""

    def limit() -> None:
        set_caps(address_space)

    process = subprocess.run(
        [sys.executable, "-m", "taskdeflint", "lint", "--format", "json", "--show", "info", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=SECONDS,
        preexec_fn=limit,
        check=False,
    )
    assert "Traceback" not in process.stderr, process.stderr
    assert "internal error" not in process.stderr, process.stderr
    assert process.returncode in (0, 1, 2), (process.returncode, process.stderr)
    findings = json.loads(process.stdout) if process.stdout.strip() else []
    return Capped(process.returncode, findings, process.stderr)
