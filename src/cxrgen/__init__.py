"""cxrgen: chest X-ray report generation and honest evaluation in English, French and Chinese.

The package tree is the architecture; imports run downward only:

- plumbing: :mod:`cxrgen.errors` (user errors), :mod:`cxrgen.registry` (name -> factory),
  :mod:`cxrgen.config` (the one typed-config checker);
- :mod:`cxrgen.text`: the language table (:mod:`cxrgen.text.languages`), tokenizers, vocabulary,
  report files; :mod:`cxrgen.data`: studies, dataset loaders, images, transforms;
- :mod:`cxrgen.labeling`: report labelers and the entity graph; :mod:`cxrgen.metrics`: NLG metrics
  with signatures and clinical efficacy (metrics use labeling, never the reverse);
- :mod:`cxrgen.decoding` and :mod:`cxrgen.models`: search, typed per-model configs, the generators;
- :mod:`cxrgen.pipeline`: checkpoints, inference (:func:`load`), evaluation of a checkpoint;
- :mod:`cxrgen.pacs`: DICOMweb, DICOM SR and FHIR (the hospital side of the review service);
  :mod:`cxrgen.batch`: archive-scale jobs on Ray Data over the same per-batch functions;
- front ends: :mod:`cxrgen.train` (presets in ``cxrgen/configs``), :mod:`cxrgen.serve`,
  :mod:`cxrgen.commands` / ``cxrgen`` CLI. The library never imports them.
"""

__version__ = "0.1.0"


def load(checkpoint, device="cpu"):
    """Load a trained report generator from a self-describing checkpoint.

    Returns an object with ``generate(images)``; see :mod:`cxrgen.pipeline.inference`.
    """
    from cxrgen.pipeline.inference import load as _load  # imported lazily: torch start-up is slow

    return _load(checkpoint, device=device)
