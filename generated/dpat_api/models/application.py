from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.app_context import AppContext

T = TypeVar("T", bound="Application")


@_attrs_define
class Application:
    """A registered application as DPAT holds it.

    Attributes:
        application_id (str):
        display_name (str):
        manufacturer (str):
        context (AppContext | str | None): The registration context, as a JSON object or as its serialised string.
    """

    application_id: str = _attrs_field(alias="applicationId")
    display_name: str = _attrs_field(alias="displayName")
    manufacturer: str = _attrs_field(alias="manufacturer")
    context: AppContext | str | None = _attrs_field(default=None, alias="context")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        application_id = self.application_id

        display_name = self.display_name

        manufacturer = self.manufacturer

        context: dict[str, Any] | str | None
        if self.context is None:
            context = None
        elif isinstance(self.context, AppContext):
            context = self.context.to_dict()
        else:
            context = self.context

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "applicationId": application_id,
                "displayName": display_name,
                "manufacturer": manufacturer,
            }
        )
        if context is not None:
            field_dict["context"] = context

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        application_id = d.pop("applicationId")

        display_name = d.pop("displayName")

        manufacturer = d.pop("manufacturer")

        def _parse_context(data: object) -> AppContext | str | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                context_type_1 = AppContext.from_dict(data)

                return context_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AppContext | str | None, data)

        context = _parse_context(d.pop("context", None))

        obj_ = cls(
            applicationId=application_id,
            displayName=display_name,
            manufacturer=manufacturer,
            context=context,
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
