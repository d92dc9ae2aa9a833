"""Log redaction: IA-API and QIDO URLs reduced to templates, query values and secrets masked."""

from __future__ import annotations

import logging

import httpx
import pytest

import sectra_dpat_client.ai
import sectra_dpat_client.qido  # noqa: F401 - registers the DICOMweb path templates
from sectra_dpat_client._core.redact import MASK, RedactingFilter, install_log_redaction, redact_text, redact_url

BASE = "https://pacs.example/SectraPathologyServer/external/imageanalysis/v1"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            f"{BASE}/slides/SLIDE-9/info?scope=extended&includePHI=true",
            f"{BASE}/slides/{{slideId}}/info?scope=extended&includePHI=true",
        ),
        (
            f"{BASE}/requests/A2025081307/images/info?accessionNumberIssuer=LAB",
            f"{BASE}/requests/{{accessionNumber}}/images/info?accessionNumberIssuer={MASK}",
        ),
        (f"{BASE}/images/S1_files/12/3_4.jpg", f"{BASE}/images/{{slideId}}_files/{{level}}/{{col}}_{{row}}.{{ext}}"),
        (f"{BASE}/applications/app/results/slide/S%2F1", f"{BASE}/applications/{{appId}}/results/slide/{{slideId}}"),
        (
            f"{BASE}/launchdata?requestId=ACC1&sessionToken=abc&appId=v",
            f"{BASE}/launchdata?requestId={MASK}&sessionToken={MASK}&appId=v",
        ),
        (
            "http://orthanc:8042/dicom-web/studies?PatientName=DOE%5EJANE&limit=10",
            f"http://orthanc:8042/dicom-web/studies?PatientName={MASK}&limit=10",
        ),
        (
            "http://u:pw@orthanc/dicom-web/studies/1.2.3/series/4.5.6/instances",
            "http://orthanc/dicom-web/studies/{uid}/series/{uid}/instances",
        ),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_redact_text_masks_authorization_and_secret_pairs() -> None:
    text = "Authorization: Bearer eyJhbGciOi.x-y_z and Basic dXNlcjpwYXNz; access_token=abc&password=hunter2"
    cleaned = redact_text(text)
    for secret in ("eyJhbGciOi.x-y_z", "dXNlcjpwYXNz", "abc", "hunter2"):
        assert secret not in cleaned


def test_httpx_request_log_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()
    install_log_redaction()  # idempotent
    assert sum(isinstance(f, RedactingFilter) for f in logging.getLogger("httpx").filters) == 1

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={})

    with caplog.at_level(logging.DEBUG), httpx.Client(transport=httpx.MockTransport(answer)) as client:
        client.get(f"{BASE}/requests/ACC-SECRET-77/images/info", params={"includePHI": "true"})
    messages = [record.getMessage() for record in caplog.records]
    assert any("/requests/{accessionNumber}/images/info" in m for m in messages)
    assert not any("ACC-SECRET-77" in m for m in messages)


@pytest.mark.parametrize(
    "text",
    [
        '{"token": "s3cr3t-1"}',
        "{'password': 's3cr3t-1'}",
        '"callbackInfo": {"url": "https://dpat", "token":"s3cr3t-1"}',
        "refresh_token=s3cr3t-1",
        "client_secret: s3cr3t-1",
        "SECTRA_DPAT_PASSWORD=s3cr3t-1",
        "sessionToken: s3cr3t-1",
    ],
)
def test_redact_text_masks_json_dict_and_env_forms(text: str) -> None:
    assert "s3cr3t-1" not in redact_text(text)


def test_redact_text_leaves_token_settings_and_prose_alone() -> None:
    for text in ('"token_type": "Bearer"', "token_ttl=3600", "2 tokens: issued", "give --password (or X)"):
        assert redact_text(text) == text


def test_filter_cleans_exceptions_and_mappings_given_as_arguments(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("sectra_dpat_client.test_redact")
    logger.addFilter(RedactingFilter())
    try:
        with caplog.at_level(logging.INFO, logger=logger.name):
            logger.info("failed: %s", ValueError("GET /launchdata?sessionToken=s3cr3t-2 refused"))
            logger.info("payload %s", ({"callbackInfo": {"token": "s3cr3t-3"}},))
    finally:
        logger.filters.clear()
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "s3cr3t-2" not in text
    assert "s3cr3t-3" not in text


def test_debug_log_of_response_headers_masks_cookies(caplog: pytest.LogCaptureFixture) -> None:
    """httpcore logs every answer's headers at DEBUG: a session cookie must not show."""
    import socket

    from sectra_dpat_client._core.http import RetryPolicy
    from sectra_dpat_client.ai import DPATAIClient

    from .hostile import hostile_server, send_head

    body = b'{"apiVersion": "1.10", "softwareVersion": "4.2"}'

    def handler(conn: socket.socket, head: bytes) -> None:
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        send_head(conn, 200, {**headers, "Set-Cookie": "ASP.NET_SessionId=c00kie-S3CRET; path=/; HttpOnly"})
        conn.sendall(body)

    install_log_redaction()
    with caplog.at_level(logging.DEBUG), hostile_server(handler, info=False) as url:
        with DPATAIClient(url, token="t0ken-S3CRET", retry=RetryPolicy(attempts=1)) as client:
            client.get_info()
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "receive_response_headers" in text  # httpcore's header line is there
    assert "c00kie-S3CRET" not in text
    assert "t0ken-S3CRET" not in text
