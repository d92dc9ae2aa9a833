"""codegen/unasync.py: the sync client modules are a fresh rewrite of their async sources, and the check
that `make check-generated` runs catches a hand edit, a missing and a stale module."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_unasync() -> ModuleType:
    spec = importlib.util.spec_from_file_location("unasync", ROOT / "codegen" / "unasync.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


unasync = load_unasync()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the QIDO package's _async/ and _sync/ (no ai/_async/: that package is skipped)."""
    for part in ("_async", "_sync"):
        shutil.copytree(ROOT / "sectra_dpat_client/qido" / part, tmp_path / "qido" / part)
    return tmp_path


def test_the_committed_sync_modules_are_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, "codegen/unasync.py", "--check"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_a_hand_edit_fails_the_check_and_a_write_repairs_it(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert unasync.check(tree) == 0
    client = tree / "qido/_sync/client.py"
    client.write_text(client.read_text().replace('"""Close the connections."""', '"""Close."""'))
    assert unasync.check(tree) == 1
    assert "qido/_sync/client.py differs" in capsys.readouterr().err
    assert unasync.write(tree) == 0
    assert unasync.check(tree) == 0


def test_a_missing_or_stale_sync_module_fails_the_check(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "qido/_sync/link.py").unlink()
    assert unasync.check(tree) == 1
    unasync.write(tree)
    (tree / "qido/_sync/leftover.py").write_text("x = 1\n")
    assert unasync.check(tree) == 1
    assert "leftover.py has no _async source" in capsys.readouterr().err
    unasync.write(tree)
    assert not (tree / "qido/_sync/leftover.py").exists()
    assert unasync.check(tree) == 0


def test_the_table_rewrites_async_code() -> None:
    source = '''\
from collections.abc import AsyncIterator
import httpx
from .._core.primitives import AsyncLock, asleep
class AsyncThing:
    """Use ``async with AsyncThing() as thing:``, then ``await thing.aclose()``."""
    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self._http = build_async_client(transport=transport)
        self._lock = AsyncLock()
    async def __aenter__(self) -> AsyncThing:
        return self
    async def aclose(self) -> None:
        await self._http.aclose()
    async def items(self) -> AsyncIterator[int]:
        async with self._lock:
            await asleep(0.1)
        async for chunk in (await self._http.get("/")).aiter_bytes():  # unasync: for chunk in self._http.get("/").iter_bytes():
            yield len(chunk)
        # unasync: drop
        await asyncio.sleep(0)
'''
    assert (
        unasync.unasync_source(source)
        == '''\
from collections.abc import Iterator
import httpx
from .._core.primitives import Lock, sleep
class Thing:
    """Use ``with Thing() as thing:``, then ``thing.close()``."""
    def __init__(self, transport: httpx.BaseTransport) -> None:
        self._http = build_client(transport=transport)
        self._lock = Lock()
    def __enter__(self) -> Thing:
        return self
    def close(self) -> None:
        self._http.close()
    def items(self) -> Iterator[int]:
        with self._lock:
            sleep(0.1)
        for chunk in self._http.get("/").iter_bytes():
            yield len(chunk)
'''
    )


def test_names_that_merely_contain_a_pattern_are_kept() -> None:
    assert (
        unasync.unasync_line("asyncio_mode = aclosed + awaited + readable")
        == "asyncio_mode = aclosed + awaited + readable"
    )
