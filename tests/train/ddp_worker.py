"""One rank of the 2-process DDP test (launched by torch.distributed.run from test_distributed.py)."""

import sys
from pathlib import Path

import torch
from tiny import PAD, TinyCaptioner, TinyStudies, collate  # this script's folder is on sys.path (run as a script)

from cxrgen.train import distributed as D
from cxrgen.train.config import load_config
from cxrgen.train.loop import Trainer

out = Path(sys.argv[1])
info = D.init_distributed("cpu")
seen: list[int] = []


def recording_collate(samples):
    batch = collate(samples)
    seen.extend(batch["index"].tolist())
    return batch


torch.manual_seed(100 + info.rank)  # different initial weights per rank: DDP must broadcast rank 0's
cfg = load_config(None, [f"train.out={out}", "train.batch_size=3", "train.epochs=1", "train.max_steps=2",
                         "train.progress=false", "train.device=cpu", "model.name=tiny"])
tr = Trainer(cfg, TinyCaptioner(), TinyStudies(24), collate_fn=recording_collate, pad_id=PAD, meta={}, dist=info)
tr.fit()
torch.save({"seen": seen, "model": tr.model.state_dict(), "losses": tr.step_losses}, out / f"rank{info.rank}.pt")
D.cleanup(info)
