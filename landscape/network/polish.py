"""The polish path for a float network: the certified region optimum behind it.

:func:`certify_network` locates each neuron exactly, certifies ``V(S)`` on the network's
support, bounds ``L(theta) - V(S)``, and runs the exact pointwise test at the rational
optimum of ``V(S)`` when it has one (docs/theory.md, sections 3 and 4).  It never calls
the input network itself a minimum; for that see
:func:`landscape.network.nearby.certify_nearby`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .io import parse_problem
from .model import _dot, exact_loss, rational_network
from .pointwise import NetworkVerdict, check_network
from .stationarity import accessible_cones

__all__ = ["certify_network", "NetworkCertificate", "NEAR_FACET"]


#: relative distance ``|x_i . w| / (|x_i| |w|)`` below which a neuron is reported near a facet
NEAR_FACET = 1e-7

@dataclass
class NetworkCertificate:
    """Result of :func:`certify_network`.

    Attributes
    ----------
    neurons : list of dict
        Per neuron: its signed cone (``None`` for a zero neuron), ``accessible`` (the
        signed cones whose closed cell holds ``w_j``), ``on_hyperplane`` (exact: ``w_j``
        lies on some ``x_i . w = 0``), ``near_facet_rows`` (rows with relative distance
        below :data:`NEAR_FACET`) and ``min_slack`` (smallest relative distance).
    support : tuple of int
        ``S``: the distinct signed cones of the nonzero neurons (for a neuron on a
        hyperplane, the first accessible cone; the alternatives are in ``alternatives``).
    region : RegionOptimum
        Certified ``V(S)``: ``region.lower <= V(S) <= region.upper``.
    loss : Fraction
        The exact loss of the (rational) input network.
    alternatives : list of dict
        For neurons on a hyperplane: the supports of the other regions whose closure holds
        the network, with their certified bounds (``L >= min`` of them near the network).
    optimum : tuple or None
        Exact balanced rational network of the certified optimum of ``V(S)`` when one was
        found (short rational reconstruction, verified exactly by :func:`check_network`).
    optimum_verdict : NetworkVerdict or None
        :func:`check_network` at ``optimum``.
    u_distance : float
        ``sum_c |u_c(network) - u_c(optimum)|`` with ``u_c`` the merged ``sum |a_j| w_j``
        of the neurons in cone ``c`` (float).
    summary : str
    """

    neurons: list
    support: tuple
    region: object
    loss: Fraction
    alternatives: list
    optimum: tuple | None
    optimum_verdict: NetworkVerdict | None
    u_distance: float
    summary: str

    @property
    def excess_bounds(self):
        """Proven ``(loss - V.upper, loss - V.lower)``: bounds on ``L(theta) - V(S)``."""
        return self.loss - self.region.upper, self.loss - self.region.lower

    def to_json_obj(self) -> dict:
        lo, hi = self.excess_bounds
        out = {"neurons": self.neurons, "support": list(self.support),
               "V_lower": self.region.lower, "V_upper": self.region.upper,
               "V_certified": self.region.certified, "V_reason": self.region.reason,
               "loss": self.loss, "loss_minus_V": [lo, hi], "loss_minus_V_float": float(self.loss) - self.region.value,
               "alternatives": self.alternatives, "u_distance": self.u_distance, "summary": self.summary}
        if self.optimum is not None:
            out["optimum"] = {"a": list(self.optimum[0]), "W": [list(w) for w in self.optimum[1]]}
        if self.optimum_verdict is not None:
            out["optimum_verdict"] = {"verdict": self.optimum_verdict.verdict,
                                      "reason": self.optimum_verdict.reason}
        return out


def certify_network(ds, lam, a, W, prog=None, max_alternatives=16) -> NetworkCertificate:
    """Certify the region optimum behind a (float) network: the polish path.

    1. The support: each nonzero neuron's signed cone by exact point location (a neuron
       exactly on a hyperplane has several accessible cones: the first is used and the
       others are solved as ``alternatives``, up to ``max_alternatives`` supports); neurons
       within :data:`NEAR_FACET` of a hyperplane are named.
    2. ``V(S)`` certified (:meth:`~landscape.convex.program.RegionProgram.solve`); the network's
       exact loss and proven bounds on ``L(theta) - V(S)`` (``>= 0`` up to the bounds when
       the network is in the closed region, docs/theory.md, section 3).
    3. If the certified optimum has a short rational balanced form, :func:`check_network`
       runs on it exactly (``optimum_verdict``); otherwise the summary says that the
       pointwise exact test cannot certify an (apparently) irrational optimum.

    Nothing here makes the input network itself a certified minimum.

    Examples
    --------
    >>> from landscape.data import Dataset
    >>> ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, -1])
    >>> nc = certify_network(ds, "5/18", [0.6666666666, -0.6666666667], [[0.6666666667, 0], [0, 0.6666666666]])
    >>> nc.region.certified, nc.optimum, str(nc.optimum_verdict.verdict)
    (True, ([Fraction(2, 3), Fraction(-2, 3)], [[Fraction(2, 3), Fraction(0, 1)], [Fraction(0, 1), Fraction(2, 3)]]), 'global_minimum')
    >>> lo, hi = nc.excess_bounds
    >>> 0 < float(hi) < 1e-9
    True
    """
    lam, a, W, prog = parse_problem(ds, lam, a, W, prog)
    rows = [list(x) for x in prog.arr.rows_exact]
    Xf = prog.X
    neurons, choices = [], []
    for j, (aj, wj) in enumerate(zip(a, W)):
        if aj == 0 or not any(wj):
            neurons.append({"neuron": j, "cone": None, "zero": True})
            continue
        acc = accessible_cones(prog, aj, wj)
        wf = np.array([float(v) for v in wj])
        nz = np.linalg.norm(Xf, axis=1) > 0
        rel = np.full(prog.n, np.inf)
        rel[nz] = np.abs(Xf[nz] @ wf) / (np.linalg.norm(Xf[nz], axis=1) * np.linalg.norm(wf))
        on = any(any(x) and _dot(x, wj) == 0 for x in rows)
        near = [int(i) for i in np.nonzero(rel < NEAR_FACET)[0]]
        neurons.append({"neuron": j, "cone": acc[0], "accessible": acc, "on_hyperplane": on,
                        "near_facet_rows": near, "min_slack": float(rel.min()) if nz.any() else None})
        choices.append(acc)
    S = tuple(sorted({ch[0] for ch in choices}))
    opt = prog.solve(S)
    loss = exact_loss(ds, lam, a, W)
    alternatives = []
    if any(len(ch) > 1 for ch in choices):
        for k, pick in enumerate(itertools.product(*choices)):
            T = tuple(sorted(set(pick)))
            if T == S or any(alt["support"] == list(T) for alt in alternatives):
                continue
            if k >= max_alternatives:
                alternatives.append({"truncated": True})
                break
            o = prog.solve(T)
            alternatives.append({"support": list(T), "lower": o.lower, "upper": o.upper,
                                 "certified": o.certified})
    # merged u per cone, and distance to the optimum
    U = {}
    for nrn, aj, wj in zip(neurons, a, W):
        if nrn.get("cone") is not None:
            U.setdefault(nrn["cone"], np.zeros(prog.dim))
            U[nrn["cone"]] += abs(float(aj)) * np.array([float(v) for v in wj])
    dist = sum(float(np.linalg.norm(U.get(c, 0) - opt.u.get(c, 0))) for c in set(U) | set(opt.cones_used))
    optimum, verdict = None, None
    notes = []
    if not opt.certified:
        notes.append(f"V(S) is not certified ({opt.reason})")
    else:
        notes.append(f"V(S) in [{float(opt.lower):.12g}, {float(opt.upper):.12g}] (certified); "
                     f"L - V(S) in [{float(loss - opt.upper):.3g}, {float(loss - opt.lower):.3g}]")
        oa, oW = opt.network
        exact = rational_network(oa, oW) if len(oa) else None
        if exact is not None:
            optimum = exact
            verdict = check_network(ds, lam, exact[0], exact[1], prog=prog)
            notes.append(f"the rational optimum of V(S) is exactly a {verdict.verdict}"
                         if verdict.verdict in ("global_minimum", "spurious_local_minimum")
                         else f"exact test at the rational candidate optimum: {verdict.verdict}")
        else:
            notes.append("the optimum of V(S) has no short rational form (likely irrational): "
                         "the pointwise exact test cannot certify it")
    near = [nrn["neuron"] for nrn in neurons if nrn.get("near_facet_rows")]
    if near:
        notes.append(f"neuron(s) {near} within {NEAR_FACET:g} of a hyperplane")
    return NetworkCertificate(neurons, S, opt, loss, alternatives, optimum, verdict, dist,
                              "; ".join(notes))
