"""cxrgen in a hospital's imaging network: DICOMweb in and out, DICOM SR and FHIR reports.

* :mod:`.client` — a PACS over DICOMweb (QIDO-RS search, WADO-RS fetch, STOW-RS store), with
  timeouts, retries with exponential back-off and one clear error per failure kind
  (:class:`PacsUnavailable`, :class:`PacsAuthError`, :class:`PacsRejected`);
* :mod:`.selection` — which studies are chest radiographs (modality CR/DX, body part CHEST;
  configurable), and QIDO filters parsed from ``"PatientID=...&StudyDate=..."``;
* :mod:`.document` — the report as the outside world sees it (text, coded findings, status,
  verifier, source images), the one input of both writers;
* :mod:`.sr` — that report as a DICOM Comprehensive SR (highdicom), UNVERIFIED or VERIFIED;
* :mod:`.fhir` — that report as an HL7 FHIR ``DiagnosticReport`` (fhir.resources).

Needs the ``pacs`` extra (dicomweb-client, highdicom, fhir.resources). The review service's use
of it (polling, push on sign-off) lives in ``cxrgen.serve.pacs_worker``.
"""

from cxrgen.pacs.client import (PacsAuthError, PacsClient, PacsConfig, PacsError, PacsRejected,
                                PacsUnavailable)
from cxrgen.pacs.document import ReportDocument
from cxrgen.pacs.selection import StudyFilter

__all__ = ["PacsAuthError", "PacsClient", "PacsConfig", "PacsError", "PacsRejected",
           "PacsUnavailable", "ReportDocument", "StudyFilter"]
