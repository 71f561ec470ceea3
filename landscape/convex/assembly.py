"""Conic forms of the convex programmes, assembled directly as sparse triplets
(docs/theory.md, section 3).

:func:`region_form` builds ``V(S)`` (and face programmes) for a solver of the form
``min x^T P x / 2 + q^T x  s.t.  b - A x in K`` with ``K`` a product of a zero cone, a
nonnegative orthant and second-order cones (Clarabel's standard form);
:func:`interpolation_form` builds the min-norm interpolation programme.  A form is pure
data (:class:`ConicForm`): solving it is a backend's job
(:mod:`landscape.convex.backends`).

Examples
--------
>>> from landscape.data import Dataset
>>> from landscape.convex.structure import ConeStructure
>>> st = ConeStructure(Dataset.from_arrays([[1, 0], [0, 1]], [1, 1]))
>>> form = region_form(st, 0.1, (6,))
>>> form.cones, form.k, form.p, form.A.shape
([('nonneg', 2), ('soc', 3)], 1, 2, (5, 3))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["ConicForm", "region_form", "interpolation_form", "csc"]


@dataclass(frozen=True)
class ConicForm:
    """``min x^T P x / 2 + q^T x  s.t.  b - A x in cones``.

    Attributes
    ----------
    P, A : scipy.sparse.csc_matrix
    q, b : np.ndarray
    cones : list of (str, int)
        ``("zero", m)``, ``("nonneg", m)`` or ``("soc", m)`` blocks, in row order.
    k, p : int
        The first ``k * p`` unknowns are the weights ``u_c`` (``k`` cones of dimension ``p``).
    constraint_rows : tuple of (int, int)
        For cone block ``i``, the ``(first row, count)`` of its rows ``G_c u_c >= 0`` (their
        duals are the candidate's cone multipliers).
    """

    P: sp.csc_matrix
    q: np.ndarray
    A: sp.csc_matrix
    b: np.ndarray
    cones: list
    k: int
    p: int
    constraint_rows: tuple


def csc(data, rows, cols, nr, nc) -> sp.csc_matrix:
    """CSC matrix from triplets without duplicates (sorted by column, then row), built
    directly from ``(data, indices, indptr)``: cheaper than scipy's COO conversion.

    >>> csc([1.0, 2.0], [1, 0], [0, 1], 2, 2).toarray().tolist()
    [[0.0, 2.0], [1.0, 0.0]]
    """
    order = np.lexsort((rows, cols))
    cols = np.asarray(cols, dtype=np.int64)[order]
    indptr = np.zeros(nc + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=nc), out=indptr[1:])
    return sp.csc_matrix((np.asarray(data, dtype=float)[order], np.asarray(rows, dtype=np.int64)[order], indptr),
                         shape=(nr, nc))


def _constraint_triplets(blocks, p, row):
    """Triplets of ``-G_i`` for each block ``G_i`` (on the unknowns ``u_i``), from ``row``."""
    R, C, V, spans = [], [], [], []
    for i, G in enumerate(blocks):
        m = len(G)
        spans.append((row, m))
        if m:
            R.append(np.repeat(np.arange(row, row + m), p))
            C.append(np.tile(np.arange(i * p, (i + 1) * p), m))
            V.append(-np.asarray(G).ravel())
            row += m
    return R, C, V, tuple(spans), row


def _soc_triplets(k, p, row, t0):
    """Triplets of the second-order cones ``|u_i| <= t_i`` (``t_i`` at unknown ``t0 + i``)."""
    base = row + (p + 1) * np.arange(k)
    R = [base, (base[:, None] + 1 + np.arange(p)[None, :]).ravel()]
    C = [t0 + np.arange(k), np.arange(k * p)]
    V = [-np.ones(k), -np.ones(k * p)]
    return R, C, V, row + k * (p + 1)


class _ConeColumns:
    """Per signed cone, its ``dim`` columns of the constraint matrix in CSC order, kept once
    per dataset (the data matrix, the cell's facet rows and the cone's block are the same in
    every programme): ``data``, local row ``index`` and its ``kind`` (0: a data row of
    ``A u - e = y``, 1: a facet row of the cone's block, 2: its second-order-cone row), and
    the number of entries of each column."""

    __slots__ = ("data", "index", "kind", "count", "nfacets")

    def __init__(self, st, c, with_data_rows):
        p = st.dim
        Ac = st.A(c)
        G = st.G(c)
        data, index, kind, count = [], [], [], []
        for j in range(p):
            ai = np.nonzero(Ac[:, j])[0] if with_data_rows else np.zeros(0, dtype=np.int64)
            gi = np.arange(len(G))  # every facet row, zeros included (as the triplets)
            data += [Ac[ai, j], -G[gi, j], [-1.0]]
            index += [ai, gi, [1 + j]]
            kind += [np.zeros(len(ai)), np.ones(len(gi)), [2]]
            count.append(len(ai) + len(gi) + 1)
        self.data = np.concatenate(data).astype(float)
        self.index = np.concatenate(index).astype(np.int64)
        self.kind = np.concatenate(kind).astype(np.int64)
        self.count = np.array(count, dtype=np.int64)
        self.nfacets = len(G)


def _cone_columns(st, c, with_data_rows):
    cache = st.form_cache
    key = ("columns", int(c), bool(with_data_rows))
    cols = cache.get(key)
    if cols is None:
        cols = cache[key] = _ConeColumns(st, c, with_data_rows)
    return cols


def _region_form_fast(st, lamf, cones, y):
    """:func:`region_form` without faces, from the cached per-cone columns
    (:class:`_ConeColumns`): the same matrices, assembled by concatenation."""
    k, p, n = len(cones), st.dim, st.n
    resid_form = k * p > 2 * n
    ne = n if resid_form else 0
    N = k * p + k + ne
    blocks = [_cone_columns(st, c, resid_form) for c in cones]
    nf = np.array([b.nfacets for b in blocks], dtype=np.int64)
    row0 = n if resid_form else 0
    g_off = row0 + np.concatenate([[0], np.cumsum(nf)[:-1]]) if k else np.zeros(0, dtype=np.int64)
    row_g = row0 + int(nf.sum())
    s_off = row_g + (p + 1) * np.arange(k)
    rows_total = row_g + k * (p + 1)
    lens = np.array([len(b.data) for b in blocks], dtype=np.int64)
    kind = np.concatenate([b.kind for b in blocks])
    offs = np.stack([np.zeros(k, dtype=np.int64), g_off, s_off], axis=1)  # per cone, per kind
    cone_of = np.repeat(np.arange(k), lens)
    rows_u = np.concatenate([b.index for b in blocks]) + offs[cone_of, kind]
    data_u = np.concatenate([b.data for b in blocks])
    # t columns (one -1 on the cone's first SOC row), then e columns (-1 on data row i)
    rows = np.concatenate([rows_u, s_off] + ([np.arange(n)] if resid_form else []))
    data = np.concatenate([data_u, -np.ones(k)] + ([-np.ones(n)] if resid_form else []))
    counts = np.concatenate([np.concatenate([b.count for b in blocks]), np.ones(k + ne, dtype=np.int64)])
    indptr = np.zeros(N + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    Acsc = sp.csc_matrix((data, rows, indptr), shape=(rows_total, N))
    if resid_form:  # P and q depend on k only (kept per k; treat them as read-only)
        cache = st.form_cache
        P, q = cache.get(("Pq", k, lamf), (None, None))
        if P is None:
            idx = np.arange(k * p + k, N)
            P = sp.csc_matrix((np.full(n, 2.0 / n), idx, np.concatenate(
                [np.zeros(k * p + k + 1, dtype=np.int64), np.arange(1, n + 1)])), shape=(N, N))
            q = np.concatenate([np.zeros(k * p), np.full(k, 2.0 * lamf), np.zeros(n)])
            q.setflags(write=False)
            P.data.setflags(write=False)
            cache[("Pq", k, lamf)] = P, q
        b = np.zeros(rows_total)
        b[:n] = y
    else:
        A = np.hstack([st.A(c) for c in cones])
        Q = np.triu((2.0 / n) * (A.T @ A))
        qi, qj = np.nonzero(Q)
        P = csc(Q[qi, qj], qi, qj, N, N)
        q = np.concatenate([-(2.0 / n) * (A.T @ y), np.full(k, 2.0 * lamf)])
        b = np.zeros(rows_total)
    nn = row_g - row0
    spec = ([("zero", n)] if resid_form else []) + ([("nonneg", nn)] if nn else []) + [("soc", p + 1)] * k
    spans = tuple((int(g), int(m)) for g, m in zip(g_off, nf))
    return ConicForm(P, q, Acsc, b, spec, k, p, spans)


def region_form(st, lamf, cones, faces=None, y=None) -> ConicForm:
    """The conic form of ``V(S)`` for ``S = cones`` (a face programme with ``faces``) and
    labels ``y`` (default the data's).

    Unknowns ``(u, t)`` with objective ``(1/n)|A u - y|^2 + 2 lam sum t`` (dense ``A^T A``,
    the constant ``|y|^2 / n`` dropped) for small programmes; with more unknowns than
    twice the samples the residual ``e = A u - y`` is an unknown too, so that the
    quadratic term stays diagonal.  A face cone (``faces[c] = (c2, h, p)``) gets one more
    nonnegative row, ``-g_h . u >= 0``, next to ``g_h . u >= 0``.  Without faces the
    constraint matrix is concatenated from columns kept per cone (:class:`_ConeColumns`).
    """
    faces = faces or {}
    y = st.y if y is None else y
    if not faces and len(cones):
        return _region_form_fast(st, lamf, cones, y)
    return _region_form_triplets(st, lamf, cones, faces, y)


def _region_form_triplets(st, lamf, cones, faces, y) -> ConicForm:
    """:func:`region_form` from sparse triplets (face programmes; the reference the cached
    columns are tested against)."""
    k, p, n = len(cones), st.dim, st.n
    A = np.hstack([st.A(c) for c in cones])
    resid_form = k * p > 2 * n
    ne = n if resid_form else 0
    N = k * p + k + ne
    if resid_form:
        idx = np.arange(k * p + k, N)
        P = csc(np.full(n, 2.0 / n), idx, idx, N, N)
        q = np.concatenate([np.zeros(k * p), np.full(k, 2.0 * lamf), np.zeros(n)])
    else:
        Q = np.triu((2.0 / n) * (A.T @ A))
        qi, qj = np.nonzero(Q)
        P = csc(Q[qi, qj], qi, qj, N, N)
        q = np.concatenate([-(2.0 / n) * (A.T @ y), np.full(k, 2.0 * lamf)])
    R, C, V = [], [], []
    row = 0
    if resid_form:  # A u - e = y  (zero cone)
        ai, aj = np.nonzero(A)
        R += [ai, np.arange(n)]
        C += [aj, np.arange(k * p + k, N)]
        V += [A[ai, aj], -np.ones(n)]
        row = n
    r2, c2, v2, spans, row_g = _constraint_triplets([st.G_face(c, faces.get(c)) for c in cones], p, row)
    r3, c3, v3, rows_total = _soc_triplets(k, p, row_g, k * p)
    Acsc = csc(np.concatenate(V + v2 + v3), np.concatenate(R + r2 + r3), np.concatenate(C + c2 + c3),
               rows_total, N)
    b = np.zeros(rows_total)
    if resid_form:
        b[:n] = y
    nn = row_g - row
    spec = ([("zero", n)] if resid_form else []) + ([("nonneg", nn)] if nn else []) + [("soc", p + 1)] * k
    return ConicForm(P, q, Acsc, b, spec, k, p, spans)


def interpolation_form(st, cones) -> ConicForm:
    """The conic form of ``min sum_c |u_c|`` s.t. ``sum_c s_c D_c X u_c = y`` and
    ``G_c u_c >= 0``: unknowns ``(u, t)``, the ``n`` fit equations first (their duals are
    the dual point ``-r``)."""
    k, p, n = len(cones), st.dim, st.n
    N = k * p + k
    A = np.hstack([st.A(c) for c in cones])
    ai, aj = np.nonzero(A)
    r2, c2, v2, spans, row_g = _constraint_triplets([st.G(c) for c in cones], p, n)
    r3, c3, v3, rows_total = _soc_triplets(k, p, row_g, k * p)
    Acsc = csc(np.concatenate([A[ai, aj]] + v2 + v3), np.concatenate([ai] + r2 + r3),
               np.concatenate([aj] + c2 + c3), rows_total, N)
    b = np.zeros(rows_total)
    b[:n] = st.y
    q = np.concatenate([np.zeros(k * p), np.ones(k)])
    nn = row_g - n
    spec = [("zero", n)] + ([("nonneg", nn)] if nn else []) + [("soc", p + 1)] * k
    return ConicForm(sp.csc_matrix((N, N)), q, Acsc, b, spec, k, p, spans)
