from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.displayed_name import DisplayedName
from ..models.specimen import Specimen

T = TypeVar("T", bound="CaseImageInfo")


@_attrs_define
class CaseImageInfo:
    """One image of a case (less detailed than ImageInfo).

    Attributes:
        id (str):
        staining (DisplayedName):
        block (DisplayedName):
        specimen (Specimen | None):
        series_instance_uid (str | None):
        lis_slide_id (str | None):
    """

    id: str = _attrs_field(alias="id")
    staining: DisplayedName = _attrs_field(alias="staining")
    block: DisplayedName = _attrs_field(alias="block")
    specimen: Specimen | None = _attrs_field(default=None, alias="specimen")
    series_instance_uid: str | None = _attrs_field(default=None, alias="seriesInstanceUid")
    lis_slide_id: str | None = _attrs_field(default=None, alias="lisSlideId", repr=False)
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        staining = self.staining.to_dict()

        block = self.block.to_dict()

        specimen: dict[str, Any] | None = None
        if self.specimen is not None:
            specimen = self.specimen.to_dict()

        series_instance_uid = self.series_instance_uid

        lis_slide_id = self.lis_slide_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "staining": staining,
                "block": block,
            }
        )
        if specimen is not None:
            field_dict["specimen"] = specimen
        if series_instance_uid is not None:
            field_dict["seriesInstanceUid"] = series_instance_uid
        if lis_slide_id is not None:
            field_dict["lisSlideId"] = lis_slide_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        staining = DisplayedName.from_dict(d.pop("staining"))

        block = DisplayedName.from_dict(d.pop("block"))

        _specimen = d.pop("specimen", None)
        specimen: Specimen | None
        if _specimen is None:
            specimen = None
        else:
            specimen = Specimen.from_dict(_specimen)

        series_instance_uid = d.pop("seriesInstanceUid", None)

        lis_slide_id = d.pop("lisSlideId", None)

        obj_ = cls(
            id=id,
            staining=staining,
            block=block,
            specimen=specimen,
            seriesInstanceUid=series_instance_uid,
            lisSlideId=lis_slide_id,
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
