"""The one module that imports the Docker SDK (`docker`, which has no type stubs), behind typed functions.

Everything the builder asks of the engine goes through `Engine`; everything it takes from the SDK's
helpers (docker's own `.dockerignore` rules, its context archive, the user's Docker config) goes through
the functions here. Errors leave this module as `EngineError` (or `EngineUnavailable`) with a one-line
message, never as an SDK or `requests` exception.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import docker  # type: ignore[import-untyped]
import docker.auth  # type: ignore[import-untyped]
import docker.errors  # type: ignore[import-untyped]
import docker.utils  # type: ignore[import-untyped]
import docker.utils.build  # type: ignore[import-untyped]
import requests

# The engine API version asked for at most; the SDK negotiates down to what the engine speaks.
MAX_API_VERSION = "1.41"
_TIMEOUT = 300  # seconds, for requests other than builds (which may run quiet for long)
_CONNECT_TIMEOUT = 15  # seconds, for the first request, which says whether the engine is there at all

Chunk = dict[str, Any]


class EngineError(Exception):
    """A request to the engine that failed; the message is one line."""


class EngineUnavailable(EngineError):
    """The engine does not answer at all."""


def _host_description() -> str:
    try:
        kwargs = docker.utils.kwargs_from_env()
    except docker.errors.DockerException as error:
        return f"({error})"
    base = kwargs.get("base_url")
    return str(base) if base else "unix:///var/run/docker.sock"


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


class Engine:
    """A connection to the Docker engine named by DOCKER_HOST (default: the local socket).

    One low-level `APIClient` per thread: builds run in parallel, and a `requests` session is not meant
    to be shared between threads.
    """

    def __init__(self) -> None:
        self.host = _host_description()
        self._local = threading.local()
        try:
            client = self._make_client("auto", timeout=_CONNECT_TIMEOUT)
            client.ping()
        except (docker.errors.DockerException, requests.exceptions.RequestException, OSError) as error:
            raise EngineUnavailable(
                f"cannot reach the Docker engine at {self.host} (is it running? DOCKER_HOST selects "
                f"another): {_reason(error)}"
            ) from None
        version = str(client.api_version)
        self.api_version = (
            MAX_API_VERSION if _version_key(version) > _version_key(MAX_API_VERSION) else version
        )
        client.close()

    def _make_client(self, version: str, timeout: int = _TIMEOUT) -> Any:
        kwargs = docker.utils.kwargs_from_env()
        return docker.APIClient(version=version, timeout=timeout, **kwargs)

    @property
    def _client(self) -> Any:
        client = getattr(self._local, "client", None)
        if client is None:
            try:
                client = self._make_client(self.api_version)
            except docker.errors.DockerException as error:
                raise EngineUnavailable(f"cannot reach the Docker engine at {self.host}: {error}") from None
            self._local.client = client
        return client

    def insecure_registries(self) -> tuple[list[str], list[str]]:
        """The engine's insecure registries: (CIDRs, host names), from `docker info`."""
        with _errors("docker info"):
            info = self._client.info()
        config = info.get("RegistryConfig") or {}
        cidrs = [str(c) for c in config.get("InsecureRegistryCIDRs") or []]
        hosts = [
            str(name) for name, index in (config.get("IndexConfigs") or {}).items() if not index.get("Secure")
        ]
        return cidrs, hosts

    def architecture(self) -> str:
        """The engine's machine (`x86_64`, `aarch64`), from `docker info`."""
        with _errors("docker info"):
            return str(self._client.info().get("Architecture") or "")

    def has_bridge(self) -> bool:
        """Whether the engine has its default `bridge` network (dockerd --bridge=none has none)."""
        with _errors("list networks"):
            return any(n.get("Name") == "bridge" for n in self._client.networks(names=["bridge"]))

    def local_image_id(self, reference: str) -> str | None:
        """The id of the image `reference` in the engine's store, None when it is not there."""
        try:
            with _errors("inspect image"):
                return str(self._client.inspect_image(reference)["Id"])
        except EngineError as error:
            if "No such image" in str(error) or "not found" in str(error).lower():
                return None
            raise

    def build(
        self,
        context: IO[bytes],
        *,
        dockerfile: str,
        tag: str,
        buildargs: dict[str, str],
        target: str | None,
        platform: str | None,
        nocache: bool,
    ) -> Iterator[Chunk]:
        """Build from a context archive; yields the engine's JSON messages (errors included, unraised)."""
        with _errors("build"):
            stream = self._client.build(
                fileobj=context,
                custom_context=True,
                dockerfile=dockerfile,
                tag=tag,
                buildargs=buildargs or None,
                target=target,
                platform=platform,
                nocache=nocache,
                rm=True,
                forcerm=True,
                decode=True,
                timeout=None,  # a RUN step may print nothing for a long time
            )
            yield from stream

    def tag(self, image: str, repository: str, tag: str) -> None:
        with _errors("tag"):
            self._client.tag(image, repository, tag, force=True)

    def push(self, repository: str, tag: str, auth: dict[str, str] | None) -> Iterator[Chunk]:
        """Push one tag; yields the engine's JSON messages (errors included, unraised)."""
        with _errors("push"):
            stream = self._client.push(repository, tag=tag, stream=True, decode=True, auth_config=auth)
            yield from stream

    def image_ids(self, repository: str) -> set[str]:
        with _errors("list images"):
            return {str(image["Id"]) for image in self._client.images(name=repository)}

    def remove_image(self, image: str) -> None:
        with _errors("remove image"):
            self._client.remove_image(image, force=True, noprune=False)

    def import_image(self, tarball: Path, repository: str, tag: str, changes: list[str]) -> None:
        with _errors("import image"):
            self._client.import_image(src=str(tarball), repository=repository, tag=tag, changes=changes)


def _reason(error: BaseException) -> str:
    """The last, most specific, part of a connection error's message ('Connection refused')."""
    text = _one_line(error)
    for marker in ("Connection refused", "No such file or directory", "Permission denied", "timed out"):
        if marker in text:
            return marker.lower()
    return text[:200]


class _errors:
    """Turn SDK and transport exceptions inside a request into `EngineError`s with one-line messages."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _tb: object) -> None:
        if error is None or isinstance(error, EngineError | GeneratorExit):
            return
        if isinstance(error, docker.errors.APIError):
            explanation = error.explanation or error
            raise EngineError(f"{self.what}: {_one_line(explanation)}") from None
        if isinstance(error, requests.exceptions.ConnectionError | ConnectionError):
            raise EngineUnavailable(
                f"{self.what}: lost the connection to the Docker engine ({_reason(error)})"
            ) from None
        if isinstance(error, requests.exceptions.RequestException | docker.errors.DockerException):
            raise EngineError(f"{self.what}: {_one_line(error)}") from None


def context_files(root: Path, dockerfile: str) -> tuple[list[str], list[str]]:
    """The paths (relative, sorted) docker sends from `root` by docker's `.dockerignore` rules, exactly as
    `APIClient.build(path=...)` selects them; and the `.dockerignore` patterns."""
    ignore = root / ".dockerignore"
    patterns: list[str] = []
    if ignore.exists():
        text = ignore.read_text(encoding="utf-8")
        patterns = [line.strip() for line in text.splitlines()]
        patterns = [p for p in patterns if p and not p.startswith("#")]
    paths = docker.utils.build.exclude_paths(str(root), list(patterns), dockerfile=dockerfile)
    return sorted(str(p) for p in paths), patterns


def context_archive(root: Path, files: list[str], extra: list[tuple[str, str]], into: IO[bytes]) -> None:
    """Write the tar archive of `files` under `root` (plus `extra` (name, text) members) to `into`."""
    docker.utils.build.create_archive(str(root), files=files, fileobj=into, extra_files=extra)


def docker_credentials(registry: str) -> tuple[str, str] | None:
    """(user, secret) for `registry` from the user's Docker config (DOCKER_CONFIG, ~/.docker/config.json)
    and its credential helpers; None when there are none. An identity token is returned with the user
    `<token>`, as the engine sends it."""
    try:
        config = docker.auth.load_config()
        entry = config.resolve_authconfig(registry)
    except (docker.errors.DockerException, OSError, ValueError):
        return None
    if not entry:
        return None
    lowered = {str(k).lower(): v for k, v in entry.items()}
    if lowered.get("identitytoken"):
        return "<token>", str(lowered["identitytoken"])
    user, secret = lowered.get("username"), lowered.get("password")
    if user and secret:
        return str(user), str(secret)
    return None
