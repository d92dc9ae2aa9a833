"""Deterministic synthetic slide content: Deep Zoom geometry and tiles, labels, and original files.

Tiles are rendered from a closed-form pattern (tissue blobs with a stain texture), so any tile of
any level is computed on its own, without a full-size image. File bytes are generated chunk by
chunk, so a multi-GiB file never sits in memory and every byte can be recomputed for checking.
"""

from __future__ import annotations

import hashlib
import io
import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from .store import Slide, SlideFile

__all__ = [
    "CHUNK_SIZE",
    "TILE_FORMATS",
    "TileGeometry",
    "file_bytes",
    "file_sha256",
    "iter_file",
    "label_jpeg",
    "level_count",
    "level_size",
    "render_tile",
    "tile_geometry",
    "top_level",
]

CHUNK_SIZE = 1024 * 1024
TILE_FORMATS: dict[str, tuple[str, str]] = {
    # extension in the URL -> (mime type, Pillow format); "jpeg" is accepted as Sectra's viewer sends it
    "jpg": ("image/jpeg", "JPEG"),
    "jpeg": ("image/jpeg", "JPEG"),
    "png": ("image/png", "PNG"),
}


def top_level(width: int, height: int) -> int:
    """The Deep Zoom level of the full-resolution image: ``ceil(log2(max(width, height)))``."""
    return max(0, math.ceil(math.log2(max(width, height, 1))))


def level_count(width: int, height: int) -> int:
    """Number of Deep Zoom levels (0 … top)."""
    return top_level(width, height) + 1


def level_size(width: int, height: int, level: int) -> tuple[int, int]:
    """Pixel size of a level: the full size times ``2**(level - top)``, floored, at least 1 (as Sectra does)."""
    scale = 2.0 ** (level - top_level(width, height))
    return max(1, math.floor(width * scale)), max(1, math.floor(height * scale))


@dataclass(frozen=True, slots=True)
class TileGeometry:
    """Where a tile lies in its level: pixel origin and size (edge tiles are smaller)."""

    level: int
    x: int
    y: int
    width: int
    height: int
    level_width: int
    level_height: int


def tile_geometry(slide: Slide, level: int, col: int, row: int) -> TileGeometry | None:
    """The tile's geometry, or ``None`` when the level, column or row does not exist."""
    if not 0 <= level <= top_level(slide.width, slide.height) or col < 0 or row < 0:
        return None
    lw, lh = level_size(slide.width, slide.height, level)
    ts = slide.tile_size
    x, y = col * ts, row * ts
    if x >= lw or y >= lh:
        return None
    return TileGeometry(level, x, y, min(ts, lw - x), min(ts, lh - y), lw, lh)


def _seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()[:8], "little")


def _blobs(slide: Slide) -> np.ndarray:
    """Tissue blobs: rows of (cx, cy, rx, ry) in full-resolution pixels."""
    rng = np.random.default_rng(_seed("blobs", slide.id))
    n = 5
    cx = rng.uniform(0.2, 0.8, n) * slide.width
    cy = rng.uniform(0.2, 0.8, n) * slide.height
    rx = rng.uniform(0.08, 0.22, n) * slide.width
    ry = rng.uniform(0.08, 0.22, n) * slide.height
    return np.stack([cx, cy, rx, ry], axis=1)


def render_tile(
    slide: Slide, geometry: TileGeometry, *, focal_plane: int = 0, optical_path: int = 0, ext: str = "jpg"
) -> bytes:
    """The encoded tile image; focal plane and optical path (indices into the slide's lists) change the pixels."""
    if slide.pixels is not None:
        g, fmt = geometry, TILE_FORMATS[ext][1]
        return bytes(slide.pixels.render_tile(g.x, g.y, g.width, g.height, (g.level_width, g.level_height), fmt))
    scale_x = slide.width / geometry.level_width
    scale_y = slide.height / geometry.level_height
    xs = (np.arange(geometry.x, geometry.x + geometry.width) + 0.5) * scale_x
    ys = (np.arange(geometry.y, geometry.y + geometry.height) + 0.5) * scale_y
    gx, gy = np.meshgrid(xs, ys)
    tissue = np.zeros(gx.shape)
    for cx, cy, rx, ry in _blobs(slide):
        tissue = np.maximum(tissue, 1.0 - ((gx - cx) / rx) ** 2 - ((gy - cy) / ry) ** 2)
    inside = np.clip(tissue * 4.0, 0.0, 1.0)
    # Nuclei-like texture at a fixed physical period; each focal plane blurs it differently.
    period = 40.0
    sharpness = 1.0 / (1.0 + abs(focal_plane))
    texture = 0.5 + 0.5 * sharpness * np.sin(gx / period * 2 * math.pi) * np.cos(gy / period * 2 * math.pi)
    if len(slide.optical_paths) > 1:  # fluorescence: one tinted channel per optical path
        tint = np.array([(0, 0, 255), (0, 255, 0), (255, 0, 0), (255, 255, 0)][optical_path % 4], dtype=float)
        rgb = (inside * texture)[..., None] * tint[None, None, :]
    else:
        background = np.array([242.0, 240.0, 244.0])
        eosin = np.array([230.0, 150.0, 190.0])
        haematoxylin = np.array([90.0, 60.0, 150.0])
        stain = eosin[None, None, :] * (1 - texture[..., None]) + haematoxylin[None, None, :] * texture[..., None]
        rgb = background[None, None, :] * (1 - inside[..., None]) + stain * inside[..., None]
    image = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")
    out = io.BytesIO()
    fmt = TILE_FORMATS[ext][1]
    image.save(out, fmt, quality=80) if fmt == "JPEG" else image.save(out, fmt)
    return out.getvalue()


def label_jpeg(slide: Slide) -> bytes:
    """A label image showing the slide's LIS id, staining and block (synthetic data only)."""
    image = Image.new("RGB", (400, 300), (250, 250, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, 391, 291), outline=(40, 40, 40), width=3)
    lines = ["SIMULATED LABEL", slide.lis_slide_id, f"{slide.block} {slide.staining}", slide.accession_number]
    for i, text in enumerate(lines):
        draw.text((24, 30 + 50 * i), text, fill=(10, 10, 10))
    # a fake 2D code: a deterministic checkerboard from the slide id
    bits = _seed("label", slide.id)
    for i in range(64):
        if bits >> i & 1:
            x, y = 300 + (i % 8) * 10, 180 + (i // 8) * 10
            draw.rectangle((x, y, x + 9, y + 9), fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _base_block(file: SlideFile, slide_id: str) -> bytes:
    rng = np.random.default_rng(_seed("file", slide_id, file.name))
    return rng.integers(0, 256, CHUNK_SIZE, dtype=np.uint8).tobytes()


def _chunk(base: bytes, key: int, index: int) -> bytes:
    stamp = struct.pack("<QQ", key, index)
    return stamp + base[len(stamp) :]


def iter_file(slide_id: str, file: SlideFile, *, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The file's bytes in pieces of at most ``chunk_size``; only one 1 MiB block is held at a time.

    DICOM files start with a 128-byte preamble and ``DICM``; every 1 MiB block is stamped with its
    index, so a lost or repeated block changes the file's hash.
    """
    if file.source is not None:
        from .pyramid import iter_disk_file

        yield from iter_disk_file(file.source, file.size, chunk_size=chunk_size)
        return
    base = _base_block(file, slide_id)
    key = _seed("key", slide_id, file.name)
    remaining = file.size
    index = 0
    while remaining > 0:
        block = _chunk(base, key, index)
        if index == 0 and file.mime_type == "application/dicom":
            block = b"\0" * 128 + b"DICM" + block[132:]
        block = block[: min(CHUNK_SIZE, remaining)]
        remaining -= len(block)
        index += 1
        for start in range(0, len(block), chunk_size):
            yield block[start : start + chunk_size]


def file_bytes(slide_id: str, file: SlideFile) -> bytes:
    """The whole file in memory (for small files and tests)."""
    return b"".join(iter_file(slide_id, file))


def file_sha256(slide_id: str, file: SlideFile) -> str:
    """SHA-256 of the file, computed by streaming."""
    digest = hashlib.sha256()
    for piece in iter_file(slide_id, file):
        digest.update(piece)
    return digest.hexdigest()
