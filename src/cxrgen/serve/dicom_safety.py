"""Checked decoding of uploaded images, and the line between identifying and clinical DICOM data.

* The type of an upload is decided by its content (magic bytes), never by its name:
  PNG ``89 50 4E 47 0D 0A 1A 0A``, JPEG ``FF D8 FF``, DICOM Part 10 ``DICM`` at offset 128
  (DICOM PS3.10 section 7.1). Anything else is refused.
* DICOM is parsed with pydicom inside a guard that turns every parser failure into an
  :class:`~cxrgen.errors.InputError`; the pixel count is checked from the header *before* the
  pixels are decoded, so a forged 100000 x 100000 header cannot exhaust memory.
* Identifying attributes (a subset of the DICOM PS3.15 Annex E Basic Application Level
  Confidentiality Profile that covers what chest radiographs carry) are split off into a PHI
  dictionary that the API shows only to roles allowed to see it, and which is never logged.
  With de-identification on, those attributes are removed from the stored DICOM as well, and the
  UIDs replaced, per the same profile's "remove" / "replace" actions.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from cxrgen.data.image_io import load_image_bytes
from cxrgen.errors import InputError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"

#: Identifying attributes (PS3.15 Annex E, Table E.1-1, those present in CR/DX headers).
PHI_KEYWORDS = (
    "PatientName", "PatientID", "PatientBirthDate", "PatientBirthTime", "PatientSex",
    "PatientAge", "PatientAddress", "PatientTelephoneNumbers", "OtherPatientIDs",
    "OtherPatientNames", "PatientMotherBirthName", "MilitaryRank", "EthnicGroup",
    "AccessionNumber", "InstitutionName", "InstitutionAddress", "ReferringPhysicianName",
    "PerformingPhysicianName", "OperatorsName", "PhysiciansOfRecord", "NameOfPhysiciansReadingStudy",
    "StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate", "StudyTime", "SeriesTime",
    "AcquisitionTime", "ContentTime", "StudyID", "StationName", "DeviceSerialNumber",
    "InstitutionalDepartmentName", "RequestingPhysician", "StudyDescription",
)
#: UIDs that link an image to a patient's other records; replaced on de-identification.
UID_KEYWORDS = ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "FrameOfReferenceUID")
#: Clinical, non-identifying attributes kept for every role.
META_KEYWORDS = (
    "Modality", "ViewPosition", "BodyPartExamined", "PhotometricInterpretation", "Rows", "Columns",
    "BitsStored", "PixelSpacing", "ImagerPixelSpacing", "WindowCenter", "WindowWidth",
)


@dataclass
class DecodedUpload:
    kind: str  # png | jpeg | dicom
    display_png: bytes  # 8-bit grayscale PNG for the viewer
    pixels: np.ndarray  # float32 (H, W) in [0, 1], what the model sees
    stored_bytes: bytes  # what goes to the content store (de-identified DICOM when asked)
    meta: dict[str, Any] = field(default_factory=dict)
    phi: dict[str, Any] = field(default_factory=dict)


def sniff(data: bytes) -> str | None:
    if data.startswith(PNG_MAGIC):
        return "png"
    if data.startswith(JPEG_MAGIC):
        return "jpeg"
    if len(data) >= 132 and data[128:132] == b"DICM":
        return "dicom"
    return None


def decode_upload(data: bytes, name: str, *, label: str, max_pixels: int,
                  deidentify: bool) -> DecodedUpload:
    """Check and decode one uploaded file. ``name`` (the client's file name) is kept as PHI, never
    put in messages (file names often carry patient names); ``label`` (e.g. "file 2 of the
    upload") names the file in errors."""
    kind = sniff(data)
    if kind is None:
        raise InputError(f"{label}: not a PNG, JPEG or DICOM file (checked by content, not by name);"
                         f" upload chest X-ray images in one of these formats")
    phi: dict[str, Any] = {"filename": name}
    meta: dict[str, Any] = {}
    stored = data
    if kind == "dicom":
        ds = _read_dicom(data, label)
        _check_pixels(int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0), label, max_pixels)
        meta = {k: _jsonable(ds.get(k)) for k in META_KEYWORDS if k in ds}
        phi.update({k: _jsonable(ds.get(k)) for k in PHI_KEYWORDS if k in ds})
        if deidentify:
            stored = deidentify_dicom(ds)
            phi = {}
    else:
        try:
            with Image.open(io.BytesIO(data)) as img:
                w, h = img.size
        except Exception as exc:  # Pillow raises many types for corrupt headers
            raise InputError(f"{label}: corrupt {kind.upper()} header ({type(exc).__name__}); "
                             f"re-export the image") from None
        _check_pixels(h, w, label, max_pixels)
        if deidentify:
            phi = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pixels = load_image_bytes(data, label)  # InputError on corrupt pixel data
    display = Image.fromarray(np.clip(pixels * 255.0 + 0.5, 0, 255).astype(np.uint8), mode="L")
    buf = io.BytesIO()
    display.save(buf, format="PNG")
    meta.update({"width": int(pixels.shape[1]), "height": int(pixels.shape[0])})
    return DecodedUpload(kind, buf.getvalue(), pixels, stored, meta, phi)


class RedactPydicom(logging.Filter):
    """pydicom's parse warnings quote header values ("Invalid value for VR PN: 'Doe^Jane'"),
    which may be PHI: the service keeps the event but withholds the text."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = "pydicom warning withheld (it may quote header values)", ()
        return True


def install_log_redaction() -> None:
    """Called by the service at start-up; idempotent."""
    logger = logging.getLogger("pydicom")
    if not any(isinstance(f, RedactPydicom) for f in logger.filters):
        logger.addFilter(RedactPydicom())


def _read_dicom(data: bytes, label: str):
    import pydicom

    try:
        with warnings.catch_warnings():  # warnings quote header values: never shown
            warnings.simplefilter("ignore")
            # defer_size keeps large elements (pixel data) unread until needed
            ds = pydicom.dcmread(io.BytesIO(data), defer_size="1 MB")
            _ = ds.get("Rows"), ds.get("Columns"), ds.get("PixelData") is not None
    except Exception as exc:  # pydicom raises a wide range of types on malformed input
        raise InputError(f"{label}: corrupt DICOM ({type(exc).__name__}); the file could not be "
                         f"parsed, re-export it from the PACS") from None
    if "PixelData" not in ds:
        raise InputError(f"{label}: DICOM file has no pixel data (not an image object)")
    return ds


def _check_pixels(rows: int, cols: int, label: str, max_pixels: int) -> None:
    if rows <= 0 or cols <= 0:
        raise InputError(f"{label}: image has no size in its header (rows={rows}, cols={cols})")
    if rows * cols > max_pixels:
        raise InputError(f"{label}: image of {cols} x {rows} pixels exceeds the limit of "
                         f"{max_pixels} pixels; downsample it before upload")


def deidentify_dicom(ds) -> bytes:
    """Remove the PHI attributes and private tags, replace linking UIDs, return Part 10 bytes."""
    from pydicom.uid import generate_uid

    for kw in PHI_KEYWORDS:
        if kw in ds:
            delattr(ds, kw)
    ds.remove_private_tags()
    for kw in UID_KEYWORDS:
        if kw in ds:
            setattr(ds, kw, generate_uid())
    if "SOPInstanceUID" in ds and hasattr(ds, "file_meta"):
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = "cxrgen: PS3.15 Annex E basic profile subset"
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def _jsonable(value) -> Any:
    if value is None:
        return None
    if isinstance(value, (int, float, str)):
        return value
    try:
        from pydicom.multival import MultiValue

        if isinstance(value, MultiValue):
            return [_jsonable(v) for v in value]
    except ImportError:  # pragma: no cover
        pass
    return str(value)
