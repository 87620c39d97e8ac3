"""The main job (`make demo`): phantoms -> R2Gen -> held-out evaluation next to a retrieval baseline.

1. write the phantom dataset (``cxrgen data synth``), or reuse the one already in the folder;
2. train the ``demo`` preset (R2Gen, small encoder, small images), best epoch on validation CE-F1;
3. fit the retrieval baseline (nearest training report by image embedding): its image encoder
   starts from the same warmed-up weights as R2Gen's and is trained with the image-report
   contrastive loss for BASELINE_EPOCHS epochs;
4. evaluate both on the test phantoms (never seen in training or model selection) with every NLG
   metric and clinical efficacy against the phantoms' true labels; also the demo model with the
   test images shuffled across studies: a model that reads the image falls to chance there;
5. print the table and the clinical micro-F1 line, generate reports for a few test studies
   with ``cxrgen.load``, and write ``report.html`` (self-contained).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from cxrgen.errors import ConfigError

#: contrastive epochs of the retrieval baseline's encoder (its loss plateaus after ~3 on the phantoms)
BASELINE_EPOCHS = 4


@dataclass
class DemoResult:
    out: Path
    systems: dict  # name -> Evaluation
    shuffled: object  # Evaluation of the demo model with images shuffled across studies
    examples: list = field(default_factory=list)
    seconds: dict = field(default_factory=dict)


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def make_phantoms(root: Path, studies: int, size: int, seed: int, workers: int = 2) -> None:
    from cxrgen.data.phantom import synthesize

    meta = root / "synth.json"
    if meta.is_file():
        info = json.loads(meta.read_text(encoding="utf-8"))
        if info.get("studies") == studies and info.get("size") == size and info.get("seed") == seed:
            _log(f"[1/5] phantom dataset already in {root} ({studies} studies, {size} px): reused")
            return
        raise ConfigError(f"{root} holds another phantom dataset ({info.get('studies')} studies, "
                          f"{info.get('size')} px, seed {info.get('seed')}); remove it or choose another --out")
    _log(f"[1/5] writing {studies} phantom studies ({size} px) to {root} ...")
    synthesize(root, studies=studies, seed=seed, langs=("en",), size=size, workers=workers)


def run_demo(out: str | Path = "runs/demo", studies: int = 2000, size: int = 96, epochs: int | None = None,
             baseline_epochs: int | None = None, seed: int = 0, overrides: list[str] | None = None,
             examples: int = 4, workers: int = 2) -> DemoResult:
    from cxrgen.pipeline.evaluation import evaluate_checkpoint, format_table, load_split, shuffled_images
    from cxrgen.pipeline.inference import load
    from cxrgen.report_html import write_page
    from cxrgen.train.config import load_config
    from cxrgen.train.experiment import run
    from cxrgen.train.pretrain import WARM_ENCODER_FILE

    out = Path(out)
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    root = out / "phantom"
    make_phantoms(root, studies, size, seed, workers)
    times["phantoms"] = time.perf_counter() - t0

    base = [f"data.root={root}"] + list(overrides or [])
    if epochs:
        base.append(f"train.epochs={epochs}")
    config = load_config("demo", base + [f"train.out={out / 'r2gen'}"])
    _log(f"[2/5] training R2Gen (demo preset: {config.train.epochs} epochs, {config.data.crop} px) ...")
    t = time.perf_counter()
    run(config)
    times["train_r2gen"] = time.perf_counter() - t

    b_epochs = baseline_epochs or BASELINE_EPOCHS
    # the baseline starts from the very encoder R2Gen was warmed up to, so the comparison is of
    # what each method does with the same image features (and the warm start runs once)
    warm = out / "r2gen" / WARM_ENCODER_FILE
    retrieval = load_config("demo", base + [f"train.out={out / 'retrieval'}", "model.name=retrieval",
                                            "pretrain.steps=0", f"model.encoder_weights={warm}",
                                            "train.task=contrastive", f"train.epochs={b_epochs}",
                                            "model.options={encoder: {name: resnet18, width: 16}, embed_dim: 64, "
                                            "d_model: 128, text_layers: 1, n_heads: 4, d_ff: 256}"])
    _log(f"[3/5] fitting the retrieval baseline ({b_epochs} epochs of image-report contrastive training) ...")
    t = time.perf_counter()
    run(retrieval)
    times["train_retrieval"] = time.perf_counter() - t

    _log("[4/5] evaluating on the held-out test phantoms ...")
    t = time.perf_counter()
    test = load_split("phantom", str(root), config.data.options, "test")
    systems = {
        "R2Gen (demo)": evaluate_checkpoint(out / "r2gen" / "best.pt", studies=test, out=out / "r2gen" / "eval_test"),
        "retrieval": evaluate_checkpoint(out / "retrieval" / "best.pt", studies=test,
                                         out=out / "retrieval" / "eval_test", metrics=None),
    }
    shuffled = evaluate_checkpoint(out / "r2gen" / "best.pt", studies=shuffled_images(test, seed),
                                   out=out / "r2gen" / "eval_test_shuffled")
    times["evaluate"] = time.perf_counter() - t

    _log("[5/5] generating reports for a few test studies and writing the page ...")
    generator = load(out / "r2gen" / "best.pt")
    shown = []
    for study, row in list(zip(test, systems["R2Gen (demo)"].predictions))[:examples]:
        report = generator.generate([i.path for i in study.images][: generator.max_views])
        shown.append({**row, "generated": report.text, "images": [i.path for i in study.images]})
    ours = systems["R2Gen (demo)"]
    notes = [
        f"{len(test)} held-out phantom studies (dataset {root}, seed {seed}); model chosen on the validation "
        f"split's CE-F1-micro; clinical efficacy against the phantoms' true labels.",
        f"With the test images shuffled across studies, the demo model's CE-F1-micro falls to "
        f"{shuffled.micro_f1:.4f} (it reads the image).",
    ]
    write_page(out / "report.html", "cxrgen demo: R2Gen on phantom chest X-rays", systems, shown, notes)
    times["total"] = time.perf_counter() - t0

    print(format_table(systems))
    print()
    print(f"clinical micro-F1 (CE-F1-micro, R2Gen demo model, {ours.signatures['CE-F1-micro']}): {ours.micro_f1:.4f}"
          f"  (retrieval baseline {systems['retrieval'].micro_f1:.4f}; images shuffled across studies "
          f"{shuffled.micro_f1:.4f})")
    print()
    for ex in shown:
        print(f"{ex['study_id']}: {ex['generated']}")
        print(f"{'':{len(ex['study_id'])}}  reference: {ex['reference']}")
    print()
    print(f"page: {out / 'report.html'}  (timings: " + ", ".join(f"{k} {v:.0f} s" for k, v in times.items()) + ")")
    (out / "demo.json").write_text(json.dumps({
        "values": {n: ev.values for n, ev in systems.items()}, "shuffled": shuffled.values,
        "signatures": ours.signatures, "seconds": times, "seed": seed, "studies": studies, "size": size,
    }, indent=2), encoding="utf-8")
    return DemoResult(out, systems, shuffled, shown, times)
