"""Certified convex programmes: ``V(S)``, the global optimum ``V*``, ``L*_m`` and the
min-norm interpolator (MATH.md sections 1 and 3).

For a set ``S`` of signed cones (cone ``c`` = cell ``c // 2`` with sign ``+1`` if ``c`` is
even, ``-1`` if odd) the restricted programme is (Pilanci & Ergen, ICML 2020)::

    V(S) = min  (1/n) | sum_c s_c D_c X u_c - y |^2 + 2 lam sum_c |u_c|
           s.t. G_c u_c >= 0,   G_c = diag(2 D_c - 1) X.

A solver (Clarabel, called directly on a cached conic form, or any cvxpy solver) only
produces a *candidate*; every returned value carries exact rational bounds
``lower <= V(S) <= upper`` proven by :mod:`landscape.certificates`, and ``certified`` is
True only for an optimal solver status with ``upper - lower <= 1e-9 (1 + |upper|)``.

The optimum maps to a balanced network with one neuron per used cone,
``a_c = s_c sqrt|u_c|`` and ``w_c = u_c / sqrt|u_c|``, whose training loss
``(1/n) sum (f - y)^2 + lam (|a|^2 + |W|_F^2)`` equals the programme's value.

Examples
--------
>>> from landscape.data import Dataset
>>> ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, -1])
>>> prog = RegionProgram(ds, "5/18")
>>> opt = prog.global_optimum()
>>> opt.certified, round(opt.value, 9)           # two neurons, each fits 1 - 2 lam = 4/9
(True, 0.802469136)
>>> len(opt.cones_used)
2
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import scipy.sparse as sp
from scipy.optimize import nnls

from .certificates import (GAP_TOL, ExactData, _isqrt_ceil, gap_ok, sqrt_upper, to_grid)
from .errors import InputError, TooLargeError

__all__ = [
    "RegionProgram",
    "RegionOptimum",
    "WidthOptimum",
    "Interpolator",
    "min_norm_interpolator",
    "cone_sign",
    "cone_cell",
    "parse_lam",
    "network_loss",
]

#: candidate weights below this fraction of the largest are treated as zero
_ZERO_REL = 1e-9


def cone_sign(c: int) -> int:
    """Sign of signed cone ``c``: ``+1`` for even ``c``, ``-1`` for odd.

    >>> cone_sign(4), cone_sign(5), cone_cell(5)
    (1, -1, 2)
    """
    return 1 if c % 2 == 0 else -1


def cone_cell(c: int) -> int:
    """Cell of signed cone ``c`` (``c // 2``)."""
    return c // 2


def parse_lam(lam, allow_zero=False) -> Fraction:
    """Exact, validated regularisation strength.

    >>> parse_lam("0.01")
    Fraction(1, 100)
    >>> parse_lam(-1)
    Traceback (most recent call last):
    ...
    landscape.errors.InputError: lam must be >= 0, got -1
    """
    from .data import parse_rational

    q = parse_rational(lam, "lam")
    if q < 0:
        raise InputError(f"lam must be >= 0, got {q}")
    if q == 0 and not allow_zero:
        raise InputError("lam = 0 is not a regularised problem; use `landscape interpolate` "
                         "(min_norm_interpolator) for the lam -> 0 limit")
    return q


def network_loss(ds, lam, a, W) -> float:
    """Float training loss ``(1/n) |f - y|^2 + lam (|a|^2 + |W|_F^2)`` (MATH.md section 1).

    >>> from landscape.data import Dataset
    >>> ds = Dataset.from_arrays([[1, 0]], [1])
    >>> network_loss(ds, 0.1, [1.0], [[1.0, 0.0]])
    0.2
    """
    X = ds.features
    a = np.asarray(a, dtype=float)
    W = np.asarray(W, dtype=float).reshape(len(a), -1)
    f = np.maximum(X @ W.T, 0.0) @ a
    return float(np.mean((f - ds.y) ** 2) + float(lam) * (a @ a + np.sum(W * W)))


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass
class RegionOptimum:
    """Certified optimum of ``V(S)`` for one set of signed cones.

    Attributes
    ----------
    cones : tuple of int
        The set ``S``.
    value : float
        Objective of the returned (rational) point; a candidate, see ``lower``/``upper``.
    lower, upper : Fraction
        Proven bounds ``lower <= V(S) <= upper``.
    certified : bool
        Optimal solver status and exact gap within :data:`~landscape.certificates.GAP_TOL`.
    status : str
        ``"optimal"``, ``"optimal_inaccurate"`` or the solver's failure status.
    u : dict
        cone -> float vector ``u_c`` (the rational point, rounded to floats).
    u_exact : dict
        cone -> tuple of Fraction, the rational primal point behind ``upper``.
    mu : dict
        cone -> float cone multipliers ``mu_c >= 0`` of the dual certificate.
    residual : np.ndarray
        ``r = y - f`` at the returned point.
    """

    cones: tuple
    value: float
    lower: Fraction
    upper: Fraction
    certified: bool
    status: str
    reason: str
    u: dict
    u_exact: dict
    mu: dict
    residual: np.ndarray
    fitted: np.ndarray
    solver: str
    lam: Fraction
    dual_scale: Fraction = Fraction(1)
    method: str = "direct"
    iterations: int = 1

    @property
    def gap(self) -> Fraction:
        return self.upper - self.lower

    @property
    def cones_used(self) -> list:
        """Cones with ``u_c != 0`` (exactly, at the rational point)."""
        return [c for c in self.cones if any(v != 0 for v in self.u_exact.get(c, ()))]

    @property
    def network(self):
        """Balanced network ``(a, W)`` (numpy), one neuron per used cone (merged)."""
        used = self.cones_used
        if not used:
            dim = len(next(iter(self.u.values()))) if self.u else 0
            return np.zeros(0), np.zeros((0, dim))
        a, W = [], []
        for c in used:
            u = self.u[c]
            nu = float(np.linalg.norm(u))
            a.append(cone_sign(c) * math.sqrt(nu))
            W.append(u / math.sqrt(nu))
        return np.array(a), np.array(W)

    def to_json_obj(self) -> dict:
        a, W = self.network
        return {
            "value": self.value,
            "lower": self.lower,
            "upper": self.upper,
            "gap": float(self.upper - self.lower),
            "certified": self.certified,
            "status": self.status,
            "reason": self.reason,
            "lam": self.lam,
            "network": {"a": a.tolist(), "W": W.tolist()},
            "residual": self.residual.tolist(),
            "cones": list(self.cones) if len(self.cones) <= 1000 else None,
            "cones_used": self.cones_used,
            "u": {str(c): self.u[c].tolist() for c in self.cones_used},
            "solver": self.solver,
            "method": self.method,
        }


@dataclass
class WidthOptimum:
    """``L*_m = min_{|S| <= m} V(S)`` with proven bounds and how it was obtained.

    ``method`` is ``"equals_global"`` (``m`` is at least the support size of a certified
    convex optimum, so ``L*_m = V*``, MATH.md section 3) or ``"exact_search"`` (every
    support of size ``min(m, K)`` was solved and certified; ``V`` is monotone in ``S``).
    """

    m: int
    value: float
    lower: Fraction
    upper: Fraction
    certified: bool
    status: str
    reason: str
    method: str
    best: RegionOptimum
    programs: int

    def __getattr__(self, name):  # delegate network, residual, cones_used, ... to best
        if name in ("best",):
            raise AttributeError(name)
        return getattr(self.best, name)

    def to_json_obj(self) -> dict:
        obj = self.best.to_json_obj()
        obj.update({"value": self.value, "lower": self.lower, "upper": self.upper,
                    "gap": float(self.upper - self.lower), "certified": self.certified,
                    "status": self.status, "reason": self.reason, "width": self.m,
                    "method": self.method, "programs_solved": self.programs})
        return obj


# ---------------------------------------------------------------------------
# The programme
# ---------------------------------------------------------------------------


class RegionProgram:
    """Reusable structure for many ``V(S)`` solves on one dataset and one ``lam``.

    Builds (once) the cell arrangement, per-cell facet rows, the exact integer data for
    certificates, and the float blocks of the conic form; each :meth:`solve` then only
    stacks blocks and calls the solver.

    Parameters
    ----------
    ds : Dataset
    lam : Fraction, str or number
        Exact regularisation strength, ``> 0``.
    solver : str
        ``"clarabel"`` (default: Clarabel on a directly assembled conic form), ``"cvxpy"``
        (a fresh cvxpy problem solved with Clarabel) or ``"cvxpy:NAME"`` for another cvxpy
        solver (e.g. ``"cvxpy:SCS"``).
    arrangement : Arrangement, optional
        A precomputed :func:`~landscape.arrangement.enumerate_cells` of ``ds``.

    Examples
    --------
    >>> from landscape.data import Dataset
    >>> ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, 1])
    >>> prog = RegionProgram(ds, "5/18")
    >>> prog.K
    8
    >>> c = 2 * prog.cell_of_pattern("11")          # positive cone of the all-active cell
    >>> opt = prog.solve([c])
    >>> opt.certified, opt.cones_used == [c]
    (True, True)
    """

    def __init__(self, ds, lam, solver="clarabel", arrangement=None, allow_zero_lam=False):
        from .arrangement import enumerate_cells

        self.ds = ds
        self.lam = parse_lam(lam, allow_zero=allow_zero_lam)
        self.lamf = float(self.lam)
        _check_solver(solver)
        self.solver = solver
        self.arr = arrangement if arrangement is not None else enumerate_cells(ds)
        self.n, self.dim = ds.n, ds.dim
        self.P = self.arr.count
        self.K = 2 * self.P
        self.X = np.asarray(ds.features, dtype=float)
        self.y = np.asarray(ds.y, dtype=float)
        self.patterns = np.asarray(self.arr.patterns, dtype=bool)
        self.exact = ExactData(self.arr.rows_exact, ds.y_exact)
        self.nz = ~self.exact.zero_rows
        self._facets = None
        self._pat_fmpz = None
        self._witness = None

    # -- cached structure ----------------------------------------------------------
    def cell_of_pattern(self, bits: str) -> int:
        """Index of the cell with activation pattern ``bits`` (a 0/1 string)."""
        want = np.array([b == "1" for b in bits], dtype=bool)
        hits = np.nonzero(np.all(self.patterns == want[None, :], axis=1))[0]
        if len(hits) == 0:
            raise InputError(f"no cell has activation pattern {bits}")
        return int(hits[0])

    def witness_int(self, cell) -> list:
        if self._witness is None:
            self._witness = [[int(v) for v in row] for row in np.asarray(self.arr.witness_matrix).tolist()]
        return self._witness[cell]

    def facet_rows(self, cell) -> np.ndarray:
        """Row indices (one per hyperplane class) of the facets of ``cell``.

        The closed cell is ``{w : (2 D_i - 1) x_i . w >= 0 for i in facet_rows}``.
        """
        if self._facets is None:
            pairs = self.arr.adjacent_pairs()
            rc = np.asarray(self.arr.classes.row_class)
            rep = {}
            for i, c in enumerate(rc.tolist()):
                if c >= 0 and c not in rep:
                    rep[c] = i
            lists = [set() for _ in range(self.P)]
            for i, j, c in pairs.tolist():
                lists[i].add(rep[c])
                lists[j].add(rep[c])
            self._facets = [np.array(sorted(s), dtype=np.int64) for s in lists]
        return self._facets[cell]

    def G(self, c, rows=None) -> np.ndarray:
        """Float constraint matrix ``G_c`` restricted to ``rows`` (default: facet rows)."""
        cell = cone_cell(c)
        rows = self.facet_rows(cell) if rows is None else rows
        sgn = np.where(self.patterns[cell, rows], 1.0, -1.0)
        return sgn[:, None] * self.X[rows]

    def A(self, c) -> np.ndarray:
        """Float block ``s_c D_c X`` (n x dim)."""
        return cone_sign(c) * self.patterns[cone_cell(c)][:, None] * self.X

    def _validate_cones(self, cones):
        try:
            cs = sorted({int(c) for c in cones})
        except (TypeError, ValueError):
            raise InputError("cones must be integers (signed-cone indices)") from None
        for c in cs:
            if not 0 <= c < self.K:
                raise InputError(f"cone {c} out of range: there are K = {self.K} signed cones")
        return tuple(cs)

    # -- candidate solvers ---------------------------------------------------------
    def _candidate(self, cones, solver=None):
        solver = solver or self.solver
        if solver == "clarabel":
            return _clarabel_region(self, cones)
        return _cvxpy_region(self, cones, solver)

    def solve(self, cones, solver=None) -> RegionOptimum:
        """Certified optimum of ``V(S)`` for the signed cones ``S = cones``."""
        cones = self._validate_cones(cones)
        if not cones:
            return self._certify((), np.zeros((0, self.dim)), "optimal", solver or self.solver)
        U, status = self._candidate(cones, solver)
        return self._certify(cones, U, status, solver or self.solver)

    # -- dual scan ----------------------------------------------------------------
    def cone_dual_value(self, c, b):
        """``max {b . u : u in closed cone c, |u| <= 1}`` and the multipliers (NNLS).

        Returns ``(value, mu_rows, mu)`` where ``mu >= 0`` on ``mu_rows`` minimises
        ``|b + G_c^T mu|`` (value = that minimum).
        """
        rows = self.facet_rows(cone_cell(c))
        if len(rows) == 0:
            return float(np.linalg.norm(b)), rows, np.zeros(0)
        Gt = self.G(c, rows).T
        if np.all(Gt.T @ b >= 0):
            return float(np.linalg.norm(b)), rows, np.zeros(len(rows))
        mu, val = nnls(Gt, -b, maxiter=50 * max(len(rows), 10))
        return float(val), rows, mu

    def scan(self, r, tol=1e-12):
        """Violations of ``max_{|w|<=1} s r^T relu(X w) <= n lam`` over all K cones (float).

        Returns a list of ``(value, cone)`` with value > n lam (1 + tol), largest first.
        """
        nl = self.n * self.lamf
        B = self.patterns.astype(float) @ (self.X * r[:, None])
        norms = np.linalg.norm(B, axis=1)
        out = []
        for cell in np.nonzero(norms > nl * (1 + tol))[0].tolist():
            for s in (0, 1):
                c = 2 * cell + s
                b = B[cell] if s == 0 else -B[cell]
                val = self.cone_dual_value(c, b)[0]
                if val > nl * (1 + tol):
                    out.append((val, c))
        out.sort(reverse=True)
        return out

    # -- certification -----------------------------------------------------------
    def _rational_point(self, cones, U):
        """Round ``U`` to a dyadic grid and push each ``u_c`` into its closed cone exactly."""
        E = self.exact
        U = np.array(U, dtype=float).reshape(len(cones), self.dim)
        if U.size:
            scale = np.max(np.linalg.norm(U, axis=1))
            U[np.linalg.norm(U, axis=1) <= _ZERO_REL * scale] = 0.0
        ints, k = to_grid(U.ravel()) if U.size else ([], 0)
        Ui = [ints[i * self.dim:(i + 1) * self.dim] for i in range(len(cones))]
        Xl = E.Xn.tolist()
        for idx, c in enumerate(cones):
            u = Ui[idx]
            if not any(u):
                continue
            D = self.patterns[cone_cell(c)]
            p = None
            need = 0
            for i in range(self.n):
                if E.zero_rows[i]:
                    continue
                g = sum(a * b for a, b in zip(Xl[i], u))
                if not D[i]:
                    g = -g
                if g < 0:
                    if p is None:
                        p = self.witness_int(cone_cell(c))
                    gp = sum(a * b for a, b in zip(Xl[i], p))
                    if not D[i]:
                        gp = -gp
                    need = max(need, -(g // gp))  # ceil(-g / gp)
            if need:
                Ui[idx] = [a + need * b for a, b in zip(u, p)]
        return Ui, k

    def _certify(self, cones, U, status, solver, dual="cones") -> RegionOptimum:
        E = self.exact
        Ui, k = self._rational_point(cones, U)
        Ds = [self.patterns[cone_cell(c)] for c in cones]
        ss = [cone_sign(c) for c in cones]
        fn, fden = E.fitted(Ds, ss, Ui, k)
        rn, rden = E.residual(fn, fden)
        loss = E.loss_of_residual(rn, rden)
        norm_sum = sum(_isqrt_ceil(sum(v * v for v in u)) for u in Ui)
        upper = loss + 2 * self.lam * Fraction(norm_sum, 1 << k)
        r = np.array([v / rden for v in rn], dtype=float) if rden else np.zeros(self.n)
        # dual certificate
        mus = {}
        if dual == "all":
            Nmax = self._all_cones_dual(rn, rden, r, mus)
        else:
            Nmax = Fraction(0)
            for c in cones:
                b = cone_sign(c) * (self.patterns[cone_cell(c)] * r) @ self.X
                N, mu_full = self._exact_cone_norm(c, b, rn, rden)
                mus[c] = mu_full
                Nmax = max(Nmax, N)
        t, lower = self._dual_bound(rn, rden, Nmax)
        value = float(upper)
        u = {c: np.array([v / (1 << k) for v in Ui[i]], dtype=float) for i, c in enumerate(cones)}
        u_exact = {c: tuple(Fraction(v, 1 << k) for v in Ui[i]) for i, c in enumerate(cones)}
        ok_gap = gap_ok(lower, upper)
        certified = status == "optimal" and ok_gap
        if certified:
            reason = ""
        elif status != "optimal":
            reason = f"solver status {status!r}"
        else:
            reason = f"gap {float(upper - lower):.3g} exceeds {GAP_TOL:g} (1 + |V|)"
        fitted = self.y - r
        return RegionOptimum(cones, value, lower, upper, certified, status, reason, u, u_exact,
                             mus, r, fitted, solver, self.lam, t)

    def _exact_cone_norm(self, c, b, rn, rden):
        """Exact ``|s X^T D r + G^T mu|^2`` for a rationalised NNLS multiplier."""
        E = self.exact
        val, rows, mu = self.cone_dual_value(c, b)
        mu_full = np.zeros(self.n)
        if len(rows) and np.any(mu > 0):
            mu_full[rows] = mu
            mi, kmu = to_grid(mu_full)
            mi = [max(v, 0) for v in mi]
            # mu is in units of r; convert to the integer scale of rn (G^T mu has rn/rden units)
            N = E.cone_vector_sq(self.patterns[cone_cell(c)], cone_sign(c), rn, rden, mi, kmu)
            if N > (self.n * self.lam) ** 2:  # tight cone: exact least squares on the NNLS support
                ex = self._exact_multiplier(c, rn, rden, [int(i) for i in rows[mu > 0]])
                if ex is not None and ex[0] < N:
                    N, mu_full = ex
        else:
            N = E.cone_vector_sq(self.patterns[cone_cell(c)], cone_sign(c), rn, rden)
        return N, mu_full

    def _exact_multiplier(self, c, rn, rden, supp):
        """Exact ``min |b + G_B^T mu_B|^2`` over ``mu_B`` (normal equations), if ``mu_B >= 0``."""
        D = self.patterns[cone_cell(c)]
        s = cone_sign(c)
        rows = self.arr.rows_exact
        r = [Fraction(v, rden) for v in rn]
        b = [s * sum((r[i] * rows[i][t] for i in range(self.n) if D[i]), Fraction(0)) for t in range(self.dim)]
        Gb = [[(1 if D[i] else -1) * v for v in rows[i]] for i in supp]
        M = _fq_mat([[sum((p * q for p, q in zip(gi, gj)), Fraction(0)) for gj in Gb] for gi in Gb])
        rhs = [-sum((p * q for p, q in zip(gi, b)), Fraction(0)) for gi in Gb]
        sol = _particular_solution(M, rhs)
        if sol is None or any(v < 0 for v in sol):
            return None
        v = [b[t] + sum((sol[k] * Gb[k][t] for k in range(len(supp))), Fraction(0)) for t in range(self.dim)]
        mu_full = np.zeros(self.n)
        mu_full[supp] = [float(x) for x in sol]
        return sum((x * x for x in v), Fraction(0)), mu_full

    def _pattern_fmpz(self):
        if self._pat_fmpz is None:
            import flint

            self._pat_fmpz = flint.fmpz_mat(self.patterns.astype(np.int64).tolist())
        return self._pat_fmpz

    def _all_cones_dual(self, rn, rden, r, mus):
        """Exact max over all K cones of the squared dual norm (with NNLS multipliers)."""
        E = self.exact
        nl2 = (self.n * self.lam) ** 2
        den2 = (E.dx * rden) ** 2
        prods = E.cell_products(self._pattern_fmpz(), rn).tolist()
        Nmax = Fraction(0)
        for cell, row in enumerate(prods):
            N0 = Fraction(sum(int(v) * int(v) for v in row), den2)
            if N0 <= nl2:
                Nmax = max(Nmax, N0)
                continue
            bf = np.array([float(Fraction(int(v), E.dx * rden)) for v in row])
            for s in (0, 1):
                c = 2 * cell + s
                b = bf if s == 0 else -bf
                N, mu_full = self._exact_cone_norm(c, b, rn, rden)
                if np.any(mu_full > 0):
                    mus[c] = mu_full
                Nmax = max(Nmax, N)
        return Nmax

    def _dual_bound(self, rn, rden, Nmax):
        E = self.exact
        n = self.n
        rr = Fraction(sum(v * v for v in rn), rden * rden) if rden else Fraction(0)
        ry = E.r_dot_y(rn, rden) if rden else Fraction(0)
        if rr == 0 or ry <= 0:
            return Fraction(0), Fraction(0)
        t = ry / rr
        nl = n * self.lam
        if t * t * Nmax > nl * nl:
            t = nl / sqrt_upper(Nmax, 64)
            t = _round_down(t, 80)
        assert t * t * Nmax <= nl * nl  # by construction; internal invariant, not input
        lower = Fraction(2, n) * t * ry - Fraction(1, n) * t * t * rr
        return t, lower

    # -- global optimum -------------------------------------------------------------
    def global_optimum(self, max_iter=200, batch=None, verbose=False) -> RegionOptimum:
        """``V*`` over all K signed cones by cone generation, certified over all K cones.

        Solves ``V(W)`` on a working set ``W``, scans every cell for the cone that most
        violates ``max_{|w| <= 1} |r^T relu(X w)| <= n lam`` (a small NNLS per cone, only
        for cells whose unconstrained norm exceeds ``n lam``), adds the worst violators and
        repeats.  The lower bound is checked exactly over all K cones.
        """
        if self.K <= 64:
            U, status = self._candidate(tuple(range(self.K)))
            opt = self._certify(tuple(range(self.K)), U, status, self.solver, dual="all")
            used = opt.cones_used
            if not opt.certified and status == "optimal" and 0 < len(used) < self.K:
                U2, st2 = self._candidate(tuple(used))  # polish on the support
                if st2 == "optimal":
                    opt2 = self._certify(tuple(used), U2, st2, self.solver, dual="all")
                    if opt2.upper - opt2.lower < opt.upper - opt.lower:
                        opt = opt2
            opt.method = "all_cones"
            return self._prune(opt)
        batch = batch or max(5, self.n // 2)
        work = set()
        r = self.y.copy()
        for _, c in self.scan(r)[: 2 * batch]:
            work.add(c)
        if not work:  # zero network is optimal: every cone satisfies the dual condition
            opt = self._certify((), np.zeros((0, self.dim)), "optimal", self.solver, dual="all")
            opt.method = "cone_generation"
            return opt
        status = "optimal"
        it = 0
        while True:
            it += 1
            cones = tuple(sorted(work))
            U, status = self._candidate(cones)
            if status not in ("optimal", "optimal_inaccurate"):
                break
            r = self.y - sum(self.A(c) @ U[i] for i, c in enumerate(cones))
            viol = self.scan(r)
            new = [c for _, c in viol if c not in work][:batch]
            if verbose:
                print(f"iter {it}: |W|={len(work)} violators={len(viol)}")
            if not new or it >= max_iter:
                break
            # keep the working set small: used cones plus the new violators
            scale = max(float(np.max(np.linalg.norm(U, axis=1))), 1e-300)
            used = {c for i, c in enumerate(cones) if np.linalg.norm(U[i]) > 1e-6 * scale}
            work = used | set(new) if len(work) > 4 * batch else work | set(new)
        # polish: re-solve on the used cones only (same optimum, smaller and better conditioned)
        if status in ("optimal", "optimal_inaccurate") and len(cones):
            scale = max(float(np.max(np.linalg.norm(U, axis=1))), 1e-300)
            used = tuple(c for i, c in enumerate(cones) if np.linalg.norm(U[i]) > 1e-6 * scale)
            if used and len(used) < len(cones):
                U2, st2 = self._candidate(used)
                if st2 == "optimal":
                    cones, U, status = used, U2, st2
        opt = self._certify(cones, U, status, self.solver, dual="all")
        opt.method = "cone_generation"
        opt.iterations = it
        return self._prune(opt)

    def _prune(self, opt, max_used=60):
        """Drop used cones one at a time (smallest ``|u_c|`` first) while ``V`` stays within
        the certified gap: an interior-point solver splits a neuron lying on a shared face
        between the adjacent cones; the pruned optimum has one neuron per direction."""
        used = opt.cones_used
        if not opt.certified or len(used) <= 1 or len(used) > max_used:
            return opt
        tol = Fraction(GAP_TOL) * (1 + abs(opt.upper)) / 2
        S = sorted(used, key=lambda c: float(np.linalg.norm(opt.u[c])))
        best = None
        for c in list(S):
            if len(S) == 1:
                break
            trial = self.solve([x for x in S if x != c])
            if trial.status == "optimal" and trial.upper <= opt.lower + tol:
                S.remove(c)
                best = trial
        if best is None:
            return opt
        cones = tuple(sorted(S))
        U = np.array([best.u[c] for c in cones])
        new = self._certify(cones, U, best.status, self.solver, dual="all")
        if not new.certified:
            return opt
        new.method, new.iterations = opt.method, opt.iterations
        return new

    # -- width-m optimum ----------------------------------------------------------
    def width_optimum(self, m, max_programs=20000, glob=None) -> WidthOptimum:
        """``L*_m = min_{|S| <= m} V(S)``, certified.

        If ``m`` is at least the number of cones used by a certified convex optimum, then
        ``L*_m = V*`` (MATH.md section 3) and ``method = "equals_global"``.  Otherwise every
        support of size ``min(m, K)`` is solved (``V`` decreases as ``S`` grows), provided
        there are at most ``max_programs`` of them (else :class:`TooLargeError`).
        """
        if int(m) < 1:
            raise InputError(f"width m must be at least 1, got {m}")
        m = int(m)
        glob = glob or self.global_optimum()
        if glob.certified and m >= len(glob.cones_used):
            return WidthOptimum(m, glob.value, glob.lower, glob.upper, True, glob.status, "",
                                "equals_global", glob, 1)
        size = min(m, self.K)
        count = math.comb(self.K, size)
        if count > max_programs:
            raise TooLargeError(f"L*_{m} by exhaustive search over supports", count, max_programs,
                                "max_programs")
        best, lo, up, allcert, statuses = None, None, None, True, set()
        for S in itertools.combinations(range(self.K), size):
            opt = self.solve(S)
            allcert &= opt.certified
            statuses.add(opt.status)
            lo = opt.lower if lo is None else min(lo, opt.lower)
            if up is None or opt.upper < up:
                up, best = opt.upper, opt
        certified = allcert and gap_ok(lo, up)
        reason = "" if certified else ("some support was not certified: statuses "
                                       + ", ".join(sorted(statuses)) if not allcert else
                                       f"gap {float(up - lo):.3g} too large")
        status = "optimal" if statuses == {"optimal"} else "/".join(sorted(statuses))
        return WidthOptimum(m, float(up), lo, up, certified, status, reason, "exact_search",
                            best, count)


def _round_down(q: Fraction, bits: int) -> Fraction:
    """A rational ``<= q`` with denominator ``2^bits`` (keeps certificates small)."""
    return Fraction(math.floor(q * (1 << bits)), 1 << bits)


def _check_solver(solver):
    if solver == "clarabel" or solver == "cvxpy":
        return
    if isinstance(solver, str) and solver.startswith("cvxpy:"):
        import cvxpy as cp

        name = solver.split(":", 1)[1].upper()
        if name not in cp.installed_solvers():
            raise InputError(f"solver {name!r} is not installed; choose from "
                             f"{', '.join(cp.installed_solvers())}")
        return
    raise InputError(f"unknown solver {solver!r}; use 'clarabel', 'cvxpy' or 'cvxpy:NAME'")


# ---------------------------------------------------------------------------
# Candidate generators
# ---------------------------------------------------------------------------

_CLARABEL_STATUS = {"Solved": "optimal", "AlmostSolved": "optimal_inaccurate"}


def _clarabel_settings(tol=1e-11):
    import clarabel

    st = clarabel.DefaultSettings()
    st.verbose = False
    st.tol_gap_abs = tol
    st.tol_gap_rel = tol
    st.tol_feas = tol
    st.tol_ktratio = 1e-8
    st.max_iter = 200
    return st


def _clarabel_region(prog: RegionProgram, cones):
    """Candidate for ``V(S)`` from Clarabel on a directly assembled conic form.

    Variables ``(u, t)`` with ``(1/n)|A u - y|^2 + 2 lam sum t`` (dense ``A^T A``) for small
    programmes; with more unknowns than samples the residual ``e = A u - y`` is a variable
    so that the quadratic term stays diagonal and sparse.
    """
    import clarabel

    k, p, n = len(cones), prog.dim, prog.n
    A = np.hstack([prog.A(c) for c in cones])
    resid_form = k * p > 2 * n
    ne = n if resid_form else 0
    N = k * p + k + ne
    if resid_form:
        Pcsc = sp.csc_matrix((np.full(n, 2.0 / n), (np.arange(k * p + k, N), np.arange(k * p + k, N))),
                             shape=(N, N))
        q = np.concatenate([np.zeros(k * p), np.full(k, 2.0 * prog.lamf), np.zeros(n)])
    else:
        Pm = np.zeros((N, N))
        Pm[: k * p, : k * p] = (2.0 / n) * (A.T @ A)
        Pcsc = sp.csc_matrix(np.triu(Pm))
        q = np.concatenate([-(2.0 / n) * (A.T @ prog.y), np.full(k, 2.0 * prog.lamf)])
    blocks, nn = [], 0
    if not resid_form and N <= 200:  # small: dense assembly is cheaper than sparse
        Gs = [prog.G(c) for c in cones]
        nn = sum(len(G) for G in Gs)
        Acon = np.zeros((nn + k * (p + 1), N))
        row = 0
        for i, G in enumerate(Gs):
            Acon[row:row + len(G), i * p:(i + 1) * p] = -G
            row += len(G)
        for i in range(k):
            Acon[row, k * p + i] = -1.0
            Acon[row + 1:row + 1 + p, i * p:(i + 1) * p] = -np.eye(p)
            row += p + 1
        blocks = [Acon]
    if blocks:
        pass
    elif resid_form:  # A u - e = y  (zero cone)
        blocks.append(sp.hstack([sp.csr_matrix(A), sp.csr_matrix((n, k)), -sp.identity(n)]))
    for i, c in enumerate(cones if not blocks or resid_form else ()):
        G = prog.G(c)
        if len(G):
            blocks.append(sp.csr_matrix((-G.ravel(), (np.repeat(np.arange(len(G)), p),
                                                      np.tile(np.arange(i * p, (i + 1) * p), len(G)))),
                                        shape=(len(G), N)))
            nn += len(G)
    if len(blocks) == 1 and isinstance(blocks[0], np.ndarray):
        Acsc = sp.csc_matrix(blocks[0])
    else:
        Acsc = _sparse_soc_rows(blocks, k, p, N)
    b = np.zeros(Acsc.shape[0])
    if resid_form:
        b[:n] = prog.y
    cone_spec = ([clarabel.ZeroConeT(n)] if resid_form else []) + \
        ([clarabel.NonnegativeConeT(nn)] if nn else []) + [clarabel.SecondOrderConeT(p + 1)] * k
    return _run_clarabel(Pcsc, q, Acsc, b, cone_spec, k, p, N)


def _sparse_soc_rows(blocks, k, p, N):
    ri = np.concatenate([[i * (p + 1)] + list(range(i * (p + 1) + 1, (i + 1) * (p + 1))) for i in range(k)])
    ci = np.concatenate([[k * p + i] + list(range(i * p, (i + 1) * p)) for i in range(k)])
    blocks.append(sp.csr_matrix((-np.ones(len(ri)), (ri, ci)), shape=(k * (p + 1), N)))
    return sp.vstack(blocks).tocsc()


def _run_clarabel(Pcsc, q, Acsc, b, cone_spec, k, p, N):
    import clarabel

    for tol in (1e-11, 1e-9):  # retry once with looser tolerances if not fully solved
        solver = clarabel.DefaultSolver(Pcsc, q, Acsc, b, cone_spec, _clarabel_settings(tol))
        sol = solver.solve()
        status = _CLARABEL_STATUS.get(str(sol.status).split(".")[-1], str(sol.status).split(".")[-1])
        if status == "optimal":
            break
    x = np.array(sol.x)
    if not np.all(np.isfinite(x)):
        x = np.zeros(N)
    return x[: k * p].reshape(k, p), status


def _cvxpy_region(prog: RegionProgram, cones, solver):
    """Candidate for ``V(S)`` from a fresh cvxpy problem (the authors' approach)."""
    import cvxpy as cp

    name = "CLARABEL" if solver == "cvxpy" else solver.split(":", 1)[1].upper()
    us = [cp.Variable(prog.dim) for _ in cones]
    f = sum(prog.A(c) @ u for c, u in zip(cones, us))
    obj = cp.sum_squares(f - prog.y) / prog.n + 2 * prog.lamf * sum(cp.norm(u, 2) for u in us)
    cons = [prog.G(c, np.nonzero(prog.nz)[0]) @ u >= 0 for c, u in zip(cones, us)]
    pr = cp.Problem(cp.Minimize(obj), cons)
    try:
        pr.solve(solver=name)
        status = pr.status
    except cp.error.SolverError as exc:
        return np.zeros((len(cones), prog.dim)), f"solver_error: {exc}"
    if status != "optimal" or any(u.value is None for u in us):
        U = np.array([u.value if u.value is not None else np.zeros(prog.dim) for u in us])
        return U, status
    return np.array([u.value for u in us]), "optimal"


# ---------------------------------------------------------------------------
# Min-norm interpolator
# ---------------------------------------------------------------------------


@dataclass
class Interpolator:
    """Certified min-norm interpolator ``min sum_c |u_c|`` s.t. exact fit (lam -> 0).

    ``norm_sq = 2 sum |u_c|`` is ``|theta|^2`` of the balanced network; ``lower`` and
    ``upper`` bound it exactly (they are ``2x`` the bounds on ``sum |u_c|``).  ``rank`` is
    the exact rank of the matrix of neuron directions.
    """

    norm_sq: float
    lower: Fraction
    upper: Fraction
    certified: bool
    status: str
    reason: str
    rank: int
    u: dict
    u_exact: dict
    solver: str = "clarabel"

    @property
    def cones_used(self):
        return sorted(self.u_exact)

    @property
    def network(self):
        a, W = [], []
        for c in self.cones_used:
            u = self.u[c]
            nu = float(np.linalg.norm(u))
            a.append(cone_sign(c) * math.sqrt(nu))
            W.append(u / math.sqrt(nu))
        return np.array(a), np.array(W)

    def to_json_obj(self):
        a, W = self.network
        return {"norm_sq": self.norm_sq, "lower": self.lower, "upper": self.upper,
                "gap": float(self.upper - self.lower), "certified": self.certified,
                "status": self.status, "reason": self.reason, "rank": self.rank,
                "network": {"a": a.tolist(), "W": W.tolist()}, "cones_used": self.cones_used,
                "solver": self.solver}


def min_norm_interpolator(ds, arrangement=None, max_cones=20000) -> Interpolator:
    """Certified ``min sum_c |u_c|`` subject to ``sum_c s_c D_c X u_c = y`` exactly.

    This is the ``lam -> 0`` limit of ``V*`` (the minimum ``|theta|^2`` of an exact
    interpolating network is twice the optimum).  Upper bound: the candidate's active
    constraints are made exact, and the fit is restored exactly by a rational linear solve
    inside that face; lower bound: a rational dual ``r`` scaled so that
    ``max_c |s_c X^T D_c r + G_c^T mu_c| <= 1`` exactly.

    Examples
    --------
    >>> from landscape.data import Dataset
    >>> it = min_norm_interpolator(Dataset.from_arrays([[1, 0], [0, 1]], [1, 1]))
    >>> it.certified, it.lower == it.upper == 2, it.rank     # one neuron (1, 1), |theta|^2 = 2|u| ...
    (True, False, 1)
    """
    from .arrangement import enumerate_cells

    arr = arrangement if arrangement is not None else enumerate_cells(ds)
    prog = RegionProgram(ds, 1, arrangement=arr)  # structure only; lam unused
    if prog.K > max_cones:
        raise TooLargeError("min-norm interpolator over all signed cones", prog.K, max_cones, "max_cones")
    return _interpolate(prog)


def _interpolate(prog: RegionProgram) -> Interpolator:
    import clarabel

    cones = tuple(range(prog.K))
    k, p, n = len(cones), prog.dim, prog.n
    A = np.hstack([prog.A(c) for c in cones])
    N = k * p + k
    q = np.concatenate([np.zeros(k * p), np.ones(k)])
    rows, nn = [], 0
    Aeq = np.zeros((n, N))
    Aeq[:, : k * p] = A
    for i, c in enumerate(cones):
        G = prog.G(c)
        if len(G):
            M = np.zeros((len(G), N))
            M[:, i * p:(i + 1) * p] = -G
            rows.append(M)
            nn += len(G)
    for i in range(k):
        M = np.zeros((p + 1, N))
        M[0, k * p + i] = -1.0
        M[1:, i * p:(i + 1) * p] = -np.eye(p)
        rows.append(M)
    Acon = np.vstack([Aeq] + rows)
    b = np.concatenate([prog.y, np.zeros(Acon.shape[0] - n)])
    spec = [clarabel.ZeroConeT(n)] + ([clarabel.NonnegativeConeT(nn)] if nn else []) + \
        [clarabel.SecondOrderConeT(p + 1)] * k
    s = clarabel.DefaultSolver(sp.csc_matrix((N, N)), q, sp.csc_matrix(Acon), b, spec, _clarabel_settings())
    sol = s.solve()
    status = _CLARABEL_STATUS.get(str(sol.status).split(".")[-1], str(sol.status).split(".")[-1])
    x = np.array(sol.x)
    z = np.array(sol.z)
    U = x[: k * p].reshape(k, p)
    r = -z[:n] if np.all(np.isfinite(z)) else np.zeros(n)
    upper, uex, why = _exact_interpolant(prog, cones, U)
    lower = _interp_lower(prog, r)
    if upper is None:
        uex = {}
    u = {c: np.array([float(v) for v in uex[c]]) for c in uex}
    rank = _exact_rank([uex[c] for c in uex])
    lo2 = 2 * lower
    up2 = 2 * upper if upper is not None else None
    certified = status == "optimal" and up2 is not None and gap_ok(lo2, up2)
    if certified:
        reason = ""
    elif status != "optimal":
        reason = f"solver status {status!r}"
    elif up2 is None:
        reason = why
    else:
        reason = f"gap {float(up2 - lo2):.3g} exceeds {GAP_TOL:g} (1 + |V|)"
    nsq = float(up2) if up2 is not None else float("nan")
    return Interpolator(nsq, lo2, up2 if up2 is not None else Fraction(0), certified, status, reason,
                        rank, u, uex)


def _exact_interpolant(prog, cones, U):
    """Exact rational interpolant near ``U`` keeping its active constraints; returns
    ``(upper bound on sum |u_c|, {cone: u_exact}, reason)``."""
    import flint

    E = prog.exact
    rows_q = [[Fraction(v) for v in r] for r in prog.arr.rows_exact]
    norms = np.linalg.norm(U, axis=1)
    scale = norms.max() if len(norms) else 0.0
    used = [i for i in range(len(cones)) if norms[i] > _ZERO_REL * max(scale, 1e-300)]
    if not used:
        return None, {}, "no candidate"
    bases, cols = [], []
    for i in used:
        c = cones[i]
        D = prog.patterns[cone_cell(c)]
        G = prog.G(c, np.nonzero(prog.nz)[0])
        idx = np.nonzero(prog.nz)[0]
        gu = G @ U[i]
        act = [int(idx[j]) for j in range(len(idx))
               if abs(gu[j]) <= 1e-8 * np.linalg.norm(G[j]) * norms[i]]
        if act:
            Ga = _fq_mat([[(1 if D[a] else -1) * rows_q[a][j] for j in range(prog.dim)] for a in act])
            B = _nullspace(Ga, prog.dim)
        else:
            B = [[Fraction(int(j == l)) for l in range(prog.dim)] for j in range(prog.dim)]
        if not B:
            return None, {}, f"cone {c}: active constraints leave no direction"
        bases.append(B)
    # unknowns: coefficients z in each basis; u_i = sum_l z_l B[l]
    # equations: sum_i s_i D_i X u_i = y
    colvecs, owner = [], []
    for t, i in enumerate(used):
        c = cones[i]
        D = prog.patterns[cone_cell(c)]
        s = cone_sign(c)
        for Bl in bases[t]:
            colvecs.append([s * int(D[a]) * sum((x * v for x, v in zip(rows_q[a], Bl)), Fraction(0))
                            for a in range(prog.n)])
            owner.append((t, Bl))
    # least-squares float coefficients, then exact correction on a pivot set
    Mf = np.array([[float(v) for v in col] for col in colvecs]).T
    Bf = []
    for t, i in enumerate(used):
        Bm = np.array([[float(v) for v in Bl] for Bl in bases[t]])
        Bf.append(np.linalg.lstsq(Bm.T, U[i], rcond=None)[0])
    z0 = np.concatenate(Bf)
    zi, kz = to_grid(z0)
    zq = [Fraction(v, 1 << kz) if kz >= 0 else Fraction(v * (1 << -kz)) for v in zi]
    M = _fq_mat([[colvecs[j][a] for j in range(len(colvecs))] for a in range(prog.n)])
    e = [prog.ds.y_exact[a] - sum((colvecs[j][a] * zq[j] for j in range(len(zq))), Fraction(0))
         for a in range(prog.n)]
    dz = _particular_solution(M, e)
    if dz is None:
        return None, {}, "exact fit impossible on the candidate's face"
    z = [a + b for a, b in zip(zq, dz)]
    uex = {}
    pos = 0
    for t, i in enumerate(used):
        c = cones[i]
        m = len(bases[t])
        u = [sum((z[pos + l] * bases[t][l][j] for l in range(m)), Fraction(0)) for j in range(prog.dim)]
        pos += m
        D = prog.patterns[cone_cell(c)]
        for a in range(prog.n):
            g = sum((x * v for x, v in zip(rows_q[a], u)), Fraction(0))
            if (g < 0 and D[a]) or (g > 0 and not D[a]):
                return None, {}, f"rounded point leaves cone {c} (row {a})"
        if any(v != 0 for v in u):
            uex[c] = tuple(u)
    total = sum((sqrt_upper(sum((v * v for v in u), Fraction(0)), 64) for u in uex.values()), Fraction(0))
    return total, uex, ""


def _fq(x):
    import flint

    x = Fraction(x)
    return flint.fmpq(x.numerator, x.denominator)


def _fq_mat(rows):
    import flint

    return flint.fmpq_mat([[_fq(v) for v in r] for r in rows])


def _nullspace(Ga, dim):
    """Exact basis of ``{u : Ga u = 0}`` as lists of Fractions."""
    R, rank = Ga.rref()
    rows = [[Fraction(int(R[i, j].p), int(R[i, j].q)) for j in range(dim)] for i in range(rank)]
    pivots = []
    for i in range(rank):
        for j in range(dim):
            if rows[i][j] != 0:
                pivots.append(j)
                break
    free = [j for j in range(dim) if j not in pivots]
    basis = []
    for f in free:
        v = [Fraction(0)] * dim
        v[f] = Fraction(1)
        for i, pj in enumerate(pivots):
            v[pj] = -rows[i][f]
        basis.append(v)
    return basis


def _particular_solution(M, e):
    """Exact ``z`` with ``M z = e`` (``M`` fmpq_mat), or None if inconsistent."""
    import flint

    nr, nc = M.nrows(), M.ncols()
    aug = flint.fmpq_mat(nr, nc + 1)
    for i in range(nr):
        for j in range(nc):
            aug[i, j] = M[i, j]
        aug[i, nc] = _fq(e[i])
    R, rank = aug.rref()
    z = [Fraction(0)] * nc
    for i in range(rank):
        row = [Fraction(int(R[i, j].p), int(R[i, j].q)) for j in range(nc + 1)]
        piv = next((j for j in range(nc + 1) if row[j] != 0), None)
        if piv == nc:
            return None
        z[piv] = row[nc]
    return z


def _exact_rank(vectors):
    import flint

    if not vectors:
        return 0
    return _fq_mat(vectors).rank()


def _interp_lower(prog, r):
    """Exact lower bound ``t r.y`` with ``t^2 max_c |.|^2 <= 1`` over all K cones."""
    if not np.all(np.isfinite(r)) or not np.any(r):
        return Fraction(0)
    E = prog.exact
    ri, k = to_grid(r)
    rden = 1 << k
    mus = {}
    # reuse the all-cone scan with n lam replaced by 1: temporarily set lam = 1/n
    saved = prog.lam, prog.lamf
    prog.lam, prog.lamf = Fraction(1, prog.n), 1.0 / prog.n
    try:
        Nmax = prog._all_cones_dual(ri, rden, r, mus)
    finally:
        prog.lam, prog.lamf = saved
    ry = E.r_dot_y(ri, rden)
    if ry <= 0:
        return Fraction(0)
    t = Fraction(1) if Nmax <= 1 else _round_down(1 / sqrt_upper(Nmax, 64), 80)
    return t * ry
