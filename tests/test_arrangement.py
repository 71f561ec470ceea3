"""The cell enumerator against formulas, brute force and exact verification."""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from landscape.geometry.arrangement import (
    cover_count,
    enumerate_cells,
    hyperplane_classes,
    zaslavsky_count,
)
from landscape.data import Dataset, generate
from landscape.errors import InputError, TooLargeError


def exact_dot(x, w):
    return sum((Fraction(a) * Fraction(b) for a, b in zip(x, w)), Fraction(0))


def check_witnesses(arr):
    """Every witness has exactly its cell's pattern, strictly on every nonzero row."""
    for k in range(arr.count):
        w = arr.witness(k)
        assert any(w), "witness must be nonzero"
        for i, x in enumerate(arr.rows_exact):
            v = exact_dot(x, w)
            if any(x):
                assert v != 0, f"cell {k}: witness on hyperplane of row {i}"
            assert (v > 0) == bool(arr.patterns[k, i])


def lp_patterns(rows):
    """Brute force: every 0/1 pattern (zero rows fixed at 0) tested by an LP."""
    X = np.array([[float(v) for v in r] for r in rows])
    n, d = X.shape
    nonzero = [i for i in range(n) if np.any(X[i] != 0)]
    found = set()
    for bits in itertools.product([0, 1], repeat=len(nonzero)):
        sign = np.ones(n)
        for i, b in zip(nonzero, bits):
            sign[i] = 1.0 if b else -1.0
        A = -(sign[nonzero, None] * X[nonzero])  # sign * x . w >= 1
        res = linprog(np.zeros(d), A_ub=A, b_ub=-np.ones(len(nonzero)), bounds=[(None, None)] * d,
                      method="highs")
        if res.status == 0:
            pat = ["0"] * n
            for i, b in zip(nonzero, bits):
                pat[i] = str(b)
            found.add("".join(pat))
    return found


# ---------------------------------------------------------------------------
# Formulas
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("n,d,bias", [(5, 2, False), (8, 3, False), (10, 4, False), (6, 6, False),
                                      (9, 2, True), (7, 3, True)])
def test_cover_count_general_position(n, d, bias):
    ds = generate("gaussian", n=n, d=d, seed=n * 10 + d, bias=bias)
    arr = enumerate_cells(ds)
    assert arr.count == cover_count(n, d + int(bias))
    check_witnesses(arr)


def test_cover_count_when_d_at_least_n_is_2_to_the_n():
    arr = enumerate_cells(generate("orthonormal", n=4, d=5, seed=3))
    assert arr.count == 2**4
    assert len({arr.pattern_string(k) for k in range(arr.count)}) == 16


@pytest.mark.parametrize("d,count", [(2, 6), (3, 32), (4, 370)])
def test_resonance_arrangement(d, count):
    rows = [list(v) for v in itertools.product([0, 1], repeat=d) if any(v)]
    arr = enumerate_cells(rows)
    assert arr.count == count
    check_witnesses(arr)


@pytest.mark.slow
def test_resonance_arrangement_d5():
    rows = [list(v) for v in itertools.product([0, 1], repeat=5) if any(v)]
    assert enumerate_cells(rows).count == 11292


@pytest.mark.parametrize("n,count", [(1, 4), (2, 14), (3, 104), (4, 1882)])
def test_threshold_functions(n, count):
    """Cells of the cube {0,1}^n with bias = linear threshold functions of n inputs."""
    ds = generate("hypercube", d=n, bias=True)
    assert enumerate_cells(ds).count == count


@pytest.mark.slow
def test_threshold_functions_n5():
    assert enumerate_cells(generate("hypercube", d=5, bias=True)).count == 94572


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_braid_arrangement_has_n_factorial_cells(n):
    rows = []
    for i, j in itertools.combinations(range(n), 2):
        r = [0] * n
        r[i], r[j] = 1, -1
        rows.append(r)
    arr = enumerate_cells(rows)
    assert arr.count == math.factorial(n)
    # each cell is an ordering of the coordinates of its witness
    orders = {tuple(np.argsort([float(v) for v in arr.witness(k)])) for k in range(arr.count)}
    assert len(orders) == math.factorial(n)


def test_exact_degeneracy_in_float_data_uses_exact_fallback():
    """x3 = x1 + x2 exactly, with double-precision entries: three hyperplanes share a line.

    Floating point alone cannot see the degeneracy; the exact fallback must.
    """
    rng = np.random.default_rng(7)
    base = [[Fraction(float(v)) for v in rng.standard_normal(3)] for _ in range(4)]
    rows = base + [[a + b for a, b in zip(base[0], base[1])], [a - 3 * b for a, b in zip(base[2], base[3])]]
    arr = enumerate_cells(rows)
    assert arr.count == zaslavsky_count(rows)
    assert arr.count < cover_count(6, 3)
    check_witnesses(arr)


def test_degenerate_example_matches_zaslavsky():
    from landscape.data import load_dataset

    ds = load_dataset("data/examples/degenerate_d4.json")
    arr = enumerate_cells(ds)
    assert arr.rank == 3  # last coordinate unused: rank-deficient
    assert arr.count == zaslavsky_count(ds.features_exact)
    check_witnesses(arr)
    # duplicate and parallel rows share bits, antipodal rows have opposite bits, zero row is 0
    P = arr.patterns
    assert np.array_equal(P[:, 0], P[:, 1]) and np.array_equal(P[:, 0], P[:, 2])
    assert np.array_equal(P[:, 0], ~P[:, 3])
    assert not P[:, 4].any()


def test_all_zero_rows_give_one_cell():
    arr = enumerate_cells([[0, 0], [0, 0]])
    assert arr.count == 1 and arr.pattern_string(0) == "00"
    assert arr.adjacency() == []


def test_rank_one_data():
    arr = enumerate_cells([[1, 2, 3], [-2, -4, -6], [3, 6, 9]])
    assert arr.count == 2
    assert sorted(arr.pattern_string(k) for k in range(2)) == ["010", "101"]
    check_witnesses(arr)


# ---------------------------------------------------------------------------
# Brute force on random small integer data with degenerate rows
# ---------------------------------------------------------------------------


@st.composite
def degenerate_rows(draw):
    d = draw(st.integers(1, 4))
    k = draw(st.integers(1, 5))
    entry = st.integers(-3, 3)
    rows = [draw(st.lists(entry, min_size=d, max_size=d)) for _ in range(k)]
    # add degenerate rows: duplicates, positive/negative multiples, zero rows, sums
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["dup", "scale", "zero", "sum"]))
        src = draw(st.sampled_from(rows))
        if kind == "dup":
            rows.append(list(src))
        elif kind == "scale":
            c = draw(st.sampled_from([-2, -1, 2, 3]))
            rows.append([c * v for v in src])
        elif kind == "zero":
            rows.append([0] * d)
        else:
            other = draw(st.sampled_from(rows))
            rows.append([a + b for a, b in zip(src, other)])
    return rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(degenerate_rows())
def test_enumerator_matches_lp_brute_force(rows):
    arr = enumerate_cells(rows)
    got = [arr.pattern_string(k) for k in range(arr.count)]
    assert len(set(got)) == len(got), "cells must be distinct"
    assert set(got) == lp_patterns(rows)
    assert arr.count == zaslavsky_count(rows)
    check_witnesses(arr)


@settings(max_examples=40, deadline=None)
@given(degenerate_rows())
def test_adjacency_certificates(rows):
    arr = enumerate_cells(rows)
    facets = arr.adjacency()
    classes = hyperplane_classes(rows)
    seen = set()
    for f in facets:
        i, j = f.cells
        assert i < j and (i, j) not in seen
        seen.add((i, j))
        flipped = set(np.nonzero(arr.patterns[i] != arr.patterns[j])[0].tolist())
        assert flipped == set(f.rows)
        assert len({int(classes.row_class[r]) for r in f.rows}) == 1, "one hyperplane crossed"
        for r, x in enumerate(rows):
            v = exact_dot(x, f.point)
            if r in flipped:
                assert v == 0
            elif any(x):
                assert v != 0 and (v > 0) == bool(arr.patterns[i, r])
    # completeness: every pair of cells whose patterns differ on exactly one class is listed
    S = arr.class_signs
    expected = {(i, j) for i in range(arr.count) for j in range(i + 1, arr.count)
                if np.count_nonzero(S[i] != S[j]) == 1}
    assert seen == expected


def test_point_location_exact():
    arr = enumerate_cells([[1, 0], [0, 1], [1, -1]])
    for k in range(arr.count):
        assert arr.locate(arr.witness(k)) == k
        assert k in arr.closed_cells(arr.witness(k))
    assert arr.locate(["1/3", "1/3"]) is None  # on the hyperplane of row 2
    assert len(arr.closed_cells([1, 1])) == 2


def test_witness_json_is_exact_text():
    obj = enumerate_cells(generate("theorem2", d=3)).to_json_obj()
    assert obj["count"] == 8 and obj["d"] == 3 and obj["bias"] is False
    for cell in obj["cells"]:
        assert all(Fraction(v) == int(Fraction(v)) for v in cell["witness"])


def test_too_large_is_refused_with_estimate_and_flag():
    ds = generate("gaussian", n=30, d=4, seed=0)
    with pytest.raises(TooLargeError) as err:
        enumerate_cells(ds, max_cells=100)
    assert f"{cover_count(30, 4):,}" in str(err.value) and "max_cells" in str(err.value)


def test_bad_rows():
    with pytest.raises(InputError):
        enumerate_cells([[1, 2], [3]])
    with pytest.raises(InputError):
        enumerate_cells([])
    with pytest.raises(InputError):
        enumerate_cells([["x", 1]])


def test_dataset_bias_column_is_used():
    ds = Dataset.from_arrays([[0], [1], [2]], [0, 0, 0], bias=True)
    arr = enumerate_cells(ds)
    assert arr.dim == 2 and arr.count == cover_count(3, 2)


def test_exact_witness_fallback_when_rounding_fails():
    """Feed wrong float ray sums: every cell must get an exact witness from exact rays."""
    from landscape.geometry.arrangement import _integer_witnesses, _sign_vectors

    H = [(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 1), (1, -2, 3)]
    signs, ray_sum, rows = _sign_vectors(H)
    wrong = np.ones_like(ray_sum)
    W = _integer_witnesses(rows, signs, wrong)
    for k in range(len(signs)):
        for h, s in zip(H, signs[k]):
            v = sum(a * int(b) for a, b in zip(h, W[k]))
            assert (v > 0) - (v < 0) == s
