r"""Initial networks for training (:func:`init_network`) and the checks of a given one.

Schemes
-------
``"gaussian"``
    ``w_j ~ N(0, alpha^2 I)`` and ``a_j = +-|w_j|`` with a fair random sign (balanced),
    as in Boursier et al. (2025), Theorem 2.
``"symmetric"``
    As ``"gaussian"`` for the first half of the neurons; the second half copies them
    with ``a_j`` negated, so ``f = 0`` at initialisation (the authors' ``symmetric_init``).
``"uniform"``
    ``W`` and ``a`` with independent entries uniform on ``[-alpha, alpha]`` (not balanced),
    the scaled version of the authors' uniform ``[-1/sqrt(m), 1/sqrt(m)]`` initialisation.

References
----------
E. Boursier, M. Bowditch, M. Englert, R. Lazic, "A theoretical framework for the loss
landscape of two-layer ReLU networks with weight decay", 2025 (Theorem 2: small
initialisation).

Examples
--------
>>> a, W = init_network(4, 3, 0.5, seed=1)
>>> np.allclose(np.abs(a), np.linalg.norm(W, axis=1))
True
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InputError
from .loss import check_lam

__all__ = ["INITS", "init_network"]

INITS = ("gaussian", "symmetric", "uniform")


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


def prepare(ds, lam, width, init_scale, init, seed, a0, W0):
    """Checked float data, ``lam`` and initial network of a run: ``(X, y, lam, a, W, info)``.

    ``a0, W0`` give the initial network explicitly; otherwise it is drawn by
    :func:`init_network`.  ``info`` describes the initialisation for the output files.
    """
    from ..data import Dataset

    if not isinstance(ds, Dataset):
        raise InputError(f"expected a Dataset, got {type(ds).__name__}")
    lam = check_lam(lam)
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


def check_positive(name, value) -> float:
    """``value`` as a finite float ``> 0``; the :class:`InputError` names ``name``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise InputError(f"{name} must be a finite number > 0, got {value}")
    return v
