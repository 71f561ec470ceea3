r"""Over-parameterisation: is a critical point of width ``n``, with one more neuron at zero,
still a local minimum at width ``n + 1``? (docs/theory.md, section 8)

For a student ``W`` and a new neuron ``eps u`` (``eps > 0``, ``|u| = 1``), positive
homogeneity of the arc-cosine kernel gives exactly

    F([W; eps u]) = F(W) + eps g_W(u) + eps^2 / 4,
    g_W(u) = sum_i k(u, w_i) - sum_j k(u, v_j) = E[(f_W(x) - f_V(x)) relu(u . x)],

the correlation of a new unit with the residual.  At a critical point ``g_W`` vanishes in
the directions of the neurons (``g_W(w_i / |w_i|) = w_i . grad_i F / |w_i| = 0``).  If
``g_W(u) < 0`` for some ``u``, the padded point is **not** a local minimum at width
``n + 1``: a new neuron grows along ``u`` and the loss falls linearly.  This is how the
spurious minima of Safran & Shamir lose their basins when a neuron is added (Arjevani &
Field's "annihilation" concerns the symmetric critical points of width ``n + 1``; this test
concerns the embedded ones).

:func:`neuron_escape` minimises ``g_W`` over the sphere in float (projected gradient from
many starts) and then proves ``g_{W'}(u) < 0`` in ball arithmetic for every ``W'`` in the
certified box around the critical point, so the statement holds at the exact critical
point.  Not finding such a ``u`` proves nothing (the verdict is then ``None``).

>>> from landscape.population.kernel import teacher
>>> V = teacher(3)
>>> esc = neuron_escape(V[:2], V)  # two teacher neurons: the third is missing
>>> esc.escapes, esc.value_upper < 0
(True, True)

References
----------
Y. Arjevani, M. Field, "Annihilation of spurious minima in two-layer ReLU networks",
NeurIPS 2022.  I. Safran, O. Shamir, ICML 2018 (over-parameterised runs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from flint import arb

from .interval import interval_kernel_sum, student_box
from .kernel import arccos_kernel

__all__ = ["NeuronEscape", "residual_correlation", "neuron_escape"]


def residual_correlation(U, W, V) -> np.ndarray:
    """``g_W(u)`` for each row ``u`` of ``U`` (any norm; ``g`` is positively homogeneous).

    >>> import numpy as np
    >>> float(residual_correlation(np.eye(2)[:1], np.eye(2), np.eye(2))[0])
    0.0
    """
    return arccos_kernel(U, W).sum(axis=-1) - arccos_kernel(U, V).sum(axis=-1)


def _correlation_gradient(U, W, V):
    """The gradient of ``g_W`` at the unit rows ``U`` (float)."""
    out = np.zeros_like(U)
    for B, sign in ((W, 1.0), (V, -1.0)):
        nb = np.linalg.norm(B, axis=-1)
        c = np.clip(U @ (B / nb[:, None]).T, -1.0, 1.0)
        s = np.sqrt(np.maximum(0.0, 1.0 - c * c))
        t = np.arccos(c)
        out += sign * ((s @ nb)[:, None] * U + (np.pi - t) @ B) / (2 * np.pi)
    return out


@dataclass
class NeuronEscape:
    """The outcome of :func:`neuron_escape`: a direction ``u`` with ``g_W(u) <= value_upper``
    (proven over the box when ``escapes``)."""

    escapes: bool | None
    direction: np.ndarray | None
    value: float
    value_upper: float | None

    def to_json_obj(self):
        return {"escapes": self.escapes, "direction": None if self.direction is None else self.direction.tolist(),
                "value": self.value, "value_upper": self.value_upper}


def neuron_escape(W, V, radius=0.0, starts=256, steps=400, lr=0.5, seed=0) -> NeuronEscape:
    """Look for a new neuron direction ``u`` with ``g_W(u) < 0`` and prove it over the box
    ``W + [-radius, radius]^{n x d}`` (use the radius of a certificate of ``W``).
    """
    W = np.asarray(W, dtype=float)
    V = np.asarray(V, dtype=float)
    rng = np.random.default_rng(seed)
    U = rng.normal(size=(starts, W.shape[1]))
    U = np.concatenate([U, -W, V, -V])
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    for _ in range(steps):
        G = _correlation_gradient(U, W, V)
        G -= (G * U).sum(axis=1, keepdims=True) * U  # tangent to the sphere
        U = U - lr * G
        U /= np.linalg.norm(U, axis=1, keepdims=True)
    vals = residual_correlation(U, W, V)
    best = int(np.argmin(vals))
    u, value = U[best], float(vals[best])
    if not value < 0:
        return NeuronEscape(None, u, value, None)
    upper = _interval_correlation(u, student_box(W, radius), V)
    return NeuronEscape(bool(upper < 0), u, value, float(np.nextafter(float(upper), np.inf)))


def _interval_correlation(u, Wb, V):
    """An upper bound of ``g_{W'}(u)`` over the box ``Wb`` (ball arithmetic)."""
    total = interval_kernel_sum(u, Wb) - interval_kernel_sum(u, [[arb(float(x)) for x in row] for row in V])
    return total.upper()
