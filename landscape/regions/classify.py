r"""Support classification: the class of the width-``m`` regions with a given support.

Inside the closure of a region ``L >= V(S)``, with equality at balanced points (Pilanci &
Ergen 2020), so a region is classified through certified solves of ``V``
(docs/theory.md, section 4) into a :class:`~landscape.results.status.RegionClass`:

* ``global``: ``V(S) = L*_m`` within the certified bounds;
* ``spurious`` (an interior spurious local minimum): every minimiser of ``V(S)`` uses
  every cone of ``S`` strictly inside its cell, and ``V(S) > L*_m`` (certified);
* ``boundary_descent``: the minimiser of ``V(S)`` on the closed region sits on a facet and
  moving one neuron across it (into a named neighbouring region) strictly lowers ``V``;
* ``boundary_local_min``: the closure minimiser is a local minimum of the full landscape
  that is not global (no neighbouring region lowers ``V``);
* ``uncertified``: some deciding bound could not be certified.

``L*_m`` may be only bracketed (``lower < upper`` beyond the tolerance, e.g. an unfinished
branch and bound): a support is then global only if ``V(S)`` is within the tolerance of
the lower end, not global only if ``V(S)`` is certifiably above the upper end, and
uncertified otherwise.

Certificate for an interior minimum (no tolerance): for every cone ``c`` of ``S``,
``lower V(S \ {c}) > upper V(S)`` (so no minimiser leaves ``c`` unused) and, for every facet
of ``c``'s cell with neighbouring signed cone ``c'``, ``lower V_face > upper V(S)`` for the
face programme with ``u_c`` on that facet.  Hence every minimiser is strictly interior
and its balanced network is a local minimum of ``L`` in the open region.  Conversely an
interior minimiser needs ``|X^T D_c r*| = n lam`` for every ``c`` (KKT with inactive cone
constraints); the certified gap puts the optimal residual ``r*`` within
``sqrt(n (upper - lower))`` of the certified dual point, so a larger margin proves that
there is none.

Examples
--------
>>> from landscape.data import Dataset
>>> from landscape.convex.program import RegionProgram
>>> prog = RegionProgram(Dataset.from_arrays([[1, 0], [0, 1]], [1, -1]), "1/10")
>>> cache, glob = SolveCache(prog), prog.global_optimum()
>>> clf = Classifier(cache, lambda m: prog.width_optimum(m, glob=glob))
>>> sorted({str(clf.classify(S, 2).klass) for S in [(0,), (0, 1), (0, 7), (2, 5)]})
['boundary_descent', 'global']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..geometry.cones import cone_cell, cone_sign
from ..results.status import CertificateKind, RegionClass
from .cache import USABLE, SolveCache, certified_tol
from .dual import dual_point

__all__ = ["SupportClass", "Classifier"]


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
    klass : RegionClass
    certificate : dict
        The bounds behind the decision: the interior-minimum inequalities, or the descent.
    stationary : bool
        What the authors' one-sided stationarity test says of the closure minimiser.
    network : tuple
        The merged balanced closure minimiser ``(a, W)``.
    bad : bool or None
        The closure minimiser is a local minimum of the full landscape that is not global.
    """

    cones: tuple
    lower: Fraction
    upper: Fraction
    global_: bool | None
    interior: bool | None
    klass: RegionClass
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


class Classifier:
    """Classifies supports at width ``m`` from certified solves.

    Parameters
    ----------
    cache : SolveCache
    L_star : callable
        ``m -> WidthOptimum`` (certified or bracketed ``L*_m``).
    """

    def __init__(self, cache: SolveCache, L_star):
        self.cache = cache
        self.prog = cache.prog
        self.L_star = L_star
        self._classes = {}
        self._spurious = {}
        self._vanish = {}
        self._adj = None

    def global_of(self, opt, m):
        """True / False / None: ``V(S) = L*_m`` within the certified tolerance.

        Decided from proven bounds alone (they hold whatever the solver status or gap):
        ``V(S) >= L*_m`` always, so ``upper V(S) - lower L*_m <= tol`` settles equality,
        and ``lower V(S) > upper L*_m`` settles inequality.  For a bracketed ``L*_m`` the
        same two tests apply to the bracket's ends.
        """
        Ls = self.L_star(m)
        if opt.status not in USABLE:
            return None
        if opt.upper - Ls.lower <= certified_tol(Ls.upper):
            return True
        return False if opt.lower > Ls.upper else None

    def classify(self, cones, m):
        """Classify the regions of width ``m`` with support ``cones`` (a SupportClass)."""
        S = tuple(sorted(set(int(c) for c in cones)))
        key = (S, m)
        if key in self._classes:
            return self._classes[key]
        opt = self.cache.V(S)
        Ls = self.L_star(m)
        cert = {"V": {"lower": opt.lower, "upper": opt.upper}}
        glob_ = self.global_of(opt, m)
        if glob_ is not False:  # global, or too close to L*_m to decide
            reason = {} if glob_ else {"reason": opt.reason or Ls.reason or "V(S) too close to L*_m to decide"}
            sc = SupportClass(S, opt.lower, opt.upper, glob_, None,
                              RegionClass.GLOBAL if glob_ else RegionClass.UNCERTIFIED,
                              {**cert, **reason}, False, opt.network, False if glob_ else None)
            self._classes[key] = sc
            return sc
        interior, icert = self.interior(S, opt)
        cert["interior"] = icert
        descent = self.descent(S, opt, m)
        if descent:
            cert["descent"] = descent
        if interior:
            klass, bad = RegionClass.SPURIOUS, len(opt.cones_used) == m
        elif descent is None:
            klass, bad = RegionClass.UNCERTIFIED, None
        elif descent:
            klass, bad = RegionClass.BOUNDARY_DESCENT, False
        else:
            klass, bad = RegionClass.BOUNDARY_LOCAL_MIN, True
        sc = SupportClass(S, opt.lower, opt.upper, False, interior, klass, cert, self.stationary(opt, m),
                          opt.network, bad)
        self._classes[key] = sc
        return sc

    def spurious_kind(self, S, m):
        """``"spurious"``, ``"uncertified"`` or ``"not"``: only the interior-minimum question
        (cheaper than :meth:`classify`: no descent search)."""
        key = (tuple(S), m)
        if key not in self._spurious:
            opt = self.cache.V(S)
            g = self.global_of(opt, m)
            if g is None:
                kind = "uncertified"
            elif g:
                kind = "not"
            else:
                interior, _ = self.interior(S, opt)
                kind = "spurious" if interior else ("uncertified" if interior is None else "not")
            self._spurious[key] = kind
        return self._spurious[key]

    def interior(self, S, opt):
        """(True/False/None, certificate) for "some minimiser is strictly interior"."""
        prog, cache = self.prog, self.cache
        r, rho, _ = dual_point(prog, opt)
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
                return False, {"type": CertificateKind.NO_INTERIOR_MINIMISER, "cone": c,
                               "reason": "|X^T D_c r*| != n lam",
                               "norm_b": float(np.linalg.norm(b)), "n_lam": nl, "radius": lip * rho}
            for i in prog.facet_rows(cone_cell(c)).tolist():
                sgn = 1 if D[i] else -1
                if self._facet_functional_vanishes(cone_cell(c), i):
                    return False, {"type": CertificateKind.NO_INTERIOR_MINIMISER, "cone": c, "row": i,
                                   "reason": "x_i . X^T D_c r = 0 for every r (exact): the KKT direction lies on the facet"}
                coef = sgn * cone_sign(c) * (prog.X[D] @ prog.X[i])
                if sgn * float(prog.X[i] @ b) + float(np.linalg.norm(coef)) * rho < 0:
                    return False, {"type": CertificateKind.NO_INTERIOR_MINIMISER, "cone": c, "row": i,
                                   "reason": "the KKT direction is certifiably outside the cell"}
        # sufficient: every minimiser uses every cone, and touches no facet
        checks = []
        for c in S:
            rest = [x for x in S if x != c]
            alt = cache.V(rest) if rest else None
            if alt is not None and not alt.certified:
                return None, {"type": CertificateKind.UNCERTIFIED, "support": rest}
            lower_alt = cache.lower(rest)
            if not lower_alt > opt.upper:
                return None, {"type": CertificateKind.CONE_MAY_BE_UNUSED, "cone": c}
            checks.append({"without": c, "lower": lower_alt})
            for nb in self.neighbour_cones(c):
                face = cache.V_face(S, c, nb)
                if not (face.certified and face.lower > opt.upper):
                    return None, {"type": CertificateKind.MINIMISER_MAY_TOUCH_FACET, "cone": c, "neighbour": nb}
                checks.append({"face": [c, nb], "lower": face.lower})
        return True, {"type": CertificateKind.INTERIOR_MINIMUM, "upper_V": opt.upper, "checks": checks}

    def _facet_functional_vanishes(self, cell, i):
        """Exact: ``x_i . x_k = 0`` for every row ``k`` active in ``cell``."""
        key = (cell, i)
        if key not in self._vanish:
            rows = self.prog.arr.rows_exact
            D = self.prog.patterns[cell]
            xi = rows[i]
            self._vanish[key] = all(sum((a * b for a, b in zip(xi, rows[k])), Fraction(0)) == 0
                                    for k in np.nonzero(D)[0].tolist())
        return self._vanish[key]

    def neighbour_cones(self, c):
        """The signed cones (same output sign) of the cells adjacent to ``c``'s cell."""
        if self._adj is None:
            adj = {}
            for i, j, _ in self.prog.arr.adjacent_pairs().tolist():
                adj.setdefault(i, []).append(j)
                adj.setdefault(j, []).append(i)
            self._adj = adj
        return [2 * k + (c % 2) for k in self._adj.get(cone_cell(c), ())]

    def descent(self, S, opt, m):
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
        prog, cache = self.prog, self.cache
        used = sorted(opt.cones_used)
        if len(used) < m:
            r = np.asarray(opt.residual, dtype=float)
            viol = prog.scan(r)
            move = {"move": "grow", "reason": "the merged minimiser has a zero neuron and V(S) > V*"}
            if viol:
                c2 = viol[0][1]
                alt = cache.V(set(used) | {c2})
                move.update({"to": c2, "region": sorted(set(used) | {c2})})
                if alt.certified and alt.upper < opt.lower:
                    move["decrease_at_least"] = opt.lower - alt.upper
            return move
        undecided = False
        tol = certified_tol(opt.upper)
        for c in used:
            for nb in self.neighbour_cones(c):
                T = sorted((set(S) - {c}) | {nb})
                alt = cache.V(T)
                if alt.certified and alt.lower >= opt.upper - tol:
                    continue  # crossing this facet cannot lower V, whether or not it is touched
                face = cache.V_face(S, c, nb)  # is the facet touched by a minimiser?
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

    def stationary(self, opt, m):
        """The authors' one-sided stationarity test at the merged closure minimiser."""
        from ..network.stationarity import is_stationary

        a, W = opt.network
        if len(a) == 0:
            return True
        return bool(is_stationary(self.prog.ds, self.prog.lam, a, W, tol=1e-6, prog=self.prog))
