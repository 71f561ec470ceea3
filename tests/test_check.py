"""The exact local-minimum test (landscape/network/pointwise.py) on hand-built cases."""

import json
import subprocess
import sys
from fractions import Fraction

import pytest

from landscape.network.pointwise import check_network
from landscape.network.stationarity import is_stationary
from landscape.convex.program import RegionProgram
from landscape.data import Dataset
from landscape.errors import InputError

LAM = "5/18"
ORTHO = Dataset.from_arrays([[1, 0], [0, 1]], [1, -1])       # optimum: u = (4/9, 0), (0, 4/9)
BOUNDARY = Dataset.from_arrays([[1, 0], [0, 1]], [1, 1])
# x1 = e1 alone in its cell; x2, x3 on the other side: one neuron fitting x1 is an interior
# KKT point (b = (5/9, 0) = n lam e with n lam = 3 * 5/27) but far from L*_1
SPUR = Dataset.from_arrays([[1, 0], [-1, 1], [-1, -1]], [1, 2, 2])
LAM_SPUR = "5/27"


def test_global_optimum_exact():
    v = check_network(ORTHO, LAM, ["2/3", "-2/3"], [["2/3", 0], [0, "2/3"]])
    assert v.verdict == "global_minimum"
    assert v.certificate["type"] == "exact_dual"
    assert v.value_exact == Fraction(65, 81)
    # it matches the certified convex optimum
    glob = RegionProgram(ORTHO, LAM).global_optimum()
    assert glob.lower <= v.value_exact <= glob.upper


def test_perturbed_optimum_unbalanced_and_radial():
    v = check_network(ORTHO, LAM, ["3/4", "-2/3"], [["2/3", 0], [0, "2/3"]])
    assert v.verdict == "not_a_local_minimum" and v.certificate["type"] == "imbalance"
    assert v.certificate["directional_derivative"] < 0
    v = check_network(ORTHO, LAM, ["3/4", "-2/3"], [["3/4", 0], [0, "2/3"]])
    assert v.verdict == "not_a_local_minimum" and v.certificate["type"] == "radial"
    assert v.certificate["s"] == -1  # too large: shrinking lowers L


def test_boundary_neuron_can_cross_but_is_stationary():
    a, W = ["2/3"], [["2/3", 0]]
    assert is_stationary(BOUNDARY, LAM, a, W)          # what a stationarity test accepts
    v = check_network(BOUNDARY, LAM, a, W)              # ... and this test rejects
    assert v.verdict == "not_a_local_minimum"
    cert = v.certificate
    assert cert["type"] == "kkt_violation"
    delta = [Fraction(s) for s in cert["direction_u"]]
    assert delta[1] > 0                                   # rotate towards x2, crossing x2 . w = 0
    # exact directional derivative (2/n)(n lam e - b) . delta with e = (1, 0), b = (5/9, 1)
    assert Fraction(2, 2) * ((Fraction(5, 9) - Fraction(5, 9)) * delta[0] - 1 * delta[1]) < 0


def test_width1_interior_spurious_minimum():
    v = check_network(SPUR, LAM_SPUR, ["2/3"], [["2/3", 0]])
    assert v.verdict == "spurious_local_minimum", v.reason
    assert v.certificate["L_star_m_upper"] < v.value_exact
    assert is_stationary(SPUR, LAM_SPUR, ["2/3"], [["2/3", 0]])


def test_zero_neuron_can_grow():
    v = check_network(SPUR, LAM_SPUR, ["2/3", 0], [["2/3", 0], [0, 0]])
    assert v.verdict == "not_a_local_minimum"
    assert v.certificate["type"] == "zero_neuron_can_grow"
    assert v.certificate["b_dot_delta"] ** 2 > v.certificate["n_lam_norm_delta_sq"]
    assert is_stationary(SPUR, LAM_SPUR, ["2/3", 0], [["2/3", 0], [0, 0]])


def test_non_parallel_neurons_in_one_cone():
    # two positive neurons in the all-active cell, not parallel
    ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, 1])
    v = check_network(ds, LAM, ["3/5", "3/5"], [["3/5", 0], ["9/25", "12/25"]])
    assert v.verdict == "not_a_local_minimum"
    assert v.certificate["type"] == "non_parallel_in_cone"


def test_float_input_near_optimum_is_undecided():
    # the optimum of orthonormal data with |y_+| irrational has irrational weights
    ds = Dataset.from_arrays([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [1, 1, -1])
    prog = RegionProgram(ds, "1/10")
    import math

    up = (1 - 0.3 / math.sqrt(2)) * math.sqrt(2)      # |u_+| = sqrt 2 - n lam, irrational
    a = [math.sqrt(up), -math.sqrt(0.7)]
    W = [[up / a[0] / math.sqrt(2), up / a[0] / math.sqrt(2), 0.0], [0.0, 0.0, math.sqrt(0.7)]]
    v = check_network(ds, "1/10", a, W, prog=prog)
    assert v.verdict == "undecided" and "too close" in v.reason
    strict = check_network(ds, "1/10", a, W, tol=0, prog=prog)
    assert strict.verdict == "not_a_local_minimum"  # the exact rational point is not a minimum


def test_bad_input():
    with pytest.raises(InputError, match="dim = 2"):
        check_network(ORTHO, LAM, [1], [[1, 2, 3]])
    with pytest.raises(InputError, match="non-finite"):
        check_network(ORTHO, LAM, [float("nan")], [[1, 2]])
    with pytest.raises(InputError, match="a has 2 entries"):
        check_network(ORTHO, LAM, [1, 1], [[1, 2]])
    with pytest.raises(InputError, match="lam must be >= 0"):
        check_network(ORTHO, "-1", [1], [[1, 0]])


def test_cli_check_and_exit_codes(tmp_path):
    data = tmp_path / "d.json"
    data.write_text(json.dumps({"X": [[1, 0], [0, 1]], "y": [1, 1]}))
    net = tmp_path / "n.json"
    net.write_text(json.dumps({"a": ["2/3"], "W": [["2/3", 0]], "lam": "5/18"}))
    run = lambda *a: subprocess.run([sys.executable, "-m", "landscape.cli", *a], capture_output=True, text=True)
    out = run("check", str(data), str(net))
    assert out.returncode == 0
    obj = json.loads(out.stdout)
    assert obj["verdict"] == "not_a_local_minimum" and set(obj) >= {"verdict", "value", "certificate", "reason"}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"a": [1], "W": [[1, 2, 3]]}))
    assert run("check", str(data), str(bad), "--lam", "0.1").returncode == 2
    assert run("optimum", str(data), "--lam", "0").returncode == 2
    assert run("optimum", str(data), "--lam", "-0.5").returncode == 2
    out = run("optimum", str(data), "--lam", "0.1")
    obj = json.loads(out.stdout)
    assert set(obj) >= {"value", "lower", "upper", "certified", "network", "residual", "cones_used", "solver"}
    assert Fraction(obj["lower"]) <= Fraction(obj["upper"])
    obj = json.loads(run("interpolate", str(data)).stdout)
    assert set(obj) >= {"norm_sq", "lower", "upper", "rank", "network"}
