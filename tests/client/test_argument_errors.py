"""Bad constructor arguments raise the library's typed argument error, `DPATQueryError` (a ValueError)."""

from __future__ import annotations

import pytest

from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient
from sectra_dpat_client.ai.auth import BearerAuth
from sectra_dpat_client.errors import DPATError, DPATQueryError


def test_empty_bearer_token_is_a_typed_argument_error() -> None:
    with pytest.raises(DPATQueryError, match="bearer token is empty") as caught:
        BearerAuth("")
    assert isinstance(caught.value, DPATError)
    assert isinstance(caught.value, ValueError)  # callers catching ValueError keep working


@pytest.mark.parametrize("client_class", [DPATAIClient, AsyncDPATAIClient])
def test_clients_refuse_an_empty_token_with_a_typed_error(client_class: type[DPATAIClient]) -> None:
    with pytest.raises(DPATQueryError):
        client_class("http://127.0.0.1:9/api", token="")


def test_no_token_is_allowed() -> None:
    assert repr(BearerAuth(None)) == "BearerAuth(token=<redacted>)"
