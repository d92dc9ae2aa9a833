"""The example payloads of the IA-API catalogue (§9), and payloads that must be rejected."""

from __future__ import annotations

import copy
from typing import Any

CALLBACK = {"url": "https://pacs.example/SectraPathologyServer/external/imageanalysis/v1", "token": "eyJ..."}

IMAGE_INFO_BASIC: dict[str, Any] = {
    "id": "8a9b0c",
    "isStreamable": True,
    "imageSize": {"width": 106624, "height": 77452},
    "tileSize": {"width": 240, "height": 240},
    "micronsPerPixel": 0.2465,
    "focalPlanes": [{"id": "0", "offsetUm": 0.0}],
    "opticalPaths": [{"id": "0", "description": "Brightfield"}],
    "storedTileFormat": {"mimeType": "image/jp2", "extension": "jp2"},
    "availableTileFormats": [{"mimeType": "image/jpeg", "extension": "jpg"}],
    "fileFormat": {"mimeType": "application/dicom"},
    "staining": {"displayName": "HE"},
    "block": {"displayName": "Sentinel node"},
    "specimen": {"anatomy": "Lymph node", "description": "Sentinel"},
}

IMAGE_INFO_FULL: dict[str, Any] = {
    **IMAGE_INFO_BASIC,
    "bodyPart": "BREAST",
    "examCode": "PAT01",
    "examDescription": "Histology",
    "stationName": "SCANNER1",
    "priority": 3,
    "seriesInstanceUid": "1.2.752.24.2.1",
    "lisSlideId": "A20250813074542-1-1",
    "accessionNumber": "A20250813074542",
    "accessionNumberIssuer": "LAB",
    "studyInstanceUid": "1.2.752.24.1",
    "examId": "EX123",
    "examDateTime": "2025-08-13T07:45:42",
    "examFreeFields": [{"Referral": "Surgery"}],
    "qualityControl": {"status": "NotSet", "versionId": "7"},
}

PRIMITIVE_RESULT: dict[str, Any] = {
    "slideId": "4f1c2e",
    "displayResult": "Tumor area 12.5 %",
    "displayProperties": {"Tumor area": "12.5 %", "Confidence": 0.93, "Regions": 4},
    "applicationVersion": "1.2.0",
    "data": {
        "context": {},
        "result": {
            "type": "primitive",
            "content": [
                {
                    "style": {"strokeStyle": "#FFA500", "fillStyle": "#FFA50033", "size": 2},
                    "polygons": [
                        {
                            "points": [
                                {"x": 0.2, "y": 0.1},
                                {"x": 0.4, "y": 0.1},
                                {"x": 0.4, "y": 0.3},
                                {"x": 0.2, "y": 0.3},
                            ]
                        }
                    ],
                    "polylines": [{"points": [{"x": 0.1, "y": 0.1}, {"x": 0.2, "y": 0.2}]}],
                    "labels": [{"location": {"x": 0.2, "y": 0.1}, "label": "Tumor area 12.5 %"}],
                }
            ],
        },
    },
}

PATCH_CONTENT: dict[str, Any] = {
    "description": "Drag patches to correct the class",
    "polygons": [{"points": [{"x": 0, "y": 0}, {"x": 1, "y": 0}, {"x": 1, "y": 0.72}, {"x": 0, "y": 0.72}]}],
    "patches": [{"tag": 0, "position": {"x": 0.41, "y": 0.33}, "sortKeyValue": 0.97}],
    "tags": ["Positive", "Negative"],
    "patchSize": 128,
    "magnification": 10,
    "statuses": {"allowVerify": {"value": True, "message": "Ready for review"}},
    "actions": [{"id": "send", "state": 0, "name": "Send feedback", "tooltip": "Store feedback"}],
}

PATCH_RESULT: dict[str, Any] = {
    "slideId": "4f1c2e",
    "displayResult": "Patch gallery",
    "applicationVersion": "1.2.0",
    "data": {"context": None, "result": {"type": "patchCollection", "content": PATCH_CONTENT}},
}

# Sectra's basic and whole-slide examples send one PrimitiveItem object, with explicit nulls.
SINGLE_PRIMITIVE_RESULT: dict[str, Any] = {
    "slideId": "4f1c2e",
    "displayResult": "Analysis running",
    "applicationVersion": "0.1",
    "attachments": None,
    "data": {
        "context": None,
        "result": {
            "type": "primitive",
            "content": {
                "style": {"strokeStyle": "#006400", "fillStyle": None, "size": None},
                "polygons": [{"points": [{"x": 0, "y": 0}, {"x": 1, "y": 0}, {"x": 1, "y": 0.7}, {"x": 0, "y": 0.7}]}],
                "labels": [{"location": {"x": 0, "y": 0}, "label": "Analysis running"}],
            },
        },
    },
}

RESULT_RESPONSE: dict[str, Any] = {**PRIMITIVE_RESULT, "id": 42, "versionId": "v1"}

CREATE_INVOCATION: dict[str, Any] = {
    "action": "create",
    "applicationId": "demo-tagger",
    "slideId": "4f1c2e",
    "callbackInfo": CALLBACK,
    "context": {"mode": "primitive"},
    "cancellationToken": "c0ffee-01",
    "input": {
        "type": "taggedPolygon",
        "content": {
            "polygon": {"points": [{"x": 0.21, "y": 0.10}, {"x": 0.30, "y": 0.11}, {"x": 0.26, "y": 0.19}]},
            "tags": ["Tumor", "Stroma"],
            "tagIndex": 0,
        },
    },
}

VALID: dict[str, list[tuple[str, Any]]] = {
    "Registration": [
        (
            "tagged polygon",
            {
                "applicationId": "demo-tagger",
                "displayName": "Demo tagger",
                "manufacturer": "Example Corp",
                "url": "http://ia-app.example:5001/hook",
                "inputTemplate": {"type": "taggedPolygon", "content": {"tags": ["Tumor", "Stroma"]}},
                "context": {"mode": "primitive"},
            },
        ),
        (
            "whole slide without context",
            {
                "applicationId": "wsi",
                "displayName": "WSI",
                "manufacturer": "HUG",
                "url": "http://10.0.0.1:5000/feedback",
                "inputTemplate": {"type": "wholeSlide"},
            },
        ),
    ],
    "Invocation": [
        ("create, tagged polygon", CREATE_INVOCATION),
        (
            "create, whole slide",
            {**CREATE_INVOCATION, "context": None, "input": {"type": "wholeSlide"}},
        ),
        (
            "create, multi area",
            {
                **CREATE_INVOCATION,
                "input": {
                    "type": "multiArea",
                    "content": {"polygons": [CREATE_INVOCATION["input"]["content"]["polygon"]]},
                },
            },
        ),
        (
            "cancel",
            {
                "action": "cancel",
                "applicationId": "demo-tagger",
                "slideId": "4f1c2e",
                "callbackInfo": CALLBACK,
                "cancellationToken": "c0ffee-01",
            },
        ),
        (
            "create, input type from a newer DPAT (UnknownInput, kept raw)",
            {**CREATE_INVOCATION, "input": {"type": "freehand", "content": {"strokes": [[0.1, 0.2]]}, "extra": 1}},
        ),
        ("modify", {**CREATE_INVOCATION, "action": "modify", "input": RESULT_RESPONSE}),
        ("delete", {**CREATE_INVOCATION, "action": "delete", "input": RESULT_RESPONSE}),
    ],
    "ImageNotification": [
        (
            "amspath form",
            {
                "applicationId": "demo-wsi",
                "slideId": "8a9b0c",
                "callbackInfo": CALLBACK,
                "action": "newImageFiles",
                "cancellationToken": "b1d2",
                "input": {"type": "wholeSlide"},
                "imageInfo": IMAGE_INFO_BASIC,
            },
        ),
        (
            "contrib form",
            {"applicationId": "demo-wsi", "slideId": "8a9b0c", "callbackInfo": CALLBACK, "imageInfo": IMAGE_INFO_BASIC},
        ),
    ],
    "ApplicationInfo": [("DPAT 4.2", {"apiVersion": "1.10", "softwareVersion": "4.2.0.22617"})],
    "Token": [("downloader", {"access_token": "abc", "token_type": "Bearer", "expires_in": 3600})],
    "ImageInfo": [("basic", IMAGE_INFO_BASIC), ("extended with PHI", IMAGE_INFO_FULL)],
    "CaseImageInfo": [
        (
            "with PHI",
            {
                "id": "4f1c2e",
                "staining": {"displayName": "HE"},
                "block": {"displayName": "A1"},
                "specimen": {"anatomy": "Breast", "description": "Resection"},
                "seriesInstanceUid": "1.2.752.24.2.1",
                "lisSlideId": "A2025-1-1",
            },
        ),
        ("minimal", {"id": "4f1c2e", "staining": {"displayName": "HE"}, "block": {"displayName": "A1"}}),
    ],
    "Result": [
        ("primitive list", PRIMITIVE_RESULT),
        ("patch gallery", PATCH_RESULT),
        ("single primitive object", SINGLE_PRIMITIVE_RESULT),
        ("minimal", {"slideId": "4f1c2e"}),
        (
            "with arcs and attachments",
            {
                "slideId": "s",
                "attachments": [{"name": "mask.png", "state": "stored"}],
                "data": {
                    "result": {
                        "type": "primitive",
                        "content": [
                            {
                                "arcs": [
                                    {"center": {"x": 0.5, "y": 0.5}, "radius": 0.1, "startAngle": 0, "endAngle": 3.14}
                                ]
                            }
                        ],
                    }
                },
            },
        ),
    ],
    "ResultResponse": [
        ("create answer", RESULT_RESPONSE),
        ("downloader fixture", {"slideId": "s", "id": 1, "versionId": "a", "attachments": None, "data": {}}),
    ],
    "ResultUpdate": [("full result plus versionId", {**RESULT_RESPONSE, "versionId": "v1"})],
    "QualityControl": [
        ("QC ok", {"applicationVersion": "1.2.0", "qualityControl": {"status": "QualityOk", "versionId": "7"}})
    ],
    "LaunchResponse": [
        (
            "viewer",
            {
                "callbackInfo": {"token": "t", "url": CALLBACK["url"]},
                "blocks": [{"name": "A", "slides": [{"id": "4f1c2e", "description": "A1 HE"}]}],
            },
        )
    ],
    "Application": [
        (
            "context as string",
            {"applicationId": "viewer", "displayName": "Viewer", "manufacturer": "Sectra", "context": "{}"},
        ),
        (
            "context as object",
            {"applicationId": "viewer", "displayName": "Viewer", "manufacturer": "Sectra", "context": {"a": 1}},
        ),
    ],
}


def _with(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with the dotted ``path`` set to ``value`` (``...`` deletes it)."""
    doc = copy.deepcopy(base)
    *parents, last = path.split(".")
    node: Any = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    if value is ...:
        del node[key]
    else:
        node[key] = value
    return doc


# (schema, payload, JSON path that must be named, why)
INVALID: list[tuple[str, Any, str, str]] = [
    ("Result", _with(PRIMITIVE_RESULT, "slideId", ...), "$", "missing slideId"),
    ("Result", _with(PRIMITIVE_RESULT, "slideId", 7), "$.slideId", "slideId not a string"),
    (
        "Result",
        _with(PRIMITIVE_RESULT, "data.result.content.0.polygons.0.points.2", {"x": 0.4}),
        "$.data.result.content[0].polygons[0].points[2]",
        "point without y",
    ),
    ("Result", _with(PRIMITIVE_RESULT, "data.result.type", "heatmap"), "$.data.result.type", "unknown result type"),
    (
        "Result",
        _with(PRIMITIVE_RESULT, "data.result.content", "lots"),
        "$.data.result.content",
        "content of the wrong type",
    ),
    (
        "Result",
        _with(PRIMITIVE_RESULT, "data.result.content.0.polygons.0.points", [{"x": 0, "y": 0}, {"x": 1, "y": 1}]),
        "$.data.result.content[0].polygons[0].points",
        "polygon with two points",
    ),
    (
        "Result",
        _with(PRIMITIVE_RESULT, "data.result.content.0.polylines.0.points", [{"x": 0, "y": 0}]),
        "$.data.result.content[0].polylines[0].points",
        "polyline with one point",
    ),
    (
        "Result",
        _with(PRIMITIVE_RESULT, "data.result.content.0.style.strokeStyle", "orange"),
        "$.data.result.content[0].style.strokeStyle",
        "colour name instead of #RRGGBB",
    ),
    (
        "Result",
        _with(PRIMITIVE_RESULT, "data.result.content.0.style.size", -2),
        "$.data.result.content[0].style.size",
        "negative stroke size",
    ),
    (
        "Result",
        _with(PRIMITIVE_RESULT, "data.result.content.0.polygons.0.points.0.x", float("nan")),
        "$.data.result.content[0].polygons[0].points[0].x",
        "coordinate not finite",
    ),
    (
        "Result",
        _with(PATCH_RESULT, "data.result.content.patchSize", -64),
        "$.data.result.content.patchSize",
        "negative patch size",
    ),
    (
        "Result",
        _with(PATCH_RESULT, "data.result.content.tags", ["a", "b", "c", "d", "e", "f"]),
        "$.data.result.content.tags",
        "six gallery tags",
    ),
    (
        "Result",
        _with(PATCH_RESULT, "data.result.content.patches.0.tag", 2),
        "$.data.result.content.patches[0].tag",
        "patch tag outside the tags list",
    ),
    (
        "Result",
        _with(PATCH_RESULT, "data.result.content.description", ...),
        "$.data.result.content",
        "patch gallery without description",
    ),
    (
        "Result",
        _with(PRIMITIVE_RESULT, "attachments", [{"name": "a", "state": "gone"}]),
        "$.attachments[0].state",
        "unknown attachment state",
    ),
    (
        "Result",
        _with(PRIMITIVE_RESULT, "displayProperties", {"flag": True}),
        "$.displayProperties.flag",
        "boolean property value",
    ),
    (
        "Invocation",
        _with(CREATE_INVOCATION, "input.content.tagIndex", ...),
        "$.input.content",
        "tagIndex missing while tags present",
    ),
    (
        "Invocation",
        _with(CREATE_INVOCATION, "input.content.tagIndex", 5),
        "$.input.content.tagIndex",
        "tagIndex outside the tags list",
    ),
    ("Invocation", _with(CREATE_INVOCATION, "action", "explode"), "$.action", "unknown action"),
    (
        "Invocation",
        _with(CREATE_INVOCATION, "input.type", "taggedPolygon") | {"input": {"type": "taggedPolygon"}},
        "$.input",
        "known input type without its content (not read as unknown)",
    ),
    ("Invocation", _with(CREATE_INVOCATION, "callbackInfo.url", ...), "$.callbackInfo", "callback without url"),
    ("Invocation", _with(CREATE_INVOCATION, "slideId", ...), "$", "invocation without slideId"),
    (
        "QualityControl",
        {"applicationVersion": "1", "qualityControl": {"status": "Great", "versionId": "7"}},
        "$.qualityControl.status",
        "unknown QC status",
    ),
    ("ImageInfo", _with(IMAGE_INFO_BASIC, "imageSize.width", -1), "$.imageSize.width", "negative image width"),
    ("ImageInfo", _with(IMAGE_INFO_BASIC, "tileSize", ...), "$", "image info without tileSize"),
    (
        "Registration",
        {"applicationId": "a", "displayName": "A", "manufacturer": "M", "url": "u", "inputTemplate": {"type": "x"}},
        "$.inputTemplate.type",
        "unknown input template type",
    ),
    ("ApplicationInfo", {"apiVersion": "one", "softwareVersion": "1"}, "$.apiVersion", "version not major.minor"),
    ("QidoResponse", [{"0010001": {"vr": "PN"}}], "$[0]", "7-digit tag"),
    ("QidoResponse", [{"00100010": {"vr": "XX"}}], "$[0].00100010", "unknown VR"),
    (
        "QidoResponse",
        [{"7FE00010": {"vr": "OB", "InlineBinary": "AA==", "BulkDataURI": "x"}}],
        "$[0].7FE00010",
        "inline and bulk",
    ),
]
