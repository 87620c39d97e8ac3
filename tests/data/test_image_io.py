"""image_io: every format ends as float32 (H, W) in [0, 1], MONOCHROME2; bad files are errors."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from cxrgen.data.image_io import load_image, load_image_bytes, window
from cxrgen.errors import InputError

from .dicom_fixtures import write_dicom


def _png(path, arr, mode=None):
    Image.fromarray(arr, mode=mode).save(path) if mode else Image.fromarray(arr).save(path)
    return path


def test_png_8bit_values(tmp_path):
    arr = np.array([[0, 255], [128, 64]], dtype=np.uint8)
    out = load_image(_png(tmp_path / "a.png", arr))
    assert out.dtype == np.float32 and out.shape == (2, 2)
    np.testing.assert_allclose(out, arr / 255.0, atol=1e-7)


def test_png_16bit_values(tmp_path):
    arr = np.array([[0, 65535], [4096, 1000]], dtype=np.uint16)
    path = tmp_path / "a16.png"
    Image.fromarray(arr).save(path)
    with Image.open(path) as im:  # the fixture really is a 16-bit PNG
        assert im.mode.startswith("I")
    np.testing.assert_allclose(load_image(path), arr / 65535.0, atol=1e-7)


def test_rgb_becomes_luma(tmp_path):
    rgb = np.zeros((2, 2, 3), dtype=np.uint8)
    rgb[0, 0] = (255, 0, 0)
    rgb[0, 1] = (0, 255, 0)
    rgb[1, 0] = (0, 0, 255)
    rgb[1, 1] = (200, 200, 200)
    out = load_image(_png(tmp_path / "rgb.png", rgb))
    # ITU-R BT.601 luma 0.299 R + 0.587 G + 0.114 B, Pillow's integer rounding within 1/255
    expected = np.array([[0.299 * 255, 0.587 * 255], [0.114 * 255, 200]]) / 255.0
    np.testing.assert_allclose(out, expected, atol=1.01 / 255)


def test_jpeg_gray(tmp_path):
    path = tmp_path / "g.jpg"
    Image.fromarray(np.full((16, 16), 128, dtype=np.uint8)).save(path, quality=95)
    out = load_image(path)
    assert out.shape == (16, 16)
    np.testing.assert_allclose(out, 128 / 255.0, atol=2 / 255)


def test_bytes_equal_file(tmp_path):
    arr = (np.arange(64, dtype=np.uint8) * 4).reshape(8, 8)
    path = _png(tmp_path / "b.png", arr)
    np.testing.assert_array_equal(load_image_bytes(path.read_bytes(), "upload.png"), load_image(path))


# ----------------------------------------------------------------------------- DICOM

PIXELS = np.array([[0, 100], [200, 1000]], dtype=np.uint16)


@pytest.mark.parametrize(
    "photometric, extra, expected",
    [
        # rescale 2x - 100 -> [-100, 100, 300, 1900]; no window: stretch over min..max
        ("MONOCHROME2", {}, [[0.0, 0.1], [0.2, 1.0]]),
        ("MONOCHROME1", {}, [[1.0, 0.9], [0.8, 0.0]]),
        # LINEAR window c=400 w=1001: (x - 399.5) / 1000 + 0.5, then MONOCHROME1 inversion
        ("MONOCHROME1", {"WindowCenter": 400, "WindowWidth": 1001}, [[0.9995, 0.7995], [0.5995, 0.0]]),
        ("MONOCHROME2", {"WindowCenter": 400, "WindowWidth": 1001}, [[0.0005, 0.2005], [0.4005, 1.0]]),
        # SIGMOID: 1 / (1 + exp(-4 (x - c) / w)); x = c gives 0.5
        ("MONOCHROME2", {"WindowCenter": 300, "WindowWidth": 400, "VOILUTFunction": "SIGMOID"},
         [[1 / (1 + np.exp(4.0)), 1 / (1 + np.exp(2.0))], [0.5, 1 / (1 + np.exp(-16.0))]]),
    ],
)
def test_dicom_pipeline(tmp_path, photometric, extra, expected):
    path = write_dicom(tmp_path / "x.dcm", PIXELS, photometric=photometric, slope=2, intercept=-100, **extra)
    np.testing.assert_allclose(load_image(path), expected, atol=1e-6)


def test_dicom_voi_lut_sequence(tmp_path):
    pixels = np.array([[0, 1], [2, 3]], dtype=np.uint16)
    path = write_dicom(tmp_path / "lut.dcm", pixels, voi_lut=([4, 0, 8], [0, 85, 170, 255]))
    np.testing.assert_allclose(load_image(path), [[0, 1 / 3], [2 / 3, 1]], atol=1e-6)


def test_dicom_rle_compressed_roundtrip(tmp_path):
    pixels = (np.arange(64, dtype=np.uint16) * 64).reshape(8, 8)
    plain = load_image(write_dicom(tmp_path / "p.dcm", pixels))
    rle = load_image(write_dicom(tmp_path / "r.dcm", pixels, compress="rle"))
    np.testing.assert_array_equal(rle, plain)


def test_dicom_jpeg2000_compressed_roundtrip(tmp_path):
    pytest.importorskip("openjpeg", reason="pylibjpeg-openjpeg (cxrgen[dicom]) not installed")
    pixels = (np.arange(64 * 64, dtype=np.uint16) % 4096).reshape(64, 64)
    plain = load_image(write_dicom(tmp_path / "p.dcm", pixels))
    j2k = load_image(write_dicom(tmp_path / "j.dcm", pixels, compress="j2k"))
    np.testing.assert_array_equal(j2k, plain)


def test_real_dicom(shared_data):
    import pydicom

    path = next((shared_data / "misc_images" / "dicom").glob("*.dcm"))
    ds = pydicom.dcmread(path)
    assert ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.50"  # JPEG baseline
    out = load_image(path)
    assert out.shape == (1024, 1024) and out.dtype == np.float32
    raw = ds.pixel_array.astype(np.float64)  # MONOCHROME2, no window: stretched min..max
    np.testing.assert_allclose(out, (raw - raw.min()) / (raw.max() - raw.min()), atol=1e-6)


def test_real_pngs_and_jpegs(shared_data):
    paths = sorted((shared_data / "misc_images").glob("*/*.[pj][np]g"))
    paths += sorted((shared_data / "iu_xray" / "images_sample").glob("*.png"))
    assert len(paths) == 10
    for p in paths:
        out = load_image(p)
        assert out.ndim == 2 and out.dtype == np.float32 and 0.0 <= out.min() < out.max() <= 1.0


def test_window_linear_width_one():
    np.testing.assert_array_equal(window(np.array([9.0, 10.0, 11.0]), 10, 1), [0.0, 1.0, 1.0])


# ----------------------------------------------------------------------------- bad input


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"nope\.png: image file not found"):
        load_image(tmp_path / "nope.png")


def test_corrupt_png(tmp_path):
    arr = np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8)
    good = io.BytesIO()
    Image.fromarray(arr).save(good, format="PNG")
    bad = tmp_path / "broken.png"
    bad.write_bytes(good.getvalue()[: len(good.getvalue()) // 2])
    with pytest.raises(InputError, match=r"broken\.png: cannot decode image.*--skip-invalid"):
        load_image(bad)


def test_not_an_image(tmp_path):
    bad = tmp_path / "text.png"
    bad.write_text("hello")
    with pytest.raises(InputError, match=r"text\.png: cannot decode"):
        load_image(bad)


@pytest.mark.filterwarnings("ignore::UserWarning")  # pydicom warns while reading the garbage
def test_corrupt_dicom(tmp_path):
    bad = tmp_path / "broken.dcm"
    bad.write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00\x10\x00garbage" * 3)
    with pytest.raises(InputError, match=r"broken\.dcm"):
        load_image(bad)


def test_truncated_dicom_pixels(tmp_path):
    path = write_dicom(tmp_path / "t.dcm", np.zeros((32, 32), dtype=np.uint16))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 1000])
    with pytest.raises(InputError, match=r"t\.dcm"):
        load_image(path)


def test_unsupported_format(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("not an image")
    with pytest.raises(InputError, match=r"unsupported image format '\.txt'"):
        load_image(p)


def test_empty_upload():
    with pytest.raises(InputError, match=r"scan\.png: the image is empty"):
        load_image_bytes(b"", "scan.png")


@pytest.mark.parametrize(
    "uid, match",
    [("1.2.840.10008.1.2.4.100", r"no decoder exists for transfer syntax 1\.2\.840\.10008\.1\.2\.4\.100"),
     ("1.2.840.10008.1.2.5", r"corrupt DICOM pixel data, transfer syntax 1\.2\.840\.10008\.1\.2\.5 \(RLE Lossless\)")],
)
def test_undecodable_compressed_dicom(tmp_path, uid, match):
    import pydicom
    from pydicom.encaps import encapsulate

    ds = pydicom.dcmread(write_dicom(tmp_path / "plain.dcm", np.zeros((8, 8), dtype=np.uint16)))
    ds.file_meta.TransferSyntaxUID = uid
    ds.PixelData = encapsulate([b"\x00" * 10])  # a compressed stream that is not one
    ds["PixelData"].is_undefined_length = True
    ds.save_as(tmp_path / "bad.dcm", enforce_file_format=True)
    with pytest.raises(InputError, match=r"bad\.dcm: " + match):
        load_image(tmp_path / "bad.dcm")


def test_misnamed_dcm_files(tmp_path):
    """A PNG named .dcm decodes as the PNG it is; a text file named .dcm is 'not a DICOM file'
    (not 'a DICOM without pixel data')."""
    arr = np.arange(64 * 64, dtype=np.uint8).reshape(64, 64)
    Image.fromarray(arr).save(tmp_path / "real.png")
    (tmp_path / "png.dcm").write_bytes((tmp_path / "real.png").read_bytes())
    np.testing.assert_array_equal(load_image(tmp_path / "png.dcm"), load_image(tmp_path / "real.png"))
    (tmp_path / "report.dcm").write_text("Heart size is normal.")
    with pytest.raises(InputError, match=r"report\.dcm: not a DICOM file \(no 'DICM' marker at byte 128"):
        load_image(tmp_path / "report.dcm")


def test_undecodable_reason_is_the_same_for_every_file(tmp_path):
    """`data check` counts bad images per reason: the reason must not name a per-call object."""
    reasons = set()
    for name in ("a.png", "b.png"):
        (tmp_path / name).write_text("hello")
        with pytest.raises(InputError) as exc:
            load_image(tmp_path / name)
        assert "BytesIO" not in str(exc.value)
        reasons.add(str(exc.value).split(": ", 1)[1])
    assert len(reasons) == 1
