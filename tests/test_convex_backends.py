"""Solver backends and the candidate -> certificate hand-over (landscape/convex/backends.py,
landscape/convex/certify.py): one status map per backend, no hidden state."""

import dataclasses

import numpy as np

from landscape.convex.backends import (CLARABEL_STATUS_MAP, CVXPY_STATUS_MAP, clarabel_status, cvxpy_status)
from landscape.convex.program import RegionProgram
from landscape.data import generate
from landscape.results.status import SolverStatus


def test_status_maps_send_unknown_codes_to_error():
    assert clarabel_status("Solved") is SolverStatus.OPTIMAL
    assert clarabel_status("SolverStatus.MaxIterations") is SolverStatus.MAX_ITERATIONS
    assert clarabel_status("NumericalError") is SolverStatus.ERROR
    assert clarabel_status("SomethingNew") is SolverStatus.ERROR
    assert cvxpy_status("infeasible_inaccurate") is SolverStatus.INFEASIBLE
    assert cvxpy_status("solver_error") is SolverStatus.ERROR
    # only OPTIMAL may end certified
    assert [s for s in set(CLARABEL_STATUS_MAP.values()) | set(CVXPY_STATUS_MAP.values())
            if s.certifiable] == [SolverStatus.OPTIMAL]


def test_certification_depends_only_on_its_argument():
    ds = generate("relu-teacher", n=6, d=2, seed=2)
    prog = RegionProgram(ds, "1/50")
    rng = np.random.default_rng(3)
    S1, S2 = (prog.validate_cones(rng.choice(prog.K, 4, replace=False)) for _ in range(2))
    c1, c2 = prog.candidate(S1), prog.candidate(S2)
    assert c1.multipliers is not None and len(c1.multipliers) == len(S1)
    first = prog.certify(c1)
    prog.certify(c2)  # another candidate in between changes nothing
    again = prog.certify(c1)
    assert (first.lower, first.upper, first.u_exact) == (again.lower, again.upper, again.u_exact)
    assert first.certified


def test_inaccurate_status_keeps_bounds_but_is_not_certified():
    ds = generate("relu-teacher", n=6, d=2, seed=2)
    prog = RegionProgram(ds, "1/50")
    cand = prog.candidate(prog.validate_cones(range(0, prog.K, 5)))
    good = prog.certify(cand)
    weak = prog.certify(dataclasses.replace(cand, status=SolverStatus.OPTIMAL_INACCURATE))
    assert good.certified and not weak.certified and "optimal_inaccurate" in weak.reason
    assert (weak.lower, weak.upper) == (good.lower, good.upper)  # the proof does not trust the status
    assert isinstance(weak.value, float) and weak.value == float(weak.upper)  # float view of the exact value
