from http import HTTPStatus
from io import BytesIO
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...types import File, Response


def _get_kwargs(
    app_id: str,
    result_id: int,
    *,
    name: str,
    range_: str | None = None,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if range_ is not None:
        headers["Range"] = range_

    if x_sectra_api_version is not None:
        headers["X-Sectra-ApiVersion"] = x_sectra_api_version

    if x_sectra_software_version is not None:
        headers["X-Sectra-SoftwareVersion"] = x_sectra_software_version

    params: dict[str, Any] = {}

    params["name"] = name

    params = {k: v for k, v in params.items() if v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/applications/{app_id}/results/{result_id}/attachments".format(
            app_id=quote(str(app_id), safe=""),
            result_id=quote(str(result_id), safe=""),
        ),
    }

    if params:
        _kwargs["params"] = params
    if headers:
        _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | File | None:
    if response.status_code == 200:
        response_200 = File(payload=BytesIO(response.content))

        return response_200

    if response.status_code == 206:
        response_206 = File(payload=BytesIO(response.content))

        return response_206

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

    if response.status_code == 416:
        response_416 = cast(Any, None)
        return response_416

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | File]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    app_id: str,
    result_id: int,
    *,
    client: AuthenticatedClient | Client,
    name: str,
    range_: str | None = None,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Response[Any | File]:
    """Download one attachment of a result, optionally a byte range.

    Args:
        app_id (str):
        result_id (int):
        name (str):
        range_ (str | None):
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | File]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        result_id=result_id,
        name=name,
        range_=range_,
        x_sectra_api_version=x_sectra_api_version,
        x_sectra_software_version=x_sectra_software_version,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    app_id: str,
    result_id: int,
    *,
    client: AuthenticatedClient | Client,
    name: str,
    range_: str | None = None,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Any | File | None:
    """Download one attachment of a result, optionally a byte range.

    Args:
        app_id (str):
        result_id (int):
        name (str):
        range_ (str | None):
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | File
    """

    return sync_detailed(
        app_id=app_id,
        result_id=result_id,
        client=client,
        name=name,
        range_=range_,
        x_sectra_api_version=x_sectra_api_version,
        x_sectra_software_version=x_sectra_software_version,
    ).parsed


async def asyncio_detailed(
    app_id: str,
    result_id: int,
    *,
    client: AuthenticatedClient | Client,
    name: str,
    range_: str | None = None,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Response[Any | File]:
    """Download one attachment of a result, optionally a byte range.

    Args:
        app_id (str):
        result_id (int):
        name (str):
        range_ (str | None):
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | File]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        result_id=result_id,
        name=name,
        range_=range_,
        x_sectra_api_version=x_sectra_api_version,
        x_sectra_software_version=x_sectra_software_version,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    app_id: str,
    result_id: int,
    *,
    client: AuthenticatedClient | Client,
    name: str,
    range_: str | None = None,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Any | File | None:
    """Download one attachment of a result, optionally a byte range.

    Args:
        app_id (str):
        result_id (int):
        name (str):
        range_ (str | None):
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | File
    """

    return (
        await asyncio_detailed(
            app_id=app_id,
            result_id=result_id,
            client=client,
            name=name,
            range_=range_,
            x_sectra_api_version=x_sectra_api_version,
            x_sectra_software_version=x_sectra_software_version,
        )
    ).parsed
