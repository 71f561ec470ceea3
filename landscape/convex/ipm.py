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

import numba
import numpy as np

__all__ = ["region_candidates_batch", "candidates_for"]

_STEP = 0.99  # fraction of the step to the boundary
_LAST_ERRS = [None]  # the best relative error of each programme of the last call (diagnostics)


@numba.njit(cache=True, error_model="numpy")
def _cholesky(M, N):
    """In-place lower Cholesky of ``M[:N, :N]``; False on a non-positive pivot."""
    for j in range(N):
        d = M[j, j]
        for l in range(j):
            d -= M[j, l] * M[j, l]
        if not d > 0.0:
            return False
        d = math.sqrt(d)
        M[j, j] = d
        inv = 1.0 / d
        for i in range(j + 1, N):
            v = M[i, j]
            for l in range(j):
                v -= M[i, l] * M[j, l]
            M[i, j] = v * inv
    return True


@numba.njit(cache=True, error_model="numpy")
def _chol_solve(L, N, b):
    """Solve ``L L' x = b`` in place (``b`` overwritten)."""
    for i in range(N):
        v = b[i]
        for l in range(i):
            v -= L[i, l] * b[l]
        b[i] = v / L[i, i]
    for i in range(N - 1, -1, -1):
        v = b[i]
        for l in range(i + 1, N):
            v -= L[l, i] * b[l]
        b[i] = v / L[i, i]


@numba.njit(cache=True, error_model="numpy")
def _factor(M, R, k, p):
    """Eliminate each cone's ``t_c`` from ``M`` (order ``k (p + 1)``, blocks ``(t_c, u_c)``;
    ``t_c`` couples only to its own ``u_c``) into ``R`` (order ``k p``) and factor ``R``
    (lower Cholesky; a pivot that rounding makes non-positive is replaced by a small
    positive one, iterative refinement then recovers the solution).  False on failure."""
    q = p + 1
    kp = k * p
    for c1 in range(k):
        for j1 in range(p):
            a = c1 * q + 1 + j1
            for c2 in range(k):
                for j2 in range(p):
                    R[c1 * p + j1, c2 * p + j2] = M[a, c2 * q + 1 + j2]
    for c in range(k):
        t = c * q
        mtt = M[t, t]
        if not mtt > 0.0:
            return False
        for j1 in range(p):
            f = M[t + 1 + j1, t] / mtt
            for j2 in range(p):
                R[c * p + j1, c * p + j2] -= f * M[t, t + 1 + j2]
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


@numba.njit(cache=True, error_model="numpy")
def _base_solve(M, R, k, p, b, out, rr):
    q = p + 1
    for c in range(k):
        t = c * q
        g = b[t] / M[t, t]
        for j in range(p):
            rr[c * p + j] = b[t + 1 + j] - M[t + 1 + j, t] * g
    _chol_solve(R, k * p, rr)
    for c in range(k):
        t = c * q
        v = b[t]
        for j in range(p):
            out[t + 1 + j] = rr[c * p + j]
            v -= M[t, t + 1 + j] * rr[c * p + j]
        out[t] = v / M[t, t]


@numba.njit(cache=True, error_model="numpy")
def _ksolve(M, R, k, p, b, out, rr, res, corr):
    """Solve ``M out = b`` with the factor from :func:`_factor` and two steps of iterative
    refinement against ``M`` itself."""
    N = k * (p + 1)
    _base_solve(M, R, k, p, b, out, rr)
    for _ in range(2):
        for a in range(N):
            v = b[a]
            for c in range(N):
                v -= M[a, c] * out[c]
            res[a] = v
        _base_solve(M, R, k, p, res, corr, rr)
        for a in range(N):
            out[a] += corr[a]


@numba.njit(cache=True, error_model="numpy")
def _soc_scaling(s, z, q, wb, out_eta):
    """NT scaling of one second-order cone of size ``q`` at interior ``s``, ``z``: the unit
    hyperbolic vector ``wb`` (``wb' J wb = 1``) and ``eta``; ``W = eta Wbar(wb)``.
    Returns False if a point is not interior."""
    ns = 0.0
    nz = 0.0
    for j in range(1, q):
        ns += s[j] * s[j]
        nz += z[j] * z[j]
    ns = math.sqrt(ns)
    nz = math.sqrt(nz)
    a = (s[0] - ns) * (s[0] + ns)
    b = (z[0] - nz) * (z[0] + nz)
    if not (a > 0.0 and b > 0.0 and s[0] > 0.0 and z[0] > 0.0):
        return False
    sn = math.sqrt(a)
    zn = math.sqrt(b)
    dot = 0.0
    for j in range(q):
        dot += s[j] * z[j]
    dot /= sn * zn
    gam = math.sqrt(max(0.5 * (1.0 + dot), 1e-300))
    wb[0] = (s[0] / sn + z[0] / zn) / (2.0 * gam)
    for j in range(1, q):
        wb[j] = (s[j] / sn - z[j] / zn) / (2.0 * gam)
    out_eta[0] = math.sqrt(sn / zn)
    return True


@numba.njit(cache=True, error_model="numpy")
def _soc_apply(wb, eta, q, v, out, inverse):
    """``out = W v`` (or ``W^-1 v`` when ``inverse``) for the NT scaling ``(wb, eta)``."""
    sg = -1.0 if inverse else 1.0
    w1v = 0.0
    for j in range(1, q):
        w1v += wb[j] * v[j]
    f = eta if not inverse else 1.0 / eta
    out0 = wb[0] * v[0] + sg * w1v
    coef = sg * v[0] + w1v / (1.0 + wb[0])
    for j in range(1, q):
        out[j] = f * (v[j] + coef * wb[j])
    out[0] = f * out0


@numba.njit(cache=True, error_model="numpy")
def _soc_step(x, d, q):
    """Largest ``alpha`` with ``x + alpha d`` in the cone (``x`` interior); 1e300 if none."""
    nx = 0.0
    for j in range(1, q):
        nx += x[j] * x[j]
    nx = math.sqrt(nx)
    c = (x[0] - nx) * (x[0] + nx)
    a = d[0] * d[0]
    b = x[0] * d[0]
    for j in range(1, q):
        a -= d[j] * d[j]
        b -= x[j] * d[j]
    disc = max(b * b - a * c, 0.0)
    sq = math.sqrt(disc)
    if a < 0.0 and b >= 0.0:
        return (b + sq) / (-a)
    if a < 0.0 or d[0] < 0.0:
        den = sq - b
        if den <= 0.0:
            return 1e300
        return c / den
    return 1e300


@numba.njit(cache=True, error_model="numpy")
def _solve_one(X, y, lam, Db, sgn, rowsb, nrowsb, max_iter, tol,
               A, P, M, G, own, x, sl, zl, ss, zs, wl, lml, wbs, etas, lms,
               rx, rzl, rzs, bx, bzl, bzs, tl, ts, dx, dzl, dzs, dsl, dss, dsl_a, dzl_a, dss_a, dzs_a,
               vtmp, vtmp2, best_x, best_zl, e_eta, R, rr, kres, kcorr):
    n, p = X.shape
    k = Db.shape[0]
    q = p + 1
    N = k * q
    # -- data blocks: A = [s_c D_c X] (n x kp); P = (2/n) A'A on the u entries
    for c in range(k):
        for i in range(n):
            f = sgn[c] * Db[c, i]
            for j in range(p):
                A[i, c * p + j] = f * X[i, j]
    for a_ in range(N):
        for b_ in range(N):
            P[a_, b_] = 0.0
    for c1 in range(k):
        for j1 in range(p):
            r1 = c1 * q + 1 + j1
            for c2 in range(c1, k):
                for j2 in range(p):
                    r2 = c2 * q + 1 + j2
                    v = 0.0
                    for i in range(n):
                        v += A[i, c1 * p + j1] * A[i, c2 * p + j2]
                    v *= 2.0 / n
                    P[r1, r2] = v
                    P[r2, r1] = v
    # linear term q (kept in bx's role via a local array: vtmp2)
    qv = vtmp2
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
    # -- initial point: (P + G'G) x = -q, z = G x, s = -z, shifted into the cone
    for a_ in range(N):
        for b_ in range(N):
            M[a_, b_] = P[a_, b_]
        M[a_, a_] += 1.0
    for l in range(m):
        c = own[l]
        for j1 in range(p):
            for j2 in range(p):
                M[c * q + 1 + j1, c * q + 1 + j2] += G[l, j1] * G[l, j2]
    if not _factor(M, R, k, p):
        return 2, 0
    for a_ in range(N):
        bx[a_] = -qv[a_]
    _ksolve(M, R, k, p, bx, x, rr, kres, kcorr)
    # Gx
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
        w = sl if it == 0 else zl
        wsoc = ss if it == 0 else zs
        amax = -1e300
        for l in range(m):
            amax = max(amax, -w[l])
        for c in range(k):
            nrm = 0.0
            for j in range(1, q):
                nrm += wsoc[c, j] * wsoc[c, j]
            amax = max(amax, math.sqrt(nrm) - wsoc[c, 0])
        if amax >= -1e-8:
            for l in range(m):
                w[l] += 1.0 + amax
            for c in range(k):
                wsoc[c, 0] += 1.0 + amax
    status = 1
    iters = 0
    best = 1e300
    for iteration in range(max_iter + 1):
        # -- residuals rx = P x + q + G'z, rz = G x + s
        for a_ in range(N):
            v = qv[a_]
            for b_ in range(N):
                v += P[a_, b_] * x[b_]
            rx[a_] = v
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
        xPx = 0.0
        qx = 0.0
        for a_ in range(N):
            qx += qv[a_] * x[a_]
            v = 0.0
            for b_ in range(N):
                v += P[a_, b_] * x[b_]
            xPx += v * x[a_]
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
        relgap = gap / max(pcost, min(1.0, c0), 1e-300)
        err = max(resx, resz, relgap)
        if not math.isfinite(err):
            status = 2; iters = 1000 + iteration
            break
        if err < best:
            best = err
            e_eta[1] = resx
            e_eta[2] = resz
            e_eta[3] = relgap
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
        # -- scaling
        ok = True
        for l in range(m):
            if not (sl[l] > 0.0 and zl[l] > 0.0):
                ok = False
                break
            wl[l] = math.sqrt(sl[l] / zl[l])
            lml[l] = math.sqrt(sl[l] * zl[l])
        if not ok:
            status = 2; iters = 2000 + iteration
            break
        for c in range(k):
            if not _soc_scaling(ss[c], zs[c], q, wbs[c], e_eta):
                ok = False
                break
            etas[c] = e_eta[0]
            _soc_apply(wbs[c], etas[c], q, zs[c], lms[c], False)
        if not ok:
            status = 2; iters = 3000 + iteration
            break
        # -- M = P + G' W^-2 G
        for a_ in range(N):
            for b_ in range(N):
                M[a_, b_] = P[a_, b_]
        for l in range(m):
            c = own[l]
            h = 1.0 / (wl[l] * wl[l])
            for j1 in range(p):
                g1 = h * G[l, j1]
                for j2 in range(p):
                    M[c * q + 1 + j1, c * q + 1 + j2] += g1 * G[l, j2]
        for c in range(k):
            ie2 = 1.0 / (etas[c] * etas[c])
            for j1 in range(q):
                v1 = wbs[c, j1] if j1 == 0 else -wbs[c, j1]
                for j2 in range(q):
                    v2 = wbs[c, j2] if j2 == 0 else -wbs[c, j2]
                    v = 2.0 * v1 * v2
                    if j1 == j2:
                        v += -1.0 if j1 == 0 else 1.0
                    M[c * q + j1, c * q + j2] += ie2 * v
        if not _factor(M, R, k, p):
            status = 2; iters = 4000 + iteration
            break
        mu = gap / nu
        sigma = 0.0
        for step in range(2):
            # right-hand sides: bx = -rx, bz = -rz, bs (stored as t = lambda^-1 o bs)
            for a_ in range(N):
                bx[a_] = -rx[a_]
            for l in range(m):
                bzl[l] = -rzl[l]
                bsv = -lml[l] * lml[l]
                if step == 1:
                    bsv += -dsl_a[l] * dzl_a[l] + sigma * mu
                tl[l] = bsv / lml[l]
            for c in range(k):
                lam_ = lms[c]
                # bs = -lam o lam (- ds_a o dz_a + sigma mu e)
                l0 = 0.0
                for j in range(q):
                    l0 += lam_[j] * lam_[j]
                vtmp[0] = -l0
                for j in range(1, q):
                    vtmp[j] = -2.0 * lam_[0] * lam_[j]
                if step == 1:
                    d0 = 0.0
                    for j in range(q):
                        d0 += dss_a[c, j] * dzs_a[c, j]
                    vtmp[0] += -d0 + sigma * mu
                    for j in range(1, q):
                        vtmp[j] += -(dss_a[c, 0] * dzs_a[c, j] + dzs_a[c, 0] * dss_a[c, j])
                # t = lam^-1 o bs
                l1b = 0.0
                l1n = 0.0
                for j in range(1, q):
                    l1b += lam_[j] * vtmp[j]
                    l1n += lam_[j] * lam_[j]
                t0 = (lam_[0] * vtmp[0] - l1b) / ((lam_[0] - math.sqrt(l1n)) * (lam_[0] + math.sqrt(l1n)))
                ts[c, 0] = t0
                for j in range(1, q):
                    ts[c, j] = (vtmp[j] - t0 * lam_[j]) / lam_[0]
                for j in range(q):
                    bzs[c, j] = -rzs[c, j]
            # v = W^-2 (bz - W t): stored in bzl / bzs (overwritten); rhs bx + G' v
            for l in range(m):
                bzl[l] = (bzl[l] - wl[l] * tl[l]) / (wl[l] * wl[l])
                c = own[l]
                for j in range(p):
                    bx[c * q + 1 + j] -= G[l, j] * bzl[l]
            for c in range(k):
                _soc_apply(wbs[c], etas[c], q, ts[c], vtmp, False)
                for j in range(q):
                    vtmp[j] = bzs[c, j] - vtmp[j]
                _soc_apply(wbs[c], etas[c], q, vtmp, dzs[c], True)
                _soc_apply(wbs[c], etas[c], q, dzs[c], bzs[c], True)
                for j in range(q):
                    bx[c * q + j] -= bzs[c, j]
            _ksolve(M, R, k, p, bx, dx, rr, kres, kcorr)
            # dz = W^-2 G dx - v; ds = bz - G dx = -rz - G dx
            for l in range(m):
                c = own[l]
                gdx = 0.0
                for j in range(p):
                    gdx -= G[l, j] * dx[c * q + 1 + j]
                dzl[l] = gdx / (wl[l] * wl[l]) - bzl[l]
                dsl[l] = -rzl[l] - gdx
            for c in range(k):
                for j in range(q):
                    vtmp[j] = -dx[c * q + j]
                _soc_apply(wbs[c], etas[c], q, vtmp, vtmp2[N:N + q], True)
                _soc_apply(wbs[c], etas[c], q, vtmp2[N:N + q], dzs[c], True)
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
                amax = min(amax, _soc_step(ss[c], dss[c], q))
                amax = min(amax, _soc_step(zs[c], dzs[c], q))
            if step == 0:
                aa = min(1.0, amax)
                # sigma from the affine gap
                ga = 0.0
                for l in range(m):
                    ga += (sl[l] + aa * dsl[l]) * (zl[l] + aa * dzl[l])
                for c in range(k):
                    for j in range(q):
                        ga += (ss[c, j] + aa * dss[c, j]) * (zs[c, j] + aa * dzs[c, j])
                sigma = min(1.0, max(0.0, ga / gap)) ** 3 if gap > 0.0 else 0.0
                # scaled affine directions for the corrector: W^-1 ds, W dz
                for l in range(m):
                    dsl_a[l] = dsl[l] / wl[l]
                    dzl_a[l] = dzl[l] * wl[l]
                for c in range(k):
                    _soc_apply(wbs[c], etas[c], q, dss[c], dss_a[c], True)
                    _soc_apply(wbs[c], etas[c], q, dzs[c], dzs_a[c], False)
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
        for a_ in range(N):
            x[a_] = best_x[a_]
        for l in range(m):
            zl[l] = best_zl[l]
    e_eta[0] = best
    return status, iters


@numba.njit(cache=True, error_model="numpy")
def _batch(X, y, lam, D, sign, rows, nrows, max_iter, tol, U, MU, status, iters, errs):
    n, p = X.shape
    B, k = D.shape[0], D.shape[1]
    f = rows.shape[2]
    q = p + 1
    N = k * q
    mmax = max(k * f, 1)
    A = np.zeros((n, k * p))
    P = np.zeros((N, N))
    M = np.zeros((N, N))
    G = np.zeros((mmax, p))
    own = np.zeros(mmax, dtype=np.int64)
    x = np.zeros(N)
    sl, zl, wl, lml = np.zeros(mmax), np.zeros(mmax), np.zeros(mmax), np.zeros(mmax)
    ss, zs, wbs, lms = np.zeros((k, q)), np.zeros((k, q)), np.zeros((k, q)), np.zeros((k, q))
    etas = np.zeros(k)
    rx, bx, dx = np.zeros(N), np.zeros(N), np.zeros(N)
    rzl, bzl, tl, dzl, dsl, dsl_a, dzl_a = (np.zeros(mmax), np.zeros(mmax), np.zeros(mmax), np.zeros(mmax),
                                            np.zeros(mmax), np.zeros(mmax), np.zeros(mmax))
    rzs, bzs, ts, dzs, dss, dss_a, dzs_a = (np.zeros((k, q)), np.zeros((k, q)), np.zeros((k, q)),
                                            np.zeros((k, q)), np.zeros((k, q)), np.zeros((k, q)),
                                            np.zeros((k, q)))
    vtmp = np.zeros(q)
    vtmp2 = np.zeros(N + q)
    best_x = np.zeros(N)
    best_zl = np.zeros(mmax)
    e_eta = np.zeros(4)
    R = np.zeros((k * p, k * p))
    rr, kres, kcorr = np.zeros(k * p), np.zeros(N), np.zeros(N)
    for b in range(B):
        st, itn = _solve_one(X, y, lam, D[b], sign[b], rows[b], nrows[b], max_iter, tol,
                             A, P, M, G, own, x, sl, zl, ss, zs, wl, lml, wbs, etas, lms,
                             rx, rzl, rzs, bx, bzl, bzs, tl, ts, dx, dzl, dzs, dsl, dss, dsl_a, dzl_a,
                             dss_a, dzs_a, vtmp, vtmp2, best_x, best_zl, e_eta, R, rr, kres, kcorr)
        status[b] = st
        iters[b] = itn
        errs[b, :] = e_eta
        for c in range(k):
            for j in range(p):
                U[b, c, j] = x[c * q + 1 + j]
        l = 0
        for c in range(k):
            for t in range(nrows[b, c]):
                MU[b, c, rows[b, c, t]] += 0.5 * n * zl[l]
                l += 1


def region_candidates_batch(X, y, lam, D, sign, rows, nrows, max_iter=60, tol=1e-12):
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
        Stop when the relative residuals and the relative gap ``s'z / pcost`` are below it.

    Returns
    -------
    U : (B, k, p) float64
        Candidate weights ``u_c``.
    MU : (B, k, n) float64
        Facet-row multipliers by data row (zero elsewhere), in the units of
        ``|s_c X' D_c r + G_c' mu_c| <= n lam`` with ``r = y - A u``.
    status : (B,) int64
        0 converged to ``tol``, 1 ``max_iter`` reached (the best iterate is returned),
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
    errs = np.zeros((B, 4))
    _LAST_ERRS[0] = errs
    if B and k:
        _batch(X, y, float(lam), D, sign, rows, nrows, int(max_iter), float(tol), U, MU, status, iters, errs)
    return U, MU, status, iters


def candidates_for(prog, supports, max_iter=60, tol=1e-12):
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
    B, k = S.shape
    cells = S // 2
    D = np.asarray(prog.patterns, dtype=np.float64)[cells]                     # (B, k, n)
    sign = (1 - 2 * (S & 1)).astype(np.float64)
    fr = [prog.facet_rows(c) for c in range(prog.P)]
    f = max([len(r) for r in fr] + [1])
    pad = np.zeros((prog.P, f), dtype=np.int64)
    cnt = np.zeros(prog.P, dtype=np.int64)
    for c, r in enumerate(fr):
        pad[c, :len(r)] = r
        cnt[c] = len(r)
    a = prog.label_unit
    y = prog.y if a == 1.0 else prog.y / a
    U, MU, status, iters = region_candidates_batch(prog.X, y, prog.lamf / a, D, sign, pad[cells], cnt[cells],
                                                   max_iter=max_iter, tol=tol)
    if a != 1.0:
        U *= a
        MU *= a
    return U, MU, status, iters
