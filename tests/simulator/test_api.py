"""The simulator over real HTTP: versions, authentication, slide info, cases, results, QC, label, launch."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from sectra_dpat_client._generated import dpat_spec
from sectra_dpat_client.simulator import BASE_PATH, DPATSimulator
from sectra_dpat_client.validate import iter_faults, validate

EXTENDED_FIELDS = {
    "bodyPart",
    "examCode",
    "examDescription",
    "stationName",
    "priority",
    "seriesInstanceUid",
    "lisSlideId",
}
PHI_FIELDS = {
    "accessionNumber",
    "accessionNumberIssuer",
    "studyInstanceUid",
    "examId",
    "examDateTime",
    "examFreeFields",
}


def _since(operation_id: str) -> tuple[int, int]:
    for item in dpat_spec.ia_api()["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                major, minor = operation["x-ia-api-since"].split(".")
                return int(major), int(minor)
    raise KeyError(operation_id)


# --- server info and versions ---------------------------------------------------------------------


def test_info_reports_version_and_sends_version_headers(sim: DPATSimulator, http: httpx.Client) -> None:
    response = http.get("/info")
    assert response.status_code == 200
    assert response.json() == {"apiVersion": "1.10", "softwareVersion": "4.2.0.22617"}
    assert response.headers["X-Sectra-ApiVersion"] == "1.10"
    assert sim.url == f"http://127.0.0.1:{sim.port}{BASE_PATH}"


@pytest.mark.parametrize("version", ["1.5", "1.8", "1.9"])
def test_older_servers_answer_404_for_newer_operations(version: str) -> None:
    with DPATSimulator(slides=1, api_version=version) as sim:
        headers = {"Authorization": f"Bearer {sim.token}"}
        slide = sim.slide_ids[0]
        with httpx.Client(base_url=sim.url, headers=headers) as http:
            assert http.get("/info").json()["apiVersion"] == version
            calls = {
                "getCaseImagesBySlide": lambda: http.get(f"/slides/{slide}/request/images/info"),
                "setQualityControl": lambda: http.put(
                    f"/slides/{slide}/qualityControl",
                    json={"applicationVersion": "1", "qualityControl": {"status": "QualityOk", "versionId": "1"}},
                ),
                "getImageInfo": lambda: http.get(f"/slides/{slide}/info"),
                "getApplication": lambda: http.get(f"/applications/{sim.app_id}"),
            }
            for operation_id, call in calls.items():
                served = tuple(map(int, version.split("."))) >= _since(operation_id)
                assert (call().status_code != 404) is served, operation_id
            info = http.get(f"/slides/{slide}/info").json()
            assert "qualityControl" not in info  # a 1.10 field


def test_client_asking_for_an_older_dialect_gets_no_newer_fields(sim: DPATSimulator, http: httpx.Client) -> None:
    slide = sim.slide_ids[0]
    assert "qualityControl" in http.get(f"/slides/{slide}/info").json()
    old = http.get(f"/slides/{slide}/info", headers={"X-Sectra-ApiVersion": "1.9"})
    assert "qualityControl" not in old.json()
    assert sim.requests[-1].sectra_headers == {"x-sectra-apiversion": "1.9"}


def test_unsupported_api_version_is_refused() -> None:
    with pytest.raises(ValueError, match="api_version"):
        DPATSimulator(api_version="2.0")


# --- authentication -------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer"])
def test_bad_or_missing_bearer_is_401(sim: DPATSimulator, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = httpx.get(f"{sim.url}/slides/{sim.slide_ids[0]}/info", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_token_endpoint_issues_expiring_tokens(sim: DPATSimulator) -> None:
    response = httpx.post(
        f"{sim.url}/token",
        params={"applicationId": sim.app_id},
        data={"grant_type": "client_credentials"},
        auth=(sim.username, sim.password),
    )
    assert response.status_code == 200
    token = response.json()
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 3600
    validate(token, "Token")
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert httpx.get(f"{sim.url}/info", headers=headers).status_code == 200
    sim.advance_clock(3599)
    assert httpx.get(f"{sim.url}/info", headers=headers).status_code == 200
    sim.advance_clock(2)
    assert httpx.get(f"{sim.url}/info", headers=headers).status_code == 401
    assert httpx.get(f"{sim.url}/info", headers={"Authorization": f"Bearer {sim.token}"}).status_code == 200


def test_token_ttl_is_configurable() -> None:
    with DPATSimulator(slides=0, token_ttl=5, password="pw") as sim:
        response = httpx.post(
            f"{sim.url}/token",
            params={"applicationId": sim.app_id},
            data={"grant_type": "client_credentials"},
            auth=(sim.username, "pw"),
        )
        assert response.json()["expires_in"] == 5


@pytest.mark.parametrize(
    ("auth", "params", "data", "status"),
    [
        (("simuser", "wrong"), {"applicationId": "sim-app"}, {"grant_type": "client_credentials"}, 401),
        (None, {"applicationId": "sim-app"}, {"grant_type": "client_credentials"}, 401),
        ("ok", {}, {"grant_type": "client_credentials"}, 400),
        ("ok", {"applicationId": "someone-else"}, {"grant_type": "client_credentials"}, 403),
        ("ok", {"applicationId": "sim-app"}, {"grant_type": "password"}, 400),
    ],
)
def test_token_endpoint_refusals(
    sim: DPATSimulator, auth: object, params: dict[str, str], data: dict[str, str], status: int
) -> None:
    credentials = (sim.username, sim.password) if auth == "ok" else auth
    response = httpx.post(f"{sim.url}/token", params=params, data=data, auth=credentials)  # type: ignore[arg-type]
    assert response.status_code == status


def test_revoked_and_short_lived_tokens(sim: DPATSimulator) -> None:
    short = sim.issue_token(ttl=10)
    revoked = sim.issue_token()
    sim.revoke_token(revoked)
    assert httpx.get(f"{sim.url}/info", headers={"Authorization": f"Bearer {revoked}"}).status_code == 401
    assert httpx.get(f"{sim.url}/info", headers={"Authorization": f"Bearer {short}"}).status_code == 200
    sim.advance_clock(11)
    assert httpx.get(f"{sim.url}/info", headers={"Authorization": f"Bearer {short}"}).status_code == 401


# --- slide info and cases -------------------------------------------------------------------------


def test_slide_info_scopes_and_phi(sim: DPATSimulator, http: httpx.Client) -> None:
    slide = sim.slide_ids[0]
    basic = http.get(f"/slides/{slide}/info").json()
    extended = http.get(f"/slides/{slide}/info", params={"scope": "extended"}).json()
    phi = http.get(f"/slides/{slide}/info", params={"includePHI": "true"}).json()
    both = http.get(f"/slides/{slide}/info", params={"scope": "extended", "includePHI": "True"}).json()
    for info in (basic, extended, phi, both):
        assert iter_faults(info, "ImageInfo") == []
        assert info["id"] == slide
    assert not (EXTENDED_FIELDS | PHI_FIELDS) & basic.keys()
    assert extended.keys() >= EXTENDED_FIELDS
    assert not PHI_FIELDS & extended.keys()
    assert phi.keys() >= PHI_FIELDS
    assert not EXTENDED_FIELDS & phi.keys()
    assert both.keys() >= (EXTENDED_FIELDS | PHI_FIELDS)
    stored = sim.slide(slide)
    assert both["accessionNumber"] == stored.accession_number
    assert both["studyInstanceUid"] == stored.study_instance_uid
    assert both["seriesInstanceUid"] == stored.series_instance_uid
    assert http.get(f"/slides/{slide}/info", params={"includePHI": "false"}).json() == basic


@pytest.mark.parametrize("params", [{"scope": "full"}, {"includePHI": "yes"}])
def test_slide_info_rejects_bad_query_values(sim: DPATSimulator, http: httpx.Client, params: dict[str, str]) -> None:
    assert http.get(f"/slides/{sim.slide_ids[0]}/info", params=params).status_code == 400


def test_unknown_slide_is_404(http: httpx.Client) -> None:
    for path in ("/slides/nope/info", "/slides/nope/label", "/slides/nope/files", "/slides/nope/request/images/info"):
        assert http.get(path).status_code == 404, path


def test_slides_of_a_case_share_dicom_identity(sim: DPATSimulator) -> None:
    first, second, third = (sim.slide(s) for s in sim.slide_ids)
    assert first.accession_number == second.accession_number != third.accession_number
    assert first.study_instance_uid == second.study_instance_uid != third.study_instance_uid
    assert first.patient_id == second.patient_id
    assert first.patient_name == second.patient_name
    assert first.series_instance_uid != second.series_instance_uid
    added = sim.slide(sim.add_slide(accession_number=first.accession_number))
    assert added.study_instance_uid == first.study_instance_uid
    assert sim.slide(sim.add_slide()).accession_number not in {s.accession_number for s in (first, third)}


def test_case_images_by_accession_number_and_by_slide(sim: DPATSimulator, http: httpx.Client) -> None:
    first = sim.slide(sim.slide_ids[0])
    by_case = http.get(f"/requests/{first.accession_number}/images/info", params={"includePHI": "true"})
    by_slide = http.get(f"/slides/{first.id}/request/images/info")
    assert by_case.status_code == by_slide.status_code == 200
    assert by_case.json() == by_slide.json()
    assert [image["id"] for image in by_case.json()] == sim.slide_ids[:2]
    for image in by_case.json():
        assert iter_faults(image, "CaseImageInfo") == []
    for name in ("accessionNumberIssuer", "accessionNumberIssuerId"):
        issuer = {name: first.accession_number_issuer}
        assert http.get(f"/requests/{first.accession_number}/images/info", params=issuer).status_code == 200
        other = {name: "OTHER"}
        assert http.get(f"/requests/{first.accession_number}/images/info", params=other).status_code == 404
    assert http.get("/requests/NOSUCHCASE/images/info").status_code == 404


def test_awkward_slide_ids_route_when_percent_encoded(sim: DPATSimulator, http: httpx.Client) -> None:
    from urllib.parse import quote

    for slide_id in ["a/b", "../etc", "q?x=1", "h#frag", "pct%2Fliteral", "sp ace", "ünï", "x_files_y", "dots.."]:
        sim.add_slide(slide_id)
        encoded = quote(slide_id, safe="")
        response = http.get(f"/slides/{encoded}/info")
        assert response.status_code == 200, slide_id
        assert response.json()["id"] == slide_id
        assert http.get(f"/images/{encoded}_files/0/0_0.jpg").status_code == 200, slide_id
        assert http.get(f"/applications/{sim.app_id}/results/slide/{encoded}").json() == []
    sim.add_slide("..")  # a dot segment must be sent encoded, or URL normalisation removes it
    assert http.get("/slides/%2E%2E/info").json()["id"] == ".."


def test_generated_client_reaches_awkward_slide_ids(sim: DPATSimulator) -> None:
    from sectra_dpat_client._generated.dpat_api import AuthenticatedClient
    from sectra_dpat_client._generated.dpat_api.api.slides import get_image_info
    from sectra_dpat_client.models import ImageInfo

    slide_id = "blk/1 ?#%"
    sim.add_slide(slide_id)
    with AuthenticatedClient(base_url=sim.url, token=sim.token) as client:
        response = get_image_info.sync_detailed(slide_id, client=client)
    assert response.status_code == 200
    assert isinstance(response.parsed, ImageInfo)
    assert response.parsed.id == slide_id


# --- results --------------------------------------------------------------------------------------


def _result(slide: str, text: str = "Tumor area 12.5 %") -> dict[str, object]:
    return {
        "slideId": slide,
        "displayResult": text,
        "applicationVersion": "1.0",
        "data": {
            "context": {},
            "result": {
                "type": "primitive",
                "content": [
                    {"polygons": [{"points": [{"x": 0.1, "y": 0.1}, {"x": 0.2, "y": 0.1}, {"x": 0.2, "y": 0.2}]}]}
                ],
            },
        },
    }


def test_result_lifecycle(sim: DPATSimulator, http: httpx.Client) -> None:
    slide = sim.slide_ids[0]
    base = f"/applications/{sim.app_id}/results"
    created = http.post(base, json=_result(slide))
    assert created.status_code == 201
    stored = created.json()
    assert iter_faults(stored, "ResultResponse") == []
    assert isinstance(stored["id"], int)
    assert stored["versionId"]
    assert http.get(f"{base}/{stored['id']}").json() == stored
    second = http.post(base + "/", json=_result(slide, "second")).json()  # trailing slash, as some examples send
    assert [r["id"] for r in http.get(f"{base}/slide/{slide}").json()] == [stored["id"], second["id"]]

    update = {**stored, "displayResult": "updated"}
    updated = http.put(f"{base}/{stored['id']}", json=update)
    assert updated.status_code == 200
    assert updated.json()["versionId"] != stored["versionId"]
    assert updated.json()["displayResult"] == "updated"
    stale = http.put(f"{base}/{stored['id']}", json=update)
    assert stale.status_code == 409
    assert sim.result(stored["id"])["displayResult"] == "updated"
    assert [r["displayResult"] for r in sim.results] == ["updated", "second"]


def test_result_refusals(sim: DPATSimulator, http: httpx.Client) -> None:
    slide = sim.slide_ids[0]
    base = f"/applications/{sim.app_id}/results"
    stored = http.post(base, json=_result(slide)).json()
    assert http.get(f"{base}/999999").status_code == 404
    assert http.get(f"{base}/not-a-number").status_code == 404
    assert http.get(f"/applications/other-app/results/{stored['id']}").status_code == 404
    assert http.post(base, json=_result("no-such-slide")).status_code == 404
    assert http.post(base, content=b"{not json", headers={"Content-Type": "application/json"}).status_code == 400
    missing_version = http.put(f"{base}/{stored['id']}", json=_result(slide))
    assert missing_version.status_code == 400
    assert missing_version.json()["faults"][0]["path"] == "$"
    moved = {**stored, "slideId": sim.slide_ids[1]}
    assert http.put(f"{base}/{stored['id']}", json=moved).status_code == 400
    invalid = http.post(base, json={"slideId": slide, "data": {"result": {"type": "heatmap", "content": []}}})
    assert invalid.status_code == 400
    assert any(f["path"].startswith("$.data.result") for f in invalid.json()["faults"])
    assert sim.request_count("createResult", "POST") == 4


def test_legacy_hook_paths_store_results(sim: DPATSimulator, http: httpx.Client) -> None:
    stored = http.post(f"/hooks/{sim.app_id}/results/", json=_result(sim.slide_ids[0])).json()
    updated = http.put(f"/hooks/{sim.app_id}/results/{stored['id']}", json={**stored, "displayResult": "new"})
    assert updated.status_code == 200
    assert http.get(f"/applications/{sim.app_id}/results/{stored['id']}").json()["displayResult"] == "new"


def test_attachments_with_ranges(sim: DPATSimulator, http: httpx.Client) -> None:
    stored = http.post(f"/applications/{sim.app_id}/results", json=_result(sim.slide_ids[0])).json()
    data = bytes(range(256)) * 4
    sim.add_attachment(stored["id"], "mask.bin", data)
    assert sim.result(stored["id"])["attachments"] == [{"name": "mask.bin", "state": "stored"}]
    url = f"/applications/{sim.app_id}/results/{stored['id']}/attachments"
    full = http.get(url, params={"name": "mask.bin"})
    assert (full.status_code, full.content) == (200, data)
    cases = {"bytes=0-9": data[:10], "bytes=1000-": data[1000:], "bytes=-5": data[-5:], "bytes=1020-5000": data[1020:]}
    for header, expected in cases.items():
        part = http.get(url, params={"name": "mask.bin"}, headers={"Range": header})
        assert part.status_code == 206, header
        assert part.content == expected, header
        assert part.headers["Content-Range"].endswith(f"/{len(data)}")
    assert http.get(url, params={"name": "mask.bin"}, headers={"Range": "bytes=0-9"}).headers["Content-Range"] == (
        "bytes 0-9/1024"
    )
    unsatisfiable = http.get(url, params={"name": "mask.bin"}, headers={"Range": "bytes=5000-"})
    assert unsatisfiable.status_code == 416
    assert unsatisfiable.headers["Content-Range"] == "bytes */1024"
    assert http.get(url, params={"name": "mask.bin"}, headers={"Range": "lines=1-2"}).status_code == 400
    assert http.get(url, params={"name": "other"}).status_code == 404
    assert http.get(url).status_code == 400


# --- quality control ------------------------------------------------------------------------------


def test_quality_control_needs_the_current_version(sim: DPATSimulator, http: httpx.Client) -> None:
    slide = sim.slide_ids[0]
    qc = http.get(f"/slides/{slide}/info").json()["qualityControl"]
    assert qc == {"status": "NotSet", "versionId": "1"} == sim.quality_control(slide)
    body = {"applicationVersion": "1.0", "qualityControl": {"status": "QualityOk", "versionId": qc["versionId"]}}
    assert http.put(f"/slides/{slide}/qualityControl", json=body).status_code == 200
    after = http.get(f"/slides/{slide}/info").json()["qualityControl"]
    assert after["status"] == "QualityOk"
    assert after["versionId"] != qc["versionId"]
    assert sim.quality_control(slide) == after
    assert http.put(f"/slides/{slide}/qualityControl", json=body).status_code == 409
    bad = {"applicationVersion": "1.0", "qualityControl": {"status": "Great", "versionId": after["versionId"]}}
    assert http.put(f"/slides/{slide}/qualityControl", json=bad).status_code == 400
    assert sim.quality_control(slide) == after


# --- label, application, launch -------------------------------------------------------------------


def test_label_is_an_image_or_204(sim: DPATSimulator, http: httpx.Client) -> None:
    with_label, _, without_label = sim.slide_ids
    response = http.get(f"/slides/{with_label}/label")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(response.content)).size == (400, 300)
    empty = http.get(f"/slides/{without_label}/label")
    assert (empty.status_code, empty.content) == (204, b"")
    assert "Content-Length" not in empty.headers


def test_application_info(sim: DPATSimulator, http: httpx.Client) -> None:
    sim.register_app("other", display_name="Other app", context={"mode": "fast"})
    response = http.get("/applications/other")
    assert response.json() == {
        "applicationId": "other",
        "displayName": "Other app",
        "manufacturer": "Simulated manufacturer",
        "context": {"mode": "fast"},
    }
    assert http.get("/applications/missing").status_code == 404


def test_launchdata_bootstraps_an_external_app(sim: DPATSimulator) -> None:
    case = sim.slide(sim.slide_ids[0]).accession_number
    response = httpx.get(sim.launch_url(case))  # no bearer: the session token authenticates
    assert response.status_code == 200
    launch = response.json()
    validate(launch, "LaunchResponse")
    assert launch["callbackInfo"]["url"] == sim.url
    assert [s["id"] for b in launch["blocks"] for s in b["slides"]] == sim.slide_ids[:2]
    token = launch["callbackInfo"]["token"]
    assert httpx.get(f"{sim.url}/info", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    bad_session = httpx.get(f"{sim.url}/launchdata", params={"requestId": case, "sessionToken": "nope"})
    assert bad_session.status_code == 401
    unknown = httpx.get(f"{sim.url}/launchdata", params={"requestId": "NOPE", "sessionToken": sim.session_token})
    assert unknown.status_code == 404


def test_method_and_path_errors(sim: DPATSimulator, http: httpx.Client) -> None:
    assert http.get("/no/such/path").status_code == 404
    wrong_method = http.delete(f"/applications/{sim.app_id}/results/1")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["Allow"] == "GET, PUT"
    assert httpx.get(f"{sim.root_url}/elsewhere").status_code == 404


def test_reprs_hold_no_secrets_or_patient_data(sim: DPATSimulator, http: httpx.Client) -> None:
    slide = sim.slide(sim.slide_ids[0])
    http.get(f"/requests/{slide.accession_number}/images/info")
    httpx.get(sim.launch_url(slide.accession_number))
    shown = " ".join(
        [repr(sim.config), repr(slide), *map(repr, sim.store.tokens.values()), *map(repr, sim.requests), repr(sim)]
    )
    for secret in (sim.token, sim.password, sim.session_token, slide.accession_number, slide.patient_id):
        assert secret not in shown
    assert "getCaseImages" in shown


def test_add_slide_refuses_unknown_fields_and_duplicate_ids(sim: DPATSimulator) -> None:
    before = list(sim.slide_ids)
    with pytest.raises(TypeError, match="no settable field"):
        sim.add_slide(colour="blue")
    with pytest.raises(ValueError, match="already exists"):
        sim.add_slide(before[0])
    assert sim.slide_ids == before
    added = sim.slide(sim.add_slide(staining="PAS", width=1000, height=800))
    assert (added.staining, added.width, added.height) == ("PAS", 1000, 800)
