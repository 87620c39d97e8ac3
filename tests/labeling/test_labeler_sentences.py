"""Sentences with their expected labels, in English, French and Chinese (the sacrebleu way:
tables of known values). Each row: text, then the CheXpert columns it must have; columns not
listed must be "not mentioned" (None) unless the row says ``...``.

Values: 1 positive, 0 negative, -1 uncertain (CheXpert's convention).
"""

from __future__ import annotations

import pytest

from cxrgen.labeling import get_labeler

ALL = ...  # marker: other columns are not checked

EN = [
    # plain mentions and negation
    ("Mild cardiomegaly.", {"Cardiomegaly": 1}),
    ("No pleural effusion.", {"Pleural Effusion": 0}),
    ("There is no evidence of pneumothorax.", {"Pneumothorax": 0}),
    ("The lungs are free of consolidation.", {"Consolidation": 0}),
    ("Pneumothorax is not seen.", {"Pneumothorax": 0}),
    ("The previously seen left effusion has resolved.", {"Pleural Effusion": 0}),
    # lists under one negation
    ("No effusion, pneumothorax or consolidation.",
     {"Pleural Effusion": 0, "Pneumothorax": 0, "Consolidation": 0}),
    ("No focal airspace consolidation, suspicious pulmonary opacity, pneumothorax, or pleural effusion.",
     {"Consolidation": 0, "Lung Opacity": 0, "Pneumothorax": 0, "Pleural Effusion": 0}),
    # uncertainty
    ("Possible left lower lobe pneumonia.", {"Pneumonia": -1}),
    ("Atelectasis versus pneumonia in the left base.", {"Atelectasis": -1, "Pneumonia": -1}),
    ("A small effusion cannot be excluded.", {"Pleural Effusion": -1}),
    ("Cannot exclude small pleural effusions.", {"Pleural Effusion": -1}),
    ("Findings suspicious for pulmonary edema.", {"Edema": -1}),
    ("No suspicious pulmonary nodules.", {"Lung Lesion": 0}),
    # high-likelihood hedges assert, low ones negate (Panicek & Hricak 2016)
    ("Probable left lower lobe pneumonia.", {"Pneumonia": 1}),
    ("Opacity, most likely atelectasis.", {"Atelectasis": 1, "Lung Opacity": 1}),
    ("Pneumonia is unlikely.", {"Pneumonia": 0}),
    # pseudo-negation and double negation
    ("No change in the small left pleural effusion.", {"Pleural Effusion": 1}),
    ("No interval change in cardiomegaly.", {"Cardiomegaly": 1}),
    ("Not without a small right effusion.", {"Pleural Effusion": 1}),
    ("No new consolidation.", {"Consolidation": 0}),
    # scope ends at the sentence and at "but"
    ("No pneumothorax. Small right pleural effusion.", {"Pneumothorax": 0, "Pleural Effusion": 1}),
    ("No pneumothorax but there is a small right pleural effusion.",
     {"Pneumothorax": 0, "Pleural Effusion": 1}),
    # IU de-identification token inside the scope
    ("There are no XXXX of a pleural effusion.", {"Pleural Effusion": 0}),
    # statements of normality
    ("Heart size is normal.", {"Cardiomegaly": 0, "No Finding": 1}),
    ("The heart size is upper limits of normal.", {"Cardiomegaly": 0, "No Finding": 1}),
    ("Heart size normal and lungs are clear. No edema or pneumonia. No effusion",
     {"No Finding": 1, "Cardiomegaly": 0, "Edema": 0, "Pneumonia": 0, "Pleural Effusion": 0}),
    # devices; numbers with decimals do not end a sentence
    ("Right PICC line with tip in the SVC.", {"Support Devices": 1, "No Finding": 1}),
    ("A 3.2 cm mass in the left midlung. No effusion.", {"Lung Lesion": 1, "Pleural Effusion": 0}),
    # subcutaneous emphysema is not emphysema; calcified granuloma is not a nodule
    ("Calcified granuloma in the right upper lobe.", {"Lung Lesion": None}),
]

FR = [
    ("Cardiomégalie.", {"Cardiomegaly": 1}),
    ("Augmentation de l’index cardio-thoracique.", {"Cardiomegaly": 1}),
    ("Silhouette cardiaque d’aspect normal.", {"Cardiomegaly": 0, "No Finding": 1}),
    ("Absence d’épanchement pleural.", {"Pleural Effusion": 0}),
    ("Absence d'épanchement pleural.", {"Pleural Effusion": 0}),
    ("Pas de pneumothorax.", {"Pneumothorax": 0}),
    ("Poumons clairs, sans foyer de condensation.", {"Consolidation": 0}),
    ("Aucun épanchement pleural ni pneumothorax.", {"Pleural Effusion": 0, "Pneumothorax": 0}),
    ("Absence d’épanchement pleural, de pneumothorax ou de condensation.",
     {"Pleural Effusion": 0, "Pneumothorax": 0, "Consolidation": 0}),
    ("Possible pneumopathie basale droite.", {"Pneumonia": -1}),
    ("Suspicion de pneumothorax apical gauche.", {"Pneumothorax": -1}),
    ("Opacité alvéolaire basale droite, foyer de pneumopathie à confronter à la clinique.",
     {"Pneumonia": -1, "Consolidation": 1, "Lung Opacity": ALL}),
    ("Pas de modification de l’épanchement pleural droit.", {"Pleural Effusion": 1}),
    ("Épanchement pleural droit de faible abondance./Absence de pneumothorax.",
     {"Pleural Effusion": 1, "Pneumothorax": 0}),
    ("Pas de pneumothorax mais épanchement pleural gauche.", {"Pneumothorax": 0, "Pleural Effusion": 1}),
    ("Non sans un discret épanchement pleural.", {"Pleural Effusion": 1}),
    ("Effet de masse sur le médiastin.", {"Lung Lesion": None}),
    ("Drain en place.", {"Support Devices": 1}),
]

ZH = [
    ("心影增大。", {"Cardiomegaly": 1}),
    ("心脏大小正常。", {"Cardiomegaly": 0, "No Finding": 1}),
    ("右侧少量胸腔积液。", {"Pleural Effusion": 1}),
    ("未见胸腔积液。", {"Pleural Effusion": 0}),
    ("双肺未见实变。", {"Consolidation": 0}),
    ("无气胸。", {"Pneumothorax": 0}),
    ("未见胸腔积液、气胸或实变。", {"Pleural Effusion": 0, "Pneumothorax": 0, "Consolidation": 0}),
    ("没有局灶性固结、可疑的肺不张、胸腔积液或气胸。",
     {"Consolidation": 0, "Atelectasis": 0, "Pleural Effusion": 0, "Pneumothorax": 0}),
    # 考虑 is the probable tier of Chinese report wording ("likely"), which asserts as in English;
    # a 可能 after the finding hedges it again
    ("右下肺斑片影，考虑肺炎。", {"Pneumonia": 1, "Lung Opacity": 1}),
    ("右下肺斑片影，考虑肺炎可能。", {"Pneumonia": -1, "Lung Opacity": 1}),
    ("左下肺结节，疑似肿瘤。", {"Lung Lesion": 1}),
    ("肺不张待排。", {"Atelectasis": -1}),
    ("胸腔积液不明显。", {"Pleural Effusion": 0}),
    ("心影不大。", {"Cardiomegaly": 0, "No Finding": 1}),
    ("双肺未见结节，不见气胸。", {"Lung Lesion": 0, "Pneumothorax": 0}),
    ("疑似左下肺炎。", {"Pneumonia": -1}),
    ("右下肺可能为肺不张。", {"Atelectasis": -1}),
    ("右下肺很可能为肺不张。", {"Atelectasis": 1}),
    ("不除外少量胸腔积液。", {"Pleural Effusion": -1}),
    ("左侧胸腔积液较前无明显变化。", {"Pleural Effusion": 1}),
    ("无明显变化的右侧胸腔积液。", {"Pleural Effusion": 1}),
    ("并非没有胸腔积液。", {"Pleural Effusion": 1}),
    ("未见气胸。左侧胸腔积液。", {"Pneumothorax": 0, "Pleural Effusion": 1}),
    ("未见气胸，但左侧胸腔积液。", {"Pneumothorax": 0, "Pleural Effusion": 1}),
    ("纵隔轮廓保持不变，左侧基底肺不张。", {"Atelectasis": 1}),
    # "X可能与Y有关" / "X可能是由于Y": the hedge is the cause's, X stays asserted
    ("心影增大，可能与高血压有关。", {"Cardiomegaly": 1}),
    ("右下肺斑片影，可能是由于肺炎所致。", {"Lung Opacity": 1, "Pneumonia": -1}),
    ("持续的双侧肺不张可能是由于肺不张和/或浸润所致。", {"Atelectasis": 1, "Lung Opacity": -1}),
    # Chinese report synonyms: 胸腔积水, 心影饱满 (borderline large heart), 炎性渗出
    ("右侧胸腔积水。", {"Pleural Effusion": 1}),
    ("肾积水。", {"No Finding": ALL}),
    ("心影饱满。", {"Cardiomegaly": 1}),
    ("右下野炎性渗出。", {"Pneumonia": 1}),
    # a post-negation after a 、-list reaches every item (、 joins a list, it is not a clause comma)
    ("气胸、胸腔积液均未见。", {"Pneumothorax": 0, "Pleural Effusion": 0, "No Finding": 1}),
    ("肺实变、胸腔积液及气胸均未见。",
     {"Consolidation": 0, "Pleural Effusion": 0, "Pneumothorax": 0, "No Finding": 1}),
    ("双肺均未见结节。", {"Lung Lesion": 0, "No Finding": 1}),
    ("右下肺炎症已消退。", {"Pneumonia": 0, "No Finding": 1}),
    ("右下肺斑片影，令人担心是肺炎。", {"Lung Opacity": 1, "Pneumonia": -1}),
    # MT_VARIANTS (lexicon_zh.py): 合并症 is this data set's rendering of "consolidation"
    ("没有实变或胸腔积液。", {"Consolidation": 0, "Pleural Effusion": 0, "No Finding": 1}),
]

CASES = [("en", t, e) for t, e in EN] + [("fr", t, e) for t, e in FR] + [("zh", t, e) for t, e in ZH]


@pytest.mark.parametrize("lang,text,expected", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_sentence_labels(lang, text, expected):
    got = get_labeler(lang).label(text, "chexpert")
    for column, value in expected.items():
        if value is ALL:
            continue
        assert got[column] == value, f"{column}: expected {value}, got {got[column]} for {text!r}"
    for column, value in got.items():
        if column not in expected and column != "No Finding":
            assert value is None, f"{column} unexpectedly {value} for {text!r}"


@pytest.mark.parametrize("lang", ["en", "fr", "zh"])
def test_empty_report_mentions_nothing(lang):
    got = get_labeler(lang).label("   ", "chestxray14")
    assert all(v is None for v in got.values())


def test_chestxray14_columns_and_normal():
    lab = get_labeler("en")
    normal = lab.label("The heart is normal in size. The lungs are clear.", "chestxray14")
    assert list(normal) == ["Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule",
                            "Pneumonia", "Pneumothorax", "Consolidation", "Edema", "Emphysema",
                            "Fibrosis", "Pleural_Thickening", "Hernia", "normal"]
    assert normal["normal"] == 1
    # an abnormality outside the 14 findings (a granuloma) makes the study not normal
    assert lab.label("Calcified granuloma. Lungs are clear.", "chestxray14")["normal"] == 0
    assert lab.label("Right upper lobe infiltrate.", "chestxray14")["Infiltration"] == 1
    assert lab.label("Right upper lobe infiltrate.", "chexpert")["Lung Opacity"] == 1


def test_mentions_say_what_decided():
    lab = get_labeler("en")
    (m,) = [m for m in lab.mentions("Effusion cannot be excluded.") if m.concept == "effusion"]
    assert m.status == -1 and m.trigger == "cannot be excluded"


# ChestX-ray14 columns under the OpenI gold's conventions (labelsets.py) and without them
# (chestxray14-literal); columns not listed must be None / 0 as written.
CXR14 = [
    # "A versus B": both present for the gold, uncertain for the literal set; a hedge before the
    # pair decides both ("question ... versus")
    ("Left basilar atelectasis versus scarring.", {"Atelectasis": 1}, {"Atelectasis": -1}),
    ("Minimal left basilar atelectasis versus infiltrate.",
     {"Atelectasis": 1, "Infiltration": 1}, {"Atelectasis": -1, "Infiltration": -1}),
    ("Question left basilar atelectasis versus infiltrate.",
     {"Atelectasis": -1, "Infiltration": -1}, {"Atelectasis": -1, "Infiltration": -1}),
    # Hernia is not annotated by the gold: empty column, but the study is not normal
    ("Large hiatal hernia. Lungs are clear.", {"Hernia": None, "normal": 0}, {"Hernia": 1, "normal": 0}),
    # airway-wall thickening counts as Pleural_Thickening for the gold only
    ("Peribronchial cuffing.", {"Pleural_Thickening": 1}, {"Pleural_Thickening": None}),
    # look-alikes that name another finding
    ("Subcutaneous emphysema in the neck.", {"Emphysema": None, "normal": 0}, {"Emphysema": None}),
    ("Sequela of cystic fibrosis.", {"Fibrosis": None, "normal": 0}, {"Fibrosis": None}),
    ("Mild left-sided volume loss.", {"Atelectasis": None, "normal": 0}, {"Atelectasis": None}),
    ("Bilateral apical pleural scarring.", {"Pleural_Thickening": None, "normal": 0}, {"Pleural_Thickening": None}),
    ("Opacities may be due to atelectasis.", {"Atelectasis": -1}, {"Atelectasis": -1}),
    ("Opacities most suggestive of pulmonary edema.", {"Edema": 1}, {"Edema": 1}),
]


@pytest.mark.parametrize("text,gold_conv,literal", CXR14, ids=[f"cxr14-{i}" for i in range(len(CXR14))])
def test_chestxray14_gold_conventions(text, gold_conv, literal):
    lab = get_labeler("en")
    for labels, expected in (("chestxray14", gold_conv), ("chestxray14-literal", literal)):
        got = lab.label(text, labels)
        for column, value in expected.items():
            assert got[column] == value, f"{labels} {column}: expected {value}, got {got[column]} for {text!r}"


def test_chexpert_keeps_versus_uncertain_and_pleural_scarring_is_pleural_other():
    lab = get_labeler("en")
    assert lab.label("Left basilar atelectasis versus scarring.", "chexpert")["Atelectasis"] == -1
    assert lab.label("Bilateral apical pleural scarring.", "chexpert")["Pleural Other"] == 1
    (m,) = [m for m in lab.mentions("Atelectasis versus scarring.") if m.concept == "atelectasis"]
    assert m.status == -1 and m.alternative and m.trigger == "versus"


ZH_CXR14 = [
    ("左肺亚段性肺不张。", {"Atelectasis": 1}),
    ("心脏的大小处于边缘状态。", {"Cardiomegaly": 1}),
    ("右胸壁皮下气肿。", {"Emphysema": None, "normal": 0}),
    ("双侧下叶支气管增厚。", {"Pleural_Thickening": 1}),
    ("没有出现急性心肺异常，只观察到稳定的心肌肿大。", {"Cardiomegaly": 1}),
    ("左下肺纤维索条影。", {"Fibrosis": 1}),
    ("双侧肋膈角钝化代表胸膜增厚和瘢痕。", {"Pleural_Thickening": 1, "normal": 0}),
    ("左肺未见实变，有少许纤维索条。", {"Consolidation": 0, "Fibrosis": 1}),
]

# MT_VARIANTS (lexicon_zh.py): 漏气 / 无吸收 are the MT data set's renderings of "atelectasis";
# the native-text labeler (the default) must not read them, the MT one must.
ZH_MT = [
    ("右肺基底有漏气。", {"Atelectasis": 1}),
    ("右肺下叶合并症。", {"Consolidation": 1}),
]


@pytest.mark.parametrize("text,expected", ZH_MT, ids=[f"zh-mt-{i}" for i in range(len(ZH_MT))])
def test_chestxray14_zh_mt_variants_are_opt_in(text, expected):
    mt = get_labeler("zh", mt_variants=True).label(text, "chestxray14")
    native = get_labeler("zh").label(text, "chestxray14")
    for column, value in expected.items():
        assert mt[column] == value, f"{column}: expected {value}, got {mt[column]} for {text!r}"
        assert native[column] is None, f"{column}: native labeler read an MT rendering in {text!r}"


@pytest.mark.parametrize("text,expected", ZH_CXR14, ids=[f"zh-cxr14-{i}" for i in range(len(ZH_CXR14))])
def test_chestxray14_zh(text, expected):
    got = get_labeler("zh").label(text, "chestxray14")
    for column, value in expected.items():
        assert got[column] == value, f"{column}: expected {value}, got {got[column]} for {text!r}"
