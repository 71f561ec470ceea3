r"""Full-batch gradient descent on the training loss, one run (:func:`train`) or many
stepped together (:func:`train_batch`), with the regions crossed recorded on the way.

The step is ``theta <- theta - lr grad L(theta)`` on the loss of :mod:`landscape.dynamics.loss`
(``relu'(0) = 0``), written as a handful of NumPy calls on preallocated ``m x n`` arrays.
The recording (:mod:`landscape.dynamics.record`) costs nothing per step beyond writing the
activation pattern, which the step computes anyway, into a ring buffer, plus vectorised
work on a geometric schedule of steps.  The signs of ``a`` are compared at every check; in
the rare window where some ``a_j`` changed sign the run is replayed from the previous check
with the signs written at every step, so every change is dated to its exact step.  Checks (divergence, the
gradient-norm stop) and records reuse the residual and gradient of the step taken from
the iterate they examine, so they cost ``O(m d + n)`` on top of it.

Examples
--------
>>> from landscape.data import generate
>>> ds = generate("theorem2", d=3)
>>> run = train(ds, lam=1e-3, width=20, init_scale=0.1, seed=0, lr=0.05, steps=2000)
>>> run.stop_reason, run.steps
('budget', 2000)
>>> bool(run.records["loss"][-1] < run.records["loss"][0])
True
"""

from __future__ import annotations

import math
import time

import numpy as np

from ..errors import InputError
from .init import check_positive, prepare
from .loss import loss_and_grad, loss_value
from .record import CellChanges, CellLog, Recorder, Trajectory

__all__ = ["train", "train_batch"]


def geometric_next(step, ratio):
    """The record step after ``step`` on the geometric schedule of ratio ``ratio``."""
    return max(step + 1, int(math.ceil(step * ratio)))


def train(ds, lam, width=100, init_scale=1e-3, *, seed=0, lr=0.01, steps=100_000, grad_tol=1e-16,
          init="gaussian", a0=None, W0=None, v_star=None, record_ratio=1.05, check_every=64,
          rel_tol=1e-6, max_events=None, divergence_factor=1e8, progress=None) -> Trajectory:
    """Full-batch gradient descent on the training loss, with a record of the regions crossed.

    Parameters
    ----------
    ds : Dataset
    lam : weight decay (float or Fraction; used in floating point)
    width, init_scale, init, seed : the initialisation (:func:`init_network`), unless
        ``a0, W0`` give the initial network explicitly
    lr : step size; ``steps`` : step budget
    grad_tol : stop when the squared gradient norm ``|grad L|^2`` falls below it (checked
        every ``check_every`` steps)
    v_star : the convex optimum ``V*`` as a float, to record the gap ``L - V*``
    record_ratio : records are taken at steps 0, 1, 2, ... growing geometrically by this
        ratio, and at the last step
    rel_tol : neurons with ``|a_j||w_j|`` below ``rel_tol`` times the largest are negligible
        (left out of the support and of the direction count)
    max_events : keep at most this many cell changes (all are counted); by default as many
        as 64 MiB hold (at least 10,000)
    divergence_factor : the run is stopped as divergent when the loss exceeds this factor
        times ``max(1, initial loss)``
    progress : optional callable ``progress(step, loss)`` called at each record

    Returns
    -------
    Trajectory
        Never raises on NaN, divergence or Ctrl-C: the run stops, ``stop_reason`` and
        ``message`` say why and at which step, and everything recorded so far is kept.

    Notes
    -----
    Cell changes are detected at every step by comparing the float activation pattern and
    the sign of ``a`` of consecutive iterates; a change is attributed to the step whose
    iterate is the first in the new signed cone.
    """
    lr = check_positive("step size (lr)", lr)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise InputError(f"steps must be a non-negative integer, got {steps!r}")
    check_every = max(1, int(check_every))
    X, y, lam, a, W, info = prepare(ds, lam, width, init_scale, init, seed, a0, W0)
    n, dim = X.shape
    m = len(a)
    rec = Recorder(X, y, lam, v_star, rel_tol)
    start = time.perf_counter()
    L0 = rec.record(0, 0.0, a, W, 0)["loss"]
    limit = divergence_factor * max(1.0, L0)
    if progress:
        progress(0, L0)

    # The data part of lr * grad L is c H (f - y) for a and c ((B * (f - y)) @ X) * a for W,
    # c = 2 lr / n.  With the data scaled by s = sqrt(c) (relu is positively homogeneous),
    # Z = W (s X)^T, H = relu(Z) and r = a @ H - s y = s (f - y) give both at once:
    # H @ r and (B * r) @ (s X) * a, with no separate scaling by c.
    c = lr * 2.0 / n
    sc = math.sqrt(c)
    Xs = X * sc
    Xt = np.ascontiguousarray(Xs.T)
    ys = y * sc
    decay = 1.0 - 2.0 * lr * lam
    # small networks: diag(a) B in one call (a mixed bool x float product, cheap below a
    # few thousand entries); large ones: B as floats, the rows scaled by a after the product
    fused = m * n <= 4096
    # theta = (W, a) in one buffer followed by a constant 1, and H above a constant row
    # -s y: the residual is one product [a, 1] @ [H; -s y], the update two calls on theta
    mw = m * dim
    buffer = np.empty(mw + m + 1)
    buffer[:mw], buffer[mw:-1], buffer[-1] = W.ravel(), a, 1.0
    theta, a1 = buffer[:-1], buffer[mw:]
    W, a = buffer[:mw].reshape(m, dim), buffer[mw:-1]  # views, updated in place with theta
    grad = np.empty(mw + m)
    gW, ga = grad[:mw].reshape(m, dim), grad[mw:]
    Z = np.empty((m, n))
    H1 = np.empty((m + 1, n))
    H, H1[m] = H1[:m], -ys
    M = np.empty((m, n))  # the activation pattern as 0/1 floats (times a_j if fused)
    Xr = np.empty((n, dim))
    r = np.empty(n)
    a_col = a[:, None]  # views: updated in place with a and r
    r_col = r[:, None]

    log = CellLog((W @ Xt) > 0, a > 0, max_events, filled=False)
    log.snapshot(a, W, 0)
    slots, signs, K = list(log.pat), list(log.sgn), log.K  # views, faster to pick from a list
    next_rec, next_check = 1, check_every
    stop, message = "budget", ""
    step = 0
    cur = 0
    next_event = min(next_check, next_rec, steps)
    # The signs of `a` are written at every step only while a window between two checks in
    # which some a_j changed sign is replayed (rare); elsewhere they are constant.
    track, track_until = False, -1
    log.constant_signs = True
    try:
        while True:
            # the gradient at the iterate `step`; its activation pattern (and, while
            # replaying a sign change, the signs of a) go to the cell-change buffer (slot `cur`)
            B = slots[cur]
            np.matmul(W, Xt, out=Z)
            np.greater(Z, 0.0, out=B)
            if track:
                np.greater(a, 0.0, out=signs[cur])
            np.maximum(Z, 0.0, out=H)
            np.matmul(a1, H1, out=r)
            # (B * r) @ Xs as B @ (r * Xs): no mixed-type m x n product
            if fused:
                np.multiply(B, a_col, out=M)
            else:
                M[...] = B
            np.multiply(Xs, r_col, out=Xr)
            np.matmul(M, Xr, out=gW)
            if not fused:
                gW *= a_col
            np.matmul(H, r, out=ga)
            if step >= next_event:
                # check (and record) the iterate `step` from the quantities of its GD step:
                # r = sqrt(lr 2/n) (f - y), ga and gW are lr times the data part of the gradient
                if not track and not np.array_equal(a > 0, log.sgn[0]):
                    # some a_j changed sign since the last check: replay from there, writing
                    # the signs at every step, so that the change is dated exactly
                    a[:], W[:], step = log.rollback()
                    log.cursor = cur = 0
                    track, track_until = True, next_event
                    log.constant_signs = False
                    continue  # next_event is unchanged: the window is replayed up to this check
                log.cursor = cur + 1
                log.flush()
                cur = log.cursor
                if track and step >= track_until:
                    track = False
                    log.constant_signs = True
                theta_sq = float(theta @ theta)
                L = float(r @ r) / (c * n) + lam * theta_sq
                if not math.isfinite(L) or L > limit:
                    a[:], W[:], snap_step = log.rollback()
                    log.constant_signs = False
                    bad_step, Lbad = _replay_to_failure(X, y, lam, lr, a, W, snap_step, step, limit, log)
                    step = bad_step - 1
                    if math.isfinite(Lbad):
                        stop = "diverged"
                        message = (f"diverged at step {bad_step}: loss {Lbad:.3g} exceeds {limit:.3g}; "
                                   f"reduce the step size (lr={lr:g})")
                    else:
                        stop = "nan"
                        message = f"the loss became NaN/inf at step {bad_step}; reduce the step size (lr={lr:g})"
                    break
                log.snapshot(a, W, step)
                ga_f = ga / lr + (2 * lam) * a
                gW_f = gW / lr + (2 * lam) * W
                gsq = float(ga_f @ ga_f + np.vdot(gW_f, gW_f))
                next_check = step + check_every
                if step >= next_rec:
                    rec.record(step, step * lr, a, W, log.total, L=L, grad_sq=gsq, B=log.pat[0])
                    next_rec = geometric_next(step, record_ratio)
                    if progress:
                        progress(step, L)
                if gsq < grad_tol:
                    stop = "converged"
                    break
                next_event = min(next_check, next_rec, steps)
            else:
                cur += 1
                if cur == K:
                    log.cursor = cur
                    log.flush()
                    cur = log.cursor
            if step >= steps:
                break
            theta *= decay
            theta -= grad
            step += 1
    except KeyboardInterrupt:
        a[:], W[:], step = log.rollback()
        stop, message = "interrupted", f"interrupted at step {step}"
    log.flush()
    rec.record(step, step * lr, a, W, log.total)
    seconds = time.perf_counter() - start
    return Trajectory(a=a.copy(), W=W.copy(), lam=lam, lr=lr, steps=step, time=step * lr, seconds=seconds,
                      stop_reason=stop, message=message, records=rec.arrays(), cell_log=log.close(),
                      n_cell_changes=log.total, supports=rec.supports, init=info)


def _replay_to_failure(X, y, lam, lr, a, W, start, stop, limit, log):
    """Replay GD from the snapshot at ``start`` and return the first step whose loss is bad.

    ``a`` and ``W`` are left at the last good iterate, whose cell changes go to ``log``.
    """
    for step in range(start + 1, stop + 1):
        _, ga, gW = loss_and_grad(X, y, lam, a, W)
        a_new, W_new = a - lr * ga, W - lr * gW
        L = loss_value(X, y, lam, a_new, W_new)
        if not math.isfinite(L) or L > limit:
            return step, L
        a[:], W[:] = a_new, W_new
        log.push((W @ X.T) > 0, a > 0)
    return stop, float("nan")


def train_batch(ds, lam, width, runs, *, lr=0.01, steps=100_000, init="gaussian", v_star=None,
                record_ratio=1.05, rel_tol=1e-6, check_every=256) -> list:
    """Many independent GD runs on one dataset, stepped together (vectorised over runs).

    ``runs`` is a list of ``(init_scale, seed)`` pairs; run ``k`` is the same GD as
    ``train(ds, lam, width, init_scale, seed=seed, lr=lr, steps=steps, grad_tol=0)`` up to
    floating-point summation order.  Cell changes are not tracked step by step here: each
    :class:`Trajectory` has no changes, ``n_cell_changes = -1`` and the supports seen at the
    record points only.  A run whose loss turns non-finite is frozen at its last finite
    checkpoint with ``stop_reason = "nan"``.  Meant for reproduction grids, where the
    per-step Python overhead of single runs dominates.

    >>> from landscape.data import generate
    >>> ds = generate("theorem2", d=3)
    >>> runs = train_batch(ds, 0.01, 10, [(0.1, 0), (0.1, 1)], lr=0.05, steps=500)
    >>> single = train(ds, 0.01, 10, 0.1, seed=1, lr=0.05, steps=500)
    >>> bool(np.allclose(runs[1].W, single.W, rtol=1e-9, atol=1e-12))
    True
    """
    lr = check_positive("step size (lr)", lr)
    if not runs:
        raise InputError("train_batch needs at least one (init_scale, seed) pair")
    prepared = [prepare(ds, lam, width, scale, init, seed, None, None) for scale, seed in runs]
    X, y, lamf = prepared[0][0], prepared[0][1], prepared[0][2]
    A = np.stack([p[3] for p in prepared])
    Wb = np.stack([p[4] for p in prepared])
    R, m, dim = Wb.shape
    n = len(y)
    recs = [Recorder(X, y, lamf, v_star, rel_tol) for _ in range(R)]
    start = time.perf_counter()
    for k in range(R):
        recs[k].record(0, 0.0, A[k], Wb[k], -1)
    Xt = np.ascontiguousarray(X.T)
    c = lr * 2.0 / n
    yc = (y * c)[None, :]
    decay = 1.0 - 2.0 * lr * lamf
    W2 = Wb.reshape(R * m, dim)  # views: the shared X makes the big products 2-d
    Z = np.empty((R * m, n))
    B = np.empty((R * m, n), dtype=bool)
    H = np.empty((R * m, n))
    T = np.empty((R, m, n))
    gW = np.empty((R * m, dim))
    ga = np.empty((R, m))
    f = np.empty((R, n))
    r = np.empty((R, n))
    H3, B3, gW3 = H.reshape(R, m, n), B.reshape(R, m, n), gW.reshape(R, m, dim)
    T2 = T.reshape(R * m, n)
    Acol = A[:, :, None]
    r3 = r[:, None, :]
    stopped = np.zeros(R, dtype=bool)
    reasons = ["budget"] * R
    messages = [""] * R
    snapA, snapW, snap_step = A.copy(), Wb.copy(), 0
    step, next_rec, next_check = 0, 1, check_every
    interrupted = False
    try:
        while step < steps:
            np.matmul(W2, Xt, out=Z)
            np.greater(Z, 0.0, out=B)
            np.multiply(Z, B, out=H)
            np.multiply(H3, Acol, out=T)
            np.sum(T, axis=1, out=f)
            np.multiply(f, c, out=r)
            r -= yc
            np.multiply(H3, r3, out=T)
            np.sum(T, axis=2, out=ga)
            np.multiply(B3, r3, out=T)
            np.matmul(T2, X, out=gW)
            gW3 *= Acol
            A *= decay
            A -= ga
            Wb *= decay
            Wb -= gW3
            step += 1
            if step >= next_check or step >= next_rec or step == steps:
                next_check = step + check_every
                bad = ~(np.isfinite(A).all(axis=1) & np.isfinite(Wb).all(axis=(1, 2)))
                for k in np.flatnonzero(bad & ~stopped):
                    stopped[k] = True
                    reasons[k] = "nan"
                    messages[k] = f"the loss became NaN/inf between steps {snap_step} and {step}"
                A[stopped], Wb[stopped] = snapA[stopped], snapW[stopped]
                snapA[:], snapW[:], snap_step = A, Wb, step
                if step >= next_rec:
                    for k in range(R):
                        if not stopped[k]:
                            recs[k].record(step, step * lr, A[k], Wb[k], -1)
                    next_rec = geometric_next(step, record_ratio)
    except KeyboardInterrupt:
        A[:], Wb[:], step = snapA, snapW, snap_step
        interrupted = True
    seconds = time.perf_counter() - start
    out = []
    for k in range(R):
        last = recs[k].rows["step"][-1]
        if not stopped[k]:
            recs[k].record(step, step * lr, A[k], Wb[k], -1)
            last = step
        reason = "interrupted" if interrupted and not stopped[k] else reasons[k]
        out.append(Trajectory(a=A[k].copy(), W=Wb[k].copy(), lam=lamf, lr=lr, steps=int(last), time=last * lr,
                              seconds=seconds / R, stop_reason=reason, message=messages[k],
                              records=recs[k].arrays(), cell_log=CellChanges.empty(n, m), n_cell_changes=-1,
                              supports=recs[k].supports, init=prepared[k][5]))
    return out
