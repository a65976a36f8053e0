"""Container-list and naming checks: how many containers, their names and images, the family name, and
whether any container is essential."""

from __future__ import annotations

import re
from collections.abc import Iterator

from taskdeflint.model import TaskDef
from taskdeflint.readers.placeholders import Placeholder

# "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed." (ECS API
# model, RegisterTaskDefinitionRequest.family and ContainerDefinition.name).
NAME_MAX = 255
_NAME_CHAR = re.compile(r"[A-Za-z0-9_-]")

# "Containers per task definition - Each supported Region: 10 - No" (AWS docs, service-quotas.html).
MAX_CONTAINERS = 10

# ContainerDefinition.image (ECS API model): tag form up to 255 characters of letters, numbers, hyphens,
# underscores, colons, periods, forward slashes and number signs; digest form: the 255 limit applies before
# the @ sign, the only hash function is sha256 and its value is exactly 64 hex characters.
IMAGE_MAX = 255
_IMAGE_CHAR = re.compile(r"[A-Za-z0-9_.:/#-]")
_SHA256_HEX = re.compile(r"[A-Fa-f0-9]{64}")
_AROUND = " around its placeholders"


def _bad_chars(text: str, allowed: re.Pattern[str]) -> str:
    """The distinct characters of `text` outside `allowed`, quoted, in order of appearance."""
    seen: list[str] = []
    for char in text:
        if not allowed.fullmatch(char) and char not in seen:
            seen.append(char)
    return ", ".join(_show(char) for char in seen)


def _show(char: str) -> str:
    if char == " ":
        return "space"
    if char.isprintable():
        return f'"{char}"'
    return f"U+{ord(char):04X}"


def _name_problem(name: str) -> str | None:
    return _text_problem(name, _NAME_CHAR, NAME_MAX)


def _text_problem(text: str, allowed: re.Pattern[str], longest: int, around: str = "") -> str | None:
    """A character that is not allowed, or a length over the limit; `around` words a text that is what
    is left of a value once its placeholders are taken out."""
    bad = _bad_chars(text, allowed)
    if bad:
        return f"contains characters that are not allowed{around} ({bad})"
    if len(text) > longest:
        return f"is {len(text)} characters long{around}, more than {longest}"
    return None


# -- TDL010 ------------------------------------------------------------------------------------------


def invalid_family_name(td: TaskDef) -> Iterator[tuple[str, str]]:
    """family: 1-255 letters, digits, underscores and hyphens."""
    family = td.data.get("family")
    if isinstance(family, Placeholder):
        problem = _text_problem(family.literal, _NAME_CHAR, NAME_MAX, _AROUND)
        if problem is not None:
            yield "/family", f'family "{family.text}" {problem}; use letters, digits, "_" and "-"'
        return
    if not isinstance(family, str):
        return
    if not family:
        yield "/family", 'family is empty (ECS: "Family can not be blank.")'
        return
    problem = _name_problem(family)
    if problem is not None:
        yield (
            "/family",
            f'family "{family}" {problem}; use up to {NAME_MAX} letters, digits, "_" and "-"',
        )


# -- TDL011, TDL012 ----------------------------------------------------------------------------------


def too_many_containers(td: TaskDef) -> Iterator[tuple[str, str]]:
    """At most 10 container definitions per task definition."""
    containers = td.data.get("containerDefinitions")
    if isinstance(containers, list) and len(containers) > MAX_CONTAINERS:
        yield (
            "/containerDefinitions",
            f"Task definition has {len(containers)} container definitions; ECS allows at most "
            f'{MAX_CONTAINERS} per task definition (ECS: "Too many containers.")',
        )


def empty_container_list(td: TaskDef) -> Iterator[tuple[str, str]]:
    """containerDefinitions must not be an empty list."""
    containers = td.data.get("containerDefinitions")
    if isinstance(containers, list) and not containers:
        yield (
            "/containerDefinitions",
            'containerDefinitions is empty; a task definition needs at least one container (ECS: "Container '
            'list cannot be empty.")',
        )


# -- TDL013, TDL014, TDL015 --------------------------------------------------------------------------


def _missing_member(td: TaskDef, member: str) -> Iterator[tuple[str, str]]:
    """Containers without a non-empty `member`; ECS says "Container.<member> should not be null or empty."."""
    quote = f'(ECS: "Container.{member} should not be null or empty.")'
    for container in td.containers:
        if member not in container.data:
            yield container.pointer, f"{container.label} has no {member} {quote}"
        elif container.data[member] == "":
            yield f"{container.pointer}/{member}", f"{container.label} has an empty {member} {quote}"


def missing_container_name(td: TaskDef) -> Iterator[tuple[str, str]]:
    """Every container needs a non-empty name."""
    return _missing_member(td, "name")


def invalid_container_name(td: TaskDef) -> Iterator[tuple[str, str]]:
    """Container names: up to 255 letters, digits, underscores and hyphens."""
    for container in td.containers:
        name = container.data.get("name")
        if isinstance(name, Placeholder):
            problem = _text_problem(name.literal, _NAME_CHAR, NAME_MAX, _AROUND)
            name = name.text
        elif not isinstance(name, str) or not name:
            continue
        else:
            problem = _name_problem(name)
        if problem is not None:
            yield (
                f"{container.pointer}/name",
                f'Container name "{name}" {problem}; use up to {NAME_MAX} letters, digits, "_" and "-"',
            )


def duplicate_container_name(td: TaskDef) -> Iterator[tuple[str, str]]:
    """Two containers with the same name."""
    first: dict[str, int] = {}
    for container in td.containers:
        name = container.data.get("name")
        if not isinstance(name, str) or not name:
            continue
        if name in first:
            yield (
                f"{container.pointer}/name",
                f'Container name "{name}" is already used by container {first[name]} '
                f"(/containerDefinitions/{first[name]}); container names must be unique",
            )
        else:
            first[name] = container.index


# -- TDL016, TDL017 ----------------------------------------------------------------------------------


def missing_container_image(td: TaskDef) -> Iterator[tuple[str, str]]:
    """Every container needs a non-empty image."""
    return _missing_member(td, "image")


def image_problem(image: str) -> str | None:
    """Why an image reference breaks the API model's image format, or None if it does not."""
    name, at, digest = image.partition("@")
    bad = _bad_chars(name, _IMAGE_CHAR)
    if at:
        if not name:
            return "has nothing before the @ sign"
        if bad:
            return f"contains characters that are not allowed before the @ sign ({bad})"
        if len(name) > IMAGE_MAX:
            return f"is {len(name)} characters long before the @ sign, more than {IMAGE_MAX}"
        algorithm, colon, value = digest.partition(":")
        if algorithm != "sha256" or not colon:
            return 'has a digest that does not start with "sha256:", the only supported hash function'
        if not _SHA256_HEX.fullmatch(value):
            return (
                f"has a sha256 digest of {len(value)} characters; it must be exactly 64 hexadecimal "
                "characters (0-9, a-f, A-F)"
            )
        return None
    if bad:
        return f"contains characters that are not allowed ({bad})"
    if len(image) > IMAGE_MAX:
        return f"is {len(image)} characters long, more than {IMAGE_MAX}"
    return None


def invalid_image_reference(td: TaskDef) -> Iterator[tuple[str, str]]:
    """Image references in the form the ECS API accepts."""
    for container in td.containers:
        image = container.data.get("image")
        if isinstance(image, Placeholder):
            problem = _text_problem(image.literal, _IMAGE_CHAR, IMAGE_MAX, _AROUND)
            image = image.text
        elif not isinstance(image, str) or not image:
            continue
        else:
            problem = image_problem(image)
        if problem is not None:
            shown = image if len(image) <= 80 else f"{image[:60]}..."
            yield f"{container.pointer}/image", f'{container.label} image "{shown}" {problem}'


# -- TDL018 ------------------------------------------------------------------------------------------


def no_essential_container(td: TaskDef) -> Iterator[tuple[str, str]]:
    """At least one container must be essential; an omitted essential means true."""
    containers = td.containers
    if containers and not any(c.essential for c in containers):
        yield (
            "/containerDefinitions",
            f'No container is essential (all {len(containers)} set "essential": false); a task needs at '
            "least one essential container",
        )
