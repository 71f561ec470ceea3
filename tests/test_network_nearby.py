"""check on float networks (regions.verdict.check with network.nearby.certify_nearby): the
optimum -> check round trip, zero optima, dead and underflowing neurons."""

import json
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landscape.convex.program import RegionProgram
from landscape.data import Dataset
from landscape.network.model import exact_loss
from landscape.network.nearby import certify_nearby
from landscape.network.pointwise import check_network
from landscape.regions.verdict import check

GENERIC = Dataset.from_arrays([[1, "3/10"], ["1/5", 1], [-1, "1/2"], ["2/5", "-7/10"], ["9/10", "4/5"]],
                              [1, "-1/2", "7/10", "1/5", -1])


def _random_instance(seed, d):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 8))
    X = [[Fraction(int(v), 10) for v in rng.integers(-10, 11, size=d)] for _ in range(n)]
    y = [Fraction(int(v), 10) for v in rng.integers(-10, 11, size=n)]
    return Dataset.from_arrays(X, y), Fraction(int(rng.integers(10, 101)), 1000)


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6), st.sampled_from([2, 3]))
def test_optimum_round_trip_is_certified_global(seed, d):
    """The float network of the certified convex optimum is within a certified radius of a
    global minimum, whose value interval meets the certified bounds on V*."""
    ds, lam = _random_instance(seed, d)
    prog = RegionProgram(ds, lam)
    glob = prog.global_optimum()
    a, W = glob.network
    if len(a) == 0:
        a, W = np.zeros(1), np.zeros((1, ds.dim))
    v = check(ds, lam, a.tolist(), W.tolist(), prog=prog)
    assert v.verdict == "global_minimum", v.reason
    if v.subject == "certified point within radius":
        lo, hi = v.certificate["value_lower"], v.certificate["value_upper"]
        assert lo <= glob.upper and hi >= glob.lower
        assert v.radius <= 1e-3 * max(1.0, float(np.sqrt(a @ a + np.sum(W * W))))
        # the certified point is a critical point: its float midpoints re-certify
        pt = v.certificate["point"]
        again = certify_nearby(ds, lam, pt["a"], pt["W"], prog=prog)
        assert again.verdict == "global_minimum" and again.radius < 1e-12


@pytest.mark.parametrize("m", [1, 2])
def test_width_optimum_round_trip(m):
    """optimum --width m below the convex optimum's support (3 cones): the residual is not
    dual feasible, and the nearby local minimum is global by the certified bounds of L*_m."""
    prog = RegionProgram(GENERIC, "1/20")
    wm = prog.width_optimum(m)
    assert len(prog.global_optimum().cones_used) > m and wm.certified
    a, W = wm.network
    v = check(GENERIC, "1/20", a.tolist(), W.tolist(), prog=prog)
    assert v.verdict == "global_minimum" and v.subject == "certified point within radius"
    assert v.certificate["validated"]["global_dual"] is not True
    assert v.certificate["L_star_m_lower"] <= v.certificate["value_upper"]
    assert v.certificate["value_lower"] <= v.certificate["L_star_m_upper"]


def test_generic_optimum_on_a_hyperplane_is_not_judged_by_its_rounding():
    """The exact test rejects the rounded point (1e-12 on the wrong side of a hyperplane);
    check certifies the global minimum next to it."""
    prog = RegionProgram(GENERIC, "1/20")
    a, W = prog.global_optimum().network
    assert check_network(GENERIC, "1/20", a.tolist(), W.tolist(), prog=prog).verdict != "global_minimum"
    v = check(GENERIC, "1/20", a.tolist(), W.tolist(), prog=prog)
    assert v.verdict == "global_minimum" and v.subject == "certified point within radius"
    assert v.certificate["pointwise"]["verdict"] in ("not_a_local_minimum", "undecided")


@pytest.mark.parametrize("dead", [(1e-300, [1e-300, -1e-300]), (0.0, [0.0, 0.0]), (-1e-300, [0.0, 1e-300]),
                                  (0.0, [5e-324, 0.0])])
def test_dead_and_zero_neurons_do_not_crash(dead):
    """GD leaves dead neurons at 1e-300; a zero neuron makes the global dual condition part
    of the test, and the optimum satisfies it."""
    prog = RegionProgram(GENERIC, "1/20")
    a, W = prog.global_optimum().network
    a2, W2 = a.tolist() + [dead[0]], W.tolist() + [dead[1]]
    pv = check_network(GENERIC, "1/20", a2, W2, prog=prog)      # no ZeroDivisionError
    assert pv.verdict in ("not_a_local_minimum", "undecided")
    v = check(GENERIC, "1/20", a2, W2, prog=prog)
    assert v.verdict == "global_minimum" and v.certificate["validated"]["global_dual"] is True
    assert v.certificate["zero_neurons"] == [len(a)]


def test_exactly_balanced_tiny_neuron_in_the_exact_test():
    """A balanced neuron of size 1e-200 (|u|^2 = 1e-800 underflows in floats) is judged
    exactly: the radial condition fails and the certificate says so."""
    ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, -1])
    t = Fraction(1, 10**200)
    v = check_network(ds, "5/18", [t], [[t, 0]])
    assert v.verdict == "not_a_local_minimum" and v.certificate["type"] == "radial"
    assert v.certificate["s"] == 1            # growing it lowers L


def test_zero_optimum_round_trip(tmp_path):
    """X = I_2, y = (1/10, -1/10), lam = 1: theta = 0 is the global optimum (|y_i| < n lam);
    optimum writes zero neurons of the requested width and check certifies them exactly."""
    data = tmp_path / "d.json"
    data.write_text(json.dumps({"X": [[1, 0], [0, 1]], "y": ["1/10", "-1/10"]}))
    run = lambda *a: subprocess.run([sys.executable, "-m", "landscape.cli", *a], capture_output=True, text=True)
    out = tmp_path / "o.json"
    res = run("optimum", str(data), "--lam", "1", "--width", "3", "--out", str(out))
    assert res.returncode == 0, res.stderr
    net = json.loads(out.read_text())["network"]
    assert net == {"a": [0, 0, 0], "W": [[0, 0], [0, 0], [0, 0]]}
    res = run("check", str(data), str(out))
    assert res.returncode == 0, res.stderr
    v = json.loads(res.stdout)
    assert v["verdict"] == "global_minimum" and v["subject"] == "exact point" and v["radius"] == 0
    assert Fraction(v["value_exact"]) == Fraction(1, 100)


def test_cli_check_reports_subject_and_radius(tmp_path):
    data = tmp_path / "d.json"
    data.write_text(json.dumps(GENERIC.to_json_obj()))
    run = lambda *a: subprocess.run([sys.executable, "-m", "landscape.cli", *a], capture_output=True, text=True)
    out = tmp_path / "o.json"
    assert run("optimum", str(data), "--lam", "1/20", "--out", str(out)).returncode == 0
    res = run("check", str(data), str(out))
    v = json.loads(res.stdout)
    assert v["verdict"] == "global_minimum" and v["subject"] == "certified point within radius"
    assert 0 < v["radius"] < 1e-3 and v["certificate"]["pointwise"]["verdict"] != "global_minimum"


def test_nearby_value_bounds_contain_the_exact_loss_of_a_rational_minimum():
    """At an exact rational minimum the certified point is the input itself (radius ~ 0)
    and its value interval contains the exact loss."""
    ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, -1])
    a, W = ["2/3", "-2/3"], [["2/3", 0], [0, "2/3"]]
    nb = certify_nearby(ds, "5/18", a, W)
    assert nb.verdict == "global_minimum" and nb.radius < 1e-15
    exact = exact_loss(ds, Fraction(5, 18), [Fraction(2, 3), Fraction(-2, 3)],
                       [[Fraction(2, 3), 0], [0, Fraction(2, 3)]])
    assert nb.value_lower <= exact == Fraction(65, 81) <= nb.value_upper


def test_stalled_saddle_with_a_dead_neuron_is_named():
    """SPUR (x1 alone in its cell, x2, x3 on the other side): one neuron fitting x1 with
    u = (4/9) e1 plus a dead neuron is a critical point where the dead neuron can grow
    (the exact test says so of the rational point; check says so of the nearby point)."""
    ds = Dataset.from_arrays([[1, 0], [-1, 1], [-1, -1]], [1, 2, 2])
    exact = check_network(ds, "5/27", ["2/3", 0], [["2/3", 0], [0, 0]])
    assert exact.verdict == "not_a_local_minimum" and exact.certificate["type"] == "zero_neuron_can_grow"
    v = check(ds, "5/27", [2 / 3, 1e-300], [[2 / 3, 1e-17], [1e-300, 0.0]])
    assert v.verdict == "not_a_local_minimum" and v.subject == "certified point within radius"
    assert v.radius < 1e-15 and "zero neurons" in v.reason


def test_tiny_network_near_a_zero_optimum():
    """X = I_2, y = (1/10, -1/10), lam = 1: theta = 0 is the global optimum.  A network of
    size 1e-12 (a converged run that shrank to zero) is within that distance of it."""
    ds = Dataset.from_arrays([[1, 0], [0, 1]], ["1/10", "-1/10"])
    a, W = [1e-12, -2e-13], [[1e-12, 0.0], [3e-14, 2e-13]]
    assert check_network(ds, 1, a, W).verdict == "not_a_local_minimum"
    v = check(ds, 1, a, W)
    assert v.verdict == "global_minimum" and v.subject == "certified point within radius"
    expected = float(np.sqrt(sum(x * x for x in a) + sum(x * x for w in W for x in w)))
    assert expected <= v.radius <= expected * (1 + 1e-12)
    assert v.certificate["value_lower"] == v.certificate["value_upper"] == Fraction(1, 100)
    # lam = 1/100 is too small: the zero network is a saddle (a neuron can grow on x1)
    v = check(ds, "1/100", a, W)
    assert v.verdict == "not_a_local_minimum"
