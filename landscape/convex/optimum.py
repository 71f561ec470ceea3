"""Result records of the convex programmes: exact values, with float views on request
(docs/theory.md, section 3).

A :class:`RegionOptimum` holds only exact data: the proven bounds ``lower <= V(S) <=
upper``, the rational primal point behind ``upper`` and the exact residual.  Its float
views (``value``, ``u``, ``residual``, ``fitted``, ``network``) are derived from them.
:class:`WidthOptimum` records ``L*_m`` and how it was proved, :class:`Interpolator` the
certified min-norm interpolator.

Examples
--------
>>> from fractions import Fraction
>>> opt = RegionOptimum((0,), Fraction(1, 3), Fraction(1, 3), True, "optimal", "",
...                     {0: (Fraction(1, 2), Fraction(0))}, {}, (Fraction(1, 2),), (Fraction(1, 2),),
...                     "clarabel", Fraction(1, 10))
>>> opt.value, opt.cones_used, opt.support_size, opt.u[0].tolist()
(0.3333333333333333, [0], 1, [0.5, 0.0])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

import numpy as np

from ..exact.arithmetic import round_down, round_up
from .balanced import balanced_network

__all__ = ["RegionOptimum", "ValidatedOptimum", "WidthOptimum", "Interpolator", "float_bound"]


def _floats(q):
    return np.array([float(v) for v in q], dtype=float)


@dataclass
class RegionOptimum:
    """Certified optimum of ``V(S)`` for one set of signed cones.

    Attributes
    ----------
    cones : tuple of int
        The set ``S``.
    lower, upper : Fraction
        Proven bounds ``lower <= V(S) <= upper``.
    certified : bool
        Optimal solver status and exact gap within
        :data:`~landscape.exact.arithmetic.GAP_TOL` (:func:`~landscape.exact.arithmetic.gap_ok`
        at the scale of the zero network, ``|y|^2 / n``).
    status : SolverStatus
        The candidate's status.
    reason : str
        Why ``certified`` is False (empty otherwise).
    u_exact : dict
        cone -> tuple of Fraction, the rational primal point behind ``upper`` (every cone
        of ``S``; zero for unused cones).
    mu : dict
        cone -> float multipliers ``mu_c`` (over the n rows) of the dual certificate.
    residual_exact, fitted_exact : tuple of Fraction
        ``r = y - f`` and ``f`` at the rational point.
    solver : str
    lam : Fraction
    dual_scale : Fraction
        The dual point of the lower bound is ``dual_scale`` times the dual residual
        (:attr:`dual_point`).
    method : str
        ``"direct"``, ``"all_cones"`` or ``"cone_generation"`` (for ``V*``), or
        ``"extended"``: the certificate of a subset's optimum that also holds for the added
        cones (:func:`~landscape.convex.certify.extend_certificate`).
    iterations : int
    faces : dict
        ``{c: c2}`` for a face programme (``u_c`` restricted to the facet shared with the
        neighbouring cone ``c2``, :meth:`RegionProgram.solve`); empty for ``V(S)``.
    pruned_from : int or None
        For a pruned optimum (:func:`~landscape.convex.algorithms.prune_exact`), the number
        of cones the optimum used before pruning.
    dual_residual_exact : tuple of Fraction or None
        The residual whose multiple ``dual_scale * r`` proves ``lower``, when it is not
        :attr:`residual_exact` (an optimum pruned by re-solving keeps the dual certificate
        of the unpruned one).
    """

    cones: tuple
    lower: Fraction
    upper: Fraction
    certified: bool
    status: str
    reason: str
    u_exact: dict
    mu: dict
    residual_exact: tuple
    fitted_exact: tuple
    solver: str
    lam: Fraction
    dual_scale: Fraction = Fraction(1)
    method: str = "direct"
    iterations: int = 1
    faces: dict = field(default_factory=dict)
    pruned_from: int = None
    dual_residual_exact: tuple = None

    @property
    def value(self) -> float:
        """Float view of ``upper`` (the objective of the rational point)."""
        return float(self.upper)

    @property
    def dual_point(self) -> np.ndarray:
        """Float view of the dual point ``dual_scale * r`` behind ``lower``."""
        return float(self.dual_scale) * self.dual_residual

    @property
    def certificate_residual(self) -> tuple:
        """The exact residual ``r`` whose multiple ``dual_scale * r`` proves ``lower``:
        :attr:`dual_residual_exact` when set, else :attr:`residual_exact`."""
        return self.dual_residual_exact if self.dual_residual_exact is not None else self.residual_exact

    @property
    def dual_residual(self) -> np.ndarray:
        """Float view of :attr:`certificate_residual`."""
        return _floats(self.certificate_residual)

    @property
    def gap(self) -> Fraction:
        return self.upper - self.lower

    @cached_property
    def u(self) -> dict:
        """cone -> float vector ``u_c`` (view of :attr:`u_exact`)."""
        return {c: _floats(v) for c, v in self.u_exact.items()}

    @cached_property
    def residual(self) -> np.ndarray:
        """Float view of :attr:`residual_exact`."""
        return _floats(self.residual_exact)

    @cached_property
    def fitted(self) -> np.ndarray:
        """Float view of :attr:`fitted_exact`."""
        return _floats(self.fitted_exact)

    @property
    def cones_used(self) -> list:
        """Cones with ``u_c != 0`` (exactly, at the rational point)."""
        return [c for c in self.cones if any(v != 0 for v in self.u_exact.get(c, ()))]

    @property
    def support_size(self) -> int:
        """The number of used cones (neurons of the balanced network)."""
        return len(self.cones_used)

    @property
    def network(self):
        """Balanced network ``(a, W)`` (numpy), one neuron per used cone."""
        dim = len(next(iter(self.u_exact.values()))) if self.u_exact else 0
        return balanced_network({c: self.u[c] for c in self.cones_used}, dim)

    def to_json_obj(self) -> dict:
        a, W = self.network
        obj = {
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
            "support_size": self.support_size,
            "u": {str(c): self.u[c].tolist() for c in self.cones_used},
            "solver": self.solver,
            "method": self.method,
            "faces": {str(c): c2 for c, c2 in self.faces.items()},
        }
        if self.pruned_from is not None:
            obj["pruned_from"] = self.pruned_from
        return obj


def float_bound(x, up) -> Fraction:
    """The float ``x`` as an exact bound on the 2^-96 grid of the exact certificates: itself
    when it is on the grid (``|x| >= 2^-43`` or 0), else rounded outwards (``up``: towards
    ``+inf``)."""
    q = Fraction(x)
    if x == 0.0 or abs(x) >= 2.0 ** -43:
        return q
    return round_up(q, 96) if up else round_down(q, 96)


def _dyadic_ints(U):
    """Exact integers ``N`` and ``k`` with ``U = N / 2^k`` for a float array ``U``."""
    ratios = [float(v).as_integer_ratio() for v in np.asarray(U, dtype=float).ravel()]
    k = max((d.bit_length() - 1 for _, d in ratios), default=0)
    return [a << (k - d.bit_length() + 1) for a, d in ratios], k


class ValidatedOptimum(RegionOptimum):
    """A :class:`RegionOptimum` whose bounds were proven in float arithmetic with a priori
    rounding-error bounds (:mod:`landscape.convex.float_bounds`): exact rational bounds all
    the same, but its point ``u_c`` and its dual residual are floats (rationals with a power
    of two denominator), and the exact views (``u_exact``, ``residual_exact``,
    ``fitted_exact``, ``dual_residual_exact``) are computed on first access.

    ``residual`` and ``fitted`` are the float residual and fit of the certificate (within
    a few units in the last place of the exact ones); ``dual_residual`` is exactly the
    float residual ``r~`` of the dual point ``dual_scale * r~``.  Build one with
    :meth:`from_floats`; :func:`dataclasses.replace` gives an eager copy.
    """

    proof = "validated float"

    @classmethod
    def from_floats(cls, cones, lower, upper, status, U, residual, mu, t, lam, exact, patterns, solver):
        """``lower``, ``upper``: the proven float bounds (:func:`float_bound` makes them
        exact); ``U``: ``(k, p)`` floats, ``residual`` ``(n,)``, ``mu`` ``(k, n)``, ``t`` the
        float dual scale; ``exact`` the :class:`~landscape.exact.arithmetic.ExactData` and
        ``patterns`` the ``P x n`` activation patterns of the cells (for the exact views)."""
        obj = cls.__new__(cls)
        obj.__dict__.update(cones=tuple(cones), certified=True, status=status, reason="", solver=solver, lam=lam,
                            method="direct", iterations=1, faces={}, pruned_from=None, _lo=float(lower),
                            _up=float(upper), _t=float(t), _U=U, _r=residual, _mu=mu, _patterns=patterns,
                            _exact=(exact.Xl, exact.dx, exact.yn, exact.dy))
        return obj

    @cached_property
    def lower(self) -> Fraction:
        return float_bound(self._lo, False)

    @cached_property
    def upper(self) -> Fraction:
        return float_bound(self._up, True)

    @cached_property
    def dual_scale(self) -> Fraction:
        return Fraction(self._t)

    # an eager copy (dataclasses.replace) has the exact fields only: views fall back to them
    @cached_property
    def u(self) -> dict:
        if "_U" not in self.__dict__:
            return RegionOptimum.u.func(self)
        return {c: self._U[i].copy() for i, c in enumerate(self.cones)}

    @cached_property
    def u_exact(self) -> dict:
        return {c: tuple(Fraction(float(v)) for v in self._U[i]) for i, c in enumerate(self.cones)}

    @cached_property
    def mu(self) -> dict:
        return {c: self._mu[i].copy() for i, c in enumerate(self.cones)}

    @property
    def residual(self) -> np.ndarray:
        return self._r.copy() if "_r" in self.__dict__ else _floats(self.residual_exact)

    @property
    def dual_residual(self) -> np.ndarray:
        return self._r.copy() if "_r" in self.__dict__ else _floats(self.dual_residual_exact)

    @property
    def fitted(self) -> np.ndarray:
        if "_r" not in self.__dict__:
            return _floats(self.fitted_exact)
        Xl, dx, yn, dy = self._exact
        return np.array([v / dy for v in yn], dtype=float) - self._r

    @cached_property
    def dual_residual_exact(self) -> tuple:
        return tuple(Fraction(float(v)) for v in self._r)

    @cached_property
    def fitted_exact(self) -> tuple:
        Xl, dx, yn, dy = self._exact
        N, k = _dyadic_ints(self._U)
        p = self._U.shape[1] if self._U.ndim == 2 else 0
        fn = [0] * len(Xl)
        for t, c in enumerate(self.cones):
            u = N[t * p:(t + 1) * p]
            if not any(u):
                continue
            D = self._patterns[c // 2]
            for i, row in enumerate(Xl):
                if D[i]:
                    v = sum(a * b for a, b in zip(row, u))
                    fn[i] += -v if c & 1 else v
        return tuple(Fraction(v, dx << k) for v in fn)

    @cached_property
    def residual_exact(self) -> tuple:
        Xl, dx, yn, dy = self._exact
        return tuple(Fraction(v, dy) - f for v, f in zip(yn, self.fitted_exact))


class WidthOptimum:
    """``L*_m = min_{|S| <= m} V(S)`` with proven bounds and how it was obtained.

    ``method`` is ``"equals_global"`` (``m`` is at least the support size of a certified
    (pruned) convex optimum, or reaches every verified direction group, so ``L*_m = V*``,
    docs/theory.md, section 3), ``"exact_search"`` (every support of size ``min(m, K)`` was
    solved and certified; ``V`` is monotone in ``S``) or ``"branch_and_bound"``
    (:func:`landscape.regions.width.width_optimum`).  Other attributes (``network``,
    ``residual``, ``cones_used``, ...) are those of ``best``, the optimum attaining
    ``upper``; ``value`` is ``float(upper)``.
    """

    __slots__ = ("m", "lower", "upper", "certified", "status", "reason", "method", "best", "programs")

    def __init__(self, m, lower, upper, certified, status, reason, method, best, programs):
        self.m, self.lower, self.upper, self.certified = m, lower, upper, certified
        self.status, self.reason, self.method, self.best, self.programs = status, reason, method, best, programs

    @property
    def value(self) -> float:
        return float(self.upper)

    def __getattr__(self, name):  # delegate network, residual, cones_used, ... to best
        if name in WidthOptimum.__slots__:
            raise AttributeError(name)
        return getattr(self.best, name)

    def to_json_obj(self) -> dict:
        obj = self.best.to_json_obj()
        obj.update({"value": self.value, "lower": self.lower, "upper": self.upper,
                    "gap": float(self.upper - self.lower), "certified": self.certified,
                    "status": self.status, "reason": self.reason, "width": self.m,
                    "method": self.method, "programs_solved": self.programs})
        return obj


@dataclass
class Interpolator:
    """Certified min-norm interpolator ``min sum_c |u_c|`` s.t. exact fit (lam -> 0).

    ``lower`` and ``upper`` bound ``|theta|^2 = 2 sum |u_c|`` of the balanced network
    exactly (``upper`` is 0 when no exact interpolant was found: then ``u_exact`` is
    empty).  ``rank`` is the exact rank of the matrix of neuron directions.
    """

    lower: Fraction
    upper: Fraction
    certified: bool
    status: str
    reason: str
    rank: int
    u_exact: dict
    solver: str = "clarabel"

    @property
    def norm_sq(self) -> float:
        """Float view of ``upper`` (nan without an exact interpolant)."""
        return float(self.upper) if self.u_exact else float("nan")

    @cached_property
    def u(self) -> dict:
        return {c: _floats(v) for c, v in self.u_exact.items()}

    @property
    def cones_used(self):
        return sorted(self.u_exact)

    @property
    def network(self):
        dim = len(next(iter(self.u_exact.values()))) if self.u_exact else 0
        return balanced_network({c: self.u[c] for c in self.cones_used}, dim)

    def to_json_obj(self):
        a, W = self.network
        return {"norm_sq": self.norm_sq, "lower": self.lower, "upper": self.upper,
                "gap": float(self.upper - self.lower), "certified": self.certified,
                "status": self.status, "reason": self.reason, "rank": self.rank,
                "network": {"a": a.tolist(), "W": W.tolist()}, "cones_used": self.cones_used,
                "solver": self.solver}
