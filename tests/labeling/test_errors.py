"""The clinical error analysis on known pairs (a table per language), its output format, the
GREEN-style score and the ``cxrgen errors`` command."""

from __future__ import annotations

import json

import pytest

from cxrgen.cli import main
from cxrgen.labeling.errors import CATEGORIES, analyze_errors, summarize
from cxrgen.metrics.clinical_errors import FORMULA, analyze_report_errors

# (lang, reference, hypothesis, expected categories, sorted)
CASES = [
    ("en", "Small left pleural effusion. No pneumothorax.", "Small right pleural effusion. No pneumothorax.",
     ["wrong_location"]),
    ("en", "Opacity in the right upper lobe.", "Opacity in the right lower lobe.", ["wrong_location"]),
    ("en", "Mild cardiomegaly.", "Severe cardiomegaly.", ["wrong_severity"]),
    ("en", "Small right effusion.", "Mild right effusion.", []),  # small and mild: one grade
    ("en", "Small right effusion.", "Right effusion.", []),  # less specific is not wrong
    ("en", "The lungs are clear.", "There is a right apical pneumothorax.", ["false_finding"]),
    ("en", "Right lower lobe consolidation. No effusion.", "No effusion.", ["missed_finding"]),
    ("en", "Right lower lobe consolidation.", "No consolidation.", ["missed_finding"]),
    ("en", "Heart size normal.", "Heart size normal. Compared with the prior study, no change.", ["false_comparison"]),
    ("en", "Stable cardiomegaly.", "Cardiomegaly.", ["missed_comparison"]),
    ("en", "Cardiomegaly, unchanged since the prior study.", "Cardiomegaly, worsened since the prior study.",
     ["false_comparison"]),
    ("en", "Bilateral effusions.", "Left and right effusions.", []),  # bilateral = left and right
    # abnormalities outside the label sets agree up to plural and accents
    ("en", "Calcified granuloma in the right upper lobe.", "Calcified granulomas in the right upper lobe.", []),
    ("fr", "Épanchement pleural gauche de faible abondance.", "Épanchement pleural droit de faible abondance.",
     ["wrong_location"]),
    ("fr", "Épanchement pleural gauche de faible abondance.", "Épanchement pleural gauche de grande abondance.",
     ["wrong_severity"]),
    ("fr", "Absence d’épanchement pleural.", "Pneumothorax droit.", ["false_finding"]),
    ("fr", "Opacité du tiers inférieur de l’hémichamp pulmonaire droit.", "Absence d’anomalie parenchymateuse.",
     ["missed_finding"]),
    ("fr", "Absence de pneumothorax.", "Absence de pneumothorax. Aspect stable par rapport au cliché précédent.",
     ["false_comparison"]),
    ("zh", "左侧少量胸腔积液。", "右侧少量胸腔积液。", ["wrong_location"]),
    ("zh", "左侧少量胸腔积液。", "左侧大量胸腔积液。", ["wrong_severity"]),
    ("zh", "右肺上叶见结节影。", "未见异常。", ["missed_finding"]),
    ("zh", "心影不大。", "心影不大。左侧气胸。", ["false_finding"]),
    ("zh", "与前片比较，双肺未见明显变化。未见气胸。", "未见气胸。", ["missed_comparison"]),
]


@pytest.mark.parametrize("lang,ref,hyp,expected", CASES)
def test_categories_of_known_pairs(lang, ref, hyp, expected):
    pair = analyze_errors([hyp], [ref], lang)[0]
    assert sorted(e.category for e in pair.errors) == sorted(expected), pair.as_dict()


@pytest.mark.parametrize("lang,ref,hyp,expected", CASES)
def test_a_report_against_itself_has_no_error(lang, ref, hyp, expected):
    for text in (ref, hyp):
        assert analyze_errors([text], [text], lang)[0].errors == []


def test_output_spans_and_json_shape():
    ref = "Small left pleural effusion. No pneumothorax."
    hyp = "Small right pleural effusion. No pneumothorax."
    d = analyze_errors([hyp], [ref], "en", ids=["s1"])[0].as_dict()
    assert d["id"] == "s1" and d["matched"] == 1  # "no pneumothorax" agrees
    err = d["errors"][0]
    assert err["category"] == "wrong_location" and err["finding"] == "effusion"
    assert hyp[err["hyp"]["start"]:err["hyp"]["end"]] == err["hyp"]["text"] == "Small right pleural effusion"
    assert err["ref"]["text"] == "Small left pleural effusion"
    assert json.loads(json.dumps(d)) == d


def test_green_style_score_and_summary():
    refs = ["Mild cardiomegaly. No effusion.", "The lungs are clear.", ""]
    hyps = ["Severe cardiomegaly. No effusion.", "The lungs are clear.", ""]
    analysis = analyze_report_errors(hyps, refs, "en", ids=["a", "b", "c"])
    # a: 1 matched (no effusion) + 1 error -> 0.5; b: nothing stated -> 1; c: empty -> 1
    assert analysis.score.value == pytest.approx((0.5 + 1 + 1) / 3)
    s = analysis.summary
    assert s["counts"]["wrong_severity"] == 1 and s["errors"] == 1 and s["n"] == 3
    assert s["per_100_reports"]["wrong_severity"] == pytest.approx(100 / 3)
    assert set(s["counts"]) == set(CATEGORIES)
    sig = str(analysis.score.signature)
    assert sig.startswith("GREEN-rules|") and "lang:en" in sig and "significant:all" in sig
    assert analysis.as_dict()["score"]["formula"] == FORMULA
    assert summarize([])["n"] == 0


def test_cli_errors_formats(tmp_path, capsys):
    refs, hyps = tmp_path / "refs.jsonl", tmp_path / "hyps.jsonl"
    refs.write_text(json.dumps({"id": "1", "report": "左侧少量胸腔积液。"}, ensure_ascii=False) + "\n", encoding="utf-8")
    hyps.write_text(json.dumps({"id": "1", "report": "右侧少量胸腔积液。"}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "errors.jsonl"
    assert main(["errors", "--refs", str(refs), "--hyps", str(hyps), "--lang", "zh", "--format", "jsonl",
                 "--out", str(out)]) == 0
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert printed == [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert printed[0]["errors"][0]["category"] == "wrong_location"
    assert main(["errors", "--refs", str(refs), "--hyps", str(hyps), "--lang", "zh", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["wrong_location"] == 1
    assert main(["errors", "--refs", str(refs), "--hyps", str(hyps), "--lang", "zh"]) == 0
    assert "wrong_location" in capsys.readouterr().out


def test_cli_errors_mismatched_ids_is_one_line(tmp_path, capsys):
    refs, hyps = tmp_path / "refs.jsonl", tmp_path / "hyps.jsonl"
    refs.write_text('{"id": "1", "report": "No effusion."}\n', encoding="utf-8")
    hyps.write_text('{"id": "2", "report": "No effusion."}\n', encoding="utf-8")
    assert main(["errors", "--refs", str(refs), "--hyps", str(hyps), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "different ids" in err and len(err.strip().splitlines()) == 1
