"""From a trained checkpoint to reports and scores: the layer between the library and its front ends.

- :mod:`cxrgen.pipeline.checkpoint`: the checkpoint format, written (training) and read
  (everything else) in one module; :class:`~cxrgen.pipeline.checkpoint.Checkpoint` is its typed view.
- :mod:`cxrgen.pipeline.inference`: :class:`~cxrgen.pipeline.inference.ReportPipeline`, what
  ``cxrgen.load(ckpt)`` returns: images in, a report (with labels, graph, attention) out.
- :mod:`cxrgen.pipeline.evaluation`: generate a split's reports and score them (NLG metrics and
  clinical efficacy, with signatures).

``train/``, ``serve/`` and the CLI build on this package; it never imports them.
"""
