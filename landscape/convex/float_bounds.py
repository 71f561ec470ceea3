r"""Validated float certificates of ``V(S)`` for many supports in one compiled call
(docs/theory.md, sections 3 and 9).

The exact certificate of :mod:`landscape.convex.certify` rounds a candidate to rationals
and works in integers; that costs about as much as the solve.  Here the same two bounds are
proven in float64 arithmetic with *a priori* rounding-error bounds (Higham, *Accuracy and
Stability of Numerical Algorithms*, 2002, sections 2.2 and 3.1: a dot product of length
``m`` computed in any order, with or without fused multiply-adds, is within
``gamma_m = m u / (1 - m u)`` of its value relative to the sum of the absolute products,
``u = 2^-53``; every bound below is enlarged by at least a factor 2 over those constants and
by ``1e-290`` for underflow).  Every float is a rational, so the results are exact
rational bounds:

* **Upper bound.**  The candidate's ``u_c`` (zeroed below ``ZERO_REL`` as in
  :func:`~landscape.convex.certify.rational_point`) is pushed along the cell's unit witness
  until ``(2 D_i - 1) x_i . u_c >= 0`` is *proven* on every nonzero row, with ``x_i`` the
  exact data (its float copy is correctly rounded, within ``u |x_i|``).  The objective
  ``(1/n)|y - f|^2 + 2 lam sum |u_c|`` of that float point is bounded above from the
  float fitted values and the bound on their error.
* **Lower bound.**  The float residual ``r~`` (itself a rational point) with the
  candidate's multipliers ``mu_c >= 0``: the norms ``|s_c X^T D_c r~ + G_c^T mu_c|`` are
  bounded above, ``t`` is rounded down below ``n lam / max_c`` of them (and below
  ``r~.y / |r~|^2``), and weak duality gives ``V(S) >= (2/n) t r~.y - (1/n) t^2 |r~|^2``,
  evaluated with rounding towards ``-inf``.

Any row of the closed cell may carry a multiplier (``(2 D_i - 1) x_i . u >= 0`` holds on the
whole closed cell), so weak duality needs no facet bookkeeping.  A support whose point
cannot be proven feasible, or whose numbers are not finite, gets ``ok = False``: the caller
falls back to the exact path.

Examples
--------
>>> import numpy as np
>>> from fractions import Fraction
>>> from landscape.data import Dataset
>>> from landscape.convex.program import RegionProgram
>>> prog = RegionProgram(Dataset.from_arrays([[1, 0], [0, 1]], [1, 1]), "5/18")
>>> c = 2 * prog.cell_of_pattern("10")                   # u = (1 - 2 lam, 0) = (4/9, 0)
>>> b = float_bounds(prog, np.array([[c]]), np.array([[[4 / 9, 0.0]]]), np.zeros((1, 1, 2)))
>>> lower, upper = Fraction(b.lower[0]), Fraction(b.upper[0])
>>> bool(b.ok[0]), lower <= Fraction(73, 81) <= upper, float(upper - lower) < 1e-12
(True, True, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numba import njit

from ..exact.arithmetic import GAP_TOL
from .certify import ZERO_REL

__all__ = ["FloatBounds", "float_bounds", "exact_float_data", "UNIT_ROUNDOFF"]

#: the unit roundoff of float64
UNIT_ROUNDOFF = 2.0 ** -53
_ETA = 1e-290  # absolute slack for underflow in every error bound


@dataclass(frozen=True)
class FloatBounds:
    """Proven bounds for a batch of ``B`` supports (arrays over the batch).

    Attributes
    ----------
    U : np.ndarray
        ``(B, k, p)`` the float points behind ``upper``, proven to lie in their closed cones.
    residual : np.ndarray
        ``(B, n)`` the float dual residual ``r~`` (the dual point is ``t r~``).
    lower, upper : np.ndarray
        ``(B,)`` proven ``lower <= V(S) <= upper`` (floats, hence rationals), where ``ok``.
    t : np.ndarray
        ``(B,)`` the dual scale.
    mu : np.ndarray
        ``(B, k, n)`` the multipliers used (the candidate's, negative parts dropped).
    ok : np.ndarray
        ``(B,)`` bool: feasibility proven and every number finite.
    gap_test : np.ndarray
        ``(B,)`` int: the exact gap test (:func:`~landscape.convex.certify.gap_within` at
        the programme's scale) decided in floats with a factor-4 margin: ``2`` passes,
        ``0`` fails, ``1`` too close to call (decide it exactly), and ``0`` where not ``ok``.
    """

    U: np.ndarray
    residual: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    t: np.ndarray
    mu: np.ndarray
    ok: np.ndarray
    gap_test: np.ndarray


def exact_float_data(st):
    """``(X, y, zero, W, D)``: correctly rounded float copies of the exact data (``float``
    of a Fraction rounds to nearest), the exact zero rows, the cells' unit witnesses (``P x
    dim``) and activation patterns (``P x n``, 0/1 floats), kept per dataset."""
    key = ("float_bounds_data",)
    data = st.form_cache.get(key)
    if data is None:
        E = st.exact
        X = np.array([[float(Fraction(v, E.dx)) for v in row] for row in E.Xl], dtype=float).reshape(st.n, st.dim)
        y = np.array([float(Fraction(v, E.dy)) for v in E.yn], dtype=float)
        W = np.array([st.witness_unit(c) for c in range(st.P)], dtype=float).reshape(st.P, st.dim)
        data = st.form_cache[key] = (X, y, np.asarray(E.zero_rows, dtype=np.bool_), W,
                                     np.ascontiguousarray(st.patterns, dtype=np.float64))
    return data


def float_bounds(st, cones, U, MU, lam=None, zero_rel=None) -> FloatBounds:
    """Validated bounds on ``V(S)`` for each row of ``cones`` (``(B, k)`` signed cones of
    one structure ``st``, a :class:`~landscape.convex.program.RegionProgram`) from float
    candidates ``U`` (``(B, k, p)``) and multipliers ``MU`` (``(B, k, n)``, by data row, in
    the units of ``|s_c X^T D_c r + G_c^T mu_c| <= n lam``).  ``lam`` defaults to the
    programme's exact ``lam`` (its float is correctly rounded)."""
    lam = st.lam if lam is None else lam
    X, y, zero, W, D = exact_float_data(st)
    cones = np.asarray(cones, dtype=np.int64).reshape(len(U), -1)
    U = np.array(U, dtype=np.float64).reshape(cones.shape + (st.dim,))
    MU = np.maximum(np.asarray(MU, dtype=np.float64).reshape(cones.shape + (st.n,)), 0.0)
    lamf = st.lamf if lam is st.lam else float(Fraction(lam))
    out = _bounds_kernel(X, y, zero, lamf, D, W, cones, U, MU, float(st.u_scale),
                         ZERO_REL if zero_rel is None else float(zero_rel))
    Uo, R, lower, upper, t, ok = out
    return FloatBounds(Uo, R, lower, upper, t, MU, ok, _gap_test(lower, upper, ok, float(st.gap_scale), GAP_TOL))


@njit(cache=True)
def _gap_test(lower, upper, ok, scale, tol):
    """See :attr:`FloatBounds.gap_test`; values off the 2^-96 grid (``0 < |x| < 2^-43``,
    which the exact path rounds outwards) are always left to the exact test."""
    out = np.zeros(len(lower), dtype=np.int64)
    tiny = 2.0 ** -43
    for b in range(len(lower)):
        if not ok[b]:
            continue
        lo, up = lower[b], upper[b]
        width = max(abs(up), scale) * tol
        gap = up - lo
        on_grid = (lo == 0.0 or abs(lo) >= tiny) and (up == 0.0 or abs(up) >= tiny)
        if on_grid and gap <= 0.25 * width:
            out[b] = 2
        elif gap <= 4.0 * width or not on_grid:
            out[b] = 1
    return out


@njit(cache=True)
def _dot_bound(X, i, u, p):
    """``(fl(x_i . u), fl(|x_i| . |u|))``."""
    s = 0.0
    a = 0.0
    for j in range(p):
        s += X[i, j] * u[j]
        a += abs(X[i, j]) * abs(u[j])
    return s, a


@njit(cache=True)
def _feasible(X, zero, Dc, u, p, n):
    """The largest shortfall ``err_i - g_i`` over the nonzero rows (``<= 0``: ``u`` is
    proven in the closed cone), with ``g_i = (2 D_i - 1) fl(x_i . u)``."""
    uu = UNIT_ROUNDOFF
    worst = -np.inf
    for i in range(n):
        if zero[i]:
            continue
        g, a = _dot_bound(X, i, u, p)
        if not (np.isfinite(g) and np.isfinite(a)):
            return np.inf  # never compare NaNs: an overflow is a failure
        if Dc[i] == 0.0:
            g = -g
        err = 2.0 * (p + 2) * uu * a + _ETA
        if err - g > worst:
            worst = err - g
    return worst


@njit(cache=True)
def _push(X, zero, Dc, u, w, p, n):
    """Push ``u`` along the unit witness ``w`` until proven feasible; False on failure."""
    uu = UNIT_ROUNDOFF
    for attempt in range(4):
        if _feasible(X, zero, Dc, u, p, n) <= 0.0:
            return True
        tau = 0.0
        for i in range(n):
            if zero[i]:
                continue
            g, a = _dot_bound(X, i, u, p)
            h, b = _dot_bound(X, i, w, p)
            if Dc[i] == 0.0:
                g, h = -g, -h
            err = 2.0 * (p + 2) * uu * a + _ETA
            if g < err:
                if h <= 4.0 * (p + 2) * uu * b:
                    return False  # the witness does not point inside on this row
                need = (err - g) / h
                if need > tau:
                    tau = need
        tau = 2.0 * tau * (1 << attempt) + _ETA
        for j in range(p):
            u[j] += tau * w[j]
    return _feasible(X, zero, Dc, u, p, n) <= 0.0


@njit(cache=True)
def _bounds_kernel(X, y, zero, lamf, Dcell, Wcell, cones, U, MU, u_scale, zero_rel):
    B, k, p = U.shape
    n = X.shape[0]
    uu = UNIT_ROUNDOFF
    Uo = U.copy()
    R = np.zeros((B, n))
    lower = np.zeros(B)
    upper = np.full(B, np.inf)
    T = np.zeros(B)
    ok = np.zeros(B, dtype=np.bool_)
    norms = np.zeros(k)
    f = np.zeros(n)
    e = np.zeros(n)
    for b in range(B):
        good = True
        # -- the primal point: small weights zeroed, then pushed into the closed cones
        top = u_scale
        for c in range(k):
            s = 0.0
            for j in range(p):
                s += Uo[b, c, j] * Uo[b, c, j]
            norms[c] = np.sqrt(s)
            if norms[c] > top:
                top = norms[c]
        for c in range(k):
            if not np.isfinite(norms[c]):
                good = False
            elif norms[c] <= zero_rel * top:
                for j in range(p):
                    Uo[b, c, j] = 0.0
            elif not _push(X, zero, Dcell[cones[b, c] // 2], Uo[b, c], Wcell[cones[b, c] // 2], p, n):
                good = False
        if not good:
            continue
        # -- fitted values and their error bound, then the residual r~ and |r|^2 <= R2
        for i in range(n):
            f[i] = 0.0
            e[i] = 0.0
        nsum = 0.0
        for c in range(k):
            s = 0.0
            for j in range(p):
                s += Uo[b, c, j] * Uo[b, c, j]
            nsum += np.sqrt(s)
            Dc = Dcell[cones[b, c] // 2]
            sg = 1.0 - 2.0 * (cones[b, c] & 1)
            for i in range(n):
                if Dc[i] != 0.0 and not zero[i]:
                    v, a = _dot_bound(X, i, Uo[b, c], p)
                    f[i] += sg * v
                    e[i] += a
        R2 = 0.0
        for i in range(n):
            r = y[i] - f[i]
            R[b, i] = r
            err = 2.0 * (p + k + 3) * uu * e[i] + 2.0 * uu * (abs(y[i]) + abs(r)) + _ETA
            R2 += (abs(r) + err) * (abs(r) + err)
        R2 *= 1.0 + 2.0 * (2 * n + 2) * uu
        nsum *= 1.0 + 2.0 * (p + k + 3) * uu
        up = (R2 / n + 2.0 * lamf * nsum) * (1.0 + 16.0 * uu) + _ETA
        # -- the dual point t r~: norms of s_c X^T D_c r~ + G_c^T mu_c bounded above
        Nmax = 0.0
        for c in range(k):
            Dc = Dcell[cones[b, c] // 2]
            sg = 1.0 - 2.0 * (cones[b, c] & 1)
            N2 = 0.0
            for j in range(p):
                v = 0.0
                a = 0.0
                for i in range(n):
                    if zero[i]:
                        continue
                    w = sg * Dc[i] * R[b, i]
                    m = MU[b, c, i]
                    w = w + m if Dc[i] != 0.0 else w - m
                    v += w * X[i, j]
                    a += abs(w) * abs(X[i, j])
                v = abs(v) + 2.0 * (n + 3) * uu * a + _ETA
                N2 += v * v
            N = np.sqrt(N2 * (1.0 + 2.0 * (2 * p + 2) * uu)) * (1.0 + 2.0 * uu)
            if not np.isfinite(N):
                Nmax = np.inf  # no dual point from an overflow
            elif N > Nmax:
                Nmax = N
        RY = 0.0
        RYa = 0.0
        RR = 0.0
        for i in range(n):
            RY += R[b, i] * y[i]
            RYa += abs(R[b, i]) * abs(y[i])
            RR += R[b, i] * R[b, i]
        RY_lo = RY - (2.0 * (n + 2) * uu * RYa + _ETA)  # <= r~ . y (exact y)
        RR_up = RR * (1.0 + 2.0 * (n + 1) * uu) + _ETA  # >= |r~|^2
        t = 0.0
        lo = 0.0
        if RY_lo > 0.0 and RR > 0.0 and Nmax < np.inf:
            t = RY / RR  # the unconstrained best scale (any t in [0, t_feas] is valid)
            if Nmax > 0.0:
                t_feas = (n * lamf / Nmax) * (1.0 - 8.0 * uu)  # t Nmax <= n lam exactly
                if t_feas < t:
                    t = t_feas
            a = (2.0 * t * RY_lo) * (1.0 - 4.0 * uu)
            bb = (t * t * RR_up) * (1.0 + 4.0 * uu)
            d = a - bb
            d = d - 2.0 * uu * abs(d)
            lo = (d / n) * (1.0 - 2.0 * uu) if d > 0.0 else (d / n) * (1.0 + 2.0 * uu)
            if lo < 0.0:
                lo = 0.0  # V(S) >= 0
        if np.isfinite(up) and np.isfinite(lo) and np.isfinite(t):
            lower[b] = lo
            upper[b] = up
            T[b] = t
            ok[b] = True
    return Uo, R, lower, upper, T, ok
