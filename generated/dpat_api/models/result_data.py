from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.app_context import AppContext
from ..models.result_content import ResultContent

T = TypeVar("T", bound="ResultData")


@_attrs_define
class ResultData:
    """
    Attributes:
        context (AppContext | None): App-private JSON, stored at registration and echoed in every invocation.
        result (ResultContent | None): The displayed content, tagged by `type`: `primitive` carries one PrimitiveItem or
            a list of
            them (both forms are seen), `patchCollection` a PatchContent.
    """

    context: AppContext | None = _attrs_field(default=None, alias="context")
    result: ResultContent | None = _attrs_field(default=None, alias="result")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        context: dict[str, Any] | None = None
        if self.context is not None:
            context = self.context.to_dict()

        result: dict[str, Any] | None = None
        if self.result is not None:
            result = self.result.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if context is not None:
            field_dict["context"] = context
        if result is not None:
            field_dict["result"] = result

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _context = d.pop("context", None)
        context: AppContext | None
        if _context is None:
            context = None
        else:
            context = AppContext.from_dict(_context)

        _result = d.pop("result", None)
        result: ResultContent | None
        if _result is None:
            result = None
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
