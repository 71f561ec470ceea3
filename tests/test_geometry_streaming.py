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


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), big=st.booleans(), on=st.integers(0, 3))
def test_witness_check_agrees_with_exact_signs(seed, big, on):
    """_Rows.agrees (bit-packed float signs, one error bound per row, exact where unsure) is
    the exact statement 'sign(H w) is the packed sign vector, with no zero'."""
    rng = np.random.default_rng(seed)
    top = 2**60 if big else 5  # big entries: no exact float path, the error bound is used
    nc, r = int(rng.integers(1, 70)), 3
    H = [tuple(int(v) for v in rng.integers(-top, top, size=r)) for _ in range(nc)]
    H = [h if any(h) else (1, 0, 0) for h in H]
    rows = A._Rows(H)
    W = [list(map(int, rng.integers(-2**20, 2**20, size=r))) for _ in range(12)]
    for k in range(min(on, len(W))):  # put some points on a hyperplane: w = h_a x h_b
        a, b = H[k % nc], H[(k + 1) % nc]
        W[k] = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    Wm = np.array(W, dtype=object)
    exact = np.array([[(s > 0) - (s < 0) for s in (sum(x * y for x, y in zip(h, w)) for h in H)] for w in W],
                     dtype=np.int8)
    words, bits = A._bit_words(nc)
    nw = (nc + 63) // 64
    random_keys = A._pack(rng.random((len(W), nc)) < 0.5, words, bits, nw)
    true_keys = A._pack(exact > 0, words, bits, nw)
    for keys in (true_keys, random_keys):
        want = np.all(exact == A._unpack_signs(keys, nc), axis=1)
        assert np.array_equal(rows.agrees(Wm, keys), want)
        if not big and all(abs(v) < 2**40 for w in W for v in w):
            assert np.array_equal(rows.agrees(np.array(W, dtype=np.int64), keys), want)


def test_pack_is_the_bit_layout_of_unpack():
    rng = np.random.default_rng(3)
    for nc in (1, 7, 63, 64, 65, 130):
        pos = rng.random((9, nc)) < 0.5
        words, bits = A._bit_words(nc)
        keys = A._pack(pos, words, bits, (nc + 63) // 64)
        assert np.array_equal(A._unpack_signs(keys, nc) > 0, pos)


def test_adjacent_pairs_with_hashed_classes_match_brute_force():
    """Over 63 classes the facet search hashes sign vectors; it must find exactly the pairs
    of cells whose sign vectors differ in one class."""
    arr = enumerate_cells(generate("gaussian", n=70, d=3, seed=5))
    S = arr.class_signs
    index = {row.tobytes(): k for k, row in enumerate(S)}
    expected = []
    for i in range(arr.count):
        for c in range(S.shape[1]):
            row = S[i].copy()
            row[c] = -row[c]
            j = index.get(row.tobytes())
            if j is not None and i < j:
                expected.append((i, j, c))
    assert [tuple(p) for p in arr.adjacent_pairs().tolist()] == sorted(expected, key=lambda p: (p[0], p[2]))
