"""Polish path for float networks (network.polish.certify_network) and the policy of
regions.verdict.check on inputs the exact pointwise test cannot decide."""

import math
from fractions import Fraction


import landscape.regions.verdict as regions
from landscape.network.pointwise import NetworkVerdict, check_network
from landscape.network.polish import certify_network
from landscape.regions.verdict import check
from landscape.convex.program import RegionProgram
from landscape.data import Dataset

ORTHO = Dataset.from_arrays([[1, 0], [0, 1]], [1, -1])        # optimum u = (4/9, 0), (0, -4/9)
SPUR = Dataset.from_arrays([[1, 0], [-1, 1], [-1, -1]], [1, 2, 2])
IRR = Dataset.from_arrays([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [1, 1, -1])


def _irrational_optimum():
    up = (1 - 0.3 / math.sqrt(2)) * math.sqrt(2)      # |u_+| = sqrt 2 - n lam
    a = [math.sqrt(up), -math.sqrt(0.7)]
    W = [[up / a[0] / math.sqrt(2), up / a[0] / math.sqrt(2), 0.0], [0.0, 0.0, math.sqrt(0.7)]]
    return a, W


def test_rational_optimum_is_checked_exactly():
    a, W = [0.6666666666, -0.6666666667], [[0.6666666667, 0.0], [0.0, 0.6666666666]]
    nc = certify_network(ORTHO, "5/18", a, W)
    assert nc.region.certified
    assert nc.region.lower <= Fraction(65, 81) <= nc.region.upper      # V(S) = V* = 65/81
    assert nc.optimum == ([Fraction(2, 3), Fraction(-2, 3)], [[Fraction(2, 3), 0], [0, Fraction(2, 3)]])
    assert nc.optimum_verdict.verdict == "global_minimum"
    lo, hi = nc.excess_bounds
    assert lo <= nc.loss - Fraction(65, 81) <= hi
    assert nc.loss > Fraction(65, 81)           # the float network is not the minimiser ...
    assert float(hi) < 1e-9                     # ... but within 1e-9 of its value
    assert nc.u_distance < 1e-5                 # solver accuracy in the flat directions


def test_irrational_optimum_is_not_certified_pointwise():
    a, W = _irrational_optimum()
    prog = RegionProgram(IRR, "1/10")
    nc = certify_network(IRR, "1/10", a, W, prog=prog)
    assert nc.region.certified and nc.optimum is None and nc.optimum_verdict is None
    assert "cannot certify" in nc.summary
    # exact V(S) = 1/3 (sqrt 2 - ... ): check the bounds against the closed form
    exact = (1 / 3) * (0.3 / math.sqrt(2)) ** 2 * 2 + (1 / 3) * 0.09 + 0.2 * ((math.sqrt(2) - 0.3) + 0.7)
    assert float(nc.region.lower) - 1e-12 <= exact <= float(nc.region.upper) + 1e-12
    # both neurons lie exactly on hyperplanes (zero coordinates): said so, alternatives solved
    assert all(nrn["on_hyperplane"] for nrn in nc.neurons)
    assert nc.alternatives and all(alt["lower"] >= nc.region.lower - Fraction(1, 10**9)
                                   for alt in nc.alternatives if "lower" in alt)
    v = check_network(IRR, "1/10", a, W, prog=prog)
    assert v.verdict == "undecided" and "too close" in v.reason
    # check certifies the nearby irrational optimum instead (validated numerics)
    v = check(IRR, "1/10", a, W, prog=prog)
    assert v.verdict == "global_minimum" and v.subject == "certified point within radius"
    assert 0 < v.radius < 1e-12
    assert float(v.certificate["value_lower"]) - 1e-15 <= exact <= float(v.certificate["value_upper"]) + 1e-15


def test_near_facet_neuron_is_reported():
    ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, 0])
    nc = certify_network(ds, "1/10", [0.9], [[0.9, 1e-10]])
    assert nc.neurons[0]["near_facet_rows"] == [1] and not nc.neurons[0]["on_hyperplane"]
    assert "within" in nc.summary


def test_spurious_float_minimum_polishes_to_exact_spurious():
    nc = certify_network(SPUR, "5/27", [2 / 3], [[2 / 3, 0.0]])
    assert nc.optimum_verdict.verdict == "spurious_local_minimum"
    v = check(SPUR, "5/27", [2 / 3], [[2 / 3, 0.0]])
    # the float point itself is not a minimum; the certified one within the radius is
    assert v.verdict == "spurious_local_minimum" and v.subject == "certified point within radius"
    assert v.radius < 1e-15 and v.certificate["pointwise"]["verdict"] != "spurious_local_minimum"
    # u = (1 - n lam) e1 = (4/9) e1: L = (1/3)((5/9)^2 + 4 + 4) + 2 (5/27)(4/9) = 713/243
    assert v.certificate["value_lower"] <= Fraction(713, 243) <= v.certificate["value_upper"]


def test_region_fallback_when_no_nearby_point(monkeypatch):
    """Without a nearby certificate, check asks the region certificate, then attaches the
    polish path to an undecided verdict (the pointwise verdict is never upgraded alone)."""
    a, W = _irrational_optimum()
    prog = RegionProgram(IRR, "1/10")
    called = []

    def fake(ds, lam, a, W, prog=None):
        called.append(True)
        return NetworkVerdict("global_minimum", 0.0, Fraction(0), {"type": "region_global"}, "region certificate")

    monkeypatch.setattr(regions, "certify_nearby", lambda *args, **kw: _no_nearby(), raising=True)
    monkeypatch.setattr(regions, "region_verdict", fake)
    v = check(IRR, "1/10", a, W, prog=prog)
    assert called and v.verdict == "global_minimum" and "pointwise exact test undecided" in v.reason
    assert v.subject == "open region of the point"
    monkeypatch.setattr(regions, "region_verdict", lambda *args, **kw: None)
    v = check(IRR, "1/10", a, W, prog=prog)
    assert v.verdict == "undecided" and v.certificate["polish"]["V_certified"]
    assert "cannot certify" in v.reason


def _no_nearby():
    from landscape.network.nearby import NearbyMinimum

    return NearbyMinimum("undecided", None, None, None, None, None, None, {}, "stubbed")


def test_refine_optimum_reaches_the_closed_form_on_a_face():
    """X = I, y = (3/5, 4/5, -3/5), lam = 17/100: the positive neuron on pattern 110 has
    u = (1 - n lam / |y_+|) y_+ = (49/100)(3/5, 4/5, 0), on the facet z3 = 0."""
    import mpmath

    from landscape.convex.program import RegionProgram, refine_optimum
    from landscape.data import load_dataset

    ds = load_dataset("data/examples/orthonormal_spurious.json")
    prog = RegionProgram(ds, "17/100")
    c = 2 * prog.cell_of_pattern("110")
    opt = prog.solve([c])
    exact = [Fraction(147, 500), Fraction(49, 125), Fraction(0)]
    u = refine_optimum(prog, opt.u)[c]
    assert max(abs(float(a) - float(b)) for a, b in zip(u, exact)) < 1e-14
    with mpmath.workdps(60):
        u = refine_optimum(prog, opt.u, digits=60)[c]
        assert max(abs(a - mpmath.mpf(b.numerator) / b.denominator) for a, b in zip(u, exact)) < mpmath.mpf(10) ** -50
