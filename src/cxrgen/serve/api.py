"""The JSON API under ``/api``: login, users, studies, jobs, images, drafts, reports, audit.

Status codes: 400 bad input (corrupt image, malformed body), 401 not logged in, 403 role not
allowed, 404 unknown study / job / image, 409 conflict (report signed, stale base version),
413 too large, 415 not an image type we accept, 503 generation queue full (with Retry-After).
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from cxrgen.errors import InputError
from cxrgen.serve import audit
from cxrgen.serve.accounts import TooManyAttempts
from cxrgen.serve.auth import ALL_PERMISSIONS, authenticate, can, issue_token, revoke_token
from cxrgen.serve.db.models import AuditEvent, Draft, Image, Job, ReportVersion, Study, User, utcnow
from cxrgen.serve.deps import (MAX_INT, Id, Offset, Position, bearer, current_user, get_db,
                               get_or_404, require)
from cxrgen.serve.dicom_safety import Limits, decode_upload, sniff
from cxrgen.serve.findings import highlight_spans
from cxrgen.serve.intake import queued_study
from cxrgen.serve.jobs import iso
from cxrgen.text.languages import LANGUAGES

log = logging.getLogger("cxrgen.serve.api")
router = APIRouter(prefix="/api")
MAX_REPORT_CHARS = 20_000


# ----------------------------------------------------------------------------- schemas
class LoginIn(BaseModel):
    username: str = Field(max_length=256)
    password: str = Field(max_length=1024)


class ReportEdit(BaseModel):
    text: str = Field(max_length=MAX_REPORT_CHARS)
    #: The version the edit was made on; a stale one (someone saved in between) is a 409.
    base_version: int = Field(ge=1, le=MAX_INT)


class SignOffIn(BaseModel):
    #: The version on the signer's screen; a signature covers exactly that text.
    version: int = Field(ge=1, le=MAX_INT)


class HighlightIn(BaseModel):
    text: str = Field(max_length=MAX_REPORT_CHARS)
    language: str = Field(max_length=8)


# ----------------------------------------------------------------------------- auth and users
@router.post("/auth/login", tags=["auth"])
def login(body: LoginIn, request: Request, db: Session = Depends(get_db)):
    """A bearer token; 401 when wrong, 429 (with Retry-After) while the account or the address
    is throttled (``accounts.Throttle``)."""
    throttle = request.app.state.throttle
    address = request.client.host if request.client else "unknown"
    try:
        throttle.check(address, body.username)
        user = authenticate(db, body.username, body.password, request.app.state.passwords,
                            request.app.state.settings)
    except TooManyAttempts as exc:
        db.rollback()
        if exc.status == 429:  # not HashingBusy (503): that is load, not an attack on an account
            audit.record(db, None, "login_throttled", attempted=body.username[:64])
            db.commit()
            log.warning("login throttled", extra={"event": "login_throttled"})
        raise
    if user is None:
        throttle.failed(address, body.username)
        audit.record(db, None, "login_failed", attempted=body.username[:64])
        db.commit()
        log.info("login failed", extra={"event": "login_failed"})
        raise HTTPException(401, "wrong username or password")
    throttle.succeeded(body.username)
    token = issue_token(db, user, request.app.state.settings.token_ttl_s)
    audit.record(db, user, "login")
    db.commit()
    log.info("login", extra={"event": "login", "user_id": user.id})
    return {"token": token, "user": user_json(user)}


@router.post("/auth/logout", tags=["auth"])
def logout(creds=Depends(bearer), user: User = Depends(current_user), db: Session = Depends(get_db)):
    revoke_token(db, creds.credentials)
    db.commit()
    return {"ok": True}


@router.get("/auth/me", tags=["auth"])
def me(user: User = Depends(current_user)):
    return user_json(user)


def user_json(u: User) -> dict:
    return {"id": u.id, "username": u.username, "role": u.role, "active": u.active,
            "permissions": sorted(p for p in ALL_PERMISSIONS if can(u.role, p))}


# ----------------------------------------------------------------------------- studies
@router.post("/studies", tags=["studies"], status_code=202)
def upload_study(request: Request, files: list[UploadFile] = File(...),
                 reference: str = Form("", max_length=128), language: str = Form("en"),
                 user: User = Depends(require("upload")), db: Session = Depends(get_db)):
    """Upload 1..max_files images (PNG, JPEG or DICOM, checked by content) as one study; a
    generation job is queued. Poll ``GET /api/jobs/{job_id}``."""
    st = request.app.state.settings
    metrics = request.app.state.metrics
    if language not in LANGUAGES:
        raise HTTPException(400, f"language {language!r}: use one of {', '.join(LANGUAGES)}")
    if not files or len(files) > st.max_files:
        raise HTTPException(400, f"a study has 1 to {st.max_files} images; got {len(files)}")
    model_max = getattr(request.app.state.runner.drafter, "max_images", None)
    if model_max and len(files) > model_max:
        raise HTTPException(400, f"the model reads at most {model_max} images per study (frontal "
                                 f"first); got {len(files)}: upload the views to report on")
    decoded = []
    limits = Limits.of(st)
    for i, f in enumerate(files):
        label = f"file {i + 1} of the upload"
        data = f.file.read(st.max_file_bytes + 1)
        if len(data) > st.max_file_bytes:
            metrics.rejected.labels("too_large").inc()
            raise HTTPException(413, f"{label} exceeds the limit of {st.max_file_bytes} bytes")
        if sniff(data) is None:
            metrics.rejected.labels("wrong_type").inc()
            raise HTTPException(415, f"{label} is not a PNG, JPEG or DICOM image (checked by "
                                     f"content, not by name or declared type)")
        slots = request.app.state.decode_slots
        if not slots.acquire(timeout=st.decode_wait_s):
            metrics.rejected.labels("busy").inc()
            raise HTTPException(503, "server busy decoding other uploads: retry shortly",
                                headers={"Retry-After": str(st.retry_after_s)})
        try:
            decoded.append(decode_upload(data, f.filename or "", label=label, limits=limits,
                                         deidentify=st.deidentify_dicom))
        except InputError:
            metrics.rejected.labels("corrupt").inc()
            raise
        finally:
            slots.release()
    # QueueFull -> 503 + Retry-After, before anything is written
    with queued_study(db, request.app.state.store, request.app.state.runner, user, decoded,
                      reference=reference, language=language) as (study, job):
        pass
    log.info("study uploaded, job queued", extra={"event": "upload", "study_id": study.id,
                                                  "job_id": job.id, "images": len(decoded)})
    return {"study_id": study.id, "job_id": job.id, "status": "queued",
            "job_url": f"/api/jobs/{job.id}", "study_url": f"/api/studies/{study.id}"}


@router.get("/studies", tags=["studies"])
def list_studies(q: str | None = Query(None, max_length=200, description="search reference and "
                                       "report text (plain text: % and _ match themselves)"),
                 status: str | None = Query(None, max_length=16),
                 limit: int = Query(50, ge=1, le=500), offset: Offset = 0,
                 user: User = Depends(require("read")), db: Session = Depends(get_db)):
    """The worklist, newest first; ``q`` searches the reference and the current report text."""
    stmt = select(Study)
    if status:
        stmt = stmt.where(Study.status == status)
    q = (q or "").strip()
    if any(unicodedata.category(ch) == "Cc" for ch in q):
        raise HTTPException(422, "q contains control characters: search for plain text")
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        current = (select(ReportVersion.study_id)
                   .join(Study, (ReportVersion.study_id == Study.id)
                         & (ReportVersion.version == Study.current_version))
                   .where(ReportVersion.text.ilike(like, escape="\\")))
        # the current version only: a finding removed by the radiologist no longer matches
        conditions = [Study.reference.ilike(like, escape="\\"), Study.id.in_(current)]
        if q.isascii() and q.isdigit() and int(q) <= MAX_INT:
            conditions.append(Study.id == int(q))
        stmt = stmt.where(or_(*conditions))
    total = db.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.scalars(stmt.order_by(Study.id.desc()).limit(limit).offset(offset)).all()
    show_phi = can(user.role, "see_phi")
    return {"total": total, "items": [_study_summary(db, s, show_phi) for s in rows]}


def _patient(s: Study) -> dict:
    """Name and id of the patient from the first image that has them (roles with see_phi)."""
    phi = next((im.phi for im in s.images if im.phi and (im.phi.get("PatientName")
                                                        or im.phi.get("PatientID"))), {})
    return {"name": phi.get("PatientName"), "id": phi.get("PatientID"),
            "birth_date": phi.get("PatientBirthDate"), "sex": phi.get("PatientSex")}


def _study_summary(db: Session, s: Study, show_phi: bool = False) -> dict:
    latest = db.scalar(select(ReportVersion).where(ReportVersion.study_id == s.id)
                       .order_by(ReportVersion.version.desc()).limit(1))
    job = db.scalar(select(Job).where(Job.study_id == s.id).order_by(Job.id.desc()).limit(1))
    return {"id": s.id, "reference": s.reference, "language": s.language, "status": s.status,
            "created_at": iso(s.created_at), "signed_at": iso(s.signed_at),
            "images": len(s.images), "version": latest.version if latest else None,
            "excerpt": (latest.text[:120] if latest else ""),
            "job": _job_json(job) if job else None,
            **({"patient": _patient(s)} if show_phi else {})}


def _get_study(db: Session, study_id: int) -> Study:
    return get_or_404(db, Study, study_id, "study")


@router.get("/studies/{study_id}", tags=["studies"])
def get_study(study_id: Id, user: User = Depends(require("read")), db: Session = Depends(get_db)):
    """A study with its images; patient identifiers only for roles allowed to see them."""
    s = _get_study(db, study_id)
    show_phi = can(user.role, "see_phi")
    out = _study_summary(db, s, show_phi)
    out["images"] = [{"position": im.position, "kind": im.kind, "width": im.width,
                      "height": im.height, "meta": im.meta,
                      "has_heatmap": im.heatmap_sha256 is not None,
                      "url": f"/api/studies/{s.id}/images/{im.position}",
                      "heatmap_url": f"/api/studies/{s.id}/images/{im.position}/heatmap",
                      **({"phi": im.phi or {}} if show_phi else {})} for im in s.images]
    out["phi_visible"] = show_phi
    out["signed_by"] = _username(db, s.signed_by)
    out["signed_version"], out["signed_sha256"] = s.signed_version, s.signed_sha256
    return out


def _username(db: Session, user_id: int | None) -> str | None:
    return db.get(User, user_id).username if user_id else None


@router.post("/studies/{study_id}/retry", tags=["studies"], status_code=202)
def retry_study(study_id: Id, request: Request, user: User = Depends(require("upload")),
                db: Session = Depends(get_db)):
    """Queue a new generation job for a study whose last job failed."""
    s = _get_study(db, study_id)
    if s.status != "failed":
        raise HTTPException(409, f"study {study_id} is {s.status!r}; only a failed study is retried")
    runner = request.app.state.runner
    runner.reserve()
    try:
        job = Job(study_id=s.id, status="queued")
        db.add(job)
        s.status = "queued"
        audit.record(db, user, "retry", s.id)
        db.commit()
    except BaseException:
        runner.release()
        raise
    runner.submit(job.id)
    return {"study_id": s.id, "job_id": job.id, "status": "queued"}


# ----------------------------------------------------------------------------- jobs
@router.get("/jobs/{job_id}", tags=["studies"])
def get_job(job_id: Id, _: User = Depends(require("read")), db: Session = Depends(get_db)):
    job = db.get(Job, job_id)
    if job is None:
        raise HTTPException(404, f"job {job_id} not found")
    return _job_json(job)


def _job_json(job: Job) -> dict:
    return {"id": job.id, "study_id": job.study_id, "status": job.status, "attempts": job.attempts,
            "error": job.error, "created_at": iso(job.created_at), "started_at": iso(job.started_at),
            "finished_at": iso(job.finished_at), "duration_s": job.duration_s}


# ----------------------------------------------------------------------------- images
def _image(db: Session, study_id: int, position: int) -> Image:
    _get_study(db, study_id)
    im = db.scalar(select(Image).where(Image.study_id == study_id, Image.position == position))
    if im is None:
        raise HTTPException(404, f"study {study_id} has no image {position}")
    return im


@router.get("/studies/{study_id}/images/{position}", tags=["images"],
            responses={200: {"content": {"image/png": {}}}})
def get_image(study_id: Id, position: Position, request: Request,
              _: User = Depends(require("read")), db: Session = Depends(get_db)):
    """The image as an 8-bit grayscale PNG (DICOM rendered with its window)."""
    im = _image(db, study_id, position)
    return Response(request.app.state.store.get(im.display_sha256), media_type="image/png",
                    headers={"Cache-Control": "private, max-age=3600"})


@router.get("/studies/{study_id}/images/{position}/heatmap", tags=["images"],
            responses={200: {"content": {"image/png": {}}}})
def get_heatmap(study_id: Id, position: Position, request: Request,
                _: User = Depends(require("read")), db: Session = Depends(get_db)):
    """The model's attention over the image as an RGBA PNG of the image's size."""
    im = _image(db, study_id, position)
    if im.heatmap_sha256 is None:
        raise HTTPException(404, f"study {study_id} image {position} has no heatmap (yet)")
    return Response(request.app.state.store.get(im.heatmap_sha256), media_type="image/png")


# ----------------------------------------------------------------------------- drafts, reports
@router.get("/studies/{study_id}/draft", tags=["reports"])
def get_draft(study_id: Id, _: User = Depends(require("read")), db: Session = Depends(get_db)):
    """The machine draft as generated: text, findings labels, entity graph, model."""
    _get_study(db, study_id)
    d = db.get(Draft, study_id)
    if d is None:
        raise HTTPException(404, f"study {study_id} has no draft yet: poll its job")
    return {"study_id": study_id, "text": d.text, "language": d.language, "labels": d.labels,
            "graph": d.graph, "model": d.model, "created_at": iso(d.created_at)}


def _version_json(db: Session, v: ReportVersion) -> dict:
    return {"version": v.version, "text": v.text, "labels": v.labels,
            "author": _username(db, v.author_id) if v.author_id else "model",
            "created_at": iso(v.created_at)}


def _latest(db: Session, study_id: int) -> ReportVersion | None:
    return db.scalar(select(ReportVersion).where(ReportVersion.study_id == study_id)
                     .order_by(ReportVersion.version.desc()).limit(1))


@router.get("/studies/{study_id}/report", tags=["reports"])
def get_report(study_id: Id, _: User = Depends(require("read")), db: Session = Depends(get_db)):
    """The current report version with its findings highlights and sign-off state."""
    s = _get_study(db, study_id)
    v = _latest(db, study_id)
    if v is None:
        raise HTTPException(404, f"study {study_id} has no report yet: poll its job")
    return {**_version_json(db, v), "study_id": study_id, "language": s.language,
            "signed": s.status == "signed", "signed_by": _username(db, s.signed_by),
            "signed_at": iso(s.signed_at), "signed_version": s.signed_version,
            "signed_sha256": s.signed_sha256,
            # an unedited machine draft: the page marks it "AI draft, unreviewed"
            "ai_draft": v.author_id is None}


@router.put("/studies/{study_id}/report", tags=["reports"])
def edit_report(study_id: Id, body: ReportEdit, user: User = Depends(require("edit")),
                db: Session = Depends(get_db)):
    """Save an edit as a new version (every version is kept); refused once signed. Of N
    concurrent edits on one base version exactly one is saved; the others get 409."""
    s = _get_study(db, study_id)
    base = db.scalar(select(ReportVersion).where(ReportVersion.study_id == study_id,
                                                 ReportVersion.version == body.base_version))
    if base is None or s.status == "signed" or s.current_version != body.base_version:
        _conflict(db, s, body.base_version, "saved")
    text = body.text.replace("\r\n", "\n")
    if not text.strip():
        raise HTTPException(400, "report text is empty")
    if text == base.text:
        return {**_version_json(db, base), "unchanged": True}
    # compare-and-set on the study row: the database lets one writer through
    won = db.execute(update(Study).where(Study.id == study_id, Study.status != "signed",
                                         Study.current_version == body.base_version)
                     .values(current_version=body.base_version + 1, status="edited")).rowcount
    if won != 1:
        db.rollback()
        _conflict(db, s, body.base_version, "saved")
    spans, _note = highlight_spans(text, s.language)
    new = ReportVersion(study_id=s.id, version=body.base_version + 1, text=text, labels=spans,
                        author_id=user.id)
    db.add(new)
    audit.record(db, user, "edit", s.id, from_version=base.version, to_version=new.version,
                 diff=audit.text_diff(base.text, text, f"v{base.version}", f"v{new.version}"))
    db.commit()
    log.info("report edited", extra={"event": "edit", "study_id": s.id, "version": new.version})
    return _version_json(db, new)


def _conflict(db: Session, s: Study, seen: int, verb: str):
    """409 saying why the version on the client's screen cannot be {verb}: signed, or who
    changed the report since."""
    db.refresh(s)
    if s.status == "signed":
        raise HTTPException(409, f"study {s.id} was signed by {_username(db, s.signed_by)} "
                                 f"(version {s.signed_version}): its report is locked")
    v = _latest(db, s.id)
    if v is None:
        raise HTTPException(409, f"study {s.id} has no report yet: wait for its job")
    raise HTTPException(409, f"report changed since version {seen} (now version {v.version}, by "
                             f"{_version_json(db, v)['author']}): reload and read it before it "
                             f"is {verb}")


@router.get("/studies/{study_id}/report/versions", tags=["reports"])
def report_versions(study_id: Id, _: User = Depends(require("read")),
                    db: Session = Depends(get_db)):
    """Every version, oldest first (version 1 is the machine draft)."""
    _get_study(db, study_id)
    rows = db.scalars(select(ReportVersion).where(ReportVersion.study_id == study_id)
                      .order_by(ReportVersion.version)).all()
    return [_version_json(db, v) for v in rows]


@router.post("/studies/{study_id}/signoff", tags=["reports"])
def sign_off(study_id: Id, body: SignOffIn, request: Request, user: User = Depends(require("sign")),
             db: Session = Depends(get_db)):
    """Sign ``version``, the text on the signer's screen; the report is locked afterwards.

    409 when that is no longer the current version (with who changed it) or the study is
    signed already. The state change is one conditional UPDATE, so of N concurrent sign-offs
    exactly one succeeds. The study keeps the signed version and the SHA-256 of its text
    (UTF-8), and so does the audit event.
    """
    s = _get_study(db, study_id)
    v = db.scalar(select(ReportVersion).where(ReportVersion.study_id == study_id,
                                              ReportVersion.version == body.version))
    if v is None or s.status == "signed" or s.current_version != body.version:
        _conflict(db, s, body.version, "signed")
    digest = hashlib.sha256(v.text.encode("utf-8")).hexdigest()
    now = utcnow()
    won = db.execute(update(Study).where(Study.id == study_id, Study.status != "signed",
                                         Study.current_version == body.version)
                     .values(status="signed", signed_by=user.id, signed_at=now,
                             signed_version=v.version, signed_sha256=digest)).rowcount
    if won != 1:
        db.rollback()
        _conflict(db, s, body.version, "signed")
    audit.record(db, user, "sign_off", study_id, version=v.version, sha256=digest)
    db.commit()
    for hook in request.app.state.signoff_hooks:  # e.g. the PACS link writes the report back
        hook(study_id)
    log.info("report signed", extra={"event": "sign_off", "study_id": study_id,
                                     "version": v.version, "sha256": digest})
    return {"study_id": study_id, "status": "signed", "version": v.version, "sha256": digest,
            "signed_by": user.username, "signed_at": iso(now)}


@router.post("/findings/highlight", tags=["reports"])
def highlight(body: HighlightIn, _: User = Depends(require("read"))):
    """Findings spans of a text being typed (the page highlights live, before Save)."""
    if body.language not in LANGUAGES:
        raise HTTPException(422, f"language {body.language!r}: use one of {', '.join(LANGUAGES)}")
    spans, note = highlight_spans(body.text, body.language)
    return {"labels": spans, "note": note}


# ----------------------------------------------------------------------------- audit
def _audit_json(e: AuditEvent) -> dict:
    return {"id": e.id, "at": iso(e.at), "user": e.username, "action": e.action,
            "study_id": e.study_id, "detail": e.detail}


@router.get("/studies/{study_id}/audit", tags=["audit"])
def study_audit(study_id: Id, _: User = Depends(require("read")), db: Session = Depends(get_db)):
    _get_study(db, study_id)
    rows = db.scalars(select(AuditEvent).where(AuditEvent.study_id == study_id)
                      .order_by(AuditEvent.id)).all()
    return [_audit_json(e) for e in rows]


@router.get("/audit", tags=["audit"])
def audit_log(limit: int = Query(200, ge=1, le=5000), offset: Offset = 0,
              _: User = Depends(require("audit")), db: Session = Depends(get_db)):
    rows = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
                      .offset(offset)).all()
    return [_audit_json(e) for e in rows]
