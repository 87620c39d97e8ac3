"""The PACS link's API: its state, the studies it saw, write-back on demand, FHIR.

``GET /api/studies/{id}/fhir`` works for every study (without a PACS, the report has no
``imagingStudy``); the other routes answer 404 when the service runs without a PACS link.
Study Instance UIDs are identifiers: only roles allowed to see PHI get them.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxrgen.errors import ConfigError
from cxrgen.serve.auth import can
from cxrgen.serve.db.models import Study, User
from cxrgen.serve.db.pacs import PacsStudy
from cxrgen.serve.deps import Id, get_db, require
from cxrgen.serve.jobs import iso

router = APIRouter(prefix="/api", tags=["pacs"])


def _link(request: Request):
    link = getattr(request.app.state, "pacs", None)
    if link is None:
        raise HTTPException(404, "this service has no PACS link (start it with --pacs-url)")
    return link


def row_json(row: PacsStudy, show_phi: bool) -> dict:
    out = {"id": row.id, "study_id": row.study_id, "status": row.status, "reason": row.reason,
           "attempts": row.attempts, "updated_at": iso(row.updated_at),
           "push": {"status": row.push_status, "error": row.push_error,
                    "attempts": row.push_attempts, "retry_at": iso(row.push_retry_at),
                    "version": row.pushed_version, "verified": row.pushed_verified,
                    "at": iso(row.pushed_at)},
           "fhir": {"status": row.fhir_status, "error": row.fhir_error,
                    "location": row.fhir_location}}
    if show_phi:
        out.update(study_uid=row.study_uid, sr_uid=row.pushed_sr_uid, instances=row.instances)
    return out


@router.get("/pacs/status")
def pacs_status(request: Request, _: User = Depends(require("read")),
                db: Session = Depends(get_db)):
    """The link's state (idle / polling / waiting with the error and next attempt / error) and
    how many studies it pulled, skipped or is waiting for."""
    link = _link(request)
    counts = dict(db.execute(select(PacsStudy.status, func.count()).group_by(PacsStudy.status)).all())
    pushes = dict(db.execute(select(PacsStudy.push_status, func.count())
                             .group_by(PacsStudy.push_status)).all())
    return {**link.state, "studies": counts, "pushes": pushes}


@router.get("/pacs/studies")
def pacs_studies(request: Request, status: str | None = None,
                 limit: int = Query(100, ge=1, le=1000),
                 user: User = Depends(require("read")), db: Session = Depends(get_db)):
    """Studies seen on the PACS, newest first, with the reason of each skip."""
    _link(request)
    stmt = select(PacsStudy).order_by(PacsStudy.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(PacsStudy.status == status)
    return [row_json(r, can(user.role, "see_phi")) for r in db.scalars(stmt)]


@router.post("/pacs/poll")
def pacs_poll(request: Request, _: User = Depends(require("upload"))):
    """Poll the PACS now (instead of waiting for the next interval)."""
    link = _link(request)
    counts = link.poll_once()
    return {**link.state, "last_poll": counts}


def _pacs_row(db: Session, study_id: int) -> PacsStudy:
    if db.get(Study, study_id) is None:
        raise HTTPException(404, f"study {study_id} not found")
    row = db.scalar(select(PacsStudy).where(PacsStudy.study_id == study_id))
    if row is None:
        raise HTTPException(404, f"study {study_id} did not come from a PACS")
    return row


@router.get("/studies/{study_id}/pacs")
def study_pacs(study_id: Id, request: Request, user: User = Depends(require("read")),
               db: Session = Depends(get_db)):
    """Where the study came from and the state of its write-back (SR and FHIR)."""
    _link(request)
    return row_json(_pacs_row(db, study_id), can(user.role, "see_phi"))


@router.post("/studies/{study_id}/pacs/push")
def push_now(study_id: Id, request: Request, user: User = Depends(require("edit")),
             db: Session = Depends(get_db)):
    """Store the current report as an SR in the PACS now: VERIFIED when signed, otherwise the
    UNVERIFIED draft. Also the way to retry a failed push. 502 when the PACS failed."""
    link = _link(request)
    _pacs_row(db, study_id)
    row = link.push(study_id)
    out = row_json(row, can(user.role, "see_phi"))
    if row.push_status != "pushed":
        raise HTTPException(502, {"message": f"SR not stored: {row.push_error}", "pacs": out})
    return out


@router.get("/studies/{study_id}/fhir")
def study_fhir(study_id: Id, request: Request, _: User = Depends(require("read")),
               db: Session = Depends(get_db)):
    """The report as a FHIR R4(B) DiagnosticReport: ``preliminary`` until signed, ``final``
    after, validated with fhir.resources before it is sent."""
    try:
        from cxrgen.pacs.fhir import diagnostic_report
        from cxrgen.serve.pacs_worker import report_document
    except ImportError as exc:  # the pacs extra is not installed
        raise HTTPException(501, f"FHIR needs the pacs extra (pip install 'cxrgen[pacs]'): "
                                 f"{exc.name} is missing") from None
    study = db.get(Study, study_id)
    if study is None:
        raise HTTPException(404, f"study {study_id} not found")
    row = db.scalar(select(PacsStudy).where(PacsStudy.study_id == study_id))
    return diagnostic_report(report_document(db, study, row))


@router.post("/studies/{study_id}/fhir/send")
def send_fhir(study_id: Id, request: Request, _: User = Depends(require("edit")),
              db: Session = Depends(get_db)):
    """POST the DiagnosticReport to the configured FHIR endpoint now (502 when it fails)."""
    link = _link(request)
    if db.get(Study, study_id) is None:
        raise HTTPException(404, f"study {study_id} not found")
    try:
        row = link.send_fhir(study_id)
    except ConfigError as exc:
        raise HTTPException(409, str(exc)) from None
    if row is not None and row.fhir_status != "sent":
        raise HTTPException(502, f"FHIR report not accepted: {row.fhir_error}")
    return {"study_id": study_id, "fhir": row_json(row, False)["fhir"] if row else None}
