r"""Exact enumeration of the cells of a central hyperplane arrangement.

The activation pattern of a neuron ``w`` on data rows ``x_1..x_n`` is the 0/1 vector with
bit ``i`` equal to 1 iff ``x_i . w > 0``.  The patterns of full-dimensional regions are the
*cells* of the central arrangement ``{w : x_i . w = 0}`` (docs/theory.md, sections 1, 2 and 7).
:func:`enumerate_cells` lists every cell with an exact integer *witness* (an interior point),
checked in exact arithmetic, on any input: duplicate, parallel, antipodal and zero rows,
rank-deficient data and lines through which many hyperplanes pass.

Algorithm
---------
1. Rows are merged into *hyperplane classes*: each nonzero row is scaled to a primitive
   integer vector whose first nonzero entry is positive, remembering the sign that maps
   the row to its class.  Zero rows are always inactive.
2. The arrangement is made essential: if the classes span a subspace of rank ``r < dim``,
   the cells are those of the classes restricted to ``r`` pivot coordinates.
3. Every cell of an essential arrangement is a pointed cone, so it has an extreme ray, and
   every extreme ray is the line cut out by some ``r - 1`` classes.  For every
   ``(r-1)``-subset the ray ``v`` is the vector of signed maximal minors; the signs
   ``sign(h . v)`` of all classes are computed in vectorised floating point with a
   rigorous error bound, and every entry that the bound cannot decide is recomputed in
   exact integer arithmetic.  Near a ray met by exactly ``r - 1`` classes, all
   ``2^(r-1)`` local sign choices are cells; near a *degenerate* ray (more classes through
   the line) the local arrangement is enumerated recursively one dimension lower.
4. Candidates are deduplicated as packed bit strings, chunk by chunk: each chunk's
   distinct keys (hashed to 64 bits for a fast sort; keys sharing a hash are compared, so
   the result is exact) are merged into the set of cells found so far whenever they
   outnumber it, so memory stays a small multiple of the output.  A cell's witness is
   the sum of its unit extreme rays (a positive combination of all extreme rays is
   interior); it is rounded to a short integer vector and its strict signs are verified
   exactly.  Should that ever fail, an exact witness is built from the exact integer rays
   (found by a second pass over the candidates).

Adjacency needs no linear programme: two cells share a facet iff their class sign vectors
differ in exactly one class; the point where the segment between their witnesses crosses
that hyperplane lies in the relative interior of the shared facet.

References
----------
T. M. Cover, "Geometrical and statistical properties of systems of linear inequalities",
IEEE Trans. Electronic Computers, 1965.  T. Zaslavsky, "Facing up to arrangements",
Memoirs AMS 154, 1975.

Examples
--------
Cover's count for points in general position, ``2 * sum_{k<d} C(n-1, k)``:

>>> from math import comb
>>> from landscape.data import generate
>>> ds = generate("gaussian", n=7, d=3, seed=1)
>>> enumerate_cells(ds).count == 2 * sum(comb(6, k) for k in range(3))
True

Degenerate rows (duplicate, antipodal, zero) merge into classes; Zaslavsky's count:

>>> arr = enumerate_cells([[1, 0], [2, 0], [-1, 0], [0, 0], [0, 1], [1, 1]])
>>> arr.count, arr.count == zaslavsky_count(arr.rows_exact)
(6, True)
>>> arr.pattern_string(0), arr.witness(0)
('001000', (Fraction(-1, 1), Fraction(-1, 1)))

The antipodal row 2 is active exactly where rows 0 and 1 are not; the zero row never is.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import numpy as np

from ..errors import DEFAULT_MAX_CELLS, InputError, TooLargeError

__all__ = [
    "DEFAULT_MAX_CELLS",
    "Arrangement",
    "Facet",
    "HyperplaneClasses",
    "hyperplane_classes",
    "enumerate_cells",
    "cover_count",
    "cell_count_bound",
    "zaslavsky_count",
]

_U = 2.0**-53  # unit roundoff of IEEE double
_TINY = 2.0**-1000  # absolute slack covering underflow in the error bounds
_CHUNK_ENTRIES = 2**21  # subsets x classes processed per vectorised chunk


# ---------------------------------------------------------------------------
# Counting formulas
# ---------------------------------------------------------------------------


def cover_count(n: int, d: int) -> int:
    """Cover's (1965) number of cells of ``n`` central hyperplanes in general position in R^d.

    >>> cover_count(4, 3), cover_count(3, 5)
    (14, 8)
    """
    if n == 0:
        return 1
    return 2 * sum(math.comb(n - 1, k) for k in range(d))


def cell_count_bound(n_classes: int, rank: int) -> int:
    """Upper bound on the cells of ``n_classes`` distinct hyperplanes of rank ``rank``.

    General position maximises the count, so Cover's formula is an upper bound.
    """
    return cover_count(n_classes, rank)


def zaslavsky_count(rows) -> int:
    """Exact cell count of any central arrangement, by Whitney's formula and Zaslavsky.

    ``#cells = sum over subsets B of the distinct hyperplanes of (-1)^(|B| - rank B)``.
    Exponential in the number of distinct hyperplanes: meant for tests (<= ~16).

    >>> zaslavsky_count([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]])
    14
    >>> zaslavsky_count([[1, 0], [-2, 0], [0, 0]])  # one distinct hyperplane
    2
    """
    import flint

    normals = hyperplane_classes(rows).normals
    total = 0
    for size in range(len(normals) + 1):
        for subset in itertools.combinations(normals, size):
            rank = flint.fmpz_mat([list(h) for h in subset]).rank() if subset else 0
            total += (-1) ** ((size - rank) % 2)
    return total


# ---------------------------------------------------------------------------
# Hyperplane classes
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HyperplaneClasses:
    """Rows merged by hyperplane.

    Attributes
    ----------
    normals : tuple of tuple of int
        Primitive integer normal of each class, first nonzero entry positive.
    row_class : np.ndarray
        Class of each row, ``-1`` for a zero row.
    row_sign : np.ndarray
        ``+1`` if the row is a positive multiple of its class normal, ``-1`` if negative,
        ``0`` for a zero row.
    """

    normals: tuple
    row_class: np.ndarray
    row_sign: np.ndarray


def _primitive(row):
    """Primitive integer vector positively proportional to a rational row (or None)."""
    den = 1
    for q in row:
        den = den * q.denominator // math.gcd(den, q.denominator)
    ints = [int(q * den) for q in row]
    g = 0
    for v in ints:
        g = math.gcd(g, v)
    if g == 0:
        return None
    return tuple(v // g for v in ints)


def hyperplane_classes(rows) -> HyperplaneClasses:
    """Merge rows into hyperplane classes (exact).

    >>> c = hyperplane_classes([[2, 4], [-1, -2], [0, 0], [0, 3]])
    >>> c.normals, c.row_class.tolist(), c.row_sign.tolist()
    (((1, 2), (0, 1)), [0, 0, -1, 1], [1, -1, 0, 1])
    """
    rows = [tuple(Fraction(v) for v in r) for r in rows]
    index = {}
    normals = []
    row_class = np.full(len(rows), -1, dtype=np.int64)
    row_sign = np.zeros(len(rows), dtype=np.int8)
    for i, r in enumerate(rows):
        p = _primitive(r)
        if p is None:
            continue
        lead = next(v for v in p if v != 0)
        s = 1 if lead > 0 else -1
        key = p if s > 0 else tuple(-v for v in p)
        if key not in index:
            index[key] = len(normals)
            normals.append(key)
        row_class[i] = index[key]
        row_sign[i] = s
    return HyperplaneClasses(tuple(normals), row_class, row_sign)


def _pivot_columns(normals):
    """Exact rank and pivot columns of an integer matrix (rows = normals)."""
    import flint

    if not normals:
        return []
    R, _den, rank = flint.fmpz_mat([list(h) for h in normals]).rref()
    pivots = []
    for i in range(rank):
        pivots.append(next(j for j in range(R.ncols()) if R[i, j] != 0))
    return pivots


# ---------------------------------------------------------------------------
# Exact sign computations with a floating-point filter
# ---------------------------------------------------------------------------


class _Rows:
    """Integer class normals in an essential coordinate system, with float views."""

    def __init__(self, H):
        self.H = [tuple(int(v) for v in h) for h in H]
        self.nc = len(self.H)
        self.r = len(self.H[0])
        mx = max(abs(v) for h in self.H for v in h)
        # When every intermediate value of the minor/determinant expansions is an integer
        # below 2^53, floating point is exact and no error bound is needed.
        self.max_abs = mx
        self.exact_float = math.factorial(self.r) * mx**self.r < 2**53
        if self.exact_float:
            self.F = np.array(self.H, dtype=float)
        else:
            self.F = np.array([[float(Fraction(v, max(abs(x) for x in h))) for v in h] for h in self.H])
        self.Fabs = np.abs(self.F)
        self.l1max = float(self.Fabs.sum(axis=1).max()) if self.nc else 0.0  # largest |h|_1

    def signs(self, W):
        """Exact signs of ``H @ w`` for the rows ``w`` of ``W`` (int64 or object array)."""
        step = max(1, _CHUNK_ENTRIES // max(self.nc, 1))
        if len(W) > step:
            return np.concatenate([self._signs(W[i:i + step]) for i in range(0, len(W), step)])
        return self._signs(W)

    def agrees(self, W, keys):
        """Exact test, for every row ``w`` of ``W``, that ``sign(H @ w)`` is the +-1 vector
        packed in the same row of ``keys`` (as :func:`_unpack_signs` reads it; no zeros).

        The float signs are compared bit-packed; only rows with an entry the error bound of
        :meth:`signs` cannot decide are recomputed (:meth:`_signs`, exact where unsure).
        """
        Wf = np.asarray(W, dtype=float)
        S = Wf @ self.F.T
        nb = (self.nc + 7) // 8
        got = np.packbits(S > 0, axis=1, bitorder="little")
        want = np.ascontiguousarray(keys, dtype="<u8").view(np.uint8).reshape(len(keys), -1)[:, :nb]
        ok = np.all(got == want, axis=1)
        np.abs(S, out=S)
        low = S.min(axis=1, initial=np.inf)
        if (self.exact_float and np.issubdtype(np.asarray(W).dtype, np.integer)
                and self.r * self.max_abs * float(np.max(np.abs(Wf), initial=0)) < 2**53):
            return ok & (low > 0)  # integer products and sums below 2^53: exact
        k = self.r + 3
        bound = ((k * _U / (1 - k * _U)) * self.l1max * (1 + 1e-12)) * np.max(np.abs(Wf), axis=1, initial=0) + _TINY
        unsure = np.flatnonzero(low <= bound)
        if unsure.size:
            ok[unsure] = np.all(self._signs(W[unsure]) == _unpack_signs(keys[unsure], self.nc), axis=1)
        return ok

    def _signs(self, W):
        # fl(w . h) is within gamma_k sum_k |w_k| |h_k| <= gamma_k max|w| |h|_1 of w . h (the
        # k = r + 3 covers rounding the inputs), so one bound per row w suffices
        Wf = np.asarray(W, dtype=float)
        S = Wf @ self.F.T
        out = np.sign(S).astype(np.int8)
        if (self.exact_float and np.issubdtype(np.asarray(W).dtype, np.integer)
                and self.r * self.max_abs * float(np.max(np.abs(Wf), initial=0)) < 2**53):
            return out  # integer products and sums below 2^53: exact
        k = self.r + 3
        bound = ((k * _U / (1 - k * _U)) * self.l1max * (1 + 1e-12)) * np.max(np.abs(Wf), axis=1, initial=0) + _TINY
        np.abs(S, out=S)
        unsure = np.nonzero(S <= bound[:, None])
        for p, c in zip(*unsure):
            w = [int(x) for x in W[p]]
            val = sum(a * b for a, b in zip(self.H[c], w))
            out[p, c] = (val > 0) - (val < 0)
        return out


def _leibniz_terms(size):
    perms = list(itertools.permutations(range(size)))
    signs = []
    for p in perms:
        inv = sum(1 for i in range(size) for j in range(i + 1, size) if p[i] > p[j])
        signs.append(-1.0 if inv % 2 else 1.0)
    return perms, signs


def _rays(rows: _Rows, subsets):
    """Signed maximal minors of each ``(r-1)``-subset: a vector spanning its common line.

    Returns the float rays ``V`` (M x r) and the sums of absolute values of the Leibniz
    terms ``A`` (M x r), from which rigorous error bounds follow.
    """
    r = rows.r
    B = rows.F[subsets]  # M x (r-1) x r
    M = B.shape[0]
    V = np.zeros((M, r))
    A = np.zeros((M, r))
    if r == 1:
        return np.ones((M, 1)), np.ones((M, 1))
    perms, psigns = _leibniz_terms(r - 1)
    for j in range(r):
        cols = [c for c in range(r) if c != j]
        sgn_j = -1.0 if (r - 1 + j) % 2 else 1.0
        for perm, ps in zip(perms, psigns):
            term = B[:, 0, cols[perm[0]]].copy()
            for k in range(1, r - 1):
                term *= B[:, k, cols[perm[k]]]
            V[:, j] += (ps * sgn_j) * term
            A[:, j] += np.abs(term)
    return V, A


def _exact_ray(rows: _Rows, subset):
    """Exact integer ray (signed maximal minors) of one subset, as Python ints."""
    import flint

    r = rows.r
    B = [rows.H[i] for i in subset]
    v = []
    for j in range(r):
        cols = [c for c in range(r) if c != j]
        minor = flint.fmpz_mat([[b[c] for c in cols] for b in B]).det() if r > 1 else 1
        v.append(int(minor) * (-1 if (r - 1 + j) % 2 else 1))
    return v


def _ray_signs(rows: _Rows, subsets):
    """Exact signs ``sign(h . v)`` for every class ``h`` and the ray ``v`` of every subset.

    Subsets whose rows are dependent (no ray) are flagged in the returned mask.
    """
    V, A = _rays(rows, subsets)
    S = V @ rows.F.T  # M x nc
    M = len(subsets)
    if not rows.exact_float:
        a = math.factorial(rows.r - 1) + 2 * rows.r
        k = a + rows.r + 3
        gamma = k * _U / (1 - k * _U) * (1 + 1e-12)
        # sum_k (A + |V|)_k |h_k| <= max_k (A + |V|)_k |h|_1: one bound per ray
        bound = (gamma * rows.l1max) * np.max(A + np.abs(V), axis=1) + _TINY
        vbound = (a * _U / (1 - a * _U)) * A * (1 + 1e-12) + _TINY
    members = np.zeros(S.shape, dtype=bool)
    np.put_along_axis(members, subsets, True, axis=1)
    out = np.sign(S).astype(np.int8)
    out[members] = 0
    if rows.exact_float:  # every value above is exact: zeros are true zeros
        valid = np.any(V != 0, axis=1)
        return out, V, valid
    unsure = (np.abs(S) <= bound[:, None]) & ~members
    valid = np.ones(M, dtype=bool)
    exact_rays = {}
    # A ray is certainly nonzero if some coordinate exceeds its error bound.
    maybe_zero = ~np.any(np.abs(V) > vbound, axis=1)
    for m in np.nonzero(maybe_zero | unsure.any(axis=1))[0]:
        v = _exact_ray(rows, subsets[m])
        exact_rays[m] = v
        if not any(v):
            valid[m] = False
            continue
        for c in np.nonzero(unsure[m])[0]:
            val = sum(a * b for a, b in zip(rows.H[c], v))
            out[m, c] = (val > 0) - (val < 0)
    V = V.copy()
    for m, v in exact_rays.items():  # use the exact direction where we have it
        if valid[m]:
            V[m] = np.array([float(x) for x in v]) / max(abs(float(x)) for x in v)
    return out, V, valid


# ---------------------------------------------------------------------------
# The enumeration proper
# ---------------------------------------------------------------------------


def _bit_words(nc):
    """Word index and uint64 bit of every class in a packed key of ceil(nc/64) words."""
    j = np.arange(nc)
    return j // 64, np.left_shift(np.uint64(1), (j % 64).astype(np.uint64))


def _pack(pos, words, bits, W):
    """Pack a boolean matrix (N x nc) into keys (N x W uint64): bit ``j % 64`` of word
    ``j // 64`` is column ``j`` (``words, bits`` of :func:`_bit_words` say the same)."""
    N, nc = pos.shape
    raw = np.zeros((N, 8 * W), dtype=np.uint8)
    if nc:
        raw[:, :(nc + 7) // 8] = np.packbits(pos, axis=1, bitorder="little")
    return raw.view("<u8").astype(np.uint64, copy=False)


_KEY_HASH = (np.random.default_rng(7).integers(1, 2**63, size=4096, dtype=np.int64).astype(np.uint64)
             | np.uint64(1))


def _key_hash(keys):
    """One uint64 per key row (a multiply-add hash; equal keys have equal hashes)."""
    W = keys.shape[1]
    if W == 1:
        return keys[:, 0]
    h = keys[:, 0] * _KEY_HASH[0]
    for w in range(1, W):
        h += (keys[:, w] ^ (keys[:, w] >> np.uint64(29))) * _KEY_HASH[w % len(_KEY_HASH)]
    return h ^ (h >> np.uint64(32))


def _unique_keys(keys):
    """``(distinct keys, inverse)`` of a (N x W) uint64 key matrix, exactly.

    One word is sorted as it is.  Longer keys are deduplicated by a 64-bit hash (a fast
    sort); the keys sharing a hash are then compared, and should two distinct keys collide
    the rows themselves are sorted.
    """
    if keys.shape[1] == 1:
        uniq, inverse = np.unique(keys[:, 0], return_inverse=True)
        return uniq[:, None], inverse.reshape(-1)
    uh, inverse = np.unique(_key_hash(keys), return_inverse=True)
    inverse = inverse.reshape(-1)
    rep = np.empty(len(uh), dtype=np.int64)
    rep[inverse] = np.arange(len(keys))
    uniq = keys[rep]
    step = 1 << 20  # rows compared at once (no full copy of the keys)
    if not all(np.array_equal(uniq[inverse[s:s + step]], keys[s:s + step])
               for s in range(0, len(keys), step)):  # a hash collision
        view = np.ascontiguousarray(keys).view(np.dtype((np.void, 8 * keys.shape[1]))).ravel()
        _, rep, inverse = np.unique(view, return_index=True, return_inverse=True)
        uniq, inverse = keys[rep], inverse.reshape(-1)
    return uniq, inverse


def _dedup(keys, vecs):
    """Distinct keys with the sums of their vectors (rows of ``vecs``)."""
    uniq, inverse = _unique_keys(keys)
    sums = np.empty((len(uniq), vecs.shape[1]))
    for j in range(vecs.shape[1]):
        sums[:, j] = np.bincount(inverse, weights=vecs[:, j], minlength=len(uniq))
    return uniq, sums


class _CellSet:
    """Distinct candidate keys, each with the sum of the unit rays that produced it.

    Candidates arrive in chunks; each chunk is deduplicated, and the distinct keys are
    merged into the set whenever the pending ones outnumber it, so memory stays a small
    multiple of the number of cells (docs/theory.md, section 7).
    """

    def __init__(self, W, r):
        self.keys = np.zeros((0, W), dtype=np.uint64)
        self.sums = np.zeros((0, r))
        self.pending = []
        self.pending_rows = 0

    def add(self, keys, vecs):
        k, s = _dedup(keys, vecs)
        self.pending.append((k, s))
        self.pending_rows += len(k)
        if self.pending_rows > max(len(self.keys), 1 << 18):
            self._merge()

    def _merge(self):
        if self.pending:
            keys = np.concatenate([self.keys] + [p[0] for p in self.pending])
            vecs = np.concatenate([self.sums] + [p[1] for p in self.pending])
            self.pending, self.pending_rows = [], 0
            self.keys = self.sums = None
            self.keys, self.sums = _dedup(keys, vecs)

    def result(self):
        """The distinct keys and their sums, in the canonical order of the keys.

        The order is that of the keys' bytes (little-endian words), i.e. of the uint64 for
        one word; it does not depend on the order in which candidates arrived.
        """
        self._merge()
        K, sums = self.keys, self.sums
        self.keys = self.sums = None
        if K.shape[1] == 1:
            order = np.argsort(K[:, 0], kind="stable")
        else:
            order = np.lexsort(tuple(K[:, w].byteswap() for w in range(K.shape[1] - 1, -1, -1)))
        K = K[order]
        return K, sums[order]


def _candidates(rows: _Rows):
    """Chunks of cell candidates: ``(keys, ray, dirs, subsets, eps)``.

    ``keys`` (N x W uint64) are packed sign vectors of candidate cells next to rays; the
    candidate ``k`` was produced by ray ``ray[k]`` of the chunk, the line of the classes
    ``subsets[ray[k]]`` with orientation ``eps[ray[k]]``, unit direction ``dirs[ray[k]]``.
    """
    nc, r = rows.nc, rows.r
    W = (nc + 63) // 64
    words, bits = _bit_words(nc)
    degenerate = {}
    chunk = max(1, _CHUNK_ENTRIES // max(nc, 1))
    combos = itertools.combinations(range(nc), r - 1)
    sigma = np.array(list(itertools.product([True, False], repeat=r - 1)), dtype=bool)  # 2^(r-1) x (r-1)
    n_local = len(sigma)
    while True:
        block = np.fromiter(itertools.chain.from_iterable(itertools.islice(combos, chunk)), dtype=np.int64)
        if block.size == 0:
            break
        subsets = block.reshape(-1, r - 1)
        signs, V, valid = _ray_signs(rows, subsets)
        n_zero = np.count_nonzero(signs == 0, axis=1)
        for m in np.nonzero(valid & (n_zero > r - 1))[0]:
            zkey = tuple(np.nonzero(signs[m] == 0)[0])
            degenerate.setdefault(zkey, (subsets[m].copy(), signs[m].copy(), V[m].copy()))
        idx = np.nonzero(valid & (n_zero == r - 1))[0]
        if idx.size == 0:
            continue
        sub = subsets[idx]
        M = len(idx)
        unit = V[idx] / np.linalg.norm(V[idx], axis=1, keepdims=True)
        # local bits: for every local sign choice, the key bits of the members set to +
        member_word, member_bit = words[sub], bits[sub]  # M x (r-1)
        local = np.zeros((M, n_local, W), dtype=np.uint64)
        clear = np.zeros((M, W), dtype=np.uint64)
        for k in range(r - 1):
            for w in range(W):
                at = member_word[:, k] == w
                clear[at, w] |= member_bit[at, k]
                local[at, :, w] |= np.where(sigma[None, :, k], member_bit[at, k][:, None], np.uint64(0))
        keys = []
        for eps in (1, -1):
            base = _pack((eps * signs[idx]) > 0, words, bits, W) & ~clear
            keys.append((base[:, None, :] | local).reshape(-1, W))
        ray = np.repeat(np.arange(2 * M), n_local)
        yield (np.concatenate(keys), ray, np.concatenate([unit, -unit]), np.concatenate([sub, sub]),
               np.repeat([1, -1], M))
    for zkey, (subset, sgn, v) in degenerate.items():
        local_signs = _local_sign_vectors([rows.H[c] for c in zkey])
        unit = v / np.linalg.norm(v)
        keys = []
        for eps in (1, -1):
            pos = np.repeat(((eps * sgn) > 0)[None, :], len(local_signs), axis=0)
            pos[:, list(zkey)] = local_signs > 0
            keys.append(_pack(pos, words, bits, W))
        L = len(local_signs)
        yield (np.concatenate(keys), np.repeat([0, 1], L), np.stack([unit, -unit]), np.stack([subset, subset]),
               np.array([1, -1]))


def _sign_keys(H):
    """Cells of the essential arrangement with integer normals ``H`` (rank = len(H[0])).

    Returns ``(keys, ray_sum, rows)``: the class sign vector of every cell packed as bits
    (P x ceil(nc/64) uint64, bit set for +; see :func:`_unpack_signs`), the float sum of the
    unit extreme rays of every cell (P x r), and the ``_Rows`` helper.  The packed keys
    take ``nc / 8`` bytes per cell, eight times fewer than the sign vectors.
    """
    rows = _Rows(H)
    nc, r = rows.nc, rows.r
    if r == 1:  # one class, h > 0 in R^1
        keys = np.array([[1], [0]], dtype=np.uint64)
        rows.keys = keys
        return keys, np.array([[1.0], [-1.0]]), rows
    W = (nc + 63) // 64
    cells = _CellSet(W, r)
    for keys, ray, dirs, _, _ in _candidates(rows):
        cells.add(keys, dirs[ray])
    keys, ray_sum = cells.result()
    del cells
    rows.keys = keys
    return keys, ray_sum, rows


def _sign_vectors(H, want_rays=True):
    """:func:`_sign_keys` with the +-1 class sign vectors unpacked (P x nc int8)."""
    keys, ray_sum, rows = _sign_keys(H)
    return _unpack_signs(keys, rows.nc), (ray_sum if want_rays else None), rows


class _PackedSigns:
    """The +-1 class sign vectors of packed keys, unpacked block by block when indexed."""

    def __init__(self, keys, nc):
        self.keys, self.nc = keys, nc

    def __len__(self):
        return len(self.keys)

    def __getitem__(self, index):
        block = self.keys[index]
        if block.ndim == 1:
            return _unpack_signs(block[None, :], self.nc)[0]
        return _unpack_signs(block, self.nc)


def _unpack_signs(keys, nc):
    """The +-1 sign vectors (P x nc int8) of packed keys."""
    signs = np.empty((len(keys), nc), dtype=np.int8)
    step = max(1, (1 << 22) // max(nc, 1))
    for s in range(0, len(keys), step):
        raw = np.ascontiguousarray(keys[s:s + step].astype("<u8")).view(np.uint8).reshape(-1, 8 * keys.shape[1])
        part = np.unpackbits(raw, axis=1, count=nc, bitorder="little").view(np.int8)
        part *= np.int8(2)
        part -= np.int8(1)
        signs[s:s + step] = part
    return signs


def _cell_rays(rows: _Rows, cells):
    """The extreme rays ``(subset, eps)`` of each cell in ``cells`` (indices into ``rows.keys``),
    found by running the candidate generation again (used only for the exact fallback)."""
    want = rows.keys[cells]
    hashes = _key_hash(want)
    found = {int(c): set() for c in cells}
    for keys, ray, _, subsets, eps in _candidates(rows):
        hit = np.flatnonzero(np.isin(_key_hash(keys), hashes))
        for k in hit:
            for t in np.flatnonzero(np.all(want == keys[k][None, :], axis=1)):
                found[int(cells[t])].add((tuple(int(i) for i in subsets[ray[k]]), int(eps[ray[k]])))
    return found


def _local_sign_vectors(Z):
    """Sign vectors of a (non-essential) sub-arrangement of distinct classes ``Z``."""
    return _local_sign_vectors_cached(tuple(tuple(h) for h in Z)).copy()


@functools.lru_cache(maxsize=65536)
def _local_sign_vectors_cached(Z):
    pivots = _pivot_columns(Z)
    restricted = []
    flip = []
    for h in Z:
        p = [h[j] for j in pivots]
        g = 0
        for v in p:
            g = math.gcd(g, v)
        p = [v // g for v in p]
        lead = next(v for v in p if v != 0)
        flip.append(1 if lead > 0 else -1)
        restricted.append(tuple(v if lead > 0 else -v for v in p))
    signs, _, _ = _sign_vectors(restricted, want_rays=False)
    return signs * np.array(flip, dtype=np.int8)[None, :]


def _integer_witnesses(rows: _Rows, signs, ray_sum):
    """Short integer witnesses, verified exactly; exact construction where rounding fails."""
    P, r = ray_sum.shape
    W = np.zeros((P, r), dtype=np.int64)
    step = max(1, _CHUNK_ENTRIES // max(rows.nc, 1))
    if isinstance(signs, _PackedSigns):
        keys = signs.keys
    else:
        keys = _pack(np.asarray(signs) > 0, *_bit_words(rows.nc), (rows.nc + 63) // 64)
    failed = []
    for s in range(0, P, step):
        unit = ray_sum[s:s + step] / np.max(np.abs(ray_sum[s:s + step]), axis=1, keepdims=True)
        todo = np.arange(len(unit))
        for bits in (4, 12, 24, 40):
            if todo.size == 0:
                break
            cand = np.rint(unit[todo] * 2.0**bits).astype(np.int64)
            cand //= np.maximum(np.gcd.reduce(cand, axis=1), 1)[:, None]
            ok = rows.agrees(cand, keys[s + todo])
            W[s + todo[ok]] = cand[ok]
            todo = todo[~ok]
        failed.extend((s + todo).tolist())
    if not failed:
        return W
    W = W.astype(object)
    for p, w in zip(failed, _exact_witnesses(rows, signs, np.array(failed, dtype=np.int64))):
        W[p] = w
    return W


def _exact_witnesses(rows: _Rows, signs, cells):
    """Exact integer witnesses of ``cells``: the primitive integer vector along the sum of the
    cell's exact extreme rays, each scaled to unit 1-norm (a positive combination of all
    extreme rays is interior); checked exactly."""
    rays = _cell_rays(rows, cells)
    out = []
    for p in cells.tolist():
        total = [Fraction(0)] * rows.r
        for subset, eps in sorted(rays[p]):
            v = _exact_ray(rows, subset)
            scale = sum(abs(x) for x in v)
            total = [t + Fraction(eps * x, scale) for t, x in zip(total, v)]
        den = math.lcm(*(q.denominator for q in total))
        ints = [int(q * den) for q in total]
        g = math.gcd(*ints)
        w = [x // g for x in ints]
        check = rows.signs(np.array([w], dtype=object))[0]
        if not np.array_equal(check, signs[p]):  # pragma: no cover - would be a bug
            raise RuntimeError("exact witness construction failed; please report this instance")
        out.append(w)
    return out


# ---------------------------------------------------------------------------
# Public types
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Facet:
    """A pair of cells sharing a facet, with a certificate point on it.

    Attributes
    ----------
    cells : tuple of int
        The two cells ``(i, j)``, ``i < j``.
    rows : tuple of int
        The data rows whose bits flip (all rows of the crossed hyperplane class).
    point : tuple of Fraction
        A point in the relative interior of the shared facet: where the segment between
        the two witnesses crosses the hyperplane.
    """

    cells: tuple
    rows: tuple
    point: tuple

    def to_json_obj(self):
        return {"cells": list(self.cells), "rows": list(self.rows), "point": [str(q) for q in self.point]}


class Arrangement:
    """The cells of the central arrangement of a dataset's rows, with exact witnesses.

    Use :func:`enumerate_cells` to build one.  Cells are numbered ``0..count-1`` in a
    deterministic order.
    """

    def __init__(self, rows_exact, classes, pivots, class_signs, witnesses, bias=False, sign_keys=None):
        self.rows_exact = rows_exact
        self.classes = classes
        self.pivots = pivots
        # the class sign vectors: P x nc +-1 int8, or packed as bits (sign_keys, P x
        # ceil(nc/64) uint64, see _unpack_signs; 8x smaller) and unpacked block by block
        self._signs = class_signs
        self._keys = sign_keys
        self._W = witnesses  # P x dim (int64 or object ints)
        self.bias = bias

    @property
    def class_signs(self) -> np.ndarray:
        """The class sign vectors (cells x classes, +-1 int8)."""
        if self._signs is None:
            self._signs = self.class_signs_of(0, self.count)
        return self._signs

    def class_signs_of(self, start, stop) -> np.ndarray:
        """The rows ``start:stop`` of :attr:`class_signs`, without building the whole matrix.

        >>> enumerate_cells([[1, 0], [0, 1]]).class_signs_of(0, 2).tolist()
        [[-1, -1], [1, -1]]
        """
        if self._signs is not None:
            return self._signs[start:stop]
        return _unpack_signs(self._keys[start:stop], len(self.classes.normals))

    # -- sizes -------------------------------------------------------------
    @property
    def n(self) -> int:
        return len(self.rows_exact)

    @property
    def dim(self) -> int:
        return len(self.rows_exact[0]) if self.rows_exact else 0

    @property
    def count(self) -> int:
        return len(self._W)

    @property
    def rank(self) -> int:
        return len(self.pivots)

    def __len__(self):
        return self.count

    def __repr__(self):
        return f"<Arrangement n={self.n} dim={self.dim} rank={self.rank} cells={self.count}>"

    # -- patterns and witnesses ----------------------------------------------
    @cached_property
    def patterns(self) -> np.ndarray:
        """Boolean matrix (cells x rows): bit ``i`` is 1 iff ``x_i . w > 0``."""
        return self.patterns_of(0, self.count)

    def patterns_of(self, start, stop) -> np.ndarray:
        """The rows ``start:stop`` of :attr:`patterns`, computed without caching the whole matrix.

        >>> enumerate_cells([[1, 0], [0, 1]]).patterns_of(1, 3).tolist()
        [[True, False], [False, True]]
        """
        if "patterns" in self.__dict__:
            return self.__dict__["patterns"][start:stop]
        rc, rs = self.classes.row_class, self.classes.row_sign
        S = self.class_signs_of(start, stop)
        P = np.zeros((len(S), self.n), dtype=bool)
        nz = rc >= 0
        if S.shape[1]:
            P[:, nz] = (S[:, rc[nz]] * rs[nz][None, :]) > 0
        return P

    def pattern_string(self, k) -> str:
        return "".join("1" if b else "0" for b in self.patterns[k])

    def witness(self, k) -> tuple:
        """Exact interior point of cell ``k`` (a tuple of Fractions with integer values)."""
        return tuple(Fraction(int(v)) for v in self._W[k])

    @cached_property
    def witnesses_float(self) -> np.ndarray:
        W = np.asarray(self._W, dtype=float)
        return W / np.linalg.norm(W, axis=1, keepdims=True)

    @property
    def witness_matrix(self) -> np.ndarray:
        """Integer witnesses (cells x dim), int64 when they fit, else Python ints."""
        return self._W

    # -- exact queries ---------------------------------------------------------
    def _class_sign_of(self, w):
        w = [Fraction(v) for v in w]
        if len(w) != self.dim:
            raise InputError(f"point has {len(w)} coordinates, expected {self.dim}")
        out = []
        for h in self.classes.normals:
            val = sum((a * b for a, b in zip(h, w)), Fraction(0))
            out.append((val > 0) - (val < 0))
        return np.array(out, dtype=np.int8)

    @cached_property
    def _lookup(self):
        return {row.tobytes(): k for k, row in enumerate(self.class_signs)}

    def locate(self, w):
        """Index of the cell whose open cell contains ``w`` (exact), or None on a hyperplane.

        >>> arr = enumerate_cells([[1, 0], [0, 1]])
        >>> arr.pattern_string(arr.locate([1, "1/2"])), arr.locate([1, 0]) is None
        ('11', True)
        """
        s = self._class_sign_of(w)
        if np.any(s == 0):
            return None
        return self._lookup.get(s.tobytes())

    def closed_cells(self, w):
        """Indices of the cells whose closure contains ``w`` (exact).

        >>> enumerate_cells([[1, 0], [0, 1]]).closed_cells([1, 0])
        [1, 3]
        >>> len(enumerate_cells([[1, 0], [0, 1]]).closed_cells([0, 0]))
        4
        """
        s = self._class_sign_of(w)
        fixed = s != 0
        match = np.all(self.class_signs[:, fixed] == s[fixed][None, :], axis=1)
        return np.nonzero(match)[0].tolist()

    # -- adjacency ---------------------------------------------------------------
    def adjacency(self) -> list:
        """Pairs of cells sharing a facet, each with the rows crossed and a facet point.

        >>> facets = enumerate_cells([[1, 0], [0, 1]]).adjacency()
        >>> len(facets), facets[0].rows
        (4, (0,))
        """
        pairs = self.adjacent_pairs()
        rows_of = [[] for _ in self.classes.normals]
        for i, c in enumerate(self.classes.row_class):
            if c >= 0:
                rows_of[c].append(i)
        out = []
        for i, j, c in pairs:
            out.append(Facet((int(i), int(j)), tuple(rows_of[c]), self._facet_point(i, j, c)))
        return out

    def adjacent_pairs(self) -> np.ndarray:
        """Array of ``(i, j, class)`` with ``i < j`` for every pair of adjacent cells."""
        S = self.class_signs
        P, nc = S.shape
        if nc == 0:
            return np.zeros((0, 3), dtype=np.int64)
        rng = np.random.default_rng(12345)
        R = rng.integers(0, 2**63 - 1, size=nc, dtype=np.int64).astype(np.uint64) if nc > 63 else \
            (np.uint64(1) << np.arange(nc, dtype=np.uint64))
        pos = S > 0
        h = np.bitwise_xor.reduce(np.where(pos, R[None, :], np.uint64(0)), axis=1)
        # Cells i, j share the facet on class c iff their sign vectors agree off c: the hash
        # with class c's term removed is then equal.  One sort per class finds those pairs.
        found = []
        clash = False
        for c in range(nc):
            hc = h ^ np.where(pos[:, c], R[c], np.uint64(0))
            order = np.argsort(hc)
            hs = hc[order]
            same = hs[1:] == hs[:-1]
            if same[1:].size and np.any(same[1:] & same[:-1]):  # three cells share a hash
                clash = True
                break
            at = np.flatnonzero(same)
            i, j = order[at], order[at + 1]
            found.append(np.stack([np.minimum(i, j), np.maximum(i, j), np.full(len(at), c)], axis=1))
        if not clash:
            pairs = np.concatenate(found).astype(np.int64) if found else np.zeros((0, 3), dtype=np.int64)
            ii, jj, cc = pairs.T
            # verify exactly: the two sign vectors differ in class cc only
            diff = np.count_nonzero(S[ii] != S[jj], axis=1)
            clash = not np.all((diff == 1) & (S[ii, cc] == -S[jj, cc]))
        if clash:  # a hash collision (possible with more than 63 classes): exact dictionary path
            found = []
            for i in range(P):
                for c in range(nc):
                    row = S[i].copy()
                    row[c] = -row[c]
                    j = self._lookup.get(row.tobytes())
                    if j is not None and i < j:
                        found.append((i, j, c))
            return np.array(found, dtype=np.int64).reshape(-1, 3)
        return pairs[np.lexsort((pairs[:, 2], pairs[:, 0]))]

    def _facet_point(self, i, j, c):
        h = self.classes.normals[c]
        wi = [int(v) for v in self._W[i]]
        wj = [int(v) for v in self._W[j]]
        a = sum(x * y for x, y in zip(h, wi))
        b = sum(x * y for x, y in zip(h, wj))
        q = [abs(a) * y + abs(b) * x for x, y in zip(wi, wj)]  # positive combination, h.q = 0
        g = math.gcd(*q) or 1  # q = 0 only when the facet is the whole hyperplane
        return tuple(Fraction(v // g) for v in q)

    # -- output --------------------------------------------------------------------
    def to_json_obj(self) -> dict:
        """The cells as a JSON-ready dict (see :mod:`landscape.geometry.cellfile` for files)."""
        import json

        from .cellfile import cells_json

        return json.loads(cells_json(self))


def enumerate_cells(data, max_cells=DEFAULT_MAX_CELLS) -> Arrangement:
    """Enumerate every cell of the central arrangement of the rows of ``data``.

    Parameters
    ----------
    data : Dataset or sequence of rows
        A :class:`~landscape.data.Dataset` (its ``bias`` flag appends a 1 to each row) or
        an n x dim matrix of numbers, Fractions or rational strings.
    max_cells : int
        Refuse (with :class:`~landscape.errors.TooLargeError`) when Cover's upper bound on
        the number of cells exceeds this.

    Returns
    -------
    Arrangement
        Patterns, exact witnesses, exact point location and adjacency.

    Examples
    --------
    With a bias the XOR square has 14 threshold functions of 2 inputs:

    >>> from landscape.data import generate
    >>> enumerate_cells(generate("hypercube", d=2, bias=True)).count
    14
    """
    from ..data import Dataset, parse_rational

    bias = False
    if isinstance(data, Dataset):
        rows = data.features_exact
        bias = data.bias
    else:
        if isinstance(data, np.ndarray) and data.ndim != 2:
            raise InputError(f"rows must form a 2-d matrix, got shape {data.shape}")
        rows = tuple(tuple(parse_rational(v, f"row {i}") for v in r) for i, r in enumerate(data))
        if not rows or not rows[0]:
            raise InputError("no rows to enumerate")
        if any(len(r) != len(rows[0]) for r in rows):
            raise InputError("rows are ragged")
    classes = hyperplane_classes(rows)
    dim = len(rows[0])
    pivots = _pivot_columns(classes.normals)
    estimate = cell_count_bound(len(classes.normals), len(pivots))
    if estimate > max_cells:
        raise TooLargeError(
            f"{len(classes.normals)} hyperplanes of rank {len(pivots)}: cell count", estimate, max_cells, "max_cells"
        )
    if not classes.normals:  # every row is zero: the whole space is one cell
        W = np.zeros((1, dim), dtype=np.int64)
        W[0, 0] = 1
        return Arrangement(rows, classes, [], np.zeros((1, 0), dtype=np.int8), W, bias)
    H = [tuple(h[j] for j in pivots) for h in classes.normals]
    # restricted rows stay pairwise non-parallel (the restriction is injective on the row
    # space) but their leading sign may change: re-canonicalise and remember the flip.
    flip = []
    Hc = []
    for h in H:
        g = math.gcd(*h)
        lead = next(v for v in h if v != 0)
        flip.append(1 if lead > 0 else -1)
        Hc.append(tuple((v // g) * flip[-1] for v in h))
    keys, ray_sum, rws = _sign_keys(Hc)
    Wr = _integer_witnesses(rws, _PackedSigns(keys, rws.nc), ray_sum)
    del ray_sum, rws
    # the flip of class c toggles its bit: the cells keep their order
    words, bits = _bit_words(len(flip))
    keys ^= _pack(np.array(flip)[None, :] < 0, words, bits, keys.shape[1])
    if len(pivots) == dim:
        W = Wr
    else:
        W = np.zeros((len(keys), dim), dtype=Wr.dtype)
        W[:, pivots] = Wr
    # Every witness was checked exactly against the restricted classes (_integer_witnesses);
    # the classes and their restriction differ by positive scalings and the sign flip
    # applied above, so that check is the exact check on the data's rows.  (load_cells
    # repeats the check on the full rows with _verify, for files.)
    return Arrangement(rows, classes, pivots, None, W, bias, sign_keys=keys)


def _verify(arr: Arrangement) -> None:
    """Exact check that every witness has the strict signs of its cell on every class."""
    if not arr.classes.normals:
        return
    rows = _Rows(arr.classes.normals)
    step = max(1, _CHUNK_ENTRIES // max(rows.nc, 1))
    for s in range(0, arr.count, step):
        got = rows.signs(arr._W[s:s + step])
        bad = np.flatnonzero(np.any(got != arr.class_signs_of(s, s + step), axis=1))
        if bad.size:  # pragma: no cover - would be a bug
            raise RuntimeError(f"witness of cell {s + int(bad[0])} failed exact verification; "
                               "please report this instance")
