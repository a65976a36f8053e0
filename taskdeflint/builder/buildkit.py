"""Building with BuildKit through the Docker CLI (the Docker SDK drives only the legacy builder).

`find_cli` picks a `docker` that can build with BuildKit: one with the buildx plugin (`docker buildx
build`), or a CLI older than 23 whose `DOCKER_BUILDKIT=1 docker build` is BuildKit built in. A CLI of 23 or
later without buildx refuses BuildKit, so it is passed over. Candidates, in order: `--docker` or
`TASKDEFLINT_DOCKER`, the `docker` on PATH, then /usr/bin/docker and /usr/local/bin/docker.

`build` runs one build with the context archive on stdin and yields the log lines as they come.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

CANDIDATES = ("/usr/bin/docker", "/usr/local/bin/docker")
_VERSION = re.compile(r"Docker version (\d+)\.(\d+)")
_PROBE_TIMEOUT = 20


class CLIError(Exception):
    """No usable CLI, or a build that could not run; the message is one line."""


@dataclass(frozen=True, slots=True)
class DockerCLI:
    path: str
    version: str
    buildx: bool  # `docker buildx build`; else `DOCKER_BUILDKIT=1 docker build`

    @property
    def supports_cache_to(self) -> bool:
        """Only buildx exports a build cache; the built-in BuildKit of older CLIs reads inline caches."""
        return self.buildx

    def describe(self) -> str:
        how = "docker buildx build" if self.buildx else "DOCKER_BUILDKIT=1 docker build"
        return f"{self.path} {self.version} ({how})"


def _run(argv: list[str]) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=_PROBE_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None


def probe(path: str) -> DockerCLI | str:
    """What the CLI at `path` can do, or why it cannot build with BuildKit."""
    done = _run([path, "--version"])
    if done is None or done.returncode != 0:
        return f"{path}: does not run"
    match = _VERSION.search(done.stdout)
    if match is None:
        return f"{path}: not a Docker CLI ({done.stdout.strip()[:80]!r})"
    version = f"{match.group(1)}.{match.group(2)}"
    buildx = _run([path, "buildx", "version"])
    if buildx is not None and buildx.returncode == 0:
        return DockerCLI(path, version, buildx=True)
    if int(match.group(1)) < 23:
        return DockerCLI(path, version, buildx=False)
    return (
        f"{path}: Docker CLI {version} has no buildx plugin, and from 23 on the CLI builds with BuildKit "
        "only through buildx"
    )


_found: dict[str | None, DockerCLI | str] = {}
_lock = threading.Lock()


def find_cli(configured: str | None = None) -> DockerCLI:
    """The first candidate that builds with BuildKit, or `CLIError` saying what each candidate lacks."""
    configured = configured or os.environ.get("TASKDEFLINT_DOCKER") or None
    with _lock:
        if configured in _found:
            found = _found[configured]
            if isinstance(found, str):
                raise CLIError(found)
            return found
        candidates: list[str] = []
        if configured:
            candidates.append(configured)
        else:
            on_path = shutil.which("docker")
            if on_path:
                candidates.append(on_path)
            candidates += [c for c in CANDIDATES if Path(c).exists()]
        reasons: list[str] = []
        seen: set[str] = set()
        for candidate in candidates:
            real = os.path.realpath(candidate)
            if real in seen:
                continue
            seen.add(real)
            result = probe(candidate)
            if isinstance(result, DockerCLI):
                _found[configured] = result
                return result
            reasons.append(result)
        listed = "; ".join(reasons) if reasons else "no docker CLI on PATH or in /usr/bin, /usr/local/bin"
        message = (
            f"no Docker CLI that can build with BuildKit ({listed}). Install the buildx plugin "
            "(docker-buildx-plugin, or docker-buildx on Debian), or point --docker / TASKDEFLINT_DOCKER at "
            "a CLI that has it; --builder legacy builds without BuildKit"
        )
        _found[configured] = message
        raise CLIError(message)


@dataclass(frozen=True, slots=True)
class BuildRequest:
    dockerfile: str  # inside the context archive
    tag: str
    build_args: tuple[tuple[str, str], ...]
    target: str | None
    platform: str | None
    secrets: tuple[tuple[str, str, str], ...]  # (id, "src" or "env", file path or variable name)
    ssh: tuple[str, ...]
    network: str | None
    cache_from: tuple[str, ...]
    cache_to: tuple[str, ...]
    no_cache: bool
    iidfile: Path


def command(cli: DockerCLI, request: BuildRequest) -> tuple[list[str], dict[str, str]]:
    """The argv and environment of one build. Secret values are never on the command line: a file secret
    is passed by its path, an environment secret by its variable's name."""
    argv = [cli.path, "buildx", "build", "--load"] if cli.buildx else [cli.path, "build"]
    argv += ["--progress", "plain", "--file", request.dockerfile, "--tag", request.tag]
    argv += ["--iidfile", str(request.iidfile)]
    for name, value in request.build_args:
        argv += ["--build-arg", f"{name}={value}"]
    if request.target:
        argv += ["--target", request.target]
    if request.platform:
        argv += ["--platform", request.platform]
    for secret_id, kind, where in request.secrets:
        argv += ["--secret", f"id={secret_id},{kind}={where}"]
    for ssh in request.ssh:
        argv += ["--ssh", ssh]
    if request.network:
        argv += ["--network", request.network]
    for source in request.cache_from:
        argv += ["--cache-from", source]
    for target in request.cache_to:
        argv += ["--cache-to", target]
    if request.no_cache:
        argv.append("--no-cache")
    argv.append("-")  # the context archive comes on stdin
    env = dict(os.environ)
    if not cli.buildx:
        env["DOCKER_BUILDKIT"] = "1"
    env.pop("BUILDKIT_PROGRESS", None)
    return argv, env


class Build:
    """One running build: iterate for the log lines; `returncode` once they are exhausted."""

    def __init__(self, cli: DockerCLI, request: BuildRequest, context: IO[bytes]) -> None:
        argv, env = command(cli, request)
        try:
            self._process = subprocess.Popen(
                argv,
                stdin=context,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
            )
        except OSError as error:
            raise CLIError(f"cannot run {cli.path}: {error.strerror or error}") from None
        self.returncode: int | None = None

    def lines(self) -> Iterator[str]:
        assert self._process.stdout is not None
        for raw in self._process.stdout:
            yield raw.decode("utf-8", errors="replace").rstrip("\r\n")
        self.returncode = self._process.wait()

    def kill(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()


def error_line(lines: list[str]) -> str | None:
    """The error a failed build ends with: BuildKit's `error: failed to solve: ...` (`ERROR: ...` with
    buildx), or the last line that is not a step's own output."""
    for line in reversed(lines):
        stripped = line.strip()
        if stripped.lower().startswith("error:"):
            return stripped.split(":", 1)[1].strip()
    for line in reversed(lines):
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "-----", ">")):
            return stripped
    return None
