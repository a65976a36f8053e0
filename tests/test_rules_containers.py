"""Container-list and naming rules (TDL010-TDL018): catches and catches-not, positions, messages, and
wrong types."""

from __future__ import annotations

import json
from typing import Any

import pytest

from taskdeflint.checks.containers import image_problem
from tests.conftest import pointers

DIGEST = "sha256:" + "0123456789abcdef" * 4


def doc(containers: list[Any] | None = None, **top: Any) -> str:
    data = {"family": "web", **top, "containerDefinitions": [c()] if containers is None else containers}
    return json.dumps(data, indent=2)


def c(name: str | None = "web", image: str | None = "nginx:1.27", **members: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if name is not None:
        out["name"] = name
    if image is not None:
        out["image"] = image
    out.update(members)
    return out


def many(n: int) -> list[dict[str, Any]]:
    return [c(f"c{i}", memory=64) for i in range(n)]


CASES: list[tuple[str, str, str, list[str]]] = [
    # TDL010 invalid-family-name
    ("TDL010", "dot", doc(family="my.app"), ["/family"]),
    ("TDL010", "space", doc(family="my app"), ["/family"]),
    ("TDL010", "colon revision", doc(family="web:3"), ["/family"]),
    ("TDL010", "slash", doc(family="team/web"), ["/family"]),
    ("TDL010", "non-ASCII letter", doc(family="café"), ["/family"]),
    ("TDL010", "trailing newline", doc(family="web\n"), ["/family"]),
    ("TDL010", "blank", doc(family=""), ["/family"]),
    ("TDL010", "256 characters", doc(family="a" * 256), ["/family"]),
    ("TDL010", "255 characters", doc(family="a" * 255), []),
    ("TDL010", "all allowed characters", doc(family="Az09_-"), []),
    ("TDL010", "one character", doc(family="x"), []),
    ("TDL010", "not a string is TDL003's", doc(family=12), []),
    # TDL011 too-many-containers
    ("TDL011", "eleven", doc(many(11)), ["/containerDefinitions"]),
    ("TDL011", "twenty", doc(many(20)), ["/containerDefinitions"]),
    ("TDL011", "ten", doc(many(10)), []),
    ("TDL011", "one", doc(many(1)), []),
    # TDL012 empty-container-list
    ("TDL012", "empty", doc([]), ["/containerDefinitions"]),
    ("TDL012", "one", doc(many(1)), []),
    ("TDL012", "not a list", json.dumps({"family": "web", "containerDefinitions": {}}), []),
    # TDL013 missing-container-name
    ("TDL013", "absent", doc([c(None)]), ["/containerDefinitions/0"]),
    ("TDL013", "empty", doc([c("a"), c("")]), ["/containerDefinitions/1/name"]),
    ("TDL013", "null is absent", doc([{"name": None, "image": "nginx:1.27"}]), ["/containerDefinitions/0"]),
    ("TDL013", "present", doc([c("a"), c("b")]), []),
    ("TDL013", "space is TDL014's", doc([c(" ")]), []),
    # TDL014 invalid-container-name
    ("TDL014", "dot", doc([c("web.app")]), ["/containerDefinitions/0/name"]),
    ("TDL014", "colon", doc([c("nginx:1")]), ["/containerDefinitions/0/name"]),
    ("TDL014", "space", doc([c("a"), c("my app")]), ["/containerDefinitions/1/name"]),
    ("TDL014", "unicode", doc([c("wéb")]), ["/containerDefinitions/0/name"]),
    ("TDL014", "too long", doc([c("n" * 256)]), ["/containerDefinitions/0/name"]),
    ("TDL014", "max length", doc([c("n" * 255)]), []),
    ("TDL014", "allowed", doc([c("Web_app-2")]), []),
    ("TDL014", "leading hyphen allowed", doc([c("-web")]), []),
    ("TDL014", "empty is TDL013's", doc([c("")]), []),
    ("TDL014", "not a string is TDL003's", doc([{"name": 7, "image": "nginx:1.27"}]), []),
    # TDL015 duplicate-container-name
    ("TDL015", "twice", doc([c("web"), c("web")]), ["/containerDefinitions/1/name"]),
    (
        "TDL015",
        "three times",
        doc([c("web"), c("log"), c("web"), c("web")]),
        ["/containerDefinitions/2/name", "/containerDefinitions/3/name"],
    ),
    ("TDL015", "case differs", doc([c("web"), c("Web")]), []),
    ("TDL015", "distinct", doc([c("web"), c("log")]), []),
    ("TDL015", "empty names are TDL013's", doc([c(""), c("")]), []),
    # TDL016 missing-container-image
    ("TDL016", "absent", doc([c("web", None)]), ["/containerDefinitions/0"]),
    ("TDL016", "empty", doc([c("a"), c("b", "")]), ["/containerDefinitions/1/image"]),
    ("TDL016", "null is absent", doc([{"name": "web", "image": None}]), ["/containerDefinitions/0"]),
    ("TDL016", "present", doc([c("web", "busybox")]), []),
    # TDL017 invalid-image-reference
    ("TDL017", "placeholder is unknown", doc([c(image="${IMAGE}")]), []),
    ("TDL017", "CodePipeline placeholder", doc([c(image="<IMAGE1_NAME>")]), []),
    ("TDL017", "placeholder tag", doc([c(image="registry/web:${TAG}")]), []),
    (
        "TDL017",
        "space beside a placeholder",
        doc([c(image="my registry/web:${TAG}")]),
        ["/containerDefinitions/0/image"],
    ),
    (
        "TDL017",
        "angle brackets around a space",
        doc([c(image="<my image>")]),
        ["/containerDefinitions/0/image"],
    ),
    ("TDL017", "space", doc([c(image="nginx :1.27")]), ["/containerDefinitions/0/image"]),
    ("TDL017", "trailing newline", doc([c(image="nginx:1.27\n")]), ["/containerDefinitions/0/image"]),
    ("TDL017", "256 characters", doc([c(image="a" * 256)]), ["/containerDefinitions/0/image"]),
    ("TDL017", "short digest", doc([c(image="nginx@sha256:abc")]), ["/containerDefinitions/0/image"]),
    ("TDL017", "long digest", doc([c(image="nginx@" + DIGEST + "0")]), ["/containerDefinitions/0/image"]),
    (
        "TDL017",
        "non-hex digest",
        doc([c(image="nginx@sha256:" + "g" * 64)]),
        ["/containerDefinitions/0/image"],
    ),
    ("TDL017", "sha512", doc([c(image="nginx@sha512:" + "a" * 128)]), ["/containerDefinitions/0/image"]),
    ("TDL017", "no algorithm", doc([c(image="nginx@" + "a" * 64)]), ["/containerDefinitions/0/image"]),
    ("TDL017", "nothing before @", doc([c(image="@" + DIGEST)]), ["/containerDefinitions/0/image"]),
    ("TDL017", "two @", doc([c(image="nginx@" + DIGEST + "@x")]), ["/containerDefinitions/0/image"]),
    ("TDL017", "bad char before @", doc([c(image="ng inx@" + DIGEST)]), ["/containerDefinitions/0/image"]),
    ("TDL017", "256 before @", doc([c(image="a" * 256 + "@" + DIGEST)]), ["/containerDefinitions/0/image"]),
    ("TDL017", "255 before @", doc([c(image="a" * 255 + "@" + DIGEST)]), []),
    ("TDL017", "255 characters", doc([c(image="a" * 255)]), []),
    ("TDL017", "official", doc([c(image="ubuntu")]), []),
    ("TDL017", "organisation", doc([c(image="amazon/amazon-ecs-agent:latest")]), []),
    ("TDL017", "registry port", doc([c(image="registry.example.com:5000/team/app:1.0")]), []),
    ("TDL017", "ecr", doc([c(image="123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1.2.3")]), []),
    ("TDL017", "hash sign", doc([c(image="repo/app:build#12")]), []),
    ("TDL017", "upper case allowed", doc([c(image="Repo/App:V1")]), []),
    ("TDL017", "digest", doc([c(image="nginx@" + DIGEST)]), []),
    ("TDL017", "upper-case digest", doc([c(image="nginx@" + DIGEST.upper().replace("SHA", "sha"))]), []),
    ("TDL017", "tag and digest", doc([c(image="nginx:1.27@" + DIGEST)]), []),
    ("TDL017", "empty is TDL016's", doc([c(image="")]), []),
    # TDL018 no-essential-container
    ("TDL018", "one false", doc([c(essential=False)]), ["/containerDefinitions"]),
    (
        "TDL018",
        "all false",
        doc([c("a", essential=False), c("b", essential=False)]),
        ["/containerDefinitions"],
    ),
    ("TDL018", "omitted means true", doc([c("a"), c("b", essential=False)]), []),
    ("TDL018", "one true", doc([c("a", essential=True), c("b", essential=False)]), []),
    ("TDL018", "string false is not false", doc([c(essential="false")]), []),
    ("TDL018", "null is not false", doc([c(essential=None)]), []),
    ("TDL018", "empty list", doc([]), []),
]


@pytest.mark.parametrize(
    ("rule", "title", "text", "expected"), CASES, ids=[f"{r}-{t}" for r, t, _, _ in CASES]
)
def test_rule_cases(rule: str, title: str, text: str, expected: list[str], lint_text: Any) -> None:
    result = lint_text(text)
    assert result.code in (0, 1), result.stderr
    assert pointers(result, rule) == sorted(expected)


# -- positions and messages ----------------------------------------------------------------------------

EXACT: list[tuple[str, str, list[tuple[int, int, str, str]]]] = [
    (
        "TDL010",
        """{
  "containerDefinitions": [{"name": "web", "image": "nginx:1.27"}],
    "family": "my web.app"
}""",
        [
            (
                3,
                5,
                "/family",
                'family "my web.app" contains characters that are not allowed (space, "."); use up to 255 '
                'letters, digits, "_" and "-"',
            )
        ],
    ),
    (
        "TDL010",
        """{
  "family": "",
  "containerDefinitions": [{"name": "web", "image": "nginx:1.27"}]
}""",
        [(2, 3, "/family", 'family is empty (ECS: "Family can not be blank.")')],
    ),
    (
        "TDL011",
        "{\n"
        '  "family": "web",\n'
        '  "containerDefinitions": [\n'
        + ",\n".join(f'    {{"name": "c{i}", "image": "busybox:1.36"}}' for i in range(12))
        + "\n  ]\n}",
        [
            (
                3,
                3,
                "/containerDefinitions",
                "Task definition has 12 container definitions; ECS allows at most 10 per task definition "
                '(ECS: "Too many containers.")',
            )
        ],
    ),
    (
        "TDL012",
        """{
  "family": "web",
  "containerDefinitions": []
}""",
        [
            (
                3,
                3,
                "/containerDefinitions",
                "containerDefinitions is empty; a task definition needs at least one container "
                '(ECS: "Container list cannot be empty.")',
            )
        ],
    ),
    (
        "TDL013",
        """{
  "family": "web",
  "containerDefinitions": [
    {"name": "web", "image": "nginx:1.27"},
    {"image": "fluent/fluent-bit:3.0"}
  ]
}""",
        [
            (
                5,
                5,
                "/containerDefinitions/1",
                'Container "#1" has no name (ECS: "Container.name should not be null or empty.")',
            )
        ],
    ),
    (
        "TDL014",
        """{
  "family": "web",
  "containerDefinitions": [
    {"image": "nginx:1.27",
      "name": "web/app:1"}
  ]
}""",
        [
            (
                5,
                7,
                "/containerDefinitions/0/name",
                'Container name "web/app:1" contains characters that are not allowed ("/", ":"); use up to '
                '255 letters, digits, "_" and "-"',
            )
        ],
    ),
    (
        "TDL015",
        """{
  "family": "web",
  "containerDefinitions": [
    {"name": "web", "image": "nginx:1.27"},
    {"image": "fluent/fluent-bit:3.0", "name": "web"}
  ]
}""",
        [
            (
                5,
                40,
                "/containerDefinitions/1/name",
                'Container name "web" is already used by container 0 (/containerDefinitions/0); container '
                "names must be unique",
            )
        ],
    ),
    (
        "TDL016",
        """{
  "family": "web",
  "containerDefinitions": [
    {"name": "web",
     "image": ""}
  ]
}""",
        [
            (
                5,
                6,
                "/containerDefinitions/0/image",
                'Container "web" has an empty image (ECS: "Container.image should not be null or empty.")',
            )
        ],
    ),
    (
        "TDL017",
        """{
  "family": "web",
  "containerDefinitions": [
    {"name": "web",
     "image": "nginx@sha256:1234"}
  ]
}""",
        [
            (
                5,
                6,
                "/containerDefinitions/0/image",
                'Container "web" image "nginx@sha256:1234" has a sha256 digest of 4 characters; it must be '
                "exactly 64 hexadecimal characters (0-9, a-f, A-F)",
            )
        ],
    ),
    (
        "TDL018",
        """{
  "family": "jobs",

  "containerDefinitions": [
    {"name": "a", "image": "busybox:1.36", "essential": false}
  ]
}""",
        [
            (
                4,
                3,
                "/containerDefinitions",
                'No container is essential (all 1 set "essential": false); a task needs at least one '
                "essential container",
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("rule", "text", "expected"), EXACT, ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(EXACT)]
)
def test_positions_and_messages(rule: str, text: str, expected: list[Any], lint_text: Any) -> None:
    result = lint_text(text)
    found = [
        (f["line"], f["column"], f["pointer"], f["message"]) for f in result.findings if f["rule"] == rule
    ]
    assert found == expected


@pytest.mark.parametrize(
    ("image", "problem"),
    [
        ("nginx:1.27", None),
        ("a" * 300, "is 300 characters long, more than 255"),
        ("${IMAGE}", 'contains characters that are not allowed ("$", "{", "}")'),
        ("nginx\t:1", "contains characters that are not allowed (U+0009)"),
        (
            "nginx@md5:abc",
            'has a digest that does not start with "sha256:", the only supported hash function',
        ),
        ("nginx@sha256", 'has a digest that does not start with "sha256:", the only supported hash function'),
        ("@" + DIGEST, "has nothing before the @ sign"),
        ("x y@" + DIGEST, "contains characters that are not allowed before the @ sign (space)"),
        ("b" * 256 + "@" + DIGEST, "is 256 characters long before the @ sign, more than 255"),
    ],
)
def test_image_problem_messages(image: str, problem: str | None) -> None:
    assert image_problem(image) == problem


def test_severities(lint_text: Any) -> None:
    result = lint_text(doc([c("web"), c("web", "")]))
    severities = {f["rule"]: f["severity"] for f in result.findings}
    assert severities["TDL015"] == "error"  # "Container names must be unique within a Task Definition."
    assert severities["TDL016"] == "error"


# -- other document kinds ------------------------------------------------------------------------------


def test_bare_container_list(lint_text: Any) -> None:
    text = json.dumps(
        [c("web", essential=False, memory=64), c("web", "bad image", essential=False, memory=64)]
    )
    result = lint_text(text)
    assert result.code in (0, 1), result.stderr
    assert pointers(result, "TDL015") == ["/1/name"]
    assert pointers(result, "TDL017") == ["/1/image"]
    assert pointers(result, "TDL018") == [""]
    assert pointers(result, "TDL010") == []


def test_describe_output(lint_text: Any) -> None:
    inner = json.loads(doc([c("web.app", memory=64)], family="a.b"))
    inner["revision"] = 3
    result = lint_text(json.dumps({"taskDefinition": inner}))
    assert pointers(result, "TDL010") == ["/taskDefinition/family"]
    assert pointers(result, "TDL014") == ["/taskDefinition/containerDefinitions/0/name"]


# -- wrong types never crash ---------------------------------------------------------------------------

WRONG_TYPES = [
    json.dumps({"family": ["web"], "containerDefinitions": [c()]}),
    json.dumps({"family": None, "containerDefinitions": [c()]}),
    json.dumps({"family": "web", "containerDefinitions": "web"}),
    json.dumps({"family": "web", "containerDefinitions": {"0": c()}}),
    json.dumps({"family": "web", "containerDefinitions": None}),
    doc([1, "two", None, True, [c()]]),
    doc([1] * 11),
    doc([{"name": 5, "image": ["nginx"]}]),
    doc([{"name": {"x": 1}, "image": {"repo": "nginx"}}]),
    doc([c(essential=0), c("b", essential=[])]),
    doc([c(image="nginx@"), c("b", image="@"), c("c", image="@@")]),
    doc([c(image="\x00\ud7ff")]),
    json.dumps([{"name": 1, "image": 2}, {"name": None}]),
]


@pytest.mark.parametrize("text", WRONG_TYPES, ids=[str(i) for i in range(len(WRONG_TYPES))])
def test_wrong_types_do_not_crash(text: str, lint_text: Any) -> None:
    result = lint_text(text)
    assert result.code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_image_message_cuts_a_huge_value(lint_text) -> None:  # type: ignore[no-untyped-def]
    image = "a" * 300 + ":1"
    result = lint_text(
        json.dumps(
            {"family": "web", "containerDefinitions": [{"name": "web", "image": image, "memory": 512}]}
        )
    )
    (finding,) = [f for f in result.findings if f["rule"] == "TDL017"]
    assert image not in finding["message"]
    assert finding["message"].startswith('Container "web" image "' + "a" * 60 + '..." is 302 characters long')
