"""Every way a file can fail to be a task definition: each is a finding with a rule, a line, a column and
a message a user can act on; none is a traceback. And the three input forms report the same defect, each
at the right place in its own file."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Result, lint

# The document-stage rules: exact expectations below hold whatever other rules are added later.
FOUNDATION = ("TDL001", "TDL002", "TDL003", "TDL004", "TDL005", "TDL006", "TDL007")

GOOD_CONTAINER = '{"name": "web", "image": "nginx:1.27", "memory": 512}'
GOOD = '{"family": "web", "containerDefinitions": [' + GOOD_CONTAINER + "]}"

Row = tuple[str, int, int, str]


def at(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """Line and column (characters, 1-based) of the n-th occurrence of `needle`: where a finding must be."""
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def rows(result: Result) -> list[Row]:
    return [(f["rule"], f["line"], f["column"], f["message"]) for f in result.findings]


def run(lint_text: Any, text: str | bytes, **options: Any) -> Result:
    options.setdefault("select", FOUNDATION)
    result = lint_text(text, **options)
    assert "Traceback" not in result.stderr
    return result


def expect(lint_text: Any, text: str | bytes, *expected: Row, code: int = 1) -> Result:
    result = run(lint_text, text)
    assert rows(result) == list(expected)
    assert result.code == code, result.stderr
    assert result.stderr == ""
    return result


def test_a_good_document_has_no_findings(lint_text: Any) -> None:
    expect(lint_text, GOOD, code=0)


class TestInvalidJson:
    @pytest.mark.parametrize(
        ("text", "line", "column", "message"),
        [
            ('{"family" "web"}', 1, 11, "Invalid JSON: expected ':' after the member name"),
            (
                '{\n  "family": "web"\n  "cpu": "256"\n}',
                3,
                3,
                "Invalid JSON: expected ',' or a closing bracket",
            ),
            (
                '{"family": tru}',
                1,
                12,
                "Invalid JSON: expected a value (an object, array, string, number, true, false or null)",
            ),
            ('{"family": "web"}}', 1, 18, "Invalid JSON: unexpected text after the end of the JSON document"),
            (
                '{\n  "family": "web",\n  "cpu": "256"\n',
                4,
                1,
                "Invalid JSON: the file ends before the document does (a bracket or brace is not closed)",
            ),
            ('{"family": "web', 1, 12, "Invalid JSON: string has no closing double quote"),
            (
                '{\n  "family": "we\tb"\n}',
                2,
                16,
                "Invalid JSON: a control character (a line break or tab) inside a string must be escaped as "
                "\\n or \\t",
            ),
            (
                '{"family": "a\\qb"}',
                1,
                14,
                'Invalid JSON: invalid escape in a string (JSON has \\" \\\\ \\/ \\b \\f \\n \\r \\t and '
                "\\uXXXX)",
            ),
            (
                '{"family": "\\u12"}',
                1,
                13,
                "Invalid JSON: \\u in a string must be followed by four hexadecimal digits",
            ),
            ("{\n  # a comment\n}", 2, 3, "Invalid JSON: expected a member name in double quotes"),
        ],
    )
    def test_syntax_errors_are_reported_where_parsing_stopped(
        self, lint_text: Any, text: str, line: int, column: int, message: str
    ) -> None:
        result = expect(lint_text, text, ("TDL001", line, column, message))
        assert result.findings[0]["pointer"] == ""
        assert result.findings[0]["name"] == "invalid-json"

    @pytest.mark.parametrize(
        ("text", "line", "column"),
        [
            ('{"family": "web",}', 1, 17),
            ('{"family": "web", "containerDefinitions": [' + GOOD_CONTAINER + ",]}", 1, 97),
            ('{\n  "family": "web",\n  "cpu": "256",\n}\n', 3, 15),
            ('[\n  {"name": "web"},\n\n   \n]', 2, 18),
            ('{"a": [1, 2 , ] }', 1, 13),
        ],
    )
    def test_a_trailing_comma_is_reported_at_the_comma(
        self, lint_text: Any, text: str, line: int, column: int
    ) -> None:
        expect(
            lint_text,
            text,
            ("TDL001", line, column, "Trailing comma: JSON allows no comma before a closing bracket"),
        )
        assert text.splitlines()[line - 1][column - 1] == ","

    @pytest.mark.parametrize(
        ("text", "line", "column"),
        [
            ("// the web service\n" + GOOD, 1, 1),
            ('{\n  "family": "web", /* v2 */\n  "containerDefinitions": []\n}', 2, 20),
            ('{"family": "web", // trailing\n}', 1, 19),
        ],
    )
    def test_comments(self, lint_text: Any, text: str, line: int, column: int) -> None:
        expect(lint_text, text, ("TDL001", line, column, "Comments are not allowed in JSON"))

    @pytest.mark.parametrize(("text", "column"), [("{'family': 'web'}", 2), ("{\"family\": 'web'}", 12)])
    def test_single_quotes(self, lint_text: Any, text: str, column: int) -> None:
        expect(lint_text, text, ("TDL001", 1, column, "Strings must use double quotes in JSON"))

    @pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
    def test_non_finite_constants_are_reported_at_the_literal(self, lint_text: Any, literal: str) -> None:
        text = (
            '{"family": "web",\n  "cpu": ' + literal + ',\n  "containerDefinitions": [\n'
            '    {"name": "web", "image": "x", "memory": ' + literal + "}]}"
        )
        result = expect(
            lint_text,
            text,
            ("TDL001", 2, 10, f"{literal} is not valid JSON"),
            ("TDL001", 4, 45, f"{literal} is not valid JSON"),
        )
        assert at(text, literal, 2) == (4, 45)
        assert [f["pointer"] for f in result.findings] == ["/cpu", "/containerDefinitions/0/memory"]

    def test_empty_file(self, lint_text: Any) -> None:
        expect(lint_text, b"", ("TDL001", 1, 1, "File is empty; expected a JSON object"))

    def test_whitespace_only_file(self, lint_text: Any) -> None:
        expect(lint_text, b" \n\t\r\n  ", ("TDL001", 1, 1, "File is empty; expected a JSON object"))


class TestDuplicateKeys:
    def test_duplicate_key_is_a_warning_at_the_repeat_and_the_rest_is_linted(self, lint_text: Any) -> None:
        text = (
            '{\n  "family": "web",\n  "containerDefinitions": [\n'
            '    {"name": "web", "image": "x", "memory": 512, "memory": 256, "enviroment": []}\n'
            '  ],\n  "family": "api"\n}'
        )
        assert at(text, '"memory"', 2) == (4, 50)
        result = expect(
            lint_text,
            text,
            (
                "TDL002",
                4,
                50,
                'Duplicate key "memory" (first given at line 4, column 35); JSON parsers keep only the last '
                "value",
            ),
            ("TDL003", *at(text, '"enviroment"'), ENVIROMENT),
            (
                "TDL002",
                6,
                3,
                'Duplicate key "family" (first given at line 2, column 3); JSON parsers keep only the last '
                "value",
            ),
        )
        assert [f["severity"] for f in result.findings] == ["warning", "error", "warning"]
        assert result.findings[0]["pointer"] == "/containerDefinitions/0/memory"

    def test_a_duplicate_alone_is_a_warning_so_the_exit_code_is_0(self, lint_text: Any) -> None:
        result = expect(
            lint_text,
            '{"family": "a", "family": "web", "containerDefinitions": [' + GOOD_CONTAINER + "]}",
            (
                "TDL002",
                1,
                17,
                'Duplicate key "family" (first given at line 1, column 2); JSON parsers keep only the last '
                "value",
            ),
            code=0,
        )
        assert result.findings[0]["severity"] == "warning"


class TestEncodings:
    def test_utf8_bom_is_reported_and_the_rest_still_linted(self, lint_text: Any) -> None:
        text = '{\n  "family": "web",\n  "containerDefinitions": [{"name": "a", "image": "b", "enviroment": []}]\n}'
        assert at(text, '"enviroment"') == (3, 56)
        expect(
            lint_text,
            b"\xef\xbb\xbf" + text.encode(),
            (
                "TDL005",
                1,
                1,
                "File starts with a UTF-8 byte order mark, which JSON parsers such as the AWS CLI's reject; "
                "save it as UTF-8 without BOM",
            ),
            ("TDL003", 3, 56, 'Container "a": unknown member "enviroment" (did you mean "environment"?)'),
        )

    @pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
    def test_utf16_with_either_bom(self, lint_text: Any, codec: str) -> None:
        data = GOOD.encode(codec)
        if codec != "utf-16":
            data = ("\ufeff" + GOOD).encode(codec)
        assert data[:2] in (b"\xff\xfe", b"\xfe\xff")
        expect(lint_text, data, ("TDL005", 1, 1, "File is UTF-16 encoded; task definitions must be UTF-8"))

    def test_latin1_is_reported_at_the_bad_byte(self, lint_text: Any) -> None:
        text = '{\n  "family": "web",\n  "containerDefinitions": [{"name": "café", "image": "b"}]\n}'
        data = text.encode("latin-1")
        assert at(text, "é") == (3, 41)
        expect(
            lint_text,
            data,
            (
                "TDL005",
                3,
                41,
                "Byte 0xe9 is not valid UTF-8 (is the file Latin-1 or another legacy encoding?); task "
                "definitions must be UTF-8",
            ),
        )

    def test_a_bad_byte_after_multibyte_characters_counts_characters(self, lint_text: Any) -> None:
        data = '{"family": "日本", "x": "'.encode() + b"\xff" + b'"}'
        result = expect(
            lint_text,
            data,
            (
                "TDL005",
                1,
                24,
                "Byte 0xff is not valid UTF-8 (is the file Latin-1 or another legacy encoding?); task "
                "definitions must be UTF-8",
            ),
        )
        assert result.findings[0]["pointer"] == ""

    @pytest.mark.parametrize("data", [b"\x00\x01\x02\x03", b"PK\x03\x04\x00\x00", b'{"a": 1}\x00'])
    def test_binary(self, lint_text: Any, data: bytes) -> None:
        expect(lint_text, data, ("TDL005", 1, 1, "File is binary (it contains NUL bytes), not JSON"))


class TestNotATaskDefinition:
    @pytest.mark.parametrize(
        ("text", "line", "column", "pointer", "message"),
        [
            ("null", 1, 1, "", "Not a task definition: the top level is null, not an object"),
            ("42", 1, 1, "", "Not a task definition: the top level is a number, not an object"),
            ('"str"', 1, 1, "", "Not a task definition: the top level is a string, not an object"),
            ("true", 1, 1, "", "Not a task definition: the top level is a boolean, not an object"),
            ("[]", 1, 1, "", "Not a task definition: the list is empty"),
            ("[1,2]", 1, 2, "/0", "Not a list of container definitions: item 0 is a number, not an object"),
            (
                '[\n  {"name": "web", "image": "x"},\n  "sidecar"\n]',
                3,
                3,
                "/1",
                "Not a list of container definitions: item 1 is a string, not an object",
            ),
            (
                '[["web"], ["api"]]',
                1,
                2,
                "/0",
                "Not a list of container definitions: item 0 is an array, not an object",
            ),
            (
                '[{"a": 1}]',
                1,
                1,
                "",
                "Not a task definition: a list whose objects have no container members (name, image)",
            ),
            (
                '{"name": "my-app", "version": "1.0.0"}',
                1,
                1,
                "",
                'Not a task definition: expected register-task-definition input (with "containerDefinitions"),'
                ' describe-task-definition output (with "taskDefinition"), a list of container definitions, an'
                " ECS service (create-service input, describe-services output), a CloudFormation template or a"
                " Terraform plan or state",
            ),
        ],
    )
    def test_other_json(
        self, lint_text: Any, text: str, line: int, column: int, pointer: str, message: str
    ) -> None:
        result = expect(lint_text, text, ("TDL004", line, column, message))
        assert result.findings[0]["pointer"] == pointer


class TestLimits:
    @pytest.mark.parametrize("opening", ["[", '{"a":'])
    def test_100000_levels_deep_is_reported_fast_without_recursion_error(
        self, lint_text: Any, opening: str
    ) -> None:
        closing = "]" if opening == "[" else "}"
        text = opening * 100_000 + "1" + closing * 100_000
        started = time.perf_counter()
        result = expect(
            lint_text,
            text,
            (
                "TDL006",
                1,
                64 * len(opening) + 1,
                "JSON is nested more than 64 levels deep; no task definition nests that deep, so the file "
                "is not read further",
            ),
            code=0,  # a warning: the limit is taskdeflint's (issue 12)
        )
        assert time.perf_counter() - started < 5
        assert result.findings[0]["name"] == "nesting-too-deep"

    def test_100000_unclosed_brackets(self, lint_text: Any) -> None:
        result = run(lint_text, "[" * 100_000)
        assert [(r[0], r[1], r[2]) for r in rows(result)] == [("TDL006", 1, 65)]

    def test_70_levels_inside_a_task_definition(self, lint_text: Any) -> None:
        text = (
            '{"family": "web",\n "containerDefinitions": [{"name": "web", "image": "x", "memory": 512,\n'
            '   "command": ' + "[" * 70 + "]" * 70 + "}]}"
        )
        # The document, containerDefinitions and the container are 3 levels; "command" may add 61 more, and
        # the finding is at its 62nd bracket.
        line, column = at(text, "[" * 70)
        expect(
            lint_text,
            text,
            (
                "TDL006",
                line,
                column + 61,
                "JSON is nested more than 64 levels deep; no task definition nests that deep, so the file "
                "is not read further",
            ),
            code=0,  # a warning: the limit is taskdeflint's (issue 12)
        )

    def test_64_levels_are_allowed(self, lint_text: Any) -> None:
        result = run(lint_text, "[" * 64 + "]" * 64)
        assert [r[0] for r in rows(result)] == ["TDL004"]

    def test_a_number_too_large_for_a_double(self, lint_text: Any) -> None:
        text = '{"family": "web", "cpu": 1e400, "containerDefinitions": [{"name": "a", "image": "b", "memory": -1e400}]}'
        expect(
            lint_text,
            text,
            (
                "TDL003",
                1,
                19,
                "cpu must be a string, not a number too large to represent (task-level cpu is a string in the "
                'ECS API, e.g. "256" or "1 vCPU")',
            ),
            (
                "TDL003",
                *at(text, '"memory"'),
                'Container "a" memory must be an integer, not a number too large to represent (container-level '
                "memory is an integer)",
            ),
        )

    def test_an_integer_of_thousands_of_digits_does_not_crash(self, lint_text: Any) -> None:
        text = (
            '{"family": "web", "containerDefinitions": [{"name": "a", "image": "b", "memory": '
            + "9" * 5000
            + "}]}"
        )
        expect(
            lint_text,
            text,
            (
                "TDL003",
                1,
                72,
                'Container "a" memory must be an integer, not a number too large to represent (container-level '
                "memory is an integer)",
            ),
        )

    def test_a_very_long_string_is_linted_fast(self, lint_text: Any) -> None:
        image = "x" * 5_000_000
        text = (
            '{"family": "web",\n "containerDefinitions": [{"name": "a", "image": "'
            + image
            + '", "cpu": "1"}]}'
        )
        started = time.perf_counter()
        expect(
            lint_text,
            text,
            (
                "TDL003",
                *at(text, '"cpu"'),
                'Container "a" cpu must be an integer, not string "1" (container-level cpu is an integer)',
            ),
        )
        assert time.perf_counter() - started < 5

    def test_a_long_value_is_shortened_in_messages(self, lint_text: Any) -> None:
        text = (
            '{"family": "web", "containerDefinitions": [{"name": "a", "image": "b", "memory": "'
            + "9" * 100
            + '"}]}'
        )
        [row] = rows(run(lint_text, text))
        assert row[3] == (
            'Container "a" memory must be an integer, not string "'
            + "9" * 37
            + '..." (container-level memory '
            "is an integer)"
        )

    def test_a_lone_surrogate_in_a_key_is_written_as_an_escape(self, lint_text: Any) -> None:
        # Valid JSON that cannot be encoded as UTF-8: the report must still be written, and parse.
        result = run(lint_text, '[{"name": "a", "image": "b", "\\ud800x": 1}]')
        assert result.code == 1
        assert [r[0] for r in rows(result)] == ["TDL003"]
        assert result.findings[0]["message"] == 'Container "a": unknown member "\ud800x"'
        text_result = run(lint_text, '[{"name": "a", "image": "b", "\\ud800x": 1}]', format="text")
        assert '"\\ud800x"' in text_result.stdout


class TestWrongTypes:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            (
                '{"family": "web", "containerDefinitions": "web"}',
                [(1, 19, "/containerDefinitions", 'containerDefinitions must be an array, not string "web"')],
            ),
            (
                '{"family": "web", "containerDefinitions": [5, ' + GOOD_CONTAINER + "]}",
                [
                    (
                        1,
                        44,
                        "/containerDefinitions/0",
                        "containerDefinitions[0] must be an object, not number 5",
                    )
                ],
            ),
            (
                '{"family": "web", "containerDefinitions": [{"name": "web", "image": "x", "memory": 512,\n'
                '  "portMappings": {"containerPort": 80}}]}',
                [
                    (
                        2,
                        3,
                        "/containerDefinitions/0/portMappings",
                        'Container "web" portMappings must be an array, not an object',
                    )
                ],
            ),
            (
                '{"family": "web", "containerDefinitions": [{"name": "web", "image": "x", "memory": 512,\n'
                '  "portMappings": [80, {"containerPort": "80"}]}]}',
                [
                    (
                        2,
                        20,
                        "/containerDefinitions/0/portMappings/0",
                        'Container "web" portMappings[0] must be an object, not number 80',
                    ),
                    (
                        2,
                        25,
                        "/containerDefinitions/0/portMappings/1/containerPort",
                        'Container "web" portMappings[1].containerPort must be an integer, not string "80"',
                    ),
                ],
            ),
            (
                '{"family": 7, "containerDefinitions": [{"name": ["web"], "image": null, "memory": true,'
                ' "environment": {"A": "1"}, "essential": "yes"}]}',
                [
                    (1, 2, "/family", "family must be a string, not number 7"),
                    (
                        1,
                        41,
                        "/containerDefinitions/0/name",
                        'Container "#0" name must be a string, not an array',
                    ),
                    (
                        1,
                        73,
                        "/containerDefinitions/0/memory",
                        'Container "#0" memory must be an integer, not boolean true (container-level memory is an '
                        "integer)",
                    ),
                    (
                        1,
                        89,
                        "/containerDefinitions/0/environment",
                        'Container "#0" environment must be an array, not an object',
                    ),
                    (
                        1,
                        116,
                        "/containerDefinitions/0/essential",
                        'Container "#0" essential must be a boolean, not string "yes"',
                    ),
                ],
            ),
            (
                '{"taskDefinition": [], "tags": "x"}',
                [
                    (
                        1,
                        1,
                        "",
                        "Not a task definition: expected register-task-definition input (with "
                        '"containerDefinitions"), describe-task-definition output (with "taskDefinition"), a list of '
                        "container definitions, an ECS service (create-service input, describe-services output), a "
                        "CloudFormation template or a Terraform plan or state",
                    ),
                ],
            ),
        ],
    )
    def test_wrong_types_at_every_level_are_schema_findings(
        self, lint_text: Any, text: str, expected: list[tuple[int, int, str, str]]
    ) -> None:
        result = run(lint_text, text)
        assert result.code == 1
        got = [(f["line"], f["column"], f["pointer"], f["message"]) for f in result.findings]
        assert got == expected
        assert {f["rule"] for f in result.findings} <= {"TDL003", "TDL004"}

    def test_wrong_types_do_not_crash_any_rule(self, tmp_path: Path) -> None:
        # Every rule (not only the document stage) runs on badly typed input without an exception.
        cases = [
            '{"family": "web", "containerDefinitions": "web"}',
            '{"family": "web", "containerDefinitions": [5, "x", null, [], {}]}',
            '{"family": "web", "containerDefinitions": [{"name": 1, "image": 2, "portMappings": {}, '
            '"environment": "x", "secrets": 5, "dependsOn": {}, "mountPoints": [1], "logConfiguration": [],'
            ' "linuxParameters": "x", "healthCheck": [], "ulimits": {}, "memory": "512", "cpu": [],'
            ' "essential": "no", "links": "x", "volumesFrom": {}, "dockerLabels": []}],'
            ' "volumes": {}, "cpu": [], "memory": {}, "requiresCompatibilities": "FARGATE",'
            ' "networkMode": 5, "runtimePlatform": [], "ephemeralStorage": 20}',
            '[{"name": "a", "image": "b", "portMappings": [{"containerPort": "x", "hostPort": []}]}]',
        ]
        for number, text in enumerate(cases):
            (tmp_path / f"t{number}.json").write_text(text, encoding="utf-8")
            result = lint(tmp_path, f"t{number}.json")
            assert result.code == 1, result.stderr
            assert result.stderr == ""


# The same defects in the three input forms: a misspelt "enviroment" in container 0, and (where the form
# has a task level) task cpu given as a number.

REGISTER = """{
  "family": "web",
  "cpu": 256,
  "memory": "512",
  "containerDefinitions": [
    {
      "name": "web",
      "image": "nginx:1.27",
      "enviroment": [{"name": "MODE", "value": "prod"}]
    }
  ]
}
"""

DESCRIBE = """{
  "taskDefinition": {
    "taskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3",
    "containerDefinitions": [
      {
        "name": "web",
        "image": "nginx:1.27",
        "enviroment": [{"name": "MODE", "value": "prod"}]
      }
    ],
    "family": "web",
    "revision": 3,
    "status": "ACTIVE",
    "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.18"}],
    "compatibilities": ["EC2", "FARGATE"],
    "cpu": 256,
    "memory": "512",
    "registeredAt": "2024-05-01T10:00:00.000000+00:00",
    "registeredBy": "arn:aws:iam::123456789012:user/dev"
  },
  "tags": [{"key": "team", "value": "web"}]
}
"""

CONTAINERS = """[
  {
    "name": "web",
    "image": "nginx:1.27",
    "memory": 512,
    "enviroment": [{"name": "MODE", "value": "prod"}]
  }
]
"""

CPU = (
    'cpu must be a string, not number 256 (task-level cpu is a string in the ECS API, e.g. "256" or "1 vCPU")'
)
ENVIROMENT = 'Container "web": unknown member "enviroment" (did you mean "environment"?)'


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "register.json",
            REGISTER,
            [
                (3, 3, "/cpu", CPU),
                (9, 7, "/containerDefinitions/0/enviroment", ENVIROMENT),
            ],
        ),
        (
            "describe.json",
            DESCRIBE,
            [
                (8, 9, "/taskDefinition/containerDefinitions/0/enviroment", ENVIROMENT),
                (16, 5, "/taskDefinition/cpu", CPU),
            ],
        ),
        (
            "containers.json",
            CONTAINERS,
            [(6, 5, "/0/enviroment", ENVIROMENT)],
        ),
    ],
)
def test_the_same_defect_in_each_input_form(
    tmp_path: Path, name: str, text: str, expected: list[tuple[int, int, str, str]]
) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = lint(tmp_path, name, select=FOUNDATION)
    assert result.code == 1
    got = [(f["line"], f["column"], f["pointer"], f["message"]) for f in result.findings]
    assert got == expected
    assert {f["rule"] for f in result.findings} == {"TDL003"}
    assert {f["path"] for f in result.findings} == {name}


def test_the_three_forms_side_by_side_in_one_folder(tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    for name, text in [
        ("register.json", REGISTER),
        ("describe.json", DESCRIBE),
        ("containers.json", CONTAINERS),
    ]:
        (tmp_path / "deploy" / name).write_text(text, encoding="utf-8")
    result = lint(tmp_path, "deploy", select=FOUNDATION)
    assert [(f["path"], f["line"], f["column"]) for f in result.findings] == [
        ("deploy/containers.json", 6, 5),
        ("deploy/describe.json", 8, 9),
        ("deploy/describe.json", 16, 5),
        ("deploy/register.json", 3, 3),
        ("deploy/register.json", 9, 7),
    ]


def test_describe_output_read_only_members_are_accepted(tmp_path: Path) -> None:
    fixed = DESCRIBE.replace('"enviroment"', '"environment"').replace('"cpu": 256', '"cpu": "256"')
    fixed = fixed.replace('"registeredBy"', '"deregisteredAt": 1714557600.5, "registeredBy"')
    (tmp_path / "describe.json").write_text(fixed, encoding="utf-8")
    result = lint(tmp_path, "describe.json", select=FOUNDATION)
    assert (result.code, result.findings) == (0, [])


def test_describe_output_without_the_wrapper(tmp_path: Path) -> None:
    inner = json.loads(DESCRIBE)["taskDefinition"]
    (tmp_path / "inner.json").write_text(json.dumps(inner, indent=2), encoding="utf-8")
    result = lint(tmp_path, "inner.json", select=FOUNDATION)
    text = (tmp_path / "inner.json").read_text()
    assert [(f["line"], f["column"], f["pointer"]) for f in result.findings] == [
        (*at(text, '"enviroment"'), "/containerDefinitions/0/enviroment"),
        (*at(text, '"cpu"'), "/cpu"),
    ]


def test_an_unknown_member_beside_task_definition(tmp_path: Path) -> None:
    text = DESCRIBE.replace('"tags"', '"tagz"').replace('"enviroment"', '"environment"')
    text = text.replace('"cpu": 256', '"cpu": "256"')
    (tmp_path / "describe.json").write_text(text, encoding="utf-8")
    result = lint(tmp_path, "describe.json", select=FOUNDATION)
    assert [(f["line"], f["column"], f["pointer"], f["message"]) for f in result.findings] == [
        (21, 3, "/tagz", 'Unknown member "tagz" beside "taskDefinition" in describe output')
    ]


def test_no_traceback_from_the_real_command(tmp_path: Path) -> None:
    (tmp_path / "deep.json").write_text("[" * 100_000, encoding="utf-8")
    (tmp_path / "bin.json").write_bytes(b"\x00\xff")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "taskdeflint",
            "lint",
            "--select",
            ",".join(FOUNDATION),
            "bin.json",
            "deep.json",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1
    assert completed.stderr == ""
    assert completed.stdout.splitlines()[:2] == [
        "bin.json:1:1: error TDL005 File is binary (it contains NUL bytes), not JSON",
        "deep.json:1:65: warning TDL006 JSON is nested more than 64 levels deep; no task definition nests that "
        "deep, so the file is not read further",
    ]


# No input makes the linter crash: arbitrary bytes, and arbitrary JSON in task-definition shapes.

JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=10),
        st.sampled_from(["FARGATE", "awsvpc", "256", "512", "web", "nginx:1.27", "tcp"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "image",
                    "memory",
                    "cpu",
                    "portMappings",
                    "containerPort",
                    "hostPort",
                    "essential",
                    "environment",
                    "dependsOn",
                    "containerName",
                    "condition",
                    "family",
                    "containerDefinitions",
                    "taskDefinition",
                    "networkMode",
                    "requiresCompatibilities",
                    "volumes",
                    "mountPoints",
                    "x/y~z",
                ]
            ),
            children,
            max_size=6,
        ),
    ),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=200), JSON_VALUES.map(lambda v: json.dumps(v).encode())))
def test_no_input_crashes_the_document_stage(lint_text: Any, data: bytes) -> None:
    result = lint_text(data, select=FOUNDATION)
    assert result.code in (0, 1), result.stderr
    for finding in result.findings:
        assert finding["line"] >= 1 and finding["column"] >= 1
        assert finding["rule"] in FOUNDATION


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.fixed_dictionaries(
        {"family": JSON_VALUES, "containerDefinitions": st.lists(JSON_VALUES, max_size=3)},
        optional={"cpu": JSON_VALUES, "memory": JSON_VALUES, "networkMode": JSON_VALUES},
    )
)
def test_no_task_definition_shape_crashes_the_document_stage(
    lint_text: Any, document: dict[str, Any]
) -> None:
    result = lint_text(json.dumps(document, indent=1), select=FOUNDATION)
    assert result.code in (0, 1), result.stderr
