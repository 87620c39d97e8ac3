"""MIMIC-CXR (v2.0.0) and MIMIC-CXR-JPG.

Data card
---------
- Content: 227,835 studies / 377,110 images of 65,379 patients, Beth Israel Deaconess Medical
  Center 2011-2016; free-text reports with FINDINGS and IMPRESSION sections. Official split
  (mimic-cxr-2.0.0-split.csv): train / validate / test by patient.
- The R2Gen version keeps studies with a findings section: 270,790 / 2,130 / 3,858 images
  (train / val / test), one entry per image, report = FINDINGS.
- Access: PhysioNet credentialed access with a signed data use agreement and CITI training
  (https://physionet.org/content/mimic-cxr/2.0.0/, .../mimic-cxr-jpg/2.0.0/). Not available on
  the project's machines: the tests write fixtures in the exact layouts below.
- Citation: Johnson A.E.W. et al., "MIMIC-CXR, a de-identified publicly available database of
  chest radiographs with free-text reports", Scientific Data 6:317, 2019; MIMIC-CXR-JPG:
  Johnson et al., arXiv:1901.07042, 2019.

Layouts (``format``):
- ``official``: ``root/mimic-cxr-2.0.0-split.csv[.gz]`` (dicom_id, study_id, subject_id, split),
  ``root/mimic-cxr-2.0.0-metadata.csv[.gz]`` (dicom_id, ..., ViewPosition), reports
  ``root/files/pXX/pNNNNNNNN/sNNNNNNNN.txt`` and images
  ``root/files/pXX/pNNNNNNNN/sNNNNNNNN/<dicom_id>.jpg``. Sections are cut at the report's
  upper-case headers (``FINDINGS:``, ``IMPRESSION:``, ``INDICATION:``, ``COMPARISON:``).
- ``r2gen``: ``root/annotation.json`` ({"train"|"val"|"test": [{"id", "study_id", "subject_id",
  "report", "image_path", "split"}]}), images under ``root/<image_dir>`` (default ``images``).
  R2Gen lists one entry per image; entries of one study are grouped into one multi-view study.
- ``auto`` (default): r2gen when annotation.json exists, else official.
"""

from __future__ import annotations

import csv
import gzip
import re
from pathlib import Path
from typing import Iterator

from cxrgen.data.dataset import Dataset, InvalidRows, check_study
from cxrgen.data.r2gen_annotation import image_paths, iter_entries
from cxrgen.data.registry import register_dataset
from cxrgen.data.study import ImageRef, Study, View
from cxrgen.errors import ConfigError, InputError

FORMATS = ("auto", "official", "r2gen")
OFFICIAL_SPLITS = {"train": "train", "validate": "val", "val": "val", "test": "test"}
# Section headers as they appear in MIMIC-CXR reports ("FINDINGS:", "IMPRESSION:", ...).
_HEADER = re.compile(r"^\s*([A-Z][A-Z /&-]+):", re.MULTILINE)
_SECTION_OF = {
    "FINDINGS": "findings", "IMPRESSION": "impression", "INDICATION": "indication",
    "HISTORY": "indication", "CLINICAL HISTORY": "indication", "REASON FOR EXAM": "indication",
    "COMPARISON": "comparison", "COMPARISONS": "comparison",
}


@register_dataset("mimic_cxr")
def load_mimic_cxr(root: str | Path, format: str = "auto", image_dir: str = "images",
                   skip_invalid: bool = False) -> Dataset:
    root = Path(root)
    if format not in FORMATS:
        raise ConfigError(f"unknown mimic_cxr format {format!r}; valid: {', '.join(FORMATS)}")
    if format == "auto":
        format = "r2gen" if (root / "annotation.json").is_file() else "official"
    rows = InvalidRows(skip_invalid)
    reader = _read_r2gen(root, root / image_dir, rows) if format == "r2gen" else _read_official(root, rows)
    studies = list(reader)
    return Dataset(name="mimic_cxr", studies=studies, root=str(root), skipped=rows.skipped,
                   meta={"format": format, "split": "official"})


def parse_report(text: str) -> dict[str, str]:
    """Cut a MIMIC-CXR free-text report into sections; whitespace collapsed."""
    out: dict[str, str] = {}
    matches = list(_HEADER.finditer(text))
    for m, nxt in zip(matches, matches[1:] + [None]):
        key = _SECTION_OF.get(m.group(1).strip())
        if key is None:
            continue
        body = text[m.end(): nxt.start() if nxt else len(text)]
        body = " ".join(body.split())
        if body:
            out[key] = f"{out[key]} {body}" if key in out else body
    return out


def _open_csv(root: Path, stem: str):
    for name in (f"{stem}.csv", f"{stem}.csv.gz"):
        p = root / name
        if p.is_file():
            fh = gzip.open(p, "rt", newline="") if name.endswith(".gz") else open(p, newline="")
            return p, fh
    raise InputError(f"{root}: missing {stem}.csv(.gz); download it from PhysioNet mimic-cxr(-jpg) 2.0.0")


def _read_official(root: Path, rows: InvalidRows) -> Iterator[Study]:
    meta_path, fh = _open_csv(root, "mimic-cxr-2.0.0-metadata")
    with fh:
        views = {r["dicom_id"]: View.parse(r.get("ViewPosition")) for r in csv.DictReader(fh)}
    split_path, fh = _open_csv(root, "mimic-cxr-2.0.0-split")
    studies: dict[str, dict] = {}
    with fh:
        reader = csv.DictReader(fh)
        for r in reader:
            where = f"{split_path}:{reader.line_num}"
            split = OFFICIAL_SPLITS.get(r.get("split", ""))
            if not r.get("dicom_id") or not r.get("study_id") or not r.get("subject_id") or split is None:
                rows.reject(where, f"malformed row {dict(r)}", "rows need dicom_id, study_id, subject_id, "
                            "split in train/validate/test")
                continue
            s = studies.setdefault(r["study_id"], {"subject": r["subject_id"], "split": split, "dicoms": [],
                                                   "where": where})
            s["dicoms"].append(r["dicom_id"])
    for study_id, s in studies.items():
        subject = s["subject"]
        folder = root / "files" / f"p{subject[:2]}" / f"p{subject}"
        report_path = folder / f"s{study_id}.txt"
        if not report_path.is_file():
            rows.reject(str(report_path), f"report of study {study_id} not found",
                        "download mimic-cxr-reports.zip and unzip it into ROOT")
            continue
        sections = parse_report(report_path.read_text(encoding="utf-8", errors="replace"))
        study = Study(
            study_id=study_id, patient_id=subject,
            images=[ImageRef(str(folder / f"s{study_id}" / f"{d}.jpg"), views.get(d, View.UNKNOWN), d)
                    for d in s["dicoms"]],
            language="en", split=s["split"], dataset="mimic_cxr", **sections,
        )
        if check_study(study, str(report_path), rows):
            yield study


def _read_r2gen(root: Path, image_root: Path, rows: InvalidRows) -> Iterator[Study]:
    # R2Gen's MIMIC-CXR annotation has one entry per image: group them into studies
    grouped: dict[str, Study] = {}
    required = ("id", "report", "image_path", "study_id", "subject_id")
    for split, where, e in iter_entries(root / "annotation.json", rows, required):
        sid = str(e["study_id"])
        images = [ImageRef(str(image_root / p), View.UNKNOWN, str(e["id"])) for p in image_paths(e)]
        if sid in grouped:
            grouped[sid].images.extend(images)
            continue
        study = Study(study_id=sid, patient_id=str(e["subject_id"]), images=images,
                      findings=str(e["report"]).strip(), language="en", split=split, dataset="mimic_cxr")
        if check_study(study, where, rows):
            grouped[sid] = study
    yield from grouped.values()
