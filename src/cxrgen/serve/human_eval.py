"""Human evaluation of report generators: blinded sessions, ratings export, scores, agreement.

A session is built from the predictions of one or more models (``cxrgen evaluate`` output, JSONL
with at least ``study_id``, ``generated`` (or ``prediction``), ``reference``, ``images`` per line,
as :func:`cxrgen.pipeline.evaluation.write_predictions` writes them). Only studies that
every model predicted are used (the others are counted and listed in the session's ``sources``).
Study order and, within a study, the order of the candidate reports are shuffled with a recorded
seed; raters see slots "A", "B", ... and never model names.

Two modes:

* ``rating``: each candidate gets 1-5 on each of :data:`CRITERIA`;
* ``pairwise``: two models; the rater picks the better report.

Statistics:

* mean score per model and criterion with a 95 % percentile bootstrap CI, resampling *studies*
  (all ratings of a study move together: they share the image and the reference, so they are not
  independent — a cluster bootstrap, Field & Welsh 2007);
* Cohen's kappa (Cohen 1960; optional linear / quadratic weights, Cohen 1968) for each pair of
  raters on the items both rated, and Fleiss' kappa (Fleiss 1971) over the items rated by every
  rater; categories are the 1-5 scores, or the preferred model in pairwise mode.
"""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxrgen.errors import ConfigError, InputError
from cxrgen.serve.db.models import EvalItem, EvalRating, EvalSession, User
from cxrgen.serve.storage import ContentStore

CRITERIA = ("clinical_accuracy", "completeness", "readability")
SCORES = (1, 2, 3, 4, 5)
MODES = ("rating", "pairwise")
REQUIRED_FIELDS = ("study_id", "generated", "reference", "images")
#: ``cxrgen evaluate`` writes the generated report as "generated"; "prediction" is accepted too
TEXT_FIELDS = ("generated", "prediction")
REFERENCE_MODEL = "reference"  # name of the human report when it is rated as a candidate
CSV_FIELDS = ("session", "item", "study_id", "rater", "mode", "slot", "model", "criterion",
              "score", "preferred_model")


# ----------------------------------------------------------------------------- predictions


@dataclass
class Prediction:
    study_id: str
    prediction: str
    reference: str
    images: list[Path]


def read_predictions(path: str | Path) -> dict[str, Prediction]:
    """Read a predictions JSONL; relative image paths are relative to the file's folder."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: predictions file not found; give the JSONL written by "
                         f"`cxrgen evaluate`")
    out: dict[str, Prediction] = {}
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{n}: not valid JSON ({exc.msg}); one JSON object per "
                                 f"line expected") from None
            if not isinstance(row, dict):
                raise InputError(f"{path}:{n}: expected a JSON object, got {type(row).__name__}")
            text_field = next((f for f in TEXT_FIELDS if f in row), "generated")
            missing = [f for f in REQUIRED_FIELDS if f not in row and f != "generated"]
            missing += [] if text_field in row else ["generated"]
            if missing:
                raise InputError(f"{path}:{n}: missing field(s) {', '.join(missing)}; each line "
                                 f"needs {', '.join(REQUIRED_FIELDS)}")
            images = row["images"]
            if isinstance(images, str):
                images = [images]
            if not isinstance(images, list) or not images:
                raise InputError(f"{path}:{n}: field 'images' must be a non-empty list of paths")
            sid = str(row["study_id"])
            if sid in out:
                raise InputError(f"{path}:{n}: study_id {sid!r} appears twice")
            out[sid] = Prediction(sid, str(row[text_field]), str(row["reference"]),
                                  [p if p.is_absolute() else path.parent / p
                                   for p in map(Path, images)])
    if not out:
        raise InputError(f"{path}: no predictions in the file")
    return out


def create_session(db: Session, store: ContentStore, name: str, predictions: dict[str, str | Path],
                   *, mode: str = "rating", seed: int = 0, limit: int | None = None,
                   include_reference: bool = False) -> EvalSession:
    """Build a blinded session from ``{model name: predictions JSONL}``."""
    from cxrgen.serve.dicom_safety import decode_upload

    if mode not in MODES:
        raise ConfigError(f"human-eval mode {mode!r}; valid choices: {', '.join(MODES)}")
    models = list(predictions)
    if include_reference and REFERENCE_MODEL in models:
        raise ConfigError(f"a model is named {REFERENCE_MODEL!r}, the name the reference takes")
    n_candidates = len(models) + int(include_reference)
    if mode == "pairwise" and n_candidates != 2:
        raise ConfigError(f"pairwise mode compares exactly 2 reports; got {n_candidates} "
                          f"({', '.join(models)}{' + reference' if include_reference else ''})")
    if n_candidates < 1:
        raise ConfigError("give the predictions of at least one model")
    if db.scalar(select(EvalSession).where(EvalSession.name == name)):
        raise InputError(f"an evaluation session named {name!r} exists; choose another name")
    per_model = {m: read_predictions(p) for m, p in predictions.items()}
    common = sorted(set.intersection(*(set(p) for p in per_model.values())))
    skipped = sorted(set.union(*(set(p) for p in per_model.values())) - set(common))
    if not common:
        raise InputError(f"no study_id is predicted by every model ({', '.join(models)})")
    rng = random.Random(seed)
    rng.shuffle(common)
    if limit:
        common = common[:limit]
    session = EvalSession(name=name, mode=mode, seed=seed,
                          models=models + ([REFERENCE_MODEL] if include_reference else []),
                          sources={"files": {m: str(p) for m, p in predictions.items()},
                                   "studies": len(common), "skipped_not_in_every_model": len(skipped),
                                   "skipped_ids": skipped[:100], "include_reference": include_reference})
    db.add(session)
    db.flush()
    for pos, sid in enumerate(common):
        first = per_model[models[0]][sid]
        texts = [(m, per_model[m][sid].prediction) for m in models]
        if include_reference:
            texts.append((REFERENCE_MODEL, first.reference))
        rng.shuffle(texts)
        shas = []
        for k, img in enumerate(first.images):
            if not img.is_file():
                raise InputError(f"{predictions[models[0]]}: study {sid}: image {img} not found")
            shown = decode_upload(img.read_bytes(), img.name, label=f"study {sid} image {k + 1}",
                                  max_pixels=100_000_000, deidentify=True)
            shas.append(store.put(shown.display_png))
        db.add(EvalItem(session_id=session.id, position=pos, study_key=sid, image_sha256=shas,
                        reference=first.reference,
                        candidates=[{"slot": chr(ord("A") + i), "model": m, "text": t}
                                    for i, (m, t) in enumerate(texts)]))
    db.flush()
    return session


# ----------------------------------------------------------------------------- ratings


def validate_rating(item: EvalItem, mode: str, scores: dict | None, preferred: str | None) -> None:
    slots = [c["slot"] for c in item.candidates]
    if mode == "pairwise":
        if preferred not in slots:
            raise InputError(f"item {item.id}: 'preferred' must be one of {', '.join(slots)}")
        return
    scores = scores or {}
    if sorted(scores) != sorted(slots):
        raise InputError(f"item {item.id}: give scores for every report {', '.join(slots)}")
    for slot, per in scores.items():
        if not isinstance(per, dict) or sorted(per) != sorted(CRITERIA):
            raise InputError(f"item {item.id} report {slot}: score each of {', '.join(CRITERIA)}")
        for crit, value in per.items():
            if value not in SCORES or isinstance(value, bool):
                raise InputError(f"item {item.id} report {slot} {crit}: {value!r} is not an "
                                 f"integer from 1 to 5")


def rating_rows(db: Session, session: EvalSession) -> list[dict[str, Any]]:
    """Unblinded long-format rows, one per (item, rater, report, criterion) or per pairwise pick."""
    rows = []
    q = (select(EvalRating, EvalItem, User).join(EvalItem, EvalRating.item_id == EvalItem.id)
         .join(User, EvalRating.rater_id == User.id).where(EvalItem.session_id == session.id)
         .order_by(EvalItem.position, User.username))
    for rating, item, user in db.execute(q):
        by_slot = {c["slot"]: c["model"] for c in item.candidates}
        base = {"session": session.name, "item": item.position, "study_id": item.study_key,
                "rater": user.username, "mode": session.mode}
        if session.mode == "pairwise":
            rows.append({**base, "slot": rating.preferred, "model": by_slot[rating.preferred],
                         "criterion": "preference", "score": "",
                         "preferred_model": by_slot[rating.preferred]})
            continue
        for slot in sorted(rating.scores):
            for crit in CRITERIA:
                rows.append({**base, "slot": slot, "model": by_slot[slot], "criterion": crit,
                             "score": int(rating.scores[slot][crit]), "preferred_model": ""})
    return rows


def to_csv(rows: Iterable[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: r.get(k, "") for k in CSV_FIELDS})
    return buf.getvalue()


# ----------------------------------------------------------------------------- statistics


def cohen_kappa(a: Sequence, b: Sequence, categories: Sequence | None = None,
                weights: str | None = None) -> float:
    """Cohen's kappa between two raters' labels of the same items.

    ``weights``: ``None`` (Cohen 1960), ``"linear"`` or ``"quadratic"`` (weighted kappa, Cohen
    1968; categories must then be in their natural order). Returns ``nan`` when chance agreement
    is total (both raters always give the same single category).
    """
    if len(a) != len(b):
        raise InputError(f"Cohen's kappa needs paired labels; got {len(a)} and {len(b)}")
    if not a:
        raise InputError("Cohen's kappa of zero items is undefined")
    cats = list(categories) if categories is not None else sorted(set(a) | set(b))
    index = {c: i for i, c in enumerate(cats)}
    k = len(cats)
    table = np.zeros((k, k))
    for x, y in zip(a, b):
        table[index[x], index[y]] += 1
    table /= table.sum()
    expected = np.outer(table.sum(1), table.sum(0))
    i, j = np.indices((k, k))
    if weights is None:
        w = (i != j).astype(float)
    elif weights == "linear":
        w = np.abs(i - j) / max(k - 1, 1)
    elif weights == "quadratic":
        w = ((i - j) / max(k - 1, 1)) ** 2
    else:
        raise ConfigError(f"kappa weights {weights!r}; valid choices: linear, quadratic")
    denom = (w * expected).sum()
    return float("nan") if denom == 0 else float(1 - (w * table).sum() / denom)


def fleiss_kappa(counts: np.ndarray | Sequence[Sequence[int]]) -> float:
    """Fleiss' kappa from an (items x categories) table of how many raters chose each category;
    every item must have the same number of ratings (Fleiss 1971, eq. 1-9)."""
    t = np.asarray(counts, dtype=float)
    if t.ndim != 2 or t.shape[0] == 0:
        raise InputError("Fleiss' kappa needs an (items x categories) count table")
    n = t.sum(1)
    if not np.all(n == n[0]) or n[0] < 2:
        raise InputError("Fleiss' kappa needs the same number (>= 2) of ratings for every item")
    m = n[0]
    p_j = t.sum(0) / t.sum()  # share of all assignments to category j
    p_i = ((t * t).sum(1) - m) / (m * (m - 1))  # agreement on item i
    p_bar, p_e = p_i.mean(), (p_j ** 2).sum()
    return float("nan") if p_e == 1 else float((p_bar - p_e) / (1 - p_e))


def bootstrap_means(rows: Sequence[dict], criterion: str, *, n_boot: int = 2000, seed: int = 0,
                    alpha: float = 0.05) -> dict[str, dict[str, float]]:
    """Mean score per model with a percentile CI from resampling studies with replacement."""
    sel = [r for r in rows if r["criterion"] == criterion and r["score"] != ""]
    studies = sorted({r["study_id"] for r in sel})
    models = sorted({r["model"] for r in sel})
    if not sel:
        return {}
    s_index = {s: i for i, s in enumerate(studies)}
    # per (study, model): sum and count of scores, so a bootstrap draw is a weighted sum
    sums = np.zeros((len(studies), len(models)))
    cnts = np.zeros_like(sums)
    for r in sel:
        i, j = s_index[r["study_id"]], models.index(r["model"])
        sums[i, j] += r["score"]
        cnts[i, j] += 1
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(studies), size=(n_boot, len(studies)))
    boot_sum, boot_cnt = sums[draws].sum(1), cnts[draws].sum(1)  # (n_boot, models)
    with np.errstate(invalid="ignore", divide="ignore"):
        boot = boot_sum / boot_cnt
    out = {}
    for j, m in enumerate(models):
        vals = boot[:, j][np.isfinite(boot[:, j])]
        out[m] = {"mean": float(sums[:, j].sum() / cnts[:, j].sum()),
                  "ci_low": float(np.quantile(vals, alpha / 2)),
                  "ci_high": float(np.quantile(vals, 1 - alpha / 2)),
                  "n": int(cnts[:, j].sum()), "studies": int((cnts[:, j] > 0).sum())}
    return out


def agreement(rows: Sequence[dict], criterion: str) -> dict[str, Any]:
    """Cohen's kappa per rater pair and Fleiss' kappa over items rated by every rater.

    The unit rated is (study, model) for scores, the study for pairwise preferences."""
    sel = [r for r in rows if r["criterion"] == criterion]
    if criterion == "preference":
        labels = {(r["study_id"],): r["preferred_model"] for r in sel}
        by_rater: dict[str, dict] = {}
        for r in sel:
            by_rater.setdefault(r["rater"], {})[(r["study_id"],)] = r["preferred_model"]
        cats = sorted(set(labels.values()))
    else:
        by_rater = {}
        for r in sel:
            by_rater.setdefault(r["rater"], {})[(r["study_id"], r["model"])] = r["score"]
        cats = list(SCORES)
    raters = sorted(by_rater)
    pairs = {}
    for x, y in combinations(raters, 2):
        shared = sorted(set(by_rater[x]) & set(by_rater[y]))
        if shared:
            a = [by_rater[x][u] for u in shared]
            b = [by_rater[y][u] for u in shared]
            pairs[f"{x}|{y}"] = {"cohen": _finite(cohen_kappa(a, b, cats)),
                                 **({"cohen_quadratic": _finite(cohen_kappa(a, b, cats, "quadratic"))}
                                    if criterion != "preference" else {}),
                                 "items": len(shared)}
    fleiss, n_items = None, 0
    if len(raters) >= 2:
        units = set.intersection(*(set(by_rater[r]) for r in raters))
        if units:
            table = [[sum(by_rater[r][u] == c for r in raters) for c in cats] for u in sorted(units)]
            fleiss, n_items = _finite(fleiss_kappa(table)), len(units)
    return {"raters": raters, "cohen": pairs, "fleiss": fleiss, "fleiss_items": n_items}


def _finite(x: float) -> float | None:
    """JSON has no NaN: an undefined kappa (no variation at all) becomes None."""
    return None if x != x else x


def summarize(rows: Sequence[dict], mode: str, *, n_boot: int = 2000, seed: int = 0) -> dict:
    """Scores and agreement of a session, with the choices that move the numbers."""
    out: dict[str, Any] = {"mode": mode, "n_boot": n_boot, "seed": seed, "ci": 0.95,
                           "resampling": "studies (cluster bootstrap)", "ratings": len(rows)}
    if mode == "pairwise":
        wins: dict[str, int] = {}
        for r in rows:
            wins[r["preferred_model"]] = wins.get(r["preferred_model"], 0) + 1
        out["preferred"] = wins
        out["agreement"] = {"preference": agreement(rows, "preference")}
        return out
    out["scores"] = {c: bootstrap_means(rows, c, n_boot=n_boot, seed=seed) for c in CRITERIA}
    out["agreement"] = {c: agreement(rows, c) for c in CRITERIA}
    return out
