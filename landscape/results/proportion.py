r"""Proportions of parameter space: exact, approximate and sampled values, kept apart.

A proportion (docs/theory.md, section 5) is the probability that a random width-``m``
region has some property.  How it was obtained decides what it may be called:

* :class:`ExactProportion` -- an exact rational (a :class:`~fractions.Fraction`), with an
  optional closed form in ``m`` (a sympy expression as text);
* :class:`ApproxProportion` -- a float with a stated bound on its absolute error, e.g. a
  sum over supports under the Gaussian cone measure whose cone probabilities are known to
  ``+- error`` (Monte Carlo or rounding);
* :class:`SampledProportion` -- an estimate from ``samples`` sampled regions with its
  Wilson 95% interval.

The mass that could not be certified either way is itself a proportion of one of these
types (the ``uncertified`` entries of a landscape row).  One renderer,
:func:`render_proportion`, writes every type as text or as JSON.

Examples
--------
>>> p = ExactProportion("1/8", closed_form="-2*(3/4)**m + 1 + (1/2)**m")
>>> p == Fraction(1, 8), p.closed_form
(True, '-2*(3/4)**m + 1 + (1/2)**m')
>>> render_proportion(p, "json"), render_proportion(p)
('1/8', '1/8 (0.125)')
>>> s = SampledProportion.from_counts(0, 20)
>>> render_proportion(s, "json")
{'estimate': 0.0, 'low': 0.0, 'high': 0.16112515805281938, 'samples': 20}
>>> render_proportion(s)
'0.0000 [0.0000, 0.1611]'
>>> render_proportion(ApproxProportion(0.25, 1e-12), "json"), float(ApproxProportion(0.25, 1e-12))
(0.25, 0.25)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from ..errors import InputError

__all__ = ["ExactProportion", "ApproxProportion", "SampledProportion", "render_proportion",
           "proportion_from_json", "wilson_interval"]


class ExactProportion(Fraction):
    """An exact rational proportion, optionally with its closed form in ``m``.

    It *is* a :class:`~fractions.Fraction` (arithmetic gives plain Fractions), so exact
    comparisons and sums work as before.

    Parameters
    ----------
    numerator, denominator
        As for :class:`~fractions.Fraction` (``ExactProportion("3/8")``, ``ExactProportion(3, 8)``).
    closed_form : str, optional
        A sympy expression in ``m`` that equals the proportion at every width it is
        stated for.
    """

    __slots__ = ("closed_form",)

    def __new__(cls, numerator=0, denominator=None, *, closed_form=None):
        self = super().__new__(cls, numerator, denominator)
        self.closed_form = closed_form
        return self

    def __repr__(self):
        return f"ExactProportion({self.numerator}, {self.denominator})"


@dataclass(frozen=True)
class ApproxProportion:
    """A float proportion with a proven bound on its absolute error.

    Attributes
    ----------
    value : float
    error : float
        ``|value - true proportion| <= error``.  For a proportion computed under a cone
        measure whose ``K`` cone probabilities are each known to ``+- e``, the width-``m``
        region distribution is within total variation ``m K e / 2`` of the true one, which
        bounds the error of every proportion (see :meth:`from_measure`).
    method : str
        How the value was obtained.
    """

    value: float
    error: float
    method: str = "cone probabilities in floating point"

    @classmethod
    def from_measure(cls, value, measure, m):
        """``value`` computed under a float cone ``measure`` at width ``m``."""
        err = min(1.0, m * measure.K * float(measure.error) / 2)
        return cls(float(value), err, f"{measure.name} measure ({measure.method})")

    def __float__(self):
        return self.value


def wilson_interval(successes, trials, z=1.959963984540054):
    """Wilson score interval (95% by default) for a binomial proportion.

    >>> lo, hi = wilson_interval(0, 20)
    >>> lo, round(hi, 4)
    (0.0, 0.1611)
    """
    if trials <= 0:
        raise InputError("a proportion needs at least one trial")
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


@dataclass(frozen=True)
class SampledProportion:
    """An estimate from sampled regions with its Wilson 95% interval.

    Attributes
    ----------
    estimate : float
        ``successes / samples``.
    low, high : float
        The Wilson score interval.
    samples : int
    """

    estimate: float
    low: float
    high: float
    samples: int

    @classmethod
    def from_counts(cls, successes, samples):
        lo, hi = wilson_interval(successes, samples)
        return cls(successes / samples, lo, hi, samples)

    def __float__(self):
        return self.estimate


def render_proportion(p, fmt="text"):
    """Render any proportion (or None) as ``"text"`` or as a ``"json"``-ready value.

    JSON: an exact value is the text ``"p/q"``, an approximate one its float, a sampled
    one ``{"estimate", "low", "high", "samples"}``, a missing one ``None``.  Text: ``-``
    for a missing value, an interval for a sampled one.
    """
    if fmt == "json":
        if p is None:
            return None
        if isinstance(p, SampledProportion):
            return {"estimate": p.estimate, "low": p.low, "high": p.high, "samples": p.samples}
        if isinstance(p, Fraction):
            return str(p)
        return float(p)
    if fmt != "text":
        raise ValueError(f"unknown format {fmt!r}; use text or json")
    if p is None:
        return "-"
    if isinstance(p, SampledProportion):
        return f"{p.estimate:.4f} [{p.low:.4f}, {p.high:.4f}]"
    if isinstance(p, Fraction):
        return f"{float(p):.6f}" if p.denominator > 10**6 else f"{p} ({float(p):.4g})"
    if isinstance(p, ApproxProportion) and p.error >= 5e-7:
        return f"{p.value:.6f} +- {p.error:.2g}"
    return f"{float(p):.6f}"


def proportion_from_json(obj):
    """Inverse of ``render_proportion(p, "json")`` (an approximate value loses its error).

    >>> proportion_from_json("3/8"), proportion_from_json({"estimate": 0.5, "low": 0.2, "high": 0.8, "samples": 4})
    (ExactProportion(3, 8), SampledProportion(estimate=0.5, low=0.2, high=0.8, samples=4))
    """
    if obj is None:
        return None
    if isinstance(obj, dict):
        return SampledProportion(obj["estimate"], obj["low"], obj["high"], obj["samples"])
    if isinstance(obj, str):
        return ExactProportion(obj)
    return ApproxProportion(float(obj), math.nan, "read from JSON")
