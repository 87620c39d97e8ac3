"""Report generation models: image encoders, R2Gen and its successors, baselines, and the factory.

The contract the training loop, the CLI and the service code against
---------------------------------------------------------------------

Building::

    from cxrgen.models import create_model, list_models, R2GenConfig, EncoderConfig
    model = create_model("r2gen", {"d_model": 512, "encoder": {"name": "resnet101"}}, vocab)

``list_models()`` -> ``["cnx2rg", "r2gen", "r2gencmn", "retrieval", "transformer"]``. ``config`` is a
the model's own config (``R2GenConfig``, ``CMNConfig``, ``CNX2RGConfig``, ``RetrievalConfig``,
``TransformerConfig``; :data:`~cxrgen.models.registry.MODEL_CONFIGS`), a mapping (YAML preset) or
``None`` (published defaults); unknown keys and wrong types raise :class:`~cxrgen.errors.ConfigError`
listing the valid keys. ``vocab`` is a
:class:`cxrgen.text.vocab.Vocab` (``vocab.to_dict()`` goes into the checkpoint). New models
register with ``@register_model("name", TheirConfig)`` (``cxrgen.models.registry``).

Training (``model.task == "captioning"``)::

    out = model(images, view_mask, tokens)
    # images (B, V, 3, H, W) float, view_mask (B, V) bool (True = real image),
    # tokens (B, T) long = [bos, w1..wn, eos, pad...]
    out["logits"]       # (B, T-1, vocab): predicts tokens[:, 1:]
    out["aux_logits"]   # (B, num_labels): only when model.has_aux_head (cnx2rg)
    loss = F.cross_entropy(out["logits"].transpose(1, 2), tokens[:, 1:], ignore_index=vocab.pad_id)
    # cnx2rg: loss += lam * F.binary_cross_entropy_with_logits(out["aux_logits"], labels)

The retrieval baseline has ``model.task == "contrastive"``: ``out["contrastive_logits"]`` (B, B)
with the matching report on the diagonal, loss ``cxrgen.models.contrastive.info_nce(out[...])``;
after training call ``model.fit(embeddings, reports)`` (see ``retrieval.py``).

Inference::

    reports = model.generate(images, view_mask, max_len=60, beam_size=3, min_len=1,
                             length_penalty=0.0, block_trigrams=True, use_cache=True)
    # list (one per study) of token-id lists without bos / eos / pad; greedy when beam_size == 1
    text = vocab.decode(reports[0])
    reports, maps = model.generate(..., return_attention=True)
    # maps[b]: (V, h, w) cross-attention over study b's image patches averaged over its report
    patch_feats, pooled = model.encode(images, view_mask)  # (B, P, C), (B, C)

Encoders: ``EncoderConfig(name=resnet18|resnet50|resnet101|densenet121|vit_s16, weights=PATH)``;
``load_encoder_weights(encoder, path)`` loads torchvision / timm / torchxrayvision state dicts.
"""

from cxrgen.models.base import ReportGenerator
from cxrgen.models.config import (
    CMNConfig,
    CNX2RGConfig,
    EncoderConfig,
    ModelConfig,
    PromptConfig,
    R2GenConfig,
    RetrievalConfig,
    TransformerConfig,
)
from cxrgen.models.encoders import create_encoder, list_encoders, load_encoder_weights
from cxrgen.models.factory import create_model, list_models, model_config
from cxrgen.models.registry import MODEL_CONFIGS, MODELS, register_model

__all__ = [
    "CMNConfig", "CNX2RGConfig", "EncoderConfig", "MODELS", "MODEL_CONFIGS", "ModelConfig", "PromptConfig",
    "R2GenConfig", "ReportGenerator", "RetrievalConfig", "TransformerConfig", "create_encoder", "create_model",
    "list_encoders", "list_models", "load_encoder_weights", "model_config", "register_model",
]
