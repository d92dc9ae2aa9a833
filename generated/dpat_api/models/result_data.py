from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.app_context import AppContext
    from ..models.result_content import ResultContent


T = TypeVar("T", bound="ResultData")


@_attrs_define
class ResultData:
    """
    Attributes:
        context (AppContext | None | Unset): App-private result context.
        result (ResultContent | Unset): The displayed content, tagged by `type`: `primitive` carries one PrimitiveItem
            or a list of
            them (both forms are seen), `patchCollection` a PatchContent.
    """

    context: AppContext | None | Unset = _attrs_field(default=UNSET, alias="context")
    result: ResultContent | Unset = _attrs_field(default=UNSET, alias="result")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        from ..models.app_context import AppContext  # noqa: PLC0415

        context: dict[str, Any] | None | Unset
        if isinstance(self.context, Unset):
            context = UNSET
        elif isinstance(self.context, AppContext):
            context = self.context.to_dict()
        else:
            context = self.context

        result: dict[str, Any] | Unset = UNSET
        if not isinstance(self.result, Unset):
            result = self.result.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if context is not UNSET:
            field_dict["context"] = context
        if result is not UNSET:
            field_dict["result"] = result

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.app_context import AppContext  # noqa: PLC0415
        from ..models.result_content import ResultContent  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_context(data: object) -> AppContext | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                context_type_0 = AppContext.from_dict(data)

                return context_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AppContext | None | Unset, data)

        context = _parse_context(d.pop("context", UNSET))

        _result = d.pop("result", UNSET)
        result: ResultContent | Unset
        if isinstance(_result, Unset):
            result = UNSET
        else:
            result = ResultContent.from_dict(_result)

        obj_ = cls(
            context=context,
            result=result,
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
