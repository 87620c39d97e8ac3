"""R2Gen memorises 8 studies: loss near zero and greedy decoding writes each study's own report."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from cxrgen.models import create_model
from cxrgen.text.vocab import Vocab

from .conftest import WORDS, tiny_config


def test_r2gen_overfits_eight_studies():
    name = "r2gen"
    torch.manual_seed(0)
    vocab = Vocab(WORDS)
    g = torch.Generator().manual_seed(1)
    images = torch.randn(8, 1, 3, 32, 32, generator=g)  # 32 px: one 1x1 patch per image
    view_mask = torch.ones(8, 1, dtype=torch.bool)
    # study i: its own report of 3-5 words drawn at random (seeded)
    reports = [(torch.randperm(20, generator=g)[: 3 + i % 3] + 4).tolist() for i in range(8)]
    T = max(map(len, reports)) + 2
    tokens = torch.zeros(8, T, dtype=torch.long)
    for i, r in enumerate(reports):
        tokens[i, : len(r) + 2] = torch.tensor([vocab.bos_id, *r, vocab.eos_id])
    model = create_model(name, tiny_config(name, dropout=0.0, drop_prob_lm=0.0, rm_dropout=0.0), vocab)
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    model.train()
    for _ in range(80):
        out = model(images, view_mask, tokens)
        loss = F.cross_entropy(out["logits"].transpose(1, 2), tokens[:, 1:], ignore_index=vocab.pad_id)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.05
    assert model.generate(images, view_mask, max_len=8, beam_size=1) == reports
    assert model.generate(images, view_mask, max_len=8, beam_size=3) == reports
