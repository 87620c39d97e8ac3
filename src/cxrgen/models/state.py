"""Load a checkpoint's weights into a model, or say in one line why they do not fit.

``load_state_dict`` answers a mismatch with every missing, unexpected and mis-shaped key (25 KB
for a checkpoint of another model size); the user needs the counts, a few names and what to do.
"""

from __future__ import annotations

import torch

from cxrgen.errors import InputError

SHOWN = 3  # key names quoted per kind


def _few(names: list[str]) -> str:
    return ", ".join(names[:SHOWN]) + (f", ... ({len(names)})" if len(names) > SHOWN else "")


def load_weights(model: torch.nn.Module, state: dict, where: str) -> None:
    """``model.load_state_dict(state)``, strict; a mismatch is an :class:`InputError` naming ``where``."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [f"{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}" for k in own
              if k in state and hasattr(state[k], "shape") and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or shapes:
        parts = [f"{len(missing)} missing ({_few(missing)})" if missing else "",
                 f"{len(unexpected)} unexpected ({_few(unexpected)})" if unexpected else "",
                 f"{len(shapes)} of another shape ({_few(shapes)})" if shapes else ""]
        raise InputError(f"{where}: its weights do not fit the model its config describes: "
                         f"{'; '.join(p for p in parts if p)} parameter(s); the file was written by another "
                         f"model or version, or edited; give the best.pt / last.pt of the run you mean")
    model.load_state_dict(state)
