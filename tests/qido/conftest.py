"""Fixtures for the QIDO-RS tests: the real Orthanc started by scripts/run-tests.sh, and clients on it."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sectra_dpat_client._core.http import RetryPolicy
from sectra_dpat_client.qido import AsyncDPATQidoClient, DPATQidoClient

NO_WAIT = RetryPolicy(attempts=3, backoff_factor=0.0, jitter=False)


@dataclass(frozen=True)
class Orthanc:
    url: str
    user: str
    password: str
    manifest: dict[str, Any]

    @property
    def studies(self) -> list[dict[str, Any]]:
        return self.manifest["studies"]

    @property
    def special(self) -> dict[str, Any]:
        return next(study for study in self.studies if study.get("special"))

    def study(self, index: int) -> dict[str, Any]:
        return self.studies[index]


@pytest.fixture(scope="session")
def orthanc() -> Orthanc:
    """The seeded Orthanc; skipped when absent locally, a failure in CI (CI=true) where it must run."""
    names = ("SECTRA_DPAT_TEST_QIDO_URL", "SECTRA_DPAT_TEST_QIDO_USER", "SECTRA_DPAT_TEST_QIDO_PASSWORD")
    missing = [name for name in (*names, "SECTRA_DPAT_TEST_QIDO_MANIFEST") if not os.environ.get(name)]
    if missing:
        message = f"Orthanc is not running ({', '.join(missing)} unset): run the tests with scripts/run-tests.sh"
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    manifest = json.loads(Path(os.environ["SECTRA_DPAT_TEST_QIDO_MANIFEST"]).read_text(encoding="utf-8"))
    return Orthanc(*(os.environ[name] for name in names), manifest=manifest)


@pytest.fixture
def qido(orthanc: Orthanc) -> Iterator[DPATQidoClient]:
    with DPATQidoClient(orthanc.url, orthanc.user, orthanc.password, retry=NO_WAIT) as client:
        yield client


@pytest.fixture
async def aqido(orthanc: Orthanc) -> AsyncIterator[AsyncDPATQidoClient]:
    async with AsyncDPATQidoClient(orthanc.url, orthanc.user, orthanc.password, retry=NO_WAIT) as client:
        yield client
