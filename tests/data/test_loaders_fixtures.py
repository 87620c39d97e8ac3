"""MIMIC-CXR and CN-CXR loaders on fixtures written in their exact layouts (data not available here)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from PIL import Image

from cxrgen.data.mimic_cxr import parse_report
from cxrgen.data.registry import load_dataset
from cxrgen.data.study import View
from cxrgen.errors import InputError

REPORT_1 = """                                 FINAL REPORT
 EXAMINATION:  CHEST (PA AND LAT)

 INDICATION:  ___F with new onset ascites  // eval for infection

 TECHNIQUE:  Chest PA and lateral

 COMPARISON:  None.

 FINDINGS:

 There is no focal consolidation, pleural effusion or pneumothorax.  Bilateral
 nodular opacities that most likely represent nipple shadows.

 IMPRESSION:

 No acute cardiopulmonary process.
"""
REPORT_2 = """                                 FINAL REPORT
 INDICATION:  Dyspnea.

 IMPRESSION:  Moderate right pleural effusion.
"""

# (dicom_id, study_id, subject_id, split, view)
MIMIC_ROWS = [
    ("d1", "50000001", "10000032", "train", "PA"),
    ("d2", "50000001", "10000032", "train", "LATERAL"),
    ("d3", "50000002", "10000032", "train", "AP"),
    ("d4", "50000003", "11000099", "validate", "PA"),
    ("d5", "50000004", "12000123", "test", "LL"),
]


def _write_csv(path, header, rows):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


@pytest.fixture
def mimic_root(tmp_path):
    root = tmp_path / "mimic"
    root.mkdir()
    _write_csv(root / "mimic-cxr-2.0.0-split.csv", ["dicom_id", "study_id", "subject_id", "split"],
               [r[:4] for r in MIMIC_ROWS])
    _write_csv(root / "mimic-cxr-2.0.0-metadata.csv",
               ["dicom_id", "subject_id", "study_id", "PerformedProcedureStepDescription", "ViewPosition", "Rows",
                "Columns"], [(d, sub, st, "CHEST (PA AND LAT)", v, 8, 8) for d, st, sub, _, v in MIMIC_ROWS])
    texts = {"50000001": REPORT_1, "50000002": REPORT_2, "50000003": REPORT_1, "50000004": REPORT_2}
    for d, st, sub, _, _ in MIMIC_ROWS:
        folder = root / "files" / f"p{sub[:2]}" / f"p{sub}"
        (folder / f"s{st}").mkdir(parents=True, exist_ok=True)
        (folder / f"s{st}.txt").write_text(texts[st])
        Image.fromarray(np.full((8, 8), 100, np.uint8)).save(folder / f"s{st}" / f"{d}.jpg")
    return root


def test_parse_report_sections():
    s = parse_report(REPORT_1)
    assert s["findings"] == ("There is no focal consolidation, pleural effusion or pneumothorax. Bilateral "
                             "nodular opacities that most likely represent nipple shadows.")
    assert s["impression"] == "No acute cardiopulmonary process."
    assert s["indication"] == "___F with new onset ascites // eval for infection"
    assert s["comparison"] == "None."
    assert parse_report(REPORT_2) == {"indication": "Dyspnea.", "impression": "Moderate right pleural effusion."}


def test_mimic_official_layout(mimic_root):
    ds = load_dataset("mimic_cxr", mimic_root)
    assert ds.meta["format"] == "official" and len(ds) == 4
    by_id = {s.study_id: s for s in ds.studies}
    s1 = by_id["50000001"]
    assert s1.patient_id == "10000032" and s1.split == "train"
    assert [i.view for i in s1.images] == [View.PA, View.LATERAL]
    assert s1.images[0].path == str(mimic_root / "files/p10/p10000032/s50000001/d1.jpg")
    assert s1.findings.startswith("There is no focal consolidation")
    assert by_id["50000003"].split == "val" and by_id["50000004"].split == "test"  # "validate" -> val
    assert by_id["50000004"].images[0].view is View.LATERAL and by_id["50000002"].findings == ""
    assert len({s.patient_id for s in ds.split("train")}) == 1


def test_mimic_missing_report(mimic_root):
    (mimic_root / "files/p12/p12000123/s50000004.txt").unlink()
    with pytest.raises(InputError, match=r"s50000004\.txt: report of study 50000004 not found"):
        load_dataset("mimic_cxr", mimic_root)
    ds = load_dataset("mimic_cxr", mimic_root, skip_invalid=True)
    assert len(ds) == 3 and ds.summary()["skipped_by_reason"] == {"report of study 50000004 not found": 1}


def test_mimic_r2gen_layout(tmp_path):
    ann = {"train": [
        {"id": "d1", "study_id": 50000001, "subject_id": 10000032, "report": "No effusion.",
         "image_path": ["p10/p10000032/s50000001/d1.jpg"], "split": "train"},
        {"id": "d2", "study_id": 50000001, "subject_id": 10000032, "report": "No effusion.",
         "image_path": ["p10/p10000032/s50000001/d2.jpg"], "split": "train"}],
        "val": [], "test": [
        {"id": "d5", "study_id": 50000004, "subject_id": 12000123, "report": "Small effusion.",
         "image_path": ["p12/p12000123/s50000004/d5.jpg"], "split": "test"}]}
    (tmp_path / "annotation.json").write_text(json.dumps(ann))
    ds = load_dataset("mimic_cxr", tmp_path)
    assert ds.meta["format"] == "r2gen" and len(ds) == 2  # the two image entries of one study are grouped
    s = ds.studies[0]
    assert [i.image_id for i in s.images] == ["d1", "d2"] and s.patient_id == "10000032"
    assert s.images[1].path == str(tmp_path / "images/p10/p10000032/s50000001/d2.jpg")


CN_ANN = {
    "train": [{"id": "cn1", "report": "双肺纹理清晰，未见明显实变影。心影不大。", "image_path": ["cn1/0.png"],
               "split": "train", "patient_id": "P1"},
              {"id": "cn2", "report": "右侧胸腔积液。", "image_path": ["cn2/0.png", "cn2/1.png"], "split": "train"}],
    "val": [{"id": "cn3", "report": "心影增大。", "image_path": ["cn3/0.png"], "split": "val"}],
    "test": [{"id": "cn4", "report": "", "image_path": ["cn4/0.png"], "split": "test"}],
}


def test_cn_cxr_annotation(tmp_path):
    (tmp_path / "annotation.json").write_text(json.dumps(CN_ANN, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputError, match=r"annotation\.json:test\[0\]: study cn4: empty report"):
        load_dataset("cn_cxr", tmp_path)
    ds = load_dataset("cn_cxr", tmp_path, skip_invalid=True)
    assert [s.study_id for s in ds.studies] == ["cn1", "cn2", "cn3"] and len(ds.skipped) == 1
    cn1, cn2, _ = ds.studies
    assert cn1.findings == "双肺纹理清晰，未见明显实变影。心影不大。" and cn1.language == "zh"
    assert cn1.patient_id == "P1" and cn2.patient_id == "cn2" and len(cn2.images) == 2
    assert cn2.images[0].path == str(tmp_path / "images/cn2/0.png")


def test_cn_cxr_manifest(tmp_path):
    rec = {"study_id": "a", "patient_id": "p", "images": [{"path": "a.png", "view": "PA"}],
           "findings": "心影不大。", "language": "zh", "split": "train"}
    (tmp_path / "manifest.jsonl").write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    ds = load_dataset("cn_cxr", tmp_path)
    assert ds.name == "cn_cxr" and ds.studies[0].dataset == "cn_cxr" and ds.meta["format"] == "manifest"
    (tmp_path / "manifest.jsonl").write_text(json.dumps({**rec, "language": "en"}) + "\n")
    with pytest.raises(InputError, match="must have language 'zh'"):
        load_dataset("cn_cxr", tmp_path)


def test_chestxray14_bad_row(tmp_path):
    (tmp_path / "Data_Entry_2017.csv").write_text(
        "Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position\n"
        "00000001_000.png,Cardiomegaly|Effusion,0,1,57,M,PA\n"
        "00000002_000.png,No Finding,0,2,60,F,AP\n"
        "00000003_000.png,Flu,0,3,40,F,PA\n")
    with pytest.raises(InputError, match=r"Data_Entry_2017\.csv:4: bad row .*'Flu'"):
        load_dataset("chestxray14", tmp_path)
    ds = load_dataset("chestxray14", tmp_path, skip_invalid=True)
    assert len(ds) == 2 and len(ds.skipped) == 1
    assert {k for k, v in ds.studies[0].labels.items() if v} == {"Cardiomegaly", "Effusion"}
    assert not any(ds.studies[1].labels.values()) and ds.studies[1].images[0].view is View.AP


IU_XML = """<?xml version="1.0" encoding="utf-8"?>
<eCitation>
   <uId id="CXR{n}"/>
   <MedlineCitation><Article><Abstract>
      <AbstractText Label="COMPARISON">None.</AbstractText>
      <AbstractText Label="INDICATION">Chest pain</AbstractText>
      <AbstractText Label="FINDINGS">{findings}</AbstractText>
      <AbstractText Label="IMPRESSION">No acute disease.</AbstractText>
   </Abstract></Article></MedlineCitation>
   <MeSH><major>normal</major></MeSH>
   <parentImage id="CXR{n}_IM-0001-1001"><figureId>F1</figureId></parentImage>
   <parentImage id="CXR{n}_IM-0001-2001"><figureId>F2</figureId></parentImage>
</eCitation>
"""


def test_iu_xray_xml_folder(tmp_path):
    folder = tmp_path / "ecgen-radiology"
    folder.mkdir()
    (folder / "2.xml").write_text(IU_XML.format(n=2, findings="Lungs are clear."))
    (folder / "10.xml").write_text(IU_XML.format(n=10, findings=""))
    ds = load_dataset("iu_xray", tmp_path, format="xml")
    assert [s.study_id for s in ds.studies] == ["CXR2", "CXR10"]  # numeric file order
    assert ds.meta["views_from"].startswith("none") and ds.studies[0].images[0].view is View.UNKNOWN
    assert ds.studies[1].findings == "" and ds.studies[1].impression == "No acute disease."
    assert ds.studies[0].images[1].path == str(tmp_path / "NLMCXR_png/CXR2_IM-0001-2001.png")
    (folder / "11.xml").write_text("<eCitation><uId id='CXR11'/>")
    with pytest.raises(InputError, match=r"11\.xml: malformed XML"):
        load_dataset("iu_xray", tmp_path, format="xml")
