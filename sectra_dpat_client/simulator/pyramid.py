"""Real slide files served by the simulator: `open_pyramid(path)` reads their pixels and lists their files.

A path is one image file (a tiled pyramidal TIFF/SVS, or any image Pillow opens) or a folder (DICOM WSI
instances, or one native file). The simulator reads pixels on its own, with Pillow for TIFF and
pydicom for DICOM (it imports nothing from the client it checks): the largest image is level 0, and
Deep Zoom levels are resampled from it, so a tile of the top Deep Zoom level is an exact crop of level 0.
Decoded pixels are held in memory: meant for test-sized slides (a few thousand pixels a side).
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageSequence

from .store import SlideFile

__all__ = ["FilePyramid", "SlidePathError", "iter_disk_file", "open_pyramid"]

Image.MAX_IMAGE_PIXELS = None  # the files are the user's own test slides

_MIME = {
    ".dcm": "application/dicom",
    ".svs": "image/tiff",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".ndpi": "image/tiff",
    ".mrxs": "application/octet-stream",
}
_CHUNK = 1024 * 1024


class SlidePathError(ValueError):
    """The path given to ``add_slide(path=...)`` holds no slide the simulator can serve."""


@dataclass(slots=True)
class FilePyramid:
    """Level-0 pixels of a real slide and the files it came from; renders Deep Zoom tiles on demand."""

    level0: Image.Image
    files: tuple[SlideFile, ...]
    microns_per_pixel: float | None
    _levels: dict[tuple[int, int], Image.Image] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def size(self) -> tuple[int, int]:
        """Width and height of level 0."""
        return self.level0.size

    def level_image(self, width: int, height: int) -> Image.Image:
        """The whole slide at ``width`` x ``height`` (level 0 itself, or resampled once and kept)."""
        if (width, height) == self.level0.size:
            return self.level0
        with self._lock:
            image = self._levels.get((width, height))
            if image is None:
                image = self.level0.resize((width, height), Image.Resampling.BOX)
                self._levels[width, height] = image
            return image

    def render_tile(self, x: int, y: int, width: int, height: int, level_size: tuple[int, int], fmt: str) -> bytes:
        """The tile at (x, y, width, height) of the level of ``level_size``, encoded as ``fmt`` (Pillow name)."""
        tile = self.level_image(*level_size).crop((x, y, x + width, y + height))
        out = io.BytesIO()
        tile.save(out, fmt, quality=90) if fmt == "JPEG" else tile.save(out, fmt)
        return out.getvalue()


def iter_disk_file(path: str, size: int, *, chunk_size: int = _CHUNK) -> Iterator[bytes]:
    """The file's bytes in pieces; exactly ``size`` bytes (a file that shrank since it was listed is an error)."""
    remaining = size
    with open(path, "rb") as handle:
        while remaining > 0:
            piece = handle.read(min(chunk_size, remaining))
            if not piece:
                raise OSError(f"{os.path.basename(path)} is shorter than when the slide was added")
            remaining -= len(piece)
            yield piece


def _slide_files(paths: list[Path]) -> tuple[SlideFile, ...]:
    return tuple(
        SlideFile(p.name, p.stat().st_size, _MIME.get(p.suffix.lower(), "application/octet-stream"), source=str(p))
        for p in paths
    )


def _tiff_mpp(image: Image.Image) -> float | None:
    """Microns per pixel from an Aperio description (``MPP = 0.25``) or the TIFF resolution tags."""
    description = str(image.tag_v2.get(270, "")) if hasattr(image, "tag_v2") else ""
    for part in description.split("|"):
        key, _, value = part.partition("=")
        if key.strip().upper() == "MPP":
            try:
                return float(value)
            except ValueError:
                break
    tags = getattr(image, "tag_v2", {})
    resolution, unit = tags.get(282), tags.get(296, 2)
    if resolution and float(resolution) > 0 and unit in (2, 3):
        per_micron = float(resolution) / (25_400.0 if unit == 2 else 10_000.0)
        return 1.0 / per_micron
    return None


def _open_image(path: Path) -> tuple[Image.Image, float | None]:
    """The largest page of an image file (pyramid levels, thumbnails and labels are pages of a TIFF)."""
    try:
        with Image.open(path) as opened:
            areas = [page.size[0] * page.size[1] for page in ImageSequence.Iterator(opened)]
            opened.seek(areas.index(max(areas)))  # the iterator yields one image, seeked page by page
            return opened.convert("RGB"), _tiff_mpp(opened)
    except (OSError, ValueError, SyntaxError) as exc:
        failure = SlidePathError(f"{path.name}: not an image the simulator can read ({type(exc).__name__})")
    raise failure  # outside the except block: the reader's error names the whole path (folders may name a patient)


def _open_dicom(paths: list[Path]) -> tuple[Image.Image, float | None]:
    """Level 0 of DICOM WSI instances: the VOLUME instance with the largest total pixel matrix."""
    import pydicom
    from pydicom.encaps import generate_frames

    best = None
    for path in paths:
        try:
            header = pydicom.dcmread(path, stop_before_pixels=True)
        except Exception as exc:  # pydicom raises many kinds for a file that is not DICOM
            failure: SlidePathError | None = SlidePathError(f"{path.name}: not a DICOM file ({type(exc).__name__})")
        else:
            failure = None
        if failure is not None:
            raise failure  # chaining nothing: pydicom's text may name the whole path or a value read
        image_type = [str(v).upper() for v in header.get("ImageType", [])]
        if "VOLUME" not in image_type and "THUMBNAIL" not in image_type:
            continue
        area = int(header.get("TotalPixelMatrixColumns", 0)) * int(header.get("TotalPixelMatrixRows", 0))
        if best is None or area > best[0]:
            best = (area, path)
    if best is None:
        raise SlidePathError("the folder holds no DICOM WSI volume instance")
    data = pydicom.dcmread(best[1])
    columns, rows = int(data.TotalPixelMatrixColumns), int(data.TotalPixelMatrixRows)
    tile_w, tile_h = int(data.Columns), int(data.Rows)
    across = -(-columns // tile_w)
    canvas = Image.new("RGB", (columns, rows))
    frames = int(data.get("NumberOfFrames", 1))
    if data.file_meta.TransferSyntaxUID.is_encapsulated:
        pieces: Iterator[Image.Image] = (
            Image.open(io.BytesIO(frame)).convert("RGB")
            for frame in generate_frames(data.PixelData, number_of_frames=frames)
        )
    else:
        array = np.asarray(data.pixel_array, dtype=np.uint8).reshape(frames, tile_h, tile_w, -1)
        pieces = (Image.fromarray(frame[..., :3]) for frame in array)
    for index, piece in enumerate(pieces):
        canvas.paste(piece, ((index % across) * tile_w, (index // across) * tile_h))
    mpp = None
    shared = data.get("SharedFunctionalGroupsSequence")
    if shared and "PixelMeasuresSequence" in shared[0]:
        spacing = shared[0].PixelMeasuresSequence[0].get("PixelSpacing")
        if spacing:
            mpp = float(spacing[1]) * 1000.0  # (row spacing, column spacing) in mm
    return canvas, mpp


def open_pyramid(path: str | os.PathLike[str]) -> FilePyramid:
    """Read a slide file or folder; `SlidePathError` names what is missing or unreadable."""
    root = Path(path)
    if root.is_dir():
        paths = sorted(p for p in root.iterdir() if p.is_file() and not p.name.startswith("."))
    elif root.is_file():
        paths = [root]
    else:
        raise SlidePathError(f"{root.name or root}: no such file or folder")
    if not paths:
        raise SlidePathError(f"{root.name}: the folder is empty")
    dicom = [p for p in paths if p.suffix.lower() == ".dcm"]
    if dicom:
        level0, mpp = _open_dicom(dicom)
    else:
        images = [p for p in paths if p.suffix.lower() != ".dat" and p.suffix.lower() != ".ini"]
        level0, mpp = _open_image(max(images, key=lambda p: p.stat().st_size))
    return FilePyramid(level0, _slide_files(paths), mpp)
