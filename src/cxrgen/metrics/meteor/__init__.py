"""METEOR 1.5 without Java: resources index, ``-norm`` normaliser, aligner, scorer, metric.

* :mod:`.resources` — building and loading the cached index of METEOR 1.5's resources;
* :mod:`.normalize` — the ``-norm`` tokeniser/normaliser;
* :mod:`.align` — candidate matches (exact, stem, synonym, paraphrase) and the beam search;
* :mod:`.scorer` — statistics rows, METEOR's formula and its summed-statistics aggregate;
* :mod:`.metric` — the ``METEOR`` entry of the metric registry.
"""

from cxrgen.metrics.meteor.metric import Meteor
from cxrgen.metrics.meteor.resources import build_index, load_resources, resources_available
from cxrgen.metrics.meteor.scorer import MeteorScorer, aggregate_rows, compute_scores

__all__ = ["Meteor", "MeteorScorer", "aggregate_rows", "build_index", "compute_scores", "load_resources",
           "resources_available"]
