from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.application import Application
from ...types import Response


def _get_kwargs(
    app_id: str,
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
        "url": "/applications/{app_id}".format(
            app_id=quote(str(app_id), safe=""),
        ),
    }

    if headers:
        _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | Application | None:
    if response.status_code == 200:
        response_200 = Application.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | Application]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    app_id: str,
    *,
    client: AuthenticatedClient | Client,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Response[Any | Application]:
    """Metadata of a registered application.

    Args:
        app_id (str):
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Application]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        x_sectra_api_version=x_sectra_api_version,
        x_sectra_software_version=x_sectra_software_version,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    app_id: str,
    *,
    client: AuthenticatedClient | Client,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Any | Application | None:
    """Metadata of a registered application.

    Args:
        app_id (str):
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Application
    """

    return sync_detailed(
        app_id=app_id,
        client=client,
        x_sectra_api_version=x_sectra_api_version,
        x_sectra_software_version=x_sectra_software_version,
    ).parsed


async def asyncio_detailed(
    app_id: str,
    *,
    client: AuthenticatedClient | Client,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Response[Any | Application]:
    """Metadata of a registered application.

    Args:
        app_id (str):
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Application]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        x_sectra_api_version=x_sectra_api_version,
        x_sectra_software_version=x_sectra_software_version,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    app_id: str,
    *,
    client: AuthenticatedClient | Client,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Any | Application | None:
    """Metadata of a registered application.

    Args:
        app_id (str):
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Application
    """

    return (
        await asyncio_detailed(
            app_id=app_id,
            client=client,
            x_sectra_api_version=x_sectra_api_version,
            x_sectra_software_version=x_sectra_software_version,
        )
    ).parsed
