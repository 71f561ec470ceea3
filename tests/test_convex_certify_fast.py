"""The fast certification path (integer products, cached conic columns, extended
certificates) against exact recomputations and against the cvxpy path, on random small
instances (docs/theory.md, section 3)."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from landscape.convex import assembly
from landscape.convex.certify import push_into_cone
from landscape.convex.dual import cone_dual_value, exact_multiplier
from landscape.convex.program import RegionProgram
from landscape.data import Dataset, generate
from landscape.exact.arithmetic import sqrt_upper, to_grid
from landscape.geometry.cones import cone_cell, cone_sign
from landscape.regions.cache import SolveCache

LAMS = ["1/100", "1/20", "1/5"]
_PROGS = {}


def _prog(n, d, seed, lam):
    key = (n, d, seed, lam)
    if key not in _PROGS:
        _PROGS[key] = RegionProgram(generate("relu-teacher", n=n, d=d, seed=seed), lam)
    return _PROGS[key]


instances = st.tuples(st.integers(3, 7), st.integers(2, 3), st.integers(0, 4), st.sampled_from(LAMS))
SETTINGS = dict(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _support(prog, data, max_size=8):
    k = data.draw(st.integers(1, min(max_size, prog.K)))
    return prog.validate_cones(data.draw(st.lists(st.integers(0, prog.K - 1), min_size=k, max_size=k, unique=True)))


def _fitted_exact(prog, opt, c):
    D, s = prog.patterns[cone_cell(c)], cone_sign(c)
    u = opt.u_exact[c]
    return [s * sum((x * v for x, v in zip(prog.arr.rows_exact[i], u)), Fraction(0)) if D[i] else Fraction(0)
            for i in range(prog.n)]


def check_certificate(prog, opt, cones):
    """Every claim of a certified ``V(S)`` re-proved with Fractions, independently of the
    code under test: the point is in its closed cones, its objective is at most ``upper``,
    and the dual point ``t r`` satisfies every cone's condition (exact least squares on the
    NNLS support, or ``mu = 0``) with ``lower`` at most its dual value."""
    n, lam, rows = prog.n, prog.lam, prog.arr.rows_exact
    # primal: feasibility, fitted values, objective <= upper
    f = [Fraction(0)] * n
    norm_sq = []
    for c in cones:
        u = opt.u_exact[c]
        D = prog.patterns[cone_cell(c)]
        for i in range(n):
            g = sum((x * v for x, v in zip(rows[i], u)), Fraction(0))
            assert (g >= 0) if D[i] else (g <= 0)
        f = [a + b for a, b in zip(f, _fitted_exact(prog, opt, c))]
        norm_sq.append(sum((v * v for v in u), Fraction(0)))
    r = [y - v for y, v in zip(prog.ds.y_exact, f)]
    assert tuple(r) == tuple(opt.residual_exact) and tuple(f) == tuple(opt.fitted_exact)
    loss = sum((v * v for v in r), Fraction(0)) / n
    assert loss + 2 * lam * sum((sqrt_upper(q, 200) for q in norm_sq), Fraction(0)) <= opt.upper
    # dual: t^2 min_mu |s_c X^T D_c r + G_c^T mu|^2 <= (n lam)^2 for every cone of S
    t = Fraction(opt.dual_scale)
    nl2 = (n * lam) ** 2
    rden = math.lcm(*(v.denominator for v in r))
    rn = [int(v * rden) for v in r]
    rf = np.array([float(v) for v in r])
    for c in cones:
        D, s = prog.patterns[cone_cell(c)], cone_sign(c)
        b = [s * sum((r[i] * rows[i][j] for i in range(n) if D[i]), Fraction(0)) for j in range(prog.dim)]
        N = sum((v * v for v in b), Fraction(0))
        if t * t * N > nl2:
            _, frows, mu = cone_dual_value(prog, c, s * (D * rf) @ prog.X)
            ex = exact_multiplier(prog, c, rn, rden, [int(i) for i in frows[mu > 0]])
            assert ex is not None, f"cone {c}: no exact multiplier"
            N = ex[0]
        assert t * t * N <= nl2, f"cone {c} violates its dual condition"
    ry = sum((a * b for a, b in zip(r, prog.ds.y_exact)), Fraction(0))
    assert opt.lower <= Fraction(2, n) * t * ry - Fraction(1, n) * t * t * sum((v * v for v in r), Fraction(0))


@given(instances, st.data())
@settings(**SETTINGS)
def test_cached_columns_assemble_the_triplet_form_exactly(inst, data):
    prog = _prog(*inst)
    S = _support(prog, data, max_size=12)
    fast = assembly.region_form(prog, prog.lamf, S)
    ref = assembly._region_form_triplets(prog, prog.lamf, S, {}, prog.y)
    for M, R in ((fast.A, ref.A), (fast.P, ref.P)):
        assert M.shape == R.shape
        assert np.array_equal(M.indptr, R.indptr) and np.array_equal(M.indices, R.indices)
        assert np.array_equal(M.data, R.data)
    assert np.array_equal(fast.q, ref.q) and np.array_equal(fast.b, ref.b)
    assert fast.cones == ref.cones and fast.constraint_rows == ref.constraint_rows


def test_cached_columns_keep_explicit_zeros_of_sparse_data():
    ds = Dataset.from_arrays([[int(i == j) for j in range(4)] for i in range(4)], [1, -1, 1, -1])
    prog = RegionProgram(ds, "1/100")
    for S in [tuple(range(prog.K)), (0, 3, 5, 9, 30)]:
        fast = assembly.region_form(prog, prog.lamf, S)
        ref = assembly._region_form_triplets(prog, prog.lamf, S, {}, prog.y)
        assert np.array_equal(fast.A.indices, ref.A.indices) and np.array_equal(fast.A.data, ref.A.data)


@given(instances, st.data())
@settings(**SETTINGS)
def test_fast_certificate_is_exact_and_agrees_with_cvxpy(inst, data):
    prog = _prog(*inst)
    S = _support(prog, data)
    opt = prog.solve(S)
    assert opt.certified, opt.reason
    check_certificate(prog, opt, S)
    ref = prog.solve(S, solver="cvxpy")
    assert opt.lower <= ref.upper and ref.lower <= opt.upper


@given(instances, st.data())
@settings(**SETTINGS)
def test_integer_rational_point_is_the_fraction_one(inst, data):
    """The integer-product push into the cones gives the point of the per-row reference."""
    prog = _prog(*inst)
    S = _support(prog, data)
    cand = prog.candidate(S)
    opt = prog.certify(cand)
    U = np.array(cand.U, dtype=float)
    from landscape.convex.certify import rational_point

    Ui, den = rational_point(prog, S, U)
    U = U.copy()
    norms = np.linalg.norm(U, axis=1)
    U[norms <= 1e-9 * max(float(norms.max()), prog.u_scale)] = 0.0
    ints, k = to_grid(U.ravel())
    assert den == 1 << k
    for i, c in enumerate(S):
        u = ints[i * prog.dim:(i + 1) * prog.dim]
        want = push_into_cone(prog, c, u, prog.witness_int(cone_cell(c))) if any(u) else u
        assert list(Ui[i]) == list(want)
        assert opt.u_exact[c] == tuple(Fraction(v, den) for v in want)


@given(instances, st.data())
@settings(**SETTINGS)
def test_extended_certificate_is_exact(inst, data):
    prog = _prog(*inst)
    S = _support(prog, data)
    if len(S) < 2:
        return
    drop = data.draw(st.integers(1, min(2, len(S) - 1)))
    T = S[drop:]
    sub = prog.solve(T)
    ext = prog.extend(sub, S)
    fresh = prog.solve(S)
    if ext is None:
        return
    assert ext.certified and ext.cones == S and ext.method == "extended"
    check_certificate(prog, ext, S)
    assert ext.lower <= fresh.upper and fresh.lower <= ext.upper


def test_extension_is_refused_when_an_added_cone_is_needed():
    ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, -1])
    prog = RegionProgram(ds, "1/10")
    pos, neg = 2 * prog.cell_of_pattern("10"), 2 * prog.cell_of_pattern("01") + 1
    alone = prog.solve([pos])
    assert prog.extend(alone, [pos, neg]) is None           # the negative cone fits y_2 = -1
    both = prog.solve([pos, neg])
    assert both.upper < alone.lower                          # it lowers V: the refusal was right
    ext = prog.extend(both, [pos, neg, 2 * prog.cell_of_pattern("01")])  # a positive cone on x_2: useless
    assert ext is not None and (ext.lower, ext.upper) == (both.lower, both.upper)


@pytest.mark.slow
def test_solve_cache_answers_do_not_depend_on_the_order_of_requests():
    """Supersets asked after their subsets get the same minimiser support as when asked
    first (the cache never answers from a subset's optimum), and agree with fresh solves."""
    prog = RegionProgram(generate("relu-teacher", n=6, d=3, seed=2), "1/100")
    rng = np.random.default_rng(3)
    pairs = []
    for _ in range(40):
        S = sorted(rng.choice(prog.K, 3, replace=False).tolist())
        pairs += [S] + [sorted(set(S) | {extra}) for extra in rng.choice(prog.K, 2, replace=False).tolist()]
    forward, backward = SolveCache(prog), SolveCache(prog)
    got = [forward.V(S) for S in pairs]
    back = [backward.V(S) for S in pairs[::-1]][::-1]
    for S, a, b in zip(pairs, got, back):
        assert a.cones_used == b.cones_used
        fresh = prog.solve(S)
        assert a.certified and (a.lower <= fresh.upper and fresh.lower <= a.upper)


@pytest.mark.slow
def test_p_bad_does_not_depend_on_what_was_solved_before():
    """Regression: on 6 Gaussian points in 3-d (lam 1/100) P_bad(2) after the whole width-2
    row (L*_2 by branch and bound, P_global, P_spurious first) once differed from P_bad(2)
    alone (9/1024 against 19/2048), because a cached subset's minimiser, with a zero neuron,
    answered a support whose interior-point minimiser has none."""
    from landscape.regions.landscape import Landscape

    ds = generate("gaussian", n=6, d=3, seed=0)
    row = Landscape(ds, "1/100").row(2)
    alone = Landscape(ds, "1/100").proportions.p_bad(2)[0]
    assert row.P_bad == alone


fractions = st.fractions(min_value=-10**4, max_value=10**4, max_denominator=10**6)


@given(fractions, st.fractions(min_value=0, max_value=1, max_denominator=10**12),
       st.fractions(min_value=Fraction(1, 10**6), max_value=10, max_denominator=10**6))
@settings(max_examples=300, deadline=None)
def test_integer_gap_check_is_gap_ok(lower, gap, scale):
    from landscape.convex.certify import gap_within
    from landscape.exact.arithmetic import gap_ok

    for upper in (lower + gap * Fraction(1, 10**6), lower + gap, lower - gap):
        assert gap_within(lower, upper, scale) == gap_ok(lower, upper, scale=scale)
