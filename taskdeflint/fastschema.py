"""A fast yes/no JSON Schema check for the keywords taskdeflint's schemas use.

Most task definitions are valid, and `jsonschema` spends most of a lint's time proving it. This module
compiles a schema once into nested Python closures that only answer "valid?"; the schema and rule stages
call `jsonschema` (for its detailed errors) only when the answer is no. The answer must never be "yes"
where `jsonschema` would report an error, so a schema with any keyword not implemented here does not
compile (`Unsupported`), and callers keep using `jsonschema` for it. A property test holds the two
to the same answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

Check = Callable[[Any], bool]

# Keywords that never affect validity.
_ANNOTATIONS = frozenset(
    {"$schema", "$comment", "$id", "title", "description", "deprecated", "default", "examples", "$defs"}
)


class Unsupported(Exception):
    """The schema uses a keyword this module does not implement."""


def _is_integer(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and value.is_integer()


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": _is_integer,
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _equal(one: Any, two: Any) -> bool:
    """Equality as JSON Schema means it: booleans are not numbers, containers compare deeply."""
    if isinstance(one, bool) or isinstance(two, bool):
        return isinstance(one, bool) and isinstance(two, bool) and one == two
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(_equal(one[k], two[k]) for k in one)
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, int | float) and isinstance(two, int | float):
        return one == two
    return type(one) is type(two) and bool(one == two)


class _Compiler:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def ref(self, target: str) -> Check:
        if not target.startswith("#/$defs/"):
            raise Unsupported(f"$ref {target}")
        name = target[len("#/$defs/") :]
        if name not in self.refs:
            cell: list[Check] = []
            # Registered before compiling, so that recursive definitions terminate.
            self.refs[name] = lambda v: cell[0](v)
            cell.append(self.compile(self.root["$defs"][name]))
        return self.refs[name]

    def compile(self, schema: object) -> Check:
        if schema is True or schema == {}:
            return lambda v: True
        if schema is False:
            return lambda v: False
        if not isinstance(schema, dict):
            raise Unsupported(repr(schema))
        checks: list[Check] = []
        for keyword, value in schema.items():
            if keyword in _ANNOTATIONS:
                continue
            handler = getattr(self, "kw_" + keyword.replace("$", ""), None)
            if handler is None or (keyword == "additionalProperties" and "patternProperties" in schema):
                raise Unsupported(keyword)
            checks.append(handler(value, schema))
        if not checks:
            return lambda v: True
        if len(checks) == 1:
            return checks[0]
        return lambda v: all(check(v) for check in checks)

    # Each kw_ method compiles one keyword; object keywords pass values of other types, as JSON Schema does.

    def kw_ref(self, value: str, schema: dict[str, Any]) -> Check:
        return self.ref(value)

    def kw_type(self, value: str | list[str], schema: dict[str, Any]) -> Check:
        if isinstance(value, str):
            return _TYPES[value]
        tests = [_TYPES[name] for name in value]
        return lambda v: any(test(v) for test in tests)

    def kw_enum(self, value: list[Any], schema: dict[str, Any]) -> Check:
        if all(isinstance(option, str) for option in value):
            options = frozenset(value)
            return lambda v: isinstance(v, str) and v in options
        return lambda v: any(_equal(v, option) for option in value)

    def kw_const(self, value: Any, schema: dict[str, Any]) -> Check:
        return lambda v: _equal(v, value)

    def kw_properties(self, value: dict[str, Any], schema: dict[str, Any]) -> Check:
        compiled = {name: self.compile(sub) for name, sub in value.items()}

        def properties(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            # Instances have fewer members than their schemas: walk the instance.
            for name, item in v.items():
                check = compiled.get(name)
                if check is not None and not check(item):
                    return False
            return True

        return properties

    def kw_additionalProperties(self, value: Any, schema: dict[str, Any]) -> Check:
        known = frozenset(schema.get("properties", {}))
        if value is False:
            return lambda v: not isinstance(v, dict) or all(k in known for k in v)
        check = self.compile(value)
        return lambda v: not isinstance(v, dict) or all(k in known or check(x) for k, x in v.items())

    def kw_required(self, value: list[str], schema: dict[str, Any]) -> Check:
        return lambda v: not isinstance(v, dict) or all(name in v for name in value)

    def kw_propertyNames(self, value: Any, schema: dict[str, Any]) -> Check:
        check = self.compile(value)
        return lambda v: not isinstance(v, dict) or all(check(k) for k in v)

    def kw_items(self, value: Any, schema: dict[str, Any]) -> Check:
        if "prefixItems" in schema:
            raise Unsupported("prefixItems")
        check = self.compile(value)
        return lambda v: not isinstance(v, list) or all(check(item) for item in v)

    def kw_contains(self, value: Any, schema: dict[str, Any]) -> Check:
        if "minContains" in schema or "maxContains" in schema:
            raise Unsupported("minContains")
        check = self.compile(value)
        return lambda v: not isinstance(v, list) or any(check(item) for item in v)

    def kw_minItems(self, value: int, schema: dict[str, Any]) -> Check:
        return lambda v: not isinstance(v, list) or len(v) >= value

    def kw_maxItems(self, value: int, schema: dict[str, Any]) -> Check:
        return lambda v: not isinstance(v, list) or len(v) <= value

    def kw_minLength(self, value: int, schema: dict[str, Any]) -> Check:
        return lambda v: not isinstance(v, str) or len(v) >= value

    def kw_maxLength(self, value: int, schema: dict[str, Any]) -> Check:
        return lambda v: not isinstance(v, str) or len(v) <= value

    def kw_pattern(self, value: str, schema: dict[str, Any]) -> Check:
        search = re.compile(value).search
        return lambda v: not isinstance(v, str) or search(v) is not None

    def _number(self, test: Callable[[float], bool]) -> Check:
        return lambda v: isinstance(v, bool) or not isinstance(v, int | float) or test(v)

    def kw_minimum(self, value: float, schema: dict[str, Any]) -> Check:
        return self._number(lambda v: v >= value)

    def kw_maximum(self, value: float, schema: dict[str, Any]) -> Check:
        return self._number(lambda v: v <= value)

    def kw_exclusiveMinimum(self, value: float, schema: dict[str, Any]) -> Check:
        return self._number(lambda v: v > value)

    def kw_exclusiveMaximum(self, value: float, schema: dict[str, Any]) -> Check:
        return self._number(lambda v: v < value)

    def kw_not(self, value: Any, schema: dict[str, Any]) -> Check:
        check = self.compile(value)
        return lambda v: not check(v)

    def kw_allOf(self, value: list[Any], schema: dict[str, Any]) -> Check:
        checks = [self.compile(sub) for sub in value]
        return lambda v: all(check(v) for check in checks)

    def kw_anyOf(self, value: list[Any], schema: dict[str, Any]) -> Check:
        checks = [self.compile(sub) for sub in value]
        return lambda v: any(check(v) for check in checks)

    def kw_oneOf(self, value: list[Any], schema: dict[str, Any]) -> Check:
        checks = [self.compile(sub) for sub in value]
        return lambda v: sum(1 for check in checks if check(v)) == 1

    def kw_if(self, value: Any, schema: dict[str, Any]) -> Check:
        condition = self.compile(value)
        then = self.compile(schema.get("then", True))
        otherwise = self.compile(schema.get("else", True))
        return lambda v: then(v) if condition(v) else otherwise(v)

    def kw_then(self, value: Any, schema: dict[str, Any]) -> Check:
        return lambda v: True  # compiled with "if"

    kw_else = kw_then


def compile_schema(schema: dict[str, Any]) -> Check:
    """A function telling whether an instance is valid against `schema` (draft 2020-12 subset)."""
    return _Compiler(schema).compile(schema)


class Schema:
    """A schema with a fast yes/no check and `jsonschema`'s detailed errors, loaded only when needed."""

    __slots__ = ("_validator", "fast", "schema")

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self._validator: Any = None
        try:
            self.fast: Check | None = compile_schema(schema)
        except Unsupported:
            self.fast = None

    def iter_errors(self, instance: object) -> Iterator[ValidationError]:
        """Validation errors of `instance`; none, at once, when the fast check passes it."""
        if self.fast is not None and self.fast(instance):
            return iter(())
        if self._validator is None:
            from jsonschema import Draft202012Validator

            self._validator = Draft202012Validator(self.schema)
        errors: Iterator[ValidationError] = self._validator.iter_errors(instance)
        return errors
