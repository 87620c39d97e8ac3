"""`cxrgen data stats DATASET --root R`: per-split counts and a keyword table (CN-CXR Table 1)."""

from __future__ import annotations

import json
from collections import Counter

from cxrgen.commands.data_check import add_dataset_arguments, load_from_args, print_skipped
from cxrgen.text.languages import LANGUAGES


def add_parser(dsub) -> None:
    p = dsub.add_parser("stats", help="per-split counts, report lengths and keyword table")
    add_dataset_arguments(p)
    p.add_argument("--lang", choices=LANGUAGES,
                   help="language of the keyword lexicon and tokeniser (default: the dataset's main "
                        "language); also the phantom loader's language")
    p.add_argument("--section", default="findings",
                   help="report section measured: findings, impression, findings+impression, ...")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.set_defaults(func=run)


def run(args) -> int:
    from cxrgen.data.stats import keyword_table, label_table, split_stats
    from cxrgen.labeling.graph import keyword_extractor
    from cxrgen.text.tokenize import default_tokenizer, default_tokenizer_name

    ds = load_from_args(args, **({"lang": args.lang} if args.lang else {}))
    lang = args.lang or (Counter(s.language for s in ds.studies).most_common(1)[0][0] if ds.studies else "en")
    tok_name = default_tokenizer_name(lang)
    counts = split_stats(ds.studies, default_tokenizer(lang), section=args.section)
    keywords = keyword_table(ds.studies, lang, keyword_extractor(lang), section="findings+impression")
    labels = label_table(ds.studies)
    if args.json:
        print(json.dumps({"dataset": ds.name, "lang": lang, "tokenizer": tok_name, "section": args.section,
                          "splits": counts, "skipped": len(ds.skipped),
                          "keywords_from": f"entity graph (cxrgen.labeling.graph, {lang})",
                          "keywords": [{"category": c, "keyword": k, **v} for (c, k), v in keywords.items()],
                          "positive_labels": labels},
                         ensure_ascii=False, indent=1))
        return 0
    print(f"{ds.name}  (root {ds.root}; lang {lang}; tokens: {tok_name} on {args.section})")
    print_skipped(ds)
    cols = [c for c in ("train", "val", "test", "unassigned", "all") if c in counts]
    print(f"{'':<18}" + "".join(f"{c:>12}" for c in cols))
    for field, fmt in (("studies", "{:>12d}"), ("images", "{:>12d}"), ("patients", "{:>12d}"),
                       ("tokens_mean", "{:>12.1f}"), ("tokens_median", "{:>12.1f}")):
        print(f"{field:<18}" + "".join(fmt.format(counts[c][field]) for c in cols))
    print()
    print("keywords from the entity graph (studies mentioning them, affirmed or negated; findings+impression)")
    print(f"{'category':<10}{'keyword':<26}" + "".join(f"{c:>12}" for c in cols))
    for (cat, kw), row in sorted(keywords.items(), key=lambda kv: (kv[0][0], -kv[1].get("all", 0))):
        print(f"{cat:<10}{kw:<26}" + "".join(f"{row.get(c, 0):>12d}" for c in cols))
    if labels:
        print()
        print("labels (studies labelled positive)")
        for name, row in labels.items():
            print(f"{'':<10}{name:<26}" + "".join(f"{row.get(c, 0):>12d}" for c in cols))
    return 0
