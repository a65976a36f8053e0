"""Whether a container list is what a Terraform configuration reads into `container_definitions`.

A bare list of container definitions is what Terraform's `file()` and `templatefile()` read into an
`aws_ecs_task_definition`, but also what `aws ecs register-task-definition --container-definitions
file://...` takes. The two read it differently (the AWS provider's Go decoder forgives the case of member
names and drops unknown members; the AWS CLI rejects both), so a list is linted the Terraform way only
when a `.tf` file in its folder or in one of the folders above names it in a `file(...)` or
`templatefile(...)` call.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

# How far up from the list's folder to look (a module's templates/ folder, the module, its parent).
LEVELS = 3
# A folder with more .tf files than this, or a .tf file larger than this, is not read.
MAX_FILES = 200
MAX_BYTES = 1024 * 1024


def _terraform_text(folder: Path) -> str:
    """The text of the .tf files of a folder, joined; read once per folder while it is unchanged."""
    try:
        changed = folder.stat().st_mtime_ns
    except OSError:
        return ""
    return _read_terraform(folder, changed)


@cache
def _read_terraform(folder: Path, changed: int) -> str:
    try:
        files = sorted(folder.glob("*.tf"))[:MAX_FILES]
    except OSError:
        return ""
    texts = []
    for path in files:
        try:
            if path.stat().st_size <= MAX_BYTES:
                texts.append(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    return "\n".join(texts)


def read_by_terraform(path: Path) -> bool:
    """Whether a .tf file near `path` passes it to `file()` or `templatefile()`."""
    try:
        path = path.resolve()
    except (OSError, RuntimeError):
        return False
    call = re.compile(r"\b(?:templatefile|file)\s*\(\s*\"[^\"\n]*" + re.escape(path.name) + r"\"")
    folder = path.parent
    for _ in range(LEVELS):
        text = _terraform_text(folder)
        if path.name in text and call.search(text):
            return True
        if folder.parent == folder:
            break
        folder = folder.parent
    return False
