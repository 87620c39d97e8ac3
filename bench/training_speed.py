"""Training throughput of R2Gen (published size: ResNet-101, 3 layers, d_model 512) at batch 16, 224 px,
fp32 versus bf16 autocast, on this machine's CPU (or the GPU when there is one).

    python bench/training_speed.py [--steps 3] [--device cpu] [--threads 0]

Prints samples/s for each precision and the bf16 / fp32 ratio. Synthetic tensors (no data loading):
this measures the model's forward + backward + AdamW step only.
"""

from __future__ import annotations

import argparse
import time

import torch

from cxrgen.models import create_model
from cxrgen.text.vocab import Vocab
from cxrgen.train.config import OptimConfig
from cxrgen.train.loop import captioning_loss
from cxrgen.train.optim import autocast, build_optimizer


def samples_per_s(precision: str, steps: int, device: torch.device, batch: int = 16, size: int = 224) -> float:
    torch.manual_seed(0)
    vocab = Vocab([f"w{i}" for i in range(760)])  # IU X-Ray's vocabulary at threshold 3 is ~760 words
    model = create_model("r2gen", {"encoder": {"name": "resnet101", "image_size": size}}, vocab).to(device)
    opt = build_optimizer(model, OptimConfig())
    images = torch.randn(batch, 2, 3, size, size, device=device)  # frontal + lateral, as on IU X-Ray
    mask = torch.ones(batch, 2, dtype=torch.bool, device=device)
    tokens = torch.randint(4, len(vocab), (batch, 60), device=device)
    times = []
    for i in range(steps + 1):  # the first step warms up allocators and kernels
        t0 = time.perf_counter()
        with autocast(precision, device):
            loss = captioning_loss(model(images, mask, tokens)["logits"], tokens, vocab.pad_id)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if device.type == "cuda":
            torch.cuda.synchronize()
        if i:
            times.append(time.perf_counter() - t0)
    return batch / (sum(times) / len(times))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--threads", type=int, default=0)
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    fp32 = samples_per_s("fp32", args.steps, device)
    bf16 = samples_per_s("bf16", args.steps, device)
    print(f"R2Gen training, batch 16, 2 views x 224 px, {device} ({torch.get_num_threads()} threads):")
    print(f"  fp32 {fp32:.2f} samples/s")
    print(f"  bf16 {bf16:.2f} samples/s")
    print(f"  bf16 / fp32 = {bf16 / fp32:.2f}x")


if __name__ == "__main__":
    main()
