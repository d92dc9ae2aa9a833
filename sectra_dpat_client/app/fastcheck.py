"""A fast validator for inbound bodies: the spec's schemas compiled into plain Python checks.

`fast_faults(payload, "CreateInvocation")` gives the same verdict as `sectra_dpat_client.validate`
(JSON Schema 2020-12 plus finite numbers and ``x-index-within``) at a fraction of the cost: arrays
of simple objects (polygon points) are checked in one tight loop. On an invalid payload it lists
up to ``limit`` faults (path and rule, never the value); union faults name the union, not a variant.
`verdict` also takes payloads holding `PointRun` stand-ins for big point arrays (see `pointscan`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from sectra_dpat_client._generated import dpat_spec

from ..errors import ValidationFault

__all__ = ["PointRun", "fast_faults", "is_valid", "verdict"]

# check(value, path, faults) -> bool. With faults=None it only answers (fast); otherwise it appends
# (path, message) pairs, path being a tuple of keys and indices.
_Path = tuple[str | int, ...]
_Faults = list[tuple[_Path, str]]
_Check = Callable[[Any, _Path, "_Faults | None"], bool]

_IGNORED = frozenset(
    {"description", "title", "format", "examples", "example", "default", "readOnly", "writeOnly", "deprecated",
     "discriminator", "$comment", "x-sensitive", "x-enum-varnames", "x-python-wraps", "tags"}
)  # fmt: skip
_PREFIX = "#/components/schemas/"


class _EnoughError(Exception):
    """Enough faults were collected."""


class _UnsureError(Exception):
    """A `PointRun` met a rule answered only by its items: `verdict` gives no answer."""


class PointRun:
    """Stands for an array of ``count`` points ``{"x": finite number, "y": finite number}`` (those two
    members, nothing else) already checked in the raw body; `verdict` validates it as that array."""

    __slots__ = ("count",)
    keys = frozenset({"x", "y"})

    def __init__(self, count: int):
        self.count = count

    def __len__(self) -> int:
        return self.count

    def __repr__(self) -> str:
        return f"PointRun({self.count})"


def is_valid(payload: Any, schema: str) -> bool:
    """True when ``payload`` is valid against the named spec schema."""
    return _compiled(schema)(payload, (), None)


def verdict(payload: Any, schema: str) -> bool | None:
    """`is_valid` for a payload that may hold `PointRun` items; None when a run meets a rule that
    would need its items (then check the real payload)."""
    try:
        return _compiled(schema)(payload, (), None)
    except _UnsureError:
        return None


def fast_faults(payload: Any, schema: str, limit: int = 50) -> list[ValidationFault]:
    """Up to ``limit`` faults of ``payload`` against the named spec schema; empty when valid."""
    check = _compiled(schema)
    if check(payload, (), None):
        return []
    faults: _Faults = []
    with contextlib.suppress(_EnoughError):
        check(payload, (), _Bounded(faults, limit))
    seen: dict[tuple[str, str], None] = {}
    for path, message in faults:
        seen.setdefault((_json_path(path), message), None)
    return [ValidationFault(path, message) for path, message in seen] or [ValidationFault("$", "is not valid")]


class _Bounded(list[tuple[_Path, str]]):
    def __init__(self, sink: _Faults, limit: int):
        super().__init__()
        self._sink = sink
        self._limit = limit

    def append(self, item: tuple[_Path, str]) -> None:
        self._sink.append(item)
        if len(self._sink) >= self._limit:
            raise _EnoughError


def _json_path(path: _Path) -> str:
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)


@cache
def _compiled(schema: str) -> _Check:
    return _Compiler(dpat_spec.ia_api()["components"]["schemas"]).ref(_PREFIX + schema)


def _is_number(value: Any) -> bool:
    kind = type(value)
    return kind is int or (kind is float and value - value == 0.0)


def _is_integer(value: Any) -> bool:
    kind = type(value)
    return kind is int or (kind is float and value - value == 0.0 and value.is_integer())


_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list or type(v) is PointRun,
    "string": lambda v: type(v) is str,
    "boolean": lambda v: type(v) is bool,
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": _is_integer,
}


def _same(a: Any, b: Any) -> bool:
    if type(a) is PointRun and type(b) is list:
        raise _UnsureError
    return bool(a == b) and (type(a) is bool) == (type(b) is bool)


class _Compiler:
    def __init__(self, schemas: Mapping[str, Any]):
        self._schemas = schemas
        self._refs: dict[str, _Check] = {}

    def ref(self, ref: str) -> _Check:
        if ref in self._refs:
            return self._refs[ref]
        if not ref.startswith(_PREFIX):
            raise ValueError(f"unsupported $ref {ref!r}")
        slot: list[_Check] = []
        self._refs[ref] = lambda value, path, faults: slot[0](value, path, faults)  # recursion-safe
        check = self.compile(self._schemas[ref[len(_PREFIX) :]])
        slot.append(check)
        self._refs[ref] = check
        return check

    def compile(self, schema: Any) -> _Check:
        if schema is True or schema == {}:
            return lambda value, path, faults: True
        if schema is False:
            return _fail("is not allowed")
        unknown = set(schema) - _IGNORED - _KEYWORDS
        if unknown:
            raise ValueError(f"unsupported schema keywords {sorted(unknown)}")
        checks: list[_Check] = []
        if "$ref" in schema:
            checks.append(self.ref(schema["$ref"]))
        if "type" in schema:
            checks.append(_type_check(schema["type"]))
        if "const" in schema:
            expected = schema["const"]
            checks.append(_rule(lambda v: _same(v, expected), f"must be {expected!r}"))
        if "enum" in schema:
            options = list(schema["enum"])
            checks.append(_rule(lambda v: any(_same(v, o) for o in options), f"must be one of {options!r}"))
        checks.extend(self._string_rules(schema))
        checks.extend(self._number_rules(schema))
        if "properties" in schema or "required" in schema or "additionalProperties" in schema:
            checks.append(self._object(schema))
        if "dependentRequired" in schema:
            checks.append(_dependent_required(schema["dependentRequired"]))
        if "maxProperties" in schema:
            most = schema["maxProperties"]
            message = "must be empty" if most == 0 else f"allows at most {most} properties"
            checks.append(_rule(lambda v: type(v) is not dict or len(v) <= most, message))
        if "items" in schema or "minItems" in schema or "maxItems" in schema:
            checks.append(self._array(schema))
        if "x-index-within" in schema:
            checks.append(_index_within(schema["x-index-within"]))
        if "allOf" in schema:
            checks.extend(self.compile(sub) for sub in schema["allOf"])
        for union in ("anyOf", "oneOf"):
            if union in schema:
                checks.append(self._union(schema[union], schema.get("discriminator"), union == "oneOf"))
        if "not" in schema:
            negated = self.compile(schema["not"])
            checks.append(
                _rule(lambda v: not negated(v, (), None), "has a combination of properties that is not allowed")
            )
        if "if" in schema:
            checks.append(self._conditional(schema))
        return _all(checks)

    def _string_rules(self, schema: Mapping[str, Any]) -> list[_Check]:
        rules: list[_Check] = []
        if "minLength" in schema:
            least = schema["minLength"]
            message = "must not be empty" if least == 1 else f"needs at least {least} character(s)"
            rules.append(_rule(lambda v: type(v) is not str or len(v) >= least, message))
        if "maxLength" in schema:
            most = schema["maxLength"]
            rules.append(_rule(lambda v: type(v) is not str or len(v) <= most, f"allows at most {most} character(s)"))
        if "pattern" in schema:
            pattern = re.compile(schema["pattern"])
            rules.append(
                _rule(
                    lambda v: type(v) is not str or pattern.search(v) is not None,
                    f"must match pattern {pattern.pattern!r}",
                )
            )
        return rules

    def _number_rules(self, schema: Mapping[str, Any]) -> list[_Check]:
        rules: list[_Check] = []
        bounds: list[tuple[str, Callable[[float, float], bool], str]] = [
            ("minimum", lambda v, b: v >= b, "must be >= {}"),
            ("maximum", lambda v, b: v <= b, "must be <= {}"),
            ("exclusiveMinimum", lambda v, b: v > b, "must be > {}"),
            ("exclusiveMaximum", lambda v, b: v < b, "must be < {}"),
        ]
        for keyword, holds, message in bounds:
            if keyword in schema:
                bound = schema[keyword]
                rules.append(
                    _rule(lambda v, b=bound, h=holds: not _is_number(v) or h(v, b), message.format(bound))  # type: ignore[misc]
                )
        return rules

    def _object(self, schema: Mapping[str, Any]) -> _Check:
        properties = {name: self.compile(sub) for name, sub in schema.get("properties", {}).items()}
        required = list(schema.get("required", ()))
        extra = schema.get("additionalProperties", True)
        extra_check = None if extra is True else self.compile(extra)
        items = list(properties.items())

        def check(value: Any, path: _Path, faults: _Faults | None) -> bool:
            if type(value) is not dict:
                return True
            ok = True
            for name in required:
                if name not in value:
                    if faults is None:
                        return False
                    faults.append((path, f"{name!r} is a required property"))
                    ok = False
            for name, sub in items:
                if name in value and not sub(value[name], (*path, name) if faults is not None else path, faults):
                    if faults is None:
                        return False
                    ok = False
            if extra_check is not None:
                for name, item in value.items():
                    if name in properties:
                        continue
                    if extra is False:
                        if faults is None:
                            return False
                        faults.append((path, "has unexpected properties"))
                        return False
                    if not extra_check(item, (*path, name) if faults is not None else path, faults):
                        if faults is None:
                            return False
                        ok = False
            return ok

        return check

    def _array(self, schema: Mapping[str, Any]) -> _Check:
        least = schema.get("minItems")
        most = schema.get("maxItems")
        item_schema = schema.get("items")
        item_check = None if item_schema is None else self.compile(item_schema)
        flat = None if item_schema is None else _flat_numeric_object(item_schema, self._schemas)
        run_ok = item_schema is None or _point_items(item_schema, self._schemas)

        def check(value: Any, path: _Path, faults: _Faults | None) -> bool:
            if type(value) is PointRun:
                if faults is not None or not run_ok:
                    raise _UnsureError
                return (least is None or len(value) >= least) and (most is None or len(value) <= most)
            if type(value) is not list:
                return True
            ok = True
            if least is not None and len(value) < least:
                if faults is None:
                    return False
                faults.append((path, f"needs at least {least} item(s)"))
                ok = False
            if most is not None and len(value) > most:
                if faults is None:
                    return False
                faults.append((path, f"allows at most {most} item(s)"))
                ok = False
            if item_check is None:
                return ok
            if flat is not None and faults is None:
                return flat(value)
            for index, item in enumerate(value):
                if faults is None:
                    if not item_check(item, path, None):
                        return False
                elif not item_check(item, (*path, index), faults):
                    ok = False
            return ok

        return check

    def _union(self, variants: list[Any], discriminator: Mapping[str, Any] | None, one: bool) -> _Check:
        checks = [self.compile(variant) for variant in variants]
        names = _variant_names(variants)
        tagged: dict[str, _Check] = {}
        tag = None
        untagged: _Check | None = None  # the members no mapping names (UnknownInput): they take other tags
        if discriminator is not None and "mapping" in discriminator:
            tag = discriminator["propertyName"]
            tagged = {value: self.ref(ref) for value, ref in discriminator["mapping"].items()}
            rest = [v for v in variants if v.get("$ref") not in set(discriminator["mapping"].values())]
            if rest:
                untagged = self._union(rest, None, one)

        def check(value: Any, path: _Path, faults: _Faults | None) -> bool:
            if tag is not None and type(value) is dict and type(value.get(tag)) is str:
                chosen = tagged.get(value[tag], untagged)
                if chosen is None:
                    if faults is not None:
                        faults.append(((*path, tag), f"must be one of {list(tagged)!r}"))
                    return False
                return chosen(value, path, faults)
            matches = 0
            for sub in checks:
                if sub(value, path, None):
                    matches += 1
                    if not one:
                        return True
            if matches == 1 or (matches and not one):
                return True
            if faults is not None:
                if tag is not None and type(value) is dict and tag not in value:
                    faults.append((path, f"{tag!r} is a required property"))
                else:
                    faults.append((path, f"matches none of the allowed forms ({names})"))
            return False

        return check

    def _conditional(self, schema: Mapping[str, Any]) -> _Check:
        condition = self.compile(schema["if"])
        then = self.compile(schema.get("then", True))
        otherwise = self.compile(schema.get("else", True))

        def check(value: Any, path: _Path, faults: _Faults | None) -> bool:
            return (then if condition(value, path, None) else otherwise)(value, path, faults)

        return check


_KEYWORDS = frozenset(
    {"$ref", "type", "const", "enum", "minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum",
     "exclusiveMaximum", "properties", "required", "additionalProperties", "dependentRequired", "maxProperties",
     "items", "minItems", "maxItems", "x-index-within", "allOf", "anyOf", "oneOf", "not", "if", "then", "else"}
)  # fmt: skip


def _all(checks: list[_Check]) -> _Check:
    if len(checks) == 1:
        return checks[0]

    def check(value: Any, path: _Path, faults: _Faults | None) -> bool:
        if faults is None:
            return all(sub(value, path, None) for sub in checks)
        ok = True
        for sub in checks:
            if not sub(value, path, faults):
                ok = False
        return ok

    return check


def _rule(holds: Callable[[Any], bool], message: str) -> _Check:
    def check(value: Any, path: _Path, faults: _Faults | None) -> bool:
        if holds(value):
            return True
        if faults is not None:
            faults.append((path, message))
        return False

    return check


def _fail(message: str) -> _Check:
    return _rule(lambda value: False, message)


def _type_check(kinds: str | list[str]) -> _Check:
    names = [kinds] if isinstance(kinds, str) else list(kinds)
    tests = [_TYPES[name] for name in names]
    finite = " (finite)" if set(names) & {"number", "integer"} else ""
    message = f"expected {' or '.join(names)}{finite}"
    if len(tests) == 1:
        return _rule(tests[0], message)
    return _rule(lambda value: any(test(value) for test in tests), message)


def _dependent_required(rules: Mapping[str, list[str]]) -> _Check:
    def check(value: Any, path: _Path, faults: _Faults | None) -> bool:
        if type(value) is not dict:
            return True
        ok = True
        for name, needs in rules.items():
            if name in value:
                for need in needs:
                    if need not in value:
                        if faults is None:
                            return False
                        faults.append((path, f"{need!r} is a dependency of {name!r}"))
                        ok = False
        return ok

    return check


def _index_within(rule: Mapping[str, str]) -> _Check:
    listed, key, items_key = rule["list"], rule["key"], rule.get("items")

    def check(value: Any, path: _Path, faults: _Faults | None) -> bool:
        if type(value) is not dict or type(value.get(listed)) not in (list, PointRun):
            return True
        size = len(value[listed])
        if type(value.get(items_key)) is PointRun:
            raise _UnsureError
        if items_key is None:
            holders: list[tuple[_Path, Any]] = [((), value)]
        else:
            items = value.get(items_key)
            holders = [((items_key, i), item) for i, item in enumerate(items)] if type(items) is list else []
        ok = True
        for prefix, holder in holders:
            index = holder.get(key) if type(holder) is dict else None
            if type(index) is int and not 0 <= index < size:
                if faults is None:
                    return False
                faults.append(((*path, *prefix, key), f"'{key}' must index into '{listed}' ({size} item(s))"))
                ok = False
        return ok

    return check


def _flat_numeric_object(schema: Mapping[str, Any], schemas: Mapping[str, Any]) -> Callable[[list[Any]], bool] | None:
    """A one-loop check for arrays of ``{type: object, required: [...], properties: {k: {type: number}}}``."""
    while set(schema) - _IGNORED == {"$ref"}:
        schema = schemas[str(schema["$ref"])[len(_PREFIX) :]]
    if set(schema) - _IGNORED != {"type", "required", "properties"} or schema["type"] != "object":
        return None
    properties = schema["properties"]
    required = list(schema["required"])
    if set(required) != set(properties):
        return None
    if any(set(sub) - _IGNORED != {"type"} or sub["type"] != "number" for sub in properties.values()):
        return None
    missing = object()
    if len(required) == 2:
        return _flat_pair_check(*required)

    def check(items: list[Any]) -> bool:
        for item in items:
            if type(item) is not dict:
                return False
            for name in required:
                value = item.get(name, missing)
                kind = type(value)
                if kind is float:
                    if value - value != 0.0:
                        return False
                elif kind is not int:
                    return False
        return True

    return check


def _point_items(schema: Mapping[str, Any], schemas: Mapping[str, Any]) -> bool:
    """True when every `PointRun` item is valid against the item ``schema`` (a `_flat_numeric_object`
    one requiring no member but x and y)."""
    if _flat_numeric_object(schema, schemas) is None:
        return False
    while set(schema) - _IGNORED == {"$ref"}:
        schema = schemas[str(schema["$ref"])[len(_PREFIX) :]]
    return set(schema["required"]) <= PointRun.keys


def _flat_pair_check(first: str, second: str) -> Callable[[list[Any]], bool]:
    """`_flat_numeric_object`'s loop for two properties (polygon points): both floats is one test."""
    missing = object()

    def check(items: list[Any]) -> bool:
        for item in items:
            if type(item) is not dict:
                return False
            x = item.get(first, missing)
            y = item.get(second, missing)
            if type(x) is float and type(y) is float:
                if (x - x) + (y - y) != 0.0:  # nan unless both are finite
                    return False
                continue
            for value in (x, y):
                kind = type(value)
                if kind is float:
                    if value - value != 0.0:
                        return False
                elif kind is not int:
                    return False
        return True

    return check


def _variant_names(variants: list[Any]) -> str:
    names = []
    for variant in variants:
        if "$ref" in variant:
            names.append(str(variant["$ref"]).rsplit("/", 1)[-1])
        elif variant.get("type") == "array" and "$ref" in variant.get("items", {}):
            names.append(f"array of {str(variant['items']['$ref']).rsplit('/', 1)[-1]}")
        else:
            names.append(str(variant.get("type", "schema")))
    return ", ".join(names)
