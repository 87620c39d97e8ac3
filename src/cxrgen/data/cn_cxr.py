"""CN-CXR: Chinese chest X-ray reports.

Data card
---------
- Content: over 40,000 chest X-ray image / Chinese report pairs covering diverse diseases,
  with 500 reports annotated with graph nodes (CN-RadGraph).
- Access: released by the authors for research (see the paper); not available on the
  project's machines, so the tests write fixtures in the layouts below.
- Citation: Tang W., Pei C. et al., "Generating Chinese Radiology Reports from X-Ray Images: A
  Public Dataset and an X-ray-to-Reports Generation Method", MICCAI 2023 Workshops, LNCS,
  doi:10.1007/978-3-031-47401-9_8. The paper splits patients 7:1:2 (train / val / test), which
  is what ``cxrgen data split`` does for datasets without an official split.

Layouts:
- R2Gen-style ``root/annotation.json`` ({"train"|"val"|"test": [{"id", "report", "image_path",
  "split"}]}, an optional ``patient_id`` per entry, else the id is the patient) with images
  under ``root/<image_dir>`` (default ``images``); reports are kept as written (Chinese, no
  spaces; tokenisation is the text layer's job).
- the generic manifest (``root/manifest.jsonl`` / ``.csv``, see :mod:`cxrgen.data.manifest`),
  whose language must be ``zh``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from cxrgen.data.dataset import Dataset, InvalidRows, check_study
from cxrgen.data.manifest import MANIFEST_NAMES, load_manifest
from cxrgen.data.r2gen_annotation import image_paths, iter_entries
from cxrgen.data.registry import register_dataset
from cxrgen.data.study import ImageRef, Study, View
from cxrgen.errors import InputError


@register_dataset("cn_cxr")
def load_cn_cxr(root: str | Path, image_dir: str = "images", skip_invalid: bool = False) -> Dataset:
    root = Path(root)
    if root.is_dir() and (root / "annotation.json").is_file():
        rows = InvalidRows(skip_invalid)
        studies = list(_read_r2gen(root / "annotation.json", root / image_dir, rows))
        return Dataset(name="cn_cxr", studies=studies, root=str(root), skipped=rows.skipped,
                       meta={"format": "r2gen"})
    if root.is_file() or any((root / n).is_file() for n in MANIFEST_NAMES):
        ds = load_manifest(root, skip_invalid=skip_invalid, name="cn_cxr")
        wrong = [s.study_id for s in ds.studies if s.language != "zh"]
        if wrong:
            raise InputError(f"{ds.meta['manifest']}: cn_cxr studies must have language 'zh'; "
                             f"{len(wrong)} do not (first: {wrong[0]}); load it as `manifest` instead")
        for s in ds.studies:
            s.dataset = "cn_cxr"
        ds.meta["format"] = "manifest"
        return ds
    raise InputError(f"{root}: no CN-CXR annotation.json or manifest.jsonl/.csv here")


def _read_r2gen(path: Path, image_root: Path, rows: InvalidRows) -> Iterator[Study]:
    for split, where, e in iter_entries(path, rows):
        sid = str(e["id"])
        study = Study(
            study_id=sid, patient_id=str(e.get("patient_id") or sid),
            images=[ImageRef(str(image_root / p), View.UNKNOWN) for p in image_paths(e)],
            findings=str(e["report"]).strip(), language="zh", split=split, dataset="cn_cxr",
        )
        if check_study(study, where, rows):
            yield study
