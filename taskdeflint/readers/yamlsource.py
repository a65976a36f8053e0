"""Reading YAML (CloudFormation templates) into the same values and pointer map as JSON.

PyYAML composes the text into nodes, each marked with the character offsets where it starts and ends;
this module builds the values from the nodes itself, so that it can map every pointer to its span, turn
CloudFormation's short-form tags (`!Ref`, `!Sub`, `!GetAtt` ...) into their long forms (`{"Ref": ...}`,
`{"Fn::Sub": ...}`), and report what PyYAML lets through: a key given twice (PyYAML keeps the last), an
alias that expands without end (a "billion laughs"), an alias that contains itself, nesting too deep.
Syntax errors, tabs used for indentation, several documents in one file and unknown tags are findings
with positions, never tracebacks.

`yaml` is imported here only, and this module only when a YAML file is linted.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from taskdeflint.positions import PositionMap, Span, byte_limit, join, shorten
from taskdeflint.readers.base import (
    DUPLICATE_KEY,
    INVALID_YAML,
    MAX_DEPTH,
    MAX_INT_DIGITS,
    TOO_DEEP,
    Loaded,
    Raw,
)

if TYPE_CHECKING:
    import yaml

# Without aliases a YAML text of n characters holds fewer than n values; aliases that expand past that
# (and past this floor) are an alias bomb.
MIN_VALUES_LIMIT = 100_000
# What reading a value costs in memory beyond its node, its text (a scalar) and its pointer, is counted
# against `positions.byte_limit`: without aliases that is a small multiple of the text, but aliases (a
# 1 MB scalar named a thousand times, a 10 KB key used at every level) can make it any multiple.

_FUNCTIONS = (
    "And",
    "Base64",
    "Cidr",
    "Contains",
    "EachMemberEquals",
    "EachMemberIn",
    "Equals",
    "FindInMap",
    "GetAtt",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Length",
    "Not",
    "Or",
    "RefAll",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
    "Transform",
    "ValueOf",
    "ValueOfAll",
)
# The short form of each intrinsic function and its long form.
SHORT_TAGS = {"!Ref": "Ref", "!Condition": "Condition"} | {f"!{name}": f"Fn::{name}" for name in _FUNCTIONS}

_STANDARD = "tag:yaml.org,2002:"
_INT = _STANDARD + "int"
# An integer beyond MAX_INT_DIGITS decimal digits reads as infinity (see `base.MAX_INT_DIGITS`).
_MAX_INT_BITS = int(MAX_INT_DIGITS * math.log2(10))
_CONSTRUCTED = frozenset(_STANDARD + t for t in ("null", "bool", "int", "float"))
_TOO_DEEP = (
    f"YAML is nested more than {MAX_DEPTH} levels deep; no template nests that deep, so the file is not "
    "read further"
)


class TooDeepYaml(Exception):
    """YAML nested deeper than MAX_DEPTH, found at `offset` while scanning."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"nesting deeper than {MAX_DEPTH} levels")
        self.offset = offset


class _Stop(Exception):
    def __init__(self, raw: Raw) -> None:
        super().__init__(raw.message)
        self.raw = raw


def _long_form(tag: str, value: Any) -> dict[str, Any]:
    name = SHORT_TAGS[tag]
    if name == "Fn::GetAtt" and isinstance(value, str):
        return {name: value.split(".", 1)}
    return {name: value}


def template_loader() -> type[yaml.SafeLoader]:
    """A SafeLoader that reads CloudFormation's short-form tags as their long forms, for code that needs
    the values without positions: `yaml.load(text, Loader=template_loader())`."""
    import yaml

    class TemplateLoader(yaml.SafeLoader):
        # PyYAML's scanner checks every open flow collection at every token (quadratic in the nesting:
        # 3,000 `[` took seconds), and its composer recurses: reading stops past MAX_DEPTH levels.
        def fetch_flow_collection_start(self, TokenClass: Any) -> None:
            self._check_depth()
            super().fetch_flow_collection_start(TokenClass)

        def add_indent(self, column: int) -> bool:
            if self.indent < column:
                self._check_depth()
            return bool(super().add_indent(column))

        def _check_depth(self) -> None:
            # One level of slack: the values' own depth check (`_Builder`) is the exact one.
            if self.flow_level + len(self.indents) > MAX_DEPTH:
                raise TooDeepYaml(self.get_mark().index)

    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return _long_form(node.tag, value)

    def as_written(loader: yaml.SafeLoader, node: yaml.Node) -> str:
        return str(node.value)

    for tag in SHORT_TAGS:
        TemplateLoader.add_constructor(tag, construct)
    # Timestamps stay the strings they are in the template.
    TemplateLoader.add_constructor(_STANDARD + "timestamp", as_written)
    return TemplateLoader


class _Builder:
    """Values and spans from a node graph; aliases are expanded, within limits."""

    def __init__(self, loader: yaml.SafeLoader, text: str, raws: list[Raw]) -> None:
        self.loader = loader
        self.raws = raws
        self.positions = PositionMap(text)
        self.spans = self.positions.spans
        self.count = 0
        self.limit = max(MIN_VALUES_LIMIT, len(text))
        self.bytes = 0
        self.byte_limit = byte_limit(text)
        self.active: set[int] = set()

    def value(self, node: yaml.Node, pointer: str, key: int | None, depth: int) -> Any:
        import yaml

        start = node.start_mark.index
        self.count += 1
        self.bytes += len(pointer) + (len(node.value) if isinstance(node, yaml.ScalarNode) else 0)
        if self.count > self.limit:
            raise _Stop(
                Raw(
                    INVALID_YAML,
                    f"YAML aliases expand to more than {self.limit:,} values (an alias bomb?); the file is "
                    "not read further",
                    offset=start,
                )
            )
        if self.bytes > self.byte_limit:
            raise _Stop(
                Raw(
                    INVALID_YAML,
                    f"YAML values and member names add up to more than {self.byte_limit // 1048576:,} MiB "
                    "once aliases are expanded (a long key above many values, or a long value or key "
                    "named by many aliases?); the file is not read further",
                    offset=start,
                )
            )
        if depth > MAX_DEPTH:
            raise _Stop(Raw(TOO_DEEP, _TOO_DEEP, offset=start))
        self.spans[pointer] = Span(start, node.end_mark.index, key)
        tag = node.tag
        if tag in SHORT_TAGS:
            inner = join(pointer, SHORT_TAGS[tag])
            self.spans[inner] = Span(start, node.end_mark.index)
            if isinstance(node, yaml.ScalarNode):
                value: Any = node.value
                if SHORT_TAGS[tag] == "Fn::GetAtt":
                    for index in range(2):
                        self.spans[f"{inner}/{index}"] = Span(start, node.end_mark.index)
            else:
                value = self.collection(node, inner, depth + 1)
            return _long_form(tag, value)
        if tag.startswith("!"):
            self.raws.append(
                Raw(
                    INVALID_YAML,
                    f"Unknown YAML tag {tag}: CloudFormation knows only the short forms of its intrinsic "
                    f"functions ({', '.join(sorted(SHORT_TAGS)[:3])} ...)",
                    offset=start,
                )
            )
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        return self.collection(node, pointer, depth)

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag not in _CONSTRUCTED:
            return node.value  # strings; timestamps stay strings, as CloudFormation reads them
        text = node.value
        negative = text.lstrip().startswith("-")
        if node.tag == _INT and len(text) > MAX_INT_DIGITS:
            # Thousands of digits (decimal, hex, sexagesimal): infinity, as the JSON reader reads them,
            # before the conversion, which may refuse them or take long.
            return -math.inf if negative else math.inf
        try:
            value = self.loader.yaml_constructors[node.tag](self.loader, node)
        except (ValueError, KeyError, TypeError):  # `!!bool maybe`, `!!int x`, `!!float y`
            kind = node.tag.rsplit(":", 1)[-1]
            self.raws.append(
                Raw(
                    INVALID_YAML,
                    f'Invalid YAML: !!{kind} "{shorten(text)}" is not a valid {kind}',  # never implicit
                    offset=node.start_mark.index,
                )
            )
            return text
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > _MAX_INT_BITS:
            return -math.inf if negative else math.inf
        return value

    def collection(self, node: yaml.Node, pointer: str, depth: int) -> Any:
        import yaml

        if id(node) in self.active:
            raise _Stop(
                Raw(
                    INVALID_YAML,
                    "A YAML alias refers to a node that contains it, so the value never ends",
                    offset=node.start_mark.index,
                )
            )
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [
                    self.value(item, f"{pointer}/{i}", None, depth + 1) for i, item in enumerate(node.value)
                ]
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, pointer, depth)
            return self.scalar(node)  # type: ignore[arg-type]
        finally:
            self.active.discard(id(node))

    def merged(
        self, merges: list[yaml.Node], visited: set[int] | None = None
    ) -> list[tuple[yaml.ScalarNode, yaml.Node]]:
        """The members that merge keys bring in, nearest first (a merged mapping's own merges last).

        Each mapping is merged once (`visited`): the members of a mapping merged again are already there,
        and nested merges of the same mappings would otherwise multiply at each level."""
        import yaml

        visited = set() if visited is None else visited
        pairs: list[tuple[yaml.ScalarNode, yaml.Node]] = []
        for merge in merges:
            sources = merge.value if isinstance(merge, yaml.SequenceNode) else [merge]
            for source in sources:
                if id(source) in visited:
                    continue
                if not isinstance(source, yaml.MappingNode):
                    self.raws.append(
                        Raw(
                            INVALID_YAML,
                            "A merge key (<<) must name a mapping",
                            offset=source.start_mark.index,
                        )
                    )
                    continue
                if id(source) in self.active:
                    raise _Stop(
                        Raw(
                            INVALID_YAML,
                            "A YAML merge key refers to the mapping that contains it",
                            offset=source.start_mark.index,
                        )
                    )
                self.active.add(id(source))
                visited.add(id(source))
                try:
                    inner: list[yaml.Node] = []
                    for key_node, value_node in source.value:
                        if isinstance(key_node, yaml.ScalarNode) and key_node.tag == _STANDARD + "merge":
                            inner.append(value_node)
                        elif isinstance(key_node, yaml.ScalarNode):
                            pairs.append((key_node, value_node))
                    pairs += self.merged(inner, visited)
                finally:
                    self.active.discard(id(source))
        return pairs

    def mapping(self, node: yaml.MappingNode, pointer: str, depth: int) -> dict[str, Any]:
        import yaml

        out: dict[str, Any] = {}
        seen: dict[str, int] = {}
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.raws.append(
                    Raw(
                        INVALID_YAML,
                        "A key must be a plain value, not a list or a mapping",
                        offset=key_node.start_mark.index,
                    )
                )
                continue
            if key_node.tag == _STANDARD + "merge":
                merges.append(value_node)
                continue
            key = key_node.value
            offset = key_node.start_mark.index
            if key in seen:
                line, column = self.positions.line_col(seen[key])
                self.raws.append(
                    Raw(
                        DUPLICATE_KEY,
                        f'Duplicate key "{shorten(key)}" (first given at line {line}, column {column}); '
                        "YAML keys must be unique, and parsers that accept the file keep only the last value",
                        pointer=join(pointer, key),
                        offset=offset,
                    )
                )
            seen[key] = offset
            out[key] = self.value(value_node, join(pointer, key), offset, depth + 1)
        # `<<: *defaults` merges the members of other mappings that are not given here.
        for key_node, value_node in self.merged(merges):
            if key_node.value not in out:
                key = key_node.value
                out[key] = self.value(value_node, join(pointer, key), key_node.start_mark.index, depth + 1)
        return out


def _message(error: Exception) -> tuple[str, int]:
    import yaml

    if isinstance(error, yaml.reader.ReaderError):
        return f"Invalid YAML: character #x{error.character:04x} is not allowed in YAML", error.position
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        offset = mark.index if mark is not None else 0
        problem = error.problem or "syntax error"
        if "'\\t'" in problem:
            return "Invalid YAML: a tab character; YAML indents with spaces only", offset
        if "expected a single document" in str(error.context):
            return "A template holds one YAML document; this file holds another after `---`", offset
        if "found undefined alias" in str(error.problem):
            return f"Invalid YAML: {problem} (an alias *name needs an &name before it)", offset
        context = f" {error.context}" if error.context else ""
        return f"Invalid YAML: {problem}{context}", offset
    return f"Invalid YAML: {error}", 0


def _too_deep_at(text: str) -> int:
    """Where the YAML text first nests deeper than MAX_DEPTH, by its tokens (the composer, which gave
    up, recurses; the scanner does not). JSON's string syntax would misread YAML's quotes, and a regular
    expression that tried a string at every quote of a plain scalar took minutes."""
    import yaml

    opening = (
        yaml.BlockMappingStartToken,
        yaml.BlockSequenceStartToken,
        yaml.FlowMappingStartToken,
        yaml.FlowSequenceStartToken,
    )
    closing = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)
    depth = 0
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, opening):
                depth += 1
                if depth > MAX_DEPTH:
                    return int(token.start_mark.index)
            elif isinstance(token, closing):
                depth -= 1
    except yaml.YAMLError:
        pass
    return 0


def _fast_compose(text: str) -> tuple[yaml.Node | None, yaml.SafeLoader | None]:
    """The node graph of a YAML text and its loader, composed by libyaml (ten times as fast as PyYAML's
    own parser: a large template is read in seconds, not minutes); `(None, None)` when PyYAML was built
    without libyaml or the text is not valid YAML, which the pure-Python parser then reports in its own
    words. Both mark positions in characters."""
    import yaml

    if not getattr(yaml, "__with_libyaml__", False):
        return None, None
    loader = yaml.CSafeLoader(text)
    try:
        node = loader.get_single_node()
    except (yaml.YAMLError, RecursionError):
        loader.dispose()
        return None, None
    if node is None:
        return None, None
    return node, loader  # type: ignore[return-value]


def parse(text: str, loaded: Loaded) -> bool:
    """Parse YAML and map its positions into `loaded`; False when the document cannot be used."""
    import yaml

    loaded.text = text
    node, loader = _fast_compose(text)
    try:
        if loader is None:
            loader = template_loader()(text)
    except yaml.YAMLError as error:  # a character YAML does not allow
        message, offset = _message(error)
        loaded.raws.append(Raw(INVALID_YAML, message, offset=offset))
        return False
    try:
        try:
            node = node or loader.get_single_node()
        except TooDeepYaml as error:
            loaded.raws.append(Raw(TOO_DEEP, _TOO_DEEP, offset=error.offset))
            return False
        except RecursionError:
            loaded.raws.append(Raw(TOO_DEEP, _TOO_DEEP, offset=_too_deep_at(text)))
            return False
        except yaml.YAMLError as error:
            message, offset = _message(error)
            loaded.raws.append(Raw(INVALID_YAML, message, offset=offset))
            return False
        if node is None:
            loaded.raws.append(
                Raw(INVALID_YAML, "File holds no YAML document; expected a template", offset=0)
            )
            return False
        builder = _Builder(loader, text, loaded.raws)
        try:
            loaded.document = builder.value(node, "", None, 0)
        except _Stop as stop:
            loaded.raws.append(stop.raw)
            return False
        except yaml.YAMLError as error:
            message, offset = _message(error)
            loaded.raws.append(Raw(INVALID_YAML, message, offset=offset))
            return False
        except RecursionError:
            loaded.raws.append(Raw(TOO_DEEP, _TOO_DEEP, offset=node.start_mark.index))
            return False
    finally:
        loader.dispose()
    loaded.positions = builder.positions
    return True
