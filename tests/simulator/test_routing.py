"""Routing on the raw path: every percent-encoded id comes back intact; extra routes mount outside the base."""

from __future__ import annotations

from urllib.parse import quote

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, Router

from sectra_dpat_client._generated import dpat_spec
from sectra_dpat_client.simulator import DPATSimulator
from sectra_dpat_client.simulator.routing import match_route, operations

ids = st.text(min_size=1, max_size=40).filter(lambda s: s not in (".", ".."))


@given(slide_id=ids, app_id=ids)
@settings(max_examples=300, deadline=None)
def test_any_id_round_trips_through_the_router(slide_id: str, app_id: str) -> None:
    slide, app = quote(slide_id, safe=""), quote(app_id, safe="")
    expectations = {
        f"/slides/{slide}/info": ("getImageInfo", {"slideId": slide_id}),
        f"/applications/{app}/results/slide/{slide}": ("listResultsForSlide", {"appId": app_id, "slideId": slide_id}),
        f"/images/{slide}_files/12/3_4.jpg": ("getTile", {"slideId": slide_id, "col": "3", "row": "4"}),
        f"/images/{slide}_files/12/3_4_m1.png": ("getTileInFocalPlane", {"slideId": slide_id, "focalPlane": "m1"}),
    }
    for path, (operation_id, params) in expectations.items():
        match = match_route(path)
        assert match is not None, path
        operation, found = match.by_method["GET"]
        assert operation.operation_id == operation_id
        assert params.items() <= found.items()


def test_every_spec_operation_is_routed() -> None:
    spec_ids = {
        operation["operationId"]
        for item in dpat_spec.ia_api()["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert {op.operation_id for op in operations()} == spec_ids
    for op in operations():
        example = op.template.replace("{level}", "1").replace("{col}", "2").replace("{row}", "3")
        for name in ("slideId", "appId", "resultId", "accessionNumber", "focalPlane", "ext"):
            example = example.replace("{" + name + "}", "x7")
        match = match_route(example)
        assert match is not None, op.template
        assert match.by_method[op.method][0] == op


def test_trailing_slash_is_optional() -> None:
    create = match_route("/applications/a/results/")
    legacy = match_route("/hooks/a/results")
    assert create is not None
    assert legacy is not None
    assert create.by_method["POST"][0].operation_id == "createResult"
    assert legacy.by_method["POST"][0].operation_id == "legacyCreateResult"


def test_extra_routes_are_served_outside_the_ia_api_base() -> None:
    async def studies(request: Request) -> JSONResponse:
        return JSONResponse([{"path": request.url.path, "query": dict(request.query_params)}])

    qido = Router(routes=[Route("/studies", studies)])
    with DPATSimulator(slides=1, extra_routes=[Mount("/dicom-web", app=qido)]) as sim:
        sim.add_route(Route("/health", lambda request: JSONResponse({"ok": True})))
        answer = httpx.get(f"{sim.root_url}/dicom-web/studies", params={"AccessionNumber": "A1"})
        assert answer.json() == [{"path": "/dicom-web/studies", "query": {"AccessionNumber": "A1"}}]
        assert httpx.get(f"{sim.root_url}/health").json() == {"ok": True}
        assert httpx.get(f"{sim.root_url}/nothing").status_code == 404
        assert sim.requests == []  # the IA-API log holds IA-API requests only
