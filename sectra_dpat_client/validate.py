"""Validate JSON payloads against the schemas of the IA-API spec and the QIDO-RS schemas.

``validate(payload, "Result")`` raises one `DPATValidationError` listing every fault with its JSON
path. Beyond JSON Schema 2020-12 it enforces what the spec declares with ``x-`` keywords and what
JSON Schema cannot say: numbers must be finite, and indices (a ``tagIndex``, each patch's ``tag``)
must point into their ``tags`` list.

Fault messages name the rule that failed, never the offending value: payloads may carry patient data.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any, cast

from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from sectra_dpat_client._generated import dpat_spec

from .errors import DPATValidationError, ValidationFault

__all__ = ["iter_faults", "schema_names", "validate"]

_SPEC_URI = "urn:sectra-dpat:ia-api"
_QIDO_SCHEMAS = {"QidoResponse": "qido-response.schema.json", "DicomJson": "dicom-json.schema.json"}


def validate(payload: Any, schema: str) -> None:
    """Raise `DPATValidationError` unless ``payload`` is valid against the named schema."""
    faults = iter_faults(payload, schema)
    if faults:
        raise DPATValidationError(schema, faults)


def iter_faults(payload: Any, schema: str) -> list[ValidationFault]:
    """Every violation of ``payload`` against the named schema, in document order; empty if valid."""
    validator = _validator(schema)
    faults: dict[tuple[str, str], None] = {}
    unions: set[str] = set()
    for error in validator.iter_errors(payload):
        for leaf in _leaves(error):
            path = _json_path(leaf)
            if leaf.validator in ("oneOf", "anyOf"):
                if path in unions:
                    continue  # the same value failing a second view of the same union says nothing new
                unions.add(path)
            faults.setdefault((path, _describe(leaf)), None)
    return [ValidationFault(path, message) for path, message in faults]


def schema_names() -> list[str]:
    """The schema names `validate` accepts."""
    return sorted([*dpat_spec.ia_api()["components"]["schemas"], *_QIDO_SCHEMAS])


# --- validator construction -------------------------------------------------------------------


def _is_finite_number(checker: Any, instance: Any) -> bool:
    return isinstance(instance, int | float) and not isinstance(instance, bool) and math.isfinite(instance)


def _is_finite_integer(checker: Any, instance: Any) -> bool:
    if isinstance(instance, bool) or not isinstance(instance, int | float):
        return False
    return isinstance(instance, int) or (math.isfinite(instance) and instance.is_integer())


def _index_within(
    validator: Validator, rule: Mapping[str, str], instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """``x-index-within: {list: tags, key: tagIndex[, items: patches]}``: indices must fall inside the list."""
    if not isinstance(instance, dict) or not isinstance(instance.get(rule["list"]), list):
        return
    size = len(instance[rule["list"]])
    holders: list[tuple[list[str | int], Any]]
    if "items" in rule:
        items = instance.get(rule["items"])
        holders = [([rule["items"], i], item) for i, item in enumerate(items)] if isinstance(items, list) else []
    else:
        holders = [([], instance)]
    for prefix, holder in holders:
        index = holder.get(rule["key"]) if isinstance(holder, dict) else None
        if isinstance(index, int) and not isinstance(index, bool) and not 0 <= index < size:
            error = ValidationError(
                f"'{rule['key']}' must index into '{rule['list']}' ({size} item(s))",
                validator="x-index-within",
                path=[*prefix, rule["key"]],
            )
            yield error


_TYPE_CHECKER = Draft202012Validator.TYPE_CHECKER.redefine_many(
    {"number": _is_finite_number, "integer": _is_finite_integer}
)
_DPATValidator = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, validators={"x-index-within": _index_within}, type_checker=_TYPE_CHECKER
)


@cache
def _registry() -> Registry:
    resources = [(_SPEC_URI, Resource.from_contents(dpat_spec.ia_api(), default_specification=DRAFT202012))]
    for document in dpat_spec.qido_schemas().values():
        resources.append((document["$id"], Resource.from_contents(document, default_specification=DRAFT202012)))
    registry: Registry = Registry().with_resources(resources)
    return registry


@cache
def _validator(schema: str) -> Validator:
    if schema in _QIDO_SCHEMAS:
        ref = dpat_spec.qido_schemas()[_QIDO_SCHEMAS[schema]]["$id"]
    elif schema in dpat_spec.ia_api()["components"]["schemas"]:
        ref = f"{_SPEC_URI}#/components/schemas/{schema}"
    else:
        raise DPATValidationError(schema, [ValidationFault("$", f"unknown schema name {schema!r}; see schema_names()")])
    validator: Validator = _DPATValidator({"$ref": ref}, registry=_registry())
    return validator


# --- turning jsonschema errors into faults ----------------------------------------------------


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    """The most specific errors behind ``error``: descend into the union variant the payload meant."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        yield error
        return
    variants: list[Any] = list(cast(list[Any], error.validator_value))
    if error.validator == "oneOf" and len({int(sub.schema_path[0]) for sub in error.context}) < len(variants):
        yield error  # several variants matched: ambiguous, nothing deeper is at fault
        return
    by_variant: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        by_variant.setdefault(int(sub.schema_path[0]), []).append(sub)
    depth = len(error.absolute_path)
    # A variant whose tag (a `const` one level down, or a `not` on it: UnknownInput) does not match was not meant.
    tag_misses = {
        index: [sub for sub in subs if sub.validator in ("const", "not") and len(sub.absolute_path) == depth + 1]
        for index, subs in by_variant.items()
    }
    meant = {index: subs for index, subs in by_variant.items() if not tag_misses[index]}
    if not meant and all(tag_misses.values()):
        misses = [sub for subs in tag_misses.values() for sub in subs]
        if len({tuple(sub.absolute_path) for sub in misses}) == 1:
            yield ValidationError(
                "unknown tag",
                validator="enum",
                validator_value=[sub.validator_value for sub in misses],
                path=list(misses[0].absolute_path),
            )
            return
    # A variant of another JSON type (object vs array) was not meant either.
    typed = {
        index: subs
        for index, subs in meant.items()
        if not any(sub.validator == "type" and len(sub.absolute_path) == depth for sub in subs)
    }
    if len(typed) == 1:
        meant = typed
    # Prefer the one variant whose faults all lie deeper than the union itself.
    deeper = {index: subs for index, subs in meant.items() if all(len(sub.absolute_path) > depth for sub in subs)}
    if len(deeper) == 1:
        meant = deeper
    if len(meant) == 1:
        for sub in next(iter(meant.values())):
            yield from _leaves(sub)
        return
    # A property every variant requires but the payload lacks (typically the tag itself) is the fault.
    missing_everywhere = set.intersection(
        *({sub.message for sub in subs if sub.validator == "required" and len(sub.absolute_path) == depth}
          for subs in by_variant.values())
    )  # fmt: skip
    if missing_everywhere:
        first = next(iter(by_variant.values()))
        yield from (sub for sub in first if sub.validator == "required" and sub.message in missing_everywhere)
        return
    yield error


def _json_path(error: ValidationError) -> str:
    path = "$"
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _describe(error: ValidationError) -> str:
    """A message naming the rule, without echoing the instance (it may carry patient data)."""
    value: Any = error.validator_value
    match error.validator:
        case "required" | "dependentRequired" | "x-index-within":
            return error.message
        case "type":
            kinds = value if isinstance(value, list) else [value]
            finite = " (finite)" if set(kinds) & {"number", "integer"} else ""
            return f"expected {' or '.join(kinds)}{finite}"
        case "const":
            return f"must be {value!r}"
        case "enum":
            return f"must be one of {list(value)!r}"
        case "pattern":
            return f"must match pattern {value!r}"
        case "minItems":
            return f"needs at least {value} item(s)"
        case "maxItems":
            return f"allows at most {value} item(s)"
        case "minLength":
            return "must not be empty" if value == 1 else f"needs at least {value} character(s)"
        case "maxLength":
            return f"allows at most {value} character(s)"
        case "minimum":
            return f"must be >= {value}"
        case "maximum":
            return f"must be <= {value}"
        case "exclusiveMinimum":
            return f"must be > {value}"
        case "exclusiveMaximum":
            return f"must be < {value}"
        case "maxProperties":
            return "must be empty" if value == 0 else f"allows at most {value} properties"
        case "additionalProperties" | "unevaluatedProperties":
            return "has unexpected properties"
        case "propertyNames":
            return "has a property name that is not allowed"
        case "oneOf" | "anyOf":
            return f"matches none of the allowed forms ({_variant_names(value)})"
        case "not":
            return "has a combination of properties that is not allowed"
        case _:
            return f"fails the '{error.validator}' rule"


def _variant_names(variants: list[Mapping[str, Any]]) -> str:
    names = []
    for variant in variants:
        if "$ref" in variant:
            names.append(str(variant["$ref"]).rsplit("/", 1)[-1])
        elif variant.get("type") == "array" and "$ref" in variant.get("items", {}):
            names.append(f"array of {str(variant['items']['$ref']).rsplit('/', 1)[-1]}")
        else:
            names.append(str(variant.get("type", "schema")))
    return ", ".join(names)
