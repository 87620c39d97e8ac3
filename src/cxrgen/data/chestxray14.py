"""ChestX-ray14 (NIH): labels only, for classification (no reports).

Data card
---------
- Content: 112,120 frontal chest radiographs (PNG, 1024 px) of 30,805 patients, with 14 finding
  labels mined from the reports by NLP (pipe-separated in ``Finding Labels``; ``No Finding``
  when none). Official split: ``train_val_list.txt`` (86,524 images) / ``test_list.txt``
  (25,596), patient-disjoint; train_val is kept as ``train`` (carve a validation set out of it
  by patient yourself), images in neither list have no split.
- Labels are 1 for the listed findings and 0 for the other 13 (the data set has no uncertain
  label); ``No Finding`` gives all 14 zeros.
- One image is one study (``study_id`` = image name without ``.png``), view from
  ``View Position`` (PA / AP).
- Access: https://nihcc.app.box.com/v/ChestXray-NIHCC, unrestricted use with citation.
- Citation: Wang X. et al., "ChestX-ray8: Hospital-scale Chest X-ray Database and Benchmarks on
  Weakly-Supervised Classification and Localization of Common Thorax Diseases", CVPR 2017.

Layout: ``root/Data_Entry_2017*.csv[.gz]`` and images in ``root/<image_dir>`` (default
``images``). ``only_with_images=True`` keeps the rows whose image file exists (for partial
copies such as a 621-image sample); how many were left out is in ``meta["without_image"]``.
"""

from __future__ import annotations

import csv
import gzip
import os
from pathlib import Path

from cxrgen.data.dataset import Dataset, InvalidRows
from cxrgen.data.registry import register_dataset
from cxrgen.data.study import ImageRef, Study, View
from cxrgen.errors import InputError

# The 14 findings of ChestX-ray14 (Wang et al. 2017, ChestX-ray14 extension), in the order the
# NIH README lists them.
FINDINGS = (
    "Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia",
    "Pneumothorax", "Consolidation", "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening", "Hernia",
)
NO_FINDING = "No Finding"
SPLIT_LISTS = {"train_val_list.txt": "train", "test_list.txt": "test"}


@register_dataset("chestxray14")
def load_chestxray14(root: str | Path, image_dir: str = "images", only_with_images: bool = False,
                     skip_invalid: bool = False) -> Dataset:
    root = Path(root)
    entries = sorted(root.glob("Data_Entry_2017*.csv*")) if root.is_dir() else [root]
    if not entries:
        raise InputError(f"{root}: no Data_Entry_2017*.csv(.gz); download it from the NIH ChestX-ray14 page")
    path = entries[-1]  # Data_Entry_2017_v2020 sorts after Data_Entry_2017
    base = root if root.is_dir() else root.parent
    image_root = base / image_dir
    present = {p.name for p in image_root.iterdir()} if only_with_images and image_root.is_dir() else None
    if only_with_images and present is None:
        raise InputError(f"{image_root}: image folder not found; pass --option image_dir=FOLDER")
    splits = {}
    for name, split in SPLIT_LISTS.items():
        if (base / name).is_file():
            splits.update({line.strip(): split for line in (base / name).read_text().splitlines() if line.strip()})
    rows = InvalidRows(skip_invalid)
    studies, without_image = [], 0
    opener = gzip.open if path.suffix == ".gz" else open
    image_prefix = str(image_root) + os.sep
    parsed: dict[str, dict[str, int] | None] = {}  # ~800 distinct label cells among 112,120 rows
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        for r in reader:
            name = (r.get("Image Index") or "").strip()
            cell = r.get("Finding Labels") or ""
            if cell not in parsed:
                parsed[cell] = _labels(cell)
            labels = parsed[cell]
            patient = (r.get("Patient ID") or "").strip()
            if not name or not patient or labels is None:
                rows.reject(f"{path}:{reader.line_num}",
                            f"bad row (Image Index {name!r}, Patient ID {patient!r}, Finding Labels {cell!r})",
                            f"labels are {NO_FINDING!r} or |-separated names among {', '.join(FINDINGS)}")
                continue
            if present is not None and name not in present:
                without_image += 1
                continue
            # fields are checked above; check_study's generic pass is skipped for speed here
            studies.append(Study(
                study_id=name.rsplit(".", 1)[0], patient_id=patient,
                images=[ImageRef(image_prefix + name, View.parse(r.get("View Position")), name)],
                language="en", split=splits.get(name), labels=dict(labels), dataset="chestxray14",
                meta={"follow_up": r.get("Follow-up #"), "age": r.get("Patient Age"), "sex": r.get("Patient Gender")},
            ))
    return Dataset(name="chestxray14", studies=studies, root=str(root), skipped=rows.skipped,
                   meta={"entry_file": path.name, "labels_only": True, "without_image": without_image,
                         "split": "official" if splits else "none (no train_val_list.txt / test_list.txt)"})


def _labels(cell: str) -> dict[str, int] | None:
    names = [n.strip() for n in cell.split("|") if n.strip()]
    if names == [NO_FINDING]:
        return {f: 0 for f in FINDINGS}
    if not names or any(n not in FINDINGS for n in names):
        return None
    return {f: int(f in names) for f in FINDINGS}
