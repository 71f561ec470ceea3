"""The streamed enumeration: incremental deduplication, hash collisions, the exact witness
fallback, chunked verification (landscape.geometry.arrangement internals)."""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import landscape.geometry.arrangement as A
from landscape.data import generate
from landscape.geometry.arrangement import enumerate_cells, zaslavsky_count


def _same(a, b):
    assert a.count == b.count
    assert np.array_equal(a.class_signs, b.class_signs)
    assert np.array_equal(np.asarray(a.witness_matrix, dtype=object), np.asarray(b.witness_matrix, dtype=object))


def _interior(arr, k, w):
    for x, p in zip(arr.rows_exact, arr.patterns[k]):
        v = sum((Fraction(a) * Fraction(b) for a, b in zip(x, w)), Fraction(0))
        if any(x):
            assert v != 0 and (v > 0) == bool(p)


@pytest.mark.parametrize("data", [generate("gaussian", n=70, d=3, seed=0),  # two key words
                                  generate("hypercube", d=3, bias=True),  # degenerate rays
                                  [list(v) for v in itertools.product([0, 1], repeat=4) if any(v)]])
def test_small_chunks_and_merges_give_the_same_cells(monkeypatch, data):
    """Tiny candidate chunks (many incremental merges) give the cells, order and witnesses
    of the default run."""
    ref = enumerate_cells(data)
    monkeypatch.setattr(A, "_CHUNK_ENTRIES", 64)
    monkeypatch.setattr(A._CellSet, "add", _add_merging_often)
    _same(enumerate_cells(data), ref)


def _add_merging_often(self, keys, vecs):
    k, s = A._dedup(keys, vecs)
    self.pending.append((k, s))
    self.pending_rows += len(k)
    if self.pending_rows > 3:
        self._merge()


def test_hash_collisions_fall_back_to_exact_keys(monkeypatch):
    """With every key hashed to one value, deduplication still separates distinct keys."""
    data = generate("gaussian", n=70, d=3, seed=2)
    ref = enumerate_cells(data)
    monkeypatch.setattr(A, "_key_hash", lambda keys: np.zeros(len(keys), dtype=np.uint64))
    _same(enumerate_cells(data), ref)


@settings(max_examples=25, deadline=None)
@given(keys=st.lists(st.lists(st.integers(0, 3), min_size=2, max_size=2), min_size=1, max_size=40))
def test_unique_keys_is_exact(keys):
    K = np.array(keys, dtype=np.uint64) << np.uint64(62)  # many equal low bits
    uniq, inverse = A._unique_keys(K)
    assert np.array_equal(uniq[inverse], K)
    assert len(uniq) == len({tuple(k) for k in keys})


@pytest.mark.parametrize("data", [generate("gaussian", n=9, d=3, seed=4), generate("hypercube", d=3, bias=True),
                                  [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 1, 1], [2, 2, 2]]])
def test_exact_witness_fallback_is_interior_for_every_cell(data):
    """The exact fallback (sum of the exact extreme rays, found again by a second pass over
    the candidates) gives an interior point of every cell."""
    arr = enumerate_cells(data)
    pivots = arr.pivots
    H = [tuple(h[j] for j in pivots) for h in arr.classes.normals]  # as enumerate_cells restricts them
    flip = [1 if next(v for v in h if v) > 0 else -1 for h in H]
    Hc = [tuple((v // math.gcd(*h)) * f for v in h) for h, f in zip(H, flip)]
    signs, _, rows = A._sign_vectors(Hc)
    assert np.array_equal(signs * np.array(flip, dtype=np.int8)[None, :], arr.class_signs)
    ws = A._exact_witnesses(rows, signs, np.arange(len(signs)))
    for k, wr in enumerate(ws):
        w = [0] * arr.dim
        for j, v in zip(pivots, wr):
            w[j] = v
        _interior(arr, k, w)


@settings(max_examples=20, deadline=None)
@given(rows=st.lists(st.lists(st.integers(-2, 2), min_size=3, max_size=3), min_size=1, max_size=9))
def test_streamed_counts_match_zaslavsky(rows):
    if not any(any(r) for r in rows):
        return
    assert enumerate_cells(rows).count == zaslavsky_count(rows)
