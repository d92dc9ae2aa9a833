"""ClientPool: one client per (callback URL, token), the server version remembered per URL, bounded memory."""

from __future__ import annotations

from typing import Any

from sectra_dpat_client.app.clients import ClientPool


class _Client:
    def __init__(self, url: str, token: str, app_id: str):
        self.url, self.token = url, token
        self.server_api_version: str | None = None
        self.seeded: list[str] = []
        self.closed = False

    def _remember(self, info: Any) -> None:
        self.seeded.append(info.api_version)
        self.server_api_version = info.api_version

    async def aclose(self) -> None:
        self.closed = True


def _factory(url: str, *, token: str, app_id: str) -> _Client:
    return _Client(url, token, app_id)


async def test_a_url_and_token_share_one_client_and_a_new_token_gets_the_version_read_before() -> None:
    pool = ClientPool(_factory)
    first = pool.get("http://dpat/v1", token="a", app_id="app")
    first.server_api_version = "1.10"  # as after its /info read
    await pool.release(first)
    assert pool.get("http://dpat/v1", token="a", app_id="app") is first
    renewed = pool.get("http://dpat/v1", token="b", app_id="app")
    assert renewed is not first
    assert renewed.seeded == ["1.10"]  # no /info read of its own


async def test_the_versions_remembered_stay_bounded() -> None:
    pool = ClientPool(_factory, max_clients=4)
    for number in range(3000):  # an allowed host, every invocation naming another path
        client = pool.get(f"http://dpat/v{number}", token="t", app_id="app")
        client.server_api_version = "1.10"
        await pool.release(client)
    assert len(pool._versions) <= 1024
    assert len(pool) <= 4
    await pool.aclose()
