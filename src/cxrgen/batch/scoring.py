"""``cxrgen batch score``: corpus scores over shards equal to ``cxrgen score`` on the whole.

Every metric keeps per-report sufficient statistics (:mod:`cxrgen.metrics.base`), so a shard
writes its rows (``stats/NAME.npz``) and the driver aggregates the rows of all shards in shard
order, exactly as :func:`cxrgen.metrics.score_corpus` aggregates the rows of one corpus (BLEU
sums counts, METEOR sums its matching statistics, ROUGE-L and CIDEr-D average per report).

Only CIDEr-D's rows depend on the rest of the corpus: its document frequencies are counted
over every reference. So a job with CIDEr runs two passes: stage ``df`` counts each shard's
frequencies (``stats/NAME.df.json``), the driver sums them (the sum over disjoint shards is the
corpus count), and stage ``main`` computes the rows with the corpus frequencies and the corpus
size (:meth:`cxrgen.metrics.cider.CiderD.statistics_with_df`).
"""

from __future__ import annotations

import io
import json
import os
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from cxrgen.metrics.scoring import as_ref_lists, resolve_metrics, tokenize_pairs


def _pairs(rows) -> tuple[list[str], list[str], list[list[str]]]:
    """Ids, reference lists and hypotheses of the good rows; a bad reference or hypothesis
    becomes an error row. Empty hypotheses are scored (0, as pycocoevalcap scores them):
    leaving them out would raise the corpus score."""
    ids, refs, hyps = [], [], []
    good = []
    for i, row in rows.good:
        hyp, ref = row["report"], row["reference"]
        if not isinstance(hyp, str):
            rows.reject(i, row["id"], "bad-report", f"'report' is {type(hyp).__name__}, expected text")
            continue
        try:
            ref_list = as_ref_lists([ref])[0]
        except Exception as exc:
            rows.reject(i, row["id"], "bad-reference", f"'reference': {exc}")
            continue
        good.append((i, row))
        ids.append(row["id"])
        refs.append(ref_list)
        hyps.append(hyp)
    rows.good = good
    return ids, hyps, refs


def _tokens(job, rows):
    o = job.options
    ids, hyps, refs = _pairs(rows)
    hyp_tokens, ref_tokens = tokenize_pairs(hyps, refs, o["tokenizer"], o["normalizer"])
    return ids, refs, hyp_tokens, ref_tokens


def _atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def df_path(job, shard: str) -> Path:
    return Path(job.out) / "stats" / f"{shard}.df.json"


def stats_path(job, shard: str) -> Path:
    return Path(job.out) / "stats" / f"{shard}.npz"


def shard_document_frequencies(job, shard: str, rows) -> Path:
    """Stage ``df``: CIDEr-D's document frequencies of this shard's references."""
    from cxrgen.metrics.cider import document_frequencies

    _, _, _, ref_tokens = _tokens(job, rows)
    doc = {"reports": len(ref_tokens), "df": document_frequencies(ref_tokens)}
    path = df_path(job, shard)
    _atomic(path, json.dumps(doc, ensure_ascii=False).encode("utf-8"))
    return path


def merge_document_frequencies(job, shards: list[str]) -> tuple[Counter, int]:
    """The corpus's frequencies: the sum of the shards' (each report is in one shard)."""
    total: Counter = Counter()
    n = 0
    for name in shards:
        doc = json.loads(df_path(job, name).read_text(encoding="utf-8"))
        total.update(doc["df"])
        n += doc["reports"]
    return total, n


def shard_statistics(job, shard: str, rows, context: dict[str, Any]) -> tuple[list[dict], Path]:
    """Stage ``main``: each metric's rows for this shard (``stats/NAME.npz``, with the ids and
    number of references) and its per-report scores (the output shard)."""
    from cxrgen.metrics.cider import CiderD

    o = job.options
    ids, refs, hyp_tokens, ref_tokens = _tokens(job, rows)
    metrics, _ = resolve_metrics(o["metrics"], o["lang"])
    arrays: dict[str, np.ndarray] = {}
    columns: dict[str, np.ndarray] = {}
    for metric in metrics:
        if isinstance(metric, CiderD) and context.get("df") is not None:
            stats = metric.statistics_with_df(hyp_tokens, ref_tokens, context["df"], context["n_docs"])
        else:
            stats = metric.statistics(hyp_tokens, ref_tokens)
        arrays[type(metric).__name__] = stats
        if len(stats):
            columns.update(metric.per_report(stats))
    arrays["_nrefs"] = np.array([len(r) for r in refs], dtype=np.int64)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path = stats_path(job, shard)
    _atomic(path, buf.getvalue())
    output = [{"id": rid, **{name: float(col[k]) for name, col in columns.items()}} for k, rid in enumerate(ids)]
    return output, path


def corpus_scores(job, shards: list[str]) -> dict[str, Any]:
    """Aggregate the rows of every shard (in shard order): ``{"scores", "signatures", "n"}``."""
    from cxrgen.metrics.base import ReportStats

    o = job.options
    metrics, skipped = resolve_metrics(o["metrics"], o["lang"])
    loaded = [np.load(stats_path(job, name)) for name in shards]
    nrefs_all = np.concatenate([z["_nrefs"] for z in loaded]) if loaded else np.zeros(0, dtype=np.int64)
    distinct = set(nrefs_all.tolist())
    nrefs = distinct.pop() if len(distinct) == 1 else "var"
    scores, signatures = {}, {}
    for metric in metrics:
        key = type(metric).__name__
        rows = np.concatenate([z[key] for z in loaded]) if loaded else np.zeros((0, 1))
        st = ReportStats(metric=metric, rows=rows, nrefs=nrefs, tok=o["tokenizer"], norm=o["normalizer"])
        for name, value in metric.aggregate(rows).items():
            scores[name] = value
            signatures[name] = str(st.signature(name))
    return {"n": int(len(nrefs_all)), "scores": scores, "signatures": signatures, "skipped": skipped}
