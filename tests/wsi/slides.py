"""Test slides: pyramidal TIFFs (tifffile) and DICOM WSI instances (pydicom), written from a known image."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tifffile
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

__all__ = ["write_dicom_wsi", "write_tiff_pyramid"]

WSI_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.77.1.6"


def _level(image: np.ndarray, tile: int) -> tuple[np.ndarray, int]:
    """The image cut into row-major tiles (edge tiles padded white), and the number of frames."""
    h, w, _ = image.shape
    rows, cols = -(-h // tile), -(-w // tile)
    padded = np.full((rows * tile, cols * tile, 3), 255, dtype=np.uint8)
    padded[:h, :w] = image
    frames = padded.reshape(rows, tile, cols, tile, 3).swapaxes(1, 2).reshape(rows * cols, tile, tile, 3)
    return np.ascontiguousarray(frames), rows * cols


def write_dicom_wsi(folder: Path, image: np.ndarray, *, mpp: float, levels: int = 3, tile: int = 256) -> list[Path]:
    """Write ``image`` (H x W x 3 uint8) and ``levels - 1`` halvings as DICOM WSI instances into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    study, series, frame_of_reference = generate_uid(), generate_uid(), generate_uid()
    h0, w0, _ = image.shape
    written = []
    for k in range(levels):
        level = np.ascontiguousarray(image[:: 1 << k, :: 1 << k])
        h, w, _ = level.shape
        frames, count = _level(level, tile)
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = WSI_SOP_CLASS
        ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.SOPClassUID = WSI_SOP_CLASS
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame_of_reference
        ds.Modality = "SM"
        ds.PatientName, ds.PatientID = "Test^Slide", "TEST0001"
        ds.StudyID, ds.SeriesNumber, ds.InstanceNumber = "1", 1, k + 1
        ds.AccessionNumber = "A0001"
        ds.ContainerIdentifier = "SLIDE-1"
        ds.ImageType = (
            ["ORIGINAL", "PRIMARY", "VOLUME", "NONE"] if k == 0 else ["DERIVED", "PRIMARY", "VOLUME", "RESAMPLED"]
        )
        ds.Rows = ds.Columns = tile
        ds.TotalPixelMatrixColumns, ds.TotalPixelMatrixRows = w, h
        ds.TotalPixelMatrixFocalPlanes = 1
        ds.NumberOfFocalPlanes = 1
        ds.NumberOfFrames = count
        ds.DimensionOrganizationType = "TILED_FULL"
        ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
        ds.ImagedVolumeWidth = w0 * mpp / 1000.0
        ds.ImagedVolumeHeight = h0 * mpp / 1000.0
        ds.ImagedVolumeDepth = 0.001
        spacing = mpp * (1 << k) / 1000.0
        measures = Dataset()
        measures.PixelSpacing = [spacing, spacing]
        measures.SliceThickness = 0.001
        shared = Dataset()
        shared.PixelMeasuresSequence = Sequence([measures])
        ds.SharedFunctionalGroupsSequence = Sequence([shared])
        origin = Dataset()
        origin.XOffsetInSlideCoordinateSystem = 0.0
        origin.YOffsetInSlideCoordinateSystem = 0.0
        ds.TotalPixelMatrixOriginSequence = Sequence([origin])
        ds.ImageOrientationSlide = [0, -1, 0, -1, 0, 0]
        optical = Dataset()
        optical.OpticalPathIdentifier = "0"
        illumination = Dataset()
        illumination.CodeValue, illumination.CodingSchemeDesignator = "111744", "DCM"
        illumination.CodeMeaning = "Brightfield illumination"
        optical.IlluminationTypeCodeSequence = Sequence([illumination])
        color = Dataset()
        color.CodeValue, color.CodingSchemeDesignator, color.CodeMeaning = "414298005", "SCT", "Full Spectrum"
        optical.IlluminationColorCodeSequence = Sequence([color])
        ds.OpticalPathSequence = Sequence([optical])
        ds.NumberOfOpticalPaths = 1
        ds.SpecimenLabelInImage = "NO"
        ds.BurnedInAnnotation = "NO"
        ds.FocusMethod = "AUTO"
        ds.ExtendedDepthOfField = "NO"
        ds.VolumetricProperties = "VOLUME"
        ds.PixelData = frames.tobytes()
        path = folder / f"level{k}.dcm"
        ds.save_as(path, enforce_file_format=True)
        written.append(path)
    return written


def write_tiff_pyramid(path: Path, image: np.ndarray, *, mpp: float, levels: int = 3, tile: int = 256) -> Path:
    """Write ``image`` and ``levels - 1`` halvings as a tiled pyramidal TIFF (zlib, resolution in pixels/cm)."""
    with tifffile.TiffWriter(path) as tif:
        for k in range(levels):
            res = 1e4 / (mpp * (1 << k))
            tif.write(
                np.ascontiguousarray(image[:: 1 << k, :: 1 << k]),
                tile=(tile, tile),
                photometric="rgb",
                compression="zlib",
                resolution=(res, res),
                resolutionunit="CENTIMETER",
                subfiletype=0 if k == 0 else 1,
            )
    return path
