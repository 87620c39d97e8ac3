"""Writing a whole phantom dataset: images, manifests in each language, labels and a data card.

Layout of ``out_dir`` (read by the ``phantom`` loader and the generic manifest loader):

    images/<study_id>_frontal.png, images/<study_id>_lateral.png   8-bit grayscale PNG
    manifest_<lang>.jsonl   one study per line: study_id, patient_id, images [{path, view}],
                            findings, impression, indication, comparison, language, split,
                            labels {finding: 0|1}, meta {finding: attributes}
    labels.csv              study_id, patient_id, split and one 0/1 column per finding
    synth.json              seed, size, counts, prevalences, cxrgen version, generator parameters

Each study draws from its own generator, seeded by (seed, study index): the output is
byte-identical for a seed whatever the number of worker processes.
"""

from __future__ import annotations

import csv
import io
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from PIL import Image

from cxrgen import __version__
from cxrgen.data.phantom import findings as findings_mod
from cxrgen.data.phantom.findings import PREVALENCE, labels_of, sample_findings
from cxrgen.data.phantom.labels import FINDINGS
from cxrgen.data.phantom.render import MAX_SIZE, MIN_SIZE, render_study
from cxrgen.data.phantom.reports import PHRASEBOOKS, write_report
from cxrgen.errors import ConfigError
from cxrgen.text.languages import LANGUAGES

FORMAT_VERSION = 1
# Patient-level split fractions, as the CN-CXR paper's 7:1:2.
SPLIT_FRACTIONS = {"train": 0.7, "val": 0.1, "test": 0.2}
SPLIT_STREAM = 1_000_003  # seeds the split generator apart from every study's
LANG_STREAM = {"en": 1, "fr": 2, "zh": 3}  # each language's report has its own generator
PNG_COMPRESS_LEVEL = 1  # fast; the noise makes stronger levels gain little


def study_id(index: int) -> str:
    return f"ph{index:06d}"


def patient_id(index: int) -> str:
    return f"php{index:06d}"  # one study per patient


def assign_splits(n: int, seed: int) -> list[str]:
    """Seeded patient-level split in the proportions of SPLIT_FRACTIONS (exact counts, rounded)."""
    n_train = int(round(n * SPLIT_FRACTIONS["train"]))
    n_val = int(round(n * SPLIT_FRACTIONS["val"]))
    order = np.random.default_rng([seed, SPLIT_STREAM]).permutation(n)
    splits = [""] * n
    for rank, i in enumerate(order):
        splits[i] = "train" if rank < n_train else ("val" if rank < n_train + n_val else "test")
    return splits


def _check_args(studies: int, langs: Sequence[str], size: int, seed: int) -> list[str]:
    if not isinstance(studies, (int, np.integer)) or studies < 1:
        raise ConfigError(f"--studies must be a positive number of studies, got {studies!r}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"--seed must be a non-negative integer, got {seed!r}")
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ConfigError(f"--size {size} is out of range; use {MIN_SIZE}..{MAX_SIZE} pixels "
                          f"(below {MIN_SIZE} the smallest findings are no longer visible)")
    langs = list(dict.fromkeys(langs))
    if not langs:
        raise ConfigError(f"--langs is empty; valid choices: {', '.join(PHRASEBOOKS.names())}")
    bad = [lang for lang in langs if lang not in PHRASEBOOKS]
    if bad:
        raise ConfigError(f"unknown language(s) {', '.join(map(repr, bad))} in --langs; "
                          f"valid choices: {', '.join(PHRASEBOOKS.names())}")
    return langs


def _prepare(out: Path) -> None:
    """Create ``out``, or clear the files of an earlier phantom dataset there (never anything else)."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file; give a folder")
    if out.is_dir() and any(out.iterdir()):
        if not (out / "synth.json").is_file():
            raise ConfigError(f"--out {out} is not empty and holds no phantom dataset (no synth.json); "
                              "give a new or empty folder")
        for pattern in ("images/ph*_frontal.png", "images/ph*_lateral.png", "manifest_*.jsonl"):
            for f in out.glob(pattern):
                f.unlink()
    (out / "images").mkdir(parents=True, exist_ok=True)


def _png(arr: np.ndarray, path: Path) -> None:
    buf = io.BytesIO()
    Image.fromarray(arr, mode="L").save(buf, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    path.write_bytes(buf.getvalue())


def make_study(index: int, seed: int, langs: Sequence[str], size: int, out: Path | None,
               prevalence: dict[str, float] | None = None) -> dict[str, Any]:
    """One study: draws its findings, renders (and writes, when ``out`` is given) its two images,
    writes its report in each language. Returns the manifest records per language."""
    rng = np.random.default_rng([seed, index])
    found = sample_findings(rng, prevalence)
    frontal, lateral = render_study(found, rng, size)
    sid = study_id(index)
    images = [{"path": f"images/{sid}_frontal.png", "view": "PA"},
              {"path": f"images/{sid}_lateral.png", "view": "LATERAL"}]
    if out is not None:
        _png(frontal, out / images[0]["path"])
        _png(lateral, out / images[1]["path"])
    records = {}
    for lang in langs:
        report = write_report(found, lang, np.random.default_rng([seed, index, LANG_STREAM[lang]]))
        records[lang] = {
            "study_id": sid, "patient_id": patient_id(index), "images": images,
            "findings": report["findings"], "impression": report["impression"],
            "indication": report["indication"], "comparison": report["comparison"],
            "language": lang, "split": None, "labels": labels_of(found), "meta": {"attributes": found},
        }
    return records


def _make_chunk(args) -> list[dict[str, Any]]:
    start, stop, seed, langs, size, out, prevalence = args
    return [make_study(i, seed, langs, size, out, prevalence) for i in range(start, stop)]


def generator_parameters(prevalence: dict[str, float]) -> dict[str, Any]:
    """The constants that shape the data, recorded in synth.json."""
    return {
        "prevalence": prevalence,
        "ctr_normal": findings_mod.CTR_NORMAL, "ctr_enlarged": findings_mod.CTR_ENLARGED,
        "nodule_cm": findings_mod.NODULE_CM, "mass_cm": findings_mod.MASS_CM,
        "effusion_height": findings_mod.EFFUSION_HEIGHT, "pneumothorax_depth": findings_mod.PNEUMOTHORAX_DEPTH,
        "device_prevalence": findings_mod.DEVICE_PREVALENCE, "split_fractions": SPLIT_FRACTIONS,
        "png": "8-bit grayscale", "views": ["PA", "LATERAL"],
    }


def synthesize(out_dir: str | Path, studies: int = 1000, seed: int = 0, langs: Sequence[str] = LANGUAGES,
               size: int = 256, *, prevalence: dict[str, float] | None = None, workers: int = 1,
               progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Write a phantom dataset of ``studies`` studies to ``out_dir``; return its summary.

    The summary holds the counts per split, the prevalence of each finding and the rate; it is
    what synth.json records, plus ``seconds`` and ``studies_per_second``.
    """
    langs = _check_args(studies, langs, size, seed)
    prevalence = dict(PREVALENCE if prevalence is None else prevalence)
    unknown = sorted(set(prevalence) - set(FINDINGS))
    if unknown:
        raise ConfigError(f"unknown finding(s) {unknown} in prevalence; valid: {', '.join(FINDINGS)}")
    if workers < 1:
        raise ConfigError(f"--workers must be >= 1, got {workers}")
    out = Path(out_dir)
    _prepare(out)
    t0 = time.perf_counter()

    chunk = 50
    jobs = [(a, min(a + chunk, studies), seed, langs, size, out, prevalence) for a in range(0, studies, chunk)]
    records: list[dict[str, Any]] = []
    if workers == 1:
        for job in jobs:
            records += _make_chunk(job)
            if progress:
                progress(len(records), studies)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for part in pool.map(_make_chunk, jobs):
                records += part
                if progress:
                    progress(len(records), studies)
    seconds = time.perf_counter() - t0

    splits = assign_splits(studies, seed)
    for rec, split in zip(records, splits):
        for r in rec.values():
            r["split"] = split
    for lang in langs:
        with open(out / f"manifest_{lang}.jsonl", "w", encoding="utf-8", newline="\n") as f:
            for rec in records:
                f.write(json.dumps(rec[lang], ensure_ascii=False) + "\n")
    first = langs[0]
    with open(out / "labels.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["study_id", "patient_id", "split", *FINDINGS])
        for rec in records:
            r = rec[first]
            w.writerow([r["study_id"], r["patient_id"], r["split"], *(r["labels"][n] for n in FINDINGS)])

    counts = {s: splits.count(s) for s in SPLIT_FRACTIONS}
    positives = {n: sum(rec[first]["labels"][n] for rec in records) for n in FINDINGS}
    n_present = [sum(rec[first]["labels"].values()) for rec in records]
    card = {
        "generator": "cxrgen.data.phantom", "format_version": FORMAT_VERSION, "cxrgen_version": __version__,
        "seed": seed, "size": size, "studies": studies, "langs": langs,
        "splits": counts, "positives": positives,
        "normal": sum(1 for k in n_present if k == 0), "multi_finding": sum(1 for k in n_present if k >= 2),
        "parameters": generator_parameters(prevalence),
    }
    (out / "synth.json").write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return {**card, "out_dir": str(out), "seconds": round(seconds, 3),
            "studies_per_second": round(studies / seconds, 1) if seconds > 0 else None}
