from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.polygon import Polygon


T = TypeVar("T", bound="TaggedPolygonContent")


@_attrs_define
class TaggedPolygonContent:
    """
    Attributes:
        polygon (Polygon): A closed shape; the first point is not repeated.
        tags (list[str] | Unset):
        tag_index (int | Unset):
    """

    polygon: Polygon = _attrs_field(alias="polygon")
    tags: list[str] | Unset = _attrs_field(default=UNSET, alias="tags")
    tag_index: int | Unset = _attrs_field(default=UNSET, alias="tagIndex")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        polygon = self.polygon.to_dict()

        tags: list[str] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags

        tag_index = self.tag_index

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "polygon": polygon,
            }
        )
        if tags is not UNSET:
            field_dict["tags"] = tags
        if tag_index is not UNSET:
            field_dict["tagIndex"] = tag_index

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.polygon import Polygon  # noqa: PLC0415

        d = dict(src_dict)
        polygon = Polygon.from_dict(d.pop("polygon"))

        tags = cast(list[str], d.pop("tags", UNSET))

        tag_index = d.pop("tagIndex", UNSET)

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
