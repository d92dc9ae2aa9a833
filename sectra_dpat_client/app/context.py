"""`InvocationContext`: what a handler gets for one invocation or image notification."""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ParamSpec, TypeVar, cast

import anyio.from_thread
import anyio.to_thread
import orjson

from sectra_dpat_client.models import (
    CancelInvocation,
    CreateInvocation,
    DeleteInvocation,
    ImageInfo,
    ImageNotification,
    ModifyInvocation,
    MultiAreaInput,
    Result,
    ResultResponse,
    ResultUpdate,
    TaggedPolygonInput,
    UnknownInput,
    WholeSlideInput,
)

from ..ai import AsyncDPATAIClient
from ..ai.fastpath import FastResult
from ..errors import DPATConflictError
from ..validate import validate
from .fastcheck import is_valid
from .jobs import JobRegistry
from .replies import InvocationError

__all__ = [
    "AnyInvocation",
    "BlockingContext",
    "HandlerResult",
    "InvocationCancelledError",
    "InvocationContext",
    "ResultLike",
]

AnyInvocation = CreateInvocation | ModifyInvocation | DeleteInvocation | CancelInvocation | ImageNotification
ResultLike = Result | ResultResponse | ResultUpdate | FastResult | Mapping[str, Any]
HandlerResult = ResultLike | None
ClientFactory = Callable[..., "AsyncDPATAIClient"]

_INVOCATION_MODELS: dict[str, Any] = {
    "create": CreateInvocation,
    "modify": ModifyInvocation,
    "delete": DeleteInvocation,
    "cancel": CancelInvocation,
}

_P = ParamSpec("_P")
_T = TypeVar("_T")


class InvocationCancelledError(Exception):
    """DPAT cancelled this invocation (raised inside the handler by `progress` or `raise_if_cancelled`)."""


class InvocationContext:
    """One invocation (or image notification) as a handler sees it.

    ``ctx.client`` is an `AsyncDPATAIClient` bound to the invocation's callback URL and token,
    created on first use and closed when the handler's work ends. ``ctx.invocation`` is the parsed
    generated model; its repr shows the callback token, so never log it (``repr(ctx)`` is safe).
    """

    def __init__(
        self,
        invocation: AnyInvocation | Mapping[str, Any],
        *,
        application_version: str,
        client_factory: ClientFactory,
        jobs: JobRegistry,
        release_client: Callable[[Any], Awaitable[None]] | None = None,
        notification: bool = False,
    ):
        # A validated payload (a Mapping) becomes the generated model only when something asks for
        # it: building the model of a 1M-point polygon takes seconds, reading slideId does not.
        self._payload: Mapping[str, Any] | None = invocation if isinstance(invocation, Mapping) else None
        self._model: AnyInvocation | None = None if isinstance(invocation, Mapping) else invocation
        self._notification = notification
        self.application_version = application_version
        self.job_id: str | None = None
        self._client_factory = client_factory
        self._release_client = release_client  # a shared client goes back to its pool instead of closing
        self._client: AsyncDPATAIClient | None = None
        self._jobs = jobs
        self._stored: ResultResponse | None = None
        self._stored_explicitly = False
        self._pending_message: str | None = None
        self._pending_automatically = False
        self._store_lock = asyncio.Lock()
        self._cancelled = threading.Event()
        self._reply: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()  # the job's end
        self._replay_key: str | None = None  # set by the app: the key identical invocations share

    def __repr__(self) -> str:
        return f"InvocationContext(action={self.action!r}, job_id={self.job_id!r})"

    # --- what the invocation says -------------------------------------------------------------

    @property
    def invocation(self) -> AnyInvocation:
        """The parsed generated model (built on first use from the validated payload)."""
        if self._model is None:
            payload = dict(cast(Mapping[str, Any], self._payload))
            if self._notification:
                self._model = ImageNotification.from_dict(payload)
            else:
                self._model = _INVOCATION_MODELS[payload["action"]].from_dict(payload)
        return self._model

    async def load_invocation(self) -> AnyInvocation:
        """`invocation`, built in a worker thread the first time: for async handlers reading a big
        ``input`` (a 1M-point polygon takes ~0.5 s to parse, which on the event loop stalls every other
        request). After it, `invocation` and `create_input` answer at once."""
        if self._model is None:
            await anyio.to_thread.run_sync(lambda: self.invocation)
        return self.invocation

    @property
    def action(self) -> str:
        """``create``, ``modify``, ``delete``, ``cancel`` or ``newImageFiles`` (image notifications)."""
        if self._model is None:
            return "newImageFiles" if self._notification else str(cast(Mapping[str, Any], self._payload)["action"])
        if isinstance(self._model, ImageNotification):
            return "newImageFiles"
        return self._model.action

    @property
    def application_id(self) -> str:
        if self._model is None:
            return str(cast(Mapping[str, Any], self._payload)["applicationId"])
        return self._model.application_id

    @property
    def slide_id(self) -> str:
        if self._model is None:
            return str(cast(Mapping[str, Any], self._payload)["slideId"])
        return self._model.slide_id

    @property
    def callback_url(self) -> str:
        """DPAT's IA-API base URL for this invocation (its token stays private)."""
        return self._callback()[0]

    @property
    def cancellation_token(self) -> str | None:
        if self._model is None:
            token = cast(Mapping[str, Any], self._payload).get("cancellationToken")
            return token if isinstance(token, str) else None
        return self._model.cancellation_token

    def _callback(self) -> tuple[str, str]:
        if self._model is None:
            info = cast(Mapping[str, Any], self._payload)["callbackInfo"]
            return str(info["url"]), str(info["token"])
        return self._model.callback_info.url, self._model.callback_info.token

    @property
    def app_context(self) -> dict[str, Any]:
        """The registration context DPAT echoes back (``{}`` when absent or null)."""
        context = self.invocation.context
        if context is None:
            return {}
        return dict(context.additional_properties)

    @property
    def create_input(self) -> WholeSlideInput | TaggedPolygonInput | MultiAreaInput | UnknownInput | None:
        """The user's input of a ``create`` (or of a notification that carries one).

        An input type this spec does not know (from a newer DPAT) arrives as `UnknownInput`, its raw
        ``type``, ``content`` and other properties kept: the handler decides what to do with it. An async
        handler with a big input calls ``await ctx.load_invocation()`` first (the parse then runs off the loop).
        """
        if isinstance(self.invocation, CreateInvocation | ImageNotification):
            return self.invocation.input_
        return None

    @property
    def result_input(self) -> ResultResponse | None:
        """The stored result a ``modify`` or ``delete`` is about, as DPAT holds it after the user's edits."""
        if self.action not in ("modify", "delete"):
            return None  # without building the model: a create's 1M-point input stays unparsed
        if isinstance(self.invocation, ModifyInvocation | DeleteInvocation):
            return self.invocation.input_
        return None

    @property
    def image_info(self) -> ImageInfo | None:
        """The new image's metadata (image notifications only)."""
        return self.invocation.image_info if isinstance(self.invocation, ImageNotification) else None

    # --- talking to DPAT ----------------------------------------------------------------------

    @property
    def client(self) -> AsyncDPATAIClient:
        """The IA-API client for this invocation's callback URL and token."""
        if self._client is None:
            url, token = self._callback()
            self._client = self._client_factory(url, token=token, app_id=self.application_id)
        return self._client

    @property
    def stored_result(self) -> ResultResponse | None:
        """The latest version of the result this invocation stored (placeholder, progress or final)."""
        return self._stored

    @property
    def pending(self) -> bool:
        """True once `respond_pending` answered DPAT; the handler now runs in the background."""
        return self._pending_message is not None

    async def respond_pending(self, message: str = "Analysis running") -> ResultResponse:
        """Store a placeholder result showing ``message``, answer DPAT with it, and keep running."""
        if self._pending_message is not None and not self._pending_automatically:
            raise RuntimeError("respond_pending() was already called for this invocation")
        self.raise_if_cancelled()
        self._pending_message = message
        self._pending_automatically = False
        stored = await self._store_placeholder(message, "running")
        self._answer(stored.to_dict())
        return stored

    async def _respond_pending_automatically(self, message: str) -> None:
        """The handler is slow to answer: give DPAT a placeholder (the handler may still call `respond_pending`)."""
        if self._answered or self._pending_message is not None:
            return
        self._pending_message = message
        self._pending_automatically = True
        stored = await self._store_placeholder(message, "running")
        self._answer(stored.to_dict())

    async def progress(self, fraction: float, message: str | None = None) -> None:
        """Report progress (0..1); after `respond_pending` the placeholder result shows it."""
        self.raise_if_cancelled()
        if not math.isfinite(fraction) or not 0.0 <= fraction <= 1.0:
            raise ValueError("progress fraction must be between 0 and 1")
        shown = message if message is not None else f"{round(fraction * 100)} %"
        if self.job_id is not None:
            self._jobs.update(self.job_id, progress=fraction, message=shown)
        if self._pending_message is not None:
            await self._store_placeholder(f"{self._pending_message} ({shown})", "running", fraction)

    async def store(self, result: ResultLike) -> ResultResponse:
        """Store ``result`` as this invocation's result: update the one it already has, else create one.

        The result updated is, in this order: the last one this context stored, the result the
        object itself names (``id`` + ``versionId``), the result a ``modify`` is about.
        """
        stored = await self._store(result)
        self._stored_explicitly = True
        return stored

    async def _store_placeholder(self, text: str, status: str, fraction: float | None = None) -> ResultResponse:
        body = _placeholder(self.slide_id, text, status, fraction, self.application_version)
        if isinstance(self.client, AsyncDPATAIClient):  # the library's client sends it as encoded bytes
            return await self._store(_encoded(body))
        return await self._store(_TrustedBody(body))  # another factory's client gets the model, as before

    async def _store(self, result: ResultLike) -> ResultResponse:
        async with self._store_lock:  # a placeholder stored on the app's behalf may race the handler
            return await self._store_unlocked(result)

    async def _store_unlocked(self, result: ResultLike) -> ResultResponse:
        target = self._stored or _identity(result) or self.result_input
        prepared: Result | FastResult
        if isinstance(result, FastResult):
            prepared = result  # encoded (and checked) by fast_primitive_result already
        else:
            body = _result_body(result, self.slide_id, self.application_version)
            if not isinstance(result, _TrustedBody) and not is_valid(body, "Result"):  # placeholders are valid
                validate(body, "Result")  # the detailed faults
            prepared = Result.from_dict(body)
        if target is None:
            stored = await self.client.create_results(prepared)
        else:
            stored = await self._update(target.id, target.version_id, prepared)
        self._stored = stored
        if self.job_id is not None:
            self._jobs.update(self.job_id, result_id=stored.id)
        return stored

    async def _update(self, result_id: int, version_id: str, result: Result | FastResult) -> ResultResponse:
        try:
            return await self.client.update_results(result_id, result, version_id=version_id)
        except DPATConflictError:
            # Someone (the user, a modify) stored a newer version meanwhile: write over the latest.
            latest = await self.client.get_results(result_id)
            return await self.client.update_results(result_id, result, version_id=latest.version_id)

    # --- cancellation -------------------------------------------------------------------------

    @property
    def cancelled(self) -> bool:
        """True once DPAT cancelled this invocation (or the app is shutting down)."""
        return self._cancelled.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise `InvocationCancelledError` if the invocation was cancelled."""
        if self._cancelled.is_set():
            raise InvocationCancelledError("the invocation was cancelled")

    # --- for synchronous handlers -------------------------------------------------------------

    @property
    def sync(self) -> BlockingContext:
        """Blocking versions of the context's calls, for handlers running in a worker thread."""
        return BlockingContext(self)

    # --- framework side -----------------------------------------------------------------------

    def _answer(self, body: Any) -> None:
        if not self._reply.done():
            self._reply.set_result(body)

    def _refuse(self, error: InvocationError) -> None:
        if not self._reply.done():
            self._reply.set_exception(error)

    @property
    def _answered(self) -> bool:
        return self._reply.done()

    async def _wait_reply(self) -> Any:
        return await asyncio.shield(self._reply)

    async def _close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            if self._release_client is not None:
                await self._release_client(client)
                return
            aclose = getattr(client, "aclose", None)  # the client's own spelling; close() is deprecated
            await (aclose() if aclose is not None else client.close())


class BlockingContext:
    """`InvocationContext` calls for synchronous handlers (they run in a worker thread)."""

    def __init__(self, ctx: InvocationContext):
        self._ctx = ctx

    @property
    def cancelled(self) -> bool:
        return self._ctx.cancelled

    def raise_if_cancelled(self) -> None:
        self._ctx.raise_if_cancelled()

    def respond_pending(self, message: str = "Analysis running") -> ResultResponse:
        return anyio.from_thread.run(self._ctx.respond_pending, message)

    def progress(self, fraction: float, message: str | None = None) -> None:
        anyio.from_thread.run(self._ctx.progress, fraction, message)

    def store(self, result: ResultLike) -> ResultResponse:
        return anyio.from_thread.run(self._ctx.store, result)

    def call(self, function: Callable[_P, Awaitable[_T]], *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """Run an async call (e.g. ``ctx.client.get_slide_info``) on the app's loop and wait for it."""

        async def run() -> _T:
            return await function(*args, **kwargs)

        return anyio.from_thread.run(run)


class _TrustedBody(dict[str, Any]):
    """A result body this module built (a placeholder): valid by construction, not validated again."""


def _placeholder(slide_id: str, text: str, status: str, fraction: float | None, version: str) -> dict[str, Any]:
    properties: dict[str, Any] = {"Status": status}
    if fraction is not None:
        properties["Progress"] = f"{round(fraction * 100)} %"
    return {
        "slideId": slide_id,
        "displayResult": text,
        "displayProperties": properties,
        "applicationVersion": version,
        "data": {"context": {}, "result": {"type": "primitive", "content": []}},
    }


def _encoded(placeholder: dict[str, Any]) -> FastResult:
    """A placeholder as a `FastResult`: encoded once by orjson, never built as a model (it is valid)."""
    fields = {name: value for name, value in placeholder.items() if name != "data"}
    head = orjson.dumps(fields)[:-1] + b',"data":'
    body = b"".join((head, orjson.dumps(placeholder["data"]), b"}"))
    return FastResult(slide_id=placeholder["slideId"], fields=fields, body=body, data_start=len(head))


def _result_body(
    result: Result | ResultResponse | ResultUpdate | Mapping[str, Any], slide_id: str, version: str
) -> dict[str, Any]:
    """The wire form of a result to store, without its identity (``id``, ``versionId``)."""
    body = dict(result) if isinstance(result, Mapping) else result.to_dict()
    body.pop("id", None)
    body.pop("versionId", None)
    body.setdefault("slideId", slide_id)
    body.setdefault("applicationVersion", version)
    return body


def _identity(result: ResultLike) -> ResultResponse | None:
    """The stored result ``result`` names through ``id`` and ``versionId``, if it names one."""
    if isinstance(result, ResultResponse):
        return result
    if isinstance(result, FastResult):
        return None
    body = dict(result) if isinstance(result, Mapping) else result.to_dict()
    if isinstance(body.get("id"), int) and isinstance(body.get("versionId"), str):
        return ResultResponse.from_dict({**body, "slideId": body.get("slideId", "")})
    return None
