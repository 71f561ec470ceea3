"""Every command that reads or writes a file fails cleanly on bad input.

A bad file (NaN, inf, 1e400, ragged rows, shape mismatch, empty data, non-numeric text),
a size limit, or an output path that cannot be written ends with exit status 2, exactly
one line on stderr, no traceback, nothing written and no temporary file left behind.
"""

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from landscape.cli import main

ROOT = Path(__file__).resolve().parents[1]

GOOD_DATA = '{"X": [[1, 0], [0, 1]], "y": [1, -1]}'
GOOD_NET = '{"a": [1], "W": [[1, 0]]}'

BAD_DATA = {
    "nan.json": '{"X": [[NaN, 0], [0, 1]], "y": [1, 2]}',
    "inf.json": '{"X": [[Infinity, 0], [0, 1]], "y": [1, 2]}',
    "huge.json": '{"X": [[1e400, 0], [0, 1]], "y": [1, 2]}',
    "huge_int.json": '{"X": [[1, 0], [0, 1]], "y": [1, %s]}' % ("9" * 400),
    "huge_y.json": '{"X": [[1, 0], [0, 1]], "y": ["1e400", 2]}',
    "ragged.json": '{"X": [[1, 0], [1]], "y": [1, 2]}',
    "ylen.json": '{"X": [[1, 0], [0, 1]], "y": [1, 2, 3]}',
    "norows.json": '{"X": [], "y": []}',
    "empty.json": "",
    "text.json": '{"X": [["a", 0], [0, 1]], "y": [1, 2]}',
    "notjson.json": "{X: 1",
    "huge.csv": "1e400,0,1\n0,1,2\n",
    "inf.csv": "inf,0,1\n0,1,2\n",
    "ragged.csv": "1,0,1\n0,1\n",
    "text.csv": "1,0,1\n0,abc,2\n",
    "empty.csv": "\n\n",
    "unknown.txt": "1,2\n",
}

BAD_NETS = {
    "huge_a.json": '{"a": [1e400], "W": [[1, 0]]}',
    "huge_W.json": '{"a": [1], "W": [[1e400, 0]]}',
    "nan.json": '{"a": [NaN], "W": [[1, 0]]}',
    "ragged.json": '{"a": [1, 1], "W": [[1, 0], [1]]}',
    "mismatch.json": '{"a": [1, 1], "W": [[1, 0]]}',
    "shape.json": '{"a": [1], "W": [[1, 0, 0]]}',
    "text.json": '{"a": ["x"], "W": [[1, 0]]}',
    "empty.json": "",
}

LAM = ["--lam", "1/10"]

#: command -> arguments after the data file; "NET" is replaced by a network file
DATA_COMMANDS = {
    "cells": [],
    "optimum": LAM,
    "check": ["NET"] + LAM,
    "interpolate": [],
    "analyse": LAM + ["--width", "1"],
    "counterexample": LAM + ["--width", "1"],
    "graph": LAM + ["--width", "1"],
    "train": LAM + ["--width", "1", "--init-scale", "0.1", "--steps", "5", "--no-classify"],
}

#: commands whose --out is a directory
DIR_OUT = {"analyse", "graph", "train"}


def _run(argv, capsys, cwd):
    before = _listing(cwd)
    status = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert status == 2, (argv, status, err)
    assert err.count("\n") == 1 and err.endswith("\n"), (argv, err)
    assert "Traceback" not in err and err.startswith("landscape "), (argv, err)
    assert _listing(cwd) == before, (argv, "files were written or left behind")
    return err


def _listing(folder):
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*"))


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "good.json").write_text(GOOD_DATA)
    (tmp_path / "net.json").write_text(GOOD_NET)
    (tmp_path / "dir").mkdir()
    for name, text in BAD_DATA.items():
        (tmp_path / ("data_" + name)).write_text(text)
    for name, text in BAD_NETS.items():
        (tmp_path / ("net_" + name)).write_text(text)
    return tmp_path


def _argv(command, data, net="net.json", extra=()):
    rest = [net if a == "NET" else a for a in DATA_COMMANDS[command]]
    return [command, data] + rest + list(extra)


@pytest.mark.parametrize("command", sorted(DATA_COMMANDS))
@pytest.mark.parametrize("bad", sorted(BAD_DATA))
def test_bad_data_file(files, capsys, command, bad):
    _run(_argv(command, "data_" + bad), capsys, files)


@pytest.mark.parametrize("bad", sorted(BAD_NETS))
def test_bad_network_file(files, capsys, bad):
    _run(_argv("check", "good.json", net="net_" + bad), capsys, files)


def test_missing_files(files, capsys):
    for command in DATA_COMMANDS:
        _run(_argv(command, "missing.json"), capsys, files)
        _run(_argv(command, "dir"), capsys, files)
    _run(_argv("check", "good.json", net="missing.json"), capsys, files)


def test_out_of_range_message_names_the_entry(files, capsys):
    err = _run(_argv("optimum", "data_huge.json"), capsys, files)
    assert "X[0][0]" in err and "floating-point range" in err


@pytest.mark.parametrize("command,flag", [("cells", "--max-cells"), ("analyse", "--max-supports"),
                                          ("counterexample", "--max-supports"), ("graph", "--max-nodes")])
def test_too_large_names_the_flag(files, capsys, command, flag):
    (files / "big.json").write_text(json.dumps({"X": [[i, 1, i * i % 7] for i in range(1, 9)],
                                                "y": list(range(8))}))
    err = _run(_argv(command, "big.json", extra=[flag, "1"]), capsys, files)
    assert "exceeds the limit of 1" in err and flag in err


def _out_cases(command):
    if command in DIR_OUT:
        return ["good.json", "good.json/sub", "missing/a/b", "/nonexistent/a/b"]
    return ["dir", "good.json/sub", "missing/a.json", "/nonexistent/a/b"]


@pytest.mark.parametrize("command", sorted(DATA_COMMANDS))
def test_unwritable_out(files, capsys, command):
    for out in _out_cases(command):
        err = _run(_argv(command, "good.json", extra=["--out", out]), capsys, files)
        assert "--out" in err
    assert not os.path.exists("/nonexistent")


def test_unwritable_out_of_the_other_commands(files, capsys):
    sweep = files / "s.toml"
    sweep.write_text('[sweep]\nname = "x"\n[[task]]\nkind = "echo"\nvalue = 1\n')
    store = files / "r.sqlite"
    assert main(["sweep", str(sweep), "--store", str(store), "--workers", "1", "--no-progress"]) == 0
    capsys.readouterr()
    for out in ["dir", "good.json/sub", "missing/a.json", "/nonexistent/a/b"]:
        ext = ".png" if out == "dir" else ""
        cases = [
            ["data", "gen", "gaussian", "--n", "3", "--d", "2", "--out", out + ("" if ext else ".json")],
            ["table", store, "--out", out],
            ["plot", store, "--query", "SELECT 1 AS x, 2 AS y", "--x", "x", "--y", "y", "--out", out + ext],
            ["verify", "--out", out],
            ["sweep", sweep, "--store", out],
        ]
        if out == "dir":
            cases[0][-1] = "dir"
            cases[2][-1] = "dir"
        for argv in cases:
            _run(argv, capsys, files)
    assert not os.path.exists("/nonexistent")


def test_bad_stores(files, capsys):
    (files / "empty.sqlite").write_bytes(b"")
    (files / "text.sqlite").write_text("not a database at all" * 100)
    conn = sqlite3.connect(files / "foreign.sqlite")
    conn.execute("CREATE TABLE tasks (id INTEGER)")
    conn.commit()
    conn.close()
    sweep = files / "s.toml"
    sweep.write_text('[sweep]\nname = "x"\n[[task]]\nkind = "echo"\nvalue = 1\n')
    for db in ["missing.sqlite", "text.sqlite", "foreign.sqlite", "dir"]:
        _run(["table", db], capsys, files)
        _run(["plot", db, "--query", "SELECT 1 AS x", "--x", "x", "--y", "x", "--out", "f.png"], capsys, files)
    for db in ["text.sqlite", "foreign.sqlite"]:
        _run(["sweep", sweep, "--store", db], capsys, files)


@pytest.mark.parametrize("argv,needle", [
    (["analyse", "good.json", "--lam", "-1/10", "--width", "1"], "--lam must be > 0, got -1/10"),
    (["analyse", "good.json", "--lam", "-0.5", "--width", "1"], "--lam must be > 0"),
    (["analyse", "good.json", "--lam", "0", "--width", "1"], "--lam must be > 0, got 0"),
    (["optimum", "good.json", "--lam", "-1e-3"], "--lam must be > 0"),
    (["optimum", "good.json", "--lam", "0"], "--lam must be > 0, got 0"),
    (["analyse", "good.json", "--lam", "1/10", "--width", "1,,2"], "empty entry"),
    (["analyse", "good.json", "--lam", "1/10", "--width", "1,a"], "not a comma-separated list"),
    (["analyse", "good.json", "--lam", "1/10", "--width", "1", "--eps", "0"], "--eps must lie strictly"),
    (["analyse", "good.json", "--lam", "1/10", "--width", "1", "--eps", "2"], "--eps must lie strictly"),
    (["analyse", "good.json", "--lam", "1e400", "--width", "1"], "floating-point range"),
    (["graph", "good.json", "--lam", "1/10", "--width", "1", "--seed", "-5"], "--seed must be >= 0, got -5"),
    (["data", "gen", "gaussian", "--n", "3", "--d", "2", "--seed", "-1", "--out", "x.json"], "--seed must be >= 0"),
    (["data", "gen", "gaussian", "--n", "100000000", "--d", "2", "--out", "x.json"],
     "max_entries=... (a keyword argument of the Python API; `landscape data gen` has no flag for it)"),
    (["data", "gen", "hypercube", "--d", "40", "--out", "x.json"], "exceeds the limit"),
    (["data", "gen", "theorem2", "--n", "4", "--out", "x.json"], "does not take the parameter n"),
    (["data", "gen", "gaussian", "--d", "2", "--out", "x.json"], "needs the parameter n"),
    (["data", "gen", "gaussian", "--n", "3", "--d", "2", "--out", "x.txt"], "unknown file type"),
])
def test_argument_checks(files, capsys, argv, needle):
    assert needle in _run(argv, capsys, files)


def test_console_script_prints_one_line_without_traceback(files):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for argv in (["optimum", "data_huge.json", "--lam", "1/10"], ["cells", "good.json", "--out", "dir"]):
        proc = subprocess.run([sys.executable, "-m", "landscape.cli"] + argv, capture_output=True, text=True,
                              env=env, cwd=files)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


# ---------------------------------------------------------------------------
# What works: standard input, atomic output, exit status 3
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", [GOOD_DATA, "1,0,1\n0,1,-1\n", "x1,x2,y\n1,0,1\n0,1,-1\n"])
def test_dataset_from_standard_input(files, capsys, monkeypatch, text):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    assert main(["cells", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["count"] == 4  # two orthogonal lines: 4 cells


def test_empty_standard_input(files, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert "standard input" in _run(["cells", "-"], capsys, files)


def test_out_replaces_the_file_atomically(files, capsys):
    target = files / "cells.json"
    target.write_text("old")
    assert main(["cells", "good.json", "--out", str(target)]) == 0
    assert json.loads(target.read_text())["count"] == 4
    assert sorted(p.name for p in files.iterdir() if p.name.startswith(".") or p.suffix == ".tmp") == []


def test_uncertified_result_exits_3(files, capsys, monkeypatch):
    from landscape.app import commands

    class Fake:
        def to_json_obj(self):
            return {"certified": False, "status": "optimal_inaccurate", "reason": "solver stopped early"}

    monkeypatch.setattr("landscape.convex.program.min_norm_interpolator", lambda ds, **kwargs: Fake())
    assert commands.interpolate is not None
    assert main(["interpolate", "good.json"]) == 3
    captured = capsys.readouterr()
    assert json.loads(captured.out)["certified"] is False
    assert "not certified (exit status 3): solver stopped early" in captured.err


def test_certified_result_exits_0(files, capsys):
    assert main(["interpolate", "good.json"]) == 0
    assert json.loads(capsys.readouterr().out)["certified"] is True


def test_too_large_keyword_without_a_flag_names_the_python_api(files, capsys, monkeypatch):
    from landscape.errors import TooLargeError

    def refuse(ds, **kwargs):
        raise TooLargeError("min-norm interpolator over all signed cones", 10**6, 10**4, "max_cones")

    monkeypatch.setattr("landscape.convex.program.min_norm_interpolator", refuse)
    err = _run(["interpolate", "good.json"], capsys, files)
    assert "max_cones=... (a keyword argument of the Python API; `landscape interpolate` has no flag" in err
