"""Shared fixtures of the CLI tests: a CliRunner bound to a simulator's URL and credentials."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sectra_dpat_client.cli import main
from sectra_dpat_client.simulator import DPATSimulator


@dataclass
class Cli:
    """Runs `sectra-dpat` in-process with the simulator's environment."""

    dpat: DPATSimulator
    env: dict[str, str]

    def __call__(self, *args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(main, list(args), env=env if env is not None else self.env, input=input)

    def json(self, *args: str, expect: int = 0) -> Any:
        result = self(*args, "--json")
        assert result.exit_code == expect, (result.exit_code, result.stdout, result.stderr)
        return json.loads(result.stdout)


def env_for(dpat: DPATSimulator) -> dict[str, str]:
    return {
        "SECTRA_DPAT_URL": dpat.url,
        "SECTRA_DPAT_TOKEN": dpat.token,
        "SECTRA_DPAT_APP_ID": dpat.app_id,
        "SECTRA_DPAT_USERNAME": "",
        "SECTRA_DPAT_PASSWORD": "",
    }


@pytest.fixture
def cli(dpat_simulator: DPATSimulator) -> Cli:
    return Cli(dpat_simulator, env_for(dpat_simulator))


def error_of(result: Result) -> dict[str, Any]:
    """The JSON error object a --json run printed on standard error."""
    lines = [line for line in result.stderr.splitlines() if line.startswith("{")]
    assert lines, result.stderr
    error: dict[str, Any] = json.loads(lines[-1])["error"]
    return error


Runner = Callable[[Sequence[str]], Result]
