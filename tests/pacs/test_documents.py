"""DICOM SR and FHIR writers on the real radiograph's header (no PACS needed)."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest

from .conftest import PLANTED, chest_dicom

pytest.importorskip("highdicom")
pytest.importorskip("fhir.resources")

TEXT = "Small right pleural effusion.\nNo pneumothorax. Heart size is normal."


def _doc(ds, signed: bool):
    from cxrgen.pacs.document import ReportDocument, SourceImage

    return ReportDocument(
        text=TEXT, language="en", study_uid=ds.StudyInstanceUID, version=3,
        images=[SourceImage(ds.SeriesInstanceUID, ds.SOPInstanceUID, ds.SOPClassUID)],
        model={"name": "r2gen", "ckpt": "last.pt", "cxrgen_version": "0.1.0"},
        findings=ReportDocument.label(TEXT, "en"), local_id="study-7",
        verifier="dr.rad" if signed else None,
        verified_at=datetime(2026, 12, 4, 15, 0, tzinfo=timezone.utc) if signed else None)


def _reread(sr):
    import highdicom as hd

    buf = io.BytesIO()
    sr.save_as(buf)
    return hd.sr.srread(io.BytesIO(buf.getvalue()))


def test_signed_sr_is_verified_final_and_carries_text_codes_and_references(shared_data):
    from cxrgen.pacs.sr import build_sr, report_text, uids

    _, ds = chest_dicom(shared_data)
    doc = _doc(ds, signed=True)
    sr = _reread(build_sr(doc, [ds]))
    assert (sr.CompletionFlag, sr.VerificationFlag, sr.PreliminaryFlag) == \
        ("COMPLETE", "VERIFIED", "FINAL")
    observer = sr.VerifyingObserverSequence[0]
    assert observer.VerifyingObserverName.family_name == "dr.rad"
    assert str(observer.VerificationDateTime).startswith("20261204150000")
    assert report_text(sr) == TEXT
    # same study and patient as the image; the image referenced as evidence and in the tree
    assert sr.StudyInstanceUID == ds.StudyInstanceUID
    assert str(sr.PatientID) == PLANTED["PatientID"]
    evidence = sr.CurrentRequestedProcedureEvidenceSequence[0].ReferencedSeriesSequence[0]
    assert evidence.ReferencedSOPSequence[0].ReferencedSOPInstanceUID == ds.SOPInstanceUID
    findings = [i for i in sr.ContentSequence if i.ValueType == "CONTAINER"][0].ContentSequence
    refs = findings[0].ContentSequence
    assert refs[0].RelationshipType == "INFERRED FROM"
    assert refs[0].ReferencedSOPSequence[0].ReferencedSOPInstanceUID == ds.SOPInstanceUID
    coded = {(i.ConceptNameCodeSequence[0].CodeValue, i.ConceptCodeSequence[0].CodeMeaning)
             for i in findings if i.ValueType == "CODE"}
    # SCT 60046008 pleural effusion present, SCT 36118008 pneumothorax absent (PS3.16 codes)
    assert coded == {("60046008", "Present"), ("36118008", "Absent")}
    # device observer = the model, person observer = the radiologist
    context = {i.ConceptNameCodeSequence[0].CodeMeaning: i for i in sr.ContentSequence
               if i.RelationshipType == "HAS OBS CONTEXT"}
    assert context["Device Observer UID"].UID == uids(doc).device
    assert context["Device Observer Name"].TextValue == "r2gen"
    assert str(context["Person Observer Name"].PersonName) == "dr.rad^"


def test_draft_sr_is_unverified_preliminary_and_uids_are_deterministic(shared_data):
    from cxrgen.pacs.sr import build_sr, uids

    _, ds = chest_dicom(shared_data)
    draft = _reread(build_sr(_doc(ds, signed=False), [ds]))
    assert (draft.CompletionFlag, draft.VerificationFlag, draft.PreliminaryFlag) == \
        ("COMPLETE", "UNVERIFIED", "PRELIMINARY")
    assert "VerifyingObserverSequence" not in draft
    again = build_sr(_doc(ds, signed=False), [ds])
    assert again.SOPInstanceUID == draft.SOPInstanceUID  # a retried STOW stores it once
    assert uids(_doc(ds, signed=True)).instance != draft.SOPInstanceUID
    assert uids(_doc(ds, signed=True)).series == draft.SeriesInstanceUID


def test_fhir_report_validates_and_follows_the_sign_off(shared_data):
    from cxrgen.pacs.fhir import diagnostic_report, validate

    _, ds = chest_dicom(shared_data)
    final = validate(diagnostic_report(_doc(ds, signed=True)))
    assert final.status == "final" and final.conclusion == TEXT
    assert final.resultsInterpreter[0].display == "dr.rad"
    assert final.imagingStudy[0].identifier.value == f"urn:oid:{ds.StudyInstanceUID}"
    assert [c.coding[0].code for c in final.conclusionCode] == ["60046008"]
    findings = {o.code.text: o.valueCodeableConcept.text for o in final.contained}
    assert findings == {"Cardiomegaly": "absent", "Pneumothorax": "absent",
                        "Pleural Effusion": "present"}
    draft = validate(diagnostic_report(_doc(ds, signed=False)))
    assert draft.status == "preliminary" and not draft.resultsInterpreter
    uploaded = _doc(ds, signed=False)
    uploaded.study_uid = ""  # a study uploaded through the page: no DICOM study to point to
    assert not validate(diagnostic_report(uploaded)).imagingStudy


def test_fhir_validation_names_the_bad_element():
    from pydantic import ValidationError

    from cxrgen.pacs.fhir import validate

    with pytest.raises(ValidationError, match="status"):
        validate({"resourceType": "DiagnosticReport", "code": {"text": "x"}})


def test_filter_reasons_and_query_parsing():
    from cxrgen.errors import ConfigError
    from cxrgen.pacs.selection import StudyFilter, parse_query

    flt = StudyFilter()
    assert flt.series_reason("DX", "chest") is None
    assert flt.series_reason("MR", "CHEST") == "modality MR is not one of CR, DX"
    assert flt.series_reason("CR", "KNEE") == "body part KNEE is not CHEST"
    assert "no Body Part Examined" in flt.series_reason("CR", None)
    assert StudyFilter(require_body_part=False).series_reason("CR", "") is None
    assert parse_query("PatientID=12&StudyDate=20260101-") == {"PatientID": "12",
                                                               "StudyDate": "20260101-"}
    with pytest.raises(ConfigError, match="'Patient' is not a DICOM attribute keyword"):
        parse_query("Patient=12")


def test_credentials_from_file_or_env_never_in_repr(tmp_path):
    from cxrgen.errors import ConfigError
    from cxrgen.pacs import PacsConfig

    auth = tmp_path / "pacs.auth"
    auth.write_text("svc:s3cret-pw\n")
    cfg = PacsConfig.from_sources("http://pacs/dicom-web", auth_file=auth, env={})
    assert (cfg.username, cfg.password) == ("svc", "s3cret-pw")
    assert "s3cret-pw" not in repr(cfg)
    env = {"CXRGEN_PACS_USER": "u", "CXRGEN_PACS_PASSWORD": "p"}
    assert PacsConfig.from_sources("http://pacs", env=env).username == "u"
    with pytest.raises(ConfigError, match="one is missing"):
        PacsConfig.from_sources("http://pacs", env={"CXRGEN_PACS_USER": "u"})
    auth.write_text("no-colon\n")
    with pytest.raises(ConfigError, match="not 'user:password'"):
        PacsConfig.from_sources("http://pacs", auth_file=auth, env={})
