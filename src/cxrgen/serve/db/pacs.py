"""The link between a review-service study and the PACS it came from (``cxrgen.serve.pacs_worker``).

One row per DICOM study seen on a PACS, whether it became a study here or was skipped (with the
reason), so that a study is pulled once (unique on PACS and Study Instance UID) and the skipped
ones stay visible. The row keeps the study's original UIDs — with de-identification on, the only
link back to the patient's record that cxrgen holds, and what writing the report back into the
same study needs — and the state of the write-back (DICOM SR by STOW-RS, FHIR POST).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxrgen.serve.db.models import Base, utcnow


class PacsStudy(Base):
    __tablename__ = "pacs_studies"
    __table_args__ = (UniqueConstraint("source", "study_uid"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    #: the PACS's DICOMweb root URL (never credentials)
    source: Mapped[str] = mapped_column(String(512))
    study_uid: Mapped[str] = mapped_column(String(64))
    #: queued (a study and job exist) | skipped (reason) | waiting (PACS failed mid-pull; retried)
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    study_id: Mapped[int | None] = mapped_column(ForeignKey("studies.id"), nullable=True,
                                                 unique=True)
    #: original [{"series_uid", "sop_uid", "sop_class_uid"}] of the images, in study order
    instances: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: write-back: none | pending | waiting (PACS unavailable; retried) | pushed | failed
    push_status: Mapped[str] = mapped_column(String(16), default="none", index=True)
    push_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    push_attempts: Mapped[int] = mapped_column(Integer, default=0)
    push_retry_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    pushed_sr_uid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pushed_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pushed_verified: Mapped[bool | None] = mapped_column(nullable=True)
    pushed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: FHIR POST to the configured endpoint: none | pending | sent | failed
    fhir_status: Mapped[str] = mapped_column(String(16), default="none")
    fhir_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    fhir_location: Mapped[str | None] = mapped_column(String(512), nullable=True)
