"""`sectra-dpat simulate --nulls` answers like a .NET DPAT: absent optional properties written as null."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from sectra_dpat_client.validate import validate


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "PYTHONPATH", "SECTRA_DPAT"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _image_info(*flags: str) -> dict[str, object]:
    """Start `sectra-dpat simulate` with ``flags``, fetch the first slide's image info, stop it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sectra_dpat_client", "simulate", "--slides", "1", *flags],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(4)]
        by_prefix = {line.split(" ", 1)[0]: line for line in lines}
        slide_id = by_prefix["slides:"].split(" ", 1)[1]
        credentials = json.loads(Path(by_prefix["token"].rsplit(" ", 1)[1]).read_text(encoding="utf-8"))
        answer = httpx.get(
            f"{credentials['url']}/slides/{slide_id}/info",
            headers={"Authorization": f"Bearer {credentials['token']}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        info: dict[str, object] = answer.json()
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=30)  # reads both pipes: a full one would block its exit
        assert process.returncode == 0, errors[-2000:]
        return info
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_simulate_nulls_writes_explicit_nulls() -> None:
    info = _image_info("--nulls")
    assert "bodyPart" in info
    assert info["bodyPart"] is None
    validate(info, "ImageInfo")


def test_simulate_without_nulls_leaves_them_out() -> None:
    assert "bodyPart" not in _image_info()


def test_absent_values_read_as_none_in_cli_output_and_path_segments() -> None:
    """With no Unset left in the models, None is the one absent value the CLI and path checks see."""
    from sectra_dpat_client.ai.arguments import path_segment
    from sectra_dpat_client.cli._common import jsonable
    from sectra_dpat_client.errors import DPATQueryError
    from sectra_dpat_client.models import ImageInfo

    from ..spec.examples import IMAGE_INFO_BASIC

    parsed = ImageInfo.from_dict({**IMAGE_INFO_BASIC, "bodyPart": None})
    assert parsed.body_part is None
    assert "bodyPart" not in jsonable(parsed)
    assert jsonable({"a": None, "b": [parsed.body_part]}) == {"a": None, "b": [None]}
    with pytest.raises(DPATQueryError, match=r"accession_number is absent.*phi=True"):
        path_segment("accession_number", parsed.accession_number)  # type: ignore[arg-type]
