"""The demo's page (``runs/demo/report.html``): every sentence on it is computed from the numbers.

What a researcher checks first is there: the metric table with 95 % bootstrap intervals, the
paired test of R2Gen against the retrieval baseline, two controls for every metric (R2Gen with
the test images shuffled across studies; one constant report, the most frequent training
report), per-finding P / R / F1, the training curves from ``metrics.csv``, whether the demo's
goals were met, examples that succeed and examples that fail (mismatched findings marked, the
retrieval report beside each, the attention map where the model gives one), and the config,
versions, git sha, seed and timings that reproduce it. Self-contained (inline SVG and images).
"""

from __future__ import annotations

import csv
import datetime as _dt
import html
from dataclasses import dataclass, field
from pathlib import Path

from cxrgen.train.html_figures import attention_data_uri, image_data_uri, svg_chart

esc = html.escape

#: the NLG rows of the tables, in the field's order
NLG_ROWS = ("BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "METEOR", "ROUGE-L", "CIDEr")
CE_ROWS = ("CE-P-micro", "CE-R-micro", "CE-F1-micro", "CE-F1-macro", "CE-F1-example")
ALPHA = 0.05  # the level at which a paired difference is called significant

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1250px}
table{border-collapse:collapse;margin:.6em 0 1.2em}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}.sig{font-family:monospace;font-size:11px;color:#555}
.ci{color:#666;font-size:11px}.met{color:#07602a;font-weight:600}.miss{color:#a00;font-weight:600}
.study{display:flex;gap:1em;border-top:1px solid #ddd;padding:1em 0}.study img{width:190px;height:auto}
.study>div:first-child{flex:0 0 390px}
.rep{flex:1;display:grid;grid-template-columns:1fr 1fr 1fr;gap:1em}.rep p{margin:.3em 0 .5em}
.lab{font-size:12px;color:#555}.chip{display:inline-block;padding:0 4px;margin:1px;border-radius:3px;font-size:12px}
.tp{background:#d8f0dc}.fp{background:#ffc9c9;font-weight:600}.fn{background:#ffe9a8;font-weight:600}
pre{background:#f7f7f7;padding:.6em;font-size:12px;overflow:auto;max-height:24em}.charts{display:flex;gap:1.5em}
"""


@dataclass
class PageData:
    """Everything the page shows; built by :func:`cxrgen.train.demo.run_demo`."""

    title: str
    systems: dict  # name -> Evaluation; the first is ours, the second the baseline
    controls: dict  # name -> Evaluation (images shuffled; constant report)
    constant_report: str
    intervals: dict  # system name -> evaluation_stats.Intervals
    tests: dict  # score -> PairedResult, first system against the second
    trials: int
    goals: list  # (what, value, target, met)
    run_dir: Path  # the R2Gen run: metrics.csv, config.yaml, versions.yaml
    examples: list = field(default_factory=list)
    facts: dict = field(default_factory=dict)  # seed, studies, split sizes, git sha, command
    seconds: dict = field(default_factory=dict)


def _f(v: float) -> str:
    return f"{v:.3f}"


def summary(d: PageData) -> list[str]:
    """The page's sentences, each from the numbers it states."""
    (a_name, a), (b_name, b) = list(d.systems.items())[:2]
    ci = d.intervals[a_name].ci
    key = "CE-F1-micro"
    t = d.tests[key]
    lo, hi = ci[key]
    verdict = "significant" if t.p_value < ALPHA else "not significant"
    out = [f"{a.meta.get('n')} held-out test studies. {a_name}: {key} {_f(a.values[key])} (95% CI {_f(lo)}-{_f(hi)}); "
           f"{b_name}: {_f(b.values[key])} (95% CI {_f(d.intervals[b_name].ci[key][0])}-"
           f"{_f(d.intervals[b_name].ci[key][1])}). The difference {t.delta:+.3f} is {verdict} at the "
           f"{ALPHA:g} level (paired approximate randomisation, p = {t.p_value:.3g}, {d.trials} trials)."]
    nlg = [m for m in NLG_ROWS if m in d.tests]
    # equal as shown (4 decimals) is a tie: BLEU-4 of two systems without any 4-gram match is ~1e-10 each
    leads = [m for m in nlg if round(d.tests[m].delta, 4) > 0]
    trails = [m for m in nlg if round(d.tests[m].delta, 4) < 0]
    sig = [m for m in leads + trails if d.tests[m].p_value < ALPHA]
    ties = len(nlg) - len(leads) - len(trails)
    out.append(f"On the NLG metrics {a_name} leads {b_name} on {len(leads)} of {len(nlg)} "
               f"({', '.join(leads) or 'none'}) and trails on {len(trails)} ({', '.join(trails) or 'none'})"
               + (f", {ties} equal" if ties else "")
               + f"; {len(sig)} of these differences are significant ({', '.join(sig) or 'none'}).")
    shuffled_name, shuffled = list(d.controls.items())[0]
    s = shuffled.values[key]
    if s < lo:
        out.append(f"With the test images shuffled across studies, {a_name}'s {key} falls from {_f(a.values[key])} "
                   f"to {_f(s)}, below its 95% interval: its reports depend on the image.")
    else:
        out.append(f"With the test images shuffled across studies, {a_name}'s {key} is {_f(s)} against "
                   f"{_f(a.values[key])}, not below its 95% interval ({_f(lo)}-{_f(hi)}): these numbers do not "
                   f"show that the model reads the image.")
    const = list(d.controls.values())[1]
    ce_ex, ce_mi = const.values["CE-F1-example"], const.values[key]
    sentence = (f"A constant report (the most frequent training report, \u201c{d.constant_report}\u201d) scores "
                f"CE-F1-example {_f(ce_ex)} and {key} {_f(ce_mi)}")
    if ce_ex > ce_mi + 0.1:
        sentence += (": example-based F1 counts a study without findings whose report names none as a perfect 1, "
                     f"so compare systems on {key}")
    out.append(sentence + ".")
    return out


def _cell(value: float | None, ci: tuple[float, float] | None = None) -> str:
    if value is None:
        return "<td>-</td>"
    extra = f" <span class='ci'>[{ci[0]:.3f}, {ci[1]:.3f}]</span>" if ci else ""
    return f"<td>{value:.4f}{extra}</td>"


def metrics_table(d: PageData) -> str:
    names, controls = list(d.systems), list(d.controls)
    head = "".join(f"<th>{esc(n)} <span class='ci'>[95% CI]</span></th>" for n in names)
    head += "".join(f"<th>{esc(n)}</th>" for n in controls)
    out = [f"<table><tr><th class='l'>metric</th>{head}<th>&Delta; {esc(names[0])} &minus; {esc(names[1])}</th>"
           f"<th>p</th><th class='l'>signature</th></tr>"]
    first = d.systems[names[0]]
    for r in [r for r in NLG_ROWS + CE_ROWS if r in first.values]:
        cells = "".join(_cell(d.systems[n].values.get(r), d.intervals[n].ci.get(r)) for n in names)
        cells += "".join(_cell(d.controls[n].values.get(r)) for n in controls)
        t = d.tests.get(r)
        shown = t is not None and t.p_value < ALPHA and round(t.delta, 4) != 0  # a tie as shown is no result
        test = (f"<td>{t.delta:+.4f}</td><td class='{'met' if shown else ''}'>{t.p_value:.3g}</td>"
                if t else "<td>-</td><td>-</td>")
        out.append(f"<tr><td class='l'>{esc(r)}</td>{cells}{test}"
                   f"<td class='l sig'>{esc(first.signatures.get(r, ''))}</td></tr>")
    out.append("</table>")
    return "".join(out)


def per_finding_table(d: PageData) -> str:
    evs = {**d.systems, list(d.controls)[0]: list(d.controls.values())[0]}
    first = next(iter(evs.values()))
    head = "".join(f"<th colspan='3'>{esc(n)}</th>" for n in evs)
    out = [f"<table><tr><th class='l' rowspan='2'>finding</th><th rowspan='2'>support</th>{head}</tr><tr>"
           + "<th>P</th><th>R</th><th>F1</th>" * len(evs) + "</tr>"]
    for label, row in first.per_label.items():
        cells = "".join(f"<td>{ev.per_label[label][k]:.3f}</td>" for ev in evs.values() for k in ("P", "R", "F1"))
        out.append(f"<tr><td class='l'>{esc(label)}</td><td>{row['support']}</td>{cells}</tr>")
    out.append("</table>")
    return "".join(out)


def read_curves(metrics_csv: Path) -> dict[tuple[str, str], list[tuple[int, int, float]]]:
    """``metrics.csv`` (long format) -> ``{(split, name): [(step, epoch, value), ...]}``."""
    curves: dict[tuple[str, str], list[tuple[int, int, float]]] = {}
    if not metrics_csv.is_file():
        return curves
    with open(metrics_csv, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            curves.setdefault((row["split"], row["name"]), []).append(
                (int(row["step"]), int(row["epoch"]), float(row["value"])))
    return curves


def curves_html(d: PageData) -> str:
    curves = read_curves(d.run_dir / "metrics.csv")
    loss = {f"{split} {name}": [(step, v) for step, _, v in pts] for (split, name), pts in curves.items()
            if name == "loss"}
    val = {name: [(epoch, v) for _, epoch, v in pts] for (split, name), pts in curves.items()
           if split == "val" and name in ("CE-F1-micro", "BLEU-4", "CIDEr")}
    best = d.facts.get("best_epoch")
    return (f"<div class='charts'>{svg_chart(loss, 'training loss', 'optimiser step')}"
            f"{svg_chart(val, 'validation (dashed: best.pt)', 'epoch', mark_x=best)}</div>")


#: what each category means on a generated report, in the page's words
CATEGORY_TEXT = {
    "false_finding": "false finding", "missed_finding": "missed finding", "wrong_location": "wrong location",
    "wrong_severity": "wrong severity", "false_comparison": "false comparison",
    "missed_comparison": "missed comparison",
}


def render_errors(example: dict) -> str:
    """``<div class='lab'>`` listing the example's errors (category, finding, both spans)."""
    if "errors" not in example:
        return ""
    errors = example["errors"]
    if not errors:
        return f"<div class='lab'>clinical errors: none ({example.get('matched', 0)} findings matched)</div>"
    items = []
    for e in errors:
        spans = "; ".join(f"{side}: “{esc(e[key]['text'])}”"
                          for side, key in (("generated", "hyp"), ("reference", "ref")) if e.get(key))
        items.append(f"<li><b>{esc(CATEGORY_TEXT.get(e['category'], e['category']))}</b>: "
                     f"{esc(e['finding'])}{' — ' + spans if spans else ''}</li>")
    return (f"<div class='lab'>clinical errors ({len(errors)}; {example.get('matched', 0)} findings matched):"
            f"<ul>{''.join(items)}</ul></div>")


def _chips(labels: dict, truth: dict) -> str:
    out = []
    for name, v in labels.items():
        t = truth.get(name)
        if v == 1 and t == 1:
            out.append(f"<span class='chip tp'>{esc(name)}</span>")
        elif v == 1:
            out.append(f"<span class='chip fp' title='not in the reference'>+{esc(name)}</span>")
        elif t == 1:
            out.append(f"<span class='chip fn' title='missed'>&minus;{esc(name)}</span>")
    return "".join(out) or "<span class='chip'>no finding</span>"


def example_html(ex: dict) -> str:
    imgs = "".join(f"<img alt='{esc(Path(p).name)}' src='{image_data_uri(p)}'>" for p in ex["images"][:1])
    if ex.get("attention") is not None:
        imgs += (f"<img alt='attention' src='{attention_data_uri(ex['images'][0], ex['attention'], ex['crop'])}'>"
                 "<div class='lab'>cross-attention over the frontal view (mean over the report)</div>")
    truth = ex["reference_labels"]
    status = "all findings right" if not ex["mismatch"] else "mismatched: " + ", ".join(ex["mismatch"])
    return (f"<div class='study'><div>{imgs}<div class='lab'>{esc(ex['study_id'])}: {esc(status)}</div></div>"
            f"<div class='rep'><div><b>R2Gen</b><p>{esc(ex['generated'])}</p>{_chips(ex['generated_labels'], truth)}{render_errors(ex)}</div>"
            f"<div><b>retrieval</b><p>{esc(ex['retrieval'])}</p>{_chips(ex['retrieval_labels'], truth)}</div>"
            f"<div><b>reference</b><p>{esc(ex['reference'])}</p>{_chips(truth, truth)}</div></div></div>")


def goals_html(d: PageData) -> str:
    rows = "".join(f"<tr><td class='l'>{esc(what)}</td><td>{value:.4f}</td><td class='l'>{esc(target)}</td>"
                   f"<td class='{'met' if met else 'miss'}'>{'met' if met else 'NOT met'}</td></tr>"
                   for what, value, target, met in d.goals)
    return f"<table><tr><th class='l'>goal</th><th>value</th><th class='l'>target</th><th>status</th></tr>{rows}</table>"


def reproduce_html(d: PageData) -> str:
    config = (d.run_dir / "config.yaml").read_text(encoding="utf-8") if (d.run_dir / "config.yaml").is_file() else ""
    versions = (d.run_dir / "versions.yaml").read_text(encoding="utf-8") if (d.run_dir / "versions.yaml").is_file() else ""
    facts = "".join(f"<tr><td class='l'>{esc(str(k))}</td><td class='l'>{esc(str(v))}</td></tr>" for k, v in d.facts.items())
    times = "".join(f"<tr><td class='l'>{esc(k)}</td><td>{v:.0f} s</td></tr>" for k, v in d.seconds.items())
    return (f"<table>{facts}</table><h3>Timings</h3><table>{times}</table>"
            f"<h3>Versions</h3><pre>{esc(versions)}</pre>"
            f"<h3>Resolved config of the R2Gen run</h3><pre>{esc(config)}</pre>")


def render(d: PageData) -> str:
    ok = sum(1 for *_, met in d.goals if met)
    out = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(d.title)}</title>",
           f"<style>{_STYLE}</style></head><body><h1>{esc(d.title)}</h1>"]
    out += [f"<p>{esc(s)}</p>" for s in summary(d)]
    out.append(f"<h2>Goals ({ok} of {len(d.goals)} met)</h2>{goals_html(d)}")
    out.append(f"<h2>Metrics</h2>{metrics_table(d)}")
    out.append(f"<h2>Per finding (CE against the true labels)</h2>{per_finding_table(d)}")
    out.append(f"<h2>Training</h2>{curves_html(d)}")
    n_fail = sum(1 for ex in d.examples if ex["mismatch"])
    out.append(f"<h2>Examples ({len(d.examples) - n_fail} right, {n_fail} with mismatched findings; "
               f"<span class='chip fp'>+added</span> <span class='chip fn'>&minus;missed</span>)</h2>")
    out += [example_html(ex) for ex in d.examples]
    out.append(f"<h2>Reproduce</h2>{reproduce_html(d)}")
    stamp = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    out.append(f"<p class='sig'>written {stamp} by cxrgen</p></body></html>")
    return "\n".join(out)


def write(path: str | Path, data: PageData) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(data), encoding="utf-8")
    return path
