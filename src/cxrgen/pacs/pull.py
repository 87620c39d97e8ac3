"""Fetch one study's chest radiographs from a PACS: series chosen by QIDO-RS, pixels by WADO-RS.

Nothing here touches a database: :func:`pull_study` returns the instances as Part 10 bytes with
their original UIDs (the key for writing the report back into the same study), and says what it
left out and why. The review service turns the bytes into a study exactly as an upload
(``cxrgen.serve.pacs_worker``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cxrgen.pacs.client import PacsClient, part10_bytes
from cxrgen.pacs.selection import StudyFilter, json_value


@dataclass
class PulledInstance:
    series_uid: str
    sop_uid: str
    sop_class_uid: str
    data: bytes  # DICOM Part 10, as the PACS sent it


@dataclass
class PulledStudy:
    study_uid: str
    instances: list[PulledInstance] = field(default_factory=list)
    #: one line per series or instance left out, with the reason
    skipped: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str | None:
        """Why the whole study is skipped (no chest radiograph in it); ``None`` otherwise."""
        if self.instances:
            return None
        return "not a chest radiograph: " + ("; ".join(self.skipped) or "the study has no series")


def pull_study(client: PacsClient, study_uid: str, flt: StudyFilter,
               max_instances: int | None = None) -> PulledStudy:
    """The chest radiographs of one study. Series whose modality or body part is not chest are
    not downloaded; each fetched instance is checked again on its own header. ``max_instances``
    stops downloading once more than that many were found (the caller refuses the study)."""
    out = PulledStudy(study_uid)
    for series in client.search_series(study_uid):
        series_uid = json_value(series, "SeriesInstanceUID")
        reason = flt.series_reason(json_value(series, "Modality"),
                                   json_value(series, "BodyPartExamined"))
        if reason:
            out.skipped.append(f"series {series_uid}: {reason}")
            continue
        for ds in client.fetch_series(study_uid, series_uid):
            reason = flt.series_reason(ds.get("Modality"), ds.get("BodyPartExamined"))
            if reason:
                out.skipped.append(f"instance {ds.SOPInstanceUID}: {reason}")
                continue
            out.instances.append(PulledInstance(series_uid, str(ds.SOPInstanceUID),
                                                str(ds.SOPClassUID), part10_bytes(ds)))
        if max_instances is not None and len(out.instances) > max_instances:
            break
    return out
