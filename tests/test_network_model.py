"""The network type and its loss (landscape/network/model.py, io.py)."""

import json
import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape.data import Dataset
from landscape.errors import InputError
from landscape.network.io import load_network, parse_network
from landscape.convex.balanced import balanced_neuron, network_loss
from landscape.network.model import ExactNetwork, exact_loss, rational_network

small = st.fractions(min_value=-2, max_value=2, max_denominator=7)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(small, min_size=2, max_size=2), min_size=1, max_size=4),
       st.lists(small, min_size=4, max_size=4), st.lists(small, min_size=2, max_size=2),
       st.lists(st.lists(small, min_size=2, max_size=2), min_size=2, max_size=2))
def test_exact_and_float_loss_agree(X, y, a, W):
    ds = Dataset.from_arrays(X, y[:len(X)])
    lam = Fraction(1, 10)
    exact = exact_loss(ds, lam, a, W)
    assert abs(float(exact) - network_loss(ds, 0.1, [float(v) for v in a], [[float(v) for v in w] for w in W])) \
        <= 1e-12 * (1 + float(exact))
    assert ExactNetwork.parse(ds, a, W).loss(ds, lam) == exact


def test_loss_by_hand():
    # f(x1) = 2 relu(1) = 2, f(x2) = 2 relu(-1) = 0; L = ((2-1)^2 + (0-1)^2)/2 + lam (4 + 1)
    ds = Dataset.from_arrays([[1], [-1]], [1, 1])
    assert exact_loss(ds, Fraction(1, 5), [Fraction(2)], [[Fraction(1)]]) == 1 + 1
    net = ExactNetwork.parse(ds, [2], [[1]])
    assert net.residual(ds) == [-1, 1] and net.u == [[2]]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=4), st.sampled_from([1, -1]))
def test_balanced_neuron(u, s):
    a, w = balanced_neuron(u, s)
    nu = math.sqrt(sum(v * v for v in u))
    assert abs(a * a - sum(v * v for v in w)) <= 1e-12 * (1 + nu)          # balanced
    assert all(abs(abs(a) * wi - ui) <= 1e-12 * (1 + nu) for wi, ui in zip(w, u))
    assert a == 0 or math.copysign(1, a) == s


def test_rational_network_only_when_exact():
    assert rational_network([0.7], [[0.42, 0.56, 0.0]]) is not None
    assert rational_network([math.sqrt(0.65)], [[0.0, math.sqrt(0.65)]]) is None   # sqrt(13/20)


def test_load_network_forms(tmp_path):
    p = tmp_path / "n.json"
    p.write_text(json.dumps({"a": ["1/3"], "W": [[0.5, 1]], "lam": "1/10"}))
    assert load_network(str(p)) == (["1/3"], [[Fraction(1, 2), 1]], "1/10")
    p.write_text(json.dumps({"network": {"a": [0.25], "W": [[1, 0]]}, "lam": "1/10", "value": 1.0}))
    a, W, lam = load_network(str(p))
    assert a == [Fraction(1, 4)] and lam == "1/10"
    p.write_text(json.dumps({"b": 1}))
    with pytest.raises(InputError, match="keys 'a' and 'W'"):
        load_network(str(p))
    with pytest.raises(InputError, match="no neurons"):
        parse_network(Dataset.from_arrays([[1]], [1]), [], [])
