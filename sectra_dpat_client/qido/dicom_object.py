"""Typed read access to one DICOM JSON dataset (PS3.18 Annex F), over the generated pydantic models."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, overload

import pydantic

from sectra_dpat_client._generated.dicom_models import dicom_json_schema
from sectra_dpat_client._generated.dicom_models.dicom_json_schema import (
    BinaryAttribute,
    BinaryVR,
    Dataset,
    NumberAttribute,
    NumberVR,
    PersonNameAttribute,
    SequenceAttribute,
    StringAttribute,
    StringVR,
)

from .._core.errors import NO_OPERATION, NamedOperation, unusable_answer
from ..errors import DPATResponseError, DPATValidationError, ValidationFault
from .codes import keyword_for, normalize_tag

if TYPE_CHECKING:
    import pydicom

__all__ = ["DicomObject", "DicomPersonName", "DicomValue", "TagKey"]

TagKey: TypeAlias = str | int
"""A DICOM keyword (``"PatientID"``), an 8-hex-digit tag (``"00100020"``, see `DicomCodes`) or an int tag."""

AttributeModel: TypeAlias = (
    StringAttribute | NumberAttribute | PersonNameAttribute | SequenceAttribute | BinaryAttribute
)


@dataclass(frozen=True, slots=True, repr=False)
class DicomPersonName:
    """A PN value: up to three component groups, each ``Family^Given^Middle^Prefix^Suffix``."""

    alphabetic: str = ""
    ideographic: str = ""
    phonetic: str = ""

    def components(self, group: str = "alphabetic") -> tuple[str, str, str, str, str]:
        """The five components (family, given, middle, prefix, suffix) of one group; missing ones are ``""``."""
        parts = [*getattr(self, group).split("^"), "", "", "", ""][:5]
        return (parts[0], parts[1], parts[2], parts[3], parts[4])

    @property
    def family_name(self) -> str:
        return self.components()[0]

    @property
    def given_name(self) -> str:
        return self.components()[1]

    @property
    def middle_name(self) -> str:
        return self.components()[2]

    @property
    def name_prefix(self) -> str:
        return self.components()[3]

    @property
    def name_suffix(self) -> str:
        return self.components()[4]

    def __str__(self) -> str:
        """The DICOM string form ``Alphabetic=Ideographic=Phonetic`` without trailing empty groups."""
        return "=".join((self.alphabetic, self.ideographic, self.phonetic)).rstrip("=")

    def __repr__(self) -> str:
        return "DicomPersonName(<redacted>)"  # a person's name is patient data


DicomValue: TypeAlias = "str | int | float | DicomPersonName | DicomObject | None"
"""One value of an attribute: text, a number (IS/DS/US… converted), a PN, a sequence item, or None (empty)."""

_INT_VRS = frozenset({"IS", "SL", "SS", "SV", "UL", "US", "UV"})
_DATE = re.compile(r"^(\d{4})\.?(\d{2})\.?(\d{2})$")
_TIME = re.compile(r"^(\d{2})(?::?(\d{2})(?::?(\d{2})(?:\.(\d{1,6}))?)?)?$")
_DATETIME = re.compile(r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,6}))?(?:([+-])(\d{2})(\d{2}))?$")


class DicomObject(Mapping[str, AttributeModel]):
    """One DICOM JSON dataset (a QIDO-RS match, a sequence item) with typed accessors.

    Keys are tags (``"0020000D"``); every accessor also takes a keyword or an int tag. Missing
    attributes and attributes without ``Value`` read as empty. Each attribute is validated against
    the generated DICOM JSON models (`dicom_models`) when first read, so a large search answer is
    cheap to wrap; `DicomObject.from_json` and `validate` check everything at once. ``repr()`` never
    shows values.
    """

    __slots__ = ("_models", "_raw")

    def __init__(self, dataset: Dataset) -> None:
        models = {key.upper(): attribute.root for key, attribute in dataset.root.items()}
        self._models: dict[str, AttributeModel] = models
        self._raw: dict[str, Any] = dict.fromkeys(models)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str | bytes) -> DicomObject:
        """Validate one whole DICOM JSON dataset; raises `DPATValidationError` naming every fault."""
        try:
            if isinstance(data, str | bytes):
                return cls(Dataset.model_validate_json(data))
            return cls(Dataset.model_validate(data))
        except pydantic.ValidationError as error:
            raise DPATValidationError("DicomJson", faults_from_pydantic(error)) from None

    @classmethod
    def wrap(cls, raw: dict[str, Any]) -> DicomObject:
        """Wrap decoded JSON whose shape `check_dataset` accepted; attributes are validated when read."""
        obj = cls.__new__(cls)
        obj._raw = raw
        obj._models = {}
        return obj

    def validate(self) -> None:
        """Validate every attribute now; raises `DPATResponseError` naming the first bad attribute."""
        for tag in self._raw:
            self._model(tag)

    def _model(self, tag: str) -> AttributeModel:
        model = self._models.get(tag)
        if model is None:
            raw = self._raw[tag]
            model_class = _MODEL_FOR_VR.get(raw.get("vr"))
            if model_class is None:
                raise DPATResponseError(f"{_keyword_or_tag(tag)} has an unknown VR")
            try:
                model = model_class.model_validate(raw)
            except pydantic.ValidationError as error:
                faults = "; ".join(str(fault) for fault in faults_from_pydantic(error, f"${tag}")[:5])
                raise DPATResponseError(f"{_keyword_or_tag(tag)} is not valid DICOM JSON: {faults}") from None
            self._models[tag] = model
        return model

    # --- mapping protocol -------------------------------------------------------------------

    def __getitem__(self, key: str) -> AttributeModel:
        tag = normalize_tag(key)
        if tag not in self._raw:
            raise KeyError(key)
        return self._model(tag)

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str | int):
            return False
        try:
            return normalize_tag(key) in self._raw
        except KeyError:
            return False

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DicomObject):
            return NotImplemented
        if None in self._raw.values() or None in other._raw.values():  # built from models, not decoded JSON
            return self.to_json() == other.to_json()
        return self._raw == other._raw  # both still the decoded JSON: compare without validating

    __hash__ = None  # type: ignore[assignment]  # compared by content: not hashable

    def __repr__(self) -> str:
        return f"DicomObject({len(self._raw)} attributes)"  # values may be patient data

    # --- raw access ---------------------------------------------------------------------------

    def attribute(self, key: TagKey) -> AttributeModel | None:
        """The generated model of one attribute, or None when absent."""
        tag = normalize_tag(key)
        return self._model(tag) if tag in self._raw else None

    def get_vr(self, key: TagKey) -> str | None:
        """The attribute's VR (``"PN"``), or None when absent."""
        found = self.attribute(key)
        return None if found is None else str(found.vr)

    def keywords(self) -> list[str]:
        """The keywords of the attributes present (the tag itself for private/unknown tags)."""
        return [_keyword_or_tag(tag) for tag in self._raw]

    # --- typed values -------------------------------------------------------------------------

    def get_values(self, key: TagKey) -> list[DicomValue]:
        """All values, typed by VR; ``[]`` when absent, empty, or held as bulk data / inline binary."""
        tag = normalize_tag(key)
        if tag not in self._raw:
            return []
        if tag not in self._models:
            fast = _plain_values(tag, self._raw[tag])
            if fast is not None:
                return fast
        attribute = self._model(tag)
        if isinstance(attribute, SequenceAttribute):
            return [DicomObject(item) for item in attribute.Value or ()]
        if isinstance(attribute, PersonNameAttribute):
            return [_person_name(item) for item in attribute.Value or ()]
        if isinstance(attribute, NumberAttribute):
            vr = str(attribute.vr)
            return [_number(tag, vr, item) for item in attribute.Value or ()]
        if isinstance(attribute, StringAttribute):
            return list(attribute.Value or ())
        return []

    def get_value(self, key: TagKey) -> DicomValue:
        """The first value, typed by VR; None when absent or empty."""
        values = self.get_values(key)
        return values[0] if values else None

    @overload
    def get_value_as_string(self, key: TagKey) -> str | None: ...
    @overload
    def get_value_as_string(self, key: TagKey, default: str) -> str: ...
    def get_value_as_string(self, key: TagKey, default: str | None = None) -> str | None:
        """The first value as text (PN in its DICOM form ``Family^Given``); ``default`` when absent or empty.

        IS/DS values sent as strings keep their original form (``"1.50"``).
        """
        tag = normalize_tag(key)
        raw = self._raw.get(tag) if tag not in self._models else None
        if raw is None or _plain_values(tag, raw) is None:  # anything unusual: validated by the model
            attribute = self.attribute(tag)
            if isinstance(attribute, NumberAttribute) and attribute.Value and isinstance(attribute.Value[0], str):
                return attribute.Value[0].strip() or default
        elif raw["vr"] in _NUMBER_VRS and raw.get("Value") and type(raw["Value"][0]) is str:
            return str(raw["Value"][0]).strip() or default
        value = self.get_value(tag)
        if value is None or isinstance(value, DicomObject):
            return default
        text = str(value)
        return text if text else default

    def get_strings(self, key: TagKey) -> list[str]:
        """All values as text; empty entries as ``""``."""
        return ["" if value is None or isinstance(value, DicomObject) else str(value) for value in self.get_values(key)]

    def get_number(self, key: TagKey) -> int | float | None:
        """The first value of a numeric attribute (IS/DS/US/…); None when absent or empty."""
        value = self.get_value(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DPATResponseError(f"{_keyword_or_tag(normalize_tag(key))} is not a numeric attribute")
        return value

    def get_person_name(self, key: TagKey) -> DicomPersonName | None:
        """The first value of a PN attribute; None when absent or empty."""
        value = self.get_value(key)
        if value is None:
            return None
        if not isinstance(value, DicomPersonName):
            raise DPATResponseError(f"{_keyword_or_tag(normalize_tag(key))} is not a PN attribute")
        return value

    def get_sequence(self, key: TagKey) -> list[DicomObject]:
        """The items of an SQ attribute; ``[]`` when absent or empty."""
        values = self.get_values(key)
        if any(not isinstance(value, DicomObject) for value in values):
            raise DPATResponseError(f"{_keyword_or_tag(normalize_tag(key))} is not a sequence")
        return [value for value in values if isinstance(value, DicomObject)]

    def get_date(self, key: TagKey) -> dt.date | None:
        """The first value of a DA attribute (``YYYYMMDD``); None when absent or empty."""
        text = self.get_value_as_string(key)
        if text is None:
            return None
        match = _DATE.match(text.strip())
        try:
            if match is None:
                raise ValueError
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise DPATResponseError(f"{_keyword_or_tag(normalize_tag(key))} is not a DICOM date (DA)") from None

    def get_time(self, key: TagKey) -> dt.time | None:
        """The first value of a TM attribute (``HH[MM[SS[.FFFFFF]]]``); None when absent or empty."""
        text = self.get_value_as_string(key)
        if text is None:
            return None
        match = _TIME.match(text.strip())
        try:
            if match is None:
                raise ValueError
            return _time_of(match[1], match[2], match[3], match[4])
        except ValueError:
            raise DPATResponseError(f"{_keyword_or_tag(normalize_tag(key))} is not a DICOM time (TM)") from None

    def get_datetime(self, key: TagKey, time_key: TagKey | None = None) -> dt.datetime | None:
        """The first value of a DT attribute, or a DA attribute combined with the TM at ``time_key``.

        Missing trailing components read as their minimum; a ``&ZZXX`` offset gives an aware datetime.
        """
        if time_key is not None:
            date = self.get_date(key)
            if date is None:
                return None
            return dt.datetime.combine(date, self.get_time(time_key) or dt.time())
        text = self.get_value_as_string(key)
        if text is None:
            return None
        match = _DATETIME.match(text.strip())
        try:
            if match is None:
                raise ValueError
            year, month, day, hour, minute, second, fraction, sign, tz_hours, tz_minutes = match.groups()
            time = _time_of(hour or "00", minute, second, fraction)
            tz = None
            if sign:
                offset = dt.timedelta(hours=int(tz_hours), minutes=int(tz_minutes))
                tz = dt.timezone(-offset if sign == "-" else offset)
            return dt.datetime.combine(dt.date(int(year), int(month or 1), int(day or 1)), time, tzinfo=tz)
        except ValueError:
            raise DPATResponseError(f"{_keyword_or_tag(normalize_tag(key))} is not a DICOM datetime (DT)") from None

    def get_bulk_data_uri(self, key: TagKey) -> str | None:
        """The ``BulkDataURI`` of an attribute whose value is held elsewhere; None otherwise."""
        attribute = self.attribute(key)
        return getattr(attribute, "BulkDataURI", None)

    def get_inline_binary(self, key: TagKey) -> bytes | None:
        """The decoded ``InlineBinary`` of an attribute; None when it has none."""
        attribute = self.attribute(key)
        encoded = getattr(attribute, "InlineBinary", None)
        if encoded is None:
            return None
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise DPATResponseError(f"{_keyword_or_tag(normalize_tag(key))} has invalid base64 InlineBinary") from None

    # --- conversion ---------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The dataset as DICOM JSON (keys in ascending tag order, as PS3.18 F.2 asks)."""
        return {tag: self._model(tag).model_dump(mode="json", exclude_none=True) for tag in sorted(self._raw)}

    def to_pydicom(self, bulk_data_uri_handler: Callable[..., bytes | None] | None = None) -> pydicom.Dataset:
        """The dataset as a `pydicom.Dataset` (``Dataset.from_json``); bulk data goes through the handler."""
        from pydicom import Dataset as PydicomDataset

        return PydicomDataset.from_json(self.to_json(), bulk_data_uri_handler=bulk_data_uri_handler)


_MODEL_FOR_VR: dict[object, type[AttributeModel]] = {
    **dict.fromkeys([vr.value for vr in StringVR], StringAttribute),
    **dict.fromkeys([vr.value for vr in NumberVR], NumberAttribute),
    **dict.fromkeys([vr.value for vr in BinaryVR], BinaryAttribute),
    "PN": PersonNameAttribute,
    "SQ": SequenceAttribute,
}  # built from the generated VR enums: the attribute model each VR validates against

_HEX_DIGITS = frozenset("0123456789ABCDEFabcdef")
_STRING_VRS = frozenset(vr.value for vr in StringVR)
_NUMBER_VRS = frozenset(vr.value for vr in NumberVR)
_PN_KEYS = frozenset({"Alphabetic", "Ideographic", "Phonetic"})


def _plain_values(tag: str, raw: dict[str, Any]) -> list[DicomValue] | None:
    """The typed values of an attribute in the plain shape (``vr`` and a ``Value`` of exact JSON types).

    Such an attribute is exactly what its generated model accepts, so its values are read without
    building the model; None for anything else (sequences, bulk data, unexpected keys or types), which
    then goes through the model and its validation.
    """
    vr = raw["vr"]
    values = raw.get("Value")
    if len(raw) != (1 if values is None else 2) or (values is not None and type(values) is not list):
        return None
    if values is None:
        return [] if vr in _STRING_VRS or vr in _NUMBER_VRS or vr == "PN" else None
    if vr in _STRING_VRS:
        for item in values:
            if item is not None and type(item) is not str:
                return None
        return list(values)
    if vr in _NUMBER_VRS:
        for item in values:
            if item is not None and type(item) is not int and type(item) is not float and type(item) is not str:
                return None
        return [_number(tag, vr, item) for item in values]
    if vr == "PN":
        names: list[DicomValue] = []
        for item in values:
            if item is None:
                names.append(None)
                continue
            if type(item) is not dict or not _PN_KEYS.issuperset(item):
                return None
            for part in item.values():
                if part is not None and type(part) is not str:
                    return None
            names.append(
                DicomPersonName(item.get("Alphabetic") or "", item.get("Ideographic") or "", item.get("Phonetic") or "")
            )
        return names
    return None


def not_dicom_json(operation: NamedOperation, what: str, status_code: int | None = None) -> DPATResponseError:
    """The error for a QIDO-RS answer of ``operation`` that is not DICOM JSON (``what`` never quotes values)."""
    return unusable_answer(operation, f"the QIDO-RS answer is not valid DICOM JSON: {what}", status_code)


def check_dataset(
    raw: object, where: str, operation: NamedOperation = NO_OPERATION, status_code: int | None = None
) -> dict[str, Any]:
    """The shape a lazily validated dataset needs (8-hex-digit keys, objects with a ``vr``), keys upper-cased.

    Raises `DPATResponseError` naming the answer's ``operation`` and the JSON path; values are never quoted.
    """
    if type(raw) is not dict:
        raise not_dicom_json(operation, f"{where} is not a DICOM JSON object", status_code)
    needs_upper = False
    for key, attribute in raw.items():
        if len(key) != 8 or not _HEX_DIGITS.issuperset(key):
            raise not_dicom_json(operation, f"{where} has a key that is not an 8-hex-digit tag", status_code)
        if type(attribute) is not dict or type(attribute.get("vr")) is not str:
            what = f"{where}.{key} is not a DICOM JSON attribute (object with a vr)"
            raise not_dicom_json(operation, what, status_code)
        needs_upper = needs_upper or not (key.isupper() or key.isdigit())
    return {key.upper(): value for key, value in raw.items()} if needs_upper else raw


def faults_from_pydantic(error: pydantic.ValidationError, prefix: str = "$") -> list[ValidationFault]:
    """One fault per failing location, naming the rule but never the value (it may be patient data).

    A location step that is not a tag, a model or field name of the DICOM JSON schema (an unexpected
    key the server sent, which may itself be patient data) is written ``.?``.
    """
    faults: dict[str, str] = {}
    for item in error.errors(include_input=False, include_url=False):
        path = prefix + "".join(_location_step(part) for part in item["loc"])
        faults.setdefault(path, item["msg"])
    return [ValidationFault(path, message) for path, message in faults.items()]


def _location_step(part: int | str) -> str:
    if isinstance(part, int):
        return f"[{part}]"
    return f".{part}" if part in _SCHEMA_NAMES or _TAG.fullmatch(part) else ".?"


def _schema_names() -> frozenset[str]:
    """Model and field names (and JSON aliases) of the generated DICOM JSON models, and pydantic's own steps."""
    names = {"[key]"}
    for value in vars(dicom_json_schema).values():
        if isinstance(value, type) and issubclass(value, pydantic.BaseModel):
            names.add(value.__name__)
            for name, field in value.model_fields.items():
                names.update(n for n in (name, field.alias) if n)
    return frozenset(names)


_TAG = re.compile(r"[0-9A-Fa-f]{8}")
_SCHEMA_NAMES = _schema_names()


def _keyword_or_tag(tag: str) -> str:
    try:
        return keyword_for(tag)
    except KeyError:
        return tag


def _person_name(item: Any) -> DicomPersonName | None:
    if item is None:
        return None
    return DicomPersonName(item.Alphabetic or "", item.Ideographic or "", item.Phonetic or "")


def _number(tag: str, vr: str, item: int | float | str | None) -> int | float | None:
    if item is None or isinstance(item, int | float):
        return item
    text = item.strip()
    if not text:
        return None
    try:
        return int(text) if vr in _INT_VRS else float(text)
    except ValueError:
        raise DPATResponseError(f"{_keyword_or_tag(tag)} holds a value that is not a number ({vr})") from None


def _time_of(hour: str, minute: str | None, second: str | None, fraction: str | None) -> dt.time:
    micro = int((fraction or "0").ljust(6, "0"))
    return dt.time(int(hour), int(minute or 0), min(int(second or 0), 59), micro)
