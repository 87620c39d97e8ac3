"""How a study enters the service: checked, decoded images become a study and a queued job.

One path for every source — a browser upload (``api.upload_study``) and a study pulled from a
PACS (``pacs_worker``) — so both get the same admission control (a slot in the generation queue
is reserved first: when none is free, :class:`~cxrgen.serve.jobs.QueueFull` and nothing is
written), the same storage and the same audit trail.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence

from sqlalchemy.orm import Session

from cxrgen.serve import audit
from cxrgen.serve.db.models import Image, Job, Study, User
from cxrgen.serve.dicom_safety import DecodedUpload
from cxrgen.serve.storage import ContentStore


@contextmanager
def queued_study(db: Session, store: ContentStore, runner, user: User,
                 decoded: Sequence[DecodedUpload], *, reference: str, language: str,
                 action: str = "upload", **audit_detail) -> Iterator[tuple[Study, Job]]:
    """Write the study, its images and a queued job; the caller may add rows of its own inside
    the ``with`` block, which commits them together and then hands the job to ``runner``.
    ``runner=None`` (the command line, no service running) leaves the job queued in the
    database, where the service's start-up picks it up."""
    if runner is not None:
        runner.reserve()
    try:
        study = Study(reference=reference.strip(), language=language, status="queued",
                      created_by=user.id)
        db.add(study)
        db.flush()
        for pos, d in enumerate(decoded):
            db.add(Image(study_id=study.id, position=pos, kind=d.kind,
                         original_sha256=store.put(d.stored_bytes),
                         display_sha256=store.put(d.display_png),
                         width=d.meta["width"], height=d.meta["height"], meta=d.meta,
                         phi=d.phi or None))
        job = Job(study_id=study.id, status="queued")
        db.add(job)
        audit.record(db, user, action, study.id, images=len(decoded),
                     kinds=[d.kind for d in decoded], **audit_detail)
        yield study, job
        db.commit()
    except BaseException:
        db.rollback()
        if runner is not None:
            runner.release()
        raise
    if runner is not None:
        runner.submit(job.id)
