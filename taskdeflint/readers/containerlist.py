"""Whether a JSON list found by searching a folder is a list of container definitions.

A list of objects with `name` and `image` members is also what product catalogues, test fixtures and UI
mock data hold. A real container list (what Terraform's `file()` reads) has more: `essential`,
`portMappings`, `memory`, `logConfiguration`, ... So a found list counts when its objects have, besides
`name` and `image`, at least one member of the ECS API's ContainerDefinition, and no more other members
than those (a misspelt member or two, which the linter is there to report, does not hide the file).
Member names are compared case-insensitively, as Terraform's AWS provider reads them.
"""

from __future__ import annotations

from functools import cache


@cache
def container_members() -> frozenset[str]:
    """The members of ContainerDefinition in the ECS API model (from the shipped schema), lower case."""
    from taskdeflint.data import task_definition_schema

    members = task_definition_schema()["$defs"]["ContainerDefinition"]["properties"]
    return frozenset(name.lower() for name in members)


def looks_like_container_list(items: list[dict[str, object]]) -> bool:
    keys = {str(key).lower() for item in items for key in item} - {"name", "image"}
    known = keys & container_members()
    return bool(known) and len(known) >= len(keys - known)
