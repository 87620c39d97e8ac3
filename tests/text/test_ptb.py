"""The pure-Python PTB tokeniser against pycocoevalcap's Java PTBTokenizer (issue 3)."""

from __future__ import annotations

import json
import shutil

import pytest

from cxrgen.text.ptb import COCO_PUNCTUATIONS, ptb_tokens


def iu_reports(shared_data) -> list[str]:
    """Every report of IU X-Ray's R2Gen annotation.json (train, val, test)."""
    ann = json.loads((shared_data / "iu_xray" / "annotation.json").read_text(encoding="utf-8"))
    return [r["report"] for split in ("train", "val", "test") for r in ann[split]]

# Known outputs of `java -cp stanford-corenlp-3.4.1.jar edu.stanford.nlp.process.PTBTokenizer
# -preserveLines -lowerCase` followed by pycocoevalcap's punctuation filter (run once by hand).
KNOWN = [
    ("The heart is normal. No effusion.", "the heart is normal no effusion"),
    ("Heart size normal, lungs clear.", "heart size normal lungs clear"),
    ("There's no pneumothorax; the patient's arm.", "there 's no pneumothorax the patient 's arm"),
    ("I can't and won't.", "i ca n't and wo n't"),
    ("Pneumothorax cannot be excluded.", "pneumothorax can not be excluded"),
    ("These XXXX't contours", "these xxxx t contours"),
    ("(lateral view) [x] {y}", "-lrb- lateral view -rrb- -lsb- x -rsb- -lcb- y -rcb-"),
    ("left-sided 1.5cm 3.5 cm 8mm x-ray/CT T12-L1 and/or 19/33", "left-sided 1.5 cm 3.5 cm 8mm x-ray/ct t12-l1 and/or 19/33"),
    ("effusion.Heart limits.The end", "effusion.heart limits.the end"),
    ("prior CT. No", "prior ct. no"),
    ("a mass. The", "a mass the"),
    ("a Mass. The", "a mass. the"),
    ("at 5 p.m. today, e.g. here", "at 5 p.m. today e.g. here"),
    ("previously<BR>described", "previously <br> described"),
    ("foo--bar ... wait... +/- 50% 5:30", "foo bar wait + / 50 % 5:30"),
    ('"quoted" \u201cquoted\u201d l\u2019apex it\u2019s', "quoted quoted l\u2019apex it 's"),
    ("V76.12 SCREENING,786.2 XXXX", "v76 .12 screening ,786.2 xxxx"),
    ("1.Severe changes. 2., Mild", "1 severe changes 2. mild"),
    ("normal.&gt;] a&amp;b CXR.; x", "normal > -rsb- a & b cxr. x"),
    ("XXXX/XXXX/weakness/lp 1.5-2.0", "xxxx/xxxx/weakness / lp 1.5-2 .0"),
    ("", ""),
    ("   ", ""),
]


@pytest.mark.parametrize("text, expected", KNOWN)
def test_known_outputs(text, expected):
    assert ptb_tokens(text) == expected.split()


def test_coco_list_is_removed_after_lowercasing():
    # "-LRB-" is in the list but the Java output is "-lrb-", so pycocoevalcap keeps it
    assert "-LRB-" in COCO_PUNCTUATIONS and ptb_tokens("(") == ["-lrb-"]


@pytest.fixture(scope="session")
def java_ptb_reference(shared_data, tmp_path_factory):
    """pycocoevalcap's PTBTokenizer output for every IU X-Ray report, cached for the session."""
    ptb = pytest.importorskip(
        "pycocoevalcap.tokenizer.ptbtokenizer",
        reason="pycocoevalcap (test dependency, `pip install cxrgen[dev]`) is not installed",
    )
    if shutil.which("java") is None:
        pytest.skip("java is not installed (pycocoevalcap's PTBTokenizer runs Stanford CoreNLP; "
                    "see .ci/setup.d/java.sh)")
    cache = tmp_path_factory.mktemp("ptb") / "iu_xray_ptb.json"
    reports = iu_reports(shared_data)
    out = ptb.PTBTokenizer().tokenize({i: [{"caption": r}] for i, r in enumerate(reports)})
    pairs = [(reports[i], out[i][0]) for i in range(len(reports))]
    cache.write_text(json.dumps(pairs), encoding="utf-8")
    return json.loads(cache.read_text(encoding="utf-8"))


def test_equals_java_ptbtokenizer_on_every_iu_xray_report(java_ptb_reference):
    assert len(java_ptb_reference) == 2955
    mismatches = [(r, ref) for r, ref in java_ptb_reference if " ".join(ptb_tokens(r)) != ref]
    assert mismatches == []


# Sections where the Java lexer looks beyond one chunk or applies rules too rare to copy
# (listed in cxrgen/text/ptb.py); every other section must be equal.
KNOWN_DIVERGENCES = ("C. Hepatocellular", "XXXX.r/o", "iv''s")


def test_equals_java_ptbtokenizer_on_iu_xml_report_sections(shared_data, java_ptb_reference):
    # java_ptb_reference: skips with its reason when Java or pycocoevalcap is missing
    import csv

    ptb = pytest.importorskip("pycocoevalcap.tokenizer.ptbtokenizer")
    with open(shared_data / "iu_xray" / "iu_xray_reports.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    texts = [r[k] for r in rows for k in ("indication", "comparison", "findings", "impression") if r[k]]
    assert len(texts) > 14_000
    out = ptb.PTBTokenizer().tokenize({i: [{"caption": t}] for i, t in enumerate(texts)})
    mismatched = [t for i, t in enumerate(texts) if " ".join(ptb_tokens(t)) != out[i][0]]
    unexplained = [t for t in mismatched if not any(k in t for k in KNOWN_DIVERGENCES)]
    assert unexplained == []
    assert len(mismatched) <= len(KNOWN_DIVERGENCES)
