"""Drive an image-analysis app as DPAT does: invocations, image notifications, registration.

Every payload is validated against the spec's webhook schemas before it is sent, so an app under
test only ever sees what a real DPAT could send.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx
import orjson

from ..errors import DPATConnectionError, DPATResponseError, DPATTimeoutError, error_for_status
from ..validate import validate
from .app import image_info
from .nulls import explicit_nulls, schema_pointer

if TYPE_CHECKING:
    from .server import DPATSimulator

__all__ = ["INVOCATION_ACTIONS", "AppDriver"]

INVOCATION_ACTIONS = ("create", "modify", "delete", "cancel")
_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class AppDriver:
    """Sends DPAT's requests to an app URL on behalf of a `DPATSimulator`."""

    def __init__(self, simulator: DPATSimulator) -> None:
        self._sim = simulator

    def _callback(self, token_ttl: float | None) -> dict[str, str]:
        ttl = self._sim.config.token_ttl if token_ttl is None else token_ttl
        return {"url": self._sim.url, "token": self._sim.issue_token(ttl)}

    def _context(self, application_id: str, context: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if context is not None:
            return dict(context)
        registered = self._sim.store.applications.get(application_id)
        return dict(registered.context) if registered is not None and registered.context is not None else None

    def invocation(
        self,
        *,
        action: str = "create",
        slide_id: str | None = None,
        input: Mapping[str, Any] | None = None,
        result_id: int | None = None,
        context: Mapping[str, Any] | None = None,
        application_id: str | None = None,
        cancellation_token: str | None = None,
        token_ttl: float | None = None,
    ) -> dict[str, Any]:
        """The invocation payload DPAT would send (validated against ``Invocation``).

        ``create`` defaults to a whole-slide input; ``modify`` and ``delete`` carry the stored result
        ``result_id`` (or ``input``, a ResultResponse as the user edited it); ``cancel`` has no input.
        """
        if action not in INVOCATION_ACTIONS:
            raise ValueError(f"action must be one of {', '.join(INVOCATION_ACTIONS)}")
        app_id = application_id or self._sim.app_id
        payload: dict[str, Any] = {"action": action, "applicationId": app_id}
        if action in ("modify", "delete"):
            if input is None:
                if result_id is None:
                    raise ValueError(f"{action} needs result_id or input (a ResultResponse)")
                input = self._sim.result(result_id)
            slide_id = slide_id or str(input["slideId"])
        payload["slideId"] = slide_id or self._sim.slide_ids[0]
        payload["callbackInfo"] = self._callback(token_ttl)
        payload["context"] = self._context(app_id, context)
        payload["cancellationToken"] = cancellation_token or secrets.token_hex(8)
        if action == "create":
            payload["input"] = dict(input) if input is not None else {"type": "wholeSlide"}
        elif action in ("modify", "delete") and input is not None:
            payload["input"] = dict(input)
        validate(payload, "Invocation")
        return self._nulls(payload, "Invocation")

    def invoke(self, app_url: str, *, action: str = "create", **kwargs: Any) -> httpx.Response:
        """POST an invocation to ``app_url`` and return the app's (read) answer."""
        return _post(app_url, self.invocation(action=action, **kwargs))

    async def ainvoke(self, app_url: str, *, action: str = "create", **kwargs: Any) -> httpx.Response:
        """`invoke` without blocking the event loop (for an app served in the test's own loop)."""
        return await _apost(app_url, self.invocation(action=action, **kwargs))

    def notification(
        self,
        slide_id: str,
        *,
        context: Mapping[str, Any] | None = None,
        application_id: str | None = None,
        with_action: bool = False,
        token_ttl: float | None = None,
    ) -> dict[str, Any]:
        """The image notification DPAT would send (validated against ``ImageNotification``).

        ``imageInfo`` is the basic scope (no PHI). ``with_action`` adds ``action: newImageFiles`` and a
        whole-slide ``input``, the form only amspath's code shows.
        """
        app_id = application_id or self._sim.app_id
        slide = self._sim.slide(slide_id)
        version = self._sim.app.api_version
        payload: dict[str, Any] = {
            "applicationId": app_id,
            "slideId": slide.id,
            "callbackInfo": self._callback(token_ttl),
            "context": self._context(app_id, context),
            "cancellationToken": secrets.token_hex(8),
            "imageInfo": image_info(slide, extended=False, phi=False, api_version=version),
        }
        if with_action:
            payload.update(action="newImageFiles", input={"type": "wholeSlide"})
        validate(payload, "ImageNotification")
        return self._nulls(payload, "ImageNotification")

    def _nulls(self, payload: dict[str, Any], schema: str) -> dict[str, Any]:
        """The payload as the simulator writes it: with explicit nulls when it answers like .NET."""
        if not self._sim.config.nulls:
            return payload
        # A copy: explicit_nulls fills dicts in place, and the payload shares a modify's input with the store.
        filled: dict[str, Any] = explicit_nulls(orjson.loads(orjson.dumps(payload)), schema_pointer(schema))
        return filled

    def notify_new_image(self, app_url: str, slide_id: str, **kwargs: Any) -> httpx.Response:
        """POST an image notification to ``<app_url>/imagenotification`` and return the app's answer."""
        return _post(_notification_url(app_url), self.notification(slide_id, **kwargs))

    async def anotify_new_image(self, app_url: str, slide_id: str, **kwargs: Any) -> httpx.Response:
        """`notify_new_image` without blocking the event loop."""
        return await _apost(_notification_url(app_url), self.notification(slide_id, **kwargs))

    def fetch_registration(self, app_url: str) -> dict[str, Any]:
        """GET the app URL as the admin's "Retrieve registration Info" does; raises on an invalid answer."""
        unanswered = _Unanswered()
        with unanswered, httpx.Client(timeout=_TIMEOUT) as client:
            response = client.get(app_url)
        unanswered.raise_failure()
        if response.status_code != 200:
            raise error_for_status(response.status_code, response.text, "<app URL>", method="GET")
        try:
            registration = response.json()
        except ValueError:
            raise DPATResponseError("the registration answer is not JSON", path="<app URL>") from None
        validate(registration, "Registration")
        checked: dict[str, Any] = registration
        return checked


def _notification_url(app_url: str) -> str:
    return app_url.rstrip("/") + "/imagenotification"


def _transport_error(exc: httpx.TransportError) -> DPATConnectionError:
    """The error to raise for an app that did not answer; it chains nothing.

    The httpx error holds the request, whose body (an invocation or a notification) carries the callback token.
    """
    what = f"the app did not answer ({type(exc).__name__})"
    return DPATTimeoutError(what) if isinstance(exc, httpx.TimeoutException) else DPATConnectionError(what)


class _Unanswered:
    """``with unanswered:`` around a request (sync or async): a transport failure ends the block and is kept
    as its `_transport_error`; `raise_failure` then raises it outside any ``except``, so not even
    ``__context__`` holds the httpx error. Every other exception passes through."""

    def __init__(self) -> None:
        self.failure: DPATConnectionError | None = None

    def __enter__(self) -> _Unanswered:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if isinstance(exc, httpx.TransportError):
            self.failure = _transport_error(exc)
            return True
        return False

    def raise_failure(self) -> None:
        """Raise the kept failure, if the block had one."""
        if self.failure is not None:
            raise self.failure


def _post(url: str, payload: dict[str, Any]) -> httpx.Response:
    unanswered = _Unanswered()
    with unanswered, httpx.Client(timeout=_TIMEOUT) as client:
        response = client.post(url, json=payload)
    unanswered.raise_failure()
    return response


async def _apost(url: str, payload: dict[str, Any]) -> httpx.Response:
    unanswered = _Unanswered()
    with unanswered:
        async with httpx.AsyncClient(timeout=_TIMEOUT) as client:
            response = await client.post(url, json=payload)
    unanswered.raise_failure()
    return response
