from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.patch_content import PatchContent
from ..models.primitive_item import PrimitiveItem
from ..models.result_type import ResultType

T = TypeVar("T", bound="ResultContent")


@_attrs_define
class ResultContent:
    """The displayed content, tagged by `type`: `primitive` carries one PrimitiveItem or a list of
    them (both forms are seen), `patchCollection` a PatchContent.

        Attributes:
            type_ (ResultType):
            content (list[PrimitiveItem] | PatchContent | PrimitiveItem):
    """

    type_: ResultType = _attrs_field(alias="type")
    content: list[PrimitiveItem] | PatchContent | PrimitiveItem = _attrs_field(alias="content")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        content: dict[str, Any] | list[dict[str, Any]]
        if isinstance(self.content, PatchContent):
            content = self.content.to_dict()
        elif isinstance(self.content, list):
            content = []
            for content_type_1_item_data in self.content:
                content_type_1_item = content_type_1_item_data.to_dict()
                content.append(content_type_1_item)

        else:
            content = self.content.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "content": content,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = ResultType(d.pop("type"))

        def _parse_content(data: object) -> list[PrimitiveItem] | PatchContent | PrimitiveItem:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                content_type_0 = PatchContent.from_dict(data)

                return content_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, list):
                    raise TypeError()
                content_type_1 = []
                _content_type_1 = data
                for content_type_1_item_data in _content_type_1:
                    content_type_1_item = PrimitiveItem.from_dict(content_type_1_item_data)

                    content_type_1.append(content_type_1_item)

                return content_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            content_type_2 = PrimitiveItem.from_dict(data)

            return content_type_2

        content = _parse_content(d.pop("content"))

        obj_ = cls(
            type=type_,
            content=content,
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
