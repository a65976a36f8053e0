"""Reading JSON text into values and a pointer map, every way it can fail said as a finding with a
position (invalid JSON, non-standard constants, duplicate keys, absurd nesting); with placeholders, a
template that is JSON only once rendered (`"cpu": ${CPU}`)."""

from __future__ import annotations

import json
import re
from typing import Any

from taskdeflint.positions import TooCostly, TooDeep, find_depth_violation, scan, shorten, split
from taskdeflint.readers.base import (
    DUPLICATE_KEY,
    INVALID_JSON,
    MAX_DEPTH,
    MAX_INT_DIGITS,
    TOO_DEEP,
    TOO_LARGE,
    Loaded,
    Raw,
)
from taskdeflint.readers.placeholders import Placeholder, unquoted

_TOO_DEEP_MESSAGE = (
    f"JSON is nested more than {MAX_DEPTH} levels deep; no task definition nests that deep, "
    "so the file is not read further"
)

# `json`'s messages are written to be followed by "line 1 column 5 (char 4)"; the finding gives the
# position, so each is said in full here.
_JSON_MESSAGES = {
    "Expecting value": "expected a value (an object, array, string, number, true, false or null)",
    "Expecting property name enclosed in double quotes": "expected a member name in double quotes",
    "Expecting ':' delimiter": "expected ':' after the member name",
    "Expecting ',' delimiter": "expected ',' or a closing bracket",
    "Unterminated string starting at": "string has no closing double quote",
    "Invalid control character at": (
        "a control character (a line break or tab) inside a string must be escaped as \\n or \\t"
    ),
    "Invalid \\escape": 'invalid escape in a string (JSON has \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX)',
    "Invalid \\uXXXX escape": "\\u in a string must be followed by four hexadecimal digits",
    "Extra data": "unexpected text after the end of the JSON document",
}


def _syntax_message(text: str, error: json.JSONDecodeError) -> str:
    pos = error.pos
    if text.startswith(("//", "/*"), pos):
        return "Comments are not allowed in JSON"
    before = text[:pos].rstrip()
    if before.endswith(",") and text[pos : pos + 1] in ("}", "]"):
        return "Trailing comma: JSON allows no comma before a closing bracket"
    if text[pos : pos + 1] == "'":
        return "Strings must use double quotes in JSON"
    if not text[pos:].strip() and error.msg != "Unterminated string starting at":
        return "Invalid JSON: the file ends before the document does (a bracket or brace is not closed)"
    return f"Invalid JSON: {_JSON_MESSAGES.get(error.msg, error.msg)}"


_LONG_INT = re.compile(rf"(?<!\d)\d{{{MAX_INT_DIGITS + 1}}}")  # tried at the start of each run only


def _loads(text: str) -> Any:
    """`json.loads`, but an integer of more than MAX_INT_DIGITS digits reads as a float (like `1e400`, it
    becomes infinity and the schema reports it), instead of raising a bare ValueError."""
    if _LONG_INT.search(text) is None:
        return json.loads(text)
    return json.loads(text, parse_int=_parse_long_int)


def _parse_long_int(digits: str) -> int | float:
    return int(digits) if len(digits.lstrip("-")) <= MAX_INT_DIGITS else float(digits)


def parse(
    text: str,
    loaded: Loaded,
    placeholders: re.Pattern[str] | None = None,
    extra: tuple[str, ...] = (),
    *,
    positions: bool = True,
) -> bool:
    """Parse JSON and map its positions; False when the document cannot be used. With `placeholders`,
    a text that is JSON only once rendered (`"cpu": ${CPU}`) is read with those values unknown. Without
    `positions` (a task definition read only for what a service of another file needs), a document in
    the API's shape is not mapped: that scan costs more than the parse, and nothing is reported in it."""
    loaded.text = text
    if not text.strip():
        loaded.raws.append(Raw(INVALID_JSON, "File is empty; expected a JSON object", offset=0))
        return False
    source, bare = text, None
    try:
        try:
            loaded.document = _loads(text)
        except json.JSONDecodeError:
            rendered = None if placeholders is None else unquoted(text, placeholders, extra)
            if rendered is None:
                raise
            # The same length, so every offset (and the error's, if there is a real one) is the file's.
            source, bare = rendered
            loaded.document = _loads(source)
    except json.JSONDecodeError as error:
        text = source
        offset = error.pos
        # A trailing comma is reported at the comma, where the fix is.
        message = _syntax_message(text, error)
        if message.startswith("Trailing comma"):
            offset = len(text[:offset].rstrip()) - 1
        elif error.msg == "Invalid \\uXXXX escape" and text[offset - 1 : offset + 1] == "\\u":
            offset -= 1  # at the backslash that starts the escape, as for other bad escapes
        loaded.raws.append(Raw(INVALID_JSON, message, offset=offset))
        return False
    except RecursionError:
        violation = find_depth_violation(text, MAX_DEPTH)
        offset = violation[0] if violation else 0
        loaded.raws.append(
            Raw(
                TOO_DEEP,
                _TOO_DEEP_MESSAGE,
                offset=offset,
            )
        )
        return False
    document = loaded.document
    embedded = isinstance(document, dict) and any(
        key in document for key in ("Resources", "AWSTemplateFormatVersion", "format_version")
    )
    if not positions and bare is None and not embedded:
        return True
    try:
        loaded.positions = mapped = scan(source, MAX_DEPTH)
    except TooDeep as error:
        loaded.raws.append(
            Raw(
                TOO_DEEP,
                _TOO_DEEP_MESSAGE,
                offset=error.offset,
            )
        )
        return False
    except TooCostly as error:
        loaded.raws.append(
            Raw(
                TOO_LARGE,
                f"Member names so long and nested so deep that their JSON Pointers would take more than "
                f"{-(-error.limit // 1048576)} MiB; no task definition has such names, so the file is not "
                "read further",
                offset=error.offset,
            )
        )
        return False
    for duplicate in mapped.duplicates:
        line, column = mapped.line_col(duplicate.first_offset)
        loaded.raws.append(
            Raw(
                DUPLICATE_KEY,
                f'Duplicate key "{shorten(duplicate.key)}" (first given at line {line}, column {column}); '
                "JSON parsers keep only the last value",
                pointer=duplicate.pointer,
                offset=duplicate.offset,
            )
        )
    if bare is not None:
        mapped.text = text
        _mark_bare(loaded, source, bare)
    if mapped.non_finite:
        for pointer, offset in mapped.non_finite:
            literal = re.match(r"-?[A-Za-z]+", text[offset:])
            word = literal.group() if literal else "NaN"
            loaded.raws.append(Raw(INVALID_JSON, f"{word} is not valid JSON", pointer=pointer, offset=offset))
        return False
    return True


def _mark_bare(loaded: Loaded, source: str, offsets: list[int]) -> None:
    """Put a Placeholder where each bare placeholder of a template stands (see `parse`)."""
    assert loaded.positions is not None
    wanted = set(offsets)
    for pointer, span in loaded.positions.spans.items():
        if span.start in wanted and pointer:
            parent = loaded.document
            tokens = split(pointer)
            for token in tokens[:-1]:
                parent = parent[int(token)] if isinstance(parent, list) else parent[token]
            last: Any = int(tokens[-1]) if isinstance(parent, list) else tokens[-1]
            parent[last] = Placeholder(loaded.text[span.start : span.end])
