"""Validated numerics (landscape/convex/validated.py): Krawczyk boxes around critical points
of face programmes, checked against closed forms and an independent 50-digit Newton solve."""

from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape.convex.program import RegionProgram, refine_optimum
from landscape.convex.validated import certify_faces, dual_feasible_all_cones, face_of
from landscape.data import Dataset

ISSUE = Dataset.from_arrays([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], [1, "1/2", "-4/5"])
GENERIC = Dataset.from_arrays([[1, "3/10"], ["1/5", 1], [-1, "1/2"], ["2/5", "-7/10"], ["9/10", "4/5"]],
                              [1, "-1/2", "7/10", "1/5", -1])


def test_orthonormal_boundary_spurious_minimum_of_the_issue():
    """u = (13/20) e3 on the face x1 . u = x2 . u = 0 (orthogonal rows, zero multipliers):
    L = (1/3)(1 + 1/4 + 9/400) + 2 (1/20)(13/20) = 587/1200."""
    prog = RegionProgram(ISSUE, "1/20")
    u = [0.0, 0.0, 0.65, 0.0]
    face = face_of(prog, u, -1)
    assert face.tight == (0, 1) and face.active == (2,)
    vp = certify_faces(prog, [face], [u])
    assert vp.status == "certified" and vp.local_minimum is True
    assert vp.orthogonal == [(0, 1)] and vp.checks["exact_zero_multipliers"] == 2
    assert vp.value_lower <= Fraction(587, 1200) <= vp.value_upper
    assert vp.value_upper - vp.value_lower < Fraction(1, 10**20)
    assert vp.global_dual is False        # x1 with y1 = 1 > 0 violates the dual condition
    assert vp.u_rad[0].max() < 1e-15 and abs(vp.u_mid[0][2] - 0.65) < 1e-15


def test_boundary_point_that_can_cross_is_violated():
    """X = I, y = (1, 1), lam = 5/18: u = (4/9) e1 is critical on its face x2 . u = 0 but the
    multiplier of the cone where x2 becomes active is -r_2 = -1 < 0 (the exact test agrees)."""
    ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, 1])
    prog = RegionProgram(ds, "5/18")
    u = [4 / 9, 0.0]
    vp = certify_faces(prog, [face_of(prog, u, 1)], [u], settle=False)
    assert vp.status == "violated" and vp.local_minimum is False
    assert "becomes active" in vp.reason
    # with active-set corrections the row is released and the global minimum found:
    # u = (1 - n lam / |y|) y, L = (1/2)(n lam)^2 + 2 lam (|y| - n lam) = 5 sqrt2 / 9 - 25/162
    vp = certify_faces(prog, [face_of(prog, u, 1)], [u])
    assert vp.status == "certified" and vp.global_dual is True and vp.faces[0].active == (0, 1)
    with mpmath.workdps(40):
        exact = 5 * mpmath.sqrt(2) / 9 - mpmath.mpf(25) / 162
        lo, hi = (mpmath.mpf(q.numerator) / q.denominator for q in (vp.value_lower, vp.value_upper))
        assert lo <= exact <= hi and hi - lo < mpmath.mpf(10) ** -20


def test_generic_boundary_minimum_matches_a_50_digit_newton_solve():
    """The global optimum of generic data has a neuron on a hyperplane with a strictly
    negative multiplier; the Krawczyk box must contain the 50-digit solution of the same
    face system (refine_optimum, an independent implementation)."""
    prog = RegionProgram(GENERIC, "1/20")
    glob = prog.global_optimum()
    cones = glob.cones_used
    u0 = [np.asarray(glob.u[c], float) for c in cones]
    faces = [face_of(prog, u, 1 if c % 2 == 0 else -1, 1e-7) for c, u in zip(cones, u0)]
    assert any(f.tight for f in faces)
    vp = certify_faces(prog, faces, u0)
    assert vp.status == "certified" and vp.global_dual is True
    assert glob.lower - Fraction(1, 10**12) <= vp.value_upper and vp.value_lower <= glob.upper
    with mpmath.workdps(50):
        ref = refine_optimum(prog, dict(zip(cones, u0)), digits=50, active_tol=1e-7)
        for c, mid, rad in zip(cones, vp.u_mid, vp.u_rad):
            for v, m, r in zip(ref[c], mid, rad):
                assert abs(v - mpmath.mpf(m)) <= mpmath.mpf(r) + mpmath.mpf(10) ** -40
    tight = [i for f, mm in zip(faces, vp.multipliers) for i in mm]
    assert tight and all(hi < 0 for mm in vp.multipliers for lo, hi in mm.values())


def test_candidate_far_from_a_critical_point_is_undecided_not_wrong():
    prog = RegionProgram(ISSUE, "1/20")
    # wrong face: claim x3 tight as well, then Newton cannot find a nonzero u on the face
    face = face_of(prog, [0.0, 0.0, 0.0, 1.0], -1)
    vp = certify_faces(prog, [face], [[0.0, 0.0, 0.0, 1.0]])
    assert vp.status == "undecided" and vp.local_minimum is None


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(-9, 9), min_size=5, max_size=5), st.integers(0, 10**6))
def test_dual_check_agrees_with_the_float_scan(r_int, seed):
    """dual_feasible_all_cones never says True when a float NNLS finds a clear violation,
    and never says False when every cone is clearly feasible."""
    prog = RegionProgram(GENERIC, "1/20")
    r = np.array(r_int, float) / 10
    rad = np.full(5, 1e-14)
    ok, why = dual_feasible_all_cones(prog, r, rad)
    viol = prog.scan(r, tol=1e-6)
    if viol:
        assert ok is not True, why
    nl = prog.n * float(prog.lam)
    B = prog.patterns.astype(float) @ (prog.X * r[:, None])
    if np.linalg.norm(B, axis=1).max() < nl * (1 - 1e-6):
        assert ok is True, why


def test_no_face_is_undecided():
    prog = RegionProgram(ISSUE, "1/20")
    assert certify_faces(prog, [], []).status == "undecided"


@pytest.mark.parametrize("scale", [1e-150, 1.0, 1e150])
def test_face_of_is_scale_invariant(scale):
    prog = RegionProgram(GENERIC, "1/20")
    u = np.array([0.3, -0.2])
    assert face_of(prog, u * scale, 1) == face_of(prog, u, 1)
