"""How reports are decoded: the one :class:`DecodeConfig`, shared by training, checkpoints and inference.

Training writes it as the ``decode`` section of the config (and so of every checkpoint);
:mod:`cxrgen.pipeline.inference` reads it back and turns it into the keyword arguments of a
model's ``generate``. A ``beam_size`` given at run time (``cxrgen generate / evaluate / serve
--beam-size``) overrides the checkpoint's; otherwise the checkpoint's applies.
"""

from __future__ import annotations

from dataclasses import dataclass

#: R2Gen's beam width (Chen et al., EMNLP 2020, released ``main_train.py``: ``--beam_size 3``)
DEFAULT_BEAM_SIZE = 3


@dataclass
class DecodeConfig:
    beam_size: int = DEFAULT_BEAM_SIZE
    max_len: int = 0  # 0 = data.max_seq_length
    min_len: int = 0  # 0 = the model's default (1)
    length_penalty: float = 0.0  # 0 = rank beams by summed log-probability (R2Gen's beam search)
    block_trigrams: bool = True

    def generate_kwargs(self, beam_size: int | None = None) -> dict:
        """Keyword arguments of ``model.generate``; ``beam_size`` (when given) overrides the config's."""
        kwargs = dict(beam_size=beam_size or self.beam_size, max_len=self.max_len or None,
                      block_trigrams=self.block_trigrams, length_penalty=self.length_penalty)
        if self.min_len:
            kwargs["min_len"] = self.min_len
        return kwargs
