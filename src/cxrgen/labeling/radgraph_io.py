"""Read and write entity graphs in the RadGraph JSON format (Jain et al., NeurIPS 2021).

RadGraph's release is one JSON object ``{doc_key: doc}``; a doc is::

    {"text": "...", "entities": {"1": {"tokens": "effusion", "label": "OBS-DA",
                                        "start_ix": 4, "end_ix": 4,
                                        "relations": [["located_at", "2"]]}, ...},
     "data_source": "MIMIC-CXR", "data_split": "train"}

``start_ix`` / ``end_ix`` are inclusive indexes into ``text.split()``-style tokens; the test
set docs hold ``labeler_1`` / ``labeler_2`` sub-objects with their own ``entities`` (the first is
read). RadGraph labels map to the CN-RadGraph schema as ``ANAT-DP`` -> Anatomy, ``OBS-DP`` ->
Disease-Positive-Observation, ``OBS-DA`` -> Disease-Negative-Observation, ``OBS-U`` ->
Disease-Positive-Observation marked uncertain; relations ``located_at`` -> Located At, ``modify``
-> Modify, ``suggestive_of`` is kept as it is. Labels already in the CN-RadGraph schema are read
as they are, so hand annotations in either schema can evaluate the extractor.

``cxrgen graph`` writes JSON Lines: one doc per line, with ``id`` and ``lang`` added.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from cxrgen.errors import InputError
from cxrgen.labeling.graph import (
    ANATOMY, ENTITY_TYPES, LOCATED_AT, MODIFY, NEGATIVE_OBS, POSITIVE_OBS, Entity, ReportGraph,
    get_extractor, tokenize,
)
from cxrgen.labeling.rules import _lower

RADGRAPH_LABELS = {"ANAT-DP": (ANATOMY, False), "OBS-DP": (POSITIVE_OBS, False),
                   "OBS-DA": (NEGATIVE_OBS, False), "OBS-U": (POSITIVE_OBS, True)}
RADGRAPH_RELATIONS = {"located_at": LOCATED_AT, "modify": MODIFY}


def graph_to_doc(graph: ReportGraph) -> dict:
    """A RadGraph doc (CN-RadGraph labels) for one graph."""
    entities = {}
    for e in graph.entities:
        idx = [i for i, (_, s, t) in enumerate(graph.tokens) if s < e.end and t > e.start]
        start_ix, end_ix = (idx[0], idx[-1]) if idx else (-1, -1)
        ent = {"tokens": e.text, "label": e.label, "start_ix": start_ix, "end_ix": end_ix,
               "relations": [[r, t] for r, t in e.relations], "norm": e.norm}
        if e.uncertain:
            ent["uncertain"] = True
        entities[e.id] = ent
    return {"id": graph.id, "lang": graph.lang, "text": graph.text, "entities": entities,
            "schema": "cn-radgraph"}


def doc_to_graph(doc: dict, lang: str, doc_key: str = "") -> ReportGraph:
    """A :class:`ReportGraph` from a RadGraph (or CN-RadGraph) doc.

    Entity character offsets are recovered from the token indexes (tokens of the doc's text as
    :func:`~cxrgen.labeling.graph.tokenize` cuts it, or whitespace tokens when the text is
    pre-tokenised as in RadGraph's release); lesion and anatomy names are normalised with the
    lexicon of ``lang`` so that they compare with extracted graphs.
    """
    where = f"doc {doc_key!r}" if doc_key else "doc"
    if "entities" not in doc and "labeler_1" in doc:
        doc = {**doc, "entities": doc["labeler_1"].get("entities", {})}
    if "text" not in doc or "entities" not in doc:
        raise InputError(f"{where}: a RadGraph doc needs 'text' and 'entities' keys; "
                         f"found {sorted(doc)}")
    text = doc["text"]
    # our own output indexes cxrgen tokens; RadGraph's release indexes whitespace tokens
    tokens = tokenize(text, lang) if doc.get("schema") == "cn-radgraph" else _whitespace_tokens(text)
    extractor = get_extractor(lang)
    entities = []
    for eid, ent in doc["entities"].items():
        label = ent.get("label")
        if label in RADGRAPH_LABELS:
            label, uncertain = RADGRAPH_LABELS[label]
        elif label in ENTITY_TYPES:
            uncertain = bool(ent.get("uncertain", False))
        else:
            raise InputError(f"{where}, entity {eid}: unknown label {label!r}; expected one of "
                             f"{', '.join(list(RADGRAPH_LABELS) + list(ENTITY_TYPES))}")
        try:
            s_ix, e_ix = int(ent["start_ix"]), int(ent["end_ix"])
        except (KeyError, TypeError, ValueError):
            raise InputError(f"{where}, entity {eid}: 'start_ix' and 'end_ix' must be integers") from None
        if 0 <= s_ix <= e_ix < len(tokens):
            start, end = tokens[s_ix][1], tokens[e_ix][2]
        else:
            start = end = -1
        surface = ent.get("tokens", "")
        relations = [(RADGRAPH_RELATIONS.get(r, r), str(t)) for r, t in ent.get("relations", [])]
        norm = ent.get("norm") or _normalise(extractor, surface, label)
        entities.append(Entity(str(eid), surface, label, start, end, norm, uncertain, relations))
    return ReportGraph(doc.get("id", doc_key), text, lang, entities, tokenize(text, lang))


def _whitespace_tokens(text: str) -> list[tuple[str, int, int]]:
    out, pos = [], 0
    for tok in text.split():
        start = text.index(tok, pos)
        out.append((tok, start, start + len(tok)))
        pos = start + len(tok)
    return out


def _normalise(extractor, surface: str, label: str) -> str:
    """Concept / anatomy name of an annotated span, or its lower-cased text."""
    low = _lower(surface)
    if label == ANATOMY:
        for _, _, tags in extractor._anatomy.finditer(low):
            return str(tags[0])
    else:
        for m in extractor.labeler.mentions(surface):
            return m.concept if m.kind != "other" else m.text.lower()
    return low.strip()


def write_jsonl(graphs: Iterable[ReportGraph], path: str | Path) -> int:
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for g in graphs:
            f.write(json.dumps(graph_to_doc(g), ensure_ascii=False) + "\n")
            n += 1
    return n


def read_graphs(path: str | Path, lang: str) -> list[ReportGraph]:
    """Graphs from a RadGraph JSON file (``{doc_key: doc}``) or a JSONL file of docs."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    raw = path.read_text(encoding="utf-8")
    stripped = raw.lstrip()
    if not stripped:
        raise InputError(f"{path} is empty; expected RadGraph JSON or JSON Lines")
    graphs = []
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError:
        obj = None
    if isinstance(obj, dict) and "entities" not in obj:
        for key, doc in obj.items():
            if not isinstance(doc, dict):
                raise InputError(f"{path}: doc {key!r} is not an object")
            graphs.append(doc_to_graph(doc, lang, key))
        return graphs
    if isinstance(obj, dict):  # a single doc
        return [doc_to_graph(obj, lang, obj.get("id", "1"))]
    for i, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}, line {i}: not JSON ({exc.msg}); expected one RadGraph doc "
                             "per line") from None
        graphs.append(doc_to_graph(doc, lang, str(doc.get("id", i))))
    return graphs
