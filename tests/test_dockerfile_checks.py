"""Dockerfile cross-checks (TDL550-TDL555): a services manifest, a Dockerfile and a task definition in a
real folder, linted as `taskdeflint lint` lints them; and the Dockerfile reader on its own."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskdeflint.engine.catalogue import Example, parse_rule, to_index
from taskdeflint.engine.explain import explain
from taskdeflint.readers.dockerfile import ExposedPort, Parsed, expand, parse
from tests.conftest import ROOT, Result, lint

DIGEST = "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
PINNED = f"python:3.12-slim@{DIGEST}"
C0 = "/containerDefinitions/0"


def project(
    folder: Path,
    dockerfile: str | bytes | None,
    taskdef: dict[str, Any] | list[Any] | str,
    service: str = "",
    config: str = "",
) -> Path:
    """A project: `.taskdeflint.toml` with `[services.web]` (context `services/web`, task definition
    `deploy/web.json`, and the keys in `service`), the Dockerfile (None: none) and the task definition."""
    (folder / "services" / "web").mkdir(parents=True, exist_ok=True)
    (folder / "deploy").mkdir(exist_ok=True)
    if dockerfile is not None:
        data = (
            dockerfile if isinstance(dockerfile, bytes) else textwrap.dedent(dockerfile).lstrip("\n").encode()
        )
        (folder / "services" / "web" / "Dockerfile").write_bytes(data)
    text = taskdef if isinstance(taskdef, str) else json.dumps(taskdef, indent=2)
    (folder / "deploy" / "web.json").write_text(text, encoding="utf-8")
    (folder / ".taskdeflint.toml").write_text(
        config
        + "\n[services.web]\n"
        + 'context = "services/web"\nrepository = "localhost:5000/web"\ntask-definition = "deploy/web.json"\n'
        + textwrap.dedent(service),
        encoding="utf-8",
    )
    return folder


def td(*containers: dict[str, Any], **members: Any) -> dict[str, Any]:
    return {"family": "web", **members, "containerDefinitions": list(containers)}


def web(**members: Any) -> dict[str, Any]:
    return {"name": "web", "image": "example/web:1.0", "memory": 512, **members}


def run(folder: Path, *paths: str, **options: Any) -> Result:
    options.setdefault("select", ("TDL55",))
    result = lint(folder, *(paths or ("deploy/web.json",)), **options)
    assert result.code in (0, 1), result.stderr
    return result


def found(result: Result, rule: str | None = None) -> list[tuple[str, str]]:
    return sorted((f["rule"], f["pointer"]) for f in result.findings if rule is None or f["rule"] == rule)


def messages(result: Result, rule: str) -> list[str]:
    return [f["message"] for f in result.findings if f["rule"] == rule]


# --- the whole pipeline ----------------------------------------------------------------------------------

WEB_DOCKERFILE = f"""
    # The web service.
    ARG BASE=python:3.12-slim
    FROM golang:1.22 AS build
    RUN go build -o /web ./cmd/web

    FROM ${{BASE}} AS runtime
    COPY --from=build /web /web
    EXPOSE 8080 \\
      9000/udp
    HEALTHCHECK --interval=30s CMD curl -f http://localhost:8080/health || exit 1
    USER root
    CMD ["/web"]

    FROM {PINNED} AS unused
    USER 10001
"""

WEB_TASKDEF = """\
{
  "family": "web",
  "requiresCompatibilities": ["FARGATE"],
  "networkMode": "awsvpc",
  "cpu": "256",
  "memory": "512",
  "runtimePlatform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"},
  "containerDefinitions": [
    {
      "name": "web",
      "image": "example/web:1.0",
      "portMappings": [{"containerPort": 80}]
    }
  ]
}
"""


def test_every_check_with_exact_positions_and_messages(tmp_path: Path) -> None:
    project(tmp_path, WEB_DOCKERFILE, WEB_TASKDEF, service='target = "runtime"\nplatform = "linux/arm64"\n')
    result = run(tmp_path)
    assert result.code == 1  # TDL555 is an error
    assert [(f["rule"], f["line"], f["column"], f["severity"], f["message"]) for f in result.findings] == [
        (
            "TDL555",
            7,
            57,
            "error",
            'Container "web" image is built for linux/arm64 (services.web.platform in .taskdeflint.toml), '
            "but the task runs on X86_64",
        ),
        (
            "TDL552",
            9,
            5,
            "warning",
            'Container "web" has no healthCheck, so ECS ignores the HEALTHCHECK at services/web/Dockerfile:10',
        ),
        (
            "TDL553",
            9,
            5,
            "warning",
            'Container "web" runs as root: it sets no user, and services/web/Dockerfile:11 says USER root',
        ),
        (
            "TDL554",
            11,
            7,
            "info",
            'Container "web" is built FROM golang:1.22 at services/web/Dockerfile:3, which is not pinned by '
            "digest (@sha256:...)",
        ),
        (
            "TDL554",
            11,
            7,
            "info",
            'Container "web" is built FROM python:3.12-slim (ARG BASE) at services/web/Dockerfile:6, which is '
            "not pinned by digest (@sha256:...)",
        ),
        (
            "TDL550",
            12,
            7,
            "warning",
            'Container "web" does not map port 8080, which services/web/Dockerfile:8 EXPOSEs',
        ),
        (
            "TDL550",
            12,
            7,
            "warning",
            'Container "web" does not map port 9000/udp, which services/web/Dockerfile:8 EXPOSEs',
        ),
        (
            "TDL551",
            12,
            25,
            "info",
            'Container "web" maps port 80, which services/web/Dockerfile does not EXPOSE (it EXPOSEs 8080, '
            "9000/udp)",
        ),
    ]
    assert [f["pointer"] for f in result.findings] == [
        "/runtimePlatform/cpuArchitecture",
        C0,
        C0,
        C0 + "/image",
        C0 + "/image",
        C0 + "/portMappings",
        C0 + "/portMappings",
        C0 + "/portMappings/0/containerPort",
    ]


def test_a_clean_service_has_no_findings(tmp_path: Path) -> None:
    dockerfile = f"""
        FROM {PINNED}
        EXPOSE 8080
        HEALTHCHECK CMD curl -f http://localhost:8080/ || exit 1
        USER 10001
    """
    check = {"command": ["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"]}
    project(tmp_path, dockerfile, td(web(portMappings=[{"containerPort": 8080}], healthCheck=check)))
    assert run(tmp_path).findings == []


def test_findings_are_suppressed_by_container_and_by_pointer(tmp_path: Path) -> None:
    config = """
[[suppress]]
rule = "TDL550"
container = "web"
reason = "the admin port stays private"

[[suppress]]
rule = "TDL553"
pointer = "/containerDefinitions/0"
reason = "the base image runs as nobody"
"""
    project(tmp_path, f"FROM {PINNED}\nEXPOSE 9090\n", td(web()), config=config)
    assert run(tmp_path).findings == []


def test_the_lint_of_a_folder_finds_the_services_task_definition(tmp_path: Path) -> None:
    project(tmp_path, f"FROM {PINNED}\nEXPOSE 8080\nUSER app\n", td(web()))
    (tmp_path / "deploy" / "other.json").write_text(json.dumps(td(web())), encoding="utf-8")
    result = lint(tmp_path, select=("TDL55",))
    assert [(f["path"], f["rule"]) for f in result.findings] == [("deploy/web.json", "TDL550")]


def test_facts_reach_the_worker_processes(tmp_path: Path) -> None:
    project(tmp_path, f"FROM {PINNED}\nEXPOSE 8080\nUSER app\n", td(web()))
    for n in range(70):
        (tmp_path / "deploy" / f"other{n:02}.json").write_text(json.dumps(td(web())), encoding="utf-8")
    result = lint(tmp_path, "deploy", select=("TDL55",), jobs=2)
    assert [(f["path"], f["rule"]) for f in result.findings] == [("deploy/web.json", "TDL550")]


@pytest.mark.parametrize(
    ("document", "pointer"),
    [
        ({"taskDefinition": td(web()), "tags": []}, "/taskDefinition/containerDefinitions/0/portMappings"),
        ([web(), {"name": "sidecar", "image": "busybox:1.36", "memory": 64}], "/0/portMappings"),
    ],
    ids=["describe-output", "container-list"],
)
def test_other_forms_of_task_definition(tmp_path: Path, document: Any, pointer: str) -> None:
    document = json.loads(json.dumps(document).replace('"memory": 512', '"memory": 512, "portMappings": []'))
    project(tmp_path, f"FROM {PINNED}\nEXPOSE 8080\nUSER app\n", document)
    assert found(run(tmp_path)) == [("TDL550", pointer)]


def test_the_services_container_key_chooses_the_container(tmp_path: Path) -> None:
    document = td(web(), {"name": "api", "image": "example/api:1", "memory": 256})
    project(tmp_path, f"FROM {PINNED}\nEXPOSE 8080\nUSER app\n", document, service='container = "api"\n')
    assert found(run(tmp_path)) == [("TDL550", "/containerDefinitions/1")]


# --- multi-stage builds and ARGs in FROM -----------------------------------------------------------------

STAGES = f"""
    FROM {PINNED} AS base
    EXPOSE 8080
    USER app

    FROM base AS runtime
    HEALTHCHECK CMD /health

    FROM runtime AS debug
    USER root
    EXPOSE 5678
    HEALTHCHECK NONE

    FROM alpine:3.20 AS tools
"""


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        # The last stage, `tools`, builds FROM an unpinned image and sets nothing.
        (None, [("TDL553", C0), ("TDL554", C0 + "/image")]),
        # `runtime` inherits EXPOSE and USER from `base`; later stages are not built.
        ("runtime", [("TDL550", C0 + "/portMappings"), ("TDL552", C0)]),
        # `debug` turns the health check off, runs as root and EXPOSEs the debugger too.
        ("debug", [("TDL550", C0 + "/portMappings"), ("TDL550", C0 + "/portMappings"), ("TDL553", C0)]),
        ("DEBUG", [("TDL550", C0 + "/portMappings"), ("TDL550", C0 + "/portMappings"), ("TDL553", C0)]),
    ],
)
def test_the_target_chooses_the_final_stage(tmp_path: Path, target: str | None, expected: Any) -> None:
    service = f'target = "{target}"\n' if target else ""
    project(tmp_path, STAGES, td(web(portMappings=[])), service=service)
    assert found(run(tmp_path)) == expected


def test_a_target_that_is_not_a_stage_skips_the_service(tmp_path: Path) -> None:
    project(tmp_path, STAGES, td(web()), service='target = "nope"\n')
    result = run(tmp_path, verbose=True)
    assert result.findings == []
    assert (
        "services.web: Dockerfile checks skipped: services/web/Dockerfile: target 'nope' is not one of its "
        in (result.stderr)
    )


def test_stages_the_target_does_not_use_are_not_checked(tmp_path: Path) -> None:
    dockerfile = f"""
        FROM golang:1.22 AS build
        FROM node:20 AS assets
        FROM {PINNED} AS unused
        FROM debian:12 AS runtime
        COPY --from=build /x /x
        RUN --mount=type=bind,from=assets,source=/a,target=/a true
        COPY --from=1 /y /y
        COPY --from=ghcr.io/astral-sh/uv:0.4 /uv /uv
        USER 1000
    """
    project(tmp_path, dockerfile, td(web()), service='target = "runtime"\n')
    assert messages(run(tmp_path), "TDL554") == [
        f'Container "web" is built FROM {image} at services/web/Dockerfile:{line}, which is not pinned by '
        "digest (@sha256:...)"
        for image, line in [("debian:12", 4), ("golang:1.22", 1), ("node:20", 2)]  # sorted by message
    ]


@pytest.mark.parametrize(
    ("dockerfile", "service", "expected"),
    [
        ("ARG BASE=python:3.12\nFROM $BASE\n", "", ["python:3.12 (ARG BASE)"]),
        (
            "ARG BASE=python:3.12\nFROM ${BASE}\n",
            'build-args = { BASE = "python:3.13" }\n',
            ["python:3.13 (ARG BASE)"],
        ),
        ("ARG V=3.12\nARG R=python\nFROM ${R}:${V}-slim\n", "", ["python:3.12-slim (ARG R, V)"]),
        ("ARG BASE\nFROM ${BASE:-python:3.11}\n", "", ["python:3.11"]),
        (f"ARG BASE={PINNED}\nFROM ${{BASE}}\n", "", []),
        ("ARG BASE\nFROM $BASE\n", "", []),  # no value: not judged
        ("FROM $UNDECLARED\n", "", []),
        # A stage's ARG is not a global one (and the first stage is not used by the last).
        ("FROM python:3.12\nARG LATER=x\nFROM python:${LATER}\n", "", []),
        ("FROM scratch\n", "", []),
        ("FROM SCRATCH\n", "", []),
        ("FROM ${IMAGE:-{{ image }}}\n", "", []),
    ],
)
def test_args_in_from(tmp_path: Path, dockerfile: str, service: str, expected: list[str]) -> None:
    project(tmp_path, dockerfile + "USER 1000\n", td(web()), service=service)
    shown = [m.split("built FROM ", 1)[1].split(" at ")[0] for m in messages(run(tmp_path), "TDL554")]
    assert shown == expected


# --- each rule's catches and catches-not -----------------------------------------------------------------

HC = {"command": ["CMD", "/health"]}

CASES: list[tuple[str, str, dict[str, Any], list[str]]] = [
    # TDL550 exposed-port-not-mapped
    ("TDL550", "EXPOSE 8080", td(web()), [C0]),
    ("TDL550", "EXPOSE 8080", td(web(portMappings=[{"containerPort": 8080}])), []),
    ("TDL550", "EXPOSE 8080/tcp", td(web(portMappings=[{"containerPort": 8080, "protocol": "tcp"}])), []),
    ("TDL550", "EXPOSE 53/udp", td(web(portMappings=[{"containerPort": 53}])), [C0 + "/portMappings"]),
    ("TDL550", "EXPOSE 53/UDP", td(web(portMappings=[{"containerPort": 53, "protocol": "udp"}])), []),
    ("TDL550", "EXPOSE 8080", td(web(portMappings=[{"containerPortRange": "8000-8100"}])), []),
    (
        "TDL550",
        "EXPOSE 8000-8002",
        td(web(portMappings=[{"containerPortRange": "8000-8001"}])),
        [C0 + "/portMappings"],
    ),
    (
        "TDL550",
        "EXPOSE 8000-8001",
        td(web(portMappings=[{"containerPort": 8000}, {"containerPort": 8001}])),
        [],
    ),
    ("TDL550", "EXPOSE 132/sctp", td(web()), []),
    ("TDL550", "EXPOSE 8080", td(web(), networkMode="none"), []),
    ("TDL550", "EXPOSE 8080", td(web(), networkMode="bridge"), [C0]),
    ("TDL550", "EXPOSE 8080", td(web(), networkMode="host"), [C0]),
    ("TDL550", "ENV PORT=8080\nEXPOSE $PORT", td(web()), [C0]),
    ("TDL550", "ARG PORT=8080\nEXPOSE ${PORT}", td(web(portMappings=[{"containerPort": 8080}])), []),
    ("TDL550", "EXPOSE $PORT", td(web()), []),
    ("TDL550", "EXPOSE 80:80 http", td(web()), []),
    ("TDL550", "", td(web()), []),
    # TDL551 mapped-port-not-exposed
    (
        "TDL551",
        "EXPOSE 8080",
        td(web(portMappings=[{"containerPort": 80}])),
        [C0 + "/portMappings/0/containerPort"],
    ),
    (
        "TDL551",
        "EXPOSE 8080",
        td(web(portMappings=[{"containerPort": 8080, "protocol": "udp"}])),
        [C0 + "/portMappings/0/containerPort"],
    ),
    ("TDL551", "EXPOSE 8000-8010", td(web(portMappings=[{"containerPort": 8005}])), []),
    ("TDL551", "EXPOSE 8080", td(web(portMappings=[{"containerPortRange": "9000-9001"}])), []),
    ("TDL551", "", td(web(portMappings=[{"containerPort": 80}])), []),  # ports may come from the base image
    ("TDL551", "EXPOSE 8080 $OTHER", td(web(portMappings=[{"containerPort": 80}])), []),
    ("TDL551", "EXPOSE 8080", td(web(portMappings=[{"containerPort": "80"}, "x"])), []),
    # TDL552 image-healthcheck-not-in-task-definition
    ("TDL552", "HEALTHCHECK CMD /health", td(web()), [C0]),
    ("TDL552", 'HEALTHCHECK --interval=5s --retries=3 CMD ["/health"]', td(web()), [C0]),
    ("TDL552", "healthcheck cmd /health", td(web()), [C0]),
    ("TDL552", "HEALTHCHECK CMD /health", td(web(healthCheck=HC)), []),
    ("TDL552", "HEALTHCHECK NONE", td(web()), []),
    ("TDL552", "HEALTHCHECK CMD /health\nHEALTHCHECK NONE", td(web()), []),
    ("TDL552", "", td(web()), []),
    # TDL553 dockerfile-root-user
    ("TDL553", "", td(web()), [C0]),
    ("TDL553", "USER root", td(web()), [C0]),
    ("TDL553", "USER 0:0", td(web()), [C0]),
    ("TDL553", "USER root:app", td(web()), [C0]),
    ("TDL553", "USER root", td(web(user="")), [C0 + "/user"]),
    ("TDL553", "USER app\nUSER root", td(web()), [C0]),
    ("TDL553", "USER root\nUSER app", td(web()), []),
    ("TDL553", "USER 10001:10001", td(web()), []),
    ("TDL553", "ARG UID=10001\nUSER ${UID}", td(web()), []),
    ("TDL553", "ARG UID=0\nUSER $UID", td(web()), [C0]),
    ("TDL553", "USER $UNKNOWN", td(web()), []),
    ("TDL553", "USER root", td(web(user="1000")), []),
    ("TDL553", "USER root", td(web(user="root")), []),  # explicit root is TDL110
    (
        "TDL553",
        "USER root",
        td(web(), runtimePlatform={"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"}),
        [],
    ),
    # TDL554 unpinned-base-image: see test_args_in_from and test_stages_the_target_does_not_use_are_not_checked
    # TDL555 dockerfile-platform-mismatch
    ("TDL555", "", td(web(), runtimePlatform={"cpuArchitecture": "ARM64"}), []),
]


@pytest.mark.parametrize(("rule", "lines", "document", "expected"), CASES)
def test_catches_and_catches_not(
    tmp_path: Path, rule: str, lines: str, document: dict[str, Any], expected: list[str]
) -> None:
    project(tmp_path, f"FROM {PINNED}\n{lines}\n", document)
    assert sorted(f["pointer"] for f in run(tmp_path).findings if f["rule"] == rule) == sorted(expected)


def test_root_user_messages(tmp_path: Path) -> None:
    project(tmp_path / "a", "FROM node:20\nCOPY . /app\n", td(web()))
    project(tmp_path / "b", "FROM scratch\nCOPY app /app\n", td(web()))
    project(tmp_path / "c", "ARG BASE\nFROM $BASE\n", td(web()))
    assert [messages(run(tmp_path / p), "TDL553") for p in "abc"] == [
        [
            'Container "web" sets no user, and services/web/Dockerfile sets no USER, so it runs as the user of '
            "node:20 (root, unless that image chose another)"
        ],
        [
            'Container "web" runs as root: it sets no user, and services/web/Dockerfile builds FROM scratch with no USER'
        ],
        [
            'Container "web" sets no user, and services/web/Dockerfile sets no USER, so it runs as the base '
            "image's user (root, unless that image chose another)"
        ],
    ]


FARGATE = {"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "512"}


@pytest.mark.parametrize(
    ("from_line", "service", "members", "expected"),
    [
        # The task's platform from runtimePlatform, or Fargate's default.
        (
            "FROM --platform=linux/arm64 alpine",
            "",
            {"runtimePlatform": {"cpuArchitecture": "X86_64"}},
            [
                (
                    "/runtimePlatform/cpuArchitecture",
                    "linux/arm64 (FROM --platform at services/web/Dockerfile:1), but the task runs on X86_64",
                )
            ],
        ),
        ("FROM --platform=linux/amd64 alpine", "", {"runtimePlatform": {"cpuArchitecture": "X86_64"}}, []),
        ("FROM --platform=linux/x86_64 alpine", "", {"runtimePlatform": {"cpuArchitecture": "x86_64"}}, []),
        ("FROM --platform=linux/arm64/v8 alpine", "", {"runtimePlatform": {"cpuArchitecture": "ARM64"}}, []),
        (
            "FROM --platform=linux/arm64 alpine",
            "",
            FARGATE,
            [
                (
                    C0 + "/image",
                    "linux/arm64 (FROM --platform at services/web/Dockerfile:1), but the task runs on X86_64 (the Fargate default)",
                )
            ],
        ),
        (
            "FROM --platform=linux/arm64 alpine",
            "",
            {**FARGATE, "runtimePlatform": {"operatingSystemFamily": "LINUX"}},
            [
                (
                    "/runtimePlatform",
                    "linux/arm64 (FROM --platform at services/web/Dockerfile:1), but the task runs on X86_64 (the Fargate default)",
                )
            ],
        ),
        # EC2 without runtimePlatform: the instance decides.
        ("FROM --platform=linux/arm64 alpine", "", {"requiresCompatibilities": ["EC2"]}, []),
        ("FROM --platform=linux/arm64 alpine", "", {}, []),
        # Operating systems.
        (
            "FROM --platform=linux/amd64 alpine",
            "",
            {"runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"}},
            [
                (
                    "/runtimePlatform/operatingSystemFamily",
                    "linux/amd64 (FROM --platform at services/web/Dockerfile:1), but the task runs on WINDOWS_SERVER_2022_CORE",
                )
            ],
        ),
        (
            "FROM --platform=windows/amd64 mcr.microsoft.com/windows/servercore",
            "",
            {
                "runtimePlatform": {
                    "operatingSystemFamily": "WINDOWS_SERVER_2022_CORE",
                    "cpuArchitecture": "X86_64",
                }
            },
            [],
        ),
        # Platforms ECS cannot run at all.
        (
            "FROM --platform=linux/arm/v7 alpine",
            "",
            {"runtimePlatform": {"cpuArchitecture": "ARM64"}},
            [
                (
                    "/runtimePlatform/cpuArchitecture",
                    "linux/arm/v7 (FROM --platform at services/web/Dockerfile:1), but the task runs on ARM64",
                )
            ],
        ),
        # Not fixed platforms.
        ("FROM --platform=$BUILDPLATFORM alpine", "", {"runtimePlatform": {"cpuArchitecture": "X86_64"}}, []),
        (
            "FROM --platform=$TARGETPLATFORM alpine",
            "",
            {"runtimePlatform": {"cpuArchitecture": "X86_64"}},
            [],
        ),
        (
            "ARG P=linux/arm64\nFROM --platform=$P alpine",
            "",
            {"runtimePlatform": {"cpuArchitecture": "X86_64"}},
            [
                (
                    "/runtimePlatform/cpuArchitecture",
                    "linux/arm64 (FROM --platform at services/web/Dockerfile:2), but the task runs on X86_64",
                )
            ],
        ),
        # The service's platform key.
        (
            "FROM alpine",
            'platform = "linux/arm64"\n',
            {"runtimePlatform": {"cpuArchitecture": "X86_64"}},
            [
                (
                    "/runtimePlatform/cpuArchitecture",
                    "linux/arm64 (services.web.platform in .taskdeflint.toml), but the task runs on X86_64",
                )
            ],
        ),
        ("FROM alpine", 'platform = "linux/amd64"\n', {"runtimePlatform": {"cpuArchitecture": "X86_64"}}, []),
        # A build stage for another platform, copied from, does not count.
        (
            "FROM --platform=linux/arm64 golang AS build\nFROM alpine\nCOPY --from=build /a /a",
            "",
            {"runtimePlatform": {"cpuArchitecture": "X86_64"}},
            [],
        ),
        # A stage built FROM a stage with a fixed platform does.
        (
            "FROM --platform=linux/arm64 alpine AS base\nFROM base",
            "",
            {"runtimePlatform": {"cpuArchitecture": "X86_64"}},
            [
                (
                    "/runtimePlatform/cpuArchitecture",
                    "linux/arm64 (FROM --platform at services/web/Dockerfile:1), but the task runs on X86_64",
                )
            ],
        ),
    ],
)
def test_platform_mismatch(
    tmp_path: Path, from_line: str, service: str, members: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    project(tmp_path, from_line + "\nUSER 1000\n", td(web(), **members), service=service)
    result = run(tmp_path)
    prefix = 'Container "web" image is built for '
    assert [
        (f["pointer"], f["message"].removeprefix(prefix)) for f in result.findings if f["rule"] == "TDL555"
    ] == expected


# --- what must not happen --------------------------------------------------------------------------------

_IMPORTS = """
import io, sys
from pathlib import Path
from taskdeflint.lint import LintSettings, run
out, err = io.StringIO(), io.StringIO()
code = run(LintSettings(paths=("deploy",), cwd=Path(sys.argv[1]), format="json"), stdout=out, stderr=err)
assert code in (0, 1), err.getvalue()
print("dockerfile_parse" in sys.modules)
"""


def _imports_dockerfile_parse(folder: Path) -> bool:
    completed = subprocess.run(
        [sys.executable, "-c", _IMPORTS, str(folder)], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return completed.stdout.strip() == "True"


def test_no_manifest_no_dockerfile_findings_and_no_import(tmp_path: Path) -> None:
    project(tmp_path, f"FROM {PINNED}\nEXPOSE 8080\n", td(web()))
    (tmp_path / ".taskdeflint.toml").unlink()
    assert found(run(tmp_path)) == []
    assert not _imports_dockerfile_parse(tmp_path)


def test_a_manifest_that_names_no_linted_file_imports_nothing(tmp_path: Path) -> None:
    project(tmp_path, f"FROM {PINNED}\nEXPOSE 8080\n", td(web()))
    text = (tmp_path / ".taskdeflint.toml").read_text().replace("deploy/web.json", "elsewhere/web.json")
    (tmp_path / ".taskdeflint.toml").write_text(text)
    assert found(run(tmp_path)) == []
    assert not _imports_dockerfile_parse(tmp_path)
    # ... and a manifest that names one does.
    (tmp_path / ".taskdeflint.toml").write_text(text.replace("elsewhere/web.json", "deploy/web.json"))
    assert _imports_dockerfile_parse(tmp_path)


@pytest.mark.parametrize(
    ("dockerfile", "service", "why"),
    [
        (None, "", "services/web/Dockerfile does not exist"),
        (b"", "", "services/web/Dockerfile: it has no FROM instruction"),
        (b"# only a comment\nRUN echo\n", "", "services/web/Dockerfile: it has no FROM instruction"),
        (b"\x00\x01\x02\xff\xfe binary", "", "services/web/Dockerfile: it has no FROM instruction"),
        (None, 'dockerfile = "../../nowhere/Dockerfile"\n', "nowhere/Dockerfile does not exist"),
    ],
)
def test_a_service_that_cannot_be_read_is_skipped_quietly(
    tmp_path: Path, dockerfile: bytes | None, service: str, why: str
) -> None:
    project(tmp_path, dockerfile, td(web()), service=service)
    quiet = run(tmp_path)
    assert found(quiet) == []
    assert quiet.stderr == ""
    loud = run(tmp_path, verbose=True)
    assert found(loud) == []
    assert f"taskdeflint: services.web: Dockerfile checks skipped: {why}\n" in loud.stderr


@pytest.mark.parametrize(
    "dockerfile",
    [
        b"FROM\n",
        b"FROM --platform=\n",
        b"FROM alpine AS\nEXPOSE\nUSER\nHEALTHCHECK\nARG\nENV\n",
        b"FROM alpine \\\n",  # a continuation that never ends
        b"FROM alpine\nRUN <<EOF\nUSER root\nEXPOSE 1\n",  # a heredoc that never ends
        b"FROM alpine\nEXPOSE 99999 0 -1 8080-80 abc/tcp 80/\nUSER :\n",
        b"FROM alpine\nCOPY --from= /a /b\nRUN --mount=from /x\nCOPY --from=9 /a /b\n",
        "FROM alpine\nUSER caf\u00e9\nEXPOSE \u0668\u0660\n".encode(),
        b"\xef\xbb\xbfFROM alpine\nUSER 1000\n",
        b"FROM alpine\n" + b"ENV A=${A}${A}\n" * 200,
        b"FROM alpine\nENV A=xy\n" + b"ENV A=${A}${A}\n" * 200 + b"EXPOSE $A\n",
    ],
)
def test_a_broken_dockerfile_does_not_crash_lint(tmp_path: Path, dockerfile: bytes) -> None:
    project(tmp_path, dockerfile, td(web()))
    result = run(tmp_path, verbose=True)
    assert "internal error" not in result.stderr
    assert "cannot parse" not in result.stderr  # what the reader says when it raised


@pytest.mark.parametrize(
    "table",
    [
        '[services.bad]\ncontext = 7\ntask-definition = "deploy/web.json"\n',
        '[services.bad]\ncontext = "nowhere"\ntask-definition = 3\n',
        '[services.bad]\ntask-definition = "deploy/web.json"\n',
        '[services.bad]\ncontext = "."\n',
        '[services.bad]\ncontext = "."\ntask-definition = "deploy/web.json"\nbuild-args = "x"\ntarget = 1\n',
    ],
)
def test_a_broken_manifest_does_not_break_lint(tmp_path: Path, table: str) -> None:
    project(tmp_path, f"FROM {PINNED}\nEXPOSE 8080\nUSER app\n", td(web()), config=table)
    result = run(tmp_path)
    assert found(result) == [("TDL550", C0)]  # the good service is still checked


def test_without_dockerfile_parse_the_checks_are_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "dockerfile_parse", None)
    project(tmp_path, f"FROM {PINNED}\nEXPOSE 8080\n", td(web()))
    result = run(tmp_path, verbose=True)
    assert found(result) == []
    assert "Dockerfile checks skipped: they need dockerfile-parse" in result.stderr


def test_stdin_is_linted_without_dockerfile_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project(tmp_path, f"FROM {PINNED}\nEXPOSE 8080\n", td(web()))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(td(web())).encode())))
    assert found(run(tmp_path, "-")) == []


# --- the Dockerfile reader -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("$A", {"A": "1"}, "1"),
        ("${A}b", {"A": "1"}, "1b"),
        ("$A", {}, None),
        ("${A:-x}", {}, "x"),
        ("${A:-x}", {"A": ""}, "x"),
        ("${A-x}", {"A": ""}, ""),
        ("${A:+x}", {"A": "1"}, "x"),
        ("${A:+x}", {}, ""),
        ("${A+x}", {"A": ""}, "x"),
        ("${A:-$B}", {"B": "2"}, "2"),
        ("${A:-$B}", {}, None),
        ("\\$A", {}, "$A"),
        ("a$", {}, "a$"),
        ("$1", {}, "$1"),
        ("${A:?required}", {"A": "1"}, None),
        ("${A", {"A": "1"}, None),
        ("\\${A}", {}, "${A}"),
    ],
)
def test_expand(text: str, env: dict[str, str], expected: str | None) -> None:
    assert expand(text, env) == expected


def test_parse_skips_heredoc_bodies_and_knows_the_escape_directive() -> None:
    text = textwrap.dedent(
        """\
        # escape=`
        FROM alpine
        RUN <<EOF
        USER root
        EXPOSE 1
        EOF
        COPY <<-one <<two /x/
        \tEXPOSE 2
        \tone
        EXPOSE 3
        two
        EXPOSE 4 `
          5/udp
        USER app
        """
    )
    parsed = parse(text)
    assert not isinstance(parsed, str)
    assert parsed.exposed == (ExposedPort(4, 4, "tcp", 12), ExposedPort(5, 5, "udp", 12))
    assert parsed.user is not None and (parsed.user.user, parsed.user.line) == ("app", 14)


def test_parse_env_forms_and_stage_args() -> None:
    text = "ARG P=1\nFROM alpine AS a\nARG P\nENV Q=$P R 2\nEXPOSE $P ${Q}0\nFROM a\nENV S 3 4\nEXPOSE $S\n"
    parsed = parse(text, build_args={"P": "7"})
    assert not isinstance(parsed, str)
    assert [p.text for p in parsed.exposed] == ["7", "70"]
    assert not parsed.exposed_known  # `EXPOSE 3 4` after the legacy `ENV S 3 4` is not one port


# --- the example format ----------------------------------------------------------------------------------


def test_a_rule_example_carries_a_dockerfile_through_the_index_and_the_docs() -> None:
    rule = parse_rule(ROOT / "rules" / "TDL550-exposed-port-not-mapped.toml")
    assert all(isinstance(e, Example) and e.dockerfile for e in rule.examples)
    index = json.loads(to_index([rule]))
    assert index["rules"][0]["examples"][0]["dockerfile"].startswith("FROM python:3.12-slim@sha256:")
    assert "```dockerfile\nFROM python:3.12-slim@sha256:" in explain(rule)


def test_an_example_dockerfile_must_be_a_string(tmp_path: Path) -> None:
    from taskdeflint.engine.catalogue import CatalogueError

    text = (ROOT / "rules" / "TDL550-exposed-port-not-mapped.toml").read_text()
    text = re.sub(r"dockerfile = '''.*?'''", "dockerfile = 3", text, count=1, flags=re.DOTALL)
    (tmp_path / "TDL550-exposed-port-not-mapped.toml").write_text(text)
    with pytest.raises(CatalogueError, match="'dockerfile' must be a string"):
        parse_rule(tmp_path / "TDL550-exposed-port-not-mapped.toml")


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("FROMEXPSUAGNVHLTCKD $\\{}:-+=/\"'#<\n\t 0123456789azAS")), max_size=200
    )
)
def test_any_text_is_read_or_refused_never_raises(text: str) -> None:
    for prefix in ("", "FROM a\n"):
        assert isinstance(parse(prefix + text, target=None), Parsed | str)
