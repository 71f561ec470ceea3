r"""Compiled upper bounds on the dual value of many signed cones at once (docs/theory.md,
section 3).

For a cone ``C = {u : G u >= 0}`` and a vector ``b``, ``max {b . u : u in C, |u| <= 1} =
|P_C(b)| = min over mu >= 0 of |b + G^T mu|``, so any ``mu >= 0`` gives an upper bound.
:func:`fista_bounds` runs accelerated projected gradient (FISTA; Beck & Teboulle, SIAM J.
Imaging Sci. 2009) on ``min_{mu >= 0} |b + G^T mu|^2 / 2`` for each cone, in compiled code,
checking every 10 iterations whether the bound is already below ``target (1 - 1e-9)`` or
a feasible direction ``u = b + G^T mu`` already proves the value above
``target (1 + 1e-9)``.  It is the inner loop of
:func:`landscape.convex.dual.batch_dual`, a float screen: every decision it feeds is
re-checked exactly.

Examples
--------
>>> import numpy as np
>>> G = np.array([[[1.0, 0.0], [0.0, 1.0]]])          # the quadrant u1, u2 >= 0
>>> b = np.array([[1.0, -1.0]])                        # P_C(b) = (1, 0)
>>> mu = fista_bounds(G, b, np.array([2.0]), 0.5, 300)
>>> round(float(np.linalg.norm(b[0] + G[0].T @ mu[0])), 6)
1.0
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["fista_bounds"]


@njit(cache=True)
def fista_bounds(G, b, L, target, iters):
    """Multipliers ``mu >= 0`` (``(m, f)``) for the cones ``G`` (``(m, f, p)``, zero rows
    allowed) and vectors ``b`` (``(m, p)``), with step ``1 / L`` (``L`` at least the
    squared spectral norm of each ``G``), at most ``iters`` iterations per cone."""
    M, f, p = G.shape
    out = np.zeros((M, f))
    z = np.zeros(f)
    prev = np.zeros(f)
    new = np.zeros(f)
    res = np.zeros(p)
    hi = target * (1.0 - 1e-9)
    lo_stop = target * (1.0 + 1e-9)
    for m in range(M):
        for i in range(f):
            z[i] = 0.0
            prev[i] = 0.0
        t = 1.0
        done = 0
        while done < iters:
            for _ in range(10):
                for j in range(p):
                    s = b[m, j]
                    for i in range(f):
                        s += G[m, i, j] * z[i]
                    res[j] = s
                for i in range(f):
                    g = 0.0
                    for j in range(p):
                        g += G[m, i, j] * res[j]
                    v = z[i] - g / L[m]
                    new[i] = v if v > 0.0 else 0.0
                tn = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
                w = (t - 1.0) / tn
                for i in range(f):
                    z[i] = new[i] + w * (new[i] - prev[i])
                    prev[i] = new[i]
                t = tn
            done += 10
            up2 = 0.0
            for j in range(p):
                s = b[m, j]
                for i in range(f):
                    s += G[m, i, j] * prev[i]
                res[j] = s
                up2 += s * s
            up = np.sqrt(up2)
            if not up > hi:
                break
            # u = res is feasible when G u >= -1e-12 |u| sqrt(L) on every row
            feas = up > 0.0
            tol = -1e-12 * up * np.sqrt(L[m])
            for i in range(f):
                g = 0.0
                for j in range(p):
                    g += G[m, i, j] * res[j]
                if g < tol:
                    feas = False
                    break
            if feas:
                bu = 0.0
                for j in range(p):
                    bu += b[m, j] * res[j]
                if bu / up > lo_stop:
                    break
        for i in range(f):
            out[m, i] = prev[i]
    return out
