"""A small manifest dataset written on the fly: what the report says is drawn in the image.

Two findings: "Cardiomegaly" (a large bright disc in the middle, small otherwise) and
"Pleural Effusion" (a bright band at the bottom). Reports are templated from the labels, so a
model that reads the image can write them exactly. Generated, never copied from ../shared.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

SENTENCES = {
    ("Cardiomegaly", 1): "The heart is enlarged.",
    ("Cardiomegaly", 0): "The heart size is normal.",
    ("Pleural Effusion", 1): "There is a pleural effusion.",
    ("Pleural Effusion", 0): "No pleural effusion.",
}


def draw(cardio: int, effusion: int, rng: np.random.Generator, size: int = 64) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size] / size
    img = 0.15 + 0.05 * rng.standard_normal((size, size))
    r = 0.3 if cardio else 0.12
    img[(x - 0.5) ** 2 + (y - 0.45) ** 2 < r * r] = 0.8
    if effusion:
        img[y > 0.8] = 0.9
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def write_toy_dataset(root: Path, n: int = 48, seed: int = 0, size: int = 64) -> Path:
    root = Path(root)
    (root / "images").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(n):
        labels = {"Cardiomegaly": int(rng.random() < 0.5), "Pleural Effusion": int(rng.random() < 0.5)}
        path = f"images/s{i}.png"
        Image.fromarray(draw(labels["Cardiomegaly"], labels["Pleural Effusion"], rng, size)).save(root / path)
        split = "train" if i < int(n * 0.6) else ("val" if i < int(n * 0.8) else "test")
        report = " ".join(SENTENCES[(k, v)] for k, v in labels.items())
        lines.append(json.dumps({"study_id": f"s{i}", "patient_id": f"p{i}", "images": [{"path": path, "view": "PA"}],
                                 "findings": report, "language": "en", "split": split, "labels": labels}))
    (root / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


TINY_R2GEN = [
    "model.name=r2gen", "data.dataset=manifest", "data.resize=64", "data.crop=64", "data.threshold=1",
    "data.max_seq_length=20", "data.max_views=1",
    "model.options={encoder: {name: resnet18, width: 8}, d_model: 32, n_layers: 1, n_heads: 4, d_ff: 32,"
    " rm_num_slots: 1, rm_d_model: 32, dropout: 0.0}",
    "optim.lr_encoder=1e-3", "optim.lr_decoder=1e-3", "optim.schedule=constant", "optim.grad_clip=1.0",
    "train.batch_size=8", "train.progress=false", "train.threads=1", "train.monitor=CE-F1-micro", "decode.beam_size=1",
]
