"""Plateau detection on loss curves (landscape.dynamics.plateaus): staircases with known
levels and jump times, and the saddle levels of GD on orthogonal data."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape.data import Dataset
from landscape.dynamics import train
from landscape.dynamics.plateaus import detect_plateaus
from landscape.errors import InputError


def staircase(levels, durations, width, dt=0.5):
    """A smooth staircase: level k held for durations[k], joined by tanh steps of the given width."""
    jumps = np.cumsum(durations)[:-1]
    t = np.arange(0.0, float(np.sum(durations)), dt)
    logL = np.full_like(t, np.log(levels[0]))
    for k, tj in enumerate(jumps):
        logL += (np.log(levels[k + 1]) - np.log(levels[k])) * 0.5 * (1 + np.tanh((t - tj) / width))
    return t, np.exp(logL), jumps


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(1.5, 10.0), min_size=1, max_size=5), st.data())
def test_staircase_levels_and_activation_times(ratios, data):
    levels = np.cumprod([1.0] + ratios[::-1])[::-1]  # decreasing by factors >= 1.5
    durations = [data.draw(st.floats(60.0, 200.0)) for _ in levels]
    t, L, jumps = staircase(levels, durations, width=2.0)
    ps = detect_plateaus(t, L, rtol=0.02, min_duration=20.0, floor=0.0)
    assert len(ps) == len(levels)
    assert np.allclose([p.level for p in ps], levels, rtol=0.02)
    # the loss leaves plateau k within a few transition widths of the jump
    assert np.all(np.abs(np.array([p.end for p in ps[:-1]]) - jumps) < 10.0)
    assert all(p.duration >= 20.0 for p in ps)


def test_floor_and_short_stretches_are_not_plateaus():
    t = np.arange(200.0)
    L = np.where(t < 100, 1.0, 1e-9)  # the final convergence to an interpolator
    ps = detect_plateaus(t, L, min_duration=10, floor=1e-6)
    assert [(p.level, p.start, p.end) for p in ps] == [(1.0, 0.0, 99.0)]
    # an exponential decay has no plateau of any length at a 1% band with rate 0.1
    assert detect_plateaus(t, np.exp(-0.1 * t), rtol=0.01, min_duration=2, floor=0.0) == []


def test_bad_input():
    with pytest.raises(InputError):
        detect_plateaus([0, 1], [1.0])
    with pytest.raises(InputError):
        detect_plateaus([0, 0], [1.0, 1.0])
    with pytest.raises(InputError):
        detect_plateaus([0, 1], [1.0, -1.0])
    with pytest.raises(InputError):
        detect_plateaus([0, 1], [1.0, 1.0], rtol=0)


def test_orthogonal_saddle_levels_are_subset_sums():
    """GD from small initialisation on X = I_3: every plateau sits at a saddle whose residual
    is y on the points not yet fitted, so its level is (1/n) sum of y_i^2 over a subset."""
    y = np.array([0.9, -0.5, 0.3])
    ds = Dataset.from_arrays(np.eye(3, dtype=int).tolist(), ["0.9", "-0.5", "0.3"])
    run = train(ds, 0.0, width=12, init_scale=1e-6, seed=3, lr=0.1, steps=6000, record_ratio=1.002)
    R = run.records
    ps = detect_plateaus(R["step"] + 1.0, R["data_loss"], rtol=0.01, min_duration=30)
    assert len(ps) >= 2
    subsets = [sum(y[i] ** 2 for i in range(3) if mask >> i & 1) / 3 for mask in range(8)]
    for p in ps:
        assert min(abs(p.level - s) for s in subsets) < 1e-3 * p.level
    assert ps[0].level == pytest.approx(float(y @ y) / 3, rel=1e-6)  # the saddle at the origin
