"""No secret reaches a CI log: secrets planted in task definitions, build arguments, a Docker config and a
registry's login are looked for in everything a lint run and a build run write (stdout and stderr of every
format, report and baseline files, the metadata file, rendered task definitions, the build's log lines).

A secret is planted where a finding is sure to be reported about it, so that a test that finds nothing
has looked at a report that names the secret's place."""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from buildtools import (
    Project,
    busybox_base_fixture,  # noqa: F401
    docker_config,
    docker_env_fixture,  # noqa: F401
    project_fixture,  # noqa: F401
)
from test_build_faults import BUILD, check_pinned, own_registry, taskdef, write_json

from taskdeflint.formats import FORMATS


def _token(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(10)}"


# Each secret, and the (rule, pointer) of the finding that is reported where it is.
PASSWORD = _token("pw-")
AWS_KEY = "AKIA" + secrets.token_hex(8).upper()
URL_PASSWORD = _token("urlpw")
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ" + secrets.token_hex(8) + ".c2lnbmF0dXJl" + secrets.token_hex(4)
PIN = str(secrets.randbelow(10**8) + 10**8)  # given as a number: a schema finding, of the wrong type
SPLUNK = str(secrets.randbelow(10**8) + 2 * 10**8)
DUPLICATE = _token("dup-")
DESCRIBED = _token("described-")
LISTED = _token("listed-")
BROKEN = _token("broken-")
LINT_SECRETS = [PASSWORD, AWS_KEY, URL_PASSWORD, JWT, PIN, SPLUNK, DUPLICATE, DESCRIBED, LISTED, BROKEN]


def _container(environment: list[Any], **extra: Any) -> dict[str, Any]:
    return {"name": "web", "image": "nginx:1.27", "memory": 512, "environment": environment, **extra}


def _plant(folder: Path) -> list[tuple[str, str, str]]:
    """Task definitions holding secrets; returns the (path, rule, pointer) of the finding about each."""
    register = {
        "family": "web",
        "containerDefinitions": [
            _container(
                [
                    {"name": "DB_PASSWORD", "value": PASSWORD},
                    {"name": "UPSTREAM", "value": AWS_KEY},
                    {"name": "DATABASE_URL", "value": f"postgres://app:{URL_PASSWORD}@db.internal/app"},
                    {"name": "SESSION", "value": JWT},
                    {"name": "PIN", "value": int(PIN)},
                ],
                logConfiguration={
                    "logDriver": "splunk",
                    "options": {"splunk-url": "https://s", "splunk-token": int(SPLUNK)},
                },
            )
        ],
    }
    (folder / "register.json").write_text(json.dumps(register, indent=2), encoding="utf-8")
    # A duplicate key: the first value is the one JSON parsers drop.
    (folder / "duplicate.json").write_text(
        '{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "memory": 512, '
        f'"environment": [{{"name": "API_TOKEN", "value": "{DUPLICATE}", "value": "{DUPLICATE}-2"}}]}}]}}',
        encoding="utf-8",
    )
    described = {
        "taskDefinition": {
            "family": "web",
            "containerDefinitions": [_container([{"name": "API_TOKEN", "value": DESCRIBED}])],
        }
    }
    (folder / "describe.json").write_text(json.dumps(described), encoding="utf-8")
    (folder / "containers.json").write_text(
        json.dumps([_container([{"name": "CLIENT_SECRET", "value": LISTED}])]), encoding="utf-8"
    )
    # Invalid JSON around a secret: the syntax finding must not quote the text.
    (folder / "broken.json").write_text(
        '{"family": "web", "containerDefinitions": [{"name": "web", "environment": [{"name": "DB_PASSWORD", '
        f'"value": "{BROKEN}",}}]}}]}}',
        encoding="utf-8",
    )
    env = "/containerDefinitions/0/environment"
    return [
        ("register.json", "TDL106", f"{env}/0/value"),
        ("register.json", "TDL106", f"{env}/1/value"),
        ("register.json", "TDL106", f"{env}/2/value"),
        ("register.json", "TDL106", f"{env}/3/value"),
        ("register.json", "TDL003", f"{env}/4/value"),
        ("register.json", "TDL003", "/containerDefinitions/0/logConfiguration/options/splunk-token"),
        ("duplicate.json", "TDL002", f"{env}/0/value"),
        ("duplicate.json", "TDL106", f"{env}/0/value"),
        ("describe.json", "TDL106", f"/taskDefinition{env}/0/value"),
        ("containers.json", "TDL106", "/0/environment/0/value"),
        ("broken.json", "TDL001", ""),
    ]


def _leaks(text: str, planted: list[str]) -> list[str]:
    return [secret for secret in planted if secret in text]


def test_no_lint_output_holds_a_secret(tmp_path: Path) -> None:
    expected = _plant(tmp_path)
    seen: dict[str, str] = {}
    for output_format in FORMATS:
        completed = subprocess.run(
            [sys.executable, "-m", "taskdeflint", "lint", "-v", "--format", output_format, "."],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert completed.returncode == 1, completed.stderr
        seen[f"{output_format} stdout"] = completed.stdout
        seen[f"{output_format} stderr"] = completed.stderr
        if output_format == "json":
            found = {(f["path"], f["rule"], f["pointer"]) for f in json.loads(completed.stdout)}
            assert set(expected) <= found, set(expected) - found
            messages = {(f["path"], f["pointer"]): f["message"] for f in json.loads(completed.stdout)}
            assert messages[("register.json", "/containerDefinitions/0/environment/4/value")] == (
                'Container "web" environment[4].value must be a string, not a number'
            )
    completed = subprocess.run(
        [sys.executable, "-m", "taskdeflint", "lint", "--format", "sarif", "-o", "report.sarif", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 1
    subprocess.run(
        [sys.executable, "-m", "taskdeflint", "lint", "--write-baseline", "baseline.json", "."],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=True,
    )
    for name in ("report.sarif", "baseline.json"):
        seen[name] = (tmp_path / name).read_text(encoding="utf-8")
    leaks = {where: _leaks(text, LINT_SECRETS) for where, text in seen.items() if _leaks(text, LINT_SECRETS)}
    assert leaks == {}


def test_the_secret_rule_names_the_variable_and_the_kind_never_the_value(tmp_path: Path) -> None:
    _plant(tmp_path)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "taskdeflint",
            "lint",
            "--select",
            "TDL106",
            "--format",
            "json",
            "register.json",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    messages = [f["message"] for f in json.loads(completed.stdout)]
    assert messages == [
        'Container "web" environment variable "DB_PASSWORD" has a secret-looking name and a plaintext value; '
        'pass it through "secrets" (Secrets Manager or SSM Parameter Store) instead',
        'Container "web" environment variable "UPSTREAM" holds what looks like an AWS access key ID in plaintext; '
        'pass it through "secrets" (Secrets Manager or SSM Parameter Store) instead',
        'Container "web" environment variable "DATABASE_URL" holds what looks like a URL with an embedded password '
        'in plaintext; pass it through "secrets" (Secrets Manager or SSM Parameter Store) instead',
        'Container "web" environment variable "SESSION" holds what looks like a JSON Web Token in plaintext; pass '
        'it through "secrets" (Secrets Manager or SSM Parameter Store) instead',
    ]


# --- the builder ---------------------------------------------------------------------------------------------


@pytest.mark.docker
def test_no_build_output_holds_a_build_argument_or_a_registry_credential(
    project: Project, busybox_base: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Build arguments that a RUN step prints, and that a failing step's error quotes; a registry behind a
    login, with the password in the Docker config (and the wrong password in a second run): none of them
    appears in stdout, stderr, the metadata file, the rendered task definitions or the build log."""
    build_token = _token("npm_")
    failing_token = _token("deploy-key-")
    password = _token("registry-")
    wrong = _token("wrong-")
    planted = [
        build_token,
        failing_token,
        password,
        wrong,
        base64.b64encode(f"ci-bot:{password}".encode()).decode(),
        base64.b64encode(f"ci-bot:{wrong}".encode()).decode(),
    ]
    with own_registry(tmp_path / "registry", {"ci-bot": password}) as registry:
        project.service(
            "web",
            {
                "Dockerfile": (
                    f"FROM {busybox_base}\nARG NPM_TOKEN\nARG MODE\n"
                    'RUN echo "installing with token $NPM_TOKEN in mode $MODE" && test -n "$NPM_TOKEN"\n'
                )
            },
            registry=registry.address,
            **{"task-definition": "deploy/web.json", "build-args": {"NPM_TOKEN": build_token, "MODE": "ci"}},
        )
        write_json(project.root / "deploy" / "web.json", taskdef("web"))
        project.service(
            "api",
            {"Dockerfile": f'FROM {busybox_base}\nARG DEPLOY_KEY\nRUN echo "key $DEPLOY_KEY" && exit 3\n'},
            registry=registry.address,
            **{"build-args": {"DEPLOY_KEY": failing_token}},
        )
        options: dict[str, Any] = {
            "push": True,
            "keep_going": True,
            "metadata_file": Path("meta.json"),
            "render_dir": Path("rendered"),
        }
        outputs: dict[str, str] = {}

        monkeypatch.setenv(
            "DOCKER_CONFIG", str(docker_config(tmp_path / "docker-wrong", registry.address, "ci-bot", wrong))
        )
        refused = project.build(**options)
        assert refused.code == 1
        assert "refused the credentials of user 'ci-bot'" in refused.stderr
        outputs.update({"refused stdout": refused.stdout, "refused stderr": refused.stderr})
        outputs["refused metadata"] = (project.root / "meta.json").read_text(encoding="utf-8")

        monkeypatch.setenv(
            "DOCKER_CONFIG", str(docker_config(tmp_path / "docker", registry.address, "ci-bot", password))
        )
        built = subprocess.run(
            [*BUILD, "--keep-going", "--metadata-file", "meta.json", "--render-dir", "rendered"],
            cwd=project.root,
            capture_output=True,
            text=True,
            env={**os.environ},
            timeout=300,
            check=False,
        )
        assert built.returncode == 1, built.stderr  # api fails, on purpose
        # The RUN steps did print the values: the log shows them masked.
        assert "installing with token *** in mode ci" in built.stdout
        assert re.search(r"^\[api\] #\d+ [\d.]+ key \*\*\*$", built.stdout, re.MULTILINE), built.stdout
        assert "api: build failed" in built.stderr
        meta = project.metadata()["services"]
        assert (meta["web"]["status"], meta["api"]["status"]) == ("pushed", "failed")
        check_pinned(project, "web", ("ci-bot", password))
        outputs.update({"build stdout": built.stdout, "build stderr": built.stderr})
        outputs["metadata"] = (project.root / "meta.json").read_text(encoding="utf-8")
        outputs["rendered"] = (project.root / "rendered" / "web.json").read_text(encoding="utf-8")

        plan = project.build(dry_run=True, push=True)
        outputs.update({"plan stdout": plan.stdout, "plan stderr": plan.stderr})
    leaks = {where: _leaks(text, planted) for where, text in outputs.items() if _leaks(text, planted)}
    assert leaks == {}


def test_masking_build_arguments_in_what_the_builder_prints() -> None:
    from taskdeflint.builder.runner import mask

    class Service:
        build_args = (("TOKEN", "s3cr3t-value"), ("MODE", "ci"), ("LONGER", "s3cr3t-value-and-more"))

    text = "echo s3cr3t-value-and-more s3cr3t-value in mode ci"
    assert mask(text, Service()) == "echo *** *** in mode ci"  # type: ignore[arg-type]
