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


# ---------------------------------------------------------------------------
# Range of values, standard input, output paths and atomic writes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1e400", "-1e309", 10**309, Fraction(10) ** 400, "2e308"])
def test_values_beyond_the_float_range_are_refused(value):
    from landscape.data import parse_rational

    with pytest.raises(InputError, match="floating-point range"):
        parse_rational(value, "X[0][0]")


def test_the_largest_double_and_tiny_values_are_kept_exactly():
    from landscape.data import parse_rational

    big = sys.float_info.max
    assert parse_rational(big) == Fraction(big) and float(parse_rational(repr(big))) == big
    tiny = parse_rational("1e-400")  # exact, its float copy is 0
    assert tiny == Fraction(1, 10**400)
    ds = Dataset.from_arrays([["1e-400", 1]], [0])
    assert ds.X_exact[0][0] == tiny and ds.X[0, 0] == 0.0


def test_a_csv_line_of_huge_numbers_is_not_taken_for_a_header(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("1e400,1e400\n1,2\n")
    with pytest.raises(InputError, match="line|floating-point range"):
        load_dataset(path)


@pytest.mark.parametrize("raw,n", [(b'{"X": [[1, 2]], "y": [3]}', 1), (b"a,b,y\n1,2,3\n4,5,6\n", 2)])
def test_load_from_standard_input(monkeypatch, raw, n):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    ds = load_dataset("-")
    assert ds.n == n and ds.name == "stdin"


def test_load_npz_from_standard_input(tmp_path, monkeypatch):
    import io

    ds = generate("gaussian", n=4, d=2, seed=1)
    save_dataset(ds, tmp_path / "d.npz")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((tmp_path / "d.npz").read_bytes())))
    assert np.array_equal(load_dataset("-").X, ds.X)


def test_output_path_checks(tmp_path):
    from landscape.data import check_output_dir, check_output_file

    (tmp_path / "f").write_text("x")
    (tmp_path / "d").mkdir()
    assert check_output_file(tmp_path / "new.json") == str(tmp_path / "new.json")
    assert check_output_file(tmp_path / "f") == str(tmp_path / "f")  # replaced when written
    for bad, needle in [(tmp_path / "d", "is a directory"), (tmp_path / "f" / "sub", "is a file"),
                        (tmp_path / "no" / "x.json", "does not exist"), ("", "empty")]:
        with pytest.raises(InputError, match=needle):
            check_output_file(bad)
    assert check_output_dir(tmp_path / "d") == str(tmp_path / "d")
    assert check_output_dir(tmp_path / "new") == str(tmp_path / "new")
    for bad, needle in [(tmp_path / "f", "not a directory"), (tmp_path / "f" / "sub", "is a file"),
                        (tmp_path / "no" / "new", "does not exist")]:
        with pytest.raises(InputError, match=needle):
            check_output_dir(bad)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "f"]  # nothing was created


def test_atomic_write_leaves_the_old_file_and_no_temporary_on_failure(tmp_path):
    from landscape.data import atomic_write

    target = tmp_path / "out.json"
    target.write_text("old")

    def fail(fh):
        fh.write("partial")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, fail)
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
    atomic_write(target, b"\x00\x01", binary=True)
    assert target.read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
