"""`sectra-dpat validate`: exit 0 valid, 1 invalid with every fault listed, 2 usage error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sectra_dpat_client.cli import main

from .examples import PRIMITIVE_RESULT
from .test_generated_roundtrip import CASES, _model_for
from .test_nulls import _null_filled


def _write(tmp_path: Path, payload: object, name: str = "payload.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def test_valid_result_exits_zero(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(_write(tmp_path, PRIMITIVE_RESULT)), "--schema", "Result"])
    assert result.exit_code == 0, result.output
    assert "valid Result" in result.output


def test_bad_result_lists_each_fault_with_its_path(tmp_path: Path) -> None:
    bad = json.loads(json.dumps(PRIMITIVE_RESULT))
    del bad["slideId"]
    bad["data"]["result"]["content"][0]["polygons"][0]["points"][1] = {"x": 1}
    result = CliRunner().invoke(main, ["validate", str(_write(tmp_path, bad)), "--schema", "Result"])
    assert result.exit_code == 1
    assert "2 fault(s)" in result.output
    assert "$: 'slideId' is a required property" in result.output
    assert "$.data.result.content[0].polygons[0].points[1]: 'y' is a required property" in result.output


def test_not_json_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path), "--schema", "Result"])
    assert result.exit_code == 2
    assert "not JSON" in result.output


def test_usage_errors_exit_two(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["validate", str(_write(tmp_path, {})), "--schema", "Nope"]).exit_code == 2
    assert runner.invoke(main, ["validate", str(_write(tmp_path, {}))]).exit_code == 2
    assert runner.invoke(main, ["validate", str(tmp_path / "missing.json"), "--schema", "Result"]).exit_code == 2


def test_list_shows_schema_names() -> None:
    result = CliRunner().invoke(main, ["validate", "--list"])
    assert result.exit_code == 0
    assert "Result" in result.output.splitlines()


def test_installed_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("sectra-dpat")
    done = subprocess.run(
        [str(script), "validate", str(_write(tmp_path, {"slideId": 3})), "--schema", "Result"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1
    assert "$.slideId: expected string" in done.stderr


@pytest.mark.parametrize("schema", ["ImageInfo", "Invocation"])
def test_null_filled_payloads_are_valid(tmp_path: Path, schema: str) -> None:
    """A .NET-style answer (every optional property null, nested ones too) passes `validate`: exit 0."""
    payload = next(p for s, _, p in CASES if s == schema)
    filled = _null_filled(_model_for(schema, payload).from_dict(payload))
    assert None in filled.values()
    result = CliRunner().invoke(main, ["validate", str(_write(tmp_path, filled)), "--schema", schema])
    assert result.exit_code == 0, result.output
    assert f"valid {schema}" in result.output
