"""Contains all the data models used in inputs/outputs"""

from .app_context import AppContext
from .app_error import AppError
from .app_error_faults_item import AppErrorFaultsItem
from .application import Application
from .application_info import ApplicationInfo
from .arc import Arc
from .attachment import Attachment
from .attachment_state import AttachmentState
from .callback_info import CallbackInfo
from .cancel_invocation import CancelInvocation
from .case_image_info import CaseImageInfo
from .create_invocation import CreateInvocation
from .delete_invocation import DeleteInvocation
from .display_properties import DisplayProperties
from .displayed_name import DisplayedName
from .empty_object import EmptyObject
from .exam_free_field import ExamFreeField
from .file_format import FileFormat
from .focal_plane import FocalPlane
from .image_info import ImageInfo
from .image_notification import ImageNotification
from .info_scope import InfoScope
from .input_template import InputTemplate
from .input_template_content import InputTemplateContent
from .input_type import InputType
from .invocation_action import InvocationAction
from .label import Label
from .launch_block import LaunchBlock
from .launch_response import LaunchResponse
from .launch_slide import LaunchSlide
from .modify_invocation import ModifyInvocation
from .multi_area_content import MultiAreaContent
from .multi_area_input import MultiAreaInput
from .optical_path import OpticalPath
from .patch import Patch
from .patch_action import PatchAction
from .patch_content import PatchContent
from .patch_statuses import PatchStatuses
from .point import Point
from .polygon import Polygon
from .polyline import Polyline
from .primitive_item import PrimitiveItem
from .quality_control import QualityControl
from .quality_control_data import QualityControlData
from .quality_control_status import QualityControlStatus
from .registration import Registration
from .result import Result
from .result_content import ResultContent
from .result_data import ResultData
from .result_response import ResultResponse
from .result_type import ResultType
from .result_update import ResultUpdate
from .size import Size
from .specimen import Specimen
from .status import Status
from .style import Style
from .tagged_polygon_content import TaggedPolygonContent
from .tagged_polygon_input import TaggedPolygonInput
from .tile_format import TileFormat
from .token import Token
from .token_request import TokenRequest
from .unknown_input import UnknownInput
from .whole_slide_input import WholeSlideInput

__all__ = (
    "AppContext",
    "AppError",
    "AppErrorFaultsItem",
    "Application",
    "ApplicationInfo",
    "Arc",
    "Attachment",
    "AttachmentState",
    "CallbackInfo",
    "CancelInvocation",
    "CaseImageInfo",
    "CreateInvocation",
    "DeleteInvocation",
    "DisplayedName",
    "DisplayProperties",
    "EmptyObject",
    "ExamFreeField",
    "FileFormat",
    "FocalPlane",
    "ImageInfo",
    "ImageNotification",
    "InfoScope",
    "InputTemplate",
    "InputTemplateContent",
    "InputType",
    "InvocationAction",
    "Label",
    "LaunchBlock",
    "LaunchResponse",
    "LaunchSlide",
    "ModifyInvocation",
    "MultiAreaContent",
    "MultiAreaInput",
    "OpticalPath",
    "Patch",
    "PatchAction",
    "PatchContent",
    "PatchStatuses",
    "Point",
    "Polygon",
    "Polyline",
    "PrimitiveItem",
    "QualityControl",
    "QualityControlData",
    "QualityControlStatus",
    "Registration",
    "Result",
    "ResultContent",
    "ResultData",
    "ResultResponse",
    "ResultType",
    "ResultUpdate",
    "Size",
    "Specimen",
    "Status",
    "Style",
    "TaggedPolygonContent",
    "TaggedPolygonInput",
    "TileFormat",
    "Token",
    "TokenRequest",
    "UnknownInput",
    "WholeSlideInput",
)
