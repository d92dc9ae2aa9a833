"""CelerySettings from the environment, and `sectra-dpat worker` refusing what it cannot run (no services)."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from sectra_dpat_client.app.backends import DPATBackendConfigError
from sectra_dpat_client.app.backends.settings import CelerySettings
from sectra_dpat_client.cli import main

KEY = "GLvT5gcy7N-f_P89jPhmto3UKe1G4NepS3JphNbIAa0="
URL = "redis://:s3cret-pw@127.0.0.1:6379/0"


def test_from_env_reads_every_variable() -> None:
    env = {
        "DPAT_BROKER_URL": URL,
        "DPAT_JOB_KEY": KEY,
        "DPAT_WORKER_POOL": "threads",
        "DPAT_WORKER_CONCURRENCY": "4",
        "DPAT_CANCEL_GRACE": "2.5",
        "DPAT_USERNAME": "u",
        "DPAT_PASSWORD": "p",
    }
    settings = CelerySettings.from_env(env)
    assert (settings.pool, settings.concurrency, settings.cancel_grace) == ("threads", 4, 2.5)
    assert settings.credentials == ("u", "p")
    assert "s3cret" not in repr(settings)
    assert KEY not in repr(settings)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DPAT_JOB_KEY": KEY}, "DPAT_BROKER_URL"),
        ({"DPAT_BROKER_URL": URL}, "DPAT_JOB_KEY"),
        ({"DPAT_BROKER_URL": "amqp://x", "DPAT_JOB_KEY": KEY}, "DPAT_BROKER_URL"),
        ({"DPAT_BROKER_URL": URL, "DPAT_JOB_KEY": KEY, "DPAT_WORKER_POOL": "gevent"}, "DPAT_WORKER_POOL"),
        ({"DPAT_BROKER_URL": URL, "DPAT_JOB_KEY": KEY, "DPAT_WORKER_CONCURRENCY": "two"}, "DPAT_WORKER_CONCURRENCY"),
        ({"DPAT_BROKER_URL": URL, "DPAT_JOB_KEY": KEY, "DPAT_WORKER_CONCURRENCY": "0"}, "DPAT_WORKER_CONCURRENCY"),
    ],
)
def test_bad_configuration_is_a_typed_error_naming_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(DPATBackendConfigError, match=named) as caught:
        CelerySettings.from_env(env)
    assert "s3cret" not in str(caught.value)


def test_worker_command_refuses_what_is_not_a_celery_app() -> None:
    runner = CliRunner()
    no_colon = runner.invoke(main, ["worker", "tests.scale.scale_app"])
    assert no_colon.exit_code == 2
    assert "MODULE:APP" in no_colon.output
    missing = runner.invoke(main, ["worker", "tests.scale.no_such_module:app"])
    assert missing.exit_code == 2
    assert "cannot import" in missing.output
    not_app = runner.invoke(main, ["worker", "tests.scale.scale_app:build_app"])
    assert not_app.exit_code == 2
    assert "not an AnalysisApp" in not_app.output
    in_process = runner.invoke(main, ["worker", "tests.scale.test_settings:IN_PROCESS"])
    assert in_process.exit_code == 2
    assert "no CeleryBackend" in in_process.output


def _in_process_app() -> object:
    from sectra_dpat_client.app import AnalysisApp

    return AnalysisApp(application_id="x", display_name="x", manufacturer="x")


IN_PROCESS = _in_process_app()


def test_bad_broker_port_is_a_typed_error_without_the_url() -> None:
    with pytest.raises(DPATBackendConfigError, match="DPAT_BROKER_URL has an invalid port") as caught:
        CelerySettings.from_env({"DPAT_BROKER_URL": "redis://:s3cret-pw@127.0.0.1:s3cret/0", "DPAT_JOB_KEY": KEY})
    assert "s3cret" not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


@pytest.mark.parametrize("job_key", ["s3cret-short", "s3cret-\u00e9-" + "x" * 36])
def test_bad_job_key_is_a_typed_error_quoting_none_of_it(job_key: str) -> None:
    from sectra_dpat_client.app.backends.celery_backend import CeleryBackend

    with pytest.raises(DPATBackendConfigError, match="DPAT_JOB_KEY is not a Fernet key") as caught:
        CeleryBackend(CelerySettings.from_env({"DPAT_BROKER_URL": URL, "DPAT_JOB_KEY": job_key}))
    assert "s3cret" not in str(caught.value)
    assert "\u00e9" not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_backend_misuse_is_a_typed_error() -> None:
    from sectra_dpat_client.app import AnalysisApp
    from sectra_dpat_client.app.backends.celery_backend import CeleryBackend

    backend = CeleryBackend(CelerySettings.from_env({"DPAT_BROKER_URL": URL, "DPAT_JOB_KEY": KEY}))
    with pytest.raises(DPATBackendConfigError, match="not bound"):
        _ = backend.app
    AnalysisApp(application_id="one", display_name="x", manufacturer="x", backend=backend)
    with pytest.raises(DPATBackendConfigError, match="serves one AnalysisApp"):
        AnalysisApp(application_id="two", display_name="x", manufacturer="x", backend=backend)


def test_worker_command_reports_a_configuration_error_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DPAT_BROKER_URL", raising=False)
    monkeypatch.setenv("DPAT_JOB_KEY", KEY)
    monkeypatch.delitem(sys.modules, "examples.tissue_area_celery", raising=False)
    result = CliRunner().invoke(main, ["worker", "examples.tissue_area_celery:app"])
    assert result.exit_code == 1, result.output
    assert "DPAT_BROKER_URL is not set" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
