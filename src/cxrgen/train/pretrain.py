"""Warm start of the image encoder by multi-label classification on the training labels.

R2Gen starts its visual extractor from ImageNet weights (Chen et al., EMNLP 2020, §3.2); without
a weight file (``model.encoder_weights``), a captioning model learns the report's language long
before its image features become informative, and sits on the "same report for every image"
plateau. Training the encoder first to predict the training studies' labels (BCE, the loss of
CheXNet-style classifiers, Rajpurkar et al. 2017) gives it informative features in a few hundred
steps; the CN-X2RG auxiliary head does the same jointly. Only training-split labels are used.
"""

from __future__ import annotations

import math
import sys
import time

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from cxrgen.errors import ConfigError
from cxrgen.train.optim import fused_if_supported

#: the warmed backbone's weights, written in the run folder (a valid ``model.encoder_weights`` file)
WARM_ENCODER_FILE = "warm_encoder.pt"


def image_encoder(model: torch.nn.Module) -> torch.nn.Module:
    """The multi-view image encoder of a cxrgen model (``visual``, or the retrieval tower's)."""
    if hasattr(model, "visual"):
        return model.visual
    for name, module in model.named_modules():  # e.g. the retrieval model's contrastive.image_encoder.visual
        if name.endswith("image_encoder.visual"):
            return module
    raise ConfigError(f"{type(model).__name__} has no image encoder to pretrain (no .visual)")


def pretrain_encoder(model: torch.nn.Module, train_set, collate_fn, num_labels: int, steps: int, lr: float,
                     batch_size: int, seed: int, device: torch.device, log: bool = True,
                     threads: int = 0) -> list[float]:
    """``steps`` AdamW steps of masked BCE on ``train_set`` items' ``labels``; returns the losses.

    ``threads`` > 0 sets torch's CPU threads for the warm start only (restored afterwards)."""
    if num_labels < 1:
        raise ConfigError("pretrain.steps > 0 needs labels on the training studies (none found)")
    before = torch.get_num_threads()
    if threads > 0:
        torch.set_num_threads(threads)
    try:
        return _warm_start(model, train_set, collate_fn, num_labels, steps, lr, batch_size, seed, device, log)
    finally:
        torch.set_num_threads(before)


def _warm_start(model, train_set, collate_fn, num_labels, steps, lr, batch_size, seed, device, log) -> list[float]:
    encoder = image_encoder(model).to(device)
    head = torch.nn.Linear(encoder.out_dim, num_labels).to(device)
    params = [p for p in encoder.parameters() if p.requires_grad] + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=lr, **fused_if_supported(encoder))
    # cosine decay to zero over the warm start (Loshchilov & Hutter, SGDR, ICLR 2017): the last steps
    # at a small learning rate settle the features the captioning decoder then reads
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: 0.5 * (1.0 + math.cos(math.pi * min(i, steps) / steps)))
    g = torch.Generator().manual_seed(seed)
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=g, collate_fn=collate_fn,
                        drop_last=len(train_set) > batch_size)
    encoder.train()
    losses: list[float] = []
    t0 = time.perf_counter()
    while len(losses) < steps:
        for batch in loader:
            feats = encoder(batch["images"].to(device), batch["view_mask"].to(device)).pooled  # (B, C)
            raw = F.binary_cross_entropy_with_logits(head(feats), batch["labels"].to(device), reduction="none")
            mask = batch["label_mask"].to(device)
            loss = (raw * mask).sum() / mask.sum().clamp(min=1.0)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            losses.append(float(loss.detach()))
            if log and len(losses) % 50 == 0:
                print(f"encoder warm start: step {len(losses)}/{steps} BCE {sum(losses[-50:]) / 50:.4f} "
                      f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
            if len(losses) >= steps:
                break
    return losses
