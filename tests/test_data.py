"""Datasets: exact parsing, loaders, generators and bad input through the CLI."""

import json
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from landscape.cli import main
from landscape.data import Dataset, generate, load_dataset, save_dataset
from landscape.errors import InputError


def test_exact_conversion():
    ds = Dataset.from_arrays([[0.1, "0.1", "3/7"]], [1e-3])
    assert ds.X_exact[0] == (Fraction(0.1), Fraction(1, 10), Fraction(3, 7))
    assert ds.y_exact[0] == Fraction(1e-3)


@pytest.mark.parametrize("ext", ["json", "csv", "npz"])
def test_round_trip(tmp_path, ext):
    ds = generate("relu-teacher", n=5, d=3, seed=2)
    path = tmp_path / f"d.{ext}"
    save_dataset(ds, path)
    back = load_dataset(path)
    if ext == "npz":  # floats: exact conversion of the doubles
        assert np.array_equal(back.X, ds.X)
    else:
        assert back.X_exact == ds.X_exact and back.y_exact == ds.y_exact


def test_csv_with_header(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("x1,x2,y\n1,2/3,0.5\n-1,0,1\n")
    ds = load_dataset(p)
    assert ds.X_exact[0] == (1, Fraction(2, 3)) and ds.y_exact == (Fraction(1, 2), 1)


def test_generators_match_math_md():
    t2 = generate("theorem2", d=4)
    beta = [Fraction(4, 5), 0, Fraction(3, 5), 0]
    for x, y in zip(t2.X_exact, t2.y_exact):
        assert y == sum(a * b for a, b in zip(x, beta))
    assert t2.X_exact[1][:3] == (Fraction(8, 9), Fraction(-4, 9), Fraction(1, 9))
    assert abs(float(sum(v * v for v in t2.X_exact[3])) - 1) < 1e-15
    ch = generate("chistikov", b=11)
    assert ch.X_exact[0] == (11, 0, 0)
    assert ch.y_exact[0] == Fraction(44, 5)
    orth = generate("orthonormal", n=3, d=5, seed=1)
    G = [[sum(a * b for a, b in zip(u, v)) for v in orth.X_exact] for u in orth.X_exact]
    assert G == [[1 if i == j else 0 for j in range(3)] for i in range(3)]
    hc = generate("hypercube", d=3)
    assert hc.n == 8 and hc.bias


def test_generators_are_seeded():
    a = generate("gaussian", n=4, d=2, seed=5)
    b = generate("gaussian", n=4, d=2, seed=5)
    c = generate("gaussian", n=4, d=2, seed=6)
    assert a.X_exact == b.X_exact and a.X_exact != c.X_exact


BAD_FILES = {
    "nan.json": ('{"X": [[1, NaN]], "y": [1]}', "NaN or inf"),
    "inf.csv": ("1,inf,2\n", "NaN or inf"),
    "ragged.json": ('{"X": [[1, 2], [3]], "y": [1, 2]}', "ragged"),
    "ragged.csv": ("1,2,3\n4,5\n", "ragged"),
    "ylen.json": ('{"X": [[1, 2], [3, 4]], "y": [1]}', "y has 1 entries but X has 2 rows"),
    "empty.json": ("", "empty"),
    "empty.csv": ("", "empty"),
    "norows.json": ('{"X": [], "y": []}', "empty"),
    "text.json": ('{"X": [["abc", 1]], "y": [1]}', "'abc' is not a number"),
    "text.csv": ("1,abc,3\n", "'abc' is not a number"),
    "data.txt": ("1 2 3", "unknown file type"),
    "broken.json": ('{"X": [[1, 2]', "invalid JSON"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_input_one_line_exit_2(tmp_path, capsys, name):
    text, needle = BAD_FILES[name]
    p = tmp_path / name
    p.write_text(text)
    with pytest.raises(InputError, match=needle):
        load_dataset(p)
    assert main(["cells", str(p)]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_missing_file_and_npz_without_y(tmp_path, capsys):
    assert main(["cells", str(tmp_path / "nope.json")]) == 2
    p = tmp_path / "d.npz"
    np.savez(p, X=np.ones((2, 2)))
    assert main(["cells", str(p)]) == 2
    assert "missing array 'y'" in capsys.readouterr().err


def test_cli_too_large_exits_2(tmp_path, capsys):
    p = tmp_path / "g.json"
    save_dataset(generate("gaussian", n=30, d=4), p)
    assert main(["cells", str(p), "--max-cells", "1000"]) == 2
    err = capsys.readouterr().err
    assert "--max-cells" in err and "8,180" in err  # = cover_count(30, 4)


def test_cli_cells_json_and_out(tmp_path, capsys):
    out = tmp_path / "cells.json"
    assert main(["cells", "data/examples/xor_bias.json", "--adjacency", "--out", str(out)]) == 0
    obj = json.loads(out.read_text())
    assert obj["count"] == 14 and obj["bias"] is True and obj["d"] == 2
    assert len(obj["adjacency"]) == sum(len(c["pattern"]) for c in obj["cells"]) // 2 or obj["adjacency"]
    for a in obj["adjacency"]:
        i, j = a["cells"]
        pi, pj = obj["cells"][i]["pattern"], obj["cells"][j]["pattern"]
        assert [k for k in range(len(pi)) if pi[k] != pj[k]] == a["rows"]


def test_cli_data_gen(tmp_path):
    out = tmp_path / "t.json"
    assert main(["data", "gen", "relu-teacher", "--n", "6", "--d", "2", "--seed", "3", "--out", str(out)]) == 0
    ds = load_dataset(out)
    assert ds.n == 6 and ds.d == 2
    assert main(["data", "gen", "gaussian", "--d", "2", "--out", str(out)]) == 2  # needs --n


def test_console_script_no_traceback(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"X": [[1, NaN]], "y": [1]}')
    proc = subprocess.run([sys.executable, "-m", "landscape.cli", "cells", str(p)], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
