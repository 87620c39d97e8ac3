"""What one batch of reports or studies turns into: the code that the in-process commands
(``cxrgen label``, ``graph``, ``score``, ``generate``) and ``cxrgen batch`` both run.

No Ray here: each function takes plain rows and returns plain rows, so a batch labelled by
``cxrgen label`` on a laptop and one labelled by a Ray worker of ``cxrgen batch label`` go
through the same lines. Row checks that only the archive mode needs (a malformed row is an
error row rather than the end of the job) live in :mod:`cxrgen.batch.rows`.
"""

from __future__ import annotations

from typing import Any, Sequence


def label_batch(reports: Sequence[tuple[str, str]], lang: str, labels: str = "chestxray14",
                mt_variants: bool = False) -> list[dict[str, Any]]:
    """``[(id, text)]`` -> ``[{"id", <one key per label column>}]`` (1, 0, -1 or None)."""
    from cxrgen.labeling import get_label_set, get_labeler

    label_set = get_label_set(labels)
    rows = get_labeler(lang, mt_variants=mt_variants).label_many([t for _, t in reports], label_set)
    return [{"id": rid, **{c: row[c] for c in label_set.columns}} for (rid, _), row in zip(reports, rows)]


def label_columns(labels: str) -> list[str]:
    """The label columns of a label set, in output order (after ``id``)."""
    from cxrgen.labeling import get_label_set

    return list(get_label_set(labels).columns)


def graph_batch(reports: Sequence[tuple[str, str]], lang: str) -> list[dict[str, Any]]:
    """``[(id, text)]`` -> RadGraph docs (CN-RadGraph schema), one per report."""
    from cxrgen.labeling.graph import get_extractor
    from cxrgen.labeling.radgraph_io import graph_to_doc

    extractor = get_extractor(lang)
    return [graph_to_doc(extractor.extract(text, rid)) for rid, text in reports]


def generate_batch(generator, studies: Sequence[Sequence[Any]], beam_size: int | None = None,
                   labels: bool = False, graph: bool = False) -> list:
    """The report of each study (a list of its images) by one loaded
    :class:`cxrgen.pipeline.inference.ReportPipeline`; an element is a ``GeneratedReport`` or, for a study
    whose images cannot be used, the :class:`~cxrgen.errors.InputError` that says why.

    Studies are decoded one at a time, as ``cxrgen generate`` does, so that a study's report
    does not depend on which other studies share its batch (padding would change beam scores).
    """
    from cxrgen.errors import InputError

    out: list = []
    for images in studies:
        try:
            out.append(generator.generate(list(images), beam_size=beam_size, labels=labels, graph=graph))
        except InputError as exc:
            out.append(exc)
    return out
