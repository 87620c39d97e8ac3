"""`cxrgen train --config PRESET [key=value ...]`: train a report generator (or its contrastive encoder).

Multi-GPU / multi-node: ``torchrun --nproc-per-node N -m cxrgen train --config ...``.
"""

from __future__ import annotations

import sys


def add_parser(sub) -> None:
    from cxrgen.train.presets import list_presets

    p = sub.add_parser("train", help="train a model from a YAML preset with key=value overrides",
                       description=f"Train a report generator. Presets (shipped with the package): "
                                   f"{', '.join(list_presets())}; or a YAML file of your own (NAME.yaml). Overrides "
                                   f"are section.key=value, e.g. train.epochs=3 optim.lr_decoder=2e-4.")
    p.add_argument("--config", required=True, help="preset name (never a folder) or YAML file (NAME.yaml)")
    p.add_argument("--root", help="dataset folder (overrides data.root)")
    p.add_argument("--out", help="run folder (overrides train.out)")
    p.add_argument("--resume", help="checkpoint to resume from (last.pt of an interrupted run)")
    p.add_argument("--overwrite", action="store_true",
                   help="train into a run folder that holds a previous run: that run is moved aside to "
                        "FOLDER.old-<time> (never deleted); without it such a folder is refused")
    p.add_argument("--task", choices=("captioning", "contrastive"),
                   help="contrastive = image-report InfoNCE training of the retrieval / prompt encoder")
    p.add_argument("--encoder-weights", help="local weight file for the image encoder (ImageNet, torchxrayvision, ...)")
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides, e.g. train.epochs=3")
    p.set_defaults(func=run)


def run(args) -> int:
    from cxrgen.train import distributed as D
    from cxrgen.train.config import load_config
    from cxrgen.train.experiment import run as run_training

    overrides = list(args.overrides)
    if args.out:
        overrides.append(f"train.out={args.out}")
    if args.task:
        overrides.append(f"train.task={args.task}")
    if args.encoder_weights:
        overrides.append(f"model.encoder_weights={args.encoder_weights}")
    config = load_config(args.config, overrides)
    info = D.init_distributed(config.train.device)
    try:
        result = run_training(config, root=args.root, resume=args.resume, dist=info, overwrite=args.overwrite)
    finally:
        D.cleanup(info)
    if info.is_main:
        s = result.state
        best = f"{config.train.monitor} {s.best:.4f} at epoch {s.best_epoch}" if s.best is not None else "no validation"
        print(f"run folder: {result.run_dir}  (best.pt: {best}; last.pt: epoch {s.epoch}, step {s.step})",
              file=sys.stdout)
    return 0
