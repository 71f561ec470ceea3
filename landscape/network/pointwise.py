"""Exact local-minimum test for a given network (docs/theory.md, section 4).

``check_network(ds, lam, a, W)`` decides whether the *exact rational* network ``(a, W)``
(floats convert exactly; text such as ``"2/3"`` is read exactly) is a local minimum of

    L(a, W) = (1/n) sum_i (sum_j a_j relu(w_j . x_i) - y_i)^2 + lam (|a|^2 + |W|_F^2).

Let ``u_j = |a_j| w_j`` (in the cell of ``w_j``; the sign is the cone's).  The network is
a local minimum iff (Pilanci & Ergen 2020; cf. Wang, Lacotte & Pilanci, ICLR 2022, and
docs/theory.md, section 4):

1. every neuron is balanced, ``a_j^2 = |w_j|^2`` (else rescaling ``a_j -> a_j e^-s``,
   ``w_j -> w_j e^s`` lowers the weight decay without changing ``f``);
2. same-sign neurons sharing a closed signed cone are parallel (else moving weight from
   one to the other keeps ``f`` and lowers ``sum |u_j|``);
3. for every neuron and every *accessible* cone ``c`` (signed cones whose closed cell
   contains ``w_j``, with sign of ``a_j``), the KKT conditions of ``V`` hold at the
   residual ``r = y - f``: ``n lam u_j/|u_j| - s_c X^T D_c r = G_A^T mu`` with ``mu >= 0``
   on the rows active at ``w_j`` (else the NNLS residual is a descent direction that may
   cross into the neighbouring cell -- the case a stationarity test misses);
4. if a neuron is zero, ``max_{|w|<=1} |r^T relu(X w)| <= n lam`` over all K cones (else
   the zero neuron can grow).

Every "not a local minimum" comes with a certificate that is verified exactly (signs of
``p + q sqrt(s)`` decided by :func:`~landscape.exact.arithmetic.sign_p_plus_q_sqrt`).  A local
minimum is a ``global_minimum`` if its residual is exactly dual feasible for all cones, or
if its value lies within the certified bounds of ``L*_m``; ``spurious_local_minimum`` if its
value exceeds the certified upper bound of ``L*_m``.

Float input.  The verdict is about the exact rational point given.  A network printed by a
solver is typically a minimum only up to rounding: exact equalities (balance, the radial
KKT condition ``b . u = n lam |u|``) then fail by ~1e-16.  When a failed check's relative
margin is below ``tol`` (default 1e-9) the verdict is ``undecided`` and ``reason`` names the
check.  Certifying a *nearby* minimum instead is the job of
:func:`landscape.network.nearby.certify_nearby` (validated numerics, docs/theory.md,
section 9); :func:`landscape.regions.verdict.check` combines the two with the region
certificate.  Note that an exact local minimum with rational data may need irrational weights (e.g.
``|u| = (|y_+| - n lam)`` with ``|y_+|`` irrational), in which case no rational input
can pass the exact test and ``undecided`` is the honest answer.

Examples
--------
>>> from landscape.data import Dataset
>>> ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, -1])
>>> print(check_network(ds, "5/18", ["2/3", "-2/3"], [["2/3", 0], [0, "2/3"]]).verdict)
global_minimum
>>> v = check_network(Dataset.from_arrays([[1, 0], [0, 1]], [1, 1]), "5/18", ["2/3"], [["2/3", 0]])
>>> print(v.verdict, v.certificate["type"])        # on a boundary, can rotate to fit x2 too
not_a_local_minimum kkt_violation
>>> from landscape.network.stationarity import is_stationary
>>> is_stationary(Dataset.from_arrays([[1, 0], [0, 1]], [1, 1]), "5/18", ["2/3"], [["2/3", 0]])
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from scipy.optimize import nnls

from ..exact.linalg import fq_mat as _fq_mat, particular_solution as _particular_solution
from ..errors import TooLargeError
from ..exact.arithmetic import gap_ok, sign_p_plus_q_sqrt, to_grid
from ..geometry.cones import cone_cell, cone_sign
from ..results.status import CertificateKind, Verdict
from .io import parse_problem
from .model import _dot, exact_fit
from .stationarity import accessible_cones

__all__ = ["NetworkVerdict", "check_network"]


@dataclass
class NetworkVerdict:
    """Result of :func:`check_network` (and of the checks built on it).

    ``verdict`` is a :class:`~landscape.results.status.Verdict`; ``value`` is the float of
    the exact loss ``value_exact``; ``certificate`` is a JSON-ready dict (for
    ``not_a_local_minimum`` a descent direction with its exact directional-derivative
    sign); ``reason`` explains; ``checks`` records each step.  ``subject`` says what the
    verdict is about: ``"exact point"`` (the input itself, as :func:`check_network` always
    answers) or ``"certified point within radius"`` (a point at distance at most
    ``radius`` from the input, :func:`landscape.regions.verdict.check`); ``value`` is then
    still the input's loss and the certified point's value is in the certificate.
    """

    verdict: Verdict
    value: float
    value_exact: Fraction
    certificate: dict
    reason: str
    checks: dict = field(default_factory=dict)
    subject: str = "exact point"
    radius: float = 0.0

    def to_json_obj(self) -> dict:
        return {"verdict": self.verdict, "subject": self.subject, "radius": self.radius, "value": self.value,
                "value_exact": self.value_exact, "certificate": self.certificate, "reason": self.reason,
                "checks": self.checks}




def _rel(x, scale):
    """``|x| / scale`` as a float, computed exactly first (tiny neurons underflow in floats)."""
    return abs(float(Fraction(x) / Fraction(scale))) if scale else float("inf")


def _unit_float(u):
    """``u / |u|`` in floats for an exact nonzero ``u`` of any size (scaled before rounding)."""
    big = max(abs(v) for v in u)
    uf = np.array([float(v / big) for v in u])
    return uf / np.linalg.norm(uf)


def check_network(ds, lam, a, W, tol=1e-9, prog=None, max_programs=20000) -> NetworkVerdict:
    """Exact local-minimum test of the network ``(a, W)`` (see the module docstring).

    Parameters
    ----------
    ds : Dataset
    lam : Fraction or text
        ``lam > 0`` (exact).
    a, W : sequences
        Output weights (m) and input weights (m x dim); floats, ints, Fractions or rational
        strings.
    tol : float
        Relative margin below which a failed exact check gives ``undecided`` instead of a
        descent certificate.  ``tol = 0`` judges the rational point strictly.
    prog : RegionProgram, optional
        Reused structure for the same ``ds`` and ``lam``.
    max_programs : int
        Limit on the number of ``V(S)`` solves for ``L*_m`` by exhaustive search.

    Returns
    -------
    NetworkVerdict
        About the exact rational point given, never about a nearby one.
    """
    lam, a, W, prog = parse_problem(ds, lam, a, W, prog)
    n, m = ds.n, len(a)
    rows = [list(x) for x in prog.arr.rows_exact]
    y = list(ds.y_exact)
    f = exact_fit(rows, a, W)
    r = [yi - fi for yi, fi in zip(y, f)]
    value = _dot(r, r) / n + lam * (_dot(a, a) + sum(_dot(w, w) for w in W))
    nl = n * lam
    close = []  # (check, detail) that were too close to call
    checks = {}

    def result(verdict, cert, reason):
        return NetworkVerdict(Verdict(verdict), float(value), value, cert, reason, checks)

    # 1. balance
    worst = None
    for j in range(m):
        ww = _dot(W[j], W[j])
        delta = a[j] * a[j] - ww
        if delta != 0:
            rel = _rel(delta, a[j] * a[j] + ww)
            if rel > tol and (worst is None or rel > worst[0]):
                worst = (rel, j, delta, ww)
            elif rel <= tol:
                close.append(("balance", f"neuron {j}: a^2 - |w|^2 = {float(delta):.3g} (relative {rel:.2g})"))
    checks["balance"] = "failed" if worst else ("too_close" if any(c[0] == "balance" for c in close) else "ok")
    if worst:
        _, j, delta, ww = worst
        s = 1 if delta > 0 else -1  # grow w, shrink a if a^2 > |w|^2
        cert = {"type": CertificateKind.IMBALANCE, "neuron": j, "a_sq": a[j] * a[j], "w_sq": ww,
                "path": "a_j -> a_j exp(-s t), w_j -> w_j exp(s t); f is unchanged",
                "s": s, "directional_derivative": 2 * lam * s * (ww - a[j] * a[j])}
        return result(Verdict.NOT_A_LOCAL_MINIMUM, cert,
                      f"neuron {j} is unbalanced (a^2 = {float(a[j] ** 2):.6g}, |w|^2 = {float(ww):.6g}); "
                      "rescaling it lowers the weight decay at fixed output")

    u = [[abs(a[j]) * v for v in W[j]] for j in range(m)]  # u_j = |a_j| w_j lies in the cell of w_j
    uu = [_dot(v, v) for v in u]
    acc = [accessible_cones(prog, a[j], W[j]) for j in range(m)]
    zero = [j for j in range(m) if uu[j] == 0]
    nonzero = [j for j in range(m) if uu[j] != 0]

    # 2. same-sign neurons in one closed cone are parallel
    checks["parallel"] = "ok"
    for ji, j in enumerate(nonzero):
        for k in nonzero[ji + 1:]:
            if (a[j] > 0) != (a[k] > 0):
                continue
            shared = sorted(set(acc[j]) & set(acc[k]))
            if not shared:
                continue
            dot = _dot(u[j], u[k])
            if dot > 0 and dot * dot == uu[j] * uu[k]:
                continue
            rel = 1 - float(dot * dot / (uu[j] * uu[k])) if dot > 0 else 1.0
            if rel <= tol:
                close.append(("parallel", f"neurons {j},{k}: 1 - cos^2 = {rel:.2g}"))
                checks["parallel"] = "too_close"
                continue
            checks["parallel"] = "failed"
            # d/dt [|u_j + t u_k| + (1 - t)|u_k|] at 0 = dot/|u_j| - |u_k| < 0 (Cauchy-Schwarz)
            cert = {"type": CertificateKind.NON_PARALLEL_IN_CONE, "neurons": [j, k], "cone": shared[0],
                    "path": "u_j(t) = u_j + t u_k, u_k(t) = (1 - t) u_k inside the closed cone: "
                            "f is unchanged and sum |u| decreases",
                    "dot": dot, "norm_sq": [uu[j], uu[k]],
                    "directional_derivative_sign": -1}
            return result(Verdict.NOT_A_LOCAL_MINIMUM, cert,
                          f"neurons {j} and {k} share signed cone {shared[0]} but are not parallel")

    # 3. KKT per (neuron, accessible cone)
    def b_of(c):
        D = prog.patterns[cone_cell(c)]
        s = cone_sign(c)
        return [s * sum((r[i] * rows[i][t] for i in range(n) if D[i]), Fraction(0)) for t in range(ds.dim)]

    checks["kkt"] = "ok"
    for j in nonzero:
        # radial condition b . u = n lam |u| (same for every accessible cone)
        c0 = acc[j][0]
        b0 = b_of(c0)
        beta = _dot(b0, u[j])
        radial = sign_p_plus_q_sqrt(-beta, nl, uu[j])  # sign of n lam |u| - b.u
        if radial != 0:
            # |b.u - n lam |u|| / (n lam |u|), from the exact ratio (b.u)^2 / (n lam |u|)^2
            cos = (1 if beta > 0 else -1) * math.sqrt(float(beta * beta / (nl * nl * uu[j]))) if beta else 0.0
            rel = abs(cos - 1.0)
            if rel > tol:
                checks["kkt"] = "failed"
                cert = {"type": CertificateKind.RADIAL, "neuron": j,
                        "path": "scale u_j by (1 + s t)", "s": -radial,
                        "b_dot_u": beta, "n_lam": nl, "u_norm_sq": uu[j],
                        "directional_derivative_sign": -1}
                return result(Verdict.NOT_A_LOCAL_MINIMUM, cert,
                              f"neuron {j}: b.u != n lam |u| (ratio {cos:.6g}); "
                              f"{'growing' if radial < 0 else 'shrinking'} it lowers L")
            close.append(("kkt_radial", f"neuron {j}: relative margin {rel:.2g}"))
            checks["kkt"] = "too_close"
        for c in acc[j]:
            out = _kkt_in_cone(prog, rows, r, u[j], uu[j], c, b_of(c), nl, tol, radial == 0)
            if out is None:
                continue
            kind, info = out
            if kind == "close":
                close.append(("kkt", f"neuron {j}, cone {c}: {info}"))
                checks["kkt"] = "too_close"
                continue
            checks["kkt"] = "failed"
            info.update({"type": CertificateKind.KKT_VIOLATION, "neuron": j, "cone": c})
            return result(Verdict.NOT_A_LOCAL_MINIMUM, info,
                          f"neuron {j}: the KKT conditions fail in accessible signed cone {c}; "
                          "moving u_j along 'direction_u' (staying in that closed cone) lowers L")

    # 4. zero neurons: the global dual condition
    global_exact = None
    if zero:
        rf = np.array([float(v) for v in r])
        viol = prog.scan(rf, tol=tol)
        for val, c in viol:
            cert = _grow_certificate(prog, rows, r, c, nl)
            if cert is not None:
                checks["zero_neuron"] = "failed"
                cert.update({"type": CertificateKind.ZERO_NEURON_CAN_GROW, "neuron": zero[0], "cone": c})
                return result(Verdict.NOT_A_LOCAL_MINIMUM, cert,
                              f"neuron {zero[0]} is zero and can grow in signed cone {c} "
                              f"(dual norm {val:.6g} > n lam = {float(nl):.6g})")
        global_exact = _exact_dual_feasible(prog, r)
        if global_exact:
            checks["zero_neuron"] = "ok"
        else:
            checks["zero_neuron"] = "too_close"
            close.append(("zero_neuron", "the dual condition max |r^T relu(Xw)| <= n lam holds in "
                                         "floats but could not be verified exactly"))

    if close:
        names = sorted({c[0] for c in close})
        why = (f"check(s) {', '.join(names)} too close to call at tol={tol:g}: "
               + "; ".join(d for _, d in close[:3]))
        cert = {"too_close": [f"{c}: {d}" for c, d in close]}
        return result(Verdict.UNDECIDED, cert, why)

    # it is a local minimum; global or spurious?
    if global_exact is None:
        global_exact = _exact_dual_feasible(prog, r)
    if global_exact:
        checks["global"] = "exact_dual"
        cert = {"type": CertificateKind.EXACT_DUAL, "residual": r,
                "statement": "r = y - f satisfies max_{|w|<=1} |r^T relu(Xw)| <= n lam exactly for all "
                             "K signed cones, so u(theta) solves the convex programme: L = V* <= L*_m"}
        return result(Verdict.GLOBAL_MINIMUM, cert, "local minimum whose residual is exactly dual feasible")
    try:
        wm = prog.width_optimum(m, max_programs=max_programs)
    except TooLargeError as exc:
        return result(Verdict.UNDECIDED, {"local_minimum": True},
                      f"a local minimum, but L*_m cannot be computed: {exc}")
    cert = {"L_star_m_lower": wm.lower, "L_star_m_upper": wm.upper, "method": wm.method,
            "local_minimum": True}
    if value > wm.upper:  # wm.upper is proven whatever the solver statuses
        cert["type"] = CertificateKind.EXACT_LOCAL_MINIMUM
        return result(Verdict.SPURIOUS_LOCAL_MINIMUM, cert,
                      f"local minimum with L = {float(value):.10g} > L*_{m}, proven <= {float(wm.upper):.10g}")
    if not wm.certified:
        return result(Verdict.UNDECIDED, cert, f"a local minimum, but L*_{m} is uncertified: {wm.reason}")
    if gap_ok(wm.lower, value, scale=prog.gap_scale):
        cert["type"] = CertificateKind.EXACT_LOCAL_MINIMUM
        return result(Verdict.GLOBAL_MINIMUM, cert,
                      f"local minimum with L within the certified bounds of L*_{m}")
    return result(Verdict.UNDECIDED, cert, "a local minimum whose value is too close to L*_m to separate")


def _kkt_in_cone(prog, rows, r, u, uu, c, b, nl, tol, radial_exact):
    """None if KKT holds exactly in cone c; ("close", text) or ("fail", certificate)."""
    n, dim = prog.n, prog.dim
    D = prog.patterns[cone_cell(c)]
    act = [i for i in range(n) if any(rows[i]) and _dot(rows[i], u) == 0]
    bf = np.array([float(v) for v in b])
    g = float(nl) * _unit_float(u) - bf
    scale = float(nl) + np.linalg.norm(bf)
    Gf = np.array([[float(v) * (1 if D[i] else -1) for v in rows[i]] for i in act]).reshape(len(act), dim)
    if len(act):
        mu, res = nnls(Gf.T, g)
        resv = g - Gf.T @ mu
    else:
        mu, res, resv = np.zeros(0), float(np.linalg.norm(g)), g
    if res > tol * scale:
        # descent direction delta = -res: G_A delta >= 0 and g . delta < 0
        di, k = to_grid(-resv)
        delta = [Fraction(v, 1 << k) if k >= 0 else Fraction(v * (1 << -k)) for v in di]
        need = Fraction(0)
        p = None
        for idx, i in enumerate(act):
            gi = (1 if D[i] else -1) * _dot(rows[i], delta)
            if gi < 0:
                if p is None:
                    p = list(prog.arr.witness(cone_cell(c)))
                gp = (1 if D[i] else -1) * _dot(rows[i], p)
                need = max(need, -gi / gp)
        if need:
            delta = [dv + need * pv for dv, pv in zip(delta, p)]
        # sign of g . delta = n lam (u.delta)/|u| - b.delta  = p0 + q0 sqrt(1/uu)
        sgn = sign_p_plus_q_sqrt(-_dot(b, delta), nl * _dot(u, delta), 1 / uu)
        ok_cone = all((1 if D[i] else -1) * _dot(rows[i], delta) >= 0 for i in act)
        if sgn < 0 and ok_cone:
            return "fail", {"direction_u": [str(v) for v in delta],
                            "path": "u_j(t) = u_j + t delta stays in the closed cone for small t > 0",
                            "directional_derivative_sign": -1,
                            "directional_derivative_approx": 2.0 / n * float(g @ np.array([float(v) for v in delta]))}
        return "close", f"NNLS residual {res:.3g} but the descent direction did not verify exactly"
    if not radial_exact:
        return None  # already recorded as too close
    # exact: g = n lam u / rho - b with rho = b.u / (n lam) rational
    rho = _dot(b, u) / nl
    gq = [nl * v / rho - bv for v, bv in zip(u, b)]
    if not any(gq):
        return None
    supp = [idx for idx in range(len(act)) if mu[idx] > 1e-12 * scale] if len(act) else []
    if supp:
        M = _fq_mat([[(1 if D[act[idx]] else -1) * rows[act[idx]][t] for idx in supp] for t in range(dim)])
        sol = _particular_solution(M, gq)
        if sol is not None and all(v >= 0 for v in sol):
            return None
    return "close", f"KKT residual {res:.3g} is below tol but no exact multiplier was found"


def _grow_certificate(prog, rows, r, c, nl):
    """Exact certificate that a zero neuron can grow into cone c, or None."""
    n, dim = prog.n, prog.dim
    D = prog.patterns[cone_cell(c)]
    s = cone_sign(c)
    b = [s * sum((r[i] * rows[i][t] for i in range(n) if D[i]), Fraction(0)) for t in range(dim)]
    bf = np.array([float(v) for v in b])
    val, frows, mu = prog.cone_dual_value(c, bf)
    res = bf + (prog.G(c, frows).T @ mu if len(frows) else 0)
    di, k = to_grid(res)
    delta = [Fraction(v, 1 << k) if k >= 0 else Fraction(v * (1 << -k)) for v in di]
    p = list(prog.arr.witness(cone_cell(c)))
    need = Fraction(0)
    for i in range(n):
        if not any(rows[i]):
            continue
        gi = (1 if D[i] else -1) * _dot(rows[i], delta)
        if gi < 0:
            gp = (1 if D[i] else -1) * _dot(rows[i], p)
            need = max(need, -gi / gp)
    delta = [dv + need * pv for dv, pv in zip(delta, p)]
    if not all((1 if D[i] else -1) * _dot(rows[i], delta) >= 0 for i in range(n)):
        return None
    bd = _dot(b, delta)
    if bd > 0 and bd * bd > nl * nl * _dot(delta, delta):
        return {"direction_u": [str(v) for v in delta],
                "path": "add a neuron u(t) = t delta (a = s sqrt|u|, w = u/sqrt|u|)",
                "b_dot_delta": bd, "n_lam_norm_delta_sq": nl * nl * _dot(delta, delta),
                "directional_derivative_sign": -1}
    return None


def _exact_dual_feasible(prog, r):
    """Exactly: does ``r`` satisfy ``max_{|w|<=1} s r^T D X w <= n lam`` for all K cones?"""
    den = 1
    for v in r:
        den = math.lcm(den, v.denominator)
    rn = [int(v * den) for v in r]
    rf = np.array([float(v) for v in r])
    Nmax = prog._all_cones_dual(rn, den, rf, {})
    return Nmax <= (prog.n * prog.lam) ** 2


