"""Core of sectra_dpat_client: what every client family shares, free of endpoint knowledge.

``http`` builds the httpx clients (`RetryPolicy`, timeouts) over the ``transports`` (method-aware retries)
and ``limits`` (answer sizes, the whole-call deadline); ``errors`` holds the error classes and the one
builder that turns an answer or an httpx failure into them; ``auth`` is the one bearer-token auth;
``redact`` keeps patient data and secrets out of logs, with the path templates each client family hands
it; ``tile_format`` is the tile-format rule; ``primitives`` are the waiting and locking that code written
once as async and generated as sync (``codegen/unasync.py``) goes through. Public names are re-exported
from `sectra_dpat_client` and `sectra_dpat_client.errors`.
"""
