"""`taskdeflint build` when things go wrong, with the real engine and real registries: the engine down, a
registry down or restarted mid-push, a login refused, a push cut off, one service of several failing,
Ctrl-C and SIGTERM. Each time: one clear message, a non-zero exit code, a metadata file and rendered task
definitions that are complete and correct or not written at all (files from an earlier run are left as
they were, byte for byte, and no temporary file is left behind), and a rerun that recovers.

The shared registry at 127.0.0.1:5000 is never stopped: the tests that stop one start their own
(`docker-registry serve`, on another loopback port, with its own storage).
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import ctypes.util
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from buildtools import (
    MANIFEST_ACCEPT,
    CuttingProxy,
    DockerEnv,
    Project,
    busybox_base_fixture,  # noqa: F401
    docker_config,
    docker_env_fixture,  # noqa: F401
    in_ci,
    project_fixture,  # noqa: F401
    slow_dockerfile,
    unused_port,
)

pytestmark = pytest.mark.docker

SCRATCH = "FROM scratch\nCOPY {file} /{file}\n"


# --- a registry of our own ---------------------------------------------------------------------------------


def bcrypt(password: str) -> str:
    """A bcrypt hash for an htpasswd file, from the C library's crypt(3) (libxcrypt does bcrypt)."""
    library = ctypes.CDLL(ctypes.util.find_library("crypt") or "libcrypt.so.1")
    library.crypt.restype = ctypes.c_char_p
    library.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    salt = "$2b$05$" + "".join(secrets.choice(alphabet) for _ in range(21)) + secrets.choice(".Oeu")
    hashed = library.crypt(password.encode(), salt.encode())
    assert hashed and hashed.startswith(b"$2b$"), "crypt(3) here does not do bcrypt"
    return str(hashed.decode())


class OwnRegistry:
    """A `docker-registry serve` of this test's own, on a free loopback port, optionally behind a login.
    It can be stopped and started again (same port, same storage) while a build runs."""

    def __init__(self, folder: Path, users: dict[str, str] | None = None) -> None:
        binary = shutil.which("docker-registry")
        if binary is None:
            message = "docker-registry is not installed (scripts/services.sh installs it)"
            if in_ci():
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
        self.binary = binary
        self.folder = folder
        self.port = unused_port()
        self.address = f"127.0.0.1:{self.port}"
        self.users = users or {}
        folder.mkdir(parents=True, exist_ok=True)
        config = [
            "version: 0.1",
            "log:",
            "  level: error",
            "storage:",
            "  filesystem:",
            f"    rootdirectory: {folder / 'data'}",
            "  delete:",
            "    enabled: true",
            "http:",
            f"  addr: {self.address}",
            "  secret: taskdeflint-test-upload-secret",
        ]
        if self.users:
            (folder / "htpasswd").write_text(
                "".join(f"{user}:{bcrypt(password)}\n" for user, password in self.users.items()),
                encoding="utf-8",
            )
            config += [
                "auth:",
                "  htpasswd:",
                "    realm: taskdeflint-test",
                f"    path: {folder / 'htpasswd'}",
            ]
        (folder / "config.yml").write_text("\n".join(config) + "\n", encoding="utf-8")
        self.process: subprocess.Popen[bytes] | None = None
        self.log = folder / "registry.log"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "serve", str(self.folder / "config.yml")], stdout=log, stderr=log
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://{self.address}/v2/", timeout=2):
                    return
            except urllib.error.HTTPError as error:
                if error.code == 401:
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"registry {self.address} did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None


def registry_answer(address: str, path: str, tag: str, login: tuple[str, str] | None = None) -> str | None:
    """The registry's own answer for `path:tag`: its Docker-Content-Digest, or None for no such tag."""
    request = urllib.request.Request(f"http://{address}/v2/{path}/manifests/{tag}", method="HEAD")
    request.add_header("Accept", MANIFEST_ACCEPT)
    if login:
        request.add_header("Authorization", "Basic " + base64.b64encode(":".join(login).encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return str(answer.headers["Docker-Content-Digest"])
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


@contextlib.contextmanager
def own_registry(folder: Path, users: dict[str, str] | None = None) -> Iterator[OwnRegistry]:
    registry = OwnRegistry(folder, users)
    registry.start()
    try:
        yield registry
    finally:
        registry.stop()


# --- helpers -------------------------------------------------------------------------------------------------


def taskdef(name: str) -> dict[str, Any]:
    """A task definition the linter finds no error in."""
    return {
        "family": name,
        "requiresCompatibilities": ["EC2"],
        "containerDefinitions": [
            {
                "name": name,
                "image": "placeholder:latest",
                "essential": True,
                "memory": 128,
                "user": "1000",
                "readonlyRootFilesystem": True,
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "g",
                        "awslogs-region": "eu-west-1",
                        "awslogs-stream-prefix": name,
                    },
                },
            }
        ],
    }


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` except the services' sources: what a run may write."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.relative_to(root).as_posix().startswith(("services/", "docker"))
    }


def earlier_outputs(project: Project, *services: str) -> dict[str, bytes]:
    """The metadata file and rendered task definitions an earlier run left: they must survive a failed one."""
    (project.root / "meta.json").write_text(
        '{"version": 1, "services": {"earlier": "run"}}\n', encoding="utf-8"
    )
    for name in services:
        write_json(project.root / "rendered" / f"{name}.json", {"earlier": name})
    return snapshot(project.root)


def no_temporary_files(root: Path) -> None:
    left = [p.name for p in root.rglob("*.tmp")]
    assert left == [], left


def check_pinned(project: Project, name: str, login: tuple[str, str] | None = None) -> None:
    """The metadata and the rendered file agree with what the registry holds under the content tag."""
    meta = project.metadata()["services"][name]
    assert meta["status"] in ("pushed", "skipped"), meta
    address, path = meta["repository"].split("/", 1)
    registry_digest = registry_answer(address, path, meta["content_tag"], login)
    assert meta["digest"] == registry_digest and registry_digest is not None
    rendered = json.loads((project.root / "rendered" / f"{name}.json").read_text(encoding="utf-8"))
    assert rendered["containerDefinitions"][0]["image"] == f"{meta['repository']}@{registry_digest}"
    assert meta["image"] == rendered["containerDefinitions"][0]["image"]
    assert meta["task_definition"] == f"rendered/{name}.json"


BUILD = [sys.executable, "-m", "taskdeflint", "build", "--push", "--progress", "plain"]
OPTIONS: dict[str, Any] = {"push": True, "metadata_file": Path("meta.json"), "render_dir": Path("rendered")}


def web_service(project: Project, registry: str, **keys: Any) -> None:
    project.service(
        "web",
        {"Dockerfile": SCRATCH.format(file="a.txt"), "a.txt": f"{time.time_ns()}\n"},
        registry=registry,
        **{"task-definition": "deploy/web.json", **keys},
    )
    write_json(project.root / "deploy" / "web.json", taskdef("web"))


def errors_of(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("taskdeflint: error:")]


# --- the engine ----------------------------------------------------------------------------------------------


def test_engine_down_writes_nothing_and_a_rerun_recovers(
    project: Project, docker_env: DockerEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    web_service(project, docker_env.registry)
    before = earlier_outputs(project, "web")
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
    down = project.build(**OPTIONS)
    assert down.code == 1
    assert errors_of(down.stderr) == [
        "taskdeflint: error: cannot reach the Docker engine at tcp://127.0.0.1:1 (is it running? DOCKER_HOST "
        "selects another): connection refused"
    ], down.stderr
    assert "Traceback" not in down.output
    assert snapshot(project.root) == before

    monkeypatch.delenv("DOCKER_HOST")
    again = project.build(**OPTIONS)
    assert again.code == 0, again.output
    meta = project.metadata()["services"]["web"]
    assert meta["status"] == "pushed"
    no_temporary_files(project.root)


# --- a registry down, restarted, refusing the login ------------------------------------------------------------


def test_registry_down_then_back(project: Project, tmp_path: Path) -> None:
    with own_registry(tmp_path / "registry") as registry:
        web_service(project, registry.address)
        before = earlier_outputs(project, "web")
        registry.stop()
        down = project.build(**OPTIONS)
        assert down.code == 1
        assert errors_of(down.stderr) == [
            f"taskdeflint: error: web: registry {registry.address} is not reachable at "
            f"http://{registry.address}/v2/: connection refused"
        ]
        # The metadata is rewritten, complete and true: nothing is in a registry. The rendered file of the
        # earlier run is left as it was (nothing new could be pinned).
        meta = project.metadata()["services"]["web"]
        assert (meta["status"], meta["digest"], meta["image"], meta["tags"]) == ("failed", None, None, [])
        assert snapshot(project.root)["rendered/web.json"] == before["rendered/web.json"]
        no_temporary_files(project.root)

        registry.start()
        again = project.build(**OPTIONS)
        assert again.code == 0, again.output
        check_pinned(project, "web")


def test_registry_restarted_in_the_middle_of_a_push(project: Project, tmp_path: Path) -> None:
    """The registry goes away while the engine uploads a layer and comes back: the engine retries the
    upload. Whatever the timing, the outcome is true: either pushed, with the digest the registry has, or
    failed with one message and no digest claimed, and then a rerun pushes."""
    with own_registry(tmp_path / "registry") as registry:
        project.service(
            "web",
            {"Dockerfile": SCRATCH.format(file="blob.bin")},
            registry=registry.address,
            **{"task-definition": "deploy/web.json"},
        )
        (project.root / "services" / "web" / "blob.bin").write_bytes(os.urandom(48 * 1024 * 1024))
        write_json(project.root / "deploy" / "web.json", taskdef("web"))
        process = subprocess.Popen(
            [*BUILD, "--metadata-file", "meta.json", "--render-dir", "rendered"],
            cwd=project.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert process.stdout is not None
        seen = []
        for line in process.stdout:
            seen.append(line)
            if line.startswith("[web] pushing"):
                time.sleep(0.3)
                registry.stop()
                time.sleep(1.5)
                registry.start()
                break
        _, err = process.communicate(timeout=120)
        assert "Traceback" not in err
        meta = project.metadata()["services"]["web"]
        if process.returncode == 0:
            check_pinned(project, "web")
        else:
            assert len(errors_of(err)) == 1 and "web: push of" in err, err
            assert (meta["status"], meta["digest"], meta["image"]) == ("failed", None, None)
            assert not (project.root / "rendered" / "web.json").exists()
            again = project.build(**OPTIONS)
            assert again.code == 0, again.output
            check_pinned(project, "web")
        no_temporary_files(project.root)


def test_login_refused_by_a_real_registry_then_accepted(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = "right-" + secrets.token_hex(8)
    wrong = "wrong-" + secrets.token_hex(8)
    with own_registry(tmp_path / "registry", {"ci-bot": password}) as registry:
        web_service(project, registry.address)
        before = earlier_outputs(project, "web")
        monkeypatch.setenv(
            "DOCKER_CONFIG", str(docker_config(tmp_path / "docker-wrong", registry.address, "ci-bot", wrong))
        )
        refused = project.build(**OPTIONS)
        assert refused.code == 1
        assert errors_of(refused.stderr) == [
            f"taskdeflint: error: web: registry {registry.address} refused the credentials of user 'ci-bot' (401); "
            f"run `docker login {registry.address}`"
        ]
        meta_text = (project.root / "meta.json").read_text(encoding="utf-8")
        assert json.loads(meta_text)["services"]["web"]["digest"] is None
        assert snapshot(project.root)["rendered/web.json"] == before["rendered/web.json"]
        for text in (refused.output, meta_text):
            assert wrong not in text and base64.b64encode(f"ci-bot:{wrong}".encode()).decode() not in text

        monkeypatch.setenv(
            "DOCKER_CONFIG",
            str(docker_config(tmp_path / "docker-right", registry.address, "ci-bot", password)),
        )
        accepted = project.build(**OPTIONS)
        assert accepted.code == 0, accepted.output
        check_pinned(project, "web", ("ci-bot", password))


def test_a_push_cut_after_the_first_tag_claims_nothing_and_a_rerun_completes(
    project: Project, docker_env: DockerEnv
) -> None:
    """The connection breaks at the manifest of the content tag (the last pushed), after the extra tag went
    through: the registry then holds the image under "stable" only. Nothing may claim it pushed; the rerun
    is not skipped (its content tag is missing) and completes the push."""
    manifests = {"seen": 0}

    def second_manifest(data: bytes) -> bool:
        if data.startswith(b"PUT ") and b"/manifests/" in data:
            manifests["seen"] += 1
            return manifests["seen"] == 2
        return False

    proxy = CuttingProxy(docker_env.registry, cut=second_manifest)
    try:
        web_service(project, proxy.address, tags=["stable"])
        before = earlier_outputs(project, "web")
        cut = project.build(**OPTIONS)
        assert proxy.cuts == 1
        assert cut.code == 1
        [error] = errors_of(cut.stderr)
        assert error.startswith("taskdeflint: error: web: push of ") and ":content-" in error
        meta = project.metadata()["services"]["web"]
        assert (meta["status"], meta["digest"], meta["image"], meta["pushed"]) == (
            "failed",
            None,
            None,
            False,
        )
        assert snapshot(project.root)["rendered/web.json"] == before["rendered/web.json"]
        path = meta["repository"].split("/", 1)[1]
        stable = registry_answer(docker_env.registry, path, "stable")
        assert stable is not None and registry_answer(docker_env.registry, path, meta["content_tag"]) is None

        again = project.build(**OPTIONS)
        assert again.code == 0, again.output
        assert project.metadata()["services"]["web"]["status"] == "pushed"
        check_pinned(project, "web")
        assert registry_answer(docker_env.registry, path, "stable") == stable
    finally:
        proxy.close()
    no_temporary_files(project.root)


# --- one service of several fails ------------------------------------------------------------------------------


def test_one_failing_service_among_several(project: Project, docker_env: DockerEnv) -> None:
    for name in ("one", "two", "three"):
        dockerfile = SCRATCH.format(file="a.txt") if name != "two" else "FROM scratch\nCOPY missing.txt /\n"
        project.service(
            name,
            {"Dockerfile": dockerfile, "a.txt": f"{name}\n"},
            **{"task-definition": f"deploy/{name}.json"},
        )
        write_json(project.root / "deploy" / f"{name}.json", taskdef(name))
    before = earlier_outputs(project, "one", "two", "three")
    result = project.build(**OPTIONS, keep_going=True, jobs=3)
    assert result.code == 1
    [error] = errors_of(result.stderr)
    assert error.startswith("taskdeflint: error: two: build failed") and "missing.txt" in error
    meta = project.metadata()["services"]
    assert {n: m["status"] for n, m in meta.items()} == {"one": "pushed", "two": "failed", "three": "pushed"}
    assert (meta["two"]["digest"], meta["two"]["image"], meta["two"]["task_definition"]) == (None, None, None)
    after = snapshot(project.root)
    assert after["rendered/two.json"] == before["rendered/two.json"]  # not rendered: left as it was
    for name in ("one", "three"):
        check_pinned(project, name)

    (project.root / "services" / "two" / "missing.txt").write_text("found\n", encoding="utf-8")
    again = project.build(**OPTIONS, jobs=3)
    assert again.code == 0, again.output
    meta = project.metadata()["services"]
    assert {n: m["status"] for n, m in meta.items()} == {
        "one": "skipped",
        "two": "pushed",
        "three": "skipped",
    }
    check_pinned(project, "two")
    no_temporary_files(project.root)


def test_metadata_that_cannot_be_written_is_one_error(project: Project, docker_env: DockerEnv) -> None:
    web_service(project, docker_env.registry)
    (project.root / "meta.json").mkdir()
    result = project.build(**OPTIONS)
    assert result.code == 1
    [error] = errors_of(result.stderr)
    assert error.startswith(
        f"taskdeflint: error: cannot write the metadata file {project.root / 'meta.json'}"
    )
    assert json.loads((project.root / "rendered" / "web.json").read_text())["containerDefinitions"][0][
        "image"
    ]
    no_temporary_files(project.root)


# --- Ctrl-C and SIGTERM ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_build_leaves_earlier_outputs_as_they_were(
    project: Project, busybox_base: str, signal_number: int
) -> None:
    project.service(
        "slow",
        {"Dockerfile": slow_dockerfile(busybox_base, project)},
        **{"task-definition": "deploy/slow.json"},
    )
    project.service(
        "fast",
        {"Dockerfile": SCRATCH.format(file="a.txt"), "a.txt": "x\n"},
        **{"task-definition": "deploy/fast.json"},
    )
    for name in ("slow", "fast"):
        write_json(project.root / "deploy" / f"{name}.json", taskdef(name))
    before = earlier_outputs(project, "slow", "fast")
    process = subprocess.Popen(
        [*BUILD, "-j", "2", "--metadata-file", "meta.json", "--render-dir", "rendered"],
        cwd=project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    for line in process.stdout:
        if ("started" in line and line.startswith("[slow]")) or time.monotonic() > deadline:
            break
    time.sleep(0.3)
    process.send_signal(signal_number)
    try:
        _, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert process.returncode == 130, stderr
    assert stderr.rstrip().splitlines()[-1] == (
        "taskdeflint: interrupted; no metadata or task definition was written"
    )
    assert "Traceback" not in stderr
    assert snapshot(project.root) == before
    no_temporary_files(project.root)

    # A rerun recovers: the fast service was perhaps pushed before the interruption (then it is skipped).
    (project.root / "services" / "slow" / "Dockerfile").write_text(f"FROM {busybox_base}\nRUN echo quick\n")
    again = project.build(**OPTIONS)
    assert again.code == 0, again.output
    meta = project.metadata()["services"]
    assert meta["slow"]["status"] == "pushed" and meta["fast"]["status"] in ("pushed", "skipped")
    for name in ("slow", "fast"):
        check_pinned(project, name)


def test_a_rule_that_raises_on_a_rendered_file_fails_that_service_only(
    project: Project, docker_env: DockerEnv
) -> None:
    """A bug in a rule (here a user's own) while the rendered task definitions are linted: that service is
    reported failed with one message naming the file and the rule, the others are rendered and linted, the metadata is
    complete, and nothing crashes."""
    from test_robustness import EXPLODING_CHECK, EXPLODING_RULE

    for name in ("boom", "calm"):
        project.service(
            name,
            {"Dockerfile": SCRATCH.format(file="a.txt"), "a.txt": f"{name}\n"},
            **{"task-definition": f"deploy/{name}.json"},
        )
        write_json(project.root / "deploy" / f"{name}.json", taskdef(name))
    (project.root / "policies").mkdir()
    (project.root / "policies" / "ORG001.toml").write_text(EXPLODING_RULE, encoding="utf-8")
    (project.root / "policies" / "checks.py").write_text(EXPLODING_CHECK, encoding="utf-8")
    config = project.root / ".taskdeflint.toml"
    config.write_text('rules-dir = ["policies"]\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    result = project.build(**OPTIONS)
    assert result.code == 1
    assert errors_of(result.stderr) == [
        f"taskdeflint: error: boom: {project.root / 'rendered' / 'boom.json'}: rule ORG001 "
        f"({project.root / 'policies' / 'checks.py'}:explode) raised KeyError at checks.py:4; its findings "
        "are missing"
    ]
    assert "s3cr3t" not in result.output and "Traceback" not in result.output
    meta = project.metadata()["services"]
    assert (meta["boom"]["status"], meta["calm"]["status"]) == ("pushed", "pushed")
    assert meta["boom"]["error"].startswith(str(project.root / "rendered" / "boom.json"))
    check_pinned(project, "calm")
    no_temporary_files(project.root)
