"""A report as an HL7 FHIR ``DiagnosticReport``, validated with ``fhir.resources``.

FHIR version: R4B (4.3.0), the R4 line that ``fhir.resources`` ships (``fhir.resources.R4B``);
DiagnosticReport has the same elements in R4 (4.0.1) and R4B. What goes where:

* ``status``: ``preliminary`` for a machine draft or an unsigned edit, ``final`` once signed;
* ``code``: LOINC 18748-4 "Diagnostic imaging study"; ``category``: HL7 v2-0074 ``RAD``;
* ``conclusion``: the report text (also as ``presentedForm``, text/plain, with its language);
* ``result``: one contained ``Observation`` per finding the labeler decided, its code (SNOMED
  CT or DICOM, :mod:`cxrgen.pacs.document`; text only where no code exists) and its presence;
  ``conclusionCode``: the coded findings that are present;
* ``imagingStudy``: a logical reference to the DICOM study, ``urn:dicom:uid`` / ``urn:oid:<UID>``
  (the identifier system FHIR's ImagingStudy defines for Study Instance UIDs);
* ``resultsInterpreter``: the signing radiologist (signed reports only).
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import Any

from cxrgen.pacs.document import ReportDocument

#: FHIR code system URIs of the DICOM coding scheme designators used (FHIR terminology page)
SYSTEMS = {"SCT": "http://snomed.info/sct", "LN": "http://loinc.org",
           "DCM": "http://dicom.nema.org/resources/ontology/DCM"}
IDENTIFIER_SYSTEM = "urn:cxrgen:report"


def _coding(code) -> dict[str, str]:
    return {"system": SYSTEMS[code.scheme_designator], "code": code.value, "display": code.meaning}


def _observation(i: int, finding, status: str) -> dict[str, Any]:
    concept = finding.concept
    code = ({"coding": [_coding(concept)], "text": finding.observation} if concept is not None
            else {"text": finding.observation})
    return {"resourceType": "Observation", "id": f"finding-{i}", "status": status,
            "code": code,
            "valueCodeableConcept": {"coding": [_coding(finding.presence_code)],
                                     "text": finding.presence}}


def diagnostic_report(doc: ReportDocument, issued: datetime | None = None) -> dict[str, Any]:
    """The FHIR JSON of ``doc`` (a dict), validated by ``fhir.resources``; raises
    ``pydantic.ValidationError`` naming the element at fault if it were not valid."""
    from fhir.resources.R4B.diagnosticreport import DiagnosticReport
    from pydicom.sr.codedict import codes

    status = "final" if doc.final else "preliminary"
    issued = issued or doc.verified_at or datetime.now(timezone.utc)
    if issued.tzinfo is None:
        issued = issued.replace(tzinfo=timezone.utc)
    observations = [_observation(i, f, status) for i, f in enumerate(doc.findings, 1)]
    resource: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": f"{doc.local_id}/v{doc.version}"}],
        "status": status,
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                                  "code": "RAD", "display": "Radiology"}]}],
        "code": {"coding": [_coding(codes.LN.DiagnosticImagingReport)],
                 "text": "Chest radiograph report"},
        "issued": issued.isoformat(),
        "conclusion": doc.text,
        "presentedForm": [{"contentType": "text/plain; charset=utf-8", "language": doc.language,
                           "data": base64.b64encode(doc.text.encode()).decode("ascii"),
                           "title": f"report version {doc.version}"}],
    }
    if doc.study_uid:  # an uploaded study has no DICOM study to point to
        resource["imagingStudy"] = [{"identifier": {"system": "urn:dicom:uid",
                                                    "value": f"urn:oid:{doc.study_uid}"},
                                     "display": "DICOM study"}]
    if observations:
        resource["contained"] = observations
        resource["result"] = [{"reference": f"#{o['id']}"} for o in observations]
    present = [_coding(f.concept) for f in doc.findings if f.concept is not None and f.value == 1]
    if present:
        resource["conclusionCode"] = [{"coding": [c]} for c in present]
    if doc.final:
        resource["resultsInterpreter"] = [{"display": doc.verifier,
                                           "identifier": {"system": "urn:cxrgen:user",
                                                          "value": doc.verifier}}]
    DiagnosticReport.model_validate(resource)
    return resource


def validate(resource: dict[str, Any]):
    """Parse FHIR JSON as an R4B DiagnosticReport (raises ``pydantic.ValidationError``)."""
    from fhir.resources.R4B.diagnosticreport import DiagnosticReport

    return DiagnosticReport.model_validate(resource)
