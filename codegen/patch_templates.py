"""Write the patched generator templates into a folder, from the pinned generator's own.

The generator's templates are not copied into this repository: this script reads them from the
installed openapi-python-client and applies small, checked substitutions, so that models are
constructed with their wire (camelCase) names while attributes stay snake_case.
"""

from __future__ import annotations

import sys
from pathlib import Path

import openapi_python_client
import yaml

ROOT = Path(__file__).resolve().parent.parent

EXPECTED_VERSION = "0.29.1"

# (old, new): each `old` must occur exactly once in the template.
MODEL_SUBSTITUTIONS: list[tuple[str, str]] = [
    # Declare every attribute with an attrs alias: __init__ takes the JSON name.
    (
        """{% macro declare_property(property) %}
{%- if config.docstrings_on_attributes and property.description -%}
{{ property.to_string() | as_unembedded_code }}
{{ docstring(property.description | safe_for_docstring) | wordwrap(112) }}
{%- else -%}
{{ property.to_string() | as_unembedded_code }}
{%- endif -%}
{% endmacro %}""",
        """{% macro declare_property(property) %}
{%- if property.default is not none -%}
{%- set field_default = "default=" + (property.default.python_code.as_unembedded_code()) + ", " -%}
{%- elif not property.required -%}
{%- set field_default = "default=UNSET, " -%}
{%- else -%}
{%- set field_default = "" -%}
{%- endif -%}
{%- set field_repr = ", repr=False" if property.name in SENSITIVE_NAMES else "" -%}
{{ property.python_name }}: {{ property.get_type_string() | as_unembedded_code }} = _attrs_field({{ field_default }}alias="{{ property.name | in_double_quote_literal }}"{{ field_repr }})
{%- if config.docstrings_on_attributes and property.description %}

{{ docstring(property.description | safe_for_docstring) | wordwrap(112) }}
{%- endif -%}
{% endmacro %}""",
    ),
    # from_dict passes the JSON names, and its local no longer shadows a property's name.
    (
        """        {{ module_name }} = cls(
{% for property in model.required_properties + model.optional_properties %}
            {{ property.python_name }}={{ property.python_name }},
{% endfor %}
        )""",
        """        obj_ = cls(
{% for property in model.required_properties + model.optional_properties %}
            {{ property.name | in_double_quote_literal }}={{ property.python_name }},
{% endfor %}
        )""",
    ),
    (
        "        {{ module_name }}.additional_properties = additional_properties",
        "        obj_.additional_properties = additional_properties",
    ),
    ("        {{ module_name }}.additional_properties = d", "        obj_.additional_properties = d"),
    ("        return {{ module_name }}\n", "        return obj_\n"),
    # Unknown fields may carry anything, patient data included: keep them out of repr.
    (
        "additional_properties: dict[str, {{ additional_property_type }}] = _attrs_field(init=False, factory=dict)",
        "additional_properties: dict[str, {{ additional_property_type }}] = _attrs_field(init=False, factory=dict, repr=False)",
    ),
]


# (old, new) for endpoint_module.py.jinja: send no `params` when no query parameter is set, so httpx
# does not rebuild (re-parse) the URL on every call; likewise for an empty header dict.
ENDPOINT_SUBSTITUTIONS: list[tuple[str, str]] = [
    (
        """        {% if endpoint.query_parameters %}
        "params": params,
        {% endif %}
""",
        "",
    ),
    (
        """{% if endpoint.header_parameters or endpoint.bodies | length > 0 %}
    _kwargs["headers"] = headers
{% endif %}
""",
        """{% if endpoint.query_parameters %}
    if params:
        _kwargs["params"] = params
{% endif %}
{% if endpoint.header_parameters or endpoint.bodies | length > 0 %}
    if headers:
        _kwargs["headers"] = headers
{% endif %}
""",
    ),
]


def _patched(name: str, substitutions: list[tuple[str, str]]) -> str:
    source = Path(openapi_python_client.__file__).parent / "templates" / name
    text = source.read_text(encoding="utf-8")
    for old, new in substitutions:
        count = text.count(old)
        if count != 1:
            sys.exit(f"{name}: substitution expected once, found {count} times:\n{old}")
        text = text.replace(old, new)
    return text


def sensitive_names() -> list[str]:
    """JSON names of the spec's properties marked ``x-sensitive: true`` (secrets, patient data)."""
    spec = yaml.safe_load((ROOT / "openapi" / "ia-api.yaml").read_text(encoding="utf-8"))
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            properties = node.get("properties")
            if isinstance(properties, dict):
                found.update(
                    name for name, prop in properties.items() if isinstance(prop, dict) and prop.get("x-sensitive")
                )
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec["components"]["schemas"])
    return sorted(found)


def main(out_dir: str) -> None:
    if openapi_python_client.__version__ != EXPECTED_VERSION:
        sys.exit(f"openapi-python-client {EXPECTED_VERSION} expected, found {openapi_python_client.__version__}")
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    names = "{% set SENSITIVE_NAMES = " + repr(sensitive_names()) + " %}\n"
    model = _patched("model.py.jinja", MODEL_SUBSTITUTIONS).replace(
        "{% macro declare_property(property) %}", "{% macro declare_property(property) %}\n" + names, 1
    )
    (target / "model.py.jinja").write_text(model, encoding="utf-8")
    (target / "endpoint_module.py.jinja").write_text(
        _patched("endpoint_module.py.jinja", ENDPOINT_SUBSTITUTIONS), encoding="utf-8"
    )


if __name__ == "__main__":
    main(sys.argv[1])
