"""Write small real DICOM files with pydicom (no DICOM is copied from ../shared)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, JPEG2000Lossless, RLELossless, generate_uid

CR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.1"


def write_dicom(
    path: str | Path,
    pixels: np.ndarray,
    photometric: str = "MONOCHROME2",
    slope: float | None = None,
    intercept: float | None = None,
    voi_lut: tuple[list[int], list[int]] | None = None,
    compress: str | None = None,
    **attrs,
) -> Path:
    """A Computed Radiography DICOM of unsigned 16-bit ``pixels`` (12 bits stored)."""
    path = Path(path)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CR_IMAGE_STORAGE
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = CR_IMAGE_STORAGE
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "CR"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = 16
    ds.BitsStored = 16 if compress else 12
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 0
    if slope is not None:
        ds.RescaleSlope = slope
        ds.RescaleIntercept = intercept or 0
    if voi_lut is not None:
        item = Dataset()
        item.add_new(0x00283002, "US", voi_lut[0])  # LUT Descriptor: entries, first value, bits
        item.add_new(0x00283006, "US", voi_lut[1])  # LUT Data (US rather than ambiguous OW)
        ds.VOILUTSequence = Sequence([item])
    for k, v in attrs.items():
        setattr(ds, k, v)
    arr = np.ascontiguousarray(pixels.astype(np.uint16))
    ds.PixelData = arr.tobytes()
    if compress == "rle":
        ds.compress(RLELossless, arr)
    elif compress == "j2k":
        ds.compress(JPEG2000Lossless, arr, encoding_plugin="pylibjpeg")
    ds.save_as(path, enforce_file_format=True)
    return path
