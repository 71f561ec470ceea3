"""Certification: a float candidate in, proven bounds ``lower <= V(S) <= upper`` out
(docs/theory.md, section 3).

* **Upper bound.**  :func:`rational_point` rounds the candidate's ``u_c`` to a dyadic grid
  and pushes each into its closed cone exactly (:func:`push_into_cone`, along an integer
  interior point of the cell, or of the shared facet for a face programme); the objective
  of that rational point is evaluated exactly, with ``|u_c|`` replaced by an upper bound.
* **Lower bound.**  The exact residual ``r`` of that point, multipliers ``mu_c >= 0``
  (the solver's own, else NNLS ones, else exact least squares) and a rational scale ``t``
  with ``t^2 |s_c X^T D_c r + G_c^T mu_c|^2 <= (n lam)^2`` for every cone give
  ``V(S) >= (2/n) t r.y - (1/n) t^2 |r|^2`` (weak duality, :func:`dual_bound`).

Everything is passed explicitly: :func:`certify_candidate` takes the
:class:`~landscape.convex.backends.Candidate` (point, status, multipliers) as an argument.

Examples
--------
>>> from fractions import Fraction
>>> from landscape.data import Dataset
>>> from landscape.convex.structure import ConeStructure
>>> from landscape.convex.backends import region_candidate
>>> st = ConeStructure(Dataset.from_arrays([[1, 0], [0, 1]], [1, 1]))
>>> lam = Fraction(5, 18)
>>> opt = certify_candidate(st, lam, region_candidate(st, float(lam), (2,)), scale=Fraction(1))
>>> opt.certified, opt.lower <= Fraction(73, 81) <= opt.upper   # u = (4/9, 0), V = 73/81
(True, True)
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..exact.arithmetic import GAP_TOL, gap_ok, isqrt_ceil, round_down, round_up, sqrt_upper, to_grid
from ..geometry.cones import cone_cell, cone_sign
from ..results.status import SolverStatus
from .dual import all_cones_dual, dyadic_rows, exact_cone_norm
from .optimum import RegionOptimum

__all__ = ["certify_candidate", "rational_point", "push_into_cone", "dual_bound", "solver_multipliers",
           "zero_network_value", "ZERO_REL"]

#: candidate weights below this fraction of the largest (or of ``|y| / |X|_2``) are zero
ZERO_REL = 1e-9


def zero_network_value(E) -> Fraction:
    """``|y|^2 / n``, the loss of the zero network: the scale of :func:`gap_ok` here."""
    return Fraction(sum(v * v for v in E.yn), E.n * E.dy * E.dy)


def push_into_cone(st, c, u, p):
    """``u + k p`` for the least integer ``k >= 0`` that puts the integer vector ``u`` in
    the closed cone of ``c`` exactly; ``p`` is an integer point with ``g_i . p > 0`` on
    every row ``i`` that ``u`` violates (a cell's interior point, or a facet's)."""
    Xl, zero = st.exact.Xl, st.exact.zero_rows
    D = st.patterns[cone_cell(c)]
    need = 0
    for i in range(st.n):
        if zero[i]:
            continue
        g = sum(a * b for a, b in zip(Xl[i], u))
        if not D[i]:
            g = -g
        if g < 0:
            gp = sum(a * b for a, b in zip(Xl[i], p))
            need = max(need, -(g // (gp if D[i] else -gp)))  # ceil(-g / gp)
    return [a + need * b for a, b in zip(u, p)] if need else u


def rational_point(st, cones, U, faces=None):
    """Round ``U`` to a dyadic grid and push each ``u_c`` into its closed cone exactly.

    Returns ``(Ui, den)``: integer vectors over the common denominator ``den``.  A face
    cone (``faces[c] = (c2, h, p)``) is first projected exactly onto ``x_h . u = 0``
    (denominator ``|x_h|^2``) and then pushed along the facet point ``p``.
    """
    U = np.array(U, dtype=float).reshape(len(cones), st.dim)
    if U.size:
        # relative to the largest u_c and to the data's natural scale |y| / |X|_2, so that a
        # lone cone whose optimum is u = 0 is not reported as used
        scale = max(float(np.max(np.linalg.norm(U, axis=1))), st.u_scale)
        U[np.linalg.norm(U, axis=1) <= ZERO_REL * scale] = 0.0
    ints, k = to_grid(U.ravel()) if U.size else ([], 0)
    Ui = [ints[i * st.dim:(i + 1) * st.dim] for i in range(len(cones))]
    faces = faces or {}
    Xl = st.exact.Xl
    L = 1
    for idx, c in enumerate(cones):
        if c in faces:
            _, h, p = faces[c]
            xh = Xl[h]
            hh = sum(v * v for v in xh)
            xu = sum(a * b for a, b in zip(xh, Ui[idx]))
            Ui[idx] = push_into_cone(st, c, [hh * a - xu * b for a, b in zip(Ui[idx], xh)], p)
            L = math.lcm(L, hh)
        elif any(Ui[idx]):
            Ui[idx] = push_into_cone(st, c, Ui[idx], st.witness_int(cone_cell(c)))
    if faces:  # one common denominator 2^k L
        Ui = [[v * (L // (sum(x * x for x in Xl[faces[c][1]]) if c in faces else 1)) for v in u]
              for u, c in zip(Ui, cones)]
    return Ui, (1 << k) * L


def dual_bound(E, nlam, rn, rden, Nmax):
    """``(t, lower)``: the best rational ``t`` with ``t^2 Nmax <= nlam^2`` (close to the
    unconstrained ``r.y / |r|^2``) and the weak-duality bound
    ``(2/n) t r.y - (1/n) t^2 |r|^2`` at the residual ``r = rn / rden``."""
    n = E.n
    rr = Fraction(sum(v * v for v in rn), rden * rden) if rden else Fraction(0)
    ry = E.r_dot_y(rn, rden) if rden else Fraction(0)
    if rr == 0 or ry <= 0:
        return Fraction(0), Fraction(0)
    t = ry / rr
    if t * t * Nmax > nlam * nlam:
        t = round_down(nlam / sqrt_upper(Nmax, 64), 80)
    if t * t * Nmax > nlam * nlam:  # cannot happen (sqrt_upper rounds up); never trust it
        return Fraction(0), Fraction(0)
    return t, Fraction(2, n) * t * ry - Fraction(1, n) * t * t * rr


def solver_multipliers(st, nlam, cand, rn, rden):
    """Exact squared dual norms for the solver's own multipliers (``cand.multipliers``).

    All cones are checked at once in exact integer arithmetic (one flint product); returns
    ``({c: N}, {c: mu})`` for the cones whose norm is at most ``nlam``, the others are left
    to :func:`~landscape.convex.dual.exact_cone_norm`.
    """
    import flint

    E = st.exact
    cones, faces = cand.cones, cand.faces
    mu_rows = np.zeros((len(cones), st.n))
    for t, c in enumerate(cones):
        z = np.maximum(np.asarray(cand.multipliers[t], dtype=float), 0.0)
        rows = st.facet_rows(cone_cell(c))
        nr = len(rows)
        if nr:
            mu_rows[t, rows] = z[:nr]
        if c in faces:  # the extra row -g_h: net multiplier on row h, either sign
            mu_rows[t, faces[c][1]] -= z[nr]
    if not np.all(np.isfinite(mu_rows)):
        return {}, {}
    Mi, kk = dyadic_rows(mu_rows)
    Dm = st.patterns[[cone_cell(c) for c in cones]]
    Mi *= np.where(Dm, 1, -1)
    den = E.dx * rden
    if kk >= 0:
        scale_b, scale_v, dd = 1 << kk, rden, den << kk
    else:
        scale_b, scale_v, dd = 1, rden << -kk, den
    # rows s_c D_c r (integers over rden) and the multipliers, both times X in one product each
    R = [[(-v if cone_sign(c) < 0 else v) if d else 0 for v, d in zip(rn, D)] for c, D in zip(cones, Dm.tolist())]
    num = ((flint.fmpz_mat(R) * E.Xf) * scale_b + (flint.fmpz_mat(Mi.tolist()) * E.Xf) * scale_v).tolist()
    nl2 = nlam * nlam
    lhs, rhs = nl2.denominator, nl2.numerator * dd * dd
    Ns, mus = {}, {}
    for t, c in enumerate(cones):
        sq = sum(int(x) ** 2 for x in num[t])
        if sq * lhs <= rhs:
            Ns[c] = Fraction(sq, dd * dd)
            mus[c] = mu_rows[t].copy()
    return Ns, mus


def certify_candidate(st, lam, cand, dual="cones", scale=None) -> RegionOptimum:
    """Proven bounds on ``V(S)`` (``S = cand.cones``) from the candidate ``cand``.

    Parameters
    ----------
    st : ConeStructure
    lam : Fraction
    cand : Candidate
        The solver's point, status and (optional) multipliers.
    dual : {"cones", "all"}
        Check the dual condition on the cones of ``S`` (a bound on ``V(S)``) or on all K
        cones (a bound on ``V*``).
    scale : Fraction, optional
        The scale of :func:`~landscape.exact.arithmetic.gap_ok` (default
        :func:`zero_network_value`).
    """
    E = st.exact
    cones, faces = cand.cones, cand.faces
    nlam = st.n * lam
    scale = zero_network_value(E) if scale is None else scale
    Ui, uden = rational_point(st, cones, cand.U, faces)
    fn, fden = E.fitted([st.patterns[cone_cell(c)] for c in cones], [cone_sign(c) for c in cones], Ui, den=uden)
    rn, rden = E.residual(fn, fden)
    norm_sum = sum(isqrt_ceil(sum(v * v for v in u)) for u in Ui)
    upper = E.loss_of_residual(rn, rden) + 2 * lam * Fraction(norm_sum, uden)
    r = np.array([v / rden for v in rn], dtype=float) if rden else np.zeros(st.n)
    mus = {}
    if dual == "all":
        t, lower = dual_bound(E, nlam, rn, rden, all_cones_dual(st, rn, rden, r, mus, nlam))
    else:
        # the solver's multipliers, then rounded NNLS ones; exact least squares (slower)
        # only if that certificate is not tight enough
        Ns = {}
        if cand.multipliers is not None:
            Ns, mus = solver_multipliers(st, nlam, cand, rn, rden)

        def b(c):  # the float cone vector s_c X^T D_c r
            return cone_sign(c) * (st.patterns[cone_cell(c)] * r) @ st.X

        for c in cones:
            if c not in Ns:
                Ns[c], mus[c] = exact_cone_norm(st, c, b(c), rn, rden, nlam, faces.get(c), refine=False)
        t, lower = dual_bound(E, nlam, rn, rden, max(Ns.values(), default=Fraction(0)))
        if not gap_ok(lower, upper, scale=scale):
            for c in cones:
                if Ns[c] > nlam * nlam:
                    Ns[c], mus[c] = exact_cone_norm(st, c, b(c), rn, rden, nlam, faces.get(c))
            t, lower = dual_bound(E, nlam, rn, rden, max(Ns.values(), default=Fraction(0)))
    # outward rounding to a 2^-96 grid: still proven bounds, and short to print
    lower, upper = round_down(lower, 96), round_up(upper, 96)
    zero = tuple(Fraction(0) for _ in range(st.dim))
    u_exact = {c: (tuple(Fraction(v, uden) for v in Ui[i]) if any(Ui[i]) else zero) for i, c in enumerate(cones)}
    status = SolverStatus(cand.status)
    certified = status.certifiable and gap_ok(lower, upper, scale=scale)
    if certified:
        reason = ""
    elif not status.certifiable:
        reason = f"solver status {status.value!r}" + (f": {cand.message}" if cand.message else "")
    else:
        reason = f"gap {float(upper - lower):.3g} exceeds {GAP_TOL:g} max(|V|, |y|^2/n)"
    res = tuple(Fraction(v, rden) for v in rn)
    fit = tuple(y - v for y, v in zip(E.y, res))
    return RegionOptimum(cones, lower, upper, certified, status, reason, u_exact, mus, res, fit,
                         cand.solver, lam, t, faces={c: f[0] for c, f in faces.items()})
