"""A compiled, batched primal-dual interior-point solver: float *candidates* for many
small restricted programmes ``V(S)`` in one call (docs/theory.md, section 3).

For a support ``S`` of ``k`` signed cones (Pilanci & Ergen, ICML 2020)::

    V(S) = min  (1/n) | sum_c s_c D_c X u_c - y |^2 + 2 lam sum_c |u_c|
           s.t. G_c u_c >= 0   (the facet rows of cone c's cell),

solved as the conic QP over ``x = (t_1, u_1, ..., t_k, u_k)``::

    min  1/2 x' P x + q' x     s.t.  G x + s = 0,  s in R_+^m x Q^{p+1} x ... x Q^{p+1}

(``P = (2/n) A' A`` on the ``u`` blocks, ``q_u = -(2/n) A' y``, ``q_t = 2 lam``; the
nonnegative rows are ``-g_ci . u_c``, the second-order cones ``-(t_c, u_c)``).  The method
is an infeasible-start primal-dual path-following method with Mehrotra's
predictor-corrector and Nesterov-Todd scaling of the second-order cones, as in CVXOPT's
``coneqp``; the Newton systems are ``(P + G' W^-2 G) dx = rhs``, dense of order
``k (p + 1)`` (Cholesky, one factorisation per iteration shared by both steps).

After convergence a polishing step runs Newton's method on the smooth KKT system of the
identified active set (cones with ``u_c`` clearly nonzero; the others exactly zero; facet
rows with small slack as equalities), kept only if it lowers the KKT residual with
nonnegative multipliers: certified gaps then sit near 1e-16 relative instead of 1e-12.

Nothing here is trusted: :mod:`landscape.convex.certify` turns a candidate into proven
bounds.  Multipliers are returned in the units of the dual condition
``|s_c X' D_c r + G_c' mu_c| <= n lam`` (``mu = (n/2) z``, as the Clarabel backend).

All work is in ``@numba.njit(cache=True, error_model="numpy")`` kernels; the batch loop runs in compiled code.

Examples
--------
>>> import numpy as np
>>> X, y = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1.0, 1.0])
>>> # one cone: cell "10" (row 0 active), positive sign; its facet rows are 0 and 1
>>> D, sign = np.array([[[1.0, 0.0]]]), np.array([[1.0]])
>>> rows, nrows = np.array([[[0, 1]]]), np.array([[2]])
>>> U, MU, status, iters = region_candidates_batch(X, y, 5 / 18, D, sign, rows, nrows)
>>> int(status[0]), (U[0].round(6) + 0.0).tolist()          # u = (1 - 2 lam, 0)
(0, [[0.444444, 0.0]])
"""

from __future__ import annotations

import math
from collections import namedtuple

import numba
import numpy as np

__all__ = ["region_candidates_batch", "candidates_for"]

_FM = {"reassoc", "contract"}  # fastmath flags of the dense kernels (no nnan/ninf: NaNs stay visible)
_STEP = 0.99  # fraction of the step to the boundary
#: a programme whose iteration stops at the floating-point floor (a cone point rounds onto
#: its boundary, the factorisation fails, or four iterations without halving the error)
#: counts as converged when its best iterate is within _FLOOR * tol (at tol = 1e-12: 1e-9,
#: still inside what the exact certification needs; observed stalls are near 1e-10)
_FLOOR = 1000.0
_STALL = 4
_REFINE_BELOW = 1e-6  # relative gap below which the Newton solves are refined




@numba.njit(cache=True, error_model="numpy", fastmath=_FM)
def _factor(Pu, Hb, R, k, p):
    """Factor the Newton matrix ``M = P + H`` (``P = Pu`` on the ``u`` entries, ``H``
    block diagonal with blocks ``Hb[c]`` over ``(t_c, u_c)``): each ``t_c`` couples only
    to its own ``u_c`` and is eliminated, leaving ``R`` of order ``k p``, factored by
    lower Cholesky (a pivot that rounding makes tiny is replaced by a small positive one;
    iterative refinement then recovers the solution).  False on failure."""
    kp = k * p
    for a in range(kp):
        for b in range(kp):
            R[a, b] = Pu[a, b]
    for c in range(k):
        mtt = Hb[c, 0, 0]
        if not mtt > 0.0:
            return False
        for j1 in range(p):
            f = Hb[c, 1 + j1, 0] / mtt
            for j2 in range(p):
                R[c * p + j1, c * p + j2] += Hb[c, 1 + j1, 1 + j2] - f * Hb[c, 0, 1 + j2]
    for j in range(kp):
        orig = R[j, j]
        if not orig > 0.0:
            return False
        d = orig
        for l in range(j):
            d -= R[j, l] * R[j, l]
        if not d > 1e-13 * orig:
            d = 1e-7 * orig
        d = math.sqrt(d)
        R[j, j] = d
        inv = 1.0 / d
        for i in range(j + 1, kp):
            v = R[i, j]
            for l in range(j):
                v -= R[i, l] * R[j, l]
            R[i, j] = v * inv
    return True


@numba.njit(cache=True, error_model="numpy", fastmath=_FM)
def _base_solve(Hb, R, k, p, b, out, rr):
    q = p + 1
    kp = k * p
    for c in range(k):
        g = b[c * q] / Hb[c, 0, 0]
        for j in range(p):
            rr[c * p + j] = b[c * q + 1 + j] - Hb[c, 1 + j, 0] * g
    for i in range(kp):
        v = rr[i]
        for l in range(i):
            v -= R[i, l] * rr[l]
        rr[i] = v / R[i, i]
    for i in range(kp - 1, -1, -1):
        v = rr[i]
        for l in range(i + 1, kp):
            v -= R[l, i] * rr[l]
        rr[i] = v / R[i, i]
    for c in range(k):
        v = b[c * q]
        for j in range(p):
            out[c * q + 1 + j] = rr[c * p + j]
            v -= Hb[c, 0, 1 + j] * rr[c * p + j]
        out[c * q] = v / Hb[c, 0, 0]


@numba.njit(cache=True, error_model="numpy", fastmath=_FM)
def _matvec(Pu, Hb, k, p, v, out):
    """``out = (P + H) v``."""
    q = p + 1
    for c in range(k):
        for j1 in range(q):
            a = 0.0
            for j2 in range(q):
                a += Hb[c, j1, j2] * v[c * q + j2]
            out[c * q + j1] = a
    for c1 in range(k):
        for j1 in range(p):
            a = 0.0
            for c2 in range(k):
                for j2 in range(p):
                    a += Pu[c1 * p + j1, c2 * p + j2] * v[c2 * q + 1 + j2]
            out[c1 * q + 1 + j1] += a


@numba.njit(cache=True, error_model="numpy")
def _ksolve(Pu, Hb, R, k, p, b, out, rr, res, corr, refine):
    """Solve ``(P + H) out = b`` with the factor from :func:`_factor` and ``refine`` steps
    of iterative refinement against ``P + H`` itself."""
    N = k * (p + 1)
    _base_solve(Hb, R, k, p, b, out, rr)
    for _ in range(refine):
        _matvec(Pu, Hb, k, p, out, res)
        for a in range(N):
            res[a] = b[a] - res[a]
        _base_solve(Hb, R, k, p, res, corr, rr)
        for a in range(N):
            out[a] += corr[a]


@numba.njit(cache=True, error_model="numpy", inline="always")
def _soc_scaling(S, cs, Z, cz, q, WB, cw, out_eta):
    """NT scaling of one second-order cone of size ``q`` at interior ``s = S[cs]``,
    ``z = Z[cz]``: the unit hyperbolic vector ``wb = WB[cw]`` (``wb' J wb = 1``) and
    ``eta``; ``W = eta Wbar(wb)``.  Returns False if a point is not interior.  (Rows are
    passed as ``(array, index)``: views would cost reference counting in the loop.)"""
    ns = 0.0
    nz = 0.0
    for j in range(1, q):
        ns += S[cs, j] * S[cs, j]
        nz += Z[cz, j] * Z[cz, j]
    ns = math.sqrt(ns)
    nz = math.sqrt(nz)
    s0 = S[cs, 0]
    z0 = Z[cz, 0]
    a = (s0 - ns) * (s0 + ns)
    b = (z0 - nz) * (z0 + nz)
    if not (a > 0.0 and b > 0.0 and s0 > 0.0 and z0 > 0.0):
        return False
    sn = math.sqrt(a)
    zn = math.sqrt(b)
    dot = 0.0
    for j in range(q):
        dot += S[cs, j] * Z[cz, j]
    dot /= sn * zn
    gam = math.sqrt(max(0.5 * (1.0 + dot), 1e-300))
    WB[cw, 0] = (s0 / sn + z0 / zn) / (2.0 * gam)
    for j in range(1, q):
        WB[cw, j] = (S[cs, j] / sn - Z[cz, j] / zn) / (2.0 * gam)
    out_eta[0] = math.sqrt(sn / zn)
    return True


@numba.njit(cache=True, error_model="numpy", inline="always")
def _soc_apply(WB, cw, f, g, q, V, cv, OUT, co, sg):
    """``OUT[co] = W V[cv]`` (``sg = 1``, ``f = eta``) or ``W^-1 V[cv]`` (``sg = -1``,
    ``f = 1 / eta``) for the NT scaling ``(WB[cw], eta)``; ``g = 1 / (1 + WB[cw, 0])``."""
    w1v = 0.0
    for j in range(1, q):
        w1v += WB[cw, j] * V[cv, j]
    out0 = WB[cw, 0] * V[cv, 0] + sg * w1v
    coef = sg * V[cv, 0] + w1v * g
    for j in range(1, q):
        OUT[co, j] = f * (V[cv, j] + coef * WB[cw, j])
    OUT[co, 0] = f * out0


@numba.njit(cache=True, error_model="numpy", inline="always")
def _soc_step(X, c, Dd, q):
    """Largest ``alpha`` with ``X[c] + alpha Dd[c]`` in the cone (``X[c]`` interior);
    1e300 if none."""
    nx = 0.0
    for j in range(1, q):
        nx += X[c, j] * X[c, j]
    nx = math.sqrt(nx)
    c_ = (X[c, 0] - nx) * (X[c, 0] + nx)
    a = Dd[c, 0] * Dd[c, 0]
    b = X[c, 0] * Dd[c, 0]
    for j in range(1, q):
        a -= Dd[c, j] * Dd[c, j]
        b -= X[c, j] * Dd[c, j]
    disc = max(b * b - a * c_, 0.0)
    sq = math.sqrt(disc)
    if a < 0.0 and b >= 0.0:
        return (b + sq) / (-a)
    if a < 0.0 or Dd[c, 0] < 0.0:
        den = sq - b
        if den <= 0.0:
            return 1e300
        return c_ / den
    return 1e300


@numba.njit(cache=True, error_model="numpy")
def _gauss_solve(J, b, Ns):
    """Solve ``J x = b`` in place (``b`` overwritten, ``J`` destroyed) by Gaussian
    elimination with partial pivoting; False if singular."""
    for col in range(Ns):
        piv = col
        big = abs(J[col, col])
        for i in range(col + 1, Ns):
            if abs(J[i, col]) > big:
                big = abs(J[i, col])
                piv = i
        if not big > 1e-300:
            return False
        if piv != col:
            for j in range(Ns):
                J[col, j], J[piv, j] = J[piv, j], J[col, j]
            b[col], b[piv] = b[piv], b[col]
        inv = 1.0 / J[col, col]
        for i in range(col + 1, Ns):
            f = J[i, col] * inv
            if f != 0.0:
                for j in range(col, Ns):
                    J[i, j] -= f * J[col, j]
                b[i] -= f * b[col]
    for i in range(Ns - 1, -1, -1):
        v = b[i]
        for j in range(i + 1, Ns):
            v -= J[i, j] * b[j]
        b[i] = v / J[i, i]
    return True


@numba.njit(cache=True, error_model="numpy")
def _kkt_residual(A, y, lam, k, p, act, u, arow, G, own, m, zeta, F):
    """The active-set KKT residual ``F`` (cone rows then active facet rows) and its norm."""
    n = A.shape[0]
    r = np.empty(n)
    for i in range(n):
        v = y[i]
        for c in range(k):
            if act[c]:
                for j in range(p):
                    v -= A[i, c * p + j] * u[c * p + j]
        r[i] = v
    tot = 0.0
    for c in range(k):
        if not act[c]:
            continue
        nu_ = 0.0
        for j in range(p):
            nu_ += u[c * p + j] * u[c * p + j]
        nu_ = math.sqrt(nu_)
        for j in range(p):
            v = 0.0
            for i in range(n):
                v -= A[i, c * p + j] * r[i]
            F[c * p + j] = 2.0 / n * v + 2.0 * lam * u[c * p + j] / nu_
    for l in range(m):
        if arow[l] >= 0:
            c = own[l]
            v = 0.0
            for j in range(p):
                F[c * p + j] -= G[l, j] * zeta[l]
                v += G[l, j] * u[c * p + j]
            F[k * p + arow[l]] = -v
    for c in range(k):
        if act[c]:
            for j in range(p):
                tot += F[c * p + j] * F[c * p + j]
    for l in range(m):
        if arow[l] >= 0:
            tot += F[k * p + arow[l]] ** 2
    return math.sqrt(tot)


@numba.njit(cache=True, error_model="numpy")
def _objective(A, y, lam, k, p, u):
    """``(1/n) |A u - y|^2 + 2 lam sum_c |u_c|``."""
    n = A.shape[0]
    v = 0.0
    for i in range(n):
        r = y[i]
        for a in range(k * p):
            r -= A[i, a] * u[a]
        v += r * r
    v /= n
    for c in range(k):
        nc = 0.0
        for j in range(p):
            nc += u[c * p + j] ** 2
        v += 2.0 * lam * math.sqrt(nc)
    return v


@numba.njit(cache=True, error_model="numpy")
def _polish(A, y, lam, k, p, x, zl, G, own, m):
    """Newton's method on the smooth KKT system of the identified active set: cones with
    ``u_c`` clearly nonzero (the others exactly zero) and their facet rows with ``s_l``
    small against ``z_l``.  Replaces ``x``'s ``u`` and the active cones' ``zl`` only if the
    KKT residual drops, the multipliers stay nonnegative and no active ``u_c`` vanishes."""
    q = p + 1
    n = A.shape[0]
    u = np.zeros(k * p)
    act = np.zeros(k, dtype=np.bool_)
    umax = 0.0
    for c in range(k):
        v = 0.0
        for j in range(p):
            u[c * p + j] = x[c * q + 1 + j]
            v += u[c * p + j] ** 2
        umax = max(umax, math.sqrt(v))
    if not umax > 0.0:
        return False
    for c in range(k):
        v = 0.0
        for j in range(p):
            v += u[c * p + j] ** 2
        act[c] = math.sqrt(v) > 1e-6 * umax
        if not act[c]:
            for j in range(p):
                u[c * p + j] = 0.0
    arow = np.empty(max(m, 1), dtype=np.int64)
    for l in range(arow.shape[0]):
        arow[l] = -1
    ma = 0
    zeta = np.zeros(max(m, 1))
    for l in range(m):
        c = own[l]
        if not act[c]:
            continue
        s = 0.0
        gn = 0.0
        un = 0.0
        for j in range(p):
            s += G[l, j] * u[c * p + j]
            gn += G[l, j] ** 2
            un += u[c * p + j] ** 2
        if s / math.sqrt(gn * un) < zl[l] / (2.0 * lam):
            arow[l] = ma
            zeta[l] = zl[l]
            ma += 1
    Ns = k * p + ma
    F = np.zeros(Ns)
    f0 = _kkt_residual(A, y, lam, k, p, act, u, arow, G, own, m, zeta, F)
    u0 = np.empty(k * p)
    for a in range(k * p):
        u0[a] = u[a]
    J = np.zeros((Ns, Ns))
    for it in range(3):
        for a in range(Ns):
            for b in range(Ns):
                J[a, b] = 0.0
        for c1 in range(k):
            if not act[c1]:
                for j in range(p):
                    J[c1 * p + j, c1 * p + j] = 1.0
                    F[c1 * p + j] = 0.0
                continue
            nu_ = 0.0
            for j in range(p):
                nu_ += u[c1 * p + j] ** 2
            nu_ = math.sqrt(nu_)
            for j1 in range(p):
                for c2 in range(k):
                    if not act[c2]:
                        continue
                    for j2 in range(p):
                        v = 0.0
                        for i in range(n):
                            v += A[i, c1 * p + j1] * A[i, c2 * p + j2]
                        J[c1 * p + j1, c2 * p + j2] = 2.0 / n * v
                for j2 in range(p):
                    h = -u[c1 * p + j1] * u[c1 * p + j2] / (nu_ * nu_)
                    if j1 == j2:
                        h += 1.0
                    J[c1 * p + j1, c1 * p + j2] += 2.0 * lam * h / nu_
        for l in range(m):
            if arow[l] >= 0:
                c = own[l]
                for j in range(p):
                    J[c * p + j, k * p + arow[l]] = -G[l, j]
                    J[k * p + arow[l], c * p + j] = -G[l, j]
        for a in range(Ns):
            F[a] = -F[a]
        if not _gauss_solve(J, F, Ns):
            return False
        for a in range(k * p):
            u[a] += F[a]
        for l in range(m):
            if arow[l] >= 0:
                zeta[l] += F[k * p + arow[l]]
        f1 = _kkt_residual(A, y, lam, k, p, act, u, arow, G, own, m, zeta, F)
        if not math.isfinite(f1):
            return False
    if not f1 < f0:
        return False
    # a local correction only: a small move that does not raise the objective (a nearly
    # singular system can otherwise send u along a direction the data do not see)
    du = 0.0
    for a in range(k * p):
        du += (u[a] - u0[a]) ** 2
    if not math.sqrt(du) <= 1e-4 * umax:
        return False
    if not _objective(A, y, lam, k, p, u) <= _objective(A, y, lam, k, p, u0) * (1.0 + 1e-12) + 1e-300:
        return False
    for l in range(m):
        if arow[l] >= 0 and zeta[l] < 0.0:
            return False
    for c in range(k):
        if act[c]:
            v = 0.0
            for j in range(p):
                v += u[c * p + j] ** 2
            if not math.sqrt(v) > 1e-9 * umax:
                return False
    for c in range(k):
        v = 0.0
        for j in range(p):
            x[c * q + 1 + j] = u[c * p + j]
            v += u[c * p + j] ** 2
        x[c * q] = math.sqrt(v)
    for l in range(m):
        if act[own[l]]:
            zl[l] = zeta[l] if arow[l] >= 0 else 0.0
    return True


#: the workspace of one batch call (allocated once, reused by every programme)
_Work = namedtuple("_Work", 'A Pu Hb R G own x sl zl ss zs wl lml wbs etas lms rx bx dx qv Px rzl bzl tl dzl dsl dsl_a dzl_a rzs bzs ts dzs dss dss_a dzs_a tmp best_x best_zl rr kres kcorr e_eta ietas g1s hl iwl ilml')


@numba.njit(cache=True, error_model="numpy")
def _solve_one(X, y, lam, Db, sgn, rowsb, nrowsb, max_iter, tol, polish,
               A, Pu, Hb, R, G, own, x, sl, zl, ss, zs, wl, lml, wbs, etas, lms, rx, bx, dx, qv,
               Px, rzl, bzl, tl, dzl, dsl, dsl_a, dzl_a, rzs, bzs, ts, dzs, dss, dss_a, dzs_a, tmp,
               best_x, best_zl, rr, kres, kcorr, e_eta, ietas, g1s, hl, iwl, ilml):
    """One programme, with the workspace arrays of :data:`_Work` (passed one by one:
    a 49-field tuple argument compiles far slower).  Returns ``(status, iters)``; the
    answer is left in ``x`` and ``zl``."""
    n, p = X.shape
    k = Db.shape[0]
    q = p + 1
    N = k * q
    kp = k * p
    # -- data: A = [s_c D_c X] (n x kp); Pu = (2/n) A'A; q = (2 lam on t, -(2/n) A'y on u)
    for c in range(k):
        for i in range(n):
            f = sgn[c] * Db[c, i]
            for j in range(p):
                A[i, c * p + j] = f * X[i, j]
    for a_ in range(kp):
        for b_ in range(a_, kp):
            v = 0.0
            for i in range(n):
                v += A[i, a_] * A[i, b_]
            v *= 2.0 / n
            Pu[a_, b_] = v
            Pu[b_, a_] = v
    qn = 0.0
    for c in range(k):
        qv[c * q] = 2.0 * lam
        for j in range(p):
            v = 0.0
            for i in range(n):
                v += A[i, c * p + j] * y[i]
            qv[c * q + 1 + j] = -2.0 / n * v
    for a_ in range(N):
        qn += qv[a_] * qv[a_]
    qn = math.sqrt(qn)
    y2 = 0.0
    for i in range(n):
        y2 += y[i] * y[i]
    c0 = y2 / n
    # -- the nonnegative rows: G row l is -g_l on u_{own[l]}
    m = 0
    for c in range(k):
        for t in range(nrowsb[c]):
            r = rowsb[c, t]
            f = 1.0 if Db[c, r] > 0.5 else -1.0
            for j in range(p):
                G[m, j] = f * X[r, j]
            own[m] = c
            m += 1
    nu = m + k
    # -- initial point (as CVXOPT): (P + G'G) x = -q, z = G x, s = -z, shifted into the cone
    for c in range(k):
        for j1 in range(q):
            for j2 in range(q):
                Hb[c, j1, j2] = 1.0 if j1 == j2 else 0.0
    for l in range(m):
        c = own[l]
        for j1 in range(p):
            for j2 in range(p):
                Hb[c, 1 + j1, 1 + j2] += G[l, j1] * G[l, j2]
    if not _factor(Pu, Hb, R, k, p):
        return 2, 0
    for a_ in range(N):
        bx[a_] = -qv[a_]
    _ksolve(Pu, Hb, R, k, p, bx, x, rr, kres, kcorr, 1)
    for l in range(m):
        c = own[l]
        v = 0.0
        for j in range(p):
            v -= G[l, j] * x[c * q + 1 + j]
        zl[l] = v
        sl[l] = -v
    for c in range(k):
        for j in range(q):
            zs[c, j] = -x[c * q + j]
            ss[c, j] = x[c * q + j]
    for it in range(2):
        wv = sl if it == 0 else zl
        wsoc = ss if it == 0 else zs
        amax = -1e300
        for l in range(m):
            amax = max(amax, -wv[l])
        for c in range(k):
            nrm = 0.0
            for j in range(1, q):
                nrm += wsoc[c, j] * wsoc[c, j]
            amax = max(amax, math.sqrt(nrm) - wsoc[c, 0])
        if amax >= -1e-8:
            for l in range(m):
                wv[l] += 1.0 + amax
            for c in range(k):
                wsoc[c, 0] += 1.0 + amax
    status = 1
    iters = 0
    best = 1e300
    since = 0
    for iteration in range(max_iter + 1):
        # -- residuals rx = P x + q + G'z, rz = G x + s; costs and gap
        xPx = 0.0
        qx = 0.0
        for c1 in range(k):
            rx[c1 * q] = qv[c1 * q]
            qx += qv[c1 * q] * x[c1 * q]
            for j1 in range(p):
                a_ = c1 * p + j1
                v = 0.0
                for c2 in range(k):
                    for j2 in range(p):
                        v += Pu[a_, c2 * p + j2] * x[c2 * q + 1 + j2]
                Px[a_] = v
                xPx += v * x[c1 * q + 1 + j1]
                rx[c1 * q + 1 + j1] = v + qv[c1 * q + 1 + j1]
                qx += qv[c1 * q + 1 + j1] * x[c1 * q + 1 + j1]
        for l in range(m):
            c = own[l]
            v = sl[l]
            for j in range(p):
                v -= G[l, j] * x[c * q + 1 + j]
                rx[c * q + 1 + j] -= G[l, j] * zl[l]
            rzl[l] = v
        for c in range(k):
            for j in range(q):
                rzs[c, j] = ss[c, j] - x[c * q + j]
                rx[c * q + j] -= zs[c, j]
        gap = 0.0
        for l in range(m):
            gap += sl[l] * zl[l]
        for c in range(k):
            for j in range(q):
                gap += ss[c, j] * zs[c, j]
        pcost = 0.5 * xPx + qx + c0
        nrx = 0.0
        for a_ in range(N):
            nrx += rx[a_] * rx[a_]
        nrz = 0.0
        for l in range(m):
            nrz += rzl[l] * rzl[l]
        for c in range(k):
            for j in range(q):
                nrz += rzs[c, j] * rzs[c, j]
        xn = 0.0
        for a_ in range(N):
            xn += x[a_] * x[a_]
        resx = math.sqrt(nrx) / max(1.0, qn)
        resz = math.sqrt(nrz) / max(1.0, math.sqrt(xn))
        # the gap relative to the certificate's own scale, max(V, min(1, |y|^2 / n))
        relgap = gap / max(pcost, min(1.0, c0), 1e-300)
        err = max(resx, resz, relgap)
        if not math.isfinite(err):
            status = 2
            break
        if err < 0.5 * best:
            since = 0
        else:
            since += 1
        if err < best:
            best = err
            for a_ in range(N):
                best_x[a_] = x[a_]
            for l in range(m):
                best_zl[l] = zl[l]
        iters = iteration
        if err <= tol:
            status = 0
            break
        if iteration == max_iter:
            break
        if since >= _STALL and best <= 1e-6:
            status = 2  # no progress: the floating-point floor
            break
        # -- scaling
        ok = True
        for l in range(m):
            if not (sl[l] > 0.0 and zl[l] > 0.0):
                ok = False
                break
            wl[l] = math.sqrt(sl[l] / zl[l])
            lml[l] = math.sqrt(sl[l] * zl[l])
            hl[l] = zl[l] / sl[l]
            iwl[l] = 1.0 / wl[l]
            ilml[l] = 1.0 / lml[l]
        if ok:
            for c in range(k):
                if not _soc_scaling(ss, c, zs, c, q, wbs, c, e_eta):
                    ok = False
                    break
                etas[c] = e_eta[0]
                ietas[c] = 1.0 / e_eta[0]
                g1s[c] = 1.0 / (1.0 + wbs[c, 0])
                _soc_apply(wbs, c, etas[c], g1s[c], q, zs, c, lms, c, 1.0)
        if not ok:
            status = 2
            break
        # -- H = G' W^-2 G, block diagonal
        for c in range(k):
            ie2 = 1.0 / (etas[c] * etas[c])
            for j1 in range(q):
                v1 = wbs[c, j1] if j1 == 0 else -wbs[c, j1]
                for j2 in range(q):
                    v2 = wbs[c, j2] if j2 == 0 else -wbs[c, j2]
                    v = 2.0 * v1 * v2
                    if j1 == j2:
                        v += -1.0 if j1 == 0 else 1.0
                    Hb[c, j1, j2] = ie2 * v
        for l in range(m):
            c = own[l]
            h = hl[l]
            for j1 in range(p):
                g1 = h * G[l, j1]
                for j2 in range(p):
                    Hb[c, 1 + j1, 1 + j2] += g1 * G[l, j2]
        if not _factor(Pu, Hb, R, k, p):
            status = 2
            break
        mu = gap / nu
        sigma = 0.0
        # iterative refinement only near the end, where the Newton matrix is ill-conditioned
        refine = 1 if relgap < _REFINE_BELOW else 0
        for step in range(2):
            # right-hand sides: bx = -rx, bz = -rz, t = lambda^-1 o bs with
            # bs = -lambda o lambda (step 0), - (W^-1 ds_a) o (W dz_a) + sigma mu e (step 1)
            for a_ in range(N):
                bx[a_] = -rx[a_]
            for l in range(m):
                bsv = -lml[l] * lml[l]
                if step == 1:
                    bsv += -dsl_a[l] * dzl_a[l] + sigma * mu
                tl[l] = bsv * ilml[l]
                # v = W^-2 (bz - W t); rhs bx + G'v
                bzl[l] = (-rzl[l] - wl[l] * tl[l]) * hl[l]
                c = own[l]
                for j in range(p):
                    bx[c * q + 1 + j] -= G[l, j] * bzl[l]
            for c in range(k):
                l0 = 0.0
                for j in range(q):
                    l0 += lms[c, j] * lms[c, j]
                tmp[0, 0] = -l0
                for j in range(1, q):
                    tmp[0, j] = -2.0 * lms[c, 0] * lms[c, j]
                if step == 1:
                    d0 = 0.0
                    for j in range(q):
                        d0 += dss_a[c, j] * dzs_a[c, j]
                    tmp[0, 0] += -d0 + sigma * mu
                    for j in range(1, q):
                        tmp[0, j] += -(dss_a[c, 0] * dzs_a[c, j] + dzs_a[c, 0] * dss_a[c, j])
                l1b = 0.0
                l1n = 0.0
                for j in range(1, q):
                    l1b += lms[c, j] * tmp[0, j]
                    l1n += lms[c, j] * lms[c, j]
                l1n = math.sqrt(l1n)
                t0 = (lms[c, 0] * tmp[0, 0] - l1b) / ((lms[c, 0] - l1n) * (lms[c, 0] + l1n))
                ts[c, 0] = t0
                for j in range(1, q):
                    ts[c, j] = (tmp[0, j] - t0 * lms[c, j]) / lms[c, 0]
                _soc_apply(wbs, c, etas[c], g1s[c], q, ts, c, tmp, 0, 1.0)
                for j in range(q):
                    tmp[0, j] = -rzs[c, j] - tmp[0, j]
                _soc_apply(wbs, c, ietas[c], g1s[c], q, tmp, 0, tmp, 1, -1.0)
                _soc_apply(wbs, c, ietas[c], g1s[c], q, tmp, 1, bzs, c, -1.0)
                for j in range(q):
                    bx[c * q + j] -= bzs[c, j]
            _ksolve(Pu, Hb, R, k, p, bx, dx, rr, kres, kcorr, refine)
            # dz = W^-2 G dx - v; ds = bz - G dx = -rz - G dx
            for l in range(m):
                c = own[l]
                gdx = 0.0
                for j in range(p):
                    gdx -= G[l, j] * dx[c * q + 1 + j]
                dzl[l] = gdx * hl[l] - bzl[l]
                dsl[l] = -rzl[l] - gdx
            for c in range(k):
                for j in range(q):
                    tmp[0, j] = -dx[c * q + j]
                _soc_apply(wbs, c, ietas[c], g1s[c], q, tmp, 0, tmp, 1, -1.0)
                _soc_apply(wbs, c, ietas[c], g1s[c], q, tmp, 1, dzs, c, -1.0)
                for j in range(q):
                    dzs[c, j] -= bzs[c, j]
                    dss[c, j] = -rzs[c, j] + dx[c * q + j]
            # step length
            amax = 1e300
            for l in range(m):
                if dsl[l] < 0.0:
                    amax = min(amax, -sl[l] / dsl[l])
                if dzl[l] < 0.0:
                    amax = min(amax, -zl[l] / dzl[l])
            for c in range(k):
                amax = min(amax, _soc_step(ss, c, dss, q))
                amax = min(amax, _soc_step(zs, c, dzs, q))
            if step == 0:
                aa = min(1.0, amax)
                ga = 0.0
                for l in range(m):
                    ga += (sl[l] + aa * dsl[l]) * (zl[l] + aa * dzl[l])
                for c in range(k):
                    for j in range(q):
                        ga += (ss[c, j] + aa * dss[c, j]) * (zs[c, j] + aa * dzs[c, j])
                sigma = min(1.0, max(0.0, ga / gap)) ** 3 if gap > 0.0 else 0.0
                # scaled affine directions for the corrector: W^-1 ds, W dz
                for l in range(m):
                    dsl_a[l] = dsl[l] * iwl[l]
                    dzl_a[l] = dzl[l] * wl[l]
                for c in range(k):
                    _soc_apply(wbs, c, ietas[c], g1s[c], q, dss, c, dss_a, c, -1.0)
                    _soc_apply(wbs, c, etas[c], g1s[c], q, dzs, c, dzs_a, c, 1.0)
            else:
                alpha = min(1.0, _STEP * amax)
                for a_ in range(N):
                    x[a_] += alpha * dx[a_]
                for l in range(m):
                    sl[l] += alpha * dsl[l]
                    zl[l] += alpha * dzl[l]
                for c in range(k):
                    for j in range(q):
                        ss[c, j] += alpha * dss[c, j]
                        zs[c, j] += alpha * dzs[c, j]
    if status != 0:
        if best < 1e300:
            for a_ in range(N):
                x[a_] = best_x[a_]
            for l in range(m):
                zl[l] = best_zl[l]
        else:
            for a_ in range(N):
                x[a_] = 0.0
            for l in range(m):
                zl[l] = 0.0
        if status == 2 and best <= _FLOOR * tol:
            status = 0  # stopped at the floating-point floor, within _FLOOR tol
    if status == 0 and polish:
        _polish(A, y, lam, k, p, x, zl, G, own, m)
    return status, iters


@numba.njit(cache=True)
def _batch(X, y, lam, D, sign, rows, nrows, max_iter, tol, U, MU, status, iters, polish):
    n, p = X.shape
    B, k = D.shape[0], D.shape[1]
    f = rows.shape[2]
    q = p + 1
    N = k * q
    kp = k * p
    mm = max(k * f, 1)
    w = _Work(np.zeros((n, kp)), np.zeros((kp, kp)), np.zeros((k, q, q)), np.zeros((kp, kp)),
              np.zeros((mm, p)), np.zeros(mm, dtype=np.int64),
              np.zeros(N), np.zeros(mm), np.zeros(mm), np.zeros((k, q)), np.zeros((k, q)),
              np.zeros(mm), np.zeros(mm), np.zeros((k, q)), np.zeros(k), np.zeros((k, q)),
              np.zeros(N), np.zeros(N), np.zeros(N), np.zeros(N), np.zeros(kp),
              np.zeros(mm), np.zeros(mm), np.zeros(mm), np.zeros(mm), np.zeros(mm), np.zeros(mm), np.zeros(mm),
              np.zeros((k, q)), np.zeros((k, q)), np.zeros((k, q)), np.zeros((k, q)), np.zeros((k, q)),
              np.zeros((k, q)), np.zeros((k, q)),
              np.zeros((2, q)), np.zeros(N), np.zeros(mm),
              np.zeros(kp), np.zeros(N), np.zeros(N), np.zeros(1),
              np.zeros(k), np.zeros(k), np.zeros(mm), np.zeros(mm), np.zeros(mm))
    for b in range(B):
        st, itn = _solve_one(X, y, lam, D[b], sign[b], rows[b], nrows[b], max_iter, tol, polish,
                             w.A, w.Pu, w.Hb, w.R, w.G, w.own, w.x, w.sl, w.zl, w.ss, w.zs, w.wl, w.lml, w.wbs,
                             w.etas, w.lms, w.rx, w.bx, w.dx, w.qv, w.Px, w.rzl, w.bzl, w.tl, w.dzl, w.dsl, w.dsl_a,
                             w.dzl_a, w.rzs, w.bzs, w.ts, w.dzs, w.dss, w.dss_a, w.dzs_a, w.tmp, w.best_x, w.best_zl,
                             w.rr, w.kres, w.kcorr, w.e_eta, w.ietas, w.g1s, w.hl, w.iwl, w.ilml)
        status[b] = st
        iters[b] = itn
        for c in range(k):
            for j in range(p):
                U[b, c, j] = w.x[c * q + 1 + j]
        l = 0
        for c in range(k):
            for t in range(nrows[b, c]):
                MU[b, c, rows[b, c, t]] += 0.5 * n * w.zl[l]
                l += 1


def region_candidates_batch(X, y, lam, D, sign, rows, nrows, max_iter=60, tol=1e-12, polish=True):
    """Float candidates for ``V(S)`` over a batch of supports of one size ``k``.

    Parameters
    ----------
    X : (n, p) float64
        The design matrix (with its bias column, if any).
    y : (n,) float64
    lam : float
        ``> 0``.
    D : (B, k, n) float64
        0/1 activation patterns of each support's cones.
    sign : (B, k) float64
        The cones' signs, ``+-1``.
    rows : (B, k, f) int64
        Facet row indices of each cone (padded).
    nrows : (B, k) int64
        How many of ``rows`` are real.
    max_iter : int
    tol : float
        Stop when the relative residuals (``|P x + q + G'z| / max(1, |q|)``,
        ``|G x + s| / max(1, |x|)``) and the gap ``s'z / max(V, min(1, |y|^2 / n))``
        (the certificate's own scale) are below it.
    polish : bool
        Run the active-set Newton polish after convergence (kept only if it helps).

    Returns
    -------
    U : (B, k, p) float64
        Candidate weights ``u_c``.
    MU : (B, k, n) float64
        Facet-row multipliers by data row (zero elsewhere), in the units of
        ``|s_c X' D_c r + G_c' mu_c| <= n lam`` with ``r = y - A u``.
    status : (B,) int64
        0 converged to ``tol`` (or stopped at the floating-point floor with every relative
        error within 1000 ``tol``), 1 ``max_iter`` reached (the best iterate is returned),
        2 numerical failure (the best iterate so far).
    iters : (B,) int64

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]]); y = np.array([1.0, -1.0])
    >>> D = np.array([[[1.0, 0.0], [0.0, 1.0]]]); sign = np.array([[1.0, -1.0]])
    >>> rows = np.array([[[0, 1], [0, 1]]]); nrows = np.array([[2, 2]])
    >>> U, MU, st, it = region_candidates_batch(X, y, 5 / 18, D, sign, rows, nrows)
    >>> int(st[0]), (U[0].round(6) + 0.0).tolist()       # two neurons fit 1 - 2 lam each
    (0, [[0.444444, 0.0], [0.0, 0.444444]])
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    D = np.ascontiguousarray(D, dtype=np.float64)
    sign = np.ascontiguousarray(sign, dtype=np.float64)
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    nrows = np.ascontiguousarray(nrows, dtype=np.int64)
    B, k = D.shape[0], D.shape[1]
    n, p = X.shape
    if rows.ndim != 3 or rows.shape[:2] != (B, k):
        raise ValueError("rows must be (B, k, f)")
    U = np.zeros((B, k, p))
    MU = np.zeros((B, k, n))
    status = np.zeros(B, dtype=np.int64)
    iters = np.zeros(B, dtype=np.int64)
    if B and k:
        _batch(X, y, float(lam), D, sign, rows, nrows, int(max_iter), float(tol), U, MU, status, iters,
               bool(polish))
    return U, MU, status, iters


def _cell_tables(prog):
    """Per dataset (kept in ``prog.form_cache``): the patterns as floats (``P x n``), the
    facet rows of every cell padded to one length, and their counts."""
    key = ("ipm_cells",)
    tables = prog.form_cache.get(key)
    if tables is None:
        fr = [prog.facet_rows(c) for c in range(prog.P)]
        f = max([len(r) for r in fr] + [1])
        pad = np.zeros((prog.P, f), dtype=np.int64)
        cnt = np.zeros(prog.P, dtype=np.int64)
        for c, r in enumerate(fr):
            pad[c, :len(r)] = r
            cnt[c] = len(r)
        tables = prog.form_cache[key] = (np.asarray(prog.patterns, dtype=np.float64), pad, cnt)
    return tables


def candidates_for(prog, supports, max_iter=60, tol=1e-12, polish=True):
    """:func:`region_candidates_batch` for ``supports`` (sequences of cone indices, all of
    one length) of a :class:`~landscape.convex.program.RegionProgram` ``prog``.

    Labels far from unit size are solved in their own units (``prog.label_unit``, as the
    Clarabel backend does): ``U`` and ``MU`` are returned in the data's units.

    Examples
    --------
    >>> from landscape.data import Dataset
    >>> from landscape.convex.program import RegionProgram
    >>> prog = RegionProgram(Dataset.from_arrays([[1, 0], [0, 1]], [1, 1]), "5/18")
    >>> c = 2 * prog.cell_of_pattern("11")
    >>> U, MU, status, iters = candidates_for(prog, [[c]])
    >>> int(status[0]), (U[0, 0].round(6) + 0.0).tolist()     # u = (1 - 2 lam / sqrt 2) (1, 1)
    (0, [0.607163, 0.607163])
    """
    S = np.asarray([list(s) for s in supports], dtype=np.int64).reshape(len(supports), -1)
    cells = S // 2
    patterns, pad, cnt = _cell_tables(prog)
    D = patterns[cells]                                                          # (B, k, n)
    sign = (1 - 2 * (S & 1)).astype(np.float64)
    a = prog.label_unit
    y = prog.y if a == 1.0 else prog.y / a
    U, MU, status, iters = region_candidates_batch(prog.X, y, prog.lamf / a, D, sign, pad[cells], cnt[cells],
                                                   max_iter=max_iter, tol=tol, polish=polish)
    if a != 1.0:
        U *= a
        MU *= a
    return U, MU, status, iters
