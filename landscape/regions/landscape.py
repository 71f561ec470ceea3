r"""The width-m landscape: classify regions and compute exact proportions.

A *region* of the width-``m`` parameter space picks a signed cone for every neuron
(MATH.md section 1); its *support* ``S`` is the set of distinct cones.  Inside the closure
of a region ``L >= V(S)``, with equality at balanced points (Pilanci & Ergen 2020), so a
region is classified through certified solves of ``V``:

* **global**: ``V(S) = L*_m`` within the certified bounds;
* **spurious** (an interior spurious local minimum): every minimiser of ``V(S)`` uses
  every cone of ``S`` strictly inside its cell, and ``V(S) > L*_m`` (certified);
* **boundary descent**: the minimiser of ``V(S)`` on the closed region sits on a facet and
  moving one neuron across it (into a named neighbouring region) strictly lowers ``V``;
* **boundary local minimum**: the closure minimiser is a local minimum of the full
  landscape that is not global (no neighbouring region lowers ``V``);
* **uncertified**: some deciding bound could not be certified.

Certificate for an interior minimum (no tolerance): for every cone ``c`` of ``S``,
``lower V(S \ {c}) > upper V(S)`` (so no minimiser leaves ``c`` unused) and, for every facet
of ``c``'s cell with neighbouring signed cone ``c'``,
``lower V((S \ {c}) | {c'}) > upper V(S)`` (a minimiser with ``u_c`` on that facet would be
feasible there with the same value).  Hence every minimiser is strictly interior and its
balanced network is a local minimum of ``L`` in the open region.  Conversely an interior
minimiser needs ``|X^T D_c r*| = n lam`` for every ``c`` (KKT with inactive cone
constraints); the certified gap puts the optimal residual ``r*`` within
``sqrt(n (upper - lower))`` of the certified dual point, so a larger margin proves that
there is none.

Proportions under a cone measure (:mod:`landscape.geometry.measures`):

* ``P_global(m)``: when ``L*_m = V*``, only cones that are *active* at the (unique) optimal
  residual can carry an optimum; cones whose dual value is certifiably below ``n lam`` are
  excluded, the up-set of subsets ``B`` of the active cones ``A`` with ``V(B) = V*`` is
  found by certified solves, and ``P_global(m) = sum_B Pr[support & A = B]``, an exact
  rational and a sympy closed form in ``m``.  For smaller ``m`` every support of size
  ``<= m`` is solved.
* ``P_spurious(m)``: sum over the supports certified to hold an interior spurious minimum
  (an optimum uses at most about ``n + 1`` cones, so supports up to that size are
  enumerated when feasible); otherwise sampled with a Wilson 95% interval.
* ``P_bad(m)``: the closure minimiser is a local minimum of the full landscape and not
  global -- the authors' notion made exact; beside it the count the authors' stationarity
  test would give.  Exact when every support of size ``<= m`` can be solved, else sampled.

Examples
--------
Orthonormal data with one positive and one negative label.  At width 1 the best network
fits one label: 4 of the 8 signed cones can do that.  From width 2 on the convex optimum
(a positive and a negative neuron) is reachable, and a random region must put a neuron in
each of two groups of 2 cones out of 8, so ``P_global(m) = 1 - 2 (3/4)^m + (1/2)^m``:

>>> from landscape.data import Dataset
>>> ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, -1])
>>> land = Landscape(ds, "1/10")
>>> land.row(1).P_global, land.row(2).P_global, land.row(3).P_global
(Fraction(1, 2), Fraction(1, 8), Fraction(9, 32))
>>> land.row(2).closed_form
'-2*(3/4)**m + 1 + (1/2)**m'
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..exact.arithmetic import GAP_TOL, gap_ok
from ..convex.program import RegionProgram, WidthOptimum
from ..data import parse_lam
from ..geometry.cones import cone_cell, cone_sign
from ..errors import InputError, TooLargeError
from ..geometry.measures import (
    closed_form,
    gaussian_measure,
    inclusion_exclusion_terms,
    restricted_support_probability,
    sample_supports,
    support_probability,
    uniform_measure,
    wilson_interval,
)

__all__ = ["Landscape", "SupportClass", "WidthRow", "analyse", "CLASSES"]

CLASSES = ("global", "spurious", "boundary_descent", "boundary_local_min", "uncertified")
_USABLE = ("optimal", "optimal_inaccurate")  # solver statuses whose proven bounds we use
DEFAULT_MAX_SUPPORTS = 30_000


def _tol(value):
    return Fraction(GAP_TOL) * (1 + abs(value))


@dataclass
class SupportClass:
    """Classification of the regions with support ``cones`` at width ``m``.

    Attributes
    ----------
    cones : tuple of int
        The support ``S``.
    lower, upper : Fraction
        Certified bounds on ``V(S)``.
    global_ : bool or None
        ``V(S) = L*_m`` within the certified bounds (None: undecided).
    interior : bool or None
        Some/every minimiser of ``V(S)`` is strictly inside every cone of ``S`` (a local
        minimum in the open region); None when neither certificate could be completed.
    klass : str
        One of :data:`CLASSES`.
    certificate : dict
        The bounds behind the decision: the interior-minimum inequalities, or the descent.
    stationary : bool
        What the authors' one-sided stationarity test says of the closure minimiser.
    """

    cones: tuple
    lower: Fraction
    upper: Fraction
    global_: bool | None
    interior: bool | None
    klass: str
    certificate: dict = field(default_factory=dict)
    stationary: bool = False
    network: tuple = None
    bad: bool | None = None

    def to_json_obj(self):
        a, W = self.network if self.network is not None else ([], [])
        return {"cones": list(self.cones), "lower": self.lower, "upper": self.upper,
                "global": self.global_, "interior": self.interior, "class": self.klass, "bad": self.bad,
                "stationary": self.stationary, "certificate": self.certificate,
                "network": {"a": list(np.asarray(a).tolist()), "W": np.asarray(W).tolist()}}


@dataclass
class WidthRow:
    """One row of the landscape table: the proportions at width ``m``."""

    m: int
    K: int
    L_star: object  # WidthOptimum
    P_global: object  # Fraction / float / dict (sampled)
    P_spurious: object
    P_bad: object
    P_stationary: object  # what the authors' stationarity test would count as "bad"
    uncertified: object
    method: str
    seconds: float
    closed_form: str | None = None

    def to_json_obj(self):
        def enc(p):
            if isinstance(p, dict):
                return p
            if isinstance(p, Fraction):
                return str(p)
            return p

        return {
            "m": self.m, "K": self.K,
            "L_star": {"value": self.L_star.value, "lower": str(self.L_star.lower),
                       "upper": str(self.L_star.upper), "certified": self.L_star.certified,
                       "method": self.L_star.method},
            "P_global": enc(self.P_global), "P_spurious": enc(self.P_spurious), "P_bad": enc(self.P_bad),
            "P_stationary_authors": enc(self.P_stationary),
            "uncertified": {k: enc(v) for k, v in self.uncertified.items()},
            "method": self.method, "seconds": round(self.seconds, 3),
            "P_global_closed_form": self.closed_form,
        }


class Landscape:
    """The width-m landscape of one dataset and ``lam``, with cached certified solves.

    Parameters
    ----------
    ds : Dataset
    lam : Fraction or text, ``> 0``
    measure : ``"uniform"`` or ``"gaussian"``
    samples : int, optional
        Regions to sample per width when exact enumeration is too large (or always, when
        ``force_sampling``).  Without it, an instance too large for exact mode is refused.
    max_supports : int
        Limit on the number of supports solved for an exact answer.
    prog : RegionProgram, optional
    """

    def __init__(self, ds, lam, measure="uniform", samples=None, seed=0,
                 max_supports=DEFAULT_MAX_SUPPORTS, prog=None, force_sampling=False):
        self.ds = ds
        self.lam = parse_lam(lam)
        if self.lam <= 0:
            raise InputError("lam must be > 0 for the landscape (lam = 0 has no weight decay)")
        self.prog = prog if prog is not None else RegionProgram(ds, self.lam)
        self.K = self.prog.K
        if measure == "uniform":
            self.measure = uniform_measure(self.prog.arr)
        elif measure == "gaussian":
            self.measure = gaussian_measure(self.prog.arr, seed=seed)
        else:
            raise InputError(f"unknown measure {measure!r}; use uniform or gaussian")
        if samples is not None and int(samples) < 1:
            raise InputError(f"--samples must be at least 1, got {samples}")
        self.samples = samples
        self.seed = seed
        self.max_supports = max_supports
        self.force_sampling = force_sampling
        self._solves = {}
        self._faces = {}  # (support, cone, neighbour) -> face programme optimum
        self._classes = {}  # (support, m) -> SupportClass
        self._spurious = {}  # (support, m) -> "spurious" | "uncertified" | "not"
        self._samples = {}  # m -> sampled proportions
        self._last_count = 0
        self.glob = self.prog.global_optimum()
        self._width = {}
        self._active = None
        self._upset = None

    # -- certified solves ----------------------------------------------------------
    def V(self, cones):
        key = tuple(sorted(set(int(c) for c in cones)))
        if key not in self._solves:
            self._solves[key] = self.prog.solve(key)
        return self._solves[key]

    def V_face(self, cones, c, nb):
        """Certified ``V(S)`` with ``u_c`` restricted to the facet shared with cone ``nb``."""
        key = (tuple(sorted(set(int(x) for x in cones))), int(c), int(nb))
        if key not in self._faces:
            self._faces[key] = self.prog.solve(key[0], faces={key[1]: key[2]})
        return self._faces[key]

    def L_star(self, m):
        """``L*_m`` (a WidthOptimum).  Once verified direction groups exist, one cone per
        group attains ``V*``, so ``L*_m = V*`` from ``m = len(groups)`` on."""
        if m not in self._width:
            groups = self.direction_groups() if m < len(self.glob.cones_used) else None
            if groups is not None and m >= len(groups):
                g, best = self.glob, self.V(tuple(G[0] for G in groups))
                self._width[m] = WidthOptimum(m, float(best.upper), g.lower, best.upper,
                                              gap_ok(g.lower, best.upper), best.status, "",
                                              "equals_global", best, len(groups))
            else:
                self._width[m] = self.prog.width_optimum(m, max_programs=self.max_supports, glob=self.glob)
        return self._width[m]

    @property
    def m0(self):
        """Smallest width at which ``L*_m = V*`` is certified: the number of verified
        direction groups, else the support size of the certified convex optimum."""
        groups = self.direction_groups() if len(self.glob.cones_used) > 1 else None
        return max(1, len(groups) if groups is not None else len(self.glob.cones_used))

    # -- active cones and the global up-set -------------------------------------------
    def _dual_point(self, opt):
        """The certified dual point of ``opt`` and its radius.

        Returns ``(r, rho, B)``: the scaled dual residual ``r`` behind ``opt.lower``, the
        radius ``sqrt(n (upper - lower))`` of the ball that holds the optimal residual (by
        strong concavity of the dual), and ``B`` with rows ``X^T D r`` for every cell.
        """
        prog = self.prog
        r = np.asarray(opt.residual, dtype=float) * float(opt.dual_scale)
        rho = math.sqrt(prog.n * float(opt.upper - opt.lower))
        return r, rho, prog.patterns.astype(float) @ (prog.X * r[:, None])

    def active_cones(self):
        """Cones that may carry a convex optimum: all others are certifiably inactive.

        A cone ``c`` is excluded when its dual value at the certified dual point plus the
        Lipschitz bound ``|X|_2 sqrt(n (upper - lower))`` is below ``n lam``.
        """
        if self._active is None:
            g = self.glob
            prog = self.prog
            _, rho, B = self._dual_point(g)
            lip = float(np.linalg.norm(prog.X, 2))
            nl = prog.n * prog.lamf
            margin = lip * rho + 1e-9 * nl
            active = []
            for cell in np.nonzero(np.linalg.norm(B, axis=1) >= nl - margin)[0].tolist():
                for s in (0, 1):
                    c = 2 * cell + s
                    b = B[cell] if s == 0 else -B[cell]
                    if prog.cone_dual_value(c, b)[0] >= nl - margin:
                        active.append(c)
            self._active = tuple(active)
        return self._active

    def direction_groups(self):
        """Active cones grouped by the optimal direction they can carry, verified.

        At the optimal dual residual every active cone's dual maximiser is one of the
        optimum's neuron directions; cones sharing a direction are interchangeable.  The
        grouping is read off the certified dual point in floating point and then *proven*
        by certified solves: removing a whole group certifiably raises ``V`` above ``V*``
        (so a support missing a group is not global), and every choice of one cone per
        group attains ``V*`` within the tolerance (so, ``V`` being monotone, a support
        hitting every group is global).  Returns the groups (tuples of cones) or None when
        the verification fails (e.g. several optimal supports): then the up-set of
        :meth:`global_upset` decides.
        """
        if getattr(self, "_groups", False) is False:
            self._groups = self._find_direction_groups()
        return self._groups

    def _find_direction_groups(self):
        A = self.active_cones()
        prog, g = self.prog, self.glob
        if not A:
            return None
        _, _, B = self._dual_point(g)
        groups, heads = [], []
        for c in A:
            b = cone_sign(c) * B[cone_cell(c)]
            _, rows, mu = prog.cone_dual_value(c, b)
            v = b + (prog.G(c, rows).T @ mu if len(rows) else 0)
            v = v / np.linalg.norm(v)
            for k, (sign, head) in enumerate(heads):
                if sign == cone_sign(c) and np.linalg.norm(v - head) <= 1e-6:
                    groups[k].append(c)
                    break
            else:
                heads.append((cone_sign(c), v))
                groups.append([c])
        if math.prod(len(G) for G in groups) + len(groups) > self.max_supports:
            return None
        for G in groups:
            rest = [c for c in A if c not in G]
            opt = self.V(rest) if rest else None
            lower = opt.lower if opt is not None else self._empty_value()
            if not ((opt is None or opt.status in _USABLE) and lower > g.upper):
                return None
        for choice in itertools.product(*groups):
            opt = self.V(choice)
            if not (opt.status in _USABLE and opt.upper - g.lower <= _tol(g.upper)):
                return None
        return [tuple(G) for G in groups]

    def global_upset(self):
        """Minimal subsets ``B`` of the active cones with ``V(B) = V*`` (certified).

        Returns ``(minimal, undecided)``: the minimal global subsets, and subsets whose
        comparison with ``V*`` could not be certified either way.
        """
        if self._upset is None:
            A = self.active_cones()
            if len(A) > 16:
                raise TooLargeError("active cones of the convex optimum (subsets to solve)", 2 ** len(A),
                                    2**16, "--samples")
            g = self.glob
            minimal, undecided = [], []
            for size in range(1, len(A) + 1):
                for B in itertools.combinations(A, size):
                    if any(set(M) <= set(B) for M in minimal):
                        continue
                    opt = self.V(B)  # decided from proven bounds, as in _global_of (V(B) >= V*)
                    usable = opt.status in _USABLE
                    if usable and opt.upper - g.lower <= _tol(g.upper):
                        minimal.append(B)
                    elif not (usable and opt.lower > g.upper):
                        undecided.append(B)
            self._upset = (minimal, undecided)
        return self._upset

    # -- classification of one support ---------------------------------------------
    def classify(self, cones, m):
        """Classify the regions of width ``m`` with support ``cones`` (a SupportClass)."""
        S = tuple(sorted(set(int(c) for c in cones)))
        key = (S, m)
        if key in self._classes:
            return self._classes[key]
        opt = self.V(S)
        Ls = self.L_star(m)
        cert = {"V": {"lower": opt.lower, "upper": opt.upper}}
        glob_ = self._global_of(opt, m)
        if glob_ is not False:  # global, or too close to L*_m to decide
            reason = {} if glob_ else {"reason": opt.reason or Ls.reason or "V(S) too close to L*_m to decide"}
            sc = SupportClass(S, opt.lower, opt.upper, glob_, None, "global" if glob_ else "uncertified",
                              {**cert, **reason}, False, opt.network, False if glob_ else None)
            self._classes[key] = sc
            return sc
        interior, icert = self._interior(S, opt)
        cert["interior"] = icert
        descent = self._descent(S, opt, m)
        if descent:
            cert["descent"] = descent
        if interior:
            klass, bad = "spurious", len(opt.cones_used) == m
        elif descent is None:
            klass, bad = "uncertified", None
        elif descent:
            klass, bad = "boundary_descent", False
        else:
            klass, bad = "boundary_local_min", True
        sc = SupportClass(S, opt.lower, opt.upper, False, interior, klass, cert, self._stationary(opt, m),
                          opt.network, bad)
        self._classes[key] = sc
        return sc

    def _interior(self, S, opt):
        """(True/False/None, certificate) for "some minimiser is strictly interior"."""
        prog = self.prog
        r, rho, _ = self._dual_point(opt)
        nl = prog.n * prog.lamf
        # An interior minimiser has inactive cone constraints, so KKT reads
        # b_c(r*) = s_c X^T D_c r* = n lam u_c/|u_c|: |b_c(r*)| = n lam and b_c(r*) strictly
        # inside the cell.  Each facet functional g . b_c(r) is linear in r; if it vanishes
        # identically (exact check) or is certifiably <= 0 at r*, there is no interior minimiser.
        for c in S:
            D = prog.patterns[cone_cell(c)]
            b = cone_sign(c) * (D * r) @ prog.X
            lip = float(np.linalg.norm(prog.X[D], 2)) if D.any() else 0.0
            slack = lip * rho + 1e-9 * nl
            if abs(float(np.linalg.norm(b)) - nl) > slack:
                return False, {"type": "no_interior_minimiser", "cone": c, "reason": "|X^T D_c r*| != n lam",
                               "norm_b": float(np.linalg.norm(b)), "n_lam": nl, "radius": lip * rho}
            for i in prog.facet_rows(cone_cell(c)).tolist():
                sgn = 1 if D[i] else -1
                if self._facet_functional_vanishes(cone_cell(c), i):
                    return False, {"type": "no_interior_minimiser", "cone": c, "row": i,
                                   "reason": "x_i . X^T D_c r = 0 for every r (exact): the KKT direction lies on the facet"}
                coef = sgn * cone_sign(c) * (prog.X[D] @ prog.X[i])
                if sgn * float(prog.X[i] @ b) + float(np.linalg.norm(coef)) * rho < 0:
                    return False, {"type": "no_interior_minimiser", "cone": c, "row": i,
                                   "reason": "the KKT direction is certifiably outside the cell"}
        # sufficient: every minimiser uses every cone, and touches no facet
        checks = []
        for c in S:
            rest = [x for x in S if x != c]
            alt = self.V(rest) if rest else None
            lower_alt = alt.lower if alt is not None else self._empty_value()
            if alt is not None and not alt.certified:
                return None, {"type": "uncertified", "support": rest}
            if not lower_alt > opt.upper:
                return None, {"type": "cone_may_be_unused", "cone": c}
            checks.append({"without": c, "lower": lower_alt})
            for nb in self._neighbour_cones(c):
                face = self.V_face(S, c, nb)
                if not (face.certified and face.lower > opt.upper):
                    return None, {"type": "minimiser_may_touch_facet", "cone": c, "neighbour": nb}
                checks.append({"face": [c, nb], "lower": face.lower})
        return True, {"type": "interior_minimum", "upper_V": opt.upper, "checks": checks}

    def _facet_functional_vanishes(self, cell, i):
        """Exact: ``x_i . x_k = 0`` for every row ``k`` active in ``cell``."""
        key = (cell, i)
        if not hasattr(self, "_vanish"):
            self._vanish = {}
        if key not in self._vanish:
            rows = self.prog.arr.rows_exact
            D = self.prog.patterns[cell]
            xi = rows[i]
            self._vanish[key] = all(sum((a * b for a, b in zip(xi, rows[k])), Fraction(0)) == 0
                                    for k in np.nonzero(D)[0].tolist())
        return self._vanish[key]

    def _empty_value(self):
        y = self.ds.y_exact
        return sum((v * v for v in y), Fraction(0)) / len(y)

    def _neighbour_cones(self, c):
        cell = cone_cell(c)
        nbrs = self._adjacent_cells().get(cell, ())
        return [2 * k + (c % 2) for k in nbrs]

    def _adjacent_cells(self):
        if not hasattr(self, "_adj"):
            adj = {}
            for i, j, _ in self.prog.arr.adjacent_pairs().tolist():
                adj.setdefault(i, []).append(j)
                adj.setdefault(j, []).append(i)
            self._adj = adj
        return self._adj

    def _descent(self, S, opt, m):
        r"""How the merged closure minimiser of a non-global support can descend.

        After merging, the minimiser has one neuron per used cone and ``m - |used|`` zero
        neurons.  A zero neuron makes it a local minimum only if it is a convex optimum,
        which a non-global support's is not: a neuron grows (the cone that most violates
        the dual condition is named).  Otherwise every neuron is alone in its cone, and it
        can cross a facet it lies on into the neighbouring cone ``c'`` exactly when
        ``V((S \ {c}) | {c'}) < V(S)``.

        Facet contact is decided by the face programme: ``V`` with ``u_c`` restricted to
        the facet equals ``V(S)`` within the certified tolerance (a minimiser lies on it),
        or is certifiably larger (none does).

        Returns a dict naming the move, ``False`` when no move decreases ``V`` (a local
        minimum of the full landscape), or ``None`` when a comparison could not be
        certified.
        """
        prog = self.prog
        used = sorted(opt.cones_used)
        if len(used) < m:
            r = np.asarray(opt.residual, dtype=float)
            viol = prog.scan(r)
            move = {"move": "grow", "reason": "the merged minimiser has a zero neuron and V(S) > V*"}
            if viol:
                c2 = viol[0][1]
                alt = self.V(set(used) | {c2})
                move.update({"to": c2, "region": sorted(set(used) | {c2})})
                if alt.certified and alt.upper < opt.lower:
                    move["decrease_at_least"] = opt.lower - alt.upper
            return move
        undecided = False
        tol = _tol(opt.upper)
        for c in used:
            for nb in self._neighbour_cones(c):
                T = sorted((set(S) - {c}) | {nb})
                alt = self.V(T)
                if alt.certified and alt.lower >= opt.upper - tol:
                    continue  # crossing this facet cannot lower V, whether or not it is touched
                face = self.V_face(S, c, nb)  # is the facet touched by a minimiser?
                if face.certified and face.lower > opt.upper:
                    continue  # certifiably not
                if not (face.certified and face.upper <= opt.lower + tol):
                    undecided = True  # facet contact could not be decided
                    continue
                if alt.certified and alt.upper < opt.lower - tol:
                    return {"move": "cross", "from": c, "to": nb, "region": T,
                            "decrease_at_least": opt.lower - alt.upper,
                            "facet_value": {"lower": face.lower, "upper": face.upper}}
                undecided = True
        return None if undecided else False

    def _stationary(self, opt, m):
        """The authors' one-sided stationarity test at the merged closure minimiser."""
        from ..network.pointwise import is_stationary

        a, W = opt.network
        if len(a) == 0:
            return True
        return bool(is_stationary(self.ds, self.lam, a, W, tol=1e-6, prog=self.prog))

    # -- proportions -------------------------------------------------------------
    def _prob(self, cones, m):
        return support_probability([self.measure.probs[c] for c in cones], m)

    def p_global_exact(self, m):
        """Exact ``P_global(m)`` and its closed form, or ``(None, None)`` if infeasible."""
        out = self._p_global(m)
        return (None, None) if out is None or out[2] else out[:2]
    def row(self, m):
        """The landscape at width ``m``: a :class:`WidthRow`.

        Each proportion is computed exactly when its enumeration fits ``max_supports``,
        else sampled (when ``samples`` was given; otherwise :class:`TooLargeError`):

        * ``P_global``: from the active cones' up-set when ``L*_m = V*``, else over all
          supports of size ``<= m``;
        * ``P_spurious``: supports of size ``<= min(m, n)``; a larger interior-minimum
          support contains one of these with the same value (the fit contributions of more
          than ``n`` cones are dependent, and moving along the dependency keeps ``f`` and
          the cost while it zeroes a cone), and extends it only by cones that are
          dual-tight at its residual; such extensions are counted as uncertified;
        * ``P_bad``: after merging, a closure minimiser with fewer than ``m`` used cones has
          a zero neuron, which is a local minimum only at a convex optimum; so only
          supports of size exactly ``m`` can be bad (none when ``m > K``);
        * the authors' stationarity count needs every support of size ``<= m``.
        """
        if int(m) < 1:
            raise InputError(f"width must be at least 1, got {m}")
        m = int(m)
        t0 = time.perf_counter()
        Ls = self.L_star(m)
        methods = {}
        sample = None

        def sampled(key):
            nonlocal sample
            if not self.samples:
                raise TooLargeError(f"exact {key} at width {m} (supports to solve)", self._last_count,
                                    self.max_supports, "--max-supports, or sample with --samples N")
            if sample is None:
                sample = self._sample(m)
            methods[key] = "sampled"
            return sample[key]

        pg = None if self.force_sampling else self._p_global(m)
        closed = None
        if pg is None:
            P_global, unc_g = sampled("global"), None
        else:
            P_global, closed, unc_g = pg
            methods["global"] = "exact"
        ps = None if self.force_sampling else self._p_spurious(m)
        if ps is None:
            P_spurious, unc_s = sampled("spurious"), None
        else:
            P_spurious, unc_s = ps
            methods["spurious"] = "exact"
        pb = None if self.force_sampling else self._p_bad(m)
        if pb is None:
            P_bad, unc_b = sampled("bad"), None
        else:
            P_bad, unc_b = pb
            methods["bad"] = "exact"
        pst = None if self.force_sampling else self._p_stationary(m)
        if pst is None:  # an auxiliary column: sampled when possible, else left out
            P_stat = sampled("stationary") if self.samples else None
        else:
            P_stat = pst
        unc = {k: (v if v is not None else sample["uncertified"])
               for k, v in (("global", unc_g), ("spurious", unc_s), ("bad", unc_b))}
        kinds = set(methods.values())
        method = kinds.pop() if len(kinds) == 1 else "mixed (" + ", ".join(f"{k}: {v}" for k, v in methods.items()) + ")"
        return WidthRow(m, self.K, Ls, P_global, P_spurious, P_bad, P_stat, unc, method,
                        time.perf_counter() - t0, closed)

    def exact_cost(self, m):
        """Supports to solve for each exact proportion at width ``m`` (no solving)."""
        K, n = self.K, self.prog.n
        upto = lambda top: sum(math.comb(K, k) for k in range(1, min(top, K) + 1))  # noqa: E731
        return {
            "global": 2 ** len(self.active_cones()) if m >= self.m0 else upto(m),
            "spurious": upto(min(m, n)),
            "bad": 0 if m > K else math.comb(K, m),
        }

    def _zero(self):
        return Fraction(0) if self.measure.exact else 0.0

    def _feasible(self, count):
        self._last_count = count
        return count <= self.max_supports

    def _global_of(self, opt, m):
        """True / False / None: ``V(S) = L*_m`` within the certified tolerance.

        Decided from proven bounds alone (they hold whatever the solver status or gap):
        ``V(S) >= L*_m`` always, so ``upper V(S) - lower L*_m <= tol`` settles equality,
        and ``lower V(S) > upper L*_m`` settles inequality.
        """
        Ls = self.L_star(m)
        if not Ls.certified or opt.status not in _USABLE:
            return None
        if opt.upper - Ls.lower <= _tol(Ls.upper):
            return True
        return False if opt.lower > Ls.upper else None

    def _p_global(self, m):
        Ls = self.L_star(m)
        zero = self._zero()
        if Ls.method == "equals_global":
            groups = self.direction_groups()
            if groups is not None:  # global iff the support hits every group
                terms = []
                for size in range(len(groups) + 1):
                    for J in itertools.combinations(groups, size):
                        pJ = sum((self.measure.probs[c] for G in J for c in G), zero)
                        terms.append(((-1) ** size, 1 - pJ))
                total = sum((coef * base**m for coef, base in terms), zero)
                return total, (str(closed_form(terms)) if self.measure.exact else None), zero
            try:
                minimal, undecided = self.global_upset()
            except TooLargeError:
                return None
            A = self.active_cones()
            pA = sum((self.measure.probs[c] for c in A), zero)
            total, unc, terms = zero, zero, []
            for size in range(len(A) + 1):
                for B in itertools.combinations(A, size):
                    pb = [self.measure.probs[c] for c in B]
                    if any(set(M) <= set(B) for M in minimal):
                        total += restricted_support_probability(pb, pA, m)
                        if self.measure.exact:
                            terms += inclusion_exclusion_terms(pb, 1 - pA)
                    elif any(set(U) <= set(B) for U in undecided):
                        unc += restricted_support_probability(pb, pA, m)
            # the closed form describes P_global only when no subset was left undecided
            closed = str(closed_form(terms)) if self.measure.exact and unc == 0 else None
            return total, closed, unc
        if not self._feasible(sum(math.comb(self.K, k) for k in range(1, min(m, self.K) + 1))):
            return None
        total, unc = zero, zero
        for size in range(1, min(m, self.K) + 1):
            for S in itertools.combinations(range(self.K), size):
                g = self._global_of(self.V(S), m)
                if g:
                    total += self._prob(S, m)
                elif g is None:
                    unc += self._prob(S, m)
        return total, None, unc

    def _p_spurious(self, m):
        cap = min(m, self.prog.n, self.K)
        if not self._feasible(sum(math.comb(self.K, k) for k in range(1, cap + 1))):
            return None
        total, unc = self._zero(), self._zero()
        for size in range(1, cap + 1):
            for S in itertools.combinations(range(self.K), size):
                kind = self._spurious_only(S, m)
                if kind == "spurious":
                    total += self._prob(S, m)
                if kind in ("spurious", "uncertified"):
                    if kind == "uncertified":
                        unc += self._prob(S, m)
                    unc += self._extension_mass(S, m, cap)
        return total, unc

    def _extension_mass(self, S, m, cap):
        """Probability of supports larger than ``cap`` that extend ``S`` by tight cones."""
        if m <= cap:
            return self._zero()
        opt = self.V(S)
        prog = self.prog
        _, rho, B = self._dual_point(opt)
        nl = prog.n * prog.lamf
        lip = float(np.linalg.norm(prog.X, 2))
        tight = []
        for c in range(self.K):
            if c in S:
                continue
            b = B[cone_cell(c)] * cone_sign(c)
            if abs(float(np.linalg.norm(b)) - nl) <= lip * rho + 1e-9 * nl:
                tight.append(c)
        total = self._zero()
        for size in range(1, len(tight) + 1):
            for E in itertools.combinations(tight, size):
                if len(S) + size <= m:
                    total += self._prob(tuple(S) + E, m)
        return total

    def _p_bad(self, m):
        zero = self._zero()
        if m > self.K:
            return zero, zero
        if not self._feasible(math.comb(self.K, m)):
            return None
        total, unc = zero, zero
        for S in itertools.combinations(range(self.K), m):
            opt = self.V(S)
            g = self._global_of(opt, m)
            if g or (g is False and len(opt.cones_used) < m):
                continue  # global, or the merged minimiser has a zero neuron: not bad
            sc = self.classify(S, m)
            if sc.bad:
                total += self._prob(S, m)
            elif sc.bad is None:
                unc += self._prob(S, m)
        return total, unc

    def _p_stationary(self, m):
        if not self._feasible(sum(math.comb(self.K, k) for k in range(1, min(m, self.K) + 1))):
            return None
        total = self._zero()
        for size in range(1, min(m, self.K) + 1):
            for S in itertools.combinations(range(self.K), size):
                opt = self.V(S)
                if self._global_of(opt, m) is False and self._stationary(opt, m):
                    total += self._prob(S, m)
        return total

    def _spurious_only(self, S, m):
        key = (tuple(S), m)
        if key not in self._spurious:
            opt = self.V(S)
            g = self._global_of(opt, m)
            if g is None:
                kind = "uncertified"
            elif g:
                kind = "not"
            else:
                interior, _ = self._interior(S, opt)
                kind = "spurious" if interior else ("uncertified" if interior is None else "not")
            self._spurious[key] = kind
        return self._spurious[key]

    def _sample(self, m):
        """Classify ``samples`` sampled regions; Wilson 95% intervals for every class."""
        if m in self._samples:
            return self._samples[m]
        supports = sample_supports(self.measure, m, self.samples, seed=self.seed + m)
        counts = {"global": 0, "spurious": 0, "bad": 0, "stationary": 0, "uncertified": 0}
        for S in supports:
            sc = self.classify(S, m)
            counts["global"] += sc.klass == "global"
            counts["spurious"] += sc.klass == "spurious"
            counts["bad"] += bool(sc.bad)
            counts["stationary"] += sc.global_ is False and sc.stationary
            counts["uncertified"] += sc.klass == "uncertified"
        N = len(supports)
        out = {}
        for k, v in counts.items():
            lo, hi = wilson_interval(v, N)
            out[k] = {"estimate": v / N, "low": lo, "high": hi, "samples": N}
        self._samples[m] = out
        return out

    def smallest_width(self, eps, m_max=10**6):
        """Smallest ``m`` with ``P_global(m) >= 1 - eps`` (from the exact formula)."""
        target = 1 - Fraction(eps) if self.measure.exact else 1 - float(eps)
        lo = self.m0
        if self.L_star(lo).method != "equals_global":
            return None
        pg = lambda m: self.p_global_exact(m)[0]  # noqa: E731
        if pg(lo) is None:
            return None
        hi = lo
        while pg(hi) < target:
            if hi >= m_max:
                return None
            lo, hi = hi, hi * 2
        while lo < hi:
            mid = (lo + hi) // 2
            if pg(mid) >= target:
                hi = mid
            else:
                lo = mid + 1
        return hi


def _measure_detail(mu):
    """How the cone probabilities were obtained, with their error (Gaussian measure)."""
    if mu.exact:
        return {"method": "exact rationals (1/K per signed cone)", "error": 0}
    return {"method": mu.method, "error": mu.error, "samples": mu.samples,
            "note": "probabilities are floats; proportions inherit this error per cone"}


def analyse(ds, lam, widths, measure="uniform", samples=None, seed=0, max_supports=DEFAULT_MAX_SUPPORTS,
            eps="1/100"):
    """Landscape table for the given widths: a dict with ``rows`` and a summary."""
    widths = list(widths)
    if not widths:
        raise InputError("the width list is empty")
    for m in widths:
        if int(m) < 1:
            raise InputError(f"width must be at least 1, got {m}")
    land = Landscape(ds, lam, measure=measure, samples=samples, seed=seed, max_supports=max_supports)
    if not samples:  # refuse before any work if some width needs sampling
        for m in widths:
            need = land.exact_cost(int(m))
            worst = max(need, key=need.get)
            if need[worst] > max_supports:
                raise TooLargeError(f"exact {worst} at width {m} (supports to solve)", need[worst], max_supports,
                                    "--max-supports, or sample with --samples N")
    rows = [land.row(int(m)) for m in widths]
    m_eps = land.smallest_width(eps)
    n, d = ds.n, ds.dim
    return {
        "n": n, "d": ds.d, "bias": ds.bias, "lam": land.lam, "measure": measure, "K": land.K,
        "measure_detail": _measure_detail(land.measure),
        "V_star": {"value": land.glob.value, "lower": land.glob.lower, "upper": land.glob.upper,
                   "certified": land.glob.certified, "cones_used": land.glob.cones_used},
        "active_cones": list(land.active_cones()),
        "smallest_width": {"eps": str(eps), "m": m_eps, "paper_scale_min_n^d_2^n": min(n**d, 2**n),
                           "signed_cones": land.K},
        "rows": rows,
        "landscape": land,
    }


def _cell_text(p):
    if p is None:
        return "-"
    if isinstance(p, dict):
        return f"{p['estimate']:.4f} [{p['low']:.4f}, {p['high']:.4f}]"
    if isinstance(p, Fraction):
        return f"{float(p):.6f}" if p.denominator > 10**6 else f"{p} ({float(p):.4g})"
    return f"{float(p):.6f}"


def _worst(unc):
    """The largest of the uncertified masses of the three proportions (for display)."""
    return max(unc.values(), key=lambda p: p["estimate"] if isinstance(p, dict) else float(p))


def summary_obj(result):
    """The JSON-ready ``summary.json`` object of an :func:`analyse` result."""
    out = {k: v for k, v in result.items() if k not in ("rows", "landscape")}
    out["rows"] = [r.to_json_obj() for r in result["rows"]]
    return out


def text_table(result):
    """Human-readable table: one line per width."""
    head = ["m", "K", "L*_m", "P_global", "P_spurious", "P_bad", "stationary(authors)", "uncertified", "method", "s"]
    lines = []
    for r in result["rows"]:
        lines.append([str(r.m), str(r.K), f"{r.L_star.value:.10g}", _cell_text(r.P_global), _cell_text(r.P_spurious),
                      _cell_text(r.P_bad), _cell_text(r.P_stationary), _cell_text(_worst(r.uncertified)), r.method,
                      f"{r.seconds:.2f}"])
    widths = [max(len(h), *(len(x[i]) for x in lines)) for i, h in enumerate(head)]
    fmt = "  ".join("{:>%d}" % w for w in widths)
    out = [fmt.format(*head)] + [fmt.format(*x) for x in lines]
    sw = result["smallest_width"]
    out.append(f"V* = {result['V_star']['value']:.10g} (certified {result['V_star']['certified']}), "
               f"K = {result['K']} signed cones; smallest m with P_global >= 1 - {sw['eps']}: {sw['m']} "
               f"(paper scale min(n^d, 2^n) = {sw['paper_scale_min_n^d_2^n']})")
    md = result["measure_detail"]
    if result["measure"] != "uniform":
        out.append(f"measure {result['measure']}: cone probabilities by {md['method']}, error <= {md['error']:.2g} each"
                   + (f" ({md['samples']} samples)" if md.get("samples") else ""))
    closed = next((r.closed_form for r in result["rows"] if r.closed_form), None)
    if closed:
        out.append(f"P_global(m) = {closed}   (for m >= {result['landscape'].m0})")
    return "\n".join(out)


def summary_files(result, out_dir):
    """Write ``summary.json`` and ``summary.csv`` into ``out_dir`` (created if needed)."""
    import csv
    import os

    from ..results.serialize import dumps

    os.makedirs(out_dir, exist_ok=True)
    obj = summary_obj(result)
    text = dumps(obj)
    with open(os.path.join(out_dir, "summary.json.tmp"), "w") as fh:
        fh.write(text + "\n")
    os.replace(os.path.join(out_dir, "summary.json.tmp"), os.path.join(out_dir, "summary.json"))
    cols = ["m", "K", "L_star", "L_star_lower", "L_star_upper", "P_global", "P_spurious", "P_bad",
            "P_stationary_authors", "uncertified_global", "uncertified_spurious", "uncertified_bad",
            "method", "seconds"]
    with open(os.path.join(out_dir, "summary.csv"), "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for r in obj["rows"]:
            def flat(p):
                return p["estimate"] if isinstance(p, dict) else p
            w.writerow([r["m"], r["K"], r["L_star"]["value"], r["L_star"]["lower"], r["L_star"]["upper"],
                        flat(r["P_global"]), flat(r["P_spurious"]), flat(r["P_bad"]),
                        flat(r["P_stationary_authors"]), *(flat(r["uncertified"][k]) for k in ("global", "spurious", "bad")),
                        r["method"], r["seconds"]])
