"""Helpers for the image-builder tests: the real engine and registry, projects, and faulty servers.

`docker_env` is the one place that decides what happens when the engine or the registry is not there:
the tests skip on a laptop, and fail when CI=true (CI starts both with scripts/services.sh, so a missing
one there is a broken machine, not a reason to test nothing).
"""

from __future__ import annotations

import base64
import contextlib
import http.server
import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REGISTRY = os.environ.get("TASKDEFLINT_REGISTRY", "127.0.0.1:5000")
MANIFEST_ACCEPT = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _engine_problem() -> str | None:
    try:
        import docker
    except ImportError:
        return "the docker package is not installed (pip install -e '.[test]')"
    try:
        client = docker.APIClient(version="auto", timeout=10, **docker.utils.kwargs_from_env())
        client.ping()
        client.close()
    except Exception as error:
        return f"no Docker engine: {error}"
    return None


def _registry_problem() -> str | None:
    try:
        with urllib.request.urlopen(f"http://{REGISTRY}/v2/", timeout=5) as answer:
            if answer.status == 200:
                return None
            return f"registry {REGISTRY} answered {answer.status}"
    except (urllib.error.URLError, OSError) as error:
        return f"no registry at {REGISTRY}: {error}"


@dataclass
class DockerEnv:
    registry: str
    api: Any  # docker.APIClient


@pytest.fixture(scope="session", name="docker_env")
def docker_env_fixture() -> Iterator[DockerEnv]:
    """The engine and the loopback registry; skip without them, or fail when CI=true."""
    problems = [p for p in (_engine_problem(), _registry_problem()) if p]
    if problems:
        message = "; ".join(problems) + " (start them with: bash scripts/services.sh)"
        if in_ci():
            pytest.fail(f"CI=true and the builder tests cannot run: {message}", pytrace=False)
        pytest.skip(message)
    import docker

    api = docker.APIClient(version="auto", timeout=120, **docker.utils.kwargs_from_env())
    yield DockerEnv(REGISTRY, api)
    api.close()


@pytest.fixture(scope="session", name="busybox_base")
def busybox_base_fixture(docker_env: DockerEnv, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A base image with a shell, imported from the static busybox (nothing can be pulled here)."""
    busybox = shutil.which("busybox") or "/bin/busybox"
    if not Path(busybox).exists():
        message = "busybox is not installed (apt-get install busybox-static)"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    root = tmp_path_factory.mktemp("busybox")
    tarball = root / "bb.tar"
    with tarfile.open(tarball, "w") as archive:
        info = archive.gettarinfo(busybox, arcname="bin/busybox")
        info.mode = 0o755
        with open(busybox, "rb") as stream:
            archive.addfile(info, stream)
        link = tarfile.TarInfo("bin/sh")
        link.type = tarfile.SYMTYPE
        link.linkname = "busybox"
        archive.addfile(link)
        tmp = tarfile.TarInfo("tmp")
        tmp.type = tarfile.DIRTYPE
        tmp.mode = 0o1777
        archive.addfile(tmp)
    name = f"taskdeflint-test-busybox-{uuid.uuid4().hex[:10]}"
    docker_env.api.import_image(src=str(tarball), repository=name, tag="latest", changes=['CMD ["/bin/sh"]'])
    yield f"{name}:latest"
    with contextlib.suppress(Exception):
        docker_env.api.remove_image(f"{name}:latest", force=True)


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Project:
    """A folder with services and a `.taskdeflint.toml`, and the repositories its tests push to."""

    root: Path
    registry: str
    api: Any
    prefix: str = field(default_factory=lambda: f"taskdeflint-test/{uuid.uuid4().hex[:12]}")
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    repositories: list[str] = field(default_factory=list)

    def repository(self, name: str, registry: str | None = None) -> str:
        repository = f"{registry or self.registry}/{self.prefix}/{name}"
        self.repositories.append(repository)
        return repository

    def service(self, name: str, files: dict[str, str], registry: str | None = None, **keys: Any) -> Path:
        """Add a service: its context folder (with `files`) and its manifest table."""
        context = self.root / "services" / name
        for relative, text in files.items():
            path = context / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        table: dict[str, Any] = {"context": f"services/{name}", "repository": self.repository(name, registry)}
        table.update(keys)
        self.services[name] = table
        self.write_config()
        return context

    def write_config(self) -> None:
        lines = []
        for name, table in self.services.items():
            lines.append(f"[services.{name}]")
            lines.extend(f"{key} = {_toml(value)}" for key, value in table.items())
            lines.append("")
        (self.root / ".taskdeflint.toml").write_text("\n".join(lines), encoding="utf-8")

    def build(self, *services: str, **options: Any) -> Result:
        """`taskdeflint build` in-process, with plain progress."""
        from taskdeflint.builder.runner import BuildSettings, run

        options.setdefault("progress", "plain")
        out, err = io.StringIO(), io.StringIO()
        code = run(BuildSettings(services=services, cwd=self.root, **options), stdout=out, stderr=err)
        return Result(code, out.getvalue(), err.getvalue())

    def metadata(self, name: str = "meta.json") -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.root / name).read_text(encoding="utf-8"))
        return data

    def local_image_ids(self) -> set[str]:
        ids: set[str] = set()
        for repository in set(self.repositories):
            ids |= {image["Id"] for image in self.api.images(name=repository)}
        return ids

    def cleanup(self) -> None:
        for image_id in self.local_image_ids():
            with contextlib.suppress(Exception):
                self.api.remove_image(image_id, force=True)


def _toml(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value)


@pytest.fixture(name="project")
def project_fixture(docker_env: DockerEnv, tmp_path: Path) -> Iterator[Project]:
    project = Project(tmp_path, docker_env.registry, docker_env.api)
    yield project
    project.cleanup()


def registry_digest(registry: str, repository_path: str, tag: str) -> str | None:
    """The registry's own answer: Docker-Content-Digest of HEAD /v2/<name>/manifests/<tag>."""
    request = urllib.request.Request(f"http://{registry}/v2/{repository_path}/manifests/{tag}", method="HEAD")
    request.add_header("Accept", MANIFEST_ACCEPT)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            digest: str = answer.headers["Docker-Content-Digest"]
            return digest
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def refusing_registry(realm: str = "Basic") -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server that answers every request with 401 and a login challenge; yields its
    host:port and the Authorization headers it was sent."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _refuse(self) -> None:
            seen.append(self.headers.get("Authorization", ""))
            self.send_response(401)
            if realm == "Basic":
                self.send_header("WWW-Authenticate", 'Basic realm="test"')
            else:
                host = self.headers.get("Host")
                self.send_header("WWW-Authenticate", f'Bearer realm="http://{host}/token",service="test"')
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_HEAD = do_POST = do_PUT = _refuse

        def log_message(self, *_args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


class CuttingProxy:
    """A loopback TCP proxy in front of the registry that cuts a connection once it has carried `after`
    bytes of a request that `cut` picks (by its first bytes), e.g. the manifest PUT that ends a push.

    (Cutting blob uploads instead makes the engine retry each layer five times, 5+10+15+20 s apart.)
    """

    def __init__(self, target: str, cut: Callable[[bytes], bool], after: int = 0) -> None:
        host, port = target.rsplit(":", 1)
        self.target = (host, int(port))
        self.cut = cut
        self.after = after
        self.cuts = 0
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        self.address = f"127.0.0.1:{self._server.getsockname()[1]}"
        self._closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            threading.Thread(target=self._up, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._down, args=(client, upstream), daemon=True).start()

    def _up(self, client: socket.socket, upstream: socket.socket) -> None:
        carried = 0
        cutting = False
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    break
                if self.cut(data):
                    cutting = True
                if cutting:
                    carried += len(data)
                    if carried > self.after:
                        self.cuts += 1
                        break
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            for end in (client, upstream):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()

    def _down(self, client: socket.socket, upstream: socket.socket) -> None:
        try:
            while True:
                data = upstream.recv(65536)
                if not data:
                    break
                client.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self._closed.set()
        self._server.close()


def docker_config(folder: Path, registry: str, user: str, password: str) -> Path:
    """A Docker config folder (for DOCKER_CONFIG) with a login for `registry`."""
    folder.mkdir(parents=True, exist_ok=True)
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    (folder / "config.json").write_text(json.dumps({"auths": {registry: {"auth": auth}}}), encoding="utf-8")
    return folder


def registry_get(
    registry: str, repository_path: str, reference: str, kind: str = "manifests"
) -> tuple[str, bytes]:
    """(Content-Type, body) of a manifest, index or blob, straight from the registry."""
    request = urllib.request.Request(f"http://{registry}/v2/{repository_path}/{kind}/{reference}")
    request.add_header("Accept", MANIFEST_ACCEPT)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return str(answer.headers.get("Content-Type", "")), answer.read()


def image_platform(registry: str, repository_path: str, reference: str) -> str:
    """`os/architecture` from the config blob of the image manifest `reference`."""
    _, body = registry_get(registry, repository_path, reference)
    config_digest = json.loads(body)["config"]["digest"]
    _, config = registry_get(registry, repository_path, config_digest, kind="blobs")
    data = json.loads(config)
    return f"{data['os']}/{data['architecture']}"


SERVICES_DIR = Path(os.environ.get("TASKDEFLINT_SERVICES_DIR", "/tmp/taskdeflint-services"))


@pytest.fixture(scope="session", name="arm64_base")
def arm64_base_fixture(docker_env: DockerEnv, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An arm64 image with a shell: the static arm64 busybox that scripts/services.sh fetches, built FROM
    scratch for linux/arm64 (a COPY, so no emulation is needed to make it)."""
    from taskdeflint.builder import buildkit

    busybox = SERVICES_DIR / "busybox-arm64"
    if not busybox.exists():
        message = f"{busybox} is missing (bash scripts/services.sh fetches it)"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        cli = buildkit.find_cli()
    except buildkit.CLIError as error:
        if in_ci():
            pytest.fail(str(error), pytrace=False)
        pytest.skip(str(error))
    root = tmp_path_factory.mktemp("arm64")
    shutil.copy(busybox, root / "busybox")
    (root / "Dockerfile").write_text(
        'FROM scratch\nCOPY busybox /bin/busybox\nSHELL ["/bin/busybox", "sh", "-c"]\n'
        'RUN ["/bin/busybox", "--install", "-s", "/bin"]\nRUN mkdir -p /tmp\n',
        encoding="utf-8",
    )
    name = f"taskdeflint-test-busybox-arm64-{uuid.uuid4().hex[:10]}:latest"
    argv = [cli.path, *(["buildx", "build", "--load"] if cli.buildx else ["build"])]
    argv += ["--platform", "linux/arm64", "--network", "none", "--tag", name, str(root)]
    done = subprocess.run(argv, env={**os.environ, "DOCKER_BUILDKIT": "1"}, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"cannot make the arm64 base image (is emulation set up?): {done.stderr[-2000:]}")
    yield name
    with contextlib.suppress(Exception):
        docker_env.api.remove_image(name, force=True)
