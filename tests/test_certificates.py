"""Exact arithmetic behind the certificates (landscape/certificates.py)."""

from fractions import Fraction

import numpy as np
from hypothesis import given, settings, strategies as st

from landscape.exact.arithmetic import (ExactData, gap_ok, sign_p_plus_q_sqrt, sqrt_bounds, to_grid)

rationals = st.fractions(min_value=0, max_value=10**6, max_denominator=10**6)
signed = st.fractions(min_value=-10**3, max_value=10**3, max_denominator=10**3)


@given(rationals, st.integers(1, 80))
def test_sqrt_bounds_bracket_and_tightness(q, bits):
    lo, hi = sqrt_bounds(q, bits)
    assert lo * lo <= q <= hi * hi
    assert hi - lo <= Fraction(1, 2**bits) * (1 + hi) + Fraction(1, 2**bits)


def test_sqrt_bounds_exact_on_squares():
    assert sqrt_bounds(Fraction(49, 9)) == (Fraction(7, 3), Fraction(7, 3))
    lo, hi = sqrt_bounds(2, 30)
    assert lo < hi and lo * lo < 2 < hi * hi


@given(signed, signed, rationals)
@settings(max_examples=300)
def test_sign_p_plus_q_sqrt_matches_decimal(p, q, s):
    import decimal

    decimal.getcontext().prec = 120
    v = decimal.Decimal(p.numerator) / p.denominator + \
        decimal.Decimal(q.numerator) / q.denominator * (decimal.Decimal(s.numerator) / s.denominator).sqrt()
    got = sign_p_plus_q_sqrt(p, q, s)
    if abs(v) > decimal.Decimal(10) ** -60:
        assert got == (1 if v > 0 else -1)
    # exact zeros: p = -q sqrt(s) with s a perfect square
    assert sign_p_plus_q_sqrt(-3 * q, q, 9) == 0


def test_sign_zero_and_borderline():
    assert sign_p_plus_q_sqrt(Fraction(-7, 5), 1, Fraction(49, 25)) == 0
    assert sign_p_plus_q_sqrt(-Fraction(141421356237, 10**11), 1, 2) == 1  # sqrt 2 > 1.41421356237


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=8))
def test_to_grid_is_close(xs):
    ints, k = to_grid(np.array(xs))
    m = max(abs(x) for x in xs)
    for x, i in zip(xs, ints):
        assert abs(Fraction(i, 2**k) - Fraction(x)) <= Fraction(m) * Fraction(1, 2**59) + Fraction(1, 2**1000)


def test_gap_ok_is_relative():
    assert gap_ok(Fraction(1), Fraction(1) + Fraction(1, 10**10))
    assert not gap_ok(Fraction(1), Fraction(1) + Fraction(1, 10**8))


def test_exact_data_dual_norm_matches_fractions():
    rows = [[Fraction(1, 2), Fraction(1, 3)], [Fraction(-2), Fraction(5, 7)], [0, 0]]
    E = ExactData(rows, [1, Fraction(1, 3), 2])
    D = [True, False, True]
    rn, rden = [3, -1, 5], 4
    mu, kmu = [2, 1, 0], 3
    r = [Fraction(v, rden) for v in rn]
    muq = [Fraction(v, 2**kmu) for v in mu]
    vec = [-sum(r[i] * rows[i][j] for i in range(3) if D[i])
           + sum(muq[i] * (1 if D[i] else -1) * rows[i][j] for i in range(3)) for j in range(2)]
    assert E.cone_vector_sq(D, -1, rn, rden, mu, kmu) == sum(v * v for v in vec)


def test_gap_ok_scale():
    # relative to max(|upper|, scale): a tiny value needs a bracket tiny at the given scale
    assert gap_ok(0, Fraction(1, 10**13), scale=Fraction(1, 10**3))
    assert not gap_ok(0, Fraction(1, 10**8), scale=Fraction(1, 10**4))
    assert gap_ok(Fraction(10**6), Fraction(10**6) + Fraction(1, 10**4), scale=1)


def _perturbed(prog, S, factor):
    import dataclasses

    cand = prog.candidate(prog.validate_cones(S))
    return prog.certify(dataclasses.replace(cand, U=cand.U * factor, multipliers=None))


def test_certification_does_not_depend_on_the_units_of_the_labels():
    # (X, a y) with lam -> a lam has V -> a^2 V and the same minimisers up to the factor a:
    # the verdict must not change with a (the old rule, gap <= 1e-9 (1 + |V|), certified any
    # bracket once a^2 V was tiny)
    from landscape.convex.program import RegionProgram
    from landscape.data import Dataset

    X = [[1, 0], [0, 1], [1, 1], [2, -1]]
    y = [Fraction(1), Fraction(-1, 2), Fraction(3, 4), Fraction(1, 3)]
    a = Fraction(1, 10**8)
    one = RegionProgram(Dataset.from_arrays(X, y), Fraction(1, 20))
    tiny = RegionProgram(Dataset.from_arrays(X, [a * v for v in y]), a / 20)
    assert tiny.gap_scale == a * a * one.gap_scale
    S = list(range(0, one.K, 3))
    good, good_tiny = one.solve(S), tiny.solve(S)
    assert good.certified and good_tiny.certified
    assert abs(float(good_tiny.upper / (a * a)) - float(good.upper)) < 1e-9
    bad, bad_tiny = _perturbed(one, S, 1.001), _perturbed(tiny, S, 1.001)
    assert not bad.certified and not bad_tiny.certified
    # ... which the old absolute rule would have called certified
    assert bad_tiny.upper - bad_tiny.lower <= Fraction(1, 10**9) * (1 + bad_tiny.upper)


def test_tiny_lam_is_certified_only_at_the_documented_scale():
    # orthonormal data, lam = 1e-30: V* = sum over the sign groups of 2 lam |y_g| - n lam^2
    # (docs/theory.md, section 6); a certified bracket contains it and is narrow at the
    # scale |y|^2 / n; a perturbed candidate is not certified
    import numpy as np

    from landscape.convex.program import RegionProgram
    from landscape.data import generate

    ds = generate("orthonormal", n=4, d=4, seed=3)
    lam = Fraction(1, 10**30)
    prog = RegionProgram(ds, lam)
    glob = prog.global_optimum()
    yq = ds.y_exact
    groups = [[v for v in yq if v > 0], [v for v in yq if v < 0]]
    exact_lo = sum(2 * lam * float(np.sqrt(float(sum(v * v for v in g)))) - 4 * lam * lam for g in groups if g)
    assert glob.lower <= Fraction(exact_lo) * (1 + Fraction(1, 10**6))
    assert Fraction(exact_lo) * (1 - Fraction(1, 10**6)) <= glob.upper
    if glob.certified:
        assert glob.upper - glob.lower <= Fraction(1e-9) * max(glob.upper, prog.gap_scale)
    S = glob.cones_used
    assert not _perturbed(prog, S, 1.001).certified
