"""`cxrgen data stats DATASET --root R`: per-split counts and a keyword table (CN-CXR Table 1)."""

from __future__ import annotations

import json
from collections import Counter

from cxrgen.commands.dataset_args import add_dataset_arguments, load_from_args, print_skipped, warn_if_empty
from cxrgen.data.study import REPORT_SECTIONS
from cxrgen.text.languages import LANGUAGES


def add_parser(dsub) -> None:
    p = dsub.add_parser("stats", help="per-split counts, report lengths and keyword table")
    add_dataset_arguments(p)
    p.add_argument("--lang", choices=LANGUAGES,
                   help="language of the keyword lexicon and tokeniser (default: the dataset's main "
                        "language); also the phantom loader's language")
    p.add_argument("--section", default="findings", choices=REPORT_SECTIONS, metavar="SECTION",
                   help="report section measured: " + ", ".join(REPORT_SECTIONS))
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.set_defaults(func=run)


def run(args) -> int:
    from cxrgen.data.stats import keyword_table, label_table, split_stats
    from cxrgen.labeling.graph import keyword_extractor
    from cxrgen.text.tokenize import default_tokenizer, default_tokenizer_name

    ds = load_from_args(args, **({"lang": args.lang} if args.lang else {}))
    if warn_if_empty(ds, "stats"):
        return 1
    lang = args.lang or (Counter(s.language for s in ds.studies).most_common(1)[0][0] if ds.studies else "en")
    tok_name = default_tokenizer_name(lang)
    counts = split_stats(ds.studies, default_tokenizer(lang), section=args.section)
    # a labels-only dataset (ChestX-ray14) has no report text: its token and keyword tables would be zeros
    has_text = not ds.meta.get("labels_only")
    keywords = (keyword_table(ds.studies, lang, keyword_extractor(lang), section="findings+impression")
                if has_text else {})
    labels = label_table(ds.studies)
    if args.json:
        print(json.dumps({"dataset": ds.name, "lang": lang, "tokenizer": tok_name, "section": args.section,
                          "splits": counts, "skipped": len(ds.skipped), "report_text": has_text,
                          "keywords_from": f"entity graph (cxrgen.labeling.graph, {lang})",
                          "keywords": [{"category": c, "keyword": k, **v} for (c, k), v in keywords.items()],
                          "positive_labels": labels},
                         ensure_ascii=False, indent=1))
        return 0
    print(f"{ds.name}  (root {ds.root}; lang {lang}; tokens: {tok_name} on {args.section})")
    print_skipped(ds)
    cols = [c for c in ("train", "val", "test", "unassigned", "all") if c in counts]
    print(f"{'':<18}" + "".join(f"{c:>12}" for c in cols))
    rows = (("studies", "{:>12d}"), ("images", "{:>12d}"), ("patients", "{:>12d}"))
    rows += (("tokens_mean", "{:>12.1f}"), ("tokens_median", "{:>12.1f}")) if has_text else ()
    for field, fmt in rows:
        print(f"{field:<18}" + "".join(fmt.format(counts[c][field]) for c in cols))
    print()
    if not has_text:
        print(f"{ds.name} holds labels only (no report text): no report lengths or keywords")
    else:
        _print_keywords(keywords, cols)
    if labels:
        print()
        print("labels (studies labelled positive)")
        for name, row in labels.items():
            print(f"{'':<10}{name:<26}" + "".join(f"{row.get(c, 0):>12d}" for c in cols))
    return 0


def _print_keywords(keywords: dict, cols: list[str]) -> None:
    print("keywords from the entity graph (studies mentioning them, affirmed or negated; findings+impression)")
    print(f"{'category':<10}{'keyword':<26}" + "".join(f"{c:>12}" for c in cols))
    for (cat, kw), row in sorted(keywords.items(), key=lambda kv: (kv[0][0], -kv[1].get("all", 0))):
        print(f"{cat:<10}{kw:<26}" + "".join(f"{row.get(c, 0):>12d}" for c in cols))
