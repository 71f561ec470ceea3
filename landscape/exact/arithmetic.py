"""Exact rational certificates for the convex programmes ``V(S)`` (docs/theory.md, section 3).

A solver returns floating-point *candidates*.  This module turns candidates into proven
bounds using exact integer/rational arithmetic only:

* **upper bound** -- a rational primal point ``u_c`` that satisfies the cone constraints
  ``G_c u_c >= 0`` *exactly* (a float point is rounded to a dyadic grid and, if a
  constraint is violated by rounding, pushed into the cell along the cell's exact integer
  witness); its objective is evaluated exactly, with ``|u_c|`` replaced by a rational
  *upper* bound on the square root;
* **lower bound** -- a rational dual pair ``(r, mu)`` with ``mu >= 0``, scaled by a
  rational ``t`` so that ``t^2 |s_c X^T D_c r + G_c^T mu_c|^2 <= (n lam)^2`` holds exactly
  for every cone (squares are compared, no square root is taken); by weak duality
  ``V(S) >= (2/n) t r.y - (1/n) t^2 |r|^2`` (Pilanci & Ergen, ICML 2020).

Square roots of rationals are bracketed with :func:`sqrt_bounds` (``math.isqrt`` on scaled
integers); signs of ``p + q sqrt(s)`` are decided exactly by :func:`sign_p_plus_q_sqrt`.

Examples
--------
>>> from fractions import Fraction
>>> lo, hi = sqrt_bounds(Fraction(2), bits=20)
>>> lo * lo <= 2 <= hi * hi, float(hi - lo) < 1e-5
(True, True)
>>> sign_p_plus_q_sqrt(Fraction(-3), Fraction(2), Fraction(2))   # -3 + 2 sqrt 2 < 0
-1
>>> gap_ok(Fraction(1), Fraction(1) + Fraction(1, 10**10))
True
"""

from __future__ import annotations

import math
from fractions import Fraction

import flint
import numpy as np

__all__ = [
    "GAP_TOL",
    "sqrt_bounds",
    "sqrt_upper",
    "isqrt_ceil",
    "round_up",
    "round_down",
    "sign_p_plus_q_sqrt",
    "to_grid",
    "ExactData",
    "gap_ok",
]

#: relative gap ``upper - lower <= GAP_TOL * max(|upper|, scale)`` required to call a value
#: certified (:func:`gap_ok`)
GAP_TOL = 1e-9


# ---------------------------------------------------------------------------
# Exact scalar helpers
# ---------------------------------------------------------------------------


def isqrt_ceil(N: int) -> int:
    """``ceil(sqrt(N))`` for a non-negative integer ``N``.

    >>> isqrt_ceil(9), isqrt_ceil(10)
    (3, 4)
    """
    s = math.isqrt(N)
    return s if s * s == N else s + 1


def round_up(q: Fraction, bits: int) -> Fraction:
    """A rational ``>= q`` with denominator ``2^bits`` (keeps certificates short).

    >>> round_up(Fraction(1, 3), 4)
    Fraction(3, 8)
    """
    return Fraction(-((-q.numerator << bits) // q.denominator), 1 << bits)


def round_down(q: Fraction, bits: int) -> Fraction:
    """A rational ``<= q`` with denominator ``2^bits``.

    >>> round_down(Fraction(1, 3), 4)
    Fraction(5, 16)
    """
    return Fraction((q.numerator << bits) // q.denominator, 1 << bits)


def sqrt_bounds(q, bits: int = 64) -> tuple:
    """Rationals ``(lo, hi)`` with ``lo^2 <= q <= hi^2`` and ``hi - lo <= 2^-bits * (1 + sqrt q)``.

    Exact perfect squares give ``lo == hi``.

    >>> sqrt_bounds(Fraction(9, 4))
    (Fraction(3, 2), Fraction(3, 2))
    """
    q = Fraction(q)
    if q < 0:
        raise ValueError("square root of a negative number")
    p, d = q.numerator, q.denominator
    sp, sd = math.isqrt(p), math.isqrt(d)
    if sp * sp == p and sd * sd == d:
        r = Fraction(sp, sd)
        return r, r
    # sqrt(p/d) = sqrt(p d) / d ; scale by 4^bits
    N = p * d << (2 * bits)
    s = math.isqrt(N)
    den = d << bits
    lo = Fraction(s, den)
    hi = Fraction(s if s * s == N else s + 1, den)
    return lo, hi


def sqrt_upper(q, bits: int = 64) -> Fraction:
    """A rational ``>= sqrt(q)``, tight to about ``2^-bits`` relative."""
    return sqrt_bounds(q, bits)[1]


def sign_p_plus_q_sqrt(p, q, s) -> int:
    """Exact sign (-1, 0, 1) of ``p + q * sqrt(s)`` for rationals ``p, q`` and ``s >= 0``.

    >>> sign_p_plus_q_sqrt(3, -1, 9), sign_p_plus_q_sqrt(1, -1, 2)
    (0, -1)
    """
    p, q, s = Fraction(p), Fraction(q), Fraction(s)
    if s < 0:
        raise ValueError("s must be non-negative")
    sp = (p > 0) - (p < 0)
    sq = (q > 0) - (q < 0) if s != 0 else 0
    if sq == 0:
        return sp
    if sp == 0 or sp == sq:
        return sq
    # opposite signs: compare p^2 with q^2 s
    diff = p * p - q * q * s
    if diff == 0:
        return 0
    return sp if diff > 0 else sq


def to_grid(x, rel_bits: int = 60) -> tuple:
    """Round a float array to a dyadic grid: returns ``(ints, k)`` with ``x ~ ints / 2^k``.

    The grid step is ``2^-rel_bits`` relative to ``max |x|``; every returned entry is a
    Python int.  Non-finite input raises ``ValueError``.

    >>> to_grid(np.array([0.5, -0.25]), rel_bits=4)
    ([8, -4], 4)
    """
    x = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(x)):
        raise ValueError("non-finite value in a candidate")
    m = float(np.max(np.abs(x))) if x.size else 0.0
    if m == 0.0:
        return [0] * x.size, 0
    k = rel_bits - math.frexp(m)[1]
    scaled = np.rint(np.ldexp(x.ravel(), k))
    return [int(v) for v in scaled], k


def gap_ok(lower, upper, tol: float = GAP_TOL, scale=1) -> bool:
    """``upper - lower <= tol * max(|upper|, scale)``, decided exactly.

    A relative gap, with ``scale`` the size below which ``|V|`` counts as that size: the
    convex programmes pass ``scale = |y|^2 / n`` (the loss of the zero network, an upper
    bound on every ``V(S)``), so a value is certified when its bracket is ``tol`` relative
    to the larger of the value and the problem's own scale -- not to the number 1, which
    would make any bracket of a problem with tiny labels "certified".  A tiny value (tiny
    ``lam``) is certified only with a bracket narrower than ``tol |y|^2 / n``; what that
    bracket does not resolve is not claimed.

    >>> gap_ok(1, 1 + Fraction(1, 10**10)), gap_ok(0, Fraction(1, 10**8), scale=Fraction(1, 10**4))
    (True, False)
    """
    lower, upper, scale = Fraction(lower), Fraction(upper), Fraction(scale)
    return upper - lower <= Fraction(tol) * max(abs(upper), scale)


# ---------------------------------------------------------------------------
# Exact data in integer form
# ---------------------------------------------------------------------------


def _lcm_den(values) -> int:
    den = 1
    for v in values:
        den = math.lcm(den, Fraction(v).denominator)
    return den


class ExactData:
    """Integer-scaled exact copy of ``(X, y)``: ``X = Xn / dx`` and ``y = yn / dy``.

    All certificate arithmetic runs on Python/flint integers over common denominators,
    which is one to two orders of magnitude faster than :class:`~fractions.Fraction`.

    Parameters
    ----------
    rows : sequence of sequence of Fraction
        The exact ``n x dim`` design rows (with the bias column if any).
    y : sequence of Fraction
        Exact labels.

    Examples
    --------
    >>> E = ExactData([[Fraction(1, 2), 1], [0, 3]], [1, Fraction(1, 3)])
    >>> E.dx, E.Xn.tolist(), E.dy, E.yn
    (2, [[1, 2], [0, 6]], 3, [3, 1])
    """

    def __init__(self, rows, y):
        rows = [[Fraction(v) for v in r] for r in rows]
        self.n = len(rows)
        self.dim = len(rows[0])
        self.dx = _lcm_den(v for r in rows for v in r)
        self.Xn = np.array([[int(v * self.dx) for v in r] for r in rows], dtype=object)
        self.Xf = flint.fmpz_mat([[int(v) for v in r] for r in self.Xn.tolist()])
        ys = [Fraction(v) for v in y]
        self.dy = _lcm_den(ys)
        self.yn = [int(v * self.dy) for v in ys]
        self.y = ys
        self.Xl = self.Xn.tolist()  # nested Python ints, for the inner loops below
        self.zero_rows = np.array([all(v == 0 for v in r) for r in self.Xn.tolist()], dtype=bool)

    # -- primal ------------------------------------------------------------------
    def fitted(self, cones_D, cones_s, U, k=0, den=None):
        """Exact fitted values ``f = sum_c s_c D_c X u_c`` for integer ``U`` (cones x dim)
        over the denominator ``den`` (default ``2^k``); returns ``(fn, fden)`` with
        ``f = fn / fden``."""
        fn = [0] * self.n
        Xl = self.Xl
        for D, s, u in zip(cones_D, cones_s, U):
            if not any(u):
                continue
            for i in range(self.n):
                if D[i]:
                    v = sum(a * b for a, b in zip(Xl[i], u))
                    fn[i] += v if s > 0 else -v
        return fn, self.dx * (den if den is not None else 1 << k)

    def residual(self, fn, fden):
        """Exact residual ``r = y - f`` as ``(rn, rden)``."""
        g = math.gcd(fden, self.dy)
        rden = fden // g * self.dy
        a, b = rden // self.dy, rden // fden
        return [yv * a - fv * b for yv, fv in zip(self.yn, fn)], rden

    def loss_of_residual(self, rn, rden) -> Fraction:
        """``(1/n) |r|^2`` exactly."""
        return Fraction(sum(v * v for v in rn), self.n * rden * rden)

    def r_dot_y(self, rn, rden) -> Fraction:
        return Fraction(sum(a * b for a, b in zip(rn, self.yn)), rden * self.dy)

    # -- dual ----------------------------------------------------------------
    def cone_vector_sq(self, D, s, rn, rden, mu_int=None, kmu=0):
        """Exact ``|s X^T D r + G^T mu|^2`` with ``G = diag(2D - 1) X`` and ``mu = mu_int / 2^kmu``.

        Returns a Fraction.
        """
        Xl = self.Xl
        dim = self.dim
        acc = [0] * dim
        for i in range(self.n):
            if D[i] and rn[i]:
                ri = rn[i] if s > 0 else -rn[i]
                row = Xl[i]
                for j in range(dim):
                    acc[j] += row[j] * ri
        if mu_int is not None and any(mu_int):
            acc = [v << kmu for v in acc]
            for i in range(self.n):
                m = mu_int[i]
                if m:
                    m = m * rden if D[i] else -m * rden
                    row = Xl[i]
                    for j in range(dim):
                        acc[j] += row[j] * m
            den = (self.dx * rden) << kmu
        else:
            den = self.dx * rden
        return Fraction(sum(v * v for v in acc), den * den)

    def cell_products(self, patterns_fmpz, rn):
        """Integer matrix ``patterns @ (Xn * rn)`` (cells x dim) as nested lists of ints.

        Row ``k`` divided by ``dx * rden`` is ``X^T D_k r`` for cell ``k``.
        """
        M = flint.fmpz_mat([[int(v) * r for v in row] for row, r in zip(self.Xn.tolist(), rn)])
        return patterns_fmpz * M
