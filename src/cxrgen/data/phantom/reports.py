"""Writing a phantom study's report from its findings, in English, French or Chinese.

The report follows the structure radiologists use (devices, heart and mediastinum, lungs,
pleura, bones; then an impression), states every present finding with its side, size and zone,
and explicitly negates every absent one, so that a labeler reading it recovers the exact labels.
The surface varies (phrasing, sentence order, grouping of negatives) but never the content: only
the image tells what a report must say.

Each language is a phrasebook module (:mod:`reports_en`, :mod:`reports_fr`, :mod:`reports_zh`)
with the same functions; this module decides what is said and in which order.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from cxrgen.data.phantom import reports_en, reports_fr, reports_zh
from cxrgen.data.phantom.findings import Findings
from cxrgen.errors import ConfigError
from cxrgen.registry import Registry

PHRASEBOOKS: Registry[ModuleType] = Registry("phantom report language")
for _code, _module in (("en", reports_en), ("fr", reports_fr), ("zh", reports_zh)):
    PHRASEBOOKS.register(_code)(_module)

LUNG = ("Consolidation", "Nodule", "Mass", "Atelectasis", "Edema")
PLEURA = ("Pleural Effusion", "Pneumothorax")
# Order of the impression: the most urgent first, as radiologists list them.
IMPRESSION_ORDER = ("Pneumothorax", "Pleural Effusion", "Consolidation", "Mass", "Nodule", "Edema",
                    "Cardiomegaly", "Atelectasis", "Support Devices")


def pick(rng: np.random.Generator, options):
    """One of ``options``, uniformly."""
    return options[int(rng.integers(len(options)))]


def _partition(rng: np.random.Generator, names: list[str]) -> list[list[str]]:
    """Split ``names`` (shuffled) into 1..3 consecutive groups, each negated by one sentence."""
    if not names:
        return []
    names = [names[i] for i in rng.permutation(len(names))]
    n_groups = int(rng.integers(1, min(3, len(names)) + 1))
    cuts = sorted(rng.choice(np.arange(1, len(names)), size=n_groups - 1, replace=False)) if n_groups > 1 else []
    bounds = [0, *map(int, cuts), len(names)]
    return [names[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def _findings_text(findings: Findings, book: ModuleType, rng: np.random.Generator) -> str:
    heart = book.positive("Cardiomegaly", findings["Cardiomegaly"], rng) if "Cardiomegaly" in findings \
        else [book.negative(["Cardiomegaly"], rng)]
    if rng.random() < 0.5:
        heart.append(pick(rng, book.MEDIASTINUM))

    lung_pos = [n for n in LUNG if n in findings]
    lungs: list[str] = []
    if not lung_pos and rng.random() < 0.5:
        lungs.append(pick(rng, book.LUNGS_CLEAR))
    for i in rng.permutation(len(lung_pos)):
        lungs += book.positive(lung_pos[i], findings[lung_pos[i]], rng)
    lungs += [book.negative(group, rng) for group in _partition(rng, [n for n in LUNG if n not in findings])]

    pleura: list[str] = []
    for name in PLEURA:
        if name in findings:
            pleura += book.positive(name, findings[name], rng)
    absent = [n for n in PLEURA if n not in findings]
    if len(absent) == 2 and rng.random() < 0.6:
        pleura.append(book.negative(absent, rng))
    else:
        pleura += [book.negative([n], rng) for n in absent]
    if "Pleural Effusion" not in findings and rng.random() < 0.3 and book.SHARP_KEY not in "".join(pleura):
        pleura.append(pick(rng, book.SHARP_ANGLES))

    groups = [heart, lungs, pleura]
    if rng.random() < 0.4:  # sometimes lungs or pleura first
        groups = [groups[i] for i in rng.permutation(3)]
    if "Support Devices" in findings:
        devices = book.positive("Support Devices", findings["Support Devices"], rng)
        groups.insert(0 if rng.random() < 0.7 else len(groups), devices)
    groups.append([pick(rng, book.BONES)])
    return book.SEP.join(sentence for group in groups for sentence in group)


def _impression(findings: Findings, book: ModuleType, rng: np.random.Generator) -> str:
    present = [n for n in IMPRESSION_ORDER if n in findings]
    if not present:
        return pick(rng, book.NORMAL_IMPRESSIONS)
    items = [book.impression_item(n, findings[n], rng) for n in present]
    if present == ["Support Devices"]:
        items.append(pick(rng, book.NORMAL_IMPRESSIONS))
    if len(items) > 1 and rng.random() < 0.3:
        return book.SEP.join(f"{i}. {item}" for i, item in enumerate(items, 1))
    return book.SEP.join(items)


def write_report(findings: Findings, lang: str, rng: np.random.Generator) -> dict[str, str]:
    """The report sections (findings, impression, indication, comparison) of one study.

    The indication and comparison are drawn independently of the findings: they carry no hint.
    """
    if lang not in PHRASEBOOKS:
        raise ConfigError(f"unknown report language {lang!r}; valid choices: {', '.join(PHRASEBOOKS.names())}")
    book = PHRASEBOOKS.get(lang)
    indication, comparison = pick(rng, book.INDICATIONS), pick(rng, book.COMPARISONS)  # drawn first
    return {
        "findings": _findings_text(findings, book, rng),
        "impression": _impression(findings, book, rng),
        "indication": indication,
        "comparison": comparison,
    }
