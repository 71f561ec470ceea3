"""A finite two-layer network: the exact type, its training loss, and balanced neurons.

The network of width ``m`` is ``f(x) = sum_j a_j relu(w_j . x)`` and its training loss is
(docs/theory.md, section 1)

    L(a, W) = (1/n) sum_i (f(x_i) - y_i)^2 + lam (|a|^2 + |W|_F^2).

This module holds the exact loss (:func:`exact_loss`, on Fractions).  The float loss and
the map from a convex weight ``u`` of a signed cone to its balanced neuron (``a = s
sqrt|u|``, ``w = u / sqrt|u|``, so ``|a| = |w|`` and ``|a| w = u``; Pilanci & Ergen 2020,
docs/theory.md, section 3) are defined once, one layer down, in
:mod:`landscape.convex.balanced` (``network_loss``, ``balanced_neuron``), where the convex
optimum needs them.

Examples
--------
>>> from landscape.data import Dataset
>>> ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, -1])
>>> net = ExactNetwork.parse(ds, ["2/3", "-2/3"], [["2/3", 0], [0, "2/3"]])
>>> net.loss(ds, "5/18")
Fraction(65, 81)
>>> from landscape.convex.balanced import balanced_neuron, network_loss
>>> round(network_loss(ds, 5 / 18, [2 / 3, -2 / 3], [[2 / 3, 0], [0, 2 / 3]]), 12)
0.802469135802
>>> balanced_neuron([0.0, 4.0], -1)
(-2.0, [0.0, 2.0])
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..data import parse_lam
from .io import parse_network

__all__ = ["ExactNetwork", "exact_loss", "exact_fit", "rational_network"]


def _dot(x, y):
    return sum((p * q for p, q in zip(x, y)), Fraction(0))


def exact_fit(rows, a, W) -> list:
    """Exact outputs ``f(x_i) = sum_j a_j relu(w_j . x_i)`` for the rows ``x_i`` (Fractions)."""
    return [sum((aj * max(_dot(x, w), Fraction(0)) for aj, w in zip(a, W)), Fraction(0)) for x in rows]


def exact_loss(ds, lam, a, W) -> Fraction:
    """Exact training loss of an exact network (``a``, ``W`` Fractions; no parsing).

    >>> from landscape.data import Dataset
    >>> exact_loss(Dataset.from_arrays([[1, 0]], [1]), Fraction(1, 10), [Fraction(1)], [[Fraction(1), 0]])
    Fraction(1, 5)
    """
    f = exact_fit(ds.features_exact, a, W)
    fit = sum(((fi - yi) ** 2 for fi, yi in zip(f, ds.y_exact)), Fraction(0)) / ds.n
    return fit + Fraction(lam) * (_dot(a, a) + sum((_dot(w, w) for w in W), Fraction(0)))


def _rational_sqrt(q):
    q = Fraction(q)
    if q < 0:
        return None
    num, den = math.isqrt(q.numerator), math.isqrt(q.denominator)
    return Fraction(num, den) if num * num == q.numerator and den * den == q.denominator else None


def rational_network(a, W, max_denominators=(10, 100, 1000, 10**4, 10**6)):
    """Short rational balanced network near ``(a, W)``, or None.

    Each neuron's ``u = |a| w`` is rounded to the nearest rationals with bounded
    denominators; the result is kept only if ``|u|`` and ``sqrt|u|`` are rational, so that
    ``a = +-sqrt|u|`` and ``w = u / sqrt|u|`` are exact and balanced.  Nothing about the
    rounded network is assumed: callers verify it exactly.

    >>> rational_network([0.7], [[0.42, 0.56, 0.0]])
    ([Fraction(7, 10)], [[Fraction(21, 50), Fraction(14, 25), Fraction(0, 1)]])
    """
    for bound in max_denominators:
        out_a, out_W, ok = [], [], True
        for aj, wj in zip(a, W):
            u = [Fraction(abs(float(aj)) * float(x)).limit_denominator(bound) for x in wj]
            nu = _rational_sqrt(sum((x * x for x in u), Fraction(0)))
            root = _rational_sqrt(nu) if nu is not None else None
            if not root:
                ok = False
                break
            out_a.append(root if float(aj) > 0 else -root)
            out_W.append([x / root for x in u])
        if ok:
            return out_a, out_W
    return None


@dataclass(frozen=True)
class ExactNetwork:
    """A network with exact rational weights: ``a`` (m Fractions), ``W`` (m rows of Fractions).

    Build it with :meth:`parse` (shapes checked against the data; floats convert exactly,
    text such as ``"2/3"`` is read exactly).  :meth:`float_view` gives numpy arrays.
    """

    a: tuple
    W: tuple

    @classmethod
    def parse(cls, ds, a, W) -> "ExactNetwork":
        a, W = parse_network(ds, a, W)
        return cls(tuple(a), tuple(tuple(w) for w in W))

    @property
    def width(self) -> int:
        return len(self.a)

    @property
    def u(self) -> list:
        """``u_j = |a_j| w_j`` per neuron (exact)."""
        return [[abs(aj) * v for v in wj] for aj, wj in zip(self.a, self.W)]

    def fit(self, ds) -> list:
        return exact_fit(ds.features_exact, self.a, self.W)

    def residual(self, ds) -> list:
        """``r = y - f`` (exact)."""
        return [yi - fi for yi, fi in zip(ds.y_exact, self.fit(ds))]

    def loss(self, ds, lam) -> Fraction:
        return exact_loss(ds, parse_lam(lam), self.a, self.W)

    def float_view(self):
        """``(a, W)`` as float numpy arrays (rounded)."""
        return (np.array([float(v) for v in self.a]),
                np.array([[float(v) for v in w] for w in self.W]).reshape(len(self.a), -1))
