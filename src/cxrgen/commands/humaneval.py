"""`cxrgen humaneval create|export|summary`: blinded human evaluation sessions of the review
service's database (raters rate at ``/eval`` of a running `cxrgen serve`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cxrgen.commands.argtypes import positive_int
from cxrgen.errors import InputError


def add_parser(sub) -> None:
    p = sub.add_parser("humaneval", help="blinded human evaluation: create sessions, export, summarise")
    hs = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    common = dict(db=("--db", dict(default=None, help="database URL (default: SQLite in --data-dir)")),
                  data_dir=("--data-dir", dict(default="runs/serve", help="the service's data folder")))

    def with_common(q):
        for flag, kw in common.values():
            q.add_argument(flag, **kw)
        q.add_argument("--name", required=True, help="session name")
        return q

    c = with_common(hs.add_parser("create", help="create a blinded session from predictions JSONL"))
    c.add_argument("--predictions", nargs="+", required=True, metavar="MODEL=FILE",
                   help="`cxrgen evaluate` predictions of each model, e.g. r2gen=runs/r2gen/predictions.jsonl")
    c.add_argument("--mode", choices=["rating", "pairwise"], default="rating")
    c.add_argument("--seed", type=int, default=0, help="seed of the study and report order")
    c.add_argument("--limit", type=positive_int, default=None, help="rate at most this many studies")
    c.add_argument("--include-reference", action="store_true",
                   help="add the reference report as a hidden candidate")
    e = with_common(hs.add_parser("export", help="write the unblinded ratings as CSV"))
    e.add_argument("--out", required=True)
    s = with_common(hs.add_parser("summary", help="mean scores with bootstrap CIs and kappas (JSON)"))
    s.add_argument("--n-boot", type=positive_int, default=2000)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", default=None, help="JSON file (default: stdout)")
    p.set_defaults(func=run)


def _open(args):
    from sqlalchemy import select

    from cxrgen.serve.db.models import EvalSession
    from cxrgen.serve.db.session import check_data_dir, open_database
    from cxrgen.serve.settings import Settings
    from cxrgen.serve.storage import ContentStore

    settings = Settings(db_url=args.db, data_dir=args.data_dir)
    check_data_dir(settings.data_dir)
    _engine, sessionmaker = open_database(settings.resolved_db_url)
    db = sessionmaker()
    session = db.scalar(select(EvalSession).where(EvalSession.name == args.name))
    return db, ContentStore(settings.storage_dir), session


def run(args) -> int:
    from cxrgen.serve import human_eval as he

    db, store, session = _open(args)
    with db:
        if args.action == "create":
            preds = {}
            for spec in args.predictions:
                model, sep, path = spec.partition("=")
                if not sep or not model or not path:
                    raise InputError(f"--predictions {spec!r}: write MODEL=FILE, e.g. r2gen=preds.jsonl")
                if model in preds:
                    raise InputError(f"--predictions: model {model!r} given twice")
                preds[model] = Path(path)
            s = he.create_session(db, store, args.name, preds, mode=args.mode, seed=args.seed,
                                  limit=args.limit, include_reference=args.include_reference)
            db.commit()
            src = s.sources
            print(f"session {s.name!r} (id {s.id}): {src['studies']} studies, mode {s.mode}, "
                  f"seed {s.seed}; {src['skipped_not_in_every_model']} studies skipped (not "
                  f"predicted by every model)")
            return 0
        if session is None:
            raise InputError(f"no evaluation session named {args.name!r}; create it first")
        rows = he.rating_rows(db, session)
        if args.action == "export":
            Path(args.out).write_text(he.to_csv(rows), encoding="utf-8")
            print(f"{len(rows)} rating rows written to {args.out}")
            return 0
        out = {"session": session.name, "models": session.models, "sources": session.sources,
               **he.summarize(rows, session.mode, n_boot=args.n_boot, seed=args.seed)}
        text = json.dumps(out, indent=2, ensure_ascii=False)
        if args.out:
            Path(args.out).write_text(text + "\n", encoding="utf-8")
        else:
            sys.stdout.write(text + "\n")
    return 0
