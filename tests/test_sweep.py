"""Sweep files, task keys, runners (in-process, process pool, Dask) and kill-and-resume."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from fractions import Fraction
from math import comb
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape.app import sweep as sw
from landscape.errors import InputError
from landscape.app.store import Store

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ROOT / "data" / "sweeps" / "smoke.toml"


def write(tmp_path, text, name="s.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip("\n"))
    return p


# ---------------------------------------------------------------------------
# Parsing and expansion
# ---------------------------------------------------------------------------


def test_grid_expansion_and_exact_lam(tmp_path):
    p = write(tmp_path, """
        [sweep]
        name = "g"
        [[dataset]]
        generator = "gaussian"
        n = [3, 4]
        d = 2
        seed = {range = [0, 3]}
        [[task]]
        kind = "echo"
        value = ["a", "b"]
        [[task]]
        kind = "cells"
        """)
    s = sw.load_sweep(p)
    assert len(s.datasets) == 6
    kinds = [t.kind for t in s.tasks]
    assert kinds.count("echo") == 2 and kinds.count("cells") == 6
    assert len({t.key for t in s.tasks}) == 8


def test_rational_parameters_are_exact_and_keys_canonical(monkeypatch):
    # lam = 0.01 (a TOML float) and "1/100" are the same exact value, hence the same task
    monkeypatch.setitem(sw.KINDS, "lamtest", sw.TaskKind("lamtest", "landscape.app.sweep:_task_echo",
                                                         {"lam": ("rational", sw.REQUIRED)}, needs_dataset=False))
    a = sw.parse_sweep('[sweep]\nname="x"\n[[task]]\nkind="lamtest"\nlam=0.01\n')
    b = sw.parse_sweep('[sweep]\nname="x"\n[[task]]\nkind="lamtest"\nlam="1/100"\n')
    c = sw.parse_sweep('[sweep]\nname="x"\n[[task]]\nkind="lamtest"\nlam="1/99"\n')
    assert a.tasks[0].params["lam"] == Fraction(1, 100)
    assert a.tasks[0].key == b.tasks[0].key != c.tasks[0].key


def test_key_depends_on_dataset_content_not_name():
    from landscape.data import Dataset

    d1 = Dataset.from_arrays([[1, 2]], [1], name="one")
    d2 = Dataset.from_arrays([[1, 2]], [1], name="two")
    d3 = Dataset.from_arrays([[1, 2]], ["1/3"], name="one")
    k = [sw.task_key("cells", {}, d.content_hash()) for d in (d1, d2, d3)]
    assert k[0] == k[1] != k[2]


def _err(text, tmp_path):
    p = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        sw.load_sweep(p)
    return str(info.value)


def test_toml_syntax_error_has_line(tmp_path):
    msg = _err('[sweep]\nname = "x"\n[[task]]\nkind = = "echo"\n', tmp_path)
    assert "invalid TOML" in msg and "line 4" in msg


@pytest.mark.parametrize("text, line, key", [
    ('[sweep]\nname = "x"\n\n[[task]]\nkind = "echo"\nvalu = 3\n', 6, "task.valu"),
    ('[sweep]\nname = "x"\n[[task]]\nkind = "echo"\n[[task]]\nkind = "echo"\nseconds = "slow"\n', 7, "task.seconds"),
    ('[sweep]\nname = "x"\ncolour = 1\n[[task]]\nkind = "echo"\n', 3, "sweep.colour"),
    ('[sweep]\nname = "x"\n[[task]]\nkind = "nope"\n', 4, "task.kind"),
    ('[sweep]\nname = "x"\n[[dataset]]\ngenerator = "gaussian"\nn = 3\nd = 2\nwidht = 3\n'
     '[[task]]\nkind = "cells"\n', 7, "dataset.widht"),
    ('[sweep]\nname = "x"\n[[dataset]]\ngenerator = "orthonormal"\nn = 3\nd = 2\n'
     '[[task]]\nkind = "cells"\n', 4, "dataset.generator"),
    ('[sweep]\nname = "x"\n[[task]]\nkind = "echo"\nvalue = {range = []}\n', 5, "task.value"),
    ('[sweep]\nname = ""\n[[task]]\nkind = "echo"\n', 2, "sweep.name"),
    ('[sweep]\nname = "x"\n[[dataset]]\nfile = "missing.json"\n[[task]]\nkind = "cells"\n', 4, "dataset.file"),
    ('[sweep]\nname = "x"\n[[task]]\nkind = "cells"\n', 4, "task.kind"),  # needs data, none given
])
def test_semantic_errors_name_key_and_line(tmp_path, text, line, key):
    msg = _err(text, tmp_path)
    assert f"s.toml:{line}: {key}:" in msg, msg
    assert "\n" not in msg


def test_unavailable_kind_is_refused_clearly(tmp_path, monkeypatch):
    monkeypatch.setitem(sw.KINDS, "future", sw.TaskKind("future", "landscape.app.sweep:_task_echo", {},
                                                        needs_dataset=False,
                                                        requires=("landscape.not_written_yet:f",)))
    msg = _err('[sweep]\nname = "x"\n[[task]]\nkind = "future"\n', tmp_path)
    assert msg.endswith("task.kind: task kind future is not available in this version")
    assert "future" not in sw.available_kinds()


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------

MIXED = """
[sweep]
name = "mixed"
[[task]]
kind = "echo"
value = {range = [0, 10]}
[[task]]
kind = "echo"
value = ["bad-1", "bad-2"]
fail = true
[[task]]
kind = "echo"
value = "shaky"
uncertified = true
"""


@pytest.mark.parametrize("workers", [1, 2])
def test_failures_are_recorded_and_the_sweep_goes_on(tmp_path, workers):
    s = sw.parse_sweep(MIXED)
    with Store(tmp_path / "r.sqlite") as store:
        out = sw.run_sweep(s, store, workers=workers, progress=False)
        assert (out["tasks"], out["done"], out["failed"], out["uncertified"]) == (13, 10, 2, 1)
        assert out["store_totals"] == {"done": 10, "failed": 2, "uncertified": 1}
        _, rows = store.query("SELECT json_extract(params, '$.value'), error FROM tasks WHERE status = 'failed' "
                              "ORDER BY 1")
        assert rows == [("bad-1", "RuntimeError: echo asked to fail (value='bad-1')"),
                        ("bad-2", "RuntimeError: echo asked to fail (value='bad-2')")]
        _, rows = store.query("SELECT json_extract(result, '$.value') FROM tasks WHERE status = 'done'")
        assert sorted(r[0] for r in rows) == list(range(10))
        again = sw.run_sweep(s, store, workers=workers, progress=False)
        assert (again["skipped"], again["ran"]) == (13, 0)
        retry = sw.run_sweep(s, store, workers=workers, progress=False, retry_failed=True)
        assert (retry["ran"], retry["failed"]) == (2, 2)


def test_cells_sweep_matches_cover(tmp_path):
    """Gaussian data are in general position: the stored counts are Cover's."""
    s = sw.parse_sweep(textwrap.dedent("""
        [sweep]
        name = "cover"
        [[dataset]]
        generator = "gaussian"
        n = [3, 5, 7]
        d = [2, 3]
        seed = 4
        [[task]]
        kind = "cells"
        """))
    with Store(tmp_path / "r.sqlite") as store:
        out = sw.run_sweep(s, store, workers=2, progress=False)
        assert out["done"] == 6
        _, rows = store.query("SELECT json_extract(result, '$.n'), json_extract(result, '$.dim'), "
                              "json_extract(result, '$.count') FROM results")
    assert len(rows) == 6
    for n, d, count in rows:
        assert count == 2 * sum(comb(n - 1, k) for k in range(d))


@settings(max_examples=200, deadline=None)
@given(mean=st.one_of(st.none(), st.floats(1e-7, 100)), remaining=st.integers(1, 10**6),
       slots=st.integers(1, 64), previous=st.integers(1, 5000))
def test_batch_size_bounds(mean, remaining, slots, previous):
    b = sw._batch_size(mean, remaining, slots, previous)
    assert 1 <= b <= max(1, -(-remaining // (2 * slots)))
    assert b <= 2 * previous
    if mean is not None and mean * b > sw.TARGET_BATCH_SECONDS:
        assert b == 1  # never more than the target's worth of work, unless one task is longer


def test_dask_local_cluster(tmp_path):
    import distributed

    s = sw.parse_sweep(MIXED)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        with Store(tmp_path / "r.sqlite") as store:
            out = sw.run_sweep(s, store, scheduler=cluster.scheduler_address, progress=False)
            assert out["backend"] == "dask" and out["slots"] == 2
            assert (out["done"], out["failed"], out["uncertified"]) == (10, 2, 1)
            _, rows = store.query("SELECT count(*) FROM tasks")
            assert rows == [(13,)]
            with distributed.Client(cluster) as client:  # a Client object works too
                again = sw.run_sweep(s, store, scheduler=client, progress=False, retry_failed=True)
            assert again["ran"] == 2


def test_bad_scheduler_address(tmp_path, monkeypatch):
    monkeypatch.setattr(sw, "DASK_CONNECT_TIMEOUT", "1s")
    s = sw.parse_sweep(MIXED)
    with Store(tmp_path / "r.sqlite") as store, pytest.raises(InputError, match="cannot reach the Dask scheduler"):
        sw.run_sweep(s, store, scheduler="tcp://127.0.0.1:9", progress=False)


# ---------------------------------------------------------------------------
# Kill and resume: the `landscape sweep` command, interrupted by SIGINT and SIGKILL
# ---------------------------------------------------------------------------


def _rows(db):
    if not Path(db).exists():
        return {}
    try:
        with Store(db, readonly=True) as st:
            _, rows = st.query("SELECT key, status, result, finished FROM tasks")
    except InputError:
        return {}
    return {k: (s, r, f) for k, s, r, f in rows}


def _start(db, workers):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen([sys.executable, "-m", "landscape.cli", "sweep", str(SMOKE), "--store", str(db),
                             "--workers", str(workers), "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)


def _interrupt(db, sig, workers, at_least):
    proc = _start(db, workers)
    try:
        before = len(_rows(db))
        deadline = time.monotonic() + 60
        while len(_rows(db)) < before + at_least and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        seen = _rows(db)  # every row visible now is committed and must survive the kill
        assert proc.poll() is None, "the sweep finished before it could be interrupted"
        proc.send_signal(sig)
        proc.wait(30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # worker processes die with the sweep
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("worker processes outlived the killed sweep")
    finally:
        try:  # the test's own process group: worker processes must not outlive it
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return proc, seen


@pytest.mark.slow
def test_kill_and_resume(tmp_path):
    db = tmp_path / "smoke.sqlite"
    total = len(sw.load_sweep(SMOKE).tasks)
    kept = {}
    for sig, workers in [(signal.SIGINT, 1), (signal.SIGKILL, 1), (signal.SIGINT, 2), (signal.SIGKILL, 2)]:
        proc, seen = _interrupt(db, sig, workers, at_least=2)
        if sig == signal.SIGINT:
            assert proc.returncode == 130, (sig, workers, proc.stderr.read())
            assert b"interrupted" in proc.stderr.read()
        else:
            assert proc.returncode == -signal.SIGKILL
        after = _rows(db)
        kept.update(seen)
        for key, row in kept.items():  # nothing finished was lost or rewritten
            assert after[key] == row
        for status, result, _ in after.values():  # no half-written row
            assert status == "done" and isinstance(json.loads(result), dict)
        assert len(after) < total
    with Store(db, readonly=True) as st:
        assert st.integrity_ok()
    proc = _start(db, 2)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    summary = json.loads(out)
    assert summary["skipped"] + summary["ran"] == total and summary["ran"] > 0
    assert summary["store_totals"] == {"done": total, "failed": 0, "uncertified": 0}
    final = _rows(db)
    assert len(final) == total
    for key, row in kept.items():
        assert final[key] == row  # finished before a kill, not recomputed


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------


def test_cli_sweep_errors_are_one_line(tmp_path, capsys):
    from landscape.cli import main

    p = write(tmp_path, '[sweep]\nname = "x"\n[[task]]\nkind = "echo"\nvalu = 1\n')
    assert main(["sweep", str(p), "--store", str(tmp_path / "r.sqlite")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "s.toml:5: task.valu:" in err


def test_cli_sweep_runs_and_dry_run(tmp_path, capsys):
    from landscape.cli import main

    p = write(tmp_path, '[sweep]\nname = "x"\n[[task]]\nkind = "echo"\nvalue = [1, 2, 3]\n')
    db = str(tmp_path / "r.sqlite")
    assert main(["sweep", str(p), "--store", db, "--workers", "1", "--no-progress"]) == 0
    assert json.loads(capsys.readouterr().out)["done"] == 3
    assert main(["sweep", str(p), "--store", db, "--dry-run"]) == 0
    assert json.loads(capsys.readouterr().out)["to_run"] == 0


def test_non_finite_results_are_stored_as_strict_json(tmp_path):
    s = sw.parse_sweep('[sweep]\nname = "nan"\n[[task]]\nkind = "echo"\nvalue = [1.0, 2.0]\n')
    s.tasks[0].params["value"] = float("nan")
    s.tasks[1].params["value"] = [float("-inf"), 1.5]
    with Store(tmp_path / "r.sqlite") as store:
        assert sw.run_sweep(s, store, workers=1, progress=False)["done"] == 2
        _, rows = store.query("SELECT json_extract(result, '$.value') FROM tasks ORDER BY 1")
    assert sorted(r[0] for r in rows) == ['NaN', '["-Infinity",1.5]']


def test_a_dying_worker_is_recorded_and_the_sweep_goes_on(tmp_path):
    s = sw.parse_sweep('[sweep]\nname = "crash"\n[[task]]\nkind = "echo"\nvalue = {range = [0, 8]}\n'
                       'seconds = 0.05\n[[task]]\nkind = "echo"\nvalue = "boom"\ncrash = true\n')
    with Store(tmp_path / "r.sqlite") as store:
        out = sw.run_sweep(s, store, workers=2, progress=False)
        assert out["done"] + out["failed"] == 9 and out["failed"] >= 1
        _, rows = store.query("SELECT status, error FROM tasks WHERE json_extract(params, '$.value') = 'boom'")
        assert rows[0][0] == "failed" and rows[0][1].startswith("worker lost")
        # the innocent tasks that shared the lost batch succeed when retried
        again = sw.run_sweep(s, store, workers=2, progress=False, retry_failed=True)
        assert store.counts("crash") == {"done": 8, "failed": 1}
        assert again["failed"] == 1


def test_optimum_kind_on_a_file_dataset_brackets_the_exact_value(tmp_path):
    """X = I_2, y = (1, -1), lam = 5/18: two neurons each fit 4/9, V* = 65/81 exactly."""
    (tmp_path / "eye.json").write_text('{"X": [[1, 0], [0, 1]], "y": [1, -1]}')
    p = write(tmp_path, '[sweep]\nname = "opt"\n[[dataset]]\nfile = "eye.json"\n'
                        '[[task]]\nkind = "optimum"\nlam = "5/18"\n')
    s = sw.load_sweep(p)
    with Store(tmp_path / "r.sqlite") as store:
        assert sw.run_sweep(s, store, workers=1, progress=False)["done"] == 1
        _, rows = store.query("SELECT dataset, json_extract(result, '$.lower'), json_extract(result, '$.upper') "
                              "FROM results")
    (name, lower, upper), = rows
    assert name == "eye" and Fraction(lower) <= Fraction(65, 81) <= Fraction(upper)


def test_analyse_kind_gives_the_exact_proportion(tmp_path):
    """X = I_2, y = (1, -1), uniform measure over K = 8 signed cones.  The positive neuron's
    optimal direction e1 lies in the closures of 2 positive cones (cells 10, 11), the negative
    one's (e2) in 2 negative cones (01, 11).  Width 1: either single neuron is optimal, so
    4/8 = 1/2 of regions.  Width 2: both are needed, one neuron in each set: 2 (2/8)^2 = 1/8."""
    (tmp_path / "eye.json").write_text('{"X": [[1, 0], [0, 1]], "y": [1, -1]}')
    p = write(tmp_path, '[sweep]\nname = "an"\n[[dataset]]\nfile = "eye.json"\n'
                        '[[task]]\nkind = "analyse"\nlam = "1/10"\nm = [1, 2]\n')
    with Store(tmp_path / "r.sqlite") as store:
        out = sw.run_sweep(sw.load_sweep(p), store, workers=1, progress=False)
        assert out["done"] + out["uncertified"] == 2 and out["failed"] == 0
        _, rows = store.query("SELECT json_extract(params, '$.m'), json_extract(result, '$.P_global'), "
                              "json_extract(result, '$.signed_cones') FROM results ORDER BY 1")
    assert rows == [(1, "1/2", 8), (2, "1/8", 8)]


def test_graph_kind_finds_the_spurious_basin(tmp_path):
    """X = I_3, y = (3/5, 4/5, -3/5), lam = 17/100: at width 1 the lone negative neuron on
    x3 is a spurious local minimum.  It lies in the closure of the 4 negative cones whose
    cells have x3 active (patterns 001, 101, 011, 111), each a basin of its own."""
    p = write(tmp_path, '[sweep]\nname = "g"\n[[dataset]]\nfile = "%s"\n'
                        '[[task]]\nkind = "graph"\nlam = "17/100"\nm = 1\n'
              % os.path.abspath("data/examples/orthonormal_spurious.json"))
    with Store(tmp_path / "r.sqlite") as store:
        out = sw.run_sweep(sw.load_sweep(p), store, workers=1, progress=False)
        assert out["done"] == 1 and out["failed"] == 0
        _, rows = store.query("SELECT json_extract(result, '$.benign'), json_array_length(result, '$.basins') "
                              "FROM results")
    assert rows == [(0, 4)]


# ---------------------------------------------------------------------------
# Checks when the file is read; the counterexample kind; concurrent sweeps
# ---------------------------------------------------------------------------


def test_a_huge_grid_is_refused_with_its_size_before_expansion(tmp_path, capsys):
    from landscape.cli import main
    from landscape.errors import TooLargeError

    text = '[sweep]\nname = "x"\n[[task]]\nkind = "echo"\nvalue = {range = [0, 100000000]}\n'
    t0 = time.perf_counter()
    with pytest.raises(TooLargeError) as err:
        sw.parse_sweep(text)
    assert time.perf_counter() - t0 < 5
    assert err.value.estimate == 100_000_000 and err.value.keyword == "max_tasks"
    assert len(sw.parse_sweep(text.replace("100000000", "5"), max_tasks=5).tasks) == 5
    p = write(tmp_path, text)
    assert main(["sweep", str(p), "--store", str(tmp_path / "r.sqlite")]) == 2
    msg = capsys.readouterr().err
    assert "100,000,000" in msg and "--max-tasks" in msg and msg.count("\n") == 1


def test_grids_times_datasets_count_toward_the_limit():
    text = ('[sweep]\nname = "x"\n[[dataset]]\ngenerator = "gaussian"\nn = 3\nd = 2\nseed = [0, 1, 2]\n'
            '[[task]]\nkind = "cells"\nmax_cells = [10, 20]\n')
    assert len(sw.parse_sweep(text, max_tasks=6).tasks) == 6
    with pytest.raises(InputError, match="estimated 6 exceeds the limit of 5"):
        sw.parse_sweep(text, max_tasks=5)


@pytest.mark.parametrize("assign,key,needle", [
    ('m = [0]', "task.m", "expected an integer >= 1, got 0"),
    ('lam = -1', "task.lam", "lam must be > 0, got -1"),
    ('lam = "0"', "task.lam", "lam must be > 0, got 0"),
    ('samples = 0', "task.samples", "integer >= 1"),
])
def test_bad_values_are_refused_when_the_file_is_read(tmp_path, assign, key, needle):
    base = {"m": "m = 1", "lam": 'lam = "1/10"'}
    base[assign.split()[0]] = assign
    lines = ['[sweep]', 'name = "x"', '[[dataset]]', 'generator = "gaussian"', 'n = 3', 'd = 2',
             '[[task]]', 'kind = "analyse"', base["lam"], base["m"]]
    if assign.startswith("samples"):
        lines.append(assign)
    msg = _err("\n".join(lines) + "\n", tmp_path)
    line = next(i for i, ln in enumerate(lines, start=1) if ln == assign)
    assert f"s.toml:{line}: {key}: " in msg and needle in msg, msg


def test_counterexample_kind_finds_the_width_one_spurious_minimum(tmp_path):
    """X = I_3, y = (3/5, 4/5, -3/5), lam = 17/100: at width 1 a lone negative neuron on x3
    is a spurious local minimum; at width 2 two parallel positive neurons on the face of
    x3's hyperplane are one (L = 0.3733 > L*_2 = 0.3706; P_bad(2) = 7/128 > 0)."""
    p = write(tmp_path, '[sweep]\nname = "ce"\n[[dataset]]\nfile = "%s"\n'
                        '[[task]]\nkind = "counterexample"\nlam = "17/100"\nm = [1, 2]\n'
              % os.path.abspath("data/examples/orthonormal_spurious.json"))
    with Store(tmp_path / "r.sqlite") as store:
        out = sw.run_sweep(sw.load_sweep(p), store, workers=1, progress=False)
        assert out["done"] == 2 and out["failed"] == 0
        _, rows = store.query("SELECT json_extract(params, '$.m'), json_extract(result, '$.found'), "
                              "json_extract(result, '$.a') FROM results ORDER BY 1")
    assert rows[0][:2] == (1, 1) and rows[1][:2] == (2, 1)
    a = json.loads(rows[0][2])
    assert len(a) == 1 and Fraction(a[0]) < 0


def test_concurrent_sweeps_share_the_work(tmp_path):
    p = write(tmp_path, '[sweep]\nname = "c"\n[[task]]\nkind = "echo"\nvalue = {range = [0, 24]}\n'
                        'seconds = 0.1\n')
    db = tmp_path / "r.sqlite"
    Store(db).close()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "landscape.cli", "sweep", str(p), "--store", str(db), "--workers", "1",
           "--no-progress"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(2)]
    outs = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outs
    summaries = [json.loads(out) for out, _ in outs]
    assert sum(s["ran"] for s in summaries) == 24  # every task ran exactly once
    for s in summaries:
        assert s["skipped"] + s["ran"] + s["by_others"] == 24
        assert s["store_totals"] == {"done": 24, "failed": 0, "uncertified": 0}


def test_cli_sweep_with_failed_tasks_exits_3(tmp_path, capsys):
    from landscape.cli import main

    p = write(tmp_path, MIXED)
    assert main(["sweep", str(p), "--store", str(tmp_path / "r.sqlite"), "--workers", "1", "--no-progress"]) == 3
    captured = capsys.readouterr()
    assert json.loads(captured.out)["failed"] == 2
    assert "2 task(s) failed" in captured.err and captured.err.count("\n") == 1


def test_cli_sweep_into_an_unrelated_sqlite_file_is_refused(tmp_path, capsys):
    import sqlite3

    from landscape.cli import main

    db = tmp_path / "other.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT)")
    conn.commit()
    conn.close()
    p = write(tmp_path, '[sweep]\nname = "x"\n[[task]]\nkind = "echo"\nvalue = 1\n')
    assert main(["sweep", str(p), "--store", str(db)]) == 2
    err = capsys.readouterr().err
    assert "not a landscape results store" in err and err.count("\n") == 1
