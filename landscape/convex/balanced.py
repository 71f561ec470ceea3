"""The balanced network of a convex point and the float training loss (docs/theory.md,
sections 1 and 3).

A used cone ``c`` with weight ``u_c != 0`` is one neuron ``a_c = s_c sqrt|u_c|``,
``w_c = u_c / sqrt|u_c|``; its training loss
``(1/n) sum (f - y)^2 + lam (|a|^2 + |W|_F^2)`` equals the programme's objective.

Examples
--------
>>> import numpy as np
>>> a, W = balanced_network({0: np.array([4.0, 0.0]), 3: np.array([0.0, 1.0])}, 2)
>>> a.tolist(), W.tolist()
([2.0, -1.0], [[2.0, 0.0], [0.0, 1.0]])
"""

from __future__ import annotations

import math

import numpy as np

from ..geometry.cones import cone_sign

__all__ = ["balanced_neuron", "balanced_network", "network_loss"]


def balanced_neuron(u, sign):
    """The balanced neuron ``(a, w)`` with ``|a| w = u``: ``a = sign sqrt|u|``, ``w = u / sqrt|u|``.

    Float in, float out; a zero ``u`` gives the zero neuron (no division).

    >>> balanced_neuron([3.0, 4.0], 1)
    (2.23606797749979, [1.3416407864998738, 1.7888543819998317])
    >>> balanced_neuron([0.0, 0.0], -1)
    (0.0, [0.0, 0.0])
    """
    u = [float(v) for v in u]
    nu = math.sqrt(sum(v * v for v in u))
    if nu == 0.0:
        return 0.0, [0.0] * len(u)
    root = math.sqrt(nu)
    return float(sign) * root, [v / root for v in u]


def balanced_network(u_by_cone, dim):
    """Balanced ``(a, W)`` (numpy) with one neuron per cone of ``u_by_cone`` (cone -> float
    vector, all nonzero), in the dict's order; ``(zeros(0), zeros((0, dim)))`` if empty."""
    if not u_by_cone:
        return np.zeros(0), np.zeros((0, dim))
    a, W = zip(*(balanced_neuron(u, cone_sign(c)) for c, u in u_by_cone.items()))
    return np.array(a), np.array(W)


def network_loss(ds, lam, a, W) -> float:
    """Float training loss ``(1/n) |f - y|^2 + lam (|a|^2 + |W|_F^2)`` (docs/theory.md,
    section 1).

    >>> from landscape.data import Dataset
    >>> ds = Dataset.from_arrays([[1, 0]], [1])
    >>> network_loss(ds, 0.1, [1.0], [[1.0, 0.0]])
    0.2
    """
    X = ds.features
    a = np.asarray(a, dtype=float)
    W = np.asarray(W, dtype=float).reshape(len(a), ds.dim)
    f = np.maximum(X @ W.T, 0.0) @ a
    return float(np.mean((f - ds.y) ** 2) + float(lam) * (a @ a + np.sum(W * W)))
