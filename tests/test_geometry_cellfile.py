"""Cell files (landscape.geometry.cellfile): text formats checked against the exact cells,
and the npz round trip."""

import json
import os
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape.data import generate, save_dataset
from landscape.errors import InputError
from landscape.geometry import cells_csv, cells_json, enumerate_cells, load_cells, write_cells_npz


def _same(a, b):
    assert (a.n, a.dim, a.count, a.bias, a.rank) == (b.n, b.dim, b.count, b.bias, b.rank)
    assert a.rows_exact == b.rows_exact
    assert np.array_equal(a.patterns, b.patterns)
    assert np.array_equal(a.class_signs, b.class_signs)
    assert np.array_equal(np.asarray(a.witness_matrix, dtype=object), np.asarray(b.witness_matrix, dtype=object))


CASES = [generate("gaussian", n=12, d=3, seed=0), generate("hypercube", d=3, bias=True),
         [[1, 0], [2, 0], [-1, 0], [0, 0], [0, 1], [1, 1]],  # duplicate, antipodal, zero rows
         [[10**20 + i, 3 * i - 7, 10**19 - i * i] for i in range(6)]]  # witnesses beyond int64?


@pytest.mark.parametrize("data", CASES)
def test_npz_round_trip_equals_the_arrangement(tmp_path, data):
    arr = enumerate_cells(data)
    path = str(tmp_path / "c.npz")
    write_cells_npz(arr, path, adjacency=True)
    back = load_cells(path)
    _same(back, arr)
    with np.load(path) as z:
        assert np.array_equal(z["adjacency"], arr.adjacent_pairs())
        assert z["patterns"].shape == (arr.count, (arr.n + 7) // 8)


def test_npz_keeps_witnesses_beyond_64_bits(tmp_path):
    arr = enumerate_cells([[1, 0], [0, 1]])
    big = np.array([[v * 10**30 for v in row] for row in arr.witness_matrix.tolist()], dtype=object)
    arr._W = big  # still interior: positive multiples
    path = str(tmp_path / "big.npz")
    write_cells_npz(arr, path)
    assert load_cells(path).witness_matrix.tolist() == big.tolist()


@settings(max_examples=20, deadline=None)
@given(rows=st.lists(st.lists(st.integers(-3, 3), min_size=2, max_size=3), min_size=1, max_size=7)
       .filter(lambda rs: len({len(r) for r in rs}) == 1 and any(any(r) for r in rs)))
def test_npz_round_trip_random(rows, tmp_path_factory):
    arr = enumerate_cells(rows)
    path = str(tmp_path_factory.mktemp("c") / "c.npz")
    write_cells_npz(arr, path)
    _same(load_cells(path), arr)


def _exact_pattern(x_rows, w):
    return "".join("1" if sum((Fraction(a) * Fraction(b) for a, b in zip(x, w)), Fraction(0)) > 0 else "0"
                   for x in x_rows)


@pytest.mark.parametrize("data", CASES[:3])
def test_json_and_csv_cells_are_exact(data):
    """Every printed witness has, in exact arithmetic, the printed pattern; patterns are distinct."""
    arr = enumerate_cells(data)
    cells = json.loads(cells_json(arr))["cells"]
    lines = cells_csv(arr).splitlines()
    assert len(cells) == len(lines) - 1 == arr.count
    assert len({c["pattern"] for c in cells}) == arr.count
    for k, (c, line) in enumerate(zip(cells, lines[1:])):
        w = [Fraction(v) for v in c["witness"]]
        assert c["pattern"] == _exact_pattern(arr.rows_exact, w)
        assert line.split(",") == [str(k), c["pattern"]] + c["witness"]


def test_json_matches_the_dict_form_and_adjacency():
    arr = enumerate_cells(generate("hypercube", d=2, bias=True))
    facets = arr.adjacency()
    obj = json.loads(cells_json(arr, facets))
    assert obj["count"] == arr.count == 14 and obj["bias"] is True and obj["d"] == 2
    assert obj["adjacency"] == [f.to_json_obj() for f in facets]
    assert arr.to_json_obj() == {k: v for k, v in obj.items() if k != "adjacency"}


def test_load_cells_rejects_bad_files(tmp_path):
    bad = tmp_path / "x.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(InputError):
        load_cells(str(bad))
    np.savez(str(tmp_path / "other.npz"), a=np.zeros(2))
    with pytest.raises(InputError, match="not a landscape cell file"):
        load_cells(str(tmp_path / "other.npz"))
    arr = enumerate_cells([[1, 0], [0, 1], [1, 1]])
    path = str(tmp_path / "c.npz")
    write_cells_npz(arr, path)
    with np.load(path) as z:
        content = {k: z[k] for k in z.files}
    content["witnesses"] = -content["witnesses"]  # every witness now in the opposite cell
    np.savez(str(tmp_path / "corrupt.npz"), **content)
    with pytest.raises(InputError, match="corrupted"):
        load_cells(str(tmp_path / "corrupt.npz"))


def test_cli_cells_npz(tmp_path, capsys):
    from landscape.cli import main

    ds = generate("gaussian", n=10, d=3, seed=3)
    data = tmp_path / "d.json"
    save_dataset(ds, data)
    out = tmp_path / "c.npz"
    assert main(["cells", str(data), "--format", "npz", "--out", str(out)]) == 0
    _same(load_cells(str(out)), enumerate_cells(ds))
    assert main(["cells", str(data), "--format", "npz"]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["cells", str(data), "--format", "csv", "--out", str(tmp_path / "c.csv")]) == 0
    assert os.path.getsize(tmp_path / "c.csv") > 0
