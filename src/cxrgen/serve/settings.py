"""Settings of the review service: one typed dataclass, filled from the CLI or a test.

Every limit here is a defence: the upload limits keep a single request from filling the disk or
memory, the queue bound keeps a burst of uploads from growing an unbounded backlog (callers get a
503 with ``Retry-After`` instead), and ``max_attempts`` keeps a job that crashes the process from
being retried forever after each restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cxrgen.errors import ConfigError

if TYPE_CHECKING:  # the PACS link needs the pacs extra; a service without one never imports it
    from cxrgen.serve.pacs_worker import PacsSettings

MiB = 1024 * 1024


@dataclass
class Settings:
    """Configuration of one service instance (``create_app(settings)``)."""

    #: SQLAlchemy URL. Default: an SQLite file in ``data_dir``. PostgreSQL:
    #: ``postgresql+psycopg://user:pass@127.0.0.1:5432/cxrgen``.
    db_url: str | None = None
    #: Folder holding the SQLite file (by default) and the content-addressed image store.
    data_dir: Path = Path("runs/serve")
    #: Checkpoint for the drafter (``cxrgen.load``); ignored when a drafter object is passed.
    ckpt: str | None = None
    #: Beam width of the drafts; ``None`` = the checkpoint's ``decode.beam_size`` (as generate / evaluate).
    beam_size: int | None = None
    #: Worker threads that run generation, and how many jobs may wait (queued + running) before
    #: uploads get 503. Torch already uses several cores per forward pass, hence 1 worker.
    workers: int = 1
    queue_size: int = 16
    #: How long a client should wait before retrying after a 503 (seconds).
    retry_after_s: int = 5
    #: A job interrupted this many times (process killed while it ran) is marked failed.
    max_attempts: int = 2
    #: Upload limits: per file, per study (number of files), per request body.
    max_file_bytes: int = 20 * MiB
    max_files: int = 8
    max_request_bytes: int = 100 * MiB
    #: Largest image (pixels per frame), checked from the header before decoding. Chest
    #: radiographs are under ~18 M pixels (a 43 x 43 cm detector at 100 um: 4300 x 4300).
    max_pixels: int = 18_000_000
    #: Largest uncompressed pixel data (rows x cols x frames x samples x bits / 8) and largest
    #: inflated Deflated-DICOM dataset: a 400 KB deflated file cannot expand to gigabytes.
    max_decoded_bytes: int = 64 * MiB
    #: Images are downscaled at intake so the longest side is at most this (the viewer's and the
    #: model's need); the drafter and the viewer read the downscaled copy.
    max_display_side: int = 2048
    #: Uploads decoded at once (others wait up to ``decode_wait_s``, then get 503): one decode at
    #: the pixel limit peaks at ~500 MB (measured in tests/serve/test_bombs.py), so this bound,
    #: not the per-file limits alone, keeps the process under 1 GiB.
    max_concurrent_decodes: int = 1
    decode_wait_s: float = 60.0
    #: Strip patient-identifying tags from stored DICOM and keep no PHI in the database.
    deidentify_dicom: bool = False
    #: Argon2id cost; ``None`` = argon2-cffi's defaults (RFC 9106: 3 passes, 64 MiB). Lower
    #: only for tests, where hundreds of hashes would otherwise dominate the run time.
    password_time_cost: int | None = None
    password_memory_kib: int | None = None
    #: At most this many password hashes at once (each takes ``password_memory_kib``, 64 MiB by
    #: default): 16 parallel logins cannot add a gigabyte.
    max_concurrent_hashes: int = 2
    #: Body limit of a request without credentials (a login is a few hundred bytes).
    max_anonymous_request_bytes: int = 64 * 1024
    #: Lockout: after ``max_failed_logins`` consecutive failures an account is locked for
    #: ``lockout_s``; one address gets 429 after ``max_failures_per_address`` failures within
    #: ``lockout_s`` (OWASP Authentication Cheat Sheet, "account lockout").
    max_failed_logins: int = 5
    max_failures_per_address: int = 20
    lockout_s: int = 15 * 60
    #: A session unused this long ends (seconds).
    idle_timeout_s: int = 30 * 60
    #: Lifetime of a login token (seconds).
    token_ttl_s: int = 12 * 3600
    #: The PACS link (``cxrgen.serve.pacs_worker.PacsSettings``): polling, SR write-back, FHIR.
    pacs: "PacsSettings | None" = None
    #: Users created at start-up when absent: ``[(username, password, role), ...]``.
    bootstrap_users: list[tuple[str, str, str]] = field(default_factory=list)

    def __post_init__(self):
        self.data_dir = Path(self.data_dir)
        for name in ("workers", "queue_size", "max_attempts", "max_files", "beam_size",
                     "max_concurrent_hashes", "max_failed_logins", "max_failures_per_address",
                     "max_concurrent_decodes"):
            value = getattr(self, name)
            if name == "beam_size" and value is None:  # the checkpoint's
                continue
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"serve setting {name}={value!r}: must be an integer >= 1")
        if self.max_file_bytes > self.max_request_bytes:
            raise ConfigError(
                f"serve setting max_file_bytes={self.max_file_bytes} exceeds "
                f"max_request_bytes={self.max_request_bytes}; raise max_request_bytes"
            )

    @property
    def resolved_db_url(self) -> str:
        if self.db_url:
            return self.db_url
        return f"sqlite:///{(self.data_dir / 'cxrgen-serve.db').resolve()}"

    @property
    def storage_dir(self) -> Path:
        return self.data_dir / "store"
