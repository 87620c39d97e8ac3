"""Draft generation off the request path: a worker pool behind a bounded queue.

The database is the source of truth for jobs; the in-memory queue only carries job ids to the
workers. Hence:

* **Admission**: an upload first reserves a slot (queued + running jobs < ``queue_size``); when
  none is free it gets :class:`QueueFull` (the API answers 503 with ``Retry-After``) and nothing
  is written, so a refused upload leaves no half-made study.
* **Restart**: at start-up every job still ``queued`` or ``running`` in the database was
  interrupted by the previous process's end. It is queued again (resumed) unless it has already
  been started ``max_attempts`` times, in which case it is marked ``failed`` with the reason —
  a job that kills the process is not retried forever, and the failure is visible in the
  worklist and in ``GET /api/jobs/{id}``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from datetime import timezone

from sqlalchemy import select

from cxrgen.serve import audit
from cxrgen.serve.db.models import Draft, Job, ReportVersion, Study, utcnow
from cxrgen.serve.drafter import Drafter, heatmap_png
from cxrgen.serve.findings import highlight_spans
from cxrgen.serve.metrics import ServiceMetrics
from cxrgen.serve.storage import ContentStore

log = logging.getLogger("cxrgen.serve.jobs")


class QueueFull(Exception):
    def __init__(self, pending: int, capacity: int, retry_after_s: int):
        super().__init__(f"generation queue is full ({pending} of {capacity} jobs waiting); "
                         f"retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class JobRunner:
    def __init__(self, sessionmaker, store: ContentStore, drafter: Drafter, *, workers: int,
                 queue_size: int, max_attempts: int, retry_after_s: int,
                 metrics: ServiceMetrics):
        self.sessionmaker = sessionmaker
        self.store = store
        self.drafter = drafter
        self.workers = workers
        self.capacity = queue_size
        self.max_attempts = max_attempts
        self.retry_after_s = retry_after_s
        self.metrics = metrics
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._pending = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.recovered = {"resumed": 0, "failed": 0}

    # ------------------------------------------------------------------ admission
    @property
    def pending(self) -> int:
        return self._pending

    def reserve(self) -> None:
        with self._lock:
            if self._pending >= self.capacity:
                raise QueueFull(self._pending, self.capacity, self.retry_after_s)
            self._pending += 1
            self.metrics.pending.set(self._pending)

    def release(self) -> None:
        with self._lock:
            self._pending -= 1
            self.metrics.pending.set(self._pending)

    def alive_workers(self) -> int:
        return sum(t.is_alive() for t in self._threads)

    def submit(self, job_id: int) -> None:
        """Queue a job whose slot was reserved with :meth:`reserve`."""
        self._queue.put(job_id)

    # ------------------------------------------------------------------ life cycle
    def start(self) -> None:
        self._recover()
        for i in range(self.workers):
            t = threading.Thread(target=self._loop, name=f"cxrgen-drafter-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self, timeout: float = 30.0) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()

    def _recover(self) -> None:
        with self.sessionmaker() as db:
            unfinished = db.scalars(select(Job).where(Job.status.in_(("queued", "running")))
                                    .order_by(Job.id)).all()
            resume = []
            for job in unfinished:
                study = db.get(Study, job.study_id)
                if job.status == "running" and job.attempts >= self.max_attempts:
                    job.status, job.finished_at = "failed", utcnow()
                    job.error = (f"interrupted {job.attempts} times: the service stopped while "
                                 f"this job ran; not retried again (POST /api/studies/"
                                 f"{job.study_id}/retry to try once more)")
                    study.status = "failed"
                    audit.record(db, None, "job_failed_on_restart", study.id, job_id=job.id,
                                 attempts=job.attempts)
                    self.recovered["failed"] += 1
                    self.metrics.jobs.labels("interrupted").inc()
                else:
                    if job.status == "running":
                        job.error = f"resumed after a restart (attempt {job.attempts} was interrupted)"
                    job.status = "queued"
                    study.status = "queued"
                    resume.append(job.id)
                    self.recovered["resumed"] += 1
            db.commit()
        with self._lock:
            self._pending += len(resume)
            self.metrics.pending.set(self._pending)
        for job_id in resume:
            self._queue.put(job_id)
        if unfinished:
            log.warning("restart: %d unfinished jobs resumed, %d marked failed",
                        self.recovered["resumed"], self.recovered["failed"])

    # ------------------------------------------------------------------ work
    def _loop(self) -> None:
        while True:
            job_id = self._queue.get()
            if job_id is None:
                return
            try:
                self._run(job_id)
            except Exception:  # a bug here must not kill the worker thread
                log.exception("job %d: unexpected error in the job runner", job_id)
            finally:
                self.release()

    def _run(self, job_id: int) -> None:
        with self.sessionmaker() as db:
            job = db.get(Job, job_id)
            if job is None or job.status != "queued":
                return
            study = db.get(Study, job.study_id)
            job.status, job.started_at, job.attempts = "running", utcnow(), job.attempts + 1
            study.status = "drafting"
            db.commit()
            images = list(study.images)
            # the downscaled copy made at intake: the original may be a 4000 px DICOM
            paths = [self.store.path(im.display_sha256) for im in images]
        log.info("job started", extra={"event": "job_start", "job_id": job_id})
        t0 = time.perf_counter()
        try:
            draft = self.drafter.draft(paths)
            heat = [heatmap_png(h, im.width, im.height) if h is not None else None
                    for h, im in zip(draft.heatmaps, images)]
        except Exception as exc:
            elapsed = time.perf_counter() - t0
            # The message names the exception, not the inputs: no PHI reaches the log or the DB.
            log.warning("job failed", extra={"event": "job_end", "job_id": job_id,
                                             "outcome": "failed", "exception": type(exc).__name__,
                                             "duration_ms": round(elapsed * 1000, 1)})
            with self.sessionmaker() as db:
                job = db.get(Job, job_id)
                study = db.get(Study, job.study_id)
                job.status, job.finished_at, job.duration_s = "failed", utcnow(), elapsed
                job.error = f"generation failed: {type(exc).__name__}: {exc}"[:2000]
                study.status = "failed"
                db.commit()
            self.metrics.jobs.labels("failed").inc()
            return
        elapsed = time.perf_counter() - t0
        spans, note = highlight_spans(draft.text, draft.language)
        with self.sessionmaker() as db:
            job = db.get(Job, job_id)
            study = db.get(Study, job.study_id)
            for im, png in zip(study.images, heat):
                if png is not None:
                    im.heatmap_sha256 = self.store.put(png)
            model = dict(draft.model, labeler_note=note) if note else dict(draft.model)
            db.merge(Draft(study_id=study.id, text=draft.text, language=draft.language,
                           labels=[{"finding": k, "value": v} for k, v in draft.labels.items()]
                           if isinstance(draft.labels, dict) else draft.labels,
                           graph=draft.graph, model=model))
            if not study.versions:
                db.add(ReportVersion(study_id=study.id, version=1, text=draft.text, labels=spans))
                study.current_version = 1
            study.language = draft.language
            study.status = "draft_ready"
            job.status, job.finished_at, job.duration_s, job.error = "done", utcnow(), elapsed, None
            db.commit()
        self.metrics.jobs.labels("done").inc()
        self.metrics.job_seconds.observe(elapsed)
        log.info("job done", extra={"event": "job_end", "job_id": job_id, "outcome": "done",
                                    "duration_ms": round(elapsed * 1000, 1)})


def iso(dt) -> str | None:
    """ISO 8601 in UTC; SQLite returns naive datetimes, which are UTC by construction here."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.isoformat()
