"""The one place that combines the pointwise test and the region certificate.

:func:`region_verdict` certifies a float network through its region when the exact
pointwise test of :func:`~landscape.network.pointwise.check_network` cannot decide.
"""

from __future__ import annotations

from ..data import parse_lam
from ..network.io import parse_network
from ..network.model import exact_loss
from ..network.pointwise import NetworkVerdict
from ..results.status import CertificateKind, Verdict
from .landscape import Landscape, _tol

__all__ = ["region_verdict"]


def region_verdict(ds, lam, a, W, prog=None, land=None):
    """Region-level verdict for a float network that sits near a minimum of its region.

    The pointwise exact test (:func:`~landscape.network.pointwise.check_network`) cannot certify a
    float approximation of a minimum whose exact weights are irrational.  This certifies
    the *region* instead: if every neuron lies strictly inside a cell (exact point
    location), the network lies in the open region with support ``S``; if the region
    certificate of :meth:`Landscape.classify` proves that every minimiser of ``V(S)`` is
    strictly interior and ``V(S) > L*_m``, and the network's loss is within the certified
    tolerance of ``V(S)``, the region contains a spurious local minimum whose value the
    network attains to that tolerance.  Likewise a loss within the tolerance of ``L*_m``
    gives ``global_minimum``.  Returns a :class:`~landscape.network.pointwise.NetworkVerdict` or None
    when no region certificate applies.
    """
    lam = parse_lam(lam)
    a, W = parse_network(ds, a, W)
    land = land or Landscape(ds, lam, prog=prog)
    arr = land.prog.arr
    cones = []
    for aj, wj in zip(a, W):
        cell = arr.locate(wj)
        if cell is None or aj == 0:
            return None  # on a hyperplane, or a zero neuron: not in an open region
        cones.append(2 * cell + (0 if aj > 0 else 1))
    m = len(a)
    value = exact_loss(ds, land.lam, a, W)
    sc = land.classify(cones, m)
    Ls = land.L_star(m)
    base = {"support": sorted(set(cones)), "V_lower": sc.lower, "V_upper": sc.upper,
            "L_star_lower": Ls.lower, "L_star_upper": Ls.upper}
    if sc.klass == "global" and value - Ls.lower <= _tol(Ls.upper):
        return NetworkVerdict(Verdict.GLOBAL_MINIMUM, float(value), value,
                              {"type": CertificateKind.REGION_GLOBAL, **base},
                              f"the loss is within the certified tolerance of L*_{m} "
                              f"(region certificate; the pointwise exact test could not decide)")
    if sc.klass == "spurious" and value - sc.lower <= _tol(sc.upper):
        return NetworkVerdict(Verdict.SPURIOUS_LOCAL_MINIMUM, float(value), value,
                              {"type": CertificateKind.REGION_INTERIOR_MINIMUM, **base,
                               "interior": sc.certificate.get("interior")},
                              f"the open region of this network (support {base['support']}) contains a local "
                              f"minimum: every minimiser of V(S) is strictly interior (certified), "
                              f"V(S) >= {float(sc.lower):.10g} > L*_{m} <= {float(Ls.upper):.10g}, and this "
                              f"network's loss is within the certified tolerance of V(S)")
    return None
