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
