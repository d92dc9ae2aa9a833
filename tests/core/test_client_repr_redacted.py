"""A client's repr shows its server but never a password or a token in the URL (it ends up in logs)."""

from __future__ import annotations

import pytest

from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient
from sectra_dpat_client.qido import AsyncDPATQidoClient, DPATQidoClient

URL = "http://alice:s3cret-pw@dpat.example/api"  # a query string is refused at construction (test_untyped_errors)


@pytest.mark.parametrize("kind", [DPATAIClient, AsyncDPATAIClient, DPATQidoClient, AsyncDPATQidoClient])
def test_repr_hides_url_credentials_and_query_values(kind: type) -> None:
    client = kind(URL, token="bearer-zzz") if "AI" in kind.__name__ else kind(URL)
    text = repr(client)
    assert "dpat.example" in text
    for secret in ("alice", "s3cret-pw", "bearer-zzz"):
        assert secret not in text
