"""Edge cases of the image hygiene rules: TDL501 latest-image-tag and TDL502 image-not-pinned-by-digest."""

from __future__ import annotations

import json
from typing import Any

import pytest

from taskdeflint.checks.images import ImageRef, parse_image
from tests.conftest import pointers

DIGEST = "sha256:" + "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"


def td(*images: Any) -> str:
    return json.dumps(
        {
            "family": "f",
            "containerDefinitions": [{"name": f"c{n}", "image": image} for n, image in enumerate(images)],
        }
    )


def image(n: int = 0) -> str:
    return f"/containerDefinitions/{n}/image"


@pytest.mark.parametrize(
    ("reference", "parsed"),
    [
        ("nginx", ImageRef("nginx", None, None)),
        ("nginx:1.27", ImageRef("nginx", "1.27", None)),
        ("library/nginx:latest", ImageRef("library/nginx", "latest", None)),
        ("localhost:5000/api", ImageRef("localhost:5000/api", None, None)),
        ("localhost:5000/api:2", ImageRef("localhost:5000/api", "2", None)),
        (f"{ECR}/team/api:v1.2#3", ImageRef(f"{ECR}/team/api", "v1.2#3", None)),
        (f"nginx@{DIGEST}", ImageRef("nginx", None, DIGEST)),
        (f"nginx:1.27@{DIGEST}", ImageRef("nginx", "1.27", DIGEST)),
        ("${IMAGE}", None),
        ("{{ image }}", None),
        ("<IMAGE>", None),
        ("repo:${TAG}", None),
        ("nginx:", None),
        ("nginx@", None),
        (":1.0", None),
        ("", None),
        ("ngi nx", None),
        (7, None),
        (None, None),
    ],
)
def test_parse_image(reference: Any, parsed: ImageRef | None) -> None:
    assert parse_image(reference) == parsed


@pytest.mark.parametrize(
    ("images", "expected"),
    [
        (["nginx"], [image()]),
        (["nginx:latest"], [image()]),
        ([f"{ECR}/api:latest"], [image()]),
        ([f"{ECR}/api"], [image()]),
        (["localhost:5000/api"], [image()]),
        (["public.ecr.aws/nginx/nginx"], [image()]),
        (["nginx:1.27", "redis"], [image(1)]),
        # Pinned by digest: exactly that image, whatever the tag.
        ([f"nginx:latest@{DIGEST}"], []),
        ([f"nginx@{DIGEST}"], []),
        # Other tags, including other moving ones, and case.
        (["nginx:1.27"], []),
        (["nginx:stable"], []),
        (["nginx:LATEST"], []),
        (["nginx:latest-alpine"], []),
        (["localhost:5000/api:3"], []),
        # Templates and malformed references are the image syntax rule's.
        (["${IMAGE}"], []),
        ([f"{ECR}/api:${{TAG}}"], []),
        (["nginx:"], []),
        ([""], []),
        # Wrong types.
        ([7], []),
        ([None], []),
        ([["nginx"]], []),
    ],
)
def test_latest_image_tag(lint_text: Any, images: list[Any], expected: list[str]) -> None:
    assert pointers(lint_text(td(*images)), "TDL501") == expected


@pytest.mark.parametrize(
    ("images", "expected"),
    [
        (["nginx:1.27"], [image()]),
        (["nginx"], [image()]),
        (["nginx:latest"], [image()]),
        ([f"{ECR}/api:3.4.1", f"{ECR}/api@{DIGEST}"], [image(0)]),
        ([f"nginx@{DIGEST}"], []),
        ([f"nginx:1.27@{DIGEST}"], []),
        (["${IMAGE}"], []),
        (["nginx:"], []),
        ([{"repository": "nginx"}], []),
    ],
)
def test_image_not_pinned_by_digest(lint_text: Any, images: list[Any], expected: list[str]) -> None:
    assert pointers(lint_text(td(*images)), "TDL502") == expected


MULTILINE = """{
  "family": "web",
  "containerDefinitions": [
    {
      "name": "proxy",
      "image": "nginx"
    },
    {
      "name": "api",
         "image": "example/api:latest"
    }
  ]
}
"""


def test_positions_and_messages(lint_text: Any) -> None:
    result = lint_text(MULTILINE)
    latest = [f for f in result.findings if f["rule"] == "TDL501"]
    pinned = [f for f in result.findings if f["rule"] == "TDL502"]
    assert [(f["line"], f["column"], f["severity"], f["message"]) for f in latest] == [
        (
            6,
            7,
            "warning",
            'Container "proxy" image "nginx" has no tag, so it runs whatever "latest" points to when the '
            "task starts",
        ),
        (10, 10, "warning", 'Container "api" image "example/api:latest" uses the mutable "latest" tag'),
    ]
    assert [(f["line"], f["column"], f["severity"], f["message"]) for f in pinned] == [
        (6, 7, "info", 'Container "proxy" image "nginx" is not pinned by digest (@sha256:...)'),
        (10, 10, "info", 'Container "api" image "example/api:latest" is not pinned by digest (@sha256:...)'),
    ]


def test_bare_container_list_and_describe_output(lint_text: Any) -> None:
    bare = json.dumps([{"name": "a", "image": "nginx"}])
    assert pointers(lint_text(bare), "TDL501") == ["/0/image"]
    described = json.dumps(
        {
            "taskDefinition": {
                "family": "f",
                "revision": 2,
                "containerDefinitions": [{"name": "a", "image": "nginx"}],
            }
        }
    )
    assert pointers(lint_text(described), "TDL501") == ["/taskDefinition/containerDefinitions/0/image"]


@pytest.mark.parametrize(
    "document",
    [
        '{"family": "f", "containerDefinitions": [{"name": "a"}]}',
        '{"family": "f", "containerDefinitions": [{"name": "a", "image": {"uri": "nginx"}}]}',
        '{"family": "f", "containerDefinitions": [1, "nginx", null]}',
        '{"family": "f", "containerDefinitions": "nginx"}',
        '[{"name": "a", "image": ["nginx"]}]',
    ],
)
def test_wrong_types_do_not_crash(lint_text: Any, document: str) -> None:
    result = lint_text(document)
    assert result.code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    assert pointers(result, "TDL501") == pointers(result, "TDL502") == []
