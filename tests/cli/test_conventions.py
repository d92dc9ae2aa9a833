"""The same conventions on every IA-API command: env vars in --help, exit codes, redacted -v/--debug logs."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sectra_dpat_client.cli import main

from .conftest import Cli

IA_API_COMMANDS = [
    ["info"],
    ["application"],
    ["launchdata"],
    ["slide"],
    ["case"],
    ["label"],
    ["tile"],
    ["region"],
    ["attachment"],
    ["qc", "get"],
    ["qc", "set"],
    ["results", "list"],
    ["results", "get"],
    ["results", "create"],
    ["results", "update"],
    ["results", "upsert"],
]
ENV_VARS = (
    "SECTRA_DPAT_URL",
    "SECTRA_DPAT_TOKEN",
    "SECTRA_DPAT_USERNAME",
    "SECTRA_DPAT_PASSWORD",
    "SECTRA_DPAT_APP_ID",
)


@pytest.mark.parametrize("command", IA_API_COMMANDS, ids=" ".join)
def test_help_names_env_vars_and_common_options(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0
    for name in ENV_VARS:
        assert name in result.stdout, (command, name)
    for option in ("--json", "--verbose", "--debug", "--credentials"):
        assert option in result.stdout, (command, option)


def test_main_help_documents_exit_codes() -> None:
    result = CliRunner().invoke(main, ["--help"], terminal_width=200)
    assert "Exit status: 0 done, 1 failed" in result.stdout
    assert "2 usage error" in result.stdout


ARGUMENTS = {
    "info": [],
    "application": ["a"],
    "launchdata": ["R", "--session-token", "t"],
    "tile": ["S", "0", "0", "0", "-o", "x"],
    "region": ["S", "0", "0", "1", "1", "-o", "x"],
    "attachment": ["1", "a", "-o", "x"],
    "label": ["S", "-o", "x"],
    "qc set": ["S", "ok"],
}


@pytest.mark.parametrize("command", IA_API_COMMANDS, ids=" ".join)
def test_missing_url_is_a_usage_error(command: list[str], tmp_path: Path) -> None:
    payload = tmp_path / "r.json"
    payload.write_text('{"slideId": "S", "id": 1, "versionId": "1"}', encoding="utf-8")
    key = " ".join(command)
    extra = ARGUMENTS.get(key, ARGUMENTS.get(command[0], [str(payload)] if command[0] == "results" else ["S"]))
    if key in ("results get",):
        extra = ["1"]
    result = CliRunner().invoke(main, [*command, *extra], env=dict.fromkeys(ENV_VARS, ""))
    assert result.exit_code == 2, (command, result.output)
    assert "SECTRA_DPAT_URL" in result.stderr


def test_token_and_password_together_is_a_usage_error(cli: Cli) -> None:
    env = {**cli.env, "SECTRA_DPAT_USERNAME": "simuser", "SECTRA_DPAT_PASSWORD": cli.dpat.password}
    result = cli("info", env=env)
    assert result.exit_code == 2
    assert cli.dpat.password not in result.output


def test_username_and_password_log_in_through_token(cli: Cli) -> None:
    env = {
        **cli.env,
        "SECTRA_DPAT_TOKEN": "",
        "SECTRA_DPAT_USERNAME": "simuser",
        "SECTRA_DPAT_PASSWORD": cli.dpat.password,
    }
    assert cli("info", env=env).exit_code == 0
    assert cli.dpat.request_count("createToken") == 1


def test_debug_logs_requests_with_secrets_redacted(cli: Cli) -> None:
    accession = cli.dpat.slide(cli.dpat.slide_ids[0]).accession_number
    session = cli.dpat.session_token
    result = cli("launchdata", accession, "--session-token", session, "--debug")
    assert result.exit_code == 0, result.stderr
    assert "/launchdata" in result.stderr  # httpx's request line is there
    assert session not in result.stderr
    assert session not in result.stdout
    assert cli.dpat.token not in result.stderr


def test_verbose_is_quiet_about_httpx_and_plain_run_logs_nothing(cli: Cli) -> None:
    quiet = cli("info")
    assert quiet.stderr == ""
    verbose = cli("info", "-v")
    assert verbose.exit_code == 0
    assert "HTTP Request" not in verbose.stderr  # httpx's lines only with --debug / -vv


def test_download_and_qido_take_the_logging_options(cli: Cli, tmp_path: Path) -> None:
    download = cli("download", cli.dpat.slide_ids[0], "--dest", str(tmp_path), "-q", "--debug")
    assert download.exit_code == 0, download.stderr
    assert "/files" in download.stderr
    assert cli.dpat.token not in download.stderr
    qido_url = cli.dpat.root_url + "/dicom-web"
    qido = cli(
        "qido", "studies", "--url", qido_url, "--username", cli.dpat.username, "--password", cli.dpat.password,
        "--json", "--debug",
    )  # fmt: skip
    assert qido.exit_code == 0, qido.stderr
    assert "/studies" in qido.stderr
    assert cli.dpat.password not in qido.stderr
