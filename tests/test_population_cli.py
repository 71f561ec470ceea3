"""``landscape population`` (search, certify, spectrum) through a parser built like the CLI's."""

import argparse
import json
import math

import pytest

from landscape.app.population import add_parser
from landscape.errors import InputError


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def run(argv):
    """Parse and run like ``landscape.cli.main``: (exit status, parsed JSON or None)."""
    parser = _Parser(prog="landscape")
    add_parser(parser.add_subparsers(dest="command", required=True, parser_class=_Parser))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code, None
    try:
        return 0, json.loads(args.handler(args))
    except InputError as exc:
        assert "\n" not in str(exc)
        return 2, None


def _write(tmp_path, obj, name="W.json"):
    path = tmp_path / name
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return str(path)


def test_certify_identity(tmp_path):
    status, out = run(["population", "certify", _write(tmp_path, {"W": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]}), "--k", "3"])
    assert status == 0
    assert out["verdict"] == "local_minimum"
    low = (math.pi - 2) / (4 * math.pi)
    assert out["hessian_min_eig_lower"] <= low <= out["hessian_min_eig_upper"]
    assert {"loss", "radius", "hessian_min_eig_lower", "hessian_min_eig_upper"} <= set(out)
    assert out["loss"] == 0.0


def test_spectrum_identity(tmp_path):
    status, out = run(["population", "spectrum", _write(tmp_path, {"W": [[1.0 if i == j else 0.0 for j in range(5)]
                                                                         for i in range(5)]}), "--k", "5"])
    assert status == 0
    assert sum(c["multiplicity"] for c in out["clusters"]) == 25
    assert out["isotropy"] == "S_5" and out["isotypic_assignment"] is not None
    low = (math.pi - 2) / (4 * math.pi)
    assert out["clusters"][0]["lower"] <= low <= out["clusters"][0]["upper"]


def test_search_writes_summary(tmp_path):
    status, out = run(["population", "search", "--k", "4", "--runs", "6", "--seed", "1", "--steps", "4000",
                       "--out", str(tmp_path)])
    assert status == 0
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert on_disk["runs"] == out["runs"] == 6
    assert sum(f["count"] for f in on_disk["families"]) == 6
    for f in on_disk["families"]:
        assert {"loss", "count", "verdict", "radius", "hessian_min_eig_lower", "W"} <= set(f)
        assert f["verdict"] in ("local_minimum", "saddle", "undecided")
        assert len(f["W"]) == 4 and len(f["W"][0]) == 4
    assert 0.0 <= on_disk["share_spurious"] <= 1.0


@pytest.mark.parametrize("payload", [
    "not json",
    {"V": [[1, 0]]},
    {"W": [[1, 0], [0]]},
    {"W": [["a", 0], [0, 1]]},
    {"W": [[0, 0], [0, 1]]},          # a zero row: F is not differentiable
    {"W": [[1, 0, 0], [0, 1, 0]]},   # d does not match
])
def test_certify_bad_input_exits_2(tmp_path, payload):
    assert run(["population", "certify", _write(tmp_path, payload), "--k", "2"])[0] == 2


def test_non_finite_and_missing_file_exit_2(tmp_path):
    assert run(["population", "certify", _write(tmp_path, '{"W": [[NaN, 0], [0, 1]]}'), "--k", "2"])[0] == 2
    assert run(["population", "certify", str(tmp_path / "missing.json"), "--k", "2"])[0] == 2
    assert run(["population", "search", "--k", "2", "--runs", "0", "--seed", "0"])[0] == 2
    assert run(["population", "search", "--k", "3", "--d", "2", "--runs", "2", "--seed", "0"])[0] == 2
    assert run(["population", "search", "--k", "2", "--runs", "2", "--seed", "0",
                "--out", str(tmp_path / "missing" / "dir")])[0] == 2
    assert run(["population", "search", "--k", "2"])[0] == 2  # argparse: --runs and --seed are required


def test_parallel_rows_undecided(tmp_path):
    status, out = run(["population", "certify", _write(tmp_path, {"W": [[1, 0], [2, 0], [0, 1]]}), "--k", "2"])
    assert status == 0 and out["verdict"] == "undecided" and "parallel" in out["reason"]
