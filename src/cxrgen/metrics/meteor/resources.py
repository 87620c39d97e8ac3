"""METEOR 1.5's language resources, as a compact cached index loaded in milliseconds.

What METEOR 1.5 (``meteor-1.5.jar``, Denkowski & Lavie 2014) uses for ``-l en``:

* ``function/english.words`` (in the jar): the function-word list behind the content/function
  weighting ``delta``;
* ``synonym/english.synsets`` and ``synonym/english.exceptions`` (in the jar): WordNet 3.0
  synsets of each word form and WordNet's irregular-form exceptions (``english.relations`` is read
  by the jar but used by no matcher, so it is not indexed);
* ``data/paraphrase-en.gz`` (beside the jar): the paraphrase table, 5.27 M entries of
  ``probability / phrase / paraphrase`` line triples;
* the Snowball English stemmer (compiled into the jar; here the ``snowballstemmer`` package).

None of these are shipped with cxrgen: METEOR is LGPL-2.1 and the synonym data is WordNet 3.0
(Princeton's WordNet licence, which asks that its copyright notice travel with copies), and the
paraphrase table alone is 62 MB. Instead :func:`build_index` reads them once, with no Java, from
pycocoevalcap's installed copy (``pip install pycocoevalcap``; its wheel ships ``meteor-1.5.jar``
and ``data/paraphrase-en.gz``) or from a folder named by ``CXRGEN_METEOR_DIR`` or given explicitly,
and writes numpy arrays into the user's cache (``$CXRGEN_CACHE`` or ``$XDG_CACHE_HOME/cxrgen`` or
``~/.cache/cxrgen``, sub-folder ``meteor-1.5/``). The index stays under the user's cache, never in
the repository, and keeps the licences' notices beside it (``COPYING.WORDNET``).

The paraphrase index holds no strings: a word is a 64-bit BLAKE2b hash of its UTF-8 text and a
phrase is a polynomial hash of its word hashes (:func:`phrase_hashes`), so that matching an n-gram
of a report is one ``searchsorted`` over memory-mapped arrays. METEOR itself compares words by
Java's 32-bit ``String.hashCode``; a 64-bit hash makes an accidental equality far rarer than there.

Build: ``python -m cxrgen.metrics.meteor.build [--meteor-dir DIR]`` (about a minute), or
automatically on the first use of the METEOR metric when pycocoevalcap is installed.
"""

from __future__ import annotations

import gzip
from array import array
import hashlib
import io
import json
import os
import sys
import time
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from cxrgen.errors import ConfigError

#: bump when the layout of the cached arrays changes
INDEX_FORMAT = 1
JAR_NAME = "meteor-1.5.jar"
PARAPHRASE_NAME = "paraphrase-en.gz"

# Polynomial phrase hash: h(w1..wn) = ((SEED * MULT + w1) * MULT + w2) ... mod 2**64, over the
# 64-bit word hashes. MULT is an odd constant (the 64-bit golden ratio), so the map is a bijection
# in each word.
_SEED = np.uint64(0x243F6A8885A308D3)
_MULT = np.uint64(0x9E3779B97F4A7C15)

HOW_TO_GET = (
    "METEOR needs the resources of METEOR 1.5 (meteor-1.5.jar and paraphrase-en.gz). Install "
    "pycocoevalcap, whose wheel ships them (`pip install pycocoevalcap`; Java is NOT needed), or "
    "set CXRGEN_METEOR_DIR to a folder holding meteor-1.5.jar and data/paraphrase-en.gz, then run "
    "`python -m cxrgen.metrics.meteor.build` once (it caches a compact index)."
)


def cache_dir() -> Path:
    """Folder of the cached index: ``$CXRGEN_CACHE/meteor-1.5`` or the XDG cache equivalent."""
    root = os.environ.get("CXRGEN_CACHE")
    if root:
        base = Path(root)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "cxrgen"
    return base / "meteor-1.5"


def word_hash(word: str) -> int:
    """Stable 64-bit hash of a word (BLAKE2b of its UTF-8 bytes), as an unsigned int."""
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def phrase_hashes(word_hashes: np.ndarray, max_len: int) -> np.ndarray:
    """Hashes of every n-gram of a sentence: ``out[n - 1, i]`` is the hash of words ``i..i+n-1``.

    ``word_hashes`` is a uint64 array of length ``m``; entries with ``i + n > m`` are 0 (no
    phrase hashes to 0 except with probability 2**-64).
    """
    m = len(word_hashes)
    out = np.zeros((max_len, m), dtype=np.uint64)
    h = np.full(m, _SEED, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for n in range(1, max_len + 1):
            valid = m - n + 1
            if valid <= 0:
                break
            h = h[:valid] * _MULT + word_hashes[n - 1 : n - 1 + valid]
            out[n - 1, :valid] = h
    return out


def find_sources(meteor_dir: str | os.PathLike | None = None) -> tuple[Path, Path]:
    """Locate ``meteor-1.5.jar`` and ``paraphrase-en.gz``: given folder, ``CXRGEN_METEOR_DIR``,
    then the installed pycocoevalcap package. Raises ConfigError saying how to get them."""
    candidates: list[Path] = []
    if meteor_dir is not None:
        candidates.append(Path(meteor_dir))
    env = os.environ.get("CXRGEN_METEOR_DIR")
    if env:
        candidates.append(Path(env))
    try:
        import importlib.util

        spec = importlib.util.find_spec("pycocoevalcap")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            candidates.append(Path(loc) / "meteor")
    tried = []
    for folder in candidates:
        jar = folder / JAR_NAME
        para = folder / "data" / PARAPHRASE_NAME
        if not para.is_file():
            para = folder / PARAPHRASE_NAME
        tried.append(str(folder))
        if jar.is_file() and para.is_file():
            return jar, para
    where = "; looked in: " + ", ".join(tried) if tried else ""
    raise ConfigError(HOW_TO_GET + where)


# --------------------------------------------------------------------------------------------
# Building the index
# --------------------------------------------------------------------------------------------


def _read_jar_text(jar: zipfile.ZipFile, name: str, encoding: str = "utf-8") -> str:
    return jar.read(name).decode(encoding)


def _build_synonyms(jar: zipfile.ZipFile, out: Path) -> None:
    # english.synsets: pairs of lines "word" / "synset ids separated by spaces". The jar reads this
    # file with the platform charset; every entry is ASCII, so UTF-8 reads it the same.
    lines = _read_jar_text(jar, "synonym/english.synsets").split("\n")
    words: list[str] = []
    offsets = [0]
    ids: list[int] = []
    for k in range(0, len(lines) - 1, 2):
        word = lines[k].rstrip("\r")
        words.append(word)
        ids.extend(int(t) for t in lines[k + 1].split())
        offsets.append(len(ids))
    # A later duplicate of a word replaces the earlier one (Hashtable.put); keep the last.
    (out / "syn_words.txt").write_text("\n".join(words), encoding="utf-8")
    np.save(out / "syn_offsets.npy", np.asarray(offsets, dtype=np.int64))
    np.save(out / "syn_ids.npy", np.asarray(ids, dtype=np.int32))
    # english.exceptions: pairs of lines "base form" / "irregular forms"; a form maps to every
    # base listed for it, in file order (read as UTF-8 by the jar).
    exc_lines = _read_jar_text(jar, "synonym/english.exceptions").split("\n")
    bases: dict[str, list[str]] = {}
    for k in range(0, len(exc_lines) - 1, 2):
        base = exc_lines[k].rstrip("\r")
        for form in exc_lines[k + 1].split():
            bases.setdefault(form, []).append(base)
    (out / "syn_exceptions.json").write_text(json.dumps(bases), encoding="utf-8")
    (out / "COPYING.WORDNET").write_bytes(jar.read("synonym/COPYING.WORDNET"))


def _build_function_words(jar: zipfile.ZipFile, out: Path) -> None:
    for lang in ("english", "french"):
        text = _read_jar_text(jar, f"function/{lang}.words")
        (out / f"function_{lang}.txt").write_text(text, encoding="utf-8")
    for lang in ("english", "french"):
        (out / f"nonbreaking_{lang}.txt").write_text(
            _read_jar_text(jar, f"nonbreaking/{lang}.prefixes"), encoding="utf-8"
        )


def _build_paraphrases(para_path: Path, out: Path, log) -> dict:
    # File: triples of lines "probability" / "phrase" / "paraphrase", tokens split on whitespace
    # (java.util.StringTokenizer). METEOR stores each phrase in a trie of the *first* phrase and
    # emits the paraphrase indices in file order; the matcher uses the table in both directions.
    vocab: dict[str, int] = {}
    src_tok = array("i")  # flat token ids of the first phrases
    src_len = array("i")
    tgt_tok = array("i")
    tgt_len = array("i")
    t0 = time.time()
    with gzip.open(para_path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline=None)
        vget = vocab.setdefault
        while True:
            prob = text.readline()
            if not prob:
                break
            p1 = text.readline().split()
            p2 = text.readline().split()
            src_len.append(len(p1))
            tgt_len.append(len(p2))
            src_tok.extend(vget(w, len(vocab)) for w in p1)
            tgt_tok.extend(vget(w, len(vocab)) for w in p2)
            if len(src_len) % 1_000_000 == 0:
                log(f"  paraphrase table: {len(src_len):,} entries read ({time.time() - t0:.0f} s)")
    words = list(vocab)
    del vocab
    whash = np.fromiter((word_hash(w) for w in words), dtype=np.uint64, count=len(words))
    del words

    def hash_phrases(tok_list, len_list):
        lens = np.frombuffer(len_list, dtype=np.int32).astype(np.int64)
        toks = whash[np.frombuffer(tok_list, dtype=np.int32)]
        starts = np.zeros(len(lens), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        h = np.full(len(lens), _SEED, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for k in range(int(lens.max()) if len(lens) else 0):
                sel = lens > k
                h[sel] = h[sel] * _MULT + toks[starts[sel] + k]
        return h, lens

    src_hash, src_lens = hash_phrases(src_tok, src_len)
    del src_tok
    tgt_hash, tgt_lens = hash_phrases(tgt_tok, tgt_len)
    del tgt_tok
    # Empty phrases cannot be reached by METEOR's trie walk (it consumes one word per step) and an
    # empty paraphrase would match everywhere with length 0: keep only non-empty pairs.
    keep = (src_lens > 0) & (tgt_lens > 0)
    src_hash, src_lens, tgt_hash, tgt_lens = src_hash[keep], src_lens[keep], tgt_hash[keep], tgt_lens[keep]
    order = np.argsort(src_hash, kind="stable")  # stable: file order kept within one phrase
    src_sorted = src_hash[order]
    uniq, first = np.unique(src_sorted, return_index=True)
    offsets = np.append(first, len(src_sorted)).astype(np.int64)
    np.save(out / "para_src_hash.npy", uniq)
    np.save(out / "para_src_offsets.npy", offsets)
    np.save(out / "para_tgt_hash.npy", tgt_hash[order])
    np.save(out / "para_tgt_len.npy", tgt_lens[order].astype(np.uint8))
    return {
        "paraphrase_entries": int(len(src_lens)),
        "paraphrase_sources": int(len(uniq)),
        "paraphrase_max_src_len": int(src_lens.max()),
        "paraphrase_max_tgt_len": int(tgt_lens.max()),
    }


def build_index(meteor_dir: str | os.PathLike | None = None, out_dir: Path | None = None,
                verbose: bool = True) -> Path:
    """Read METEOR 1.5's resources (no Java) and write the cached index; returns its folder."""
    jar_path, para_path = find_sources(meteor_dir)
    out = Path(out_dir) if out_dir is not None else cache_dir()
    tmp = out.with_name(out.name + f".tmp{os.getpid()}")
    tmp.mkdir(parents=True, exist_ok=True)

    def log(msg: str) -> None:
        if verbose:
            print(msg, file=sys.stderr, flush=True)

    log(f"cxrgen METEOR: building the resource index from {jar_path} and {para_path} into {out}")
    t0 = time.time()
    with zipfile.ZipFile(jar_path) as jar:
        _build_synonyms(jar, tmp)
        _build_function_words(jar, tmp)
    meta = _build_paraphrases(para_path, tmp, log)
    meta.update(
        {
            "format": INDEX_FORMAT,
            "jar": str(jar_path),
            "jar_size": jar_path.stat().st_size,
            "paraphrase": str(para_path),
            "paraphrase_size": para_path.stat().st_size,
            "build_seconds": round(time.time() - t0, 1),
        }
    )
    (tmp / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    if out.exists():
        for f in out.iterdir():
            f.unlink()
        out.rmdir()
    tmp.rename(out)
    log(f"cxrgen METEOR: index built in {meta['build_seconds']} s")
    return out


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


@dataclass
class MeteorResources:
    """Loaded resources of one language; arrays are memory-mapped, look-ups cached per word."""

    function_words: frozenset[str]
    nonbreaking: dict[str, int]  # prefix -> 1 (any) or 2 (numeric only), Moses lists
    syn_index: dict[str, int] | None
    syn_offsets: np.ndarray | None
    syn_ids: np.ndarray | None
    syn_exceptions: dict[str, list[str]] | None
    para_src_hash: np.ndarray | None
    para_src_offsets: np.ndarray | None
    para_tgt_hash: np.ndarray | None
    para_tgt_len: np.ndarray | None
    para_max_src_len: int
    meta: dict


def _parse_nonbreaking(text: str) -> dict[str, int]:
    table: dict[str, int] = {}
    for line in text.split("\n"):
        toks = line.split()
        if not toks or toks[0].startswith("#"):
            continue
        table[toks[0]] = 2 if len(toks) > 1 and toks[1] == "#NUMERIC_ONLY#" else 1
    return table


def _index_ready(folder: Path) -> bool:
    meta = folder / "meta.json"
    if not meta.is_file():
        return False
    try:
        return json.loads(meta.read_text(encoding="utf-8")).get("format") == INDEX_FORMAT
    except (OSError, ValueError):
        return False


def resources_available() -> tuple[bool, str]:
    """Whether METEOR can run here: the index is cached or its sources can be found (then the
    first use builds the index). Returns ``(ok, reason)``, the reason saying how to fix it."""
    if _index_ready(cache_dir()):
        return True, f"index in {cache_dir()}"
    try:
        jar, para = find_sources()
    except ConfigError as exc:
        return False, str(exc)
    return True, f"index will be built from {jar.parent}"


@lru_cache(maxsize=4)
def load_resources(lang: str = "en", auto_build: bool = True) -> MeteorResources:
    """The resources of ``lang`` ("en": all four stages; "fr": function words only — the French
    METEOR here is exact + stem). Builds the cache on first use when the sources are found."""
    folder = cache_dir()
    if not _index_ready(folder):
        if not auto_build:
            raise ConfigError(f"no METEOR index in {folder}. " + HOW_TO_GET)
        build_index(out_dir=folder)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    name = {"en": "english", "fr": "french"}[lang]
    function_words = frozenset(
        w for w in (folder / f"function_{name}.txt").read_text(encoding="utf-8").split("\n")
    )
    nonbreaking = _parse_nonbreaking((folder / f"nonbreaking_{name}.txt").read_text(encoding="utf-8"))
    if lang != "en":
        return MeteorResources(function_words, nonbreaking, None, None, None, None, None, None,
                               None, None, 0, meta)
    words = (folder / "syn_words.txt").read_text(encoding="utf-8").split("\n")
    syn_index = dict(zip(words, range(len(words))))
    def arr(name: str) -> np.ndarray:
        # memory-mapped (pages read on demand), as a plain ndarray (no np.memmap overhead)
        return np.asarray(np.load(folder / name, mmap_mode="r"))

    return MeteorResources(
        function_words=function_words,
        nonbreaking=nonbreaking,
        syn_index=syn_index,
        syn_offsets=arr("syn_offsets.npy"),
        syn_ids=arr("syn_ids.npy"),
        syn_exceptions=json.loads((folder / "syn_exceptions.json").read_text(encoding="utf-8")),
        para_src_hash=arr("para_src_hash.npy"),
        para_src_offsets=arr("para_src_offsets.npy"),
        para_tgt_hash=arr("para_tgt_hash.npy"),
        para_tgt_len=arr("para_tgt_len.npy"),
        # n-grams are hashed up to the longest phrase on either side of the table
        para_max_src_len=max(int(meta["paraphrase_max_src_len"]), int(meta["paraphrase_max_tgt_len"])),
        meta=meta,
    )
