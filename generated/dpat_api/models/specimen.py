from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Specimen")


@_attrs_define
class Specimen:
    """
    Attributes:
        anatomy (str | None):
        description (str | None):
    """

    anatomy: str | None = _attrs_field(default=None, alias="anatomy")
    description: str | None = _attrs_field(default=None, alias="description")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        anatomy = self.anatomy

        description = self.description

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if anatomy is not None:
            field_dict["anatomy"] = anatomy
        if description is not None:
            field_dict["description"] = description

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        anatomy = d.pop("anatomy", None)

        description = d.pop("description", None)

        obj_ = cls(
            anatomy=anatomy,
            description=description,
        )

        obj_.additional_properties = d
        return obj_

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
