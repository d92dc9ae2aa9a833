from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.attachment import Attachment
from ..models.display_properties import DisplayProperties
from ..models.result_content import ResultContent
from ..models.result_data import ResultData

T = TypeVar("T", bound="Result")


def _data_converter(
    value: ResultData | None | ResultContent,
) -> ResultData | None:
    """A bare `ResultContent` becomes `ResultData(result=...)`."""
    if isinstance(value, ResultContent):
        return ResultData(result=value)
    return value


@_attrs_define
class Result:
    """A result an app stores on a slide (body of a create).

    Attributes:
        slide_id (str):
        display_result (str | None): Text shown in the annotation list, e.g. "Ki67 index 18.5 %".
        display_properties (DisplayProperties | None): Key/value pairs shown in the result's popup.
        application_version (str | None):
        attachments (list[Attachment] | None):
        data (ResultData | None):
        id (int | None):
        version_id (str | None):
    """

    slide_id: str = _attrs_field(alias="slideId")
    display_result: str | None = _attrs_field(default=None, alias="displayResult")
    display_properties: DisplayProperties | None = _attrs_field(default=None, alias="displayProperties")
    application_version: str | None = _attrs_field(default=None, alias="applicationVersion")
    attachments: list[Attachment] | None = _attrs_field(default=None, alias="attachments")
    data: ResultData | None = _attrs_field(default=None, converter=_data_converter, alias="data")
    id: int | None = _attrs_field(default=None, alias="id")
    version_id: str | None = _attrs_field(default=None, alias="versionId")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        slide_id = self.slide_id

        display_result = self.display_result

        display_properties: dict[str, Any] | None = None
        if self.display_properties is not None:
            display_properties = self.display_properties.to_dict()

        application_version = self.application_version

        attachments: list[dict[str, Any]] | None = None
        if self.attachments is not None:
            attachments = []
            for attachments_item_data in self.attachments:
                attachments_item = attachments_item_data.to_dict()
                attachments.append(attachments_item)

        data: dict[str, Any] | None = None
        if self.data is not None:
            data = self.data.to_dict()

        id = self.id

        version_id = self.version_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "slideId": slide_id,
            }
        )
        if display_result is not None:
            field_dict["displayResult"] = display_result
        if display_properties is not None:
            field_dict["displayProperties"] = display_properties
        if application_version is not None:
            field_dict["applicationVersion"] = application_version
        if attachments is not None:
            field_dict["attachments"] = attachments
        if data is not None:
            field_dict["data"] = data
        if id is not None:
            field_dict["id"] = id
        if version_id is not None:
            field_dict["versionId"] = version_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        slide_id = d.pop("slideId")

        display_result = d.pop("displayResult", None)

        _display_properties = d.pop("displayProperties", None)
        display_properties: DisplayProperties | None
        if _display_properties is None:
            display_properties = None
        else:
            display_properties = DisplayProperties.from_dict(_display_properties)

        application_version = d.pop("applicationVersion", None)

        _attachments = d.pop("attachments", None)
        attachments: list[Attachment] | None = None
        if _attachments is not None:
            attachments = []
            for attachments_item_data in _attachments:
                attachments_item = Attachment.from_dict(attachments_item_data)

                attachments.append(attachments_item)

        _data = d.pop("data", None)
        data: ResultData | None
        if _data is None:
            data = None
        else:
            data = ResultData.from_dict(_data)

        id = d.pop("id", None)

        version_id = d.pop("versionId", None)

        obj_ = cls(
            slideId=slide_id,
            displayResult=display_result,
            displayProperties=display_properties,
            applicationVersion=application_version,
            attachments=attachments,
            data=data,
            id=id,
            versionId=version_id,
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
