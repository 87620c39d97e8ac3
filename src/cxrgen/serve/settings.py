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
    beam_size: int = 3
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
    #: Largest decoded image (pixels): decompression bombs are refused before decoding.
    max_pixels: int = 50_000_000
    #: Strip patient-identifying tags from stored DICOM and keep no PHI in the database.
    deidentify_dicom: bool = False
    #: Argon2id cost; ``None`` = argon2-cffi's defaults (RFC 9106: 3 passes, 64 MiB). Lower
    #: only for tests, where hundreds of hashes would otherwise dominate the run time.
    password_time_cost: int | None = None
    password_memory_kib: int | None = None
    #: Lifetime of a login token (seconds).
    token_ttl_s: int = 12 * 3600
    #: The PACS link (``cxrgen.serve.pacs_worker.PacsSettings``): polling, SR write-back, FHIR.
    pacs: "PacsSettings | None" = None
    #: Users created at start-up when absent: ``[(username, password, role), ...]``.
    bootstrap_users: list[tuple[str, str, str]] = field(default_factory=list)

    def __post_init__(self):
        self.data_dir = Path(self.data_dir)
        for name in ("workers", "queue_size", "max_attempts", "max_files", "beam_size"):
            value = getattr(self, name)
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
