"""Finding the files to lint: paths named on the command line, folders searched by content, stdin."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from taskdeflint.config import glob_match
from taskdeflint.readers.document import looks_like_task_definition

# Folders that never hold a project's own task definitions.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        "__pycache__",
        ".tox",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".terraform",
        "site-packages",
    }
)


# What a folder search reads (if the content is a task definition, a template or a plan).
EXTENSIONS = (".json", ".yaml", ".yml", ".template")


@dataclass(frozen=True, slots=True)
class Source:
    """A file to lint. `explicit` files are named by the user and always reported on."""

    display: str
    path: Path | None
    explicit: bool
    origins: tuple[str, ...] = ()  # the arguments or include globs that named or found it


@dataclass(frozen=True, slots=True)
class ReadError:
    display: str
    message: str


def display_path(path: Path, cwd: Path) -> str:
    """Paths are shown relative to the working folder where they lie below it, with `/`."""
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()


def _walk(
    folder: Path, cwd: Path, exclude: tuple[str, ...], root: Path, errors: list[ReadError]
) -> Iterator[Source]:
    def excluded(path: Path) -> bool:
        # Exclude globs are written relative to the config's folder, `root`.
        relative = display_path(Path(os.path.normpath(path)), root)
        return any(glob_match(relative, pattern) for pattern in exclude)

    def on_error(error: OSError) -> None:
        name = Path(error.filename) if error.filename else folder
        errors.append(ReadError(display_path(name, cwd), f"cannot read folder: {error.strerror}"))

    for top, dirs, names in os.walk(folder, onerror=on_error, followlinks=False):
        here = Path(top)
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIP_DIRS
            # The CDK copies asset sources (a Docker build context, a Lambda's code) into cdk.out.
            and not (here.name == "cdk.out" and d.startswith("asset."))
            and not excluded(here / d)
        )
        for name in sorted(names):
            if not name.endswith(EXTENSIONS):
                continue
            path = here / name
            if excluded(path):
                continue
            yield Source(display_path(path, cwd), path, explicit=False)


def expand(
    arguments: list[str],
    cwd: Path,
    exclude: tuple[str, ...] = (),
    root: Path | None = None,
    *,
    named: bool = True,
) -> tuple[list[Source], list[ReadError]]:
    """Files to lint for the given arguments, in a stable order, and the paths that could not be used.

    A missing path is an error; a folder is searched for `*.json`, `*.yaml`, `*.yml` and `*.template`
    files (not following links into folders, so link loops end), which are linted if their content is a
    task definition, or a CloudFormation template or Terraform plan that holds one. `exclude`
    globs are relative to `root` (the config's folder; by default the working folder). A file argument is
    `explicit` (always reported on) unless `named` is false (pre-commit passes every JSON and YAML file).
    """
    cwd = cwd.resolve()
    root = cwd if root is None else root.resolve()
    sources: list[Source] = []
    errors: list[ReadError] = []
    seen: dict[str, int] = {}
    for argument in arguments:
        if argument == "-":
            sources.append(Source("<stdin>", None, explicit=True, origins=("-",)))
            continue
        path = cwd / argument
        if path.is_dir():
            found = [replace(s, origins=(argument,)) for s in _walk(path, cwd, exclude, root, errors)]
        elif path.exists() or path.is_symlink():  # a link loop or to nothing: reading it says which
            shown = Path(argument).as_posix() if not Path(argument).is_absolute() else argument
            found = [Source(shown, path, named, origins=(argument,))]
        else:
            errors.append(ReadError(argument, "no such file or folder"))
            continue
        for source in found:
            # The same file named twice (`a.json ./a.json`, `a.json dir/../a.json`, a folder and a file
            # in it) is linted once, for every argument that named it; named explicitly after a folder that
            # holds it, it is reported on whatever it holds.
            key = os.path.realpath(source.path) if source.path is not None else source.display
            index = seen.get(key)
            if index is None:
                seen[key] = len(sources)
                sources.append(source)
                continue
            first = sources[index]
            kept = source if source.explicit and not first.explicit else first
            sources[index] = replace(kept, origins=(*first.origins, argument))
    return sources, errors


def any_match(root: Path, pattern: str) -> bool:
    """Whether a config glob (relative to the config's folder `root`) matches any file below it."""
    for top, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        folder = display_path(Path(top), root)
        for name in names:
            if glob_match(name if folder == "." else f"{folder}/{name}", pattern):
                return True
    return False


def from_globs(
    patterns: tuple[str, ...], root: Path, cwd: Path, exclude: tuple[str, ...] = ()
) -> list[Source]:
    """Files matching the config's include globs and none of its exclude globs, both relative to the
    config's folder."""
    found: dict[str, Source] = {}
    for pattern in patterns:
        for path in sorted(root.glob(pattern)):
            relative = display_path(Path(os.path.normpath(path)), root)
            if path.is_file() and not any(glob_match(relative, glob) for glob in exclude):
                shown = display_path(path.resolve(), cwd)
                known = found.get(shown)
                origins = (*known.origins, pattern) if known else (pattern,)
                found[shown] = Source(shown, path, explicit=True, origins=origins)
    return list(found.values())


def read(source: Source, limit: int) -> bytes | ReadError | None:
    """The bytes of a source, why they cannot be read, or None for a found file that is no task
    definition."""
    if source.path is None:
        try:
            if sys.stdin is None:  # started with stdin closed
                raise OSError(9, "stdin is closed")
            return sys.stdin.buffer.read(limit + 1)
        except (OSError, ValueError) as error:  # ValueError: read from a closed file
            reason = getattr(error, "strerror", None) or error
            return ReadError(source.display, f"cannot read stdin: {reason}")
    try:
        # A FIFO, socket or device found in a folder is no task definition, and opening a FIFO waits for a
        # writer forever. (A file named explicitly is read whatever it is: `lint <(aws ecs ...)` is a pipe.)
        if not source.explicit and not stat.S_ISREG(source.path.stat().st_mode):
            return None
    except OSError:
        pass  # opening it says why it cannot be read
    try:
        with source.path.open("rb") as handle:
            data = handle.read(limit + 1)
    except IsADirectoryError:
        return ReadError(source.display, "is a folder")
    except OSError as error:
        return ReadError(source.display, f"cannot read file: {error.strerror or error}")
    if not source.explicit and not looks_like_task_definition(data):
        return None
    return data
