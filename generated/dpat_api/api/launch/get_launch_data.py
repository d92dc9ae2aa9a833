from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.launch_response import LaunchResponse
from ...types import Response


def _get_kwargs(
    *,
    request_id: str,
    session_token: str,
    app_id: str | None = None,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if x_sectra_api_version is not None:
        headers["X-Sectra-ApiVersion"] = x_sectra_api_version

    if x_sectra_software_version is not None:
        headers["X-Sectra-SoftwareVersion"] = x_sectra_software_version

    params: dict[str, Any] = {}

    params["requestId"] = request_id

    params["sessionToken"] = session_token

    params["appId"] = app_id

    params = {k: v for k, v in params.items() if v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/launchdata",
    }

    if params:
        _kwargs["params"] = params
    if headers:
        _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | LaunchResponse | None:
    if response.status_code == 200:
        response_200 = LaunchResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = cast(Any, None)
        return response_400

    if response.status_code == 401:
        response_401 = cast(Any, None)
        return response_401

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | LaunchResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    request_id: str,
    session_token: str,
    app_id: str | None = None,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Response[Any | LaunchResponse]:
    """Bootstrap data for an external launch application.

     The URL comes from IDS7's launch command; the session token authenticates it.

    Args:
        request_id (str):
        session_token (str):
        app_id (str | None):
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | LaunchResponse]
    """

    kwargs = _get_kwargs(
        request_id=request_id,
        session_token=session_token,
        app_id=app_id,
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
    request_id: str,
    session_token: str,
    app_id: str | None = None,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Any | LaunchResponse | None:
    """Bootstrap data for an external launch application.

     The URL comes from IDS7's launch command; the session token authenticates it.

    Args:
        request_id (str):
        session_token (str):
        app_id (str | None):
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | LaunchResponse
    """

    return sync_detailed(
        client=client,
        request_id=request_id,
        session_token=session_token,
        app_id=app_id,
        x_sectra_api_version=x_sectra_api_version,
        x_sectra_software_version=x_sectra_software_version,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    request_id: str,
    session_token: str,
    app_id: str | None = None,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Response[Any | LaunchResponse]:
    """Bootstrap data for an external launch application.

     The URL comes from IDS7's launch command; the session token authenticates it.

    Args:
        request_id (str):
        session_token (str):
        app_id (str | None):
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | LaunchResponse]
    """

    kwargs = _get_kwargs(
        request_id=request_id,
        session_token=session_token,
        app_id=app_id,
        x_sectra_api_version=x_sectra_api_version,
        x_sectra_software_version=x_sectra_software_version,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    request_id: str,
    session_token: str,
    app_id: str | None = None,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Any | LaunchResponse | None:
    """Bootstrap data for an external launch application.

     The URL comes from IDS7's launch command; the session token authenticates it.

    Args:
        request_id (str):
        session_token (str):
        app_id (str | None):
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | LaunchResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            request_id=request_id,
            session_token=session_token,
            app_id=app_id,
            x_sectra_api_version=x_sectra_api_version,
            x_sectra_software_version=x_sectra_software_version,
        )
    ).parsed
