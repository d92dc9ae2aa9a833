"""Draw a result as DPAT shows it over a slide's thumbnail or a region, with Pillow (no browser): CI artefacts, reports.

`draw_result` draws on an image you have; `render_result` fetches the slide picture through an IA-API client
(`DPATAIClient`, e.g. on the simulator) and draws on it. Points are DPAT's: normalised by the image width
(x from 0 to 1, y from 0 to height/width). Styles: ``strokeStyle`` / ``fillStyle`` as ``#RGB``, ``#RGBA``,
``#RRGGBB`` or ``#RRGGBBAA``; ``size`` is the stroke width in output pixels. The viewer in the simulator
(`sectra_dpat_client.simulator.viewer`) draws the same way.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw, ImageFont

from .errors import DPATError

if TYPE_CHECKING:
    from .ai import DPATAIClient

__all__ = ["DPATRenderError", "draw_result", "render_result"]

DEFAULT_STROKE = (255, 255, 0, 255)
GALLERY_STROKE = (0, 229, 255, 255)
TAG_COLOURS = ((255, 77, 77), (77, 166, 255), (92, 230, 92), (255, 184, 77), (217, 77, 255), (255, 255, 255))
_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_MAX_OUTPUT = 16_384


class DPATRenderError(DPATError, ValueError):
    """A result cannot be drawn: the message names the field (e.g. ``content[0].style.strokeStyle``)."""


def _colour(value: Any, where: str, default: tuple[int, int, int, int] | None) -> tuple[int, int, int, int] | None:
    if value is None:
        return default
    if not isinstance(value, str) or not _COLOUR.fullmatch(value):
        raise DPATRenderError(f"{where}: {value!r} is not a colour (#RGB, #RGBA, #RRGGBB or #RRGGBBAA)")
    digits = value[1:]
    if len(digits) in (3, 4):
        digits = "".join(c * 2 for c in digits)
    if len(digits) == 6:
        digits += "ff"
    r, g, b, a = (int(digits[i : i + 2], 16) for i in range(0, 8, 2))
    return r, g, b, a


def _as_dict(result: Any) -> Mapping[str, Any]:
    if hasattr(result, "to_dict"):
        result = result.to_dict()
    if not isinstance(result, Mapping):
        raise DPATRenderError("the result must be a Result / ResultResponse object or its JSON")
    return result


def _content(result: Mapping[str, Any]) -> tuple[str, Any]:
    data = result.get("data")
    inner = data.get("result") if isinstance(data, Mapping) else None
    if not isinstance(inner, Mapping):
        raise DPATRenderError("data.result: missing (a result's drawing is in data.result)")
    kind = inner.get("type")
    if kind not in ("primitive", "patchCollection"):
        raise DPATRenderError(f"data.result.type: {kind!r} is not primitive or patchCollection")
    return str(kind), inner.get("content")


class _Mapper:
    """Normalised DPAT points to output pixels for an image showing a full-resolution box of the slide."""

    def __init__(self, slide_width: float, box: tuple[float, float, float, float], size: tuple[int, int]) -> None:
        x, y, w, h = box
        self.x0, self.y0 = x, y
        self.sx, self.sy = size[0] / w, size[1] / h
        self.slide_width = slide_width

    def point(self, p: Any, where: str) -> tuple[float, float]:
        try:
            px, py = float(p["x"]), float(p["y"])
        except (TypeError, KeyError, ValueError):
            raise DPATRenderError(f"{where}: a point needs numbers x and y") from None
        if not (math.isfinite(px) and math.isfinite(py)):
            raise DPATRenderError(f"{where}: x and y must be finite")
        return (px * self.slide_width - self.x0) * self.sx, (py * self.slide_width - self.y0) * self.sy

    def points(self, shape: Any, where: str) -> list[tuple[float, float]]:
        pts = shape.get("points") if isinstance(shape, Mapping) else None
        if not isinstance(pts, Sequence):
            raise DPATRenderError(f"{where}.points: missing")
        return [self.point(p, f"{where}.points[{i}]") for i, p in enumerate(pts)]


def _list(item: Mapping[str, Any], key: str, where: str) -> Sequence[Any]:
    value = item.get(key)
    if value is None:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise DPATRenderError(f"{where}.{key}: must be a list")
    return value


def _draw_primitive(draw: ImageDraw.ImageDraw, item: Any, where: str, m: _Mapper) -> None:
    if not isinstance(item, Mapping):
        raise DPATRenderError(f"{where}: a primitive item must be an object")
    style = item.get("style") or {}
    if not isinstance(style, Mapping):
        raise DPATRenderError(f"{where}.style: must be an object")
    stroke = _colour(style.get("strokeStyle"), f"{where}.style.strokeStyle", DEFAULT_STROKE)
    fill = _colour(style.get("fillStyle"), f"{where}.style.fillStyle", None)
    size = style.get("size")
    width = max(1, round(size)) if isinstance(size, int | float) and size > 0 else 2
    for i, polygon in enumerate(_list(item, "polygons", where)):
        pts = m.points(polygon, f"{where}.polygons[{i}]")
        if len(pts) >= 2:
            draw.polygon(pts, fill=fill)
            draw.line([*pts, pts[0]], fill=stroke, width=width, joint="curve")
    for i, polyline in enumerate(_list(item, "polylines", where)):
        pts = m.points(polyline, f"{where}.polylines[{i}]")
        if len(pts) >= 2:
            draw.line(pts, fill=stroke, width=width, joint="curve")
    for i, arc in enumerate(_list(item, "arcs", where)):
        if not isinstance(arc, Mapping):
            raise DPATRenderError(f"{where}.arcs[{i}]: must be an object")
        cx, cy = m.point(arc.get("center"), f"{where}.arcs[{i}].center")
        try:
            r = float(arc["radius"]) * m.slide_width * m.sx
            start, end = math.degrees(float(arc["startAngle"])), math.degrees(float(arc["endAngle"]))
        except (KeyError, TypeError, ValueError):
            raise DPATRenderError(f"{where}.arcs[{i}]: needs numbers radius, startAngle, endAngle") from None
        if r > 0 and math.isfinite(r):
            draw.arc((cx - r, cy - r, cx + r, cy + r), start, end, fill=stroke, width=width)
    for i, label in enumerate(_list(item, "labels", where)):
        if not isinstance(label, Mapping):
            raise DPATRenderError(f"{where}.labels[{i}]: must be an object")
        x, y = m.point(label.get("location"), f"{where}.labels[{i}].location")
        text = str(label.get("label", ""))
        draw.text((x, y), text, fill=stroke, font=_font(), stroke_width=2, stroke_fill=(0, 0, 0, 190))


def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=14)  # Pillow's bundled font, scalable when FreeType is there
    except (TypeError, OSError, ImportError):
        return ImageFont.load_default()


def _draw_gallery(draw: ImageDraw.ImageDraw, content: Any, m: _Mapper, base_magnification: float) -> None:
    if not isinstance(content, Mapping):
        raise DPATRenderError("data.result.content: a patch gallery's content must be an object")
    for i, polygon in enumerate(_list(content, "polygons", "content")):
        pts = m.points(polygon, f"content.polygons[{i}]")
        if len(pts) >= 2:
            draw.line([*pts, pts[0]], fill=GALLERY_STROKE, width=2)
    magnification = content.get("magnification")
    mag = float(magnification) if isinstance(magnification, int | float) and magnification > 0 else base_magnification
    size = content.get("patchSize")
    patch = float(size) if isinstance(size, int | float) and size > 0 else 0.0
    half = patch * base_magnification / mag * m.sx / 2
    for i, p in enumerate(_list(content, "patches", "content")):
        if not isinstance(p, Mapping):
            raise DPATRenderError(f"content.patches[{i}]: must be an object")
        x, y = m.point(p.get("position"), f"content.patches[{i}].position")
        raw_tag = p.get("tag")
        tag = raw_tag if isinstance(raw_tag, int) else 0
        colour = TAG_COLOURS[abs(tag) % len(TAG_COLOURS)]
        draw.rectangle((x - half, y - half, x + half, y + half), outline=colour, width=1)


def draw_result(
    image: Image.Image,
    result: Any,
    *,
    slide_width: float,
    region: tuple[float, float, float, float] | None = None,
    microns_per_pixel: float = 0.25,
) -> Image.Image:
    """A copy of ``image`` with ``result`` drawn on it.

    ``image`` shows ``region`` (x, y, width, height in full-resolution pixels; default: the whole slide,
    whose height follows from the image's aspect). ``microns_per_pixel`` sizes patch-gallery patches.
    Raises `DPATRenderError` naming the first field that cannot be drawn.
    """
    body = _as_dict(result)
    kind, content = _content(body)
    if not (slide_width > 0 and math.isfinite(slide_width)):
        raise DPATRenderError("slide_width must be a positive number")
    if region is None:
        region = (0.0, 0.0, float(slide_width), slide_width * image.height / image.width)
    if region[2] <= 0 or region[3] <= 0:
        raise DPATRenderError("region width and height must be positive")
    mapper = _Mapper(slide_width, region, image.size)
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    if kind == "primitive":
        items = content if isinstance(content, Sequence) and not isinstance(content, str | Mapping) else [content]
        for i, item in enumerate(items):
            _draw_primitive(draw, item or {}, f"content[{i}]", mapper)
    else:
        _draw_gallery(draw, content, mapper, 10.0 / microns_per_pixel if microns_per_pixel > 0 else 40.0)
    return Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")


def render_result(
    client: DPATAIClient,
    result: Any,
    *,
    slide_id: str | None = None,
    region: tuple[float, float, float, float] | None = None,
    max_size: int = 1024,
) -> Image.Image:
    """The slide's thumbnail (or ``region``: x, y, width, height in full-resolution pixels) with ``result`` drawn.

    The picture is at most ``max_size`` pixels on its longer side; the slide is ``slide_id`` or the result's
    ``slideId``. Tiles come through ``client`` (a `DPATAIClient`).
    """
    body = _as_dict(result)
    _content(body)  # a result that cannot be drawn fails before any tile is fetched
    slide = slide_id if slide_id is not None else body.get("slideId")
    if not isinstance(slide, str) or not slide:
        raise DPATRenderError("no slide: give slide_id or a result with slideId")
    if not (isinstance(max_size, int) and 0 < max_size <= _MAX_OUTPUT):
        raise DPATRenderError(f"max_size must be 1..{_MAX_OUTPUT}")
    info = client.get_image_info(slide)
    width, height = int(info.image_size.width), int(info.image_size.height)
    mpp = float(info.microns_per_pixel or 0.25)
    if region is None:
        picture = client.get_thumbnail(slide, max_size)
        box = (0.0, 0.0, float(width), float(height))
    else:
        x, y, w, h = (float(v) for v in region)
        if not (w > 0 and h > 0 and all(math.isfinite(v) for v in (x, y, w, h))):
            raise DPATRenderError("region: x, y, width, height must be finite, width and height positive")
        top = max(0, math.ceil(math.log2(max(width, height, 1))))
        shrink = max(0, math.ceil(math.log2(max(w, h) / max_size))) if max(w, h) > max_size else 0
        level = max(0, top - shrink)
        factor = 2 ** (top - level)
        out_w, out_h = max(1, math.floor(w / factor)), max(1, math.floor(h / factor))
        pixels = client.read_region(slide, x, y, out_w, out_h, level=level, info=info)
        picture = Image.fromarray(pixels, "RGB")
        box = (x, y, out_w * factor, out_h * factor)
    return draw_result(picture, body, slide_width=width, region=box, microns_per_pixel=mpp)
