from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.app_error_faults_item import AppErrorFaultsItem

T = TypeVar("T", bound="AppError")


@_attrs_define
class AppError:
    """An app's error answer.

    Attributes:
        error (str):
        faults (list[AppErrorFaultsItem] | None):
    """

    error: str = _attrs_field(alias="error")
    faults: list[AppErrorFaultsItem] | None = _attrs_field(default=None, alias="faults")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        error = self.error

        faults: list[dict[str, Any]] | None = None
        if self.faults is not None:
            faults = []
            for faults_item_data in self.faults:
                faults_item = faults_item_data.to_dict()
                faults.append(faults_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "error": error,
            }
        )
        if faults is not None:
            field_dict["faults"] = faults

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        error = d.pop("error")

        _faults = d.pop("faults", None)
        faults: list[AppErrorFaultsItem] | None = None
        if _faults is not None:
            faults = []
            for faults_item_data in _faults:
                faults_item = AppErrorFaultsItem.from_dict(faults_item_data)

                faults.append(faults_item)

        obj_ = cls(
            error=error,
            faults=faults,
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
