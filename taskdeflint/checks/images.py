"""Image hygiene checks (TDL5xx): mutable tags and images not pinned by digest.

The syntax of an image reference (characters, length, digest form) is the image-syntax rule's business;
these checks read only what they need (the tag after the last `:` of the last path component, the digest
after `@`) and stay silent on references they cannot read, such as templates (`${IMAGE}`, `{{ image }}`,
`<IMAGE>`) that a deployment step fills in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from taskdeflint.model import TaskDef

_TEMPLATE = re.compile(r"\$\{|\{\{|<|>|\s")


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image reference split into repository, tag and digest (each None when absent)."""

    repository: str
    tag: str | None
    digest: str | None


def parse_image(image: object) -> ImageRef | None:
    """Split `registry[:port]/path[:tag][@digest]`; None for what is not a plain reference string."""
    if not isinstance(image, str) or not image or _TEMPLATE.search(image):
        return None
    rest, at, digest = image.partition("@")
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        repository, tag = rest[:colon], rest[colon + 1 :]
    else:
        repository, tag = rest, None
    if not repository or tag == "" or (at and not digest):
        return None
    return ImageRef(repository, tag, digest if at else None)


def latest_image_tag(td: TaskDef) -> Iterator[tuple[str, str]]:
    for c in td.containers:
        image = c.data.get("image")
        ref = parse_image(image)
        if ref is None or ref.digest is not None:
            continue
        if ref.tag is None:
            yield (
                f"{c.pointer}/image",
                f'{c.label} image "{image}" has no tag, so it runs whatever "latest" points to when the '
                "task starts",
            )
        elif ref.tag == "latest":
            yield (
                f"{c.pointer}/image",
                f'{c.label} image "{image}" uses the mutable "latest" tag',
            )


def image_not_pinned_by_digest(td: TaskDef) -> Iterator[tuple[str, str]]:
    for c in td.containers:
        image = c.data.get("image")
        ref = parse_image(image)
        if ref is None or ref.digest is not None:
            continue
        yield f"{c.pointer}/image", f'{c.label} image "{image}" is not pinned by digest (@sha256:...)'
