"""An error over the wire chains the httpx error (``raise ... from exc``), and httpx errors carry their
request: that request must hold neither the token, the password, nor the filled-in URL (accession numbers,
patient-name filters, session tokens)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from sectra_dpat_client._core.http import RetryPolicy
from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient
from sectra_dpat_client.errors import DPATConnectionError
from sectra_dpat_client.qido import DPATQidoClient

NO_RETRY = RetryPolicy(attempts=1)
CLOSED = "http://127.0.0.1:1"
TOKEN = "s3cr3t-T0KEN-value"
PASSWORD = "s3cr3t-PASSW0RD"
ACCESSION = "ACC-PHI-9876543"
PATIENT = "Doe^Jane-PHI"


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        todo += [item.__cause__, item.__context__]
    return seen


def _carried(item: BaseException) -> str:
    requests: list[httpx.Request] = []
    for name in ("request", "response"):
        try:
            value = getattr(item, name, None)
        except RuntimeError:
            continue
        if isinstance(value, httpx.Response):
            value = value.request
        if isinstance(value, httpx.Request):
            requests.append(value)
    return " ".join(f"{r.url} {list(r.headers.items())!r} {r.content!r}" for r in requests)


def assert_clean(exc: BaseException, *secrets: str) -> None:
    for item in _chain(exc):
        text = f"{item!s} {item!r} {item.args!r} {_carried(item)}"
        for secret in secrets:
            assert secret not in text, (secret, type(item))


def _basic(value: str) -> str:
    import base64

    return base64.b64encode(f"user:{value}".encode()).decode()


def test_ia_api_connection_errors_chain_no_token_nor_accession_number() -> None:
    with DPATAIClient(CLOSED, token=TOKEN, api_version="1.10", retry=NO_RETRY) as client:
        with pytest.raises(DPATConnectionError) as caught:
            client.get_image_infos_in_case(ACCESSION)
    assert caught.value.__cause__ is not None  # still chained: only what it carries is scrubbed
    assert_clean(caught.value, TOKEN, ACCESSION)


def test_async_ia_api_connection_errors_chain_no_token() -> None:
    async def run() -> None:
        async with AsyncDPATAIClient(CLOSED, token=TOKEN, api_version="1.10", retry=NO_RETRY) as client:
            with pytest.raises(DPATConnectionError) as caught:
                await client.get_image_infos_in_case(ACCESSION)
        assert_clean(caught.value, TOKEN, ACCESSION)

    asyncio.run(run())


def test_qido_connection_errors_chain_no_password_nor_patient_name() -> None:
    with DPATQidoClient(CLOSED, "user", PASSWORD, retry=NO_RETRY) as client:
        with pytest.raises(DPATConnectionError) as caught:
            client.search("studies", {"PatientName": PATIENT})
    assert_clean(caught.value, PASSWORD, _basic(PASSWORD), PATIENT)


def test_a_status_error_keeps_its_body_on_the_library_error_but_chains_nothing_sensitive() -> None:
    from sectra_dpat_client._core.errors import Named, error_for_failure
    from sectra_dpat_client.errors import DPATNotFoundError

    request = httpx.Request(
        "GET",
        f"http://dpat/requests/{ACCESSION}/images/info?sessionToken={TOKEN}",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    response = httpx.Response(404, text=f"no case {ACCESSION} for {PATIENT}", request=request)
    failure = httpx.HTTPStatusError(f"Client error for url {request.url}", request=request, response=response)
    error = error_for_failure(failure, Named("GET", "/requests/{accessionNumber}/images/info"))
    assert isinstance(error, DPATNotFoundError)
    assert PATIENT in error.text  # the body stays on .text (never in str/repr), as before
    error.__cause__ = failure
    assert_clean(error, TOKEN, ACCESSION, PATIENT)
