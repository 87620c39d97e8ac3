"""Phantom findings: independent sampling at the stated prevalences, and the label mappings."""

import numpy as np
import pytest

from cxrgen.data.phantom import (
    CHESTXRAY14_LABELS,
    CHEXPERT_OBSERVATIONS,
    FINDINGS,
    PREVALENCE,
    labels_of,
    sample_findings,
    to_chestxray14,
    to_chexpert,
)
from cxrgen.data.phantom.findings import CTR_ENLARGED, MASS_CM, NODULE_CM, sample_attributes


def count_distribution(prevalence):
    """Exact distribution of the number of findings per study (independent Bernoulli draws)."""
    dist = np.array([1.0])
    for p in prevalence.values():
        dist = np.convolve(dist, [1 - p, p])
    return dist


def test_normal_and_multi_finding_shares_quoted_in_findings_py():
    dist = count_distribution(PREVALENCE)
    assert dist[0] == pytest.approx(0.18, abs=0.005)  # "about 18% of studies are normal"
    assert 1 - dist[0] - dist[1] == pytest.approx(0.476, abs=0.005)  # "about 48%" two findings or more
    assert all(0.15 <= p <= 0.3 for p in PREVALENCE.values())


def test_sampled_prevalence_matches_and_findings_are_independent():
    n = 2500
    rng = np.random.default_rng(1)
    y = np.array([list(labels_of(sample_findings(rng)).values()) for _ in range(n)])
    for k, name in enumerate(FINDINGS):
        assert y[:, k].mean() == pytest.approx(PREVALENCE[name], abs=0.025), name
    corr = np.corrcoef(y.T)
    off_diagonal = corr[~np.eye(len(FINDINGS), dtype=bool)]
    assert np.abs(off_diagonal).max() < 0.07  # no finding predicts another


@pytest.mark.parametrize("name", FINDINGS)
def test_attributes_are_in_their_ranges(name):
    for k in range(50):
        a = sample_attributes(name, np.random.default_rng(k))
        if name == "Cardiomegaly":
            assert CTR_ENLARGED[0] <= a["ctr"] <= CTR_ENLARGED[1] and a["severity"] in ("mild", "moderate", "marked")
        elif name in ("Nodule", "Mass"):
            lo, hi = NODULE_CM if name == "Nodule" else MASS_CM
            assert lo <= a["size_cm"] <= hi and a["side"] in ("right", "left")
            assert a["zone"] in ("upper", "middle", "lower")
        elif name == "Pleural Effusion":
            assert a["side"] in ("right", "left", "bilateral") and a["size"] in ("small", "moderate", "large")
        elif name == "Support Devices":
            assert a["devices"] and set(a["devices"]) <= {"endotracheal_tube", "central_line", "pacemaker",
                                                          "nasogastric_tube"}


def test_unknown_finding_in_prevalence_is_an_error():
    with pytest.raises(ValueError, match="unknown phantom finding"):
        sample_findings(np.random.default_rng(0), {"Fracture": 0.2})


LABELS = {name: 0 for name in FINDINGS}


@pytest.mark.parametrize("present,chexpert_positive,nih_positive", [
    ((), {"No Finding"}, {"No Finding"}),
    (("Nodule",), {"Lung Lesion"}, {"Nodule"}),
    (("Nodule", "Mass"), {"Lung Lesion"}, {"Nodule", "Mass"}),
    (("Pleural Effusion",), {"Pleural Effusion"}, {"Effusion"}),
    (("Support Devices",), {"Support Devices", "No Finding"}, {"No Finding"}),
    (("Cardiomegaly", "Edema"), {"Cardiomegaly", "Edema"}, {"Cardiomegaly", "Edema"}),
])
def test_label_mappings(present, chexpert_positive, nih_positive):
    labels = {**LABELS, **{n: 1 for n in present}}
    chexpert = to_chexpert(labels)
    assert list(chexpert) == list(CHEXPERT_OBSERVATIONS)
    assert {k for k, v in chexpert.items() if v} == chexpert_positive
    nih = to_chestxray14(labels)
    assert list(nih) == [*CHESTXRAY14_LABELS, "No Finding"]
    assert {k for k, v in nih.items() if v} == nih_positive


def test_chexpert_hierarchy_sets_parents():
    labels = {**LABELS, "Cardiomegaly": 1, "Consolidation": 1}
    positive = {k for k, v in to_chexpert(labels, hierarchy=True).items() if v}
    assert positive == {"Cardiomegaly", "Enlarged Cardiomediastinum", "Consolidation", "Lung Opacity"}
