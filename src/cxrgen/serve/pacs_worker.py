"""The service's PACS link: pull chest radiographs in, write signed reports back.

* **Pull**: a thread polls the PACS (QIDO-RS) every ``poll_interval_s`` for studies matching the
  filter (default: modality CR/DX, body part CHEST), fetches each new one (WADO-RS) and queues it
  through :func:`cxrgen.serve.intake.queued_study`, the upload's own path: the same limits (file
  size, images per study, pixels), the same de-identification setting, the same queue admission.
  A study is pulled once (``pacs_studies`` is unique on PACS and Study Instance UID); one that is
  not a chest radiograph, or breaks a limit, is recorded as skipped with the reason.
* **Failures**: a PACS that is down or too slow makes the poll wait (state ``waiting``, with the
  error and the next attempt's time in ``GET /api/pacs/status``) and back off exponentially up to
  ``max_backoff_s``; a study whose fetch failed half-way is recorded as ``waiting`` and fetched
  again, so nothing is lost. Wrong credentials give one clear error in the same place.
* **Push**: on sign-off (and on demand, ``POST /api/studies/{id}/pacs/push``) the report becomes
  a DICOM SR (:mod:`cxrgen.pacs.sr`: VERIFIED by the signing radiologist; a draft pushed on
  demand is UNVERIFIED) stored by STOW-RS into the study it came from. A PACS that is down is
  retried with back-off; a PACS that refuses the SR marks the push ``failed`` with its answer,
  shown on the study, until someone retries it.
* **FHIR**: with ``fhir_url`` set, the signed report's ``DiagnosticReport`` is POSTed there too.

Credentials live in :class:`cxrgen.pacs.PacsConfig` (never logged, never in a message).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxrgen import __version__
from cxrgen.errors import ConfigError, InputError
from cxrgen.pacs.client import PacsClient, PacsConfig, PacsError, PacsUnavailable
from cxrgen.pacs.document import ReportDocument, SourceImage
from cxrgen.pacs.pull import PulledStudy, pull_study
from cxrgen.pacs.selection import StudyFilter, json_value
from cxrgen.serve import audit
from cxrgen.serve.db.models import Draft, ReportVersion, Study, User, utcnow
from cxrgen.serve.db.pacs import PacsStudy
from cxrgen.serve.dicom_safety import Limits, decode_upload
from cxrgen.serve.intake import queued_study
from cxrgen.serve.jobs import QueueFull
from cxrgen.text.languages import get_language

log = logging.getLogger("cxrgen.serve.pacs")
#: the account pulled studies are created by; inactive, so nobody can log in as it
SYSTEM_USER = "pacs"


@dataclass
class PacsSettings:
    """The service's PACS link (``Settings.pacs``)."""

    pacs: PacsConfig
    filter: StudyFilter = field(default_factory=StudyFilter)
    #: poll for new studies; off = push only (studies come by upload or `cxrgen pacs pull`)
    poll: bool = True
    poll_interval_s: float = 60.0
    #: first wait after a failed poll or push, doubled at each failure up to max_backoff_s
    backoff_s: float = 5.0
    max_backoff_s: float = 600.0
    push_on_signoff: bool = True
    #: also store the machine draft as an UNVERIFIED SR as soon as it is ready
    push_drafts: bool = False
    language: str = "en"
    #: FHIR server base URL: the signed DiagnosticReport is POSTed to <fhir_url>/DiagnosticReport
    fhir_url: str | None = None
    organization: str = "cxrgen review service"

    def __post_init__(self):
        if self.poll_interval_s <= 0 or self.backoff_s <= 0 or self.max_backoff_s < self.backoff_s:
            raise ConfigError(f"PACS poll_interval_s={self.poll_interval_s}, backoff_s="
                              f"{self.backoff_s}, max_backoff_s={self.max_backoff_s}: all must be "
                              f"> 0 and max_backoff_s >= backoff_s")
        get_language(self.language)  # an unknown code is a ConfigError listing the valid ones


@dataclass
class PullOutcome:
    study_uid: str
    status: str  # queued | skipped | exists
    reason: str | None = None
    study_id: int | None = None
    job_id: int | None = None


def system_user(db: Session, passwords) -> User:
    from cxrgen.serve.auth import create_user

    user = db.scalar(select(User).where(User.username == SYSTEM_USER))
    if user is None:
        user = create_user(db, SYSTEM_USER, secrets.token_urlsafe(24), "reviewer", passwords)
        user.active = False
        db.commit()
    return user


def _row(db: Session, source: str, study_uid: str) -> PacsStudy | None:
    return db.scalar(select(PacsStudy).where(PacsStudy.source == source,
                                             PacsStudy.study_uid == study_uid))


def _limits_reason(pulled: PulledStudy, settings, model_max: int | None) -> str | None:
    n = len(pulled.instances)
    limit = min(settings.max_files, model_max or settings.max_files)
    if n > limit:
        return (f"{n} chest images, more than the {limit} a study may have here (the upload "
                f"limit and the model's views); report on it by uploading the views to use")
    for i, inst in enumerate(pulled.instances, 1):
        if len(inst.data) > settings.max_file_bytes:
            return f"image {i} has {len(inst.data)} bytes, over the limit of {settings.max_file_bytes}"
    return None


def pull_into_service(db: Session, store, runner, settings, client: PacsClient, study_uid: str,
                      flt: StudyFilter, user: User, language: str = "en",
                      model_max: int | None = None) -> PullOutcome:
    """Pull one study and queue it as an upload would; idempotent by Study Instance UID.
    Raises :class:`PacsUnavailable` / :class:`PacsAuthError` (after recording the study as
    ``waiting``) and :class:`QueueFull` (nothing recorded: the next poll tries again)."""
    row = _row(db, client.url, study_uid)
    if row is not None and row.status in ("queued", "skipped"):
        return PullOutcome(study_uid, "exists", row.reason, row.study_id)
    try:
        pulled = pull_study(client, study_uid, flt,
                            max_instances=min(settings.max_files, model_max or settings.max_files))
    except PacsError as exc:
        _record(db, row, client.url, study_uid, "waiting", str(exc))
        raise
    reason = pulled.reason or _limits_reason(pulled, settings, model_max)
    decoded = []
    for i, inst in enumerate(pulled.instances if reason is None else (), 1):
        try:  # the label names no identifier: messages may reach logs and the page
            decoded.append(decode_upload(inst.data, "", label=f"image {i} of the PACS study",
                                         limits=Limits.of(settings),
                                         deidentify=settings.deidentify_dicom))
        except InputError as exc:
            reason = str(exc)
            break
    if reason is not None:
        _record(db, row, client.url, study_uid, "skipped", reason)
        audit.record(db, user, "pacs_skipped", None, reason=reason[:500])
        db.commit()
        log.info("PACS study skipped: %s", reason.split(":")[0])
        return PullOutcome(study_uid, "skipped", reason)
    reference = "pacs-" + hashlib.sha256(f"{client.url}|{study_uid}".encode()).hexdigest()[:12]
    with queued_study(db, store, runner, user, decoded, reference=reference, language=language,
                      action="pacs_pull", skipped_parts=len(pulled.skipped)) as (study, job):
        row = _row(db, client.url, study_uid) or PacsStudy(source=client.url, study_uid=study_uid,
                                                           attempts=0)
        db.add(row)
        row.status, row.reason, row.study_id = "queued", None, study.id
        row.attempts, row.updated_at = (row.attempts or 0) + 1, utcnow()
        row.instances = [{"series_uid": p.series_uid, "sop_uid": p.sop_uid,
                          "sop_class_uid": p.sop_class_uid} for p in pulled.instances]
    return PullOutcome(study_uid, "queued", None, study.id, job.id)


def _record(db: Session, row: PacsStudy | None, source: str, study_uid: str, status: str,
            reason: str) -> None:
    if row is None:
        row = PacsStudy(source=source, study_uid=study_uid, attempts=0, instances=[])
        db.add(row)
    row.status, row.reason = status, reason[:2000]
    row.attempts, row.updated_at = (row.attempts or 0) + 1, utcnow()
    db.commit()


def report_document(db: Session, study: Study, row: PacsStudy | None) -> ReportDocument:
    """The current report of ``study`` as a :class:`ReportDocument` (signed or draft)."""
    version = db.scalar(select(ReportVersion).where(ReportVersion.study_id == study.id)
                        .order_by(ReportVersion.version.desc()).limit(1))
    if version is None:
        raise InputError(f"study {study.id} has no report yet: wait for its draft")
    draft = db.get(Draft, study.id)
    model = dict(draft.model) if draft else {}
    signed = study.status == "signed"
    try:
        findings = ReportDocument.label(version.text, study.language)
    except (ConfigError, ImportError):  # a language without a labeler: text only
        findings = []
    return ReportDocument(
        text=version.text, language=study.language, study_uid=row.study_uid if row else "",
        version=version.version,
        images=[SourceImage(**i) for i in (row.instances if row else [])],
        model={"name": model.get("model") or "cxrgen", "ckpt": model.get("ckpt", ""),
               "cxrgen_version": __version__},
        findings=findings, verifier=db.get(User, study.signed_by).username if signed else None,
        verified_at=_aware(study.signed_at) if signed else None, local_id=f"study-{study.id}")


def _aware(dt: datetime | None) -> datetime | None:
    return dt.replace(tzinfo=timezone.utc) if dt is not None and dt.tzinfo is None else dt


class PacsLink:
    """The polling and pushing thread of one service, and the actions the API calls."""

    def __init__(self, psettings: PacsSettings, settings, sessionmaker, store, runner, passwords):
        self.ps, self.settings = psettings, settings
        self.sessionmaker, self.store, self.runner = sessionmaker, store, runner
        self.client = PacsClient(psettings.pacs)
        with sessionmaker() as db:
            self.user_id = system_user(db, passwords).id
        self._lock = threading.Lock()  # one poll or push at a time
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None
        self.failures = 0
        self.state: dict[str, Any] = {"state": "idle", "pacs": self.client.url,
                                      "last_poll_at": None, "last_error": None,
                                      "next_poll_at": None, "consecutive_failures": 0,
                                      "last_poll": None}
        self._next_poll = 0.0

    # ------------------------------------------------------------------ life cycle
    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="cxrgen-pacs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self.ps.poll and time.monotonic() >= self._next_poll:
                    self.poll_once()
                self.push_due()
            except Exception:  # a bug here must not end the thread
                log.exception("PACS link: unexpected error")
            self._wake.wait(min(1.0, self.ps.poll_interval_s))
            self._wake.clear()

    def _backoff(self, attempts: int) -> float:
        return min(self.ps.max_backoff_s, self.ps.backoff_s * 2 ** max(0, attempts - 1))

    # ------------------------------------------------------------------ pull
    def poll_once(self) -> dict[str, Any]:
        """Search the PACS and pull every new matching study; the summary is also kept in
        ``state``. A PACS failure sets the state to ``waiting`` (or ``error`` for credentials)
        with the next attempt's time."""
        with self._lock:
            now = datetime.now(timezone.utc)
            self.state.update(state="polling", last_poll_at=now.isoformat())
            counts = {"found": 0, "queued": 0, "skipped": 0, "exists": 0, "waiting": 0}
            try:
                found = self.client.search_studies(self.ps.filter.qido())
                counts["found"] = len(found)
                for item in found:
                    uid = json_value(item, "StudyInstanceUID")
                    if uid:
                        counts[self._pull_one(uid)] += 1
            except PacsError as exc:
                return self._failed(exc, counts)
            except QueueFull as exc:
                counts["waiting"] += 1
                self.state.update(state="waiting", last_error=str(exc))
                self._next_poll = time.monotonic() + self.ps.poll_interval_s
                self.state.update(last_poll=counts)
                return counts
            self.failures = 0
            self._next_poll = time.monotonic() + self.ps.poll_interval_s
            self.state.update(state="idle", last_error=None, consecutive_failures=0, last_poll=counts,
                              next_poll_at=_after(self.ps.poll_interval_s) if self.ps.poll else None)
            if counts["queued"] or counts["skipped"]:
                log.info("PACS poll: %s", json.dumps(counts))
            return counts

    def _failed(self, exc: PacsError, counts: dict) -> dict:
        self.failures += 1
        delay = self._backoff(self.failures)
        self._next_poll = time.monotonic() + delay
        kind = "error" if not isinstance(exc, PacsUnavailable) else "waiting"
        self.state.update(state=kind, last_error=str(exc), consecutive_failures=self.failures,
                          next_poll_at=_after(delay), last_poll=counts)
        log.warning("PACS poll failed (%d in a row), next attempt in %.0f s: %s", self.failures,
                    delay, type(exc).__name__)
        return counts

    def _pull_one(self, study_uid: str) -> str:
        with self.sessionmaker() as db:
            user = db.get(User, self.user_id)
            model_max = getattr(self.runner.drafter, "max_images", None) if self.runner else None
            return pull_into_service(db, self.store, self.runner, self.settings, self.client,
                                     study_uid, self.ps.filter, user, self.ps.language,
                                     model_max).status

    # ------------------------------------------------------------------ push
    def on_signed(self, study_id: int) -> None:
        """Sign-off hook: queue the write-back of a study that came from the PACS."""
        if not (self.ps.push_on_signoff or self.ps.fhir_url):
            return
        with self.sessionmaker() as db:
            row = db.scalar(select(PacsStudy).where(PacsStudy.study_id == study_id))
            if row is None:
                return
            if self.ps.push_on_signoff:
                row.push_status, row.push_error, row.push_retry_at = "pending", None, None
            if self.ps.fhir_url:
                row.fhir_status = "pending"
            db.commit()
        self.wake()

    def push_due(self) -> None:
        """Push every write-back that is pending, or waiting and due again."""
        now = datetime.now(timezone.utc)
        with self.sessionmaker() as db:
            if self.ps.push_drafts:
                self._queue_drafts(db)
            rows = db.scalars(select(PacsStudy).where(
                PacsStudy.push_status.in_(("pending", "waiting")) | (PacsStudy.fhir_status ==
                                                                     "pending"))).all()
            due = [(r.study_id, r.push_status in ("pending", "waiting"), r.fhir_status == "pending")
                   for r in rows if r.push_retry_at is None or _aware(r.push_retry_at) <= now]
        for study_id, sr, fhir in due:
            if sr:
                self.push(study_id)
            if fhir:
                self.send_fhir(study_id)

    def _queue_drafts(self, db: Session) -> None:
        rows = db.execute(select(PacsStudy, Study).join(Study, Study.id == PacsStudy.study_id)
                          .where(PacsStudy.push_status == "none",
                                 Study.status == "draft_ready")).all()
        for row, _study in rows:
            row.push_status = "pending"
        db.commit()

    def push(self, study_id: int) -> PacsStudy:
        """Store the study's current report as an SR in its PACS study; the outcome is on the
        returned row (``push_status``, ``push_error``)."""
        from cxrgen.pacs.sr import build_sr, uids

        with self._lock, self.sessionmaker() as db:
            row = db.scalar(select(PacsStudy).where(PacsStudy.study_id == study_id))
            if row is None:
                raise InputError(f"study {study_id} did not come from a PACS: there is no PACS "
                                 f"study to write its report into")
            study = db.get(Study, study_id)
            row.push_attempts += 1
            try:
                doc = report_document(db, study, row)
                wanted = {i["sop_uid"] for i in row.instances}
                evidence = [ds for ds in self.client.study_metadata(row.study_uid)
                            if str(ds.get("SOPInstanceUID")) in wanted]
                if not evidence:
                    raise PacsError(f"the source images of study {study_id} are no longer on the "
                                    f"PACS at {self.client.url}")
                sr = build_sr(doc, evidence, organization=self.ps.organization,
                              previous=_predecessor(row, doc))
                self.client.store([sr], study_uid=row.study_uid)
            except PacsUnavailable as exc:
                delay = self._backoff(row.push_attempts)
                row.push_status, row.push_error = "waiting", f"{exc}; retrying in {delay:.0f} s"
                row.push_retry_at = datetime.now(timezone.utc) + timedelta(seconds=delay)
            except PacsError as exc:
                row.push_status, row.push_error, row.push_retry_at = "failed", str(exc), None
                audit.record(db, None, "pacs_push_failed", study_id, error=str(exc)[:500])
            else:
                row.push_status, row.push_error, row.push_retry_at = "pushed", None, None
                row.pushed_sr_uid, row.pushed_version = uids(doc).instance, doc.version
                row.pushed_verified, row.pushed_at = doc.final, utcnow()
                audit.record(db, None, "pacs_pushed", study_id, version=doc.version,
                             verified=doc.final)
            db.commit()
            log.info("study %d: SR push %s", study_id, row.push_status)
            return row

    # ------------------------------------------------------------------ FHIR
    def fhir(self, study_id: int) -> dict[str, Any]:
        from cxrgen.pacs.fhir import diagnostic_report

        with self.sessionmaker() as db:
            study = db.get(Study, study_id)
            row = db.scalar(select(PacsStudy).where(PacsStudy.study_id == study_id))
            return diagnostic_report(report_document(db, study, row))

    def send_fhir(self, study_id: int) -> PacsStudy | None:
        """POST the study's DiagnosticReport to ``fhir_url``; outcome on the row (if any)."""
        if not self.ps.fhir_url:
            raise ConfigError("no FHIR endpoint configured (PacsSettings.fhir_url)")
        resource = self.fhir(study_id)
        status, error, location = post_fhir(self.ps.fhir_url, resource)
        with self.sessionmaker() as db:
            row = db.scalar(select(PacsStudy).where(PacsStudy.study_id == study_id))
            if row is not None:
                row.fhir_status, row.fhir_error, row.fhir_location = status, error, location
            audit.record(db, None, "fhir_sent" if status == "sent" else "fhir_failed", study_id,
                         endpoint=self.ps.fhir_url, error=error)
            db.commit()
            return row


def post_fhir(base_url: str, resource: dict, timeout_s: float = 10.0) -> tuple[str, str | None,
                                                                               str | None]:
    """(status, error, Location) of POSTing ``resource`` to ``<base_url>/<resourceType>``."""
    import httpx

    url = f"{base_url.rstrip('/')}/{resource['resourceType']}"
    try:
        r = httpx.post(url, content=json.dumps(resource), timeout=timeout_s,
                       headers={"Content-Type": "application/fhir+json",
                                "Accept": "application/fhir+json"})
    except httpx.HTTPError as exc:
        return "failed", f"FHIR endpoint {url} unreachable: {type(exc).__name__}", None
    if r.status_code not in (200, 201):
        return "failed", f"FHIR endpoint {url} answered HTTP {r.status_code}: {r.text[:300]}", None
    return "sent", None, r.headers.get("Location")


def _predecessor(row: PacsStudy, doc: ReportDocument) -> list | None:
    """The earlier SR of this report (e.g. the UNVERIFIED draft), for the Predecessor Documents
    Sequence of the new one."""
    from pydicom import Dataset
    from pydicom.uid import ComprehensiveSRStorage

    from cxrgen.pacs.sr import uids

    ids = uids(doc)
    if not row.pushed_sr_uid or row.pushed_sr_uid == ids.instance:
        return None
    ds = Dataset()
    ds.StudyInstanceUID, ds.SeriesInstanceUID = row.study_uid, ids.series
    ds.SOPClassUID, ds.SOPInstanceUID = ComprehensiveSRStorage, row.pushed_sr_uid
    return [ds]


def _after(seconds: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).isoformat()
