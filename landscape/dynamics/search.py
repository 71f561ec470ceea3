r"""Counterexamples found by training: gradient descent from random starts, endpoints certified.

A spurious local minimum of width ``m`` attracts gradient descent from some starts.
:func:`descent_counterexample` runs ``runs`` gradient descents at width ``m`` (vectorised
over the runs, :func:`~landscape.dynamics.descent.train_batch`), from small and large
initialisation alternately, and certifies what they reach:

* an endpoint whose polished point the exact test calls a spurious local minimum
  (:func:`~landscape.dynamics.endpoint.classify_endpoint`) is returned with that certificate;
* otherwise the *support* of each endpoint (the signed cones its neurons lie in) is handed
  to the region route of :func:`~landscape.regions.counterexample.certify_support`, which
  needs no convergence: it certifies a spurious minimum of the regions with that support,
  interior or on their boundary, or nothing.

The runs are float candidates; only the certificates count.  "None found" is an honest
negative of an incomplete search: it reports how many runs and supports were tried and
what their endpoints were.

References
----------
E. Boursier, M. Bowditch, M. Englert, R. Lazic, "A theoretical framework for the loss
landscape of two-layer ReLU networks with weight decay", 2025 (spurious minima and the
regions that hold them).

Examples
--------
X = the first three rows of ``I_4``, ``y = (1, 1/2, -4/5)``, ``lam = 1/20``: at width 1 a lone
negative neuron on ``x3`` is a spurious minimum, and some descents find its support.

>>> from landscape.data import Dataset
>>> ds = Dataset.from_arrays([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], [1, "1/2", "-4/5"])
>>> found = descent_counterexample(ds, "1/20", 1, runs=8, steps=3000, lr=0.05)
>>> found.network is not None, found.runs, str(found.certificate["type"])
(True, 8, 'validated_critical_point')
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ..data import parse_lam
from ..errors import InputError
from ..results.status import Verdict
from .descent import train_batch
from .endpoint import classify_endpoint

__all__ = ["DescentSearch", "descent_counterexample", "DEFAULT_DESCENT_SCALES"]

#: initialisation scales the runs alternate between (small: the saddle-to-saddle regime;
#: large: the lazy regime)
DEFAULT_DESCENT_SCALES = (1e-2, 1.0)


@dataclass
class DescentSearch:
    """What :func:`descent_counterexample` found.

    Attributes
    ----------
    network : ``(a, W)`` of width ``m`` (see ``certificate`` for its kind), or None
    certificate : dict or None
    runs : descents run
    supports_tried : distinct endpoint supports certified by the region route
    verdicts : endpoint verdict -> count (over the runs classified)
    """

    network: tuple | None
    certificate: dict | None
    runs: int
    supports_tried: int = 0
    verdicts: dict = field(default_factory=dict)

    def to_json_obj(self) -> dict:
        return {"runs": self.runs, "supports_tried": self.supports_tried,
                "endpoint_verdicts": {str(k): v for k, v in sorted(self.verdicts.items())}}


def descent_counterexample(ds, lam, m, runs, *, land=None, seed=0, lr=0.01, steps=20_000,
                           scales=DEFAULT_DESCENT_SCALES, tried=None, on_run=None) -> DescentSearch:
    """Run ``runs`` gradient descents at width ``m``; certify a spurious minimum they reach.

    Parameters
    ----------
    ds : Dataset
    lam : weight decay (exact: Fraction or text)
    m, runs : width and number of descents (run ``k`` starts from scale
        ``scales[k % len(scales)]`` with seed ``seed + k``)
    land : Landscape, optional (reuse its solves)
    lr, steps : step size and step budget of every run
    tried : set of supports already tried (skipped, and added to)
    on_run : called after each run is certified (progress display)

    Returns
    -------
    DescentSearch
        The first certified spurious minimum, or ``network = None`` with the counts.
    """
    from ..regions.counterexample import certify_support
    from ..regions.landscape import Landscape

    m, runs = int(m), int(runs)
    if m < 1 or runs < 1:
        raise InputError(f"width and runs must be at least 1, got width {m} and runs {runs}")
    lam_q = parse_lam(lam)
    land = land or Landscape(ds, lam_q)
    tried = set() if tried is None else tried
    starts = [(float(scales[k % len(scales)]), int(seed) + k) for k in range(runs)]
    endpoints = train_batch(ds, float(lam_q), m, starts, lr=lr, steps=steps)
    verdicts = Counter()
    out = DescentSearch(None, None, runs, 0, verdicts)
    for (scale, run_seed), run in zip(starts, endpoints):
        ev = classify_endpoint(ds, lam_q, run, prog=land.prog, glob=land.glob)
        verdicts[ev.verdict] += 1
        found = None
        if ev.verdict is Verdict.SPURIOUS_LOCAL_MINIMUM:
            pa, pW = ev.polished
            found = ([float(v) for v in pa], [[float(x) for x in w] for w in np.asarray(pW)]), \
                {**(ev.certificate or {}), "support": list(ev.support), "reason": ev.reason}
        elif ev.support and ev.verdict is not Verdict.GLOBAL_MINIMUM and ev.support not in tried:
            tried.add(ev.support)
            out.supports_tried += 1
            found = certify_support(ds, land, ev.support, m)
        if on_run is not None:
            on_run()
        if found is not None:
            out.network, out.certificate = found
            out.certificate = {**out.certificate, "found_by": {"descent": {"init_scale": scale, "seed": run_seed,
                                                                           "lr": lr, "steps": steps}}}
            return out
    return out
