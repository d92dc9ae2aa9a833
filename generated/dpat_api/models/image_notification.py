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
from ..models.image_info import ImageInfo
from ..models.multi_area_input import MultiAreaInput
from ..models.tagged_polygon_input import TaggedPolygonInput
from ..models.unknown_input import UnknownInput
from ..models.whole_slide_input import WholeSlideInput

T = TypeVar("T", bound="ImageNotification")


@_attrs_define
class ImageNotification:
    """DPAT's notice of a newly imported image. `action`, `input` and `cancellationToken` are seen
    only in amspath's client and mock.

        Attributes:
            application_id (str):
            slide_id (str):
            callback_info (CallbackInfo): Where and how the app calls DPAT back.
            image_info (ImageInfo): Metadata of a slide image. The basic scope always comes; `scope=extended` adds the
                LIS/exam
                fields and `includePHI=true` the patient-identifying ones.
            action (Literal['newImageFiles'] | None):
            context (AppContext | None): App-private JSON, stored at registration and echoed in every invocation.
            cancellation_token (str | None):
            input_ (MultiAreaInput | TaggedPolygonInput | UnknownInput | None | WholeSlideInput): The user's input of a
                create invocation, tagged by `type`; a type this spec does not know reads as `UnknownInput` (the last member,
                matching only unknown types).
    """

    application_id: str = _attrs_field(alias="applicationId")
    slide_id: str = _attrs_field(alias="slideId")
    callback_info: CallbackInfo = _attrs_field(alias="callbackInfo")
    image_info: ImageInfo = _attrs_field(alias="imageInfo")
    action: Literal["newImageFiles"] | None = _attrs_field(default=None, alias="action")
    context: AppContext | None = _attrs_field(default=None, alias="context")
    cancellation_token: str | None = _attrs_field(default=None, alias="cancellationToken")
    input_: MultiAreaInput | TaggedPolygonInput | UnknownInput | None | WholeSlideInput = _attrs_field(
        default=None, alias="input"
    )
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        application_id = self.application_id

        slide_id = self.slide_id

        callback_info = self.callback_info.to_dict()

        image_info = self.image_info.to_dict()

        action = self.action

        context: dict[str, Any] | None = None
        if self.context is not None:
            context = self.context.to_dict()

        cancellation_token = self.cancellation_token

        input_: dict[str, Any] | None
        if self.input_ is None:
            input_ = None
        elif isinstance(self.input_, WholeSlideInput):
            input_ = self.input_.to_dict()
        elif isinstance(self.input_, TaggedPolygonInput):
            input_ = self.input_.to_dict()
        elif isinstance(self.input_, MultiAreaInput):
            input_ = self.input_.to_dict()
        else:
            input_ = self.input_.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "applicationId": application_id,
                "slideId": slide_id,
                "callbackInfo": callback_info,
                "imageInfo": image_info,
            }
        )
        if action is not None:
            field_dict["action"] = action
        if context is not None:
            field_dict["context"] = context
        if cancellation_token is not None:
            field_dict["cancellationToken"] = cancellation_token
        if input_ is not None:
            field_dict["input"] = input_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        application_id = d.pop("applicationId")

        slide_id = d.pop("slideId")

        callback_info = CallbackInfo.from_dict(d.pop("callbackInfo"))

        image_info = ImageInfo.from_dict(d.pop("imageInfo"))

        action = cast(Literal["newImageFiles"] | None, d.pop("action", None))
        if action != "newImageFiles" and action is not None:
            raise ValueError(f"action must match const 'newImageFiles', got '{action}'")

        _context = d.pop("context", None)
        context: AppContext | None
        if _context is None:
            context = None
        else:
            context = AppContext.from_dict(_context)

        cancellation_token = d.pop("cancellationToken", None)

        def _parse_input_(data: object) -> MultiAreaInput | TaggedPolygonInput | UnknownInput | None | WholeSlideInput:
            if data is None:
                return data
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

        input_ = _parse_input_(d.pop("input", None))

        obj_ = cls(
            applicationId=application_id,
            slideId=slide_id,
            callbackInfo=callback_info,
            imageInfo=image_info,
            action=action,
            context=context,
            cancellationToken=cancellation_token,
            input=input_,
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
