"""The example projects under examples/, for tests that lint, build or quote them."""

from __future__ import annotations

import contextlib
import re
import shutil
import uuid
from pathlib import Path

from buildtools import DockerEnv
from worktree import ROOT

FORUM = ROOT / "examples" / "forum"
FORUM_BROKEN = ROOT / "examples" / "forum-broken"
SERVICES = ("users", "threads", "posts")


def forum_copy(parent: Path, registry: str) -> tuple[Path, str]:
    """A copy of examples/forum in `parent`/forum whose manifest pushes to `registry` under a unique
    prefix (the example's own repositories are fixed); (folder, prefix)."""
    prefix = f"taskdeflint-test/{uuid.uuid4().hex[:12]}"
    forum = parent / "forum"
    shutil.copytree(FORUM, forum, ignore=shutil.ignore_patterns("rendered", "build.json"))
    config = forum / ".taskdeflint.toml"
    text, count = re.subn(
        r'^repository = "localhost:5000/forum/',
        f'repository = "{registry}/{prefix}/forum/',
        config.read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
    assert count == len(SERVICES), "every service of the example names a localhost:5000/forum/ repository"
    config.write_text(text, encoding="utf-8")
    return forum, prefix


def remove_images(docker_env: DockerEnv, prefix: str) -> None:
    """Remove the local images of the repositories under `registry/prefix/` (the registry keeps its
    copies); only this test's, never those of another run that shares the engine."""
    start = f"{docker_env.registry}/{prefix}/"
    for image in docker_env.api.images():
        if any(tag.startswith(start) for tag in image.get("RepoTags") or ()):
            with contextlib.suppress(Exception):
                docker_env.api.remove_image(image["Id"], force=True)
