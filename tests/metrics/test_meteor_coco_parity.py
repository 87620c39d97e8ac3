"""``--meteor coco`` on French and Chinese equals pycocoevalcap's Java METEOR (issue 17).

pycocoevalcap 1.2's ``Meteor()`` runs ``java -jar meteor-1.5.jar - - -stdio -l en -norm`` on
whatever tokens it is given; the CN-CXR and CASIA-CXR tables report that number on segmented
Chinese and on French. The reference here is that Java run, on real reports of
``../shared/data``: CASIA-CXR French (cxrgen's French tokens), the machine-translated Chinese IU
reports as jieba words and as characters; each report against the next one and against itself
with a sentence dropped. Targets: corpus within 0.001 and every report within 0.001.
Skips, with the reason, when Java, pycocoevalcap or the real data is missing.
"""

from __future__ import annotations

import random
import re
import shutil

import pytest

from cxrgen.errors import ConfigError
from cxrgen.metrics import score_corpus
from cxrgen.metrics.base import METRICS

pytest.importorskip("pycocoevalcap", reason="pycocoevalcap (test dependency) is not installed")
if shutil.which("java") is None:
    pytest.skip("Java is not installed: the METEOR 1.5 reference cannot run", allow_module_level=True)

import cxrgen.metrics.meteor  # noqa: E402,F401  (registers METEOR)

from .meteor_java import assert_equals_java  # noqa: E402

CORPUS_TOL = 1e-3
REPORT_TOL = 1e-3
N = 150  # reports per corpus (keeps the Java run to a few seconds)


@pytest.fixture(scope="module")
def coco_metric():
    m = METRICS.get("METEOR")(lang="zh", variant="coco")
    try:
        m.scorer
    except ConfigError as exc:
        pytest.skip(f"METEOR resources unavailable: {exc}")
    return m


def _drop_one(sentences: list[str], rng: random.Random) -> list[str]:
    if len(sentences) > 1:
        sentences = list(sentences)
        del sentences[rng.randrange(len(sentences))]
    return sentences


@pytest.fixture(scope="module")
def corpora(shared_data) -> dict[str, tuple[list[str], list[str]]]:
    """name -> (hyps, refs) as space-joined tokens, what pycocoevalcap is handed."""
    from bench.labeler_accuracy import CASIA_FILES, casia_reports, iu_zh_reports
    from cxrgen.text.tokenize import get_tokenizer

    rng = random.Random(17)
    fr = [t for name in CASIA_FILES for t in casia_reports(shared_data, name)]
    fr = rng.sample(fr, N)
    zh = [t for _, t, _ in iu_zh_reports(shared_data)]
    zh = rng.sample(zh, N)
    split = {"fr": lambda t: [s for s in re.split(r"\s*/\s*|(?<=\.)\s+", t) if s.strip()],
             "zh": lambda t: [s + "。" for s in t.split("。") if s.strip()]}
    out = {}
    for name, texts, lang, tok in (("fr", fr, "fr", "fr"), ("zh-jieba", zh, "zh", "zh-jieba"),
                                   ("zh-char", zh, "zh", "zh-char")):
        tokenize = get_tokenizer(tok)
        joined = [" ".join(tokenize(t)) for t in texts]
        dropped = [" ".join(tokenize(" ".join(_drop_one(split[lang](t), rng)))) for t in texts]
        out[f"{name}-shifted"] = (joined, joined[1:] + joined[:1])
        out[f"{name}-dropped"] = (dropped, joined)
    return out


@pytest.fixture(scope="module")
def java_reference(corpora) -> dict[str, tuple[float, list[float]]]:
    from pycocoevalcap.meteor.meteor import Meteor

    scorer = Meteor()
    out = {}
    try:
        for name, (hyps, refs) in corpora.items():
            score, per = scorer.compute_score({i: [r] for i, r in enumerate(refs)},
                                              {i: [h] for i, h in enumerate(hyps)})
            out[name] = (float(score), [float(x) for x in per])
    finally:
        del scorer
    return out


@pytest.mark.parametrize("name", ["fr-shifted", "fr-dropped", "zh-jieba-shifted", "zh-jieba-dropped",
                                  "zh-char-shifted", "zh-char-dropped"])
def test_coco_meteor_equals_java_on_french_and_chinese(name, coco_metric, corpora, java_reference):
    hyps, refs = corpora[name]
    assert_equals_java(coco_metric, name, hyps, refs, java_reference[name], CORPUS_TOL, REPORT_TOL)


def test_score_corpus_meteor_coco_is_signed_with_the_text_language(corpora, java_reference):
    hyps, refs = corpora["zh-char-shifted"]
    for lang in ("zh", "fr"):
        res = score_corpus(refs, hyps, lang=lang, metrics=["METEOR"], tokenized=True, meteor="coco")
        sig = str(res.scores["METEOR"].signature)
        assert f"lang:{lang}" in sig and "impl:meteor-1.5-coco" in sig
        assert res.values()["METEOR"] == pytest.approx(java_reference["zh-char-shifted"][0], abs=CORPUS_TOL)
