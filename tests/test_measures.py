"""Cone measures and support probabilities against brute force and Monte Carlo."""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
import sympy

from landscape.geometry.arrangement import enumerate_cells
from landscape.data import generate
from landscape.geometry.measures import (
    closed_form,
    gaussian_measure,
    inclusion_exclusion_terms,
    restricted_support_probability,
    sample_supports,
    support_probability,
    uniform_measure,
    wilson_interval,
)


@pytest.mark.parametrize("K,m", [(3, 1), (4, 2), (5, 3), (6, 4)])
def test_support_probability_matches_enumeration_of_all_regions(K, m):
    probs = [Fraction(k + 1, K * (K + 1) // 2) for k in range(K)]  # non-uniform on purpose
    counts = {}
    for region in itertools.product(range(K), repeat=m):
        weight = math.prod(probs[c] for c in region)
        S = frozenset(region)
        counts[S] = counts.get(S, 0) + weight
    for S, exact in counts.items():
        assert support_probability([probs[c] for c in sorted(S)], m) == exact
    # a support larger than m is impossible
    if K > m:
        assert support_probability(probs[: m + 1], m) == 0


def test_restricted_support_probability_by_enumeration():
    K, m = 5, 3
    probs = [Fraction(1, K)] * K
    A = [0, 1, 2]
    for size in range(len(A) + 1):
        for B in itertools.combinations(A, size):
            brute = sum(Fraction(1, K**m) for region in itertools.product(range(K), repeat=m)
                        if set(region) & set(A) == set(B))
            got = restricted_support_probability([probs[c] for c in B], sum(probs[c] for c in A), m)
            assert got == brute
            msym = sympy.Symbol("m")
            expr = closed_form(inclusion_exclusion_terms([probs[c] for c in B], 1 - sum(probs[c] for c in A)), msym)
            assert Fraction(str(expr.subs(msym, m))) == brute


def test_uniform_measure_is_exact():
    arr = enumerate_cells(generate("gaussian", n=4, d=3, seed=0))
    mu = uniform_measure(arr)
    assert mu.K == 28 and sum(mu.probs) == 1 and all(isinstance(p, Fraction) for p in mu.probs)


@pytest.mark.parametrize("n,d", [(5, 2), (6, 3), (4, 3)])
def test_gaussian_measure_formula_sums_to_one_and_matches_monte_carlo(n, d):
    ds = generate("gaussian", n=n, d=d, seed=n)
    arr = enumerate_cells(ds)
    g = gaussian_measure(arr)
    assert g.method in ("angle", "spherical-excess")
    assert abs(sum(g.probs) - 1) < 1e-12
    rng = np.random.default_rng(0)
    N = 200_000
    W = rng.standard_normal((N, arr.dim))
    pats = (W @ ds.features.T > 0)
    lookup = {arr.patterns[k].tobytes(): k for k in range(arr.count)}
    freq = np.bincount([lookup[p.tobytes()] for p in pats], minlength=arr.count) / N
    cell = np.array(g.probs[0::2]) * 2
    assert np.max(np.abs(freq - cell)) < 5 * math.sqrt(0.25 / N)


def test_gaussian_measure_rank_deficient_uses_row_space():
    # rows span a plane in R^3: the measure is the angle fraction within that plane
    arr = enumerate_cells([[1, 0, 0], [0, 1, 0], [1, 1, 0]])
    g = gaussian_measure(arr)
    assert g.method == "angle"
    assert sorted(round(2 * p, 12) for p in g.probs[0::2]) == sorted([0.125, 0.125, 0.125, 0.125, 0.25, 0.25])


def test_gaussian_measure_monte_carlo_in_rank_4():
    arr = enumerate_cells(generate("gaussian", n=5, d=4, seed=1))
    g = gaussian_measure(arr, samples=20_000, seed=1)
    assert g.method == "monte-carlo" and g.samples == 20_000
    assert abs(sum(g.probs) - 1) < 1e-9 and g.error > 0


def test_wilson_interval_covers_true_value_often():
    rng = np.random.default_rng(3)
    p, n, hits = 0.3, 50, 0
    for _ in range(400):
        lo, hi = wilson_interval(int(rng.binomial(n, p)), n)
        hits += lo <= p <= hi
    assert hits / 400 > 0.9


def test_sample_supports_frequency_inside_interval():
    arr = enumerate_cells([[1, 0], [0, 1]])
    mu = uniform_measure(arr)  # K = 8
    supports = sample_supports(mu, 3, 4000, seed=2)
    target = frozenset({0, 1})
    exact = float(support_probability([mu.probs[0], mu.probs[1]], 3))
    lo, hi = wilson_interval(sum(S == target for S in supports), len(supports))
    assert lo <= exact <= hi
