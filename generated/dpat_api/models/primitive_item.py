from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
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
        style (None | Style | Unset):
        polygons (list[Polygon] | None | Unset):
        polylines (list[Polyline] | None | Unset):
        arcs (list[Arc] | None | Unset):
        labels (list[Label] | None | Unset):
    """

    style: None | Style | Unset = _attrs_field(default=UNSET, alias="style")
    polygons: list[Polygon] | None | Unset = _attrs_field(default=UNSET, alias="polygons")
    polylines: list[Polyline] | None | Unset = _attrs_field(default=UNSET, alias="polylines")
    arcs: list[Arc] | None | Unset = _attrs_field(default=UNSET, alias="arcs")
    labels: list[Label] | None | Unset = _attrs_field(default=UNSET, alias="labels")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        from ..models.style import Style  # noqa: PLC0415

        style: dict[str, Any] | None | Unset
        if isinstance(self.style, Unset):
            style = UNSET
        elif isinstance(self.style, Style):
            style = self.style.to_dict()
        else:
            style = self.style

        polygons: list[dict[str, Any]] | None | Unset
        if isinstance(self.polygons, Unset):
            polygons = UNSET
        elif isinstance(self.polygons, list):
            polygons = []
            for polygons_type_0_item_data in self.polygons:
                polygons_type_0_item = polygons_type_0_item_data.to_dict()
                polygons.append(polygons_type_0_item)

        else:
            polygons = self.polygons

        polylines: list[dict[str, Any]] | None | Unset
        if isinstance(self.polylines, Unset):
            polylines = UNSET
        elif isinstance(self.polylines, list):
            polylines = []
            for polylines_type_0_item_data in self.polylines:
                polylines_type_0_item = polylines_type_0_item_data.to_dict()
                polylines.append(polylines_type_0_item)

        else:
            polylines = self.polylines

        arcs: list[dict[str, Any]] | None | Unset
        if isinstance(self.arcs, Unset):
            arcs = UNSET
        elif isinstance(self.arcs, list):
            arcs = []
            for arcs_type_0_item_data in self.arcs:
                arcs_type_0_item = arcs_type_0_item_data.to_dict()
                arcs.append(arcs_type_0_item)

        else:
            arcs = self.arcs

        labels: list[dict[str, Any]] | None | Unset
        if isinstance(self.labels, Unset):
            labels = UNSET
        elif isinstance(self.labels, list):
            labels = []
            for labels_type_0_item_data in self.labels:
                labels_type_0_item = labels_type_0_item_data.to_dict()
                labels.append(labels_type_0_item)

        else:
            labels = self.labels

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if style is not UNSET:
            field_dict["style"] = style
        if polygons is not UNSET:
            field_dict["polygons"] = polygons
        if polylines is not UNSET:
            field_dict["polylines"] = polylines
        if arcs is not UNSET:
            field_dict["arcs"] = arcs
        if labels is not UNSET:
            field_dict["labels"] = labels

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.arc import Arc  # noqa: PLC0415
        from ..models.label import Label  # noqa: PLC0415
        from ..models.polygon import Polygon  # noqa: PLC0415
        from ..models.polyline import Polyline  # noqa: PLC0415
        from ..models.style import Style  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_style(data: object) -> None | Style | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                style_type_0 = Style.from_dict(data)

                return style_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Style | Unset, data)

        style = _parse_style(d.pop("style", UNSET))

        def _parse_polygons(data: object) -> list[Polygon] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                polygons_type_0 = []
                _polygons_type_0 = data
                for polygons_type_0_item_data in _polygons_type_0:
                    polygons_type_0_item = Polygon.from_dict(polygons_type_0_item_data)

                    polygons_type_0.append(polygons_type_0_item)

                return polygons_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[Polygon] | None | Unset, data)

        polygons = _parse_polygons(d.pop("polygons", UNSET))

        def _parse_polylines(data: object) -> list[Polyline] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                polylines_type_0 = []
                _polylines_type_0 = data
                for polylines_type_0_item_data in _polylines_type_0:
                    polylines_type_0_item = Polyline.from_dict(polylines_type_0_item_data)

                    polylines_type_0.append(polylines_type_0_item)

                return polylines_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[Polyline] | None | Unset, data)

        polylines = _parse_polylines(d.pop("polylines", UNSET))

        def _parse_arcs(data: object) -> list[Arc] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                arcs_type_0 = []
                _arcs_type_0 = data
                for arcs_type_0_item_data in _arcs_type_0:
                    arcs_type_0_item = Arc.from_dict(arcs_type_0_item_data)

                    arcs_type_0.append(arcs_type_0_item)

                return arcs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[Arc] | None | Unset, data)

        arcs = _parse_arcs(d.pop("arcs", UNSET))

        def _parse_labels(data: object) -> list[Label] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                labels_type_0 = []
                _labels_type_0 = data
                for labels_type_0_item_data in _labels_type_0:
                    labels_type_0_item = Label.from_dict(labels_type_0_item_data)

                    labels_type_0.append(labels_type_0_item)

                return labels_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[Label] | None | Unset, data)

        labels = _parse_labels(d.pop("labels", UNSET))

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
