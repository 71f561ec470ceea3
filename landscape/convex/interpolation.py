"""The certified min-norm interpolator, the ``lam -> 0`` limit of ``V*`` (docs/theory.md,
section 3; Chistikov, Englert & Lazic 2023 for the instance family it was built for).

``min sum_c |u_c|`` subject to ``sum_c s_c D_c X u_c = y`` exactly and ``G_c u_c >= 0``.
Upper bound: the candidate's active constraints are made exact and the fit is restored
exactly by a rational linear solve inside that face; lower bound: a rational dual ``r``
scaled so that ``max_c |s_c X^T D_c r + G_c^T mu_c| <= 1`` exactly over all K cones.

Examples
--------
>>> from landscape.data import Dataset
>>> it = min_norm_interpolator(Dataset.from_arrays([[1, 0], [0, 1]], [1, 1]))
>>> it.certified, it.rank, it.upper - it.lower < 1e-9  # one neuron along (1, 1): |theta|^2 = 2 sqrt 2
(True, 1, True)
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..errors import TooLargeError
from ..exact.arithmetic import GAP_TOL, gap_ok, round_down, sqrt_upper, to_grid
from ..exact.linalg import exact_rank, fq_mat, nullspace, particular_solution
from ..geometry.cones import cone_cell, cone_sign
from ..results.status import SolverStatus
from .backends import interpolation_candidate
from .certify import ZERO_REL
from .dual import all_cones_dual
from .optimum import Interpolator
from .structure import ConeStructure

__all__ = ["min_norm_interpolator", "INTERPOLATION_STAGES"]


#: the stages of :func:`min_norm_interpolator`, in order (its ``on_stage`` hook)
INTERPOLATION_STAGES = ("cells", "candidate", "exact interpolant", "lower bound")


def min_norm_interpolator(ds, arrangement=None, max_cones=20000, on_stage=None) -> Interpolator:
    """Certified ``min sum_c |u_c|`` subject to ``sum_c s_c D_c X u_c = y`` exactly.

    The minimum ``|theta|^2`` of an exact interpolating network is twice the optimum;
    ``lower``/``upper`` of the result bound that.  Raises :class:`TooLargeError` if there
    are more than ``max_cones`` signed cones.  ``on_stage(name, index, total)`` is called
    as each of :data:`INTERPOLATION_STAGES` starts, and with ``index = total`` at the end
    (a progress display).
    """
    def stage(index):
        if on_stage is not None:
            name = INTERPOLATION_STAGES[index] if index < len(INTERPOLATION_STAGES) else "done"
            on_stage(name, index, len(INTERPOLATION_STAGES))

    stage(0)
    st = ConeStructure(ds, arrangement)
    if st.K > max_cones:
        raise TooLargeError("min-norm interpolator over all signed cones", st.K, max_cones, "max_cones")
    cones = tuple(range(st.K))
    stage(1)
    cand = interpolation_candidate(st, cones)
    stage(2)
    upper, uex, why = _exact_interpolant(st, cones, cand.U)
    stage(3)
    lower = 2 * _interp_lower(st, cand.dual_point)
    stage(4)
    if upper is None:
        uex = {}
    rank = exact_rank([uex[c] for c in uex])
    up2 = 2 * upper if upper is not None else None
    certified = cand.status == SolverStatus.OPTIMAL and up2 is not None and gap_ok(lower, up2)
    if certified:
        reason = ""
    elif cand.status != SolverStatus.OPTIMAL:
        reason = f"solver status {cand.status.value!r}"
    elif up2 is None:
        reason = why
    else:
        reason = f"gap {float(up2 - lower):.3g} exceeds {GAP_TOL:g} max(|V|, 1)"
    return Interpolator(lower, up2 if up2 is not None else Fraction(0), certified, cand.status, reason, rank, uex)


def _exact_interpolant(st, cones, U):
    """Exact rational interpolant near ``U`` keeping its active constraints; returns
    ``(upper bound on sum |u_c|, {cone: u_exact}, reason)``."""
    rows_q = [[Fraction(v) for v in r] for r in st.arr.rows_exact]
    norms = np.linalg.norm(U, axis=1)
    scale = norms.max() if len(norms) else 0.0
    used = [i for i in range(len(cones)) if norms[i] > ZERO_REL * max(scale, 1e-300)]
    if not used:
        return None, {}, "no candidate"
    idx = np.nonzero(st.nz)[0]
    bases = []
    for i in used:
        c = cones[i]
        D = st.patterns[cone_cell(c)]
        gu = st.G(c, idx) @ U[i]
        Gn = np.linalg.norm(st.X[idx], axis=1)
        act = [int(idx[j]) for j in range(len(idx)) if abs(gu[j]) <= 1e-8 * Gn[j] * norms[i]]
        if act:
            B = nullspace(fq_mat([[(1 if D[a] else -1) * rows_q[a][j] for j in range(st.dim)] for a in act]), st.dim)
        else:
            B = [[Fraction(int(j == l)) for l in range(st.dim)] for j in range(st.dim)]
        if not B:
            return None, {}, f"cone {c}: active constraints leave no direction"
        bases.append(B)
    # unknowns: coefficients z in each basis, u_i = sum_l z_l B[l]; equations: sum_i s_i D_i X u_i = y
    colvecs = []
    for t, i in enumerate(used):
        c = cones[i]
        D, s = st.patterns[cone_cell(c)], cone_sign(c)
        for Bl in bases[t]:
            colvecs.append([s * int(D[a]) * sum((x * v for x, v in zip(rows_q[a], Bl)), Fraction(0))
                            for a in range(st.n)])
    # least-squares float coefficients, then an exact correction
    z0 = np.concatenate([np.linalg.lstsq(np.array([[float(v) for v in Bl] for Bl in bases[t]]).T, U[i], rcond=None)[0]
                         for t, i in enumerate(used)])
    zi, kz = to_grid(z0)
    zq = [Fraction(v, 1 << kz) if kz >= 0 else Fraction(v * (1 << -kz)) for v in zi]
    M = fq_mat([[colvecs[j][a] for j in range(len(colvecs))] for a in range(st.n)])
    e = [st.ds.y_exact[a] - sum((colvecs[j][a] * zq[j] for j in range(len(zq))), Fraction(0)) for a in range(st.n)]
    dz = particular_solution(M, e)
    if dz is None:
        return None, {}, "exact fit impossible on the candidate's face"
    z = [a + b for a, b in zip(zq, dz)]
    uex = {}
    pos = 0
    for t, i in enumerate(used):
        c = cones[i]
        m = len(bases[t])
        u = [sum((z[pos + l] * bases[t][l][j] for l in range(m)), Fraction(0)) for j in range(st.dim)]
        pos += m
        D = st.patterns[cone_cell(c)]
        for a in range(st.n):
            g = sum((x * v for x, v in zip(rows_q[a], u)), Fraction(0))
            if (g < 0 and D[a]) or (g > 0 and not D[a]):
                return None, {}, f"rounded point leaves cone {c} (row {a})"
        if any(v != 0 for v in u):
            uex[c] = tuple(u)
    total = sum((sqrt_upper(sum((v * v for v in u), Fraction(0)), 64) for u in uex.values()), Fraction(0))
    return total, uex, ""


def _interp_lower(st, r):
    """Exact lower bound ``t r.y`` with ``t^2 max_c |.|^2 <= 1`` over all K cones."""
    if not np.all(np.isfinite(r)) or not np.any(r):
        return Fraction(0)
    E = st.exact
    ri, k = to_grid(r)
    rden = 1 << k
    Nmax = all_cones_dual(st, ri, rden, r, {}, Fraction(1))  # the dual condition with n lam = 1
    ry = E.r_dot_y(ri, rden)
    if ry <= 0:
        return Fraction(0)
    t = Fraction(1) if Nmax <= 1 else round_down(1 / sqrt_upper(Nmax, 64), 80)
    return t * ry
