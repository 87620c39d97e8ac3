"""Train / val / test splits: official where a dataset has one, else seeded and patient-level.

A patient's studies all go to one split (otherwise a model can be scored on the same patient it
was trained on). The ratio 7:1:2 is the CN-CXR paper's (Tang, Pei et al., MICCAI 2023 Workshops).
A split is written to a versioned JSON file (format ``cxrgen-split``, version
:data:`SPLIT_FORMAT_VERSION`) holding the seed, ratios, method, package version and the split of
every study, so that a result can name the exact split it was computed on.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, Sequence

from cxrgen.data.dataset import Dataset
from cxrgen.data.study import SPLITS, Study
from cxrgen.errors import ConfigError, InputError

SPLIT_FORMAT = "cxrgen-split"
SPLIT_FORMAT_VERSION = 1
CN_CXR_RATIOS = (0.7, 0.1, 0.2)


def patient_split(studies: Sequence[Study], ratios: Sequence[float] = CN_CXR_RATIOS, seed: int = 0) -> dict[str, str]:
    """study_id -> split. Patients (sorted, then shuffled with ``random.Random(seed)``) are cut
    into train / val / test at round(ratio x number of patients)."""
    ratios = _check_ratios(ratios)
    patients = sorted({s.patient_id for s in studies})
    random.Random(seed).shuffle(patients)
    n = len(patients)
    n_train = round(ratios[0] * n)
    n_val = min(round(ratios[1] * n), n - n_train)
    of_patient = {}
    for i, p in enumerate(patients):
        of_patient[p] = "train" if i < n_train else "val" if i < n_train + n_val else "test"
    return {s.study_id: of_patient[s.patient_id] for s in studies}


def _check_ratios(ratios: Sequence[float]) -> tuple[float, float, float]:
    r = tuple(float(x) for x in ratios)
    if len(r) != 3 or min(r) < 0 or abs(sum(r) - 1.0) > 1e-6:
        raise ConfigError(f"split ratios must be 3 non-negative numbers (train, val, test) summing to 1; got {ratios}")
    return r  # type: ignore[return-value]


def patient_overlap(studies: Iterable[Study]) -> dict[str, list[str]]:
    """Patients found in more than one split -> their splits (empty when the split is clean)."""
    seen: dict[str, set[str]] = defaultdict(set)
    for s in studies:
        if s.split is not None:
            seen[s.patient_id].add(s.split)
    return {p: sorted(v) for p, v in seen.items() if len(v) > 1}


def make_split(dataset: Dataset, seed: int = 0, ratios: Sequence[float] = CN_CXR_RATIOS,
               resplit: bool = False) -> dict[str, Any]:
    """The split record of a dataset: its official split when every study has one (unless
    ``resplit``), else a seeded patient-level split. A dataset where only some studies have a
    split is an error (say ``resplit`` to replace it)."""
    from cxrgen import __version__

    studies = dataset.studies
    assigned = sum(s.split is not None for s in studies)
    if assigned and not resplit:
        if assigned < len(studies):
            raise InputError(
                f"dataset {dataset.name}: {assigned} of {len(studies)} studies have a split and the others "
                f"none; complete the split in the source, or re-split everything with --resplit"
            )
        method, assignments, seed_used, ratios_used = "official", {s.study_id: s.split for s in studies}, None, None
    else:
        method, assignments = "patient-level seeded", patient_split(studies, ratios, seed)
        seed_used, ratios_used = seed, list(_check_ratios(ratios))
    counts = {}
    for name in SPLITS:
        ids = [s for s in studies if assignments[s.study_id] == name]
        counts[name] = {"studies": len(ids), "patients": len({s.patient_id for s in ids})}
    return {
        "format": SPLIT_FORMAT, "version": SPLIT_FORMAT_VERSION, "dataset": dataset.name, "method": method,
        "seed": seed_used, "ratios": ratios_used, "cxrgen_version": __version__, "counts": counts,
        "assignments": dict(sorted(assignments.items())),
    }


def write_split(record: dict[str, Any], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def read_split(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: split file not found; write one with `cxrgen data split`") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not a JSON split file ({exc})") from None
    if not isinstance(record, dict) or record.get("format") != SPLIT_FORMAT:
        raise InputError(f"{path}: not a {SPLIT_FORMAT} file; write one with `cxrgen data split`")
    if record.get("version") != SPLIT_FORMAT_VERSION:
        raise InputError(f"{path}: split format version {record.get('version')} is not supported "
                         f"(this cxrgen reads version {SPLIT_FORMAT_VERSION}); re-create it with `cxrgen data split`")
    bad = {v for v in record.get("assignments", {}).values() if v not in SPLITS}
    if bad:
        raise InputError(f"{path}: unknown split name(s) {sorted(bad)}; valid: {', '.join(SPLITS)}")
    return record


def apply_split(dataset: Dataset, record_or_path: dict[str, Any] | str | Path) -> Dataset:
    """Set every study's split from a split file. A study of the dataset missing from the file
    is an error (the file was made for other data); extra ids in the file are counted in meta."""
    record = read_split(record_or_path) if not isinstance(record_or_path, dict) else record_or_path
    assignments = record["assignments"]
    missing = [s.study_id for s in dataset.studies if s.study_id not in assignments]
    if missing:
        raise InputError(
            f"split file for {record.get('dataset')!r} does not cover {len(missing)} studies of "
            f"{dataset.name} (first: {missing[0]}); make a new one with `cxrgen data split {dataset.name}`"
        )
    for s in dataset.studies:
        s.split = assignments[s.study_id]
    dataset.meta["split_file"] = {k: record.get(k) for k in ("method", "seed", "ratios", "version")}
    dataset.meta["split_file"]["ids_not_in_dataset"] = len(assignments) - len(dataset.studies)
    return dataset


def default_split_path(dataset: str, seed: int | None, method: str) -> Path:
    tag = "official" if method == "official" else f"seed{seed}"
    return Path("splits") / f"{dataset}_{tag}_v{SPLIT_FORMAT_VERSION}.json"
