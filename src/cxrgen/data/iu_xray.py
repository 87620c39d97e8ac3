"""IU X-Ray (Indiana University Chest X-ray Collection, Open-i).

Data card
---------
- Content: 3,955 de-identified radiology reports (ecgen-radiology XML: COMPARISON, INDICATION,
  FINDINGS, IMPRESSION, MeSH terms) and 7,470 images (PA / lateral), from Indiana University
  hospitals. Of the reports, 104 list no image and 28 have neither findings nor impression.
- The R2Gen version (Chen et al., EMNLP 2020) keeps the 2,955 reports with findings and two
  images: train 2,069 / val 296 / test 590 studies, report = FINDINGS only; that split is the de
  facto benchmark and is kept as the official split.
- Access: https://openi.nlm.nih.gov/faq (NLMCXR_png.tgz, NLMCXR_reports.tgz); licence
  CC BY-NC-ND 4.0.
- Citation: Demner-Fushman D. et al., "Preparing a collection of radiology examinations for
  distribution and retrieval", JAMIA 23(2):304-310, 2016. R2Gen split: Chen Z. et al.,
  "Generating Radiology Reports via Memory-driven Transformer", EMNLP 2020.

Layouts (``format``):
- ``r2gen``: ``root/annotation.json`` ({"train"|"val"|"test": [{"id", "report", "image_path",
  "split"}]}) and images ``root/<image_dir>/<id>/0.png`` (``image_dir`` default ``images``).
  The annotation does not say which image is frontal; views stay UNKNOWN and the dataset order
  (R2Gen's) is kept.
- ``xml``: ``root/NLMCXR_reports.tgz`` or a folder ``root/ecgen-radiology/*.xml``; images
  ``root/<image_dir>/<parentImage id>.png`` (``image_dir`` default ``NLMCXR_png``); views from
  ``root/nlmcxr_dicom_metadata.csv.gz`` (column View Position) when that file is present.
  No official split: use ``cxrgen data split``.
- ``auto`` (default): r2gen when annotation.json exists, else xml.

Patients: IU X-Ray identifies reports, not patients; the report uid (``CXR123``) is used as the
patient id, so a patient-level split is a report-level split here.
"""

from __future__ import annotations

import csv
import gzip
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Iterator

from cxrgen.data.dataset import Dataset, InvalidRows, check_study
from cxrgen.data.r2gen_annotation import image_paths, iter_entries
from cxrgen.data.registry import register_dataset
from cxrgen.data.study import ImageRef, Study, View
from cxrgen.errors import ConfigError, InputError

FORMATS = ("auto", "r2gen", "xml")
R2GEN_SPLITS = {"train": "train", "val": "val", "test": "test"}
METADATA_CSV = "nlmcxr_dicom_metadata.csv.gz"


@register_dataset("iu_xray")
def load_iu_xray(root: str | Path, format: str = "auto", image_dir: str | None = None,
                 skip_invalid: bool = False) -> Dataset:
    root = Path(root)
    if format not in FORMATS:
        raise ConfigError(f"unknown iu_xray format {format!r}; valid: {', '.join(FORMATS)}")
    if format == "auto":
        format = "r2gen" if (root / "annotation.json").is_file() else "xml"
    rows = InvalidRows(skip_invalid)
    if format == "r2gen":
        studies = list(_read_r2gen(root, root / (image_dir or "images"), rows))
        meta = {"format": "r2gen", "split": "official (R2Gen)"}
    else:
        views = read_views(root / METADATA_CSV) if (root / METADATA_CSV).is_file() else {}
        studies = list(_read_xml(root, root / (image_dir or "NLMCXR_png"), views, rows))
        meta = {"format": "xml", "views_from": METADATA_CSV if views else "none (views UNKNOWN)"}
    return Dataset(name="iu_xray", studies=studies, root=str(root), skipped=rows.skipped, meta=meta)


def _read_r2gen(root: Path, image_root: Path, rows: InvalidRows) -> Iterator[Study]:
    for split, where, e in iter_entries(root / "annotation.json", rows):
        sid = str(e["id"])
        study = Study(
            study_id=sid, patient_id=sid.split("_")[0],
            images=[ImageRef(str(image_root / p), View.UNKNOWN) for p in image_paths(e)],
            findings=str(e["report"]).strip(), language="en",
            split=R2GEN_SPLITS[split], dataset="iu_xray",
        )
        if check_study(study, where, rows):
            yield study


def read_views(path: Path) -> dict[str, View]:
    """image id (``CXR1000_IM-0003-2001``) -> view, from the DICOM header metadata table."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        return {r["imageid"]: View.parse(r["View Position"]) for r in csv.DictReader(fh)}


def _xml_files(root: Path) -> Iterator[tuple[str, bytes]]:
    tgz = root / "NLMCXR_reports.tgz"
    folder = root / "ecgen-radiology"
    if folder.is_dir():
        for p in sorted(folder.glob("*.xml"), key=lambda p: _num(p.name)):
            yield str(p), p.read_bytes()
    elif tgz.is_file():
        with tarfile.open(tgz, "r:gz") as tar:
            members = sorted((m for m in tar.getmembers() if m.isfile() and m.name.endswith(".xml")),
                             key=lambda m: _num(m.name))
            for m in members:
                yield f"{tgz}:{m.name}", tar.extractfile(m).read()
    else:
        raise InputError(f"{root}: no IU X-Ray reports found (expected annotation.json, "
                         f"NLMCXR_reports.tgz or an ecgen-radiology/ folder)")


def _num(name: str) -> int:
    stem = Path(name).stem
    return int(stem) if stem.isdigit() else 0


def _read_xml(root: Path, image_root: Path, views: dict[str, View], rows: InvalidRows) -> Iterator[Study]:
    for where, data in _xml_files(root):
        try:
            doc = ET.fromstring(data)
        except ET.ParseError as exc:
            rows.reject(where, f"malformed XML ({exc})", "re-extract the report archive")
            continue
        uid_el = doc.find("uId")
        if uid_el is None or not uid_el.get("id"):
            rows.reject(where, "no <uId id=...>", "re-extract the report archive")
            continue
        uid = uid_el.get("id")
        sections = {(e.get("Label") or "").lower(): (e.text or "").strip() for e in doc.iter("AbstractText")}
        image_ids = [e.get("id") for e in doc.iter("parentImage") if e.get("id")]
        study = Study(
            study_id=uid, patient_id=uid,
            images=[ImageRef(str(image_root / f"{i}.png"), views.get(i, View.UNKNOWN), i) for i in image_ids],
            findings=sections.get("findings", ""), impression=sections.get("impression", ""),
            indication=sections.get("indication", ""), comparison=sections.get("comparison", ""),
            language="en", dataset="iu_xray",
            meta={"mesh_major": [e.text for e in doc.iter("major") if e.text]},
        )
        if check_study(study, where, rows):
            yield study
