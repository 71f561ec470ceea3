"""The dual separation oracle: ``max {b . u : u in closed cone c, |u| <= 1}`` for one cone,
for a batch of cones (float screening), and over all K cones exactly (docs/theory.md,
section 3).

The dual condition of cone ``c`` at a residual ``r`` is
``min_{mu >= 0} |s_c X^T D_c r + G_c^T mu| <= n lam``; any ``mu >= 0`` gives an upper bound
on the left side (weak duality).  Float values here screen cones; the exact checks
(:func:`exact_cone_norm`, :func:`all_cones_dual`) return exact squared norms of rounded
multipliers, which is what certificates use.  The threshold ``n lam`` is always an
argument, never state.

Examples
--------
>>> from fractions import Fraction
>>> from landscape.data import Dataset
>>> from landscape.convex.structure import ConeStructure
>>> st = ConeStructure(Dataset.from_arrays([[1, 0], [0, 1]], [1, 1]))
>>> b = np.array([1.0, -1.0])                        # leaves the all-active cell "11"
>>> round(cone_dual_value(st, 6, b)[0], 12)          # its best direction is u = (1, 0)
1.0
>>> [c for _, c in scan(st, np.array([1.0, 1.0]), 0.5)]   # violators of n lam = 1/2
[6, 4, 2]
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from scipy.optimize import nnls

from ..exact.arithmetic import to_grid
from ..exact.linalg import fq_mat, particular_solution
from ..geometry.cones import cone_cell, cone_sign

__all__ = ["cone_dual_value", "batch_dual", "scan", "exact_cone_norm", "exact_multiplier", "all_cones_dual",
           "dyadic_rows"]


def cone_dual_value(st, c, b, face=None):
    """``max {b . u : u in closed cone c, |u| <= 1}`` and the multipliers (NNLS).

    Returns ``(value, mu_rows, mu)`` where ``mu >= 0`` on ``mu_rows`` minimises
    ``|b + G_c^T mu|`` (value = that minimum).  With ``face = (c2, h, p)`` the set is the
    facet ``x_h . u = 0`` of the cone, and the multiplier of row ``h`` is free (``mu[h]``
    may be negative).
    """
    rows = st.facet_rows(cone_cell(c))
    if face is not None:
        h = face[1]
        mu, val = nnls(st.G_face(c, face).T, -b, maxiter=50 * max(len(rows) + 1, 10))
        mu = mu.copy()
        mu[int(np.nonzero(rows == h)[0][0])] -= mu[-1]
        return float(val), rows, mu[:-1]
    if len(rows) == 0:
        return float(np.linalg.norm(b)), rows, np.zeros(0)
    Gt = st.G(c, rows).T
    if np.all(Gt.T @ b >= 0):
        return float(np.linalg.norm(b)), rows, np.zeros(len(rows))
    mu, val = nnls(Gt, -b, maxiter=50 * max(len(rows), 10))
    return float(val), rows, mu


def batch_dual(st, cells, signs, B, target, iters=300):
    """Batched upper bounds on ``max {b . u : u in closed cone, |u| <= 1}``.

    For cone ``(cell, sign)`` with ``b = +-B[cell]``: cones with ``b`` inside the cell are
    exact (``|b|``); the others run accelerated projected gradient on
    ``min_{mu >= 0} |b + G^T mu|`` (any ``mu >= 0`` gives an upper bound), compiled
    (:func:`~landscape.convex.cone_projection.fista_bounds`).  A cone stops
    iterating once its bound is below ``target (1 - 1e-9)`` or a feasible direction proves
    its value above ``target``.  Returns ``(values, mu (m x f), exact)``.
    """
    Gpad, mask, _, L = st.facet_pad()
    cells = np.asarray(cells, dtype=np.int64)
    sg = np.where(np.asarray(signs) == 0, 1.0, -1.0)
    b = sg[:, None] * B[cells]
    G = Gpad[cells]
    msk = mask[cells]
    g = np.einsum("mfd,md->mf", G, b)
    inside = np.all((g >= 0) | ~msk, axis=1)
    mu = np.zeros(g.shape)
    vals = np.linalg.norm(b, axis=1)
    todo = np.nonzero(~inside & (vals > target * (1 - 1e-9)))[0]
    if len(todo) == 0:
        return vals, mu, inside
    from .cone_projection import fista_bounds  # compiled on first use (numba)

    Gt, bt = G[todo], b[todo, :, None]
    GT = np.ascontiguousarray(Gt.transpose(0, 2, 1))
    mt = fista_bounds(np.ascontiguousarray(Gt), np.ascontiguousarray(b[todo]), np.ascontiguousarray(L[cells[todo]]),
                      float(target), int(iters))
    mu[todo] = mt
    vals[todo] = np.linalg.norm((bt + GT @ mt[:, :, None])[:, :, 0], axis=1)
    return vals, mu, inside


def scan(st, r, nl, tol=1e-12, limit=None, iters=300):
    """Violations of ``max_{|w|<=1} s r^T relu(X w) <= nl`` over all K cones (float).

    Returns a list of ``(value, cone)`` with value > nl (1 + tol), largest first.  Cones
    are screened with :func:`batch_dual`; only those whose bound exceeds the threshold get
    an NNLS.  With ``limit``, refinement stops after ``limit`` violators (in the order of
    their upper bounds); ``iters`` caps the batched iterations.
    """
    thr = nl * (1 + tol)
    B = st.patterns.astype(float) @ (st.X * r[:, None])
    cells = np.nonzero(np.linalg.norm(B, axis=1) > thr)[0]
    if len(cells) == 0:
        return []
    cc = np.repeat(cells, 2)
    ss = np.tile(np.array([0, 1]), len(cells))
    vals, _, exact = batch_dual(st, cc, ss, B, nl, iters=iters)
    out = []
    for t in np.argsort(-vals, kind="stable").tolist():
        if vals[t] <= thr:
            break
        c = 2 * int(cc[t]) + int(ss[t])
        val = float(vals[t]) if exact[t] else cone_dual_value(st, c, B[cc[t]] if ss[t] == 0 else -B[cc[t]])[0]
        if val > thr:
            out.append((val, c))
            if limit is not None and len(out) >= limit:
                break
    out.sort(reverse=True)
    return out


def exact_multiplier(st, c, rn, rden, supp, free=None):
    """Exact ``min |b + G_B^T mu_B|^2`` over ``mu_B`` (normal equations) with ``b`` the
    cone vector at ``r = rn / rden``, if ``mu_B >= 0`` (the multiplier of row ``free`` may
    have either sign); returns ``(N, mu_full)`` or None."""
    D = st.patterns[cone_cell(c)]
    s = cone_sign(c)
    rows = st.arr.rows_exact
    r = [Fraction(v, rden) for v in rn]
    b = [s * sum((r[i] * rows[i][t] for i in range(st.n) if D[i]), Fraction(0)) for t in range(st.dim)]
    Gb = [[(1 if D[i] else -1) * v for v in rows[i]] for i in supp]
    M = fq_mat([[sum((p * q for p, q in zip(gi, gj)), Fraction(0)) for gj in Gb] for gi in Gb])
    rhs = [-sum((p * q for p, q in zip(gi, b)), Fraction(0)) for gi in Gb]
    sol = particular_solution(M, rhs)
    if sol is None or any(v < 0 for v, i in zip(sol, supp) if i != free):
        return None
    v = [b[t] + sum((sol[k] * Gb[k][t] for k in range(len(supp))), Fraction(0)) for t in range(st.dim)]
    mu_full = np.zeros(st.n)
    mu_full[supp] = [float(x) for x in sol]
    return sum((x * x for x in v), Fraction(0)), mu_full


def exact_cone_norm(st, c, b, rn, rden, nlam, face=None, refine=True):
    """Exact ``|s X^T D r + G^T mu|^2`` for a rationalised NNLS multiplier at the exact
    residual ``r = rn / rden`` (``b``: its float cone vector; ``mu >= 0``, free on the
    crossed row ``h`` of a face ``(c2, h, p)``).  ``refine``: if the rounded multiplier
    leaves the norm above ``nlam = n lam`` (a Fraction), try exact least squares on its
    support.  Returns ``(N, mu_full)``."""
    E = st.exact
    D, s = st.patterns[cone_cell(c)], cone_sign(c)
    nl2 = nlam * nlam
    if float(np.linalg.norm(b)) <= float(nlam) * (1 - 1e-7):  # slack cone: mu = 0 (checked exactly)
        N0 = E.cone_vector_sq(D, s, rn, rden)
        if N0 <= nl2:
            return N0, np.zeros(st.n)
    _, rows, mu = cone_dual_value(st, c, b, face)
    free = face[1] if face is not None else None
    mu_full = np.zeros(st.n)
    if not (len(rows) and np.any(mu != 0)):
        return E.cone_vector_sq(D, s, rn, rden), mu_full
    mu_full[rows] = mu
    mi, kmu = to_grid(mu_full)
    mi = [v if i == free else max(v, 0) for i, v in enumerate(mi)]
    N = E.cone_vector_sq(D, s, rn, rden, mi, kmu)
    if refine and N > nl2:  # tight cone: exact least squares on the NNLS support
        ex = exact_multiplier(st, c, rn, rden, [int(i) for i in rows[mu != 0]], free)
        if ex is not None and ex[0] < N:
            N, mu_full = ex
    return N, mu_full


def dyadic_rows(mu_rows):
    """Round float multipliers (one row per cone, n columns) to one dyadic grid ``2^-k``
    (relative ``2^-60`` to the largest): returns ``(Mi, k)`` with integer ``Mi``."""
    top = float(np.max(np.abs(mu_rows))) if mu_rows.size else 0.0
    k = 60 - math.frexp(top)[1] if top > 0 else 0
    return np.rint(np.ldexp(mu_rows, k)).astype(np.int64), k


def all_cones_dual(st, rn, rden, r, mus, nlam) -> Fraction:
    """Exact max over all K cones of the squared dual norm (with rounded multipliers).

    Cells whose unconstrained norm ``|X^T D r|`` is exactly ``<= nlam`` need no multiplier.
    For the others, multipliers from :func:`batch_dual` are rounded and every cone's norm
    ``|s X^T D r + G^T mu|^2`` is evaluated exactly in one integer matrix product (flint);
    cones still above ``nlam`` get an NNLS multiplier and, if needed, exact least squares
    (:func:`exact_cone_norm`).  The multipliers used are written into ``mus`` (cone -> float
    vector over the n rows).
    """
    import flint

    E = st.exact
    nl2 = nlam * nlam
    den = E.dx * rden
    den2 = den * den
    prods = [[int(v) for v in row] for row in E.cell_products(st.pattern_fmpz(), rn).tolist()]
    sq = [sum(v * v for v in row) for row in prods]
    lim = nl2 * den2
    hard = [cell for cell in range(st.P) if sq[cell] > lim]
    Nmax = Fraction(max((sq[cell] for cell in range(st.P) if sq[cell] <= lim), default=0), den2)
    if not hard:
        return Nmax
    Bfull = np.zeros((st.P, st.dim))
    Bfull[hard] = np.array([[v / den for v in prods[cell]] for cell in hard], dtype=float)
    cc = np.repeat(np.array(hard, dtype=np.int64), 2)
    ss = np.tile(np.array([0, 1]), len(hard))
    _, mu, _ = batch_dual(st, cc, ss, Bfull, float(nlam))
    _, mask, frows, _ = st.facet_pad()
    # rounded multipliers on one dyadic grid, signs (2 D_i - 1) folded in; a cone whose
    # check fails is redone individually
    m = len(cc)
    mu = np.where(mask[cc], np.maximum(mu, 0.0), 0.0)
    Mi, k = dyadic_rows(mu)
    Mi *= np.where(np.take_along_axis(st.patterns[cc], frows[cc], axis=1), 1, -1)
    Mrows = np.zeros((m, st.n), dtype=np.int64)
    np.add.at(Mrows, (np.repeat(np.arange(m), frows.shape[1]), frows[cc].ravel()), (Mi * mask[cc]).ravel())
    Bsel = flint.fmpz_mat([prods[int(c)] if s == 0 else [-v for v in prods[int(c)]]
                           for c, s in zip(cc.tolist(), ss.tolist())])
    V = flint.fmpz_mat(Mrows.tolist()) * E.Xf
    # vec = Bsel / (dx rden) + V / (dx 2^k) = (Bsel 2^k + V rden) / (dx rden 2^k)
    num = (Bsel * (1 << k) + V * rden).tolist()
    dd2 = (den << k) ** 2
    lhs, rhs = nl2.denominator, nl2.numerator * dd2
    fails, best = [], 0
    for t in range(m):
        sq_t = sum(int(x) * int(x) for x in num[t])
        c = 2 * int(cc[t]) + int(ss[t])
        if sq_t * lhs > rhs:
            fails.append(c)
            continue
        best = max(best, sq_t)
        if Mi[t].any():
            cell = int(cc[t])
            mu_full = np.zeros(st.n)
            mu_full[frows[cell][mask[cell]]] = mu[t][mask[cell]]
            mus[c] = mu_full
    Nmax = max(Nmax, Fraction(best, dd2))
    for c in fails:
        N, mu_full = exact_cone_norm(st, c, Bfull[cone_cell(c)] * cone_sign(c), rn, rden, nlam)
        if np.any(mu_full > 0):
            mus[c] = mu_full
        Nmax = max(Nmax, N)
    return Nmax
