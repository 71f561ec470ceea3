r"""Sampled proportions: classify sampled regions, Wilson 95% intervals for every class.

When an exact proportion would need more solves than allowed, ``samples`` regions of width
``m`` are drawn from the cone measure and their supports classified
(:mod:`landscape.regions.classify`).  Every proportion is then a
:class:`~landscape.results.proportion.SampledProportion`.  A region whose class cannot be
decided -- for instance because ``L*_m`` is only bracketed and ``V(S)`` falls inside the
bracket -- counts towards ``uncertified``, never towards a class.

Examples
--------
>>> from landscape.regions.landscape import Landscape
>>> from landscape.data import Dataset
>>> land = Landscape(Dataset.from_arrays([[1, 0], [0, 1]], [1, -1]), "1/10")
>>> out = sample_width(land.measure, land.classifier.classify, 2, 200, seed=0)
>>> sorted(out), out["global"].samples
(['bad', 'global', 'spurious', 'stationary', 'uncertified'], 200)
>>> out["global"].low <= 1/8 <= out["global"].high
True
"""

from __future__ import annotations

from ..geometry.measures import sample_supports
from ..results.proportion import SampledProportion
from ..results.status import RegionClass

__all__ = ["sample_width", "SAMPLED_KEYS"]

#: the quantities a sample estimates
SAMPLED_KEYS = ("global", "spurious", "bad", "stationary", "uncertified")


def sample_width(measure, classify, m, samples, seed=0, on_sample=None, prefetch=None):
    """Classify ``samples`` sampled regions of width ``m``.

    Parameters
    ----------
    measure : UniformMeasure or GaussianMeasure
    classify : callable
        ``(support, m) -> SupportClass``.
    m, samples : int
    seed : int
    on_sample : callable, optional
        Called after each sampled region (progress display).
    prefetch : callable, optional
        Called once with the list of sampled supports before any is classified (a solve
        cache's :meth:`~landscape.regions.cache.SolveCache.prefetch`).

    Returns
    -------
    dict
        :data:`SAMPLED_KEYS` -> :class:`SampledProportion`.
    """
    supports = sample_supports(measure, m, samples, seed=seed)
    if prefetch is not None:
        prefetch(supports)
    counts = dict.fromkeys(SAMPLED_KEYS, 0)
    for S in supports:
        sc = classify(S, m)
        counts["global"] += sc.klass == RegionClass.GLOBAL
        counts["spurious"] += sc.klass == RegionClass.SPURIOUS
        counts["bad"] += bool(sc.bad)
        counts["stationary"] += sc.global_ is False and sc.stationary
        counts["uncertified"] += sc.klass == RegionClass.UNCERTIFIED
        if on_sample is not None:
            on_sample()
    N = len(supports)
    return {k: SampledProportion.from_counts(v, N) for k, v in counts.items()}
