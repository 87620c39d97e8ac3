"""One training run from a config: data, vocabulary, model, validation, the loop, the run folder.

``run(config)`` is what ``cxrgen train`` and the demo call. Everything the checkpoint needs to
describe itself is assembled here (``meta``): the model's resolved configuration, the vocabulary,
the tokenizer / language / section, the evaluation preprocessing, the label names, the dataset.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import torch

from cxrgen.data.study import Study
from cxrgen.errors import ConfigError
from cxrgen.train import distributed as D
from cxrgen.train.augment import ReportAugmenter
from cxrgen.pipeline.checkpoint import seed_everything
from cxrgen.train.config import Config
from cxrgen.train.data import (
    ReportDataset,
    build_vocab,
    label_names_of,
    load_studies,
    make_collate,
    preprocessing_of,
    split_studies,
    text_meta,
)
from cxrgen.train.loop import Trainer, TrainState
from cxrgen.train.pretrain import WARM_ENCODER_FILE, image_encoder, pretrain_encoder
from cxrgen.train.sampling import oversample

#: metrics computed at validation (METEOR is left to `cxrgen evaluate`: it is the slowest)
VAL_METRICS = ("BLEU", "ROUGE-L", "CIDEr")


@dataclass
class RunResult:
    run_dir: Path
    state: TrainState
    trainer: Trainer


def model_options(config: Config, label_names: Sequence[str]) -> dict[str, Any]:
    """The model config: the preset's options, with what the data decides filled in."""
    opts = {k: (dict(v) if isinstance(v, dict) else v) for k, v in config.model.options.items()}
    opts.setdefault("max_len", config.data.max_seq_length)
    if config.model.aux_loss_weight > 0:
        opts.setdefault("num_labels", len(label_names))
    enc = dict(opts.get("encoder") or {})
    enc.setdefault("image_size", config.data.crop)
    if config.model.encoder_weights:
        enc["weights"] = config.model.encoder_weights
    opts["encoder"] = enc
    return opts


def fit_retrieval_index(model, studies: Sequence[Study], generator, section: str, batch_size: int = 32) -> None:
    """Embed the training studies (evaluation transform) and index their reports (retrieval baseline)."""
    from cxrgen.data.collate import collate_studies
    from cxrgen.data.torch_dataset import StudyImageDataset

    images = StudyImageDataset(studies, generator.transform, max_views=generator.max_views, section=section)
    embeds = []
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for start in range(0, len(studies), batch_size):
            batch = collate_studies([images[i] for i in range(start, min(start + batch_size, len(studies)))])
            embeds.append(model.embed_images(batch["images"].to(generator.device),
                                             batch["view_mask"].to(generator.device)))
    model.train(was_training)
    model.fit(torch.cat(embeds), [s.report(section) for s in studies])


def make_val_fn(config: Config, val_studies: Sequence[Study], train_studies: Sequence[Study], vocab, meta: dict,
                device: torch.device):
    """Validation: generate the val split's reports, score NLG (BLEU, ROUGE-L, CIDEr) and CE."""
    from cxrgen.pipeline.evaluation import generate_reports, score_reports
    from cxrgen.pipeline.inference import ReportPipeline

    c = config

    def val_fn(model) -> dict[str, float]:
        gen = ReportPipeline(model, vocab, preprocessing=meta["preprocessing"], lang=c.data.language,
                             decode=c.decode, device=device)
        if hasattr(model, "fit"):  # the retrieval baseline answers from an index of the training set
            fit_retrieval_index(model, train_studies, gen, c.data.section, c.train.eval_batch_size)
        hyps = generate_reports(gen, val_studies, section=c.data.section, batch_size=c.train.eval_batch_size)
        ev = score_reports(hyps, val_studies, c.data.language, c.data.section, metrics=list(VAL_METRICS))
        return ev.values

    return val_fn


def run(config: Config, root: str | None = None, resume: str | None = None, run_dir: str | None = None,
        dist: D.DistInfo | None = None) -> RunResult:
    """Train as the config says; returns the run folder (config.yaml, metrics.csv, best.pt, last.pt)."""
    from cxrgen.models import create_model, list_models
    from cxrgen.models.config import to_dict as model_config_dict

    c = config
    if c.model.name not in list_models():
        raise ConfigError(f"unknown model {c.model.name!r}; valid choices: {', '.join(list_models())}")
    dist = dist or D.DistInfo()
    if c.train.threads:
        torch.set_num_threads(c.train.threads)
    seed_everything(c.train.seed)  # model initialisation and vocabulary order repeat exactly
    dataset = load_studies(c.data, root)
    train_studies = split_studies(dataset, "train", c.data.max_train_studies)
    val_studies = split_studies(dataset, "val", c.data.max_eval_studies)
    vocab = build_vocab(train_studies, c.data)
    label_names = label_names_of(train_studies)
    model = create_model(c.model.name, model_options(c, label_names), vocab)
    meta = {
        "model_config": model_config_dict(model.config),
        "vocab": vocab.to_dict(),
        "text": text_meta(vocab, c),
        "preprocessing": preprocessing_of(c.data),
        "label_names": label_names,
        "dataset": {"name": c.data.dataset, "root": str(root or c.data.root), "options": c.data.options,
                    "train_studies": len(train_studies), "val_studies": len(val_studies)},
    }
    augment = None
    if c.data.sentence_shuffle > 0 or c.data.entity_swap > 0:
        augment = ReportAugmenter(c.data.language, label_names, [s.report(c.data.section) for s in train_studies],
                                  sentence_shuffle=c.data.sentence_shuffle, entity_swap=c.data.entity_swap)
    indices = None
    if c.data.oversample_rare:
        indices, counts = oversample(train_studies, c.data.oversample_max_factor, c.data.oversample_max_per_finding)
        if dist.is_main:
            shown = ", ".join(f"{k} {a}->{b}" for k, (a, b) in counts.items())
            print(f"oversampling: {len(train_studies)} -> {len(indices)} training samples ({shown})", file=sys.stderr)
    image_cache = {} if c.data.cache_images else None  # shared by the warm start and the training set
    train_set = ReportDataset(train_studies, vocab, label_names, c.data, train=True, augment=augment, indices=indices,
                              image_cache=image_cache)
    device = D.resolve_device(c.train.device, dist)
    if c.pretrain.steps and not resume:  # a resumed run has the warmed-up weights in its checkpoint
        plain = ReportDataset(train_studies, vocab, label_names, c.data, train=True, image_cache=image_cache)
        pretrain_encoder(model, plain, make_collate(vocab.pad_id), len(label_names), c.pretrain.steps,
                         c.pretrain.lr, c.pretrain.batch_size, c.train.seed, device, log=dist.is_main,
                         threads=c.pretrain.threads)
    val_fn = make_val_fn(c, val_studies, train_studies, vocab, meta, device) if val_studies else None
    trainer = Trainer(c, model, train_set, collate_fn=make_collate(vocab.pad_id), pad_id=vocab.pad_id,
                      meta=meta, val_fn=val_fn, run_dir=run_dir or c.train.out,
                      dist=dist)
    if c.pretrain.steps and not resume and dist.is_main:
        # the warmed backbone under its torchvision-style names: another run (the demo's retrieval
        # baseline, or a user's) starts from it with model.encoder_weights / --encoder-weights
        trainer.run_dir.mkdir(parents=True, exist_ok=True)
        torch.save(image_encoder(model).backbone.state_dict(), trainer.run_dir / WARM_ENCODER_FILE)
    state = trainer.fit(resume=resume)
    return RunResult(trainer.run_dir, state, trainer)
