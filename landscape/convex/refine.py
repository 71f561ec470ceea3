"""Newton refinement of an optimum of ``V(S)`` on its KKT system (docs/theory.md,
sections 3 and 9).

A solver's point is certified only in value; its weights can be off by ~1e-6 where a
constraint is nearly active.  :func:`refine_optimum` holds the nearly active rows at
equality (an exact rational basis of that face) and runs Newton's method there, in float
or in mpmath arithmetic.  Nothing here is certified: callers check what they use.

Examples
--------
>>> import numpy as np
>>> from landscape.data import Dataset
>>> from landscape.convex.program import RegionProgram
>>> prog = RegionProgram(Dataset.from_arrays([[1, 0], [0, 1]], [1, 1]), "5/18")
>>> u = refine_optimum(prog, {2: np.array([0.44, 1e-12])})[2]    # cell "10": u = (4/9, 0)
>>> bool(np.allclose(u, [4 / 9, 0], atol=1e-14))
True
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..exact.linalg import fq_mat, nullspace
from ..geometry.cones import cone_cell, cone_sign

__all__ = ["refine_optimum"]


def refine_optimum(prog, u_by_cone, digits=None, iters=30, active_tol=1e-7):
    """Refine an optimum of ``V(S)`` by Newton's method on its KKT system.

    The solver's point is certified only in value (to ``GAP_TOL``); its weights can be off
    by ~1e-6 where a constraint is nearly active.  Rows with ``|x_i . u_c|`` below
    ``active_tol |x_i| |u_c|`` are held at equality (an exact rational basis of that face),
    every used ``u_c`` is nonzero, and on that face ``V`` is smooth near the optimum, so
    Newton's method with a backtracking line search converges quadratically.

    Parameters
    ----------
    prog : RegionProgram
    u_by_cone : dict
        cone -> float vector, a (near-)optimum of ``V(S)``.
    digits : int, optional
        ``None``: float arithmetic, returns float vectors.  Otherwise mpmath with that many
        digits, returns vectors of ``mpmath.mpf``.

    Returns
    -------
    dict
        cone -> refined ``u_c``; the input dict itself if a step fails or the refined point
        leaves a closed cell.  Nothing here is certified: callers check what they use.
    """
    cones = sorted(c for c, u in u_by_cone.items() if np.any(np.asarray(u, dtype=float)))
    if not cones:
        return u_by_cone
    if digits is None:
        return _refine(prog, u_by_cone, cones, float, math.sqrt, _solve_float, iters, active_tol, 2.0**-52)
    import mpmath

    with mpmath.workdps(digits):
        return _refine(prog, u_by_cone, cones, _mpf, mpmath.sqrt, _solve_mp, iters, active_tol,
                       mpmath.mpf(10) ** (5 - digits))


def _mpf(q):
    import mpmath

    q = Fraction(q)
    return mpmath.mpf(q.numerator) / q.denominator


def _solve_float(H, g):
    return np.linalg.lstsq(np.asarray(H, dtype=float), np.asarray(g, dtype=float), rcond=1e-13)[0]


def _solve_mp(H, g):
    import mpmath

    sol = mpmath.lu_solve(mpmath.matrix(H.tolist()), mpmath.matrix(g.tolist()))
    return np.array([sol[i] for i in range(len(g))], dtype=object)


def _face_basis(prog, c, u, active_tol):
    """Exact rational basis (dim x k) of ``{v : x_i . v = 0}`` for the nearly active rows."""
    X = prog.X
    scale = np.linalg.norm(X, axis=1) * np.linalg.norm(u)
    active = np.nonzero(np.abs(X @ u) <= active_tol * np.maximum(scale, 1e-300))[0]
    rows = [prog.arr.rows_exact[i] for i in active if any(prog.arr.rows_exact[i])]
    if not rows:
        return [[Fraction(int(i == j)) for j in range(prog.dim)] for i in range(prog.dim)]
    basis = nullspace(fq_mat(rows), prog.dim)
    return [[v[i] for v in basis] for i in range(prog.dim)]


def _refine(prog, u_by_cone, cones, num, sqrt, solve, iters, active_tol, eps):
    n = prog.n
    conv = np.vectorize(num, otypes=[object if num is not float else float])
    X = conv(np.array(prog.arr.rows_exact, dtype=object))
    y = conv(np.array(prog.ds.y_exact, dtype=object))
    lam = num(prog.lam)
    blocks, bases, grams, z = [], [], [], []
    for c in cones:
        u = np.asarray(u_by_cone[c], dtype=float)
        Nq = _face_basis(prog, c, u, active_tol)
        if not Nq or not Nq[0]:
            return u_by_cone
        N = conv(np.array(Nq, dtype=object))
        Nf = np.array(Nq, dtype=float)
        D = prog.patterns[cone_cell(c)]
        A = (cone_sign(c) * D[:, None]) * X
        blocks.append(A @ N)
        bases.append(N)
        grams.append(N.T @ N)
        z.append(conv(np.linalg.lstsq(Nf, u, rcond=None)[0].astype(object)))
    sizes = [N.shape[1] for N in bases]
    cuts = np.cumsum(sizes)[:-1]
    M = np.hstack(blocks)
    z = np.concatenate(z)
    zero = num(0)

    def norms(z):
        return [sqrt(p @ G @ p) for p, G in zip(np.split(z, cuts), grams)]

    def objective(z):
        res = M @ z - y
        return res @ res / n + 2 * lam * sum(norms(z), zero)

    best = start = objective(z)
    for _ in range(iters):
        nz = norms(z)
        if any(v == 0 for v in nz):
            return u_by_cone
        res = M @ z - y
        g = (2 / num(n)) * (M.T @ res)
        H = (2 / num(n)) * (M.T @ M)
        off = 0
        for p, G, nu in zip(np.split(z, cuts), grams, nz):
            k = len(p)
            Gp = G @ p
            g[off:off + k] += 2 * lam * Gp / nu
            H[off:off + k, off:off + k] += 2 * lam * (G / nu - np.outer(Gp, Gp) / nu**3)
            off += k
        try:
            step = solve(H, g)
        except (np.linalg.LinAlgError, ZeroDivisionError):
            break
        t = num(1)
        while t > num(2) ** -20:
            cand = z - t * step
            val = objective(cand)
            if val <= best:
                break
            t /= 2
        else:
            break
        moved = sqrt((t * step) @ (t * step))
        z, best = cand, val
        if moved <= eps * (1 + sqrt(z @ z)):
            break
    if not best <= start:
        return u_by_cone
    out = {}
    for c, N, p in zip(cones, bases, np.split(z, cuts)):
        u = N @ p
        uf = np.asarray(u, dtype=float)
        xu = prog.X @ uf
        D = prog.patterns[cone_cell(c)]
        tol = 1e-12 * np.linalg.norm(uf)
        if np.any(xu[D] < -tol) or np.any(xu[~D] > tol):
            return u_by_cone
        out[c] = u
    return out
