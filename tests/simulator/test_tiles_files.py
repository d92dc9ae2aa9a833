"""Deep Zoom tiles and original-file downloads over real HTTP, checked against the synthetic source."""

from __future__ import annotations

import io
import math
from email.parser import BytesParser
from email.policy import HTTP

import httpx
import pytest
from PIL import Image

from sectra_dpat_client.simulator import DPATSimulator, SlideFile, single_file, synthetic


def _image(response: httpx.Response) -> Image.Image:
    assert response.status_code == 200, response.text
    return Image.open(io.BytesIO(response.content))


def test_level_count_and_edge_tiles(sim: DPATSimulator, http: httpx.Client) -> None:
    slide_id = sim.slide_ids[1]  # 9999 x 7777, tile 240
    info = http.get(f"/slides/{slide_id}/info").json()
    width, height, tile = info["imageSize"]["width"], info["imageSize"]["height"], info["tileSize"]["width"]
    top = math.ceil(math.log2(max(width, height)))
    assert top == 14
    # full level: 42 x 33 tiles, edge tiles 9999 - 41*240 = 159 wide and 7777 - 32*240 = 97 high
    assert _image(http.get(f"/images/{slide_id}_files/{top}/0_0.jpg")).size == (tile, tile)
    assert _image(http.get(f"/images/{slide_id}_files/{top}/41_32.jpg")).size == (159, 97)
    assert http.get(f"/images/{slide_id}_files/{top}/42_0.jpg").status_code == 404
    assert http.get(f"/images/{slide_id}_files/{top}/0_33.jpg").status_code == 404
    assert http.get(f"/images/{slide_id}_files/{top + 1}/0_0.jpg").status_code == 404
    # level top-1 is floor(size / 2): 4999 x 3888
    assert _image(http.get(f"/images/{slide_id}_files/{top - 1}/20_16.jpg")).size == (4999 - 20 * 240, 3888 - 16 * 240)
    # level 0 is 1 x 1
    assert _image(http.get(f"/images/{slide_id}_files/0/0_0.jpg")).size == (1, 1)
    assert _image(http.get(f"/images/{slide_id}_files/8/0_0_0.png")).format == "PNG"
    assert http.get(f"/images/{slide_id}_files/8/0_0.jpeg").headers["Content-Type"] == "image/jpeg"
    assert http.get(f"/images/{slide_id}_files/8/0_0.gif").status_code == 404


def test_focal_planes_and_optical_paths_change_the_pixels(sim: DPATSimulator, http: httpx.Client) -> None:
    slide_id = sim.slide_ids[2]  # three focal planes, two optical paths
    info = http.get(f"/slides/{slide_id}/info").json()
    planes = [p["id"] for p in info["focalPlanes"]]
    paths = [p["id"] for p in info["opticalPaths"]]
    assert planes == ["0", "1", "m1"]
    assert paths == ["0", "1"]
    level = synthetic.top_level(4096, 3000) - 2
    tile = f"/images/{slide_id}_files/{level}/1_1"
    by_plane = {p: http.get(f"{tile}_{p}.png").content for p in planes}
    assert len(set(by_plane.values())) == 3
    assert http.get(f"{tile}.png").content == by_plane["0"]  # no segment: the plane at offset 0
    by_path = {p: http.get(f"{tile}_0.png", params={"opticalPath": p}).content for p in paths}
    assert by_path["0"] == by_plane["0"]
    assert by_path["1"] != by_path["0"]
    assert http.get(f"{tile}_7.png").status_code == 404
    assert http.get(f"{tile}_0.png", params={"opticalPath": "9"}).status_code == 404


def test_tiles_are_deterministic_across_servers(sim: DPATSimulator, http: httpx.Client) -> None:
    slide_id = sim.slide_ids[0]
    first = http.get(f"/images/{slide_id}_files/10/3_2.png").content
    with DPATSimulator(slides=1) as other:
        assert other.slide_ids[0] == slide_id
        again = httpx.get(
            f"{other.url}/images/{slide_id}_files/10/3_2.png", headers={"Authorization": f"Bearer {other.token}"}
        )
    assert again.content == first


def test_not_streamable_slide_serves_no_tiles(sim: DPATSimulator, http: httpx.Client) -> None:
    slide_id = sim.add_slide(is_streamable=False)
    assert http.get(f"/slides/{slide_id}/info").json()["isStreamable"] is False
    assert http.get(f"/images/{slide_id}_files/0/0_0.jpg").status_code == 404


def _parts(response: httpx.Response) -> list[tuple[dict[str, str], bytes]]:
    header = f"Content-Type: {response.headers['Content-Type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(header + response.content)
    assert message.is_multipart()
    parts = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        parts.append(({k: str(v) for k, v in part.items()}, payload))
    return parts


def test_multi_file_slide_is_multipart_related(sim: DPATSimulator, http: httpx.Client) -> None:
    slide_id = sim.slide_ids[0]
    files = sim.slide(slide_id).files
    response = http.get(f"/slides/{slide_id}/files")
    assert response.status_code == 200
    content_type = response.headers["Content-Type"]
    assert content_type.startswith("multipart/related;")
    assert "boundary=" in content_type
    assert int(response.headers["Content-Length"]) == len(response.content)
    assert response.headers["X-Sectra-ApiVersion"] == "1.10"
    boundary = content_type.split("boundary=")[1]
    assert response.content.startswith(f"--{boundary}\r\n".encode())
    assert response.content.endswith(f"\r\n--{boundary}--\r\n".encode())
    parts = _parts(response)
    assert [h["Content-Disposition"] for h, _ in parts] == [f'attachment; filename="{f.name}"' for f in files]
    assert [f.name for f in files] == ["i0000,0000b.dcm", "i0001,0000b.dcm", "i0003,0000b.dcm"]
    for (headers, body), f in zip(parts, files, strict=True):
        assert headers["Content-Type"] == "application/dicom"
        assert int(headers["Content-Length"]) == f.size == len(body)
        assert body == synthetic.file_bytes(slide_id, f)
        assert body[128:132] == b"DICM"


def test_single_file_slide_is_octet_stream(sim: DPATSimulator, http: httpx.Client) -> None:
    slide_id = sim.slide_ids[1]
    (only,) = sim.slide(slide_id).files
    response = http.get(f"/slides/{slide_id}/files")
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{only.name}"'
    assert int(response.headers["Content-Length"]) == only.size == len(response.content)
    assert response.content == synthetic.file_bytes(slide_id, only)


def test_non_ascii_file_name_gets_filename_star(sim: DPATSimulator, http: httpx.Client) -> None:
    slide_id = sim.add_slide(files=single_file("schnitt-ä.svs", 10))
    disposition = http.get(f"/slides/{slide_id}/files").headers["Content-Disposition"]
    assert disposition == "attachment; filename=\"schnitt-?.svs\"; filename*=UTF-8''schnitt-%C3%A4.svs"


@pytest.mark.parametrize("size", [0, 1, synthetic.CHUNK_SIZE - 1, synthetic.CHUNK_SIZE, 2 * synthetic.CHUNK_SIZE + 5])
def test_synthetic_files_have_exact_sizes_and_unique_blocks(size: int) -> None:
    f = SlideFile("x.bin", size, "application/octet-stream")
    data = synthetic.file_bytes("s", f)
    assert len(data) == size
    assert b"".join(synthetic.iter_file("s", f, chunk_size=4096)) == data
    if size > synthetic.CHUNK_SIZE:
        assert data[: synthetic.CHUNK_SIZE] != data[synthetic.CHUNK_SIZE : 2 * synthetic.CHUNK_SIZE]
    assert synthetic.file_bytes("other", f) != data or size == 0


def test_extension_less_dicom_names_as_older_servers_sent(sim: DPATSimulator, http: httpx.Client) -> None:
    from sectra_dpat_client.simulator import default_dicom_files

    slide_id = sim.add_slide(files=default_dicom_files(count=2, size=1000, extension=""))
    names = [h["Content-Disposition"] for h, _ in _parts(http.get(f"/slides/{slide_id}/files"))]
    assert names == ['attachment; filename="i0000,0000b"', 'attachment; filename="i0001,0000b"']
