"""`cxrgen serve`: the review service (HTTP API + web page) on a checkpoint.

The first admin comes from ``--admin NAME`` with the password in ``$CXRGEN_ADMIN_PASSWORD``
(never on the command line, where ``ps`` would show it); other users are added by that admin
through ``POST /api/users``.
"""

from __future__ import annotations

import os

from cxrgen.errors import ConfigError

MiB = 1024 * 1024


def add_parser(sub) -> None:
    p = sub.add_parser("serve", help="run the review service (API + page) on a checkpoint")
    p.add_argument("--ckpt", required=True, help="checkpoint written by `cxrgen train`")
    p.add_argument("--db", default=None, help="SQLAlchemy URL (default: SQLite file in --data-dir); "
                   "e.g. postgresql+psycopg://user:pass@127.0.0.1/cxrgen")
    p.add_argument("--data-dir", default="runs/serve", help="image store and default database")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default loopback only)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="generation worker threads")
    p.add_argument("--queue-size", type=int, default=16, help="jobs queued or running before 503")
    p.add_argument("--retry-after", type=int, default=5,
                   help="seconds a client is told to wait when the queue is full (503)")
    p.add_argument("--beam-size", type=int, help="beam width (default: the checkpoint's decode.beam_size)")
    p.add_argument("--max-file-mb", type=float, default=20.0, help="largest accepted image file")
    p.add_argument("--deidentify-dicom", action="store_true",
                   help="strip patient identifiers from stored DICOM and keep none in the database")
    p.add_argument("--admin", metavar="NAME", default=None,
                   help="create this admin at start-up if absent (password: $CXRGEN_ADMIN_PASSWORD)")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    g = p.add_argument_group("PACS link (DICOMweb; credentials: --pacs-auth-file or "
                             "$CXRGEN_PACS_USER / $CXRGEN_PACS_PASSWORD)")
    g.add_argument("--pacs-url", default=None, help="DICOMweb root, e.g. http://pacs:8042/dicom-web")
    g.add_argument("--pacs-auth-file", default=None, help="file whose first line is user:password")
    g.add_argument("--pacs-poll-interval", type=float, default=60.0,
                   help="seconds between QIDO-RS searches for new studies; 0 = no polling")
    g.add_argument("--pacs-query", default=None,
                   help="extra QIDO-RS match, e.g. 'StudyDate=20260101-'")
    g.add_argument("--pacs-modalities", default="CR,DX")
    g.add_argument("--pacs-body-parts", default="CHEST")
    g.add_argument("--pacs-push-drafts", action="store_true",
                   help="also store each machine draft as an UNVERIFIED SR when it is ready")
    g.add_argument("--fhir-url", default=None,
                   help="FHIR base URL: signed reports are POSTed as DiagnosticReport")
    p.set_defaults(func=run)


def build_settings(args):
    from cxrgen.serve.settings import Settings

    users = []
    if args.admin:
        password = os.environ.get("CXRGEN_ADMIN_PASSWORD")
        if not password:
            raise ConfigError("--admin needs the password in the environment variable "
                              "CXRGEN_ADMIN_PASSWORD (at least 12 characters, not a common one)")
        users.append((args.admin, password, "admin"))
    return Settings(db_url=args.db, data_dir=args.data_dir, ckpt=args.ckpt, beam_size=args.beam_size,
                    workers=args.workers, queue_size=args.queue_size,
                    retry_after_s=args.retry_after,
                    max_file_bytes=int(args.max_file_mb * MiB),
                    max_request_bytes=max(100 * MiB, int(args.max_file_mb * MiB) * 8 + MiB),
                    deidentify_dicom=args.deidentify_dicom, bootstrap_users=users,
                    pacs=pacs_settings(args))


def pacs_settings(args):
    """The PACS link of ``cxrgen serve`` from its ``--pacs-*`` options (None without a URL)."""
    if not args.pacs_url:
        return None
    from cxrgen.errors import require_extra

    for module in ("dicomweb_client", "highdicom"):
        require_extra(module, "pacs", "cxrgen serve --pacs-url")
    from cxrgen.pacs import PacsConfig, StudyFilter
    from cxrgen.pacs.selection import parse_list, parse_query
    from cxrgen.serve.pacs_worker import PacsSettings

    flt = StudyFilter(modalities=parse_list(args.pacs_modalities, "--pacs-modalities"),
                      body_parts=parse_list(args.pacs_body_parts, "--pacs-body-parts"),
                      match=parse_query(args.pacs_query) if args.pacs_query else {})
    return PacsSettings(PacsConfig.from_sources(args.pacs_url, auth_file=args.pacs_auth_file),
                        filter=flt, poll=args.pacs_poll_interval > 0,
                        poll_interval_s=args.pacs_poll_interval or 60.0,
                        push_drafts=args.pacs_push_drafts, fhir_url=args.fhir_url)


def run(args) -> int:
    import uvicorn

    from cxrgen.serve.app import create_app
    from cxrgen.serve.logs import configure_logging

    configure_logging(args.log_level)
    app = create_app(build_settings(args))
    # JSON lines from the service's own access log (no query strings), not uvicorn's
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, log_config=None,
                access_log=False)
    return 0
