"""The width-m landscape against an exhaustive brute force over all K^m regions."""

import itertools
from fractions import Fraction

import cvxpy as cp
import numpy as np
import pytest
import sympy

from landscape.data import Dataset, generate, load_dataset
from landscape.geometry.measures import restricted_support_probability
from landscape.regions import Landscape, analyse, find_counterexample


def brute_V(ds, lam, patterns, S):
    """V(S) by a fresh cvxpy problem: an independent implementation."""
    X, y, n = ds.features, ds.y, ds.n
    if not S:
        return float(y @ y) / n, {}
    us = {c: cp.Variable(X.shape[1]) for c in S}
    fit = 0
    cons = []
    for c, u in us.items():
        D = patterns[c // 2].astype(float)
        s = 1.0 if c % 2 == 0 else -1.0
        fit = fit + s * cp.multiply(D, X @ u)
        G = (2 * D - 1)[:, None] * X
        cons.append(G @ u >= 0)
    obj = cp.sum_squares(fit - y) / n + 2 * float(Fraction(lam)) * sum(cp.norm(u) for u in us.values())
    prob = cp.Problem(cp.Minimize(obj), cons)
    prob.solve(solver=cp.CLARABEL)
    return prob.value, {c: u.value for c, u in us.items()}


def brute_proportions(ds, lam, m):
    land = Landscape(ds, lam)
    pats = land.prog.patterns
    K = land.K
    values = {}
    for S in set(frozenset(r) for r in itertools.product(range(K), repeat=m)):
        values[S] = brute_V(ds, lam, pats, sorted(S))[0]
    L = min(values.values())
    count = sum(1 for r in itertools.product(range(K), repeat=m) if values[frozenset(r)] <= L + 1e-7)
    return land, Fraction(count, K**m), L


TINY = [
    (Dataset.from_arrays([[1, 0], [0, 1]], [1, -1]), "1/10"),
    (Dataset.from_arrays([[1, 0], [1, 1]], ["1/2", 1]), "1/20"),
    (Dataset.from_arrays([[2, 1], [-1, 1]], [1, "1/3"]), "1/50"),
    (Dataset.from_arrays([[3, 2], [1, -2]], [2, -4]), "1/10"),  # has interior spurious minima
]


@pytest.mark.slow
@pytest.mark.parametrize("case", range(len(TINY)))
@pytest.mark.parametrize("m", [1, 2, 3, 4])
def test_P_global_matches_brute_force_over_all_regions(case, m):
    ds, lam = TINY[case]
    land, brute, L = brute_proportions(ds, lam, m)
    assert land.K <= 8
    row = land.row(m)
    assert abs(float(row.L_star.value) - L) < 1e-6
    assert row.P_global == brute


def brute_interior(ds, lam, patterns, S):
    """Float heuristic, independent of the certificates: every u_c clearly nonzero and
    clearly inside its cell."""
    value, U = brute_V(ds, lam, patterns, sorted(S))
    X = ds.features
    for c, u in U.items():
        nu = np.linalg.norm(u)
        if nu < 1e-5:
            return value, False
        G = (2 * patterns[c // 2].astype(float) - 1)[:, None] * X
        if np.min(G @ u / (np.linalg.norm(G, axis=1) * nu)) < 1e-4:
            return value, False
    return value, True


@pytest.mark.slow
@pytest.mark.parametrize("m", [1, 2, 3])
def test_P_spurious_matches_brute_force_over_all_regions(m):
    ds, lam = TINY[3]
    land, _, L = brute_proportions(ds, lam, m)
    pats = land.prog.patterns
    verdict = {}
    count = 0
    for region in itertools.product(range(land.K), repeat=m):
        S = frozenset(region)
        if S not in verdict:
            value, interior = brute_interior(ds, lam, pats, S)
            verdict[S] = interior and value > L + 1e-6
        count += verdict[S]
    row = land.row(m)
    assert row.P_spurious == Fraction(count, land.K**m)
    assert row.P_spurious > 0


@pytest.mark.parametrize("case", [0, 3])
def test_sampled_estimates_cover_the_exact_values(case):
    ds, lam = TINY[case]
    """95% Wilson intervals: over 10 seeds, nearly all must cover the exact value."""
    exact = Landscape(ds, lam).row(2)
    covered = {"P_global": 0, "P_spurious": 0, "P_bad": 0}
    for seed in range(10):
        sampled = Landscape(ds, lam, samples=400, seed=seed, force_sampling=True).row(2)
        assert sampled.method == "sampled"
        for key in covered:
            est = getattr(sampled, key)
            covered[key] += est.low <= float(getattr(exact, key)) <= est.high
    assert all(v >= 8 for v in covered.values()), covered


def test_closed_form_matches_exact_values():
    ds, lam = TINY[0]
    land = Landscape(ds, lam)
    expr = sympy.sympify(land.row(2).closed_form)
    msym = list(expr.free_symbols)[0]
    for m in (2, 3, 5, 9):
        assert Fraction(str(expr.subs(msym, m))) == land.row(m).P_global


def test_rows_partition_the_regions():
    """global + spurious + boundary classes + uncertified account for every region."""
    ds = generate("relu-teacher", n=3, d=2, seed=4)
    land = Landscape(ds, "1/20")
    m = 2
    total = Fraction(0)
    for size in (1, 2):
        for S in itertools.combinations(range(land.K), size):
            total += land._prob(S, m)
    assert total == 1


def test_orthonormal_necessity_spurious_minimum_at_width_1():
    """Boursier et al. (2025): on orthogonal data a too-narrow network has spurious minima."""
    ds = load_dataset("data/examples/orthonormal_spurious.json")
    result = analyse(ds, "17/100", [1, 2, 64])
    r1, r2, r64 = result["rows"]
    assert r1.P_bad > 0  # the lone negative neuron is a spurious local minimum
    assert r64.P_global > Fraction(9, 10) and r64.P_spurious == 0
    assert r2.P_global < r64.P_global


def test_counterexample_passes_the_exact_check():
    from landscape.network.pointwise import check_network

    ds = load_dataset("data/examples/orthonormal_spurious.json")
    net, cert = find_counterexample(ds, "17/100", 1)
    assert net is not None
    a, W = net
    v = check_network(ds, "17/100", a, W)
    assert v.verdict == "spurious_local_minimum"


def test_bad_input():
    from landscape.errors import InputError

    ds, lam = TINY[0]
    with pytest.raises(InputError):
        analyse(ds, lam, [])
    with pytest.raises(InputError):
        analyse(ds, lam, [0])
    with pytest.raises(InputError):
        analyse(ds, "0", [1])


@pytest.mark.slow
@pytest.mark.parametrize("data,lam,widths", [
    ("data/examples/teacher_n4_d3.json", "1/100", (None, 10, 50)),
    ("data/examples/xor_bias.json", "1/100", (None, 10, 50)),
    ("data/examples/chistikov_b11.json", "1/100", (None, 10, 50)),
    # the authors' Gaussian teacher data (their generator and seeds)
    ((4, 3, 1), "1/100", (10, 40)),
    ((4, 5, 3), "1/100", (10, 40)),
    ((4, 5, 2), "1/100", (10, 40)),
])
def test_direction_groups_agree_with_the_upset_enumeration(data, lam, widths):
    """P_global from verified direction groups equals the sum over the up-set of global
    subsets of the active cones (two independent exact computations); ``None`` in
    ``widths`` is the smallest width at which L*_m = V* is certified."""
    from landscape.network.authors import authors_teacher_dataset

    ds = load_dataset(data) if isinstance(data, str) else authors_teacher_dataset(*data)
    land = Landscape(ds, lam)
    groups = land.direction_groups()
    assert groups is not None
    minimal, undecided = land.global_upset()
    assert not undecided
    assert {frozenset(M) for M in minimal} == {frozenset(c) for c in itertools.product(*groups)}
    A = land.active_cones()
    pA = sum(land.measure.probs[c] for c in A)
    for m in (land.m0 if w is None else w for w in widths):
        upset = sum(restricted_support_probability([land.measure.probs[c] for c in B], pA, m)
                    for k in range(len(A) + 1) for B in itertools.combinations(A, k)
                    if any(set(M) <= set(B) for M in minimal))
        assert land.p_global_exact(m)[0] == upset


def test_degenerate_data_gets_exact_P_global_at_large_width():
    land = Landscape(load_dataset("data/examples/degenerate_d4.json"), "1/100")
    groups = land.direction_groups()
    # the solver's optimum splits a neuron over parallel cones; the groups (and the
    # Newton-tightened optimum, which merges them) need fewer
    assert groups is not None and land.m0 == len(groups) < len(land.prog.global_optimum().cones_used)
    assert len(land.glob.cones_used) == len(groups)
    assert land.L_star(land.m0).method == "equals_global" and land.L_star(land.m0).certified
    pg, closed, unc = land._p_global(64)
    assert unc == 0 and isinstance(pg, Fraction) and Fraction(1, 2) < pg < 1
    expr = sympy.sympify(closed)
    assert Fraction(str(expr.subs(list(expr.free_symbols)[0], 64))) == pg
