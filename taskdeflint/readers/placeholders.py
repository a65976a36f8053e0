"""Values that a deployment step fills in: placeholders in task definitions kept as templates.

Committed task definitions are often templates: CodePipeline and CodeDeploy blue/green replace
`<IMAGE1_NAME>`, ecspresso renders Go templates (`{{ must_env `IMAGE` }}`), envsubst and Terraform's
`templatefile` replace `${VAR}` and `$VAR`, Harness `<+artifact.image>`, Octopus `#{Var}`, Jenkins and
Windows batch files `%VAR%`. A placeholder is a value only the deployment knows, so it becomes an
`Unknown` (see `readers.unknown`), exactly like a CloudFormation `!GetAtt`: a check that needs the value
stays silent, and a finding that holds whatever the value turns out to be is still reported.

A placeholder may be the whole string or part of it (`repo:${TAG}`); a `Placeholder` keeps the text, so
that a check can still read the part around the placeholders (the repository of an image). A file that is
JSON only once rendered (`"containerPort": ${PORT}`) is read with each such bare token standing for an
unknown value at its exact place (`unquoted`).

Recognition is one compiled regular expression (the built-in syntaxes and the config's
`placeholder-patterns`), searched once over a file's text: a file without any placeholder costs one search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from taskdeflint.readers.unknown import Unknown

# The built-in syntaxes, most specific first (`${` before `$VAR`, `<+` before `<NAME>`).
BUILTIN = (
    r"<\+[^<>\"\n]+>",  # Harness: <+artifact.image>
    r"<[A-Za-z_][A-Za-z0-9_.-]*>",  # CodePipeline / CodeDeploy: <IMAGE1_NAME>, any <NAME>
    r"\{\{.*?\}\}",  # Go templates (ecspresso): {{ must_env `IMAGE` }}, {{ tfstate `...` }}
    r"\$\{[^{}\"\n]+\}",  # envsubst, Terraform templatefile: ${VAR}, ${var.name}
    r"\$[A-Za-z_][A-Za-z0-9_]*",  # envsubst: $VAR
    r"#\{[^{}\"\n]+\}",  # Octopus Deploy: #{Variable}
    r"%[A-Z_][A-Z0-9_]+%",  # Jenkins on Windows, batch files: %BUILD_NUMBER%
)

# Members whose strings a shell or the program reads at run time (`sh -c "exec app $OPTS"`): a `$VAR` in
# them is the container's own variable, not the deployment's. Only a whole-value placeholder counts there.
_RUNTIME_TEXT = re.compile(r"/containerDefinitions/\d+/(?:command|entryPoint|healthCheck/command)/\d+$")

RENDERED_BY_BUILD = "the image that taskdeflint build pins"


# Every built-in syntax starts with one of these; a text without any has no built-in placeholder.
TRIGGERS = ("$", "<", "{{", "#{", "%")


def present(text: str, expression: re.Pattern[str], extra: tuple[str, ...]) -> bool:
    """Whether a file's text may hold a placeholder: a test of a few characters (the config's own
    syntaxes have none to test), then the one expression."""
    if not extra and not any(trigger in text for trigger in TRIGGERS):
        return False
    return expression.search(text) is not None


@cache
def pattern(extra: tuple[str, ...] = ()) -> re.Pattern[str]:
    """The one expression that finds a placeholder of any syntax (the built-in ones and `extra`)."""
    return re.compile("|".join(f"(?:{syntax})" for syntax in (*BUILTIN, *extra)))


class Placeholder(Unknown):
    """An Unknown that was written as text with placeholders in it: `text` is that text and `literal` the
    text with the placeholders taken out (what is certain whatever they are replaced by)."""

    __slots__ = ("literal", "text")

    def __init__(
        self,
        text: str,
        literal: str = "",
        variable: str = "",
        alternatives: tuple[object, ...] = (),
    ) -> None:
        super().__init__(text, variable, alternatives)
        self.text = text
        self.literal = literal


@dataclass(slots=True)
class Found:
    """The placeholders of one file: the pointers of the values that hold them (into the task definition)
    and the first placeholder of each."""

    pointers: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


def unquoted(
    text: str, expression: re.Pattern[str], extra: tuple[str, ...] = ()
) -> tuple[str, list[int]] | None:
    """The text with each placeholder that stands as a bare JSON value (`"cpu": ${CPU}`) replaced by a
    string of the same length, and the offsets of those values; None when there is none."""
    if not present(text, expression, extra):
        return None
    out: list[str] = []
    offsets: list[int] = []
    last = 0
    # Strings as "unrolled loops" (runs of plain characters between escapes), as in `positions`.
    for match in re.finditer(rf'"[^"\\\n]*(?:\\.[^"\\\n]*)*"|{expression.pattern}', text):
        if match.group().startswith('"'):
            continue  # a JSON string: placeholders in strings are read after parsing
        start, end = match.span()
        if _beside(text, start - 1, -1) not in (":", ",", "["):
            continue  # not in the place of a value: a real syntax error, left for the parser to report
        out.append(text[last:start])
        out.append('"' + "_" * (end - start - 2) + '"')
        offsets.append(start)
        last = end
    if not offsets:
        return None
    out.append(text[last:])
    return "".join(out), offsets


def _beside(text: str, index: int, step: int) -> str:
    """The first character from `index` on, in the direction `step`, that is not white space."""
    while 0 <= index < len(text) and text[index] in " \t\r\n":
        index += step
    return text[index] if 0 <= index < len(text) else ""


def mark(data: Any, node: dict[str, Any], pointer: str, expression: re.Pattern[str], found: Found) -> None:
    """Replace the placeholders among the values of `data` (a task definition, or part of one, whose
    schema node is `node`) by Unknowns, in place, recording each in `found`."""
    from taskdeflint.readers.embedded import resolve

    node = resolve(node)[1]
    if isinstance(data, dict):
        properties = node.get("properties", {})
        extra = node.get("additionalProperties")
        items: Any = (
            (key, properties.get(key) or (extra if isinstance(extra, dict) else {})) for key in list(data)
        )
    elif isinstance(data, list):
        each = node.get("items")
        items = ((index, each if isinstance(each, dict) else {}) for index in range(len(data)))
    else:
        return
    for key, sub in items:
        value = data[key]
        at = f"{pointer}/{key}" if isinstance(key, int) else _join(pointer, key)
        if isinstance(value, dict | list):
            mark(value, sub, at, expression, found)
        elif isinstance(value, Placeholder) and not value.alternatives:
            data[key] = _unknown(value, sub, at)
            found.pointers.append(at)
            found.texts.append(value.text)
        elif isinstance(value, str) and (first := expression.search(value)) is not None:
            replaced = _replace(value, sub, at, expression)
            if replaced is not None:
                data[key] = replaced
                found.pointers.append(at)
                found.texts.append(first.group())


def _join(pointer: str, key: str) -> str:
    from taskdeflint.positions import join

    return join(pointer, key)


def _unknown(value: Placeholder, node: dict[str, Any], at: str) -> Unknown:
    from taskdeflint.readers.embedded import unknown_at

    return unknown_at(value, node, at)


def _replace(value: str, node: dict[str, Any], at: str, expression: re.Pattern[str]) -> Unknown | None:
    """The Unknown for a string with placeholders, or None when it stays a string: where the API wants
    a number, a boolean or a structure, a quoted placeholder renders to a string whatever it holds, and
    the schema stage is right to say so."""
    from taskdeflint.readers.embedded import resolve

    resolved = resolve(node)[1]
    kind = resolved.get("type")
    if kind is not None and kind != "string" and not (isinstance(kind, list) and "string" in kind):
        return None
    whole = expression.fullmatch(value) is not None
    if not whole and _RUNTIME_TEXT.search(at):
        return None
    if whole or "enum" in resolved:
        return _unknown(Placeholder(value), node, at)
    literal = expression.sub("", value)
    variable = f"{value} at {at}"
    # The placeholders replaced by nothing and by a word: a check that depends on what they hold gives a
    # different answer for one of them, so only what holds for any replacement is reported.
    renders = (literal, expression.sub("unknown", value))
    return Placeholder(value, literal, variable, (Placeholder(value, literal), *renders))


def message(found: Found) -> str:
    """The one info finding of a file with placeholders."""
    count = len(found.texts)
    shown = list(dict.fromkeys(_short(text) for text in found.texts))
    names = ", ".join(shown[:3]) + (", ..." if len(shown) > 3 else "")
    values, them = ("value is", "it") if count == 1 else ("values are", "them")
    return (
        f"{count} {values} filled in at deploy time ({names}); what depends on {them} is checked only "
        f"once the file is rendered (lint the rendered file to check {them})"
    )


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."
