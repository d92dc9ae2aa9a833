from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.polygon import Polygon

T = TypeVar("T", bound="TaggedPolygonContent")


@_attrs_define
class TaggedPolygonContent:
    """
    Attributes:
        polygon (Polygon): A closed shape; the first point is not repeated.
        tags (list[str] | None):
        tag_index (int | None):
    """

    polygon: Polygon = _attrs_field(alias="polygon")
    tags: list[str] | None = _attrs_field(default=None, alias="tags")
    tag_index: int | None = _attrs_field(default=None, alias="tagIndex")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        polygon = self.polygon.to_dict()

        tags: list[str] | None = None
        if self.tags is not None:
            tags = self.tags

        tag_index = self.tag_index

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "polygon": polygon,
            }
        )
        if tags is not None:
            field_dict["tags"] = tags
        if tag_index is not None:
            field_dict["tagIndex"] = tag_index

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        polygon = Polygon.from_dict(d.pop("polygon"))

        tags = cast(list[str], d.pop("tags", None))

        tag_index = d.pop("tagIndex", None)

        obj_ = cls(
            polygon=polygon,
            tags=tags,
            tagIndex=tag_index,
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
