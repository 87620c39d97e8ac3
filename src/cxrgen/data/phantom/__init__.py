"""Learnable phantom chest X-rays: the embedded default dataset of cxrgen.

Analytic chest radiograph phantoms (frontal PA and lateral views) with nine findings drawn
independently per study, exact labels, and reports written from the findings in English,
French and Chinese. A report can only be right by looking at the image.

    from cxrgen.data.phantom import synthesize, render_study
    summary = synthesize("data/phantom", studies=1000, seed=0, langs=("en", "fr", "zh"), size=256)

Modules: :mod:`anatomy` (the normal chest), :mod:`findings` (sampling), :mod:`lesions` (drawing
findings), :mod:`render` (pixels), :mod:`reports` and ``reports_<lang>`` (text), :mod:`labels`
(label sets), :mod:`synth` (the dataset on disk).
"""

from cxrgen.data.phantom.findings import PREVALENCE, labels_of, sample_findings
from cxrgen.data.phantom.labels import (
    CHESTXRAY14_LABELS,
    CHESTXRAY14_NORMAL,
    CHEXPERT_OBSERVATIONS,
    FINDINGS,
    PHANTOM_TO_CHESTXRAY14,
    PHANTOM_TO_CHEXPERT,
    to_chestxray14,
    to_chexpert,
)
from cxrgen.data.phantom.render import render_study
from cxrgen.data.phantom.reports import write_report
from cxrgen.data.phantom.synth import synthesize

__all__ = [
    "CHESTXRAY14_LABELS",
    "CHESTXRAY14_NORMAL",
    "CHEXPERT_OBSERVATIONS",
    "FINDINGS",
    "PHANTOM_TO_CHESTXRAY14",
    "PHANTOM_TO_CHEXPERT",
    "PREVALENCE",
    "labels_of",
    "render_study",
    "sample_findings",
    "synthesize",
    "to_chestxray14",
    "to_chexpert",
    "write_report",
]
