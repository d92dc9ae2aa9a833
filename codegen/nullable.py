"""Optional properties accept null: walk them, check them, and strip the null for the generator.

The spec (openapi/ia-api.yaml) says that every optional property may also be `null`, as .NET servers
send it. The generated models read an absent and a null property alike as `None`, so the generator
is given a copy of the spec without those nulls (`strip`); required nullable properties keep theirs.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

__all__ = ["accepts_null", "optional_properties", "strip_optional_nulls"]

NULL = {"type": "null"}
# Subschemas that add conditions to an object's properties rather than declaring an object.
CONDITIONAL = frozenset({"if", "then", "else", "not"})


def optional_properties(node: Any, path: str = "$") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (path, schema) of a property that an object schema under `node` does not require."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            required = set(node.get("required", []))
            for name, prop in properties.items():
                if name not in required and isinstance(prop, dict):
                    yield f"{path}.properties.{name}", prop
        for key, value in node.items():
            if key not in CONDITIONAL:
                yield from optional_properties(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from optional_properties(value, f"{path}[{index}]")


def accepts_null(prop: dict[str, Any]) -> bool:
    """Whether the property schema itself says null is allowed (without following $ref)."""
    kind = prop.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return "enum" not in prop or None in prop["enum"]
    return any(isinstance(alt, dict) and accepts_null(alt) for alt in prop.get("anyOf", prop.get("oneOf", [])))


def _strip(prop: dict[str, Any]) -> None:
    kind = prop.get("type")
    if isinstance(kind, list) and "null" in kind:
        rest = [k for k in kind if k != "null"]
        prop["type"] = rest[0] if len(rest) == 1 else rest
        if "enum" in prop:
            prop["enum"] = [v for v in prop["enum"] if v is not None]
        return
    for key in ("anyOf", "oneOf"):
        alternatives = prop.get(key)
        if isinstance(alternatives, list) and NULL in alternatives:
            rest = [alt for alt in alternatives if alt != NULL]
            if len(rest) == 1:
                del prop[key]
                prop.update(rest[0])
            else:
                prop[key] = rest


def strip_optional_nulls(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with `null` taken out of every optional property (for the generator only)."""
    for _, prop in list(optional_properties(spec["components"]["schemas"], "$.components.schemas")):
        if prop.get("type") != "null":
            _strip(prop)
    return spec


def main(source: str, target: str) -> None:
    spec = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
    Path(target).write_text(yaml.safe_dump(strip_optional_nulls(spec), sort_keys=False), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
