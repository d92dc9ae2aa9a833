"""Write the patched generator templates into a folder, from the pinned generator's own.

The generator's templates are not copied into this repository: this script reads them from the
installed openapi-python-client and applies small, checked substitutions, so that models are
constructed with their wire (camelCase) names while attributes stay snake_case, that an
optional property left out or sent as null reads as `None` (typed `T | None`, left out of the JSON
sent; no `Unset` anywhere), that models import each other at module level, that an enum value
the spec does not know parses into a pseudo-member that keeps the raw value, and that a property's
`not: {enum: [...]}` is enforced by from_dict (the generator ignores `not`).
"""

from __future__ import annotations

import re
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
{%- set field_converter = "converter=_" + property.python_name + "_converter, " if property.class_info is defined and property.class_info.name in WRAPS else "" -%}
{{ property.python_name }}: {{ property.get_type_string() | as_unembedded_code }} = _attrs_field({{ field_default }}{{ field_converter }}alias="{{ property.name | in_double_quote_literal }}"{{ field_repr }})
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
    # Models import each other at module level (the schemas hold no reference cycle), not on every call.
    (
        """{% for lazy_import in model.lazy_imports | sort %}
{% if loop.first %}
if TYPE_CHECKING:
{% endif %}
  {{ lazy_import }}
{% endfor %}""",
        """{% for lazy_import in model.lazy_imports | sort %}
{{ lazy_import }}
{% endfor %}""",
    ),
    ("from ..types import UNSET, Unset\n", ""),
    # A property whose spec says `not: {enum: [...]}` (or `not: {const: ...}`) refuses those values in
    # from_dict, so a union's catch-all member (UnknownInput) no longer takes a known tag whose body is
    # broken: the union parser then raises instead of reading it as unknown.
    (
        """    {% if prop_template.construct %}
        {{ prop_template.construct(property, property_source) | indent(8) }}
    {% else %}
        {{ property.python_name }} = {{ property_source }}
    {% endif %}

{% endfor %}""",
        """    {% if prop_template.construct %}
        {{ prop_template.construct(property, property_source) | indent(8) }}
    {% else %}
        {{ property.python_name }} = {{ property_source }}
    {% endif %}
    {% set forbidden = FORBIDDEN.get(model.class_info.name, {}).get(property.name) %}
    {% if forbidden %}
        if {{ property.python_name }} in {{ forbidden }}:
            raise ValueError(f"{{ property.name | in_f_string_literal }} must not be one of {{ forbidden | in_f_string_literal }}, got '{{'{' + property.python_name + '}'}}'")
    {% endif %}

{% endfor %}""",
    ),
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


# For each property whose model the spec marks ``x-python-wraps``: the wrapped model's import (after
# the relative imports) and the converter that accepts it bare (before the class).
CONVERTER_IMPORTS_ANCHOR = """{% for relative in model.relative_imports | sort %}
{{ relative }}
{% endfor %}
"""
CONVERTER_IMPORTS = """{% for property in model.required_properties + model.optional_properties %}
{% if property.class_info is defined and property.class_info.name in WRAPS %}
from ..models.{{ WRAPS[property.class_info.name][2] }} import {{ WRAPS[property.class_info.name][0] }}
{% endif %}
{% endfor %}
"""
CONVERTERS_ANCHOR = """T = TypeVar("T", bound="{{ class_name }}")
"""
CONVERTERS = """{% for property in model.required_properties + model.optional_properties %}
{% if property.class_info is defined and property.class_info.name in WRAPS %}
{% set wrapped = WRAPS[property.class_info.name] %}


def _{{ property.python_name }}_converter(
    value: {{ property.get_type_string() | as_unembedded_code }} | {{ wrapped[0] }},
) -> {{ property.get_type_string() | as_unembedded_code }}:
    \"\"\"A bare `{{ wrapped[0] }}` becomes `{{ property.class_info.name }}({{ wrapped[1] }}=...)`.\"\"\"
    if isinstance(value, {{ wrapped[0] }}):
        return {{ property.class_info.name }}({{ wrapped[1] }}=value)
    return value
{% endif %}
{% endfor %}
"""


# Removed from model.py.jinja wherever it occurs (to_dict, to_multipart, from_dict): the imports are
# at module level now.
FUNCTION_LOCAL_IMPORTS = """    {% for lazy_import in model.lazy_imports | sort %}
        {{ lazy_import }} # noqa: PLC0415
    {% endfor %}
"""

# An enum value the spec does not know (from a newer DPAT) parses into a pseudo-member of the enum:
# `.value` is the raw string, `.name` is "UNKNOWN", `to_dict` sends the raw value back.
ENUM_SUBSTITUTIONS: list[tuple[str, str]] = [
    (
        """    def __str__(self) -> str:
        return str(self.value)""",
        """    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> "{{ enum.class_info.name }} | None":
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = "UNKNOWN"
        member._value_ = value
        return member""",
    ),
]

# Optional properties: `None` stands for "absent" in every template that knows about `Unset`.
# Applied in order, as regular expressions, to every template below; afterwards no Unset/UNSET remains.
NONE_FOR_UNSET: list[tuple[str, str]] = [
    (r"from \.\.\.types import Response, UNSET", "from ...types import Response"),
    (r"v is not UNSET and v is not None", "v is not None"),
    (r"not isinstance\(\s*([^,()]+?)\s*,\s*Unset\)", r"\1 is not None"),
    (r"isinstance\(\s*([^,()]+?)\s*,\s*Unset\)", r"\1 is None"),
    (r"\| Unset = UNSET", "| None = None"),
    (r"\bUNSET\b", "None"),
    # Type strings and declarations the generator builds in Python (`T | Unset`, `= UNSET`).
    # A null-only property (`{type: "null"}`) would read `None | None`: it is just `None`.
    (
        r"\|\s*as_unembedded_code\b",
        '| as_unembedded_code | replace("Unset", "None") | replace("UNSET", "None") | replace("None | None", "None")',
    ),
    (r"(to_docstring\(\))", r'\1 | replace("Unset", "None") | replace("None | None", "None")'),
]
_FILTERS = ('replace("Unset", "None")', 'replace("UNSET", "None")', 'PythonCode("Unset")')

PROPERTY_TEMPLATES = [
    "any_property.py.jinja",
    "boolean_property.py.jinja",
    "const_property.py.jinja",
    "date_property.py.jinja",
    "datetime_property.py.jinja",
    "enum_property.py.jinja",
    "file_property.py.jinja",
    "float_property.py.jinja",
    "helpers.jinja",
    "int_property.py.jinja",
    "list_property.py.jinja",
    "literal_enum_property.py.jinja",
    "model_property.py.jinja",
    "property_macros.py.jinja",
    "union_property.py.jinja",
    "uuid_property.py.jinja",
]


def _source(name: str) -> str:
    return (Path(openapi_python_client.__file__).parent / "templates" / name).read_text(encoding="utf-8")


def _patched(name: str, substitutions: list[tuple[str, str]], text: str | None = None) -> str:
    text = _source(name) if text is None else text
    for old, new in substitutions:
        count = text.count(old)
        if count != 1:
            sys.exit(f"{name}: substitution expected once, found {count} times:\n{old}")
        text = text.replace(old, new)
    return text


def _none_for_unset(name: str, text: str) -> str:
    for pattern, replacement in NONE_FOR_UNSET:
        text = re.sub(pattern, replacement, text)
    rest = text
    for used in _FILTERS:
        rest = rest.replace(used, "")
    if re.search(r"\bUnset\b|\bUNSET\b", rest):
        sys.exit(f"{name}: Unset left after the substitutions")
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


def wraps() -> dict[str, tuple[str, str, str]]:
    """Schemas marked ``x-python-wraps``: name -> (wrapped schema, property it goes in, its module)."""
    spec = yaml.safe_load((ROOT / "openapi" / "ia-api.yaml").read_text(encoding="utf-8"))
    found: dict[str, tuple[str, str, str]] = {}
    for name, schema in spec["components"]["schemas"].items():
        wrap = schema.get("x-python-wraps") if isinstance(schema, dict) else None
        if wrap is not None:
            if wrap["property"] not in schema.get("properties", {}):
                sys.exit(f"{name}: x-python-wraps names a property it does not have: {wrap['property']}")
            module = re.sub(r"(?<!^)(?=[A-Z])", "_", wrap["schema"]).lower()
            found[name] = (wrap["schema"], wrap["property"], module)
    return found


def forbidden_values() -> dict[str, dict[str, str]]:
    """Properties whose spec schema says ``not: {enum: [...]}`` or ``not: {const: ...}``: schema name ->
    JSON property name -> the refused values as a Python tuple literal."""
    spec = yaml.safe_load((ROOT / "openapi" / "ia-api.yaml").read_text(encoding="utf-8"))
    found: dict[str, dict[str, str]] = {}
    for name, schema in spec["components"]["schemas"].items():
        properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
        for prop_name, prop in properties.items():
            refused = prop.get("not") if isinstance(prop, dict) else None
            if refused is None:
                continue
            if not isinstance(refused, dict) or len(refused) != 1 or not ({"enum", "const"} & refused.keys()):
                sys.exit(f"{name}.{prop_name}: only `not: {{enum: [...]}}` or `not: {{const: ...}}` is supported")
            values = refused["enum"] if "enum" in refused else [refused["const"]]
            if not all(isinstance(value, str) for value in values):
                sys.exit(f"{name}.{prop_name}: `not` supports string values only")
            found.setdefault(name, {})[prop_name] = repr(tuple(values))
    return found


def main(out_dir: str) -> None:
    if openapi_python_client.__version__ != EXPECTED_VERSION:
        sys.exit(f"openapi-python-client {EXPECTED_VERSION} expected, found {openapi_python_client.__version__}")
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    names = "{% set SENSITIVE_NAMES = " + repr(sensitive_names()) + " %}\n"
    names += "{% set WRAPS = " + repr({k: list(v) for k, v in wraps().items()}) + " %}\n"
    names += "{% set FORBIDDEN = " + repr(forbidden_values()) + " %}\n"
    model = _source("model.py.jinja")
    if model.count(FUNCTION_LOCAL_IMPORTS) != 3:
        sys.exit("model.py.jinja: the function-local imports are not where they were")
    model = _patched("model.py.jinja", MODEL_SUBSTITUTIONS, model.replace(FUNCTION_LOCAL_IMPORTS, ""))
    model = model.replace(
        "{% macro declare_property(property) %}", "{% macro declare_property(property) %}\n" + names, 1
    )
    for anchor, added in ((CONVERTER_IMPORTS_ANCHOR, CONVERTER_IMPORTS), (CONVERTERS_ANCHOR, CONVERTERS)):
        if model.count(anchor) != 1:
            sys.exit(f"model.py.jinja: expected once:\n{anchor}")
        model = model.replace(anchor, anchor + names + added, 1)
    templates = {
        "model.py.jinja": model,
        "endpoint_module.py.jinja": _patched("endpoint_module.py.jinja", ENDPOINT_SUBSTITUTIONS),
        "endpoint_macros.py.jinja": _source("endpoint_macros.py.jinja"),
        **{f"property_templates/{name}": _source(f"property_templates/{name}") for name in PROPERTY_TEMPLATES},
    }
    (target / "property_templates").mkdir(exist_ok=True)
    for name, text in templates.items():
        (target / name).write_text(_none_for_unset(name, text), encoding="utf-8")
    (target / "str_enum.py.jinja").write_text(_patched("str_enum.py.jinja", ENUM_SUBSTITUTIONS), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
