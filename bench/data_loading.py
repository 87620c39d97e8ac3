"""Benchmark: images/s through cxrgen's image loading + training transform, on this machine.

Compares in the same run with a plain Pillow + torch baseline doing the same work (open, gray,
resize shorter side to 256, random crop 224, 3-channel ImageNet z-score) and prints the ratio;
then measures DICOM decoding (the real RSNA JPEG-baseline DICOM, and a written 16-bit
MONOCHROME1 CR image) through ``load_image``.

    .venv/bin/python bench/data_loading.py [--data ../shared/data] [--repeat 3] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from cxrgen import __version__
from cxrgen.data.image_io import load_image
from cxrgen.data.transforms import IMAGENET_MEAN, IMAGENET_STD, build_transform


def pil_baseline(path: Path, rng: np.random.Generator) -> torch.Tensor:
    """What a hand-written loader does: Pillow resize + crop, then torch normalisation."""
    with Image.open(path) as img:
        img = img.convert("L")
        w, h = img.size
        s = 256 / min(w, h)
        img = img.resize((max(256, round(w * s)), max(256, round(h * s))), Image.BILINEAR)
        w, h = img.size
        top, left = int(rng.integers(0, h - 224 + 1)), int(rng.integers(0, w - 224 + 1))
        img = img.crop((left, top, left + 224, top + 224))
        x = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0)
    x = x.unsqueeze(0).expand(3, -1, -1)
    return (x - torch.tensor(IMAGENET_MEAN).view(3, 1, 1)) / torch.tensor(IMAGENET_STD).view(3, 1, 1)


def rate(fn, items, repeat: int) -> float:
    """Images/s of the best of ``repeat`` passes. Every file is read once first, so that neither
    side pays for a cold page cache that the other then finds warm."""
    for it in set(items):
        if isinstance(it, Path):
            it.read_bytes()
    fn(items[0])  # warm-up (imports, allocator)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for it in items:
            fn(it)
        best = min(best, time.perf_counter() - start)
    return len(items) / best


def write_cr_dicom(path: Path, size: int, seed: int) -> Path:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID, "CR"
    ds.Rows = ds.Columns = size
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME1"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.RescaleSlope, ds.RescaleIntercept, ds.WindowCenter, ds.WindowWidth = 1, 0, 2048, 4096
    ds.PixelData = np.random.default_rng(seed).integers(0, 4096, (size, size), dtype=np.uint16).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "data"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    data = Path(args.data)
    torch.manual_seed(args.seed)
    print(f"cxrgen {__version__} | torch {torch.__version__} ({torch.get_num_threads()} threads) | "
          f"python {platform.python_version()} | {os.cpu_count()} CPUs | seed {args.seed}")

    sets = {
        "ChestX-ray14 PNG 256px": sorted((data / "nih_cxr14" / "images_256").glob("*.png"))[:200],
        "IU X-Ray PNG ~512px": sorted((data / "iu_xray" / "images_sample").glob("*.png")) * 10,
        "COVID/TB 512px+ PNG/JPEG": sorted(p for p in (data / "misc_images").glob("*/*") if p.suffix in (".png", ".jpg")) * 4,
    }
    transform = build_transform(train=True, seed=args.seed)
    print(f"\ntraining transform ({transform.describe()})")
    print(f"{'images':<28}{'n':>6}{'cxrgen img/s':>14}{'PIL img/s':>12}{'ratio':>8}")
    for name, paths in sets.items():
        if not paths:
            print(f"{name:<28}  (missing under {data}; skipped)")
            continue
        rng = np.random.default_rng(args.seed)
        ours = rate(lambda p: transform(load_image(p)), paths, args.repeat)
        base = rate(lambda p: pil_baseline(p, rng), paths, args.repeat)
        print(f"{name:<28}{len(paths):>6}{ours:>14.1f}{base:>12.1f}{ours / base:>8.2f}")

    print("\nDICOM decoding through load_image (modality LUT, VOI, MONOCHROME1)")
    with tempfile.TemporaryDirectory() as tmp:
        dicoms = {"RSNA JPEG baseline 1024px": sorted((data / "misc_images" / "dicom").glob("*.dcm")),
                  "CR 16-bit uncompressed 2048px": [write_cr_dicom(Path(tmp) / "cr.dcm", 2048, args.seed)]}
        for name, paths in dicoms.items():
            if not paths:
                print(f"{name:<32} (missing; skipped)")
                continue
            r_load = rate(load_image, paths * 5, args.repeat)
            r_full = rate(lambda p: transform(load_image(p)), paths * 5, args.repeat)
            print(f"{name:<32} decode {r_load:>7.1f} img/s   decode+transform {r_full:>7.1f} img/s")


if __name__ == "__main__":
    main()
