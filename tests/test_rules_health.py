"""Health check rules (TDL310-TDL315): catches and catches-not, positions, messages, wrong types."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskdeflint.checks import health
from taskdeflint.model import TaskDef
from tests.conftest import pointers

CURL = ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]
HC = "/containerDefinitions/0/healthCheck"


def doc(*checks: Any) -> str:
    containers = [
        {"name": f"c{i}", "image": "nginx:1.27", "memory": 128, "healthCheck": check}
        for i, check in enumerate(checks)
    ]
    return json.dumps({"family": "web", "containerDefinitions": containers}, indent=2)


def hc(command: Any = None, **members: Any) -> dict[str, Any]:
    return {"command": CURL if command is None else command, **members}


def messages(result: Any, rule: str) -> list[str]:
    return [f["message"] for f in result.findings if f["rule"] == rule]


CASES: list[tuple[str, str, list[str]]] = [
    # TDL310 health-check-out-of-range
    ("TDL310", doc(hc(interval=4)), [HC + "/interval"]),
    ("TDL310", doc(hc(interval=301)), [HC + "/interval"]),
    ("TDL310", doc(hc(timeout=1)), [HC + "/timeout"]),
    ("TDL310", doc(hc(timeout=61, interval=120)), [HC + "/timeout"]),
    ("TDL310", doc(hc(retries=0)), [HC + "/retries"]),
    ("TDL310", doc(hc(retries=11)), [HC + "/retries"]),
    ("TDL310", doc(hc(startPeriod=-1)), [HC + "/startPeriod"]),
    ("TDL310", doc(hc(startPeriod=301)), [HC + "/startPeriod"]),
    ("TDL310", doc(hc(interval=5, timeout=2, retries=1, startPeriod=0)), []),
    ("TDL310", doc(hc(interval=300, timeout=60, retries=10, startPeriod=300)), []),
    ("TDL310", doc(hc()), []),
    ("TDL310", doc(hc(), hc(retries=20)), ["/containerDefinitions/1/healthCheck/retries"]),
    # TDL311 invalid-health-check-command
    ("TDL311", doc(hc(["curl", "-f", "http://localhost/"])), [HC + "/command/0"]),
    ("TDL311", doc(hc(["cmd-shell", "true"])), [HC + "/command/0"]),
    ("TDL311", doc(hc(["CMD_SHELL", "true"])), [HC + "/command/0"]),
    ("TDL311", doc(hc(["", "true"])), [HC + "/command/0"]),
    ("TDL311", doc(hc([" CMD", "true"])), [HC + "/command/0"]),
    ("TDL311", doc(hc([])), [HC + "/command"]),
    ("TDL311", doc(hc(["CMD", "/bin/check"])), []),
    ("TDL311", doc(hc(CURL)), []),
    ("TDL311", doc(hc(["NONE"])), []),  # TDL312's
    ("TDL311", doc(hc(["CMD"])), []),  # TDL313's
    # TDL315 command-line-as-one-argument
    ("TDL315", doc(hc(["CMD", "curl -f http://localhost/"])), [HC + "/command/1"]),
    ("TDL315", doc(hc(["CMD", " /bin/check --quick ", "x"])), [HC + "/command/1"]),
    ("TDL315", doc(hc(["CMD", "curl", "-f", "http://localhost/"])), []),
    ("TDL315", doc(hc(["CMD-SHELL", "curl -f http://localhost/ || exit 1"])), []),
    ("TDL315", doc(hc(["curl -f http://localhost/"])), []),  # no prefix: TDL311's
    ("TDL315", doc(hc(["CMD", "C:\\Program Files\\app\\check.exe"])), []),  # a Windows path
    ("TDL315", doc(hc(["CMD", "/bin/check"])), []),
    # TDL312 health-check-command-none
    ("TDL312", doc(hc(["NONE"])), [HC + "/command/0"]),
    ("TDL312", doc(hc(["NONE", "x"])), [HC + "/command/0"]),
    ("TDL312", doc(hc(["none"])), []),  # not Docker's keyword: TDL311's
    ("TDL312", doc(hc(["CMD", "NONE"])), []),
    # TDL313 empty-health-check-command
    ("TDL313", doc(hc(["CMD"])), [HC + "/command"]),
    ("TDL313", doc(hc(["CMD-SHELL"])), [HC + "/command"]),
    ("TDL313", doc(hc(["CMD-SHELL", ""])), [HC + "/command"]),
    ("TDL313", doc(hc(["CMD-SHELL", "  ", "\t"])), [HC + "/command"]),
    ("TDL313", doc(hc(["CMD", "", "x"])), []),
    ("TDL313", doc(hc(CURL)), []),
    ("TDL313", doc(hc([])), []),  # TDL311's
    ("TDL313", doc(hc(["NONE"])), []),
    # TDL314 health-check-timeout-not-below-interval
    ("TDL314", doc(hc(interval=10, timeout=10)), [HC + "/timeout"]),
    ("TDL314", doc(hc(interval=10, timeout=20)), [HC + "/timeout"]),
    ("TDL314", doc(hc(timeout=30)), [HC + "/timeout"]),  # default interval 30
    ("TDL314", doc(hc(interval=5)), [HC + "/interval"]),  # default timeout 5
    ("TDL314", doc(hc(interval=5, timeout=None)), [HC + "/interval"]),
    ("TDL314", doc(hc(interval=6)), []),
    ("TDL314", doc(hc(interval=1)), []),  # out of range: TDL310's
    ("TDL314", doc(hc(interval=30, timeout=90)), []),  # out of range: TDL310's
    ("TDL314", doc(hc(interval=30, timeout=60)), [HC + "/timeout"]),
    ("TDL314", doc(hc(timeout=29)), []),
    ("TDL314", doc(hc()), []),
    ("TDL314", doc(hc(interval=10, timeout="20")), []),  # wrong type: TDL003's
]


@pytest.mark.parametrize(
    ("rule", "text", "expected"), CASES, ids=[f"{r}-{n}" for n, (r, _, _) in enumerate(CASES)]
)
def test_rule_cases(rule: str, text: str, expected: list[str], lint_text: Any) -> None:
    result = lint_text(text)
    assert result.code in (0, 1), result.stderr
    assert pointers(result, rule) == sorted(expected)


def test_bare_container_list(lint_text: Any) -> None:
    text = json.dumps(
        [{"name": "web", "image": "nginx:1.27", "healthCheck": {"command": ["NONE"], "interval": 1}}]
    )
    result = lint_text(text)
    assert pointers(result, "TDL312") == ["/0/healthCheck/command/0"]
    assert pointers(result, "TDL310") == ["/0/healthCheck/interval"]


MULTI_LINE = """{
  "family": "web",
  "containerDefinitions": [
    {
      "name": "web",
      "image": "nginx:1.27",
      "healthCheck": {
        "command": ["curl -f http://localhost/"],
        "interval": 10,
        "timeout": 10,
        "retries": 0
      }
    },
    {"name": "api", "image": "example/api:2.1", "healthCheck": {"command": ["NONE"]}},
    {"name": "job", "image": "example/job:1.0", "healthCheck": {"command": ["CMD-SHELL", ""]}}
  ]
}
"""


def test_positions_on_a_multi_line_document(lint_text: Any) -> None:
    result = lint_text(MULTI_LINE)
    found = sorted(
        (f["rule"], f["line"], f["column"], f["severity"])
        for f in result.findings
        if f["rule"].startswith("TDL31")
    )
    assert found == [
        ("TDL310", 11, 9, "error"),  # retries 0
        ("TDL311", 8, 21, "warning"),  # the first element of command (registers and runs: issue 12)
        ("TDL312", 14, 77, "warning"),  # "NONE"
        ("TDL313", 15, 65, "warning"),  # the command member
        ("TDL314", 10, 9, "warning"),  # timeout 10 = interval 10
    ]


def test_messages(lint_text: Any) -> None:
    result = lint_text(MULTI_LINE)
    assert messages(result, "TDL310") == [
        'Container "web" healthCheck.retries is 0; ECS accepts interval 5-300 s, timeout 2-60 s, retries 1-10 '
        "and startPeriod 0-300 s"
    ]
    assert messages(result, "TDL311") == [
        'Container "web" healthCheck.command starts with "curl -f http://localhost/"; the ECS API documents it '
        'as starting with "CMD" or "CMD-SHELL" (to run "curl -f http://localhost/" with the shell, put '
        '"CMD-SHELL" before it)'
    ]
    assert messages(result, "TDL312") == [
        'Container "api" healthCheck.command starts with "NONE", which ECS does not document (it must start '
        'with "CMD" or "CMD-SHELL"); to have no health check, omit healthCheck'
    ]
    assert messages(result, "TDL313") == [
        'Container "job" healthCheck.command ["CMD-SHELL", ""] gives no command after "CMD-SHELL"; an empty '
        "shell command always succeeds, so the check tests nothing"
    ]
    assert messages(result, "TDL314") == [
        'Container "web" healthCheck timeout 10 s is not shorter than its interval 10 s; a slow check then runs '
        "into the next one"
    ]
    result = lint_text(doc(hc(["cmd-shell", "true"]), hc([]), hc(interval=5)))
    assert messages(result, "TDL311") == [
        'Container "c0" healthCheck.command starts with "cmd-shell"; the ECS API documents it as starting with '
        '"CMD" or "CMD-SHELL" (the prefix is case-sensitive: "CMD-SHELL")',
        'Container "c1" healthCheck.command is empty; the ECS API documents it as starting with "CMD" or '
        '"CMD-SHELL"',
    ]
    assert messages(result, "TDL314") == [
        'Container "c2" healthCheck timeout 5 s (the default) is not shorter than its interval 5 s; a slow check '
        "then runs into the next one"
    ]


WRONG_TYPES: list[Any] = [
    "CMD-SHELL true",
    ["CMD-SHELL", "true"],
    {"command": "CMD-SHELL true", "interval": "30", "timeout": [5], "retries": True, "startPeriod": None},
    {"command": [1, 2], "interval": 1.5, "timeout": 1e9, "retries": -1e9, "startPeriod": False},
    {"command": [None], "interval": True, "timeout": False},
    {"command": ["CMD", None, ["x"]], "interval": {"s": 1}},
    {"command": {"0": "CMD"}},
    {},
    None,
    5,
]


@pytest.mark.parametrize("check", WRONG_TYPES)
def test_wrong_types_do_not_crash(check: Any, lint_text: Any) -> None:
    result = lint_text(doc(check))
    assert result.code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr


CHECKS = [
    health.invalid_health_check_command,
    health.health_check_command_none,
    health.empty_health_check_command,
    health.health_check_timeout_not_below_interval,
]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 400) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
CHECK = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "command": st.one_of(
                st.lists(st.one_of(st.sampled_from(["CMD", "CMD-SHELL", "NONE", "", " "]), JSON), max_size=3),
                JSON,
            ),
            "interval": JSON,
            "timeout": JSON,
            "retries": JSON,
            "startPeriod": JSON,
        },
    ),
    JSON,
)


@settings(max_examples=300, deadline=None)
@given(checks=st.lists(CHECK, max_size=3))
def test_no_input_makes_a_check_crash(checks: list[Any]) -> None:
    containers = [{"name": "c", "healthCheck": check} for check in checks]
    td = TaskDef({"containerDefinitions": containers}, "REGISTER")
    for function in CHECKS:
        for pointer, message in function(td):
            assert pointer.startswith("/containerDefinitions/") and isinstance(message, str)


def test_command_line_as_one_argument_messages(lint_text: Any) -> None:
    document = json.loads(
        doc(hc(["CMD", "curl -f http://localhost/ || exit 1"]), hc(["CMD", "/bin/check --quick"]))
    )
    document["containerDefinitions"].append(
        {"name": "w", "image": "python:3.12", "entryPoint": ["python app.py"]}
    )
    result = lint_text(json.dumps(document))
    assert [f["severity"] for f in result.findings if f["rule"] == "TDL315"] == ["error"] * 3
    assert messages(result, "TDL315") == [
        'Container "c0" healthCheck.command runs "curl -f http://localhost/ || exit 1" as one program name with '
        '"CMD", so the check always fails; write ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]',
        'Container "c1" healthCheck.command runs "/bin/check --quick" as one program name with "CMD", so the '
        'check always fails; write ["CMD-SHELL", "/bin/check --quick"] or one argument per element, '
        '["CMD", "/bin/check", "--quick"]',
        'Container "w" entryPoint runs "python app.py" as one program name, so the container cannot start; '
        'write ["sh", "-c", "python app.py"] or one argument per element, ["python", "app.py"]',
    ]


def test_command_line_as_one_argument_is_not_checked_on_windows(lint_text: Any) -> None:
    document = json.loads(doc(hc(["CMD", "powershell -Command exit 0"])))
    document["runtimePlatform"] = {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"}
    assert pointers(lint_text(json.dumps(document)), "TDL315") == []
