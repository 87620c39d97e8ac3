"""METEOR 1.5 scores from alignments: per-report sufficient statistics and their aggregate.

Equal (within 0.001 at corpus level, 0.005 per report; see tests/metrics/test_meteor_parity.py)
to pycocoevalcap 1.2's ``Meteor()``, which runs ``java -jar -Xmx2G meteor-1.5.jar - - -stdio
-l en -norm``, sends one ``SCORE ||| ref ||| hyp`` line per report and then one ``EVAL`` line
with every report's statistics, and returns the score of the *summed* statistics (not the mean
of the report scores) and the per-report scores.

The formula (Denkowski & Lavie, "Meteor Universal", WMT 2014, section 2.2), with METEOR 1.5's
``rank`` task parameters for English: alpha 0.85, beta 0.20, gamma 0.60, delta 0.75 and stage
weights exact 1.0, stem 0.6, synonym 0.8, paraphrase 0.6 (``Constants.PARAM_RANK`` /
``WEIGHT_RANK``)::

    P = sum_i w_i (delta m_i^content(h) + (1 - delta) m_i^function(h)) / (delta |h_c| + (1 - delta) |h_f|)
    R = the same over the reference
    Fmean = P R / (alpha P + (1 - alpha) R)
    Pen = gamma (chunks / matches)^beta, 0 when hypothesis and reference match entirely in one chunk
    score = Fmean (1 - Pen), 0 when undefined (an empty side)

Aggregation (``MeteorStats.addStats``): every count is summed over reports, except that a report
aligned entirely as one chunk adds no chunks. With several references, each report keeps the
statistics of its best-scoring reference (the first one on ties).
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from cxrgen.metrics.meteor import align as _align
from cxrgen.metrics.meteor.align import (BEAM_SIZE, EXACT, PARAPHRASE, STEM, SYNONYM, Matcher, align,
                                         beam_search_python, choose_search)
from cxrgen.metrics.meteor.normalize import meteor_tokens, meteor_tokens_many
from cxrgen.metrics.meteor.resources import MeteorResources, load_resources


@dataclass(frozen=True)
class MeteorParams:
    """The parameters of one language (METEOR 1.5 ``rank`` task, its default)."""

    alpha: float
    beta: float
    gamma: float
    delta: float
    modules: tuple[int, ...]
    weights: tuple[float, ...]  # per module, in ``modules`` order


#: English: Constants.PARAM_RANK[LANG_EN] / WEIGHT_RANK[LANG_EN] of METEOR 1.5.
PARAMS_EN = MeteorParams(0.85, 0.20, 0.60, 0.75, (EXACT, STEM, SYNONYM, PARAPHRASE), (1.0, 0.6, 0.8, 0.6))
#: French: METEOR 1.5's French parameters and exact/stem weights, WITHOUT its paraphrase stage
#: (METEOR's French paraphrase table is not distributed with pycocoevalcap), so this is
#: "METEOR 1.5 French, exact + stem only", not the jar's French score.
PARAMS_FR = MeteorParams(0.90, 1.40, 0.60, 0.65, (EXACT, STEM), (1.0, 0.2))

N_MODULES = 4
# Columns of a statistics row.
COL_TEST_LEN, COL_REF_LEN, COL_TEST_FUNC, COL_REF_FUNC = 0, 1, 2, 3
COL_TEST_CONTENT = 4  # 4 columns: test content matches per module
COL_REF_CONTENT = 8
COL_TEST_FUNCTION = 12
COL_REF_FUNCTION = 16
COL_CHUNKS = 20
COL_TEST_WORDS = 21  # matched words (unweighted) in the test
COL_REF_WORDS = 22
COL_CHUNKS_SUM = 23  # chunks as the aggregate adds them (0 for a one-chunk full match)
N_COLS = 24
COLUMNS = (
    ["test_len", "ref_len", "test_function_words", "ref_function_words"]
    + [f"test_content_{m}" for m in ("exact", "stem", "synonym", "paraphrase")]
    + [f"ref_content_{m}" for m in ("exact", "stem", "synonym", "paraphrase")]
    + [f"test_function_{m}" for m in ("exact", "stem", "synonym", "paraphrase")]
    + [f"ref_function_{m}" for m in ("exact", "stem", "synonym", "paraphrase")]
    + ["chunks", "test_word_matches", "ref_word_matches", "chunks_in_sum"]
)


def compute_scores(rows: np.ndarray, params: MeteorParams) -> np.ndarray:
    """``MeteorScorer.computeMetrics`` on each row of statistics (same order of operations)."""
    rows = np.atleast_2d(np.asarray(rows, dtype=np.float64))
    a, b, g, d = params.alpha, params.beta, params.gamma, params.delta
    w = params.weights
    with np.errstate(divide="ignore", invalid="ignore"):
        tl, rl = rows[:, COL_TEST_LEN], rows[:, COL_REF_LEN]
        tf, rf = rows[:, COL_TEST_FUNC], rows[:, COL_REF_FUNC]
        test_wlen = d * (tl - tf) + (1.0 - d) * tf
        ref_wlen = d * (rl - rf) + (1.0 - d) * rf
        test_wm = np.zeros(len(rows))
        ref_wm = np.zeros(len(rows))
        for i in range(len(w)):
            test_wm = test_wm + rows[:, COL_TEST_CONTENT + i] * w[i] * d
        for i in range(len(w)):
            ref_wm = ref_wm + rows[:, COL_REF_CONTENT + i] * w[i] * d
        for i in range(len(w)):
            test_wm = test_wm + rows[:, COL_TEST_FUNCTION + i] * w[i] * (1.0 - d)
        for i in range(len(w)):
            ref_wm = ref_wm + rows[:, COL_REF_FUNCTION + i] * w[i] * (1.0 - d)
        precision = test_wm / test_wlen
        recall = ref_wm / ref_wlen
        fmean = 1.0 / (((1.0 - a) / precision) + (a / recall))
        test_total = rows[:, COL_TEST_CONTENT : COL_TEST_CONTENT + 4].sum(1) + rows[
            :, COL_TEST_FUNCTION : COL_TEST_FUNCTION + 4
        ].sum(1)
        ref_total = rows[:, COL_REF_CONTENT : COL_REF_CONTENT + 4].sum(1) + rows[
            :, COL_REF_FUNCTION : COL_REF_FUNCTION + 4
        ].sum(1)
        chunks = rows[:, COL_CHUNKS]
        perfect = (test_total == tl) & (ref_total == rl) & (chunks == 1)
        frag = np.where(perfect, 0.0, chunks / ((rows[:, COL_TEST_WORDS] + rows[:, COL_REF_WORDS]) / 2))
        penalty = g * np.power(frag, b)
        score = fmean * (1.0 - penalty)
    score = np.where(np.isnan(score), 0.0, np.maximum(score, 0.0))
    return score


def aggregate_rows(rows: np.ndarray) -> np.ndarray:
    """The statistics METEOR 1.5 sums over a set (``MeteorStats.addStats``), as one row."""
    rows = np.atleast_2d(np.asarray(rows, dtype=np.float64))
    total = rows.sum(axis=0)
    total[COL_CHUNKS] = total[COL_CHUNKS_SUM]
    return total


def _check_snowball_version() -> None:
    # Snowball 3.0 (snowballstemmer 3.x) changed some English stems (e.g. "cardiologist",
    # "ebbing", "emergency"); METEOR 1.5 embeds the 2010 Snowball, equal to snowballstemmer 2.x.
    from importlib.metadata import PackageNotFoundError, version

    try:
        major = int(version("snowballstemmer").split(".")[0])
    except (PackageNotFoundError, ValueError):
        return
    if major >= 3:
        warnings.warn(
            f"snowballstemmer {version('snowballstemmer')} stems a few English words differently "
            "from METEOR 1.5 (Snowball 2010); install snowballstemmer<3 for exact parity",
            stacklevel=3,
        )


class MeteorScorer:
    """Align and count: the statistics row of each (hypothesis, references) pair."""

    def __init__(self, lang: str = "en", resources: MeteorResources | None = None):
        import snowballstemmer

        _check_snowball_version()
        if lang not in ("en", "fr"):
            raise ValueError(f"METEOR supports 'en' and 'fr', not {lang!r}")
        self.lang = lang
        self.params = PARAMS_EN if lang == "en" else PARAMS_FR
        self.res = resources if resources is not None else load_resources(lang)
        stemmer = snowballstemmer.stemmer("english" if lang == "en" else "french")
        self.matcher = Matcher(self.res, stemmer.stemWord, self.params.modules)
        self._norm_cache: dict[str, list[str]] = {}

    def tokens(self, text: str) -> list[str]:
        """The words METEOR aligns for a report: ``-norm`` normalised and lowercased."""
        toks = self._norm_cache.get(text)
        if toks is None:
            toks = self._norm_cache[text] = meteor_tokens(text.strip(), self.lang, self.res.nonbreaking)
        return toks

    def tokens_many(self, texts: Sequence[str]) -> list[list[str]]:
        """:meth:`tokens` of many texts, the uncached ones normalised in one pass
        (:func:`.normalize.meteor_tokens_many`)."""
        cache = self._norm_cache
        todo = list(dict.fromkeys(t for t in texts if t not in cache))
        if todo:
            done = meteor_tokens_many([t.strip() for t in todo], self.lang, self.res.nonbreaking)
            cache.update(zip(todo, done))
        return [cache[t] for t in texts]

    def row(self, hyp: list[str], ref: list[str], search=None) -> np.ndarray:
        """Statistics of one aligned pair of normalised token lists."""
        a = align(self.matcher, hyp, ref, search=search)
        fw = self.res.function_words
        hyp_func = [w in fw for w in hyp]
        ref_func = [w in fw for w in ref]
        row = np.zeros(N_COLS)
        row[COL_TEST_LEN] = len(hyp)
        row[COL_REF_LEN] = len(ref)
        row[COL_TEST_FUNC] = sum(hyp_func)
        row[COL_REF_FUNC] = sum(ref_func)
        for (j, rl, i, hl, mod) in a.matches:
            for k in range(i, i + hl):
                row[(COL_TEST_FUNCTION if hyp_func[k] else COL_TEST_CONTENT) + mod] += 1
            for k in range(j, j + rl):
                row[(COL_REF_FUNCTION if ref_func[k] else COL_REF_CONTENT) + mod] += 1
        row[COL_TEST_WORDS] = row[COL_TEST_CONTENT : COL_TEST_CONTENT + 4].sum() + row[
            COL_TEST_FUNCTION : COL_TEST_FUNCTION + 4
        ].sum()
        row[COL_REF_WORDS] = row[COL_REF_CONTENT : COL_REF_CONTENT + 4].sum() + row[
            COL_REF_FUNCTION : COL_REF_FUNCTION + 4
        ].sum()
        row[COL_CHUNKS] = a.chunks
        perfect = row[COL_TEST_WORDS] == len(hyp) and row[COL_REF_WORDS] == len(ref) and a.chunks == 1
        row[COL_CHUNKS_SUM] = 0 if perfect else a.chunks
        return row

    def report_row(self, hyp_text: str, ref_texts: Sequence[str], search=None) -> np.ndarray:
        """Statistics of a report: its best reference, as ``MeteorScorer.getMeteorStats``."""
        hyp = self.tokens(hyp_text.replace("|||", ""))
        if len(ref_texts) == 1:
            return self.row(hyp, self.tokens(ref_texts[0]), search)
        best_row, best_score = None, -1.0
        for ref_text in ref_texts:
            row = self.row(hyp, self.tokens(ref_text), search)
            score = float(compute_scores(row, self.params)[0])
            if best_row is None or score > best_score:
                best_row, best_score = row, score
        if best_row is None:
            raise ValueError("METEOR needs at least one reference per report")
        return best_row

    def rows(self, hyps: Sequence[str], refs: Sequence[Sequence[str]], workers: int | None = None) -> np.ndarray:
        """Statistics rows of many reports, equal to ``report_row`` on each, computed faster:

        * a report's row depends only on its (hypothesis, references) texts, so each distinct
          pair is aligned once (IU X-Ray has many identical normal reports: 3,858 bench pairs
          hold 2,945 distinct ones);
        * with numba installed and ``workers`` left to this method, corpora of
          :data:`BATCH_MIN_PAIRS` pairs or more go through the compiled pair loop
          (:meth:`_rows_batch`: per-text work once for the corpus, every pair compiled);
        * otherwise, the cheaper search for that many pairs (:func:`.align.choose_search`), and
          large corpora are split in two halves aligned by this process and a forked copy of it
          (:func:`_forked_rows`), merged back in order, so results do not depend on ``workers``.
        """
        n = len(hyps)
        if len(refs) != n:
            raise ValueError(f"{n} hypotheses but {len(refs)} reference lists")
        slot: dict[tuple, int] = {}
        which = np.empty(n, dtype=np.int64)
        unique: list[tuple[str, tuple[str, ...]]] = []
        for k, (h, rs) in enumerate(zip(hyps, refs)):
            key = (h, tuple(rs))
            u = slot.get(key)
            if u is None:
                u = slot[key] = len(unique)
                unique.append(key)
            which[k] = u
        batch = workers is None and _use_batch(len(unique))
        if workers is None and not batch:
            # CXRGEN_METEOR_WORKERS=1 keeps everything in this process
            workers = 2 if len(unique) >= PARALLEL_MIN_PAIRS and _idle_core() else 1
            workers = min(workers, int(os.environ.get("CXRGEN_METEOR_WORKERS", workers)))
        if not batch and len(unique) > 1:
            # normalise every text in one pass (hypotheses as report_row reads them), filling the
            # cache that the per-pair path reads
            self.tokens_many([h.replace("|||", "") for h, _ in unique] + [r for _, rs in unique for r in rs])
        if batch:
            out = self._rows_batch(unique)
        elif workers > 1 and _can_fork():
            # per-sentence work (normalising, stems, synsets, paraphrase look-ups) once here, so
            # that both processes share it instead of each redoing it for its half
            _forked_prepare(self, {h for h, _ in unique} | {r for _, rs in unique for r in rs})
            out = _forked_rows(self, unique)
        else:
            out = self._rows_of(unique)
        return out[which] if n else np.zeros((0, N_COLS))

    def _sentences_of(self, texts) -> list[list[str]]:
        # a text is tokenised as a reference, and without "|||" as a hypothesis (report_row)
        return [toks for text in texts
                for toks in (self.tokens(text), self.tokens(text.replace("|||", "")))]

    def prepare(self, texts) -> None:
        """Fill the per-sentence caches for ``texts`` (when they fit in them; the order does not
        matter, the caches only hold values computed from each sentence alone)."""
        if len(texts) > self.matcher.cache_size:
            return
        for toks in self._sentences_of(texts):
            self.matcher.prepare(toks)

    def export_prepared(self, texts) -> tuple[dict, list]:
        """What :meth:`prepare` computed for ``texts``, for another process's :meth:`import_prepared`."""
        norm = {t: self._norm_cache[t] for t in texts if t in self._norm_cache}
        norm.update({t.replace("|||", ""): self._norm_cache[t.replace("|||", "")]
                     for t in texts if t.replace("|||", "") in self._norm_cache})
        return norm, self.matcher.export_sentences(self._sentences_of(texts))

    def import_prepared(self, state: tuple[dict, list]) -> None:
        norm, sentences = state
        self._norm_cache.update(norm)
        self.matcher.import_sentences(sentences)

    def _rows_of(self, pairs: Sequence[tuple[str, tuple[str, ...]]]) -> np.ndarray:
        search = choose_search(len(pairs))
        out = np.zeros((len(pairs), N_COLS))
        for k, (h, rs) in enumerate(pairs):
            out[k] = self.report_row(h, rs, search)
        return out

    def _rows_batch(self, pairs: Sequence[tuple[str, tuple[str, ...]]]) -> np.ndarray:
        """Rows of ``pairs`` through the compiled pair loop (:mod:`.batch_jit`), equal to
        :meth:`_rows_of`: per-text arrays built once for the corpus, every (hypothesis,
        reference) pair aligned and counted compiled, the best reference of each report chosen
        as :meth:`report_row` does (the first of the highest scores)."""
        from cxrgen.metrics.meteor import batch_jit
        from cxrgen.metrics.meteor.corpus import corpus_arrays
        from cxrgen.metrics.meteor.search_jit import align_candidates

        text_id: dict[str, int] = {}
        tid = text_id.setdefault
        pair_h, pair_r, owner = [], [], []
        for k, (h, rs) in enumerate(pairs):
            if not rs:
                raise ValueError("METEOR needs at least one reference per report")
            th = tid(h.replace("|||", ""), len(text_id))  # report_row drops "|||" from the hypothesis
            for r in rs:
                pair_h.append(th)
                pair_r.append(tid(r, len(text_id)))
                owner.append(k)
        sentences = self.tokens_many(list(text_id))
        modules = self.params.modules
        use_syn, use_para = SYNONYM in modules, PARAPHRASE in modules
        c = corpus_arrays(self.matcher, sentences, use_syn, use_para)
        pair_h_a = np.asarray(pair_h, dtype=np.int64)
        pair_r_a = np.asarray(pair_r, dtype=np.int64)
        cands, c_start, off, o_start, flat = batch_jit.pair_candidates(
            pair_h_a, pair_r_a, c.t_off, c.wid, c.sid, c.func, c.w_syn_off, c.w_syn_ids, c.ph_off,
            c.ph_start, c.ph_len, c.ph_toff, c.tg_hash, c.tg_len, c.gs_off, c.gs_hash, c.gs_len,
            c.gs_pos, c.max_len, STEM in modules, use_syn, use_para, np.argsort(c.w_syn_ids),
            batch_jit.MAX_SYNONYM_TABLE)
        lengths = np.diff(c.t_off)
        chosen: list[np.ndarray] = []
        failed: list[int] = []
        none = np.zeros(0, dtype=np.int64)
        for p, (a, b, o, nh, nr) in enumerate(zip(c_start[:-1].tolist(), c_start[1:].tolist(),
                                                  o_start[:-1].tolist(), lengths[pair_h_a].tolist(),
                                                  lengths[pair_r_a].tolist())):
            if a == b:
                chosen.append(none)
                continue
            idx = align_candidates(cands[a:b], off[o:o + nr + 1], EXACT, nh, nr, BEAM_SIZE)
            if len(idx) == 1 and idx[0] == -1:  # search key too wide for the compiled search
                failed.append(p)
                idx = none
            chosen.append(idx)
        ch_start = np.zeros(len(chosen) + 1, dtype=np.int64)
        np.cumsum([len(x) for x in chosen], out=ch_start[1:])
        batch_jit.pair_counts(flat, cands, c_start, np.concatenate(chosen) if chosen else none,
                              ch_start, pair_h_a, pair_r_a, c.t_off, c.func)
        for p in failed:
            flat[p] = self.row(sentences[pair_h[p]], sentences[pair_r[p]], beam_search_python)
        owner_a = np.asarray(owner, dtype=np.int64)
        if len(owner_a) == len(pairs):  # one reference each
            return flat
        scores = compute_scores(flat, self.params)
        out = np.zeros((len(pairs), N_COLS))
        best = np.full(len(pairs), -np.inf)
        for p in range(len(owner_a)):  # first strictly best reference of each report
            k = owner_a[p]
            if scores[p] > best[k]:
                best[k] = scores[p]
                out[k] = flat[p]
        return out

    def corpus(self, hyps: Sequence[str], refs: Sequence[Sequence[str]]) -> tuple[float, np.ndarray]:
        """(corpus score, per-report scores), as pycocoevalcap ``Meteor().compute_score``."""
        rows = self.rows(hyps, refs)
        per = compute_scores(rows, self.params) if len(rows) else np.zeros(0)
        total = float(compute_scores(aggregate_rows(rows), self.params)[0]) if len(rows) else 0.0
        return total, per


#: From this many distinct pairs, :meth:`MeteorScorer.rows` uses a forked second process. The
#: per-sentence work stays serial (done before forking), only the per-pair work (candidates,
#: search, counts) is split, so it pays off only when there are many pairs; on the 2-core dev
#: machine, with both cores busy with other work, 3,858 bench pairs (2,945 distinct) took 2.3-2.7 s
#: CPU in the parent + 1.0 s in the child against 3.2-3.8 s in one process.
PARALLEL_MIN_PAIRS = 1500


#: From this many distinct pairs, :meth:`MeteorScorer.rows` takes the compiled pair loop even
#: when numba is not loaded yet: importing numba and loading the cached compiled loop cost ~0.5 s
#: once per process, which a whole `cxrgen score` process pays in full. Measured as whole
#: `cxrgen score --metrics METEOR --tokenized` processes (CPU seconds, best of 3, 2 cores, 2026-12-04),
#: per-pair path / compiled loop: IU test set (590 shifted pairs, 580 distinct) 0.81 / 1.10;
#: 590 IU pairs of the bench's every-report pairing 1.12 / 1.12; 800 such pairs 1.35 / 1.14;
#: 1,000: 1.59 / 1.21; 1,500: 2.05 / 1.29; 2,500: 2.72 / 1.66. Even at ~600, so from 700.
BATCH_MIN_PAIRS = 700


def _use_batch(n_pairs: int) -> bool:
    """Whether :meth:`MeteorScorer.rows` takes the compiled pair loop: numba installed, and a
    corpus large enough to pay for importing it (:data:`BATCH_MIN_PAIRS`) unless it is already
    loaded. ``CXRGEN_METEOR_BATCH=0`` turns it off (then the per-pair path runs)."""
    if not _align.HAVE_JIT or os.environ.get("CXRGEN_METEOR_BATCH", "1") == "0":
        return False
    return n_pairs >= BATCH_MIN_PAIRS or "cxrgen.metrics.meteor.batch_jit" in sys.modules


def _idle_core() -> bool:
    """Whether a second core looks free. When other programs keep every core busy, the forked
    half only competes with them and this process waits for it: measured on the 2-core dev
    machine under load 2.2, 3,858 pairs took 3.4 s with a fork against 2.6 s without.
    The 1-minute load average counts this (busy) process itself as about 1, plus bursts of
    whatever ran just before (the bench's Java METEOR), hence "below cores - 0.4" rather than
    "below cores - 1": on 2 cores a fork needs load < 1.6, i.e. other work under ~0.6 cores."""
    try:
        return os.getloadavg()[0] < (os.cpu_count() or 1) - 0.4
    except OSError:
        return False


def _can_fork() -> bool:
    # Forking a process that runs other threads (a data loader, torch's pools) can copy a lock
    # held by one of them into the child and deadlock it: fork only single-threaded processes.
    # (Python threads only; native pools such as BLAS's are not used by the child's work.)
    # Linux only: macOS system libraries are not fork-safe, Windows has no fork.
    return (sys.platform.startswith("linux") and (os.cpu_count() or 1) >= 2
            and threading.active_count() == 1)


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _forked_prepare(scorer: MeteorScorer, texts: set[str]) -> None:
    """:meth:`MeteorScorer.prepare` of ``texts``, half of them in a forked child that sends its
    per-sentence values back pickled (tens of milliseconds against hundreds to compute them).
    Whatever the child did not deliver is computed here, so the caches end up the same."""
    if len(texts) > scorer.matcher.cache_size:
        return
    ordered = sorted(texts)
    mine, theirs = ordered[: len(ordered) // 2], ordered[len(ordered) // 2 :]
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: prepare its half, send it, exit without the parent's clean-up
        code = 1
        try:
            os.close(read_fd)
            scorer.prepare(theirs)
            _write_all(write_fd, pickle.dumps(scorer.export_prepared(theirs), protocol=pickle.HIGHEST_PROTOCOL))
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    try:
        scorer.prepare(mine)
        data = _read_all(read_fd)
    finally:
        os.close(read_fd)
        _pid, status = os.waitpid(pid, 0)
    if status == 0 and data:
        scorer.import_prepared(pickle.loads(data))
    scorer.prepare(theirs)  # cache hits when the child delivered; the whole half otherwise


def _forked_rows(scorer: MeteorScorer, pairs: Sequence[tuple[str, tuple[str, ...]]]) -> np.ndarray:
    """Rows of ``pairs``: the second half in a forked child (which inherits the loaded resources
    and caches), the first half here. The child sends its rows back as raw float64 bytes through
    a pipe; if it fails for any reason, this process computes that half itself, so the result is
    always the same as :meth:`MeteorScorer._rows_of` on all pairs."""
    half = len(pairs) // 2
    first, second = pairs[:half], pairs[half:]
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: compute, send, exit without running the parent's clean-up handlers
        code = 1
        try:
            os.close(read_fd)
            data = np.ascontiguousarray(scorer._rows_of(second), dtype=np.float64).tobytes()
            view = memoryview(data)
            while view:
                view = view[os.write(write_fd, view):]
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    try:
        head = scorer._rows_of(first)
        chunks = []
        while True:
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        _pid, status = os.waitpid(pid, 0)
    data = b"".join(chunks)
    expected = len(second) * N_COLS * 8
    if status != 0 or len(data) != expected:
        tail = scorer._rows_of(second)  # the child failed: same rows, computed here
    else:
        tail = np.frombuffer(data, dtype=np.float64).reshape(len(second), N_COLS)
    return np.concatenate([head, tail])
