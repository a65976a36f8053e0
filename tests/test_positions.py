"""The pointer map: every JSON value's span in its text, as `positions.scan` builds it from the same text
that `json.loads` accepted, and the line/column arithmetic the findings rest on."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskdeflint.positions import (
    PositionMap,
    Span,
    TooDeep,
    escape,
    find_depth_violation,
    join,
    scan,
    split,
    unescape,
)


def where(positions: PositionMap, pointer: str) -> tuple[int, int]:
    """Line and column of a pointer's value."""
    return positions.line_col(positions.spans[pointer].start)


def key_at(positions: PositionMap, pointer: str) -> tuple[int, int]:
    """Line and column of a member's name."""
    key = positions.spans[pointer].key
    assert key is not None, pointer
    return positions.line_col(key)


def text_of(positions: PositionMap, pointer: str) -> str:
    span = positions.spans[pointer]
    return positions.text[span.start : span.end]


TASKDEF = """{
  "family": "web",
  "cpu": "256",
  "containerDefinitions": [
    {
      "name": "web",
      "image": "nginx:1.27",
      "portMappings": [{"containerPort": 80}, {"containerPort": 443}],
      "essential": true,
      "memory": 512,
      "command": null
    }
  ]
}
"""


class TestHandMadeDocuments:
    def test_every_value_and_key_of_a_task_definition(self) -> None:
        m = scan(TASKDEF, 64)
        assert set(m.spans) == {
            "",
            "/family",
            "/cpu",
            "/containerDefinitions",
            "/containerDefinitions/0",
            "/containerDefinitions/0/name",
            "/containerDefinitions/0/image",
            "/containerDefinitions/0/portMappings",
            "/containerDefinitions/0/portMappings/0",
            "/containerDefinitions/0/portMappings/0/containerPort",
            "/containerDefinitions/0/portMappings/1",
            "/containerDefinitions/0/portMappings/1/containerPort",
            "/containerDefinitions/0/essential",
            "/containerDefinitions/0/memory",
            "/containerDefinitions/0/command",
        }
        assert where(m, "") == (1, 1)
        assert key_at(m, "/family") == (2, 3)
        assert where(m, "/family") == (2, 13)
        assert text_of(m, "/family") == '"web"'
        assert key_at(m, "/containerDefinitions") == (4, 3)
        assert where(m, "/containerDefinitions") == (4, 27)
        # An array item has no key: it is placed at its value.
        assert m.spans["/containerDefinitions/0"].key is None
        assert where(m, "/containerDefinitions/0") == (5, 5)
        assert key_at(m, "/containerDefinitions/0/image") == (7, 7)
        assert where(m, "/containerDefinitions/0/portMappings/1") == (8, 47)
        assert key_at(m, "/containerDefinitions/0/portMappings/1/containerPort") == (8, 48)
        assert text_of(m, "/containerDefinitions/0/portMappings/1/containerPort") == "443"
        assert text_of(m, "/containerDefinitions/0/essential") == "true"
        assert text_of(m, "/containerDefinitions/0/memory") == "512"
        assert text_of(m, "/containerDefinitions/0/command") == "null"
        # A container's span runs from its brace to just after its closing brace.
        assert text_of(m, "/containerDefinitions/0").startswith("{") and text_of(
            m, "/containerDefinitions/0"
        ).endswith("}")
        assert m.line_col(m.spans["/containerDefinitions/0"].end) == (12, 6)
        assert m.duplicates == [] and m.non_finite == []

    def test_a_scalar_document(self) -> None:
        m = scan('  "text"  ', 64)
        assert m.spans == {"": Span(2, 8)}

    @pytest.mark.parametrize(
        ("key", "pointer"),
        [
            ("a/b", "/a~1b"),
            ("m~n", "/m~0n"),
            ("~1", "/~01"),
            ("/~", "/~1~0"),
            ("", "/"),
            (" ", "/ "),
        ],
    )
    def test_keys_are_escaped_per_rfc_6901(self, key: str, pointer: str) -> None:
        text = json.dumps({key: {"x": 1}})
        m = scan(text, 64)
        assert pointer in m.spans
        assert f"{pointer}/x" in m.spans
        assert split(pointer) == [key]

    def test_rfc_6901_examples(self) -> None:
        # The document and pointers of RFC 6901 section 5.
        document = {
            "foo": ["bar", "baz"],
            "": 0,
            "a/b": 1,
            "c%d": 2,
            "e^f": 3,
            "g|h": 4,
            "i\\j": 5,
            'k"l': 6,
            " ": 7,
            "m~n": 8,
        }
        text = json.dumps(document, indent=1)
        m = scan(text, 64)
        for pointer, value in [
            ("", document),
            ("/foo", ["bar", "baz"]),
            ("/foo/0", "bar"),
            ("/", 0),
            ("/a~1b", 1),
            ("/c%d", 2),
            ("/e^f", 3),
            ("/g|h", 4),
            ("/i\\j", 5),
            ('/k"l', 6),
            ("/ ", 7),
            ("/m~0n", 8),
        ]:
            assert json.loads(text_of(m, pointer)) == value, pointer

    def test_escaped_characters_in_a_key_are_decoded(self) -> None:
        m = scan('{"a\\u002fb": 1, "\\"q\\"": 2, "tab\\there": 3}', 64)
        assert set(m.spans) == {"", "/a~1b", '/"q"', "/tab\there"}
        assert where(m, "/a~1b") == (1, 14)

    def test_columns_count_characters_not_bytes(self) -> None:
        text = '{"naïve": "café", "日本": {"😀": 1, "k": 2}}'
        m = scan(text, 64)
        assert key_at(m, "/naïve") == (1, 2)
        assert where(m, "/naïve") == (1, 11)
        assert key_at(m, "/日本") == (1, 19)
        assert key_at(m, "/日本/😀") == (1, 26)
        assert key_at(m, "/日本/k") == (1, 34)
        assert text.index('"k"') + 1 == 34

    def test_crlf_line_endings(self) -> None:
        text = '{\r\n  "family": "web",\r\n  "cpu": "256"\r\n}\r\n'
        m = scan(text, 64)
        assert key_at(m, "/family") == (2, 3)
        assert where(m, "/family") == (2, 13)
        assert key_at(m, "/cpu") == (3, 3)
        assert m.line_col(m.spans[""].end - 1) == (4, 1)

    def test_line_col_at_line_starts_and_the_end(self) -> None:
        m = PositionMap("ab\ncd\n\nef")
        assert m.line_col(0) == (1, 1)
        assert m.line_col(2) == (1, 3)  # the line break belongs to its line
        assert m.line_col(3) == (2, 1)
        assert m.line_col(6) == (3, 1)
        assert m.line_col(7) == (4, 1)
        assert m.line_col(9) == (4, 3)  # one past the end

    def test_strings_that_look_like_structure(self) -> None:
        text = '{"a": "{[,:]}", "b\\\\": ["\\\\", "\\"", "x"], "c": -1.5e-3}'
        m = scan(text, 64)
        assert json.loads(text_of(m, "/a")) == "{[,:]}"
        assert json.loads(text_of(m, "/b\\")) == ["\\", '"', "x"]
        assert text_of(m, "/b\\/2") == '"x"'
        assert text_of(m, "/c") == "-1.5e-3"


class TestDuplicates:
    def test_a_repeated_key_is_recorded_at_the_repeat_with_the_first(self) -> None:
        text = '{\n  "memory": 512,\n  "cpu": 1,\n  "memory": 256\n}'
        m = scan(text, 64)
        [duplicate] = m.duplicates
        assert duplicate.pointer == "/memory"
        assert duplicate.key == "memory"
        assert m.line_col(duplicate.offset) == (4, 3)
        assert m.line_col(duplicate.first_offset) == (2, 3)
        # The map agrees with json.loads: the last value wins.
        assert text_of(m, "/memory") == "256"

    def test_same_key_in_different_objects_is_no_duplicate(self) -> None:
        m = scan('[{"name": "a"}, {"name": "b"}, {"x": {"name": 1}, "name": 2}]', 64)
        assert m.duplicates == []

    def test_three_times_gives_two_duplicates_with_escaped_pointers(self) -> None:
        m = scan('{"c": [{"a/b": 1, "a\\/b": 2, "a/b": 3}]}', 64)
        assert [(d.pointer, d.key) for d in m.duplicates] == [("/c/0/a~1b", "a/b")] * 2
        assert m.duplicates[0].first_offset == m.duplicates[1].first_offset


class TestNonFinite:
    def test_nan_and_infinities_are_recorded_where_they_stand(self) -> None:
        text = '{"a": NaN, "b": [Infinity, -Infinity], "c": "NaN"}'
        m = scan(text, 64)
        found = [(pointer, text[offset:].split(",")[0].rstrip("]")) for pointer, offset in m.non_finite]
        assert found == [("/a", "NaN"), ("/b/0", "Infinity"), ("/b/1", "-Infinity")]


class TestDepth:
    def test_too_deep_names_the_first_container_beyond_the_limit(self) -> None:
        with pytest.raises(TooDeep) as raised:
            scan("[" * 5 + "]" * 5, 4)
        assert raised.value.offset == 4
        assert raised.value.depth == 4

    def test_the_limit_itself_is_allowed(self) -> None:
        assert "/0/0/0" in scan("[" * 4 + "]" * 4, 4).spans

    def test_find_depth_violation_ignores_brackets_in_strings(self) -> None:
        assert find_depth_violation('["[[[[", {"a": "{{{{"}]', 2) is None
        assert find_depth_violation('["\\\\[[", [[]]]', 2) == (10, 3)
        text = "[" * 100_000
        assert find_depth_violation(text, 64) == (64, 65)


class TestLocate:
    def test_a_member_is_located_at_its_key_and_ends_after_its_value(self) -> None:
        m = scan(TASKDEF, 64)
        assert m.locate("/containerDefinitions/0/image") == (7, 7, 7, 28)
        assert m.locate("/containerDefinitions/0/portMappings/0") == (8, 24, 8, 45)

    def test_a_missing_member_falls_back_to_its_parent(self) -> None:
        m = scan(TASKDEF, 64)
        parent = m.locate("/containerDefinitions/0")
        assert parent[:2] == (5, 5)
        assert m.locate("/containerDefinitions/0/healthCheck") == parent
        assert m.locate("/containerDefinitions/0/healthCheck/command/0") == parent
        assert m.locate("/containerDefinitions/7/name") == m.locate("/containerDefinitions")
        assert m.locate("/networkMode") == m.locate("") == (1, 1, 14, 2)

    def test_a_missing_member_with_an_escaped_name(self) -> None:
        m = scan('{"a/b": {"c": 1}}', 64)
        assert m.locate("/a~1b/missing") == m.locate("/a~1b") == (1, 2, 1, 17)


class TestPointerHelpers:
    def test_escape_and_join(self) -> None:
        assert escape("a/b~c") == "a~1b~0c"
        assert unescape("a~1b~0c") == "a/b~c"
        assert unescape("~01") == "~1"  # not "/": ~0 is decoded last
        assert join("", "containerDefinitions", 0, "a/b") == "/containerDefinitions/0/a~1b"
        assert split("") == []
        assert split("/") == [""]

    @given(st.lists(st.text(alphabet=st.sampled_from("ab/~01 "), max_size=6), max_size=5))
    def test_split_inverts_join(self, tokens: list[str]) -> None:
        assert split(join("", *tokens)) == tokens


# The law: for any JSON document, the map holds exactly the pointers of json.loads' result, and each
# span's text decodes to the value at that pointer.

KEYS = st.text(
    alphabet=st.one_of(st.sampled_from('/~"\\\t\n é日😀\u2028'), st.characters(codec="utf-8")),
    max_size=8,
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.one_of(st.sampled_from('"\\/{}[],: \n\t~'), st.characters(codec="utf-8"))),
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(KEYS, children, max_size=5)),
    max_leaves=30,
)


def pointers_of(value: Any, pointer: str = "") -> dict[str, Any]:
    found = {pointer: value}
    if isinstance(value, dict):
        for key, item in value.items():
            found.update(pointers_of(item, join(pointer, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.update(pointers_of(item, f"{pointer}/{index}"))
    return found


@settings(max_examples=300, deadline=None)
@given(
    DOCUMENTS,
    st.sampled_from([None, 0, 2, "\t"]),
    st.booleans(),
    st.sampled_from([(", ", ": "), (",", ":"), (" ,\r\n", " :  ")]),
)
def test_the_map_agrees_with_json_loads(
    document: Any, indent: int | str | None, ascii_only: bool, separators: tuple[str, str]
) -> None:
    text = json.dumps(document, indent=indent, ensure_ascii=ascii_only, separators=separators)
    loaded = json.loads(text)
    expected = pointers_of(loaded)
    m = scan(text, 1000)
    assert set(m.spans) == set(expected)
    decoder = json.JSONDecoder()
    for pointer, value in expected.items():
        span = m.spans[pointer]
        assert json.loads(text[span.start : span.end]) == value, pointer
        tokens = split(pointer)
        if span.key is not None:
            # A member's key offset is where its name's string starts, and it names that member.
            name, _ = decoder.raw_decode(text, span.key)
            assert name == tokens[-1]
            assert span.key < span.start
        else:
            assert pointer == "" or tokens[-1].isdigit()
    assert m.duplicates == []
    assert m.non_finite == []


@settings(max_examples=100, deadline=None)
@given(DOCUMENTS, st.sampled_from([None, 1]))
def test_locate_a_missing_member_is_its_parent(document: Any, indent: int | None) -> None:
    text = json.dumps(document, indent=indent)
    m = scan(text, 1000)
    for pointer in pointers_of(json.loads(text)):
        assert m.locate(join(pointer, "no such member ~/")) == m.locate(pointer)
