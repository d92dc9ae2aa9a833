from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.point import Point

T = TypeVar("T", bound="Arc")


@_attrs_define
class Arc:
    """A circular arc (angles in radians).

    Attributes:
        center (Point): A point in width-normalised coordinates (x and y both divided by the image width).
        radius (float):
        start_angle (float):
        end_angle (float):
    """

    center: Point = _attrs_field(alias="center")
    radius: float = _attrs_field(alias="radius")
    start_angle: float = _attrs_field(alias="startAngle")
    end_angle: float = _attrs_field(alias="endAngle")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        center = self.center.to_dict()

        radius = self.radius

        start_angle = self.start_angle

        end_angle = self.end_angle

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "center": center,
                "radius": radius,
                "startAngle": start_angle,
                "endAngle": end_angle,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        center = Point.from_dict(d.pop("center"))

        radius = d.pop("radius")

        start_angle = d.pop("startAngle")

        end_angle = d.pop("endAngle")

        obj_ = cls(
            center=center,
            radius=radius,
            startAngle=start_angle,
            endAngle=end_angle,
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
