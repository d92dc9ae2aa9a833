"""The placeholder the library's client sends pre-encoded is the same JSON its model would have sent."""

from __future__ import annotations

import orjson
import pytest

from sectra_dpat_client.ai.results import fast_update_body, result_update
from sectra_dpat_client.app.context import _encoded, _placeholder
from sectra_dpat_client.models import Result

TEXTS = ["Analysis running", 'quoted "data": {} text', "Färgning pågår ✓", "running (40 %)", ""]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("fraction", [None, 0.4])
def test_the_encoded_placeholder_is_the_models_wire_form(text: str, fraction: float | None) -> None:
    body = _placeholder("slide-1", text, "running", fraction, "1.2.3")
    encoded = _encoded(body)
    assert encoded.to_bytes() == orjson.dumps(Result.from_dict(body).to_dict())
    as_update = orjson.loads(fast_update_body(encoded, "7"))
    assert as_update == result_update(Result.from_dict(body), "7").to_dict()
