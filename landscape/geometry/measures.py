r"""Measures over signed cones and the distribution of a width-m region's support.

A region of width ``m`` picks one signed cone per neuron.  Under a *cone measure* each
neuron independently falls in signed cone ``c`` with probability ``p_c``:

* :func:`uniform_measure` -- ``p_c = 1/K`` for the ``K = 2P`` signed cones (the protocol of
  Boursier, Bowditch, Englert & Lazic 2025).  Exact rationals.
* :func:`gaussian_measure` -- ``w ~ N(0, I)`` and a uniform random output sign, so ``p_c``
  is half the solid-angle fraction of the cell.  Computed from exact extreme rays when the
  arrangement has rank <= 3 (angles in rank 2, spherical excess in rank 3, to rounding
  error ~1e-15), otherwise by Monte Carlo with a stated standard error.

The support ``S`` of a random region is the set of distinct cones hit.  By
inclusion-exclusion (docs/theory.md, section 5)

    Pr[support = S] = sum_{T subset S} (-1)^{|S|-|T|} p(T)^m,

and for a set ``A`` of cones and ``B subset A``

    Pr[support & A = B] = sum_{T subset B} (-1)^{|B|-|T|} (p(T) + 1 - p(A))^m,

which :func:`restricted_support_probability` evaluates exactly and :func:`closed_form`
returns as a sympy expression in ``m``.

Examples
--------
Two neurons in a landscape of 4 cones hit 2 distinct given cones with probability 2/16:

>>> from fractions import Fraction
>>> support_probability([Fraction(1, 4)] * 2, 2)
Fraction(1, 8)

The probabilities of all supports sum to one (here K = 3, m = 4):

>>> import itertools
>>> p = [Fraction(1, 3)] * 3
>>> sum(support_probability([p[c] for c in S], 4)
...     for k in range(1, 4) for S in itertools.combinations(range(3), k))
Fraction(1, 1)
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..errors import InputError
from ..results.proportion import wilson_interval  # noqa: F401  (re-exported)

__all__ = [
    "UniformMeasure",
    "GaussianMeasure",
    "uniform_measure",
    "gaussian_measure",
    "support_probability",
    "restricted_support_probability",
    "closed_form",
    "inclusion_exclusion_terms",
    "wilson_interval",
    "sample_supports",
]


@dataclass(frozen=True)
class UniformMeasure:
    """Each neuron uniform over the ``K`` signed cones: exact rational probabilities."""

    probs: tuple  # Fraction per cone

    name = "uniform"
    exact = True

    @property
    def K(self):
        return len(self.probs)


@dataclass(frozen=True)
class GaussianMeasure:
    """Gaussian initialisation measure: float probabilities with a stated error.

    Attributes
    ----------
    probs : tuple of float
        Probability of every signed cone (half the solid-angle fraction of its cell).
    error : float
        Bound on the absolute error of each probability: rounding (~1e-15) for the
        solid-angle formulas, or ``3`` standard errors of the Monte Carlo estimate.
    method : str
        ``"angle"`` (rank 2), ``"spherical-excess"`` (rank 3), ``"trivial"`` (rank <= 1)
        or ``"monte-carlo"``.
    samples : int
        Monte Carlo sample count (0 for the formulas).
    """

    probs: tuple
    error: float
    method: str
    samples: int = 0

    name = "gaussian"
    exact = False

    @property
    def K(self):
        return len(self.probs)


def uniform_measure(arr) -> UniformMeasure:
    """The uniform measure over the ``2 * arr.count`` signed cones."""
    K = 2 * arr.count
    return UniformMeasure(tuple(Fraction(1, K) for _ in range(K)))


def _orthonormal_rowspace(arr):
    """Float orthonormal basis Q (dim x r) of the span of the class normals."""
    H = np.array([[float(v) for v in h] for h in arr.classes.normals])
    _, s, vt = np.linalg.svd(H, full_matrices=False)
    return vt[: arr.rank].T


def _exact_extreme_rays(arr):
    """For rank 2 or 3: the extreme rays of every cell, from exact integer arithmetic.

    Returns a list (one per cell) of float unit vectors in the orthonormal coordinates of
    the row space.
    """
    normals = [list(h) for h in arr.classes.normals]
    r = arr.rank
    rays = []
    if r == 2:
        for h in normals:
            piv = [h[j] for j in arr.pivots]
            rays.append(_lift(arr, [-piv[1], piv[0]]))
    else:
        for a, b in itertools.combinations(normals, 2):
            pa = [a[j] for j in arr.pivots]
            pb = [b[j] for j in arr.pivots]
            v = [pa[1] * pb[2] - pa[2] * pb[1], pa[2] * pb[0] - pa[0] * pb[2], pa[0] * pb[1] - pa[1] * pb[0]]
            if any(v):
                rays.append(_lift(arr, v))
    # exact signs of every ray (and its negative) against every class
    cand = []
    for v in rays:
        for eps in (1, -1):
            w = [eps * x for x in v]
            cand.append((w, tuple((s > 0) - (s < 0) for s in (sum(p * q for p, q in zip(h, w)) for h in normals))))
    Q = _orthonormal_rowspace(arr)
    out = []
    for k in range(arr.count):
        sk = arr.class_signs[k]
        mine = {}
        for w, sv in cand:
            if all(s == 0 or s == t for s, t in zip(sv, sk)):
                z = Q.T @ np.array([float(x) for x in w])
                mine[sv] = z / np.linalg.norm(z)
        out.append(list(mine.values()))
    return out


def _lift(arr, v_pivots):
    """Vector with ``v_pivots`` in the pivot coordinates, zeros elsewhere (exact ints)."""
    w = [0] * arr.dim
    for j, x in zip(arr.pivots, v_pivots):
        w[j] = x
    return w


def _cell_fraction_rank2(rays):
    a, b = rays
    return math.atan2(abs(a[0] * b[1] - a[1] * b[0]), float(a @ b)) / (2 * math.pi)


def _cell_fraction_rank3(rays):
    """Solid angle / 4 pi of the pointed cone spanned by ``rays`` (unit vectors)."""
    axis = np.sum(rays, axis=0)
    axis /= np.linalg.norm(axis)
    e1 = rays[0] - (rays[0] @ axis) * axis
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(axis, e1)
    order = sorted(range(len(rays)), key=lambda i: math.atan2(rays[i] @ e2, rays[i] @ e1))
    R = [rays[i] for i in order]
    total = 0.0
    for i in range(1, len(R) - 1):  # fan of spherical triangles (R0, Ri, Ri+1)
        a, b, c = R[0], R[i], R[i + 1]
        num = abs(a @ np.cross(b, c))
        den = 1 + a @ b + a @ c + b @ c
        total += 2 * math.atan2(num, den)  # Van Oosterom & Strackee (1983)
    return total / (4 * math.pi)


def gaussian_measure(arr, samples=200_000, seed=0) -> GaussianMeasure:
    """Probability of every signed cone when ``w ~ N(0, I)`` and ``sign(a)`` is uniform.

    Examples
    --------
    Two orthogonal lines cut the plane into four quarter-planes:

    >>> from landscape.geometry.arrangement import enumerate_cells
    >>> g = gaussian_measure(enumerate_cells([[1, 0], [0, 1]]))
    >>> g.method, [round(p, 12) for p in g.probs]
    ('angle', [0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125])

    In rank 3 the octants of three orthogonal planes each have solid angle 4 pi / 8:

    >>> g = gaussian_measure(enumerate_cells([[1, 0, 0], [0, 1, 0], [0, 0, 1]]))
    >>> g.method, round(max(g.probs), 12), round(min(g.probs), 12)
    ('spherical-excess', 0.0625, 0.0625)
    """
    r = arr.rank
    if r <= 1:
        cell = [1.0 / arr.count] * arr.count
        method, error, n_samples = "trivial", 0.0, 0
    elif r <= 3:
        rays = _exact_extreme_rays(arr)
        frac = _cell_fraction_rank2 if r == 2 else _cell_fraction_rank3
        cell = [frac(rs) for rs in rays]
        method = "angle" if r == 2 else "spherical-excess"
        error, n_samples = 1e-12, 0
    else:
        if samples < 1:
            raise InputError(f"Monte Carlo needs at least one sample, got {samples}")
        rng = np.random.default_rng(seed)
        H = np.array([[float(v) for v in h] for h in arr.classes.normals])
        counts = np.zeros(arr.count)
        lookup = {row.tobytes(): k for k, row in enumerate(arr.class_signs)}
        done = 0
        while done < samples:
            b = min(50_000, samples - done)
            S = np.sign(rng.standard_normal((b, arr.dim)) @ H.T).astype(np.int8)
            for row in S:
                k = lookup.get(row.tobytes())
                if k is not None:
                    counts[k] += 1
            done += b
        cell = list(counts / samples)
        method, n_samples = "monte-carlo", samples
        error = 3 * max(math.sqrt(p * (1 - p) / samples) for p in cell) if samples else 1.0
    probs = []
    for p in cell:
        probs += [p / 2, p / 2]  # cone 2k: a > 0, cone 2k+1: a < 0
    return GaussianMeasure(tuple(probs), error, method, n_samples)


# ---------------------------------------------------------------------------
# Support distribution
# ---------------------------------------------------------------------------


def support_probability(probs_of_S, m):
    """``Pr[support = S]`` for ``m`` iid neurons, given the probabilities of S's cones.

    Exact when the probabilities are Fractions.
    """
    return restricted_support_probability(probs_of_S, None, m, outside=0)


def restricted_support_probability(probs_of_B, p_A, m, outside=None):
    """``Pr[support & A = B]``: the cones of A hit by m neurons are exactly B.

    Parameters
    ----------
    probs_of_B : sequence
        Probabilities of the cones of ``B``.
    p_A : number
        Total probability of ``A`` (B is a subset of A).
    m : int
        Width (number of neurons).
    outside : number, optional
        Probability mass outside ``A``; defaults to ``1 - p_A``.

    >>> restricted_support_probability([Fraction(1, 4)], Fraction(1, 2), 2)
    Fraction(5, 16)
    """
    if outside is None:
        outside = 1 - p_A
    total = 0
    k = len(probs_of_B)
    for size in range(k + 1):
        for T in itertools.combinations(probs_of_B, size):
            total += (-1) ** (k - size) * (sum(T) + outside) ** m
    return total


def closed_form(terms, m_symbol=None):
    """Sum of ``coefficient * base**m`` as a sympy expression in ``m``.

    ``terms`` is an iterable of ``(coefficient, base)`` pairs of rationals, as produced by
    :func:`inclusion_exclusion_terms`.

    >>> closed_form([(1, Fraction(1, 2)), (-1, Fraction(1, 4))])
    -1/4**m + (1/2)**m
    """
    import sympy

    m = m_symbol if m_symbol is not None else sympy.Symbol("m", integer=True, positive=True)
    acc = {}
    for coef, base in terms:
        acc[Fraction(base)] = acc.get(Fraction(base), 0) + Fraction(coef)
    return sympy.Add(*[_sympy_rational(c) * _sympy_rational(b) ** m for b, c in sorted(acc.items()) if c != 0])


def _sympy_rational(q):
    import sympy

    q = Fraction(q)
    return sympy.Rational(q.numerator, q.denominator)


def inclusion_exclusion_terms(probs_of_B, outside):
    """The ``(coefficient, base)`` pairs of :func:`restricted_support_probability`."""
    k = len(probs_of_B)
    out = []
    for size in range(k + 1):
        for T in itertools.combinations(probs_of_B, size):
            out.append(((-1) ** (k - size), sum(T, Fraction(0)) + outside))
    return out


def sample_supports(measure, m, samples, seed=0):
    """Draw ``samples`` regions of width ``m``; return their supports as frozensets."""
    rng = np.random.default_rng(seed)
    p = np.array([float(q) for q in measure.probs])
    p /= p.sum()
    draws = rng.choice(len(p), size=(samples, m), p=p)
    return [frozenset(int(c) for c in row) for row in draws]
