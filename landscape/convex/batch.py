r"""Certified ``V(S)`` for many supports at once (docs/theory.md, sections 3 and 9).

Classification asks for thousands of small programmes.  One at a time, each costs a
conic solver's set-up plus an exact certificate (about 1 ms at ``n = 8``).  Here the
supports are grouped by size and each group is handled by two compiled calls:

1. :func:`landscape.convex.ipm.candidates_for` -- float candidates (primal point and
   multipliers) from a batched interior-point method;
2. :func:`landscape.convex.float_bounds.float_bounds` -- validated float bounds
   ``lower <= V(S) <= upper`` from those candidates.

A support is certified by this path when its candidate converged, its feasibility and
bounds were proven and the gap passes :func:`~landscape.convex.certify.gap_within` at the
programme's scale, the same test as the exact path; its result is a
:class:`~landscape.convex.optimum.ValidatedOptimum`.  Every other support (the empty one,
supports of more than ``MAX_BATCH_CONES`` cones, and any the batch does not certify) goes
through :meth:`RegionProgram.solve <landscape.convex.program.RegionProgram.solve>`,
Clarabel with the exact certificate, so the batch never answers less than the exact path
does.  Both kernels are compiled with numba on first use (cached on disk).

Examples
--------
>>> from landscape.data import Dataset
>>> from landscape.convex.program import RegionProgram
>>> prog = RegionProgram(Dataset.from_arrays([[1, 0], [0, 1], [1, 1]], [1, -1, 1]), "1/20")
>>> supports = [(0, 3), (2, 5, 7), (1,), (), (0, 3)]
>>> opts = solve_many(prog, supports)
>>> [o.certified for o in opts]
[True, True, True, True, True]
>>> all(o.lower <= prog.solve(S).upper and prog.solve(S).lower <= o.upper for o, S in zip(opts, supports))
True
"""

from __future__ import annotations

import numpy as np

from ..results.status import SolverStatus
from .certify import gap_within, small_weights
from .optimum import ValidatedOptimum, float_bound

__all__ = ["solve_many", "BATCH", "MAX_BATCH_CONES", "IPM_TOL"]

#: supports per compiled call
BATCH = 1024
#: larger supports go to the exact path (their programmes are not small)
MAX_BATCH_CONES = 16
#: the interior-point tolerance: the certificate, not the solver, decides (1e-10 certifies
#: as often as 1e-12 on the benchmark supports, two iterations sooner)
IPM_TOL = 1e-10
#: candidate weights below this fraction of the largest (or of ``|y| / |X|_2``) are zero: an
#: interior-point candidate approaches zero slowly on a degenerate cone (one whose dual value
#: is exactly n lam), leaving weights near 1e-9 where the optimum has none
ZERO_REL_IPM = 1e-8


def _prefer_zeros(prog, cones, fb):
    """``fb`` with the :func:`~landscape.convex.certify.small_weights` of each candidate
    zeroed where that point is at least as good (upper bound not above the candidate's, up
    to 1e-12 relative) and still passes the gap test; the batched counterpart of the exact
    path's rule (:func:`landscape.convex.algorithms.solve_region`).  The interior-point
    candidates leave such weights (3e-8 on the bundled ``chistikov_b11``) where the optimum
    has none.
    """
    from .float_bounds import FloatBounds, float_bounds

    small = small_weights(np.sqrt(np.einsum("bkp,bkp->bk", fb.U, fb.U)), prog.u_scale)
    rows = np.nonzero(small.any(axis=1) & fb.ok)[0]
    if not len(rows):
        return fb
    U2 = np.where(small[rows][:, :, None], 0.0, fb.U[rows])
    alt = float_bounds(prog, cones[rows], U2, fb.mu[rows], zero_rel=ZERO_REL_IPM)
    slack = 1e-12 * np.maximum(np.abs(fb.upper[rows]), float(prog.gap_scale))
    take = alt.ok & (alt.gap_test > 0) & (alt.upper <= fb.upper[rows] + slack)
    if not take.any():
        return fb
    out = {name: getattr(fb, name).copy() for name in FloatBounds.__dataclass_fields__}
    for name in out:
        out[name][rows[take]] = getattr(alt, name)[take]
    return FloatBounds(**out)


def _validated_group(prog, keys):
    """ValidatedOptimum (or None where this path does not certify) for supports of one size."""
    from .float_bounds import float_bounds
    from .ipm import candidates_for

    U, MU, status, _ = candidates_for(prog, keys, tol=IPM_TOL)
    cones = np.array(keys, dtype=np.int64)
    fb = _prefer_zeros(prog, cones, float_bounds(prog, cones, U, MU, zero_rel=ZERO_REL_IPM))
    E, scale, lam = prog.exact, prog.gap_scale, prog.lam
    test = np.where(status == 0, fb.gap_test, 0).tolist()
    lo, up, t = fb.lower.tolist(), fb.upper.tolist(), fb.t.tolist()
    out = []
    for b, S in enumerate(keys):
        if not test[b]:
            out.append(None)
            continue
        if test[b] == 1 and not gap_within(float_bound(lo[b], False), float_bound(up[b], True), scale):
            out.append(None)
            continue
        out.append(ValidatedOptimum.from_floats(S, lo[b], up[b], SolverStatus.OPTIMAL, fb.U[b], fb.residual[b], fb.mu[b],
                                                t[b], lam, E, prog.patterns, "ipm"))
    return out


def solve_many(prog, supports, batch=BATCH) -> list:
    """Certified optima of ``V(S)`` for every support in ``supports``, in order.

    Parameters
    ----------
    prog : RegionProgram
    supports : iterable of iterables of int
        Supports ``S`` (validated and sorted as by :meth:`RegionProgram.solve`).
    batch : int
        Supports per compiled call.

    Returns
    -------
    list
        One result per support: a :class:`~landscape.convex.optimum.ValidatedOptimum`
        where the batched path certified it, else :meth:`RegionProgram.solve`'s
        :class:`~landscape.convex.optimum.RegionOptimum` (certified or not).
    """
    keys = [prog.validate_cones(S) for S in supports]
    out = [None] * len(keys)
    groups = {}
    for i, S in enumerate(keys):
        if 0 < len(S) <= MAX_BATCH_CONES:
            groups.setdefault(len(S), []).append(i)
    for idx in groups.values():
        for start in range(0, len(idx), batch):
            chunk = idx[start:start + batch]
            for i, opt in zip(chunk, _validated_group(prog, [keys[i] for i in chunk])):
                out[i] = opt
    for i, S in enumerate(keys):
        if out[i] is None:
            out[i] = prog.solve(S)
    return out

