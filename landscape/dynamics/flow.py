r"""Gradient flow ``theta' = -grad L(theta)`` by an adaptive Runge--Kutta pair.

:func:`train_flow` integrates the flow with the embedded Bogacki--Shampine 2(3) pair and
error control.  Exact integration between activation changes is not available in closed
form: inside a region the flow is the polynomial system ``a' = -(grad_a)``,
``W' = -(grad_W)``, quadratic in ``theta``, with no closed-form solution in general.  The
adaptive controller shrinks the step where the vector field jumps (a neuron crossing a
hyperplane), so the time of each crossing is resolved to the step size there.

References
----------
P. Bogacki, L. F. Shampine, "A 3(2) pair of Runge--Kutta formulas", Appl. Math. Lett. 2
(1989).  E. Boursier, L. Pillaud-Vivien, N. Flammarion, "Gradient flow dynamics of shallow
ReLU networks for square loss and orthogonal inputs", NeurIPS 2022.

Examples
--------
>>> from landscape.data import generate
>>> run = train_flow(generate("theorem2", d=3), lam=0.01, width=6, init_scale=0.5, t_max=5.0)
>>> run.stop_reason, run.time == 5.0
('budget', True)
"""

from __future__ import annotations

import time

import numpy as np

from .init import check_positive, prepare
from .loss import loss_and_grad
from .record import CellLog, Recorder, Trajectory

__all__ = ["train_flow"]


def train_flow(ds, lam, width=100, init_scale=1e-3, *, seed=0, t_max=100.0, rtol=1e-6, atol=1e-12,
               max_steps=1_000_000, grad_tol=1e-16, init="gaussian", a0=None, W0=None, v_star=None,
               record_ratio=1.05, rel_tol=1e-6, max_events=None) -> Trajectory:
    """Gradient flow ``theta' = -grad L`` by the adaptive Bogacki--Shampine 2(3) pair.

    The local error estimate ``|y3 - y2|`` is kept below ``atol + rtol |theta|`` per
    component.  Records are taken at accepted steps on a geometric schedule of times.
    ``steps`` of the result counts accepted steps and ``time`` is the integration time;
    cell changes are attributed to accepted steps.

    >>> from landscape.data import generate
    >>> run = train_flow(generate("theorem2", d=3), lam=0.01, width=6, init_scale=0.5, t_max=5.0)
    >>> run.stop_reason, run.time == 5.0
    ('budget', True)
    """
    t_max = check_positive("t_max", t_max)
    X, y, lam, a, W, info = prepare(ds, lam, width, init_scale, init, seed, a0, W0)
    Xt = np.ascontiguousarray(X.T)
    rec = Recorder(X, y, lam, v_star, rel_tol)
    start = time.perf_counter()
    rec.record(0, 0.0, a, W, 0)

    def field_(theta):
        _, ga, gW = loss_and_grad(X, y, lam, theta[:, 0], theta[:, 1:])
        return -np.hstack([ga[:, None], gW])

    theta = np.hstack([a[:, None], W])
    k1 = field_(theta)
    t, h, step = 0.0, min(1e-2, t_max), 0
    next_t = h
    log = CellLog((W @ Xt) > 0, a > 0, max_events)
    stop, message = "budget", ""
    try:
        while t < t_max and step < max_steps:
            h = min(h, t_max - t)
            k2 = field_(theta + 0.5 * h * k1)
            k3 = field_(theta + 0.75 * h * k2)
            new = theta + h * (2 * k1 + 3 * k2 + 4 * k3) / 9
            k4 = field_(new)
            err = h * (-5 * k1 / 72 + k2 / 12 + k3 / 9 - k4 / 8)
            scale = atol + rtol * np.maximum(np.abs(theta), np.abs(new))
            ratio = float(np.max(np.abs(err) / scale)) if err.size else 0.0
            if not np.isfinite(new).all():
                stop, message = "nan", f"the flow became NaN/inf at time {t:.6g}"
                break
            if ratio <= 1.0:
                t += h
                step += 1
                theta, k1 = new, k4
                log.push((theta[:, 1:] @ Xt) > 0, theta[:, 0] > 0)
                gsq = float(np.vdot(k1, k1))
                if t >= next_t or gsq < grad_tol:
                    log.flush()
                    rec.record(step, t, theta[:, 0], theta[:, 1:], log.total)
                    next_t = t * record_ratio
                if gsq < grad_tol:
                    stop = "converged"
                    break
            h *= min(5.0, max(0.2, 0.9 * (1.0 / max(ratio, 1e-12)) ** (1 / 3)))
    except KeyboardInterrupt:
        stop, message = "interrupted", f"interrupted at time {t:.6g}"
    if step >= max_steps and t < t_max:
        stop, message = "budget", f"step budget of {max_steps} exhausted at time {t:.6g}"
    a, W = theta[:, 0].copy(), theta[:, 1:].copy()
    log.flush()
    rec.record(step, t, a, W, log.total)
    return Trajectory(a=a, W=W, lam=lam, lr=float("nan"), steps=step, time=t,
                      seconds=time.perf_counter() - start, stop_reason=stop, message=message,
                      records=rec.arrays(), cell_log=log.close(), n_cell_changes=log.total,
                      supports=rec.supports, init=info)
