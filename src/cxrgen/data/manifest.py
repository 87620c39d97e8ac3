"""The generic manifest: any hospital's own data, in JSONL or CSV (the README documents it).

JSONL, one study per line::

    {"study_id": "s1", "patient_id": "p1",
     "images": [{"path": "images/s1_pa.png", "view": "PA"}, {"path": "/abs/s1_lat.dcm", "view": "LATERAL"}],
     "findings": "...", "impression": "...", "indication": "...", "comparison": "...",
     "language": "en", "split": "train", "labels": {"Cardiomegaly": 1, "Pleural Effusion": 0}}

Required: ``study_id``, ``patient_id``, ``images`` (a list, may be empty for report-only data),
``language`` (en, fr or zh: never guessed, so that no metric applies English rules to French
or Chinese). Optional: the four report sections (default empty; findings or impression must be
non-empty), ``split`` (train, val, test), ``labels`` (name -> 1 / 0 / -1), ``meta`` (a free
object kept with the study). Image ``path`` is relative to the manifest's folder or absolute;
``view`` is PA, AP, LATERAL or UNKNOWN (default), ``image_id`` optional.

CSV: columns ``study_id, patient_id, image_paths, views`` (both ``|``-separated, same count),
``findings, impression, indication, comparison, language, split`` and one ``label:<Name>``
column per label (cells 1, 0, -1, or empty for not mentioned).

An unknown key or column, a missing required field or a bad value is an InputError naming the
file and line.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Iterable

from cxrgen.data.dataset import Dataset, InvalidRows, check_study
from cxrgen.data.registry import register_dataset
from cxrgen.data.study import SECTIONS, ImageRef, Study, View
from cxrgen.errors import InputError

REQUIRED = ("study_id", "patient_id", "images", "language")
OPTIONAL = (*SECTIONS, "split", "labels", "meta")
IMAGE_KEYS = ("path", "view", "image_id")
VIEWS = tuple(v.value for v in View)
CSV_REQUIRED = ("study_id", "patient_id", "image_paths", "language")
CSV_OPTIONAL = ("views", *SECTIONS, "split")
MANIFEST_NAMES = ("manifest.jsonl", "manifest.csv")


@register_dataset("manifest")
def load_manifest(root: str | Path, skip_invalid: bool = False, name: str = "manifest",
                  require_report: bool = True) -> Dataset:
    """Load a manifest file (``.jsonl`` or ``.csv``), or ``manifest.jsonl`` / ``manifest.csv``
    inside the folder ``root``."""
    path = find_manifest(Path(root))
    rows = InvalidRows(skip_invalid)
    reader = _read_csv if path.suffix.lower() == ".csv" else _read_jsonl
    studies = []
    seen: dict[str, str] = {}
    for where, study in reader(path, rows):
        study.dataset = name
        if not check_study(study, where, rows, require_report=require_report):
            continue
        if study.study_id in seen:
            rows.reject(where, f"duplicate study_id {study.study_id!r} (first at {seen[study.study_id]})",
                        "study ids must be unique")
            continue
        seen[study.study_id] = where
        studies.append(study)
    return Dataset(name=name, studies=studies, root=str(path), skipped=rows.skipped,
                   meta={"manifest": str(path)})


def find_manifest(root: Path) -> Path:
    if root.is_file():
        if root.suffix.lower() not in (".jsonl", ".csv"):
            raise InputError(f"{root}: a manifest must be a .jsonl or .csv file")
        return root
    for n in MANIFEST_NAMES:
        if (root / n).is_file():
            return root / n
    raise InputError(f"{root}: no {' or '.join(MANIFEST_NAMES)} in this folder; pass the manifest "
                     f"file itself as --root")


def _resolve(base: Path, path: str) -> str:
    p = Path(path)
    return str(p if p.is_absolute() else base / p)


def _read_jsonl(path: Path, rows: InvalidRows) -> Iterable[tuple[str, Study]]:
    base = path.parent
    with open(path, encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                rows.reject(where, f"not valid JSON ({exc.msg} at column {exc.colno})",
                            "write one JSON object per line")
                continue
            try:
                yield where, _study_from_record(rec, base)
            except _RowError as exc:
                rows.reject(where, exc.problem, exc.fix)


class _RowError(Exception):
    def __init__(self, problem: str, fix: str):
        super().__init__(problem)
        self.problem, self.fix = problem, fix


def _study_from_record(rec: Any, base: Path) -> Study:
    if not isinstance(rec, dict):
        raise _RowError(f"expected a JSON object, got {type(rec).__name__}", "write one object per line")
    unknown = sorted(set(rec) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise _RowError(f"unknown key(s) {', '.join(unknown)}",
                        f"valid keys: {', '.join(REQUIRED + OPTIONAL)} (put extra data under \"meta\")")
    missing = [k for k in REQUIRED if k not in rec]
    if missing:
        raise _RowError(f"missing required field(s) {', '.join(missing)}", f"every line needs {', '.join(REQUIRED)}")
    if not isinstance(rec["images"], list):
        raise _RowError("\"images\" must be a list of {\"path\", \"view\"} objects", "see the README manifest format")
    images = []
    for i, img in enumerate(rec["images"]):
        if isinstance(img, str):
            img = {"path": img}
        if not isinstance(img, dict) or "path" not in img or set(img) - set(IMAGE_KEYS):
            raise _RowError(f"images[{i}] must be an object with \"path\" and optional \"view\", \"image_id\"",
                            "see the README manifest format")
        images.append(ImageRef(_resolve(base, str(img["path"])), _view(img.get("view"), i), img.get("image_id")))
    for k in SECTIONS:
        if not isinstance(rec.get(k, ""), str):
            raise _RowError(f"{k!r} must be a string, got {type(rec[k]).__name__}", "give the section as text")
    labels = rec.get("labels")
    if labels is not None and not isinstance(labels, dict):
        raise _RowError("\"labels\" must be an object of name -> 1 / 0 / -1", "see the README manifest format")
    meta = rec.get("meta") or {}
    if not isinstance(meta, dict):
        raise _RowError("\"meta\" must be an object", "see the README manifest format")
    return Study(
        study_id=str(rec["study_id"]), patient_id=str(rec["patient_id"]), images=images,
        **{k: rec.get(k) or "" for k in SECTIONS}, language=rec["language"], split=rec.get("split") or None,
        labels=dict(labels) if labels is not None else None, meta=dict(meta),
    )


def _view(value: Any, i: int) -> View:
    if value is None or value == "":
        return View.UNKNOWN
    if value not in VIEWS:
        raise _RowError(f"images[{i}] has view {value!r}", f"use one of {', '.join(VIEWS)}")
    return View(value)


def _read_csv(path: Path, rows: InvalidRows) -> Iterable[tuple[str, Study]]:
    base = path.parent
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        unknown = [c for c in header if c not in CSV_REQUIRED + CSV_OPTIONAL and not c.startswith("label:")]
        missing = [c for c in CSV_REQUIRED if c not in header]
        if unknown or missing:
            raise InputError(
                f"{path}:1: bad header ({'unknown column(s) ' + ', '.join(unknown) if unknown else ''}"
                f"{'; ' if unknown and missing else ''}{'missing ' + ', '.join(missing) if missing else ''}); "
                f"columns: {', '.join(CSV_REQUIRED + CSV_OPTIONAL)}, label:<Name>"
            )
        for row in reader:
            where = f"{path}:{reader.line_num}"
            if None in row or any(v is None for v in row.values()):
                rows.reject(where, f"expected {len(header)} cells", "quote cells that contain commas")
                continue
            try:
                yield where, _study_from_row(row, base)
            except _RowError as exc:
                rows.reject(where, exc.problem, exc.fix)


def _study_from_row(row: dict[str, str], base: Path) -> Study:
    paths = [p.strip() for p in row["image_paths"].split("|")] if row["image_paths"].strip() else []
    views = [v.strip() for v in row.get("views", "").split("|")] if row.get("views", "").strip() else []
    if views and len(views) != len(paths):
        raise _RowError(f"{len(paths)} image_paths but {len(views)} views", "give one view per image, |-separated")
    images = [ImageRef(_resolve(base, p), _view(views[i] if views else None, i)) for i, p in enumerate(paths)]
    labels: dict[str, int] = {}
    for col, cell in row.items():
        if col.startswith("label:") and cell.strip():
            try:
                labels[col[6:]] = int(float(cell))
            except ValueError:
                raise _RowError(f"{col} = {cell!r}", "labels are 1, 0, -1 or empty") from None
    has_label_cols = any(c.startswith("label:") for c in row)
    return Study(
        study_id=row["study_id"].strip(), patient_id=row["patient_id"].strip(), images=images,
        **{k: (row.get(k) or "").strip() for k in SECTIONS}, language=row["language"].strip(),
        split=(row.get("split") or "").strip() or None, labels=labels if has_label_cols else None,
    )


def write_manifest(studies: Iterable[Study], path: str | Path, relative_to: str | Path | None = None) -> Path:
    """Write studies as a JSONL manifest; image paths are written relative to ``relative_to``
    (default: the manifest's folder) when they lie under it."""
    path = Path(path)
    base = Path(relative_to) if relative_to is not None else path.parent
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for s in studies:
            rec: dict[str, Any] = {
                "study_id": s.study_id, "patient_id": s.patient_id,
                "images": [{"path": _relative(i.path, base), "view": i.view.value}
                           | ({"image_id": i.image_id} if i.image_id else {}) for i in s.images],
                **{k: getattr(s, k) for k in SECTIONS}, "language": s.language,
            }
            if s.split:
                rec["split"] = s.split
            if s.labels is not None:
                rec["labels"] = s.labels
            if s.meta:
                rec["meta"] = s.meta
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path


def _relative(path: str, base: Path) -> str:
    try:
        return str(Path(path).relative_to(base))
    except ValueError:
        return str(path)
