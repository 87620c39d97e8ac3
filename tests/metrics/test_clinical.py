"""Clinical efficacy: hand-computed values of micro, macro and example-based P/R/F1 under each
uncertain-mention policy, signatures, and graph F1 (CN-CXR) on extracted graphs."""

from __future__ import annotations

import pytest

from cxrgen.errors import ConfigError, InputError
from cxrgen.labeling.graph import extract_graph
from cxrgen.metrics.clinical import (
    ClinicalEfficacy, ce_aggregate, ce_statistics, example_scores, graph_scores, per_label_scores,
)

COLS = ("A", "B")
REFS = [{"A": 1, "B": 0}, {"A": -1, "B": 1}, {"A": None, "B": None}]
HYPS = [{"A": 1, "B": 1}, {"A": 1, "B": None}, {"A": None, "B": None}]

# (policy, expected micro P, R, F1, macro F1, example F1), worked out by hand:
# negative: tp=1 (r1 A), fp=2 (r1 B, r2 A), fn=1 (r2 B); macro: A F1 2/3, B F1 0;
#           example: r1 2/3, r2 0, r3 (both empty) 1
# positive: r2 A becomes a tp: tp=2, fp=1, fn=1
# ignore:   r2 A is left out: tp=1, fp=1, fn=1
TABLE = [
    ("negative", 1 / 3, 1 / 2, 0.4, 1 / 3, 5 / 9),
    ("positive", 2 / 3, 2 / 3, 2 / 3, (1.0 + 0.0) / 2, (2 / 3 + 2 / 3 + 1) / 3),
    ("ignore", 1 / 2, 1 / 2, 1 / 2, (1.0 + 0.0) / 2, (2 / 3 + 0 + 1) / 3),
]


@pytest.mark.parametrize("policy,p,r,f,macro_f,example_f", TABLE)
def test_ce_known_values(policy, p, r, f, macro_f, example_f):
    rows = ce_statistics(HYPS, REFS, COLS, policy)
    agg = ce_aggregate(rows)
    assert agg["P-micro"] == pytest.approx(p)
    assert agg["R-micro"] == pytest.approx(r)
    assert agg["F1-micro"] == pytest.approx(f)
    assert agg["F1-macro"] == pytest.approx(macro_f)
    assert agg["F1-example"] == pytest.approx(example_f)


def test_per_label_and_example_rows():
    rows = ce_statistics(HYPS, REFS, COLS, "negative")
    per = per_label_scores(rows, COLS)
    assert per["A"] == {"P": 0.5, "R": 1.0, "F1": pytest.approx(2 / 3), "support": 1}
    assert per["B"]["F1"] == 0.0 and per["B"]["support"] == 1
    p, r, f = example_scores(rows)
    assert list(f) == pytest.approx([2 / 3, 0.0, 1.0])


def test_bad_policy_and_lengths():
    with pytest.raises(ConfigError, match="valid choices"):
        ce_statistics(HYPS, REFS, COLS, "maybe")
    with pytest.raises(InputError, match="3 references but 2 hypotheses"):
        ce_statistics(HYPS[:2], REFS, COLS)


def test_clinical_efficacy_on_reports_and_signature():
    refs = ["Small left pleural effusion. Mild cardiomegaly.", "No acute disease. Possible pneumonia."]
    hyps = ["Left pleural effusion. Heart size is normal.", "Right lower lobe pneumonia."]
    ce = ClinicalEfficacy("en", "chexpert", uncertain="negative")
    scores = {(s.name, dict(s.signature.extra)["avg"]): s for s in ce.score(hyps, refs)}
    # effusion tp; cardiomegaly fn; pneumonia: reference uncertain -> negative, so fp
    assert scores[("CE-F1", "micro")].value == pytest.approx(0.5)
    sig = str(scores[("CE-F1", "micro")].signature)
    assert sig.startswith("CE-F1|tok:rules-en|")
    assert "avg:micro|labels:chexpert|uncertain:negative" in sig
    positive = {(s.name, dict(s.signature.extra)["avg"]): s.value
                for s in ClinicalEfficacy("en", "chexpert", "positive").score(hyps, refs)}
    # pneumonia becomes a tp: tp 2, fp 0, fn 1 -> P 1, R 2/3, F1 0.8
    assert positive[("CE-F1", "micro")] == pytest.approx(0.8)


def test_graph_f1_cn_cxr_rule():
    ref = extract_graph("Small left pleural effusion. No pneumothorax.", "en")
    hyp = extract_graph("Left pleural effusion. Pneumothorax.", "en")
    assert ref.findings() == {("positive", "effusion", "pleura"), ("negative", "pneumothorax", "")}
    scores = graph_scores([hyp], [ref])
    # effusion at the pleura matches; "pneumothorax" present vs absent is a wrong lesion (fp)
    # and the reference's absent pneumothorax is missed (fn)
    assert (scores["graph"]["tp"], scores["graph"]["fp"], scores["graph"]["fn"]) == (1, 1, 1)
    assert scores["graph"]["F1"] == pytest.approx(0.5)
    same = graph_scores([ref], [ref])
    assert same["graph"]["F1"] == same["entity"]["F1"] == same["relation"]["F1"] == 1.0
