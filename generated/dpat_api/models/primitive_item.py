from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.arc import Arc
from ..models.label import Label
from ..models.polygon import Polygon
from ..models.polyline import Polyline
from ..models.style import Style

T = TypeVar("T", bound="PrimitiveItem")


@_attrs_define
class PrimitiveItem:
    """Graphics drawn on the slide; the style applies to all of them.

    Attributes:
        style (Style | None): Drawing style for every object of a primitive item.
        polygons (list[Polygon] | None):
        polylines (list[Polyline] | None):
        arcs (list[Arc] | None):
        labels (list[Label] | None):
    """

    style: Style | None = _attrs_field(default=None, alias="style")
    polygons: list[Polygon] | None = _attrs_field(default=None, alias="polygons")
    polylines: list[Polyline] | None = _attrs_field(default=None, alias="polylines")
    arcs: list[Arc] | None = _attrs_field(default=None, alias="arcs")
    labels: list[Label] | None = _attrs_field(default=None, alias="labels")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        style: dict[str, Any] | None = None
        if self.style is not None:
            style = self.style.to_dict()

        polygons: list[dict[str, Any]] | None = None
        if self.polygons is not None:
            polygons = []
            for polygons_item_data in self.polygons:
                polygons_item = polygons_item_data.to_dict()
                polygons.append(polygons_item)

        polylines: list[dict[str, Any]] | None = None
        if self.polylines is not None:
            polylines = []
            for polylines_item_data in self.polylines:
                polylines_item = polylines_item_data.to_dict()
                polylines.append(polylines_item)

        arcs: list[dict[str, Any]] | None = None
        if self.arcs is not None:
            arcs = []
            for arcs_item_data in self.arcs:
                arcs_item = arcs_item_data.to_dict()
                arcs.append(arcs_item)

        labels: list[dict[str, Any]] | None = None
        if self.labels is not None:
            labels = []
            for labels_item_data in self.labels:
                labels_item = labels_item_data.to_dict()
                labels.append(labels_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if style is not None:
            field_dict["style"] = style
        if polygons is not None:
            field_dict["polygons"] = polygons
        if polylines is not None:
            field_dict["polylines"] = polylines
        if arcs is not None:
            field_dict["arcs"] = arcs
        if labels is not None:
            field_dict["labels"] = labels

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _style = d.pop("style", None)
        style: Style | None
        if _style is None:
            style = None
        else:
            style = Style.from_dict(_style)

        _polygons = d.pop("polygons", None)
        polygons: list[Polygon] | None = None
        if _polygons is not None:
            polygons = []
            for polygons_item_data in _polygons:
                polygons_item = Polygon.from_dict(polygons_item_data)

                polygons.append(polygons_item)

        _polylines = d.pop("polylines", None)
        polylines: list[Polyline] | None = None
        if _polylines is not None:
            polylines = []
            for polylines_item_data in _polylines:
                polylines_item = Polyline.from_dict(polylines_item_data)

                polylines.append(polylines_item)

        _arcs = d.pop("arcs", None)
        arcs: list[Arc] | None = None
        if _arcs is not None:
            arcs = []
            for arcs_item_data in _arcs:
                arcs_item = Arc.from_dict(arcs_item_data)

                arcs.append(arcs_item)

        _labels = d.pop("labels", None)
        labels: list[Label] | None = None
        if _labels is not None:
            labels = []
            for labels_item_data in _labels:
                labels_item = Label.from_dict(labels_item_data)

                labels.append(labels_item)

        obj_ = cls(
            style=style,
            polygons=polygons,
            polylines=polylines,
            arcs=arcs,
            labels=labels,
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
