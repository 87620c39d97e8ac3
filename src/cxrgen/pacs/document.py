"""The report as it leaves cxrgen: the one input of the DICOM SR and FHIR writers.

Findings are the CheXpert observations (``cxrgen.labeling``, label set ``chexpert``) of the very
text being sent, so an edited report carries its own findings, not the machine draft's. A
finding gets a code only where DICOM's own terminology has an exact one; the codes are taken from
pydicom's copy of DICOM PS3.16 (``pydicom.sr.codedict.codes``), by keyword, so no number is typed
here:

* Pneumothorax -> SCT 36118008, Pleural Effusion -> SCT 60046008 (PS3.16 chest CAD and
  pleura context groups), Edema -> SCT 19242006 "Pulmonary edema", Lung Opacity -> DCM 112001
  "Opacity" (PS3.16 CID 6102-6104, chest findings);
* presence: SCT 52101004 "Present", SCT 272519000 "Absent", SCT 82334004 "Indeterminate" for
  the labeler's 1 / 0 / -1.

The other observations (Cardiomegaly — PS3.16's only code for it is also listed under another
meaning —, Consolidation, Pneumonia, Atelectasis, Fracture, Lung Lesion, Support Devices, ...)
have no exact code there and stay in the report text only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: CheXpert observation -> (scheme, pydicom ``codes`` keyword); see the module docstring
FINDING_CODES = {
    "Pneumothorax": ("SCT", "Pneumothorax"),
    "Pleural Effusion": ("SCT", "PleuralEffusion"),
    "Edema": ("SCT", "PulmonaryEdema"),
    "Lung Opacity": ("DCM", "Opacity"),
}
#: labeler value -> (presence name, pydicom ``codes.SCT`` keyword)
PRESENCE = {1: ("present", "Present"), 0: ("absent", "Absent"),
            -1: ("indeterminate", "Indeterminate")}


def code(scheme: str, keyword: str):
    from pydicom.sr.codedict import codes

    return getattr(getattr(codes, scheme), keyword)


@dataclass(frozen=True)
class Finding:
    observation: str  # CheXpert column name
    value: int  # 1 present, 0 absent, -1 uncertain

    @property
    def presence(self) -> str:
        return PRESENCE[self.value][0]

    @property
    def concept(self):
        """The pydicom ``Code`` of the observation, or ``None`` when it has none."""
        entry = FINDING_CODES.get(self.observation)
        return code(*entry) if entry else None

    @property
    def presence_code(self):
        return code("SCT", PRESENCE[self.value][1])


@dataclass(frozen=True)
class SourceImage:
    series_uid: str
    sop_uid: str
    sop_class_uid: str


@dataclass
class ReportDocument:
    """One version of a study's report, with what a receiving system needs to file it."""

    text: str
    language: str
    study_uid: str  # the study the report belongs to, in the PACS
    version: int  # cxrgen's report version
    images: list[SourceImage]
    #: who produced the draft: {"name", "version", "ckpt", ...}
    model: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    #: the signing radiologist and when; ``None`` for a machine draft (unverified, preliminary)
    verifier: str | None = None
    verified_at: datetime | None = None
    #: an identifier of the report in cxrgen (FHIR ``identifier``, SR series description)
    local_id: str = ""

    @property
    def final(self) -> bool:
        return self.verifier is not None

    @staticmethod
    def label(text: str, language: str) -> list[Finding]:
        """The findings of ``text``: every CheXpert observation the labeler decided."""
        from cxrgen.labeling import get_labeler

        labels = get_labeler(language).label(text, "chexpert")
        return [Finding(name, int(v)) for name, v in labels.items()
                if v is not None and int(v) in PRESENCE]
