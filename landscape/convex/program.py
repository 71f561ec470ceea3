"""Certified convex programmes on one dataset and one ``lam``: the facade
:class:`RegionProgram` over ``V(S)``, the global optimum ``V*``, ``L*_m`` and the dual
oracle (docs/theory.md, sections 1 and 3).

For a set ``S`` of signed cones (cone ``c`` = cell ``c // 2`` with sign ``+1`` if ``c`` is
even, ``-1`` if odd) the restricted programme is (Pilanci & Ergen, ICML 2020)::

    V(S) = min  (1/n) | sum_c s_c D_c X u_c - y |^2 + 2 lam sum_c |u_c|
           s.t. G_c u_c >= 0,   G_c = diag(2 D_c - 1) X.

The work is split by concept:

* :mod:`~landscape.convex.structure` -- cells, facet rows, shared facets (data only);
* :mod:`~landscape.convex.assembly` -- the conic forms;
* :mod:`~landscape.convex.backends` -- Clarabel / cvxpy candidates, one status map each;
* :mod:`~landscape.convex.certify` -- candidate -> proven ``lower <= V(S) <= upper``;
* :mod:`~landscape.convex.dual` -- the dual separation oracle;
* :mod:`~landscape.convex.algorithms` -- retry, cone generation, pruning, ``L*_m``;
* :mod:`~landscape.convex.optimum` -- the exact result records;
* :mod:`~landscape.convex.interpolation`, :mod:`~landscape.convex.refine`.

A solver only produces a *candidate*; ``certified`` is True only for an optimal solver
status with ``upper - lower <= 1e-9 max(|upper|, |y|^2 / n)``.

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

from fractions import Fraction

from ..data import parse_lam
from . import algorithms, dual
from .backends import Candidate, check_solver, region_candidate
from .balanced import network_loss
from .certify import certify_candidate, extend_certificate, zero_network_value
from .interpolation import min_norm_interpolator
from .optimum import Interpolator, RegionOptimum, WidthOptimum
from .refine import refine_optimum
from .structure import ConeStructure

__all__ = [
    "RegionProgram",
    "RegionOptimum",
    "WidthOptimum",
    "Interpolator",
    "min_norm_interpolator",
    "network_loss",
    "refine_optimum",
]


class RegionProgram(ConeStructure):
    """Reusable structure for many ``V(S)`` solves on one dataset and one ``lam``.

    A :class:`~landscape.convex.structure.ConeStructure` (cells, facet rows, exact data)
    plus ``lam`` and a solver; each :meth:`solve` assembles the conic form, asks the
    backend for a :class:`~landscape.convex.backends.Candidate` and certifies it.

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

    Attributes
    ----------
    gap_scale : Fraction
        ``min(1, |y|^2 / n)``, the loss of the zero network capped at 1: the scale of
        :func:`~landscape.exact.arithmetic.gap_ok` for every certificate of this programme.
        Labels of order one or larger keep the absolute tolerance ``1e-9`` for values below
        1 (the loss of the zero network can be far above ``V*``, and a tolerance relative to
        it would certify wide brackets); tiny labels make it relative to their own size.

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
        self.lam = parse_lam(lam, allow_zero=allow_zero_lam)
        self.lamf = float(self.lam)
        check_solver(solver)
        self.solver = solver
        super().__init__(ds, arrangement)
        self.gap_scale = min(Fraction(1), zero_network_value(self.exact))

    # -- one programme: candidate, certificate -------------------------------------
    def candidate(self, cones, solver=None, faces=None) -> Candidate:
        """The backend's float candidate for ``V(S)`` (``cones`` validated, ``faces`` from
        :meth:`face_spec`)."""
        return region_candidate(self, self.lamf, tuple(cones), solver or self.solver, faces)

    def certify(self, cand, dual="cones") -> RegionOptimum:
        """Proven bounds from a candidate (:func:`landscape.convex.certify.certify_candidate`)."""
        return certify_candidate(self, self.lam, cand, dual=dual, scale=self.gap_scale)

    def extend(self, opt, cones):
        """The certificate of ``opt`` (a certified optimum of a subset of ``cones``) for
        ``V(cones)``, if its dual point also satisfies the added cones' conditions, else None
        (:func:`landscape.convex.certify.extend_certificate`; no solve)."""
        return extend_certificate(self, self.lam, opt, self.validate_cones(cones))

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
        return algorithms.solve_region(self, cones, solver, faces)

    # -- algorithms ------------------------------------------------------------------
    def global_optimum(self, max_iter=200, batch=None, verbose=False) -> RegionOptimum:
        """``V*`` certified over all K cones, pruned to at most ``n`` used cones
        (:func:`landscape.convex.algorithms.global_optimum`)."""
        return algorithms.global_optimum(self, max_iter=max_iter, batch=batch, verbose=verbose)

    def width_optimum(self, m, max_programs=20000, glob=None) -> WidthOptimum:
        """``L*_m`` certified (:func:`landscape.convex.algorithms.width_optimum`)."""
        return algorithms.width_optimum(self, m, max_programs=max_programs, glob=glob)

    # -- the dual oracle at this lam -------------------------------------------------
    def cone_dual_value(self, c, b, face=None):
        """:func:`landscape.convex.dual.cone_dual_value` for cone ``c``."""
        return dual.cone_dual_value(self, c, b, face)

    def scan(self, r, tol=1e-12, limit=None, iters=300):
        """Violators of the all-cones dual condition at ``r`` with threshold ``n lam``
        (:func:`landscape.convex.dual.scan`)."""
        return dual.scan(self, r, self.n * self.lamf, tol=tol, limit=limit, iters=iters)

    def batch_dual(self, cells, signs, B, iters=300, target=None):
        """:func:`landscape.convex.dual.batch_dual` (``target`` default ``n lam``)."""
        return dual.batch_dual(self, cells, signs, B, self.n * self.lamf if target is None else target, iters=iters)

    def _all_cones_dual(self, rn, rden, r, mus):
        """:func:`landscape.convex.dual.all_cones_dual` with threshold ``n lam``."""
        return dual.all_cones_dual(self, rn, rden, r, mus, self.n * self.lam)

    def _exact_cone_norm(self, c, b, rn, rden, face=None, refine=True):
        """:func:`landscape.convex.dual.exact_cone_norm` with threshold ``n lam``."""
        return dual.exact_cone_norm(self, c, b, rn, rden, self.n * self.lam, face, refine)
