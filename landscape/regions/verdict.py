"""The one place that combines the verdicts on a network: :func:`check`.

The policy (docs/theory.md, sections 4 and 9):

1. the exact pointwise test (:func:`~landscape.network.pointwise.check_network`) on the
   rational point given; a ``global_minimum`` or ``spurious_local_minimum`` there is final
   (``subject`` = ``"exact point"``);
2. otherwise, validated numerics (:func:`~landscape.network.nearby.certify_nearby`): a
   certified local or global minimum within ``radius`` of the input (``subject`` =
   ``"certified point within radius"``), or a certified critical point within ``radius``
   that is not a local minimum (with its descent: a multiplier of the wrong sign, or a
   zero neuron that can grow);
3. otherwise (no certified critical point nearby) the pointwise descent certificate
   (``not_a_local_minimum`` about the point itself), or, when the pointwise test was too
   close to call, the region certificate
   (:func:`region_verdict`) and the polish path
   (:func:`~landscape.network.polish.certify_network`) attached to ``undecided``.

Examples
--------
>>> import math
>>> from landscape.data import Dataset
>>> ds = Dataset.from_arrays([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [1, 1, -1])
>>> up = math.sqrt(2) - 0.3                     # |u_+| = sqrt 2 - n lam: irrational
>>> a = [math.sqrt(up), -math.sqrt(0.7)]
>>> W = [[math.sqrt(up / 2), math.sqrt(up / 2), 0.0], [0.0, 0.0, math.sqrt(0.7)]]
>>> v = check(ds, "1/10", a, W)
>>> print(v.verdict, v.subject, v.radius < 1e-12)
global_minimum certified point within radius True
>>> print(v.certificate["pointwise"]["verdict"])
undecided
"""

from __future__ import annotations

import math

from ..convex.program import RegionProgram
from ..data import parse_lam
from ..errors import TooLargeError
from ..network.io import parse_network
from ..network.model import exact_loss
from ..network.nearby import SUBJECT_NEARBY, certify_nearby
from ..network.pointwise import NetworkVerdict, check_network
from ..network.polish import certify_network
from ..results.status import CertificateKind, Verdict
from .cache import certified_tol
from .landscape import Landscape

__all__ = ["check", "region_verdict", "RADIUS_LIMIT", "SUBJECT_REGION"]

#: a nearby certified minimum counts when it is within ``RADIUS_LIMIT * max(1, |theta|)``
RADIUS_LIMIT = 1e-3
#: ``subject`` of a region certificate: the open region of the input holds the minimum
SUBJECT_REGION = "open region of the point"


def check(ds, lam, a, W, tol=1e-9, prog=None, max_programs=20000, radius_limit=None) -> NetworkVerdict:
    """Is the network ``(a, W)`` a minimum, or within a certified radius of one?

    Parameters
    ----------
    ds : Dataset
    lam : Fraction or text
    a, W : sequences
        The network; read exactly (floats by their binary value).
    tol : float
        Passed to the exact pointwise test (relative margin for "too close to call").
    prog : RegionProgram, optional
    max_programs : int
        Limit on ``V(S)`` solves for ``L*_m``.
    radius_limit : float, optional
        Largest accepted distance to a certified nearby point; default
        ``RADIUS_LIMIT * max(1, |theta|)``.

    Returns
    -------
    NetworkVerdict
        With ``subject`` and ``radius`` (see the module docstring); the pointwise verdict
        is kept in ``certificate["pointwise"]`` when it is not the answer.
    """
    lam = parse_lam(lam)
    aq, Wq = parse_network(ds, a, W)
    prog = prog or RegionProgram(ds, lam)
    pv = check_network(ds, lam, aq, Wq, tol=tol, prog=prog, max_programs=max_programs)
    if pv.verdict in (Verdict.GLOBAL_MINIMUM, Verdict.SPURIOUS_LOCAL_MINIMUM):
        return pv
    pointwise = {"verdict": pv.verdict, "reason": pv.reason, "certificate": pv.certificate}
    nb = certify_nearby(ds, lam, aq, Wq, prog=prog, max_programs=max_programs)
    if radius_limit is None:
        size = math.sqrt(sum(float(v) ** 2 for v in aq) + sum(float(v) ** 2 for w in Wq for v in w))
        radius_limit = RADIUS_LIMIT * max(1.0, size)
    near = nb.radius is not None and nb.radius <= radius_limit
    if near and nb.verdict != Verdict.UNDECIDED:
        # a certified critical point nearby answers the user's question, a minimum or not
        # (then its own descent: a sign of the test, or a zero neuron that can grow)
        cert = {**nb.to_json_obj()["certificate"], "value_lower": nb.value_lower, "value_upper": nb.value_upper,
                "point": {"a": nb.a.tolist(), "W": nb.W.tolist()}, "pointwise": pointwise}
        return NetworkVerdict(nb.verdict, pv.value, pv.value_exact, cert, nb.reason,
                              {**pv.checks, "nearby": nb.verdict}, subject=SUBJECT_NEARBY, radius=nb.radius)
    nearby = nb.to_json_obj()
    if pv.verdict == Verdict.NOT_A_LOCAL_MINIMUM:
        pv.certificate = {**pv.certificate, "nearby": nearby}
        return pv
    why = pv.reason
    try:
        rv = region_verdict(ds, lam, aq, Wq, prog=prog)
    except TooLargeError:
        rv = None
    if rv is not None:
        rv.reason = f"{rv.reason} [pointwise exact test undecided: {why}]"
        rv.checks = {**pv.checks, **rv.checks, "region_fallback": rv.verdict}
        rv.subject = SUBJECT_REGION
        return rv
    cert = {**pv.certificate, "nearby": nearby}
    why += f"; nearby: {nb.reason}"
    try:
        nc = certify_network(ds, lam, aq, Wq, prog=prog)
    except TooLargeError as exc:
        nc = None
        why += f"; polish skipped: {exc}"
    if nc is not None:
        cert["polish"] = nc.to_json_obj()
        why += "; " + nc.summary
    return NetworkVerdict(Verdict.UNDECIDED, pv.value, pv.value_exact, cert, why, pv.checks)


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
    if sc.klass == "global" and value - Ls.lower <= certified_tol(Ls.upper):
        return NetworkVerdict(Verdict.GLOBAL_MINIMUM, float(value), value,
                              {"type": CertificateKind.REGION_GLOBAL, **base},
                              f"the loss is within the certified tolerance of L*_{m} "
                              f"(region certificate; the pointwise exact test could not decide)")
    if sc.klass == "spurious" and value - sc.lower <= certified_tol(sc.upper):
        return NetworkVerdict(Verdict.SPURIOUS_LOCAL_MINIMUM, float(value), value,
                              {"type": CertificateKind.REGION_INTERIOR_MINIMUM, **base,
                               "interior": sc.certificate.get("interior")},
                              f"the open region of this network (support {base['support']}) contains a local "
                              f"minimum: every minimiser of V(S) is strictly interior (certified), "
                              f"V(S) >= {float(sc.lower):.10g} > L*_{m} <= {float(Ls.upper):.10g}, and this "
                              f"network's loss is within the certified tolerance of V(S)")
    return None
