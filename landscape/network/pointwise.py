"""Exact local-minimum test for a given network (MATH.md section 4).

``check_network(ds, lam, a, W)`` decides whether the *exact rational* network ``(a, W)``
(floats convert exactly; text such as ``"2/3"`` is read exactly) is a local minimum of

    L(a, W) = (1/n) sum_i (sum_j a_j relu(w_j . x_i) - y_i)^2 + lam (|a|^2 + |W|_F^2).

Let ``u_j = |a_j| w_j`` (in the cell of ``w_j``; the sign is the cone's).  The network is a local minimum iff (Pilanci & Ergen 2020; cf. Wang,
Lacotte & Pilanci, ICLR 2022, and MATH.md section 4):

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
check; the region optimum itself is certified with
:meth:`landscape.convex.program.RegionProgram.solve` on the network's support (:func:`network_support`).
:func:`certify_network` is the polish path for such inputs (support by exact point location,
certified ``V(S)``, bounds on ``L - V(S)``, and the exact test at the rational optimum of
``V(S)`` when it has one); ``check_network`` attaches it to an ``undecided`` verdict after
asking the region certificate hook :func:`_region_fallback`.
Note that an exact local minimum with rational data may need irrational weights (e.g.
``|u| = (|y_+| - n lam)`` with ``|y_+|`` irrational), in which case no rational input
can pass the exact test and ``undecided`` is the honest answer.

Examples
--------
>>> from landscape.data import Dataset
>>> ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, -1])
>>> check_network(ds, "5/18", ["2/3", "-2/3"], [["2/3", 0], [0, "2/3"]]).verdict
'global_minimum'
>>> v = check_network(Dataset.from_arrays([[1, 0], [0, 1]], [1, 1]), "5/18", ["2/3"], [["2/3", 0]])
>>> v.verdict, v.certificate["type"]        # on a boundary, can rotate to fit x2 too
('not_a_local_minimum', 'kkt_violation')
>>> is_stationary(Dataset.from_arrays([[1, 0], [0, 1]], [1, 1]), "5/18", ["2/3"], [["2/3", 0]])
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from scipy.optimize import nnls

from ..exact.arithmetic import GAP_TOL, gap_ok, sign_p_plus_q_sqrt, to_grid
from ..convex.program import RegionProgram
from ..data import parse_lam
from ..geometry.cones import cone_cell, cone_sign
from ..data import parse_rational
from ..errors import InputError, TooLargeError

__all__ = ["Verdict", "check_network", "is_stationary", "parse_network", "network_support",
           "load_network", "certify_network", "NetworkCertificate"]

VERDICTS = ("global_minimum", "spurious_local_minimum", "not_a_local_minimum", "undecided")


@dataclass
class Verdict:
    """Result of :func:`check_network`.

    ``verdict`` is one of ``global_minimum``, ``spurious_local_minimum``,
    ``not_a_local_minimum`` or ``undecided``; ``value`` is the float of the exact loss
    ``value_exact``; ``certificate`` is a JSON-ready dict (for ``not_a_local_minimum`` a
    descent direction with its exact directional-derivative sign); ``reason`` explains.
    """

    verdict: str
    value: float
    value_exact: Fraction
    certificate: dict
    reason: str
    checks: dict = field(default_factory=dict)

    def to_json_obj(self) -> dict:
        return {"verdict": self.verdict, "value": self.value, "value_exact": self.value_exact,
                "certificate": self.certificate, "reason": self.reason, "checks": self.checks}


# ---------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------


def parse_network(ds, a, W):
    """Exact ``(a, W)`` (lists of Fractions) with shapes checked against ``ds``.

    >>> from landscape.data import Dataset
    >>> parse_network(Dataset.from_arrays([[1, 2]], [1]), [1], [[1, 2, 3]])
    Traceback (most recent call last):
    ...
    landscape.errors.InputError: W row 0 has 3 entries but the data has dim = 2 (d = 2, no bias)
    """
    if isinstance(a, (str, bytes)) or not hasattr(a, "__iter__"):
        raise InputError("a must be a list of numbers")
    a = [parse_rational(v, f"a[{j}]") for j, v in enumerate(list(a))]
    if isinstance(W, np.ndarray) and W.ndim == 1 and len(a) == 1:
        W = [W]
    if isinstance(W, (str, bytes)) or not hasattr(W, "__iter__"):
        raise InputError("W must be a list of rows")
    W = [list(r) if hasattr(r, "__iter__") and not isinstance(r, (str, bytes)) else None for r in W]
    if len(a) == 0:
        raise InputError("the network has no neurons (a is empty)")
    if len(W) != len(a):
        raise InputError(f"a has {len(a)} entries but W has {len(W)} rows")
    bias = "with bias" if ds.bias else "no bias"
    out = []
    for j, row in enumerate(W):
        if row is None:
            raise InputError(f"W row {j} is not a list of numbers")
        if len(row) != ds.dim:
            raise InputError(f"W row {j} has {len(row)} entries but the data has dim = {ds.dim} "
                             f"(d = {ds.d}, {bias})")
        out.append([parse_rational(v, f"W[{j}][{i}]") for i, v in enumerate(row)])
    return a, out


def load_network(path):
    """Read ``{"a": [...], "W": [[...]], "lam": optional}`` exactly from a JSON file."""
    import json
    import os

    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    try:
        with open(path, encoding="utf-8") as fh:
            obj = json.load(fh, parse_float=Fraction,
                            parse_constant=lambda c: (_ for _ in ()).throw(
                                InputError(f"non-finite value {c} (NaN or inf)")))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: invalid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(obj, dict) or "a" not in obj or "W" not in obj:
        raise InputError(f"{path}: expected a JSON object with keys 'a' and 'W'")
    return obj["a"], obj["W"], obj.get("lam")


# ---------------------------------------------------------------------------
# Exact helpers
# ---------------------------------------------------------------------------


def _dot(x, y):
    return sum((p * q for p, q in zip(x, y)), Fraction(0))


def _fit(rows, a, W):
    return [sum((aj * max(_dot(x, w), Fraction(0)) for aj, w in zip(a, W)), Fraction(0)) for x in rows]


def _accessible(prog, a_j, w_j):
    if a_j == 0 and not any(w_j):
        return list(range(prog.K))
    s = 0 if a_j > 0 else 1
    return [2 * cell + s for cell in prog.arr.closed_cells(w_j)]


def network_support(ds, a, W, prog=None):
    """Signed cones of the neurons of ``(a, W)`` whose open cell contains ``w_j`` (None on a
    hyperplane or for a zero neuron); feed the non-None ones to ``RegionProgram.solve``."""
    a, W = parse_network(ds, a, W)
    prog = prog or RegionProgram(ds, 1)
    out = []
    for aj, wj in zip(a, W):
        cell = prog.arr.locate(wj) if aj != 0 and any(wj) else None
        out.append(None if cell is None else 2 * cell + (0 if aj > 0 else 1))
    return out


def _rel(x, scale):
    return abs(float(x)) / max(float(scale), 1e-300)


# ---------------------------------------------------------------------------
# The test
# ---------------------------------------------------------------------------


def check_network(ds, lam, a, W, tol=1e-9, prog=None, max_programs=20000, fallback=True) -> Verdict:
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
    fallback : bool
        When the exact test is ``undecided`` because checks are too close to call (a float
        near-minimum), first ask for a region-level certificate (:func:`_region_fallback`,
        which may return a verdict about the network's open region), else attach
        :func:`certify_network` (certified ``V(S)`` on the network's support, and the exact
        test at the rational optimum when there is one) to the ``undecided`` verdict.  The
        pointwise verdict is never upgraded without a certificate.
    """
    lam = parse_lam(lam)
    a, W = parse_network(ds, a, W)
    prog = prog or RegionProgram(ds, lam)
    if prog.lam != lam:
        raise InputError("prog was built for a different lam")
    n, m = ds.n, len(a)
    rows = [list(x) for x in prog.arr.rows_exact]
    y = list(ds.y_exact)
    f = _fit(rows, a, W)
    r = [yi - fi for yi, fi in zip(y, f)]
    value = _dot(r, r) / n + lam * (_dot(a, a) + sum(_dot(w, w) for w in W))
    nl = n * lam
    close = []  # (check, detail) that were too close to call
    checks = {}

    def result(verdict, cert, reason):
        return Verdict(verdict, float(value), value, cert, reason, checks)

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
        cert = {"type": "imbalance", "neuron": j, "a_sq": a[j] * a[j], "w_sq": ww,
                "path": "a_j -> a_j exp(-s t), w_j -> w_j exp(s t); f is unchanged",
                "s": s, "directional_derivative": 2 * lam * s * (ww - a[j] * a[j])}
        return result("not_a_local_minimum", cert,
                      f"neuron {j} is unbalanced (a^2 = {float(a[j] ** 2):.6g}, |w|^2 = {float(ww):.6g}); "
                      "rescaling it lowers the weight decay at fixed output")

    u = [[abs(a[j]) * v for v in W[j]] for j in range(m)]  # u_j = |a_j| w_j lies in the cell of w_j
    uu = [_dot(v, v) for v in u]
    acc = [_accessible(prog, a[j], W[j]) for j in range(m)]
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
            rel = 1 - (float(dot) ** 2 / (float(uu[j]) * float(uu[k]))) if dot > 0 else 1.0
            if rel <= tol:
                close.append(("parallel", f"neurons {j},{k}: 1 - cos^2 = {rel:.2g}"))
                checks["parallel"] = "too_close"
                continue
            checks["parallel"] = "failed"
            # d/dt [|u_j + t u_k| + (1 - t)|u_k|] at 0 = dot/|u_j| - |u_k| < 0 (Cauchy-Schwarz)
            cert = {"type": "non_parallel_in_cone", "neurons": [j, k], "cone": shared[0],
                    "path": "u_j(t) = u_j + t u_k, u_k(t) = (1 - t) u_k inside the closed cone: "
                            "f is unchanged and sum |u| decreases",
                    "dot": dot, "norm_sq": [uu[j], uu[k]],
                    "directional_derivative_sign": -1}
            return result("not_a_local_minimum", cert,
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
            rel = abs(float(beta) - float(nl) * float(uu[j]) ** 0.5) / (float(nl) * float(uu[j]) ** 0.5)
            if rel > tol:
                checks["kkt"] = "failed"
                cert = {"type": "radial", "neuron": j,
                        "path": "scale u_j by (1 + s t)", "s": -radial,
                        "b_dot_u": beta, "n_lam": nl, "u_norm_sq": uu[j],
                        "directional_derivative_sign": -1}
                return result("not_a_local_minimum", cert,
                              f"neuron {j}: b.u = {float(beta):.6g} != n lam |u| = "
                              f"{float(nl) * float(uu[j]) ** 0.5:.6g}; "
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
            info.update({"type": "kkt_violation", "neuron": j, "cone": c})
            return result("not_a_local_minimum", info,
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
                cert.update({"type": "zero_neuron_can_grow", "neuron": zero[0], "cone": c})
                return result("not_a_local_minimum", cert,
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
        if fallback:
            rv = _region_fallback(ds, lam, a, W, prog)
            if rv is not None:
                rv.reason = f"{rv.reason} [pointwise exact test undecided: {why}]"
                rv.checks = {**checks, **rv.checks, "region_fallback": rv.verdict}
                return rv
            try:
                nc = certify_network(ds, lam, a, W, prog=prog)
            except TooLargeError as exc:
                nc = None
                why += f"; polish skipped: {exc}"
            if nc is not None:
                cert["polish"] = nc.to_json_obj()
                why += "; " + nc.summary
        return result("undecided", cert, why)

    # it is a local minimum; global or spurious?
    if global_exact is None:
        global_exact = _exact_dual_feasible(prog, r)
    if global_exact:
        checks["global"] = "exact_dual"
        cert = {"type": "exact_dual", "residual": r,
                "statement": "r = y - f satisfies max_{|w|<=1} |r^T relu(Xw)| <= n lam exactly for all "
                             "K signed cones, so u(theta) solves the convex programme: L = V* <= L*_m"}
        return result("global_minimum", cert, "local minimum whose residual is exactly dual feasible")
    try:
        wm = prog.width_optimum(m, max_programs=max_programs)
    except TooLargeError as exc:
        return result("undecided", {"local_minimum": True},
                      f"a local minimum, but L*_m cannot be computed: {exc}")
    cert = {"L_star_m_lower": wm.lower, "L_star_m_upper": wm.upper, "method": wm.method,
            "local_minimum": True}
    if not wm.certified:
        return result("undecided", cert, f"a local minimum, but L*_{m} is uncertified: {wm.reason}")
    if value > wm.upper:
        cert["type"] = "spurious"
        return result("spurious_local_minimum", cert,
                      f"local minimum with L = {float(value):.10g} > certified L*_{m} <= {float(wm.upper):.10g}")
    if gap_ok(wm.lower, value):
        cert["type"] = "within_bounds"
        return result("global_minimum", cert,
                      f"local minimum with L within the certified bounds of L*_{m} (gap <= {GAP_TOL:g} (1+|L|))")
    return result("undecided", cert, "a local minimum whose value is too close to L*_m to separate")


def _kkt_in_cone(prog, rows, r, u, uu, c, b, nl, tol, radial_exact):
    """None if KKT holds exactly in cone c; ("close", text) or ("fail", certificate)."""
    n, dim = prog.n, prog.dim
    D = prog.patterns[cone_cell(c)]
    act = [i for i in range(n) if any(rows[i]) and _dot(rows[i], u) == 0]
    uf = np.array([float(v) for v in u])
    bf = np.array([float(v) for v in b])
    g = float(nl) * uf / np.linalg.norm(uf) - bf
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
        from ..convex.program import _fq_mat, _particular_solution

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
    import math

    den = 1
    for v in r:
        den = math.lcm(den, v.denominator)
    rn = [int(v * den) for v in r]
    rf = np.array([float(v) for v in r])
    Nmax = prog._all_cones_dual(rn, den, rf, {})
    return Nmax <= (prog.n * prog.lam) ** 2


def is_stationary(ds, lam, a, W, tol=1e-9, prog=None) -> bool:
    """One-sided stationarity, the kind of test the authors' code applies.

    True if every nonzero neuron has an accessible cone in which the one-sided gradient of
    ``L`` vanishes (``s_c X^T D_c r = n lam u_j/|u_j|``, float tolerance ``tol``) and the
    network is balanced; zero neurons always have zero gradient.  This implies Clarke
    stationarity (``0`` is in the Clarke subdifferential) but not a local minimum: see the
    module examples, where a neuron on a hyperplane is stationary from one side yet can
    rotate across it (Wang, Lacotte & Pilanci, ICLR 2022).
    """
    lam = parse_lam(lam)
    a, W = parse_network(ds, a, W)
    prog = prog or RegionProgram(ds, lam)
    X, y = prog.X, prog.y
    af = np.array([float(v) for v in a])
    Wf = np.array([[float(v) for v in w] for w in W])
    r = y - np.maximum(X @ Wf.T, 0) @ af
    nl = ds.n * float(lam)
    for j in range(len(a)):
        if af[j] == 0 and not np.any(Wf[j]):
            continue
        if abs(af[j] ** 2 - Wf[j] @ Wf[j]) > tol * (af[j] ** 2 + Wf[j] @ Wf[j]):
            return False
        u = abs(af[j]) * Wf[j]
        e = u / np.linalg.norm(u)
        ok = False
        for c in _accessible(prog, a[j], W[j]):
            b = cone_sign(c) * (prog.patterns[cone_cell(c)] * r) @ X
            if np.linalg.norm(nl * e - b) <= tol * (nl + np.linalg.norm(b)):
                ok = True
                break
        if not ok:
            return False
    return True


# ---------------------------------------------------------------------------
# Polish path for float networks
# ---------------------------------------------------------------------------

#: relative distance ``|x_i . w| / (|x_i| |w|)`` below which a neuron is reported near a facet
NEAR_FACET = 1e-7

_IN_FALLBACK = []


def _region_fallback(ds, lam, a, W, prog):
    """Region-level verdict for a float near-minimum, or None.

    Hook for :func:`landscape.regions.verdict.region_verdict` (the region certificate for interior
    minima): returns its :class:`Verdict` when it certifies one, None when it does not
    apply, when ``regions.region_verdict`` does not exist, or when the region's ``L*_m``
    is too large to compute.  Re-entrant calls (a region certificate that itself calls
    :func:`check_network`) return None.
    """
    if _IN_FALLBACK:
        return None
    try:
        from ..regions.verdict import region_verdict
    except ImportError:
        return None
    _IN_FALLBACK.append(True)
    try:
        return region_verdict(ds, lam, a, W, prog=prog)
    except TooLargeError:
        return None
    finally:
        _IN_FALLBACK.pop()


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
    optimum_verdict : Verdict or None
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
    optimum_verdict: Verdict | None
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
       the network is in the closed region, MATH.md section 3).
    3. If the certified optimum has a short rational balanced form, :func:`check_network`
       runs on it exactly (``optimum_verdict``); otherwise the summary says that the
       pointwise exact test cannot certify an (apparently) irrational optimum.

    Nothing here makes the input network itself a certified minimum.

    Examples
    --------
    >>> from landscape.data import Dataset
    >>> ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, -1])
    >>> nc = certify_network(ds, "5/18", [0.6666666666, -0.6666666667], [[0.6666666667, 0], [0, 0.6666666666]])
    >>> nc.region.certified, nc.optimum, nc.optimum_verdict.verdict
    (True, ([Fraction(2, 3), Fraction(-2, 3)], [[Fraction(2, 3), Fraction(0, 1)], [Fraction(0, 1), Fraction(2, 3)]]), 'global_minimum')
    >>> lo, hi = nc.excess_bounds
    >>> 0 < float(hi) < 1e-9
    True
    """
    lam = parse_lam(lam)
    a, W = parse_network(ds, a, W)
    prog = prog or RegionProgram(ds, lam)
    if prog.lam != lam:
        raise InputError("prog was built for a different lam")
    rows = [list(x) for x in prog.arr.rows_exact]
    Xf = prog.X
    neurons, choices = [], []
    for j, (aj, wj) in enumerate(zip(a, W)):
        if aj == 0 or not any(wj):
            neurons.append({"neuron": j, "cone": None, "zero": True})
            continue
        acc = _accessible(prog, aj, wj)
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
    f = _fit(rows, a, W)
    loss = sum(((fi - yi) ** 2 for fi, yi in zip(f, ds.y_exact)), Fraction(0)) / ds.n + \
        lam * (_dot(a, a) + sum(_dot(w, w) for w in W))
    alternatives = []
    if any(len(ch) > 1 for ch in choices):
        import itertools

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
        from ..regions.counterexample import rational_network

        oa, oW = opt.network
        exact = rational_network(oa, oW) if len(oa) else None
        if exact is not None:
            optimum = exact
            verdict = check_network(ds, lam, exact[0], exact[1], prog=prog, fallback=False)
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
