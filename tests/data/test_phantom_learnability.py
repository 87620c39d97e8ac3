"""The phantoms are learnable from the images, and only from them: probes trained on held-in
studies predict held-out labels well above chance, and fall to chance when the images are
shuffled across studies."""

import numpy as np
import pytest

from cxrgen.data.phantom.labels import FINDINGS
from cxrgen.data.phantom.probe import auc, cnn_probe, render_arrays, ridge_probe, shuffled


@pytest.mark.parametrize("scores,targets,expected", [
    ([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 0.75),  # the sklearn roc_auc_score docstring example
    ([1, 2, 3, 4], [0, 0, 1, 1], 1.0),
    ([4, 3, 2, 1], [0, 0, 1, 1], 0.0),
    ([1, 1, 1, 1], [0, 1, 0, 1], 0.5),  # ties count half
])
def test_auc_known_values(scores, targets, expected):
    assert auc(np.array(scores), np.array(targets)) == pytest.approx(expected)


@pytest.fixture(scope="module")
def small_set():
    return render_arrays(400, seed=0, size=64, out_size=32)


def test_ridge_on_pixels_reads_the_large_findings_and_fails_on_shuffled_images(small_set):
    x, y = small_set
    real = ridge_probe(x, y)
    shuf = ridge_probe(shuffled(x), y)
    # Findings with a fixed place or a global effect; a linear model on 32 px thumbnails misses
    # lesions that move (nodule, mass): the CNN below reads those.
    for name in ("Cardiomegaly", "Pleural Effusion", "Consolidation", "Edema", "Support Devices"):
        assert real[name] > 0.75, (name, real)
    assert np.mean(list(real.values())) > 0.78
    assert abs(np.mean(list(shuf.values())) - 0.5) < 0.08, shuf


@pytest.mark.slow
def test_small_cnn_reads_the_findings_and_fails_on_shuffled_images():
    # Measured here (1200 studies at 128 px, 900 train, 20 epochs, about 1-10 min on 2 cores):
    # held-out AUC 0.92 on average; nodules (1.2-2.8 cm, a few pixels) stay near 0.54 for this
    # small network, so they are left out of the per-finding bound.
    pytest.importorskip("torch")
    x, y = render_arrays(1200, seed=1, size=128, out_size=128)
    real = cnn_probe(x, y, epochs=20, seed=0)
    shuf = cnn_probe(shuffled(x), y, epochs=20, seed=0)
    for name in FINDINGS:
        if name != "Nodule":
            assert real[name] > 0.75, (name, real)
    assert np.mean(list(real.values())) > 0.85
    assert abs(np.mean(list(shuf.values())) - 0.5) < 0.08, shuf
