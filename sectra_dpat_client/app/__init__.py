"""The receiving side: an ASGI framework for DPAT invocations and image notifications.

```python
from sectra_dpat_client.models import InputTemplate, InputType, Result
from sectra_dpat_client.app import AnalysisApp, InvocationContext

app = AnalysisApp(application_id="demo", display_name="Demo", manufacturer="Acme",
                  input_template=InputTemplate(type=InputType.WHOLE_SLIDE))

@app.on_create
async def analyse(ctx: InvocationContext) -> Result:
    await ctx.respond_pending("Analysis running")     # DPAT gets a placeholder now
    await ctx.progress(0.5)
    return Result(slideId=ctx.slide_id, displayResult="Done")   # replaces the placeholder
```

Serve it with ``uvicorn module:app``, or mount it into Starlette/FastAPI.
"""

from __future__ import annotations

from .application import DEFAULT_MAX_BODY_BYTES, DEFAULT_SECRET_HEADER, AnalysisApp, Handler
from .callbacks import CallbackPolicy
from .context import BlockingContext, HandlerResult, InvocationCancelledError, InvocationContext
from .jobs import JobInfo, JobRegistry, JobState
from .replies import InvocationError
from .serving import BackgroundServer

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_SECRET_HEADER",
    "AnalysisApp",
    "BackgroundServer",
    "BlockingContext",
    "CallbackPolicy",
    "Handler",
    "HandlerResult",
    "InvocationCancelledError",
    "InvocationContext",
    "InvocationError",
    "JobInfo",
    "JobRegistry",
    "JobState",
]
