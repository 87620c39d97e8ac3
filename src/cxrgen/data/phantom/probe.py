"""Learnability probes: can a model read each finding off the phantom images, and does it fall
to chance when the images are shuffled across studies (so that nothing but the image carries
the labels)?

Two probes, both trained on the first 75% of the studies and scored (ROC AUC per finding) on
the rest:

- ``ridge``: ridge regression on downsampled pixels of both views (numpy only, seconds);
- ``cnn``: a five-block convolutional network on both views as two channels (torch, minutes).

    python -m cxrgen.data.phantom.probe --probe cnn --studies 1200 --size 128 --epochs 8
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Sequence

import numpy as np

from cxrgen.data.phantom.findings import labels_of, sample_findings
from cxrgen.data.phantom.labels import FINDINGS
from cxrgen.data.phantom.render import render_study

TRAIN_FRACTION = 0.75


def render_arrays(studies: int, seed: int = 0, size: int = 64, out_size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 2, out_size, out_size) in [0, 1] (frontal, lateral; block-averaged from ``size``)
    and labels (N, 9) of ``studies`` phantom studies drawn as :func:`synthesize` draws them."""
    if size % out_size:
        raise ValueError(f"size {size} must be a multiple of out_size {out_size}")
    k = size // out_size
    x = np.empty((studies, 2, out_size, out_size), np.float32)
    y = np.empty((studies, len(FINDINGS)), np.float32)
    for i in range(studies):
        rng = np.random.default_rng([seed, i])
        found = sample_findings(rng)
        for v, img in enumerate(render_study(found, rng, size)):
            x[i, v] = img.reshape(out_size, k, out_size, k).mean(axis=(1, 3)) / 255.0
        y[i] = list(labels_of(found).values())
    return x, y


def auc(scores: np.ndarray, targets: np.ndarray) -> float:
    """ROC AUC as the Mann-Whitney U statistic, ties given their average rank."""
    scores, targets = np.asarray(scores, np.float64), np.asarray(targets) > 0.5
    n_pos, n_neg = int(targets.sum()), int((~targets).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    ranks = (first + (counts + 1) / 2.0)[inverse]  # average rank of each tie group, 1-based
    return float((ranks[targets].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def shuffled(x: np.ndarray, seed: int = 0) -> np.ndarray:
    """The images permuted across studies: each study gets another study's images."""
    return x[np.random.default_rng(seed).permutation(len(x))]


def _split(n: int) -> int:
    return int(round(n * TRAIN_FRACTION))


def ridge_probe(x: np.ndarray, y: np.ndarray, lam: float = 300.0) -> dict[str, float]:
    """Held-out AUC per finding of ridge regression on the pixels (dual form: n x n solve)."""
    n_train = _split(len(x))
    feats = x.reshape(len(x), -1).astype(np.float64)
    mean, std = feats[:n_train].mean(0), feats[:n_train].std(0) + 1e-6
    feats = (feats - mean) / std
    a, b = feats[:n_train], feats[n_train:]
    alpha = np.linalg.solve(a @ a.T + lam * np.eye(n_train), y[:n_train] - y[:n_train].mean(0))
    pred = b @ (a.T @ alpha)
    return {name: auc(pred[:, k], y[n_train:, k]) for k, name in enumerate(FINDINGS)}


def cnn_probe(x: np.ndarray, y: np.ndarray, epochs: int = 8, seed: int = 0, threads: int | None = None,
              log=None) -> dict[str, float]:
    """Held-out AUC per finding of a small CNN (both views as two channels) trained with BCE."""
    import torch
    from torch import nn

    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    gen = np.random.default_rng(seed)
    n_train = _split(len(x))
    xt = torch.from_numpy(x)
    mean, std = xt[:n_train].mean(), xt[:n_train].std()
    xt = (xt - mean) / std
    yt = torch.from_numpy(y)

    def block(i: int, o: int) -> nn.Module:
        return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(), nn.MaxPool2d(2))

    side = x.shape[-1] // 32  # five halvings
    net = nn.Sequential(block(2, 8), block(8, 16), block(16, 32), block(32, 48), block(48, 64), nn.Flatten(),
                        nn.Dropout(0.3), nn.Linear(64 * side * side, len(FINDINGS)))
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-3)
    for epoch in range(epochs):
        net.train()
        order = torch.from_numpy(gen.permutation(n_train))
        for start in range(0, n_train, 32):
            idx = order[start:start + 32]
            dy, dx = (int(v) for v in gen.integers(-3, 4, 2))  # small shifts: position is not the label
            batch = torch.roll(xt[idx], (dy, dx), (2, 3))
            loss = nn.functional.binary_cross_entropy_with_logits(net(batch), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if log:
            log(f"epoch {epoch + 1}/{epochs} loss {loss.item():.3f}")
    net.eval()
    with torch.no_grad():
        pred = torch.sigmoid(net(xt[n_train:])).numpy()
    return {name: auc(pred[:, k], y[n_train:, k]) for k, name in enumerate(FINDINGS)}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m cxrgen.data.phantom.probe", description=__doc__.split("\n\n")[0])
    ap.add_argument("--probe", choices=("ridge", "cnn"), default="ridge")
    ap.add_argument("--studies", type=int, default=800)
    ap.add_argument("--size", type=int, default=128, help="rendered image size")
    ap.add_argument("--input", type=int, help="probe input size (default 32 for ridge, 128 for cnn)")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    out = args.input or (32 if args.probe == "ridge" else min(args.size, 128))
    t0 = time.perf_counter()
    x, y = render_arrays(args.studies, args.seed, args.size, out)
    print(f"rendered {args.studies} studies at {args.size} px in {time.perf_counter() - t0:.1f} s", file=sys.stderr)

    def run(images):
        if args.probe == "ridge":
            return ridge_probe(images, y)
        return cnn_probe(images, y, epochs=args.epochs, seed=args.seed, log=lambda m: print(m, file=sys.stderr))

    real, shuf = run(x), run(shuffled(x, args.seed))
    print(f"{args.probe} probe, {args.studies} studies ({_split(args.studies)} train), {args.size} px -> {out} px, "
          f"seed {args.seed}: held-out ROC AUC")
    print(f"{'finding':<17} {'images':>7} {'shuffled':>9}")
    for name in FINDINGS:
        print(f"{name:<17} {real[name]:>7.3f} {shuf[name]:>9.3f}")
    print(f"{'mean':<17} {np.nanmean(list(real.values())):>7.3f} {np.nanmean(list(shuf.values())):>9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
