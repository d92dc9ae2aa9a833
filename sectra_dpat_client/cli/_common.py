"""What every IA-API command shares: connection options, ``--json`` output, logging, exit codes, errors.

Exit status of every command: 0 done, 1 failed (the server refused or answered wrong, the input is
invalid, nothing to write), 2 usage (a bad option or argument, missing credentials, input that is not
JSON). With ``--json`` the answer is one JSON document on standard output (keys sorted, the IA-API's
wire names); errors always go to standard error, as one JSON object ``{"error": {...}}`` with ``--json``.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, NoReturn, TypeVar

import click

from .._core.redact import MASK, RedactingFilter, install_log_redaction
from ..errors import DPATError, DPATQueryError, DPATRequestError, DPATValidationError

__all__ = [
    "EXIT_FAILURE",
    "EXIT_OK",
    "EXIT_USAGE",
    "Invocation",
    "api_command_options",
    "configure_logging",
    "jsonable",
    "logging_options",
]

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

_LOGGERS = ("sectra_dpat_client", "httpx", "httpcore", "httpx_retries")

# Subjects whose value is an accession number (it identifies a patient's case): errors name them, never their value.
_PHI_SUBJECTS = frozenset({"case", "request"})


def configure_logging(verbose: int, debug: bool) -> None:
    """Log to standard error: ``-v`` the library's INFO, ``-vv``/``--debug`` DEBUG including httpx requests.

    Every handler's records pass the redacting filter: tokens, passwords and query secrets are masked.
    """
    for name in _LOGGERS:  # a second run in the same process (tests) starts from a clean slate
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if isinstance(h, _StderrHandler)]:
            logger.removeHandler(old)
            logger.setLevel(logging.NOTSET)
    if not verbose and not debug:
        return
    level = logging.DEBUG if debug or verbose > 1 else logging.INFO
    install_log_redaction()
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    for name in _LOGGERS:
        if name != "sectra_dpat_client" and level > logging.DEBUG:
            continue  # httpx's request lines only with --debug
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(level)


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time of the record (test runners swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


def _set_logging(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    meta = ctx.meta.setdefault("sectra_dpat.logging", {"verbose": 0, "debug": False})
    if param.name == "verbose":
        meta["verbose"] = max(meta["verbose"], int(value or 0))
    elif value:
        meta["debug"] = True
    configure_logging(meta["verbose"], meta["debug"])
    return value


def logging_options(function: F) -> F:
    """``-v/--verbose`` (repeatable) and ``--debug``; both log to standard error, redacted."""
    function = click.option(
        "--debug",
        is_flag=True,
        expose_value=False,
        callback=_set_logging,
        help="Log every request and retry (DEBUG), secrets redacted.",
    )(function)
    return click.option(
        "-v",
        "--verbose",
        count=True,
        expose_value=False,
        callback=_set_logging,
        help="Log what the library does (INFO); -vv is --debug.",
    )(function)


def jsonable(value: Any) -> Any:
    """Plain JSON data for a generated model, a list of them, bytes, a mapping or a scalar."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return jsonable(to_dict())
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, Path):
        return str(value)
    enum_value = getattr(value, "value", None)
    if isinstance(enum_value, str | int):
        return enum_value
    return str(value)


@dataclass(frozen=True)
class Connection:
    """Where and as whom to call the IA-API (the values of the connection options)."""

    url: str | None
    token: str | None
    app_id: str | None
    username: str | None
    password: str | None


class Invocation:
    """One run of a command: its connection, its output mode and its error reporting."""

    def __init__(self, connection: Connection, as_json: bool) -> None:
        self.connection = connection
        self.as_json = as_json

    # -- the client -----------------------------------------------------------------------------

    def client(self, *, need_auth: bool = True) -> Any:
        """A `DPATAIClient` from the options; missing or conflicting credentials are a usage error (2)."""
        from ..ai import DPATAIClient

        c = self.connection
        if not c.url:
            raise click.UsageError("give --url or set SECTRA_DPAT_URL (the IA-API base URL)")
        if c.token and (c.username or c.password):
            raise click.UsageError("give either --token or --username/--password, not both")
        if bool(c.username) != bool(c.password):
            missing = "--password (or SECTRA_DPAT_PASSWORD)" if c.username else "--username (or SECTRA_DPAT_USERNAME)"
            raise click.UsageError(f"--username and --password go together: give {missing}")
        if need_auth and not c.token and not c.username:
            raise click.UsageError("give --token (or SECTRA_DPAT_TOKEN), or --username and --password with --app-id")
        try:
            if c.username and c.password:
                if not c.app_id:
                    raise click.UsageError("--username/--password need --app-id (or SECTRA_DPAT_APP_ID)")
                return DPATAIClient.from_credentials(c.url, c.app_id, c.username, c.password)
            return DPATAIClient(c.url, token=c.token or None, app_id=c.app_id or None)
        except DPATError as exc:
            raise click.UsageError(str(exc)) from None

    # -- output ---------------------------------------------------------------------------------

    def emit(self, value: Any, human: Callable[[Any], str] | None = None) -> None:
        """Print ``value``: JSON with ``--json``, else ``human(value)`` (default: ``key: value`` lines)."""
        data = jsonable(value)
        if self.as_json:
            click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))
        else:
            click.echo(human(value) if human is not None else describe(data))

    @contextmanager
    def reporting(self, **subject: object) -> Iterator[None]:
        """Turn a library error into a message naming ``subject`` (e.g. ``slide="S1"``) and the exit code."""
        try:
            yield
        except DPATQueryError as exc:
            self.fail(exc, subject, EXIT_USAGE)
        except DPATError as exc:
            self.fail(exc, subject, EXIT_FAILURE)

    def fail(self, exc: BaseException | str, subject: Mapping[str, object], code: int = EXIT_FAILURE) -> NoReturn:
        """Report a failure on standard error and exit with ``code``; an accession number is never shown."""
        shown = {key: value for key, value in subject.items() if value is not None}
        about = ", ".join(key if key in _PHI_SUBJECTS else f"{key} {value}" for key, value in shown.items())
        message = str(exc)
        if self.as_json:
            error: dict[str, Any] = {"message": message, "exit_code": code}
            if isinstance(exc, BaseException):
                error["type"] = type(exc).__name__
            if isinstance(exc, DPATRequestError):
                error["status_code"] = exc.status_code
            if isinstance(exc, DPATValidationError):
                error["faults"] = [{"path": f.path, "message": f.message} for f in exc.faults]
            error.update({key: MASK if key in _PHI_SUBJECTS else str(value) for key, value in shown.items()})
            click.echo(json.dumps({"error": error}, sort_keys=True, ensure_ascii=False), err=True)
        else:
            prefix = "usage error" if code == EXIT_USAGE else "error"
            click.echo(f"{prefix}: {about}: {message}" if about else f"{prefix}: {message}", err=True)
        sys.exit(code)

    def write_bytes(self, data: bytes, out: str, **subject: object) -> dict[str, Any]:
        """Write ``data`` to ``out`` ('-' is standard output) whole or not at all; returns what was written."""
        if out == "-":
            if self.as_json:
                raise click.UsageError("--json prints a description: give --output FILE, not '-'")
            stream: BinaryIO = sys.stdout.buffer
            stream.write(data)
            stream.flush()
            return {"path": "-", "bytes": len(data)}
        path = Path(out)
        temp = path.with_name(path.name + ".part")
        try:
            temp.write_bytes(data)
            os.replace(temp, path)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            self.fail(f"cannot write {path}: {exc.strerror or exc}", subject)
        return {"path": str(path), "bytes": len(data)}


def describe(data: Any, indent: str = "") -> str:
    """``key: value`` lines for people; nested values indented, lists numbered."""
    if isinstance(data, Mapping):
        lines = []
        for key in sorted(data):
            value = data[key]
            if isinstance(value, Mapping | list) and value:
                lines.append(f"{indent}{key}:")
                lines.append(describe(value, indent + "  "))
            else:
                lines.append(f"{indent}{key}: {_scalar(value)}")
        return "\n".join(lines) if lines else f"{indent}(empty)"
    if isinstance(data, list):
        if not data:
            return f"{indent}(none)"
        parts = []
        for number, item in enumerate(data, 1):
            if isinstance(item, Mapping | list):
                parts.append(f"{indent}[{number}]")
                parts.append(describe(item, indent + "  "))
            else:
                parts.append(f"{indent}- {_scalar(item)}")
        return "\n".join(parts)
    return f"{indent}{_scalar(data)}"


def _scalar(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, Mapping | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


_CONNECTION = ("url", "token", "app_id", "username", "password")


def _read_credentials(path: Path) -> dict[str, str]:
    """``url``, ``token`` and ``app_id`` from a credentials file; anything unreadable is a usage error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.BadParameter(f"cannot read {path}: {exc.__class__.__name__}", param_hint="--credentials") from None
    if not isinstance(data, dict):
        raise click.BadParameter(f"{path} holds no JSON object", param_hint="--credentials")
    return {key: value for key in ("url", "token", "app_id") if isinstance(value := data.get(key), str) and value}


def api_command_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The options every IA-API command takes; the command receives ``run: Invocation`` instead of them."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in _CONNECTION}
        credentials = kwargs.pop("credentials")
        if credentials is not None:
            for name, value in _read_credentials(credentials).items():
                given[name] = given[name] or value
        connection = Connection(**given)
        run = Invocation(connection, bool(kwargs.pop("as_json")))
        return function(*args, run=run, **kwargs)

    options = [
        click.option("--url", envvar="SECTRA_DPAT_URL", show_envvar=True, help="IA-API base URL."),
        click.option("--token", envvar="SECTRA_DPAT_TOKEN", show_envvar=True, help="Bearer (callback) token."),
        click.option(
            "--app-id", envvar="SECTRA_DPAT_APP_ID", show_envvar=True, help="Application id (result calls, /token)."
        ),
        click.option(
            "--username", envvar="SECTRA_DPAT_USERNAME", show_envvar=True, help="Sectra user, instead of a token."
        ),
        click.option("--password", envvar="SECTRA_DPAT_PASSWORD", show_envvar=True, help="That user's password."),
        click.option(
            "--credentials",
            envvar="SECTRA_DPAT_CREDENTIALS",
            show_envvar=True,
            type=click.Path(dir_okay=False, exists=True, path_type=Path),
            help="JSON file with url/token/app_id (as `sectra-dpat simulate` writes); options win.",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print stable machine-readable JSON."),
    ]
    decorated: Callable[..., Any] = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return logging_options(decorated)
