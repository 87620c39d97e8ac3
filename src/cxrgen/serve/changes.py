"""What the radiologist changed: the machine draft against the report they signed, per category,
and the edit burden of each model over the signed studies.

The clinical error analysis (:mod:`cxrgen.metrics.clinical_errors`) is run with the signed (or
current) report as the reference and the machine draft as the hypothesis, so each category
reads as an edit: ``false_finding`` = a finding of the draft the radiologist removed,
``missed_finding`` = one they added, ``wrong_location`` / ``wrong_severity`` = one they moved
or regraded, ``false_comparison`` / ``missed_comparison`` = a comparison they removed / added.

* ``GET /api/studies/{id}/changes``: that diff for one study (draft vs latest version);
* ``GET /api/edit-burden``: per model (the draft's ``model`` name and checkpoint), over the
  signed studies: edits per category, per 100 signed reports, reports changed, GREEN-style score
  of the drafts against the signed reports.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxrgen.errors import ConfigError
from cxrgen.serve.db.models import Draft, ReportVersion, Study, User
from cxrgen.serve.deps import Id, get_db, get_or_404, require

router = APIRouter(prefix="/api", tags=["reports"])


def _latest_version(db: Session, study_id: int) -> ReportVersion | None:
    return db.scalar(select(ReportVersion).where(ReportVersion.study_id == study_id)
                     .order_by(ReportVersion.version.desc()).limit(1))


def _model_key(draft: Draft) -> str:
    m = draft.model or {}
    return " / ".join(str(m[k]) for k in ("model", "ckpt") if m.get(k)) or "unknown model"


def _analysis(language: str, hyps: list[str], refs: list[str], ids: list[str]):
    from cxrgen.metrics.clinical_errors import analyze_report_errors

    try:
        return analyze_report_errors(hyps, refs, language, ids)
    except ConfigError as exc:  # a study in a language the toolkit has no graph for
        raise HTTPException(422, f"no error analysis for language {language!r}: {exc}") from None


@router.get("/studies/{study_id}/changes")
def study_changes(study_id: Id, _: User = Depends(require("read")), db: Session = Depends(get_db)):
    """The machine draft against the latest report version, per error category."""
    s = get_or_404(db, Study, study_id, "study")
    draft, latest = db.get(Draft, study_id), _latest_version(db, study_id)
    if draft is None or latest is None:
        raise HTTPException(404, f"study {study_id} has no draft yet: poll its job")
    analysis = _analysis(s.language, [draft.text], [latest.text], [str(study_id)])
    pair = analysis.pairs[0]
    return {"study_id": study_id, "language": s.language, "model": _model_key(draft),
            "version": latest.version, "signed": s.status == "signed", "edited": latest.text != draft.text,
            "matched": pair.matched, "counts": pair.counts(), "errors": [e.as_dict() for e in pair.errors],
            "signature": str(analysis.score.signature)}


@router.get("/edit-burden")
def edit_burden(_: User = Depends(require("read")), db: Session = Depends(get_db)):
    """Per model: what radiologists changed in its drafts before signing, over signed studies."""
    rows = db.execute(select(Study, Draft).join(Draft, Draft.study_id == Study.id)
                      .where(Study.status == "signed").order_by(Study.id)).all()
    groups: dict[tuple[str, str], list] = {}
    for study, draft in rows:
        latest = _latest_version(db, study.id)
        if latest is not None:
            groups.setdefault((_model_key(draft), study.language), []).append((study.id, draft.text, latest.text))
    out = []
    for (model, language), items in sorted(groups.items()):
        analysis = _analysis(language, [d for _, d, _ in items], [t for *_, t in items], [str(i) for i, *_ in items])
        s = analysis.summary
        out.append({"model": model, "language": language, "signed_reports": s["n"],
                    "reports_changed": sum(1 for _, d, t in items if d != t),
                    "reports_with_clinical_edits": s["reports_with_errors"],
                    "edits": s["counts"], "edits_per_100_signed": s["per_100_reports"],
                    "all_edits_per_100_signed": s["errors_per_100_reports"],
                    "green_style": s["green_style"], "signature": str(analysis.score.signature)})
    return {"models": out}
