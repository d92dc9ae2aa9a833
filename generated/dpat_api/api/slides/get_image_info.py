from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.image_info import ImageInfo
from ...models.info_scope import InfoScope
from ...types import Response


def _get_kwargs(
    slide_id: str,
    *,
    scope: InfoScope | None = None,
    include_phi: bool | None = None,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if x_sectra_api_version is not None:
        headers["X-Sectra-ApiVersion"] = x_sectra_api_version

    if x_sectra_software_version is not None:
        headers["X-Sectra-SoftwareVersion"] = x_sectra_software_version

    params: dict[str, Any] = {}

    json_scope: str | None = None
    if scope is not None:
        json_scope = scope.value

    params["scope"] = json_scope

    params["includePHI"] = include_phi

    params = {k: v for k, v in params.items() if v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/slides/{slide_id}/info".format(
            slide_id=quote(str(slide_id), safe=""),
        ),
    }

    if params:
        _kwargs["params"] = params
    if headers:
        _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | ImageInfo | None:
    if response.status_code == 200:
        response_200 = ImageInfo.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = cast(Any, None)
        return response_400

    if response.status_code == 401:
        response_401 = cast(Any, None)
        return response_401

    if response.status_code == 403:
        response_403 = cast(Any, None)
        return response_403

    if response.status_code == 404:
        response_404 = cast(Any, None)
        return response_404

    if response.status_code == 429:
        response_429 = cast(Any, None)
        return response_429

    if response.status_code == 503:
        response_503 = cast(Any, None)
        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | ImageInfo]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    slide_id: str,
    *,
    client: AuthenticatedClient | Client,
    scope: InfoScope | None = None,
    include_phi: bool | None = None,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Response[Any | ImageInfo]:
    """Metadata of one slide image.

     `scope=extended` adds LIS/exam fields; `includePHI=true` adds patient-identifying fields
    (accession number, study UID, exam id and date).

    Args:
        slide_id (str):
        scope (InfoScope | None):
        include_phi (bool | None):
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ImageInfo]
    """

    kwargs = _get_kwargs(
        slide_id=slide_id,
        scope=scope,
        include_phi=include_phi,
        x_sectra_api_version=x_sectra_api_version,
        x_sectra_software_version=x_sectra_software_version,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    slide_id: str,
    *,
    client: AuthenticatedClient | Client,
    scope: InfoScope | None = None,
    include_phi: bool | None = None,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Any | ImageInfo | None:
    """Metadata of one slide image.

     `scope=extended` adds LIS/exam fields; `includePHI=true` adds patient-identifying fields
    (accession number, study UID, exam id and date).

    Args:
        slide_id (str):
        scope (InfoScope | None):
        include_phi (bool | None):
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ImageInfo
    """

    return sync_detailed(
        slide_id=slide_id,
        client=client,
        scope=scope,
        include_phi=include_phi,
        x_sectra_api_version=x_sectra_api_version,
        x_sectra_software_version=x_sectra_software_version,
    ).parsed


async def asyncio_detailed(
    slide_id: str,
    *,
    client: AuthenticatedClient | Client,
    scope: InfoScope | None = None,
    include_phi: bool | None = None,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Response[Any | ImageInfo]:
    """Metadata of one slide image.

     `scope=extended` adds LIS/exam fields; `includePHI=true` adds patient-identifying fields
    (accession number, study UID, exam id and date).

    Args:
        slide_id (str):
        scope (InfoScope | None):
        include_phi (bool | None):
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ImageInfo]
    """

    kwargs = _get_kwargs(
        slide_id=slide_id,
        scope=scope,
        include_phi=include_phi,
        x_sectra_api_version=x_sectra_api_version,
        x_sectra_software_version=x_sectra_software_version,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    slide_id: str,
    *,
    client: AuthenticatedClient | Client,
    scope: InfoScope | None = None,
    include_phi: bool | None = None,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Any | ImageInfo | None:
    """Metadata of one slide image.

     `scope=extended` adds LIS/exam fields; `includePHI=true` adds patient-identifying fields
    (accession number, study UID, exam id and date).

    Args:
        slide_id (str):
        scope (InfoScope | None):
        include_phi (bool | None):
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ImageInfo
    """

    return (
        await asyncio_detailed(
            slide_id=slide_id,
            client=client,
            scope=scope,
            include_phi=include_phi,
            x_sectra_api_version=x_sectra_api_version,
            x_sectra_software_version=x_sectra_software_version,
        )
    ).parsed
