from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.patch import Patch
from ..models.patch_action import PatchAction
from ..models.patch_statuses import PatchStatuses
from ..models.polygon import Polygon

T = TypeVar("T", bound="PatchContent")


@_attrs_define
class PatchContent:
    """A patch gallery.

    Attributes:
        description (str):
        polygons (list[Polygon]):
        patches (list[Patch]):
        tags (list[str]):
        patch_size (int):
        magnification (float):
        statuses (PatchStatuses | None): Named statuses of a patch gallery (e.g. `allowVerify`).
        actions (list[PatchAction] | None):
    """

    description: str = _attrs_field(alias="description")
    polygons: list[Polygon] = _attrs_field(alias="polygons")
    patches: list[Patch] = _attrs_field(alias="patches")
    tags: list[str] = _attrs_field(alias="tags")
    patch_size: int = _attrs_field(alias="patchSize")
    magnification: float = _attrs_field(alias="magnification")
    statuses: PatchStatuses | None = _attrs_field(default=None, alias="statuses")
    actions: list[PatchAction] | None = _attrs_field(default=None, alias="actions")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        description = self.description

        polygons = []
        for polygons_item_data in self.polygons:
            polygons_item = polygons_item_data.to_dict()
            polygons.append(polygons_item)

        patches = []
        for patches_item_data in self.patches:
            patches_item = patches_item_data.to_dict()
            patches.append(patches_item)

        tags = self.tags

        patch_size = self.patch_size

        magnification = self.magnification

        statuses: dict[str, Any] | None = None
        if self.statuses is not None:
            statuses = self.statuses.to_dict()

        actions: list[dict[str, Any]] | None = None
        if self.actions is not None:
            actions = []
            for actions_item_data in self.actions:
                actions_item = actions_item_data.to_dict()
                actions.append(actions_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "description": description,
                "polygons": polygons,
                "patches": patches,
                "tags": tags,
                "patchSize": patch_size,
                "magnification": magnification,
            }
        )
        if statuses is not None:
            field_dict["statuses"] = statuses
        if actions is not None:
            field_dict["actions"] = actions

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        description = d.pop("description")

        polygons = []
        _polygons = d.pop("polygons")
        for polygons_item_data in _polygons:
            polygons_item = Polygon.from_dict(polygons_item_data)

            polygons.append(polygons_item)

        patches = []
        _patches = d.pop("patches")
        for patches_item_data in _patches:
            patches_item = Patch.from_dict(patches_item_data)

            patches.append(patches_item)

        tags = cast(list[str], d.pop("tags"))

        patch_size = d.pop("patchSize")

        magnification = d.pop("magnification")

        _statuses = d.pop("statuses", None)
        statuses: PatchStatuses | None
        if _statuses is None:
            statuses = None
        else:
            statuses = PatchStatuses.from_dict(_statuses)

        _actions = d.pop("actions", None)
        actions: list[PatchAction] | None = None
        if _actions is not None:
            actions = []
            for actions_item_data in _actions:
                actions_item = PatchAction.from_dict(actions_item_data)

                actions.append(actions_item)

        obj_ = cls(
            description=description,
            polygons=polygons,
            patches=patches,
            tags=tags,
            patchSize=patch_size,
            magnification=magnification,
            statuses=statuses,
            actions=actions,
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
