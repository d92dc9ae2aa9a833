from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.app_context import AppContext
from ..models.input_template import InputTemplate

T = TypeVar("T", bound="Registration")


@_attrs_define
class Registration:
    """The app's answer to DPAT's registration GET.

    Attributes:
        application_id (str):
        display_name (str):
        manufacturer (str):
        url (str):
        input_template (InputTemplate): What the user provides when starting the app.
        context (AppContext | None): App-private JSON, stored at registration and echoed in every invocation.
    """

    application_id: str = _attrs_field(alias="applicationId")
    display_name: str = _attrs_field(alias="displayName")
    manufacturer: str = _attrs_field(alias="manufacturer")
    url: str = _attrs_field(alias="url")
    input_template: InputTemplate = _attrs_field(alias="inputTemplate")
    context: AppContext | None = _attrs_field(default=None, alias="context")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        application_id = self.application_id

        display_name = self.display_name

        manufacturer = self.manufacturer

        url = self.url

        input_template = self.input_template.to_dict()

        context: dict[str, Any] | None = None
        if self.context is not None:
            context = self.context.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "applicationId": application_id,
                "displayName": display_name,
                "manufacturer": manufacturer,
                "url": url,
                "inputTemplate": input_template,
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

        url = d.pop("url")

        input_template = InputTemplate.from_dict(d.pop("inputTemplate"))

        _context = d.pop("context", None)
        context: AppContext | None
        if _context is None:
            context = None
        else:
            context = AppContext.from_dict(_context)

        obj_ = cls(
            applicationId=application_id,
            displayName=display_name,
            manufacturer=manufacturer,
            url=url,
            inputTemplate=input_template,
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
