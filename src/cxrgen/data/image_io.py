"""Read one chest radiograph into a float32 (H, W) array in [0, 1], whatever its format.

Every format ends in the same place: a grayscale image where 0 is black (no attenuation
shown) and 1 is white (bone), i.e. the MONOCHROME2 convention the encoders were trained on.

- PNG 8-bit and 16-bit, JPEG, TIFF, BMP through Pillow; colour images (some public sets store
  gray radiographs as RGB) become gray with the ITU-R BT.601 luma weights Pillow's ``"L"``
  conversion uses.
- DICOM through pydicom, applying the grayscale pipeline of DICOM PS3.3 C.11 in its order:
  modality LUT (Rescale Slope / Intercept or Modality LUT Sequence) -> VOI LUT (VOI LUT
  Sequence, else Window Center / Width with the VOI LUT Function LINEAR, LINEAR_EXACT or SIGMOID
  of PS3.3 C.11.2.1.2) -> MONOCHROME1 inversion. Without any VOI information the modality values
  are stretched to [0, 1] over the image's own min..max (what a viewer does without a window).
  Compressed transfer syntaxes are decoded by whichever pydicom plugin is installed: Pillow
  (JPEG baseline) ships in the core install, ``pip install cxrgen[dicom]`` adds pylibjpeg
  (JPEG lossless, JPEG-LS, JPEG 2000, RLE).

Errors are :class:`cxrgen.errors.InputError` naming the file and what to do.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from cxrgen.errors import InputError

PIL_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")
DICOM_SUFFIXES = (".dcm", ".dicom", ".dic")
SUPPORTED = PIL_SUFFIXES + DICOM_SUFFIXES

# the library is used by dataset commands (which have --skip-invalid) and by generate / serve (which
# do not): the hint says which applies where
_SKIP_HINT = "re-export or re-download it (dataset commands: --skip-invalid drops the study)"


def load_image(path: str | Path) -> np.ndarray:
    """Load an image file as float32 (H, W) in [0, 1], grayscale, white = dense."""
    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"{path}: image file not found; check the path (for a dataset: its --root and image paths; "
            f"`cxrgen data check` lists every missing image)"
        )
    with open(path, "rb") as fh:
        data = fh.read()
    return load_image_bytes(data, str(path))


def load_image_bytes(data: bytes, name: str = "<upload>") -> np.ndarray:
    """Decode image bytes (an upload, a file read elsewhere); ``name`` is used for the format
    guess when the bytes are ambiguous and in error messages."""
    if not data:
        raise InputError(f"{name}: the image is empty (0 bytes); {_SKIP_HINT}")
    if _is_dicom(data, name):
        if data[128:132] != b"DICM" and _looks_like_pil(data):
            return _decode_pil(data, name)  # a PNG / JPEG named .dcm: the bytes say what it is
        return _decode_dicom(data, name)
    suffix = Path(name).suffix.lower()
    if suffix and suffix not in SUPPORTED and not _looks_like_pil(data):
        raise InputError(
            f"{name}: unsupported image format {suffix!r}; supported: {', '.join(SUPPORTED)}"
        )
    return _decode_pil(data, name)


def _is_dicom(data: bytes, name: str) -> bool:
    # Part 10 files carry "DICM" after a 128-byte preamble; raw datasets without it are
    # recognised only by their suffix.
    return data[128:132] == b"DICM" or Path(name).suffix.lower() in DICOM_SUFFIXES


def _looks_like_pil(data: bytes) -> bool:
    return data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff"


def _decode_pil(data: bytes, name: str) -> np.ndarray:
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()  # decode now: a truncated file fails here, not later in a worker
            return _pil_to_gray(img)
    except UnidentifiedImageError:  # its text names a BytesIO object, which would make every reason unique
        raise InputError(f"{name}: cannot decode image (not a format Pillow recognises); the file is corrupt, "
                         f"truncated or not an image; {_SKIP_HINT}") from None
    except (Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"{name}: cannot decode image ({exc}); the file is corrupt, truncated or "
                         f"not an image; {_SKIP_HINT}") from None


def _pil_to_gray(img: Image.Image) -> np.ndarray:
    mode = img.mode
    if mode.startswith("I;16"):  # 16-bit PNG / TIFF
        return _scaled(np.asarray(img, dtype=np.float32), 65535.0)
    if mode == "I":  # 32-bit int; Pillow opens some 16-bit PNGs this way
        arr = np.asarray(img, dtype=np.float64)
        if arr.min() >= 0 and arr.max() <= 65535:
            return (arr / 65535.0).astype(np.float32)
        return _stretch(arr)
    if mode == "F":
        return _stretch(np.asarray(img, dtype=np.float64))
    if mode != "L":
        img = img.convert("L")  # RGB/RGBA/P/LA/CMYK/1 -> luma (BT.601)
    return _scaled(np.asarray(img, dtype=np.float32), 255.0)


def _scaled(arr: np.ndarray, full_scale: float) -> np.ndarray:
    """``arr / full_scale`` in place (bit-identical): a second full-size temporary costs more
    than the division on large radiographs (fresh pages from the OS each time)."""
    if not arr.flags.writeable:  # np.asarray may share a read-only buffer when no cast was needed
        arr = arr.copy()
    return np.divide(arr, full_scale, out=arr)


def _stretch(arr: np.ndarray) -> np.ndarray:
    """Min..max of the image -> [0, 1]; a constant image becomes all zeros."""
    lo, hi = float(np.min(arr)), float(np.max(arr))
    if hi <= lo:
        return np.zeros(arr.shape, dtype=np.float32)
    return ((arr - lo) / (hi - lo)).astype(np.float32)


# --------------------------------------------------------------------------- DICOM


def _decode_dicom(data: bytes, name: str) -> np.ndarray:
    import pydicom
    from pydicom.errors import InvalidDicomError
    from pydicom.pixels import apply_modality_lut

    try:
        ds = pydicom.dcmread(io.BytesIO(data), force=Path(name).suffix.lower() in DICOM_SUFFIXES)
    except (InvalidDicomError, OSError, EOFError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{name}: not a readable DICOM file ({exc}); {_SKIP_HINT}") from None
    if "PixelData" not in ds and data[128:132] != b"DICM":  # read by force because of its name only
        raise InputError(f"{name}: not a DICOM file (no 'DICM' marker at byte 128 and no pixel data), though "
                         f"named like one; give the radiograph's DICOM, PNG or JPEG file")
    if "PixelData" not in ds:
        raise InputError(f"{name}: DICOM file has no pixel data (a report or structured document?); "
                         f"give an image DICOM instead")
    from pydicom.pixels import pixel_array

    # a radiograph is one frame; of a multi-frame file only the first is decoded (decoding all
    # of a 100-frame file to keep one would take 100 times the memory)
    multi = int(ds.get("NumberOfFrames", 1) or 1) > 1
    try:
        arr = pixel_array(ds, index=0) if multi else ds.pixel_array
    except Exception as exc:  # pydicom raises RuntimeError/ValueError/... on undecodable data
        raise InputError(f"{name}: {_pixel_problem(ds, exc)}") from None
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    if arr.ndim == 3:  # RGB / YBR (pydicom has converted YBR to RGB): luma, no VOI
        rgb = arr.astype(np.float64)
        gray = rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114
        return _stretch(gray)
    if arr.ndim != 2:
        raise InputError(f"{name}: unexpected DICOM pixel array of shape {arr.shape}; expected a "
                         f"single 2-D radiograph")

    values = np.asarray(apply_modality_lut(arr, ds), dtype=np.float64)
    out = _apply_voi(values, ds)
    if out is None:
        out = _stretch(values)
    if photometric == "MONOCHROME1":  # low values are white: invert to MONOCHROME2
        out = 1.0 - out
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def _pixel_problem(ds, exc: Exception) -> str:
    """Say whether a decoder is missing (install it) or the pixel data is corrupt (skip it)."""
    from pydicom.pixels import get_decoder

    uid = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
    label = f"transfer syntax {uid} ({getattr(uid, 'name', '?')})"
    try:
        available = get_decoder(uid).is_available if uid else True
    except NotImplementedError:  # pydicom has no decoder for this syntax at all
        return f"no decoder exists for {label}; convert the file (e.g. to PNG or uncompressed DICOM)"
    if not available:
        return (f"no decoder installed for {label}; install one with `pip install cxrgen[dicom]` "
                f"(pylibjpeg) or convert the file")
    detail = " ".join(str(exc).split())
    return f"corrupt DICOM pixel data, {label} ({type(exc).__name__}: {detail[:300]}); {_SKIP_HINT}"


def _first(value) -> float:
    """Window Center / Width may be multi-valued (several windows offered); use the first."""
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        value = value[0]
    return float(value)


def _apply_voi(values: np.ndarray, ds) -> np.ndarray | None:
    """VOI transform to [0, 1], or None when the file carries no VOI information."""
    if "VOILUTSequence" in ds and len(ds.VOILUTSequence):
        from pydicom.pixels import apply_voi_lut

        item = ds.VOILUTSequence[0]
        bits = int(item.LUTDescriptor[2])
        # the LUT is indexed by integer modality values; pydicom warns (rightly) on floats
        src = values.astype(np.int64) if np.all(np.mod(values, 1) == 0) else values
        lut = np.asarray(apply_voi_lut(src, ds, index=0, prefer_lut=True), dtype=np.float64)
        return lut / float(2**bits - 1)
    if "WindowCenter" in ds and "WindowWidth" in ds:
        c, w = _first(ds.WindowCenter), _first(ds.WindowWidth)
        func = str(ds.get("VOILUTFunction", "LINEAR")).upper()
        return window(values, c, w, func)
    return None


def window(values: np.ndarray, center: float, width: float, function: str = "LINEAR") -> np.ndarray:
    """DICOM PS3.3 C.11.2.1.2 windowing, with output range [0, 1] instead of [ymin, ymax]."""
    x = np.asarray(values, dtype=np.float64)
    if function == "SIGMOID":  # C.11.2.1.3.1
        if width <= 0:
            raise InputError(f"Window Width must be > 0 for SIGMOID, got {width}")
        return 1.0 / (1.0 + np.exp(-4.0 * (x - center) / width))
    if function == "LINEAR_EXACT":  # C.11.2.1.3.2
        if width <= 0:
            raise InputError(f"Window Width must be > 0 for LINEAR_EXACT, got {width}")
        return np.clip((x - center) / width + 0.5, 0.0, 1.0)
    # LINEAR, C.11.2.1.2.1: width >= 1; center - 0.5 and width - 1 as in the standard
    if width < 1:
        raise InputError(f"Window Width must be >= 1 for LINEAR windowing, got {width}")
    if width == 1:
        return (x > center - 0.5).astype(np.float64)
    return np.clip((x - (center - 0.5)) / (width - 1) + 0.5, 0.0, 1.0)
