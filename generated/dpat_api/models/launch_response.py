from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.callback_info import CallbackInfo
from ..models.launch_block import LaunchBlock

T = TypeVar("T", bound="LaunchResponse")


@_attrs_define
class LaunchResponse:
    """
    Attributes:
        callback_info (CallbackInfo): Where and how the app calls DPAT back.
        blocks (list[LaunchBlock]):
    """

    callback_info: CallbackInfo = _attrs_field(alias="callbackInfo")
    blocks: list[LaunchBlock] = _attrs_field(alias="blocks")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        callback_info = self.callback_info.to_dict()

        blocks = []
        for blocks_item_data in self.blocks:
            blocks_item = blocks_item_data.to_dict()
            blocks.append(blocks_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "callbackInfo": callback_info,
                "blocks": blocks,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        callback_info = CallbackInfo.from_dict(d.pop("callbackInfo"))

        blocks = []
        _blocks = d.pop("blocks")
        for blocks_item_data in _blocks:
            blocks_item = LaunchBlock.from_dict(blocks_item_data)

            blocks.append(blocks_item)

        obj_ = cls(
            callbackInfo=callback_info,
            blocks=blocks,
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
