r"""Certified critical points of the population loss: Krawczyk's test for a unique critical
point in a box, then the Hessian's spectrum enclosed over the box (docs/theory.md,
sections 8 and 9).

The procedure (:func:`certify_point`)
------------------------------------
1. *Polish* the float candidate by Newton's method on ``grad F = 0`` (float64, a
   candidate only).  A point whose rows all match distinct teacher rows to ``1e-6`` is
   replaced by that exact permutation of the teacher (the global minimum, loss 0).
2. *Krawczyk*: with ``c`` the polished point, ``B = c + [-r, r]^{nd}``, ``Y`` the float
   inverse of the Hessian at ``c`` and ``J(B)`` the ball Hessian over ``B``
   (:mod:`landscape.population.interval`),

       K(B) = c - Y grad F(c) + (I - Y J(B)) (B - c).

   The ball gradient and Hessian are computed with python-flint ``arb``; the matrix
   products with ``Y`` in float64 BLAS with rigorous error bounds
   (:mod:`landscape.population.balls`).
   If ``K(B)`` lies in the interior of ``B``, then ``grad F`` has exactly one zero
   ``W*`` in ``B`` (Krawczyk 1969; Moore 1977; Rump 1983).  The radii
   ``r = 1e-12 ... 1e-6`` (scaled by ``max(1, |W|)``, and at least 100 times the next Newton step) are tried in
   turn unless one is given.
3. *Curvature*: the Hessian at ``W*`` lies in ``J(B)``, whose spectrum is enclosed in
   disjoint clusters with multiplicities (:func:`~landscape.population.spectrum.enclose_spectrum`).
   If the lowest cluster lies in ``(0, inf)``, ``W*`` is a strict local minimum; if
   ``q^T J(B) q < 0`` for the float eigenvector ``q`` of the lowest eigenvalue, ``W*`` is a
   saddle and ``q`` is a direction of negative curvature.  Otherwise, or when Krawczyk's
   test fails (e.g. at a non-isolated critical point), the verdict is ``undecided``.
4. The loss ``F(W*)`` is the ball ``F(B)``.

>>> from landscape.population.kernel import teacher
>>> cert = certify_point(teacher(4), teacher(4))
>>> cert.verdict, cert.loss_upper < 1e-9
(<PointVerdict.LOCAL_MINIMUM: 'local_minimum'>, True)
>>> import math
>>> cert.hessian_min_eig_lower <= (math.pi - 2) / (4 * math.pi) <= cert.hessian_min_eig_upper
True

References
----------
R. Krawczyk, "Newton-Algorithmen zur Bestimmung von Nullstellen mit Fehlerschranken",
Computing 4 (1969).  S. M. Rump, "Verification methods: rigorous results using
floating-point arithmetic", Acta Numerica 19 (2010).  I. Safran, O. Shamir, ICML 2018
(who certified their minima symbolically).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from ..errors import InputError
from .balls import SAFE, TINY, U, from_arb, lower, matmul, upper
from .interval import interval_gradient, interval_hessian, interval_loss, student_box
from .kernel import check_student, gradient, hessian, loss
from .spectrum import Cluster, enclose_spectrum
from .symmetry import row_matching

__all__ = ["PointVerdict", "PointCertificate", "polish", "krawczyk", "certify_point", "parallel_rows",
           "DEFAULT_RADII"]

#: radii tried by :func:`certify_point`, relative to ``max(1, |W|_max)`` and at least 100
#: times the next Newton step
DEFAULT_RADII = (1e-12, 1e-10, 1e-8, 1e-6)


class PointVerdict(StrEnum):
    """The verdict on a critical point of the population loss.

    (``results.status.Verdict`` has no member for a saddle, so the population layer
    defines its own three; a candidate for ``results.status``.)
    """

    LOCAL_MINIMUM = "local_minimum"
    SADDLE = "saddle"
    UNDECIDED = "undecided"


@dataclass
class PointCertificate:
    """What :func:`certify_point` proved about the critical point near a candidate.

    ``W`` is the centre of the box (the polished float point); the unique critical point
    lies within ``radius`` of it in every coordinate (when ``critical`` is true).  Loss and
    smallest Hessian eigenvalue are rigorous bounds (float endpoints rounded outward).
    """

    verdict: PointVerdict
    W: np.ndarray
    critical: bool = False
    radius: float | None = None
    loss_lower: float | None = None
    loss_upper: float | None = None
    hessian_min_eig_lower: float | None = None
    hessian_min_eig_upper: float | None = None
    clusters: list[Cluster] | None = None
    direction: np.ndarray | None = None
    curvature_upper: float | None = None
    moved: float = 0.0
    reason: str = ""
    exact_center: bool = False
    value: float | None = None

    @property
    def loss(self) -> float | None:
        """The float loss at the centre, inside the proven bounds when there are some."""
        if self.loss_lower is None:
            return self.value
        return min(max(self.value, self.loss_lower), self.loss_upper)

    def to_json_obj(self):
        obj = {"verdict": self.verdict, "critical_point_in_box": self.critical, "radius": self.radius,
               "loss": self.loss, "loss_lower": self.loss_lower, "loss_upper": self.loss_upper,
               "hessian_min_eig_lower": self.hessian_min_eig_lower,
               "hessian_min_eig_upper": self.hessian_min_eig_upper,
               "moved": self.moved, "exact_center": self.exact_center, "reason": self.reason,
               "W": self.W.tolist()}
        if self.direction is not None:
            obj["negative_curvature"] = {"direction": self.direction.tolist(),
                                         "curvature_upper": self.curvature_upper}
        return obj


def _down(x):
    return float(np.nextafter(float(x.lower()), -np.inf))


def _up(x):
    return float(np.nextafter(float(x.upper()), np.inf))


def parallel_rows(W, tol=1e-10):
    """The first pair ``(i, j)`` of rows of ``W`` at angle below ``sqrt(2 tol)``, or ``None``.

    >>> parallel_rows([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0]])
    (0, 2)
    """
    W = np.asarray(W, dtype=float)
    U = W / np.linalg.norm(W, axis=-1, keepdims=True)
    C = U @ U.T
    n = len(W)
    for i in range(n):
        for j in range(i + 1, n):
            if C[i, j] > 1 - tol:
                return i, j
    return None


def polish(W, V, steps=30, tol=1e-15):
    """Newton's method on ``grad F = 0`` from ``W`` (float): the polished point.

    Stops when the gradient's largest entry is below ``tol * max(1, |W|)``, when a step
    no longer reduces it, or when the Hessian is singular.
    """
    W = np.array(W, dtype=float)
    n, d = W.shape
    g = gradient(W, V)
    best = float(np.abs(g).max())
    for _ in range(steps):
        if best <= tol * max(1.0, float(np.abs(W).max())):
            break
        try:
            delta = np.linalg.solve(hessian(W, V), g.reshape(-1)).reshape(n, d)
        except np.linalg.LinAlgError:
            break
        trial = W - delta
        if (np.linalg.norm(trial, axis=1) == 0).any():
            break
        gt = gradient(trial, V)
        size = float(np.abs(gt).max())
        if not size < best:
            break
        W, g, best = trial, gt, size
    return W


def krawczyk(center, V, radius, Y):
    """Krawczyk's test on the box ``center + [-radius, radius]^{nd}`` with the float matrix
    ``Y`` (an approximate inverse of the Hessian at ``center``).

    Returns ``(proved, (Jmid, Jrad))``: whether the box holds exactly one critical point,
    and the ball Hessian over the box as float midpoint and radius arrays.  The ball
    gradient and Hessian come from :mod:`landscape.population.interval`; the products
    ``Y grad F(c)`` and ``Y J(B)`` are enclosed by :func:`landscape.population.balls.matmul`.
    """
    N = center.size
    Jm, Jr = from_arb(interval_hessian(student_box(center, radius), V))
    fm, fr = from_arb(interval_gradient(student_box(center), V))
    zero = np.zeros_like(Y)
    Ym, Yr = matmul(Y, zero, fm, fr)  # Y grad F(c)
    Pm, Pr = matmul(Y, zero, Jm, Jr)  # Y J(B)
    Mm = np.eye(N) - Pm
    Mr = Pr + 2 * U * np.abs(Mm) + TINY  # one rounding in I - Y J
    # K(B) - c = -Y grad F(c) + (I - Y J(B)) [-r, r]^N, bounded entrywise
    bound = upper(((np.abs(Ym) + Yr)[:, 0] + radius * (np.abs(Mm) + Mr).sum(axis=1)) * SAFE + TINY)
    return bool((bound < radius).all()), (Jm, Jr)


def certify_point(W, V, radius=None, radii=DEFAULT_RADII) -> PointCertificate:
    """Certify the critical point of ``F`` near ``W`` against teacher ``V`` (see the module).

    Raises :class:`~landscape.errors.InputError` for a non-finite ``W``, a shape that does
    not match ``V`` or a zero row.  Rows that are parallel after polishing, a singular
    Hessian or a failed test give ``undecided`` with the reason.
    """
    V = np.asarray(V, dtype=float)
    W0 = check_student(W, d=V.shape[1])
    if W0.ndim != 2:
        raise InputError(f"W must be one n x d matrix, got shape {W0.shape}")
    center = polish(W0, V)
    perm = row_matching(V, center, 1e-6) if center.shape == V.shape else None
    snapped = perm is not None
    if snapped:  # the global minimum: the teacher itself, exactly
        center = V[perm].copy()
    moved = float(np.abs(center - W0).max())
    cert = PointCertificate(PointVerdict.UNDECIDED, center, moved=moved, exact_center=snapped,
                            value=float(loss(center, V)))
    pair = parallel_rows(center)
    if pair is not None:
        cert.reason = (f"rows {pair[0]} and {pair[1]} of W are parallel: the critical point is not isolated "
                       "there, no certificate")
        return cert
    lam, Q = np.linalg.eigh(hessian(center, V))
    if not np.abs(lam).min() > 1e-12 * np.abs(lam).max():
        cert.reason = "the Hessian at the polished point is numerically singular"
        return cert
    Y = (Q / lam) @ Q.T
    step = float(np.abs(Y @ gradient(center, V).ravel()).max())  # the next Newton step
    scale = max(1.0, float(np.abs(center).max()))
    tries = [radius] if radius is not None else sorted({max(r * scale, 100 * step) for r in radii})
    J = None
    for r in tries:
        if not np.isfinite(r) or r <= 0:
            continue
        ok, J = krawczyk(center, V, r, Y)
        if ok:
            cert.critical = True
            cert.radius = float(r)
            break
    if not cert.critical:
        cert.reason = f"Krawczyk's test failed for radius {', '.join(f'{r:.0e}' for r in tries)}"
        return cert
    box = student_box(center, cert.radius)
    value = interval_loss(box, V)
    cert.loss_lower, cert.loss_upper = max(0.0, _down(value)), _up(value)
    Jm, Jr = J
    clusters = enclose_spectrum(Jm, Jr, (lam, Q))
    cert.clusters = clusters
    q = Q[:, :1]
    zq = np.zeros_like(q)
    Pm, Pr = matmul(Jm, Jr, q, zq)
    cm, cr = matmul(q.T, zq.T, Pm, Pr)  # q^T J q
    dm, dr = matmul(q.T, zq.T, q, zq)  # q^T q
    curv_up = float(upper(cm[0, 0] + cr[0, 0]))
    den = (float(lower(dm[0, 0] - dr[0, 0])), float(upper(dm[0, 0] + dr[0, 0])))
    upper_eig = float(upper(curv_up / (den[0] if curv_up >= 0 else den[1])))
    if clusters is not None:
        cert.hessian_min_eig_lower = clusters[0].lower
        upper_eig = min(upper_eig, clusters[0].upper)
    cert.hessian_min_eig_upper = upper_eig
    if clusters is not None and clusters[0].lower > 0:
        cert.verdict = PointVerdict.LOCAL_MINIMUM
        cert.reason = "unique critical point in the box; Hessian positive definite on the box"
    elif curv_up < 0:
        cert.verdict = PointVerdict.SADDLE
        cert.direction = q.reshape(center.shape)
        cert.curvature_upper = curv_up
        cert.reason = "unique critical point in the box; q^T H q < 0 on the box for the given direction q"
    else:
        cert.reason = "unique critical point in the box, but the enclosure of the smallest eigenvalue contains 0"
    return cert
