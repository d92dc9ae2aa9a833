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
from ..models.multi_area_input import MultiAreaInput
from ..models.tagged_polygon_input import TaggedPolygonInput
from ..models.unknown_input import UnknownInput
from ..models.whole_slide_input import WholeSlideInput

T = TypeVar("T", bound="CreateInvocation")


@_attrs_define
class CreateInvocation:
    """
    Attributes:
        action (Literal['create']):
        application_id (str):
        slide_id (str):
        callback_info (CallbackInfo): Where and how the app calls DPAT back.
        input_ (MultiAreaInput | TaggedPolygonInput | UnknownInput | WholeSlideInput): The user's input of a create
            invocation, tagged by `type`; a type this spec does not know reads as `UnknownInput` (the last member, matching
            only unknown types).
        context (AppContext | None): App-private JSON, stored at registration and echoed in every invocation.
        cancellation_token (str | None):
    """

    action: Literal["create"] = _attrs_field(alias="action")
    application_id: str = _attrs_field(alias="applicationId")
    slide_id: str = _attrs_field(alias="slideId")
    callback_info: CallbackInfo = _attrs_field(alias="callbackInfo")
    input_: MultiAreaInput | TaggedPolygonInput | UnknownInput | WholeSlideInput = _attrs_field(alias="input")
    context: AppContext | None = _attrs_field(default=None, alias="context")
    cancellation_token: str | None = _attrs_field(default=None, alias="cancellationToken")
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        action = self.action

        application_id = self.application_id

        slide_id = self.slide_id

        callback_info = self.callback_info.to_dict()

        input_: dict[str, Any]
        if isinstance(self.input_, WholeSlideInput):
            input_ = self.input_.to_dict()
        elif isinstance(self.input_, TaggedPolygonInput):
            input_ = self.input_.to_dict()
        elif isinstance(self.input_, MultiAreaInput):
            input_ = self.input_.to_dict()
        else:
            input_ = self.input_.to_dict()

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
                "input": input_,
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
        action = cast(Literal["create"], d.pop("action"))
        if action != "create":
            raise ValueError(f"action must match const 'create', got '{action}'")

        application_id = d.pop("applicationId")

        slide_id = d.pop("slideId")

        callback_info = CallbackInfo.from_dict(d.pop("callbackInfo"))

        def _parse_input_(data: object) -> MultiAreaInput | TaggedPolygonInput | UnknownInput | WholeSlideInput:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_create_input_type_0 = WholeSlideInput.from_dict(data)

                return componentsschemas_create_input_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_create_input_type_1 = TaggedPolygonInput.from_dict(data)

                return componentsschemas_create_input_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_create_input_type_2 = MultiAreaInput.from_dict(data)

                return componentsschemas_create_input_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_create_input_type_3 = UnknownInput.from_dict(data)

            return componentsschemas_create_input_type_3

        input_ = _parse_input_(d.pop("input"))

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
            input=input_,
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
