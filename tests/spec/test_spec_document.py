"""The hand-written OpenAPI document itself: valid, versioned, generator-safe."""

from __future__ import annotations

import keyword
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate as validate_openapi

from sectra_dpat_client._generated import dpat_spec

ROOT = Path(__file__).resolve().parents[2]
SPEC: dict[str, Any] = yaml.safe_load((ROOT / "openapi" / "ia-api.yaml").read_text(encoding="utf-8"))
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for section in ("paths", "webhooks"):
        for path, item in SPEC[section].items():
            for method, operation in item.items():
                if method in METHODS:
                    found.append((f"{section} {method.upper()} {path}", method, operation))
    return found


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def test_spec_is_valid_openapi_3_1() -> None:
    assert SPEC["openapi"].startswith("3.1")
    validate_openapi(SPEC)


def test_bundled_spec_matches_the_yaml() -> None:
    assert dpat_spec.ia_api() == SPEC


@pytest.mark.parametrize(("where", "method", "operation"), _operations(), ids=[o[0] for o in _operations()])
def test_every_operation_is_marked_with_the_version_that_introduced_it(
    where: str, method: str, operation: dict[str, Any]
) -> None:
    since = operation.get("x-ia-api-since")
    assert isinstance(since, str), f"{where} lacks x-ia-api-since"
    assert re.fullmatch(r"\d+\.\d+", since)
    assert _version("1.5") <= _version(since) <= _version(SPEC["info"]["version"])
    assert operation.get("x-ia-api-since-evidence"), f"{where}: say what the version rests on"


def test_operation_ids_are_unique() -> None:
    ids = [operation["operationId"] for _, _, operation in _operations()]
    assert len(ids) == len(set(ids))


def test_info_version_is_the_highest_version_covered() -> None:
    highest = max(_version(operation["x-ia-api-since"]) for _, _, operation in _operations())
    assert _version(SPEC["info"]["version"]) == highest


def test_every_dpat_operation_documents_errors_and_retry_after() -> None:
    for where, _, operation in _operations():
        if not where.startswith("paths"):
            continue
        codes = set(operation["responses"])
        assert {"429", "503"} <= codes, where
        assert "401" in codes or operation.get("security") == [], where
    responses = SPEC["components"]["responses"]
    for name in ("TooManyRequests", "ServiceUnavailable"):
        assert "Retry-After" in responses[name]["headers"]


def test_property_names_can_be_constructor_keywords() -> None:
    """Models are built with wire names (`Result(slideId=...)`): each must be a usable keyword."""

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for name in (node.get("properties") or {}) if isinstance(node.get("properties"), dict) else {}:
                assert name.isidentifier(), name
                assert not keyword.iskeyword(name), name
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(SPEC["components"]["schemas"])


def test_union_variants_pin_their_tag_with_const() -> None:
    """The generator ignores `discriminator`: each variant must carry a `const` tag."""
    schemas = SPEC["components"]["schemas"]
    for name, schema in schemas.items():
        if "discriminator" not in schema:
            continue
        tag = schema["discriminator"]["propertyName"]
        for value, ref in schema["discriminator"]["mapping"].items():
            variant = schemas[ref.rsplit("/", 1)[-1]]
            assert variant["properties"][tag].get("const") == value, f"{name}: {ref}"
            assert tag in variant["required"], f"{name}: {ref}"


def test_enum_members_have_python_names() -> None:
    schemas = SPEC["components"]["schemas"]
    enums = {name: s for name, s in schemas.items() if "enum" in s}
    assert {"QualityControlStatus", "ResultType", "InputType", "InvocationAction", "AttachmentState"} <= set(enums)
    for name, schema in enums.items():
        assert len(schema["x-enum-varnames"]) == len(schema["enum"]), name
    assert schemas["InvocationAction"]["enum"] == ["create", "modify", "delete", "cancel", "newImageFiles"]


def test_app_side_is_described_as_webhooks() -> None:
    assert set(SPEC["webhooks"]) == {"registration", "appInfo", "invocation", "imageNotification"}
