"""Tables of the review service.

A study owns its images, its generation jobs, its machine draft and every version of its report.
Report versions are append-only (an edit adds a row, never updates one), and a signed study
refuses further versions, so the history a radiologist sees is the history that happened.
Personal health information (PHI) taken from DICOM headers and original file names lives in one
column, ``Image.phi``, that the API shows only to roles allowed to see it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, func)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    #: user names are unique regardless of case (``Admin`` is ``admin``)
    __table_args__ = (Index("ux_users_username_lower", func.lower("username"), unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: consecutive failed logins, and the lockout they caused (``auth.Throttle``)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuthToken(Base):
    """A login session. Only the SHA-256 of the bearer token is stored: a leaked database
    does not leak usable tokens."""

    __tablename__ = "auth_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: last request made with the token: an idle session ends after ``Settings.idle_timeout_s``
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    user: Mapped[User] = relationship()


class Study(Base):
    __tablename__ = "studies"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Free label given at upload (a pseudonymous accession); searchable, not PHI by contract.
    reference: Mapped[str] = mapped_column(String(128), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    #: queued -> drafting -> draft_ready -> edited -> signed, or failed.
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: the newest report version; edits and sign-off update it conditionally (compare-and-set)
    current_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: what the signature covers: the version and the SHA-256 of its text (UTF-8)
    signed_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    signed_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    images: Mapped[list["Image"]] = relationship(order_by="Image.position", back_populates="study")
    versions: Mapped[list["ReportVersion"]] = relationship(order_by="ReportVersion.version")


class Image(Base):
    __tablename__ = "images"
    __table_args__ = (UniqueConstraint("study_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))  # png | jpeg | dicom (from magic bytes)
    original_sha256: Mapped[str] = mapped_column(String(64))
    display_sha256: Mapped[str] = mapped_column(String(64))  # 8-bit PNG the viewer shows
    heatmap_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # non-identifying header
    phi: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    study: Mapped[Study] = relationship(back_populates="images")


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), index=True)
    #: queued | running | done | failed
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)


class Draft(Base):
    """The machine draft as generated: text, findings labels, entity graph, model identity."""

    __tablename__ = "drafts"
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    labels: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    graph: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    model: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReportVersion(Base):
    """One version of a study's report; version 1 is the machine draft (author NULL)."""

    __tablename__ = "report_versions"
    __table_args__ = (UniqueConstraint("study_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    labels: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    author: Mapped[User | None] = relationship()


class AuditEvent(Base):
    """Who did what, when, to which study; ``detail`` holds the diff of an edit. Never PHI."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    study_id: Mapped[int | None] = mapped_column(ForeignKey("studies.id"), nullable=True, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ServiceProbe(Base):
    """One row the readiness check rewrites: proves the database accepts writes."""

    __tablename__ = "service_probe"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# ----------------------------------------------------------------------------- human evaluation


class EvalSession(Base):
    __tablename__ = "eval_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    mode: Mapped[str] = mapped_column(String(16))  # "rating" (1-5 per criterion) | "pairwise"
    seed: Mapped[int] = mapped_column(Integer)
    models: Mapped[list[str]] = mapped_column(JSON)
    sources: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # files, counts, skips
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EvalItem(Base):
    """One study to rate. ``candidates`` is the blinded order: [{"slot": "A", "model", "text"}];
    raters are sent slots and texts only."""

    __tablename__ = "eval_items"
    __table_args__ = (UniqueConstraint("session_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("eval_sessions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    study_key: Mapped[str] = mapped_column(String(128))
    image_sha256: Mapped[list[str]] = mapped_column(JSON, default=list)
    reference: Mapped[str] = mapped_column(Text, default="")
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class EvalRating(Base):
    """A rater's answer for one item: per-slot scores (rating mode) or the preferred slot."""

    __tablename__ = "eval_ratings"
    __table_args__ = (UniqueConstraint("item_id", "rater_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("eval_items.id"), index=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {slot: {criterion: 1-5}}
    preferred: Mapped[str | None] = mapped_column(String(4), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
