from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Style")


@_attrs_define
class Style:
    """Drawing style for every object of a primitive item.

    Attributes:
        stroke_style (None | str | Unset):
        fill_style (None | str | Unset):
        size (int | None | Unset):
    """

    stroke_style: None | str | Unset = _attrs_field(default=UNSET, alias="strokeStyle")
    fill_style: None | str | Unset = _attrs_field(default=UNSET, alias="fillStyle")
    size: int | None | Unset = _attrs_field(default=UNSET, alias="size")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        stroke_style: None | str | Unset
        if isinstance(self.stroke_style, Unset):
            stroke_style = UNSET
        else:
            stroke_style = self.stroke_style

        fill_style: None | str | Unset
        if isinstance(self.fill_style, Unset):
            fill_style = UNSET
        else:
            fill_style = self.fill_style

        size: int | None | Unset
        if isinstance(self.size, Unset):
            size = UNSET
        else:
            size = self.size

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if stroke_style is not UNSET:
            field_dict["strokeStyle"] = stroke_style
        if fill_style is not UNSET:
            field_dict["fillStyle"] = fill_style
        if size is not UNSET:
            field_dict["size"] = size

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_stroke_style(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        stroke_style = _parse_stroke_style(d.pop("strokeStyle", UNSET))

        def _parse_fill_style(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        fill_style = _parse_fill_style(d.pop("fillStyle", UNSET))

        def _parse_size(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        size = _parse_size(d.pop("size", UNSET))

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
