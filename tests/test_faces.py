"""Face programmes V_face(S, c -> F) and the zero threshold of the rational point
(landscape/convex/, RegionProgram.solve(..., faces=...))."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from landscape.convex.program import RegionProgram
from landscape.geometry.cones import cone_cell
from landscape.data import Dataset
from landscape.errors import InputError

I3 = Dataset.from_arrays([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [1, 1, 1])
LAM = Fraction(1, 10)


def _dot(a, b):
    return sum((x * y for x, y in zip(a, b)), Fraction(0))


def _assert_on_face(prog, opt, c, c2):
    """u_c lies exactly in the closed cone c and on the hyperplane it shares with c2."""
    u = opt.u_exact[c]
    D = prog.patterns[cone_cell(c)]
    for i, x in enumerate(prog.arr.rows_exact):
        g = _dot(x, u)
        assert (g >= 0) if D[i] else (g <= 0)
    h, _ = prog.face_row(c, c2)
    assert _dot(prog.arr.rows_exact[h], u) == 0


def test_orthonormal_optimum_on_both_facets():
    # one positive neuron on pattern 001: optimum u = (0, 0, 1 - 3 lam) lies on z1 = 0 and z2 = 0
    prog = RegionProgram(I3, LAM)
    c = 2 * prog.cell_of_pattern("001")
    full = prog.solve([c])
    exact = Fraction(1, 3) * (2 + Fraction(9, 100)) + 2 * LAM * Fraction(7, 10)
    assert full.certified and full.lower <= exact <= full.upper
    for nb in ("101", "011"):
        c2 = 2 * prog.cell_of_pattern(nb)
        face = prog.solve([c], faces={c: c2})
        assert face.certified, face.reason
        _assert_on_face(prog, face, c, c2)
        # V_face == V within the certified tolerance, and never certifiably below V
        assert face.lower <= full.upper and full.lower <= face.upper
        assert face.upper - full.lower <= Fraction(1, 10**9) * (1 + full.upper)


def test_interior_optimum_face_is_certifiably_larger():
    # all-active cell, y = (1, 1, 1): u = t (1, 1, 1) strictly inside; its facets cost more
    prog = RegionProgram(I3, LAM)
    c = 2 * prog.cell_of_pattern("111")
    full = prog.solve([c])
    assert full.certified and full.cones_used == [c]
    for nb in ("011", "101", "110"):
        c2 = 2 * prog.cell_of_pattern(nb)
        face = prog.solve([c], faces={c: c2})
        assert face.certified
        _assert_on_face(prog, face, c, c2)
        assert face.lower > full.upper  # certifiably larger: no minimiser touches this facet


def test_face_dual_uses_free_multiplier():
    # the face's lower bound must exceed the unrestricted optimum, which needs the free
    # multiplier on x_h (with mu >= 0 only the dual could not certify more than V(S))
    prog = RegionProgram(I3, LAM)
    c = 2 * prog.cell_of_pattern("111")
    c2 = 2 * prog.cell_of_pattern("110")
    face = prog.solve([c], faces={c: c2})
    h, _ = prog.face_row(c, c2)
    assert face.mu[c][h] < 0


def test_bad_faces():
    prog = RegionProgram(I3, LAM)
    c = 2 * prog.cell_of_pattern("111")
    with pytest.raises(InputError, match="not adjacent"):
        prog.solve([c], faces={c: 2 * prog.cell_of_pattern("100")})
    with pytest.raises(InputError, match="opposite sign"):
        prog.solve([c], faces={c: 2 * prog.cell_of_pattern("110") + 1})
    with pytest.raises(InputError, match="not in the support"):
        prog.solve([c], faces={c + 2: c})


def test_zero_optimum_is_not_used():
    # negative neuron with positive labels: the optimum is u = 0, so no cone is used
    ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, 1])
    prog = RegionProgram(ds, LAM)
    c = 2 * prog.cell_of_pattern("11") + 1
    opt = prog.solve([c])
    assert opt.certified and opt.cones_used == []
    assert opt.upper == 1 and opt.lower <= 1
    # and a positive cone whose optimum is zero because lam is large (n lam >= |y|)
    prog = RegionProgram(ds, 1)
    opt = prog.solve([2 * prog.cell_of_pattern("10")])
    assert opt.certified and opt.cones_used == [] and opt.upper == 1


@st.composite
def face_instance(draw):
    n = draw(st.integers(2, 4))
    d = draw(st.integers(2, 3))
    X = [[draw(st.integers(-3, 3)) for _ in range(d)] for _ in range(n)]
    y = [draw(st.integers(-3, 3)) for _ in range(n)]
    if all(v == 0 for r in X for v in r):
        X[0][0] = 1
    return Dataset.from_arrays(X, y), draw(st.integers(0, 10**6)), draw(st.sampled_from(["1/10", "1/50"]))


@given(face_instance())
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_face_matches_fresh_cvxpy(inst):
    import cvxpy as cp

    ds, seed, lam = inst
    prog = RegionProgram(ds, lam)
    pairs = prog.arr.adjacent_pairs().tolist()
    if not pairs:
        return
    rng = np.random.default_rng(seed)
    i, j, _ = pairs[rng.integers(len(pairs))]
    s = int(rng.integers(2))
    c, c2 = 2 * i + s, 2 * j + s
    others = [x for x in rng.choice(prog.K, size=min(2, prog.K), replace=False).tolist() if x != c]
    S = sorted({c, *others})
    face = prog.solve(S, faces={c: c2})
    full = prog.solve(S)
    # independent problem: every u_c in its closed cone (all rows), plus x_h . u_c = 0
    X, y, n = ds.features, ds.y, ds.n
    us = [cp.Variable(ds.dim) for _ in S]
    f = 0
    cons = []
    for cc, u in zip(S, us):
        D = prog.patterns[cc // 2].astype(float)
        sgn = 1.0 if cc % 2 == 0 else -1.0
        f = f + sgn * cp.multiply(D, X @ u)
        cons.append(cp.multiply(2 * D - 1, X @ u) >= 0)
    h, _ = prog.face_row(c, c2)
    cons.append(X[h] @ us[S.index(c)] == 0)
    obj = cp.sum_squares(f - y) / n + 2 * float(prog.lam) * sum(cp.norm(u, 2) for u in us)
    pr = cp.Problem(cp.Minimize(obj), cons)
    pr.solve(solver=cp.CLARABEL)
    assert face.lower <= face.upper
    _assert_on_face(prog, face, c, c2)
    assert face.upper >= full.lower  # restricting u_c can only raise the value
    if pr.status == "optimal":
        assert float(face.lower) <= pr.value + 1e-7 * (1 + abs(pr.value))
        if face.certified:
            assert abs(face.value - pr.value) <= 1e-6 * (1 + abs(pr.value))


def test_face_certifies_interior_where_the_swap_test_cannot():
    # width-1 interior spurious minimum (tests/test_check.py SPUR): the neighbouring cones'
    # own optima are lower (so "V((S - c) + c') > V(S)" fails), yet restricting u_c to the
    # shared facet is certifiably worse: no minimiser of V(S) touches either facet
    ds = Dataset.from_arrays([[1, 0], [-1, 1], [-1, -1]], [1, 2, 2])
    prog = RegionProgram(ds, "5/27")
    c = 2 * prog.arr.locate([Fraction(2, 3), 0])
    full = prog.solve([c])
    assert full.certified and full.lower <= Fraction(713, 243) <= full.upper   # u = (4/9, 0)
    pairs = prog.arr.adjacent_pairs().tolist()
    nbrs = [j for i, j, _ in pairs if i == c // 2] + [i for i, j, _ in pairs if j == c // 2]
    assert nbrs
    for nb in nbrs:
        swap = prog.solve([2 * nb])
        assert swap.upper < full.lower                    # the swap test cannot decide
        face = prog.solve([c], faces={c: 2 * nb})
        assert face.certified and face.lower > full.upper  # the face programme can
