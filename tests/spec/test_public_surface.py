"""The public surface is deliberate: every public ``__all__`` is pinned, and what the README imports exists.

Adding a public name is a decision: add it to PINNED here in the same commit.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

from sectra_dpat_client import errors, models

README = Path(__file__).resolve().parents[2] / "README.md"
HTTP_SETTINGS = {"AnswerLimits", "DEFAULT_RETRY", "DEFAULT_TIMEOUT", "RetryPolicy"}
ERROR_NAMES = {
    "DPATAuthenticationError",
    "DPATBadRequestError",
    "DPATConflictError",
    "DPATConnectionError",
    "DPATDownloadError",
    "DPATError",
    "DPATForbiddenError",
    "DPATMissingExtraError",
    "DPATNoMatchError",
    "DPATNotFoundError",
    "DPATQueryError",
    "DPATRateLimitError",
    "DPATRequestError",
    "DPATResponseError",
    "DPATServerError",
    "DPATSlideFormatError",
    "DPATTimeoutError",
    "DPATValidationError",
    "DPATVersionError",
    "ValidationFault",
    "error_for_status",
}
MODEL_NAMES = {
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
    "DisplayProperties",
    "DisplayedName",
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
}

PINNED: dict[str, set[str]] = {
    "sectra_dpat_client": {"__version__"} | HTTP_SETTINGS | ERROR_NAMES,
    "sectra_dpat_client.ai": {
        "AsyncDPATAIClient",
        "DPATAIClient",
        "FastResult",
        "PrimitiveBatch",
        "fast_primitive_result",
        "polygon_from_array",
    }
    | HTTP_SETTINGS
    | ERROR_NAMES
    | MODEL_NAMES,
    "sectra_dpat_client.errors": ERROR_NAMES,
    "sectra_dpat_client.models": MODEL_NAMES,
    "sectra_dpat_client.wsi": {
        "AsyncRemoteSlide",
        "DeepZoomGeometry",
        "DownloadProgress",
        "MultipartParser",
        "NameAllocator",
        "PatchBatch",
        "PatchGrid",
        "PixelBox",
        "ProgressCallback",
        "RemoteSlide",
        "WholeSlide",
        "aiter_patches",
        "decode_label",
        "download_case",
        "download_case_async",
        "download_slide_files",
        "download_slide_files_async",
        "get_thumbnail",
        "get_thumbnail_async",
        "iter_patches",
        "open_slide",
        "patch_grid",
        "read_region",
        "read_region_async",
        "safe_filename",
    },
    "sectra_dpat_client.geometry": {
        "DEFAULT_POINT_BUDGET",
        "DPATGeometryError",
        "PALETTE",
        "PixelFrame",
        "PointBudgetExceededError",
        "class_style",
        "from_geojson",
        "from_mask",
        "from_patches",
        "from_shapely",
        "keyhole_ring",
        "mask_polygons",
        "normalized_to_pixels",
        "pixels_to_normalized",
        "rasterize_rings",
        "to_geojson",
        "to_mask",
        "to_patches",
        "to_result",
        "to_shapely",
    },
    "sectra_dpat_client.app.backends": {
        "DPATBackendConfigError",
        "DPATJobBackendError",
        "DPATQueueUnavailableError",
        "DPATTokenExpiredError",
        "JobBackend",
    },
    "sectra_dpat_client.validate": {
        "iter_faults",
        "schema_names",
        "validate",
    },
    "sectra_dpat_client.cli": {
        "COMMANDS",
        "main",
    },
    "sectra_dpat_client.demo": {"STEPS", "Session", "main", "run"},
    "sectra_dpat_client.pytest_plugin": {"dpat_simulator", "pytest_configure"},
    "sectra_dpat_client.app": {
        "AnalysisApp",
        "BackgroundServer",
        "BlockingContext",
        "CallbackPolicy",
        "DEFAULT_MAX_BODY_BYTES",
        "DEFAULT_SECRET_HEADER",
        "Handler",
        "HandlerResult",
        "InvocationCancelledError",
        "InvocationContext",
        "InvocationError",
        "JobInfo",
        "JobRegistry",
        "JobState",
    },
    "sectra_dpat_client.qido": {
        "AsyncDPATQidoClient",
        "BearerAuth",
        "DPATQidoClient",
        "DicomCodes",
        "DicomObject",
        "DicomPersonName",
        "DicomValue",
        "FilterValue",
        "ImageLink",
        "QidoQuery",
        "QidoResult",
        "SearchOptions",
        "TagKey",
        "alink_image",
        "build_query",
        "keyword_for",
        "link_image",
        "normalize_tag",
        "tag_for",
    },
    "sectra_dpat_client.render": {"DPATRenderError", "draw_result", "render_result"},
    "sectra_dpat_client.simulator": {
        "AppDriver",
        "BASE_PATH",
        "DEFAULT_APP_ID",
        "DPATSimulator",
        "Fault",
        "FaultKind",
        "FaultPlan",
        "RequestLog",
        "RequestRecord",
        "SUPPORTED_API_VERSIONS",
        "SimulatorApp",
        "SimulatorConfig",
        "SimulatorStore",
        "Slide",
        "SlideFile",
        "default_dicom_files",
        "single_file",
    },
}


@pytest.mark.parametrize("module_name", sorted(PINNED))
def test_public_all_is_pinned(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = list(module.__all__)
    assert len(exported) == len(set(exported)), f"{module_name}.__all__ repeats a name"
    assert set(exported) == PINNED[module_name]
    for name in exported:
        assert hasattr(module, name), f"{module_name}.__all__ names {name}, which it does not define"


def test_every_error_class_is_listed_and_re_exported() -> None:
    classes = {
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, Exception) and value.__module__ == errors.__name__
    }
    assert classes <= ERROR_NAMES, f"error classes missing from errors.__all__: {sorted(classes - ERROR_NAMES)}"
    top = importlib.import_module("sectra_dpat_client")
    ai = importlib.import_module("sectra_dpat_client.ai")
    for name in classes:
        assert getattr(top, name) is getattr(errors, name) is getattr(ai, name)


def test_models_are_the_generated_ones() -> None:
    ai = importlib.import_module("sectra_dpat_client.ai")
    for name in MODEL_NAMES:
        assert getattr(ai, name) is getattr(models, name)


def _readme_imports() -> list[tuple[str, str]]:
    """(module, name) of every ``from sectra_dpat_client... import ...`` in the README, parenthesised ones too."""
    text = README.read_text(encoding="utf-8")
    found = []
    pattern = r"^\s*from (sectra_dpat_client[\w.]*) import (?:\(([^)]*)\)|([^\n(]+)$)"
    for module, grouped, single in re.findall(pattern, text, re.MULTILINE):
        for line in (grouped or single).splitlines():
            for name in line.split("#")[0].split(","):
                if name.strip():
                    found.append((module, name.strip().split(" as ")[0]))
    return found


def test_readme_import_parser_reads_parenthesised_imports() -> None:
    names = [name for _, name in _readme_imports()]
    assert len(names) == len(set(names)) or len(names) >= 5
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) for name in names), names


def _public_ancestors(module_name: str) -> list[str]:
    """The packages above a module (itself included) that are public: no part of their name is private."""
    parts = module_name.split(".")
    names = [".".join(parts[:n]) for n in range(len(parts), 1, -1)]
    return [name for name in names if not any(part.startswith("_") for part in name.split("."))]


def test_every_error_class_of_the_package_is_public_somewhere() -> None:
    """Each `DPATError` subclass is in `sectra_dpat_client.errors` or in its own package's ``__all__``."""
    package = importlib.import_module("sectra_dpat_client")
    seen: set[type[BaseException]] = set()
    for info in pkgutil.walk_packages(package.__path__, "sectra_dpat_client."):
        if "._generated" in info.name or info.name.endswith(("__main__", "_offload_worker")):
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional extra that is not installed
            continue
        for value in vars(module).values():
            if inspect.isclass(value) and issubclass(value, errors.DPATError) and value.__module__ == info.name:
                seen.add(value)
    assert len(seen) > len(ERROR_NAMES)
    for error_class in seen:
        homes = _public_ancestors(error_class.__module__)
        exported = error_class.__name__ in ERROR_NAMES or any(
            error_class.__name__ in getattr(importlib.import_module(home), "__all__", ()) for home in homes
        )
        assert exported, f"{error_class.__module__}.{error_class.__name__} is exported by no public package"


def test_readme_finds_some_imports() -> None:
    assert len(_readme_imports()) >= 5  # the parser below would otherwise pass on nothing


@pytest.mark.parametrize(("module_name", "name"), _readme_imports())
def test_every_name_the_readme_imports_is_public_there(module_name: str, name: str) -> None:
    module = importlib.import_module(module_name)
    assert hasattr(module, name), f"README imports {name} from {module_name}, which has no such name"
    public = getattr(module, "__all__", None)
    if public is not None and not inspect.ismodule(getattr(module, name)):
        assert name in public, f"README imports {name} from {module_name}, which does not list it in __all__"


@pytest.mark.parametrize("name", sorted(HTTP_SETTINGS))
def test_readme_http_settings_are_public(name: str) -> None:
    text = README.read_text(encoding="utf-8")
    if f"`{name}`" in text:
        for module_name in ("sectra_dpat_client", "sectra_dpat_client.ai"):
            assert name in importlib.import_module(module_name).__all__


def test_every_public_package_is_pinned() -> None:
    """Each public package, and each public top-level module with an ``__all__``, has its names pinned here."""
    package = importlib.import_module("sectra_dpat_client")
    for info in pkgutil.walk_packages(package.__path__, "sectra_dpat_client."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        if info.ispkg or (info.name.count(".") == 1 and hasattr(importlib.import_module(info.name), "__all__")):
            assert info.name in PINNED, f"{info.name} is public: pin its __all__ in PINNED"
