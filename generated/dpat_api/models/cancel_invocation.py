from __future__ import annotations

from collections.abc import Mapping
from typing import (
    Any,
    Literal,
    TypeVar,
    cast,
)

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.app_context import AppContext
from ..models.callback_info import CallbackInfo

T = TypeVar("T", bound="CancelInvocation")


@_attrs_define
class CancelInvocation:
    """
    Attributes:
        action (Literal['cancel']):
        application_id (str):
        slide_id (str):
        callback_info (CallbackInfo): Where and how the app calls DPAT back.
        context (AppContext | None): App-private JSON, stored at registration and echoed in every invocation.
        cancellation_token (str | None):
    """

    action: Literal["cancel"] = _attrs_field(alias="action")
    application_id: str = _attrs_field(alias="applicationId")
    slide_id: str = _attrs_field(alias="slideId")
    callback_info: CallbackInfo = _attrs_field(alias="callbackInfo")
    context: AppContext | None = _attrs_field(default=None, alias="context")
    cancellation_token: str | None = _attrs_field(default=None, alias="cancellationToken")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        action = self.action

        application_id = self.application_id

        slide_id = self.slide_id

        callback_info = self.callback_info.to_dict()

        context: dict[str, Any] | None = None
        if self.context is not None:
            context = self.context.to_dict()

        cancellation_token = self.cancellation_token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "applicationId": application_id,
                "slideId": slide_id,
                "callbackInfo": callback_info,
            }
        )
        if context is not None:
            field_dict["context"] = context
        if cancellation_token is not None:
            field_dict["cancellationToken"] = cancellation_token

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        action = cast(Literal["cancel"], d.pop("action"))
        if action != "cancel":
            raise ValueError(f"action must match const 'cancel', got '{action}'")

        application_id = d.pop("applicationId")

        slide_id = d.pop("slideId")

        callback_info = CallbackInfo.from_dict(d.pop("callbackInfo"))

        _context = d.pop("context", None)
        context: AppContext | None
        if _context is None:
            context = None
        else:
            context = AppContext.from_dict(_context)

        cancellation_token = d.pop("cancellationToken", None)

        obj_ = cls(
            action=action,
            applicationId=application_id,
            slideId=slide_id,
            callbackInfo=callback_info,
            context=context,
            cancellationToken=cancellation_token,
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
