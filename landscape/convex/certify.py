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
* **Extension.**  A certified optimum of ``T`` is one of ``S`` (``T`` a subset of ``S``)
  when its dual point also satisfies the added cones' conditions
  (:func:`extend_certificate`): no solve.

All exact work is in integers over common denominators (flint products for every cone at
once); Fractions appear only in the results.

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

__all__ = ["certify_candidate", "extend_certificate", "gap_within", "rational_point", "push_into_cone", "dual_bound", "solver_multipliers",
           "zero_network_value", "ZERO_REL", "SMALL_REL", "small_weights"]

#: candidate weights below this fraction of the largest (or of ``|y| / |X|_2``) are zero
ZERO_REL = 1e-9
#: weights up to this fraction of the largest are tried at zero (:func:`small_weights`)
SMALL_REL = 1e-3


def small_weights(norms, floor):
    """Mask of the nonzero weights among ``norms`` (the ``|u_c|`` of one support along the
    last axis) at most ``SMALL_REL`` times the largest of them (or ``floor``, the data's
    weight scale ``|y| / |X|_2``): the ones tried at zero.

    Solvers leave small weights on degenerate cones (dual value exactly ``n lam``, optimum
    ``u_c = 0``); the certificate accepts that point, its excess being within the
    tolerance, but the classification of a region depends on the support of its minimiser.
    Zeroing a weight a minimiser needs raises the objective to first order, so callers keep
    the zeroed point only when its certified objective is not higher (docs/theory.md,
    section 3).

    >>> small_weights(np.array([[1.0, 1e-6, 0.0, 0.5]]), 0.1).tolist()
    [[False, True, False, False]]
    """
    norms = np.asarray(norms, dtype=float)
    top = np.maximum(norms.max(axis=-1, initial=0.0), floor)[..., None]
    return (norms > 0) & (norms <= SMALL_REL * top)


def gap_within(lower, upper, scale) -> bool:
    """:func:`~landscape.exact.arithmetic.gap_ok` at ``GAP_TOL`` in integer arithmetic (the
    same decision, without intermediate Fractions).

    >>> from landscape.exact.arithmetic import gap_ok
    >>> args = [(Fraction(1), Fraction(1) + Fraction(1, 10**10), Fraction(1)),
    ...         (Fraction(-3, 7), Fraction(-3, 7) + Fraction(1, 10**8), Fraction(1, 2)),
    ...         (Fraction(0), Fraction(1, 10**8), Fraction(1, 10**4))]
    >>> [gap_within(*a) == gap_ok(a[0], a[1], scale=a[2]) for a in args]
    [True, True, True]
    """
    un, ud, ln, ld = upper.numerator, upper.denominator, lower.numerator, lower.denominator
    sn, sd = scale.numerator, scale.denominator
    mn, md = (abs(un), ud) if abs(un) * sd >= sn * ud else (sn, sd)  # max(|upper|, scale)
    return (un * ld - ln * ud) * _TOL_DEN * md <= _TOL_NUM * mn * ud * ld


_TOL_NUM, _TOL_DEN = Fraction(GAP_TOL).numerator, Fraction(GAP_TOL).denominator


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


def _products(st, Ui):
    """Exact integer products ``x_i . u_c`` (a list per cone, over the ``n`` rows) of the
    integer vectors ``Ui`` (one flint product for all cones)."""
    import flint

    if not Ui:
        return []
    return [[int(v) for v in row] for row in (flint.fmpz_mat(Ui) * st.XfT).tolist()]


def _push_products(st, c, u, xu):
    """:func:`push_into_cone` for a cone's own cell witness, on the products ``xu = (x_i .
    u)``: returns ``(u + k p, x . (u + k p))``."""
    cell = cone_cell(c)
    D = st.pattern_lists[cell]
    zero = st.zero_list
    need = 0
    for i, g in enumerate(xu):
        if (g < 0 if D[i] else g > 0) and not zero[i]:
            gp = st.witness_products(cell)[i]  # same sign as g's row: x_i . p > 0 iff D_i
            need = max(need, -(g // gp))
    if not need:
        return u, xu
    p = st.witness_int(cell)
    xp = st.witness_products(cell)
    return [a + need * b for a, b in zip(u, p)], [a + need * b for a, b in zip(xu, xp)]


def rational_point(st, cones, U, faces=None, products=False):
    """Round ``U`` to a dyadic grid and push each ``u_c`` into its closed cone exactly.

    Returns ``(Ui, den)``: integer vectors over the common denominator ``den``.  A face
    cone (``faces[c] = (c2, h, p)``) is first projected exactly onto ``x_h . u = 0``
    (denominator ``|x_h|^2``) and then pushed along the facet point ``p``.  With
    ``products`` (and no faces) also the exact products ``x_i . u_c`` of the pushed point,
    ``(Ui, den, XU)`` with ``XU[c][i]``.
    """
    U = np.array(U, dtype=float).reshape(len(cones), st.dim)
    if U.size:
        # relative to the largest u_c and to the data's natural scale |y| / |X|_2, so that a
        # lone cone whose optimum is u = 0 is not reported as used
        norms = np.sqrt(np.einsum("ij,ij->i", U, U))
        scale = max(float(norms.max()), st.u_scale)
        U[norms <= ZERO_REL * scale] = 0.0
    ints, k = to_grid(U.ravel()) if U.size else ([], 0)
    dim = st.dim
    Ui = [ints[i * dim:(i + 1) * dim] for i in range(len(cones))]
    faces = faces or {}
    if not faces:
        XU = _products(st, Ui)
        for idx, c in enumerate(cones):
            if any(Ui[idx]):
                Ui[idx], XU[idx] = _push_products(st, c, Ui[idx], XU[idx])
        return (Ui, 1 << k, XU) if products else (Ui, 1 << k)
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
    # one common denominator 2^k L
    Ui = [[v * (L // (sum(x * x for x in Xl[faces[c][1]]) if c in faces else 1)) for v in u]
          for u, c in zip(Ui, cones)]
    if products:
        return Ui, (1 << k) * L, _products(st, Ui)
    return Ui, (1 << k) * L


def dual_bound(E, nlam, rn, rden, Nmax):
    """``(t, lower)``: the best rational ``t`` with ``t^2 Nmax <= nlam^2`` (close to the
    unconstrained ``r.y / |r|^2``) and the weak-duality bound
    ``(2/n) t r.y - (1/n) t^2 |r|^2`` at the residual ``r = rn / rden``."""
    # integer arithmetic throughout: |r|^2 = RR / rden^2, r.y = RY / (rden dy)
    n, dy = E.n, E.dy
    RR = sum(v * v for v in rn) if rden else 0
    RY = sum(a * b for a, b in zip(rn, E.yn)) if rden else 0
    if RR == 0 or RY <= 0:
        return Fraction(0), Fraction(0)
    Nmax = Fraction(Nmax)
    Nn, Nd = Nmax.numerator, Nmax.denominator
    a, b = nlam.numerator, nlam.denominator
    tn, td = RY * rden, dy * RR  # t = r.y / |r|^2
    if tn * tn * Nn * b * b > a * a * td * td * Nd:
        s = sqrt_upper(Nmax, 64)
        tn, td = (a * s.denominator << 80) // (b * s.numerator), 1 << 80  # round_down(nlam / s, 80)
    if tn * tn * Nn * b * b > a * a * td * td * Nd:  # cannot happen (sqrt_upper rounds up); never trust it
        return Fraction(0), Fraction(0)
    lower = Fraction(2 * tn * RY * td * rden - tn * tn * RR * dy, n * td * td * rden * rden * dy)
    return Fraction(tn, td), lower


def _multiplier_norms(st, cand, rn, rden):
    """Exact squared dual norms ``|s_c X^T D_c r + G_c^T mu_c|^2`` of every cone for the
    solver's multipliers (rounded to one dyadic grid, negative parts dropped), in one flint
    product.  Returns ``(sq, dd, mu_rows)``: integers ``sq[t]`` with norm ``sq[t] / dd^2``
    (``dd`` None if the multipliers are not finite) and the float multipliers used."""
    import flint

    E = st.exact
    cones, faces = cand.cones, cand.faces
    mu_rows = np.zeros((len(cones), st.n))
    if faces:
        for t, c in enumerate(cones):
            z = np.maximum(np.asarray(cand.multipliers[t], dtype=float), 0.0)
            rows = st.facet_rows(cone_cell(c))
            nr = len(rows)
            if nr:
                mu_rows[t, rows] = z[:nr]
            if c in faces:  # the extra row -g_h: net multiplier on row h, either sign
                mu_rows[t, faces[c][1]] -= z[nr]
    elif cones:
        rows = [st.facet_rows(cone_cell(c)) for c in cones]
        z = np.concatenate([np.asarray(m, dtype=float) for m in cand.multipliers])
        if len(z) != sum(len(r) for r in rows):
            return None, None, mu_rows
        mu_rows[np.repeat(np.arange(len(cones)), [len(r) for r in rows]), np.concatenate(rows)] = np.maximum(z, 0.0)
    if not np.all(np.isfinite(mu_rows)):
        return None, None, mu_rows
    Mi, kk = dyadic_rows(mu_rows)
    cells = [cone_cell(c) for c in cones]
    Mi *= np.where(st.patterns[cells], 1, -1)
    den = E.dx * rden
    if kk >= 0:
        scale_b, scale_v, dd = 1 << kk, rden, den << kk
    else:
        scale_b, scale_v, dd = 1, rden << -kk, den
    # rows s_c D_c r (integers over rden) and the multipliers, times X in one product
    pl = st.pattern_lists
    R = [[v if d else 0 for v, d in zip(rn, pl[cell])] for cell in cells]
    R = [[-v for v in row] if c & 1 else row for row, c in zip(R, cones)]
    num = (flint.fmpz_mat(R) * scale_b + flint.fmpz_mat(Mi.tolist()) * scale_v) * E.Xf
    gram = num * num.transpose()  # its diagonal: the squared norms
    sq = [int(gram[t, t]) for t in range(len(cones))]
    return sq, dd, mu_rows


def solver_multipliers(st, nlam, cand, rn, rden):
    """Exact squared dual norms for the solver's own multipliers (``cand.multipliers``).

    All cones are checked at once in exact integer arithmetic (one flint product); returns
    ``({c: N}, {c: mu})`` for the cones whose norm is at most ``nlam``, the others are left
    to :func:`~landscape.convex.dual.exact_cone_norm`.
    """
    sq, dd, mu_rows = _multiplier_norms(st, cand, rn, rden)
    if dd is None:
        return {}, {}
    nl2 = nlam * nlam
    lhs, rhs = nl2.denominator, nl2.numerator * dd * dd
    Ns, mus = {}, {}
    for t, c in enumerate(cand.cones):
        if sq[t] * lhs <= rhs:
            Ns[c] = Fraction(sq[t], dd * dd)
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
    Ui, uden, XU = rational_point(st, cones, cand.U, faces, products=True)
    # exact fitted values f_i = sum_c s_c D_c[i] x_i . u_c over dx * uden, then r = y - f
    fn = [0] * st.n
    pl = st.pattern_lists
    for c, u, xu in zip(cones, Ui, XU):
        if any(u):
            D = pl[cone_cell(c)]
            if c & 1:
                fn = [f - v if d else f for f, v, d in zip(fn, xu, D)]
            else:
                fn = [f + v if d else f for f, v, d in zip(fn, xu, D)]
    fden = E.dx * uden
    rn, rden = E.residual(fn, fden)
    norm_sum = sum(isqrt_ceil(sum(v * v for v in u)) for u in Ui)
    upper = E.loss_of_residual(rn, rden) + 2 * lam * Fraction(norm_sum, uden)
    r = np.array([v / rden for v in rn], dtype=float) if rden else np.zeros(st.n)
    mus = {}
    if dual == "all":
        t, lower = dual_bound(E, nlam, rn, rden, all_cones_dual(st, rn, rden, r, mus, nlam))
    else:
        t, lower = Fraction(0), None
        if cand.multipliers is not None and rden:
            # the solver's multipliers for every cone at once; a norm a hair above n lam
            # only scales the dual point by t < 1 (dual_bound)
            sq, dd, mu_rows = _multiplier_norms(st, cand, rn, rden)
            if dd is not None:
                t, lower = dual_bound(E, nlam, rn, rden, Fraction(max(sq, default=0), dd * dd))
                if gap_within(lower, upper, scale):
                    mus = {c: mu_rows[i].copy() for i, c in enumerate(cones)}
                else:
                    lower = None
        if lower is None:
            # the solver's multipliers where they satisfy the condition, then rounded NNLS
            # ones; exact least squares (slower) only if that certificate is not tight enough
            Ns = {}
            if cand.multipliers is not None:
                Ns, mus = solver_multipliers(st, nlam, cand, rn, rden)

            def b(c):  # the float cone vector s_c X^T D_c r
                return cone_sign(c) * (st.patterns[cone_cell(c)] * r) @ st.X

            for c in cones:
                if c not in Ns:
                    Ns[c], mus[c] = exact_cone_norm(st, c, b(c), rn, rden, nlam, faces.get(c), refine=False)
            t, lower = dual_bound(E, nlam, rn, rden, max(Ns.values(), default=Fraction(0)))
            if not gap_within(lower, upper, scale):
                for c in cones:
                    if Ns[c] > nlam * nlam:
                        Ns[c], mus[c] = exact_cone_norm(st, c, b(c), rn, rden, nlam, faces.get(c))
                t, lower = dual_bound(E, nlam, rn, rden, max(Ns.values(), default=Fraction(0)))
    # outward rounding to a 2^-96 grid: still proven bounds, and short to print
    lower, upper = round_down(lower, 96), round_up(upper, 96)
    zero = tuple(Fraction(0) for _ in range(st.dim))
    u_exact = {c: (tuple(Fraction(v, uden) for v in Ui[i]) if any(Ui[i]) else zero) for i, c in enumerate(cones)}
    status = SolverStatus(cand.status)
    certified = status.certifiable and gap_within(lower, upper, scale)
    if certified:
        reason = ""
    elif not status.certifiable:
        reason = f"solver status {status.value!r}" + (f": {cand.message}" if cand.message else "")
    else:
        reason = f"gap {float(upper - lower):.3g} exceeds {GAP_TOL:g} max(|V|, |y|^2/n)"
    res = tuple(Fraction(v, rden) for v in rn)
    fit = tuple(Fraction(v, fden) for v in fn)
    return RegionOptimum(cones, lower, upper, certified, status, reason, u_exact, mus, res, fit,
                         cand.solver, lam, t, faces={c: f[0] for c, f in faces.items()})


def extend_certificate(st, lam, opt, cones):
    """A certificate for ``V(S)``, ``S = cones``, from the certified optimum ``opt`` of a
    subset ``T`` of ``S`` (no face programme), without solving; None if it does not hold.

    The rational point of ``opt`` (zero on the added cones) is feasible for ``S``, so
    ``V(S) <= opt.upper``.  Its dual certificate is the residual ``r`` (or the validated float one) scaled by
    ``t = opt.dual_scale`` with ``t^2 |s_c X^T D_c r + G_c^T mu_c|^2 <= (n lam)^2`` for the
    cones of ``T``; if an exact check (:func:`~landscape.convex.dual.exact_cone_norm`) finds
    multipliers that satisfy the same inequality for every added cone, the same dual point is
    feasible for ``S`` and ``V(S) >= opt.lower`` (weak duality).  Then ``V(S)`` and ``V(T)``
    share the optimum: the result has ``opt``'s bounds and point and ``method =
    "extended"``.  A float screen rejects an added cone that violates the condition before
    any exact work.

    Examples
    --------
    >>> from landscape.data import Dataset
    >>> from landscape.convex.program import RegionProgram
    >>> prog = RegionProgram(Dataset.from_arrays([[1, 0], [0, 1]], [1, 0]), "1/10")
    >>> c, bad = 2 * prog.cell_of_pattern("10"), 2 * prog.cell_of_pattern("01")
    >>> opt = prog.solve([c])                         # u = (4/5, 0) fits y_1
    >>> ext = extend_certificate(prog, prog.lam, opt, [c, bad + 1])   # a negative cone on x_2
    >>> ext.certified, ext.method, (ext.lower, ext.upper) == (opt.lower, opt.upper)
    (True, 'extended', True)
    >>> extend_certificate(prog, prog.lam, prog.solve([bad + 1]), [c, bad + 1]) is None  # c is needed
    True
    """
    if not opt.certified or opt.faces or opt.method not in ("direct", "extended"):
        return None
    cones = tuple(cones)
    added = [c for c in cones if c not in opt.u_exact]
    if not added:
        return None
    t = Fraction(opt.dual_scale)
    if t <= 0:
        return None
    nlam = st.n * lam
    bound = nlam / t  # the added cones need |s_c X^T D_c r + G_c^T mu_c| <= n lam / t
    r = opt.dual_residual  # the dual point is t r (the residual, or a validated float one)
    fb = float(bound)
    mus = dict(opt.mu)
    checks = []
    for c in added:  # float screens first: the projection norm must not exceed the bound
        b = cone_sign(c) * (st.patterns[cone_cell(c)] * r) @ st.X
        if float(st.witness_unit(cone_cell(c)) @ b) > fb * (1 + 1e-9):  # b . w for a unit w in the cell
            return None
        if float(np.linalg.norm(b)) > fb * (1 - 1e-7):
            from .dual import cone_dual_value

            if cone_dual_value(st, c, b)[0] > fb * (1 - 1e-9):
                return None
        checks.append((c, b))
    dual_r = opt.certificate_residual
    rden = 1
    for v in dual_r:
        rden = math.lcm(rden, v.denominator)
    rn = [v.numerator * (rden // v.denominator) for v in dual_r]
    b2 = bound * bound
    for c, b in checks:
        N, mu = exact_cone_norm(st, c, b, rn, rden, bound)
        if N > b2:
            return None
        mus[c] = mu
    zero = tuple(Fraction(0) for _ in range(st.dim))
    u_exact = {c: opt.u_exact.get(c, zero) for c in cones}
    return RegionOptimum(cones, opt.lower, opt.upper, True, opt.status, "", u_exact, mus, opt.residual_exact,
                         opt.fitted_exact, opt.solver, lam, opt.dual_scale, method="extended",
                         dual_residual_exact=opt.dual_residual_exact)
