"""The public surface is deliberate: every public ``__all__`` is pinned, and what the README imports exists.

Adding a public name is a decision: add it to PINNED here in the same commit.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from sectra_dpat_client import errors, models

README = Path(__file__).resolve().parents[2] / "README.md"
HTTP_SETTINGS = {"AnswerLimits", "DEFAULT_RETRY", "DEFAULT_TIMEOUT", "RetryPolicy"}
ERROR_NAMES = set(errors.__all__)
MODEL_NAMES = set(models.__all__)

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
    text = README.read_text(encoding="utf-8")
    found = []
    for module, names in re.findall(r"^\s*from (sectra_dpat_client[\w.]*) import ([^\n(]+)$", text, re.MULTILINE):
        for name in names.split("#")[0].split(","):
            found.append((module, name.strip().split(" as ")[0]))
    return found


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
