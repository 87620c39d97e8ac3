"""One-call report generation from a checkpoint: ``cxrgen.load(ckpt).generate(images)``.

R2Gen's users have long asked for a way to run a trained model on a single image; here the
checkpoint alone is enough: it carries the model name and configuration, the vocabulary, the
preprocessing (resize, crop, normalisation, how many views), the language and the label names
(see :mod:`cxrgen.pipeline.checkpoint`, which writes and reads them).

``images`` of one study are any mix of file paths (PNG, JPEG, DICOM), raw file bytes, or numpy
arrays: gray ``(H, W)`` or ``(H, W, 1)``, or colour ``(H, W, 3)`` made gray with the ITU-R BT.601
luma weights (as files are, by :mod:`cxrgen.data.image_io`); integer arrays are scaled by their
type's maximum, float arrays must already be in [0, 1].
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from cxrgen.data.image_io import load_image, load_image_bytes
from cxrgen.data.transforms import build_transform
from cxrgen.decoding.config import DecodeConfig
from cxrgen.errors import InputError
from cxrgen.pipeline.checkpoint import Checkpoint
from cxrgen.text.languages import get_language

#: below this many pixels on a side an image cannot show a chest finding (a 1 cm nodule is
#: under two pixels at 64 px for an adult thorax); we refuse rather than upsample noise
MIN_IMAGE_SIDE = 64

_BT601 = np.array([0.299, 0.587, 0.114], dtype=np.float32)


# --------------------------------------------------------------------------- model


def build_model(ckpt: Checkpoint):
    """The model and vocabulary a checkpoint describes, weights loaded, in eval mode.

    The vocabulary rebuilds the tokenizer it was built with (its name and language are saved).
    """
    from cxrgen.models import create_model, model_config
    from cxrgen.text.vocab import Vocab

    vocab = Vocab.from_dict(ckpt.vocab)
    config = model_config(ckpt.model_name, ckpt.model_config)
    config.encoder.weights = None  # the trained weights are in the checkpoint itself
    if getattr(config, "prompt", None) is not None:  # CN-X2RG's prompt encoder: in the checkpoint too
        config.prompt.encoder.weights = None
    model = create_model(ckpt.model_name, config, vocab)
    model.load_state_dict(ckpt.weights)
    model.eval()
    return model, vocab


# --------------------------------------------------------------------------- text


def detokenize(words: Sequence[str], lang: str) -> str:
    """Readable text from generated word tokens: sentences capitalised, ``.`` attached.

    The metrics tokenise again (and drop punctuation), so this only changes how the report reads.
    """
    joiner = get_language(lang).joiner
    if not joiner:  # Chinese: no spaces, no capitals
        return "".join(words)
    text = joiner.join(words)
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    return " ".join(s[:1].upper() + s[1:] for s in sentences if s)


# --------------------------------------------------------------------------- images


def image_array(image: Any, name: str = "image") -> np.ndarray:
    """Any accepted image input -> float32 gray (H, W) in [0, 1], checked for size."""
    if isinstance(image, (str, Path)):
        arr = load_image(image)
        name = str(image)
    elif isinstance(image, (bytes, bytearray)):
        arr = load_image_bytes(bytes(image), name)
    elif isinstance(image, np.ndarray):
        arr = _array_to_gray(image, name)
    else:
        raise InputError(f"{name}: expected a file path, the file's bytes or a numpy array, got {type(image).__name__}")
    h, w = arr.shape
    if min(h, w) < MIN_IMAGE_SIDE:
        raise InputError(
            f"{name}: image is {w}x{h} pixels, smaller than {MIN_IMAGE_SIDE} px on a side; give the "
            "radiograph at its acquired resolution (a thumbnail cannot show the findings)"
        )
    return arr


def _array_to_gray(a: np.ndarray, name: str) -> np.ndarray:
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim == 3 and a.shape[0] in (1, 3) and a.shape[-1] not in (1, 3):
        raise InputError(f"{name}: array of shape {a.shape} looks channel-first; give (H, W) gray or (H, W, 3) "
                         "colour, e.g. np.moveaxis(a, 0, -1)")
    if a.ndim == 3 and a.shape[-1] == 4:
        raise InputError(f"{name}: RGBA array of shape {a.shape}; drop the alpha channel (a[..., :3])")
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[-1] == 3)):
        raise InputError(f"{name}: expected a gray (H, W) or colour (H, W, 3) array, got shape {a.shape}")
    if a.dtype.kind == "u" or a.dtype.kind == "i":
        if a.min() < 0:
            raise InputError(f"{name}: integer image with negative values; give a display-ready image")
        top = 255.0 if a.dtype.itemsize == 1 else 65535.0
        if a.max() > top:
            raise InputError(f"{name}: integer values above {top:.0f}; give 8- or 16-bit values")
        a = a.astype(np.float32) / top
    elif a.dtype.kind == "f":
        if a.size == 0 or not np.isfinite(a).all() or a.min() < 0 or a.max() > 1:
            raise InputError(f"{name}: float images must be finite and in [0, 1]; scale it first")
        a = a.astype(np.float32)
    else:
        raise InputError(f"{name}: unsupported array dtype {a.dtype}")
    if a.ndim == 3:  # colour -> gray with BT.601 luma, as Pillow's "L" conversion
        a = a @ _BT601
    return np.ascontiguousarray(a)


# --------------------------------------------------------------------------- generator


@dataclass
class GeneratedReport:
    text: str
    tokens: list[str]
    labels: dict[str, int | None] | None = None
    graph: dict | None = None
    attention: torch.Tensor | None = field(default=None, repr=False)  # (V, h, w) per view

    def to_dict(self) -> dict:
        d = {"text": self.text, "tokens": self.tokens}
        if self.labels is not None:
            d["labels"] = self.labels
        if self.graph is not None:
            d["graph"] = self.graph
        if self.attention is not None:
            d["attention"] = self.attention.tolist()
        return d


class ReportPipeline:
    """A trained report generator with its vocabulary, preprocessing and decoding, ready for new images.

    ``cxrgen.load(ckpt)`` returns one; ``checkpoint`` is the :class:`Checkpoint` it came from
    (``None`` for a model still in training, as validation builds it).
    """

    def __init__(self, model, vocab, *, preprocessing: dict | None = None, lang: str | None = None,
                 decode: DecodeConfig | None = None, label_names: Sequence[str] = (),
                 device: str | torch.device = "cpu", checkpoint: Checkpoint | None = None):
        self.device = torch.device(device)
        self.model, self.vocab = model.to(self.device), vocab
        self.checkpoint = checkpoint
        pre = preprocessing or {}
        self.max_views = int(pre.get("max_views", 2))
        # the checkpoint's evaluation transform; what it does not say is the TransformConfig default
        keys = ("resize", "crop", "mean", "std", "resize_mode")
        self.transform = build_transform(False, **{k: pre[k] for k in keys if k in pre})
        self.lang = lang or vocab.lang
        self.decode = decode or DecodeConfig()
        self.label_names = list(label_names)

    @classmethod
    def from_checkpoint(cls, path: str | Path, device: str | torch.device = "cpu") -> "ReportPipeline":
        ckpt = Checkpoint.read(path, map_location="cpu")
        model, vocab = build_model(ckpt)
        return cls(model, vocab, preprocessing=ckpt.preprocessing, lang=ckpt.language, decode=ckpt.decode,
                   label_names=ckpt.label_names, device=device, checkpoint=ckpt)

    def preprocess(self, images: Sequence[Any]) -> tuple[torch.Tensor, torch.Tensor]:
        """One study -> ``images`` (1, V, 3, H, W) and ``view_mask`` (1, V)."""
        if isinstance(images, (str, Path, bytes, np.ndarray)):
            images = [images]
        if not images:
            raise InputError("no image given: a study needs at least one image")
        if len(images) > self.max_views:
            raise InputError(f"{len(images)} images given; this model reads at most {self.max_views} views per "
                             "study (frontal first)")
        arrays = [image_array(im, name=f"image {i + 1}") for i, im in enumerate(images)]
        x = torch.stack([self.transform(a) for a in arrays])  # (V, 3, H, W)
        return x.unsqueeze(0).to(self.device), torch.ones(1, len(arrays), dtype=torch.bool, device=self.device)

    def generate_ids(self, images: torch.Tensor, view_mask: torch.Tensor, beam_size: int | None = None,
                     return_attention: bool = False):
        kwargs = self.decode.generate_kwargs(beam_size)
        if return_attention:
            kwargs["return_attention"] = True
        with torch.no_grad():
            return self.model.generate(images, view_mask, **kwargs)

    def to_text(self, ids: Sequence[int]) -> tuple[str, list[str]]:
        words = [self.vocab.itos[i] for i in ids if i not in (self.vocab.pad_id, self.vocab.bos_id, self.vocab.eos_id)]
        return detokenize(words, self.lang), words

    def generate(self, images: Sequence[Any], beam_size: int | None = None, return_attention: bool = False,
                 labels: bool = True, graph: bool = False) -> GeneratedReport:
        """The report of one study (1..max_views images, frontal first)."""
        x, mask = self.preprocess(images)
        out = self.generate_ids(x, mask, beam_size=beam_size, return_attention=return_attention)
        attention = None
        if return_attention:
            out, maps = out
            attention = maps[0].cpu()
        text, words = self.to_text(out[0])
        report = GeneratedReport(text=text, tokens=words, attention=attention)
        if labels:
            report.labels = label_report(text, self.lang)
        if graph:
            report.graph = report_graph(text, self.lang)
        return report


def label_report(text: str, lang: str, label_set: str = "chexpert") -> dict[str, int | None]:
    """CheXpert-style labels of a report by the language's rule labeler (cxrgen.labeling)."""
    from cxrgen.labeling import get_labeler

    return get_labeler(lang).label(text, label_set)


def report_graph(text: str, lang: str) -> dict:
    """The entity graph of a report (cxrgen.labeling.graph), as plain data."""
    import dataclasses

    from cxrgen.labeling.graph import extract_graph

    g = dataclasses.asdict(extract_graph(text, lang))
    g.pop("tokens", None)  # the report's tokens: the text is already there
    return g


def load(checkpoint: str | Path, device: str | torch.device = "cpu") -> ReportPipeline:
    """``cxrgen.load(ckpt).generate(images)``: see :class:`ReportPipeline`."""
    return ReportPipeline.from_checkpoint(checkpoint, device)
