from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.point import Point

T = TypeVar("T", bound="Patch")


@_attrs_define
class Patch:
    """One patch of a patch gallery.

    Attributes:
        tag (int): Index into the gallery's `tags`.
        position (Point): A point in width-normalised coordinates (x and y both divided by the image width).
        sort_key_value (float):
    """

    tag: int = _attrs_field(alias="tag")
    position: Point = _attrs_field(alias="position")
    sort_key_value: float = _attrs_field(alias="sortKeyValue")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        tag = self.tag

        position = self.position.to_dict()

        sort_key_value = self.sort_key_value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "tag": tag,
                "position": position,
                "sortKeyValue": sort_key_value,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        tag = d.pop("tag")

        position = Point.from_dict(d.pop("position"))

        sort_key_value = d.pop("sortKeyValue")

        obj_ = cls(
            tag=tag,
            position=position,
            sortKeyValue=sort_key_value,
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
