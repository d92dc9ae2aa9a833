from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Style")


@_attrs_define
class Style:
    """Drawing style for every object of a primitive item.

    Attributes:
        stroke_style (str | None): `#RRGGBB` or `#RRGGBBAA`.
        fill_style (str | None): `#RRGGBB` or `#RRGGBBAA`.
        size (int | None):
    """

    stroke_style: str | None = _attrs_field(default=None, alias="strokeStyle")
    fill_style: str | None = _attrs_field(default=None, alias="fillStyle")
    size: int | None = _attrs_field(default=None, alias="size")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        stroke_style = self.stroke_style

        fill_style = self.fill_style

        size = self.size

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if stroke_style is not None:
            field_dict["strokeStyle"] = stroke_style
        if fill_style is not None:
            field_dict["fillStyle"] = fill_style
        if size is not None:
            field_dict["size"] = size

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        stroke_style = d.pop("strokeStyle", None)

        fill_style = d.pop("fillStyle", None)

        size = d.pop("size", None)

        obj_ = cls(
            strokeStyle=stroke_style,
            fillStyle=fill_style,
            size=size,
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
