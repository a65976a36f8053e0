"""Container dependency rules (TDL300-TDL304): catches and catches-not, positions, messages, wrong types."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskdeflint.checks import dependencies
from taskdeflint.model import TaskDef
from tests.conftest import pointers

HEALTH = {"command": ["CMD-SHELL", "true"]}


def doc(containers: list[Any], **top: Any) -> str:
    return json.dumps({"family": "app", **top, "containerDefinitions": containers}, indent=2)


def c(name: str, *deps: tuple[str, str], **members: Any) -> dict[str, Any]:
    container: dict[str, Any] = {"name": name, "image": "example/app:1.0", "memory": 128, **members}
    if deps:
        container["dependsOn"] = [{"containerName": target, "condition": cond} for target, cond in deps]
    return container


def dep(container: int, entry: int, member: str = "containerName") -> str:
    return f"/containerDefinitions/{container}/dependsOn/{entry}/{member}"


def messages(result: Any, rule: str) -> list[str]:
    return [f["message"] for f in result.findings if f["rule"] == rule]


CASES: list[tuple[str, str, list[str]]] = [
    # TDL300 unknown-dependency
    ("TDL300", doc([c("a", ("b", "START"))]), [dep(0, 0)]),
    ("TDL300", doc([c("a", ("B", "START")), c("b")]), [dep(0, 0)]),  # names are case-sensitive
    (
        "TDL300",
        doc([c("a", ("b", "START"), ("x", "START"), ("y", "HEALTHY")), c("b")]),
        [dep(0, 1), dep(0, 2)],
    ),
    ("TDL300", doc([c("a", ("b", "START")), c("b")]), []),
    ("TDL300", doc([c("a", ("a", "START"))]), []),  # self: TDL301's
    ("TDL300", json.dumps([c("a", ("x", "START"))]), ["/0/dependsOn/0/containerName"]),
    # TDL301 self-dependency
    ("TDL301", doc([c("a", ("a", "START"))]), [dep(0, 0)]),
    ("TDL301", doc([c("a", ("b", "START"), ("a", "HEALTHY")), c("b")]), [dep(0, 1)]),
    ("TDL301", doc([c("a", ("b", "START")), c("b")]), []),
    ("TDL301", doc([c("a", ("A", "START")), c("A")]), []),
    # TDL302 dependency-cycle
    ("TDL302", doc([c("a", ("b", "START")), c("b", ("a", "START"))]), [dep(0, 0)]),
    (
        "TDL302",  # reported at the first container of the cycle in document order
        doc([c("x"), c("b", ("c", "START")), c("c", ("d", "COMPLETE")), c("d", ("b", "HEALTHY"))]),
        [dep(1, 0)],
    ),
    (
        "TDL302",  # two cycles sharing container a: a<->b and a<->c
        doc([c("a", ("b", "START"), ("c", "START")), c("b", ("a", "START")), c("c", ("a", "START"))]),
        [dep(0, 0), dep(0, 1)],
    ),
    (
        "TDL302",  # two cycles through the same first entry: a->b->a and a->b->c->a
        doc([c("a", ("b", "START")), c("b", ("a", "START"), ("c", "START")), c("c", ("a", "START"))]),
        [dep(0, 0), dep(0, 0)],
    ),
    (
        "TDL302",  # a cycle that does not include the first container
        doc([c("a", ("b", "START")), c("b", ("c", "START")), c("c", ("b", "START"))]),
        [dep(1, 0)],
    ),
    (
        "TDL302",  # two entries for the same edge make one cycle
        doc([c("a", ("b", "START"), ("b", "HEALTHY")), c("b", ("a", "START"))]),
        [dep(0, 0)],
    ),
    ("TDL302", doc([c("a", ("b", "START")), c("b", ("c", "START")), c("c")]), []),
    (
        "TDL302",
        doc([c("a", ("b", "START"), ("c", "START")), c("b", ("c", "START")), c("c")]),
        [],
    ),  # a diamond
    ("TDL302", doc([c("a", ("a", "START"))]), []),  # self: TDL301's
    ("TDL302", doc([c("a", ("x", "START")), c("b", ("a", "START"))]), []),
    (
        "TDL302",
        json.dumps([c("a", ("b", "START")), c("b", ("a", "START"))]),
        ["/0/dependsOn/0/containerName"],
    ),
    # TDL303 healthy-dependency-without-health-check
    ("TDL303", doc([c("a", ("b", "HEALTHY")), c("b")]), [dep(0, 0, "condition")]),
    ("TDL303", doc([c("a", ("b", "HEALTHY")), c("b", healthCheck=None)]), [dep(0, 0, "condition")]),
    ("TDL303", doc([c("a", ("b", "HEALTHY")), c("b", healthCheck=HEALTH)]), []),
    ("TDL303", doc([c("a", ("b", "START")), c("b")]), []),
    ("TDL303", doc([c("a", ("x", "HEALTHY")), c("b")]), []),  # missing: TDL300's
    ("TDL303", doc([c("a", ("a", "HEALTHY"))]), []),  # self: TDL301's
    ("TDL303", doc([c("a", ("b", "healthy")), c("b")]), []),  # not an enum value: TDL040's
    # TDL304 completion-dependency-on-essential
    ("TDL304", doc([c("a", ("b", "SUCCESS")), c("b")]), [dep(0, 0, "condition")]),
    ("TDL304", doc([c("a", ("b", "COMPLETE")), c("b", essential=True)]), [dep(0, 0, "condition")]),
    ("TDL304", doc([c("a", ("b", "COMPLETE")), c("b", essential=None)]), [dep(0, 0, "condition")]),
    ("TDL304", doc([c("a", ("b", "SUCCESS")), c("b", essential=False)]), []),
    ("TDL304", doc([c("a", ("b", "START"), ("b", "HEALTHY")), c("b", healthCheck=HEALTH)]), []),
    (
        "TDL304",  # the dependent container's own essential flag does not matter
        doc([c("a", ("b", "SUCCESS"), essential=False), c("b", essential=False), c("main")]),
        [],
    ),
    ("TDL304", doc([c("a", ("x", "SUCCESS"))]), []),
]


@pytest.mark.parametrize(
    ("rule", "text", "expected"), CASES, ids=[f"{r}-{n}" for n, (r, _, _) in enumerate(CASES)]
)
def test_rule_cases(rule: str, text: str, expected: list[str], lint_text: Any) -> None:
    result = lint_text(text)
    assert result.code in (0, 1), result.stderr
    assert pointers(result, rule) == sorted(expected)


MULTI_LINE = """{
  "family": "app",
  "containerDefinitions": [
    {
      "name": "app",
      "image": "example/app:1.4",
      "dependsOn": [
        {"containerName": "proxy", "condition": "START"},
        {"containerName": "migrate", "condition": "SUCCESS"},
        {"containerName": "db", "condition": "HEALTHY"},
        {"containerName": "cache", "condition": "START"}
      ]
    },
    {"name": "proxy", "image": "envoyproxy/envoy:v1.30.1",
     "dependsOn": [{"containerName": "app", "condition": "START"}, {"containerName": "proxy", "condition": "START"}]},
    {"name": "migrate", "image": "example/migrate:1.4"},
    {"name": "db", "image": "postgres:16.3"}
  ]
}
"""


def test_positions_on_a_multi_line_document(lint_text: Any) -> None:
    result = lint_text(MULTI_LINE)
    found = sorted(
        (f["rule"], f["line"], f["column"], f["severity"])
        for f in result.findings
        if f["rule"].startswith("TDL30")
    )
    assert found == [
        ("TDL300", 11, 10, "error"),  # "cache" is no container
        ("TDL301", 15, 69, "error"),  # proxy -> proxy
        ("TDL302", 8, 10, "error"),  # app -> proxy -> app
        ("TDL303", 10, 33, "error"),  # db has no healthCheck: the task cannot start
        ("TDL304", 9, 38, "error"),  # migrate is essential (omitted)
    ]


def test_messages(lint_text: Any) -> None:
    result = lint_text(MULTI_LINE)
    assert messages(result, "TDL300") == [
        'Container "app" depends on "cache", which is not a container of this task definition'
    ]
    assert messages(result, "TDL301") == ['Container "proxy" depends on itself, so it can never start']
    assert messages(result, "TDL302") == [
        'Containers depend on each other in a cycle: "app" -> "proxy" -> "app"; none of them can start'
    ]
    assert messages(result, "TDL303") == [
        'Container "app" depends on "db" with condition HEALTHY, but "db" has no healthCheck, so it never '
        'reports healthy and "app" never starts'
    ]
    assert messages(result, "TDL304") == [
        'Container "app" depends on "migrate" with condition SUCCESS, but "migrate" is essential (essential is '
        "omitted, which means true); the container a SUCCESS dependency names must be non-essential"
    ]
    result = lint_text(doc([c("a", ("b", "COMPLETE")), c("b", essential=True)]))
    assert messages(result, "TDL304") == [
        'Container "a" depends on "b" with condition COMPLETE, but "b" sets essential to true; the container a '
        "COMPLETE dependency names must be non-essential"
    ]
    result = lint_text(doc([c("a", ("b", "START")), c("b", ("c", "START")), c("c", ("a", "START"))]))
    assert messages(result, "TDL302") == [
        'Containers depend on each other in a cycle: "a" -> "b" -> "c" -> "a"; none of them can start'
    ]


def test_a_dense_graph_is_searched_in_bounded_time(lint_text: Any) -> None:
    names = [f"c{i}" for i in range(12)]
    containers = [c(name, *((other, "START") for other in names if other != name)) for name in names]
    result = lint_text(doc(containers))
    assert result.code == 1
    cycles = messages(result, "TDL302")
    assert 0 < len(cycles) <= 50


WRONG_TYPES: list[Any] = [
    {"family": "app", "containerDefinitions": [c("a", dependsOn={"containerName": "b"}), c("b")]},
    {"family": "app", "containerDefinitions": [c("a", dependsOn=["b", None, 3, ["b"]]), c("b")]},
    {
        "family": "app",
        "containerDefinitions": [
            c(
                "a",
                dependsOn=[
                    {"containerName": ["b"], "condition": 1},
                    {"containerName": None},
                    {"condition": "START"},
                ],
            ),
            c("b", essential="yes", healthCheck="CMD true"),
        ],
    },
    {
        "family": "app",
        "containerDefinitions": [
            c("a", dependsOn=[{"containerName": "b", "condition": "SUCCESS"}]),
            {"name": ["b"], "image": "x:1"},
            {"name": {"b": 1}, "image": "x:1", "dependsOn": [{"containerName": "a", "condition": "START"}]},
            {"name": None, "image": "x:1", "dependsOn": [{"containerName": "a", "condition": "START"}]},
        ],
    },
    {"family": "app", "containerDefinitions": [1, "a", None, c("a", ("a", "START"))]},
    {"family": "app", "containerDefinitions": {"a": c("a")}},
    {
        "family": "app",
        "containerDefinitions": [c("a", ("b", "START")), c("b", ("a", "START")), c("b", ("a", "SUCCESS"))],
    },  # duplicate container names
]


@pytest.mark.parametrize("data", WRONG_TYPES)
def test_wrong_types_do_not_crash(data: Any, lint_text: Any) -> None:
    result = lint_text(json.dumps(data))
    assert result.code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr


CHECKS = [
    dependencies.unknown_dependency,
    dependencies.self_dependency,
    dependencies.dependency_cycle,
    dependencies.healthy_dependency_without_health_check,
    dependencies.completion_dependency_on_essential,
]
NAMES = st.sampled_from(["a", "b", "c", "d", 1, None])
ENTRY = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "containerName": NAMES,
            "condition": st.sampled_from(["START", "COMPLETE", "SUCCESS", "HEALTHY", "x", 2, None]),
        },
    ),
    st.none(),
    st.integers(),
    st.text(max_size=3),
)
CONTAINER = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "name": NAMES,
            "essential": st.sampled_from([True, False, None, "no", 0]),
            "healthCheck": st.sampled_from([HEALTH, None, "x", []]),
            "dependsOn": st.one_of(st.lists(ENTRY, max_size=4), st.none(), st.text(max_size=3)),
        },
    ),
    st.none(),
    st.integers(),
)


@settings(max_examples=300, deadline=None)
@given(containers=st.one_of(st.lists(CONTAINER, max_size=6), st.none(), st.text(max_size=3)))
def test_no_input_makes_a_check_crash(containers: Any) -> None:
    td = TaskDef({"containerDefinitions": containers}, "REGISTER")
    for check in CHECKS:
        for pointer, message in check(td):
            assert pointer.startswith("/containerDefinitions/") and isinstance(message, str)
