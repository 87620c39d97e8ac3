"""Phantom reports in en / fr / zh: every present finding is stated with its side and size,
every absent key finding is explicitly negated, and the text varies but never its content."""

import re

import numpy as np
import pytest

from cxrgen.data.phantom import FINDINGS, sample_findings, write_report
from cxrgen.data.phantom.findings import sample_attributes
from cxrgen.errors import ConfigError

# The vocabulary a labeler looks for, per language, and the negation cues of each language.
TERMS = {
    "en": {"Cardiomegaly": r"cardiomegaly|heart|cardiac", "Pleural Effusion": r"effusion",
           "Pneumothorax": r"pneumothorax", "Nodule": r"nodule", "Mass": r"\bmass(es)?\b",
           "Consolidation": r"consolidation", "Atelectasis": r"atelectasis", "Edema": r"edema",
           "Support Devices": r"tube|catheter|pacemaker"},
    "fr": {"Cardiomegaly": r"cardiomégalie|silhouette cardiaque|cardiothoracique", "Pleural Effusion": r"épanchement",
           "Pneumothorax": r"pneumothorax", "Nodule": r"nodul", "Mass": r"\bmasse",
           "Consolidation": r"condensation", "Atelectasis": r"atélectasie", "Edema": r"œdème",
           "Support Devices": r"sonde|cathéter|pacemaker"},
    "zh": {"Cardiomegaly": r"心影|心胸比", "Pleural Effusion": r"积液", "Pneumothorax": r"气胸", "Nodule": r"结节",
           "Mass": r"肿块", "Consolidation": r"实变", "Atelectasis": r"肺不张", "Edema": r"肺水肿",
           "Support Devices": r"插管|置管|起搏器|胃管"},
}
NEGATION = {"en": r"\bno\b|\bnot\b|\bnormal\b|\bwithout\b",
            "fr": r"\bpas\b|\babsence\b|\bsans\b|\bnormale?\b",
            "zh": r"未见|不大|正常|无"}
SIDE = {"en": {"right": "right", "left": "left", "bilateral": "bilateral"},
        "fr": {"right": "droit", "left": "gauche", "bilateral": "bilatéral"},
        "zh": {"right": "右", "left": "左", "bilateral": "双"}}
AMOUNT = {"en": {"small": "small", "moderate": "moderate", "large": "large"},
          "fr": {"small": "faible abondance", "moderate": "moyenne abondance", "large": "grande abondance"},
          "zh": {"small": "少量", "moderate": "中等量", "large": "大量"}}
KEY_NEGATIVES = ("Cardiomegaly", "Pleural Effusion", "Pneumothorax", "Consolidation", "Nodule", "Mass",
                 "Atelectasis", "Edema")
LANGS = ("en", "fr", "zh")


def sentences(text: str, lang: str) -> list[str]:
    parts = re.split(r"(?<=[。])" if lang == "zh" else r"(?<=\.)\s+", text)
    return [p.lower() for p in parts if p.strip()]


def mentions(text: str, lang: str, name: str) -> tuple[list[str], list[str]]:
    """(affirmed sentences, negated sentences) that mention ``name``."""
    hits = [s for s in sentences(text, lang) if re.search(TERMS[lang][name], s)]
    negated = [s for s in hits if re.search(NEGATION[lang], s)]
    return [s for s in hits if s not in negated], negated


def studies(n=150, seed=11):
    for i in range(n):
        yield i, sample_findings(np.random.default_rng([seed, i]))


@pytest.mark.parametrize("lang", LANGS)
def test_every_present_finding_is_affirmed_and_every_absent_one_negated(lang):
    for i, found in studies():
        report = write_report(found, lang, np.random.default_rng([i, 99]))
        for name in FINDINGS:
            affirmed, negated = mentions(report["findings"], lang, name)
            if name in found:
                assert affirmed, (lang, name, report["findings"])
            else:
                assert not affirmed, (lang, name, report["findings"])
                if name in KEY_NEGATIVES:
                    assert negated, (lang, name, report["findings"])
        for name in found:  # the impression names every finding, and only those
            assert re.search(TERMS[lang][name], report["impression"].lower()), (lang, name, report["impression"])


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", ["Pleural Effusion", "Pneumothorax"])
def test_side_and_size_are_stated(lang, name):
    for k in range(40):
        attrs = sample_attributes(name, np.random.default_rng(k))
        report = write_report({name: attrs}, lang, np.random.default_rng(k))
        affirmed, _ = mentions(report["findings"], lang, name)
        said = " ".join(affirmed)
        assert SIDE[lang][attrs["side"]] in said, (attrs, said)
        assert AMOUNT[lang][attrs["size"]] in said, (attrs, said)


@pytest.mark.parametrize("lang,size_text", [("en", "2.3 cm"), ("fr", "23 mm"), ("zh", "2.3cm")])
def test_nodule_size_side_and_zone_are_stated(lang, size_text):
    zone = {"en": "upper zone", "fr": "supérieur", "zh": "上野"}[lang]
    report = write_report({"Nodule": {"side": "left", "zone": "upper", "size_cm": 2.3}}, lang, np.random.default_rng(0))
    affirmed, _ = mentions(report["findings"], lang, "Nodule")
    assert size_text in affirmed[0] and zone in affirmed[0] and SIDE[lang]["left"] in affirmed[0]


def test_normal_study_reports_known_sentences():
    report = write_report({}, "zh", np.random.default_rng(0))
    assert report["impression"] in ("心肺膈未见明显异常。", "胸部X线未见明显异常。", "两肺、心、膈未见明显异常。")
    assert any(s in report["findings"] for s in ("双侧胸腔未见积液。", "未见胸腔积液。", "双侧肋膈角锐利，未见胸腔积液。",
                                                "未见胸腔积液及气胸。", "未见气胸及胸腔积液。"))
    en = write_report({}, "en", np.random.default_rng(0))
    assert en["impression"] in ("No acute cardiopulmonary process.", "No acute cardiopulmonary abnormality.",
                                "Normal chest radiograph.")


@pytest.mark.parametrize("lang", LANGS)
def test_phrasing_and_order_vary_but_seed_fixes_them(lang):
    found = {"Pleural Effusion": {"side": "left", "size": "small"}, "Nodule": {"side": "right", "zone": "lower", "size_cm": 1.2}}
    texts = {write_report(found, lang, np.random.default_rng(k))["findings"] for k in range(30)}
    assert len(texts) > 15
    assert write_report(found, lang, np.random.default_rng(4)) == write_report(found, lang, np.random.default_rng(4))


def test_french_elision_and_decimal_comma():
    report = write_report({"Mass": {"side": "right", "zone": "middle", "size_cm": 4.5}}, "fr", np.random.default_rng(1))
    text = report["findings"] + report["impression"]
    assert "4,5 cm" in text and "4.5" not in text
    assert "de épanchement" not in text and "de œdème" not in text and "de atélectasie" not in text


def test_unknown_language_lists_valid_ones():
    with pytest.raises(ConfigError, match="valid choices: en, fr, zh"):
        write_report({}, "de", np.random.default_rng(0))


def test_indication_does_not_depend_on_findings():
    # The same generator state gives the same indication whatever the findings: it carries no hint.
    a = write_report({}, "en", np.random.default_rng(5))
    b = write_report({"Pneumothorax": {"side": "left", "size": "large"}}, "en", np.random.default_rng(5))
    assert a["indication"] in ("Shortness of breath.", "Cough and fever.", "Chest pain.", "Preoperative evaluation.",
                               "Dyspnea.", "Routine examination.", "Follow-up.", "Fatigue.")
    assert (a["indication"], a["comparison"]) == (b["indication"], b["comparison"])


@pytest.mark.parametrize("lang", LANGS)
def test_no_sentence_or_sharp_angle_statement_is_repeated(lang):
    key = {"en": "costophrenic angles are", "fr": "culs-de-sac pleuraux libres", "zh": "肋膈角锐利"}[lang]
    for i, found in studies(200, seed=12):
        text = write_report(found, lang, np.random.default_rng([i, 5]))["findings"]
        said = sentences(text, lang)
        assert len(said) == len(set(said)), text
        assert text.lower().count(key) <= 1, text
