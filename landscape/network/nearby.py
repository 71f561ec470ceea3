"""A certified minimum near a float network (validated numerics, docs/theory.md, section 9).

A float network printed by a solver or reached by gradient descent is almost never
exactly critical: balanced minima have ``|a_j| = |w_j| = sqrt|u_j|``, irrational in
general, and sit on hyperplanes that the float point misses by rounding.
:func:`certify_nearby` answers the user's question instead: *is there a local (or
global) minimum within a proven distance of this network?*

1. Neurons with ``|a_j||w_j|`` below ``zero_rel`` times the largest (or exactly zero, or
   underflowing) are zero neurons (two thresholds are tried); every other neuron gets the face of ``u_j = |a_j| w_j``
   (:func:`~landscape.convex.validated.face_of`, for a few tolerances on the slack), and
   neurons with the same sign and face are merged (``u_f = sum u_j``).
2. :func:`~landscape.convex.validated.certify_faces` proves a unique critical point of the
   face programmes in a small box and decides every sign of the local-minimum test of
   docs/theory.md, section 4 (the global dual condition too).
3. The certified point ``theta*`` splits ``u_f`` among the neurons of face ``f`` in
   proportion to their ``|u_j|`` (parallel copies, balanced), zero neurons stay zero, and
   ``radius`` is a proven upper bound on ``|theta - theta*|`` (Euclidean, over all ``a``
   and ``W`` entries).
4. Verdict on ``theta*``: ``global_minimum`` if its residual is dual feasible for all
   ``K`` cones (``L(theta*) = V*``), or if its value is within the certified bounds of
   ``L*_m``; ``spurious_local_minimum`` if its value exceeds the certified upper bound of
   ``L*_m``; with a zero neuron only the global dual condition makes it a local minimum.
   ``not_a_local_minimum`` if a multiplier of the critical point has the wrong sign (a
   descent direction at ``theta*``, not at the input point); else ``undecided``.

Examples
--------
The counterexample of issue 11: ``X`` = the first three rows of ``I_4``,
``y = (1, 1/2, -4/5)``, ``lam = 1/20``, width 1.  The lone negative neuron on ``x3`` with
``|w| = sqrt(13/20)`` is a strict spurious local minimum, ``L = 0.48917 > L*_1 = 0.3176``.

>>> import math
>>> from landscape.data import Dataset
>>> ds = Dataset.from_arrays([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], [1, "1/2", "-4/5"])
>>> r = math.sqrt(13 / 20)
>>> nb = certify_nearby(ds, "1/20", [-r], [[0.0, 0.0, r, 0.0]])
>>> print(nb.verdict, nb.radius < 1e-14, round(float(nb.value_lower), 5))
spurious_local_minimum True 0.48917
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..convex.validated import certify_faces, face_of
from ..errors import TooLargeError
from ..exact.arithmetic import gap_ok
from ..results.status import CertificateKind, Verdict
from .io import parse_problem

__all__ = ["NearbyMinimum", "certify_nearby", "SUBJECT_EXACT", "SUBJECT_NEARBY", "VALIDATED"]

#: ``subject`` of a verdict about the exact input point
SUBJECT_EXACT = "exact point"
#: ``subject`` of a verdict about a certified point within ``radius`` of the input
SUBJECT_NEARBY = "certified point within radius"
#: certificate type of a validated critical point
VALIDATED = CertificateKind.VALIDATED_CRITICAL_POINT

#: neurons with ``|a_j||w_j|`` below this times ``|y| / |X|_2`` are zero at any threshold
_ABSOLUTE_ZERO = 1e-12

#: a certified minimum beats a certified non-minimum, which beats the first undecided try
_PREFERENCE = {"certified": 2, "violated": 1, "undecided": 0}

#: slack tolerances tried, in order, for the tight rows of each neuron
FACE_TOLERANCES = (1e-9, 1e-7, 1e-5, 1e-3)


@dataclass
class NearbyMinimum:
    """Result of :func:`certify_nearby`.

    Attributes
    ----------
    verdict : Verdict
        About the certified point ``theta*`` (see the module docstring).
    radius : float or None
        Proven upper bound on ``|theta - theta*|``; None without a certified point.
    value_lower, value_upper : Fraction or None
        Proven bounds on ``L(theta*)``.
    a, W : numpy arrays or None
        ``theta*`` to double precision (midpoints of the proven box).
    validated : ValidatedPoint or None
        The face certificate (:func:`~landscape.convex.validated.certify_faces`).
    certificate : dict
        JSON-ready: the faces, the box, the decided signs, the bounds on ``L*_m`` used.
    reason : str
    """

    verdict: Verdict
    radius: float | None
    value_lower: Fraction | None
    value_upper: Fraction | None
    a: np.ndarray | None
    W: np.ndarray | None
    validated: object
    certificate: dict
    reason: str

    def to_json_obj(self) -> dict:
        return {"verdict": self.verdict, "radius": self.radius, "value_lower": self.value_lower,
                "value_upper": self.value_upper,
                "point": None if self.a is None else {"a": self.a.tolist(), "W": self.W.tolist()},
                "certificate": self.certificate, "reason": self.reason}


def _norm(v):
    """Euclidean norm without underflow (``|v|^2`` may underflow for tiny entries)."""
    big = float(np.max(np.abs(v))) if len(v) else 0.0
    return big * float(np.linalg.norm(np.asarray(v) / big)) if big > 0 else 0.0


def _group(prog, u, signs, live, tol):
    faces, members = [], []
    for j in live:
        f = face_of(prog, u[j], signs[j], tol)
        if f in faces:
            members[faces.index(f)].append(j)
        else:
            faces.append(f)
            members.append([j])
    return faces, members


def certify_nearby(ds, lam, a, W, prog=None, zero_rel=(1e-8, 1e-4), tolerances=FACE_TOLERANCES,
                   max_programs=20000) -> NearbyMinimum:
    """Certify a minimum of the training loss within a proven radius of the network ``(a, W)``.

    Parameters
    ----------
    ds : Dataset
    lam : Fraction or text
        ``lam > 0``.
    a, W : sequences
        The network (floats, Fractions or rational text; read exactly, used in floats).
    prog : RegionProgram, optional
        Reused structure for the same ``ds`` and ``lam``.
    zero_rel : tuple of float
        Neurons with ``|a_j||w_j|`` below ``zero_rel`` times the largest are zero neurons;
        each threshold is tried in turn (a dead neuron of gradient descent shrinks only
        geometrically).
    tolerances : tuple of float
        Relative slacks tried for the tight rows (first conclusive one wins).
    max_programs : int
        Limit on ``V(S)`` solves for ``L*_m`` (only needed when the residual is not
        dual feasible).

    Returns
    -------
    NearbyMinimum
    """
    lam, aq, Wq, prog = parse_problem(ds, lam, a, W, prog)
    m = len(aq)
    af = np.array([float(v) for v in aq])
    Wf = np.array([[float(v) for v in w] for w in Wq]).reshape(m, prog.dim)
    u = [abs(af[j]) * Wf[j] for j in range(m)]
    unorm = np.array([_norm(v) for v in u])
    top = float(unorm.max()) if m else 0.0
    signs = [1 if af[j] > 0 else -1 for j in range(m)]
    nothing = NearbyMinimum(Verdict.UNDECIDED, None, None, None, None, None, None, {}, "")
    vp, tried = None, []
    floor = _ABSOLUTE_ZERO * prog.u_scale  # neurons this small next to the data's scale are zero
    for zr in zero_rel:
        live = [j for j in range(m) if unorm[j] > max(zr * top, floor) and af[j] != 0]
        if not live:
            return _zero_network(prog, aq, Wq)
        for tol in tolerances:
            faces, members = _group(prog, u, signs, live, tol)
            if faces in tried:
                continue
            tried.append(faces)
            u0 = [sum(u[j] for j in mem) for mem in members]
            cand = certify_faces(prog, faces, u0, need_global=True)
            if vp is None or _PREFERENCE[cand.status] > _PREFERENCE[vp.status]:
                vp, best_members, best_live = cand, members, live
            if cand.status == "certified":
                break
        if vp is not None and vp.status == "certified":
            break
    zeros = [j for j in range(m) if j not in best_live]
    cert = {"type": VALIDATED, "validated": vp.to_json_obj(), "zero_neurons": zeros,
            "neurons_of_face": best_members}
    if vp.status == "undecided":
        nothing.validated, nothing.certificate = vp, cert
        nothing.reason = f"no nearby critical point certified: {vp.reason}"
        return nothing
    pa, pW, radius = _nearby_point(aq, Wq, vp, best_members, unorm, signs)
    res = NearbyMinimum(Verdict.UNDECIDED, radius, vp.value_lower, vp.value_upper, pa, pW, vp, cert, "")
    where = f"within {radius:.3g} of the input"
    if vp.status == "violated":
        res.verdict = Verdict.NOT_A_LOCAL_MINIMUM
        res.reason = (f"the unique critical point of its face programme {where} is not a local minimum: "
                      f"{vp.reason}")
        return res
    value = f"L in [{float(vp.value_lower):.12g}, {float(vp.value_upper):.12g}]"
    if vp.global_dual:
        res.verdict = Verdict.GLOBAL_MINIMUM
        res.reason = (f"a global minimum lies {where} ({value}): a certified critical point whose residual is "
                      f"dual feasible for all K cones, so L = V* there")
        return res
    if zeros:
        res.reason = (f"a critical point {where} has zero neurons, and the global dual condition that makes "
                      f"it a local minimum {'fails' if vp.global_dual is False else 'could not be decided'}: "
                      f"{vp.checks.get('global_dual')}")
        if vp.global_dual is False:  # the descent: a zero neuron grows into the violating cone
            res.verdict = Verdict.NOT_A_LOCAL_MINIMUM
            cert["type"] = CertificateKind.ZERO_NEURON_CAN_GROW
        return res
    try:
        wm = prog.width_optimum(m, max_programs=max_programs)
    except TooLargeError as exc:
        res.reason = f"a local minimum lies {where} ({value}), but L*_{m} cannot be computed: {exc}"
        return res
    cert.update({"L_star_m_lower": wm.lower, "L_star_m_upper": wm.upper, "local_minimum": True})
    # wm.upper is proven whatever the solver statuses (a feasible point's value), so a value
    # above it is spurious even when L*_m itself is not certified
    if vp.value_lower > wm.upper:
        res.verdict = Verdict.SPURIOUS_LOCAL_MINIMUM
        res.reason = (f"a spurious local minimum lies {where}: {value} > L*_{m} <= {float(wm.upper):.12g} "
                      f"(certified)")
    elif not wm.certified:
        res.reason = f"a local minimum lies {where} ({value}), but L*_{m} is uncertified: {wm.reason}"
    elif gap_ok(wm.lower, vp.value_upper, scale=prog.gap_scale):
        res.verdict = Verdict.GLOBAL_MINIMUM
        res.reason = f"a local minimum lies {where} ({value}) within the certified bounds of L*_{m}"
    else:
        res.reason = f"a local minimum lies {where} ({value}), too close to L*_{m} to separate"
    return res


def _zero_network(prog, aq, Wq):
    """The zero network as the nearby point: exactly critical, a minimum iff the global dual
    condition holds at ``r = y`` (then it is a global one, ``V* = |y|^2 / n``)."""
    from ..convex.validated import dual_feasible_all_cones

    y = prog.y
    ok, why = dual_feasible_all_cones(prog, y, np.abs(y) * 2.0**-52 + 1e-300)
    value = sum((v * v for v in prog.ds.y_exact), Fraction(0)) / prog.n
    dist = sum((v * v for v in list(aq) + [x for w in Wq for x in w]), Fraction(0))
    radius = math.nextafter(math.sqrt(math.nextafter(float(dist), math.inf)), math.inf)
    zeros = list(range(len(aq)))
    cert = {"type": VALIDATED, "zero_network": True, "zero_neurons": zeros, "global_dual": why}
    pa, pW = np.zeros(len(aq)), np.zeros((len(aq), prog.dim))
    res = NearbyMinimum(Verdict.UNDECIDED, radius, value, value, pa, pW, None, cert, "")
    where = f"within {radius:.3g} of the input"
    if ok:
        res.verdict = Verdict.GLOBAL_MINIMUM
        res.reason = f"the zero network {where} is a global minimum (L = |y|^2/n = V*): {why}"
    elif ok is False:
        res.verdict = Verdict.NOT_A_LOCAL_MINIMUM
        cert["type"] = CertificateKind.ZERO_NEURON_CAN_GROW
        res.reason = f"the zero network {where} is a critical point where a zero neuron can grow: {why}"
    else:
        res.reason = f"the zero network {where}: {why}"
    return res


def _sq(x):
    return x * x  # (ball ** 2 is nan when the ball holds 0)


def _nearby_point(aq, Wq, vp, members, unorm, signs):
    """``theta*`` (midpoints) and a proven bound on ``|theta - theta*|``."""
    from flint import arb, fmpq

    from ..convex.validated import PRECISION_BITS, _fraction_bounds, _precision

    def q(x):
        x = Fraction(x)
        return arb(fmpq(x.numerator, x.denominator))

    m, dim = len(aq), len(Wq[0])
    pa, pW = np.zeros(m), np.zeros((m, dim))
    with _precision(PRECISION_BITS):
        dist = arb(0)
        covered = set()
        for mem, ub in zip(members, vp.u_balls()):
            total = sum((Fraction(float(unorm[j])) for j in mem), Fraction(0))
            for j in mem:
                t = q(Fraction(float(unorm[j])) / total)
                uj = [t * v for v in ub]
                root = sum((v * v for v in uj), arb(0)).sqrt().sqrt()
                aj = signs[j] * root
                wj = [v / root for v in uj]
                pa[j] = float(aj.mid())
                pW[j] = [float(v.mid()) for v in wj]
                dist += _sq(q(aq[j]) - aj) + sum((_sq(q(x) - v) for x, v in zip(Wq[j], wj)), arb(0))
                covered.add(j)
        for j in range(m):
            if j not in covered:
                dist += _sq(q(aq[j])) + sum((_sq(q(x)) for x in Wq[j]), arb(0))
        _, hi = _fraction_bounds(dist)
    # round up twice: the float of the bound, then its square root
    radius = math.sqrt(math.nextafter(float(max(hi, Fraction(0))), math.inf))
    return pa, pW, math.nextafter(radius, math.inf)
