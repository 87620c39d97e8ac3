"""Human-evaluation API under ``/api/eval``: raters fetch blinded items and submit ratings;
evaluation managers (admins) export ratings and read the summary.

Raters never receive model names: an item carries slots ("A", "B", ...) and texts only.
Sessions are created with ``cxrgen humaneval create`` (:func:`human_eval.create_session`).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cxrgen.errors import InputError
from cxrgen.serve import audit, human_eval
from cxrgen.serve.db.models import EvalItem, EvalRating, EvalSession, User
from cxrgen.serve.deps import Id, Position, get_db, get_or_404, require

router = APIRouter(prefix="/api/eval", tags=["human evaluation"])


class RatingIn(BaseModel):
    #: rating mode: {slot: {criterion: 1..5}}
    scores: dict[str, dict[str, int]] | None = None
    #: pairwise mode: the slot of the better report
    preferred: str | None = None


def _session(db: Session, session_id: int) -> EvalSession:
    return get_or_404(db, EvalSession, session_id, "evaluation session")


@router.get("/sessions")
def list_sessions(user: User = Depends(require("rate")), db: Session = Depends(get_db)):
    out = []
    for s in db.scalars(select(EvalSession).order_by(EvalSession.id)):
        total = db.scalar(select(func.count()).where(EvalItem.session_id == s.id))
        done = db.scalar(select(func.count()).select_from(EvalRating).join(EvalItem)
                         .where(EvalItem.session_id == s.id, EvalRating.rater_id == user.id))
        out.append({"id": s.id, "name": s.name, "mode": s.mode, "items": total, "rated_by_me": done,
                    "criteria": list(human_eval.CRITERIA) if s.mode == "rating" else []})
    return out


@router.get("/sessions/{session_id}/next")
def next_item(session_id: Id, user: User = Depends(require("rate")),
              db: Session = Depends(get_db)):
    """The next item this rater has not rated, blinded; ``{"done": true}`` when none is left."""
    s = _session(db, session_id)
    rated = select(EvalRating.item_id).where(EvalRating.rater_id == user.id)
    item = db.scalar(select(EvalItem).where(EvalItem.session_id == s.id, EvalItem.id.not_in(rated))
                     .order_by(EvalItem.position).limit(1))
    total = db.scalar(select(func.count()).where(EvalItem.session_id == s.id))
    if item is None:
        return {"done": True, "total": total}
    return {"done": False, "item_id": item.id, "position": item.position, "total": total,
            "mode": s.mode, "criteria": list(human_eval.CRITERIA) if s.mode == "rating" else [],
            "images": [f"/api/eval/items/{item.id}/images/{k}" for k in range(len(item.image_sha256))],
            "candidates": [{"slot": c["slot"], "text": c["text"]} for c in item.candidates]}


@router.get("/items/{item_id}/images/{k}", responses={200: {"content": {"image/png": {}}}})
def item_image(item_id: Id, k: Position, request: Request, _: User = Depends(require("rate")),
               db: Session = Depends(get_db)):
    item = db.get(EvalItem, item_id)
    if item is None or not 0 <= k < len(item.image_sha256):
        raise HTTPException(404, f"evaluation item {item_id} image {k} not found")
    return Response(request.app.state.store.get(item.image_sha256[k]), media_type="image/png")


@router.post("/items/{item_id}/rating", status_code=201)
def rate(item_id: Id, body: RatingIn, user: User = Depends(require("rate")),
         db: Session = Depends(get_db)):
    item = db.get(EvalItem, item_id)
    if item is None:
        raise HTTPException(404, f"evaluation item {item_id} not found")
    s = db.get(EvalSession, item.session_id)
    if db.scalar(select(EvalRating).where(EvalRating.item_id == item.id,
                                          EvalRating.rater_id == user.id)):
        raise HTTPException(409, f"you already rated item {item_id}; ratings are final")
    try:
        human_eval.validate_rating(item, s.mode, body.scores, body.preferred)
    except InputError as exc:
        raise HTTPException(400, str(exc)) from None
    db.add(EvalRating(item_id=item.id, rater_id=user.id, scores=body.scores or {},
                      preferred=body.preferred))
    audit.record(db, user, "rating", session=s.name, item=item.position)
    try:
        db.commit()
    except IntegrityError:  # the same rater's concurrent request won the unique constraint
        db.rollback()
        raise HTTPException(409, f"you already rated item {item_id}; ratings are final") from None
    return {"ok": True}


@router.get("/sessions/{session_id}/export.csv", responses={200: {"content": {"text/csv": {}}}})
def export_csv(session_id: Id, _: User = Depends(require("manage_eval")),
               db: Session = Depends(get_db)):
    """Unblinded ratings, one row per (item, rater, report, criterion)."""
    s = _session(db, session_id)
    return Response(human_eval.to_csv(human_eval.rating_rows(db, s)),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="ratings-{s.id}.csv"'})


@router.get("/sessions/{session_id}/summary")
def summary(session_id: Id, n_boot: int = Query(2000, ge=100, le=20000),
            seed: int = Query(0, ge=0, le=2**32 - 1),
            _: User = Depends(require("manage_eval")), db: Session = Depends(get_db)):
    """Mean scores with bootstrap CIs per model and inter-rater agreement."""
    s = _session(db, session_id)
    out = human_eval.summarize(human_eval.rating_rows(db, s), s.mode, n_boot=n_boot, seed=seed)
    return {"session": s.name, "models": s.models, "sources": s.sources, **out}
