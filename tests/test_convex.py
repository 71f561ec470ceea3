"""Certified V(S), V*, L*_m and the min-norm interpolator (landscape/convex/)."""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from landscape.convex.program import RegionProgram, min_norm_interpolator, network_loss
from landscape.data import Dataset, generate
from landscape.errors import InputError


def _cvxpy_all_cones(prog):
    """Independent check: one monolithic cvxpy problem over every signed cone."""
    return prog.solve(range(prog.K), solver="cvxpy")


@st.composite
def small_data(draw):
    n = draw(st.integers(2, 4))
    d = draw(st.integers(1, 2))
    X = [[draw(st.integers(-3, 3)) for _ in range(d)] for _ in range(n)]
    y = [draw(st.integers(-3, 3)) for _ in range(n)]
    bias = draw(st.booleans())
    if all(v == 0 for r in X for v in r):
        X[0][0] = 1
    return Dataset.from_arrays(X, y, bias=bias)


@given(small_data(), st.sampled_from(["1/10", "1/50", "1/3"]))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_global_matches_brute_force_over_supports(ds, lam):
    prog = RegionProgram(ds, lam)
    glob = prog.global_optimum()
    assert glob.lower <= glob.upper
    # brute force: V is monotone in S, so the minimum over all supports of size <= n + 1
    # (Caratheodory) equals V*; every V(S) is itself certified
    size = min(ds.n + 1, prog.K)
    if math.comb(prog.K, size) <= 150:
        best = min(prog.solve(S).upper for S in itertools.combinations(range(prog.K), size))
    else:  # too many supports: an independent monolithic cvxpy solve over all cones
        best = _cvxpy_all_cones(prog).upper
    # the proven bounds always bracket any feasible value from above ...
    assert glob.lower <= best
    # ... and a certified value agrees with the brute force
    if glob.certified:
        assert abs(float(best - glob.upper)) <= 1e-7 * (1 + float(glob.upper)), (best, glob.upper)
    else:
        assert glob.reason
    # and the returned network's loss equals the certified value
    a, W = glob.network
    assert abs(network_loss(ds, prog.lam, a, W) - glob.value) <= 1e-9 * (1 + glob.value)


def test_orthonormal_closed_form():
    # docs/theory.md, section 6: fitted values (1 - n lam/|y_+|)_+ y_+ on S+ and the same on S-
    ds = generate("orthonormal", n=4, d=4, seed=3)
    lam = Fraction(1, 50)
    prog = RegionProgram(ds, lam)
    glob = prog.global_optimum()
    assert glob.certified
    y = ds.y
    expect = np.zeros(4)
    for mask in (y > 0, y < 0):
        norm = np.linalg.norm(y[mask])
        if norm:
            expect[mask] = max(0.0, 1 - 4 * float(lam) / norm) * y[mask]
    assert np.allclose(glob.fitted, expect, atol=1e-8)


def test_region_value_and_duality_gap_exact():
    ds = generate("relu-teacher", n=6, d=2, seed=4)
    prog = RegionProgram(ds, "0.01")
    rng = np.random.default_rng(0)
    for _ in range(20):
        S = rng.choice(prog.K, size=4, replace=False)
        opt = prog.solve(S)
        assert opt.certified, opt.reason
        assert opt.lower <= opt.upper and opt.upper - opt.lower <= Fraction(1, 10**9) * (1 + opt.upper)
        # the rational point is feasible: every u_c lies in its closed cone, exactly
        for c, u in opt.u_exact.items():
            D = prog.patterns[c // 2]
            for i, x in enumerate(prog.arr.rows_exact):
                g = sum(a * b for a, b in zip(x, u))
                assert (g >= 0) if D[i] else (g <= 0)
        a, W = opt.network
        assert abs(network_loss(ds, prog.lam, a, W) - opt.value) <= 1e-9 * (1 + opt.value)
        # the global optimum is never above a restricted one
    glob = prog.global_optimum()
    assert glob.lower <= min(prog.solve(S).upper for S in [range(prog.K)])


def test_width_optimum_search_vs_global():
    ds = generate("relu-teacher", n=4, d=2, seed=2)
    prog = RegionProgram(ds, "0.01")
    glob = prog.global_optimum()
    w1 = prog.width_optimum(1)
    assert w1.method == "exact_search" or len(glob.cones_used) <= 1
    singles = [prog.solve([c]).upper for c in range(prog.K)]
    assert w1.upper == min(singles)
    assert w1.lower >= glob.lower - Fraction(1, 10**9)
    big = prog.width_optimum(len(glob.cones_used))
    assert big.method == "equals_global" and big.upper == glob.upper


def test_bad_input():
    ds = generate("gaussian", n=3, d=2)
    with pytest.raises(InputError, match="lam must be >= 0"):
        RegionProgram(ds, "-0.1")
    with pytest.raises(InputError, match="interpolate"):
        RegionProgram(ds, 0)
    prog = RegionProgram(ds, "0.1")
    with pytest.raises(InputError, match="out of range"):
        prog.solve([prog.K])
    with pytest.raises(InputError, match="unknown solver"):
        RegionProgram(ds, "0.1", solver="nope")


def test_uncertified_solver_status_is_reported():
    ds = generate("gaussian", n=4, d=2, seed=1)
    prog = RegionProgram(ds, "0.01")
    opt = prog.solve(range(prog.K), solver="cvxpy:SCS")  # first-order solver: loose tolerances
    if opt.status != "optimal" or not opt.certified:
        assert not opt.certified and opt.reason
    assert opt.lower <= opt.upper  # the bounds remain valid proofs either way


def test_chistikov_min_norm_interpolator():
    # Chistikov, Englert & Lazic (2023), Thm 8, b = 11: rank-1 interpolators cost 2,
    # a rank-2 one about 1.99938; the certified minimum is below both and not rank 1
    it = min_norm_interpolator(generate("chistikov", b=11))
    assert it.certified, it.reason
    assert it.upper < Fraction(199938, 100000)
    assert it.lower <= it.upper and it.rank >= 2
    a, W = it.network
    ds = generate("chistikov", b=11)
    f = np.maximum(ds.features @ W.T, 0) @ a
    assert np.allclose(f, ds.y, atol=1e-9)
    assert abs(np.sum(a**2) + np.sum(W**2) - it.norm_sq) < 1e-9


@pytest.mark.slow
def test_cone_generation_matches_monolithic_n30():
    ds = generate("relu-teacher", n=30, d=3, seed=1)
    prog = RegionProgram(ds, "0.01")
    glob = prog.global_optimum()
    assert glob.certified and glob.method == "cone_generation"
    mono = prog.solve(range(prog.K))
    assert mono.lower <= glob.upper + Fraction(1, 10**12) and glob.lower <= mono.upper + Fraction(1, 10**12)
