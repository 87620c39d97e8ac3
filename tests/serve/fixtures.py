"""Images written in the test session (PNG, JPEG, DICOM with made-up patient data); nothing is
copied from ../shared."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

CR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.1"
#: Made-up identifiers; tests check they never leak to the wrong role or to the log.
FAKE_PHI = {"PatientName": "Dupont^Zoé", "PatientID": "PID-778899", "PatientBirthDate": "19510203",
            "AccessionNumber": "ACC-4242", "InstitutionName": "Hôpital Imaginaire"}


def chest_like(size: int = 64, seed: int = 0) -> np.ndarray:
    """A uint8 image with two dark 'lungs' in a brighter body, plus noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    img = 0.7 - 0.5 * (((x - 0.32) / 0.16) ** 2 + ((y - 0.5) / 0.3) ** 2 < 1)
    img -= 0.5 * (((x - 0.68) / 0.16) ** 2 + ((y - 0.5) / 0.3) ** 2 < 1)
    img = img + rng.normal(0, 0.05, img.shape)
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def png_bytes(size: int = 64, seed: int = 0) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(chest_like(size, seed)).save(buf, format="PNG")
    return buf.getvalue()


def jpeg_bytes(size: int = 64, seed: int = 0) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(chest_like(size, seed)).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def dicom_bytes(size: int = 64, seed: int = 0, phi: dict | None = None, **attrs) -> bytes:
    """A Computed Radiography Part 10 file with 12-bit pixels and the given header attributes."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CR_IMAGE_STORAGE
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = CR_IMAGE_STORAGE
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.Modality, ds.ViewPosition, ds.BodyPartExamined = "CR", "PA", "CHEST"
    ds.Rows = ds.Columns = size
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    for k, v in {**FAKE_PHI, **(phi or {}), **attrs}.items():
        setattr(ds, k, v)
    ds.PixelData = (chest_like(size, seed).astype(np.uint16) * 16).tobytes()
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()
