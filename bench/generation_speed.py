"""Benchmark: beam-search reports/s with incremental decoding versus recomputing the prefix.

R2Gen's released beam search (Luo's ImageCaptioning.pytorch ``beam_search``) calls the decoder on
the whole prefix at every step: the self-attention over all previous tokens, the projection of
the visual memory, and the relational memory's recurrence from the first token again. cxrgen's
cached decoding projects the memory once per study, keeps each layer's keys / values and carries
the relational memory state, so a step processes one token. Both run here on the same model,
weights and images, and must produce the same reports (checked); the goal is >= 3x.

    .venv/bin/python bench/generation_speed.py [--model r2gen] [--encoder resnet101] [--batch 8]
        [--views 2] [--beam 3] [--max-len 60] [--vocab-size 760] [--threads 2] [--repeat 2]

Defaults are R2Gen's IU X-Ray setting: ResNet-101 on two 224 px views, d_model 512, 3 layers,
beam 3, at most 60 tokens; ~760 words (R2Gen's IU vocabulary at threshold 3). The model is
untrained (seeded), so every report runs to ``--max-len`` words unless ``--let-stop``: the
measured work is that of a long report. Reports/s includes the image encoder, which both modes
share; the decoding-only rate (encoder time subtracted) is printed as well.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import torch

from cxrgen import __version__
from cxrgen.models import create_model
from cxrgen.text.vocab import Vocab


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="r2gen")
    p.add_argument("--encoder", default="resnet101")
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--image-size", type=int, default=224)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--views", type=int, default=2)
    p.add_argument("--beam", type=int, default=3)
    p.add_argument("--max-len", type=int, default=60)
    p.add_argument("--vocab-size", type=int, default=760)
    p.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    p.add_argument("--repeat", type=int, default=2, help="timed runs per mode; the best is kept")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--let-stop", action="store_true", help="let reports end at eos instead of running to --max-len")
    args = p.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    vocab = Vocab([f"w{i}" for i in range(args.vocab_size - 4)])
    config = {"encoder": {"name": args.encoder, "width": args.width, "image_size": args.image_size}, "max_len": args.max_len}
    if args.model == "cnx2rg":
        config["prompt"] = {"encoder": {"name": "resnet18", "width": args.width}}
    model = create_model(args.model, config, vocab).to(args.device).eval()
    g = torch.Generator().manual_seed(args.seed)
    images = torch.randn(args.batch, args.views, 3, args.image_size, args.image_size, generator=g).to(args.device)
    view_mask = torch.ones(args.batch, args.views, dtype=torch.bool, device=args.device)
    min_len = 1 if args.let_stop else args.max_len

    def sync():
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()

    def timed(fn):
        best, out = float("inf"), None
        for _ in range(args.repeat):
            sync()
            start = time.perf_counter()
            out = fn()
            sync()
            best = min(best, time.perf_counter() - start)
        return best, out

    with torch.no_grad():
        model.generate(images[:1], view_mask[:1], max_len=2, beam_size=args.beam)  # warm-up
        t_enc, _ = timed(lambda: model.start_decoding(images, view_mask, use_cache=False))
        kw = dict(max_len=args.max_len, min_len=min_len, beam_size=args.beam)
        t_cached, cached = timed(lambda: model.generate(images, view_mask, use_cache=True, **kw))
        t_full, full = timed(lambda: model.generate(images, view_mask, use_cache=False, **kw))

    n = args.batch
    lengths = [len(r) for r in cached]
    print(f"cxrgen {__version__} | torch {torch.__version__} | {platform.processor() or platform.machine()} | "
          f"device {args.device} | threads {args.threads} | seed {args.seed}")
    print(f"model {args.model} ({sum(p.numel() for p in model.parameters()) / 1e6:.1f} M params), encoder "
          f"{args.encoder} width {args.width} at {args.image_size} px x {args.views} views, batch {n}, beam {args.beam}, "
          f"max_len {args.max_len}, vocab {len(vocab)}; report lengths {min(lengths)}-{max(lengths)} words")
    print(f"same reports with and without cache: {cached == full}")
    print(f"{'mode':<32}{'reports/s':>12}{'decode-only reports/s':>24}")
    for name, t in (("incremental (cxrgen cache)", t_cached), ("prefix recomputed (R2Gen)", t_full)):
        print(f"{name:<32}{n / t:>12.2f}{n / max(t - t_enc, 1e-9):>24.2f}")
    print(f"speed-up: {t_full / t_cached:.2f}x end to end, {(t_full - t_enc) / max(t_cached - t_enc, 1e-9):.2f}x decoding "
          f"(image encoding {t_enc:.2f} s of the batch, shared by both)")
    return 0 if cached == full else 1


if __name__ == "__main__":
    raise SystemExit(main())
