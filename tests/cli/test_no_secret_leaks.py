"""Nothing a command prints or logs (standard output, standard error, --debug, --json) holds a token, a
password, a session token or an accession number (it identifies the patient's case)."""

from __future__ import annotations

import pytest

from .conftest import Cli

ACCESSION = "ACC-PHI-9876543"
SESSION = "sess-s3cr3t-T0KEN"


def _assert_absent(output: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in output, secret


@pytest.mark.parametrize("extra", [(), ("--json",), ("--debug",)])
def test_a_failed_case_lookup_does_not_print_the_accession_number(cli: Cli, extra: tuple[str, ...]) -> None:
    result = cli("case", ACCESSION, *extra)
    assert result.exit_code == 1, result.output
    assert "case" in result.stderr  # the error still says what failed
    _assert_absent(result.stdout + result.stderr, ACCESSION, cli.dpat.token)


@pytest.mark.parametrize("extra", [(), ("--json",), ("--debug",)])
def test_a_failed_launch_lookup_prints_neither_request_id_nor_session_token(cli: Cli, extra: tuple[str, ...]) -> None:
    result = cli("launchdata", ACCESSION, "--session-token", SESSION, *extra)
    assert result.exit_code == 1, result.output
    _assert_absent(result.stdout + result.stderr, ACCESSION, SESSION, cli.dpat.token)


def test_a_successful_launch_lookup_prints_no_callback_or_session_token(cli: Cli) -> None:
    accession = cli.dpat.slide(cli.dpat.slide_ids[0]).accession_number
    for extra in ((), ("--json",), ("--debug",)):
        result = cli("launchdata", accession, "--session-token", cli.dpat.session_token, *extra)
        assert result.exit_code == 0, result.output
        _assert_absent(result.stdout + result.stderr, cli.dpat.session_token, cli.dpat.token)
