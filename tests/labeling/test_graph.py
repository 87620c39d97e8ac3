"""Entity graphs: CN-RadGraph schema, the outermost observation, RadGraph JSON in and out, and
evaluation of the extractor against a hand annotation written in RadGraph's release format."""

from __future__ import annotations

import json

import pytest

from cxrgen.errors import InputError
from cxrgen.labeling.graph import (
    ANATOMY,
    LOCATED_AT,
    MODIFY,
    NEGATIVE_OBS,
    NEUTRAL_OBS,
    POSITIVE_OBS,
    extract_graph,
    keyword_extractor,
)
from cxrgen.labeling.radgraph_io import (
    doc_to_graph,
    graph_to_doc,
    read_graphs,
    write_jsonl,
)
from cxrgen.metrics.clinical import graph_scores

# (lang, report, expected findings: (polarity, lesion, anatomy))
FINDINGS = [
    ("en", "Small left pleural effusion. No pneumothorax.",
     {("positive", "effusion", "pleura"), ("negative", "pneumothorax", "")}),
    ("en", "Right lower lobe atelectasis.", {("positive", "atelectasis", "lobe")}),
    ("fr", "Épanchement pleural droit de faible abondance./Absence de pneumothorax.",
     {("positive", "effusion", ""), ("negative", "pneumothorax", "")}),
    ("zh", "双肺未见实变。心影增大。",
     {("negative", "consolidation", "双肺"), ("positive", "cardiomegaly", "")}),
    # zones of the frontal view, where a lobe cannot be named
    ("en", "6.9 cm mass in the right upper zone. Nodule in the left mid lung zone.",
     {("positive", "mass", "zone"), ("positive", "nodule", "zone")}),
    ("zh", "左肺中野见一肿块。", {("positive", "mass", "双肺")}),
]


@pytest.mark.parametrize("lang,text,expected", FINDINGS)
def test_findings_are_outermost_observations(lang, text, expected):
    assert extract_graph(text, lang).findings() == expected


def test_entity_types_and_relations():
    g = extract_graph("Small left pleural effusion.", "en")
    by_text = {e.text: e for e in g.entities}
    assert by_text["Small"].label == NEUTRAL_OBS
    assert by_text["pleural"].label == ANATOMY
    assert by_text["effusion"].label == POSITIVE_OBS
    assert (MODIFY, by_text["effusion"].id) in by_text["Small"].relations
    assert (LOCATED_AT, by_text["pleural"].id) in by_text["effusion"].relations
    assert extract_graph("No effusion.", "en").entities[0].label == NEGATIVE_OBS


@pytest.mark.parametrize("lang,text,_", FINDINGS)
def test_radgraph_json_round_trip(lang, text, _, tmp_path):
    g = extract_graph(text, lang, "r1")
    path = tmp_path / "g.jsonl"
    assert write_jsonl([g], path) == 1
    (back,) = read_graphs(path, lang)
    assert back.findings() == g.findings()
    assert back.entity_keys() == g.entity_keys() and back.relation_keys() == g.relation_keys()
    doc = graph_to_doc(g)
    for ent in doc["entities"].values():  # token indexes cover the entity's text
        toks = [t for t, _, _ in g.tokens[ent["start_ix"]: ent["end_ix"] + 1]]
        assert "".join(toks).replace(" ", "") == ent["tokens"].replace(" ", "")


def test_hand_annotation_in_radgraph_release_format(tmp_path):
    """A doc as RadGraph's release writes it (whitespace tokens, OBS-*/ANAT-DP labels,
    labeler_1 for the test split); the extractor's graph of the same text scores 1.0."""
    text = "small left pleural effusion . no pneumothorax ."
    gold = {"rep1": {"text": text, "data_split": "test", "labeler_1": {"entities": {
        "1": {"tokens": "small", "label": "OBS-DP", "start_ix": 0, "end_ix": 0, "relations": [["modify", "4"]]},
        "2": {"tokens": "left", "label": "ANAT-DP", "start_ix": 1, "end_ix": 1, "relations": [["modify", "3"]]},
        "3": {"tokens": "pleural", "label": "ANAT-DP", "start_ix": 2, "end_ix": 2, "relations": []},
        "4": {"tokens": "effusion", "label": "OBS-DP", "start_ix": 3, "end_ix": 3,
              "relations": [["located_at", "3"]]},
        "5": {"tokens": "pneumothorax", "label": "OBS-DA", "start_ix": 6, "end_ix": 6, "relations": []},
    }}}}
    path = tmp_path / "gold.json"
    path.write_text(json.dumps(gold))
    (ref,) = read_graphs(path, "en")
    assert ref.findings() == {("positive", "effusion", "pleura"), ("negative", "pneumothorax", "")}
    hyp = extract_graph(text, "en", "rep1")
    assert graph_scores([hyp], [ref])["graph"]["F1"] == 1.0


def test_bad_radgraph_docs(tmp_path):
    with pytest.raises(InputError, match="unknown label 'OBS-X'"):
        doc_to_graph({"text": "a b", "entities": {"1": {"tokens": "a", "label": "OBS-X",
                                                         "start_ix": 0, "end_ix": 0}}}, "en", "d1")
    with pytest.raises(InputError, match="needs 'text' and 'entities'"):
        doc_to_graph({"entities": {}}, "en", "d2")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "text": "x", "entities": {}}\nnot json\n')
    with pytest.raises(InputError, match="line 2"):
        read_graphs(bad, "en")


def test_keyword_extractor():
    en = keyword_extractor("en")
    assert en("Small left pleural effusion. No pneumothorax.", "en") == [
        ("anatomy", "pleura"), ("lesion", "effusion"), ("lesion", "pneumothorax")]
    assert keyword_extractor("en", present_only=True)("No pneumothorax.") == []
    zh = keyword_extractor("zh")
    assert len(zh.keywords()) == 48 and len(set(zh.keywords())) == 48  # CN-CXR Table 1's count
    text = "右侧胸腔积液，双肺纹理增粗。未见气胸。"
    assert zh(text) == sorted([("anatomy", "双肺"), ("anatomy", "肺纹理"), ("lesion", "积液"),
                               ("lesion", "增粗"), ("lesion", "气胸")])
    assert ("lesion", "气胸") not in keyword_extractor("zh", present_only=True)(text)


def test_keyword_extractor_plugs_into_stats_table():
    from cxrgen.data.stats import keyword_table
    from cxrgen.data.study import Study

    studies = [Study(study_id="s1", patient_id="p1", split="train", language="zh", findings="右侧胸腔积液。未见气胸。"),
               Study(study_id="s2", patient_id="p2", split="test", language="zh", findings="双肺纹理增粗。")]
    table = keyword_table(studies, "zh", extractor=keyword_extractor("zh"))
    assert table[("lesion", "积液")] == {"train": 1, "all": 1}
    assert table[("anatomy", "双肺")] == {"test": 1, "all": 1}
