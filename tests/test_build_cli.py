"""The `build` command's surface: lazy imports, the missing extra, the displays, the registry client's auth
flows and ECR (fakes are fine here; the real engine and registry are in test_build_docker.py)."""

from __future__ import annotations

import base64
import http.server
import io
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner

from taskdeflint.builder.display import Display, LiveDisplay, choose
from taskdeflint.builder.registry import Credentials, RegistryAuthError, RegistryClient, RegistryUnavailable
from taskdeflint.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_lint_never_imports_docker(tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text(
        '{"family": "a", "containerDefinitions": [{"name": "a", "image": "a:1"}]}'
    )
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from taskdeflint.cli import main\n"
        f"result = CliRunner().invoke(main, ['lint', {str(tmp_path / 't.json')!r}])\n"
        "assert result.exit_code in (0, 1), result.output\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('docker', 'dockerfile_parse', 'requests')\n"
        "          or m.startswith('taskdeflint.builder')]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_build_without_the_extra_says_how_to_install_it(tmp_path: Path) -> None:
    code = "import sys\nsys.modules['docker'] = None\nfrom taskdeflint.cli import main\nmain(['build'])\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 2
    assert "pip install 'taskdeflint[build]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_help_lists_the_flags() -> None:
    result = CliRunner().invoke(main, ["build", "--help"])
    assert result.exit_code == 0
    for flag in (
        "--push",
        "--tag",
        "--jobs",
        "--metadata-file",
        "--render-dir",
        "--dry-run",
        "--no-cache",
        "--keep-going",
        "--config",
        "--progress",
    ):
        assert flag in result.output


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_display_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("CI", "true")
    assert type(choose("auto", FakeTTY(), io.StringIO(), ["a"])) is Display
    monkeypatch.delenv("CI")
    assert type(choose("auto", FakeTTY(), io.StringIO(), ["a"])) is LiveDisplay
    assert type(choose("auto", io.StringIO(), io.StringIO(), ["a"])) is Display
    assert type(choose("tty", io.StringIO(), io.StringIO(), ["a"])) is LiveDisplay


def test_plain_display_prefixes_lines() -> None:
    out, err = io.StringIO(), io.StringIO()
    display = Display(out, err)
    display.log("threads", "Step 1/4 : FROM scratch")
    display.progress("threads", "50%")
    display.error("threads: build failed")
    assert out.getvalue() == "[threads] Step 1/4 : FROM scratch\n"
    assert err.getvalue() == "taskdeflint: error: threads: build failed\n"


def test_live_display_redraws_one_line_per_service() -> None:
    out = FakeTTY()
    display = LiveDisplay(out, out, ["web", "api"])
    display.state("web", "building")
    display.log("web", "Step 1/2 : FROM scratch")
    display.state("api", "pushed", final=True)
    display.log("web", "Step 2/2 : COPY a /a")
    display.state("web", "failed", final=True)
    display.failed("web")
    display.close()
    text = out.getvalue()
    assert "\x1b[2K" in text and "\x1b[2F" in text  # lines cleared and the block redrawn in place
    assert "[web] Step 2/2 : COPY a /a" in text  # a failure shows the service's last lines
    final = text.rsplit("\x1b[J", 1)[-1]
    assert "web failed" in final and "api pushed" in final


# -- the registry client's login flows, against small fakes --------------------------------------------


class FakeRegistry(http.server.BaseHTTPRequestHandler):
    """Bearer-token registry: /token gives a token for ci-bot:pw, /v2/ manifests need it."""

    digest = "sha256:" + "1" * 64
    requests: ClassVar[list[tuple[str, str, str]]] = []

    def _answer(self) -> None:
        auth = self.headers.get("Authorization", "")
        self.requests.append((self.command, self.path, auth))
        host = self.headers["Host"]
        if self.path.startswith("/token"):
            if auth != "Basic " + base64.b64encode(b"ci-bot:pw").decode():
                self.send_response(401)
                self.end_headers()
                return
            body = json.dumps({"token": "tok-123"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if auth != "Bearer tok-123":
            self.send_response(401)
            self.send_header(
                "WWW-Authenticate",
                f'Bearer realm="http://{host}/token",service="fake",scope="repository:team/web:pull"',
            )
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if "application/vnd.oci.image.index.v1+json" not in self.headers.get("Accept", ""):
            self.send_response(400)
            self.end_headers()
            return
        if self.path.endswith("/manifests/present"):
            self.send_response(200)
            self.send_header("Docker-Content-Digest", self.digest)
        else:
            self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD = _answer

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def fake_registry() -> Iterator[str]:
    FakeRegistry.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeRegistry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_bearer_token_flow(fake_registry: str) -> None:
    client = RegistryClient(fake_registry, "http", lambda: Credentials("ci-bot", "pw"))
    assert client.manifest_digest("team/web", "present") == FakeRegistry.digest
    assert client.manifest_digest("team/web", "absent") is None
    token_requests = [r for r in FakeRegistry.requests if r[1].startswith("/token")]
    assert len(token_requests) == 1  # the token is reused
    assert "scope=repository%3Ateam%2Fweb%3Apull" in token_requests[0][1]


def test_bearer_token_refused(fake_registry: str) -> None:
    client = RegistryClient(fake_registry, "http", lambda: Credentials("ci-bot", "wrong-secret"))
    with pytest.raises(RegistryAuthError) as caught:
        client.manifest_digest("team/web", "present")
    assert "refused a token for user 'ci-bot'" in str(caught.value)
    assert "wrong-secret" not in str(caught.value)


def test_unreachable_registry() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = RegistryClient(f"127.0.0.1:{port}", "http", lambda: None)
    with pytest.raises(RegistryUnavailable, match="connection refused"):
        client.manifest_digest("team/web", "x")


def test_credentials_hide_the_password() -> None:
    assert "pw" not in repr(Credentials("ci-bot", "pw"))


def test_ecr_without_boto3_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from taskdeflint.builder.auth import ecr_credentials

    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(RegistryAuthError, match=r"pip install 'taskdeflint\[ecr\]'"):
        ecr_credentials("123456789012.dkr.ecr.eu-west-1.amazonaws.com", "eu-west-1")
