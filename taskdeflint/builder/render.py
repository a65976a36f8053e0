"""Pinning built images into task definitions.

The rendered file is register-task-definition input (what `aws ecs register-task-definition
--cli-input-json` takes): describe-task-definition output is unwrapped, its read-only members dropped and
its top-level `tags` merged in. Only the `image` of the named containers changes; every other member,
known to our schema or not, and the order of members are kept.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskdeflint.readers.base import READ_ONLY_MEMBERS


class TaskDefinitionError(Exception):
    """A task definition that cannot be read or rendered; the message names the file."""


@dataclass(slots=True)
class TaskDefinitionFile:
    """A parsed task definition file: the whole document and the task definition inside it."""

    path: Path
    document: Any
    kind: str  # "register", "describe" or "containers"
    indent: int
    text: str = ""

    @property
    def containers(self) -> list[Any]:
        if self.kind == "containers":
            return list(self.document)
        inner = self.document["taskDefinition"] if self.kind == "describe" else self.document
        found = inner.get("containerDefinitions")
        return list(found) if isinstance(found, list) else []

    def container_names(self) -> list[str]:
        return [
            str(c["name"]) for c in self.containers if isinstance(c, dict) and isinstance(c.get("name"), str)
        ]

    def runtime_platform(self) -> str | None:
        """The Docker platform (`linux/arm64`) for the task's `runtimePlatform`, if it names one."""
        if self.kind == "containers":
            return None
        inner = self.document["taskDefinition"] if self.kind == "describe" else self.document
        runtime = inner.get("runtimePlatform")
        if not isinstance(runtime, dict):
            return None
        arch = runtime.get("cpuArchitecture")
        family = runtime.get("operatingSystemFamily")
        if arch is None and family is None:
            return None
        os_name = "windows" if isinstance(family, str) and family.startswith("WINDOWS") else "linux"
        cpu = {"X86_64": "amd64", "ARM64": "arm64"}.get(str(arch).upper(), "amd64") if arch else "amd64"
        return f"{os_name}/{cpu}"


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise TaskDefinitionError(f'duplicate key "{key}"')
        result[key] = value
    return result


def _indent_of(text: str) -> int:
    match = re.search(r"\n( +)\S", text)
    return len(match.group(1)) if match else 2


def load_task_definition(path: Path) -> TaskDefinitionFile:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TaskDefinitionError(f"{path}: task definition does not exist") from None
    except OSError as error:
        raise TaskDefinitionError(f"{path}: cannot read task definition: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise TaskDefinitionError(
            f"{path}: task definition is not UTF-8 (run taskdeflint lint on it)"
        ) from None
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as error:
        raise TaskDefinitionError(
            f"{path}:{error.lineno}:{error.colno}: task definition is not valid JSON "
            "(run taskdeflint lint on it)"
        ) from None
    except TaskDefinitionError as error:
        raise TaskDefinitionError(f"{path}: {error} (run taskdeflint lint on it)") from None
    except ValueError as error:
        raise TaskDefinitionError(f"{path}: task definition cannot be read: {error}") from None
    if isinstance(document, dict) and isinstance(document.get("taskDefinition"), dict):
        kind = "describe"
    elif isinstance(document, dict) and ("containerDefinitions" in document or "family" in document):
        kind = "register"
    elif isinstance(document, list) and document and all(isinstance(c, dict) for c in document):
        kind = "containers"
    else:
        raise TaskDefinitionError(
            f"{path}: not a task definition (expected register-task-definition input, "
            "describe-task-definition output or a list of container definitions)"
        )
    return TaskDefinitionFile(path, document, kind, _indent_of(text), text)


def _merge_tags(inner: list[Any] | None, outer: list[Any]) -> list[Any]:
    """The task definition's own tags, then the describe output's tags whose keys it does not have."""
    merged = list(inner or [])
    keys = {t.get("key") for t in merged if isinstance(t, dict)}
    for tag in outer:
        if not (isinstance(tag, dict) and tag.get("key") in keys):
            merged.append(tag)
    return merged


def register_input(source: TaskDefinitionFile) -> Any:
    """The document as register-task-definition input (a container list stays a container list)."""
    if source.kind == "containers":
        return [dict(c) for c in source.document]
    if source.kind == "describe":
        inner = dict(source.document["taskDefinition"])
        outer_tags = source.document.get("tags")
        if isinstance(outer_tags, list) and outer_tags:
            inner_tags = inner.get("tags")
            inner["tags"] = _merge_tags(inner_tags if isinstance(inner_tags, list) else None, outer_tags)
    else:
        inner = dict(source.document)
    for member in READ_ONLY_MEMBERS:
        inner.pop(member, None)
    containers = inner.get("containerDefinitions")
    if isinstance(containers, list):
        inner["containerDefinitions"] = [dict(c) if isinstance(c, dict) else c for c in containers]
    return inner


def render(source: TaskDefinitionFile, images: dict[str, str]) -> str:
    """The rendered file's text: `images` maps container names to the digest-pinned images to run.

    When the source is already register input (or a container list) and every named container has an
    `image`, the new images are spliced into the source text, so the rendered file differs from it in
    those strings only (layout, escapes and number spellings kept). Otherwise the document is rewritten.
    """
    spliced = _splice(source, images)
    if spliced is not None:
        return spliced
    document = register_input(source)
    containers = document if source.kind == "containers" else document.get("containerDefinitions", [])
    missing = set(images)
    for container in containers:
        if isinstance(container, dict) and container.get("name") in images:
            # Assigning to an existing key keeps its place; a container without an image gets one last.
            container["image"] = images[container["name"]]
            missing.discard(container["name"])
    if missing:
        names = ", ".join(sorted(missing))
        raise TaskDefinitionError(f"{source.path}: no container named {names}")
    return json.dumps(document, indent=source.indent, ensure_ascii=False) + "\n"


def _splice(source: TaskDefinitionFile, images: dict[str, str]) -> str | None:
    from taskdeflint.positions import TooDeep, scan

    if source.kind == "describe" or not source.text:
        return None
    if source.kind == "register" and any(member in source.document for member in READ_ONLY_MEMBERS):
        return None
    prefix = "" if source.kind == "containers" else "/containerDefinitions"
    try:
        spans = scan(source.text, 64).spans
    except TooDeep:
        return None
    edits: list[tuple[int, int, str]] = []
    found = set()
    for index, container in enumerate(source.containers):
        if not isinstance(container, dict) or container.get("name") not in images:
            continue
        span = spans.get(f"{prefix}/{index}/image")
        if span is None or not isinstance(container.get("image"), str):
            return None
        edits.append((span.start, span.end, json.dumps(images[container["name"]], ensure_ascii=False)))
        found.add(container["name"])
    if found != set(images):
        return None
    text = source.text
    for start, end, value in sorted(edits, reverse=True):
        text = text[:start] + value + text[end:]
    return text if text.endswith("\n") else text + "\n"
