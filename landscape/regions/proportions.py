r"""Exact proportions of the width-``m`` landscape: P_global, P_spurious, P_bad, P_stationary.

Under a cone measure (:mod:`landscape.geometry.measures`) a random region's support ``S``
has probability ``Pr[support = S]``, so a proportion is a sum over classified supports
(docs/theory.md, section 5):

* ``P_global(m)``: when ``L*_m = V*``, only cones that are *active* at the (unique) optimal
  residual can carry an optimum; the support is global iff it hits every verified
  direction group (inclusion-exclusion, an exact rational and a closed form in ``m``), or
  iff it contains a minimal global subset of the active cones (the up-set).  When the zero
  network is optimal every support is global: ``P_global = 1``.  For smaller ``m`` every
  support of size ``<= m`` is classified.
* ``P_spurious(m)``: supports of size ``<= min(m, n)`` certified to hold an interior
  spurious minimum; a larger interior-minimum support contains one of these with the same
  value and extends it only by cones that are dual-tight at its residual, which are counted
  as uncertified.
* ``P_bad(m)``: the closure minimiser is a local minimum of the full landscape and not
  global; only supports of size exactly ``m`` can be bad (none when ``m > K``).
* ``P_stationary(m)``: what the authors' one-sided stationarity test counts as bad.

Each returns its value and the uncertified mass as :class:`~landscape.results.proportion.ExactProportion`
(uniform measure) or :class:`~landscape.results.proportion.ApproxProportion` (a float
measure, with its error bound), or None when the enumeration would exceed
``max_supports`` (:attr:`Proportions.last_count` then holds its size).

Examples
--------
>>> from landscape.regions.landscape import Landscape
>>> from landscape.data import Dataset
>>> land = Landscape(Dataset.from_arrays([[1, 0], [0, 1]], [1, -1]), "1/10")
>>> p, unc = land.proportions.p_global(2)
>>> p, p.closed_form, unc
(ExactProportion(1, 8), '-2*(3/4)**m + 1 + (1/2)**m', ExactProportion(0, 1))
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

from ..errors import TooLargeError
from ..geometry.measures import (closed_form, inclusion_exclusion_terms, restricted_support_probability,
                                 support_probability)
from ..results.proportion import ApproxProportion, ExactProportion
from .dual import tight_cones

__all__ = ["Proportions"]


def _supports(K, top):
    """Every support of size 1..top (top <= K)."""
    for size in range(1, top + 1):
        yield from itertools.combinations(range(K), size)


def _count(K, top):
    return sum(math.comb(K, k) for k in range(1, min(top, K) + 1))


class Proportions:
    """The four exact proportion calculators over one landscape's solves.

    Parameters
    ----------
    land : Landscape
        Supplies the measure, the solve cache, the classifier, ``L*_m`` and the dual
        analysis (active cones, direction groups, the global up-set).
    """

    def __init__(self, land):
        self.land = land
        self.measure = land.measure
        self.cache = land.cache
        self.classifier = land.classifier
        self.K = land.K
        self.n = land.prog.n
        self.last_count = 0

    # -- helpers -------------------------------------------------------------------
    def zero(self):
        return Fraction(0) if self.measure.exact else 0.0

    def value(self, x, m, closed=None):
        """Wrap a raw sum as an exact or approximate proportion."""
        if self.measure.exact:
            return ExactProportion(x, closed_form=closed)
        return ApproxProportion.from_measure(x, self.measure, m)

    def prob(self, cones, m):
        """``Pr[support = cones]`` at width ``m``."""
        return support_probability([self.measure.probs[c] for c in cones], m)

    def feasible(self, count):
        self.last_count = count
        return count <= self.land.max_supports

    # -- P_global ----------------------------------------------------------------
    def p_global(self, m):
        """``(P_global(m), uncertified)`` or None (too large); the value carries its closed form."""
        land = self.land
        Ls = land.L_star(m)
        zero = self.zero()
        if Ls.method == "equals_global":
            groups = land.direction_groups()
            if groups is not None:  # global iff the support hits every group
                terms = []
                for size in range(len(groups) + 1):
                    for J in itertools.combinations(groups, size):
                        pJ = sum((self.measure.probs[c] for G in J for c in G), zero)
                        terms.append(((-1) ** size, 1 - pJ))
                total = sum((coef * base**m for coef, base in terms), zero)
                closed = str(closed_form(terms)) if self.measure.exact else None
                return self.value(total, m, closed), self.value(zero, m)
            try:
                minimal, undecided = land.global_upset()
            except TooLargeError:
                self.last_count = 2 ** len(land.active_cones())
                return None
            A = land.active_cones()
            pA = sum((self.measure.probs[c] for c in A), zero)
            total, unc, terms = zero, zero, []
            for size in range(len(A) + 1):
                for B in itertools.combinations(A, size):
                    pb = [self.measure.probs[c] for c in B]
                    if any(set(M) <= set(B) for M in minimal):
                        total += restricted_support_probability(pb, pA, m)
                        if self.measure.exact:
                            terms += inclusion_exclusion_terms(pb, 1 - pA)
                    elif any(set(U) <= set(B) for U in undecided):
                        unc += restricted_support_probability(pb, pA, m)
            # the closed form describes P_global only when no subset was left undecided
            closed = str(closed_form(terms)) if self.measure.exact and unc == 0 else None
            return self.value(total, m, closed), self.value(unc, m)
        if not self.feasible(_count(self.K, m)):
            return None
        total, unc = zero, zero
        for S in self.cache.prefetched(_supports(self.K, min(m, self.K))):
            g = self.classifier.global_of(self.cache.V(S), m)
            if g:
                total += self.prob(S, m)
            elif g is None:
                unc += self.prob(S, m)
        return self.value(total, m), self.value(unc, m)

    # -- P_spurious ----------------------------------------------------------------
    def p_spurious(self, m):
        """``(P_spurious(m), uncertified)`` or None (too large)."""
        cap = min(m, self.n, self.K)
        if not self.feasible(_count(self.K, cap)):
            return None
        total, unc = self.zero(), self.zero()
        for S in self.cache.prefetched(_supports(self.K, cap)):
            kind = self.classifier.spurious_kind(S, m)
            if kind == "spurious":
                total += self.prob(S, m)
            if kind in ("spurious", "uncertified"):
                if kind == "uncertified":
                    unc += self.prob(S, m)
                unc += self._extension_mass(S, m, cap)
        return self.value(total, m), self.value(unc, m)

    def _extension_mass(self, S, m, cap):
        """Probability of supports larger than ``cap`` that extend ``S`` by tight cones."""
        if m <= cap:
            return self.zero()
        tight = tight_cones(self.cache.prog, self.cache.V(S), exclude=S)
        total = self.zero()
        for size in range(1, len(tight) + 1):
            if len(S) + size > m:
                break
            for E in itertools.combinations(tight, size):
                total += self.prob(tuple(S) + E, m)
        return total

    # -- P_bad ---------------------------------------------------------------------
    def p_bad(self, m):
        """``(P_bad(m), uncertified)`` or None (too large)."""
        zero = self.zero()
        if m > self.K:
            return self.value(zero, m), self.value(zero, m)
        if not self.feasible(math.comb(self.K, m)):
            return None
        total, unc = zero, zero
        for S in self.cache.prefetched(itertools.combinations(range(self.K), m)):
            opt = self.cache.V(S)
            g = self.classifier.global_of(opt, m)
            if g or (g is False and len(opt.cones_used) < m):
                continue  # global, or the merged minimiser has a zero neuron: not bad
            sc = self.classifier.classify(S, m)
            if sc.bad:
                total += self.prob(S, m)
            elif sc.bad is None:
                unc += self.prob(S, m)
        return self.value(total, m), self.value(unc, m)

    # -- the authors' stationarity count -------------------------------------------------
    def p_stationary(self, m):
        """What the authors' stationarity test counts as bad, or None (too large)."""
        if not self.feasible(_count(self.K, m)):
            return None
        total = self.zero()
        for S in self.cache.prefetched(_supports(self.K, min(m, self.K))):
            opt = self.cache.V(S)
            if self.classifier.global_of(opt, m) is False and self.classifier.stationary(opt, m):
                total += self.prob(S, m)
        return self.value(total, m)

    def exact_cost(self, m):
        """Supports to solve for each exact proportion at width ``m`` (no solving)."""
        land = self.land
        if m < land.m0:
            glob = _count(self.K, m)
        else:  # the verified direction groups need no enumeration; the up-set is 2^|A|
            glob = 0 if land.direction_groups() is not None else 2 ** len(land.active_cones())
        return {
            "global": glob,
            "spurious": _count(self.K, min(m, self.n)),
            "bad": 0 if m > self.K else math.comb(self.K, m),
        }
