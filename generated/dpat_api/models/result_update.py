from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.attachment import Attachment
    from ..models.display_properties import DisplayProperties
    from ..models.result_data import ResultData


T = TypeVar("T", bound="ResultUpdate")


@_attrs_define
class ResultUpdate:
    """Body of a result update; `versionId` is the one last read.

    Attributes:
        slide_id (str):
        version_id (str):
        display_result (str | Unset): Text shown in the annotation list, e.g. "Ki67 index 18.5 %".
        display_properties (DisplayProperties | Unset): Key/value pairs shown in the result's popup.
        application_version (str | Unset):
        attachments (list[Attachment] | None | Unset):
        data (ResultData | Unset):
        id (int | Unset):
    """

    slide_id: str = _attrs_field(alias="slideId")
    version_id: str = _attrs_field(alias="versionId")
    display_result: str | Unset = _attrs_field(default=UNSET, alias="displayResult")
    display_properties: DisplayProperties | Unset = _attrs_field(default=UNSET, alias="displayProperties")
    application_version: str | Unset = _attrs_field(default=UNSET, alias="applicationVersion")
    attachments: list[Attachment] | None | Unset = _attrs_field(default=UNSET, alias="attachments")
    data: ResultData | Unset = _attrs_field(default=UNSET, alias="data")
    id: int | Unset = _attrs_field(default=UNSET, alias="id")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        slide_id = self.slide_id

        version_id = self.version_id

        display_result = self.display_result

        display_properties: dict[str, Any] | Unset = UNSET
        if not isinstance(self.display_properties, Unset):
            display_properties = self.display_properties.to_dict()

        application_version = self.application_version

        attachments: list[dict[str, Any]] | None | Unset
        if isinstance(self.attachments, Unset):
            attachments = UNSET
        elif isinstance(self.attachments, list):
            attachments = []
            for attachments_type_0_item_data in self.attachments:
                attachments_type_0_item = attachments_type_0_item_data.to_dict()
                attachments.append(attachments_type_0_item)

        else:
            attachments = self.attachments

        data: dict[str, Any] | Unset = UNSET
        if not isinstance(self.data, Unset):
            data = self.data.to_dict()

        id = self.id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "slideId": slide_id,
                "versionId": version_id,
            }
        )
        if display_result is not UNSET:
            field_dict["displayResult"] = display_result
        if display_properties is not UNSET:
            field_dict["displayProperties"] = display_properties
        if application_version is not UNSET:
            field_dict["applicationVersion"] = application_version
        if attachments is not UNSET:
            field_dict["attachments"] = attachments
        if data is not UNSET:
            field_dict["data"] = data
        if id is not UNSET:
            field_dict["id"] = id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.attachment import Attachment  # noqa: PLC0415
        from ..models.display_properties import DisplayProperties  # noqa: PLC0415
        from ..models.result_data import ResultData  # noqa: PLC0415

        d = dict(src_dict)
        slide_id = d.pop("slideId")

        version_id = d.pop("versionId")

        display_result = d.pop("displayResult", UNSET)

        _display_properties = d.pop("displayProperties", UNSET)
        display_properties: DisplayProperties | Unset
        if isinstance(_display_properties, Unset):
            display_properties = UNSET
        else:
            display_properties = DisplayProperties.from_dict(_display_properties)

        application_version = d.pop("applicationVersion", UNSET)

        def _parse_attachments(data: object) -> list[Attachment] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                attachments_type_0 = []
                _attachments_type_0 = data
                for attachments_type_0_item_data in _attachments_type_0:
                    attachments_type_0_item = Attachment.from_dict(attachments_type_0_item_data)

                    attachments_type_0.append(attachments_type_0_item)

                return attachments_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[Attachment] | None | Unset, data)

        attachments = _parse_attachments(d.pop("attachments", UNSET))

        _data = d.pop("data", UNSET)
        data: ResultData | Unset
        if isinstance(_data, Unset):
            data = UNSET
        else:
            data = ResultData.from_dict(_data)

        id = d.pop("id", UNSET)

        obj_ = cls(
            slideId=slide_id,
            versionId=version_id,
            displayResult=display_result,
            displayProperties=display_properties,
            applicationVersion=application_version,
            attachments=attachments,
            data=data,
            id=id,
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
