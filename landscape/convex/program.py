"""Certified convex programmes: ``V(S)``, the global optimum ``V*``, ``L*_m`` and the
min-norm interpolator (MATH.md sections 1 and 3).

For a set ``S`` of signed cones (cone ``c`` = cell ``c // 2`` with sign ``+1`` if ``c`` is
even, ``-1`` if odd) the restricted programme is (Pilanci & Ergen, ICML 2020)::

    V(S) = min  (1/n) | sum_c s_c D_c X u_c - y |^2 + 2 lam sum_c |u_c|
           s.t. G_c u_c >= 0,   G_c = diag(2 D_c - 1) X.

A solver (Clarabel, called directly on a cached conic form, or any cvxpy solver) only
produces a *candidate*; every returned value carries exact rational bounds
``lower <= V(S) <= upper`` proven by :mod:`landscape.exact.arithmetic`, and ``certified`` is
True only for an optimal solver status with ``upper - lower <= 1e-9 (1 + |upper|)``.

Face programmes (``solve(S, faces={c: c2})``) restrict ``u_c`` to the facet that cone
``c`` shares with a neighbouring cone ``c2``; comparing their certified values with
``V(S)`` decides whether a minimiser touches that facet.

Speed: small programmes are assembled directly as CSC triplets, and the certificate's
first multipliers are Clarabel's own duals (checked exactly); the all-cones dual
(global optimum, cone generation) screens every cone with a batched projected-gradient
bound and checks all cones exactly in one integer matrix product, with a per-cone NNLS
fallback for the few cones that need it.

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

from ..exact.arithmetic import (GAP_TOL, ExactData, _isqrt_ceil, gap_ok, sqrt_upper, to_grid)
from ..data import parse_lam
from ..errors import InputError, TooLargeError
from ..geometry.cones import cone_cell, cone_sign

__all__ = [
    "RegionProgram",
    "RegionOptimum",
    "WidthOptimum",
    "Interpolator",
    "min_norm_interpolator",
    "network_loss",
]

#: candidate weights below this fraction of the largest are treated as zero
_ZERO_REL = 1e-9


def network_loss(ds, lam, a, W) -> float:
    """Float training loss ``(1/n) |f - y|^2 + lam (|a|^2 + |W|_F^2)`` (MATH.md section 1).

    >>> from landscape.data import Dataset
    >>> ds = Dataset.from_arrays([[1, 0]], [1])
    >>> network_loss(ds, 0.1, [1.0], [[1.0, 0.0]])
    0.2
    """
    X = ds.features
    a = np.asarray(a, dtype=float)
    W = np.asarray(W, dtype=float).reshape(len(a), ds.dim)
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
        Optimal solver status and exact gap within :data:`~landscape.exact.arithmetic.GAP_TOL`.
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
    faces : dict
        ``{c: c2}`` for a face programme (``u_c`` restricted to the facet shared with the
        neighbouring cone ``c2``, :meth:`RegionProgram.solve`); empty for ``V(S)``.
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
    faces: dict = field(default_factory=dict)

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
            "faces": {str(c): c2 for c, c2 in self.faces.items()},
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
        A precomputed :func:`~landscape.geometry.arrangement.enumerate_cells` of ``ds``.

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
        from ..geometry.arrangement import enumerate_cells

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
        sigma = float(np.linalg.norm(self.X, 2))
        self.u_scale = float(np.linalg.norm(self.y)) / sigma if sigma > 0 else 0.0
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
        if rows is None:
            if not hasattr(self, "_G_cache"):
                self._G_cache = {}
            G = self._G_cache.get(cell)
            if G is None:
                rows = self.facet_rows(cell)
                sgn = np.where(self.patterns[cell, rows], 1.0, -1.0)
                G = self._G_cache[cell] = sgn[:, None] * self.X[rows]
                G.setflags(write=False)  # shared: callers must not modify it
            return G
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
    def _candidate(self, cones, solver=None, faces=None):
        solver = solver or self.solver
        self._last_dual = None  # set again by the Clarabel path (its own multipliers)
        if solver == "clarabel":
            return _clarabel_region(self, cones, faces)
        return _cvxpy_region(self, cones, solver, faces)

    def solve(self, cones, solver=None, faces=None) -> RegionOptimum:
        """Certified optimum of ``V(S)`` for the signed cones ``S = cones``.

        Parameters
        ----------
        cones : iterable of int
            The support ``S``.
        solver : str, optional
            Overrides the programme's solver for this call.
        faces : dict, optional
            ``{c: c2}`` for cones ``c`` in ``S``: restrict ``u_c`` to the shared facet
            ``F = cl(cell c) cap cl(cell c2)`` of the neighbouring cone ``c2`` (same sign,
            cells adjacent across one hyperplane class ``h``), i.e. ``G_c u_c >= 0`` and
            ``x_h . u_c = 0``.  The value ``V_face`` is ``>= V(S)``; it equals ``V(S)``
            iff some minimiser of ``V(S)`` has ``u_c`` on ``F``.  The certificate stays
            exact: the rational point lies on ``F`` exactly, and the dual pair gets a free
            multiplier for the equality (weak duality is unchanged because
            ``x_h . u_c = 0`` on ``F``).

        Examples
        --------
        >>> from landscape.data import Dataset
        >>> ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, 0])
        >>> prog = RegionProgram(ds, "1/10")
        >>> c, c2 = 2 * prog.cell_of_pattern("10"), 2 * prog.cell_of_pattern("11")
        >>> full, face = prog.solve([c]), prog.solve([c], faces={c: c2})
        >>> face.faces == {c: c2}, face.certified       # the optimum u = (4/5, 0) is on x2 . u = 0
        (True, True)
        >>> face.lower <= full.upper and full.lower <= face.upper
        True
        """
        cones = self._validate_cones(cones)
        fspec = self._face_spec(cones, faces)
        if not cones:
            return self._certify((), np.zeros((0, self.dim)), "optimal", solver or self.solver)
        U, status = self._candidate(cones, solver, fspec)
        opt = self._certify(cones, U, status, solver or self.solver, faces=fspec)
        if opt.certified or status != "optimal" or fspec:
            return opt
        # With many cones an interior-point solver spreads weight over cones sharing a face
        # and loses accuracy.  Re-solve on the cones that carry weight and certify that
        # point for all of S (u_c = 0 elsewhere): the dual check still covers every cone.
        norms = np.linalg.norm(np.asarray(U, dtype=float).reshape(len(cones), self.dim), axis=1)
        used = tuple(c for c, v in zip(cones, norms) if v > 1e-6 * max(float(norms.max()), self.u_scale))
        if not used or len(used) == len(cones):
            return opt
        U2, status2 = self._candidate(used, solver)
        if status2 != "optimal":
            return opt
        full = np.zeros((len(cones), self.dim))
        for i, c in enumerate(cones):
            if c in used:
                full[i] = np.asarray(U2, dtype=float).reshape(len(used), self.dim)[used.index(c)]
        retry = self._certify(cones, full, status2, solver or self.solver)
        return retry if retry.upper - retry.lower < opt.upper - opt.lower else opt

    def solve_face(self, cones, faces, solver=None) -> RegionOptimum:
        """``V_face(S)``: :meth:`solve` with ``faces`` (``{c: neighbouring cone}``) required."""
        if not faces:
            raise InputError("solve_face needs at least one face {cone: neighbouring cone}")
        return self.solve(cones, solver=solver, faces=faces)

    def face_row(self, c, c2):
        """``(h, p)`` for the facet shared by cones ``c`` and ``c2``: ``h`` a data row of the
        crossed hyperplane class, ``p`` an integer point in the relative interior of the
        facet (``x_h . p = 0``, strictly on ``c``'s side of every other class).

        Raises :class:`InputError` unless ``c2`` has the sign of ``c`` and its cell is
        adjacent to ``c``'s cell across exactly one hyperplane class.
        """
        key = (int(c), int(c2))
        if not hasattr(self, "_face_cache"):
            self._face_cache = {}
        if key in self._face_cache:
            return self._face_cache[key]
        for v in key:
            if not 0 <= v < self.K:
                raise InputError(f"cone {v} out of range: there are K = {self.K} signed cones")
        if c % 2 != c2 % 2:
            raise InputError(f"face cone {c2} has the opposite sign of cone {c}")
        i, j = cone_cell(c), cone_cell(c2)
        S = np.asarray(self.arr.class_signs)
        diff = np.nonzero(S[i] != S[j])[0]
        if len(diff) != 1:
            raise InputError(f"cells {i} and {j} (cones {c}, {c2}) are not adjacent across one hyperplane")
        cls = int(diff[0])
        rc = np.asarray(self.arr.classes.row_class)
        h = int(np.nonzero(rc == cls)[0][0])
        wi, wj = self.witness_int(i), self.witness_int(j)
        xh = self.exact.Xn[h].tolist()
        a = sum(x * v for x, v in zip(xh, wi))
        b = sum(x * v for x, v in zip(xh, wj))
        p = [abs(b) * u + abs(a) * v for u, v in zip(wi, wj)]  # positive combination, x_h . p = 0
        g = math.gcd(*p) or 1
        out = (h, [v // g for v in p])
        self._face_cache[key] = out
        return out

    def _face_spec(self, cones, faces):
        """Validated ``{c: (c2, h, p)}`` for :meth:`solve`."""
        if not faces:
            return {}
        if not isinstance(faces, dict):
            raise InputError("faces must map a cone of S to a neighbouring cone")
        out = {}
        for c, c2 in faces.items():
            try:
                c, c2 = int(c), int(c2)
            except (TypeError, ValueError):
                raise InputError("faces must map integer cones to integer cones") from None
            if c not in cones:
                raise InputError(f"face cone {c} is not in the support S")
            h, p = self.face_row(c, c2)
            out[c] = (c2, h, p)
        return out

    def G_face(self, c, face=None) -> np.ndarray:
        """Float constraint rows of cone ``c``: facet rows, plus (for a face ``(c2, h, p)``)
        the row ``-g_h`` that turns ``g_h . u >= 0`` into ``x_h . u = 0``."""
        G = self.G(c)
        if face is None:
            return G
        h = face[1]
        sgn = 1.0 if self.patterns[cone_cell(c), h] else -1.0
        return np.vstack([G, -sgn * self.X[h][None, :]])

    # -- dual scan ----------------------------------------------------------------
    def cone_dual_value(self, c, b, face=None):
        """``max {b . u : u in closed cone c, |u| <= 1}`` and the multipliers (NNLS).

        Returns ``(value, mu_rows, mu)`` where ``mu >= 0`` on ``mu_rows`` minimises
        ``|b + G_c^T mu|`` (value = that minimum).  With ``face = (c2, h, p)`` the set is
        the facet ``x_h . u = 0`` of the cone, and the multiplier of row ``h`` is free
        (``mu[h]`` may be negative).
        """
        rows = self.facet_rows(cone_cell(c))
        if face is not None:
            h = face[1]
            Gt = self.G_face(c, face).T
            mu, val = nnls(Gt, -b, maxiter=50 * max(len(rows) + 1, 10))
            mu = mu.copy()
            pos = int(np.nonzero(rows == h)[0][0])
            mu[pos] -= mu[-1]
            return float(val), rows, mu[:-1]
        if len(rows) == 0:
            return float(np.linalg.norm(b)), rows, np.zeros(0)
        Gt = self.G(c, rows).T
        if np.all(Gt.T @ b >= 0):
            return float(np.linalg.norm(b)), rows, np.zeros(len(rows))
        mu, val = nnls(Gt, -b, maxiter=50 * max(len(rows), 10))
        return float(val), rows, mu

    def scan(self, r, tol=1e-12, limit=None, iters=300):
        """Violations of ``max_{|w|<=1} s r^T relu(X w) <= n lam`` over all K cones (float).

        Returns a list of ``(value, cone)`` with value > n lam (1 + tol), largest first.
        Cones are screened with batched upper bounds (:meth:`batch_dual`); only those
        whose bound exceeds the threshold get an exact NNLS.  With ``limit``, refinement
        stops after ``limit`` violators (taken in the order of their upper bounds).
        ``iters`` caps the batched iterations (undecided cones are refined by NNLS).
        """
        nl = self.n * self.lamf
        thr = nl * (1 + tol)
        B = self.patterns.astype(float) @ (self.X * r[:, None])
        norms = np.linalg.norm(B, axis=1)
        cells = np.nonzero(norms > thr)[0]
        if len(cells) == 0:
            return []
        cc = np.repeat(cells, 2)
        ss = np.tile(np.array([0, 1]), len(cells))
        vals, mu, exact = self.batch_dual(cc, ss, B, iters=iters)
        order = np.argsort(-vals, kind="stable")
        out = []
        for t in order.tolist():
            if vals[t] <= thr:
                break
            c = 2 * int(cc[t]) + int(ss[t])
            if exact[t]:
                val = float(vals[t])
            else:
                val = self.cone_dual_value(c, B[cc[t]] if ss[t] == 0 else -B[cc[t]])[0]
            if val > thr:
                out.append((val, c))
                if limit is not None and len(out) >= limit:
                    break
        out.sort(reverse=True)
        return out

    def _facet_pad(self):
        """Padded facet constraint blocks of all cells: ``(Gpad, mask, rows, L)`` with
        ``Gpad`` (P x f x dim), ``rows`` (P x f) data rows, ``L`` a Lipschitz constant."""
        if getattr(self, "_fpad", None) is None:
            lists = [self.facet_rows(c) for c in range(self.P)]
            f = max((len(l) for l in lists), default=0)
            rows = np.zeros((self.P, max(f, 1)), dtype=np.int64)
            mask = np.zeros((self.P, max(f, 1)), dtype=bool)
            for c, l in enumerate(lists):
                rows[c, :len(l)] = l
                mask[c, :len(l)] = True
            sgn = np.where(np.take_along_axis(self.patterns, rows, axis=1), 1.0, -1.0) * mask
            Gpad = sgn[:, :, None] * self.X[rows]
            L = np.einsum("pfd,pfd->p", Gpad, Gpad)  # squared Frobenius norm >= spectral^2
            self._fpad = (Gpad, mask, rows, np.maximum(L, 1e-300))
        return self._fpad

    def batch_dual(self, cells, signs, B, iters=300, target=None):
        """Batched upper bounds on ``max {b . u : u in closed cone, |u| <= 1}``.

        For cone ``(cell, sign)`` with ``b = +-B[cell]``: cones with ``b`` inside the cell
        are exact (``|b|``); the others run accelerated projected gradient on
        ``min_{mu >= 0} |b + G^T mu|`` (any ``mu >= 0`` gives an upper bound, by weak
        duality).  With ``target`` (default ``n lam``), a cone stops iterating once its
        upper bound is below ``target (1 - 1e-9)`` or a feasible direction proves its value
        above ``target``.  Returns ``(values, mu (m x f), exact)``.
        """
        Gpad, mask, _, L = self._facet_pad()
        target = self.n * self.lamf if target is None else target
        cells = np.asarray(cells, dtype=np.int64)
        sg = np.where(np.asarray(signs) == 0, 1.0, -1.0)
        b = sg[:, None] * B[cells]
        G = Gpad[cells]
        msk = mask[cells]
        g = np.einsum("mfd,md->mf", G, b)
        inside = np.all((g >= 0) | ~msk, axis=1)
        mu = np.zeros(g.shape)
        vals = np.linalg.norm(b, axis=1)
        todo = np.nonzero(~inside & (vals > target * (1 - 1e-9)))[0]
        if len(todo) == 0:
            return vals, mu, inside
        Gt, bt, Lt = G[todo], b[todo, :, None], L[cells[todo]][:, None]
        GT = np.ascontiguousarray(Gt.transpose(0, 2, 1))
        mt = np.zeros((len(todo), G.shape[1]))
        z, tk = mt.copy(), np.ones(len(todo))
        act = np.arange(len(todo))
        done = 0
        while done < iters and len(act):
            Ga, GTa, ba, La = Gt[act], GT[act], bt[act], Lt[act]
            ma, za, ta = mt[act], z[act], tk[act]
            for _ in range(10):
                res = ba + GTa @ za[:, :, None]
                new = np.maximum(za - (Ga @ res)[:, :, 0] / La, 0.0)
                tn = 0.5 * (1 + np.sqrt(1 + 4 * ta * ta))
                za = new + ((ta - 1) / tn)[:, None] * (new - ma)
                ma, ta = new, tn
            done += 10
            mt[act], z[act], tk[act] = ma, za, ta
            u = (ba + GTa @ ma[:, :, None])[:, :, 0]
            up = np.linalg.norm(u, axis=1)
            feas = np.all((Ga @ u[:, :, None])[:, :, 0] >= -1e-12 * up[:, None] * np.sqrt(La), axis=1)
            low = np.where(feas & (up > 0), np.einsum("md,md->m", ba[:, :, 0], u) / np.maximum(up, 1e-300), -np.inf)
            keep = (up > target * (1 - 1e-9)) & ~(low > target * (1 + 1e-9))
            act = act[keep]
        mu[todo] = mt
        vals[todo] = np.linalg.norm((bt + GT @ mt[:, :, None])[:, :, 0], axis=1)
        return vals, mu, inside

    # -- certification -----------------------------------------------------------
    def _rational_point(self, cones, U, faces=None):
        """Round ``U`` to a dyadic grid and push each ``u_c`` into its closed cone exactly.

        Returns ``(Ui, den)``: integer vectors over the common denominator ``den``.  A face
        cone (``faces[c] = (c2, h, p)``) is first projected exactly onto ``x_h . u = 0``
        (denominator ``|x_h|^2``) and then pushed along the facet point ``p``.
        """
        E = self.exact
        U = np.array(U, dtype=float).reshape(len(cones), self.dim)
        if U.size:
            # relative to the largest u_c and to the data's natural scale |y| / |X|_2, so
            # that a lone cone whose optimum is u = 0 is not reported as used
            scale = max(float(np.max(np.linalg.norm(U, axis=1))), self.u_scale)
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
        den = 1 << k
        if faces:
            Ui, den = self._onto_faces(cones, Ui, den, faces)
        return Ui, den

    def _onto_faces(self, cones, Ui, den, faces):
        """Exact projection of the face cones' ``u_c`` onto their facets (see
        :meth:`_rational_point`); all vectors end on one common denominator."""
        Xl = self.exact.Xn.tolist()
        scale = {}
        for idx, c in enumerate(cones):
            if c not in faces:
                continue
            _, h, p = faces[c]
            xh = Xl[h]
            hh = sum(v * v for v in xh)
            u = Ui[idx]
            xu = sum(a * b for a, b in zip(xh, u))
            u = [hh * a - xu * b for a, b in zip(u, xh)]  # x_h . u = 0, denominator hh
            D = self.patterns[cone_cell(c)]
            need = 0
            for i in range(self.n):
                if self.exact.zero_rows[i]:
                    continue
                g = sum(a * b for a, b in zip(Xl[i], u))
                if not D[i]:
                    g = -g
                if g < 0:
                    gp = sum(a * b for a, b in zip(Xl[i], p))
                    if not D[i]:
                        gp = -gp
                    # gp > 0 off the crossed class; on it g = 0 exactly
                    need = max(need, -(g // gp))
            if need:
                u = [a + need * b for a, b in zip(u, p)]
            Ui[idx] = u
            scale[idx] = hh
        L = 1
        for hh in scale.values():
            L = math.lcm(L, hh)
        out = [[v * (L // scale.get(idx, 1)) for v in u] for idx, u in enumerate(Ui)]
        return out, den * L

    def _certify(self, cones, U, status, solver, dual="cones", faces=None) -> RegionOptimum:
        E = self.exact
        faces = faces or {}
        Ui, uden = self._rational_point(cones, U, faces)
        Ds = [self.patterns[cone_cell(c)] for c in cones]
        ss = [cone_sign(c) for c in cones]
        fn, fden = E.fitted(Ds, ss, Ui, den=uden)
        rn, rden = E.residual(fn, fden)
        loss = E.loss_of_residual(rn, rden)
        norm_sum = sum(_isqrt_ceil(sum(v * v for v in u)) for u in Ui)
        upper = loss + 2 * self.lam * Fraction(norm_sum, uden)
        r = np.array([v / rden for v in rn], dtype=float) if rden else np.zeros(self.n)
        # dual certificate
        mus = {}
        if dual == "all":
            Nmax = self._all_cones_dual(rn, rden, r, mus)
        else:
            # first pass with rounded NNLS multipliers; the exact least-squares multipliers
            # (slower) only if that certificate is not tight enough
            Ns, bs = {}, {}
            for c in cones:
                bs[c] = cone_sign(c) * (self.patterns[cone_cell(c)] * r) @ self.X
            ld = getattr(self, "_last_dual", None)
            self._last_dual = None
            if ld is not None and ld[2] is not None and ld[0] == tuple(cones) and ld[1] == tuple(sorted(faces)):
                Ns, mus = self._solver_multipliers(cones, faces, ld[2], rn, rden)
            for c in cones:
                if c not in Ns:
                    Ns[c], mus[c] = self._exact_cone_norm(c, bs[c], rn, rden, faces.get(c), refine=False)
            Nmax = max(Ns.values(), default=Fraction(0))
        t, lower = self._dual_bound(rn, rden, Nmax)
        if dual != "all" and not gap_ok(lower, upper):
            nl2 = (self.n * self.lam) ** 2
            for c in cones:
                if Ns[c] > nl2:
                    Ns[c], mus[c] = self._exact_cone_norm(c, bs[c], rn, rden, faces.get(c))
            Nmax = max(Ns.values(), default=Fraction(0))
            t, lower = self._dual_bound(rn, rden, Nmax)
        # outward rounding to a 2^-96 grid: still proven bounds, and short to print
        lower, upper = _round_down(lower, 96), _round_up(upper, 96)
        value = float(upper)
        u = {c: np.array([v / uden for v in Ui[i]], dtype=float) for i, c in enumerate(cones)}
        zero = tuple(Fraction(0) for _ in range(self.dim))
        u_exact = {c: (tuple(Fraction(v, uden) for v in Ui[i]) if any(Ui[i]) else zero)
                   for i, c in enumerate(cones)}
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
                             mus, r, fitted, solver, self.lam, t,
                             faces={c: f[0] for c, f in faces.items()})

    def _solver_multipliers(self, cones, faces, zs, rn, rden):
        """Exact squared dual norms for the solver's own multipliers.

        Clarabel's stationarity for ``u_c`` reads ``-(2/n) s_c X^T D_c r - G_c^T z_c = z_u``
        with ``|z_u| <= 2 lam``, so ``mu_c = (n/2) z_c`` is a candidate multiplier for the
        dual condition ``|s_c X^T D_c r + G_c^T mu_c| <= n lam``.  All cones are checked at
        once in exact integer arithmetic (one flint product); returns ``({c: N}, {c: mu})``
        for the cones that pass, the others are left to :meth:`_exact_cone_norm`.
        """
        import flint

        E = self.exact
        nl2 = (self.n * self.lam) ** 2
        k_ = len(cones)
        mu_rows = np.zeros((k_, self.n))
        for t, c in enumerate(cones):
            z = np.maximum(np.asarray(zs[t], dtype=float), 0.0)
            rows = self.facet_rows(cone_cell(c))
            nr = len(rows)
            if nr:
                mu_rows[t, rows] = z[:nr]
            if c in faces:  # the extra row -g_h: net multiplier on row h, either sign
                mu_rows[t, faces[c][1]] -= z[nr]
        if not np.all(np.isfinite(mu_rows)):
            return {}, {}
        top = float(np.max(np.abs(mu_rows))) if mu_rows.size else 0.0
        kk = 60 - math.frexp(top)[1] if top > 0 else 0
        Mi = np.rint(np.ldexp(mu_rows, kk)).astype(np.int64)
        Dm = self.patterns[[cone_cell(c) for c in cones]]
        Mi *= np.where(Dm, 1, -1)
        V = (flint.fmpz_mat(Mi.tolist()) * E.Xf).tolist()
        if not hasattr(E, "_Xl"):
            E._Xl = E.Xn.tolist()
        Xl = E._Xl
        den = E.dx * rden
        if kk >= 0:
            scale_b, scale_v, dd = 1 << kk, rden, den << kk
        else:
            scale_b, scale_v, dd = 1, rden << -kk, den
        Ns, mus = {}, {}
        lhs, rhs = nl2.denominator, nl2.numerator * dd * dd
        for t, c in enumerate(cones):
            D = Dm[t]
            s = cone_sign(c)
            acc = [0] * self.dim
            for i in range(self.n):
                if D[i] and rn[i]:
                    ri = rn[i] if s > 0 else -rn[i]
                    row = Xl[i]
                    for j in range(self.dim):
                        acc[j] += row[j] * ri
            num = [a * scale_b + int(v) * scale_v for a, v in zip(acc, V[t])]
            sq = sum(x * x for x in num)
            if sq * lhs <= rhs:
                Ns[c] = Fraction(sq, dd * dd)
                mus[c] = mu_rows[t].copy()
        return Ns, mus

    def _exact_cone_norm(self, c, b, rn, rden, face=None, refine=True):
        """Exact ``|s X^T D r + G^T mu|^2`` for a rationalised NNLS multiplier (``mu >= 0``;
        free on the crossed row ``h`` of a face ``(c2, h, p)``).  ``refine``: if the rounded
        multiplier leaves the norm above ``n lam``, try exact least squares on its support."""
        E = self.exact
        nl = self.n * self.lamf
        if float(np.linalg.norm(b)) <= nl * (1 - 1e-7):  # slack cone: mu = 0 suffices (checked exactly)
            N0 = E.cone_vector_sq(self.patterns[cone_cell(c)], cone_sign(c), rn, rden)
            if N0 <= (self.n * self.lam) ** 2:
                return N0, np.zeros(self.n)
        val, rows, mu = self.cone_dual_value(c, b, face)
        free = face[1] if face is not None else None
        mu_full = np.zeros(self.n)
        if len(rows) and np.any(mu != 0):
            mu_full[rows] = mu
            mi, kmu = to_grid(mu_full)
            mi = [v if i == free else max(v, 0) for i, v in enumerate(mi)]
            # mu is in units of r; convert to the integer scale of rn (G^T mu has rn/rden units)
            N = E.cone_vector_sq(self.patterns[cone_cell(c)], cone_sign(c), rn, rden, mi, kmu)
            if refine and N > (self.n * self.lam) ** 2:  # tight cone: exact least squares on the NNLS support
                ex = self._exact_multiplier(c, rn, rden, [int(i) for i in rows[mu != 0]], free)
                if ex is not None and ex[0] < N:
                    N, mu_full = ex
        else:
            N = E.cone_vector_sq(self.patterns[cone_cell(c)], cone_sign(c), rn, rden)
        return N, mu_full

    def _exact_multiplier(self, c, rn, rden, supp, free=None):
        """Exact ``min |b + G_B^T mu_B|^2`` over ``mu_B`` (normal equations), if ``mu_B >= 0``
        (the multiplier of row ``free`` may have either sign)."""
        D = self.patterns[cone_cell(c)]
        s = cone_sign(c)
        rows = self.arr.rows_exact
        r = [Fraction(v, rden) for v in rn]
        b = [s * sum((r[i] * rows[i][t] for i in range(self.n) if D[i]), Fraction(0)) for t in range(self.dim)]
        Gb = [[(1 if D[i] else -1) * v for v in rows[i]] for i in supp]
        M = _fq_mat([[sum((p * q for p, q in zip(gi, gj)), Fraction(0)) for gj in Gb] for gi in Gb])
        rhs = [-sum((p * q for p, q in zip(gi, b)), Fraction(0)) for gi in Gb]
        sol = _particular_solution(M, rhs)
        if sol is None or any(v < 0 for v, i in zip(sol, supp) if i != free):
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
        """Exact max over all K cones of the squared dual norm (with NNLS multipliers).

        Cells whose unconstrained norm ``|X^T D r|`` is exactly ``<= n lam`` need no
        multiplier.  For the others, multipliers from :meth:`batch_dual` are rounded and
        every cone's norm ``|s X^T D r + G^T mu|^2`` is evaluated exactly in one integer
        matrix product (flint); cones still above ``n lam`` get an NNLS multiplier and,
        if needed, exact least squares (:meth:`_exact_cone_norm`).
        """
        import flint

        E = self.exact
        nl2 = (self.n * self.lam) ** 2
        den = E.dx * rden
        den2 = den * den
        prods = [[int(v) for v in row] for row in E.cell_products(self._pattern_fmpz(), rn).tolist()]
        sq = [sum(v * v for v in row) for row in prods]
        # n0max: largest exact N0 among cells at most n lam; the rest need multipliers
        lim = nl2 * den2  # compare sq <= nl2 * den2 as Fractions
        hard = [cell for cell in range(self.P) if sq[cell] > lim]
        easy_max = max((sq[cell] for cell in range(self.P) if sq[cell] <= lim), default=0)
        Nmax = Fraction(easy_max, den2)
        if not hard:
            return Nmax
        B = np.array([[v / den for v in prods[cell]] for cell in hard], dtype=float)
        Bfull = np.zeros((self.P, self.dim))
        Bfull[hard] = B
        cc = np.repeat(np.array(hard, dtype=np.int64), 2)
        ss = np.tile(np.array([0, 1]), len(hard))
        _, mu, _ = self.batch_dual(cc, ss, Bfull)
        Gpad, mask, frows, _ = self._facet_pad()
        # rounded multipliers on one dyadic grid 2^-k (relative 2^-60 to the largest),
        # signs (2 D_i - 1) folded in; a cone whose check fails is redone individually
        m = len(cc)
        mu = np.where(mask[cc], np.maximum(mu, 0.0), 0.0)
        top = float(np.max(mu)) if mu.size else 0.0
        k = 60 - math.frexp(top)[1] if top > 0 else 0
        Mi = np.rint(np.ldexp(mu, k)).astype(np.int64)
        Mi *= np.where(np.take_along_axis(self.patterns[cc], frows[cc], axis=1), 1, -1)
        Mrows = np.zeros((m, self.n), dtype=np.int64)
        np.add.at(Mrows, (np.repeat(np.arange(m), frows.shape[1]), frows[cc].ravel()), (Mi * mask[cc]).ravel())
        Bsel = flint.fmpz_mat([prods[int(c)] if s == 0 else [-v for v in prods[int(c)]]
                               for c, s in zip(cc.tolist(), ss.tolist())])
        V = flint.fmpz_mat(Mrows.tolist()) * E.Xf
        # vec = Bsel / (dx rden) + V / (dx 2^k) = (Bsel 2^k + V rden) / (dx rden 2^k)
        num = (Bsel * (1 << k) + V * rden).tolist()
        dd2 = (den << k) ** 2
        lhs = nl2.denominator
        rhs = nl2.numerator * dd2
        fails, best = [], 0
        for t in range(m):
            sq_t = sum(int(x) * int(x) for x in num[t])
            c = 2 * int(cc[t]) + int(ss[t])
            if sq_t * lhs > rhs:
                fails.append(c)
                continue
            best = max(best, sq_t)
            if Mi[t].any():
                cell = int(cc[t])
                mu_full = np.zeros(self.n)
                mu_full[frows[cell][mask[cell]]] = mu[t][mask[cell]]
                mus[c] = mu_full
        Nmax = max(Nmax, Fraction(best, dd2))
        for c in fails:
            b = Bfull[cone_cell(c)] * cone_sign(c)
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
        batch = batch or max(5, self.n)
        work = set()
        r = self.y.copy()
        for _, c in self.scan(r, limit=2 * batch, iters=40)[: 2 * batch]:
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
            viol = self.scan(r, limit=batch + len(work), iters=40)
            new = [c for _, c in viol if c not in work][:batch]
            if not new and it < max_iter:  # confirm with the full-accuracy screen before stopping
                viol = self.scan(r, limit=batch + len(work))
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
        between the adjacent cones; the pruned optimum has one neuron per direction.

        The result's ``upper`` (and primal point, residual) is the pruned programme's; its
        ``lower``, ``mu`` and ``dual_scale`` are the all-cones dual certificate of ``opt``."""
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
        # The pruned point is feasible for V*, so best.upper bounds V* from above, and the
        # all-cones dual bound of the unpruned optimum (opt.lower) still bounds it from
        # below: no second pass over all K cones is needed.
        if not gap_ok(opt.lower, best.upper):
            return opt
        import dataclasses

        new = dataclasses.replace(best, lower=opt.lower, certified=True, reason="",
                                  mu=opt.mu, dual_scale=opt.dual_scale,
                                  method=opt.method, iterations=opt.iterations)
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
        # Every solve's bounds are proven whatever its status, so L*_m lies in
        # [min lower, min upper]; an uncertified solve matters only if its lower bound
        # is below the best upper bound, and then it is retried with a fresh cvxpy problem.
        opts = [self.solve(S) for S in itertools.combinations(range(self.K), size)]
        best = min(opts, key=lambda o: o.upper)
        for i, opt in enumerate(opts):
            if not opt.certified and opt.lower < best.upper:
                retry = self.solve(opt.cones, solver="cvxpy")
                if retry.lower > opt.lower:
                    opts[i] = retry
        best = min(opts, key=lambda o: o.upper)
        lo, up = min(o.lower for o in opts), best.upper
        certified = best.certified and gap_ok(lo, up)
        weak = [o for o in opts if not o.certified and o.lower < up]
        reason = "" if certified else (
            f"{len(weak)} support(s) with uncertified bounds below the best upper bound "
            f"(statuses {', '.join(sorted({o.status for o in weak}))})" if weak else
            f"gap {float(up - lo):.3g} too large")
        statuses = {o.status for o in opts}
        status = "optimal" if statuses == {"optimal"} else "/".join(sorted(statuses))
        return WidthOptimum(m, float(up), lo, up, certified, status, reason, "exact_search",
                            best, count)


def _round_up(q: Fraction, bits: int) -> Fraction:
    """A rational ``>= q`` with denominator ``2^bits``."""
    return Fraction(math.ceil(q * (1 << bits)), 1 << bits)


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


def _clarabel_region(prog: RegionProgram, cones, faces=None):
    """Candidate for ``V(S)`` from Clarabel on a directly assembled conic form.

    Variables ``(u, t)`` with ``(1/n)|A u - y|^2 + 2 lam sum t`` (dense ``A^T A``) for small
    programmes; with more unknowns than samples the residual ``e = A u - y`` is a variable
    so that the quadratic term stays diagonal and sparse.  The constraint matrix is built
    as one set of COO triplets (no per-block sparse matrices).  A face cone (``faces[c]``)
    gets one more nonnegative row, ``-g_h . u >= 0``, next to ``g_h . u >= 0``.
    """
    import clarabel

    faces = faces or {}
    k, p, n = len(cones), prog.dim, prog.n
    A = np.hstack([prog.A(c) for c in cones])
    resid_form = k * p > 2 * n
    ne = n if resid_form else 0
    N = k * p + k + ne
    if resid_form:
        idx = np.arange(k * p + k, N)
        Pcsc = _csc(np.full(n, 2.0 / n), idx, idx, N, N)
        q = np.concatenate([np.zeros(k * p), np.full(k, 2.0 * prog.lamf), np.zeros(n)])
    else:
        Q = np.triu((2.0 / n) * (A.T @ A))
        qi, qj = np.nonzero(Q)
        Pcsc = _csc(Q[qi, qj], qi, qj, N, N)
        q = np.concatenate([-(2.0 / n) * (A.T @ prog.y), np.full(k, 2.0 * prog.lamf)])
    R, C, V = [], [], []
    row = 0
    if resid_form:  # A u - e = y  (zero cone)
        ai, aj = np.nonzero(A)
        R += [ai, np.arange(n)]
        C += [aj, np.arange(k * p + k, N)]
        V += [A[ai, aj], -np.ones(n)]
        row = n
    nn = 0
    zrows = []
    for i, c in enumerate(cones):
        G = prog.G_face(c, faces.get(c))
        zrows.append((row, len(G)))
        if len(G):
            m = len(G)
            R.append(np.repeat(np.arange(row, row + m), p))
            C.append(np.tile(np.arange(i * p, (i + 1) * p), m))
            V.append(-G.ravel())
            row += m
            nn += m
    # second-order cones (t_i, u_i)
    base = row + (p + 1) * np.arange(k)
    R.append(base)
    C.append(k * p + np.arange(k))
    V.append(-np.ones(k))
    R.append((base[:, None] + 1 + np.arange(p)[None, :]).ravel())
    C.append(np.arange(k * p))
    V.append(-np.ones(k * p))
    rows_total = row + k * (p + 1)
    Acsc = _csc(np.concatenate(V), np.concatenate(R), np.concatenate(C), rows_total, N)
    b = np.zeros(rows_total)
    if resid_form:
        b[:n] = prog.y
    cone_spec = ([clarabel.ZeroConeT(n)] if resid_form else []) + \
        ([clarabel.NonnegativeConeT(nn)] if nn else []) + [clarabel.SecondOrderConeT(p + 1)] * k
    U, status, z = _run_clarabel(Pcsc, q, Acsc, b, cone_spec, k, p, N, want_z=True)
    # multipliers of G_c u_c >= 0 for the certificate: mu_c = (n/2) z (see _certify)
    prog._last_dual = (tuple(cones), tuple(sorted(faces)), None if z is None else
                       [0.5 * n * z[r0:r0 + m] for r0, m in zrows])
    return U, status


def _csc(data, rows, cols, nr, nc):
    """CSC matrix from triplets without duplicates (sorted by column, then row), built
    directly from ``(data, indices, indptr)``: cheaper than scipy's COO conversion."""
    order = np.lexsort((rows, cols))
    cols = np.asarray(cols, dtype=np.int64)[order]
    indptr = np.zeros(nc + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=nc), out=indptr[1:])
    return sp.csc_matrix((np.asarray(data, dtype=float)[order], np.asarray(rows, dtype=np.int64)[order], indptr),
                         shape=(nr, nc))


def _run_clarabel(Pcsc, q, Acsc, b, cone_spec, k, p, N, want_z=False):
    import clarabel

    # without equilibration first (faster and, on these small well-scaled programmes, more
    # accurate); retry with equilibration, then with looser tolerances, if not fully solved
    for tol, equil in ((1e-11, False), (1e-11, True), (1e-9, True)):
        settings = _SETTINGS.get((tol, equil))
        if settings is None:
            settings = _SETTINGS[(tol, equil)] = _clarabel_settings(tol)
            settings.equilibrate_enable = equil
            settings.max_threads = 1
        solver = clarabel.DefaultSolver(Pcsc, q, Acsc, b, cone_spec, settings)
        sol = solver.solve()
        status = _CLARABEL_STATUS.get(str(sol.status).split(".")[-1], str(sol.status).split(".")[-1])
        if status == "optimal":
            break
    x = np.array(sol.x)
    if not np.all(np.isfinite(x)):
        x = np.zeros(N)
    if want_z:
        z = np.array(sol.z)
        return x[: k * p].reshape(k, p), status, (z if np.all(np.isfinite(z)) else None)
    return x[: k * p].reshape(k, p), status


_SETTINGS = {}


def _cvxpy_region(prog: RegionProgram, cones, solver, faces=None):
    """Candidate for ``V(S)`` from a fresh cvxpy problem (the authors' approach)."""
    import cvxpy as cp

    faces = faces or {}
    name = "CLARABEL" if solver == "cvxpy" else solver.split(":", 1)[1].upper()
    us = [cp.Variable(prog.dim) for _ in cones]
    f = sum(prog.A(c) @ u for c, u in zip(cones, us))
    obj = cp.sum_squares(f - prog.y) / prog.n + 2 * prog.lamf * sum(cp.norm(u, 2) for u in us)
    cons = [prog.G(c, np.nonzero(prog.nz)[0]) @ u >= 0 for c, u in zip(cones, us)]
    cons += [prog.X[faces[c][1]] @ u == 0 for c, u in zip(cones, us) if c in faces]
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
    from ..geometry.arrangement import enumerate_cells

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
    rows_q = [[Fraction(v) for v in r] for r in prog.arr.rows_exact]
    norms = np.linalg.norm(U, axis=1)
    scale = norms.max() if len(norms) else 0.0
    used = [i for i in range(len(cones)) if norms[i] > _ZERO_REL * max(scale, 1e-300)]
    if not used:
        return None, {}, "no candidate"
    bases = []
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


# ---------------------------------------------------------------------------
# Newton refinement of an optimum of V(S)
# ---------------------------------------------------------------------------


def refine_optimum(prog, u_by_cone, digits=None, iters=30, active_tol=1e-7):
    """Refine an optimum of ``V(S)`` by Newton's method on its KKT system.

    The solver's point is certified only in value (to ``GAP_TOL``); its weights can be off
    by ~1e-6 where a constraint is nearly active.  Rows with ``|x_i . u_c|`` below
    ``active_tol |x_i| |u_c|`` are held at equality (an exact rational basis of that face),
    every used ``u_c`` is nonzero, and on that face ``V`` is smooth near the optimum, so
    Newton's method with a backtracking line search converges quadratically.

    Parameters
    ----------
    prog : RegionProgram
    u_by_cone : dict
        cone -> float vector, a (near-)optimum of ``V(S)``.
    digits : int, optional
        ``None``: float arithmetic, returns float vectors.  Otherwise mpmath with that many
        digits, returns vectors of ``mpmath.mpf``.

    Returns
    -------
    dict
        cone -> refined ``u_c``; the input dict itself if a step fails or the refined point
        leaves a closed cell.  Nothing here is certified: callers check what they use.
    """
    cones = sorted(c for c, u in u_by_cone.items() if np.any(np.asarray(u, dtype=float)))
    if not cones:
        return u_by_cone
    if digits is None:
        return _refine(prog, u_by_cone, cones, float, math.sqrt, _solve_float, iters, active_tol, 2.0**-52)
    import mpmath

    with mpmath.workdps(digits):
        return _refine(prog, u_by_cone, cones, _mpf, mpmath.sqrt, _solve_mp, iters, active_tol,
                       mpmath.mpf(10) ** (5 - digits))


def _mpf(q):
    import mpmath

    q = Fraction(q)
    return mpmath.mpf(q.numerator) / q.denominator


def _solve_float(H, g):
    return np.linalg.lstsq(np.asarray(H, dtype=float), np.asarray(g, dtype=float), rcond=1e-13)[0]


def _solve_mp(H, g):
    import mpmath

    sol = mpmath.lu_solve(mpmath.matrix(H.tolist()), mpmath.matrix(g.tolist()))
    return np.array([sol[i] for i in range(len(g))], dtype=object)


def _face_basis(prog, c, u, active_tol):
    """Exact rational basis (dim x k) of ``{v : x_i . v = 0}`` for the nearly active rows."""
    X = prog.X
    scale = np.linalg.norm(X, axis=1) * np.linalg.norm(u)
    active = np.nonzero(np.abs(X @ u) <= active_tol * np.maximum(scale, 1e-300))[0]
    rows = [prog.arr.rows_exact[i] for i in active if any(prog.arr.rows_exact[i])]
    if not rows:
        return [[Fraction(int(i == j)) for j in range(prog.dim)] for i in range(prog.dim)]
    basis = _nullspace(_fq_mat(rows), prog.dim)
    return [[v[i] for v in basis] for i in range(prog.dim)]


def _refine(prog, u_by_cone, cones, num, sqrt, solve, iters, active_tol, eps):
    n = prog.n
    conv = np.vectorize(num, otypes=[object if num is not float else float])
    X = conv(np.array(prog.arr.rows_exact, dtype=object))
    y = conv(np.array(prog.ds.y_exact, dtype=object))
    lam = num(prog.lam)
    blocks, bases, grams, z = [], [], [], []
    for c in cones:
        u = np.asarray(u_by_cone[c], dtype=float)
        Nq = _face_basis(prog, c, u, active_tol)
        if not Nq or not Nq[0]:
            return u_by_cone
        N = conv(np.array(Nq, dtype=object))
        Nf = np.array(Nq, dtype=float)
        D = prog.patterns[cone_cell(c)]
        A = (cone_sign(c) * D[:, None]) * X
        blocks.append(A @ N)
        bases.append(N)
        grams.append(N.T @ N)
        z.append(conv(np.linalg.lstsq(Nf, u, rcond=None)[0].astype(object)))
    sizes = [N.shape[1] for N in bases]
    cuts = np.cumsum(sizes)[:-1]
    M = np.hstack(blocks)
    z = np.concatenate(z)
    zero = num(0)

    def norms(z):
        return [sqrt(p @ G @ p) for p, G in zip(np.split(z, cuts), grams)]

    def objective(z):
        res = M @ z - y
        return res @ res / n + 2 * lam * sum(norms(z), zero)

    best = start = objective(z)
    for _ in range(iters):
        nz = norms(z)
        if any(v == 0 for v in nz):
            return u_by_cone
        res = M @ z - y
        g = (2 / num(n)) * (M.T @ res)
        H = (2 / num(n)) * (M.T @ M)
        off = 0
        for p, G, nu in zip(np.split(z, cuts), grams, nz):
            k = len(p)
            Gp = G @ p
            g[off:off + k] += 2 * lam * Gp / nu
            H[off:off + k, off:off + k] += 2 * lam * (G / nu - np.outer(Gp, Gp) / nu**3)
            off += k
        try:
            step = solve(H, g)
        except (np.linalg.LinAlgError, ZeroDivisionError):
            break
        t = num(1)
        while t > num(2) ** -20:
            cand = z - t * step
            val = objective(cand)
            if val <= best:
                break
            t /= 2
        else:
            break
        moved = sqrt((t * step) @ (t * step))
        z, best = cand, val
        if moved <= eps * (1 + sqrt(z @ z)):
            break
    if not best <= start:
        return u_by_cone
    out = {}
    for c, N, p in zip(cones, bases, np.split(z, cuts)):
        u = N @ p
        uf = np.asarray(u, dtype=float)
        xu = prog.X @ uf
        D = prog.patterns[cone_cell(c)]
        tol = 1e-12 * np.linalg.norm(uf)
        if np.any(xu[D] < -tol) or np.any(xu[~D] > tol):
            return u_by_cone
        out[c] = u
    return out
