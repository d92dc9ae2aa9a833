"""Secret and PHI hygiene: a full demo run with DEBUG logging leaks no token, password or patient data.

Every log record (any logger, any level, with its exception text), the demo's own output, and the
repr and message of clients and errors are searched for every token the simulator issued, its
password, and each slide's patient id, patient name, accession number and exam id.
"""

from __future__ import annotations

import logging

import pytest

from sectra_dpat_client import demo
from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient, Result
from sectra_dpat_client.errors import DPATError
from sectra_dpat_client.qido import DPATQidoClient
from sectra_dpat_client.simulator import DPATSimulator
from sectra_dpat_client.simulator.qido import QIDO_PATH


def _secrets(simulator: DPATSimulator) -> set[str]:
    found = {simulator.password, simulator.token, *simulator.store.tokens, *simulator.store.session_tokens}
    for slide in simulator.store.slides.values():
        found |= {slide.patient_id, slide.patient_name, slide.accession_number, slide.exam_id}
        found |= set(slide.patient_name.split("^"))
    return {s for s in found if s and len(s) >= 4}


def _errors_from(simulator: DPATSimulator) -> list[DPATError]:
    """Errors raised while handling patient data and secrets: 404s, 401s, bad input."""
    errors: list[DPATError] = []
    slide = simulator.slide(simulator.slide_ids[0])
    calls = [
        lambda c: c.get_image_infos_in_case(slide.accession_number + "-unknown", issuer="SIMLAB", phi=True),
        lambda c: c.get_image_info(slide.patient_id, phi=True),
        lambda c: c.create_results(Result(slideId=slide.accession_number)),
    ]
    with DPATAIClient(simulator.url, token=simulator.token, app_id="not-registered") as client:
        for call in calls:
            try:
                call(client)
            except DPATError as error:
                errors.append(error)
    with DPATAIClient(simulator.url, token=simulator.token + "x", app_id=simulator.app_id) as client:
        try:
            client.get_image_info(slide.id)
        except DPATError as error:
            errors.append(error)
    with DPATQidoClient(simulator.root_url + QIDO_PATH, simulator.username, simulator.password) as qido:
        try:
            qido.find_one_study(PatientID=slide.patient_id + "-nobody")
        except DPATError as error:
            errors.append(error)
    return errors


def test_full_demo_with_debug_logging_leaks_nothing(caplog: pytest.LogCaptureFixture) -> None:
    output: list[str] = []
    with caplog.at_level(logging.DEBUG):
        for name in ("httpx", "httpcore", "sectra_dpat_client", "uvicorn", "hpack", "asyncio"):
            logging.getLogger(name).setLevel(logging.DEBUG)
        session = demo.run(output.append)
        simulator = session.simulator
        with simulator:  # restart it for the error probes
            errors = _errors_from(simulator)
            reprs = [
                repr(DPATAIClient(simulator.url, token=simulator.token, app_id=simulator.app_id)),
                repr(DPATAIClient.from_credentials(simulator.url, "a", simulator.username, simulator.password)),
                repr(AsyncDPATAIClient(simulator.url, token=simulator.token)),
                repr(DPATQidoClient(simulator.root_url + QIDO_PATH, simulator.username, simulator.password)),
                repr(simulator),
                repr(session.client),
            ]
    secrets = _secrets(simulator)
    assert len(secrets) > 10
    assert len(errors) == 5
    assert len(caplog.records) > 100  # DEBUG logging really was on

    haystacks = {
        "log": [r.getMessage() + (r.exc_text or "") for r in caplog.records],
        "output": output,
        "repr": reprs + [repr(e) for e in errors],
        "error text": [str(e) for e in errors],
    }
    leaks = [
        (where, secret, text[:200])
        for where, texts in haystacks.items()
        for text in texts
        for secret in secrets
        if secret in text
    ]
    assert leaks == []
