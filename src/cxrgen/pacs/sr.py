"""A report as a DICOM Comprehensive SR (PS3.3 A.35.3), built with highdicom.

Content tree (the shape of TID 2000 "Basic Diagnostic Imaging Report", PS3.16):

    CONTAINER (LN 18748-4 "Diagnostic Imaging Report")
      HAS CONCEPT MOD  CODE  Language of Content Item and Descendants = RFC 5646 tag
      HAS OBS CONTEXT  TID 1002 person observer: the signing radiologist (signed reports)
      HAS OBS CONTEXT  TID 1004 device observer: the model (UID, name, manufacturer, version)
      CONTAINS CONTAINER (DCM 121070 "Findings")
        CONTAINS TEXT (DCM 121071 "Finding") = the report text
          INFERRED FROM IMAGE (DCM 121324 "Source image") for each source image
        CONTAINS CODE <observation code> = Present | Absent | Indeterminate, per coded finding

Flags, as IHE AI Results (AIR) asks of machine output: a machine draft is COMPLETE, UNVERIFIED,
PRELIMINARY; a signed report is COMPLETE, VERIFIED, FINAL with the Verifying Observer Sequence
naming the radiologist. Patient and study attributes are copied from the source images' headers
(``evidence``), so the SR files into the same study. UIDs are derived from the study, the report
version and the verification state (``uids``), so storing the same document twice stores it once.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from cxrgen.pacs.document import ReportDocument

#: PS3.3 C.7.3.1: the SR series cxrgen writes into, and its number within the study
SERIES_NUMBER = 9701
MANUFACTURER = "cxrgen"
#: Study attributes highdicom copies from the first evidence instance (Type 2: may be empty)
_TYPE2 = ("PatientID", "PatientName", "PatientBirthDate", "PatientSex", "AccessionNumber",
          "StudyID", "StudyDate", "StudyTime", "ReferringPhysicianName")


@dataclass(frozen=True)
class SrUids:
    series: str
    instance: str
    device: str


def uids(doc: ReportDocument) -> SrUids:
    """Deterministic UIDs (pydicom's ``generate_uid`` over fixed entropy sources)."""
    from pydicom.uid import generate_uid

    state = "verified" if doc.final else "unverified"
    model = "|".join(str(doc.model.get(k, "")) for k in ("name", "ckpt", "version"))
    return SrUids(series=generate_uid(entropy_srcs=["cxrgen-sr-series", doc.study_uid]),
                  instance=generate_uid(entropy_srcs=["cxrgen-sr", doc.study_uid,
                                                      str(doc.version), state]),
                  device=generate_uid(entropy_srcs=["cxrgen-model", model]))


def build_sr(doc: ReportDocument, evidence: list, *, organization: str = "cxrgen review service",
             previous: list | None = None):
    """The SR of ``doc``. ``evidence``: headers (pixel data not needed) of the source images;
    ``previous``: earlier SRs of this report (Predecessor Documents Sequence)."""
    import highdicom as hd

    if not evidence:
        raise ValueError("an SR needs the headers of its source images (evidence); got none")
    evidence = [_with_type2(ds) for ds in evidence]
    ids = uids(doc)
    root = hd.sr.ContainerContentItem(name=_code("LN", "DiagnosticImagingReport"),
                                      template_id="2000")
    root.ContentSequence = hd.sr.ContentSequence(
        [*_language(doc.language), *_observers(doc, ids), _findings(doc)])
    with warnings.catch_warnings():
        # the source's own Patient Name may be a one-component PN; that is the source's matter
        warnings.filterwarnings("ignore", message=".*unlikely to represent the intended person")
        sr = _comprehensive_sr(doc, evidence, root, ids, organization, previous)
    sr.SoftwareVersions = str(doc.model.get("cxrgen_version", "")) or "unknown"
    if doc.final and doc.verified_at is not None:
        from pydicom.valuerep import DT

        sr.VerifyingObserverSequence[0].VerificationDateTime = DT(doc.verified_at)
    return sr


def _comprehensive_sr(doc: ReportDocument, evidence: list, root, ids: SrUids, organization: str,
                      previous: list | None):
    from highdicom.sr import ComprehensiveSR

    return ComprehensiveSR(
        evidence=evidence, content=root, series_instance_uid=ids.series,
        series_number=SERIES_NUMBER, sop_instance_uid=ids.instance,
        instance_number=doc.version * 2 + int(doc.final), manufacturer=MANUFACTURER,
        is_complete=True, is_final=doc.final, is_verified=doc.final,
        verifying_observer_name=_person(doc.verifier) if doc.final else None,
        verifying_organization=organization if doc.final else None,
        previous_versions=previous or None,
        series_description=f"cxrgen report{' ' + doc.local_id if doc.local_id else ''}")


def report_text(sr) -> str:
    """The report text of an SR written by :func:`build_sr` (the Findings TEXT item)."""
    for section in sr.ContentSequence:
        if section.ValueType == "CONTAINER" and _is(section, "DCM", "Findings"):
            for item in section.ContentSequence:
                if item.ValueType == "TEXT" and _is(item, "DCM", "Finding"):
                    return str(item.TextValue)
    raise ValueError("no Findings > Finding TEXT item in this SR: not written by cxrgen")


def _with_type2(ds):
    from copy import deepcopy

    ds = deepcopy(ds)
    for keyword in _TYPE2:
        if keyword not in ds:
            setattr(ds, keyword, "")
    return ds


def _code(scheme: str, keyword: str):
    from pydicom.sr.codedict import codes

    return getattr(getattr(codes, scheme), keyword)


def _is(item, scheme: str, keyword: str) -> bool:
    name = item.ConceptNameCodeSequence[0]
    want = _code(scheme, keyword)
    return name.CodeValue == want.value and name.CodingSchemeDesignator == want.scheme_designator


def _person(name: str) -> str:
    """A user name as a DICOM Person Name (PN, PS3.5 6.2.1.2): one component, the family name,
    marked as such by a trailing '^'; the separators '^', '=' and '\\' in the name become spaces."""
    return name.replace("^", " ").replace("=", " ").replace("\\", " ")[:63] + "^"


def _language(language: str) -> list:
    import highdicom as hd

    from cxrgen.text.languages import get_language

    # the table's codes are ISO 639-1, which RFC 5646 uses as its primary language subtags
    lang = get_language(language)
    return list(hd.sr.LanguageOfContentItemAndDescendants(
        hd.sr.CodedConcept(value=lang.code, scheme_designator="RFC5646", meaning=lang.name)))


def _observers(doc: ReportDocument, ids: SrUids) -> list:
    import highdicom as hd
    from pydicom.sr.codedict import codes

    device = hd.sr.ObserverContext(
        observer_type=codes.DCM.Device,
        observer_identifying_attributes=hd.sr.DeviceObserverIdentifyingAttributes(
            uid=ids.device, name=str(doc.model.get("name") or "cxrgen model")[:64],
            manufacturer_name=MANUFACTURER,
            model_name=str(doc.model.get("ckpt") or doc.model.get("name") or "")[:64] or None))
    person = None
    if doc.final:
        person = hd.sr.ObserverContext(
            observer_type=codes.DCM.Person,
            observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(
                name=_person(doc.verifier)))
    return list(hd.sr.ObservationContext(observer_person_context=person,
                                         observer_device_context=device))


def _findings(doc: ReportDocument):
    import highdicom as hd

    section = hd.sr.ContainerContentItem(name=_code("DCM", "Findings"), relationship_type="CONTAINS")
    text = hd.sr.TextContentItem(name=_code("DCM", "Finding"), value=doc.text,
                                 relationship_type="CONTAINS")
    text.ContentSequence = hd.sr.ContentSequence([
        hd.sr.ImageContentItem(name=_code("DCM", "SourceImage"),
                               referenced_sop_class_uid=im.sop_class_uid,
                               referenced_sop_instance_uid=im.sop_uid,
                               relationship_type="INFERRED FROM") for im in doc.images])
    items = [text]
    for f in doc.findings:
        if f.concept is not None:
            items.append(hd.sr.CodeContentItem(name=f.concept, value=f.presence_code,
                                               relationship_type="CONTAINS"))
    section.ContentSequence = hd.sr.ContentSequence(items)
    return section
