"""Algorithms on the certified programmes: ``V(S)`` with a polishing retry, the global
optimum ``V*`` by cone generation, pruned optima and the width-``m`` optimum ``L*_m``
(docs/theory.md, section 3).

Each function takes the :class:`~landscape.convex.program.RegionProgram` and uses only its
public steps (``candidate``, ``certify``, ``scan``, ``solve``); every value it returns is
certified by :mod:`landscape.convex.certify`.

Examples
--------
>>> from landscape.data import Dataset
>>> from landscape.convex.program import RegionProgram
>>> prog = RegionProgram(Dataset.from_arrays([[1, 0], [0, 1], [1, 1]], [1, -1, 1]), "1/20")
>>> opt = global_optimum(prog)
>>> opt.certified, opt.support_size <= prog.n
(True, True)
>>> width_optimum(prog, opt.support_size).method
'equals_global'
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from fractions import Fraction

import numpy as np

from ..errors import InputError, TooLargeError
from ..exact.arithmetic import GAP_TOL, gap_ok, round_up, sqrt_upper
from ..exact.linalg import fq_mat, nullspace
from ..geometry.cones import cone_cell, cone_sign
from ..results.status import SolverStatus
from .backends import Candidate
from .certify import small_weights
from .optimum import RegionOptimum, WidthOptimum

__all__ = ["solve_region", "global_optimum", "prune_exact", "prune_greedy", "width_optimum"]

_USED_REL = 1e-6  # a candidate's cone counts as used above this fraction of the largest |u_c|


def _used(cones, U, floor=0.0):
    norms = np.linalg.norm(np.asarray(U, dtype=float).reshape(len(cones), -1), axis=1)
    top = max(float(norms.max()) if len(norms) else 0.0, floor, 1e-300)
    return tuple(c for c, v in zip(cones, norms) if v > _USED_REL * top)


def _one_cone_per_direction(cones, U, cos_tol=1e-7):
    """The used cones, keeping one cone (the heaviest) for each direction of ``u_c`` and sign.

    An interior-point solver splits a neuron lying on a face shared by several closed cells
    between all of their cones; every one of those cones can carry the whole neuron, and the
    programme on one cone per direction is far better conditioned.  A heuristic for the
    candidate only: the result is certified afresh.
    """
    U = np.asarray(U, dtype=float).reshape(len(cones), -1)
    kept = []  # (sign, unit direction, cone)
    for i in sorted(range(len(cones)), key=lambda i: -float(np.linalg.norm(U[i]))):
        c = cones[i]
        if c not in _used(cones, U):
            continue
        unit = U[i] / np.linalg.norm(U[i])
        if not any(s == cone_sign(c) and float(unit @ v) > 1 - cos_tol for s, v, _ in kept):
            kept.append((cone_sign(c), unit, c))
    return tuple(sorted(c for _, _, c in kept))


def _recertify_by_direction(prog, cand, opt) -> RegionOptimum:
    """If ``opt`` (the all-cones certificate of ``cand``) is not certified, re-solve on one
    cone per direction (:func:`_one_cone_per_direction`) and keep the tighter certificate."""
    if opt.certified or not cand.status.usable:
        return opt
    reduced = _one_cone_per_direction(cand.cones, cand.U)
    if not reduced or len(reduced) >= len(_used(cand.cones, cand.U)):
        return opt
    sub = prog.candidate(reduced)
    if not sub.status.usable:
        return opt
    opt2 = prog.certify(sub, dual="all")
    better = (opt2.certified, -(opt2.upper - opt2.lower)) > (opt.certified, -(opt.upper - opt.lower))
    return opt2 if better else opt


def _prefer_zeros(prog, cand, opt) -> RegionOptimum:
    """``opt``, or the certificate of the candidate with its :func:`small_weights` zeroed
    when that point is at least as good (upper bound not above ``opt``'s, up to 1e-12
    relative).  On ``data/examples/degenerate_d4.json`` at lam 1/10 such weights made four
    single-cone regions at the zero network's value look like boundary local minima.
    """
    U = np.asarray(cand.U, dtype=float).reshape(len(cand.cones), -1)
    used = np.array([c in opt.cones_used for c in cand.cones])
    small = used & small_weights(np.linalg.norm(U, axis=1), prog.u_scale)
    if not small.any():
        return opt
    alt = prog.certify(Candidate(cand.cones, np.where(small[:, None], 0.0, U), cand.status, cand.solver))
    slack = Fraction(1, 10**12) * max(abs(opt.upper), prog.gap_scale)
    return alt if alt.certified and alt.upper <= opt.upper + slack else opt


def solve_region(prog, cones, solver=None, faces=None) -> RegionOptimum:
    """Certified ``V(S)`` (see :meth:`RegionProgram.solve`).

    With many cones an interior-point solver spreads weight over cones sharing a face and
    loses accuracy: if the first certificate is not tight, the programme is re-solved on the
    cones that carry weight and that point is certified for all of ``S`` (``u_c = 0``
    elsewhere; the dual check still covers every cone of ``S``).
    """
    solver = solver or prog.solver
    cones = prog.validate_cones(cones)
    fspec = prog.face_spec(cones, faces)
    if not cones:
        return prog.certify(Candidate((), np.zeros((0, prog.dim)), SolverStatus.OPTIMAL, solver))
    cand = prog.candidate(cones, solver, fspec)
    opt = prog.certify(cand)
    if opt.certified and not fspec:
        return _prefer_zeros(prog, cand, opt)
    if opt.certified or cand.status != SolverStatus.OPTIMAL or fspec:
        return opt
    used = _used(cones, cand.U, prog.u_scale)
    if not used or len(used) == len(cones):
        return opt
    sub = prog.candidate(used, solver)
    if sub.status != SolverStatus.OPTIMAL:
        return opt
    full = np.zeros((len(cones), prog.dim))
    for i, c in enumerate(cones):
        if c in used:
            full[i] = sub.U[used.index(c)]
    retry = prog.certify(Candidate(cones, full, sub.status, solver))
    return retry if retry.upper - retry.lower < opt.upper - opt.lower else opt


def global_optimum(prog, max_iter=200, batch=None, verbose=False) -> RegionOptimum:
    """``V*`` over all K signed cones by cone generation, certified over all K cones, then
    pruned (:func:`prune_exact`, :func:`prune_greedy`).

    Solves ``V(W)`` on a working set ``W``, scans every cell for the cones that most violate
    ``max_{|w| <= 1} |r^T relu(X w)| <= n lam`` (:func:`~landscape.convex.dual.scan`), adds
    the worst violators and repeats.  The lower bound is checked exactly over all K cones.
    With ``K <= 64`` one programme over all cones is solved instead.
    """
    if prog.K <= 64:
        every = tuple(range(prog.K))
        cand = prog.candidate(every)
        opt = prog.certify(cand, dual="all")
        used = opt.cones_used
        if not opt.certified and cand.status == SolverStatus.OPTIMAL and 0 < len(used) < prog.K:
            sub = prog.candidate(tuple(used))  # polish on the support
            if sub.status == SolverStatus.OPTIMAL:
                opt2 = prog.certify(sub, dual="all")
                if opt2.upper - opt2.lower < opt.upper - opt.lower:
                    opt = opt2
        opt = _recertify_by_direction(prog, cand, opt)
        opt.method = "all_cones"
        return prune_greedy(prog, prune_exact(prog, opt))
    batch = batch or max(5, prog.n)
    work = {c for _, c in prog.scan(prog.y.copy(), limit=2 * batch, iters=40)[: 2 * batch]}
    if not work:  # the zero network is optimal: every cone satisfies the dual condition
        opt = prog.certify(Candidate((), np.zeros((0, prog.dim)), SolverStatus.OPTIMAL, prog.solver), dual="all")
        opt.method = "cone_generation"
        return opt
    it = 0
    while True:
        it += 1
        cones = tuple(sorted(work))
        cand = prog.candidate(cones)
        if not cand.status.usable:
            break
        r = prog.y - sum(prog.A(c) @ cand.U[i] for i, c in enumerate(cones))
        viol = prog.scan(r, limit=batch + len(work), iters=40)
        new = [c for _, c in viol if c not in work][:batch]
        if not new and it < max_iter:  # confirm with the full-accuracy screen before stopping
            viol = prog.scan(r, limit=batch + len(work))
            new = [c for _, c in viol if c not in work][:batch]
        if verbose:
            print(f"iter {it}: |W|={len(work)} violators={len(viol)}")
        if not new or it >= max_iter:
            break
        # keep the working set small: used cones plus the new violators
        work = set(_used(cones, cand.U)) | set(new) if len(work) > 4 * batch else work | set(new)
    # polish: re-solve on the used cones only (same optimum, smaller and better conditioned)
    if cand.status.usable:
        used = _used(cand.cones, cand.U)
        if used and len(used) < len(cand.cones):
            sub = prog.candidate(used)
            if sub.status == SolverStatus.OPTIMAL:
                cand = sub
    opt = _recertify_by_direction(prog, cand, prog.certify(cand, dual="all"))
    opt.method = "cone_generation"
    opt.iterations = it
    return prune_greedy(prog, prune_exact(prog, opt))


def prune_exact(prog, opt) -> RegionOptimum:
    """An optimum with at most ``n`` used cones (linearly independent fitted columns), the
    same exact residual and a certificate in the same bracket.

    Pruning (Pilanci & Ergen 2020; Mishkin & Pilanci 2023; docs/theory.md, section 9):
    scale the used weights, ``u_c -> alpha_c u_c`` with ``alpha_c >= 0``.  Each ``u_c``
    stays in its closed cone, the fitted values ``sum_c alpha_c v_c`` (``v_c = s_c D_c X
    u_c``) and the penalty ``2 lam sum_c alpha_c |u_c|`` are linear in ``alpha``.  While the
    columns ``v_c`` are dependent, a null vector ``delta`` (exact, flint) with
    ``sum_c delta_c |u_c| <= 0`` is followed from ``alpha = 1`` until a weight reaches zero:
    the fit is unchanged *exactly* and the penalty does not rise.  The bound: the pruned
    support has at most ``rank {v_c} <= n`` cones, with or without a bias column (the
    lifted dimension ``d + 1`` changes the cones, not the space ``R^n`` of the columns), so
    ``L*_m = V*`` for every ``m >= opt.support_size``.

    The pruned point's upper bound is recomputed exactly (its residual, the dual point and
    ``lower`` are those of ``opt``); the result is returned only if it is still certified
    (:func:`~landscape.exact.arithmetic.gap_ok`), else ``opt`` itself.  An optimum that
    already uses at most ``n`` cones with clearly independent columns (float singular
    values) is returned as it is, without the exact null-space computation.
    """
    used = opt.cones_used
    if not opt.certified or len(used) <= 1:
        return opt
    if len(used) <= prog.n:  # already within the bound: prune only if the columns are dependent
        F = np.column_stack([prog.A(c) @ opt.u[c] for c in used])
        sv = np.linalg.svd(F, compute_uv=False)
        if sv[-1] > 1e-6 * sv[0]:
            return opt
    u = {c: list(opt.u_exact[c]) for c in used}
    cols = {}
    for c in used:  # v_c = s_c D_c X u_c, exactly
        D, s = prog.patterns[cone_cell(c)], cone_sign(c)
        cols[c] = [s * sum((x * v for x, v in zip(prog.arr.rows_exact[i], u[c])), Fraction(0)) if D[i]
                   else Fraction(0) for i in range(prog.n)]
    live = list(used)
    while len(live) > 1:
        basis = nullspace(fq_mat([[cols[c][i] for c in live] for i in range(prog.n)]), len(live))
        if not basis:
            break
        delta = basis[0]
        size = [math.sqrt(float(sum((v * v for v in u[c]), Fraction(0)))) for c in live]
        if sum(d * w for d, w in zip(delta, size)) > 0 or not any(d < 0 for d in delta):
            delta = [-d for d in delta]
        step = min(-1 / d for d in delta if d < 0)
        nxt = []
        for c, d in zip(live, delta):
            alpha = 1 + step * d
            if alpha > 0:
                u[c] = [alpha * v for v in u[c]]
                cols[c] = [alpha * v for v in cols[c]]
                nxt.append(c)
        live = nxt
    if len(live) == len(used):
        return opt
    norms = sum((sqrt_upper(sum((v * v for v in u[c]), Fraction(0)), 64) for c in live), Fraction(0))
    loss = sum((v * v for v in opt.residual_exact), Fraction(0)) / prog.n
    upper = round_up(loss + 2 * prog.lam * norms, 96)
    if not gap_ok(opt.lower, upper, scale=prog.gap_scale):
        return opt
    zero = tuple(Fraction(0) for _ in range(prog.dim))
    u_exact = {c: (tuple(u[c]) if c in live else zero) for c in opt.cones}
    return dataclasses.replace(opt, upper=upper, u_exact=u_exact, pruned_from=len(used))


def prune_greedy(prog, opt, max_used=60) -> RegionOptimum:
    """Drop used cones one at a time (smallest ``|u_c|`` first) while ``V`` stays within
    the certified gap: an interior-point solver splits a neuron lying on a shared face
    between the adjacent cones; the pruned optimum has one neuron per direction.

    The result's ``upper`` (and primal point, residual) is the pruned programme's; its
    ``lower``, ``mu``, ``dual_scale`` and ``dual_residual_exact`` are the all-cones dual
    certificate of ``opt`` (its :attr:`~RegionOptimum.dual_point`): the pruned point is
    feasible for ``V*`` and ``opt.lower`` still bounds ``V*`` from below.
    """
    used = opt.cones_used
    if not opt.certified or len(used) <= 1 or len(used) > max_used:
        return opt
    tol = Fraction(GAP_TOL) * max(abs(opt.upper), prog.gap_scale) / 2
    S = sorted(used, key=lambda c: float(np.linalg.norm(opt.u[c])))
    best = None
    for c in list(S):
        if len(S) == 1:
            break
        trial = prog.solve([x for x in S if x != c])
        if trial.status == SolverStatus.OPTIMAL and trial.upper <= opt.lower + tol:
            S.remove(c)
            best = trial
    if best is None or not gap_ok(opt.lower, best.upper, scale=prog.gap_scale):
        return opt
    dual_r = opt.certificate_residual
    return dataclasses.replace(best, lower=opt.lower, certified=True, reason="", mu=opt.mu,
                               dual_scale=opt.dual_scale, dual_residual_exact=dual_r, method=opt.method,
                               iterations=opt.iterations, pruned_from=opt.pruned_from or len(used))


def width_optimum(prog, m, max_programs=20000, glob=None) -> WidthOptimum:
    """``L*_m = min_{|S| <= m} V(S)``, certified.

    If ``m`` is at least the support size of a certified (pruned, so at most ``n``) convex
    optimum, then ``L*_m = V*`` (docs/theory.md, section 3) and ``method =
    "equals_global"``.  Otherwise every support of size ``min(m, K)`` is solved (``V``
    decreases as ``S`` grows), provided there are at most ``max_programs`` of them (else
    :class:`TooLargeError`).
    """
    if int(m) < 1:
        raise InputError(f"width m must be at least 1, got {m}")
    m = int(m)
    glob = glob or prog.global_optimum()
    if glob.certified and m >= len(glob.cones_used):
        return WidthOptimum(m, glob.lower, glob.upper, True, glob.status, "", "equals_global", glob, 1)
    size = min(m, prog.K)
    count = math.comb(prog.K, size)
    if count > max_programs:
        raise TooLargeError(f"L*_{m} by exhaustive search over supports", count, max_programs, "max_programs")
    # Every solve's bounds are proven whatever its status, so L*_m lies in
    # [min lower, min upper]; an uncertified solve matters only if its lower bound is below
    # the best upper bound, and then it is retried with a fresh cvxpy problem.
    opts = [prog.solve(S) for S in itertools.combinations(range(prog.K), size)]
    best = min(opts, key=lambda o: o.upper)
    for i, opt in enumerate(opts):
        if not opt.certified and opt.lower < best.upper:
            retry = prog.solve(opt.cones, solver="cvxpy")
            if retry.lower > opt.lower:
                opts[i] = retry
    best = min(opts, key=lambda o: o.upper)
    lo, up = min(o.lower for o in opts), best.upper
    certified = best.certified and gap_ok(lo, up, scale=prog.gap_scale)
    weak = [o for o in opts if not o.certified and o.lower < up]
    reason = "" if certified else (
        f"{len(weak)} support(s) with uncertified bounds below the best upper bound "
        f"(statuses {', '.join(sorted({str(o.status) for o in weak}))})" if weak else
        f"gap {float(up - lo):.3g} too large")
    # one status: OPTIMAL if every solve was optimal, else the commonest other one
    others = [SolverStatus(o.status) for o in opts if o.status != SolverStatus.OPTIMAL]
    status = max(set(others), key=others.count) if others else SolverStatus.OPTIMAL
    return WidthOptimum(m, lo, up, certified, status, reason, "exact_search", best, count)
