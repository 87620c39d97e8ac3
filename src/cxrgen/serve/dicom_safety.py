"""Checked decoding of uploaded images, and the line between identifying and clinical data.

* The type of an upload is decided by its content (magic bytes), never by its name:
  PNG ``89 50 4E 47 0D 0A 1A 0A``, JPEG ``FF D8 FF``, DICOM Part 10 ``DICM`` at offset 128
  (DICOM PS3.10 section 7.1). Anything else is refused.
* **Bounded decoding.** Before any pixel is decoded: rows x columns <= ``max_pixels``, and
  rows x columns x frames x samples x bits / 8 <= ``max_decoded_bytes``; a Deflated Explicit VR
  Little Endian dataset is inflated under the same byte budget (a 400 KB file may hold 800 MB).
  Of a multi-frame image only the first frame is decoded; every image is downscaled at intake
  to ``max_display_side`` and the drafter and the viewer read that copy.
* DICOM is parsed with pydicom inside a guard that turns every parser failure into an
  :class:`~cxrgen.errors.InputError`.
* Identifying attributes are split off into a PHI dictionary that the API shows only to roles
  allowed to see it, and which is never logged.
* **De-identification** (``deidentify``) follows DICOM PS3.15 Annex E, the Basic Application
  Level Confidentiality Profile, by allow-list: every attribute not in :data:`KEEP_KEYWORDS`
  (pixel description and non-identifying clinical attributes) is removed, private tags too
  (the profile's "X" action, applied to all the rest); the patient and study attributes the
  IOD requires are kept empty ("Z"); the UIDs are replaced ("U"); PatientIdentityRemoved and
  the DeidentificationMethodCodeSequence (DCM 113100) say so. An allow-list cannot miss a
  free-text field (SeriesDescription, ImageComments, PatientComments ...) the way a removal
  list can. PNG text chunks (tEXt, zTXt, iTXt, eXIf, tIME) and JPEG APP1 (EXIF/XMP), APP13
  (IPTC) and comment segments are stripped byte-exactly, pixels untouched.
"""

from __future__ import annotations

import io
import logging
import struct
import warnings
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from cxrgen.data.image_io import load_image_bytes
from cxrgen.errors import InputError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"

#: Identifying attributes shown to roles with ``see_phi`` (PS3.15 Annex E, Table E.1-1, those
#: found in CR/DX headers; free-text descriptions may name the patient too).
PHI_KEYWORDS = (
    "PatientName", "PatientID", "IssuerOfPatientID", "PatientBirthDate", "PatientBirthTime",
    "PatientSex", "PatientAge", "PatientAddress", "PatientTelephoneNumbers", "OtherPatientIDs",
    "OtherPatientNames", "PatientMotherBirthName", "MilitaryRank", "EthnicGroup",
    "PatientComments", "AccessionNumber", "InstitutionName", "InstitutionAddress",
    "ReferringPhysicianName", "PerformingPhysicianName", "OperatorsName", "PhysiciansOfRecord",
    "NameOfPhysiciansReadingStudy", "StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate",
    "StudyTime", "SeriesTime", "AcquisitionTime", "ContentTime", "StudyID", "StationName",
    "DeviceSerialNumber", "InstitutionalDepartmentName", "RequestingPhysician", "StudyDescription",
    "SeriesDescription", "ImageComments", "RequestedProcedureDescription",
)
#: UIDs that link an image to a patient's other records; replaced on de-identification.
UID_KEYWORDS = ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "FrameOfReferenceUID")
#: Attributes a de-identified file keeps (besides the UIDs, replaced): how to read the pixels,
#: and non-identifying clinical context. Everything else goes.
KEEP_KEYWORDS = (
    "SpecificCharacterSet", "ImageType", "SOPClassUID", "Modality", "ViewPosition",
    "BodyPartExamined", "PatientOrientation", "ImageLaterality", "Laterality",
    "SamplesPerPixel", "PhotometricInterpretation", "Rows", "Columns", "NumberOfFrames",
    "BitsAllocated", "BitsStored", "HighBit", "PixelRepresentation", "PlanarConfiguration",
    "PixelSpacing", "ImagerPixelSpacing", "PixelAspectRatio", "RescaleIntercept", "RescaleSlope",
    "RescaleType", "WindowCenter", "WindowWidth", "VOILUTFunction", "VOILUTSequence",
    "ModalityLUTSequence", "PresentationLUTShape", "PixelIntensityRelationship",
    "PixelIntensityRelationshipSign", "PixelPaddingValue", "LossyImageCompression",
    "LossyImageCompressionRatio", "LossyImageCompressionMethod", "BurnedInAnnotation",
    "PixelData",
)
#: Type 2 patient/study attributes of the image IODs: present but empty ("Z").
EMPTY_KEYWORDS = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate",
                  "StudyTime", "ReferringPhysicianName", "StudyID", "AccessionNumber")
DEFLATED = "1.2.840.10008.1.2.1.99"  # Deflated Explicit VR Little Endian (PS3.5 A.5)
#: Ancillary PNG chunks that carry text or dates (PNG specification 3rd ed., section 11.3).
PNG_TEXT_CHUNKS = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}
#: JPEG segments that carry metadata: APP1 (EXIF, XMP), APP13 (IPTC), COM (ITU T.81 B.2.4.5).
JPEG_META_MARKERS = {0xE1, 0xED, 0xFE}

#: Clinical, non-identifying attributes kept for every role.
META_KEYWORDS = (
    "Modality", "ViewPosition", "BodyPartExamined", "PhotometricInterpretation", "Rows", "Columns",
    "BitsStored", "PixelSpacing", "ImagerPixelSpacing", "WindowCenter", "WindowWidth",
)


@dataclass
class DecodedUpload:
    kind: str  # png | jpeg | dicom
    display_png: bytes  # 8-bit grayscale PNG, downscaled: what the viewer and the model read
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


@dataclass
class Limits:
    """What an upload may expand to (``Settings``: max_pixels, max_decoded_bytes,
    max_display_side)."""

    max_pixels: int
    max_decoded_bytes: int
    max_display_side: int

    @classmethod
    def of(cls, settings) -> "Limits":
        """The limits a service's ``Settings`` set (uploads and PACS pulls alike)."""
        return cls(settings.max_pixels, settings.max_decoded_bytes, settings.max_display_side)


def decode_upload(data: bytes, name: str, *, label: str, limits: Limits,
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
        _check_deflated(data, label, limits.max_decoded_bytes)
        ds = _read_dicom(data, label)
        _check_dicom_size(ds, label, limits)
        meta = {k: _jsonable(ds.get(k)) for k in META_KEYWORDS if k in ds}
        meta["original_width"] = _header_int(ds, "Columns", 0)
        meta["original_height"] = _header_int(ds, "Rows", 0)
        phi.update({k: _jsonable(ds.get(k)) for k in PHI_KEYWORDS if k in ds})
        if deidentify:
            stored = deidentify_dicom(ds)
    else:
        try:
            with Image.open(io.BytesIO(data)) as img:
                w, h = img.size
        except Exception as exc:  # Pillow raises many types for corrupt headers
            raise InputError(f"{label}: corrupt {kind.upper()} header ({type(exc).__name__}); "
                             f"re-export the image") from None
        _check_pixels(h, w, label, limits.max_pixels)
        if deidentify:
            stored = strip_png_text(data) if kind == "png" else strip_jpeg_metadata(data)
    if deidentify:
        phi = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        small = _reduced_dicom(ds, label, limits.max_display_side) if kind == "dicom" else None
        pixels = load_image_bytes(small or data, label)  # InputError on corrupt pixel data
    meta.setdefault("original_width", int(pixels.shape[1]))
    meta.setdefault("original_height", int(pixels.shape[0]))
    # in place: at 18 M px each float32 temporary is 72 MB
    np.multiply(pixels, 255.0, out=pixels)
    pixels += 0.5
    np.clip(pixels, 0, 255, out=pixels)
    gray = pixels.astype(np.uint8)
    del pixels
    display = _downscale(Image.fromarray(gray, mode="L"), limits.max_display_side)
    del gray
    buf = io.BytesIO()
    display.save(buf, format="PNG")
    meta.update({"width": display.width, "height": display.height})
    return DecodedUpload(kind, buf.getvalue(), stored, meta, phi)


def _reduced_dicom(ds, label: str, max_side: int) -> bytes | None:
    """A large or multi-frame DICOM's first frame, box-averaged down to at most ``max_side``
    and re-encoded uncompressed with the rest of its header, so that the library's modality LUT
    and window (``load_image_bytes``) run on ~4 M pixels instead of 18 M (they work in float64:
    ~500 MB for a 4000 x 4000 image, ~150 MB this way). ``None`` when nothing is gained."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.pixels import pixel_array
    from pydicom.uid import ExplicitVRLittleEndian

    rows, cols = _header_int(ds, "Rows", 0), _header_int(ds, "Columns", 0)
    frames = _header_int(ds, "NumberOfFrames", 1)
    if (max(rows, cols) <= max_side and frames == 1) or _header_int(ds, "SamplesPerPixel", 1) != 1:
        return None
    try:
        arr = pixel_array(ds, index=0) if frames > 1 else ds.pixel_array
    except Exception as exc:  # pydicom raises many types on undecodable pixel data
        raise InputError(f"{label}: corrupt DICOM pixel data ({type(exc).__name__}); re-export "
                         f"the image") from None
    f = -(-max(rows, cols) // max_side)  # ceil
    if f > 1:
        h, w = arr.shape[0] // f * f, arr.shape[1] // f * f
        box = arr[:h, :w].reshape(h // f, f, w // f, f).mean(axis=(1, 3), dtype=np.float32)
        arr = np.rint(box).astype(arr.dtype)
    small = Dataset()
    for elem in ds:
        if elem.keyword not in ("PixelData", "NumberOfFrames", "Rows", "Columns"):
            small.add(elem)
    small.Rows, small.Columns = arr.shape
    small.PixelData = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()
    small.file_meta = FileMetaDataset()
    small.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    small.file_meta.MediaStorageSOPClassUID = ds.get("SOPClassUID", "1.2.840.10008.5.1.4.1.1.1")
    small.file_meta.MediaStorageSOPInstanceUID = ds.get("SOPInstanceUID", "1.2.3")
    buf = io.BytesIO()
    small.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def _downscale(img: Image.Image, max_side: int) -> Image.Image:
    scale = max_side / max(img.size)
    if scale >= 1:
        return img
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    return img.resize(size, Image.Resampling.LANCZOS)


class RedactPydicom(logging.Filter):
    """pydicom's parse warnings quote header values ("Invalid value for VR PN: 'Doe^Jane'"),
    which may be PHI: the service keeps the event but withholds the text."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = "pydicom warning withheld (it may quote header values)", ()
        return True


def install_log_redaction() -> None:
    """Called by the service at start-up; idempotent. Pillow's debug messages quote EXIF and
    text-chunk values (names, dates): its loggers stay at INFO whatever the service's level."""
    logger = logging.getLogger("pydicom")
    if not any(isinstance(f, RedactPydicom) for f in logger.filters):
        logger.addFilter(RedactPydicom())
    logging.getLogger("PIL").setLevel(logging.INFO)


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


def _header_int(ds, keyword: str, default: int) -> int:
    try:
        return int(ds.get(keyword, default) or default)
    except (TypeError, ValueError):
        return default


def _check_dicom_size(ds, label: str, limits: Limits) -> None:
    """Pixel count and decoded byte size from the header, before any pixel is decoded."""
    rows, cols = _header_int(ds, "Rows", 0), _header_int(ds, "Columns", 0)
    _check_pixels(rows, cols, label, limits.max_pixels)
    frames = _header_int(ds, "NumberOfFrames", 1)
    samples = _header_int(ds, "SamplesPerPixel", 1)
    bits = _header_int(ds, "BitsAllocated", 16)
    if min(frames, samples, bits) < 1:
        raise InputError(f"{label}: DICOM header has frames={frames}, samples={samples}, "
                         f"bits={bits}; re-export the image")
    total = rows * cols * frames * samples * bits // 8
    if total > limits.max_decoded_bytes:
        raise InputError(f"{label}: {frames} frame(s) of {cols} x {rows} x {samples} sample(s) "
                         f"at {bits} bits decode to {total} bytes, over the limit of "
                         f"{limits.max_decoded_bytes}; upload the one radiograph (one frame)")


def _check_deflated(data: bytes, label: str, budget: int) -> None:
    """A Deflated-DICOM dataset is inflated here under ``budget`` bytes first: pydicom would
    inflate it whole before any header could be checked. The file meta group (always explicit
    VR little endian, PS3.10 section 7.1) starts with its own length at offset 132."""
    if data[132:136] != b"\x02\x00\x00\x00" or data[136:138] != b"UL":
        return  # no group length: pydicom's parse decides (and _read_dicom reports)
    meta_end = 144 + struct.unpack("<I", data[140:144])[0]
    if DEFLATED.encode() not in data[144:meta_end]:
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data[meta_end:], budget + 1)
    except zlib.error:
        raise InputError(f"{label}: corrupt deflated DICOM; re-export it") from None
    if len(out) > budget or inflater.unconsumed_tail:
        raise InputError(f"{label}: deflated DICOM expands beyond the limit of {budget} bytes; "
                         f"upload the one radiograph uncompressed or JPEG-compressed")


def strip_png_text(data: bytes) -> bytes:
    """The PNG without its text, EXIF and time chunks (chunk bytes copied, pixels untouched)."""
    out, pos = [data[:8]], 8
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        end = pos + 12 + length
        if ctype not in PNG_TEXT_CHUNKS:
            out.append(data[pos:end])
        pos = end
        if ctype == b"IEND":
            break
    return b"".join(out)


def strip_jpeg_metadata(data: bytes) -> bytes:
    """The JPEG without EXIF/XMP (APP1), IPTC (APP13) and comment segments; from the start of
    scan on, the bytes are copied unchanged."""
    out, pos = [data[:2]], 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA or 0xD0 <= marker <= 0xD9 or marker == 0x01:
            break  # start of scan or a marker without length: the rest is copied
        end = pos + 2 + struct.unpack(">H", data[pos + 2:pos + 4])[0]
        if marker not in JPEG_META_MARKERS:
            out.append(data[pos:end])
        pos = end
    out.append(data[pos:])
    return b"".join(out)


def deidentify_dicom(ds) -> bytes:
    """PS3.15 Basic Profile by allow-list (module docstring); returns Part 10 bytes."""
    from pydicom.dataset import Dataset
    from pydicom.uid import generate_uid

    uids = {kw: generate_uid() for kw in UID_KEYWORDS if kw in ds}
    for elem in list(ds):
        if elem.keyword not in KEEP_KEYWORDS:
            del ds[elem.tag]
    for kw in EMPTY_KEYWORDS:
        setattr(ds, kw, "")
    for kw, uid in uids.items():
        setattr(ds, kw, uid)
    if hasattr(ds, "file_meta") and "SOPInstanceUID" in ds:
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = "cxrgen: PS3.15 Basic Application Level Confidentiality Profile"
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator = "113100", "DCM"
    code.CodeMeaning = "Basic Application Confidentiality Profile"
    ds.DeidentificationMethodCodeSequence = [code]
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
