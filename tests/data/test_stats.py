"""Stats: per-split counts and the keyword table, on small known reports in three languages."""

from __future__ import annotations

import pytest

from cxrgen.data.stats import keyword_table, label_table, split_stats
from cxrgen.data.study import ImageRef, Study
from cxrgen.errors import ConfigError
from cxrgen.labeling.graph import keyword_extractor


def _s(i, text, split, lang="en", patient=None, images=1):
    return Study(f"s{i}", patient or f"p{i}", [ImageRef(f"{i}_{k}.png") for k in range(images)],
                 findings=text, language=lang, split=split)


EN = [
    _s(1, "The heart is normal. No pleural effusion.", "train", images=2),
    _s(2, "Small left pleural effusion. Lungs clear.", "train", patient="p1"),
    _s(3, "Right upper lobe nodule.", "test"),
]


def test_keyword_table_en():
    """With the labeling package's entity graph, as ``cxrgen data stats`` counts (issue 4)."""
    t = keyword_table(EN, "en", keyword_extractor("en"))
    assert t[("lesion", "effusion")] == {"all": 2, "train": 2}  # negated mentions count too
    assert t[("anatomy", "pleura")] == {"all": 2, "train": 2}
    assert t[("lesion", "cardiomegaly")] == {"all": 1, "train": 1}  # "the heart is normal"
    assert t[("anatomy", "lobe")] == {"all": 1, "test": 1}
    assert t[("lesion", "nodule")] == {"all": 1, "test": 1}
    assert t[("lesion", "pneumothorax")] == {"all": 0}  # graph vocabulary listed even when absent


def test_keyword_table_fr_zh():
    fr = [_s(1, "Épanchement pleural gauche. Absence de pneumothorax. Cœur de taille normale.", "val", "fr")]
    t = keyword_table(fr, "fr", keyword_extractor("fr"))
    assert t[("lesion", "effusion")]["val"] == 1 and t[("lesion", "pneumothorax")]["val"] == 1
    assert t[("lesion", "cardiomegaly")]["val"] == 1  # "cœur de taille normale" states its absence
    zh = [_s(1, "双肺纹理清晰，右侧胸腔积液。心影不大。", "train", "zh"), _s(2, "左肺结节。", "test", "zh")]
    t = keyword_table(zh, "zh", keyword_extractor("zh"))  # the CN-CXR keywords
    assert t[("lesion", "积液")] == {"all": 1, "train": 1} and t[("anatomy", "双肺")] == {"all": 1, "train": 1}
    assert t[("anatomy", "心影")] == {"all": 1, "train": 1} and t[("lesion", "结节")] == {"all": 1, "test": 1}
    assert t[("lesion", "气胸")] == {"all": 0}


def test_extractor_plugs_in():
    def extractor(text, lang):  # any callable (text, lang) -> (category, keyword) pairs
        return [("lesion", w.strip(".").lower()) for w in text.split() if w.istitle()]

    t = keyword_table(EN, "en", extractor=extractor)
    assert t[("lesion", "the")] == {"train": 1, "all": 1} and ("lesion", "effusion") not in t


def test_split_stats():
    out = split_stats(EN, str.split)
    assert out["train"] == {"studies": 2, "images": 3, "patients": 1, "tokens_mean": 6.5, "tokens_median": 6.5}
    assert out["test"]["tokens_mean"] == 4.0 and out["all"]["patients"] == 2
    assert "val" not in out


def test_unknown_language():
    with pytest.raises(ConfigError, match="valid: en, fr, zh"):
        keyword_table(EN, "de", lambda text, lang: [])


def test_label_table():
    studies = [_s(1, "x", "train"), _s(2, "x", "train"), _s(3, "x", None)]
    studies[0].labels = {"Edema": 1, "Mass": 0}
    studies[1].labels = {"Edema": 1, "Mass": -1}
    studies[2].labels = {"Edema": 0, "Mass": 1}
    assert label_table(studies) == {"Edema": {"all": 2, "train": 2}, "Mass": {"all": 1, "unassigned": 1}}
    assert label_table(EN) == {}
