"""`CelerySettings`: the Celery backend's configuration, read from ``DPAT_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .base import DPATBackendConfigError

__all__ = ["POOLS", "CelerySettings"]

POOLS = ("prefork", "threads", "solo")


@dataclass(frozen=True)
class CelerySettings:
    """How the receiver and the workers reach Redis and run jobs (the same values on both sides).

    ============================  ================================================================
    ``DPAT_BROKER_URL``           ``redis://:password@host:6379/0`` (required): broker and job store
    ``DPAT_JOB_KEY``              Fernet key (required) sealing the callback token in each message;
                                  ``python -c "from cryptography.fernet import Fernet;
                                  print(Fernet.generate_key().decode())"``
    ``DPAT_QUEUE``                queue name (``dpat``)
    ``DPAT_WORKER_POOL``          ``prefork`` (default; CPU work), ``threads`` or ``solo`` (GPU:
                                  CUDA does not survive fork, so no prefork there)
    ``DPAT_WORKER_CONCURRENCY``   jobs per worker at once (1)
    ``DPAT_CANCEL_GRACE``         seconds a cancelled handler has to stop by itself (10); then an
                                  async handler's task is cancelled and a sync handler gets
                                  InvocationCancelledError raised in its thread; still running 1 s
                                  later (a long C call), a prefork pool process marks the job
                                  cancelled and ends itself (Celery starts a new one); threads/solo
                                  pools cannot end a handler stuck in a C call
    ``DPAT_TOKEN_MAX_AGE``        seconds a callback token is trusted after DPAT sent it (3000);
                                  older jobs use credentials mode or fail visibly
    ``DPAT_USERNAME`` / ``DPAT_PASSWORD``  credentials mode for such jobs (``POST /token``)
    ``DPAT_LEASE_SECONDS``        a running job's lease, renewed while it runs (30); a redelivered
                                  job whose lease is alive waits instead of running twice
    ``DPAT_VISIBILITY_TIMEOUT``   seconds before Redis redelivers a job of a vanished worker (3600)
    ``DPAT_RETRY_AFTER``          the Retry-After of a 503 while Redis is down (5)
    ============================  ================================================================
    """

    broker_url: str = field(repr=False)
    job_key: str = field(repr=False)
    queue: str = "dpat"
    pool: str = "prefork"
    concurrency: int = 1
    cancel_grace: float = 10.0
    token_max_age: float = 3000.0
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    lease_seconds: float = 30.0
    visibility_timeout: float = 3600.0
    retry_after: int = 5
    record_ttl: int = 7 * 24 * 3600

    def __post_init__(self) -> None:
        if not self.broker_url.startswith(("redis://", "rediss://", "unix://")):
            raise DPATBackendConfigError("DPAT_BROKER_URL must be a redis://, rediss:// or unix:// URL")
        try:
            _ = urlsplit(self.broker_url).port
        except ValueError:  # its text quotes the URL's port part: never the URL
            raise DPATBackendConfigError("DPAT_BROKER_URL has an invalid port") from None
        if self.pool not in POOLS:
            raise DPATBackendConfigError(f"DPAT_WORKER_POOL must be one of {', '.join(POOLS)}")
        if self.concurrency < 1:
            raise DPATBackendConfigError("DPAT_WORKER_CONCURRENCY must be at least 1")
        if self.lease_seconds <= 0 or self.visibility_timeout <= 0 or self.cancel_grace < 0:
            raise DPATBackendConfigError(
                "DPAT_LEASE_SECONDS, DPAT_VISIBILITY_TIMEOUT must be > 0, DPAT_CANCEL_GRACE >= 0"
            )

    @property
    def credentials(self) -> tuple[str, str] | None:
        """``(username, password)`` when credentials mode is configured."""
        return None if not self.username or not self.password else (self.username, self.password)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> CelerySettings:
        """Settings from ``env`` (default ``os.environ``); keyword arguments win over the environment."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for name, key, kind in _VARIABLES:
            raw = env.get(key)
            if raw is None or raw == "":
                continue
            try:
                values[name] = kind(raw)
            except ValueError:
                raise DPATBackendConfigError(f"{key} is not a valid {kind.__name__}") from None
        values.update(overrides)
        for name, key in (("broker_url", "DPAT_BROKER_URL"), ("job_key", "DPAT_JOB_KEY")):
            if not values.get(name):
                raise DPATBackendConfigError(f"{key} is not set")
        return cls(**values)  # type: ignore[arg-type]


_VARIABLES: tuple[tuple[str, str, type], ...] = (
    ("broker_url", "DPAT_BROKER_URL", str),
    ("job_key", "DPAT_JOB_KEY", str),
    ("queue", "DPAT_QUEUE", str),
    ("pool", "DPAT_WORKER_POOL", str),
    ("concurrency", "DPAT_WORKER_CONCURRENCY", int),
    ("cancel_grace", "DPAT_CANCEL_GRACE", float),
    ("token_max_age", "DPAT_TOKEN_MAX_AGE", float),
    ("username", "DPAT_USERNAME", str),
    ("password", "DPAT_PASSWORD", str),
    ("lease_seconds", "DPAT_LEASE_SECONDS", float),
    ("visibility_timeout", "DPAT_VISIBILITY_TIMEOUT", float),
    ("retry_after", "DPAT_RETRY_AFTER", int),
)
