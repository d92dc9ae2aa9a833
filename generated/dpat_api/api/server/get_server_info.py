from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.application_info import ApplicationInfo
from ...types import Response


def _get_kwargs(
    *,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if x_sectra_api_version is not None:
        headers["X-Sectra-ApiVersion"] = x_sectra_api_version

    if x_sectra_software_version is not None:
        headers["X-Sectra-SoftwareVersion"] = x_sectra_software_version

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/info",
    }

    if headers:
        _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | ApplicationInfo | None:
    if response.status_code == 200:
        response_200 = ApplicationInfo.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = cast(Any, None)
        return response_400

    if response.status_code == 401:
        response_401 = cast(Any, None)
        return response_401

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | ApplicationInfo]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Response[Any | ApplicationInfo]:
    """Versions of the DPAT server.

    Args:
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ApplicationInfo]
    """

    kwargs = _get_kwargs(
        x_sectra_api_version=x_sectra_api_version,
        x_sectra_software_version=x_sectra_software_version,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Any | ApplicationInfo | None:
    """Versions of the DPAT server.

    Args:
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ApplicationInfo
    """

    return sync_detailed(
        client=client,
        x_sectra_api_version=x_sectra_api_version,
        x_sectra_software_version=x_sectra_software_version,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Response[Any | ApplicationInfo]:
    """Versions of the DPAT server.

    Args:
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ApplicationInfo]
    """

    kwargs = _get_kwargs(
        x_sectra_api_version=x_sectra_api_version,
        x_sectra_software_version=x_sectra_software_version,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Any | ApplicationInfo | None:
    """Versions of the DPAT server.

    Args:
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ApplicationInfo
    """

    return (
        await asyncio_detailed(
            client=client,
            x_sectra_api_version=x_sectra_api_version,
            x_sectra_software_version=x_sectra_software_version,
        )
    ).parsed
