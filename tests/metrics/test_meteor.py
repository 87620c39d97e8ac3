"""METEOR 1.5 on small cases whose values follow by hand from the METEOR formula.

Formula (Denkowski & Lavie 2014) with METEOR 1.5's English ``rank`` parameters alpha 0.85,
beta 0.20, gamma 0.60, delta 0.75 and stage weights exact 1.0, stem 0.6, synonym 0.8,
paraphrase 0.6; ``expected`` below recomputes it from counts written out by hand. Words of the
jar's function-word list used here: the, is, a, are, there, of. Parity with the Java jar itself
is in test_meteor_parity.py. Tests that need METEOR's resources (the index built from
pycocoevalcap's copy of METEOR 1.5) skip when they are unavailable.
"""

from __future__ import annotations

import numpy as np
import pytest

from cxrgen.errors import ConfigError
from cxrgen.metrics.base import METRICS
from cxrgen.metrics.meteor import resources
from cxrgen.metrics.meteor.align import EXACT, PARAPHRASE, STEM, SYNONYM, align, count_chunks
from cxrgen.metrics.meteor.normalize import meteor_tokens
from cxrgen.metrics.meteor.scorer import COL_CHUNKS, aggregate_rows, compute_scores, PARAMS_EN

ALPHA, BETA, GAMMA, DELTA = 0.85, 0.20, 0.60, 0.75
W = {"exact": 1.0, "stem": 0.6, "synonym": 0.8, "paraphrase": 0.6}


def expected(test_len, test_func, ref_len, ref_func, test_matches, ref_matches, chunks, full_one_chunk):
    """METEOR from hand counts; *_matches: list of (stage, is_function_word) per matched word."""

    def weighted(matches):
        return sum(W[s] * ((1 - DELTA) if f else DELTA) for s, f in matches)

    p = weighted(test_matches) / (DELTA * (test_len - test_func) + (1 - DELTA) * test_func)
    r = weighted(ref_matches) / (DELTA * (ref_len - ref_func) + (1 - DELTA) * ref_func)
    fmean = p * r / (ALPHA * p + (1 - ALPHA) * r)
    frag = 0.0 if full_one_chunk else chunks / ((len(test_matches) + len(ref_matches)) / 2)
    return fmean * (1 - GAMMA * frag**BETA)


@pytest.fixture(scope="module")
def metric():
    import cxrgen.metrics.meteor  # noqa: F401  (registers METEOR)

    m = METRICS.get("METEOR")(lang="en")
    try:
        m.scorer
    except ConfigError as exc:
        pytest.skip(f"METEOR resources unavailable: {exc}")
    return m


def score(metric, hyp: str, ref: str) -> float:
    rows = metric.statistics([hyp.split()], [[ref.split()]])
    return metric.per_report(rows)["METEOR"][0]


def stages(metric, hyp: str, ref: str):
    s = metric.scorer
    return align(s.matcher, s.tokens(hyp), s.tokens(ref)).matches


# -- matching stages -------------------------------------------------------------------------

STAGE_CASES = [
    # (hyp, ref, the match of the last reference word: (ref start, ref len, hyp start, hyp len, stage))
    ("there is a small effusion", "there is a small effusion", (4, 1, 4, 1, EXACT)),
    ("there is a small effusions", "there is a small effusion", (4, 1, 4, 1, STEM)),
    ("the heart is large", "the heart is big", (3, 1, 3, 1, SYNONYM)),
    # paraphrase table: "lungs" -> "lung area" (one reference word, two hypothesis words)
    ("the lung area is clear", "the lungs", (1, 1, 1, 2, PARAPHRASE)),
]


@pytest.mark.parametrize("hyp,ref,match", STAGE_CASES)
def test_stage_of_match(metric, hyp, ref, match):
    assert stages(metric, hyp, ref)[-1] == match


def test_identical_report_scores_one(metric):
    assert score(metric, "the heart is normal .", "the heart is normal .") == 1.0


def test_stem_match_value(metric):
    # 5 words, 3 function words (there is a); exact x4, stem x1 on a content word; one chunk
    got = score(metric, "there is a small effusions", "there is a small effusion")
    m = [("exact", True)] * 3 + [("exact", False), ("stem", False)]
    assert got == pytest.approx(expected(5, 3, 5, 3, m, m, 1, True), abs=1e-12)


def test_synonym_match_value(metric):
    got = score(metric, "the heart is large", "the heart is big")
    m = [("exact", True), ("exact", False), ("exact", True), ("synonym", False)]
    assert got == pytest.approx(expected(4, 2, 4, 2, m, m, 1, True), abs=1e-12)


def test_paraphrase_match_value(metric):
    # "lungs" (ref, 1 word) ~ "lung area" (hyp, 2 words) by the paraphrase table; "is" ~ "are"
    # by WordNet (both forms of "be"): every word aligned, in one chunk
    hyp, ref = "the lung area is clear", "the lungs are clear"
    assert [m[4] for m in stages(metric, hyp, ref)] == [EXACT, PARAPHRASE, SYNONYM, EXACT]
    test_m = [("exact", True), ("paraphrase", False), ("paraphrase", False), ("synonym", True),
              ("exact", False)]
    ref_m = [("exact", True), ("paraphrase", False), ("synonym", True), ("exact", False)]
    assert score(metric, hyp, ref) == pytest.approx(expected(5, 2, 4, 2, test_m, ref_m, 1, True), abs=1e-12)


def test_chunks_of_reordered_report(metric):
    # same content words in two blocks: every word matched exactly, two chunks
    got = score(metric, "heart size normal lungs clear", "lungs clear heart size normal")
    m = [("exact", False)] * 5
    assert got == pytest.approx(expected(5, 0, 5, 0, m, m, 2, False), abs=1e-12)
    assert count_chunks(stages(metric, "heart size normal lungs clear", "lungs clear heart size normal")) == 2


def test_function_word_weighting(metric):
    # only "the" (a function word) matches: P = R = 0.25 / 1.0, one chunk of one match
    got = score(metric, "the heart", "the lung")
    m = [("exact", True)]
    assert got == pytest.approx(expected(2, 1, 2, 1, m, m, 1, False), abs=1e-12)
    assert got == pytest.approx(0.1, abs=1e-12)


def test_lone_inexact_match_is_not_taken(metric):
    # METEOR 1.5 keeps its search totals as integers: a lone stem match adds int(0.5 + 0.5) = 0
    # words but closes a chunk, so the empty alignment wins (the jar scores this 0.0 too)
    assert score(metric, "effusions", "effusion") == 0.0


@pytest.mark.parametrize("hyp,ref", [("", "the heart is normal"), ("heart", ""), ("", "")])
def test_empty_reports_score_zero(metric, hyp, ref):
    assert score(metric, hyp, ref) == 0.0


def test_best_of_several_references(metric):
    rows = metric.statistics([["the", "heart", "is", "normal"]],
                             [[["no", "acute", "disease"], ["the", "heart", "is", "normal"]]])
    assert metric.per_report(rows)["METEOR"][0] == 1.0


def test_corpus_score_sums_statistics(metric):
    hyps = [["the", "heart", "is", "normal"], ["heart", "size", "normal", "lungs", "clear"]]
    refs = [[["the", "heart", "is", "normal"]], [["lungs", "clear", "heart", "size", "normal"]]]
    rows = metric.statistics(hyps, refs)
    corpus = metric.aggregate(rows)["METEOR"]
    # the perfectly aligned first report adds its words but not its chunk
    total = aggregate_rows(rows)
    assert total[COL_CHUNKS] == 2
    m = [("exact", True), ("exact", False), ("exact", True), ("exact", False)] + [("exact", False)] * 5
    assert corpus == pytest.approx(expected(9, 2, 9, 2, m, m, 2, False), abs=1e-12)
    assert corpus != pytest.approx(float(np.mean(metric.per_report(rows)["METEOR"])), abs=1e-3)
    assert compute_scores(total, PARAMS_EN)[0] == corpus


# -- normaliser (no resources needed) -------------------------------------------------------

NONBREAKING = {"Dr": 1, "No": 2}

NORM_CASES = [
    ("The heart is normal.", "the heart is normal ."),
    ("x-ray of the chest", "x ray of the chest"),
    ("U.S. embassy", "us embassy"),
    ("it's clear", "it 's clear"),
    ("1,000 mm, no change", "1,000 mm , no change"),
    ("a,b", "a , b"),
    ("Dr. Smith", "dr. smith"),
    ("No. 5", "no. 5"),
    ("no effusion...", "no effusion ..."),
    ("\u201cquoted\u201d", '" quoted "'),
    ("right-left", "right left"),
    ("right\u2013left", "right - left"),  # the en dash is split off before it becomes "-"
    ("(stable)", "( stable )"),
    ("", ""),
]


@pytest.mark.parametrize("text,tokens", NORM_CASES)
def test_norm(text, tokens):
    assert " ".join(meteor_tokens(text, "en", NONBREAKING)) == tokens


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_norm_many_equals_one_by_one(shared_data, lang):
    """``meteor_tokens_many`` (all texts in one pass) equals ``meteor_tokens`` text by text."""
    import json

    from cxrgen.metrics.meteor.normalize import meteor_tokens_many

    data = json.loads((shared_data / "iu_xray" / "annotation.json").read_text(encoding="utf-8"))
    texts = [t for t, _ in NORM_CASES] + [r["report"] for r in data["test"]]
    texts += ["a...b. c. Dr. x", "3,4,5 ''q'' `x' l'eau it's 90's", "end.", "DOTMULTI. x",
              "a\u00a0b\u2003c.", "e.g. U.S.A. 1.5 cm. No. 3 Dr.", "''", "-", "\u2019s", "a \x0b  b\x0b ",
              "x--y \u2013 z", "\u201cq\u201d \u2018s\u2019"]
    for batch in (texts, texts + [" \x0b lead\ttab\x0b ", "cr\rff\f ."]):  # also with tabs etc.
        expected = [meteor_tokens(t, lang, NONBREAKING) for t in batch]
        assert meteor_tokens_many(batch, lang, NONBREAKING) == expected
    assert meteor_tokens_many(texts + ["two\nlines."], lang, NONBREAKING) == \
        [meteor_tokens(t, lang, NONBREAKING) for t in texts + ["two\nlines."]]
    assert meteor_tokens_many([], lang, NONBREAKING) == []


def test_norm_french_elision():
    assert meteor_tokens("L'opacité est stable.", "fr", {}) == ["l'", "opacité", "est", "stable", "."]


# -- resources ------------------------------------------------------------------------------

def test_missing_index_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setenv("CXRGEN_CACHE", str(tmp_path))
    with pytest.raises(ConfigError, match="pip install pycocoevalcap"):
        resources.load_resources.__wrapped__("en", auto_build=False)


def test_missing_sources_say_how_to_get_them(monkeypatch, tmp_path):
    monkeypatch.delenv("CXRGEN_METEOR_DIR", raising=False)
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(ConfigError, match="CXRGEN_METEOR_DIR"):
        resources.find_sources(tmp_path)


def test_phrase_hashes_are_prefix_consistent():
    words = np.array([resources.word_hash(w) for w in "no acute disease".split()], dtype=np.uint64)
    grams = resources.phrase_hashes(words, 3)
    assert grams[1, 0] == resources.phrase_hashes(words[:2], 2)[1, 0]
    assert grams[0, 1] == resources.phrase_hashes(words[1:2], 1)[0, 0]
    assert grams[2, 1] == 0  # past the end


# -- French (exact + stem only) -------------------------------------------------------------

def test_french_exact_and_stem(metric):
    fr = METRICS.get("METEOR")(lang="fr")
    rows = fr.statistics([["les", "opacités", "sont", "stables"]], [[["les", "opacité", "sont", "stables"]]])
    assert "fr-exact-stem" in str(fr.signature("METEOR", tok="ws", norm="none", nrefs=1))
    align_fr = align(fr.scorer.matcher, ["les", "opacités", "sont", "stables"], ["les", "opacité", "sont", "stables"])
    assert [m[4] for m in align_fr.matches] == [EXACT, STEM, EXACT, EXACT]
    assert 0.0 < fr.per_report(rows)["METEOR"][0] < 1.0


# -- compiled search (numba, the ``fast`` extra) equals the Python search ----------------------

def test_jit_search_equals_python_search(metric, shared_data):
    from cxrgen.metrics.meteor import align as meteor_align

    if not meteor_align.HAVE_JIT:
        pytest.skip("numba is not installed (extra 'fast'): only the Python search is used")
    import json

    data = json.loads((shared_data / "iu_xray" / "annotation.json").read_text(encoding="utf-8"))
    reports = [r["report"] for r in data["test"]][:300]
    s = metric.scorer
    for hyp_text, ref_text in zip(reports, reports[1:] + reports[:1]):
        hyp, ref = s.tokens(hyp_text), s.tokens(ref_text)
        cands = s.matcher.candidates(hyp, ref)
        assert meteor_align.beam_search_jit(cands, len(hyp), len(ref)) == \
            meteor_align.beam_search_python(cands, len(hyp), len(ref))


# -- corpus path (distinct pairs once, cheaper search, forked half) equals report by report ----

def test_corpus_rows_equal_report_rows(metric, shared_data):
    """``MeteorScorer.rows`` (used by ``Meteor.statistics``) gives exactly the rows of
    ``report_row`` on each report, in order, with one process or two, duplicates included."""
    import json

    from cxrgen.metrics.meteor.align import beam_search_python

    data = json.loads((shared_data / "iu_xray" / "annotation.json").read_text(encoding="utf-8"))
    reports = [r["report"] for r in data["test"]][:120]
    # duplicated pairs (the first 40 again), a multi-reference report and an empty hypothesis
    hyps = reports + reports[:40] + [reports[5], ""]
    refs = [[r] for r in reports[1:] + reports[:1]] + [[r] for r in (reports[1:] + reports[:1])[:40]]
    refs += [[reports[7], reports[5], reports[9]], [reports[3]]]
    from cxrgen.metrics.meteor.scorer import MeteorScorer

    # fresh scorers: the forked path fills its caches from the child's (pickled) values
    res = metric.scorer.res
    fresh = MeteorScorer("en", res)
    expected_rows = np.stack([fresh.report_row(h, rs, beam_search_python) for h, rs in zip(hyps, refs)])
    one = MeteorScorer("en", res).rows(hyps, refs, workers=1)
    s = MeteorScorer("en", res)
    two = s.rows(hyps, refs, workers=2)
    assert one.shape == (len(hyps), expected_rows.shape[1])
    assert np.array_equal(one, expected_rows)
    assert np.array_equal(two, expected_rows)
    assert np.array_equal(s.rows([], [], workers=2), np.zeros((0, expected_rows.shape[1])))


def test_choose_search_by_corpus_size():
    from cxrgen.metrics.meteor import align as meteor_align

    small = meteor_align.choose_search(10)
    large = meteor_align.choose_search(meteor_align.JIT_MIN_PAIRS)
    if not meteor_align.HAVE_JIT:
        assert small is large is meteor_align.beam_search_python
    else:
        assert large is meteor_align.beam_search_jit
        # the compiled search once loaded (by this test session or earlier) is always cheaper
        loaded = "cxrgen.metrics.meteor.search_jit" in __import__("sys").modules
        assert small is (meteor_align.beam_search_jit if loaded else meteor_align.beam_search_python)


# -- compiled pair loop (numba) equals the per-pair path ----------------------------------------

@pytest.mark.parametrize("lang,syn_table,overflow", [("en", True, False), ("en", False, False),
                                                    ("en", True, True), ("fr", True, False)])
def test_batch_rows_equal_per_pair_rows(metric, shared_data, lang, syn_table, overflow, monkeypatch):
    """``MeteorScorer._rows_batch`` (large corpora with numba) gives exactly the rows of the
    per-pair path, with duplicated texts, several references, empty sides, identical pairs and
    a hypothesis holding METEOR's field separator."""
    import json

    from cxrgen.metrics.meteor import align as meteor_align
    from cxrgen.metrics.meteor.scorer import MeteorScorer

    if not meteor_align.HAVE_JIT:
        pytest.skip("numba is not installed (extra 'fast'): the compiled pair loop is not used")
    from cxrgen.metrics.meteor import batch_jit

    if not syn_table:  # too many words for the synonym table: synset lists merged pair by pair
        monkeypatch.setattr(batch_jit, "MAX_SYNONYM_TABLE", 0)
    if overflow:  # the compiled search declines every third pair: those are aligned in Python
        from cxrgen.metrics.meteor import search_jit

        compiled, calls = search_jit.align_candidates, [0]

        def declining(*args):
            calls[0] += 1
            return np.array([-1]) if calls[0] % 3 == 0 else compiled(*args)

        monkeypatch.setattr(search_jit, "align_candidates", declining)
    data = json.loads((shared_data / "iu_xray" / "annotation.json").read_text(encoding="utf-8"))
    reports = [r["report"] for r in data["test"]]
    hyps = reports + [reports[5], "", reports[3], reports[8], reports[2] + " ||| " + reports[4]]
    refs = [(r,) for r in reports[1:] + reports[:1]]
    refs += [(reports[7], reports[5], reports[9]), (reports[3],), ("",), (reports[8],), (reports[4], reports[2])]
    pairs = list(zip(hyps, refs))
    scorer = metric.scorer if lang == "en" else METRICS.get("METEOR")(lang="fr").scorer
    batch = MeteorScorer(lang, scorer.res)._rows_batch(pairs)
    per_pair = MeteorScorer(lang, scorer.res)._rows_of(pairs)
    assert batch.shape == per_pair.shape == (len(pairs), per_pair.shape[1])
    assert np.array_equal(batch, per_pair)
    # rows() (the metric's path) takes the compiled loop once it is loaded, duplicates included
    auto = MeteorScorer(lang, scorer.res).rows(hyps + hyps[:50], [list(r) for r in refs + refs[:50]])
    assert np.array_equal(auto, np.concatenate([per_pair, per_pair[:50]]))
