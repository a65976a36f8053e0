"""Writing files so that a reader sees the old content or the new, never half of it."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def write_text(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path`.

    A regular file (or a new one) is replaced through a temporary file in the same folder and a rename, so
    that a reader sees the old content or the new. A symbolic link is followed: its target is written and
    the link stays a link. Anything else (`/dev/null`, a terminal, a FIFO) is written straight: renaming
    over it would replace a device with a regular file.
    """
    import tempfile

    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None  # a new file (or a link to one)
    except OSError:
        if target is not path:
            raise  # a link loop: writing over the link would replace it
        mode = None  # a folder that cannot be read: creating the file says why
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        with target.open("w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        return
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if mode is not None:
            Path(temporary).chmod(mode & 0o777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            Path(temporary).chmod(0o666 & ~umask)
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
