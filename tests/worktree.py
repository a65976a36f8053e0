"""Copies of this checkout as a user or a hook repository sees it.

The checkout's HEAD may lag behind its working tree, so tests that install the project from a path (a
pre-commit hook repository, the README's set-up commands) copy the working tree: every tracked or untracked
file that git does not ignore. Outside a git checkout (an unpacked sdist) the tree is walked instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Never copied when the tree is walked rather than asked of git.
_SKIP = {".git", ".venv", "venv", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis"}

# A commit needs an identity, and the user's git config must not change what a test does.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "taskdeflint tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "taskdeflint tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(*args: str, cwd: Path) -> str:
    completed = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout


def worktree_files(root: Path = ROOT) -> list[str]:
    """Relative paths of the files of the working tree (not what git ignores), sorted."""
    if (root / ".git").exists():
        listed = git("ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=root)
        names = {name for name in listed.split("\0") if name}
        return sorted(name for name in names if (root / name).is_file())
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _SKIP and not (folder == str(root) and d in ("build", "dist"))]
        found.extend(os.path.relpath(os.path.join(folder, name), root) for name in files)
    return sorted(found)


def copy_worktree(dest: Path, root: Path = ROOT) -> Path:
    """Copy the working tree into `dest` (created), keeping permission bits; return `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in worktree_files(root):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    return dest


def commit_all(repo: Path, message: str = "snapshot") -> str:
    """`git init` (if needed), add everything, commit; return the commit's full SHA."""
    if not (repo / ".git").exists():
        git("init", "--quiet", cwd=repo)
    git("add", "--all", cwd=repo)
    git("commit", "--quiet", "--allow-empty", "--no-verify", "-m", message, cwd=repo)
    return git("rev-parse", "HEAD", cwd=repo).strip()
