"""`cxrgen score` end to end, in process: formats, per-report output, bad input."""

from __future__ import annotations

import json

import pytest

from cxrgen.cli import main
from cxrgen.metrics import METRICS, score_corpus

REFS = ["The heart is normal. No effusion.", "Lungs are clear.", "No pneumothorax."]
HYPS = ["The heart is normal.", "Lungs are clear.", ""]


def write_jsonl(path, reports, ids=None):
    ids = ids or [f"s{i}" for i in range(len(reports))]
    path.write_text("".join(json.dumps({"id": i, "report": r}) + "\n" for i, r in zip(ids, reports)), encoding="utf-8")
    return str(path)


@pytest.fixture
def files(tmp_path):
    return write_jsonl(tmp_path / "refs.jsonl", REFS), write_jsonl(tmp_path / "hyps.jsonl", HYPS)


def run_json(capsys, *argv):
    assert main(["score", *argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_output_has_the_table_keys(files, capsys):
    refs, hyps = files
    out = run_json(capsys, "--refs", refs, "--hyps", hyps)
    expected = {"BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "ROUGE-L", "CIDEr", "signature"}
    if "METEOR" in METRICS:
        expected.add("METEOR")
    assert expected <= set(out)
    assert out["signature"] == "tok:ptb|norm:none|lang:en|nrefs:1|version:0.1.0"
    assert out["signatures"]["BLEU-4"].startswith("BLEU-4|tok:ptb|norm:none|lang:en|nrefs:1|impl:coco|")
    direct = score_corpus(HYPS, REFS, lang="en").values()
    for name, value in direct.items():
        assert out[name] == pytest.approx(value, abs=1e-12)


def test_text_files_tokenized_and_metric_subset(tmp_path, capsys):
    refs = tmp_path / "refs.txt"
    hyps = tmp_path / "hyps.txt"
    refs.write_text("the heart is normal .\nlungs are clear .\n", encoding="utf-8")
    hyps.write_text("the heart is normal .\nlungs are clear .\n", encoding="utf-8")
    out = run_json(capsys, "--refs", str(refs), "--hyps", str(hyps), "--tokenized", "--metrics", "BLEU,ROUGE-L")
    assert set(out) == {"BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "ROUGE-L", "signature", "signatures"}
    assert out["ROUGE-L"] == 1.0
    assert out["signature"].startswith("tok:whitespace|")


def test_per_report_jsonl_and_table(files, tmp_path, capsys):
    refs, hyps = files
    per = tmp_path / "per.jsonl"
    assert main(["score", "--refs", refs, "--hyps", hyps, "--per-report", str(per), "--metrics", "ROUGE-L", "CIDEr"]) == 0
    table = capsys.readouterr().out
    assert "ROUGE-L" in table and "|impl:coco|" in table
    rows = [json.loads(line) for line in per.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["s0", "s1", "s2"]
    assert rows[1]["ROUGE-L"] == 1.0
    assert rows[2] == {"id": "s2", "ROUGE-L": 0.0, "CIDEr": 0.0}  # the empty report is scored


def test_bootstrap_and_compare(files, tmp_path, capsys):
    refs, hyps = files
    other = write_jsonl(tmp_path / "other.jsonl", ["Cardiomegaly.", "Effusion.", "Edema."])
    out = run_json(capsys, "--refs", refs, "--hyps", hyps, "--metrics", "ROUGE-L",
                   "--bootstrap", "50", "--seed", "5", "--compare", other, "--trials", "50")
    assert out["signature"].endswith("|bootstrap:50|seed:5")
    low, high = out["ci"]["ROUGE-L"]
    assert low <= out["ROUGE-L"] <= high
    (cmp,) = out["compare"]
    assert cmp["name"] == "ROUGE-L" and cmp["delta"] > 0 and 0 < cmp["p_value"] <= 1
    assert "test:paired-ar|trials:50|seed:5" in cmp["signature"]


def test_mismatched_ids_are_listed(tmp_path, capsys):
    refs = write_jsonl(tmp_path / "r.jsonl", REFS, ["a", "b", "c"])
    hyps = write_jsonl(tmp_path / "h.jsonl", HYPS, ["a", "x", "c"])
    assert main(["score", "--refs", refs, "--hyps", hyps]) == 2
    err = capsys.readouterr().err
    assert "1 id(s) of" in err and "missing from" in err and ": b" in err and ": x" in err


def test_non_utf8_file_names_file_and_offset(tmp_path, capsys):
    refs = tmp_path / "refs.txt"
    refs.write_bytes("le c\u0153ur\n".encode("utf-8") + "opacit\u00e9\n".encode("latin-1"))
    hyps = tmp_path / "hyps.txt"
    hyps.write_text("a\nb\n", encoding="utf-8")
    assert main(["score", "--refs", str(refs), "--hyps", str(hyps)]) == 2
    err = capsys.readouterr().err
    assert f"{refs}: not valid UTF-8 at byte offset 15 (byte 0xe9)" in err  # 9 + len("opacit")


def test_unknown_metric_and_language(files, capsys):
    refs, hyps = files
    assert main(["score", "--refs", refs, "--hyps", hyps, "--metrics", "BLUE"]) == 2
    assert "unknown metric 'BLUE'; valid choices: BLEU" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["score", "--refs", refs, "--hyps", hyps, "--lang", "de"])
    assert exc.value.code == 2
    assert "invalid choice: 'de'" in capsys.readouterr().err


def test_malformed_jsonl_line_and_length_mismatch(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "report": "x"}\n{"id": "b"}\n', encoding="utf-8")
    ok = write_jsonl(tmp_path / "ok.jsonl", ["x", "y"], ["a", "b"])
    assert main(["score", "--refs", str(bad), "--hyps", ok]) == 2
    assert f'{bad}:2: expected an object with "id" and "report"' in capsys.readouterr().err
    refs, hyps = tmp_path / "r.txt", tmp_path / "h.txt"
    refs.write_text("a\nb\nc\n", encoding="utf-8")
    hyps.write_text("a\nb\n", encoding="utf-8")
    assert main(["score", "--refs", str(refs), "--hyps", str(hyps)]) == 2
    err = capsys.readouterr().err
    assert f"1 id(s) of {refs} missing from {hyps}: 3" in err


def test_chinese_and_french_scores_are_not_empty():
    zh = score_corpus(["心影大小正常。"] * 2, ["心影大小正常，双肺清晰。"] * 2, lang="zh", metrics=["BLEU"])
    assert zh.values()["BLEU-1"] > 0.3 and zh.tok == "zh-jieba"
    fr = score_corpus(["L'opacité est floue."] * 2, ["L'opacité est nette."] * 2, lang="fr", metrics=["BLEU"])
    assert fr.values()["BLEU-1"] == pytest.approx(0.75, abs=1e-6)


def test_several_references_per_report(tmp_path, capsys):
    refs = tmp_path / "refs.jsonl"
    refs.write_text(
        json.dumps({"id": "a", "report": ["The heart is normal.", "Normal heart."]}) + "\n"
        + json.dumps({"id": "b", "report": ["Lungs are clear.", "Clear lungs."]}) + "\n",
        encoding="utf-8",
    )
    hyps = write_jsonl(tmp_path / "hyps.jsonl", ["Normal heart.", "Clear lungs."], ["a", "b"])
    out = run_json(capsys, "--refs", str(refs), "--hyps", hyps, "--metrics", "BLEU", "ROUGE-L")
    assert "|nrefs:2|" in out["signature"]
    assert out["ROUGE-L"] == 1.0 and out["BLEU-1"] == pytest.approx(1.0, abs=1e-9)


def test_duplicate_ids_and_null_report(tmp_path, capsys):
    dup = tmp_path / "dup.jsonl"
    dup.write_text('{"id": "a", "report": "x"}\n{"id": "a", "report": "y"}\n', encoding="utf-8")
    assert main(["score", "--refs", str(dup), "--hyps", str(dup)]) == 2
    assert f"{dup}:2: id 'a' already on line 1" in capsys.readouterr().err
    null = tmp_path / "null.jsonl"
    null.write_text('{"id": "a", "report": null}\n', encoding="utf-8")
    assert main(["score", "--refs", str(null), "--hyps", str(null)]) == 2
    assert 'use "" for an empty report' in capsys.readouterr().err


def test_library_rejects_unknown_language_and_unpaired_lists():
    from cxrgen.errors import ConfigError, InputError

    with pytest.raises(ConfigError, match="unknown language 'de'; valid choices: en, fr, zh"):
        score_corpus(["a"], ["a"], lang="de")
    with pytest.raises(InputError, match="2 references but 1 hypotheses"):
        score_corpus(["a"], ["a", "b"])
