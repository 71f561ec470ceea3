r"""The exact status of the point a training run converged to (:func:`classify_endpoint`).

The trajectory is a float *candidate*; what this module decides is the status of the
*polished point*: the run's final network with negligible and dead neurons set to zero,
every other neuron located exactly in its signed cone, and the per-cone weights replaced by
the optimum of the region programme ``V(S)`` of that support (certified bounds, then
refined by Newton's method from the run's own weights), split over the run's neurons.  The
verdict says nothing about the float iterate itself; the measured distance from the
iterate to the polished point, the value gap ``L(theta_T) - V(S)`` and the squared gradient
norm are reported with it, and the verdict is ``not_converged`` when any is too large.
``global_minimum`` rests on the certified equality ``V(S) = V*`` (within the project's
certified tolerance); ``not_a_local_minimum`` (a stalled saddle) on an exact certificate
that a zero neuron can grow (docs/theory.md, sections 3 and 4).

References
----------
E. Boursier, M. Bowditch, M. Englert, R. Lazic, "A theoretical framework for the loss
landscape of two-layer ReLU networks with weight decay", 2025.

Examples
--------
>>> from landscape.data import generate
>>> from landscape.dynamics import train
>>> ds = generate("theorem2", d=3)
>>> run = train(ds, 3e-4, 10, 0.5, seed=0, lr=0.01, steps=200)
>>> classify_endpoint(ds, "3/10000", run).verdict
<Verdict.NOT_CONVERGED: 'not_converged'>
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..data import parse_lam
from ..errors import InputError
from ..results.status import CertificateKind, Verdict
from .loss import loss_and_grad
from .record import Trajectory, alive_neurons

__all__ = ["VERDICTS", "EndpointVerdict", "classify_endpoint"]

#: the verdicts :func:`classify_endpoint` can give (all of :class:`~landscape.results.status.Verdict`)
VERDICTS = tuple(Verdict)


@dataclass
class EndpointVerdict:
    """The exact status of the point a run converged to.

    Attributes
    ----------
    verdict : a :class:`~landscape.results.status.Verdict`
    reason : one line explaining the verdict
    support : the signed cones (indices ``2*cell + (sign < 0)``) of the non-negligible
        final neurons, located exactly with :meth:`Arrangement.locate`
    neuron_cones : the signed cone of every final neuron (``None`` for negligible ones)
    region_value, region_lower, region_upper : ``V(S)`` of the support, with certified
        bounds (Fractions), or ``None`` when it could not be computed
    value_gap : ``L(theta_T) - V(S)`` in floating point (the run's loss above its region's
        optimum)
    distance : ``|theta_T - theta_polished|`` (Euclidean, floating point)
    grad_sq : squared gradient norm at ``theta_T``
    polished : the polished network ``(a, W)`` that the exact test was run on, or ``None``
    certificate : the certificate returned by the exact test (``None`` if it was not run)
    dead : neurons found in the open all-inactive cell; they decay geometrically to exactly
        0 and are set to zero before the distance, gap and gradient are measured
    region_is_global : ``True`` if ``V(S) = V*`` within certified bounds (the run is in the
        closure of a region containing a global minimum), ``False`` if ``V(S) > V*`` is
        certified, ``None`` if undecided or not computed; set even for ``not_converged``
    """

    verdict: Verdict
    reason: str
    support: tuple = ()
    neuron_cones: tuple = ()
    region_value: Fraction | None = None
    region_lower: Fraction | None = None
    region_upper: Fraction | None = None
    value_gap: float = float("nan")
    distance: float = float("nan")
    grad_sq: float = float("nan")
    polished: tuple | None = None
    certificate: object = None
    dead: tuple = ()
    region_is_global: bool | None = None
    kink_margin: float = float("nan")

    def __post_init__(self):
        self.verdict = Verdict(self.verdict)

    def to_json_obj(self) -> dict:
        cert = self.certificate
        if cert is not None and hasattr(cert, "to_json_obj"):
            cert = cert.to_json_obj()
        elif cert is not None and not isinstance(cert, (dict, list, str, int, float)):
            cert = repr(cert)
        return {
            "verdict": self.verdict, "reason": self.reason, "support": list(self.support),
            "neuron_cones": list(self.neuron_cones),
            "region_value": self.region_value, "region_lower": self.region_lower,
            "region_upper": self.region_upper, "value_gap": self.value_gap,
            "distance": self.distance, "grad_sq": self.grad_sq,
            "polished": None if self.polished is None else
            {"a": [float(v) for v in self.polished[0]], "W": [[float(v) for v in r] for r in self.polished[1]]},
            "certificate": cert, "dead_neurons": list(self.dead), "region_is_global": self.region_is_global,
            "kink_margin": self.kink_margin,
        }


def _locate_cone(arr, w, a_sign, X):
    """Exact signed cone of a neuron: its open cell, else the closed cell matching the float pattern."""
    wq = [Fraction(float(v)) for v in w]
    cell = arr.locate(wq)
    if cell is None:
        cand = arr.closed_cells(wq)
        pattern = (np.asarray(X) @ np.asarray(w, dtype=float)) > 0
        match = [k for k in cand if np.array_equal(arr.patterns[k], pattern)]
        cell = (match or cand)[0]
    return 2 * int(cell) + (0 if a_sign > 0 else 1)


def classify_endpoint(ds, lam, run_or_a, W=None, *, arr=None, prog=None, glob=None, rel_tol=1e-6,
                      grad_tol=1e-8, gap_tol=1e-4, dist_tol=1e-2, kink_tol=1e-3) -> EndpointVerdict:
    """Classify the end of a run on its polished point, with exact certificates.

    Steps
    -----
    1. Neurons with ``|a_j||w_j|`` below ``rel_tol`` times the largest are set to zero; every
       other neuron is located exactly in a signed cone (its open cell by
       :meth:`Arrangement.locate`; on a hyperplane, the closed cell whose pattern matches the
       float signs).  ``S`` is the set of these cones (the support).
    2. ``V(S)`` is solved with certified bounds.  The *polished point* replaces the neurons
       of each cone ``c`` by the optimal ``u_c``, split among them in proportion to their
       ``|a_j||w_j|`` and balanced (``|a_j| = |w_j|``); negligible neurons stay at zero.
    3. ``not_converged`` if the run stopped on NaN/divergence, if ``|grad L|^2 > grad_tol``,
       if ``|L(theta_T) - V(S)| > gap_tol |V(S)|`` or if the distance to the polished point
       exceeds ``dist_tol * max(1, |theta_polished|)``.  The gradient test is skipped when
       a live neuron lies within relative distance ``kink_tol`` of a data hyperplane
       (``min |x_i . w_j| / (|x_i||w_j|)`` over live neurons and rows, reported as
       ``kink_margin``): at a limit on a kink GD zigzags across the hyperplane and its
       gradient jumps by O(lam) at every step, so it never vanishes; the value gap and the
       distance then decide.
    4. If the certified bounds give ``V(S) = V*`` (``gap_ok(V*.lower, V(S).upper)``, the
       project's certified tolerance), the verdict is ``global_minimum``: ``L >= V*``
       everywhere and the run's limit attains ``V(S) = V*``.
    5. Otherwise :func:`landscape.regions.verdict.check` runs on the polished point: the exact
       test, then a certified critical point within a proven radius (validated numerics,
       docs/theory.md section 9), then the region certificate.  A
       zero neuron that can grow (the global dual condition fails at the optimal residual
       of ``V(S)``, which is unique, with a margin) gives ``not_a_local_minimum``: a
       *stalled saddle*.  Other descent certificates of the local checks may come from
       the rounding of the float polished point (exact equalities such as balance or the
       radial KKT condition hold only to rounding), so they give ``undecided`` with the
       certificate attached; so does "too close to call".  When ``V(S) > V*`` is certified
       the reason says the point is spurious *if* it is a local minimum: deciding local
       minimality of an irrational point is out of reach of rational arithmetic.
       ``spurious_local_minimum`` is reported only when the exact test itself says so.

    Parameters
    ----------
    ds : Dataset
    lam : weight decay; Fractions and text exactly, floats by their exact binary value
        (the value gradient descent used)
    run_or_a : a :class:`Trajectory`, or the output weights ``a`` (then give ``W``)
    arr, prog, glob : optional precomputed arrangement, ``RegionProgram`` and its
        ``global_optimum()`` (reuse them when classifying many runs)
    """
    if isinstance(run_or_a, Trajectory):
        run = run_or_a
        a, W = np.asarray(run.a, float), np.asarray(run.W, float)
        if run.stop_reason in ("nan", "diverged"):
            return EndpointVerdict(Verdict.NOT_CONVERGED, f"the run stopped: {run.message}")
    else:
        run = None
        if W is None:
            raise InputError("give the input weights W with the output weights a")
        a, W = np.asarray(run_or_a, float).reshape(-1), np.asarray(W, float)
    # imported here, not at the top: `import landscape.dynamics` stays light (no SciPy/solvers)
    from ..convex.program import RegionProgram
    from ..exact.arithmetic import gap_ok
    from ..network.nearby import SUBJECT_NEARBY
    from ..regions.verdict import check

    lam_q = parse_lam(lam)
    X, y = ds.features, ds.y
    if W.shape != (len(a), X.shape[1]):
        raise InputError(f"W must have shape ({len(a)}, {X.shape[1]}), got {W.shape}")
    if not (np.isfinite(a).all() and np.isfinite(W).all()):
        return EndpointVerdict(Verdict.NOT_CONVERGED, "the network has non-finite entries")
    L, ga, gW = loss_and_grad(X, y, float(lam_q), a, W)
    gsq = float(ga @ ga + np.vdot(gW, gW))
    if prog is None:
        prog = RegionProgram(ds, lam_q, arrangement=arr)
    arr = prog.arr
    alive = alive_neurons(a, W, rel_tol)
    cones = [(_locate_cone(arr, W[j], a[j], X) if alive[j] else None) for j in range(len(a))]
    # a neuron in the open cell where every row is inactive is dead: GD only shrinks it by
    # (1 - 2 lr lam) per step and it never leaves that cell, so its limit is exactly 0
    dead = [j for j, c in enumerate(cones) if c is not None and not arr.patterns[c // 2].any()]
    if dead:
        a, W = a.copy(), W.copy()
        a[dead], W[dead] = 0.0, 0.0
        for j in dead:
            cones[j] = None
        L, ga, gW = loss_and_grad(X, y, float(lam_q), a, W)
        gsq = float(ga @ ga + np.vdot(gW, gW))
    support = tuple(sorted({c for c in cones if c is not None}))
    base = dict(support=support, neuron_cones=tuple(cones), grad_sq=gsq, dead=tuple(dead))
    if not support:
        polished = (np.zeros_like(a), np.zeros_like(W))
        v_s, opt = float(y @ y / len(y)), None
    else:
        opt = prog.solve(list(support))
        base.update(region_value=_frac_or_none(opt.value), region_lower=_frac_or_none(opt.lower),
                    region_upper=_frac_or_none(opt.upper))
        if not opt.certified:
            why = f"V(S) for the support {list(support)} could not be certified ({opt.reason})"
            if gsq > grad_tol or (run is not None and run.stop_reason == "interrupted"):
                return EndpointVerdict(Verdict.NOT_CONVERGED, f"|grad L|^2 = {gsq:.3g} > {grad_tol:g}; {why}", **base)
            return EndpointVerdict(Verdict.UNDECIDED, why, **base)
        if glob is None:
            glob = prog.global_optimum()
        if glob.certified:
            if gap_ok(glob.lower, opt.upper):
                base["region_is_global"] = True
            elif opt.lower > glob.upper:
                base["region_is_global"] = False
        polished = _polished_point(prog, opt, a, W, cones)
        v_s = float(opt.value)
    gap = L - v_s
    pa, pW = polished
    dist = float(np.sqrt(np.sum((a - pa) ** 2) + np.sum((W - pW) ** 2)))
    norm = float(np.sqrt(pa @ pa + np.vdot(pW, pW)))
    base.update(value_gap=gap, distance=dist, polished=polished)
    problems = []
    if run is not None and run.stop_reason == "interrupted":
        problems.append("the run was interrupted")
    kink = _kink_margin(X, a, W)
    base["kink_margin"] = kink
    if gsq > grad_tol and kink > kink_tol:
        problems.append(f"|grad L|^2 = {gsq:.3g} > {grad_tol:g}")
    if abs(gap) > gap_tol * abs(v_s) + 1e-15:
        problems.append(f"L - V(S) = {gap:.3g} (relative {gap / max(abs(v_s), 1e-300):.2g} > {gap_tol:g})")
    if dist > dist_tol * max(1.0, norm):
        problems.append(f"distance to the polished point {dist:.3g}")
    if problems:
        return EndpointVerdict(Verdict.NOT_CONVERGED, "; ".join(problems), **base)
    if base.get("region_is_global") is True:
        # L >= V* everywhere, and the limit the run approaches is an optimum of V(S) = V*
        cert = {"type": CertificateKind.REGION_OPTIMUM_IS_GLOBAL, "region_upper": opt.upper, "global_lower": glob.lower,
                "value_gap": gap, "distance": dist}
        return EndpointVerdict(
            Verdict.GLOBAL_MINIMUM,
            f"the run converged (|grad L|^2 = {gsq:.2g}, L - V(S) = {gap:.2g}, distance {dist:.2g} to the polished "
            f"optimum of V(S)) and V(S) = V* within certified bounds (V(S) <= {float(opt.upper):.12g}, "
            f"V* >= {float(glob.lower):.12g}); since L >= V* everywhere, the limit is a global minimum",
            certificate=cert, **base)
    v = check(ds, lam_q, pa, pW, prog=prog)
    verdict = Verdict(v.verdict) if v.verdict in VERDICTS else Verdict.UNDECIDED
    where = f"polished point at distance {dist:.2g} from the run, L - V(S) = {gap:.2g}"
    reason = f"{v.reason} ({where})"
    cert = v.certificate
    ctype = cert.get("type") if isinstance(cert, dict) else None
    if (verdict is Verdict.NOT_A_LOCAL_MINIMUM and v.subject != SUBJECT_NEARBY
            and ctype != CertificateKind.ZERO_NEURON_CAN_GROW):
        # a descent direction of the exact test at the polished float point itself
        # (imbalance, radial, parallel, KKT per accessible cone) can come from its rounding
        # rather than from the limit of the run; kept are the zero-neuron certificate, which
        # depends on the (unique) optimal residual of V(S) with a margin, and verdicts on a
        # certified critical point within a proven radius (validated numerics)
        verdict = Verdict.UNDECIDED
        reason = (f"the exact test found a descent direction of type {ctype} at the polished point, "
                  f"which may be polishing error rather than a property of the limit [{v.reason}] ({where})")
    if verdict is Verdict.UNDECIDED and base.get("region_is_global") is False:
        reason = (f"{reason}; V(S) >= {float(opt.lower):.12g} > V* <= {float(glob.upper):.12g} (certified), "
                  "so the point is spurious if it is a local minimum")
    return EndpointVerdict(verdict, reason, certificate=cert, **base)


def _kink_margin(X, a, W, rel_tol=1e-6):
    """``min |x_i . w_j| / (|x_i| |w_j|)`` over live neurons and nonzero rows (inf if none)."""
    X = np.asarray(X, dtype=float)
    live = alive_neurons(a, W, rel_tol)
    rows = np.linalg.norm(X, axis=1) > 0
    if not live.any() or not rows.any():
        return float("inf")
    Wl = W[live]
    C = np.abs(Wl @ X[rows].T) / np.outer(np.linalg.norm(Wl, axis=1), np.linalg.norm(X[rows], axis=1))
    return float(C.min())


def _frac_or_none(v):
    if v is None:
        return None
    try:
        return Fraction(v)
    except (TypeError, ValueError):
        return None


def _region_directions(opt):
    """Map each cone used by the optimum to its float ``u_c`` (the rational point, rounded)."""
    return {int(c): np.asarray(opt.u[c], dtype=float) for c in opt.cones_used}


def _objective(prog, u_by_cone):
    f = sum((prog.A(c) @ u for c, u in u_by_cone.items()), np.zeros(prog.n))
    res = f - prog.y
    return float(res @ res / prog.n + 2 * prog.lamf * sum(np.linalg.norm(u) for u in u_by_cone.values()))


def _polished_point(prog, opt, a, W, cones):
    """The optimum of ``V(S)`` nearest to the run, split over the run's neurons.

    Newton's method is started from the run's own per-cone ``u_c = sum |a_j| w_j`` (so that
    it lands on the optimum the run approaches when ``V(S)`` has several), on the face of
    rows active there; if that fails or ends above the certified ``V(S)``, it is started
    from the solver's optimum instead.
    """
    own = {}
    for j, c in enumerate(cones):
        if c is not None:
            own[c] = own.get(c, 0) + abs(a[j]) * W[j]
    from ..convex.program import refine_optimum

    tol = float(opt.upper) + 1e-12 * (1 + abs(float(opt.upper)))
    for start, atol in ((own, 1e-5), (own, 1e-7), (_region_directions(opt), 1e-7)):
        u = refine_optimum(prog, {c: np.asarray(v, float) for c, v in start.items() if np.any(v)}, active_tol=atol)
        if u is not start and _objective(prog, u) <= tol:
            return _polish(a, W, cones, u)
    return _polish(a, W, cones, _region_directions(opt))


def _polish(a, W, cones, u_by_cone):
    pa, pW = np.zeros_like(a), np.zeros_like(W)
    members = {}
    for j, c in enumerate(cones):
        if c is not None:
            members.setdefault(c, []).append(j)
    for c, js in members.items():
        u = u_by_cone.get(c)
        if u is None or not np.any(u):
            continue
        share = np.array([abs(a[j]) * np.linalg.norm(W[j]) for j in js])
        share = share / share.sum()
        s = 1.0 if c % 2 == 0 else -1.0
        for j, t in zip(js, share):
            uj = t * u
            nrm = math.sqrt(float(np.linalg.norm(uj)))
            if nrm > 0:
                pa[j] = s * nrm
                pW[j] = uj / nrm
    return pa, pW

