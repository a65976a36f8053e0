"""Task definitions as teams keep them, before the deploy step that registers them.

* A console JSON export writes `null` for every unset member. The ECS deploy GitHub action drops null
  members before it registers; the AWS CLI rejects them. A null member is read as absent, and one warning
  per file says so (`drop_nulls`).
* Templates hold placeholders that the deployment fills in (`taskdeflint.readers.placeholders`): they become
  unknown values, and one info finding per file says how many (`mark_placeholders`).
* The AWS provider for Terraform decodes `container_definitions` with Go's `encoding/json`, which matches
  member names case-insensitively and drops members it does not know (`terraform_members`).
* A container whose image `taskdeflint build` renders has a placeholder image by design (`built_images`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from taskdeflint.positions import join
from taskdeflint.readers.base import Kind, Loaded, Raw, Target
from taskdeflint.readers.placeholders import RENDERED_BY_BUILD, Found, Placeholder, mark, message

PLACEHOLDERS = "TDL019"
NULL_MEMBER = "TDL020"
IGNORED_MEMBER = "TDL021"
MEMBER_CASE = "TDL022"

# Each placeholder is tried with a few values (see `taskdeflint.readers.unknown.certain`); past this many, the
# rules are not run on the file, which only the schema checks.
MAX_PLACEHOLDERS = 256

_NULL_MESSAGE = (
    "{count} null (read here as absent). The ECS deploy GitHub action (amazon-ecs-deploy-task-definition) "
    "drops null members before it registers, but the AWS CLI (register-task-definition --cli-input-json) "
    "rejects them: remove them (they are what the console's JSON export writes for unset members)"
)


def drop_nulls(loaded: Loaded, *, report: bool = True) -> None:
    """Remove the members of `loaded.document` whose value is null; one finding at the first of them."""
    found: list[str] = []
    _drop(loaded.document, "", found)
    if found and report:
        count = (
            f'Member "{found[0].rsplit("/", 1)[-1]}" is' if len(found) == 1 else f"{len(found)} members are"
        )
        loaded.raws.append(Raw(NULL_MEMBER, _NULL_MESSAGE.format(count=count), pointer=found[0]))


def _drop(value: object, pointer: str, found: list[str]) -> None:
    if isinstance(value, dict):
        nulls = []
        for key, item in value.items():
            if item is None:
                nulls.append(key)
                found.append(join(pointer, key))
            elif isinstance(item, dict | list):
                _drop(item, join(pointer, key), found)
        for key in nulls:
            del value[key]
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict | list):
                _drop(item, f"{pointer}/{index}", found)


def _root_node(kind: Kind) -> dict[str, Any]:
    return {
        "$ref": "#/$defs/TaskDefinition" if kind is Kind.DESCRIBE else "#/$defs/RegisterTaskDefinitionRequest"
    }


def mark_placeholders(loaded: Loaded, expression: re.Pattern[str]) -> None:
    """Turn the placeholders of each target into unknowns; one info finding for the file."""
    from taskdeflint.readers.embedded import link_names
    from taskdeflint.readers.unknown import PartialTaskDef

    total = Found()
    first = ""
    for index, target in enumerate(loaded.targets):
        found = Found()
        data = target.taskdef.data
        mark(data, _root_node(target.kind), "", expression, found)
        if not found.pointers:
            continue
        first = first or target.to_document(found.pointers[0])
        total.pointers += found.pointers
        total.texts += found.texts
        link_names(data)
        taskdef = PartialTaskDef(data, target.taskdef.kind)
        if len(found.pointers) > MAX_PLACEHOLDERS:
            taskdef._worlds = []  # too many to try each: no rule's finding can be certain
        loaded.targets[index] = replace(target, taskdef=taskdef)
    for placed in loaded.resources:
        found = Found()
        mark(placed.resource.data, {}, "", expression, found)
        if found.pointers:
            first = first or placed.to_document(found.pointers[0])
            total.pointers += found.pointers
            total.texts += found.texts
    if total.texts:
        loaded.raws.append(Raw(PLACEHOLDERS, message(total), pointer=first))


def built_images(targets: Iterable[Target], names: Iterable[str]) -> None:
    """The image of each container named in `names` is the one `taskdeflint build` pins into the rendered
    file: whatever the source says there is a placeholder."""
    wanted = set(names)
    for target in targets:
        for container in target.taskdef.containers:
            if container.data.get("name") in wanted:
                container.data["image"] = Placeholder(RENDERED_BY_BUILD)


# --- Terraform's decoding of container_definitions ---------------------------------------------------


def terraform_members(containers: object, pointer: str, label: str = "") -> tuple[list[Raw], dict[str, str]]:
    """Read a container list as the AWS provider for Terraform does (Go's `encoding/json` into the SDK's
    ContainerDefinition): a member named in another case is the member it matches, a member the API does
    not have is dropped, null is unset. Changes `containers` in place.

    Returns the findings (pointers under `pointer`, the list's place in the document) and the renamed
    members: the pointer of each in the list as written, to its pointer as the API names it.
    """
    raws: list[Raw] = []
    renamed: dict[str, str] = {}
    suffix = f" ({label})" if label else ""
    if isinstance(containers, list):
        for index, container in enumerate(containers):
            name = container.get("name") if isinstance(container, dict) else None
            words = f'Container "{name}"' if isinstance(name, str) and name else f"Container #{index}"
            node = {"$ref": "#/$defs/ContainerDefinition"}
            _fold(container, node, (f"/{index}", f"/{index}"), (pointer, words, suffix), raws, renamed)
    return raws, renamed


def _fold(
    value: object,
    node: dict[str, Any],
    at: tuple[str, str],
    context: tuple[str, str, str],
    raws: list[Raw],
    renamed: dict[str, str],
) -> None:
    """`at` is the value's pointer as the API names it and as the file writes it."""
    from taskdeflint.readers.embedded import is_map, resolve

    node = resolve(node)[1]
    api, written = at
    if isinstance(value, list):
        items = node.get("items")
        each = items if isinstance(items, dict) else {}
        for index, item in enumerate(value):
            _fold(item, each, (f"{api}/{index}", f"{written}/{index}"), context, raws, renamed)
        return
    if not isinstance(value, dict) or is_map(node) or "properties" not in node:
        return
    base, words, suffix = context
    inside = ".".join(t for t in api.split("/")[2:] if not t.isdigit())
    where = f"{words} {inside}".rstrip()
    properties: dict[str, Any] = node["properties"]
    folded = {key.casefold(): key for key in properties}
    for key in list(value):
        if value[key] is None:
            del value[key]  # Go leaves the field unset
            continue
        old = join(written, key)
        member = key if key in properties else folded.get(key.casefold())
        if member is None:
            close = difflib.get_close_matches(key, list(properties), n=1, cutoff=0.75)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            message = (
                f'{where}: member "{key}" is not in the ECS API{hint}; the AWS provider for Terraform drops '
                "it before registering, so it has no effect"
            )
            raws.append(Raw(IGNORED_MEMBER, message + suffix, pointer=base + old))
            del value[key]
            continue
        if member != key:
            message = (
                f'{where}: "{key}" is read as "{member}" only because the AWS provider for Terraform matches '
                f'member names in any case; spell it "{member}", as the ECS API does'
            )
            raws.append(Raw(MEMBER_CASE, message + suffix, pointer=base + old))
            if member in value:
                del value[key]  # both spellings: the API's is kept
                continue
            value[member] = value.pop(key)
            renamed[old] = join(api, member)
        _fold(value[member], properties[member], (join(api, member), old), context, raws, renamed)


def renamed_pointers(pointers: Iterable[str], renamed: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(the API's pointer, the written pointer) of each written pointer at or inside a renamed member
    (`renamed` as `terraform_members` returns it); each pointer's ancestors are looked up, no more."""
    if not renamed:
        return
    for pointer in pointers:
        cut = pointer
        while cut:
            api = renamed.get(cut)
            if api is not None:
                yield api + pointer[len(cut) :], pointer
                break
            cut = cut[: cut.rfind("/")]


def as_deployed(loaded: Loaded, built: Collection[str], location: Path | None) -> None:
    """What the file is once deployed: the images `taskdeflint build` renders (`built`, container
    names) are unknown, and a container list that Terraform reads (a .tf file near `location` names it)
    is read as the AWS provider for Terraform reads it."""
    if built:
        built_images(loaded.targets, built)
    if location is None or not any(t.kind is Kind.CONTAINERS for t in loaded.targets):
        return
    from taskdeflint.readers.tfcontext import read_by_terraform

    if not read_by_terraform(location):
        return
    # Go's decoder reads null as unset: nothing to warn about there.
    loaded.raws = [raw for raw in loaded.raws if raw.rule != NULL_MEMBER]
    for target in loaded.targets:
        if target.kind is Kind.CONTAINERS:
            raws, renamed = terraform_members(target.taskdef.data.get("containerDefinitions"), "")
            loaded.raws += raws
            if loaded.positions is not None:
                # The rules' pointers name the API's member; it is where the file writes it.
                spans = loaded.positions.spans
                for api, written in list(renamed_pointers(spans, renamed)):
                    spans[api] = spans[written]
