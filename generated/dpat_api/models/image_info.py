from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.displayed_name import DisplayedName
from ..models.exam_free_field import ExamFreeField
from ..models.file_format import FileFormat
from ..models.focal_plane import FocalPlane
from ..models.optical_path import OpticalPath
from ..models.quality_control_data import QualityControlData
from ..models.size import Size
from ..models.specimen import Specimen
from ..models.tile_format import TileFormat

T = TypeVar("T", bound="ImageInfo")


@_attrs_define
class ImageInfo:
    """Metadata of a slide image. The basic scope always comes; `scope=extended` adds the LIS/exam
    fields and `includePHI=true` the patient-identifying ones.

        Attributes:
            id (str):
            is_streamable (bool):
            image_size (Size): A size in pixels.
            tile_size (Size): A size in pixels.
            microns_per_pixel (float):
            focal_planes (list[FocalPlane]):
            optical_paths (list[OpticalPath]):
            stored_tile_format (TileFormat):
            available_tile_formats (list[TileFormat]):
            file_format (FileFormat):
            staining (DisplayedName):
            block (DisplayedName):
            specimen (Specimen | None):
            quality_control (QualityControlData | None):
            body_part (str | None):
            exam_code (str | None):
            exam_description (str | None):
            station_name (str | None):
            priority (int | None):
            series_instance_uid (str | None):
            lis_slide_id (str | None):
            accession_number_issuer (str | None):
            accession_number (str | None):
            study_instance_uid (str | None):
            exam_id (str | None):
            exam_date_time (str | None): Exam date and time (ISO 8601; the time zone may be missing).
            exam_free_fields (list[ExamFreeField] | None):
    """

    id: str = _attrs_field(alias="id")
    is_streamable: bool = _attrs_field(alias="isStreamable")
    image_size: Size = _attrs_field(alias="imageSize")
    tile_size: Size = _attrs_field(alias="tileSize")
    microns_per_pixel: float = _attrs_field(alias="micronsPerPixel")
    focal_planes: list[FocalPlane] = _attrs_field(alias="focalPlanes")
    optical_paths: list[OpticalPath] = _attrs_field(alias="opticalPaths")
    stored_tile_format: TileFormat = _attrs_field(alias="storedTileFormat")
    available_tile_formats: list[TileFormat] = _attrs_field(alias="availableTileFormats")
    file_format: FileFormat = _attrs_field(alias="fileFormat")
    staining: DisplayedName = _attrs_field(alias="staining")
    block: DisplayedName = _attrs_field(alias="block")
    specimen: Specimen | None = _attrs_field(default=None, alias="specimen")
    quality_control: QualityControlData | None = _attrs_field(default=None, alias="qualityControl")
    body_part: str | None = _attrs_field(default=None, alias="bodyPart")
    exam_code: str | None = _attrs_field(default=None, alias="examCode")
    exam_description: str | None = _attrs_field(default=None, alias="examDescription")
    station_name: str | None = _attrs_field(default=None, alias="stationName")
    priority: int | None = _attrs_field(default=None, alias="priority")
    series_instance_uid: str | None = _attrs_field(default=None, alias="seriesInstanceUid")
    lis_slide_id: str | None = _attrs_field(default=None, alias="lisSlideId", repr=False)
    accession_number_issuer: str | None = _attrs_field(default=None, alias="accessionNumberIssuer", repr=False)
    accession_number: str | None = _attrs_field(default=None, alias="accessionNumber", repr=False)
    study_instance_uid: str | None = _attrs_field(default=None, alias="studyInstanceUid", repr=False)
    exam_id: str | None = _attrs_field(default=None, alias="examId", repr=False)
    exam_date_time: str | None = _attrs_field(default=None, alias="examDateTime", repr=False)
    exam_free_fields: list[ExamFreeField] | None = _attrs_field(default=None, alias="examFreeFields", repr=False)
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        is_streamable = self.is_streamable

        image_size = self.image_size.to_dict()

        tile_size = self.tile_size.to_dict()

        microns_per_pixel = self.microns_per_pixel

        focal_planes = []
        for focal_planes_item_data in self.focal_planes:
            focal_planes_item = focal_planes_item_data.to_dict()
            focal_planes.append(focal_planes_item)

        optical_paths = []
        for optical_paths_item_data in self.optical_paths:
            optical_paths_item = optical_paths_item_data.to_dict()
            optical_paths.append(optical_paths_item)

        stored_tile_format = self.stored_tile_format.to_dict()

        available_tile_formats = []
        for available_tile_formats_item_data in self.available_tile_formats:
            available_tile_formats_item = available_tile_formats_item_data.to_dict()
            available_tile_formats.append(available_tile_formats_item)

        file_format = self.file_format.to_dict()

        staining = self.staining.to_dict()

        block = self.block.to_dict()

        specimen: dict[str, Any] | None = None
        if self.specimen is not None:
            specimen = self.specimen.to_dict()

        quality_control: dict[str, Any] | None = None
        if self.quality_control is not None:
            quality_control = self.quality_control.to_dict()

        body_part = self.body_part

        exam_code = self.exam_code

        exam_description = self.exam_description

        station_name = self.station_name

        priority = self.priority

        series_instance_uid = self.series_instance_uid

        lis_slide_id = self.lis_slide_id

        accession_number_issuer = self.accession_number_issuer

        accession_number = self.accession_number

        study_instance_uid = self.study_instance_uid

        exam_id = self.exam_id

        exam_date_time = self.exam_date_time

        exam_free_fields: list[dict[str, Any]] | None = None
        if self.exam_free_fields is not None:
            exam_free_fields = []
            for exam_free_fields_item_data in self.exam_free_fields:
                exam_free_fields_item = exam_free_fields_item_data.to_dict()
                exam_free_fields.append(exam_free_fields_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "isStreamable": is_streamable,
                "imageSize": image_size,
                "tileSize": tile_size,
                "micronsPerPixel": microns_per_pixel,
                "focalPlanes": focal_planes,
                "opticalPaths": optical_paths,
                "storedTileFormat": stored_tile_format,
                "availableTileFormats": available_tile_formats,
                "fileFormat": file_format,
                "staining": staining,
                "block": block,
            }
        )
        if specimen is not None:
            field_dict["specimen"] = specimen
        if quality_control is not None:
            field_dict["qualityControl"] = quality_control
        if body_part is not None:
            field_dict["bodyPart"] = body_part
        if exam_code is not None:
            field_dict["examCode"] = exam_code
        if exam_description is not None:
            field_dict["examDescription"] = exam_description
        if station_name is not None:
            field_dict["stationName"] = station_name
        if priority is not None:
            field_dict["priority"] = priority
        if series_instance_uid is not None:
            field_dict["seriesInstanceUid"] = series_instance_uid
        if lis_slide_id is not None:
            field_dict["lisSlideId"] = lis_slide_id
        if accession_number_issuer is not None:
            field_dict["accessionNumberIssuer"] = accession_number_issuer
        if accession_number is not None:
            field_dict["accessionNumber"] = accession_number
        if study_instance_uid is not None:
            field_dict["studyInstanceUid"] = study_instance_uid
        if exam_id is not None:
            field_dict["examId"] = exam_id
        if exam_date_time is not None:
            field_dict["examDateTime"] = exam_date_time
        if exam_free_fields is not None:
            field_dict["examFreeFields"] = exam_free_fields

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        is_streamable = d.pop("isStreamable")

        image_size = Size.from_dict(d.pop("imageSize"))

        tile_size = Size.from_dict(d.pop("tileSize"))

        microns_per_pixel = d.pop("micronsPerPixel")

        focal_planes = []
        _focal_planes = d.pop("focalPlanes")
        for focal_planes_item_data in _focal_planes:
            focal_planes_item = FocalPlane.from_dict(focal_planes_item_data)

            focal_planes.append(focal_planes_item)

        optical_paths = []
        _optical_paths = d.pop("opticalPaths")
        for optical_paths_item_data in _optical_paths:
            optical_paths_item = OpticalPath.from_dict(optical_paths_item_data)

            optical_paths.append(optical_paths_item)

        stored_tile_format = TileFormat.from_dict(d.pop("storedTileFormat"))

        available_tile_formats = []
        _available_tile_formats = d.pop("availableTileFormats")
        for available_tile_formats_item_data in _available_tile_formats:
            available_tile_formats_item = TileFormat.from_dict(available_tile_formats_item_data)

            available_tile_formats.append(available_tile_formats_item)

        file_format = FileFormat.from_dict(d.pop("fileFormat"))

        staining = DisplayedName.from_dict(d.pop("staining"))

        block = DisplayedName.from_dict(d.pop("block"))

        _specimen = d.pop("specimen", None)
        specimen: Specimen | None
        if _specimen is None:
            specimen = None
        else:
            specimen = Specimen.from_dict(_specimen)

        _quality_control = d.pop("qualityControl", None)
        quality_control: QualityControlData | None
        if _quality_control is None:
            quality_control = None
        else:
            quality_control = QualityControlData.from_dict(_quality_control)

        body_part = d.pop("bodyPart", None)

        exam_code = d.pop("examCode", None)

        exam_description = d.pop("examDescription", None)

        station_name = d.pop("stationName", None)

        priority = d.pop("priority", None)

        series_instance_uid = d.pop("seriesInstanceUid", None)

        lis_slide_id = d.pop("lisSlideId", None)

        accession_number_issuer = d.pop("accessionNumberIssuer", None)

        accession_number = d.pop("accessionNumber", None)

        study_instance_uid = d.pop("studyInstanceUid", None)

        exam_id = d.pop("examId", None)

        exam_date_time = d.pop("examDateTime", None)

        _exam_free_fields = d.pop("examFreeFields", None)
        exam_free_fields: list[ExamFreeField] | None = None
        if _exam_free_fields is not None:
            exam_free_fields = []
            for exam_free_fields_item_data in _exam_free_fields:
                exam_free_fields_item = ExamFreeField.from_dict(exam_free_fields_item_data)

                exam_free_fields.append(exam_free_fields_item)

        obj_ = cls(
            id=id,
            isStreamable=is_streamable,
            imageSize=image_size,
            tileSize=tile_size,
            micronsPerPixel=microns_per_pixel,
            focalPlanes=focal_planes,
            opticalPaths=optical_paths,
            storedTileFormat=stored_tile_format,
            availableTileFormats=available_tile_formats,
            fileFormat=file_format,
            staining=staining,
            block=block,
            specimen=specimen,
            qualityControl=quality_control,
            bodyPart=body_part,
            examCode=exam_code,
            examDescription=exam_description,
            stationName=station_name,
            priority=priority,
            seriesInstanceUid=series_instance_uid,
            lisSlideId=lis_slide_id,
            accessionNumberIssuer=accession_number_issuer,
            accessionNumber=accession_number,
            studyInstanceUid=study_instance_uid,
            examId=exam_id,
            examDateTime=exam_date_time,
            examFreeFields=exam_free_fields,
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
