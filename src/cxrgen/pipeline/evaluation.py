"""Generate reports for a split and score them: NLG metrics and clinical efficacy, with signatures.

NLG: BLEU-1..4, METEOR, ROUGE-L, CIDEr-D from :func:`cxrgen.metrics.score_corpus` (pycocoevalcap's
numbers, tokeniser and language in every signature).

Clinical efficacy (CE): the generated report is labelled by the rule labeler of its language
(:mod:`cxrgen.labeling`, CheXpert observations, an uncertain mention counted negative as in
R2Gen's CE) and compared with reference labels, micro / macro / example averaged
(:mod:`cxrgen.metrics.clinical`). The reference labels are, in order of preference:

1. the dataset's true labels, when they are already CheXpert observations;
2. the dataset's true labels mapped to CheXpert by the mapping the dataset declares
   (:func:`cxrgen.data.registry.label_mapping`; the phantom's findings); only the observations
   the mapping can set are scored (a phantom has no fracture column);
3. otherwise the labeler run on the reference report (the usual protocol of R2Gen and its
   successors, with the CheXpert labeler in their case).

Which one was used is in the signature (``ref:true-labels`` or ``ref:labeler``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from cxrgen.data.study import Study
from cxrgen.data.torch_dataset import StudyImageDataset
from cxrgen.errors import InputError

#: The CE label set and the policy for uncertain mentions (R2Gen's CE counts only 1 as positive).
CE_LABELS = "chexpert"
CE_UNCERTAIN = "negative"


# --------------------------------------------------------------------------- generation


def generate_reports(generator, studies: Sequence[Study], *, section: str = "findings", batch_size: int = 16,
                     beam_size: int | None = None, progress: Callable[[int, int], None] | None = None) -> list[str]:
    """Reports for ``studies`` with a :class:`cxrgen.pipeline.inference.ReportPipeline` (eval transform, no grad)."""
    images = StudyImageDataset(studies, generator.transform, max_views=generator.max_views, section=section)
    from cxrgen.data.collate import collate_studies

    out: list[str] = []
    model = generator.model
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(studies), batch_size):
            batch = collate_studies([images[i] for i in range(start, min(start + batch_size, len(studies)))])
            ids = generator.generate_ids(batch["images"].to(generator.device), batch["view_mask"].to(generator.device),
                                         beam_size=beam_size)
            out += [generator.to_text(r)[0] for r in ids]
            if progress:
                progress(len(out), len(studies))
    finally:
        model.train(was_training)
    return out


# --------------------------------------------------------------------------- clinical efficacy


def reference_labels(studies: Sequence[Study]) -> tuple[list[dict] | None, tuple[str, ...] | None, str]:
    """(labels per study, columns to score, source) of the CE references; ``None`` = use the labeler."""
    from cxrgen.data.registry import label_mapping
    from cxrgen.labeling import get_label_set

    columns = get_label_set(CE_LABELS).findings
    if not studies or any(not s.labels for s in studies):
        return None, None, "labeler"
    names = set().union(*(s.labels for s in studies))
    if names <= set(columns):
        used = tuple(c for c in columns if c in names)
        return [dict(s.labels) for s in studies], used, "true-labels"
    datasets = {s.dataset for s in studies}
    mapping = label_mapping(datasets.pop()) if len(datasets) == 1 else None
    if mapping is not None and mapping.target == CE_LABELS:
        return [mapping.convert(s.labels) for s in studies], mapping.columns, "true-labels"
    return None, None, "labeler"


def clinical_scores(hyps: Sequence[str], studies: Sequence[Study], lang: str, section: str = "findings") -> dict:
    """CE P/R/F1 (micro, macro, example) of ``hyps`` and per-report label rows, with a signature."""
    from cxrgen.labeling import get_label_set, get_labeler
    from cxrgen.metrics.clinical import ce_aggregate, ce_signature, ce_statistics, per_label_scores

    labeler = get_labeler(lang)
    label_set = get_label_set(CE_LABELS)
    hyp_labels = labeler.label_many(list(hyps), label_set)
    refs, columns, source = reference_labels(studies)
    if refs is None:
        refs = labeler.label_many([s.report(section) for s in studies], label_set)
        columns = label_set.findings
    rows = ce_statistics(hyp_labels, refs, columns, CE_UNCERTAIN)
    values = ce_aggregate(rows)
    # a mapped dataset scores only the observations its labels can set: say how many
    labels = CE_LABELS if len(columns) == len(label_set.findings) else f"{CE_LABELS}[{len(columns)}]"
    signatures = {}
    for key in values:  # "F1-micro" -> the score CE-F1 averaged micro
        stat, average = key.split("-")
        signatures[f"CE-{key}"] = str(ce_signature(f"CE-{stat}", labeler=labeler.name, lang=lang, average=average,
                                                   labels=labels, uncertain=CE_UNCERTAIN, ref=source))
    return {"values": {f"CE-{k}": v for k, v in values.items()}, "signatures": signatures,
            "per_label": per_label_scores(rows, columns), "hyp_labels": hyp_labels, "ref_labels": refs,
            "columns": list(columns)}


# --------------------------------------------------------------------------- everything


@dataclass
class Evaluation:
    """Metrics of one system on one split: flat ``values``, a signature per metric, per-study rows."""

    values: dict[str, float]
    signatures: dict[str, str]
    predictions: list[dict] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    per_label: dict[str, dict] = field(default_factory=dict)

    @property
    def micro_f1(self) -> float:
        return self.values["CE-F1-micro"]

    def to_dict(self) -> dict:
        return {"values": self.values, "signatures": self.signatures, "per_label": self.per_label, **self.meta}


def score_reports(hyps: Sequence[str], studies: Sequence[Study], lang: str, section: str = "findings",
                  metrics: Sequence[str] | None = None, seed: int | None = None) -> Evaluation:
    """NLG metrics + clinical efficacy of ``hyps`` against the studies' reports and labels."""
    from cxrgen.metrics import score_corpus

    if len(hyps) != len(studies):
        raise InputError(f"{len(hyps)} generated reports for {len(studies)} studies")
    refs = [s.report(section) for s in studies]
    empty = [s.study_id for s, r in zip(studies, refs) if not r.strip()]
    if empty:
        raise InputError(f"{len(empty)} studies have an empty {section!r} reference (first: {empty[0]}); "
                         "choose another data.section or drop those studies")
    nlg = score_corpus(list(hyps), refs, lang=lang, metrics=metrics, ids=[s.study_id for s in studies])
    ce = clinical_scores(hyps, studies, lang, section)
    values = {**nlg.values(), **ce["values"]}
    signatures = {name: str(s.signature) for name, s in nlg.scores.items()}
    signatures.update(ce["signatures"])
    per_nlg = {row["id"]: row for row in nlg.per_report()}
    predictions = []
    for s, h, hl, rl in zip(studies, hyps, ce["hyp_labels"], ce["ref_labels"]):
        row = {"study_id": s.study_id, "generated": h, "reference": s.report(section),
               "images": [i.path for i in s.images], "generated_labels": {c: hl.get(c) for c in ce["columns"]},
               "reference_labels": {c: rl.get(c) for c in ce["columns"]}}
        row["scores"] = {k: v for k, v in per_nlg.get(s.study_id, {}).items() if k != "id"}
        predictions.append(row)
    meta = {"n": len(studies), "lang": lang, "section": section, "skipped_metrics": dict(nlg.skipped)}
    if seed is not None:
        meta["seed"] = seed
    return Evaluation(values, signatures, predictions, meta, ce["per_label"])


def write_predictions(path: str | Path, evaluation: Evaluation) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for row in evaluation.predictions:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def shuffled_images(studies: Sequence[Study], seed: int) -> list[Study]:
    """The studies with their images permuted across studies (a derangement), reports and labels kept.

    A model that reads the image falls to chance on these; one that ignores it does not change.
    """
    from dataclasses import replace

    n = len(studies)
    if n < 2:
        raise InputError("shuffling images across studies needs at least 2 studies")
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    source = np.empty(n, dtype=int)
    source[perm] = np.roll(perm, -1)  # one random cycle through all studies: nobody keeps its own
    return [replace(s, images=list(studies[int(source[i])].images)) for i, s in enumerate(studies)]



# --------------------------------------------------------------------------- checkpoints


def load_split(dataset: str, root: str, options: dict, split: str, max_studies: int = 0) -> list[Study]:
    from cxrgen.data.registry import load_dataset

    ds = load_dataset(dataset, root, **options)
    studies = [s for s in ds.split(split) if s.images]
    if not studies:
        raise InputError(f"dataset {dataset} at {root}: split {split!r} has no study with images")
    return studies[:max_studies] if max_studies else studies


def evaluate_checkpoint(ckpt_path, split: str = "test", dataset: str | None = None, root: str | None = None,
                        out: str | Path | None = None, beam_size: int | None = None, batch_size: int = 16,
                        max_studies: int = 0, metrics: Sequence[str] | None = None, device: str = "cpu",
                        studies: Sequence[Study] | None = None) -> Evaluation:
    """Generate and score one split with the checkpoint alone (dataset, language, section from it)."""
    from cxrgen.pipeline.inference import ReportPipeline

    gen = ReportPipeline.from_checkpoint(ckpt_path, device=device)
    ckpt = gen.checkpoint
    info = ckpt.dataset
    section = ckpt.section
    if studies is None:
        name = dataset or info.get("name")
        where = root or info.get("root")
        if not name or not where:
            raise InputError(f"{ckpt_path} does not name its dataset; pass --dataset and --root")
        options = info.get("options", {}) if name == info.get("name") else {}
        studies = load_split(name, where, options, split, max_studies)
    hyps = generate_reports(gen, studies, section=section, batch_size=batch_size, beam_size=beam_size)
    ev = score_reports(hyps, studies, gen.lang, section, metrics=metrics, seed=ckpt.seed)
    ev.meta.update({"split": split, "checkpoint": str(ckpt_path), "model": ckpt.model_name,
                    "epoch": ckpt.epoch, "git_sha": ckpt.git_sha, "versions": ckpt.versions,
                    "beam_size": beam_size or gen.decode.beam_size})
    if out is not None:
        out = Path(out)
        write_predictions(out / f"predictions_{split}.jsonl", ev)
        (out / f"metrics_{split}.json").write_text(json.dumps(ev.to_dict(), indent=2, ensure_ascii=False),
                                                   encoding="utf-8")
    return ev


#: the rows of the printed table, in the field's order
TABLE_ROWS = ("BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "METEOR", "ROUGE-L", "CIDEr",
              "CE-P-micro", "CE-R-micro", "CE-F1-micro", "CE-F1-macro", "CE-F1-example")


def format_table(systems: dict[str, Evaluation]) -> str:
    """A plain-text table: one row per metric, one column per system."""
    names = list(systems)
    rows = [r for r in TABLE_ROWS if any(r in ev.values for ev in systems.values())]
    width = max(len(r) for r in rows) + 2
    col = max(10, *(len(n) + 2 for n in names))
    lines = ["metric".ljust(width) + "".join(n.rjust(col) for n in names)]
    lines.append("-" * len(lines[0]))
    for r in rows:
        cells = "".join((f"{systems[n].values[r]:.4f}" if r in systems[n].values else "-").rjust(col) for n in names)
        lines.append(r.ljust(width) + cells)
    return "\n".join(lines)
