"""Certified counterexamples (landscape/regions/counterexample.py): boundary spurious minima
with irrational weights, checked against closed forms and re-certified by check."""

import json
import subprocess
import sys
from fractions import Fraction

import mpmath
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from landscape.convex.program import RegionProgram
from landscape.data import Dataset
from landscape.regions.counterexample import find_counterexample
from landscape.regions.verdict import check

ROWS = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]


def test_issue_example_is_found_and_confirmed():
    """X = first three rows of I_4, y = (1, 1/2, -4/5), lam = 1/20, width 1: the negative
    neuron on x3 with |w| = sqrt(13/20) has L = 587/1200 = 0.48917 > L*_1 = 0.3176."""
    ds = Dataset.from_arrays(ROWS, [1, "1/2", "-4/5"])
    net, cert = find_counterexample(ds, "1/20", 1)
    assert net is not None and cert["type"] == "validated_critical_point"
    a, W = net
    assert a[0] < 0 and abs(a[0] ** 2 - 0.65) < 1e-15 and abs(W[0][2] - 0.65 ** 0.5) < 1e-15
    assert cert["value_lower"] <= Fraction(587, 1200) <= cert["value_upper"]
    Ls = RegionProgram(ds, "1/20").width_optimum(1)
    assert Ls.upper < cert["value_lower"] and abs(float(Ls.value) - 0.3176) < 1e-4
    v = check(ds, "1/20", a, W)
    assert v.verdict == "spurious_local_minimum" and v.subject == "certified point within radius"
    assert v.radius < 1e-14


def test_issue_example_through_the_cli(tmp_path):
    data = tmp_path / "d.json"
    data.write_text(json.dumps({"X": ROWS, "y": [1, 0.5, -0.8]}))
    run = lambda *a: subprocess.run([sys.executable, "-m", "landscape.cli", *a], capture_output=True, text=True)
    out = run("counterexample", str(data), "--lam", "1/20", "--width", "1", "--out", str(tmp_path / "c.json"))
    assert out.returncode == 0, out.stderr
    obj = json.loads((tmp_path / "c.json").read_text())
    assert obj["found"] is True
    out = run("check", str(data), str(tmp_path / "c.json"))
    assert out.returncode == 0, out.stderr
    v = json.loads(out.stdout)
    assert v["verdict"] == "spurious_local_minimum" and v["subject"] == "certified point within radius"
    assert v["radius"] < 1e-12


def _mp(q):
    return mpmath.mpf(q.numerator) / q.denominator


def _group_value(y, A, n, lam):
    """Closed form: one neuron fitting the same-sign rows A of orthonormal data,
    u = (|y_A| - n lam) y_A / |y_A|:  V = (1/n)|y_{A^c}|^2 + 2 lam |y_A| - n lam^2."""
    yA = mpmath.sqrt(sum(_mp(y[i]) ** 2 for i in A))
    rest = sum(_mp(y[i]) ** 2 for i in range(n) if i not in A)
    return rest / n + 2 * lam * yA - n * lam ** 2, yA


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 3), st.lists(st.integers(-12, 12).filter(bool), min_size=3, max_size=3),
       st.integers(1, 20), st.booleans())
def test_orthonormal_boundary_spurious_minimum_with_irrational_value(n, labels, lam_num, extra_column):
    """Orthonormal data with labels of both signs, width 1: the two same-sign groups give
    the only width-1 minima (each on the face where the other rows are tight, with zero
    multipliers); the larger one is spurious.  Its value is irrational in general."""
    with mpmath.workdps(40):
        y = [Fraction(v, 4) for v in labels[:n]]
        assume(any(v > 0 for v in y) and any(v < 0 for v in y))
        lam = Fraction(lam_num, 400)
        pos = [i for i in range(n) if y[i] > 0]
        neg = [i for i in range(n) if y[i] < 0]
        (vp, np_), (vn, nn_) = _group_value(y, pos, n, _mp(lam)), _group_value(y, neg, n, _mp(lam))
        assume(min(np_, nn_) > _mp(n * lam * Fraction(101, 100)))       # both groups fit (u != 0)
        assume(abs(vp - vn) > mpmath.mpf(10) ** -6)
        spurious = max(vp, vn)
        dim = n + 1 if extra_column else n
        X = [[1 if j == i else 0 for j in range(dim)] for i in range(n)]
        ds = Dataset.from_arrays(X, y)
        net, cert = find_counterexample(ds, lam, 1)
        assert net is not None, "the spurious group minimum was not found"
        # a validated certificate brackets the value; an exact one (rational weights) has it
        lo, hi = (_mp(cert["value_lower"]), _mp(cert["value_upper"])) if "value_lower" in cert else \
            (_mp(cert["value_exact"]), _mp(cert["value_exact"]))
        assert lo - mpmath.mpf(10) ** -30 <= spurious <= hi + mpmath.mpf(10) ** -30
        assert hi - lo < mpmath.mpf(10) ** -20
        v = check(ds, lam, *net)
        assert v.verdict == "spurious_local_minimum", v.reason


def test_spurious_minimum_found_when_L_star_is_only_bracketed():
    """X = the first three rows of I_4 (a zero fourth column), y = (-3, -2, 9/4), lam = 1/50,
    width 1: the lone positive neuron on x3 is a spurious local minimum.  One width-1
    programme ends at optimal_inaccurate, so L*_1 is not certified; its proven upper bound
    still lies below the minimum's value, which is all that "spurious" needs."""
    y = [Fraction(-3), Fraction(-2), Fraction(9, 4)]
    ds = Dataset.from_arrays([[1 if j == i else 0 for j in range(4)] for i in range(3)], y)
    net, cert = find_counterexample(ds, Fraction(1, 50), 1)
    assert net is not None
    assert check(ds, Fraction(1, 50), *net).verdict == "spurious_local_minimum"
