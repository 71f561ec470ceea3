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
from ..geometry.measures import sample_supports
from ..network.model import rational_network
from ..network.nearby import certify_nearby
from ..network.pointwise import check_network
from ..results.status import CertificateKind, RegionClass, Verdict
from .landscape import DEFAULT_MAX_SUPPORTS, Landscape

__all__ = ["find_counterexample", "search_supports", "complete_search_size", "certify_support", "polish_interior"]


def find_counterexample(ds, lam, m, max_supports=DEFAULT_MAX_SUPPORTS, land=None, samples=None, seed=0,
                        on_support=None, supports=None):
    """Search supports of width-``m`` regions for a certified spurious local minimum.

    Without ``samples`` every support of size ``<= min(m, n + 1)`` is tried (a complete
    search); when that is more than ``max_supports`` supports, :class:`TooLargeError`.
    With ``samples``, the complete search still runs when it fits; otherwise ``samples``
    regions of width ``m`` are drawn from the landscape's cone measure and their distinct
    supports tried (an incomplete search: "none found" then says nothing about the
    regions not drawn).

    Two kinds of certificate are accepted (:func:`certify_support`):

    * an *interior* spurious minimum (the region certificate of :meth:`Landscape.classify`:
      every minimiser of ``V(S)`` is strictly inside every cone, and ``V(S) > L*_m``);
    * a *boundary* local minimum: either its merged network has an exact rational form
      (rational reconstruction, then :func:`~landscape.network.pointwise.check_network`
      must say ``spurious_local_minimum`` in exact arithmetic), or, for irrational
      weights, validated numerics certify a spurious local minimum within a tiny radius of
      the float minimiser (:func:`~landscape.network.nearby.certify_nearby`,
      docs/theory.md, section 9).

    Returns ``(network, certificate)`` with the network as exact Fractions (exact
    boundary case), decimals accurate to about 40 digits (interior) or floats (validated:
    the certified point to double precision, which ``check`` certifies again), or
    ``(None, None)``.  The network has exactly ``m`` neurons: a smaller support is padded
    by splitting a neuron into parallel copies, or by zero neurons in the exact boundary
    case (where the exact test then also covers them).  ``on_support`` is called after
    each support tried (progress display).  ``supports`` overrides the supports tried
    (default :func:`search_supports` of ``land, m, max_supports, samples, seed``).

    Examples
    --------
    X = the first three rows of ``I_4``, ``y = (1, 1/2, -4/5)``, ``lam = 1/20``: the lone
    negative neuron on ``x3`` (``|w| = sqrt(13/20)``, irrational) is a spurious minimum.

    >>> from landscape.data import Dataset
    >>> ds = Dataset.from_arrays([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], [1, "1/2", "-4/5"])
    >>> (a, W), cert = find_counterexample(ds, "1/20", 1)
    >>> print(cert["type"], round(a[0] ** 2, 12), round(float(cert["value_lower"]), 5))
    validated_critical_point 0.65 0.48917
    """
    land = land or Landscape(ds, lam, max_supports=max_supports)
    m = int(m)
    if m < 1:
        raise InputError(f"width must be at least 1, got {m}")
    if supports is None:
        supports = search_supports(land, m, max_supports, samples, seed)
    for S in supports:
        found = certify_support(ds, land, S, m)
        if on_support is not None:
            on_support()
        if found is not None:
            return found
    return None, None


def complete_search_size(land, m) -> int:
    """Supports a complete counterexample search at width ``m`` tries: sizes ``<= min(m, n + 1)``."""
    top = min(int(m), land.prog.n + 1, land.K)
    return sum(math.comb(land.K, k) for k in range(1, top + 1))


def search_supports(land, m, max_supports=DEFAULT_MAX_SUPPORTS, samples=None, seed=0) -> list:
    """The supports a counterexample search at width ``m`` tries, in order.

    Every support of size ``<= min(m, n + 1)`` when there are at most ``max_supports``;
    otherwise, with ``samples``, the distinct supports of ``samples`` regions drawn from
    the landscape's cone measure (in order of first draw); otherwise :class:`TooLargeError`.

    >>> from landscape.data import Dataset
    >>> land = Landscape(Dataset.from_arrays([[1, 0], [0, 1]], [1, -1]), "1/10")
    >>> len(search_supports(land, 2)) == 8 + 28  # the K = 8 signed cones, one or two at a time
    True
    >>> len(search_supports(land, 2, max_supports=10, samples=5, seed=0)) <= 5
    True
    """
    total = complete_search_size(land, m)
    if total <= max_supports:
        top = min(int(m), land.prog.n + 1, land.K)
        return [S for size in range(1, top + 1) for S in itertools.combinations(range(land.K), size)]
    if samples is None:
        raise TooLargeError(f"counterexample search at width {m} (supports to solve)", total, max_supports,
                            "max_supports", alternatives=("samples",))
    if int(samples) < 1:
        raise InputError(f"samples must be at least 1, got {samples}")
    return list(dict.fromkeys(tuple(sorted(S)) for S in sample_supports(land.measure, m, int(samples), seed=seed)))


def certify_support(ds, land, S, m):
    """``(network, certificate)`` of a certified spurious minimum of width ``m`` whose regions
    have support ``S``, or None (no certificate: the support holds none, or it cannot be proved).

    Interior minima carry the region certificate of :meth:`Landscape.classify`; boundary
    minima need the exact or the validated route of :func:`find_counterexample`.
    """
    S = tuple(sorted(set(int(c) for c in S)))
    sc = land.classify(S, m)
    if sc.klass == RegionClass.SPURIOUS:
        a, W = polish_interior(land.prog, S, land.V(S))
        return _split_to_width(a, W, m), {"type": CertificateKind.REGION_INTERIOR_MINIMUM, **sc.to_json_obj()}
    if sc.bad and sc.klass == RegionClass.BOUNDARY_LOCAL_MIN:
        return _boundary_minimum(ds, land, S, sc, m)
    return None


def _boundary_minimum(ds, land, S, sc, m):
    """A certified spurious minimum from the merged closure minimiser of ``V(S)``, or None.

    First the exact route (a short rational balanced network, padded with zero neurons,
    passing :func:`~landscape.network.pointwise.check_network`); then validated numerics
    (:func:`~landscape.network.nearby.certify_nearby` on the float minimiser, padded to
    width ``m`` by parallel copies): the certified point is returned to double precision,
    close enough that :func:`~landscape.regions.verdict.check` certifies it again.
    """
    a, W = sc.network
    if len(a) == 0:
        return None
    dim = land.prog.dim
    exact = rational_network(a, W)
    if exact is not None:
        ea, eW = exact
        ea = list(ea) + [Fraction(0)] * (m - len(ea))
        eW = [list(w) for w in eW] + [[Fraction(0)] * dim for _ in range(m - len(eW))]
        v = check_network(ds, land.lam, ea, eW, prog=land.prog)
        if v.verdict == Verdict.SPURIOUS_LOCAL_MINIMUM:
            return (ea, eW), {"type": CertificateKind.EXACT_LOCAL_MINIMUM, "support": list(S), **v.to_json_obj()}
    fa, fW = _split_to_width([Fraction(float(v)) for v in a], [[Fraction(float(x)) for x in w] for w in W], m)
    nb = certify_nearby(ds, land.lam, fa, fW, prog=land.prog)
    if nb.verdict != Verdict.SPURIOUS_LOCAL_MINIMUM:
        return None
    return (nb.a.tolist(), nb.W.tolist()), {"support": list(S), **nb.to_json_obj()["certificate"],
                                             "value_lower": nb.value_lower, "value_upper": nb.value_upper,
                                             "radius": nb.radius, "reason": nb.reason}


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
