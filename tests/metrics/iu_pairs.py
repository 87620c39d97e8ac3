"""Pairings of real IU X-Ray test reports used by the parity tests (built at test time from
``../shared/data``; nothing of the data is stored in the repository)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from cxrgen.text.ptb import ptb_tokens


def iu_reports(shared_data: Path, split: str = "test") -> list[str]:
    ann = json.loads((shared_data / "iu_xray" / "annotation.json").read_text(encoding="utf-8"))
    if split == "all":
        return [r["report"] for s in ("train", "val", "test") for r in ann[s]]
    return [r["report"] for r in ann[split]]


def _sentences(report: str) -> list[str]:
    return [s for s in re.split(r"(?<=\.)\s+", report.strip()) if s]


def drop_sentence(report: str, rng: random.Random) -> str:
    s = _sentences(report)
    if len(s) > 1:
        del s[rng.randrange(len(s))]
    return " ".join(s)


def swap_sentences(report: str, rng: random.Random) -> str:
    s = _sentences(report)
    if len(s) > 1:
        i, j = rng.sample(range(len(s)), 2)
        s[i], s[j] = s[j], s[i]
    return " ".join(s)


def negate_sentence(report: str, rng: random.Random) -> str:
    s = _sentences(report)
    i = rng.randrange(len(s))
    negated = re.sub(r"\b(is|are)\b", r"\1 not", s[i], count=1)
    s[i] = negated if negated != s[i] else "No " + s[i][:1].lower() + s[i][1:]
    return " ".join(s)


def tokenized(text: str) -> str:
    """Whitespace-tokenised form (what R2Gen feeds pycocoevalcap)."""
    return " ".join(ptb_tokens(text))


def pairings(reports: list[str], seed: int = 0) -> dict[str, tuple[list[str], list[str]]]:
    """name -> (references, hypotheses), all whitespace-tokenised strings."""
    rng = random.Random(seed)
    refs = [tokenized(r) for r in reports]
    out = {
        "identical": (refs, list(refs)),
        "shifted": (refs, refs[1:] + refs[:1]),
        "shuffled": (refs, rng.sample(refs, len(refs))),
        "dropped": (refs, [tokenized(drop_sentence(r, rng)) for r in reports]),
        "swapped": (refs, [tokenized(swap_sentences(r, rng)) for r in reports]),
        "negated": (refs, [tokenized(negate_sentence(r, rng)) for r in reports]),
    }
    edge = list(refs[1:] + refs[:1])
    edge_refs = list(refs)
    for i in range(0, len(edge), 7):
        edge[i] = ""  # empty hypothesis
    for i in range(3, len(edge), 11):
        edge[i] = refs[i].split()[0] if refs[i] else "the"  # one-word hypothesis
    for i in range(5, len(edge), 13):
        edge_refs[i] = refs[i].split()[-1]  # one-word reference
    edge_refs[14] = edge[14] = ""  # an empty reference against an empty hypothesis
    edge_refs[23] = ""  # an empty reference against a whole report
    out["empty-and-one-word"] = (edge_refs, edge)
    return out
