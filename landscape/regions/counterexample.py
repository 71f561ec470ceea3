"""Certified counterexamples: spurious local minima of a width-``m`` network.

See :func:`find_counterexample`.  Interior minima carry the region certificate of
:meth:`~landscape.regions.landscape.Landscape.classify`; boundary minima must pass the exact
pointwise test of :func:`~landscape.network.pointwise.check_network`.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

from ..errors import InputError, TooLargeError
from ..geometry.cones import cone_sign
from ..network.model import rational_network
from ..network.pointwise import check_network
from .landscape import DEFAULT_MAX_SUPPORTS, Landscape

__all__ = ["find_counterexample", "polish_interior"]


def find_counterexample(ds, lam, m, max_supports=DEFAULT_MAX_SUPPORTS, land=None):
    """Search supports of size <= m for a certified spurious local minimum of width ``m``.

    Two kinds of certificate are accepted:

    * an *interior* spurious minimum (the region certificate of :meth:`Landscape.classify`:
      every minimiser of ``V(S)`` is strictly inside every cone, and ``V(S) > L*_m``);
    * a *boundary* local minimum whose merged network has an exact rational form: the
      float minimiser is rounded to short rationals (rational reconstruction) and the
      result must pass :func:`~landscape.network.pointwise.check_network` as
      ``spurious_local_minimum`` in exact arithmetic.

    Returns ``(network, certificate)`` with the network as exact Fractions (boundary) or
    floats (interior), or ``(None, None)``.  The network has exactly ``m`` neurons: a
    smaller support is padded by splitting a neuron into parallel copies (interior case)
    or by zero neurons (boundary case, where the exact test then also covers them).
    """
    land = land or Landscape(ds, lam, max_supports=max_supports)
    m = int(m)
    if m < 1:
        raise InputError(f"width must be at least 1, got {m}")
    top = min(m, land.prog.n + 1, land.K)
    total = sum(math.comb(land.K, k) for k in range(1, top + 1))
    if total > max_supports:
        raise TooLargeError(f"counterexample search at width {m} (supports to solve)", total, max_supports,
                            "--max-supports")
    for size in range(1, top + 1):
        for S in itertools.combinations(range(land.K), size):
            sc = land.classify(S, m)
            if sc.klass == "spurious":
                a, W = polish_interior(land.prog, S, land.V(S))
                return _split_to_width(a, W, m), {"type": "region_interior_minimum", **sc.to_json_obj()}
            if sc.bad and sc.klass == "boundary_local_min":
                exact = rational_network(*sc.network)
                if exact is None:
                    continue
                a, W = exact
                dim = land.prog.dim
                a = list(a) + [Fraction(0)] * (m - len(a))
                W = [list(w) for w in W] + [[Fraction(0)] * dim for _ in range(m - len(W))]
                v = check_network(ds, land.lam, a, W, prog=land.prog)
                if v.verdict == "spurious_local_minimum":
                    return (a, W), {"type": "exact_local_minimum", "support": list(S), **v.to_json_obj()}
    return None, None


def _split_to_width(a, W, m):
    """Pad a network to width m by splitting its first neuron into k parallel copies.

    Each copy carries ``u / k``, so ``a -> a / sqrt(k)`` and ``w -> w / sqrt(k)``: the
    output and the weight decay are unchanged and the copies stay balanced.
    """
    import mpmath

    extra = m - len(a)
    if extra <= 0:
        return a, W
    k = extra + 1
    with mpmath.workdps(_DIGITS + 10):
        root = mpmath.sqrt(k)
        a0 = _to_fraction(mpmath.mpf(a[0].numerator) / a[0].denominator / root)
        w0 = [_to_fraction(mpmath.mpf(v.numerator) / v.denominator / root) for v in W[0]]
    return [a0] * k + list(a[1:]), [w0] * k + [list(w) for w in W[1:]]


_DIGITS = 50


def _to_fraction(x):
    import mpmath

    return Fraction(mpmath.nstr(x, _DIGITS, min_fixed=-mpmath.inf, max_fixed=mpmath.inf))


def polish_interior(prog, S, opt):
    """Balanced network of an interior minimum of ``V(S)``, accurate to about 40 digits.

    With every ``u_c`` nonzero and every cone constraint inactive, the minimiser solves a
    smooth KKT system; :func:`~landscape.convex.program.refine_optimum` runs Newton's method on it
    in 50-digit arithmetic from the certified solver point.  The weights are returned as
    exact decimals (rationals), so the pointwise exact test fails only by margins far below
    its tolerance and the region certificate decides.
    """
    import mpmath

    from ..convex.program import refine_optimum

    u = refine_optimum(prog, {c: opt.u[c] for c in S}, digits=_DIGITS + 20)
    a_out, W_out = [], []
    with mpmath.workdps(_DIGITS + 20):
        for c in sorted(S):
            uc = [mpmath.mpf(v) for v in u[c]]
            root = mpmath.sqrt(mpmath.sqrt(sum(v * v for v in uc)))
            a_out.append(_to_fraction(cone_sign(c) * root))
            W_out.append([_to_fraction(v / root) for v in uc])
    return a_out, W_out
