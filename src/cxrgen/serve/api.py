"""The JSON API under ``/api``: login, users, studies, jobs, images, drafts, reports, audit.

Status codes: 400 bad input (corrupt image, malformed body), 401 not logged in, 403 role not
allowed, 404 unknown study / job / image, 409 conflict (report signed, stale base version),
413 too large, 415 not an image type we accept, 503 generation queue full (with Retry-After).
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cxrgen.errors import InputError
from cxrgen.serve import audit
from cxrgen.serve.auth import ROLES, authenticate, can, create_user, issue_token, revoke_token
from cxrgen.serve.db.models import AuditEvent, Draft, Image, Job, ReportVersion, Study, User, utcnow
from cxrgen.serve.deps import bearer, current_user, get_db, require
from cxrgen.serve.dicom_safety import decode_upload, sniff
from cxrgen.serve.findings import highlight_spans
from cxrgen.serve.intake import queued_study
from cxrgen.serve.jobs import iso
from cxrgen.text.languages import LANGUAGES

log = logging.getLogger("cxrgen.serve.api")
router = APIRouter(prefix="/api")
MAX_REPORT_CHARS = 20_000


# ----------------------------------------------------------------------------- schemas
class LoginIn(BaseModel):
    username: str
    password: str


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=8)
    role: str


class ReportEdit(BaseModel):
    text: str = Field(max_length=MAX_REPORT_CHARS)
    #: The version the edit was made on; a stale one (someone saved in between) is a 409.
    base_version: int


# ----------------------------------------------------------------------------- auth and users
@router.post("/auth/login", tags=["auth"])
def login(body: LoginIn, request: Request, db: Session = Depends(get_db)):
    user = authenticate(db, body.username, body.password, request.app.state.passwords)
    if user is None:
        audit.record(db, None, "login_failed", attempted=body.username[:64])
        db.commit()
        raise HTTPException(401, "wrong username or password")
    token = issue_token(db, user, request.app.state.settings.token_ttl_s)
    audit.record(db, user, "login")
    db.commit()
    return {"token": token, "user": _user_json(user)}


@router.post("/auth/logout", tags=["auth"])
def logout(creds=Depends(bearer), user: User = Depends(current_user), db: Session = Depends(get_db)):
    revoke_token(db, creds.credentials)
    db.commit()
    return {"ok": True}


@router.get("/auth/me", tags=["auth"])
def me(user: User = Depends(current_user)):
    return _user_json(user)


@router.get("/users", tags=["auth"])
def list_users(_: User = Depends(require("manage_users")), db: Session = Depends(get_db)):
    return [_user_json(u) for u in db.scalars(select(User).order_by(User.id))]


@router.post("/users", tags=["auth"], status_code=201)
def add_user(body: UserIn, request: Request, admin: User = Depends(require("manage_users")),
             db: Session = Depends(get_db)):
    if body.role not in ROLES:
        raise HTTPException(400, f"unknown role {body.role!r}; valid roles: {', '.join(ROLES)}")
    try:
        user = create_user(db, body.username, body.password, body.role,
                           request.app.state.passwords)
    except InputError as exc:
        raise HTTPException(409 if "already exists" in str(exc) else 400, str(exc)) from None
    audit.record(db, admin, "user_created", username=user.username, role=user.role)
    db.commit()
    return _user_json(user)


def _user_json(u: User) -> dict:
    return {"id": u.id, "username": u.username, "role": u.role,
            "permissions": sorted(p for p in ("read", "upload", "edit", "sign", "see_phi", "audit",
                                              "manage_users", "manage_eval", "rate")
                                  if can(u.role, p))}


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
        try:
            decoded.append(decode_upload(data, f.filename or "", label=label,
                                         max_pixels=st.max_pixels, deidentify=st.deidentify_dicom))
        except InputError:
            metrics.rejected.labels("corrupt").inc()
            raise
    # QueueFull -> 503 + Retry-After, before anything is written
    with queued_study(db, request.app.state.store, request.app.state.runner, user, decoded,
                      reference=reference, language=language) as (study, job):
        pass
    log.info("study %d uploaded (%d images), job %d queued", study.id, len(decoded), job.id)
    return {"study_id": study.id, "job_id": job.id, "status": "queued",
            "job_url": f"/api/jobs/{job.id}", "study_url": f"/api/studies/{study.id}"}


@router.get("/studies", tags=["studies"])
def list_studies(q: str | None = Query(None, max_length=200, description="search reference and "
                                       "report text"),
                 status: str | None = None, limit: int = Query(50, ge=1, le=500),
                 offset: int = Query(0, ge=0),
                 _: User = Depends(require("read")), db: Session = Depends(get_db)):
    """The worklist, newest first; ``q`` searches the reference and the current report text."""
    stmt = select(Study)
    if status:
        stmt = stmt.where(Study.status == status)
    if q:
        like = f"%{q.strip()}%"
        # the current version only: a finding removed by the radiologist no longer matches
        newest = (select(ReportVersion.study_id, func.max(ReportVersion.version).label("v"))
                  .group_by(ReportVersion.study_id).subquery())
        current = (select(ReportVersion.study_id)
                   .join(newest, (ReportVersion.study_id == newest.c.study_id)
                         & (ReportVersion.version == newest.c.v))
                   .where(ReportVersion.text.ilike(like)))
        conditions = [Study.reference.ilike(like), Study.id.in_(current)]
        if q.strip().isdigit():
            conditions.append(Study.id == int(q.strip()))
        stmt = stmt.where(or_(*conditions))
    total = db.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.scalars(stmt.order_by(Study.id.desc()).limit(limit).offset(offset)).all()
    return {"total": total, "items": [_study_summary(db, s) for s in rows]}


def _study_summary(db: Session, s: Study) -> dict:
    latest = db.scalar(select(ReportVersion).where(ReportVersion.study_id == s.id)
                       .order_by(ReportVersion.version.desc()).limit(1))
    job = db.scalar(select(Job).where(Job.study_id == s.id).order_by(Job.id.desc()).limit(1))
    return {"id": s.id, "reference": s.reference, "language": s.language, "status": s.status,
            "created_at": iso(s.created_at), "signed_at": iso(s.signed_at),
            "images": len(s.images), "version": latest.version if latest else None,
            "excerpt": (latest.text[:120] if latest else ""),
            "job": _job_json(job) if job else None}


def _get_study(db: Session, study_id: int) -> Study:
    study = db.get(Study, study_id)
    if study is None:
        raise HTTPException(404, f"study {study_id} not found")
    return study


@router.get("/studies/{study_id}", tags=["studies"])
def get_study(study_id: int, user: User = Depends(require("read")), db: Session = Depends(get_db)):
    """A study with its images; patient identifiers only for roles allowed to see them."""
    s = _get_study(db, study_id)
    show_phi = can(user.role, "see_phi")
    out = _study_summary(db, s)
    out["images"] = [{"position": im.position, "kind": im.kind, "width": im.width,
                      "height": im.height, "meta": im.meta,
                      "has_heatmap": im.heatmap_sha256 is not None,
                      "url": f"/api/studies/{s.id}/images/{im.position}",
                      "heatmap_url": f"/api/studies/{s.id}/images/{im.position}/heatmap",
                      **({"phi": im.phi or {}} if show_phi else {})} for im in s.images]
    out["phi_visible"] = show_phi
    out["signed_by"] = _username(db, s.signed_by)
    return out


def _username(db: Session, user_id: int | None) -> str | None:
    return db.get(User, user_id).username if user_id else None


@router.post("/studies/{study_id}/retry", tags=["studies"], status_code=202)
def retry_study(study_id: int, request: Request, user: User = Depends(require("upload")),
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
def get_job(job_id: int, _: User = Depends(require("read")), db: Session = Depends(get_db)):
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
def get_image(study_id: int, position: int, request: Request,
              _: User = Depends(require("read")), db: Session = Depends(get_db)):
    """The image as an 8-bit grayscale PNG (DICOM rendered with its window)."""
    im = _image(db, study_id, position)
    return Response(request.app.state.store.get(im.display_sha256), media_type="image/png",
                    headers={"Cache-Control": "private, max-age=3600"})


@router.get("/studies/{study_id}/images/{position}/heatmap", tags=["images"],
            responses={200: {"content": {"image/png": {}}}})
def get_heatmap(study_id: int, position: int, request: Request,
                _: User = Depends(require("read")), db: Session = Depends(get_db)):
    """The model's attention over the image as an RGBA PNG of the image's size."""
    im = _image(db, study_id, position)
    if im.heatmap_sha256 is None:
        raise HTTPException(404, f"study {study_id} image {position} has no heatmap (yet)")
    return Response(request.app.state.store.get(im.heatmap_sha256), media_type="image/png")


# ----------------------------------------------------------------------------- drafts, reports
@router.get("/studies/{study_id}/draft", tags=["reports"])
def get_draft(study_id: int, _: User = Depends(require("read")), db: Session = Depends(get_db)):
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
def get_report(study_id: int, _: User = Depends(require("read")), db: Session = Depends(get_db)):
    """The current report version with its findings highlights and sign-off state."""
    s = _get_study(db, study_id)
    v = _latest(db, study_id)
    if v is None:
        raise HTTPException(404, f"study {study_id} has no report yet: poll its job")
    return {**_version_json(db, v), "study_id": study_id, "language": s.language,
            "signed": s.status == "signed", "signed_by": _username(db, s.signed_by),
            "signed_at": iso(s.signed_at)}


@router.put("/studies/{study_id}/report", tags=["reports"])
def edit_report(study_id: int, body: ReportEdit, user: User = Depends(require("edit")),
                db: Session = Depends(get_db)):
    """Save an edit as a new version (every version is kept); refused once signed."""
    s = _get_study(db, study_id)
    if s.status == "signed":
        raise HTTPException(409, f"study {study_id} is signed: its report is locked")
    v = _latest(db, study_id)
    if v is None:
        raise HTTPException(409, f"study {study_id} has no draft yet: wait for its job")
    if body.base_version != v.version:
        raise HTTPException(409, f"report changed since version {body.base_version} (now "
                                 f"{v.version}, by {_version_json(db, v)['author']}): reload")
    text = body.text.replace("\r\n", "\n")
    if not text.strip():
        raise HTTPException(400, "report text is empty")
    if text == v.text:
        return {**_version_json(db, v), "unchanged": True}
    spans, _note = highlight_spans(text, s.language)
    new = ReportVersion(study_id=s.id, version=v.version + 1, text=text, labels=spans,
                        author_id=user.id)
    db.add(new)
    s.status = "edited"
    audit.record(db, user, "edit", s.id, from_version=v.version, to_version=new.version,
                 diff=audit.text_diff(v.text, text, f"v{v.version}", f"v{new.version}"))
    db.commit()
    return _version_json(db, new)


@router.get("/studies/{study_id}/report/versions", tags=["reports"])
def report_versions(study_id: int, _: User = Depends(require("read")),
                    db: Session = Depends(get_db)):
    """Every version, oldest first (version 1 is the machine draft)."""
    _get_study(db, study_id)
    rows = db.scalars(select(ReportVersion).where(ReportVersion.study_id == study_id)
                      .order_by(ReportVersion.version)).all()
    return [_version_json(db, v) for v in rows]


@router.post("/studies/{study_id}/signoff", tags=["reports"])
def sign_off(study_id: int, request: Request, user: User = Depends(require("sign")),
             db: Session = Depends(get_db)):
    """Sign the current version; the report is locked afterwards."""
    s = _get_study(db, study_id)
    if s.status == "signed":
        raise HTTPException(409, f"study {study_id} was already signed by "
                                 f"{_username(db, s.signed_by)}")
    v = _latest(db, study_id)
    if v is None:
        raise HTTPException(409, f"study {study_id} has no report to sign yet")
    s.status, s.signed_by, s.signed_at = "signed", user.id, utcnow()
    audit.record(db, user, "sign_off", s.id, version=v.version)
    db.commit()
    for hook in request.app.state.signoff_hooks:
        hook(s.id)
    return {"study_id": s.id, "status": s.status, "version": v.version,
            "signed_by": user.username, "signed_at": iso(s.signed_at)}


# ----------------------------------------------------------------------------- audit
def _audit_json(e: AuditEvent) -> dict:
    return {"id": e.id, "at": iso(e.at), "user": e.username, "action": e.action,
            "study_id": e.study_id, "detail": e.detail}


@router.get("/studies/{study_id}/audit", tags=["audit"])
def study_audit(study_id: int, _: User = Depends(require("read")), db: Session = Depends(get_db)):
    _get_study(db, study_id)
    rows = db.scalars(select(AuditEvent).where(AuditEvent.study_id == study_id)
                      .order_by(AuditEvent.id)).all()
    return [_audit_json(e) for e in rows]


@router.get("/audit", tags=["audit"])
def audit_log(limit: int = Query(200, ge=1, le=5000), offset: int = Query(0, ge=0),
              _: User = Depends(require("audit")), db: Session = Depends(get_db)):
    rows = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
                      .offset(offset)).all()
    return [_audit_json(e) for e in rows]
