"""Accuracy of the labelers on the real material of ``shared/data`` (issue 4, "Accuracy").

Each function takes the folder ``shared/data`` and returns plain numbers, so that tests assert
them and ``python -m cxrgen.labeling.evaluation shared/data`` prints them.

* :func:`iu_gold_reports`: the 3,080 IU X-Ray reports of the NegBio OpenI gold labels
  (``openi_gold_labels_dev.csv``, keyed ``CXR<uid>``), text = FINDINGS + IMPRESSION from
  ``iu_xray_reports.csv`` (the gold labels were made on the whole report). The gold values are
  0/1 only; hedged findings are mostly 0 there ("cannot exclude small pleural effusions",
  "no definite effusion") and sometimes 1 ("concerning for atelectasis versus pneumonitis"), so
  the default scoring counts an uncertain label as negative (R2Gen's CE convention) and
  ``uncertain="positive"`` gives the other reading; both are reported.
* :func:`casia_reports`: CASIA-CXR French reports (Findings + Impression, sentences split on ``/``)
  with the principal finding of their file.
* :func:`iu_zh_reports`: the machine-translated Chinese IU reports, one per report uid (the
  translation is per image; both images of a report carry the same text), with the English gold.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

from cxrgen.errors import InputError
from cxrgen.labeling.base import get_labeler
from cxrgen.labeling.labelsets import CHESTXRAY14
from cxrgen.metrics.clinical import ce_aggregate, ce_statistics, per_label_scores

FINDINGS = CHESTXRAY14.findings

CASIA_FILES = {
    "Cardiomegaly": "CASIA-CXR_Cardiomegaly.csv",
    "Mass": "CASIA-CXR_Mass.csv",
    "Effusion": "CASIA-CXR_PleuralEffusion.csv",
    "Pneumonia": "CASIA-CXR_Pneumonia.csv",
    "Pneumothorax": "CASIA-CXR_Pneumothorax.csv",
}


def _need(path: Path) -> Path:
    if not path.exists():
        raise InputError(f"{path} is missing; see shared/data/README.md")
    return path


def iu_gold_reports(shared: Path) -> list[tuple[str, str, dict]]:
    """(uid, report text, gold labels as ints) for every report of the OpenI gold file."""
    shared = Path(shared)
    with open(_need(shared / "iu_xray" / "iu_xray_reports.csv"), newline="", encoding="utf-8") as f:
        reports = {r["uid"]: r for r in csv.DictReader(f)}
    out = []
    with open(_need(shared / "iu_xray" / "openi_gold_labels_dev.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rep = reports.get(row["filename"])
            if rep is None:
                raise InputError(f"gold row {row['filename']} has no report in iu_xray_reports.csv")
            text = " ".join(t for t in (rep["findings"], rep["impression"]) if t.strip())
            gold = {k: int(v) for k, v in row.items() if k != "filename"}
            out.append((row["filename"], text, gold))
    return out


def score_against_gold(predicted: list[dict], gold: list[dict], uncertain="negative") -> dict:
    """Per-class and micro/macro P/R/F1 over the 14 findings, plus accuracy of ``normal``."""
    rows = ce_statistics(gold, predicted, FINDINGS, uncertain)
    agg = ce_aggregate(rows)
    normal_acc = float(np.mean([(p.get("normal") == 1) == (g.get("normal") == 1)
                                for p, g in zip(predicted, gold)]))
    # Hernia is never 1 in the OpenI gold file although reports mention hiatal hernias: the
    # micro average over the labels the gold actually annotates is reported beside the full one
    supported = [c for c in FINDINGS if any(g.get(c) == 1 for g in gold)]
    sup = ce_aggregate(ce_statistics(gold, predicted, supported, uncertain))
    return {"micro": {k: agg[f"{k}-micro"] for k in ("P", "R", "F1")},
            "micro_supported_labels": {k: sup[f"{k}-micro"] for k in ("P", "R", "F1")},
            "macro": {k: agg[f"{k}-macro"] for k in ("P", "R", "F1")},
            "per_label": per_label_scores(rows, FINDINGS), "normal_accuracy": normal_acc,
            "n": len(gold)}


def evaluate_en_iu(shared: Path) -> dict:
    data = iu_gold_reports(shared)
    lab = get_labeler("en")
    pred = lab.label_many([t for _, t, _ in data], "chestxray14")
    return score_against_gold(pred, [g for _, _, g in data])


def iu_zh_reports(shared: Path) -> list[tuple[str, str, dict]]:
    """(uid, Chinese text, English gold) for IU reports with both a translation and gold."""
    gold = {uid: g for uid, _, g in iu_gold_reports(shared)}
    seen, out = set(), []
    path = _need(Path(shared) / "iu_xray_zh_mt" / "iu_zh_machine_translated_dev.csv")
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            uid = row["iu_uid"]
            if uid in seen or uid not in gold:
                continue
            seen.add(uid)
            out.append((uid, row["caption_zh"], gold[uid]))
    return out


def evaluate_zh_iu(shared: Path) -> dict:
    data = iu_zh_reports(shared)
    lab = get_labeler("zh")
    pred = lab.label_many([t for _, t, _ in data], "chestxray14")
    return score_against_gold(pred, [g for _, _, g in data])


def casia_reports(shared: Path, finding: str) -> list[str]:
    """Report texts (Findings + Impression) of the CASIA-CXR file of ``finding``; blank filler
    rows (no Findings and no Impression) are skipped."""
    path = _need(Path(shared) / "casia_cxr_fr" / CASIA_FILES[finding])
    out = []
    with open(path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            text = " / ".join(t for t in (row.get("Findings") or "", row.get("Impression") or "")
                              if t.strip())
            if text.strip():
                out.append(text)
    return out


def evaluate_fr_casia(shared: Path) -> dict[str, dict]:
    """Per file: recall of its principal finding and positive rate of the other four
    (an upper bound of their false-positive rate: a report may truly show a second finding)."""
    lab = get_labeler("fr")
    out = {}
    for finding in CASIA_FILES:
        texts = casia_reports(shared, finding)
        pred = lab.label_many(texts, "chestxray14")
        pos = lambda p, k: p[k] in (1, -1)  # noqa: E731 - the gold of the file is "present"
        recall = float(np.mean([pos(p, finding) for p in pred]))
        others = {o: float(np.mean([pos(p, o) for p in pred])) for o in CASIA_FILES if o != finding}
        out[finding] = {"n": len(texts), "recall": recall, "other_positive_rate": others}
    return out


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    shared = Path(args[0] if args else "../shared/data")
    which = args[1:] or ["en", "fr", "zh"]
    import json

    if "en" in which:
        print("en / IU X-Ray OpenI gold:", json.dumps(evaluate_en_iu(shared), indent=1))
    if "fr" in which:
        print("fr / CASIA-CXR:", json.dumps(evaluate_fr_casia(shared), indent=1))
    if "zh" in which:
        print("zh / IU X-Ray MT:", json.dumps(evaluate_zh_iu(shared), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
