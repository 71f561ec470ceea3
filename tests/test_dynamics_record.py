"""The recorder (landscape.dynamics.record): cell changes as integer arrays replay to the
final network, directions match the greedy definition, records match direct computation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape.data import generate
from landscape.dynamics import init_network, merge_directions, signed_cone_labels, train, train_flow
from landscape.dynamics.record import _direction_heads, _direction_heads_by_rounds, alive_neurons


def _greedy_heads(group, U, tol):
    heads, out = [], np.empty(len(group), dtype=np.int64)
    for i in range(len(group)):
        for h in heads:
            if group[h] == group[i] and U[i] @ U[h] > 1 - tol:
                out[i] = h
                break
        else:
            heads.append(i)
            out[i] = i
    return out


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), k=st.integers(1, 40), d=st.integers(1, 3), groups=st.integers(1, 5),
       spread=st.sampled_from([0.0, 1e-3, 0.3]), tol=st.sampled_from([1e-4, 1e-2, 0.3]))
def test_direction_clusters_are_the_greedy_ones(seed, k, d, groups, spread, tol):
    rng = np.random.default_rng(seed)
    group = rng.integers(0, groups, size=k)
    U = rng.standard_normal((4, d))[rng.integers(0, 4, size=k)] + spread * rng.standard_normal((k, d))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    ref = _greedy_heads(group, U, tol)
    assert np.array_equal(_direction_heads(group, U, tol), ref)
    assert np.array_equal(_direction_heads_by_rounds(group, U, tol), ref)


def _replay(run, a0, W0, X):
    """Apply the integer events to the initial cone ids; check each event's old cone."""
    ch = run.changes
    labels = ch.cones.labels()
    assert [labels[i] for i in ch.initial] == signed_cone_labels(X, a0, W0)
    cur = ch.initial.copy()
    assert np.all(np.diff(ch.step) >= 0)
    for s, j, o, w in zip(ch.step, ch.neuron, ch.old, ch.new):
        assert cur[j] == o != w
        cur[j] = w
    return [labels[i] for i in cur]


def test_integer_cell_changes_replay_to_the_final_cones():
    ds = generate("relu-teacher", n=6, d=3, seed=1)
    a, W = init_network(12, 3, 1.0, seed=2)
    run = train(ds, 0.01, a0=a, W0=W, lr=0.05, steps=700)
    assert run.n_cell_changes == len(run.changes) > 0
    assert _replay(run, a, W, ds.features) == signed_cone_labels(ds.features, run.a, run.W)
    # the records count the changes up to their step
    r = run.records
    assert r["cell_changes"][-1] == run.n_cell_changes
    for s, c in zip(r["step"], r["cell_changes"]):
        assert c == np.count_nonzero(run.changes.step <= s)
    # text records agree with the integer arrays
    ev = run.cell_changes
    assert [(e.step, e.neuron) for e in ev] == list(zip(run.changes.step.tolist(), run.changes.neuron.tolist()))


def test_kept_events_are_a_prefix_and_all_are_counted():
    ds = generate("relu-teacher", n=6, d=3, seed=1)
    a, W = init_network(12, 3, 1.0, seed=2)
    full = train(ds, 0.01, a0=a, W0=W, lr=0.05, steps=700)
    few = train(ds, 0.01, a0=a, W0=W, lr=0.05, steps=700, max_events=5)
    assert few.n_cell_changes == full.n_cell_changes and len(few.changes) == 5
    assert [(e.step, e.neuron, e.old, e.new) for e in few.cell_changes] == \
        [(e.step, e.neuron, e.old, e.new) for e in full.cell_changes[:5]]


@pytest.mark.parametrize("kind", ["diverged", "interrupted"])
def test_events_of_a_stopped_run_replay_to_its_last_iterate(kind):
    ds = generate("theorem2", d=3)
    if kind == "diverged":
        run = train(ds, 0.01, 10, 3.0, seed=0, lr=5.0, steps=1000)
        assert run.stop_reason in ("diverged", "nan")
    else:
        def progress(step, loss):
            if step > 300:
                raise KeyboardInterrupt

        run = train(ds, 0.01, 10, 1.0, seed=0, lr=0.05, steps=10_000, progress=progress)
        assert run.stop_reason == "interrupted"
    a, W = init_network(10, 3, 3.0 if kind == "diverged" else 1.0, seed=0)
    assert _replay(run, a, W, ds.features) == signed_cone_labels(ds.features, run.a, run.W)
    assert np.all(run.changes.step <= run.steps)


def test_flow_events_replay():
    ds = generate("relu-teacher", n=5, d=3, seed=3)
    a, W = init_network(8, 3, 1.0, seed=1)
    run = train_flow(ds, 0.01, a0=a, W0=W, t_max=3.0)
    assert _replay(run, a, W, ds.features) == signed_cone_labels(ds.features, run.a, run.W)


def test_recorded_support_and_directions_match_direct_computation():
    ds = generate("theorem2", d=3)
    run = train(ds, 0.01, 10, 0.1, lr=0.05, steps=3000)
    X = ds.features
    alive = alive_neurons(run.a, run.W, 1e-6)
    labels = signed_cone_labels(X, run.a[alive], run.W[alive])
    assert run.records["support_size"][-1] == len(set(labels))
    assert sorted(run.supports[-1][1].labels()) == sorted(set(labels))
    assert run.records["directions"][-1] == len(merge_directions(X, run.a, run.W))
    s = np.linalg.svd(run.W, compute_uv=False)
    assert run.records["rank"][-1] == int((s > 1e-3 * s[0]).sum())


def test_sign_changes_of_a_are_dated_exactly():
    """A change of sign of a_j (found at a check, then replayed step by step) is recorded at
    the step whose iterate first has the new sign, like a pattern change."""
    ds = generate("relu-teacher", n=6, d=3, seed=1)
    a, W = init_network(12, 3, 1.0, init="uniform", seed=0)
    run = train(ds, 0.01, a0=a, W0=W, lr=0.05, steps=700)
    flips = [e for e in run.cell_changes if e.old[-1] != e.new[-1]]
    assert len(flips) >= 2 and any(e.step % 64 for e in flips)  # not only at check steps
    for e in flips:
        before = train(ds, 0.01, a0=a, W0=W, lr=0.05, steps=e.step - 1)
        after = train(ds, 0.01, a0=a, W0=W, lr=0.05, steps=e.step)
        assert signed_cone_labels(ds.features, before.a, before.W)[e.neuron] == e.old
        assert signed_cone_labels(ds.features, after.a, after.W)[e.neuron] == e.new
    assert _replay(run, a, W, ds.features) == signed_cone_labels(ds.features, run.a, run.W)
    # the same events as with a check at every step (where every sign is seen directly)
    every = train(ds, 0.01, a0=a, W0=W, lr=0.05, steps=700, check_every=1)
    assert [(e.step, e.neuron, e.old, e.new) for e in every.cell_changes] == \
        [(e.step, e.neuron, e.old, e.new) for e in run.cell_changes]


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.sampled_from([1, 5, 8, 9, 64, 70, 130]), m=st.integers(1, 7),
       steps=st.integers(1, 40), constant=st.booleans())
def test_cell_log_finds_every_change_of_pattern_or_sign(seed, n, m, steps, constant):
    """CellLog (patterns compared as padded 64-bit words, flushed when its ring buffer
    fills) reports exactly the (step, neuron) pairs whose pattern or sign changed, with
    the new cone's packed bits."""
    from landscape.dynamics.record import CellLog, _packed

    rng = np.random.default_rng(seed)
    B = rng.random((steps + 1, m, n)) < 0.5
    B[1:] = np.where(rng.random((steps, m, 1)) < 0.7, B[:-1], B[1:])  # many neurons keep their pattern
    S = np.ones((steps + 1, m), dtype=bool) if constant else rng.random((steps + 1, m)) < 0.8
    log = CellLog(B[0], S[0], None)
    log.K = min(log.K, 3)  # flush often
    log.constant_signs = constant
    for t in range(1, steps + 1):
        if log.cursor >= log.K:
            log.flush()
        log.push(B[t], S[t])
    log.flush()
    got = log.result()
    want = [(t, j) for t in range(1, steps + 1) for j in range(m)
            if not np.array_equal(B[t, j], B[t - 1, j]) or S[t, j] != S[t - 1, j]]
    assert list(zip(got.step.tolist(), got.neuron.tolist())) == want
    assert got.total == len(want)
    rows = got.cones.packed[got.new]
    for (t, j), row in zip(want, rows):
        assert np.array_equal(row, _packed(B[t, j][None, :], S[t, j:j + 1])[0])
