"""Tests of landscape.dynamics: gradients, GD invariants, recorded events, endpoints."""

import json
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from landscape.data import Dataset, generate
from landscape.dynamics import (classify_endpoint, init_network, loss_and_grad, loss_value,
                                merge_directions, signed_cone_labels, train, train_flow)
from landscape.errors import InputError
from landscape.convex.program import network_loss


def _random_instance(seed, n, d, m):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = rng.standard_normal(n)
    a = rng.standard_normal(m)
    W = rng.standard_normal((m, d))
    return X, y, a, W


# ---------------------------------------------------------------------------
# gradient against finite differences
# ---------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(1, 6), d=st.integers(1, 4), m=st.integers(1, 6),
       lam=st.floats(0, 1))
def test_gradient_matches_central_differences(seed, n, d, m, lam):
    X, y, a, W = _random_instance(seed, n, d, m)
    h = 1e-6
    # stay away from the kinks: every pre-activation must keep its sign under the probes
    margin = np.min(np.abs(W @ X.T))
    assume(margin > 1e-3 * (1 + np.abs(X).max()))
    L, ga, gW = loss_and_grad(X, y, lam, a, W)
    assert L == pytest.approx(loss_value(X, y, lam, a, W), rel=1e-12, abs=1e-12)
    for j in range(m):
        e = np.zeros(m)
        e[j] = h
        fd = (loss_value(X, y, lam, a + e, W) - loss_value(X, y, lam, a - e, W)) / (2 * h)
        assert fd == pytest.approx(ga[j], rel=1e-5, abs=1e-6)
        for k in range(d):
            E = np.zeros_like(W)
            E[j, k] = h
            fd = (loss_value(X, y, lam, a, W + E) - loss_value(X, y, lam, a, W - E)) / (2 * h)
            assert fd == pytest.approx(gW[j, k], rel=1e-5, abs=1e-6)


# ---------------------------------------------------------------------------
# the balanced invariant a_j^2 - |w_j|^2
# ---------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), lam=st.floats(1e-4, 0.5), lr=st.floats(1e-4, 0.05))
def test_gd_balance_recurrence(seed, lam, lr):
    """One GD step: Delta' = (1 - 2 lr lam)^2 Delta + lr^2 (g_a^2 - |g_w|^2) per neuron,
    g the data part of the gradient (a_j g_a = w_j . g_w by homogeneity of relu)."""
    X, y, a, W = _random_instance(seed, 4, 3, 5)
    ds = Dataset.from_arrays(X, y)
    run = train(ds, lam, a0=a, W0=W, lr=lr, steps=1)
    Xf, yf = ds.features, ds.y
    a0, W0 = np.array([float(Fraction(v)) for v in a]), np.array(W)
    _, ga, gW = loss_and_grad(Xf, yf, 0.0, a0, W0)
    delta0 = a0**2 - (W0**2).sum(axis=1)
    predicted = (1 - 2 * lr * lam) ** 2 * delta0 + lr**2 * (ga**2 - (gW**2).sum(axis=1))
    delta1 = run.a**2 - (run.W**2).sum(axis=1)
    scale = 1 + np.abs(a0) ** 2 + (W0**2).sum(axis=1)
    assert np.all(np.abs(delta1 - predicted) <= 1e-12 * scale)


def test_gd_balance_decays_geometrically_from_balanced_start():
    """From a balanced start the invariant stays at O(lr^2) and the per-step factor of an
    unbalanced start is (1 - 2 lr lam)^2 up to O(lr^2)."""
    ds = generate("theorem2", d=3)
    lam, lr, steps = 0.05, 1e-3, 4000
    a, W = init_network(10, 3, 0.5, init="uniform", seed=3)
    run = train(ds, lam, a0=a, W0=W, lr=lr, steps=steps)
    d0 = a**2 - (W**2).sum(axis=1)
    d1 = run.a**2 - (run.W**2).sum(axis=1)
    predicted = (1 - 2 * lr * lam) ** (2 * steps) * d0
    # the lr^2 terms accumulate to at most steps * lr^2 * max|g|^2
    assert np.max(np.abs(d1 - predicted)) < 0.02 * np.max(np.abs(d0))
    assert np.max(np.abs(d1)) < 0.7 * np.max(np.abs(d0))


@pytest.mark.slow
def test_gradient_flow_balance_is_exponential():
    """Gradient flow: d/dt (a_j^2 - |w_j|^2) = -4 lam (a_j^2 - |w_j|^2) exactly."""
    ds = generate("theorem2", d=3)
    lam, T = 0.2, 3.0
    a, W = init_network(6, 3, 0.7, init="uniform", seed=5)
    run = train_flow(ds, lam, a0=a, W0=W, t_max=T, rtol=1e-9, atol=1e-13)
    assert run.time == pytest.approx(T)
    d0 = a**2 - (W**2).sum(axis=1)
    d1 = run.a**2 - (run.W**2).sum(axis=1)
    assert np.allclose(d1, math.exp(-4 * lam * T) * d0, rtol=1e-5, atol=1e-9)


# ---------------------------------------------------------------------------
# the trainer against a plain reference loop
# ---------------------------------------------------------------------------


def _reference_gd(X, y, lam, lr, a, W, steps):
    a, W = a.copy(), W.copy()
    for _ in range(steps):
        _, ga, gW = loss_and_grad(X, y, lam, a, W)
        a, W = a - lr * ga, W - lr * gW
    return a, W


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6), steps=st.integers(1, 300))
def test_fast_loop_matches_reference(seed, steps):
    ds = generate("relu-teacher", n=5, d=3, seed=seed % 50)
    a, W = init_network(7, 3, 0.3, seed=seed)
    run = train(ds, 0.01, a0=a, W0=W, lr=0.02, steps=steps)
    ra, rW = _reference_gd(ds.features, ds.y, 0.01, 0.02, a, W, steps)
    assert np.allclose(run.a, ra, rtol=1e-9, atol=1e-12)
    assert np.allclose(run.W, rW, rtol=1e-9, atol=1e-12)


def test_cell_change_events_are_the_pattern_changes():
    ds = generate("relu-teacher", n=5, d=3, seed=2)
    a, W = init_network(8, 3, 1.0, seed=4)
    run = train(ds, 0.01, a0=a, W0=W, lr=0.05, steps=400, check_every=1)
    assert run.n_cell_changes == len(run.cell_changes) > 0
    # replaying the events from the initial labels gives the final labels
    labels = signed_cone_labels(ds.features, a, W)
    for e in run.cell_changes:
        assert labels[e.neuron] == e.old
        labels[e.neuron] = e.new
    assert labels == signed_cone_labels(ds.features, run.a, run.W)
    # and each event happens exactly at its step
    for e in run.cell_changes[:5]:
        before = train(ds, 0.01, a0=a, W0=W, lr=0.05, steps=e.step - 1, check_every=1)
        after = train(ds, 0.01, a0=a, W0=W, lr=0.05, steps=e.step, check_every=1)
        assert signed_cone_labels(ds.features, before.a, before.W)[e.neuron] == e.old
        assert signed_cone_labels(ds.features, after.a, after.W)[e.neuron] == e.new


def test_records_geometric_schedule_and_fields():
    ds = generate("theorem2", d=3)
    run = train(ds, 0.01, 10, 0.1, lr=0.05, steps=5000)
    r = run.records
    assert r["step"][0] == 0 and r["step"][-1] == run.steps == 5000
    assert np.all(np.diff(r["step"]) > 0)
    assert len(r["step"]) < 250
    theta_sq = run.a @ run.a + np.sum(run.W**2)
    assert r["theta_sq"][-1] == pytest.approx(theta_sq)
    assert r["loss"][-1] == pytest.approx(r["data_loss"][-1] + 0.01 * theta_sq)
    assert np.all(r["rank"] <= 3) and np.all(r["effective_rank"] <= r["rank"] + 1e-9)


def test_merge_directions_groups_parallel_same_cone_neurons():
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    W = np.array([[1.0, 1.0], [3.0, 3.0], [1.0, 1.0], [1.0, -1.0]])
    a = np.array([1.0, 2.0, -1.0, 1.0])
    assert merge_directions(X, a, W) == [[0, 1], [2], [3]]


# ---------------------------------------------------------------------------
# literature value: orthogonal data (docs/theory.md, section 6)
# ---------------------------------------------------------------------------


def _orthogonal_vstar(ds, lam):
    """Closed form of V* for orthonormal rows: one neuron per sign, shrunk fits."""
    y = ds.y
    n = len(y)
    total = 0.0
    for part in (y > 0, y < 0):
        yp = np.abs(y[part])
        norm = np.linalg.norm(yp)
        if norm == 0:
            continue
        shrink = max(0.0, 1 - n * lam / norm)
        f = shrink * yp
        total += np.sum((yp - f) ** 2) / n + 2 * lam * np.linalg.norm(f)
    return total + np.sum(y[y == 0] ** 2) / n


def test_gd_reaches_closed_form_optimum_on_orthogonal_data():
    ds = generate("orthonormal", n=4, d=5, seed=1)
    lam = 0.02
    run = train(ds, lam, 20, 1.0, seed=0, lr=0.05, steps=200_000, grad_tol=1e-22)
    assert run.stop_reason == "converged"
    assert run.final_loss == pytest.approx(_orthogonal_vstar(ds, lam), rel=1e-9)
    assert run.records["directions"][-1] == 2


# ---------------------------------------------------------------------------
# bad input, NaN, divergence, interruption
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kw", [dict(init_scale=0.0), dict(init_scale=-1.0), dict(lr=0.0), dict(lr=-0.1),
                                dict(init_scale=float("nan")), dict(lam=-1.0)])
def test_bad_arguments_raise_input_error(kw):
    ds = generate("theorem2", d=3)
    args = dict(lam=0.01, width=4, init_scale=0.1, lr=0.01, steps=10)
    args.update(kw)
    with pytest.raises(InputError):
        train(ds, **args)


def test_divergent_run_stops_at_the_failing_step_and_keeps_its_trajectory():
    ds = generate("theorem2", d=3)
    run = train(ds, 0.01, 10, 3.0, seed=0, lr=5.0, steps=1000)
    assert run.stop_reason in ("diverged", "nan")
    assert str(run.steps + 1) in run.message
    assert len(run.records["step"]) >= 2 and np.isfinite(run.records["loss"]).all()
    # the reported step is the first bad one: the run up to the step before is finite
    ok = train(ds, 0.01, 10, 3.0, seed=0, lr=5.0, steps=run.steps)
    assert ok.stop_reason == "budget" and np.isfinite(ok.final_loss)
    assert np.array_equal(ok.a, run.a)
    verdict = classify_endpoint(ds, 0.01, run)
    assert verdict.verdict == "not_converged"


def test_interrupted_run_keeps_what_it_has():
    ds = generate("theorem2", d=3)
    calls = []

    def progress(step, loss):
        calls.append(step)
        if step > 100:
            raise KeyboardInterrupt

    run = train(ds, 0.01, 10, 0.1, lr=0.01, steps=10_000, progress=progress)
    assert run.stop_reason == "interrupted"
    assert 0 < run.steps < 10_000
    assert run.records["step"][-1] == run.steps
    assert run.final_loss == pytest.approx(loss_value(ds.features, ds.y, 0.01, run.a, run.W))


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------


def test_cli_train_writes_result_and_trajectory(tmp_path, capsys):
    from landscape.cli import main
    from landscape.data import save_dataset

    data = tmp_path / "t2.json"
    save_dataset(generate("theorem2", d=3), data)
    out = tmp_path / "run"
    rc = main(["train", str(data), "--lam", "1/100", "--width", "6", "--init-scale", "0.5",
               "--lr", "0.05", "--steps", "3000", "--out", str(out), "--plot"])
    assert rc == 0
    printed = json.loads(capsys.readouterr().out)
    result = json.loads((out / "result.json").read_text())
    for key in ("verdict", "value", "steps", "seconds", "network", "regions_crossed"):
        assert key in result
    assert result["steps"] == printed["steps"] == 3000
    assert len(result["network"]["a"]) == 6 and len(result["network"]["W"][0]) == 3
    lines = (out / "trajectory.csv").read_text().splitlines()
    assert lines[0].startswith("step,time,loss")
    assert float(lines[-1].split(",")[2]) == pytest.approx(result["value"])
    assert (out / "loss.png").exists() and (out / "directions.png").exists()


@pytest.mark.parametrize("flag,value", [("--init-scale", "0"), ("--lr", "-1"), ("--init-scale", "nan")])
def test_cli_bad_scale_or_step(tmp_path, capsys, flag, value):
    from landscape.cli import main
    from landscape.data import save_dataset

    data = tmp_path / "t2.json"
    save_dataset(generate("theorem2", d=3), data)
    args = ["train", str(data), "--lam", "0.01", "--width", "4", "--init-scale", "0.1", "--steps", "10"]
    if flag in args:
        args[args.index(flag) + 1] = value
    else:
        args += [flag, value]
    try:
        status = main(args)
    except SystemExit as exc:  # older entry points exit from argparse
        status = exc.code
    assert status == 2
    assert flag in capsys.readouterr().err


def test_cli_divergent_run_exit_status_and_files(tmp_path, capsys):
    from landscape.cli import main
    from landscape.data import save_dataset

    data = tmp_path / "t2.json"
    save_dataset(generate("theorem2", d=3), data)
    out = tmp_path / "run"
    rc = main(["train", str(data), "--lam", "0.01", "--width", "10", "--init-scale", "3", "--lr", "5",
               "--steps", "1000", "--out", str(out), "--no-classify"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "step" in err and "lr" in err
    result = json.loads((out / "result.json").read_text())
    assert result["stop_reason"] in ("diverged", "nan") and result["verdict"] == "not_converged"


# ---------------------------------------------------------------------------
# endpoint classification (exact, on the polished point)
# ---------------------------------------------------------------------------


def test_endpoint_on_orthogonal_data_is_certified_global():
    ds = generate("orthonormal", n=4, d=5, seed=1)
    run = train(ds, 0.02, 20, 1.0, seed=0, lr=0.05, steps=200_000, grad_tol=1e-22)
    v = classify_endpoint(ds, "0.02", run)
    assert v.verdict == "global_minimum", v.reason
    assert v.region_is_global is True
    # the optimum is not unique, so the polished point is one of many global minima: check
    # values, not the distance to one particular optimal point
    assert abs(v.value_gap) < 1e-9
    polished_loss = network_loss(ds, 0.02, *v.polished)
    assert float(v.region_lower) - 1e-12 <= polished_loss <= float(v.region_upper) + 1e-12
    # the certified region value brackets the closed form of docs/theory.md, section 6
    assert float(v.region_lower) - 1e-12 <= _orthogonal_vstar(ds, 0.02) <= float(v.region_upper) + 1e-12


@pytest.mark.slow
def test_theorem2_small_init_stalls_at_a_certified_saddle():
    """Reduced-budget Theorem 2: from alpha = 1e-4 GD ends at the single aligned neuron,
    which is not a local minimum: a zero neuron can grow (exact certificate)."""
    import os
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "scripts"))
    from repro_theorem2 import run_grid

    rows, traj, facts = run_grid(3, "3/10000", 0.01, 250_000, [1e-4], [0], width=20, log=lambda *a: None)
    (row,) = rows
    assert row["verdict"] == "not_a_local_minimum", row["reason"]
    assert row["certificate"] == "zero_neuron_can_grow"
    assert row["region_is_global"] is False
    assert row["directions"] == 1 and row["rank"] == 1
    assert facts["V_single_lower"] > facts["V_star_upper"]  # the single neuron is not global
    assert abs(row["loss"] - float(facts["V_single_upper"])) < 1e-9
    assert traj and traj[-1]["step"] == 250_000


def test_classify_endpoint_flags_unconverged_runs():
    ds = generate("theorem2", d=3)
    run = train(ds, 3e-4, 10, 0.5, seed=0, lr=0.01, steps=200)
    v = classify_endpoint(ds, "3/10000", run)
    assert v.verdict == "not_converged"
    assert "grad" in v.reason


@pytest.mark.slow
def test_chistikov_reduced_rank_one_collapse_and_theorem8():
    import os
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "scripts"))
    from repro_chistikov import part_a, part_b

    quiet = lambda *a: None  # noqa: E731
    rows, slope = part_a(dict(alphas=[1e-2, 1e-3, 1e-4], seeds=[0], steps=60_000), log=quiet)
    assert 0.85 < slope < 1.15  # the angle shrinks linearly with alpha
    assert all(r["data_loss"] < 1e-6 for r in rows if r["alpha"] <= 1e-3)
    rows_b, it = part_b(dict(seeds=[0], b_steps=150_000), log=quiet)
    assert it.certified and it.rank >= 2
    assert rows_b[0]["rank"] == 1 and rows_b[0]["data_loss"] < 1e-12
    # the GD limit is a rank-1 interpolator (|theta|^2 = 2) and is not min-norm
    assert rows_b[0]["theta_sq"] == pytest.approx(2.0, abs=1e-4)
    assert rows_b[0]["theta_sq"] > float(it.upper) + 5e-4


def test_orthogonal_reduced_ratio_bounded():
    import os
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "scripts"))
    from repro_orthogonal import closed_form_min_norm, run

    rows = run(4, [0], 60_000, log=lambda *a: None)
    for r in rows:
        assert r["data_loss"] < 1e-10
        assert 1.0 - 1e-9 <= r["ratio"] < 1.5
    ds = generate("orthonormal", n=4, d=4, seed=0)
    lo, up = (float(v) for v in r["certified_min_norm"].strip("[]").split(","))
    assert lo - 1e-9 <= closed_form_min_norm(ds.y) <= up + 1e-9
