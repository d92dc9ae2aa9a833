from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.case_image_info import CaseImageInfo
from ...types import Response


def _get_kwargs(
    accession_number: str,
    *,
    include_phi: bool | None = None,
    accession_number_issuer: str | None = None,
    accession_number_issuer_id: str | None = None,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if x_sectra_api_version is not None:
        headers["X-Sectra-ApiVersion"] = x_sectra_api_version

    if x_sectra_software_version is not None:
        headers["X-Sectra-SoftwareVersion"] = x_sectra_software_version

    params: dict[str, Any] = {}

    params["includePHI"] = include_phi

    params["accessionNumberIssuer"] = accession_number_issuer

    params["accessionNumberIssuerId"] = accession_number_issuer_id

    params = {k: v for k, v in params.items() if v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/requests/{accession_number}/images/info".format(
            accession_number=quote(str(accession_number), safe=""),
        ),
    }

    if params:
        _kwargs["params"] = params
    if headers:
        _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | list[CaseImageInfo] | None:
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in _response_200:
            response_200_item = CaseImageInfo.from_dict(response_200_item_data)

            response_200.append(response_200_item)

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | list[CaseImageInfo]]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    accession_number: str,
    *,
    client: AuthenticatedClient | Client,
    include_phi: bool | None = None,
    accession_number_issuer: str | None = None,
    accession_number_issuer_id: str | None = None,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Response[Any | list[CaseImageInfo]]:
    """All images of a case, by accession number.

     Sources disagree on the issuer parameter's name (`accessionNumberIssuer` in Sectra's downloader
    and viewer, `accessionNumberIssuerId` in the contrib client); both are accepted.

    Args:
        accession_number (str):
        include_phi (bool | None):
        accession_number_issuer (str | None):
        accession_number_issuer_id (str | None):
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | list[CaseImageInfo]]
    """

    kwargs = _get_kwargs(
        accession_number=accession_number,
        include_phi=include_phi,
        accession_number_issuer=accession_number_issuer,
        accession_number_issuer_id=accession_number_issuer_id,
        x_sectra_api_version=x_sectra_api_version,
        x_sectra_software_version=x_sectra_software_version,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    accession_number: str,
    *,
    client: AuthenticatedClient | Client,
    include_phi: bool | None = None,
    accession_number_issuer: str | None = None,
    accession_number_issuer_id: str | None = None,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Any | list[CaseImageInfo] | None:
    """All images of a case, by accession number.

     Sources disagree on the issuer parameter's name (`accessionNumberIssuer` in Sectra's downloader
    and viewer, `accessionNumberIssuerId` in the contrib client); both are accepted.

    Args:
        accession_number (str):
        include_phi (bool | None):
        accession_number_issuer (str | None):
        accession_number_issuer_id (str | None):
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | list[CaseImageInfo]
    """

    return sync_detailed(
        accession_number=accession_number,
        client=client,
        include_phi=include_phi,
        accession_number_issuer=accession_number_issuer,
        accession_number_issuer_id=accession_number_issuer_id,
        x_sectra_api_version=x_sectra_api_version,
        x_sectra_software_version=x_sectra_software_version,
    ).parsed


async def asyncio_detailed(
    accession_number: str,
    *,
    client: AuthenticatedClient | Client,
    include_phi: bool | None = None,
    accession_number_issuer: str | None = None,
    accession_number_issuer_id: str | None = None,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Response[Any | list[CaseImageInfo]]:
    """All images of a case, by accession number.

     Sources disagree on the issuer parameter's name (`accessionNumberIssuer` in Sectra's downloader
    and viewer, `accessionNumberIssuerId` in the contrib client); both are accepted.

    Args:
        accession_number (str):
        include_phi (bool | None):
        accession_number_issuer (str | None):
        accession_number_issuer_id (str | None):
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | list[CaseImageInfo]]
    """

    kwargs = _get_kwargs(
        accession_number=accession_number,
        include_phi=include_phi,
        accession_number_issuer=accession_number_issuer,
        accession_number_issuer_id=accession_number_issuer_id,
        x_sectra_api_version=x_sectra_api_version,
        x_sectra_software_version=x_sectra_software_version,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    accession_number: str,
    *,
    client: AuthenticatedClient | Client,
    include_phi: bool | None = None,
    accession_number_issuer: str | None = None,
    accession_number_issuer_id: str | None = None,
    x_sectra_api_version: str | None = None,
    x_sectra_software_version: str | None = None,
) -> Any | list[CaseImageInfo] | None:
    """All images of a case, by accession number.

     Sources disagree on the issuer parameter's name (`accessionNumberIssuer` in Sectra's downloader
    and viewer, `accessionNumberIssuerId` in the contrib client); both are accepted.

    Args:
        accession_number (str):
        include_phi (bool | None):
        accession_number_issuer (str | None):
        accession_number_issuer_id (str | None):
        x_sectra_api_version (str | None):
        x_sectra_software_version (str | None):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | list[CaseImageInfo]
    """

    return (
        await asyncio_detailed(
            accession_number=accession_number,
            client=client,
            include_phi=include_phi,
            accession_number_issuer=accession_number_issuer,
            accession_number_issuer_id=accession_number_issuer_id,
            x_sectra_api_version=x_sectra_api_version,
            x_sectra_software_version=x_sectra_software_version,
        )
    ).parsed
