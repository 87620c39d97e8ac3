"""Decompression bombs and largest-allowed images, generated (never stored): used by the bomb test
(test_bombs.py) and by ``bench/serve_load.py --bombs``.

* :func:`deflated_dicom`: a Deflated Explicit VR Little Endian DICOM; 2000 x 2000 x 100 frames
  of 8 bits is 400 MB of pixels in a 390 KB file (the issue's 389 KB example; deflate's ratio
  tops out near 1032:1).
* :func:`big_png`: a PNG whose pixels compress to almost nothing; 7000 x 7000 is ~50 KB.
The pixel data is streamed through zlib frame by frame: the generator never holds the
uncompressed image.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset, write_file_meta_info
from pydicom.uid import DeflatedExplicitVRLittleEndian, generate_uid

from .fixtures import CR_IMAGE_STORAGE


def _frame(rows: int, cols: int, bits: int) -> bytes:
    """16 bits: a 12-bit horizontal profile (bright sides, dark middle) repeated on every row,
    a plausible image that deflates ~170:1. 8 bits: one grey, deflate's best case."""
    if bits == 8:
        return bytes([128]) * (rows * cols)
    x = np.linspace(0, 1, cols, dtype=np.float32)
    row = np.round(3000 * (0.4 + 1.2 * np.abs(x - 0.5))).astype("<u2")
    return np.tile(row, rows).tobytes()


def deflated_dicom(rows: int, cols: int, frames: int, bits: int = 16) -> bytes:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CR_IMAGE_STORAGE
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    ds = Dataset()
    ds.SOPClassUID, ds.SOPInstanceUID = CR_IMAGE_STORAGE, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.Modality, ds.ViewPosition, ds.PatientName, ds.PatientID = "CR", "PA", "Bomb^Test", "B-1"
    ds.Rows, ds.Columns, ds.NumberOfFrames = rows, cols, frames
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored = bits, 12 if bits == 16 else 8
    ds.HighBit, ds.PixelRepresentation = ds.BitsStored - 1, 0
    body = DicomBytesIO()
    body.is_little_endian, body.is_implicit_VR = True, False
    write_dataset(body, ds)
    nbytes = rows * cols * frames * bits // 8
    pixel_header = struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OW" if bits == 16 else b"OB", 0,
                               nbytes)
    z = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    parts = [z.compress(body.getvalue() + pixel_header)]
    frame = _frame(rows, cols, bits)
    for _ in range(frames):
        parts.append(z.compress(frame))
    parts.append(z.flush())
    head = DicomBytesIO()
    head.is_little_endian, head.is_implicit_VR = True, False
    write_file_meta_info(head, meta, enforce_standard=True)
    return b"\0" * 128 + b"DICM" + head.getvalue() + b"".join(parts)


def big_png(side: int, bits: int = 8) -> bytes:
    """A ``side`` x ``side`` gradient PNG, 8 or 16 bits."""
    ramp = np.linspace(0, 1, side, dtype=np.float32)
    if bits == 16:
        img = Image.fromarray(np.tile((ramp * 60000).astype(np.uint16), (side, 1)))
    else:
        img = Image.fromarray(np.tile((ramp * 250).astype(np.uint8), (side, 1)), mode="L")
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=9)
    return buf.getvalue()
