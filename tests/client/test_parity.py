"""The sync and async clients have the same public surface: names, parameters, defaults; async ones are coroutines."""

from __future__ import annotations

import inspect

import pytest

import sectra_dpat_client._generated.dpat_api.models  # noqa: F401
import sectra_dpat_client.ai as ai
from sectra_dpat_client._generated import dpat_api
from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient
from sectra_dpat_client.ai.operations import operations

_LIFECYCLE = {"__enter__", "__exit__", "__aenter__", "__aexit__"}


def _public(cls: type) -> dict[str, object]:
    return {name: member for name, member in vars(cls).items() if not name.startswith("_")} | {
        name: getattr(cls, name) for name in dir(cls) if not name.startswith("_")
    }


def _signature(member: object) -> list[tuple[str, object, object]]:
    if isinstance(member, property):
        return []
    signature = inspect.signature(member)  # type: ignore[arg-type]
    return [(p.name, p.kind, p.default) for p in signature.parameters.values()]


# The one close spelling of async clients is ``aclose`` (as QIDO's); the sync twin has ``close``.
_ASYNC_CLOSE = {"aclose": "close"}


def _public_async() -> dict[str, object]:
    members = _public(AsyncDPATAIClient)
    members.pop("close")  # the deprecated alias of aclose
    return {_ASYNC_CLOSE.get(name, name): member for name, member in members.items()}


def test_same_public_names() -> None:
    assert set(_public(DPATAIClient)) == set(_public_async())


async def test_async_close_is_aclose_and_close_is_deprecated() -> None:
    client = AsyncDPATAIClient("http://dpat.test", token="t")
    with pytest.deprecated_call(match="aclose"):
        await client.close()
    await client.aclose()
    assert not hasattr(DPATAIClient, "aclose")


def test_same_parameters_and_defaults() -> None:
    sync_members, async_members = _public(DPATAIClient), _public_async()
    for name, member in sync_members.items():
        if name == "from_credentials":
            continue  # the http_client type differs (httpx.Client vs httpx.AsyncClient); checked below
        assert _signature(member) == _signature(async_members[name]), name
    sync_cred = [p.name for p in inspect.signature(DPATAIClient.from_credentials).parameters.values()]
    async_cred = [p.name for p in inspect.signature(AsyncDPATAIClient.from_credentials).parameters.values()]
    assert sync_cred == async_cred
    sync_init = [p.name for p in inspect.signature(DPATAIClient.__init__).parameters.values()]
    async_init = [p.name for p in inspect.signature(AsyncDPATAIClient.__init__).parameters.values()]
    assert sync_init == async_init


def test_async_methods_are_coroutines_and_sync_ones_are_not() -> None:
    for name, member in _public(DPATAIClient).items():
        if isinstance(member, property) or name == "from_credentials":
            continue
        assert not inspect.iscoroutinefunction(member), name
        assert inspect.iscoroutinefunction(_public_async()[name]), name
    assert hasattr(DPATAIClient, "__enter__")
    assert hasattr(AsyncDPATAIClient, "__aenter__")


def test_every_dpat_side_operation_has_a_method() -> None:
    methods = set(_public(DPATAIClient))
    # operation → method; the legacy /hooks routes are deliberately not offered
    expected = {
        "getServerInfo": "get_info",
        "createToken": "from_credentials",
        "getLaunchData": "get_launch_data",
        "getApplication": "get_application",
        "getImageInfo": "get_image_info",
        "getCaseImages": "get_image_infos_in_case",
        "getCaseImagesBySlide": "get_image_infos_in_case_by_slide_id",
        "getLabel": "get_label",
        "getSlideFiles": "download_slide_files",
        "getTile": "get_tile",
        "getTileInFocalPlane": "get_tile",
        "createResult": "create_results",
        "listResultsForSlide": "list_results_for_slide",
        "getResult": "get_results",
        "updateResult": "update_results",
        "getAttachment": "download_attachment",
        "setQualityControl": "set_quality_control",
    }
    spec_ops = {op.operation_id for op in operations().values()} - {"legacyCreateResult", "legacyUpdateResult"}
    assert spec_ops == set(expected)
    assert set(expected.values()) <= methods


def test_every_generated_model_is_exported() -> None:
    assert set(dpat_api.models.__all__) <= set(ai.__all__)
    for name in ai.__all__:
        assert getattr(ai, name) is not None
    assert ai.ResultContent is dpat_api.models.ResultContent
