from __future__ import annotations

from collections.abc import Mapping
from typing import (
    Any,
    Literal,
    TypeVar,
    cast,
)

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.multi_area_content import MultiAreaContent

T = TypeVar("T", bound="MultiAreaInput")


@_attrs_define
class MultiAreaInput:
    """
    Attributes:
        type_ (Literal['multiArea']):
        content (MultiAreaContent):
    """

    type_: Literal["multiArea"] = _attrs_field(alias="type")
    content: MultiAreaContent = _attrs_field(alias="content")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

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
        type_ = cast(Literal["multiArea"], d.pop("type"))
        if type_ != "multiArea":
            raise ValueError(f"type must match const 'multiArea', got '{type_}'")

        content = MultiAreaContent.from_dict(d.pop("content"))

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
