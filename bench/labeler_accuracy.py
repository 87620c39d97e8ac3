"""Accuracy of the labelers on the real material of ``shared/data`` (issue 4, "Accuracy").

Each function takes the folder ``shared/data`` and returns plain numbers, so that tests assert
them and ``python bench/labeler_accuracy.py ../shared/data`` prints them. An analysis script of
the real material, not library code: it lives in ``bench/`` (tests import it as
``bench.labeler_accuracy``; pytest puts the repository root on the path, see pyproject.toml).

* :func:`iu_gold_reports`: the 3,080 IU X-Ray reports of the NegBio OpenI gold labels
  (``openi_gold_labels_dev.csv``, keyed ``CXR<uid>``), text = FINDINGS + IMPRESSION from
  ``iu_xray_reports.csv`` (the gold labels were made on the whole report). The gold values are
  0/1 only; hedged findings are mostly 0 there ("cannot exclude small pleural effusions",
  "no definite effusion") and sometimes 1 ("concerning for atelectasis versus pneumonitis"), so
  the default scoring counts an uncertain label as negative (R2Gen's CE convention) and
  ``uncertain="positive"`` gives the other reading; both are reported.
* Held-out protocol: :func:`split_half` cuts the gold reports in two by a fixed seeded hash of
  the report id (:data:`SPLIT_SEED`), independent of order and of the labeler. The *dev* half
  (1,540 reports) is the one read in error analyses; the *held-out* half (1,540) is only scored,
  for the figures reported beside the full set (README, "Clinical efficacy"). The Chinese
  evaluation uses the same halves (its reports are the same IU reports).
* :func:`casia_reports`: CASIA-CXR French reports (Findings + Impression, sentences split on ``/``)
  with the principal finding of their file.
* :func:`iu_zh_reports`: the machine-translated Chinese IU reports, one per report uid (the
  translation is per image; both images of a report carry the same text), with the English gold.
"""

from __future__ import annotations

import csv
import hashlib
import sys
from pathlib import Path

import numpy as np

from cxrgen.errors import InputError
from cxrgen.labeling.base import get_labeler
from cxrgen.labeling.labelsets import CHESTXRAY14
from cxrgen.metrics.clinical import ce_aggregate, ce_statistics, per_label_scores

FINDINGS = CHESTXRAY14.findings

#: seed of the dev / held-out split of the OpenI gold reports (a salt of the hash, fixed so that
#: the halves never move); changing it would make the held-out half one that was looked at
SPLIT_SEED = "cxrgen-openi-split"
HALVES = ("dev", "heldout")


def split_half(uid: str, seed: str = SPLIT_SEED) -> str:
    """``"dev"`` or ``"heldout"`` for a report id: the parity of the first byte of
    SHA-256(``seed:uid``), so about half each and stable across runs, machines and orders."""
    return HALVES[hashlib.sha256(f"{seed}:{uid}".encode()).digest()[0] % 2]


def select_half(data: list, half: str | None) -> list:
    """The rows (uid first) of ``data`` in ``half`` (``None``: all of them)."""
    if half is None:
        return list(data)
    if half not in HALVES:
        raise ValueError(f"unknown half {half!r}; valid choices: {', '.join(HALVES)} or None (all)")
    return [row for row in data if split_half(row[0]) == half]

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
    rows = ce_statistics(predicted, gold, FINDINGS, uncertain)
    agg = ce_aggregate(rows)
    normal_acc = float(np.mean([(p.get("normal") == 1) == (g.get("normal") == 1)
                                for p, g in zip(predicted, gold)]))
    # Hernia is never 1 in the OpenI gold file although reports mention hiatal hernias: the
    # micro average over the labels the gold actually annotates is reported beside the full one
    supported = [c for c in FINDINGS if any(g.get(c) == 1 for g in gold)]
    sup = ce_aggregate(ce_statistics(predicted, gold, supported, uncertain))
    return {"micro": {k: agg[f"{k}-micro"] for k in ("P", "R", "F1")},
            "micro_supported_labels": {k: sup[f"{k}-micro"] for k in ("P", "R", "F1")},
            "macro": {k: agg[f"{k}-macro"] for k in ("P", "R", "F1")},
            "per_label": per_label_scores(rows, FINDINGS), "normal_accuracy": normal_acc,
            "n": len(gold)}


def evaluate_en_iu(shared: Path, half: str | None = None, labels: str = "chestxray14") -> dict:
    """Scores of the English labeler against the OpenI gold: all reports, or one ``half``."""
    data = select_half(iu_gold_reports(shared), half)
    lab = get_labeler("en")
    pred = lab.label_many([t for _, t, _ in data], labels)
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


def evaluate_zh_iu(shared: Path, half: str | None = None, labels: str = "chestxray14",
                   mt_variants: bool = True) -> dict:
    """Scores of the Chinese labeler on the MT reports against the English gold.

    These reports are machine translations, so the MT-rendering list is on by default here
    (``mt_variants=False`` gives the native-text labeler's figure)."""
    data = select_half(iu_zh_reports(shared), half)
    lab = get_labeler("zh", mt_variants=mt_variants)
    pred = lab.label_many([t for _, t, _ in data], labels)
    return score_against_gold(pred, [g for _, _, g in data])


def summary_table(result_by_half: dict[str, dict]) -> str:
    """A plain-text table: micro / macro P-R-F1 and per-class F1 for each half."""
    names = list(result_by_half)
    lines = [f"{'':30s}" + "".join(f"{n:>10s}" for n in names),
             f"{'n':30s}" + "".join(f"{result_by_half[n]['n']:10d}" for n in names)]
    for avg in ("micro", "macro"):
        for k in ("P", "R", "F1"):
            lines.append(f"{avg + '-' + k:30s}" + "".join(f"{result_by_half[n][avg][k]:10.3f}" for n in names))
    lines.append(f"{'micro-F1 w/o unannot.':30s}"
                 + "".join(f"{result_by_half[n]['micro_supported_labels']['F1']:10.3f}" for n in names))
    for c in FINDINGS:
        cells = []
        for n in names:
            p = result_by_half[n]["per_label"][c]
            cells.append(f"{p['F1']:6.3f}/{int(p['support']):<3d}" if p["support"] else f"{'-':>10s}")
        lines.append(f"{c + ' F1/support':30s}" + "".join(f"{x:>10s}" for x in cells))
    return "\n".join(lines)


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

    halves = {"full": None, "dev": "dev", "held-out": "heldout"}
    if "en" in which:
        res = {k: evaluate_en_iu(shared, h) for k, h in halves.items()}
        print(f"en / IU X-Ray OpenI gold (chestxray14, uncertain = negative; split seed {SPLIT_SEED!r}):")
        print(summary_table(res))
        lit = evaluate_en_iu(shared, None, "chestxray14-literal")
        print(f"  chestxray14-literal (no gold conventions), full: micro-F1 {lit['micro']['F1']:.3f} "
              f"macro-F1 {lit['macro']['F1']:.3f}")
    if "fr" in which:
        print("fr / CASIA-CXR:", json.dumps(evaluate_fr_casia(shared), indent=1))
    if "zh" in which:
        res = {k: evaluate_zh_iu(shared, h) for k, h in halves.items()}
        print("zh / IU X-Ray MT vs the English gold (chestxray14):")
        print(summary_table(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
