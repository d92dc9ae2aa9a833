from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.quality_control_data import QualityControlData

T = TypeVar("T", bound="QualityControl")


@_attrs_define
class QualityControl:
    """Body of `PUT /slides/{slideId}/qualityControl`.

    Attributes:
        application_version (str):
        quality_control (QualityControlData):
    """

    application_version: str = _attrs_field(alias="applicationVersion")
    quality_control: QualityControlData = _attrs_field(alias="qualityControl")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        application_version = self.application_version

        quality_control = self.quality_control.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "applicationVersion": application_version,
                "qualityControl": quality_control,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        application_version = d.pop("applicationVersion")

        quality_control = QualityControlData.from_dict(d.pop("qualityControl"))

        obj_ = cls(
            applicationVersion=application_version,
            qualityControl=quality_control,
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
