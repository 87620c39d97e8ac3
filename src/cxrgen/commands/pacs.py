"""`cxrgen pacs pull`: fetch chest radiographs from a PACS (DICOMweb) into the review service.

The studies are queued exactly as an upload would queue them (same limits, same
de-identification setting), in the database and store of ``--data-dir`` / ``--db``; their drafts
are written when ``cxrgen serve`` runs on that folder (queued jobs are picked up at start-up).
Pulling a study twice creates no second study. Credentials: ``--auth-file`` (one line
``user:password``) or ``$CXRGEN_PACS_USER`` / ``$CXRGEN_PACS_PASSWORD``; never on the command line.
"""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("pacs", help="DICOMweb: pull chest radiographs from a PACS")
    pacs_sub = p.add_subparsers(dest="pacs_command", metavar="ACTION")
    pull = pacs_sub.add_parser("pull", help="fetch studies (QIDO-RS + WADO-RS) and queue drafts")
    pull.add_argument("--url", required=True, help="DICOMweb root, e.g. http://pacs:8042/dicom-web")
    pull.add_argument("--auth-file", default=None, help="file whose first line is user:password "
                      "(default: $CXRGEN_PACS_USER and $CXRGEN_PACS_PASSWORD when set)")
    which = pull.add_mutually_exclusive_group(required=True)
    which.add_argument("--study", action="append", metavar="UID",
                       help="Study Instance UID to pull (repeatable)")
    which.add_argument("--query", help="QIDO-RS match, e.g. 'PatientID=123&StudyDate=20260101-'; "
                       "combined with the chest filter")
    pull.add_argument("--modalities", default="CR,DX", help="accepted modalities (default CR,DX)")
    pull.add_argument("--body-parts", default="CHEST", help="accepted Body Part Examined values")
    pull.add_argument("--allow-missing-body-part", action="store_true",
                      help="accept series without Body Part Examined")
    pull.add_argument("--db", default=None, help="SQLAlchemy URL (default: SQLite in --data-dir)")
    pull.add_argument("--data-dir", default="runs/serve", help="the review service's folder")
    pull.add_argument("--deidentify-dicom", action="store_true",
                      help="as `cxrgen serve --deidentify-dicom`: keep no patient identifiers")
    pull.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    pull.add_argument("--retries", type=int, default=3, help="retries of a failed request")
    p.set_defaults(func=run, pacs_parser=p)


def run(args) -> int:
    if args.pacs_command != "pull":
        args.pacs_parser.print_help()
        return 2
    from cxrgen.errors import require_extra

    for module in ("dicomweb_client", "highdicom"):
        require_extra(module, "pacs", "cxrgen pacs")
    require_extra("sqlalchemy", "serve", "cxrgen pacs (it queues drafts in the service's database)")
    from sqlalchemy import select

    from cxrgen.pacs import PacsClient, PacsConfig, StudyFilter
    from cxrgen.pacs.selection import json_value, parse_list, parse_query
    from cxrgen.serve.auth import Passwords
    from cxrgen.serve.db.session import make_engine, make_sessionmaker
    from cxrgen.serve.migrations import upgrade
    from cxrgen.serve.pacs_worker import pull_into_service, system_user
    from cxrgen.serve.settings import Settings
    from cxrgen.serve.storage import ContentStore

    flt = StudyFilter(modalities=parse_list(args.modalities, "--modalities"),
                      body_parts=parse_list(args.body_parts, "--body-parts"),
                      require_body_part=not args.allow_missing_body_part,
                      match=parse_query(args.query) if args.query else {})
    client = PacsClient(PacsConfig.from_sources(args.url, auth_file=args.auth_file,
                                                timeout_s=args.timeout, retries=args.retries))
    uids = args.study or [json_value(s, "StudyInstanceUID")
                          for s in client.search_studies(flt.qido())]
    settings = Settings(db_url=args.db, data_dir=args.data_dir,
                        deidentify_dicom=args.deidentify_dicom)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_db_url)
    upgrade(engine)
    counts = {"queued": 0, "skipped": 0, "exists": 0}
    with make_sessionmaker(engine)() as db:
        user = system_user(db, Passwords())
        store = ContentStore(settings.storage_dir)
        for uid in uids:
            out = pull_into_service(db, store, None, settings, client, uid, flt, user)
            counts[out.status] += 1
            detail = {"queued": f"study {out.study_id}, job {out.job_id} queued",
                      "exists": f"already pulled (study {out.study_id})" if out.study_id
                      else f"already seen, skipped: {out.reason}",
                      "skipped": f"skipped: {out.reason}"}[out.status]
            print(f"{uid}: {detail}")
    engine.dispose()
    print(f"{len(uids)} studies: {counts['queued']} queued, {counts['skipped']} skipped, "
          f"{counts['exists']} already there; drafts are written by `cxrgen serve --data-dir "
          f"{args.data_dir}`")
    return 0

