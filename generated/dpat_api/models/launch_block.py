from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.launch_slide import LaunchSlide

T = TypeVar("T", bound="LaunchBlock")


@_attrs_define
class LaunchBlock:
    """
    Attributes:
        name (str):
        slides (list[LaunchSlide]):
    """

    name: str = _attrs_field(alias="name")
    slides: list[LaunchSlide] = _attrs_field(alias="slides")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        slides = []
        for slides_item_data in self.slides:
            slides_item = slides_item_data.to_dict()
            slides.append(slides_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "slides": slides,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        slides = []
        _slides = d.pop("slides")
        for slides_item_data in _slides:
            slides_item = LaunchSlide.from_dict(slides_item_data)

            slides.append(slides_item)

        obj_ = cls(
            name=name,
            slides=slides,
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
