"""Solver backends: a float *candidate* for ``V(S)`` from Clarabel (on the directly
assembled conic form) or from cvxpy (a fresh problem, the authors' approach).

Nothing a backend returns is trusted: a :class:`Candidate` carries the primal point, the
solver's own cone multipliers (if any) and a status; :mod:`landscape.convex.certify` turns
it into proven bounds.  Each backend maps its solver's codes to
:class:`~landscape.results.status.SolverStatus` with ONE table; a code that is not in the
table maps to ``SolverStatus.ERROR`` (as cvxpy's ``clarabel_conif.STATUS_MAP`` does).

Examples
--------
>>> clarabel_status("Solved"), clarabel_status("AlmostSolved"), clarabel_status("Weird")
(<SolverStatus.OPTIMAL: 'optimal'>, <SolverStatus.OPTIMAL_INACCURATE: 'optimal_inaccurate'>, <SolverStatus.ERROR: 'error'>)
>>> from landscape.data import Dataset
>>> from landscape.convex.structure import ConeStructure
>>> st = ConeStructure(Dataset.from_arrays([[1, 0], [0, 1]], [1, 1]))
>>> cand = region_candidate(st, 5 / 18, (2,))          # cell "10": u = (1 - 2 lam, 0)
>>> cand.status, (cand.U.round(6) + 0.0).tolist()
(<SolverStatus.OPTIMAL: 'optimal'>, [[0.444444, 0.0]])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..results.status import SolverStatus
from .assembly import ConicForm, interpolation_form, region_form

__all__ = ["Candidate", "check_solver", "region_candidate", "interpolation_candidate", "solve_clarabel",
           "clarabel_status", "cvxpy_status", "CLARABEL_STATUS_MAP", "CVXPY_STATUS_MAP"]

#: Clarabel's ``SolverStatus`` names -> ours (anything else: ERROR)
CLARABEL_STATUS_MAP = {
    "Solved": SolverStatus.OPTIMAL,
    "AlmostSolved": SolverStatus.OPTIMAL_INACCURATE,
    "PrimalInfeasible": SolverStatus.INFEASIBLE,
    "AlmostPrimalInfeasible": SolverStatus.INFEASIBLE,
    "DualInfeasible": SolverStatus.UNBOUNDED,
    "AlmostDualInfeasible": SolverStatus.UNBOUNDED,
    "MaxIterations": SolverStatus.MAX_ITERATIONS,
    "MaxTime": SolverStatus.MAX_ITERATIONS,
}

#: cvxpy's status strings -> ours (anything else, e.g. ``solver_error``: ERROR)
CVXPY_STATUS_MAP = {
    "optimal": SolverStatus.OPTIMAL,
    "optimal_inaccurate": SolverStatus.OPTIMAL_INACCURATE,
    "infeasible": SolverStatus.INFEASIBLE,
    "infeasible_inaccurate": SolverStatus.INFEASIBLE,
    "unbounded": SolverStatus.UNBOUNDED,
    "unbounded_inaccurate": SolverStatus.UNBOUNDED,
    "user_limit": SolverStatus.MAX_ITERATIONS,
}


def clarabel_status(code) -> SolverStatus:
    """Our status for a Clarabel status (an enum member or its name)."""
    return CLARABEL_STATUS_MAP.get(str(code).split(".")[-1], SolverStatus.ERROR)


def cvxpy_status(code) -> SolverStatus:
    """Our status for a cvxpy problem status string."""
    return CVXPY_STATUS_MAP.get(str(code), SolverStatus.ERROR)


@dataclass(frozen=True)
class Candidate:
    """A solver's float answer for one programme, with what certification may use.

    Attributes
    ----------
    cones : tuple of int
        The support ``S``.
    U : np.ndarray
        ``len(cones) x dim`` float weights ``u_c``.
    status : SolverStatus
    solver : str
        The backend that produced it (``"clarabel"``, ``"cvxpy"``, ``"cvxpy:SCS"`` ...).
    faces : dict
        ``{c: (c2, h, p)}`` of a face programme (validated), else empty.
    multipliers : tuple of np.ndarray or None
        Per cone, the solver's multipliers of its constraint rows (facet rows, then the
        face row if any), in the units of the dual condition
        ``|s_c X^T D_c r + G_c^T mu_c| <= n lam``; None if the backend has none.
    dual_point : np.ndarray or None
        For the interpolation programme: the solver's dual ``r`` of the fit equations.
    message : str
        The solver's error message, if any.
    """

    cones: tuple
    U: np.ndarray
    status: SolverStatus
    solver: str
    faces: dict = field(default_factory=dict)
    multipliers: tuple = None
    dual_point: np.ndarray = None
    message: str = ""


def check_solver(solver) -> None:
    """Raise :class:`InputError` unless ``solver`` is ``"clarabel"``, ``"cvxpy"`` or
    ``"cvxpy:NAME"`` with NAME an installed cvxpy solver."""
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
# Clarabel
# ---------------------------------------------------------------------------

#: (tolerance, equilibration) tried in turn until Clarabel reports Solved: without
#: equilibration first (faster and, on these small well-scaled programmes, more accurate)
LADDER = ((1e-11, False), (1e-11, True), (1e-9, True))
_SETTINGS = {}
_SPECS = {}  # Clarabel cone lists by the form's cone blocks


def _settings(tol, equil):
    import clarabel

    st = _SETTINGS.get((tol, equil))
    if st is None:
        st = clarabel.DefaultSettings()
        st.verbose = False
        st.tol_gap_abs = st.tol_gap_rel = st.tol_feas = tol
        st.tol_ktratio = 1e-8
        st.max_iter = 200
        st.equilibrate_enable = equil
        st.max_threads = 1
        _SETTINGS[(tol, equil)] = st
    return st


def solve_clarabel(form: ConicForm, ladder=LADDER):
    """Solve a :class:`ConicForm` with Clarabel, retrying down ``ladder`` until solved.

    Returns ``(x, z, status)``: primal and dual vectors (``x`` zeros and ``z`` None when
    not finite) and the mapped status of the last attempt.
    """
    import clarabel

    key = tuple(form.cones)
    spec = _SPECS.get(key)
    if spec is None:
        kinds = {"zero": clarabel.ZeroConeT, "nonneg": clarabel.NonnegativeConeT,
                 "soc": clarabel.SecondOrderConeT}
        spec = _SPECS[key] = [kinds[kind](m) for kind, m in form.cones]
    for tol, equil in ladder:
        sol = clarabel.DefaultSolver(form.P, form.q, form.A, form.b, spec, _settings(tol, equil)).solve()
        status = clarabel_status(sol.status)
        if status is SolverStatus.OPTIMAL:
            break
    x = np.array(sol.x)
    if not np.all(np.isfinite(x)):
        x = np.zeros(form.A.shape[1])
    z = np.array(sol.z)
    return x, (z if np.all(np.isfinite(z)) else None), status


def _clarabel_region(st, lamf, cones, faces):
    # labels far from unit size (|log2 rms(y)| > 10) are solved in their own units,
    # y / a and lam / a with a the nearest power of two (exact in floating point): the
    # minimisers and the multipliers scale by a, and Clarabel's absolute tolerances become
    # relative to the data
    a = st.label_unit
    form = region_form(st, lamf / a, cones, faces, y=st.y if a == 1.0 else st.y / a)
    x, z, status = solve_clarabel(form)
    # stationarity for u_c reads -(2/n) s_c X^T D_c r - G_c^T z_c = z_u with |z_u| <= 2 lam,
    # so mu_c = (n/2) z_c is a multiplier for the dual condition (see certify)
    mult = None if z is None else tuple(0.5 * a * st.n * z[r0:r0 + m] for r0, m in form.constraint_rows)
    U = a * x[: form.k * form.p].reshape(form.k, form.p)
    return Candidate(tuple(cones), U, status, "clarabel", faces, mult)


def interpolation_candidate(st, cones) -> Candidate:
    """Clarabel's candidate for the min-norm interpolation programme over ``cones``; its
    ``dual_point`` is the dual ``r`` of the fit equations."""
    form = interpolation_form(st, cones)
    x, z, status = solve_clarabel(form, ladder=((1e-11, True),))
    r = -z[: st.n] if z is not None else np.zeros(st.n)
    U = x[: form.k * form.p].reshape(form.k, form.p)
    return Candidate(tuple(cones), U, status, "clarabel", dual_point=r)


# ---------------------------------------------------------------------------
# cvxpy
# ---------------------------------------------------------------------------


def _cvxpy_region(st, lamf, cones, solver, faces):
    import cvxpy as cp

    name = "CLARABEL" if solver == "cvxpy" else solver.split(":", 1)[1].upper()
    us = [cp.Variable(st.dim) for _ in cones]
    f = sum(st.A(c) @ u for c, u in zip(cones, us))
    obj = cp.sum_squares(f - st.y) / st.n + 2 * lamf * sum(cp.norm(u, 2) for u in us)
    cons = [st.G(c, np.nonzero(st.nz)[0]) @ u >= 0 for c, u in zip(cones, us)]
    cons += [st.X[faces[c][1]] @ u == 0 for c, u in zip(cones, us) if c in faces]
    pr = cp.Problem(cp.Minimize(obj), cons)
    try:
        pr.solve(solver=name)
    except cp.error.SolverError as exc:
        return Candidate(tuple(cones), np.zeros((len(cones), st.dim)), SolverStatus.ERROR, solver, faces,
                         message=str(exc))
    U = np.array([u.value if u.value is not None else np.zeros(st.dim) for u in us]).reshape(len(cones), st.dim)
    status = cvxpy_status(pr.status)
    if any(u.value is None for u in us) and status is SolverStatus.OPTIMAL:
        status = SolverStatus.ERROR
    return Candidate(tuple(cones), U, status, solver, faces)


def region_candidate(st, lamf, cones, solver="clarabel", faces=None) -> Candidate:
    """A float candidate for ``V(S)`` (``S = cones``, validated and sorted) from ``solver``.

    ``faces``: validated ``{c: (c2, h, p)}`` (see
    :meth:`~landscape.convex.structure.ConeStructure.face_spec`) for a face programme.
    """
    faces = faces or {}
    if solver == "clarabel":
        return _clarabel_region(st, lamf, cones, faces)
    return _cvxpy_region(st, lamf, cones, solver, faces)
