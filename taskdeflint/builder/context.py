"""A service's build inputs, the content tag computed from them, and the context archive sent to docker.

The content hash covers exactly what the engine is given: the Dockerfile, every path of the context that
docker's own `.dockerignore` rules let through (its kind, permission bits, and its bytes or link target),
the build arguments, the target stage, the platform (or the list of platforms), the ids of the build secrets
and SSH agents (never their values), the network of RUN steps, and the digest each external base image
(`FROM`) resolves to, so that a moved base tag rebuilds. It does not depend on file order, timestamps or
owners, so it is the same on every machine that has the same files. The archive is made from the same
list of paths the hash was computed from.
"""

from __future__ import annotations

import hashlib
import io
import stat
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from taskdeflint.builder import dockersdk
from taskdeflint.builder.manifest import Service

HASH_VERSION = "taskdeflint-content-2"
CONTENT_TAG_PREFIX = "content-"
_CONTENT_TAG_HEX = 20  # 80 bits


class ContextError(Exception):
    """The context cannot be read; the message names the file."""


@dataclass(frozen=True, slots=True)
class BuildInputs:
    files: tuple[str, ...]  # context paths docker sends, sorted
    dockerfile: str  # the name the engine is told (inside the archive)
    extra: tuple[tuple[str, str], ...]  # archive members that are not context files: (name, text)
    digest: str  # sha256 hex of everything above that shapes the image

    @property
    def content_tag(self) -> str:
        return CONTENT_TAG_PREFIX + self.digest[:_CONTENT_TAG_HEX]


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _entry(root: Path, relative: str) -> str:
    """One line of the hash input for one context path."""
    path = root / relative
    info = path.lstat()
    mode = stat.S_IMODE(info.st_mode)
    if stat.S_ISLNK(info.st_mode):
        return f"link {relative!r} {mode:o} {str(path.readlink())!r}"
    if stat.S_ISDIR(info.st_mode):
        return f"dir {relative!r} {mode:o}"
    if stat.S_ISREG(info.st_mode):
        return f"file {relative!r} {mode:o} {_file_digest(path)}"
    if stat.S_ISSOCK(info.st_mode):
        return ""  # docker's archive leaves sockets out
    return f"other {relative!r} {mode:o} {stat.S_IFMT(info.st_mode):o}"


def inputs(service: Service, bases: tuple[tuple[str, str], ...] = ()) -> BuildInputs:
    """The build inputs of `service` and their hash, with `bases` the (image, digest) of each external
    base image. Raises `ContextError` for an unreadable context."""
    root = service.context
    dockerfile_path = service.dockerfile_path
    try:
        inside = dockerfile_path.is_relative_to(root)
        dockerfile_text = dockerfile_path.read_bytes()
        extra: tuple[tuple[str, str], ...] = ()
        if inside:
            dockerfile = dockerfile_path.relative_to(root).as_posix()
        else:
            # As the SDK does for a Dockerfile outside the context: send it as an extra member (named by
            # its content, where the SDK names it at random, so that the hash is stable).
            dockerfile = f".dockerfile.{hashlib.sha256(dockerfile_text).hexdigest()[:40]}"
            extra = ((dockerfile, dockerfile_text.decode("utf-8")),)
        files, patterns = dockersdk.context_files(root, dockerfile)
        if extra:
            extra = ((".dockerignore", "\n".join([*(patterns or [".dockerignore"]), dockerfile])), *extra)
        digest = hashlib.sha256()

        def line(text: str) -> None:
            digest.update(text.encode("utf-8", "surrogateescape") + b"\n")

        line(HASH_VERSION)
        shown = dockerfile if inside else "<outside>"
        line(f"dockerfile {shown!r} {hashlib.sha256(dockerfile_text).hexdigest()}")
        line(f"target {service.target!r}")
        if service.platforms:
            line(f"platforms {list(service.platforms)!r}")
        else:
            line(f"platform {service.platform!r}")
        for name, value in service.build_args:
            line(f"arg {name!r} {value!r}")
        for secret_id, _, _ in service.secrets:
            line(f"secret {secret_id!r}")
        for ssh in service.ssh:
            line(f"ssh {ssh.split('=', 1)[0]!r}")
        if service.network is not None:
            line(f"network {service.network!r}")
        for image, resolved in bases:
            line(f"base {image!r} {resolved}")
        for relative in files:
            entry = _entry(root, relative)
            if entry:
                line(entry)
        for name, text in extra:
            if name == ".dockerignore":
                line(f"extra {name!r} {hashlib.sha256(text.encode('utf-8')).hexdigest()}")
    except OSError as error:
        where = error.filename or root
        raise ContextError(f"cannot read {where}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ContextError(f"{dockerfile_path} or the context's .dockerignore is not UTF-8 text") from None
    return BuildInputs(tuple(files), dockerfile, extra, digest.hexdigest())


def archive(service: Service, build: BuildInputs, *, for_cli: bool = False) -> IO[bytes]:
    """The context archive (an open temporary file, removed when closed).

    `for_cli` makes the archive the Docker CLI reads from stdin. The CLI tells an archive from a
    Dockerfile by parsing a tar header from the first 512 bytes, which fails when the archive starts with a
    PAX extended header (what Python writes for a file whose mtime has a fraction): so it is written in
    GNU format, with whole-second mtimes and a `./` entry first, as `tar -c .` does."""
    stream = tempfile.TemporaryFile()  # noqa: SIM115 (the caller closes it)
    try:
        if for_cli:
            _cli_archive(service.context, build.files, build.extra, stream)
        else:
            dockersdk.context_archive(service.context, list(build.files), list(build.extra), stream)
    except BaseException:
        stream.close()
        raise
    stream.seek(0)
    return stream


def _cli_archive(
    root: Path, files: tuple[str, ...], extra: tuple[tuple[str, str], ...], into: IO[bytes]
) -> None:
    with tarfile.open(mode="w", fileobj=into, format=tarfile.GNU_FORMAT) as tar:
        top = tarfile.TarInfo("./")
        top.type = tarfile.DIRTYPE
        top.mode = 0o755
        tar.addfile(top)
        extra_names = {name for name, _ in extra}
        for relative in files:
            if relative in extra_names:
                continue
            path = root / relative
            info = tar.gettarinfo(str(path), arcname=relative)
            if info is None:  # a socket: docker leaves it out too
                continue
            info.mtime = int(info.mtime)
            if info.isfile():
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info)
        for name, text in extra:
            data = text.encode("utf-8")
            member = tarfile.TarInfo(name)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


def _git(root: Path, args: list[str], timeout: int) -> str | None:
    """The output of `git ARGS` in `root`, None when git fails or is not there."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def git_commit(root: Path) -> str | None:
    """The short SHA of HEAD when `root` is in a git checkout, else None."""
    sha = (_git(root, ["rev-parse", "--short", "HEAD"], 20) or "").strip()
    return sha or None


def git_clean(root: Path, paths: list[Path]) -> bool:
    """True when `paths` have no uncommitted changes (untracked files count as changes)."""
    status = _git(root, ["status", "--porcelain", "--", *(str(p) for p in paths)], 60)
    return status is not None and not status.strip()
