"""Ports and networking rules (TDL600-TDL620): catches and catches-not, positions, messages, wrong types."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskdeflint.checks import networking
from taskdeflint.model import TaskDef
from tests.conftest import pointers

FARGATE: dict[str, Any] = {"requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512"}
AWSVPC: dict[str, Any] = {"networkMode": "awsvpc"}
HOST: dict[str, Any] = {"networkMode": "host"}
NONE: dict[str, Any] = {"networkMode": "none"}
WINDOWS: dict[str, Any] = {
    "runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE", "cpuArchitecture": "X86_64"}
}


def doc(containers: list[Any], **top: Any) -> str:
    return json.dumps({"family": "web", **top, "containerDefinitions": containers}, indent=2)


def c(name: Any = "web", **members: Any) -> dict[str, Any]:
    return {"name": name, "image": "nginx:1.27", "memory": 256, **members}


def pm(*mappings: dict[str, Any], name: str = "web", **members: Any) -> dict[str, Any]:
    """A container with these port mappings."""
    return c(name, portMappings=list(mappings), **members)


def messages(result: Any, rule: str) -> list[str]:
    return [f["message"] for f in result.findings if f["rule"] == rule]


P0 = "/containerDefinitions/0/portMappings/0"
P1 = "/containerDefinitions/0/portMappings/1"
Q0 = "/containerDefinitions/1/portMappings/0"

CASES: list[tuple[str, str, list[str]]] = [
    # TDL600 fargate-requires-awsvpc
    ("TDL600", doc([c()], **FARGATE), [""]),
    ("TDL600", doc([c()], **FARGATE, networkMode="host"), ["/networkMode"]),
    ("TDL600", doc([c()], **FARGATE, networkMode="bridge"), ["/networkMode"]),
    ("TDL600", doc([c()], **FARGATE, **WINDOWS), [""]),
    ("TDL600", doc([c()], requiresCompatibilities=["EC2", "FARGATE"], networkMode="none"), ["/networkMode"]),
    ("TDL600", doc([c()], **FARGATE, networkMode="awsvpc"), []),
    ("TDL600", doc([c()], requiresCompatibilities=["EC2"]), []),
    ("TDL600", doc([c()], requiresCompatibilities=["EXTERNAL"], networkMode="bridge"), []),
    ("TDL600", doc([c()]), []),
    ("TDL600", json.dumps([c()]), []),  # a bare container list has no task-level members
    # TDL601 mismatched-host-port
    ("TDL601", doc([pm({"containerPort": 80, "hostPort": 8080})], **AWSVPC), [P0 + "/hostPort"]),
    ("TDL601", doc([pm({"containerPort": 80, "hostPort": 8080})], **HOST), [P0 + "/hostPort"]),
    ("TDL601", doc([pm({"containerPort": 80, "hostPort": 0})], **AWSVPC), [P0 + "/hostPort"]),
    ("TDL601", doc([pm({"containerPort": 80, "hostPort": 80})], **AWSVPC), []),
    ("TDL601", doc([pm({"containerPort": 80})], **HOST), []),
    ("TDL601", doc([pm({"containerPort": 80, "hostPort": None})], **AWSVPC), []),
    ("TDL601", doc([pm({"containerPort": 80, "hostPort": 8080})]), []),  # bridge
    ("TDL601", doc([pm({"containerPort": 80, "hostPort": 8080})], networkMode="bridge"), []),
    ("TDL601", json.dumps([pm({"containerPort": 80, "hostPort": 8080})]), []),  # mode unknown
    ("TDL601", doc([pm({"containerPortRange": "8000-8010"})], **AWSVPC), []),
    # TDL602 port-mappings-in-none-mode
    ("TDL602", doc([pm({"containerPort": 80}), c("b")], **NONE), ["/containerDefinitions/0/portMappings"]),
    ("TDL602", doc([pm({"containerPortRange": "80-90"})], **NONE), ["/containerDefinitions/0/portMappings"]),
    ("TDL602", doc([pm()], **NONE), []),  # an empty list
    ("TDL602", doc([pm({"containerPort": 80})]), []),
    ("TDL602", doc([pm({"containerPort": 80})], **AWSVPC), []),
    # TDL603 duplicate-host-port
    (
        "TDL603",
        doc([pm({"containerPort": 80, "hostPort": 80}), pm({"containerPort": 81, "hostPort": 80}, name="b")]),
        [Q0 + "/hostPort"],
    ),
    (
        "TDL603",
        doc([pm({"containerPort": 80, "hostPort": 80}, {"containerPort": 81, "hostPort": 80})]),
        [P1 + "/hostPort"],
    ),
    (
        "TDL603",  # three containers on one port: the second and the third are reported
        doc(
            [
                pm({"containerPort": 80, "hostPort": 80}),
                pm({"containerPort": 80, "hostPort": 80}, name="b"),
                pm({"containerPort": 80, "hostPort": 80}, name="c"),
            ]
        ),
        [Q0 + "/hostPort", "/containerDefinitions/2/portMappings/0/hostPort"],
    ),
    (
        "TDL603",  # protocol spelled out on one side and omitted on the other: both tcp
        doc(
            [
                pm({"containerPort": 80, "hostPort": 80, "protocol": "tcp"}),
                pm({"containerPort": 80, "hostPort": 80}, name="b"),
            ]
        ),
        [Q0 + "/hostPort"],
    ),
    (
        "TDL603",  # different protocols do not conflict
        doc(
            [
                pm({"containerPort": 53, "hostPort": 53}),
                pm({"containerPort": 53, "hostPort": 53, "protocol": "udp"}, name="b"),
            ]
        ),
        [],
    ),
    (
        "TDL603",  # dynamic host ports never conflict
        doc(
            [
                pm({"containerPort": 80}, {"containerPort": 80, "hostPort": 0}),
                pm({"containerPort": 80}, name="b"),
            ]
        ),
        [],
    ),
    (
        "TDL603",  # bridge: the same container port on different host ports is fine
        doc(
            [
                pm({"containerPort": 80, "hostPort": 8080}),
                pm({"containerPort": 80, "hostPort": 8081}, name="b"),
            ]
        ),
        [],
    ),
    (
        "TDL603",
        doc([pm({"containerPort": 3000}), pm({"containerPort": 3000}, name="b")], **AWSVPC),
        [Q0 + "/containerPort"],
    ),
    (
        "TDL603",
        doc([pm({"containerPort": 3000}), pm({"containerPort": 3000, "hostPort": 3000}, name="b")], **HOST),
        [Q0 + "/containerPort"],
    ),
    (
        "TDL603",
        doc([pm({"containerPort": 3000}, {"containerPort": 3000})], **AWSVPC),
        [P1 + "/containerPort"],
    ),
    ("TDL603", doc([pm({"containerPort": 3000}), pm({"containerPort": 3001}, name="b")], **AWSVPC), []),
    (
        "TDL603",
        doc([pm({"containerPort": 53}), pm({"containerPort": 53, "protocol": "udp"}, name="b")], **AWSVPC),
        [],
    ),
    (
        "TDL603",
        doc(
            [pm({"containerPort": 80, "hostPort": 80}), pm({"containerPort": 80, "hostPort": 80}, name="b")],
            **NONE,
        ),
        [],
    ),
    (
        "TDL603",  # a bare list: static host ports are compared whatever the mode
        json.dumps(
            [pm({"containerPort": 80, "hostPort": 80}), pm({"containerPort": 81, "hostPort": 80}, name="b")]
        ),
        ["/1/portMappings/0/hostPort"],
    ),
    ("TDL603", json.dumps([pm({"containerPort": 80}), pm({"containerPort": 80}, name="b")]), []),
    (
        "TDL603",  # port ranges are TDL612's
        doc([pm({"containerPortRange": "80-90"}), pm({"containerPortRange": "80-90"}, name="b")], **AWSVPC),
        [],
    ),
    # TDL604 container-port-multiple-protocols
    (
        "TDL604",
        doc([pm({"containerPort": 53}, {"containerPort": 53, "protocol": "udp"})]),
        [P1 + "/containerPort"],
    ),
    (
        "TDL604",
        doc([pm({"containerPort": 53, "protocol": "udp"}, {"containerPort": 53, "protocol": "tcp"})]),
        [P1 + "/containerPort"],
    ),
    (
        "TDL604",  # each later mapping that meets another protocol is reported once
        doc(
            [
                pm(
                    {"containerPort": 53},
                    {"containerPort": 53, "protocol": "udp"},
                    {"containerPort": 53, "protocol": "udp"},
                    {"containerPort": 53, "protocol": "tcp"},
                )
            ]
        ),
        [P1 + "/containerPort", f"{P0[:-1]}2/containerPort", f"{P0[:-1]}3/containerPort"],
    ),
    (
        "TDL604",  # a tcp port inside a udp range
        doc([pm({"containerPortRange": "5000-5010", "protocol": "udp"}, {"containerPort": 5005})]),
        [P1 + "/containerPort"],
    ),
    (
        "TDL604",
        doc(
            [pm({"containerPortRange": "5000-5010", "protocol": "udp"}, {"containerPortRange": "5010-5020"})]
        ),
        [P1 + "/containerPortRange"],
    ),
    (
        "TDL604",
        doc(
            [pm({"containerPortRange": "5000-5010", "protocol": "udp"}, {"containerPortRange": "5011-5020"})]
        ),
        [],
    ),
    ("TDL604", doc([pm({"containerPort": 53}), pm({"containerPort": 53, "protocol": "udp"}, name="b")]), []),
    ("TDL604", doc([pm({"containerPort": 53}, {"containerPort": 53, "protocol": "tcp"})]), []),
    ("TDL604", doc([pm({"containerPort": 53}, {"containerPort": 54, "protocol": "udp"})]), []),
    # TDL605 duplicate-port-mapping-name
    (
        "TDL605",
        doc([pm({"containerPort": 80, "name": "a"}, {"containerPort": 81, "name": "a"})]),
        [P1 + "/name"],
    ),
    (
        "TDL605",
        doc([pm({"containerPort": 80, "name": "a"}), pm({"containerPort": 81, "name": "a"}, name="b")]),
        [Q0 + "/name"],
    ),
    ("TDL605", doc([pm({"containerPort": 80, "name": "a"}, {"containerPort": 81, "name": "A"})]), []),
    ("TDL605", doc([pm({"containerPort": 80}, {"containerPort": 81})]), []),
    # TDL606 invalid-port-mapping-name
    ("TDL606", doc([pm({"containerPort": 80, "name": "Web"})]), [P0 + "/name"]),
    ("TDL606", doc([pm({"containerPort": 80, "name": "-web"})]), [P0 + "/name"]),
    ("TDL606", doc([pm({"containerPort": 80, "name": ""})]), [P0 + "/name"]),
    ("TDL606", doc([pm({"containerPort": 80, "name": "a" * 65})]), [P0 + "/name"]),
    ("TDL606", doc([pm({"containerPort": 80, "name": "web.http"})]), [P0 + "/name"]),
    ("TDL606", doc([pm({"containerPort": 80, "name": "web\n"})]), [P0 + "/name"]),
    ("TDL606", doc([pm({"containerPort": 80, "name": "a" * 64})]), []),
    ("TDL606", doc([pm({"containerPort": 80, "name": "_web-1"})]), []),
    ("TDL606", doc([pm({"containerPort": 80, "name": "0"})]), []),
    # TDL607 port-out-of-range
    ("TDL607", doc([pm({"containerPort": 65536})]), [P0 + "/containerPort"]),
    ("TDL607", doc([pm({"containerPort": 0})]), [P0 + "/containerPort"]),
    ("TDL607", doc([pm({"containerPort": -80})]), [P0 + "/containerPort"]),
    ("TDL607", doc([pm({"containerPort": 80, "hostPort": 65536})]), [P0 + "/hostPort"]),
    ("TDL607", doc([pm({"containerPort": 80, "hostPort": -1})]), [P0 + "/hostPort"]),
    (
        "TDL607",
        doc([pm({"containerPort": 1, "hostPort": 0}, {"containerPort": 65535, "hostPort": 65535})]),
        [],
    ),
    ("TDL607", json.dumps([pm({"containerPort": 70000})]), ["/0/portMappings/0/containerPort"]),
    # TDL608 container-port-range-in-host-mode
    ("TDL608", doc([pm({"containerPortRange": "8000-8010"})], **HOST), [P0 + "/containerPortRange"]),
    ("TDL608", doc([pm({"containerPortRange": "8000-8010"})], **AWSVPC), []),
    ("TDL608", doc([pm({"containerPortRange": "8000-8010"})], networkMode="bridge"), []),
    ("TDL608", doc([pm({"containerPortRange": "8000-8010"})]), []),
    ("TDL608", doc([pm({"containerPortRange": "8000-8010"})], **NONE), []),  # TDL602's
    ("TDL608", json.dumps([pm({"containerPortRange": "8000-8010"})]), []),
    # TDL609 container-port-range-with-host-port
    ("TDL609", doc([pm({"containerPortRange": "8000-8010", "hostPort": 8000})]), [P0 + "/hostPort"]),
    ("TDL609", doc([pm({"containerPortRange": "8000-8010", "hostPort": 0})]), [P0 + "/hostPort"]),
    ("TDL609", doc([pm({"containerPortRange": "8000-8010", "hostPort": None})]), []),
    ("TDL609", doc([pm({"containerPort": 8000, "hostPort": 8000})]), []),
    # TDL610 malformed-container-port-range
    ("TDL610", doc([pm({"containerPortRange": "8000:8010"})]), [P0 + "/containerPortRange"]),
    ("TDL610", doc([pm({"containerPortRange": "8000 - 8010"})]), [P0 + "/containerPortRange"]),
    ("TDL610", doc([pm({"containerPortRange": "8000"})]), [P0 + "/containerPortRange"]),
    ("TDL610", doc([pm({"containerPortRange": ""})]), [P0 + "/containerPortRange"]),
    ("TDL610", doc([pm({"containerPortRange": "-1-10"})]), [P0 + "/containerPortRange"]),
    ("TDL610", doc([pm({"containerPortRange": "\uff18000-8010"})]), [P0 + "/containerPortRange"]),
    ("TDL610", doc([pm({"containerPortRange": "8000-8010\n"})]), [P0 + "/containerPortRange"]),
    ("TDL610", doc([pm({"containerPortRange": "8000-8010"})]), []),
    ("TDL610", doc([pm({"containerPortRange": "9000-8000"})]), []),  # well formed, TDL611's
    # TDL611 invalid-container-port-range
    ("TDL611", doc([pm({"containerPortRange": "9000-8000"})]), [P0 + "/containerPortRange"]),
    ("TDL611", doc([pm({"containerPortRange": "8000-8000"})]), [P0 + "/containerPortRange"]),
    ("TDL611", doc([pm({"containerPortRange": "0-100"})]), [P0 + "/containerPortRange"]),
    ("TDL611", doc([pm({"containerPortRange": "65000-65536"})]), [P0 + "/containerPortRange"]),
    ("TDL611", doc([pm({"containerPortRange": "1-65535"})]), []),
    ("TDL611", doc([pm({"containerPortRange": "8000-8001"})]), []),
    ("TDL611", doc([pm({"containerPortRange": "8000:8001"})]), []),  # malformed, TDL610's
    # TDL612 overlapping-container-ports
    (
        "TDL612",
        doc([pm({"containerPortRange": "8000-8010"}, {"containerPortRange": "8010-8020"})]),
        [P1 + "/containerPortRange"],
    ),
    (
        "TDL612",
        doc([pm({"containerPortRange": "8000-8010"}, {"containerPort": 8005})]),
        [P1 + "/containerPort"],
    ),
    (
        "TDL612",
        doc([pm({"containerPort": 8005}, {"containerPortRange": "8000-8010"})]),
        [P1 + "/containerPortRange"],
    ),
    (
        "TDL612",  # the same ports with another protocol are TDL604's
        doc(
            [pm({"containerPortRange": "8000-8010"}, {"containerPortRange": "8000-8010", "protocol": "udp"})]
        ),
        [],
    ),
    (
        "TDL612",  # an explicit tcp is the default protocol
        doc(
            [pm({"containerPortRange": "8000-8010", "protocol": "tcp"}, {"containerPortRange": "8005-8006"})]
        ),
        [P1 + "/containerPortRange"],
    ),
    (
        "TDL612",  # a later mapping that overlaps two earlier ones is reported once
        doc(
            [
                pm(
                    {"containerPortRange": "8000-8010"},
                    {"containerPortRange": "8011-8020"},
                    {"containerPortRange": "8005-8015"},
                )
            ]
        ),
        ["/containerDefinitions/0/portMappings/2/containerPortRange"],
    ),
    (
        "TDL612",
        doc(
            [
                pm(
                    {"containerPortRange": "8000-8010"},
                    {"containerPortRange": "8011-8020"},
                    {"containerPort": 8021},
                )
            ]
        ),
        [],
    ),
    (
        "TDL612",
        doc([pm({"containerPortRange": "8000-8010"}), pm({"containerPortRange": "8000-8010"}, name="b")]),
        [],
    ),
    (
        "TDL612",
        doc([pm({"containerPort": 80}, {"containerPort": 80, "hostPort": 8080})]),
        [],
    ),  # two single ports
    (
        "TDL612",
        doc([pm({"containerPortRange": "8010-8000"}, {"containerPort": 8005})]),
        [],
    ),  # invalid range skipped
    # TDL613 too-many-container-port-ranges
    (
        "TDL613",
        doc([pm(*({"containerPortRange": f"{10000 + 2 * i}-{10001 + 2 * i}"} for i in range(101)))]),
        ["/containerDefinitions/0/portMappings"],
    ),
    (
        "TDL613",  # single ports do not count
        doc(
            [
                pm(
                    *({"containerPortRange": f"{10000 + 2 * i}-{10001 + 2 * i}"} for i in range(100)),
                    *({"containerPort": 20000 + i} for i in range(5)),
                )
            ]
        ),
        [],
    ),
    # TDL614 reserved-host-port
    ("TDL614", doc([pm({"containerPort": 22, "hostPort": 22})]), [P0 + "/hostPort"]),
    ("TDL614", doc([pm({"containerPort": 80, "hostPort": 2375})]), [P0 + "/hostPort"]),
    ("TDL614", doc([pm({"containerPort": 80, "hostPort": 51680})]), [P0 + "/hostPort"]),
    ("TDL614", doc([pm({"containerPort": 2376})], **HOST), [P0 + "/containerPort"]),
    ("TDL614", doc([pm({"containerPort": 51679, "hostPort": 51679})], **HOST), [P0 + "/hostPort"]),
    ("TDL614", doc([pm({"containerPort": 22})]), []),  # bridge, dynamic host port
    ("TDL614", doc([pm({"containerPort": 22, "hostPort": 2222})]), []),
    ("TDL614", doc([pm({"containerPort": 22, "hostPort": 22})], **AWSVPC), []),
    ("TDL614", doc([pm({"containerPort": 51681, "hostPort": 51681})]), []),
    ("TDL614", json.dumps([pm({"containerPort": 8022, "hostPort": 22})]), ["/0/portMappings/0/hostPort"]),
    ("TDL614", json.dumps([pm({"containerPort": 22, "hostPort": 22})]), []),  # could be awsvpc
    # TDL615 ephemeral-host-port
    ("TDL615", doc([pm({"containerPort": 80, "hostPort": 32768})]), [P0 + "/hostPort"]),
    ("TDL615", doc([pm({"containerPort": 80, "hostPort": 65535})]), [P0 + "/hostPort"]),
    ("TDL615", doc([pm({"containerPort": 50000})], **HOST), [P0 + "/containerPort"]),
    ("TDL615", doc([pm({"containerPort": 80, "hostPort": 32767})]), []),
    ("TDL615", doc([pm({"containerPort": 80, "hostPort": 40000})], **WINDOWS), []),
    ("TDL615", doc([pm({"containerPort": 80, "hostPort": 49152})], **WINDOWS), [P0 + "/hostPort"]),
    ("TDL615", doc([pm({"containerPort": 50000, "hostPort": 50000})], **AWSVPC), []),
    ("TDL615", doc([pm({"containerPort": 50000})]), []),
    # TDL616 links-outside-bridge-mode
    ("TDL616", doc([c(links=["b"]), c("b")], **AWSVPC), ["/containerDefinitions/0/links"]),
    ("TDL616", doc([c(links=["b"]), c("b")], **HOST), ["/containerDefinitions/0/links"]),
    ("TDL616", doc([c(links=["b"]), c("b")], **NONE), ["/containerDefinitions/0/links"]),
    ("TDL616", doc([c(links=[]), c("b")], **AWSVPC), []),
    ("TDL616", doc([c(links=["b"]), c("b")], networkMode="bridge"), []),
    ("TDL616", doc([c(links=["b"]), c("b")]), []),
    ("TDL616", json.dumps([c(links=["b"]), c("b")]), []),
    # TDL617 unknown-link-target
    ("TDL617", doc([c(links=["db"]), c("b")]), ["/containerDefinitions/0/links/0"]),
    ("TDL617", doc([c(links=["b", "DB:db"]), c("b")]), ["/containerDefinitions/0/links/1"]),
    ("TDL617", doc([c(links=["web:self"])]), ["/containerDefinitions/0/links/0"]),
    ("TDL617", doc([c(links=["b", "b:alias", "c:x"]), c("b"), c("c")]), []),
    ("TDL617", json.dumps([c(links=["x"]), c("b")]), ["/0/links/0"]),
    # TDL621 link-cycle
    ("TDL621", doc([c(links=["b:x"]), c("b", links=["web"])]), ["/containerDefinitions/0/links/0"]),
    (
        "TDL621",
        doc([c(links=["c"]), c("b", links=["web"]), c("c", links=["x", "b"])]),
        ["/containerDefinitions/0/links/0"],
    ),
    (
        "TDL621",
        doc([c(links=["b", "c"]), c("b", links=["web"]), c("c", links=["web"])]),
        ["/containerDefinitions/0/links/0", "/containerDefinitions/0/links/1"],
    ),
    ("TDL621", doc([c(links=["b"]), c("b", links=["c"]), c("c")]), []),
    ("TDL621", doc([c(links=["web"])]), []),  # itself: TDL617's
    ("TDL621", doc([c(links=["b", "b:alias"]), c("b")]), []),
    ("TDL621", doc([c(links="b"), c("b", links=[1, None])]), []),
    # TDL618 hostname-with-awsvpc
    ("TDL618", doc([c(hostname="web")], **AWSVPC), ["/containerDefinitions/0/hostname"]),
    ("TDL618", doc([c(hostname="web")], **AWSVPC, **FARGATE), ["/containerDefinitions/0/hostname"]),
    ("TDL618", doc([c(hostname="")], **AWSVPC), []),
    ("TDL618", doc([c(hostname="web")]), []),
    ("TDL618", doc([c(hostname="web")], **HOST), []),
    ("TDL618", json.dumps([c(hostname="web")]), []),
    # TDL619 extra-hosts-with-awsvpc
    (
        "TDL619",
        doc([c(extraHosts=[{"hostname": "a", "ipAddress": "10.0.0.1"}])], **AWSVPC),
        ["/containerDefinitions/0/extraHosts"],
    ),
    ("TDL619", doc([c(extraHosts=[])], **AWSVPC), []),
    ("TDL619", doc([c(extraHosts=[{"hostname": "a", "ipAddress": "10.0.0.1"}])]), []),
    # TDL620 missing-container-port
    ("TDL620", doc([pm({"hostPort": 7000})]), [P0]),
    ("TDL620", doc([pm({})]), [P0]),
    ("TDL620", doc([pm({"containerPort": None, "protocol": "udp"})]), [P0]),
    ("TDL620", doc([pm({"containerPort": 80}, {"containerPortRange": "8000-8010"})]), []),
]


@pytest.mark.parametrize(
    ("rule", "text", "expected"), CASES, ids=[f"{r}-{n}" for n, (r, _, _) in enumerate(CASES)]
)
def test_rule_cases(rule: str, text: str, expected: list[str], lint_text: Any) -> None:
    result = lint_text(text)
    assert result.code in (0, 1), result.stderr
    assert pointers(result, rule) == sorted(expected)


def test_describe_output_pointers_are_prefixed(lint_text: Any) -> None:
    text = json.dumps(
        {
            "taskDefinition": {
                "family": "web",
                "networkMode": "awsvpc",
                "containerDefinitions": [pm({"containerPort": 80, "hostPort": 81})],
            }
        }
    )
    result = lint_text(text)
    assert pointers(result, "TDL601") == ["/taskDefinition/containerDefinitions/0/portMappings/0/hostPort"]


MULTI_LINE = """{
  "family": "web",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "256",
  "memory": "512",
  "containerDefinitions": [
    {
      "name": "web",
      "image": "nginx:1.27",
      "hostname": "web",
      "links": ["api"],
      "extraHosts": [{"hostname": "db", "ipAddress": "10.0.0.5"}],
      "portMappings": [
        {"containerPort": 80, "hostPort": 8080, "name": "Web"},
        {"containerPort": 80, "protocol": "udp", "name": "Web"},
        {"hostPort": 9000}
      ]
    },
    {
      "name": "api",
      "image": "example/api:2.1",
      "portMappings": [
        {"containerPort": 80},
        {"containerPortRange": "9000-8000"},
        {"containerPortRange": "9000:9100"},
        {"containerPort": 70000}
      ]
    }
  ]
}
"""


def test_positions_on_a_multi_line_document(lint_text: Any) -> None:
    result = lint_text(MULTI_LINE)
    found = sorted(
        (f["rule"], f["line"], f["column"]) for f in result.findings if f["rule"].startswith("TDL6")
    )
    assert found == [
        ("TDL601", 15, 31),  # the "hostPort" member
        ("TDL603", 24, 10),  # api's containerPort 80, taken by web in awsvpc mode
        ("TDL604", 16, 10),  # the containerPort of the second mapping for port 80
        ("TDL605", 16, 50),
        ("TDL606", 15, 49),
        ("TDL606", 16, 50),
        ("TDL607", 27, 10),
        ("TDL610", 26, 10),
        ("TDL611", 25, 10),
        ("TDL616", 12, 7),
        ("TDL618", 11, 7),
        ("TDL619", 13, 7),
        ("TDL620", 17, 9),  # the mapping object itself
    ]
    severities = {f["rule"]: f["severity"] for f in result.findings}
    assert severities["TDL605"] == severities["TDL606"] == severities["TDL610"] == "warning"
    assert severities["TDL601"] == severities["TDL603"] == severities["TDL616"] == "error"


def test_messages_name_the_container_and_the_values(lint_text: Any) -> None:
    bridge = doc(
        [
            pm({"containerPort": 80, "hostPort": 80}),
            pm({"containerPort": 8080, "hostPort": 80}, {"containerPort": 22, "hostPort": 22}, name="api"),
        ]
    )
    result = lint_text(bridge)
    assert messages(result, "TDL603") == [
        'Container "api" portMappings[0] maps TCP host port 80, already mapped by "web"'
    ]
    assert messages(result, "TDL614") == [
        'Container "api" portMappings[1] binds host port 22, one of the ports a container instance reserves '
        "by default (22, 2375, 2376, 51678-51680)"
    ]
    awsvpc = doc([pm({"containerPort": 3000}, {"containerPort": 3000, "hostPort": 3001})], **AWSVPC)
    result = lint_text(awsvpc)
    assert messages(result, "TDL603") == [
        'Container "web" portMappings[1] exposes TCP port 3000, already exposed by portMappings[0] of the same '
        "container; in awsvpc mode all containers of a task share one network namespace"
    ]
    assert messages(result, "TDL601") == [
        'Container "web" portMappings[1] maps container port 3000 to host port 3001; in awsvpc mode the '
        "hostPort must be omitted or equal the containerPort"
    ]
    result = lint_text(doc([c()], requiresCompatibilities=["FARGATE"], networkMode="bridge"))
    assert messages(result, "TDL600") == ['Fargate requires networkMode "awsvpc", not "bridge"']
    result = lint_text(doc([pm({"containerPort": 53}, {"containerPort": 53, "protocol": "udp"}, name="dns")]))
    assert messages(result, "TDL604") == [
        'Container "dns" exposes container port 53 for both tcp (portMappings[0]) and udp (portMappings[1]); '
        "the ECS API says one container port cannot be exposed for several protocols"
    ]
    result = lint_text(doc([pm({"containerPortRange": "8000-8010"}, {"containerPortRange": "8010-8020"})]))
    assert messages(result, "TDL612") == [
        'Container "web" portMappings[1] overlaps portMappings[0] (port 8010, tcp); a port can be in only one '
        "port mapping of a container"
    ]
    result = lint_text(doc([c(links=["db:database"])]))
    assert messages(result, "TDL617") == [
        'Container "web" links to "db", which is not a container of this task definition'
    ]
    result = lint_text(doc([pm({"containerPort": 80, "name": "x" * 70})]))
    assert messages(result, "TDL606") == [
        f'Container "web" portMappings[0] name "{"x" * 70}" is 70 characters long (at most 64)'
    ]
    result = lint_text(doc([pm({"containerPort": 80, "hostPort": 50000})], **WINDOWS))
    assert "Windows ephemeral port range (49152-65535)" in messages(result, "TDL615")[0]


WRONG_TYPES: list[Any] = [
    {"family": "web", "networkMode": 5, "requiresCompatibilities": "FARGATE", "containerDefinitions": [c()]},
    {
        "family": "web",
        "networkMode": ["awsvpc"],
        "requiresCompatibilities": [1, None],
        "containerDefinitions": [c()],
    },
    {"family": "web", "networkMode": "awsvpc", "containerDefinitions": {"web": c()}},
    {"family": "web", "networkMode": "awsvpc", "containerDefinitions": [1, "web", None, [c()]]},
    {"family": "web", "containerDefinitions": [c(portMappings={"containerPort": 80})]},
    {"family": "web", "containerDefinitions": [c(portMappings=[80, "80:80", None, [80]])]},
    {
        "family": "web",
        "networkMode": "host",
        "containerDefinitions": [
            c(
                portMappings=[
                    {
                        "containerPort": "80",
                        "hostPort": "80",
                        "protocol": 6,
                        "name": 1,
                        "containerPortRange": 80,
                    },
                    {"containerPort": True, "hostPort": False, "protocol": ["udp"], "name": ["a"]},
                    {"containerPort": 80.5, "hostPort": 1e3, "containerPortRange": ["80-90"]},
                    {"containerPort": 99999999999999999999999, "hostPort": -99999999999999999999},
                    {"containerPortRange": "99999999999999999999999-99999999999999999999999999"},
                ]
            )
        ],
    },
    {
        "family": "web",
        "networkMode": "awsvpc",
        "containerDefinitions": [
            c(name=["web"], links="api", hostname=5, extraHosts={"a": "b"}),
            c(name={"n": 1}, links=[1, None, ["api"], {"a": 1}], hostname=["x"], extraHosts="a"),
        ],
    },
    {"family": "web", "networkMode": "bridge", "containerDefinitions": [c(name=None, links=["x"])]},
]


@pytest.mark.parametrize("data", WRONG_TYPES)
def test_wrong_types_do_not_crash(data: Any, lint_text: Any) -> None:
    result = lint_text(json.dumps(data))
    assert result.code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr


CHECKS = [
    getattr(networking, name)
    for name in (
        "fargate_requires_awsvpc",
        "mismatched_host_port",
        "duplicate_host_port",
        "container_port_multiple_protocols",
        "duplicate_port_mapping_name",
        "invalid_port_mapping_name",
        "container_port_range_network_mode",
        "container_port_range_with_host_port",
        "malformed_container_port_range",
        "invalid_container_port_range",
        "overlapping_container_ports",
        "too_many_container_port_ranges",
        "reserved_host_port",
        "ephemeral_host_port",
        "links_outside_bridge_mode",
        "unknown_link_target",
        "hostname_with_awsvpc",
        "extra_hosts_with_awsvpc",
        "missing_container_port",
    )
]

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-70000, 70000)
    | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
PORT_VALUE = st.one_of(
    st.integers(-2, 70000), st.sampled_from(["80", "8000-8010", "9-1", "", None, True]), JSON
)
MAPPING = st.fixed_dictionaries(
    {},
    optional={
        "containerPort": PORT_VALUE,
        "hostPort": PORT_VALUE,
        "protocol": st.sampled_from(["tcp", "udp", "TCP", 1, None]),
        "name": st.sampled_from(["a", "A", "-a", "", 3]),
        "containerPortRange": st.sampled_from(["8000-8010", "8005-8020", "8010-8000", "x", 7]),
    },
)
CONTAINER = st.fixed_dictionaries(
    {},
    optional={
        "name": st.sampled_from(["a", "b", "c", 1, None]),
        "portMappings": st.one_of(st.lists(st.one_of(MAPPING, JSON), max_size=5), JSON),
        "links": st.one_of(st.lists(st.sampled_from(["a", "b:x", "z", 1]), max_size=3), JSON),
        "hostname": JSON,
        "extraHosts": JSON,
    },
)
TASK = st.fixed_dictionaries(
    {"containerDefinitions": st.one_of(st.lists(st.one_of(CONTAINER, JSON), max_size=4), JSON)},
    optional={
        "networkMode": st.sampled_from(["bridge", "host", "awsvpc", "none", "AWSVPC", 3, None]),
        "requiresCompatibilities": st.one_of(st.just(["FARGATE"]), JSON),
        "runtimePlatform": st.one_of(st.just(WINDOWS["runtimePlatform"]), JSON),
    },
)


@settings(max_examples=300, deadline=None)
@given(data=TASK, kind=st.sampled_from(["REGISTER", "DESCRIBE", "CONTAINERS"]))
def test_no_input_makes_a_check_crash(data: dict[str, Any], kind: str) -> None:
    td = TaskDef(data, kind)
    for check in CHECKS:
        for pointer, message in check(td):
            assert isinstance(pointer, str) and isinstance(message, str)
            assert pointer == "" or pointer.startswith("/")


def test_link_cycle_message(lint_text: Any) -> None:
    result = lint_text(doc([c(links=["b:x"]), c("b", links=["web"])], networkMode="bridge"))
    [finding] = [f for f in result.findings if f["rule"] == "TDL621"]
    assert (finding["severity"], finding["message"]) == (
        "error",
        'Containers link to each other in a cycle: "web" -> "b" -> "web"; ECS refuses links in a cycle',
    )
