"""A tiny captioning model and dataset following the cxrgen.models interface, for loop tests.

Real modules (a conv encoder, a GRU decoder with dropout so that RNG states matter), not mocks:
the loop is tested on what it does to any model of that interface.
"""

from __future__ import annotations

import torch
from torch import nn

PAD, BOS, EOS = 0, 1, 2
VOCAB = 12


class TinyCaptioner(nn.Module):
    def __init__(self, d: int = 16):
        super().__init__()
        self.visual = nn.Sequential(nn.Conv2d(3, d, 4, stride=4), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.embed = nn.Embedding(VOCAB, d)
        self.rnn = nn.GRU(d, d, batch_first=True)
        self.drop = nn.Dropout(0.3)
        self.head = nn.Linear(d, VOCAB)
        self.aux = nn.Linear(d, 3)

    def forward(self, images, view_mask, tokens):
        b, v = images.shape[:2]
        feats = self.visual(images.flatten(0, 1)).view(b, v, -1)  # (B, V, d)
        m = view_mask.float().unsqueeze(-1)
        pooled = (feats * m).sum(1) / m.sum(1).clamp(min=1)  # (B, d)
        x = self.drop(self.embed(tokens[:, :-1]))
        h, _ = self.rnn(x, pooled.unsqueeze(0).contiguous())
        return {"logits": self.head(self.drop(h)), "aux_logits": self.aux(pooled)}


class TinyStudies(torch.utils.data.Dataset):
    """n studies whose 3-token report says which of 3 colours is brightest in the image."""

    def __init__(self, n: int = 24, seed: int = 0, size: int = 16):
        g = torch.Generator().manual_seed(seed)
        self.cls = torch.randint(0, 3, (n,), generator=g)
        self.images = torch.rand(n, 2, 3, size, size, generator=g) * 0.2
        for i, c in enumerate(self.cls):
            self.images[i, :, c] += 0.8

    def __len__(self):
        return len(self.cls)

    def __getitem__(self, i):
        c = int(self.cls[i])
        tokens = torch.tensor([BOS, 3 + c, 6 + c, EOS, PAD])
        # a random flip draws from the global RNG, as augmentations do
        img = self.images[i]
        if torch.rand(()) < 0.5:
            img = img.flip(-1)
        labels = torch.zeros(3)
        labels[c] = 1
        return {"images": img, "view_mask": torch.tensor([True, True]), "tokens": tokens, "labels": labels,
                "index": i}


def collate(samples):
    out = {k: torch.stack([s[k] for s in samples]) for k in ("images", "view_mask", "tokens", "labels")}
    out["index"] = torch.tensor([s["index"] for s in samples])
    return out
