"""CASIA-CXR: French chest X-ray reports.

Data card
---------
- Content: French radiology reports of chest radiographs from an Algerian hospital (CASIA
  research lab), in five CSV files by principal finding: Cardiomegaly, Mass, PleuralEffusion,
  Pneumonia, Pneumothorax; 3,848 reports with text (1,317 / 477 / 695 / 681 / 678). Columns:
  ImageID, ImageDir, StudyDate, StudyID, PatientID, PatientAge, PatientGender, PatientPosition,
  PositionView, Projection, ..., Findings, Indication, Comparison, Impression, EndHere.
- Quirks handled here: UTF-8 with BOM; sentences separated by ``/`` (a ``/`` between digits,
  as in "2/3", is kept); blank filler rows (only the ``EndHere`` marker ``#``) are skipped and
  counted in ``Dataset.skipped`` with reason "blank filler row"; each file ends with three
  footer rows whose ImageID is ``Findings`` / ``Indication`` / ``Impression`` and whose ImageDir
  holds a word list (a vocabulary, not a report): skipped and counted as "vocabulary footer
  row"; ``None`` placeholders mean an empty section. Labels: the file's principal finding is positive; other findings unknown.
- Images are not distributed with the CSVs here; when ``root/<ImageDir>`` exists with a
  ``.png``/``.jpg``/``.jpeg``/``.dcm`` suffix it is listed, otherwise the study has no image
  (counted in ``meta["without_image"]``).
- No official split: use ``cxrgen data split`` (seeded patient-level 7:1:2).
- Access: "freely available" for research, https://www.casia-cxr.net (the full release has
  11.1K studies with JPEG images; the CSVs here are its five principal-finding tables).
- Citation: Metmer H., Yang X., "An Open Chest X-ray Dataset with Benchmarks for Automatic
  Radiology Report Generation in French", 2024 (CASIA, https://metmer.net/CASIA-CXR.html).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Iterator

from cxrgen.data.dataset import Dataset, InvalidRows, Skipped, check_study
from cxrgen.data.registry import register_dataset
from cxrgen.data.study import ImageRef, Study, View
from cxrgen.errors import InputError

FINDINGS_BY_FILE = {
    "Cardiomegaly": "Cardiomegaly", "Mass": "Mass", "PleuralEffusion": "Pleural Effusion",
    "Pneumonia": "Pneumonia", "Pneumothorax": "Pneumothorax",
}
REQUIRED_COLUMNS = ("ImageID", "PatientID", "Findings", "Indication", "Comparison", "Impression")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".dcm")
BLANK_REASON = "blank filler row"
_BLANK = " \t\r\n\x1a"
FOOTER_REASON = "vocabulary footer row"
FOOTER_IDS = ("Findings", "Indication", "Impression")
# "/" separates sentences, except between two digits ("les 2/3 inférieurs").
_SENTENCE_SEP = re.compile(r"(?<!\d)/|/(?!\d)")


@register_dataset("casia_cxr_fr")
def load_casia_cxr_fr(root: str | Path, skip_invalid: bool = False) -> Dataset:
    root = Path(root)
    files = sorted(root.glob("CASIA-CXR_*.csv")) if root.is_dir() else [root]
    if not files:
        raise InputError(f"{root}: no CASIA-CXR_*.csv file; pass the folder holding the five CSV files")
    rows = InvalidRows(skip_invalid)
    blanks: list[Skipped] = []
    studies: list[Study] = []
    without_image = 0
    for path in files:
        for study in _read_file(path, root if root.is_dir() else root.parent, rows, blanks):
            without_image += not study.images
            studies.append(study)
    return Dataset(name="casia_cxr_fr", studies=studies, root=str(root), skipped=blanks + rows.skipped,
                   meta={"files": [p.name for p in files], "without_image": without_image})


def join_sentences(text: str) -> str:
    """``"Phrase un./Phrase deux"`` -> ``"Phrase un. Phrase deux."``; ``None`` -> ``""``."""
    if text is None or text.strip() in ("", "None"):
        return ""
    parts = []
    for p in _SENTENCE_SEP.split(text):
        p = " ".join(p.split()).lstrip(". ")
        if p:
            parts.append(p if p[-1] in ".!?" else p + ".")
    return " ".join(parts)


def _read_file(path: Path, base: Path, rows: InvalidRows, blanks: list[Skipped]) -> Iterator[Study]:
    finding = FINDINGS_BY_FILE.get(path.stem.removeprefix("CASIA-CXR_"))
    with open(path, encoding="utf-8-sig", newline="") as fh:  # utf-8-sig drops the BOM
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{path}:1: missing column(s) {', '.join(missing)}; is this a CASIA-CXR CSV?")
        for r in reader:
            where = f"{path}:{reader.line_num}"
            # blank: nothing but the EndHere marker (and a DOS end-of-file ^Z on the last line)
            if not any((v or "").strip(_BLANK) for k, v in r.items() if k not in ("EndHere", None)):
                blanks.append(Skipped(where, BLANK_REASON))
                continue
            image_id = (r["ImageID"] or "").strip().lstrip("\ufeff")
            if image_id in FOOTER_IDS and not (r["Findings"] or "").strip():
                blanks.append(Skipped(where, FOOTER_REASON))
                continue
            study = Study(
                study_id=image_id, patient_id=(r["PatientID"] or "").strip(),
                images=_image(base, r.get("ImageDir") or "", r.get("Projection") or r.get("PositionView")),
                findings=join_sentences(r["Findings"]), impression=join_sentences(r["Impression"]),
                indication=join_sentences(r["Indication"]), comparison=join_sentences(r["Comparison"]),
                language="fr", dataset="casia_cxr_fr", labels={finding: 1} if finding else None,
                meta={"file": path.name, "study": (r.get("StudyID") or "").strip()},
            )
            if check_study(study, where, rows):
                yield study


def _image(base: Path, image_dir: str, view: str | None) -> list[ImageRef]:
    rel = image_dir.strip().lstrip("/")
    if not rel or len(rel) > 255:
        return []
    for suffix in ("", *IMAGE_SUFFIXES):
        p = base / (rel + suffix)
        try:
            if p.is_file():
                return [ImageRef(str(p), View.parse(view))]
        except OSError:  # not a usable path: the study simply has no image here
            return []
    return []
