"""Tokenisers on real French (CASIA-CXR) and machine-translated Chinese (IU X-Ray) reports."""

from __future__ import annotations

import csv
import re
import unicodedata

import pytest

from cxrgen.text.tokenize import get_tokenizer

CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def chinese_reports(shared_data):
    path = shared_data / "iu_xray_zh_mt" / "iu_zh_machine_translated_dev.csv"
    with open(path, encoding="utf-8", newline="") as f:
        return [r["caption_zh"] for r in csv.DictReader(f) if r["caption_zh"].strip()]


@pytest.fixture(scope="module")
def french_reports(shared_data):
    out = []
    for path in sorted((shared_data / "casia_cxr_fr").glob("CASIA-CXR_*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as f:
            out += [r["Findings"] for r in csv.DictReader(f) if (r.get("Findings") or "").strip()]
    return out


@pytest.mark.parametrize("name", ["zh-jieba", "zh-char"])
def test_every_chinese_report_keeps_every_character(chinese_reports, name):
    tok = get_tokenizer(name)
    assert len(chinese_reports) > 5000
    for text in chinese_reports[::5]:  # every fifth report keeps jieba under a few seconds
        tokens = tok(text)
        assert tokens, text
        # no Chinese character is lost: the tokens spell the CJK text of the report
        assert CJK.findall("".join(tokens)) == CJK.findall(unicodedata.normalize("NFKC", text))


def test_every_french_report_keeps_accents_and_splits_elisions(french_reports):
    tok = get_tokenizer("fr")
    assert len(french_reports) > 3000
    for text in french_reports:
        tokens = tok(text)
        assert tokens, text
        accented = [c for c in unicodedata.normalize("NFC", text).lower() if c in "àâäçéèêëîïôöùûüÿœæ"]
        assert [c for c in "".join(tokens) if c in "àâäçéèêëîïôöùûüÿœæ"] == accented
        # elided articles stand alone: no "l'opacité" token, only "l'" then "opacité"
        assert not [t for t in tokens if re.fullmatch(r"(?:[cdjlmnst]|qu)'\w+", t)]
