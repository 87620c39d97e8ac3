"""R2Gen's released code against cxrgen, same run, same device, same random batches: training step and beam search.

    python bench/vs_r2gen.py                                   # CPU, IU X-Ray sizes, few steps (~10 min on 2 cores)
    python bench/vs_r2gen.py --device cuda --batch 16 --beam-batch 16
    python bench/vs_r2gen.py --smoke                           # tiny sizes, every code path (~1 min)

Both sides at R2Gen's IU X-Ray settings (run_iu_xray.sh): ResNet-101 over 2 views x 224 px, d_model 512,
3 + 3 layers, 8 heads, d_ff 512, relational memory 3 x 512, 761 output classes, max 60 tokens, beam 3.
Untrained weights (no download). The reference is imported from ``--reference`` (default
../shared/peers/r2gen_bench/r2gen, R2Gen commit 5a2e63f patched only to run); where torchvision does not
import (this CPU machine), its ``torchvision.models.resnet101`` is given cxrgen's ResNet-101, which has
torchvision's layout, so both sides run the same visual extractor. Nothing is copied from the reference.

Training: one optimiser step as each project's trainer does it (R2Gen: Adam amsgrad, clip_grad_value_ 0.1,
``loss.item()``; cxrgen: its preset's AdamW (fused), clip_grad_norm_ 0.1), median of the timed steps.
Beam: R2Gen's ``model(images, mode='sample')`` (beam 3, always max_seq_length steps) against cxrgen's
``generate`` with the preset's decoding options (beam_rule r2gen, no trigram blocking), once with eos
allowed (each side stops as its search allows) and once with eos banned until the last step (both run
the full length). Prints the table and writes JSON with ``--out``.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys
import time
import types
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REFERENCE = ROOT / ".." / "shared" / "peers" / "r2gen_bench" / "r2gen"
N_WORDS = 757  # cxrgen: 757 words + 4 special tokens = R2Gen: 760 tokens + id 0 = 761 output classes


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--reference", default=str(DEFAULT_REFERENCE), help="R2Gen's code (modules/, models/)")
    p.add_argument("--batch", type=int, default=16, help="training batch (R2Gen: 16)")
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--steps", type=int, default=2, help="timed training steps per variant")
    p.add_argument("--beam-batch", type=int, default=1, help="studies per beam batch (CPU goal: one study)")
    p.add_argument("--beam-repeats", type=int, default=2, help="timed beam batches per variant")
    p.add_argument("--max-len", type=int, default=60)
    p.add_argument("--image-size", type=int, default=224)
    p.add_argument("--width", type=int, default=64, help="ResNet-101 base width (64 = the real one)")
    p.add_argument("--d-model", type=int, default=512)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch's default)")
    p.add_argument("--precisions", default="fp32,bf16", help="cxrgen precisions to run (R2Gen runs fp32, as released)")
    p.add_argument("--compile", action="store_true", help="also run cxrgen with train.compile / decode.compile")
    p.add_argument("--skip", default="", help="comma-separated parts to skip: train, beam")
    p.add_argument("--smoke", action="store_true", help="tiny sizes: batch 2, width 8, d_model 64, max_len 12")
    p.add_argument("--seed", type=int, default=9223)
    p.add_argument("--out", default=None, help="JSON file for the results")
    a = p.parse_args(argv)
    if a.smoke:
        a.batch, a.width, a.d_model, a.max_len, a.steps, a.beam_repeats = 2, 8, 64, 12, 1, 1  # 224 px: R2Gen pools 7x7
    return a


# ------------------------------------------------------------------------------------------ builders


def reference_modules(path: str, width: int):
    """R2Gen's model class; cxrgen's ResNet-101 (torchvision layout) where torchvision cannot be imported."""
    path = str(Path(path).resolve())
    if not Path(path, "models", "r2gen.py").is_file():
        raise SystemExit(f"R2Gen's code is not at {path}: pass --reference DIR (a checkout of cuhksz-nlp/R2Gen)")
    note = "torchvision"
    try:
        import torchvision.models  # noqa: F401

        if width != 64:
            raise ImportError("torchvision's resnet101 has width 64 only")
    except Exception as exc:  # torchvision absent or built for another torch: give R2Gen the same trunk
        from torch import nn

        from cxrgen.models.encoders.resnet import resnet101

        def tv_resnet101(weights=None, **_):
            m = resnet101(width=width)  # conv1 bn1 relu maxpool layer1-4, like torchvision's
            m.avgpool, m.fc = nn.AdaptiveAvgPool2d(1), nn.Linear(m.out_dim, 1000)  # dropped by R2Gen's [:-2]
            return m

        tv = types.ModuleType("torchvision")
        tv.models = types.SimpleNamespace(resnet101=tv_resnet101)
        sys.modules["torchvision"], sys.modules["torchvision.models"] = tv, tv.models
        note = f"cxrgen ResNet-101 width {width} in torchvision layout ({type(exc).__name__})"
    sys.path.insert(0, path)
    from models.r2gen import R2GenModel
    from modules.loss import compute_loss

    return R2GenModel, compute_loss, note


def reference_args(a) -> argparse.Namespace:
    """run_iu_xray.sh's settings with main.py's defaults (the fields R2Gen's model reads)."""
    return argparse.Namespace(
        dataset_name="iu_xray", visual_extractor="resnet101", visual_extractor_pretrained=False,
        d_model=a.d_model, d_ff=a.d_model, d_vf=a.width * 32, num_heads=8, num_layers=3, dropout=0.1,
        logit_layers=1, bos_idx=0, eos_idx=0, pad_idx=0, use_bn=0, drop_prob_lm=0.5, rm_num_slots=3,
        rm_num_heads=8, rm_d_model=a.d_model, sample_method="beam_search", beam_size=3, temperature=1.0,
        sample_n=1, group_size=1, output_logsoftmax=1, decoding_constraint=0, block_trigrams=1,
        max_seq_length=a.max_len, batch_size=a.batch, optim="Adam", lr_ve=5e-5, lr_ed=1e-4,
        weight_decay=5e-5, amsgrad=True,
    )


class RefTokenizer:
    def __init__(self, n: int):
        self.idx2token = {i: f"w{i}" for i in range(1, n + 1)}


def cxrgen_setup(a, precision: str, compile_: bool):
    from cxrgen.models import create_model
    from cxrgen.text.vocab import Vocab
    from cxrgen.train.config import load_config
    from cxrgen.train.experiment import model_options

    overrides = [f"optim.precision={precision}", f"data.max_seq_length={a.max_len}", f"train.batch_size={a.batch}",
                 f"data.crop={a.image_size}", f"model.options.encoder.width={a.width}",
                 f"model.options.d_model={a.d_model}", f"model.options.d_ff={a.d_model}",
                 f"model.options.rm_d_model={a.d_model}"]
    cfg = load_config("r2gen_iu_xray", overrides)
    vocab = Vocab([f"w{i}" for i in range(N_WORDS)])
    torch.manual_seed(a.seed)
    model = create_model(cfg.model.name, model_options(cfg, []), vocab)
    if compile_:
        model.compile()  # train.compile: the module compiled in place (state_dict keys unchanged)
    return model, cfg, vocab, overrides


# ------------------------------------------------------------------------------------------ data


def make_batch(a, batch: int, seed: int) -> dict:
    """Images (B, 2, 3, S, S) randn and reports of 38-58 random words, in both token layouts."""
    g = torch.Generator().manual_seed(seed)
    images = torch.randn(batch, 2, 3, a.image_size, a.image_size, generator=g)
    hi = min(58, a.max_len - 2)
    lo = min(38, max(1, hi // 2))
    n_words = torch.randint(lo, hi + 1, (batch,), generator=g)
    T = int(n_words.max()) + 2
    words = torch.randint(0, N_WORDS, (batch, T), generator=g)
    ref_ids, ref_mask = torch.zeros(batch, T, dtype=torch.long), torch.zeros(batch, T)
    cx = torch.zeros(batch, T, dtype=torch.long)  # cxrgen: pad 0, bos 1, eos 2, words from 4
    cx[:, 0] = 1
    for i, n in enumerate(n_words.tolist()):
        ref_ids[i, 1:1 + n] = words[i, :n] + 1  # R2Gen: 0 = bos = eos = pad, words 1..
        ref_mask[i, :n + 2] = 1.0
        cx[i, 1:1 + n] = words[i, :n] + 4
        cx[i, n + 1] = 2
    return {"images": images, "view_mask": torch.ones(batch, 2, dtype=torch.bool), "ref_ids": ref_ids,
            "ref_mask": ref_mask, "tokens": cx}


def to(batch: dict, device) -> dict:
    return {k: v.to(device) for k, v in batch.items()}


# ------------------------------------------------------------------------------------------ timing


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn, device, warmup: int, repeats: int) -> tuple[float, float]:
    """(median seconds, peak GiB on cuda / NaN on cpu) of ``fn()`` after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    times = []
    for _ in range(repeats):
        sync(device)
        t0 = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - t0)
    peak = torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else float("nan")
    return statistics.median(times), peak


def reference_train_step(model, compute_loss, args, b):
    from torch.optim import Adam

    ve = list(map(id, model.visual_extractor.parameters()))
    ed = [p for p in model.parameters() if id(p) not in ve]
    opt = Adam([{"params": model.visual_extractor.parameters(), "lr": args.lr_ve}, {"params": ed, "lr": args.lr_ed}],
               weight_decay=args.weight_decay, amsgrad=args.amsgrad)  # modules/optimizers.py build_optimizer
    model.train()

    def step():  # modules/trainer.py _train_epoch, one batch
        output = model(b["images"], b["ref_ids"], mode="train")
        loss = compute_loss(output, b["ref_ids"], b["ref_mask"])
        loss.item()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_value_(model.parameters(), 0.1)
        opt.step()

    return step


def cxrgen_train_step(model, cfg, vocab, b, device):
    from cxrgen.train.loop import compute_loss
    from cxrgen.train.optim import autocast, build_optimizer

    opt = build_optimizer(model, cfg.optim)
    model.train()

    def step():  # train/loop.py, one optimiser step (fp32 / bf16 need no grad scaler)
        batch = {"images": b["images"], "view_mask": b["view_mask"], "tokens": b["tokens"]}
        with autocast(cfg.optim.precision, device):
            loss = compute_loss(model, batch, cfg, vocab.pad_id)["loss"]
        loss.backward()
        float(loss.detach())
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.optim.grad_clip)
        opt.step()
        opt.zero_grad(set_to_none=True)

    return step


def cxrgen_generate(model, cfg, b, device, precision: str, full_length: bool, compile_: bool):
    from cxrgen.train.optim import autocast

    d = cfg.decode
    kw = dict(max_len=cfg.data.max_seq_length, beam_size=d.beam_size, length_penalty=d.length_penalty,
              block_trigrams=d.block_trigrams, beam_rule=d.beam_rule, compile=compile_,
              min_len=cfg.data.max_seq_length - 1 if full_length else max(d.min_len, 0))
    model.eval()

    def gen():
        with torch.no_grad(), autocast(precision, device):
            return model.generate(b["images"], b["view_mask"], **kw)

    return gen, kw


# ------------------------------------------------------------------------------------------ main


def run(a) -> dict:
    device = torch.device(a.device)
    if a.threads:
        torch.set_num_threads(a.threads)
    R2GenModel, ref_loss, tv_note = reference_modules(a.reference, a.width)
    args = reference_args(a)
    skip = set(filter(None, a.skip.split(",")))
    res = {"settings": {k: v for k, v in vars(a).items()}, "reference_visual_extractor": tv_note,
           "env": {"torch": torch.__version__, "python": platform.python_version(), "threads": torch.get_num_threads(),
                   "device": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or "cpu"},
           "train": {}, "beam": {}}
    precisions = [p for p in a.precisions.split(",") if p]
    variants = [(p, False) for p in precisions] + ([(precisions[0], True)] if a.compile else [])
    train_b = to(make_batch(a, a.batch, a.seed), device)
    beam_b = to(make_batch(a, a.beam_batch, a.seed + 1), device)

    torch.manual_seed(a.seed)
    ref = R2GenModel(args, RefTokenizer(N_WORDS + 3)).to(device)
    res["params_m"] = {"r2gen": sum(p.numel() for p in ref.parameters()) / 1e6}
    if "train" not in skip:
        s, peak = timed(reference_train_step(ref, ref_loss, args, train_b), device, a.warmup, a.steps)
        res["train"]["R2Gen fp32"] = {"step_s": s, "studies_per_s": a.batch / s, "peak_gib": peak}
        print(f"R2Gen fp32 train: {s * 1e3:.0f} ms/step", flush=True)
    if "beam" not in skip:
        ref.eval()

        def ref_gen():
            with torch.no_grad():
                return ref(beam_b["images"], mode="sample")

        s, peak = timed(ref_gen, device, 1 if device.type == "cuda" else 0, a.beam_repeats)
        for mode in ("natural", "full length"):  # R2Gen always runs max_seq_length steps: one figure for both
            res["beam"][("R2Gen fp32", mode)] = {"batch_s": s, "reports_per_s": a.beam_batch / s, "peak_gib": peak}
        print(f"R2Gen fp32 beam: {s:.2f} s/batch of {a.beam_batch}", flush=True)
    del ref

    for precision, comp in variants:
        label = f"cxrgen {precision}" + (" compiled" if comp else "")
        model, cfg, vocab, overrides = cxrgen_setup(a, precision, comp)
        model.to(device)
        res["params_m"]["cxrgen"] = sum(p.numel() for p in model.parameters()) / 1e6
        res.setdefault("cxrgen_overrides", overrides)
        if "train" not in skip:
            s, peak = timed(cxrgen_train_step(model, cfg, vocab, train_b, device), device, a.warmup + comp, a.steps)
            res["train"][label] = {"step_s": s, "studies_per_s": a.batch / s, "peak_gib": peak}
            print(f"{label} train: {s * 1e3:.0f} ms/step", flush=True)
        if "beam" not in skip:
            for mode in ("natural", "full length"):
                gen, kw = cxrgen_generate(model, cfg, beam_b, device, precision, mode == "full length", comp)
                s, peak = timed(gen, device, 1 if (device.type == "cuda" or comp) else 0, a.beam_repeats)
                res["beam"][(label, mode)] = {"batch_s": s, "reports_per_s": a.beam_batch / s, "peak_gib": peak,
                                              "options": kw}
                print(f"{label} beam ({mode}): {s:.2f} s/batch of {a.beam_batch}", flush=True)
        del model
    return res


def print_table(res: dict) -> None:
    a = res["settings"]
    print(f"\nR2Gen (released code) vs cxrgen, {a['device']} ({res['env']['device']}), torch {res['env']['torch']}, "
          f"{res['env']['threads']} threads; R2Gen's visual extractor: {res['reference_visual_extractor']}")
    print(f"train batch {a['batch']} x 2 views x {a['image_size']} px, ResNet-101 width {a['width']}, d_model {a['d_model']}, "
          f"max_len {a['max_len']}; beam 3 on {a['beam_batch']} studies; params (M): "
          + ", ".join(f"{k} {v:.2f}" for k, v in res["params_m"].items()))
    ref_t = res["train"].get("R2Gen fp32", {}).get("step_s")
    if res["train"]:
        print(f"{'training':<28}{'s/step':>10}{'studies/s':>11}{'peak GiB':>10}{'x R2Gen':>9}")
        for label, r in res["train"].items():
            x = ref_t / r["step_s"] if ref_t else math.nan
            print(f"{label:<28}{r['step_s']:>10.3f}{r['studies_per_s']:>11.2f}{r['peak_gib']:>10.2f}{x:>9.2f}")
    if res["beam"]:
        print(f"{'beam 3':<28}{'mode':>12}{'s/batch':>10}{'reports/s':>11}{'peak GiB':>10}{'x R2Gen':>9}")
        for (label, mode), r in res["beam"].items():
            ref_b = res["beam"].get(("R2Gen fp32", mode), {}).get("batch_s")
            x = ref_b / r["batch_s"] if ref_b else math.nan
            print(f"{label:<28}{mode:>12}{r['batch_s']:>10.3f}{r['reports_per_s']:>11.2f}{r['peak_gib']:>10.2f}{x:>9.2f}")
    print("x R2Gen = R2Gen's time / this row's time (same batches, same device, same run). 'full length': eos banned "
          "until the last step on cxrgen's side (R2Gen always runs the full length).")


def main(argv=None) -> None:
    a = parse_args(argv)
    res = run(a)
    print_table(res)
    if a.out:
        res["beam"] = {f"{k[0]} | {k[1]}": v for k, v in res["beam"].items()}
        Path(a.out).write_text(json.dumps(res, indent=1, default=str))


if __name__ == "__main__":
    main()
