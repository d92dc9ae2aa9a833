"""`open_slide`: a downloaded slide (a DICOM WSI folder or one native file) behind the `WholeSlide` interface.

DICOM WSI folders are read with wsidicom; native files (SVS, NDPI, MRXS, generic tiled TIFF, ...) with
OpenSlide (the ``openslide-bin`` wheel) and, failing that, tiffslide. All are in the ``[wsi]`` extra.
A path no installed reader opens raises `DPATSlideFormatError`; no reader installed at all raises
`DPATMissingExtraError`. ``open_slide(client, slide_id)`` gives a `RemoteSlide` over IA-API tiles.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from ..errors import DPATMissingExtraError, DPATQueryError, DPATSlideFormatError
from .slide import RemoteSlide, WholeSlide

if TYPE_CHECKING:
    from ..ai import DPATAIClient

__all__ = ["DicomSlide", "NativeSlide", "open_slide"]

RGBArray = npt.NDArray[np.uint8]
_EXTRA = "install the optional readers: pip install 'sectra-dpat-client[wsi]'"


def _rgb(image: Any) -> RGBArray:
    """RGB uint8 from a PIL image or an array; transparent (outside the image) pixels become black."""
    if isinstance(image, Image.Image) and image.mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
        return np.asarray(image.convert("RGB"))  # wholly inside the image: no alpha to apply
    pixels = np.asarray(image)
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        alpha = pixels[..., 3:4].astype(np.uint16)
        pixels = (pixels[..., :3].astype(np.uint16) * alpha // 255).astype(np.uint8)
    elif pixels.ndim == 2:
        pixels = np.repeat(pixels[..., None], 3, axis=2)
    return np.ascontiguousarray(pixels[..., :3], dtype=np.uint8)


class NativeSlide(WholeSlide):
    """A native file read with OpenSlide or tiffslide (``backend`` says which)."""

    def __init__(self, handle: Any, backend: str) -> None:
        self._handle = handle
        self.backend = backend
        props = handle.properties
        mpp_x = props.get("openslide.mpp-x") or props.get("tiffslide.mpp-x")
        try:
            mpp = float(mpp_x) if mpp_x not in (None, "") else None
        except (TypeError, ValueError):
            mpp = None
        super().__init__(handle.level_dimensions, mpp)

    @property
    def level_downsamples(self) -> tuple[float, ...]:
        """The reader's downsamples."""
        return tuple(float(d) for d in self._handle.level_downsamples)

    def _read(self, level: int, x: int, y: int, width: int, height: int) -> RGBArray:
        if self.backend == "tiffslide":
            return _rgb(self._handle.read_region((x, y), level, (width, height), as_array=True))
        return _rgb(self._handle.read_region((x, y), level, (width, height)))

    @property
    def associated_images(self) -> Mapping[str, Image.Image]:
        """The file's label, macro, thumbnail, ... images."""
        return {name: image.convert("RGB") for name, image in self._handle.associated_images.items()}

    def close(self) -> None:
        """Close the file."""
        self._handle.close()


class DicomSlide(WholeSlide):
    """A folder of DICOM WSI instances read with wsidicom."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self._levels = list(handle.levels)
        mpp = getattr(handle, "mpp", None)
        mpp_x = float(getattr(mpp, "width", 0.0) or 0.0) if mpp is not None else 0.0
        super().__init__([(lv.size.width, lv.size.height) for lv in self._levels], mpp_x or None)

    def _read(self, level: int, x: int, y: int, width: int, height: int) -> RGBArray:
        scale = self.level_downsamples[level]
        location = (round(x / scale), round(y / scale))
        image = self._handle.read_region(location, self._levels[level].level, (width, height))
        return _rgb(image.convert("RGB"))

    @property
    def associated_images(self) -> Mapping[str, Image.Image]:
        """Label and overview, when the folder has them."""
        out: dict[str, Image.Image] = {}
        for name, read in (("label", self._handle.read_label), ("macro", self._handle.read_overview)):
            try:
                out[name] = read().convert("RGB")
            except Exception:  # noqa: S112 -- wsidicom raises its own errors for an absent image
                continue
        return out

    def close(self) -> None:
        """Close the files."""
        self._handle.close()


def _open_dicom(folder: Path) -> WholeSlide:
    try:
        import wsidicom
    except ImportError as exc:
        raise DPATMissingExtraError(f"reading DICOM WSI needs wsidicom; {_EXTRA}") from exc
    try:
        return DicomSlide(wsidicom.WsiDicom.open(folder))
    except Exception as exc:
        raise DPATSlideFormatError(f"{folder.name!r} holds no DICOM WSI pyramid wsidicom can read: {exc}") from exc


def _open_native(path: Path) -> WholeSlide:
    tried: list[str] = []
    try:
        import openslide

        try:
            return NativeSlide(openslide.OpenSlide(os.fspath(path)), "openslide")
        except openslide.OpenSlideError as exc:
            tried.append(f"OpenSlide: {exc}")
    except ImportError:
        pass
    try:
        import tiffslide

        try:
            return NativeSlide(tiffslide.TiffSlide(os.fspath(path)), "tiffslide")
        except Exception as exc:
            tried.append(f"tiffslide: {type(exc).__name__}")
    except ImportError:
        pass
    if not tried:
        raise DPATMissingExtraError(f"reading {path.suffix or 'this'} files needs OpenSlide or tiffslide; {_EXTRA}")
    raise DPATSlideFormatError(f"no reader opens {path.name!r} ({'; '.join(tried)})")


def _is_dicom(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            fh.seek(128)
            return fh.read(4) == b"DICM"
    except OSError:
        return False


def open_slide(source: str | os.PathLike[str] | DPATAIClient, slide_id: str | None = None) -> WholeSlide:
    """Open a downloaded slide (a folder or one file), or ``open_slide(client, slide_id)`` over IA-API tiles."""
    if not isinstance(source, str | os.PathLike):
        if slide_id is None:
            raise DPATQueryError("open_slide(client, slide_id) needs the slide id")
        return RemoteSlide(source, slide_id)
    if slide_id is not None:
        raise DPATQueryError("slide_id is only for open_slide(client, slide_id)")
    path = Path(source)
    if not path.exists():
        raise DPATQueryError(f"{path.name!r} does not exist")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        if any(_is_dicom(p) for p in files):
            return _open_dicom(path)
        native = [p for p in files if p.suffix.lower() in {".svs", ".ndpi", ".mrxs", ".tif", ".tiff", ".scn", ".vms"}]
        if len(native) == 1:
            return _open_native(native[0])
        raise DPATSlideFormatError(f"folder {path.name!r} holds no DICOM WSI and not exactly one slide file")
    if _is_dicom(path):
        return _open_dicom(path.parent)
    return _open_native(path)
