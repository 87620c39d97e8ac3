"""Parity with pycocoevalcap 1.2 ``Bleu(4)``, ``Rouge()`` and ``Cider()`` on real IU X-Ray
reports, within 1e-9, corpus level and per report (issue 3). These three scorers are pure
Python in pycocoevalcap, so only pycocoevalcap itself is needed (no Java)."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from cxrgen.metrics.bleu import Bleu
from cxrgen.metrics.cider import CiderD
from cxrgen.metrics.rouge import RougeL

from .iu_pairs import iu_reports, pairings

coco_bleu = pytest.importorskip(
    "pycocoevalcap.bleu.bleu", reason="pycocoevalcap (test dependency, `pip install cxrgen[dev]`) is not installed"
)
coco_rouge = pytest.importorskip("pycocoevalcap.rouge.rouge")
coco_cider = pytest.importorskip("pycocoevalcap.cider.cider")

TOL = 1e-9
PAIRINGS = ["identical", "shifted", "shuffled", "dropped", "swapped", "negated", "empty-and-one-word"]


@pytest.fixture(scope="module")
def iu_pairings(shared_data):
    return pairings(iu_reports(shared_data, "test"))


def _coco(scorer, refs, hyps):
    gts = {i: [r] for i, r in enumerate(refs)}
    res = {i: [h] for i, h in enumerate(hyps)}
    with contextlib.redirect_stdout(io.StringIO()):  # Bleu prints its totals
        return scorer.compute_score(gts, res)


def _ours(metric, refs, hyps):
    rows = metric.statistics([h.split() for h in hyps], [[r.split()] for r in refs])
    return metric.aggregate(rows), metric.per_report(rows)


@pytest.mark.parametrize("pairing", PAIRINGS)
def test_bleu_equals_pycocoevalcap(iu_pairings, pairing):
    refs, hyps = iu_pairings[pairing]
    assert len(refs) == 590
    (corpus, per_report) = _coco(coco_bleu.Bleu(4), refs, hyps)
    ours, ours_per = _ours(Bleu(), refs, hyps)
    for n in range(4):
        assert ours[f"BLEU-{n + 1}"] == pytest.approx(corpus[n], abs=TOL)
        np.testing.assert_allclose(ours_per[f"BLEU-{n + 1}"], per_report[n], rtol=0, atol=TOL)


@pytest.mark.parametrize("pairing", PAIRINGS)
def test_rouge_equals_pycocoevalcap(iu_pairings, pairing):
    refs, hyps = iu_pairings[pairing]
    corpus, per_report = _coco(coco_rouge.Rouge(), refs, hyps)
    ours, ours_per = _ours(RougeL(), refs, hyps)
    assert ours["ROUGE-L"] == pytest.approx(corpus, abs=TOL)
    np.testing.assert_allclose(ours_per["ROUGE-L"], per_report, rtol=0, atol=TOL)


@pytest.mark.parametrize("pairing", PAIRINGS)
def test_cider_equals_pycocoevalcap(iu_pairings, pairing):
    refs, hyps = iu_pairings[pairing]
    corpus, per_report = _coco(coco_cider.Cider(), refs, hyps)
    ours, ours_per = _ours(CiderD(), refs, hyps)
    assert ours["CIDEr"] == pytest.approx(corpus, abs=TOL)
    np.testing.assert_allclose(ours_per["CIDEr"], per_report, rtol=0, atol=TOL)


def test_multiple_references_equal_pycocoevalcap(iu_pairings):
    """Several references per report: closest length (BLEU), max P and R (ROUGE), mean (CIDEr)."""
    refs, _ = iu_pairings["identical"]
    _, dropped = iu_pairings["dropped"]
    _, negated = iu_pairings["negated"]
    multi = [[a, b] for a, b in zip(refs, dropped)]
    gts = {i: m for i, m in enumerate(multi)}
    res = {i: [h] for i, h in enumerate(negated)}
    hyp_tokens = [h.split() for h in negated]
    ref_tokens = [[r.split() for r in m] for m in multi]
    with contextlib.redirect_stdout(io.StringIO()):
        bleu, _ = coco_bleu.Bleu(4).compute_score(gts, res)
    rouge, _ = coco_rouge.Rouge().compute_score(gts, res)
    cider, _ = coco_cider.Cider().compute_score(gts, res)
    for metric, expected in [(Bleu(), bleu), (RougeL(), [rouge]), (CiderD(), [cider])]:
        got = list(metric.aggregate(metric.statistics(hyp_tokens, ref_tokens)).values())
        np.testing.assert_allclose(got, expected, rtol=0, atol=TOL)


def test_r2gen_cleaning_pipeline_equals_pycocoevalcap(shared_data):
    """`--normalizer r2gen-iu --tokenized`: R2Gen cleans, decodes tokens joined by one space and
    hands the strings to pycocoevalcap; score_corpus must give the same numbers."""
    from cxrgen.metrics import score_corpus
    from cxrgen.text.normalize import r2gen_iu_xray

    reports = iu_reports(shared_data, "test")
    refs, hyps = reports, reports[2:] + reports[:2]
    ours = score_corpus(hyps, refs, metrics=["BLEU", "ROUGE-L", "CIDEr"], tokenized=True, normalizer="r2gen-iu")
    clean_refs = [" ".join(r2gen_iu_xray(r).split()) for r in refs]
    clean_hyps = [" ".join(r2gen_iu_xray(h).split()) for h in hyps]
    bleu, _ = _coco(coco_bleu.Bleu(4), clean_refs, clean_hyps)
    rouge, _ = _coco(coco_rouge.Rouge(), clean_refs, clean_hyps)
    cider, _ = _coco(coco_cider.Cider(), clean_refs, clean_hyps)
    expected = dict(zip(["BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4"], bleu), **{"ROUGE-L": rouge, "CIDEr": cider})
    for name, value in expected.items():
        assert ours.values()[name] == pytest.approx(value, abs=TOL)
    assert str(ours.scores["CIDEr"].signature).startswith("CIDEr|tok:whitespace|norm:r2gen-iu|lang:en|nrefs:1|")


def test_raw_reports_equal_pycocoevalcap_pipeline_with_java_ptbtokenizer(shared_data):
    """The default path (raw text, `ptb` tokeniser, no Java) gives the numbers of the usual
    pycocoevalcap pipeline: PTBTokenizer (Java) then Bleu / Rouge / Cider."""
    import shutil

    if shutil.which("java") is None:
        pytest.skip("java is not installed (pycocoevalcap's PTBTokenizer needs it; see .ci/setup.d/java.sh)")
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    from cxrgen.metrics import score_corpus

    reports = iu_reports(shared_data, "test")
    refs, hyps = reports, reports[5:] + reports[:5]
    hyps[0], hyps[1] = "", "Normal."
    ptb = PTBTokenizer()
    gts = ptb.tokenize({i: [{"caption": r}] for i, r in enumerate(refs)})
    res = ptb.tokenize({i: [{"caption": h}] for i, h in enumerate(hyps)})
    with contextlib.redirect_stdout(io.StringIO()):
        bleu, _ = coco_bleu.Bleu(4).compute_score(gts, res)
    rouge, _ = coco_rouge.Rouge().compute_score(gts, res)
    cider, _ = coco_cider.Cider().compute_score(gts, res)
    ours = score_corpus(hyps, refs, lang="en", metrics=["BLEU", "ROUGE-L", "CIDEr"]).values()
    expected = dict(zip(["BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4"], bleu), **{"ROUGE-L": rouge, "CIDEr": cider})
    for name, value in expected.items():
        assert ours[name] == pytest.approx(value, abs=TOL)
