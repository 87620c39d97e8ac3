"""A loaded dataset: its studies, its splits, and what the loader had to skip (and why).

Loaders never drop a row silently: a bad row raises :class:`InputError` naming the file and
line, unless the caller asked for ``skip_invalid``, in which case the row is counted in
:attr:`Dataset.skipped` with its reason and the summary reports it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from cxrgen.data.study import SPLITS, Study, View
from cxrgen.errors import ConfigError, InputError
from cxrgen.text.languages import LANGUAGES

LABEL_VALUES = (1, 0, -1)


@dataclass(frozen=True)
class Skipped:
    """One row a loader (or ``data check``) skipped: where it was and why."""

    where: str  # "file:line" or a study id
    reason: str


class InvalidRows:
    """Collects bad rows: raises at the first one, or with ``skip_invalid`` records them all."""

    def __init__(self, skip_invalid: bool = False):
        self.skip_invalid = skip_invalid
        self.skipped: list[Skipped] = []

    def reject(self, where: str, problem: str, fix: str) -> None:
        if not self.skip_invalid:
            raise InputError(f"{where}: {problem}; {fix} (or pass --skip-invalid / skip_invalid=True "
                             f"to skip such rows and count them)")
        self.skipped.append(Skipped(where, problem))


@dataclass(frozen=True)
class LabelMapping:
    """How a dataset's own labels become those of a standard label set (torchxrayvision's
    ``relabel_dataset`` idea): ``convert(study.labels) -> {column: value}`` over ``columns``,
    the columns of ``target`` (a set of :mod:`cxrgen.labeling.labelsets`, e.g. ``chexpert``)
    that the dataset's labels can set. A dataset declares it when it registers
    (``@register_dataset(name, label_mapping=...)``); evaluation scores those columns only."""

    target: str
    columns: tuple[str, ...]
    convert: Callable[[dict], dict]


@dataclass
class Dataset:
    """The studies of one dataset, as every loader returns them."""

    name: str
    studies: list[Study]
    root: str = ""
    skipped: list[Skipped] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.studies)

    def __iter__(self) -> Iterator[Study]:
        return iter(self.studies)

    def split(self, name: str) -> list[Study]:
        """Studies of one split (``train``, ``val`` or ``test``)."""
        if name not in SPLITS:
            raise ConfigError(f"unknown split {name!r}; valid: {', '.join(SPLITS)}")
        if self.studies and all(s.split is None for s in self.studies):
            raise InputError(
                f"dataset {self.name} has no split assigned; make one with "
                f"`cxrgen data split {self.name} --root ROOT` (seeded patient-level 7:1:2)"
            )
        return [s for s in self.studies if s.split == name]

    def summary(self) -> dict[str, Any]:
        """Counts per split, languages, and what was skipped by reason."""
        per_split: dict[str, dict[str, int]] = {}
        for key in (*SPLITS, None):
            group = [s for s in self.studies if s.split == key]
            if group:
                per_split[key or "unassigned"] = {
                    "studies": len(group),
                    "images": sum(len(s.images) for s in group),
                    "patients": len({s.patient_id for s in group}),
                }
        return {
            "dataset": self.name,
            "root": self.root,
            "studies": len(self.studies),
            "images": sum(len(s.images) for s in self.studies),
            "patients": len({s.patient_id for s in self.studies}),
            "languages": dict(Counter(s.language for s in self.studies)),
            "splits": per_split,
            "skipped": len(self.skipped),
            "skipped_by_reason": dict(Counter(_reason_kind(k.reason) for k in self.skipped)),
            **({"meta": self.meta} if self.meta else {}),
        }


def _reason_kind(reason: str) -> str:
    """Group skip reasons: drop the leading "study <id>: " and any detail in parentheses."""
    return re.sub(r"^study \S+: ", "", reason).split(" (")[0]


def check_study(study: Study, where: str, rows: InvalidRows, require_report: bool = True) -> bool:
    """Validate one study built by a loader; False (and recorded) when it is rejected."""
    problem, fix = _study_problem(study, require_report)
    if problem is None:
        return True
    rows.reject(where, problem, fix)
    return False


def _study_problem(study: Study, require_report: bool) -> tuple[str | None, str]:
    if not str(study.study_id).strip():
        return "empty study_id", "give every study a unique id"
    if not str(study.patient_id).strip():
        return f"study {study.study_id}: empty patient_id", "give the patient id (the study id if unknown)"
    if study.language not in LANGUAGES:
        return (f"study {study.study_id}: unknown language {study.language!r}",
                f"use one of {', '.join(LANGUAGES)}")
    if study.split is not None and study.split not in SPLITS:
        return f"study {study.study_id}: unknown split {study.split!r}", f"use one of {', '.join(SPLITS)}"
    for ref in study.images:
        if not isinstance(ref.view, View):
            return f"study {study.study_id}: bad view {ref.view!r}", "use PA, AP, LATERAL or UNKNOWN"
        if not str(ref.path).strip():
            return f"study {study.study_id}: empty image path", "give each image's path"
    if study.labels is not None:
        for k, v in study.labels.items():
            if v not in LABEL_VALUES or isinstance(v, bool):
                return (f"study {study.study_id}: label {k!r} has value {v!r}",
                        "labels are 1 (positive), 0 (negative) or -1 (uncertain)")
    if require_report and not (study.findings.strip() or study.impression.strip()):
        return (f"study {study.study_id}: empty report (no findings and no impression)",
                "fill in the report or remove the study")
    return None, ""

