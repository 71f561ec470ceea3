r"""The population loss of a student network against a teacher with Gaussian inputs, in
float64, vectorised over many students at once (docs/theory.md, section 8).

Teacher ``V`` (``k x d``, rows ``v_j``), student ``W`` (``n x d``), output weights fixed to 1:

    F(W) = 1/2 E_{x ~ N(0, I_d)} [(sum_i relu(w_i . x) - sum_j relu(v_j . x))^2].

With Cho & Saul's arc-cosine kernel of degree 1, ``t`` the angle between ``w`` and ``v``,

    k(w, v) = E[relu(w . x) relu(v . x)] = |w| |v| (sin t + (pi - t) cos t) / (2 pi),

the loss is ``1/2 sum_{i,i'} k(w_i, w_i') - sum_{i,j} k(w_i, v_j) + 1/2 sum_{j,j'} k(v_j, v_j')``
and its gradient is ``dF/dw_i = sum_{i'} g(w_i, w_i') - sum_j g(w_i, v_j)`` with

    g(w, v) = dk/dw = (|v| sin t  u + (pi - t) v) / (2 pi),   u = w / |w|,   g(w, w) = w / 2.

Differentiating ``g`` once more (``c = cos t``, ``s = sin t``, ``vh = v / |v|``,
``p = vh - c u`` and ``q = u - c vh``, both of length ``s``):

    d g(w, v) / dw = |v| / (2 pi |w|)  [s (I - u u^T) + p p^T / s],
    d g(w, v) / dv = 1 / (2 pi)  [(pi - t) I + s u vh^T + p q^T / s].

Both are continuous at ``s = 0`` (parallel or opposite rows), where ``p p^T / s`` and
``p q^T / s`` tend to 0: the kernel is twice, not three times, differentiable there, so the
formulas below use those limits.  ``F`` is not differentiable where a row of ``W`` is zero.
The Hessian of ``F`` has diagonal blocks ``I/2 + sum_{i' != i} dg(w_i, w_i')/dw -
sum_j dg(w_i, v_j)/dw`` and off-diagonal blocks ``dg(w_i, w_i')/dw_i'``; it acts on
``vec(W)`` (row-major: the coordinates of ``w_1``, then those of ``w_2``, ...).

Every function takes a batch: ``W`` of shape ``(..., n, d)`` (batch dimensions first) and
returns one value per batch entry.

>>> import numpy as np
>>> V = teacher(3)
>>> float(loss(V, V)), float(abs(gradient(V, V)).max())
(0.0, 0.0)
>>> H = hessian(V, V)
>>> bool(np.isclose(np.linalg.eigvalsh(H).min(), (np.pi - 2) / (4 * np.pi)))
True

References
----------
Y. Cho, L. Saul, "Kernel methods for deep learning", NIPS 2009 (the arc-cosine kernel).
I. Safran, O. Shamir, "Spurious local minima are common in two-layer ReLU neural
networks", ICML 2018 (the loss, its gradient, the experiment).  Y. Arjevani, M. Field,
"Analytic characterization of the Hessian in shallow ReLU models: a tale of symmetry",
NeurIPS 2020.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError

__all__ = ["teacher", "arccos_kernel", "loss", "gradient", "hessian", "check_student"]

TWO_PI = 2.0 * np.pi


def teacher(k: int, d: int | None = None) -> np.ndarray:
    """The standard teacher: the first ``k`` rows of ``I_d`` (``d = k`` by default).

    >>> teacher(2, 3)
    array([[1., 0., 0.],
           [0., 1., 0.]])
    """
    d = k if d is None else d
    if k < 1 or d < k:
        raise InputError(f"the teacher needs 1 <= k <= d, got k = {k}, d = {d}")
    return np.eye(k, d)


def check_student(W, n: int | None = None, d: int | None = None) -> np.ndarray:
    """``W`` as a float array of shape ``(..., n, d)``, refusing what ``F`` is not defined on.

    Raises :class:`~landscape.errors.InputError` for a non-finite entry, a wrong shape or a
    zero row (where ``F`` is not differentiable).

    >>> check_student([[1, 0], [0, 0]])
    Traceback (most recent call last):
    ...
    landscape.errors.InputError: row 1 of W is zero: the population loss is not differentiable there
    """
    try:
        W = np.asarray(W, dtype=float)
    except (TypeError, ValueError):
        raise InputError("W must be a matrix of numbers") from None
    if W.ndim < 2:
        raise InputError(f"W must be a matrix (n x d), got an array of shape {W.shape}")
    if not np.isfinite(W).all():
        raise InputError("W has a non-finite entry")
    if n is not None and W.shape[-2] != n:
        raise InputError(f"W has {W.shape[-2]} rows, expected n = {n}")
    if d is not None and W.shape[-1] != d:
        raise InputError(f"W has {W.shape[-1]} columns, expected d = {d}")
    zero = np.linalg.norm(W, axis=-1) == 0
    if zero.any():
        i = int(np.argwhere(zero)[0][-1])
        raise InputError(f"row {i} of W is zero: the population loss is not differentiable there")
    return W


def _cosines(A, B):
    """Norms and unit rows of ``A`` and ``B`` and the cosines between their rows."""
    na = np.linalg.norm(A, axis=-1)
    nb = np.linalg.norm(B, axis=-1)
    U = A / na[..., None]
    Bh = B / nb[..., None]
    return na, nb, U, Bh, np.clip(U @ np.swapaxes(Bh, -1, -2), -1.0, 1.0)


def _angles(A, B):
    """As :func:`_cosines`, with the sines and the angles (``sin t`` from ``cos t``: cheap,
    and accurate enough for the loss and the gradient)."""
    na, nb, U, Bh, c = _cosines(A, B)
    s = np.sqrt(np.maximum(0.0, 1.0 - c * c))
    return na, nb, U, Bh, c, s, np.arccos(c)


def _self_angles(A):
    """As :func:`_angles` for ``A`` against itself, with the diagonal exactly parallel."""
    na, _, U, _, c, s, t = _angles(A, A)
    i = np.arange(A.shape[-2])
    c[..., i, i] = 1.0
    s[..., i, i] = 0.0
    t[..., i, i] = 0.0
    return na, U, c, s, t


def arccos_kernel(A, B) -> np.ndarray:
    """The arc-cosine kernel ``k(a_i, b_j)`` for all rows: shape ``(..., n, m)``.

    >>> round(float(arccos_kernel([[1.0, 0.0]], [[0.0, 1.0]])[0, 0]), 12) == round(1 / (2 * np.pi), 12)
    True
    """
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    na, nb, _, _, c, s, t = _angles(A, B)
    return na[..., :, None] * nb[..., None, :] * (s + (np.pi - t) * c) / TWO_PI


def loss(W, V) -> np.ndarray:
    """The population loss ``F(W)`` for each student of the batch.

    >>> round(float(loss([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 2.0]])), 12)
    0.25
    """
    W = np.asarray(W, dtype=float)
    V = np.asarray(V, dtype=float)
    na, _, c, s, t = _self_angles(W)
    kww = na[..., :, None] * na[..., None, :] * (s + (np.pi - t) * c) / TWO_PI
    kvv = arccos_kernel(V, V).sum()
    return 0.5 * kww.sum(axis=(-1, -2)) - arccos_kernel(W, V).sum(axis=(-1, -2)) + 0.5 * kvv


def gradient(W, V) -> np.ndarray:
    """``dF/dW`` for each student of the batch, shape ``(..., n, d)``."""
    W = np.asarray(W, dtype=float)
    V = np.asarray(V, dtype=float)
    na, U, c, s, t = _self_angles(W)
    G = U * (s @ na[..., :, None]) + (np.pi - t) @ W
    _, nv, _, _, c, s, t = _angles(W, V)
    G -= U * (s @ nv)[..., :, None] + (np.pi - t) @ V
    return G / TWO_PI


def _pair_terms(A, B, skip_diagonal=False):
    """``c``, ``s`` and the vectors ``p = bh - c u`` of every pair of rows (``s = |p|``,
    accurate also for nearly parallel rows, where the Hessian divides by it)."""
    na, nb, U, Bh, c = _cosines(A, B)
    P = Bh[..., None, :, :] - c[..., None] * U[..., :, None, :]
    s = np.linalg.norm(P, axis=-1)
    if skip_diagonal:
        i = np.arange(A.shape[-2])
        c[..., i, i] = 1.0
        s[..., i, i] = 0.0
        P[..., i, i, :] = 0.0
    inv_s = np.divide(1.0, s, out=np.zeros_like(s), where=s > 0)
    return na, nb, U, Bh, c, s, P, inv_s


def _diagonal_blocks(na, nb, U, s, P, inv_s, sign):
    """``sign * sum_j dg(w_i, b_j)/dw`` for each row ``i``: shape ``(..., n, d, d)``."""
    alpha = sign * nb[..., None, :] / (TWO_PI * na[..., :, None])
    d = U.shape[-1]
    a = (alpha * s).sum(axis=-1)
    proj = np.eye(d) - U[..., :, :, None] * U[..., :, None, :]
    return a[..., None, None] * proj + np.einsum("...nm,...nma,...nmb->...nab", alpha * inv_s, P, P)


def hessian(W, V) -> np.ndarray:
    """The Hessian of ``F`` on ``vec(W)`` (row-major), shape ``(..., n d, n d)``."""
    W = np.asarray(W, dtype=float)
    V = np.asarray(V, dtype=float)
    n, d = W.shape[-2:]
    na, _, U, _, c, s, P, inv_s = _pair_terms(W, W, skip_diagonal=True)
    t = np.arctan2(s, c)
    # off-diagonal blocks dg(w_i, w_j)/dw_j = [(pi - t) I + s u_i u_j^T + p_ij q_ij^T / s] / 2 pi,
    # where q_ij = u_i - c u_j = p_ji
    Q = np.swapaxes(P, -2, -3)
    blocks = ((np.pi - t)[..., None, None] * np.eye(d)
              + s[..., None, None] * U[..., :, None, :, None] * U[..., None, :, None, :]
              + inv_s[..., None, None] * P[..., :, :, :, None] * Q[..., :, :, None, :]) / TWO_PI
    diag = 0.5 * np.eye(d) + _diagonal_blocks(na, na, U, s, P, inv_s, 1.0)
    vn, vv, vU, _, vc, vs, vP, vinv = _pair_terms(W, V)
    diag = diag + _diagonal_blocks(vn, vv, vU, vs, vP, vinv, -1.0)
    i = np.arange(n)
    blocks[..., i, i, :, :] = diag
    shape = W.shape[:-2] + (n * d, n * d)
    return np.swapaxes(blocks, -2, -3).reshape(shape)
