"""`cxrgen label`, `cxrgen ce` and `cxrgen graph` in-process: input formats and bad input
(empty report, another language than declared, a huge report, a malformed file)."""

from __future__ import annotations

import csv
import json

import pytest

from cxrgen.cli import main
from cxrgen.labeling import MAX_REPORT_CHARS, check_report


def _write_jsonl(path, rows):
    path.write_text("".join(json.dumps({"id": i, "report": r}, ensure_ascii=False) + "\n" for i, r in rows),
                    encoding="utf-8")
    return path


def _read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_label_jsonl_chexpert(tmp_path):
    src = _write_jsonl(tmp_path / "r.jsonl", [("a", "No pleural effusion. Mild cardiomegaly."),
                                              ("b", "Possible pneumonia.")])
    out = tmp_path / "o.csv"
    assert main(["label", str(src), "--lang", "en", "--labels", "chexpert", "--out", str(out)]) == 0
    rows = _read_csv(out)
    assert [r["id"] for r in rows] == ["a", "b"]
    assert rows[0]["Pleural Effusion"] == "0" and rows[0]["Cardiomegaly"] == "1"
    assert rows[0]["Edema"] == ""  # not mentioned
    assert rows[1]["Pneumonia"] == "-1"


def test_label_csv_and_text_inputs(tmp_path):
    src = tmp_path / "r.csv"
    src.write_text("\ufeffid,report\nx1,Absence d’épanchement pleural.\nx2,Cardiomégalie.\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    assert main(["label", str(src), "--lang", "fr", "--out", str(out)]) == 0
    rows = _read_csv(out)
    assert rows[0]["Effusion"] == "0" and rows[1]["Cardiomegaly"] == "1"
    assert list(rows[0])[:2] == ["id", "Atelectasis"] and list(rows[0])[-1] == "normal"
    txt = tmp_path / "r.txt"
    txt.write_text("右侧胸腔积液。\n未见气胸。\n", encoding="utf-8")
    assert main(["label", str(txt), "--lang", "zh", "--out", str(out)]) == 0
    rows = _read_csv(out)
    assert [r["id"] for r in rows] == ["1", "2"]
    assert rows[0]["Effusion"] == "1" and rows[1]["Pneumothorax"] == "0"


def test_csv_without_report_column(tmp_path, capsys):
    src = tmp_path / "r.csv"
    src.write_text("id,text\n1,No effusion.\n")
    assert main(["label", str(src), "--lang", "en", "--out", str(tmp_path / "o.csv")]) == 2
    assert "needs 'id' and 'report' columns" in capsys.readouterr().err


def test_empty_and_wrong_language_reports(tmp_path, capsys):
    src = _write_jsonl(tmp_path / "r.jsonl", [("a", ""), ("b", "右侧胸腔积液。"), ("c", "No effusion.")])
    out = tmp_path / "o.csv"
    assert main(["label", str(src), "--lang", "en", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "1 report(s) labelled as mentioning nothing (ids: a)" in err
    assert "1 report(s) not 'en' text" in err and "(ids: b)" in err
    rows = _read_csv(out)
    assert all(v == "" for k, v in rows[0].items() if k != "id")  # empty: nothing, not "normal"
    assert main(["label", str(src), "--lang", "en", "--out", str(out), "--strict"]) == 2
    assert "report id 'b' does not look like 'en' text" in capsys.readouterr().err


@pytest.mark.parametrize("text,lang,expected", [
    ("", "en", "empty"), ("  \n ", "zh", "empty"),
    ("No effusion.", "zh", "wrong-language"), ("未见胸腔积液。", "fr", "wrong-language"),
    ("Absence d’épanchement pleural de la base droite et pas de pneumothorax.", "en", "wrong-language"),
    ("There is no pleural effusion and the heart is normal.", "fr", "wrong-language"),
    ("No effusion.", "en", None), ("心影增大，PICC 管。", "zh", None), ("Cardiomégalie.", "fr", None),
    ("x" * (MAX_REPORT_CHARS + 1), "en", "too-long"),
])
def test_check_report(text, lang, expected):
    assert check_report(text, lang) == expected


def test_huge_report_is_cut_and_fast(tmp_path, capsys):
    huge = "No pleural effusion. " * 5000  # 105,000 characters
    src = _write_jsonl(tmp_path / "r.jsonl", [("h", huge + "Large pneumothorax.")])
    out = tmp_path / "o.csv"
    assert main(["label", str(src), "--lang", "en", "--out", str(out)]) == 0
    assert "cut there (ids: h)" in capsys.readouterr().err
    row = _read_csv(out)[0]
    assert row["Effusion"] == "0" and row["Pneumothorax"] == ""  # beyond the cut


def test_ce_command_json(tmp_path, capsys):
    refs = _write_jsonl(tmp_path / "refs.jsonl", [("1", "Small left pleural effusion."), ("2", "No acute disease.")])
    hyps = _write_jsonl(tmp_path / "hyps.jsonl", [("2", "Mild cardiomegaly."), ("1", "Left pleural effusion.")])
    assert main(["ce", "--refs", str(refs), "--hyps", str(hyps), "--lang", "en", "--labels", "chexpert",
                 "--uncertain", "ignore", "--format", "json", "--per-label"]) == 0
    out = json.loads(capsys.readouterr().out)
    micro = {s["name"]: s for s in out["scores"] if "avg:micro" in s["signature"]}
    assert micro["CE-P"]["value"] == pytest.approx(0.5) and micro["CE-R"]["value"] == 1.0
    assert "uncertain:ignore" in micro["CE-F1"]["signature"]
    assert out["per_label"]["Pleural Effusion"]["F1"] == 1.0
    other = _write_jsonl(tmp_path / "h2.jsonl", [("1", "x")])
    assert main(["ce", "--refs", str(refs), "--hyps", str(other), "--lang", "en"]) == 2
    assert "different ids" in capsys.readouterr().err


def test_graph_command(tmp_path, capsys):
    src = _write_jsonl(tmp_path / "r.jsonl", [("a", "双肺未见实变。心影增大。")])
    out = tmp_path / "g.jsonl"
    assert main(["graph", str(src), "--lang", "zh", "--out", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert doc["id"] == "a" and doc["schema"] == "cn-radgraph"
    labels = {e["tokens"]: e["label"] for e in doc["entities"].values()}
    assert labels["实变"] == "Disease-Negative-Observation" and labels["双肺"] == "Anatomy"
    assert main(["graph", "--eval-refs", str(out), "--eval-hyps", str(out), "--lang", "zh"]) == 0
    assert json.loads(capsys.readouterr().out)["graph"]["F1"] == 1.0


def test_mt_variants_flag_is_signed_and_chinese_only(tmp_path, capsys):
    # 漏气: the IU X-Ray machine translation's rendering of "atelectasis" (lexicon_zh.MT_VARIANTS)
    refs = _write_jsonl(tmp_path / "refs.jsonl", [("1", "右肺基底有漏气。")])
    hyps = _write_jsonl(tmp_path / "hyps.jsonl", [("1", "右肺基底有漏气。")])
    out = tmp_path / "o.csv"
    assert main(["label", str(refs), "--lang", "zh", "--out", str(out)]) == 0
    assert _read_csv(out)[0]["Atelectasis"] == ""  # native-text lexicon: not a mention
    assert main(["label", str(refs), "--lang", "zh", "--mt-variants", "--out", str(out)]) == 0
    assert _read_csv(out)[0]["Atelectasis"] == "1"
    capsys.readouterr()
    assert main(["ce", "--refs", str(refs), "--hyps", str(hyps), "--lang", "zh", "--labels", "chestxray14",
                 "--mt-variants", "--format", "json"]) == 0
    scores = json.loads(capsys.readouterr().out)["scores"]
    assert all("tok:rules-zh-mt" in s["signature"] for s in scores)
    assert main(["label", str(refs), "--lang", "en", "--mt-variants", "--out", str(out)]) == 2
    assert "Chinese only" in capsys.readouterr().err
