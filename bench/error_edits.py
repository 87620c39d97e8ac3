"""Controlled edits of real reports, to prove the error analysis finds each category (issue 17).

Six edits, each with the category it must produce (:data:`EDITS`): drop the sentence of a
present finding (``missed_finding``), add a sentence stating a finding the report does not
mention (``false_finding``), swap left and right in a finding's sentence (``wrong_location``),
change a finding's severity word to another grade (``wrong_severity``), add a comparison with a
prior study (``false_comparison``), remove one (``missed_comparison``; where a report makes no
comparison, the *reference* is the report with one added and the hypothesis the report).

The generator reads reports with its OWN small word lists (below), not with the labeler or the
lexicons the analysis uses, so a test of the analysis is not a test of one lexicon against
itself. It is seeded: ``edits(text, lang, random.Random(seed))``.

``python -m bench.error_edits ../shared/data`` (from the repository root) prints per-category
recall and the false-alarm rate per language and per half of the reports (fixed split by a hash
of the report id, :func:`bench.labeler_accuracy.split_half`; the analysis was tuned on the
``dev`` half). An analysis script of the real material, beside ``bench/labeler_accuracy.py``;
the test ``tests/labeling/test_error_edits_real.py`` imports it as ``bench.error_edits``.
"""

from __future__ import annotations

import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

#: edit name -> the category it must produce
EDITS = {"drop_finding": "missed_finding", "add_finding": "false_finding", "swap_side": "wrong_location",
         "change_severity": "wrong_severity", "add_comparison": "false_comparison",
         "remove_comparison": "missed_comparison"}


@dataclass(frozen=True)
class EditVocab:
    sentence_split: str  # a regex whose matches END a sentence (kept with it)
    findings: dict[str, tuple[str, ...]]  # finding -> its words (starts of words, lower case)
    negations: tuple[str, ...]  # a sentence with one of these is not "a present finding"
    sides: dict[str, str]  # word -> its mirror
    bilateral: tuple[str, ...]  # words naming both sides
    severity: dict[str, str]  # word -> a word of another grade
    added_findings: tuple[tuple[str, str], ...]  # (finding that must be absent, sentence)
    comparisons: tuple[str, ...]  # words of a comparison with a prior study
    added_comparisons: tuple[str, ...]
    word_boundaries: bool = True


VOCAB = {
    "en": EditVocab(
        sentence_split=r"\.(?:\s+|$)",
        findings={"effusion": ("effusion", "pleural fluid"), "pneumothorax": ("pneumothora",),
                  "atelectasis": ("atelecta", "collapse"), "opacity": ("opacit", "densit", "airspace disease"),
                  "consolidation": ("consolidat",), "cardiomegaly": ("cardiomegaly", "enlarged heart", "heart is enlarged",
                  "heart size is enlarged", "cardiac enlargement"), "nodule": ("nodul",), "mass": ("mass",),
                  "edema": ("edema",), "granuloma": ("granuloma",), "emphysema": ("emphysema",),
                  "pneumonia": ("pneumonia",), "infiltrate": ("infiltrat",), "scarring": ("scar",),
                  "fracture": ("fractur",)},
        negations=("no ", "not ", "without", "negative", "free of", "clear", "normal", "resolved", "removed"),
        sides={"left": "right", "right": "left"},
        bilateral=("bilateral", "both", "bibasilar", "bibasal"),
        severity={"trace": "large", "minimal": "large", "tiny": "large", "small": "large", "mild": "severe",
                  "mildly": "markedly", "moderate": "small", "moderately": "mildly", "large": "small",
                  "severe": "mild", "marked": "mild", "markedly": "mildly"},
        added_findings=(("effusion", "There is a small right pleural effusion."),
                        ("pneumothorax", "There is a large left pneumothorax."),
                        ("consolidation", "Consolidation is present in the left lower lobe."),
                        ("nodule", "A 1 cm nodule is seen in the right upper lobe."),
                        ("edema", "There is mild pulmonary edema."),
                        ("cardiomegaly", "Moderate cardiomegaly is present.")),
        comparisons=("stable", "unchanged", "compared", "comparison", "prior", "previous", "since",
                     "no change", "improved", "interval"),
        added_comparisons=("Compared with the prior radiograph, there is no significant interval change.",
                           "The appearance is unchanged since the previous examination.",
                           "Stable appearance of the chest compared to the prior study."),
    ),
    "fr": EditVocab(
        sentence_split=r"(?:\s*/\s*|\.(?:\s+|$))",
        findings={"effusion": ("épanchement", "pleurésie", "lame d"), "pneumothorax": ("pneumothora", "hydropneumothora"),
                  "atelectasis": ("atélectas", "collapsus"), "opacity": ("opacit",),
                  "cardiomegaly": ("cardiomégal", "index cardio", "cœur en carafe"), "nodule": ("nodul", "micronodul"),
                  # a rounded or oval opacity is how CASIA-CXR's findings describe the mass its
                  # impression names; an alveolar opacity is a consolidation
                  "mass": ("masse", "opacité arrondie", "opacité ovalaire", "opacité grossièrement"),
                  "consolidation": ("condensation", "alvéolaire", "foyer"),
                  "pneumonia": ("pneumopathie", "infectieu"),
                  "emphysema": ("emphysème",), "edema": ("œdème", "oedème")},
        negations=("absence", "pas d", "sans ", "normal", "aucun", "ni ", "libre"),
        sides={"gauche": "droit", "droit": "gauche", "droite": "gauche", "gauches": "droits", "droits": "gauches",
               "droites": "gauches"},
        bilateral=("bilatéra", "deux"),
        severity={"faible abondance": "grande abondance", "grande abondance": "faible abondance",
                  "moyenne abondance": "faible abondance", "minime": "importante", "discret": "important",
                  "discrète": "importante", "important": "minime", "importante": "minime", "légère": "sévère",
                  "léger": "sévère", "modéré": "minime", "modérée": "minime", "volumineux": "petit",
                  "volumineuse": "petite"},
        added_findings=(("effusion", "Épanchement pleural droit de faible abondance."),
                        ("pneumothorax", "Pneumothorax gauche de grande abondance."),
                        ("nodule", "Nodule du lobe supérieur droit."),
                        ("atelectasis", "Atélectasie en bande de la base gauche.")),
        comparisons=("stable", "inchangé", "par rapport", "précédent", "comparaison", "régression", "majoration"),
        added_comparisons=("Aspect stable par rapport au cliché précédent.",
                           "Pas de modification par rapport à l’examen précédent."),
    ),
    "zh": EditVocab(
        sentence_split=r"[。！？；]",
        findings={"effusion": ("积液",), "pneumothorax": ("气胸",), "atelectasis": ("不张",),
                  "consolidation": ("实变", "巩固"), "nodule": ("结节",), "mass": ("肿块",), "pneumonia": ("肺炎",),
                  "edema": ("水肿",), "emphysema": ("肺气肿",), "cardiomegaly": ("增大", "扩大", "肿大"),
                  "opacity": ("浑浊", "混浊", "阴影", "不透明"), "granuloma": ("肉芽肿",), "calcification": ("钙化",),
                  "scarring": ("瘢痕", "疤痕"), "infiltrate": ("浸润",)},
        negations=("没有", "未见", "无", "未", "不", "排除", "正常", "清晰", "阴性"),
        sides={"左": "右", "右": "左"},
        bilateral=("双", "两"),
        severity={"少量": "大量", "大量": "少量", "中等量": "少量", "中量": "少量", "轻度": "重度", "重度": "轻度",
                  "中度": "轻度", "轻微": "明显"},
        added_findings=(("effusion", "右侧少量胸腔积液。"), ("pneumothorax", "左侧大量气胸。"),
                        ("nodule", "右肺上叶见一结节。"), ("consolidation", "左肺下叶实变。")),
        # 变化 alone is "changes" (退行性变化, degenerative changes), not a comparison
        comparisons=("稳定", "较前", "前片", "之前", "以前", "相比", "比较", "无变化", "没有变化", "改善", "新出现"),
        added_comparisons=("与前片比较，双肺未见明显变化。", "与前片相比，心影及双肺大致同前。"),
        word_boundaries=False,
    ),
}


def split_sentences(text: str, lang: str) -> list[str]:
    """Sentences of ``text`` with their ending kept, so that ``"".join(...) == text``."""
    out, start = [], 0
    for m in re.finditer(VOCAB[lang].sentence_split, text):
        out.append(text[start:m.end()])
        start = m.end()
    if start < len(text):
        out.append(text[start:])
    return [s for s in out if s]


def _has(sentence: str, words, wb: bool, prefix: bool = False) -> list[str]:
    """The ``words`` found in ``sentence``: whole words, or starts of words (``prefix``)."""
    low = sentence.lower()
    if not wb:
        return [w for w in words if w in low]
    end = "" if prefix else r"(?!\w)"
    return [w for w in words if re.search(rf"(?<!\w){re.escape(w.strip())}{end}", low)]


def _findings(sentence: str, v: EditVocab) -> list[str]:
    return [f for f, words in v.findings.items() if _has(sentence, words, v.word_boundaries, prefix=True)]


def _present(sentence: str, v: EditVocab) -> list[str]:
    """Findings of a sentence that states them present (no negation in it)."""
    if _has(sentence, v.negations, v.word_boundaries):
        return []
    return _findings(sentence, v)


def _one_side(sentence: str, v: EditVocab) -> bool:
    """One side named (no word of it is the mirror of another), and no bilateral word."""
    found = set(_has(sentence, v.sides, v.word_boundaries))
    return not any(v.sides[w] in found for w in found) and not _has(sentence, v.bilateral, v.word_boundaries,
                                                                   prefix=True)


def _join(sents: list[str]) -> str:
    return "".join(sents).strip()


def _insert(sents: list[str], new: str, rng: random.Random, lang: str) -> str:
    out = [s.strip() for s in sents]
    out.insert(rng.randint(0, len(out)), new.rstrip(".") if lang == "fr" else new)
    if lang == "fr":  # CASIA-CXR separates sentences with "/"
        return " / ".join(s.rstrip("/ ").rstrip(".") for s in out)
    return ("" if lang == "zh" else " ").join(out)


def _replace_word(sentence: str, table: dict[str, str], wb: bool) -> str | None:
    keys = sorted(table, key=len, reverse=True)
    body = "|".join(re.escape(k) for k in keys)
    rx = re.compile(rf"(?<!\w)({body})(?!\w)" if wb else f"({body})", re.IGNORECASE)
    if not rx.search(sentence):
        return None

    def sub(m):
        word = m.group(1)
        new = table[word.lower()]
        return new.capitalize() if word[0].isupper() else new
    return rx.sub(sub, sentence)


def edits(text: str, lang: str, rng: random.Random) -> dict[str, tuple[str, str]]:
    """``{edit name: (reference, hypothesis)}`` for every edit that applies to ``text``."""
    v = VOCAB[lang]
    sents = split_sentences(text, lang)
    out: dict[str, tuple[str, str]] = {}
    present = [(i, _present(s, v)) for i, s in enumerate(sents)]
    # drop a present finding's sentence, when its findings are stated nowhere else
    cands = [i for i, found in present if found
             and not any(set(found) & set(_findings(sents[j], v)) for j in range(len(sents)) if j != i)]
    if cands:
        i = rng.choice(cands)
        out["drop_finding"] = (text, _join(sents[:i] + sents[i + 1:]))
    stated = set(_findings(text, v))
    absent = [s for finding, s in v.added_findings if finding not in stated]
    if absent:
        out["add_finding"] = (text, _insert(sents, rng.choice(absent), rng, lang))
    for name, table in (("swap_side", v.sides), ("change_severity", v.severity)):
        cands = [i for i, found in present if found and _has(sents[i], table, v.word_boundaries)]
        if name == "swap_side":  # a lateralised finding: one side named, not both, not bilateral
            cands = [i for i in cands if _one_side(sents[i], v)]
        if cands:
            i = rng.choice(cands)
            new = _replace_word(sents[i], table, v.word_boundaries)
            out[name] = (text, _join(sents[:i] + [new] + sents[i + 1:]))
    out["add_comparison"] = (text, _insert(sents, rng.choice(v.added_comparisons), rng, lang))
    cands = [i for i, s in enumerate(sents) if _has(s, v.comparisons, v.word_boundaries)]
    if cands:
        i = rng.choice(cands)
        out["remove_comparison"] = (text, _join(sents[:i] + sents[i + 1:]))
    else:
        out["remove_comparison"] = (_insert(sents, rng.choice(v.added_comparisons), rng, lang), text)
    return out


def real_reports(shared: Path, lang: str) -> list[tuple[str, str]]:
    """(id, text) of the real reports of ``lang`` in ``shared/data``: IU X-Ray (en), CASIA-CXR
    (fr, id ``<file>:<row>``), the machine-translated IU reports (zh)."""
    from bench import labeler_accuracy as ev

    if lang == "en":
        return [(uid, text) for uid, text, _ in ev.iu_gold_reports(shared)]
    if lang == "zh":
        return [(uid, text) for uid, text, _ in ev.iu_zh_reports(shared)]
    return [(f"{name}:{i}", t) for name in ev.CASIA_FILES for i, t in enumerate(ev.casia_reports(shared, name))]


def edit_detection(reports: list[tuple[str, str]], lang: str, seed: int = 0, per_edit: int = 300) -> dict:
    """Recall of each edit's category over at most ``per_edit`` edited reports per edit, and the
    false-alarm rates: an unedited report against itself, and against itself with its sentences
    in another order (a reordering changes no finding). Reports are taken in a seeded order."""
    from cxrgen.labeling.errors import get_error_analyzer

    analyzer = get_error_analyzer(lang)
    rng = random.Random(seed)
    order = list(reports)
    rng.shuffle(order)
    found = {name: [] for name in EDITS}
    other = {name: 0 for name in EDITS}
    misses: dict[str, list] = {name: [] for name in EDITS}
    self_alarm = shuffle_alarm = n_shuffled = dropped_own = 0
    for rid, text in order:
        if not text.strip():
            continue
        for name, (ref, hyp) in edits(text, lang, rng).items():
            if len(found[name]) >= per_edit:
                continue
            cats = {e.category for e in analyzer.analyze(hyp, ref).errors}
            ok = EDITS[name] in cats
            found[name].append(ok)
            if name == "remove_comparison" and ref == text:
                dropped_own += 1  # the report's own comparison removed (not one added to the reference)
            other[name] += bool(cats - {EDITS[name]})
            if not ok and len(misses[name]) < 5:
                misses[name].append((rid, ref, hyp))
        if n_shuffled < per_edit:
            self_alarm += bool(analyzer.analyze(text, text).errors)
            sents = split_sentences(text, lang)
            if len(sents) > 1:
                shuffled = [s.strip() for s in sents]
                rng.shuffle(shuffled)
                sep = {"en": " ", "fr": " / ", "zh": ""}[lang]
                shuffle_alarm += bool(analyzer.analyze(sep.join(shuffled), text).errors)
            n_shuffled += 1
    return {"lang": lang, "seed": seed,
            "edits": {name: {"category": EDITS[name], "n": len(v), "recall": sum(v) / len(v) if v else 0.0,
                             "other_category_rate": other[name] / len(v) if v else 0.0}
                      for name, v in found.items()},
            "false_alarm_self": self_alarm / n_shuffled if n_shuffled else 0.0,
            "false_alarm_reordered": shuffle_alarm / n_shuffled if n_shuffled else 0.0,
            "n_unedited": n_shuffled, "remove_comparison_of_the_report": dropped_own, "misses": misses}


def main(argv=None) -> int:
    from bench.labeler_accuracy import HALVES, split_half

    args = sys.argv[1:] if argv is None else argv
    shared = Path(args[0] if args else "../shared/data")
    langs = [a for a in args[1:] if not a.startswith("-")] or ["en", "fr", "zh"]
    for lang in langs:
        reports = real_reports(shared, lang)
        for half in HALVES:
            res = edit_detection([r for r in reports if split_half(r[0]) == half], lang)
            print(f"{lang} {half:8s}", "  ".join(f"{n}={e['recall']:.3f}/{e['n']}" for n, e in res["edits"].items()),
                  f"false-alarm self={res['false_alarm_self']:.3f} reordered={res['false_alarm_reordered']:.3f}"
                  f" (n={res['n_unedited']})")
            print(f"{'':12s}other categories also reported:",
                  "  ".join(f"{n}={e['other_category_rate']:.2f}" for n, e in res["edits"].items()),
                  f" remove_comparison of the report's own: {res['remove_comparison_of_the_report']}")
            if "-v" in args:
                for name, ms in res["misses"].items():
                    for m in ms[:3]:
                        print("  MISS", name, m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
