r"""The training loss of a width-``m`` network and its gradient, in floating point.

The network is ``f(x) = sum_j a_j relu(w_j . x)`` and the loss (docs/theory.md, section 1)

    L(a, W) = (1/n) sum_i (f(x_i) - y_i)^2 + lam (|a|^2 + |W|_F^2).

Examples
--------
>>> X = np.array([[1.0, 0.0], [0.0, 1.0]]); y = np.array([1.0, 0.0])
>>> loss_value(X, y, 0.5, np.array([1.0]), np.array([[1.0, 0.0]]))
1.0
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InputError

__all__ = ["loss_value", "loss_and_grad"]


def check_lam(lam) -> float:
    """``lam`` as a finite float ``>= 0`` (:class:`InputError` otherwise)."""
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
