from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PatchAction")


@_attrs_define
class PatchAction:
    """A button of a patch gallery; `state` 1 means pressed.

    Attributes:
        id (str):
        state (int):
        name (str | None):
        tooltip (str | None):
    """

    id: str = _attrs_field(alias="id")
    state: int = _attrs_field(alias="state")
    name: str | None = _attrs_field(default=None, alias="name")
    tooltip: str | None = _attrs_field(default=None, alias="tooltip")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        state = self.state

        name = self.name

        tooltip = self.tooltip

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "state": state,
            }
        )
        if name is not None:
            field_dict["name"] = name
        if tooltip is not None:
            field_dict["tooltip"] = tooltip

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        state = d.pop("state")

        name = d.pop("name", None)

        tooltip = d.pop("tooltip", None)

        obj_ = cls(
            id=id,
            state=state,
            name=name,
            tooltip=tooltip,
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
