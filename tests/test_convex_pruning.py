"""Pruned optima (landscape/convex/algorithms.py: prune_exact, global_optimum): certified,
in the original bracket, with linearly independent fitted columns, hence at most n cones."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from landscape.convex.algorithms import prune_exact
from landscape.convex.program import RegionProgram
from landscape.data import Dataset, generate
from landscape.exact.arithmetic import gap_ok
from landscape.exact.linalg import exact_rank
from landscape.geometry.cones import cone_cell, cone_sign


@st.composite
def instance(draw):
    n = draw(st.integers(2, 5))
    d = draw(st.integers(1, 3))
    X = [[draw(st.integers(-3, 3)) for _ in range(d)] for _ in range(n)]
    y = [draw(st.integers(-3, 3)) for _ in range(n)]
    if all(v == 0 for r in X for v in r):
        X[0][0] = 1
    lam = draw(st.sampled_from(["1/100", "1/20", "1/5"]))
    return Dataset.from_arrays(X, y, bias=draw(st.booleans())), lam


def _fitted_columns(prog, opt):
    """Exact columns s_c D_c X u_c of the used cones."""
    cols = []
    for c in opt.cones_used:
        D, s = prog.patterns[cone_cell(c)], cone_sign(c)
        cols.append([s * sum((x * v for x, v in zip(prog.arr.rows_exact[i], opt.u_exact[c])), Fraction(0))
                     if D[i] else Fraction(0) for i in range(prog.n)])
    return cols


def _assert_feasible(prog, opt):
    for c, u in opt.u_exact.items():
        D = prog.patterns[cone_cell(c)]
        for i, x in enumerate(prog.arr.rows_exact):
            g = sum((a * b for a, b in zip(x, u)), Fraction(0))
            assert (g >= 0) if D[i] else (g <= 0)


@given(instance())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_pruning_a_monolithic_optimum(inst):
    ds, lam = inst
    prog = RegionProgram(ds, lam)
    # one programme over every cone: an interior-point solver spreads weight over many cones
    opt = prog.certify(prog.candidate(tuple(range(prog.K))), dual="all")
    pruned = prune_exact(prog, opt)
    if not opt.certified:
        assert pruned is opt
        return
    assert pruned.certified
    cols = _fitted_columns(prog, pruned)
    assert pruned.support_size <= prog.n and exact_rank(cols) == len(cols)  # independent columns
    # same fit exactly, the same dual certificate, an upper bound in the certified bracket
    assert pruned.residual_exact == opt.residual_exact and pruned.lower == opt.lower
    assert pruned.upper <= opt.upper + Fraction(1, 10**12) * (1 + opt.upper)
    assert gap_ok(pruned.lower, pruned.upper, scale=prog.gap_scale)
    _assert_feasible(prog, pruned)
    if pruned is not opt:
        assert pruned.pruned_from == opt.support_size > pruned.support_size
    # the value of the balanced network is the certified value
    a, W = pruned.network
    f = np.maximum(ds.features @ W.T, 0) @ a if len(a) else np.zeros(ds.n)
    loss = np.mean((f - ds.y) ** 2) + float(prog.lam) * (a @ a + np.sum(W * W))
    assert abs(loss - pruned.value) <= 1e-9 * (1 + pruned.value)


@given(instance())
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_global_optimum_is_pruned_and_gives_width_optima(inst):
    ds, lam = inst
    prog = RegionProgram(ds, lam)
    glob = prog.global_optimum()
    if not glob.certified:
        return
    assert glob.support_size <= prog.n  # Caratheodory's n + 1, sharpened to rank <= n
    mono = prog.solve(range(prog.K))
    assert glob.lower <= mono.upper and mono.lower <= glob.upper
    w = prog.width_optimum(max(glob.support_size, 1), glob=glob)
    assert w.method == "equals_global" and w.certified and w.upper == glob.upper


def test_pruning_at_n_100_uses_at_most_n_cones():
    ds = generate("relu-teacher", n=30, d=3, seed=1)
    prog = RegionProgram(ds, "0.01")
    glob = prog.global_optimum()
    assert glob.certified and glob.support_size <= prog.n
    cols = _fitted_columns(prog, glob)
    assert exact_rank(cols) == len(cols)


def test_dual_point_of_a_pruned_optimum_proves_its_lower_bound():
    # the lower bound of V* is (2/n) r.y - (1/n)|r|^2 at r = dual_point; recompute it
    ds = generate("relu-teacher", n=12, d=2, seed=3)
    prog = RegionProgram(ds, "0.01")
    glob = prog.global_optimum()
    r = glob.dual_point
    lower = 2 / prog.n * (r @ prog.y) - (r @ r) / prog.n
    assert abs(lower - float(glob.lower)) <= 1e-12 * (1 + abs(lower))
    # and r satisfies the all-cones dual condition up to rounding
    assert not prog.scan(r, tol=1e-7)


@pytest.mark.parametrize("n", [3, 4, 5, 6, 7])
def test_orthogonal_optimum_is_certified_with_one_neuron_per_sign(n):
    """On X = I_n with labels of both signs every closed cell containing the optimal positive
    direction (all patterns containing S+) can carry it, so an interior-point solver spreads
    the neuron over 2^(n - |S+|) cones and loses accuracy.  The certified optimum must still
    come out, pruned to one neuron per sign, with the closed form of docs/theory.md,
    section 6: V* = sum over signs of 2 lam |y_s| - n lam^2 (both |y_s| > n lam here)."""
    import math

    lam = Fraction(1, 100)
    y = [1 if i % 2 == 0 else -1 for i in range(n)]
    ds = Dataset.from_arrays([[int(i == j) for j in range(n)] for i in range(n)], y)
    opt = RegionProgram(ds, lam).global_optimum()
    assert opt.certified, opt.reason
    assert opt.support_size == 2
    closed = sum(2 * float(lam) * math.sqrt(k) - n * float(lam) ** 2 for k in ((n + 1) // 2, n // 2))
    assert float(opt.lower) - 1e-12 <= closed <= float(opt.upper) + 1e-12
