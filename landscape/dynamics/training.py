r"""Training dynamics against the landscape: gradient descent and its endpoint.

This module trains the width-``m`` network ``f(x) = sum_j a_j relu(w_j . x)`` on the loss
of MATH.md section 1,

    L(theta) = (1/n) sum_i (f(x_i) - y_i)^2 + lam (|a|^2 + |W|_F^2),

records what the run does to the landscape (loss, ``|theta|^2``, gap to ``V*``, the signed
cones the neurons visit, the number of distinct directions, the rank of ``W``), and
classifies where it ends with the exact local-minimum test of :mod:`landscape.network.pointwise`.

What is float and what is exact
-------------------------------
Everything the trainer produces is floating point: the trajectory is a *candidate*
description of the run.  In particular the cell of a neuron during training is read from
the float signs of ``W X^T``; a neuron lying within rounding of a hyperplane may be
assigned to the wrong side.  Only :func:`classify_endpoint` uses certificates, and what it
decides is the status of the *polished point*: the run's final network with negligible
and dead neurons set to zero, every other neuron located exactly in its signed cone, and
the per-cone weights replaced by the optimum of the region programme ``V(S)`` of that
support (certified bounds, then refined by Newton's method from the run's own weights),
split over the run's neurons.  The verdict says nothing about the float iterate itself;
the measured distance from the iterate to the polished point, the value gap
``L(theta_T) - V(S)`` and the squared gradient norm are reported with it, and the verdict
is ``not_converged`` when any is too large.  ``global_minimum`` rests on the certified
equality ``V(S) = V*`` (within the project's certified tolerance); ``not_a_local_minimum``
(a stalled saddle) on an exact certificate that a zero neuron can grow.

Initialisations (:func:`init_network`)
--------------------------------------
``"gaussian"``
    ``w_j ~ N(0, alpha^2 I)`` and ``a_j = +-|w_j|`` with a fair random sign (balanced),
    as in Boursier et al. (2025), Theorem 2.
``"symmetric"``
    As ``"gaussian"`` for the first half of the neurons; the second half copies them
    with ``a_j`` negated, so ``f = 0`` at initialisation (the authors' ``symmetric_init``).
``"uniform"``
    ``W`` and ``a`` with independent entries uniform on ``[-alpha, alpha]`` (not balanced),
    the scaled version of the authors' uniform ``[-1/sqrt(m), 1/sqrt(m)]`` initialisation.

Gradient flow
-------------
:func:`train_flow` integrates the gradient flow ``theta' = -grad L(theta)`` with an
adaptive embedded Runge--Kutta 2(3) pair (Bogacki--Shampine) with error control.  Exact
integration between activation changes is not available in closed form: inside a region
the flow is the polynomial system ``a' = -(grad_a)``, ``W' = -(grad_W)``, quadratic in
``theta``, with no closed-form solution in general.  The adaptive controller shrinks the
step where the vector field jumps (a neuron crossing a hyperplane), so the time of each
crossing is resolved to the step size there.

References
----------
E. Boursier, M. Bowditch, M. Englert, R. Lazic, "A theoretical framework for the loss
landscape of two-layer ReLU networks with weight decay", 2025 (Theorem 2: small
initialisation).  D. Chistikov, M. Englert, R. Lazic, "Learning a neuron by a shallow ReLU
network: dynamics and implicit bias for correlated inputs", NeurIPS 2023.  E. Boursier,
L. Pillaud-Vivien, N. Flammarion, "Gradient flow dynamics of shallow ReLU networks for
square loss and orthogonal inputs", NeurIPS 2022.  O. Roy, M. Vetterli, "The effective
rank: a measure of effective dimensionality", EUSIPCO 2007.

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
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..convex.program import refine_optimum
from ..data import parse_lam
from ..errors import InputError
from ..results.serialize import dumps

__all__ = [
    "INITS",
    "RECORD_FIELDS",
    "VERDICTS",
    "CellChange",
    "Trajectory",
    "EndpointVerdict",
    "init_network",
    "loss_and_grad",
    "loss_value",
    "train",
    "train_flow",
    "train_batch",
    "merge_directions",
    "effective_rank",
    "signed_cone_labels",
    "classify_endpoint",
]

INITS = ("gaussian", "symmetric", "uniform")
VERDICTS = ("global_minimum", "spurious_local_minimum", "not_a_local_minimum", "not_converged", "undecided")
RECORD_FIELDS = ("step", "time", "loss", "data_loss", "theta_sq", "grad_sq", "gap_to_vstar",
                 "support_size", "directions", "rank", "effective_rank", "balance", "cell_changes")


# ---------------------------------------------------------------------------
# Loss, gradient, initialisation
# ---------------------------------------------------------------------------


def _check_lam(lam):
    try:
        value = float(lam)
    except (TypeError, ValueError):
        raise InputError(f"lam must be a number, got {lam!r}") from None
    if not math.isfinite(value) or value < 0:
        raise InputError(f"lam must be a finite number >= 0, got {lam}")
    return value


def loss_value(X, y, lam, a, W) -> float:
    """The loss ``(1/n)|f - y|^2 + lam (|a|^2 + |W|_F^2)`` in floating point.

    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]]); y = np.array([1.0, 0.0])
    >>> loss_value(X, y, 0.5, np.array([1.0]), np.array([[1.0, 0.0]]))
    1.0
    """
    r = a @ np.maximum(W @ X.T, 0.0) - y
    return float(r @ r / len(y) + lam * (a @ a + np.vdot(W, W)))


def loss_and_grad(X, y, lam, a, W):
    """Loss and gradient ``(L, dL/da, dL/dW)`` of the training loss, vectorised.

    ``relu'(0)`` is taken as 0 (the subgradient GD implementations use).

    Parameters
    ----------
    X : (n, dim) float array, rows ``x_i`` (with the bias column if any)
    y : (n,) float array
    lam : float, weight decay
    a : (m,) float array, output weights
    W : (m, dim) float array, input weights (rows ``w_j``)

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]]); y = np.array([1.0, 0.0])
    >>> L, ga, gW = loss_and_grad(X, y, 0.0, np.array([2.0]), np.array([[1.0, -1.0]]))
    >>> L, ga.tolist(), gW.tolist()
    (0.5, [1.0], [[2.0, 0.0]])
    """
    n = len(y)
    Z = W @ X.T
    H = np.maximum(Z, 0.0)
    r = a @ H - y
    L = float(r @ r / n + lam * (a @ a + np.vdot(W, W)))
    rc = (2.0 / n) * r
    ga = H @ rc + 2 * lam * a
    gW = ((Z > 0) * rc) @ X * a[:, None] + 2 * lam * W
    return L, ga, gW


def init_network(width, dim, init_scale, init="gaussian", seed=0):
    """Random initial weights ``(a, W)`` of the given width and scale.

    See the module docstring for the three schemes.  ``seed`` fixes the draw
    (:func:`numpy.random.default_rng`).

    >>> a, W = init_network(4, 3, 0.5, seed=1)
    >>> np.allclose(np.abs(a), np.linalg.norm(W, axis=1))
    True
    >>> a, W = init_network(4, 3, 0.5, init="symmetric", seed=1)
    >>> np.allclose(a[:2], -a[2:]) and np.array_equal(W[:2], W[2:])
    True
    >>> init_network(4, 3, 0.0)
    Traceback (most recent call last):
    ...
    landscape.errors.InputError: init scale must be a finite number > 0, got 0.0
    """
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
        raise InputError(f"width must be a positive integer, got {width!r}")
    try:
        alpha = float(init_scale)
    except (TypeError, ValueError):
        raise InputError(f"init scale must be a number, got {init_scale!r}") from None
    if not math.isfinite(alpha) or alpha <= 0:
        raise InputError(f"init scale must be a finite number > 0, got {init_scale}")
    if init not in INITS:
        raise InputError(f"unknown initialisation {init!r}; choose from {', '.join(INITS)}")
    rng = np.random.default_rng(seed)
    if init == "uniform":
        W = rng.uniform(-alpha, alpha, size=(width, dim))
        a = rng.uniform(-alpha, alpha, size=width)
        return a, W
    if init == "symmetric" and width % 2:
        raise InputError(f"the symmetric initialisation needs an even width, got {width}")
    half = width // 2 if init == "symmetric" else width
    W = alpha * rng.standard_normal((half, dim))
    sign = np.where(rng.random(half) < 0.5, -1.0, 1.0)
    a = sign * np.linalg.norm(W, axis=1)
    if init == "symmetric":
        W = np.vstack([W, W])
        a = np.concatenate([a, -a])
    return a, W


# ---------------------------------------------------------------------------
# Summaries of a network
# ---------------------------------------------------------------------------


def effective_rank(W) -> float:
    """Effective rank ``exp(H(p))`` of ``W``, ``p`` the normalised singular values (Roy & Vetterli).

    >>> round(effective_rank(np.eye(3)), 12), effective_rank(np.zeros((2, 2)))
    (3.0, 0.0)
    """
    s = np.linalg.svd(np.asarray(W, dtype=float), compute_uv=False)
    total = s.sum()
    if total <= 0:
        return 0.0
    p = s[s > 0] / total
    return float(np.exp(-(p * np.log(p)).sum()))


def _alive(a, W, rel_tol):
    size = np.abs(a) * np.linalg.norm(W, axis=1)
    top = size.max() if size.size else 0.0
    if top <= 0:
        return np.zeros(len(a), dtype=bool)
    return size > rel_tol * top


def signed_cone_labels(X, a, W):
    """Float signed-cone label ``pattern+sign`` of every neuron, e.g. ``'0110+'``.

    The pattern bit ``i`` is ``x_i . w_j > 0`` evaluated in floating point (a candidate;
    :func:`classify_endpoint` locates the final neurons exactly).

    >>> signed_cone_labels(np.eye(2), np.array([1.0, -2.0]), np.array([[1.0, -1.0], [1.0, 1.0]]))
    ['10+', '11-']
    """
    B = (np.asarray(W) @ np.asarray(X).T) > 0
    return ["".join("1" if b else "0" for b in row) + ("+" if s > 0 else "-")
            for row, s in zip(B, a)]


def merge_directions(X, a, W, rel_tol=1e-6, cos_tol=1e-4):
    """Group the neurons into distinct directions: same signed cone and nearly parallel.

    Neurons with ``|a_j||w_j|`` below ``rel_tol`` times the largest, and neurons inactive on
    every row (they do not affect ``f``), are ignored.  Within a
    signed cone, neurons are clustered greedily: a neuron joins a cluster when the cosine
    between its ``w`` and the cluster's first member exceeds ``1 - cos_tol``.

    Returns a list of clusters, each a list of neuron indices.

    >>> X = np.eye(2)
    >>> W = np.array([[1.0, 0.1], [2.0, 0.2], [0.0, 1.0], [1e-9, 0.0]])
    >>> merge_directions(X, np.array([1.0, 1.0, 1.0, 1.0]), W)
    [[0, 1], [2]]
    """
    a = np.asarray(a, dtype=float)
    W = np.asarray(W, dtype=float)
    alive = _alive(a, W, rel_tol) & ((W @ np.asarray(X, dtype=float).T) > 0).any(axis=1)
    alive = np.nonzero(alive)[0]
    if alive.size == 0:
        return []
    labels = signed_cone_labels(X, a[alive], W[alive])
    U = W[alive] / np.linalg.norm(W[alive], axis=1, keepdims=True)
    clusters, heads = [], []
    for k, j in enumerate(alive):
        for c, (lab, u) in enumerate(heads):
            if lab == labels[k] and float(U[k] @ u) > 1 - cos_tol:
                clusters[c].append(int(j))
                break
        else:
            heads.append((labels[k], U[k]))
            clusters.append([int(j)])
    return clusters


def _numerical_rank(W, rel_tol=1e-3):
    s = np.linalg.svd(W, compute_uv=False)
    return int((s > rel_tol * s[0]).sum()) if s.size and s[0] > 0 else 0


# ---------------------------------------------------------------------------
# The trajectory
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CellChange:
    """Neuron ``neuron`` moved from signed cone ``old`` to ``new`` at step ``step`` (float labels)."""

    step: int
    neuron: int
    old: str
    new: str


@dataclass
class Trajectory:
    """A finished (or stopped) training run: float results only.

    Attributes
    ----------
    a, W : the final network (the last finite iterate)
    steps : number of GD steps (or accepted flow steps) taken
    time : training time ``steps * lr`` for GD, the integration time for gradient flow
    seconds : wall-clock time
    stop_reason : ``"converged"`` (squared gradient norm below ``grad_tol``), ``"budget"``,
        ``"nan"``, ``"diverged"`` or ``"interrupted"``
    message : a one-line explanation when the run stopped abnormally
    records : dict of 1-d arrays, one per name in :data:`RECORD_FIELDS`, on a geometric
        schedule of steps (always including the first and last)
    cell_changes : list of :class:`CellChange` (at most ``max_events`` kept)
    n_cell_changes : total number of cell changes (also those not kept)
    supports : list of ``(step, frozenset of signed-cone labels)``, one entry each time the
        support (the set of signed cones of the non-negligible neurons) changed
    """

    a: np.ndarray
    W: np.ndarray
    lam: float
    lr: float
    steps: int
    time: float
    seconds: float
    stop_reason: str
    message: str
    records: dict
    cell_changes: list
    n_cell_changes: int
    supports: list
    init: dict = field(default_factory=dict)

    @property
    def width(self) -> int:
        return len(self.a)

    @property
    def final_loss(self) -> float:
        return float(self.records["loss"][-1])

    def to_csv(self) -> str:
        """The recorded trajectory as CSV text, one row per recorded step."""
        lines = [",".join(RECORD_FIELDS)]
        cols = [self.records[k] for k in RECORD_FIELDS]
        for row in zip(*cols):
            lines.append(",".join(repr(float(v)) if isinstance(v, (float, np.floating)) else str(v) for v in row))
        return "\n".join(lines) + "\n"


class _Recorder:
    """Computes the recorded quantities of a network (see :data:`RECORD_FIELDS`)."""

    def __init__(self, X, y, lam, v_star, rel_tol):
        self.X, self.y, self.lam = X, y, lam
        self.v_star = v_star
        self.rel_tol = rel_tol
        self.rows = {k: [] for k in RECORD_FIELDS}
        self.supports = []
        self._last_support = None

    def support(self, a, W):
        alive = _alive(a, W, self.rel_tol)
        return frozenset(signed_cone_labels(self.X, a[alive], W[alive]))

    def record(self, step, t, a, W, n_changes):
        L, ga, gW = loss_and_grad(self.X, self.y, self.lam, a, W)
        theta_sq = float(a @ a + np.vdot(W, W))
        supp = self.support(a, W)
        row = {
            "step": int(step), "time": float(t), "loss": L,
            "data_loss": L - self.lam * theta_sq, "theta_sq": theta_sq,
            "grad_sq": float(ga @ ga + np.vdot(gW, gW)),
            "gap_to_vstar": (L - self.v_star) if self.v_star is not None else float("nan"),
            "support_size": len(supp),
            "directions": len(merge_directions(self.X, a, W, self.rel_tol)),
            "rank": _numerical_rank(W), "effective_rank": effective_rank(W),
            "balance": float(np.max(np.abs(a * a - (W * W).sum(axis=1)))) if len(a) else 0.0,
            "cell_changes": int(n_changes),
        }
        if self.rows["step"] and self.rows["step"][-1] == row["step"]:
            for k in RECORD_FIELDS:
                self.rows[k][-1] = row[k]
        else:
            for k in RECORD_FIELDS:
                self.rows[k].append(row[k])
        self.note_support(step, supp)
        return row

    def note_support(self, step, supp):
        if supp != self._last_support:
            self.supports.append((int(step), supp))
            self._last_support = supp

    def arrays(self):
        return {k: np.array(v) for k, v in self.rows.items()}


def _prepare(ds, lam, width, init_scale, init, seed, a0, W0):
    from ..data import Dataset

    if not isinstance(ds, Dataset):
        raise InputError(f"expected a Dataset, got {type(ds).__name__}")
    lam = _check_lam(lam)
    X = np.ascontiguousarray(ds.features, dtype=float)
    y = np.ascontiguousarray(ds.y, dtype=float)
    if a0 is not None or W0 is not None:
        if a0 is None or W0 is None:
            raise InputError("give both a0 and W0, or neither")
        a = np.array(a0, dtype=float).reshape(-1)
        W = np.array(W0, dtype=float)
        if W.ndim != 2 or W.shape != (len(a), X.shape[1]):
            raise InputError(f"W0 must have shape ({len(a)}, {X.shape[1]}), got {W.shape}")
        if not (np.isfinite(a).all() and np.isfinite(W).all()):
            raise InputError("the initial network has non-finite entries")
        info = {"init": "given", "width": len(a)}
    else:
        a, W = init_network(width, X.shape[1], init_scale, init, seed)
        info = {"init": init, "init_scale": float(init_scale), "seed": seed, "width": width}
    return X, y, lam, a, W, info


def _check_positive(name, value):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise InputError(f"{name} must be a finite number > 0, got {value}")
    return v


def _geometric_next(step, ratio):
    return max(step + 1, int(math.ceil(step * ratio)))


def train(ds, lam, width=100, init_scale=1e-3, *, seed=0, lr=0.01, steps=100_000, grad_tol=1e-16,
          init="gaussian", a0=None, W0=None, v_star=None, record_ratio=1.05, check_every=64,
          rel_tol=1e-6, max_events=10_000, divergence_factor=1e8, progress=None) -> Trajectory:
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
    max_events : keep at most this many :class:`CellChange` events (all are counted)
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
    The step is vectorised over neurons: per step a handful of NumPy calls on
    ``m x n`` arrays.  Cell changes are detected exactly (in float) at every step by
    comparing the activation pattern and the sign of ``a``.
    """
    lr = _check_positive("step size (lr)", lr)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise InputError(f"steps must be a non-negative integer, got {steps!r}")
    X, y, lam, a, W, info = _prepare(ds, lam, width, init_scale, init, seed, a0, W0)
    n, dim = X.shape
    m = len(a)
    rec = _Recorder(X, y, lam, v_star, rel_tol)
    start = time.perf_counter()
    L0 = rec.record(0, 0.0, a, W, 0)["loss"]
    limit = divergence_factor * max(1.0, L0)
    if progress:
        progress(0, L0)

    Xt = np.ascontiguousarray(X.T)
    c = lr * 2.0 / n
    yc = y * c
    decay = 1.0 - 2.0 * lr * lam
    Z = np.empty((m, n))
    B = np.empty((m, n), dtype=bool)
    H = np.empty((m, n))
    Mr = np.empty((m, n))
    gW = np.empty((m, dim))
    ga = np.empty(m)
    r = np.empty(n)
    a_col = a[:, None]  # a view: updated in place with a

    events, n_events = [], 0
    prev_B = (W @ Xt) > 0
    prev_key = prev_B.tobytes()
    prev_sign = a > 0
    snap_a, snap_W, snap_step = a.copy(), W.copy(), 0
    next_rec = 1
    next_check = check_every
    stop, message = "budget", ""
    step = 0

    def note_changes(step_no, newB, newsign):
        nonlocal n_events, prev_key
        changed = np.logical_or.reduce(newB != prev_B, axis=1)
        changed |= newsign != prev_sign
        idx = np.flatnonzero(changed)
        n_events += len(idx)
        if len(events) < max_events:
            for j in idx[: max_events - len(events)]:
                old = "".join("1" if b else "0" for b in prev_B[j]) + ("+" if prev_sign[j] else "-")
                new = "".join("1" if b else "0" for b in newB[j]) + ("+" if newsign[j] else "-")
                events.append(CellChange(int(step_no), int(j), old, new))
        np.copyto(prev_B, newB)
        np.copyto(prev_sign, newsign)
        prev_key = prev_B.tobytes()

    f = np.empty(n)
    next_event = min(next_check, next_rec, steps)
    try:
        while step < steps:
            # one GD step: the gradient at (a, W) is evaluated, then both are updated
            np.matmul(W, Xt, out=Z)
            np.greater(Z, 0.0, out=B)
            np.multiply(Z, B, out=H)
            np.matmul(a, H, out=f)
            np.multiply(f, c, out=r)
            r -= yc
            np.multiply(B, r, out=Mr)
            np.matmul(Mr, X, out=gW)
            gW *= a_col
            np.matmul(H, r, out=ga)
            a *= decay
            a -= ga
            W *= decay
            W -= gW
            step += 1
            # B is the pattern at the point *before* this step; a change between the patterns
            # of consecutive iterates is recorded against the step that produced it
            key = B.tobytes()
            if key != prev_key:
                note_changes(step - 1, B, prev_sign)
            if step >= next_event:
                next_check = step + check_every
                sign = a > 0
                if (sign != prev_sign).any():
                    note_changes(step, prev_B, sign)
                Lnow = loss_value(X, y, lam, a, W)
                if not math.isfinite(Lnow) or Lnow > limit:
                    a[:], W[:] = snap_a, snap_W
                    bad_step, Lbad = _replay_to_failure(X, y, lam, lr, a, W, snap_step, step, limit)
                    step = bad_step - 1
                    if math.isfinite(Lbad):
                        stop = "diverged"
                        message = (f"diverged at step {bad_step}: loss {Lbad:.3g} exceeds {limit:.3g}; "
                                   f"reduce the step size (lr={lr:g})")
                    else:
                        stop = "nan"
                        message = f"the loss became NaN/inf at step {bad_step}; reduce the step size (lr={lr:g})"
                    break
                snap_a[:], snap_W[:], snap_step = a, W, step
                L, ga_f, gW_f = loss_and_grad(X, y, lam, a, W)
                gsq = float(ga_f @ ga_f + np.vdot(gW_f, gW_f))
                if step >= next_rec:
                    rec.record(step, step * lr, a, W, n_events)
                    next_rec = _geometric_next(step, record_ratio)
                    if progress:
                        progress(step, L)
                if gsq < grad_tol:
                    stop, message = "converged", ""
                    break
                next_event = min(next_check, next_rec, steps)
    except KeyboardInterrupt:
        a[:], W[:] = snap_a, snap_W
        step = snap_step
        stop, message = "interrupted", f"interrupted at step {step}"
    rec.record(step, step * lr, a, W, n_events)
    seconds = time.perf_counter() - start
    return Trajectory(a=a.copy(), W=W.copy(), lam=lam, lr=lr, steps=step, time=step * lr, seconds=seconds,
                      stop_reason=stop, message=message, records=rec.arrays(), cell_changes=events,
                      n_cell_changes=n_events, supports=rec.supports, init=info)


def train_batch(ds, lam, width, runs, *, lr=0.01, steps=100_000, init="gaussian", v_star=None,
                record_ratio=1.05, rel_tol=1e-6, check_every=256) -> list:
    """Many independent GD runs on one dataset, stepped together (vectorised over runs).

    ``runs`` is a list of ``(init_scale, seed)`` pairs; run ``k`` is the same GD as
    ``train(ds, lam, width, init_scale, seed=seed, lr=lr, steps=steps, grad_tol=0)`` up to
    floating-point summation order.  Cell changes are not tracked step by step here: each
    :class:`Trajectory` has ``cell_changes = []``, ``n_cell_changes = -1`` and the supports
    seen at the record points only.  A run whose loss turns non-finite is frozen at its last
    finite checkpoint with ``stop_reason = "nan"``.  Meant for reproduction grids, where
    the per-step Python overhead of single runs dominates.

    >>> from landscape.data import generate
    >>> ds = generate("theorem2", d=3)
    >>> runs = train_batch(ds, 0.01, 10, [(0.1, 0), (0.1, 1)], lr=0.05, steps=500)
    >>> single = train(ds, 0.01, 10, 0.1, seed=1, lr=0.05, steps=500)
    >>> bool(np.allclose(runs[1].W, single.W, rtol=1e-9, atol=1e-12))
    True
    """
    lr = _check_positive("step size (lr)", lr)
    if not runs:
        raise InputError("train_batch needs at least one (init_scale, seed) pair")
    prepared = [_prepare(ds, lam, width, scale, init, seed, None, None) for scale, seed in runs]
    X, y, lamf = prepared[0][0], prepared[0][1], prepared[0][2]
    A = np.stack([p[3] for p in prepared])
    Wb = np.stack([p[4] for p in prepared])
    R, m, dim = Wb.shape
    n = len(y)
    recs = [_Recorder(X, y, lamf, v_star, rel_tol) for _ in range(R)]
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
                    next_rec = _geometric_next(step, record_ratio)
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
                              records=recs[k].arrays(), cell_changes=[], n_cell_changes=-1,
                              supports=recs[k].supports, init=prepared[k][5]))
    return out


def _replay_to_failure(X, y, lam, lr, a, W, start, stop, limit):
    """Replay GD from the snapshot at ``start`` and return the first step whose loss is bad.

    ``a`` and ``W`` are left at the last good iterate.
    """
    for step in range(start + 1, stop + 1):
        _, ga, gW = loss_and_grad(X, y, lam, a, W)
        a_new, W_new = a - lr * ga, W - lr * gW
        L = loss_value(X, y, lam, a_new, W_new)
        if not math.isfinite(L) or L > limit:
            return step, L
        a[:], W[:] = a_new, W_new
    return stop, float("nan")


def train_flow(ds, lam, width=100, init_scale=1e-3, *, seed=0, t_max=100.0, rtol=1e-6, atol=1e-12,
               max_steps=1_000_000, grad_tol=1e-16, init="gaussian", a0=None, W0=None, v_star=None,
               record_ratio=1.05, rel_tol=1e-6, max_events=10_000) -> Trajectory:
    """Gradient flow ``theta' = -grad L`` by the adaptive Bogacki--Shampine 2(3) pair.

    The local error estimate ``|y3 - y2|`` is kept below ``atol + rtol |theta|`` per
    component.  Records are taken at accepted steps on a geometric schedule of times.
    ``steps`` of the result counts accepted steps and ``time`` is the integration time.

    >>> from landscape.data import generate
    >>> run = train_flow(generate("theorem2", d=3), lam=0.01, width=6, init_scale=0.5, t_max=5.0)
    >>> run.stop_reason, run.time == 5.0
    ('budget', True)
    """
    t_max = _check_positive("t_max", t_max)
    X, y, lam, a, W, info = _prepare(ds, lam, width, init_scale, init, seed, a0, W0)
    m, dim = W.shape
    rec = _Recorder(X, y, lam, v_star, rel_tol)
    start = time.perf_counter()
    rec.record(0, 0.0, a, W, 0)

    def field_(theta):
        _, ga, gW = loss_and_grad(X, y, lam, theta[:, 0], theta[:, 1:])
        return -np.hstack([ga[:, None], gW])

    theta = np.hstack([a[:, None], W])
    k1 = field_(theta)
    t, h, step = 0.0, min(1e-2, t_max), 0
    next_t = h
    events, n_events = [], 0
    prev = signed_cone_labels(X, theta[:, 0], theta[:, 1:])
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
                labels = signed_cone_labels(X, theta[:, 0], theta[:, 1:])
                for j, (o, nw) in enumerate(zip(prev, labels)):
                    if o != nw:
                        n_events += 1
                        if len(events) < max_events:
                            events.append(CellChange(step, j, o, nw))
                prev = labels
                gsq = float(np.vdot(k1, k1))
                if t >= next_t or gsq < grad_tol:
                    rec.record(step, t, theta[:, 0], theta[:, 1:], n_events)
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
    rec.record(step, t, a, W, n_events)
    return Trajectory(a=a, W=W, lam=lam, lr=float("nan"), steps=step, time=t,
                      seconds=time.perf_counter() - start, stop_reason=stop, message=message,
                      records=rec.arrays(), cell_changes=events, n_cell_changes=n_events,
                      supports=rec.supports, init=info)


# ---------------------------------------------------------------------------
# Endpoint classification (exact, on the polished point)
# ---------------------------------------------------------------------------


@dataclass
class EndpointVerdict:
    """The exact status of the point a run converged to.

    Attributes
    ----------
    verdict : one of :data:`VERDICTS`
    reason : one line explaining the verdict
    support : the signed cones (indices ``2*cell + (sign < 0)``) of the non-negligible
        final neurons, located exactly with :meth:`Arrangement.locate`
    neuron_cones : the signed cone of every final neuron (``None`` for negligible ones)
    region_value, region_lower, region_upper : ``V(S)`` of the support, with certified
        bounds (Fractions), or ``None`` when it could not be computed
    value_gap : ``L(theta_T) - V(S)`` in floating point (the run's loss above its region's
        optimum)
    distance : ``|theta_T - theta_polished|`` (Euclidean, floating point)
    grad_sq : squared gradient norm at ``theta_T``
    polished : the polished network ``(a, W)`` that the exact test was run on, or ``None``
    certificate : the certificate returned by the exact test (``None`` if it was not run)
    dead : neurons found in the open all-inactive cell; they decay geometrically to exactly
        0 and are set to zero before the distance, gap and gradient are measured
    region_is_global : ``True`` if ``V(S) = V*`` within certified bounds (the run is in the
        closure of a region containing a global minimum), ``False`` if ``V(S) > V*`` is
        certified, ``None`` if undecided or not computed; set even for ``not_converged``
    """

    verdict: str
    reason: str
    support: tuple = ()
    neuron_cones: tuple = ()
    region_value: Fraction | None = None
    region_lower: Fraction | None = None
    region_upper: Fraction | None = None
    value_gap: float = float("nan")
    distance: float = float("nan")
    grad_sq: float = float("nan")
    polished: tuple | None = None
    certificate: object = None
    dead: tuple = ()
    region_is_global: bool | None = None
    kink_margin: float = float("nan")

    def to_json_obj(self) -> dict:
        cert = self.certificate
        if cert is not None and hasattr(cert, "to_json_obj"):
            cert = cert.to_json_obj()
        elif cert is not None and not isinstance(cert, (dict, list, str, int, float)):
            cert = repr(cert)
        return {
            "verdict": self.verdict, "reason": self.reason, "support": list(self.support),
            "neuron_cones": list(self.neuron_cones),
            "region_value": self.region_value, "region_lower": self.region_lower,
            "region_upper": self.region_upper, "value_gap": self.value_gap,
            "distance": self.distance, "grad_sq": self.grad_sq,
            "polished": None if self.polished is None else
            {"a": [float(v) for v in self.polished[0]], "W": [[float(v) for v in r] for r in self.polished[1]]},
            "certificate": cert, "dead_neurons": list(self.dead), "region_is_global": self.region_is_global,
            "kink_margin": self.kink_margin,
        }


def _locate_cone(arr, w, a_sign, X):
    """Exact signed cone of a neuron: its open cell, else the closed cell matching the float pattern."""
    wq = [Fraction(float(v)) for v in w]
    cell = arr.locate(wq)
    if cell is None:
        cand = arr.closed_cells(wq)
        pattern = (np.asarray(X) @ np.asarray(w, dtype=float)) > 0
        match = [k for k in cand if np.array_equal(arr.patterns[k], pattern)]
        cell = (match or cand)[0]
    return 2 * int(cell) + (0 if a_sign > 0 else 1)


def convex_optimum(ds, lam, arr=None):
    """``V*`` as a float from the certified convex engine, or ``None`` if it is unavailable.

    The value is the midpoint of the certified bounds; used only for recording the gap
    ``L - V*`` along a trajectory.
    """
    try:
        from ..convex.program import RegionProgram
    except ImportError:
        return None
    glob = RegionProgram(ds, parse_lam(lam), arrangement=arr).global_optimum()
    if not glob.certified:
        return None
    return float((Fraction(glob.lower) + Fraction(glob.upper)) / 2)


def classify_endpoint(ds, lam, run_or_a, W=None, *, arr=None, prog=None, glob=None, rel_tol=1e-6,
                      grad_tol=1e-8, gap_tol=1e-4, dist_tol=1e-2, kink_tol=1e-3) -> EndpointVerdict:
    """Classify the end of a run on its polished point, with exact certificates.

    Steps
    -----
    1. Neurons with ``|a_j||w_j|`` below ``rel_tol`` times the largest are set to zero; every
       other neuron is located exactly in a signed cone (its open cell by
       :meth:`Arrangement.locate`; on a hyperplane, the closed cell whose pattern matches the
       float signs).  ``S`` is the set of these cones (the support).
    2. ``V(S)`` is solved with certified bounds.  The *polished point* replaces the neurons
       of each cone ``c`` by the optimal ``u_c``, split among them in proportion to their
       ``|a_j||w_j|`` and balanced (``|a_j| = |w_j|``); negligible neurons stay at zero.
    3. ``not_converged`` if the run stopped on NaN/divergence, if ``|grad L|^2 > grad_tol``,
       if ``|L(theta_T) - V(S)| > gap_tol |V(S)|`` or if the distance to the polished point
       exceeds ``dist_tol * max(1, |theta_polished|)``.  The gradient test is skipped when
       a live neuron lies within relative distance ``kink_tol`` of a data hyperplane
       (``min |x_i . w_j| / (|x_i||w_j|)`` over live neurons and rows, reported as
       ``kink_margin``): at a limit on a kink GD zigzags across the hyperplane and its
       gradient jumps by O(lam) at every step, so it never vanishes; the value gap and the
       distance then decide.
    4. If the certified bounds give ``V(S) = V*`` (``gap_ok(V*.lower, V(S).upper)``, the
       project's certified tolerance), the verdict is ``global_minimum``: ``L >= V*``
       everywhere and the run's limit attains ``V(S) = V*``.
    5. Otherwise :func:`landscape.network.pointwise.check_network` runs on the polished point.  A
       zero neuron that can grow (the global dual condition fails at the optimal residual
       of ``V(S)``, which is unique, with a margin) gives ``not_a_local_minimum``: a
       *stalled saddle*.  Other descent certificates of the local checks may come from
       the rounding of the float polished point (exact equalities such as balance or the
       radial KKT condition hold only to rounding), so they give ``undecided`` with the
       certificate attached; so does "too close to call".  When ``V(S) > V*`` is certified
       the reason says the point is spurious *if* it is a local minimum: deciding local
       minimality of an irrational point is out of reach of rational arithmetic.
       ``spurious_local_minimum`` is reported only when the exact test itself says so.

    Parameters
    ----------
    ds : Dataset
    lam : weight decay; Fractions and text exactly, floats by their exact binary value
        (the value gradient descent used)
    run_or_a : a :class:`Trajectory`, or the output weights ``a`` (then give ``W``)
    arr, prog, glob : optional precomputed arrangement, ``RegionProgram`` and its
        ``global_optimum()`` (reuse them when classifying many runs)
    """
    if isinstance(run_or_a, Trajectory):
        run = run_or_a
        a, W = np.asarray(run.a, float), np.asarray(run.W, float)
        if run.stop_reason in ("nan", "diverged"):
            return EndpointVerdict("not_converged", f"the run stopped: {run.message}")
    else:
        run = None
        if W is None:
            raise InputError("give the input weights W with the output weights a")
        a, W = np.asarray(run_or_a, float).reshape(-1), np.asarray(W, float)
    lam_q = parse_lam(lam)
    X, y = ds.features, ds.y
    if W.shape != (len(a), X.shape[1]):
        raise InputError(f"W must have shape ({len(a)}, {X.shape[1]}), got {W.shape}")
    if not (np.isfinite(a).all() and np.isfinite(W).all()):
        return EndpointVerdict("not_converged", "the network has non-finite entries")
    L, ga, gW = loss_and_grad(X, y, float(lam_q), a, W)
    gsq = float(ga @ ga + np.vdot(gW, gW))
    try:
        from ..exact.arithmetic import gap_ok
        from ..network.pointwise import check_network
        from ..convex.program import RegionProgram
    except ImportError:
        return EndpointVerdict("undecided", "the convex engine (landscape.convex/classify) is not available",
                               grad_sq=gsq)
    if prog is None:
        prog = RegionProgram(ds, lam_q, arrangement=arr)
    arr = prog.arr
    alive = _alive(a, W, rel_tol)
    cones = [(_locate_cone(arr, W[j], a[j], X) if alive[j] else None) for j in range(len(a))]
    # a neuron in the open cell where every row is inactive is dead: GD only shrinks it by
    # (1 - 2 lr lam) per step and it never leaves that cell, so its limit is exactly 0
    dead = [j for j, c in enumerate(cones) if c is not None and not arr.patterns[c // 2].any()]
    if dead:
        a, W = a.copy(), W.copy()
        a[dead], W[dead] = 0.0, 0.0
        for j in dead:
            cones[j] = None
        L, ga, gW = loss_and_grad(X, y, float(lam_q), a, W)
        gsq = float(ga @ ga + np.vdot(gW, gW))
    support = tuple(sorted({c for c in cones if c is not None}))
    base = dict(support=support, neuron_cones=tuple(cones), grad_sq=gsq, dead=tuple(dead))
    if not support:
        polished = (np.zeros_like(a), np.zeros_like(W))
        v_s, opt = float(y @ y / len(y)), None
    else:
        opt = prog.solve(list(support))
        base.update(region_value=_frac_or_none(opt.value), region_lower=_frac_or_none(opt.lower),
                    region_upper=_frac_or_none(opt.upper))
        if not opt.certified:
            why = f"V(S) for the support {list(support)} could not be certified ({opt.reason})"
            if gsq > grad_tol or (run is not None and run.stop_reason == "interrupted"):
                return EndpointVerdict("not_converged", f"|grad L|^2 = {gsq:.3g} > {grad_tol:g}; {why}", **base)
            return EndpointVerdict("undecided", why, **base)
        if glob is None:
            glob = prog.global_optimum()
        if glob.certified:
            if gap_ok(glob.lower, opt.upper):
                base["region_is_global"] = True
            elif opt.lower > glob.upper:
                base["region_is_global"] = False
        polished = _polished_point(prog, opt, a, W, cones)
        v_s = float(opt.value)
    gap = L - v_s
    pa, pW = polished
    dist = float(np.sqrt(np.sum((a - pa) ** 2) + np.sum((W - pW) ** 2)))
    norm = float(np.sqrt(pa @ pa + np.vdot(pW, pW)))
    base.update(value_gap=gap, distance=dist, polished=polished)
    problems = []
    if run is not None and run.stop_reason == "interrupted":
        problems.append("the run was interrupted")
    kink = _kink_margin(X, a, W)
    base["kink_margin"] = kink
    if gsq > grad_tol and kink > kink_tol:
        problems.append(f"|grad L|^2 = {gsq:.3g} > {grad_tol:g}")
    if abs(gap) > gap_tol * abs(v_s) + 1e-15:
        problems.append(f"L - V(S) = {gap:.3g} (relative {gap / max(abs(v_s), 1e-300):.2g} > {gap_tol:g})")
    if dist > dist_tol * max(1.0, norm):
        problems.append(f"distance to the polished point {dist:.3g}")
    if problems:
        return EndpointVerdict("not_converged", "; ".join(problems), **base)
    if base.get("region_is_global") is True:
        # L >= V* everywhere, and the limit the run approaches is an optimum of V(S) = V*
        cert = {"type": "region_optimum_is_global", "region_upper": opt.upper, "global_lower": glob.lower,
                "value_gap": gap, "distance": dist}
        return EndpointVerdict(
            "global_minimum",
            f"the run converged (|grad L|^2 = {gsq:.2g}, L - V(S) = {gap:.2g}, distance {dist:.2g} to the polished "
            f"optimum of V(S)) and V(S) = V* within certified bounds (V(S) <= {float(opt.upper):.12g}, "
            f"V* >= {float(glob.lower):.12g}); since L >= V* everywhere, the limit is a global minimum",
            certificate=cert, **base)
    v = check_network(ds, lam_q, pa, pW, prog=prog)
    verdict = v.verdict if v.verdict in VERDICTS else "undecided"
    where = f"polished point at distance {dist:.2g} from the run, L - V(S) = {gap:.2g}"
    reason = f"{v.reason} ({where})"
    cert = v.certificate
    ctype = cert.get("type") if isinstance(cert, dict) else None
    if verdict == "not_a_local_minimum" and ctype != "zero_neuron_can_grow":
        # a descent direction from the local checks (imbalance, radial, parallel, KKT per
        # accessible cone) can come from the rounding of the polished float point rather than
        # from the limit of the run; only the zero-neuron certificate, which depends on the
        # (unique) optimal residual of V(S) with a margin, is kept
        verdict = "undecided"
        reason = (f"the exact test found a descent direction of type {ctype} at the polished point, "
                  f"which may be polishing error rather than a property of the limit [{v.reason}] ({where})")
    if verdict == "undecided" and base.get("region_is_global") is False:
        reason = (f"{reason}; V(S) >= {float(opt.lower):.12g} > V* <= {float(glob.upper):.12g} (certified), "
                  "so the point is spurious if it is a local minimum")
    return EndpointVerdict(verdict, reason, certificate=cert, **base)


def _kink_margin(X, a, W, rel_tol=1e-6):
    """``min |x_i . w_j| / (|x_i| |w_j|)`` over live neurons and nonzero rows (inf if none)."""
    X = np.asarray(X, dtype=float)
    live = _alive(a, W, rel_tol)
    rows = np.linalg.norm(X, axis=1) > 0
    if not live.any() or not rows.any():
        return float("inf")
    Wl = W[live]
    C = np.abs(Wl @ X[rows].T) / np.outer(np.linalg.norm(Wl, axis=1), np.linalg.norm(X[rows], axis=1))
    return float(C.min())


def _frac_or_none(v):
    if v is None:
        return None
    try:
        return Fraction(v)
    except (TypeError, ValueError):
        return None


def _region_directions(opt):
    """Map each cone used by the optimum to its float ``u_c`` (the rational point, rounded)."""
    return {int(c): np.asarray(opt.u[c], dtype=float) for c in opt.cones_used}


def _objective(prog, u_by_cone):
    f = sum((prog.A(c) @ u for c, u in u_by_cone.items()), np.zeros(prog.n))
    res = f - prog.y
    return float(res @ res / prog.n + 2 * prog.lamf * sum(np.linalg.norm(u) for u in u_by_cone.values()))


def _polished_point(prog, opt, a, W, cones):
    """The optimum of ``V(S)`` nearest to the run, split over the run's neurons.

    Newton's method is started from the run's own per-cone ``u_c = sum |a_j| w_j`` (so that
    it lands on the optimum the run approaches when ``V(S)`` has several), on the face of
    rows active there; if that fails or ends above the certified ``V(S)``, it is started
    from the solver's optimum instead.
    """
    own = {}
    for j, c in enumerate(cones):
        if c is not None:
            own[c] = own.get(c, 0) + abs(a[j]) * W[j]
    tol = float(opt.upper) + 1e-12 * (1 + abs(float(opt.upper)))
    for start, atol in ((own, 1e-5), (own, 1e-7), (_region_directions(opt), 1e-7)):
        u = refine_optimum(prog, {c: np.asarray(v, float) for c, v in start.items() if np.any(v)}, active_tol=atol)
        if u is not start and _objective(prog, u) <= tol:
            return _polish(a, W, cones, u)
    return _polish(a, W, cones, _region_directions(opt))


def _polish(a, W, cones, u_by_cone):
    pa, pW = np.zeros_like(a), np.zeros_like(W)
    members = {}
    for j, c in enumerate(cones):
        if c is not None:
            members.setdefault(c, []).append(j)
    for c, js in members.items():
        u = u_by_cone.get(c)
        if u is None or not np.any(u):
            continue
        share = np.array([abs(a[j]) * np.linalg.norm(W[j]) for j in js])
        share = share / share.sum()
        s = 1.0 if c % 2 == 0 else -1.0
        for j, t in zip(js, share):
            uj = t * u
            nrm = math.sqrt(float(np.linalg.norm(uj)))
            if nrm > 0:
                pa[j] = s * nrm
                pW[j] = uj / nrm
    return pa, pW


# ---------------------------------------------------------------------------
# Output files (used by the ``landscape train`` command)
# ---------------------------------------------------------------------------


def regions_crossed(run, arr=None):
    """The supports a run went through: ``[{step, support, size}]``.

    Supports are float signed-cone labels (``pattern+sign``); with an arrangement ``arr``
    each label is also mapped to its signed-cone index ``2*cell + (sign < 0)`` (``None``
    for a float pattern that is not a cell, which can only happen within rounding of a
    hyperplane).
    """
    lookup = None
    if arr is not None:
        lookup = {"".join("1" if b else "0" for b in row): k for k, row in enumerate(arr.patterns)}
    out = []
    for step, supp in run.supports:
        labels = sorted(supp)
        item = {"step": step, "support": labels, "size": len(labels)}
        if lookup is not None:
            item["cones"] = [None if lookup.get(s[:-1]) is None else 2 * lookup[s[:-1]] + (s[-1] == "-")
                             for s in labels]
        out.append(item)
    return out


def run_summary(run, verdict=None) -> dict:
    """A short JSON-ready summary: stop reason, final loss, and a few trajectory rows."""
    r = run.records
    idx = sorted({0, len(r["step"]) // 4, len(r["step"]) // 2, 3 * len(r["step"]) // 4, len(r["step"]) - 1})
    rows = [{k: (r[k][i].item() if hasattr(r[k][i], "item") else r[k][i])
             for k in ("step", "loss", "theta_sq", "grad_sq", "support_size", "directions", "rank")}
            for i in idx]
    out = {"verdict": None if verdict is None else verdict.verdict,
           "reason": None if verdict is None else verdict.reason,
           "stop_reason": run.stop_reason, "message": run.message, "steps": run.steps,
           "seconds": round(run.seconds, 3), "final_loss": run.final_loss,
           "cell_changes": run.n_cell_changes, "supports_visited": len(run.supports),
           "trajectory": rows}
    return out


def result_json_obj(run, verdict=None, arr=None) -> dict:
    """The content of ``result.json``: verdict, value, steps, seconds, network, regions_crossed."""
    obj = {
        "verdict": "pending" if verdict is None else verdict.verdict,
        "reason": "" if verdict is None else verdict.reason,
        "value": run.final_loss,
        "steps": run.steps,
        "seconds": run.seconds,
        "stop_reason": run.stop_reason,
        "message": run.message,
        "lam": run.lam, "lr": run.lr, "init": run.init,
        "network": {"a": run.a.tolist(), "W": run.W.tolist()},
        "regions_crossed": regions_crossed(run, arr),
        "cell_changes": run.n_cell_changes,
    }
    if verdict is not None:
        obj["endpoint"] = verdict.to_json_obj()
    return obj


def write_run(run, out_dir, verdict=None, arr=None) -> None:
    """Write ``trajectory.csv``, ``cell_changes.csv`` and ``result.json`` into ``out_dir``."""
    import os

    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "trajectory.csv"), "w", encoding="utf-8") as fh:
        fh.write(run.to_csv())
    with open(os.path.join(out_dir, "cell_changes.csv"), "w", encoding="utf-8") as fh:
        fh.write("step,neuron,old,new\n")
        for e in run.cell_changes:
            fh.write(f"{e.step},{e.neuron},{e.old},{e.new}\n")
    tmp = os.path.join(out_dir, "result.json.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(dumps(result_json_obj(run, verdict, arr)) + "\n")
    os.replace(tmp, os.path.join(out_dir, "result.json"))


def plot_run(run, out_dir, ds, verdict=None, optimum_W=None) -> list:
    """Write ``loss.png`` (loss with support changes marked) and, for d = 2 or 3,
    ``directions.png`` (neuron directions projected on the plane of the optimum).

    The plane is spanned by the top two right singular vectors of ``optimum_W`` (the
    global optimum's neurons, when given and of rank >= 2), else of the polished network's
    ``W``, else of the final ``W``.  Returns the files written.
    """
    import os

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    r = run.records
    fig, ax = plt.subplots(figsize=(7, 4))
    steps = np.maximum(r["step"], 1)
    ax.loglog(steps, r["loss"], label="loss")
    if np.isfinite(r["gap_to_vstar"]).any():
        ax.loglog(steps, np.abs(r["gap_to_vstar"]), label="|L - V*|")
    for s, _ in run.supports[1:]:
        ax.axvline(max(s, 1), color="grey", lw=0.5, alpha=0.5)
    ax.set_xlabel("step (grey lines: support changes)")
    ax.set_ylabel("loss")
    title = f"verdict: {verdict.verdict}" if verdict is not None else run.stop_reason
    ax.set_title(title)
    ax.legend()
    path = os.path.join(out_dir, "loss.png")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    written.append(path)
    if ds.dim in (2, 3):
        if optimum_W is not None and np.linalg.matrix_rank(np.asarray(optimum_W, float)) >= 2:
            ref = optimum_W
        elif verdict is not None and verdict.polished is not None:
            ref = verdict.polished[1]
        else:
            ref = run.W
        ref = np.asarray(ref, dtype=float)
        if not np.any(ref):
            ref = run.W
        _, _, Vt = np.linalg.svd(ref, full_matrices=False)
        plane = Vt[:2].T if Vt.shape[0] >= 2 else np.eye(ds.dim)[:, :2]
        P = (np.abs(run.a)[:, None] * run.W) @ plane
        fig, ax = plt.subplots(figsize=(5, 5))
        pos = run.a > 0
        ax.scatter(P[pos, 0], P[pos, 1], marker="*", label="a > 0")
        ax.scatter(P[~pos, 0], P[~pos, 1], marker="o", label="a < 0")
        D = ds.features @ plane
        D = D / np.maximum(np.linalg.norm(D, axis=1, keepdims=True), 1e-300) * max(np.abs(P).max(), 1e-12)
        ax.scatter(D[:, 0], D[:, 1], marker="x", color="k", label="data (scaled)")
        ax.set_title("|a_j| w_j projected on the plane of the optimum")
        ax.legend()
        path = os.path.join(out_dir, "directions.png")
        fig.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(fig)
        written.append(path)
    return written


def command_train(ds, args) -> dict:
    """The ``landscape train`` command: train, write the files, classify, summarise.

    The files are written before the (possibly slow) exact classification and rewritten
    after it, so an interrupted command still leaves the trajectory on disk.  A run that
    diverged or turned NaN raises :class:`InputError` after its files are written.
    """
    import os

    out_dir = args.out_dir
    if out_dir is not None and os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise InputError(f"--out {out_dir}: exists and is not a directory")
    if args.width > 100_000:
        raise InputError(f"--width {args.width}: at most 100000 neurons")
    v_star, prog, glob = None, None, None
    if not args.no_classify:
        from ..convex.program import RegionProgram

        prog = RegionProgram(ds, parse_lam(args.lam))
        glob = prog.global_optimum()
        if glob.certified:
            v_star = float((Fraction(glob.lower) + Fraction(glob.upper)) / 2)
    run = train(ds, float(args.lam), args.width, args.init_scale, seed=args.seed, lr=args.lr,
                steps=args.steps, grad_tol=args.grad_tol, init=args.init, v_star=v_star)
    arr = None
    if out_dir is not None:
        write_run(run, out_dir)
    verdict = None
    if run.stop_reason in ("nan", "diverged"):
        verdict = EndpointVerdict("not_converged", f"the run stopped: {run.message}")
    elif not args.no_classify:
        arr = prog.arr
        verdict = classify_endpoint(ds, args.lam, run, prog=prog, glob=glob)
    if out_dir is not None:
        write_run(run, out_dir, verdict, arr)
        if args.plot:
            plot_run(run, out_dir, ds, verdict, optimum_W=None if glob is None else glob.network[1])
    elif args.plot:
        raise InputError("--plot needs --out DIR")
    if run.stop_reason in ("nan", "diverged"):
        where = f"; the trajectory is in {out_dir}" if out_dir else ""
        raise InputError(run.message + where)
    summary = run_summary(run, verdict)
    if out_dir is not None:
        summary["out"] = out_dir
    return summary
