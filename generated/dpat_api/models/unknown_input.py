from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="UnknownInput")


@_attrs_define
class UnknownInput:
    """An input whose `type` this spec does not know (from a newer DPAT), kept as sent: the raw `type`, its `content` and
    any other property. Matches only types that are not one of `InputType`.

        Attributes:
            type_ (str):
            content (Any | None):
    """

    type_: str = _attrs_field(alias="type")
    content: Any | None = _attrs_field(default=None, alias="content")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        content = self.content

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if content is not None:
            field_dict["content"] = content

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = d.pop("type")
        if type_ in ("wholeSlide", "taggedPolygon", "multiArea"):
            raise ValueError(f"type must not be one of ('wholeSlide', 'taggedPolygon', 'multiArea'), got '{type_}'")

        content = d.pop("content", None)

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
