"""Where each JSON value stands in its text.

`json.loads` is the judge of valid JSON and builds the values; this module reads the same text once more
with a small tokenizer to map every JSON Pointer to the span of its value (and, for object members, its
key). It also finds what `json.loads` hides: keys given twice (the last one silently wins) and the
non-standard constants `NaN`, `Infinity` and `-Infinity`, which `json.loads` accepts and JSON does not.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field

# One token per match: a string, a structural character, or a bare literal (number, true, false, null,
# NaN, Infinity). Whitespace before the token is skipped. The text has already passed `json.loads`, so
# the tokenizer need not diagnose anything, except depth, which it measures without recursion.
# Strings are matched as "unrolled loops" (runs of plain characters between escapes): an alternation per
# character is a hundred times slower on a long string.
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_TOKEN = re.compile(rf'[ \t\r\n]*(?:({_STRING})|([{{}}\[\]:,])|([^ \t\r\n{{}}\[\]:,"]+))', re.S)
_NON_FINITE = frozenset({"NaN", "Infinity", "-Infinity"})


def escape(token: str) -> str:
    """Escape one reference token for a JSON Pointer (RFC 6901)."""
    if "~" in token or "/" in token:
        return token.replace("~", "~0").replace("/", "~1")
    return token


def shorten(text: str, limit: int = 60) -> str:
    """A value or key as a message quotes it: whole when short, else its start, so that a message stays
    a line whatever the file holds."""
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join(pointer: str, *tokens: str | int) -> str:
    for token in tokens:
        pointer = f"{pointer}/{escape(token) if isinstance(token, str) else token}"
    return pointer


def split(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [unescape(t) for t in pointer[1:].split("/")]


@dataclass(frozen=True, slots=True)
class Span:
    """Offsets of one value in the text; `key` is the offset of its member name, if it has one."""

    start: int
    end: int
    key: int | None = None


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A key given again in the same object: `pointer` names the member, `offset` the repeated key."""

    pointer: str
    key: str
    offset: int
    first_offset: int


# Each value's pointer is its parent's plus its key, so the pointers of a file can take far more memory
# than its text: a 100 KB key above 20,000 members makes 2 GB of them. Readers count the bytes of the
# pointers (and, for YAML, of what aliases expand to) against this many per character of the text, or
# this floor, and stop reading a file that needs more.
BYTES_PER_CHARACTER = 32
MIN_BYTES_LIMIT = 16 * 1024 * 1024


def byte_limit(text: str) -> int:
    return max(MIN_BYTES_LIMIT, BYTES_PER_CHARACTER * len(text))


class TooCostly(Exception):
    def __init__(self, offset: int, limit: int) -> None:
        super().__init__(f"pointers longer than {limit} bytes in all")
        self.offset = offset
        self.limit = limit


class TooDeep(Exception):
    def __init__(self, offset: int, depth: int) -> None:
        super().__init__(f"nesting deeper than {depth} levels")
        self.offset = offset
        self.depth = depth


@dataclass(slots=True)
class PositionMap:
    """Pointer-to-span map of one JSON text, plus the line index to turn offsets into positions."""

    text: str
    spans: dict[str, Span] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)
    non_finite: list[tuple[str, int]] = field(default_factory=list)
    _line_starts: list[int] | None = None

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in characters) of an offset."""
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts = starts
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line] + 1

    def locate(self, pointer: str) -> tuple[int, int, int, int]:
        """Line, column, end line, end column of the node a pointer names.

        An object member is located at its key, so that the whole member is marked; a pointer to a
        member that does not exist falls back to its nearest existing ancestor (a missing member is
        reported at its parent).
        """
        span = self.spans.get(pointer)
        while span is None and pointer:
            pointer = pointer[: pointer.rfind("/")]
            span = self.spans.get(pointer)
        if span is None:
            return 1, 1, 1, 1
        start = span.key if span.key is not None else span.start
        line, col = self.line_col(start)
        end_line, end_col = self.line_col(span.end)
        return line, col, end_line, end_col


class _Frame:
    __slots__ = ("index", "is_object", "pointer", "seen")

    def __init__(self, pointer: str, is_object: bool) -> None:
        self.pointer = pointer
        self.is_object = is_object
        self.index = 0
        self.seen: dict[str, int] = {}


def scan(text: str, max_depth: int) -> PositionMap:
    """Map every value of a JSON text that `json.loads` accepted.

    Raises `TooDeep` at the first container nested deeper than `max_depth`, and `TooCostly` at the
    first value whose pointer takes the pointers past `byte_limit(text)` bytes.
    """
    result = PositionMap(text)
    spans = result.spans
    budget = byte_limit(text)
    stack: list[_Frame] = []
    key: str | None = None
    key_offset: int | None = None
    for match in _TOKEN.finditer(text):
        string, punct, literal = match.groups()
        if punct == ":" or punct == ",":
            continue
        start = match.start(match.lastindex or 0)
        frame = stack[-1] if stack else None
        if string is not None and frame is not None and frame.is_object and key is None:
            # A member name.
            key = json.loads(string) if "\\" in string else string[1:-1]
            key_offset = start
            first = frame.seen.get(key)
            if first is None:
                frame.seen[key] = start
            else:
                result.duplicates.append(Duplicate(join(frame.pointer, key), key, start, first))
            continue
        if punct == "}" or punct == "]":
            assert frame is not None
            stack.pop()
            old = spans[frame.pointer]
            spans[frame.pointer] = Span(old.start, match.end(), old.key)
            continue
        # A value starts.
        member_key: int | None = None
        if frame is None:
            pointer = ""
        elif frame.is_object:
            assert key is not None
            pointer = join(frame.pointer, key)
            member_key = key_offset
        else:
            pointer = f"{frame.pointer}/{frame.index}"
            frame.index += 1
        key = None
        budget -= len(pointer)
        if budget < 0:
            raise TooCostly(start, byte_limit(text))
        if punct is not None:  # "{" or "["
            if len(stack) >= max_depth:
                raise TooDeep(start, max_depth)
            spans[pointer] = Span(start, start + 1, member_key)
            stack.append(_Frame(pointer, punct == "{"))
        else:
            token = string if string is not None else literal
            assert token is not None
            if literal is not None and literal in _NON_FINITE:
                result.non_finite.append((pointer, start))
            spans[pointer] = Span(start, start + len(token), member_key)
    return result


def find_depth_violation(text: str, max_depth: int) -> tuple[int, int] | None:
    """Offset and depth of the first container nested deeper than `max_depth`, ignoring strings.

    Used when `json.loads` itself gave up on the nesting, to point at where it happens.
    """
    depth = 0
    for match in re.finditer(rf"{_STRING}|[\[{{]|[\]}}]", text, re.S):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > max_depth:
                return match.start(), depth
        elif token in ("]", "}"):
            depth -= 1
    return None
