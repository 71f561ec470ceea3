"""The analyse and counterexample commands: output format, exit codes, round trip to check."""

import json
from fractions import Fraction

import pytest

from landscape.cli import main

ORTH = "data/examples/orthonormal_spurious.json"


def test_analyse_summary_json(tmp_path, capsys):
    assert main(["analyse", ORTH, "--lam", "17/100", "--width", "1,2,64", "--out", str(tmp_path)]) == 0
    table = capsys.readouterr().out
    assert "P_global" in table and "closed" not in table.split("\n")[0]
    obj = json.loads((tmp_path / "summary.json").read_text())
    assert [r["m"] for r in obj["rows"]] == [1, 2, 64]
    for r in obj["rows"]:
        assert {"m", "L_star", "P_global", "P_spurious", "P_bad", "method", "seconds"} <= set(r)
        assert r["method"] == "exact"
        Fraction(r["P_global"])  # exact rational strings
    assert Fraction(obj["rows"][0]["P_bad"]) > 0  # the lone negative neuron at width 1
    assert (tmp_path / "summary.csv").read_text().startswith("m,K,L_star")


@pytest.mark.parametrize("args,needle", [
    (["--lam", "17/100", "--width", "0"], "at least 1"),
    (["--lam", "17/100", "--width", ""], "empty"),
    (["--lam", "0", "--width", "1"], "lam"),
    (["--lam", "-1", "--width", "1"], "lam"),
    (["--lam", "abc", "--width", "1"], "not a number"),
])
def test_analyse_bad_input_exit_2(capsys, args, needle):
    assert main(["analyse", ORTH] + args) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_analyse_too_large_names_the_override(capsys):
    assert main(["analyse", "data/examples/teacher_n4_d3.json", "--lam", "1/100", "--width", "10",
                 "--max-supports", "1000"]) == 2
    err = capsys.readouterr().err
    assert "--samples" in err and "--max-supports" in err


def test_analyse_sampled_rows_carry_intervals(tmp_path):
    assert main(["analyse", "data/examples/teacher_n4_d3.json", "--lam", "1/100", "--width", "10",
                 "--samples", "30", "--out", str(tmp_path)]) == 0
    row = json.loads((tmp_path / "summary.json").read_text())["rows"][0]
    assert set(row["P_bad"]) == {"estimate", "low", "high", "samples"} and row["P_bad"]["samples"] == 30
    assert "sampled" in row["method"]


def test_counterexample_round_trip_through_check(tmp_path, capsys):
    out = tmp_path / "net.json"
    assert main(["counterexample", ORTH, "--lam", "17/100", "--width", "1", "--out", str(out)]) == 0
    net = json.loads(out.read_text())
    assert net["found"] and len(net["a"]) == 1
    capsys.readouterr()
    assert main(["check", ORTH, str(out), "--lam", "17/100"]) == 0
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["verdict"] == "spurious_local_minimum"


def test_counterexample_search_agrees_with_P_bad(capsys):
    """At width 2 orthonormal_spurious has P_bad = 7/128 > 0 and a counterexample (two
    parallel positive neurons on the hyperplane of x3); with all labels positive
    (orthonormal_n3) P_bad(1) = 0 and there is none."""
    assert main(["counterexample", ORTH, "--lam", "17/100", "--width", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["found"] is True
    assert main(["counterexample", "data/examples/orthonormal_n3.json", "--lam", "1/100", "--width", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["found"] is False


def test_interior_counterexample_round_trip_through_check(tmp_path, capsys):
    """An interior spurious minimum has irrational weights: the counterexample is polished to
    ~40 digits, the pointwise test cannot decide, and check applies the region certificate."""
    data, net = tmp_path / "d.json", tmp_path / "net.json"
    assert main(["data", "gen", "relu-teacher", "--n", "3", "--d", "2", "--seed", "1", "--out", str(data)]) == 0
    assert main(["counterexample", str(data), "--lam", "1/20", "--width", "1", "--out", str(net)]) == 0
    obj = json.loads(net.read_text())
    spurious_kinds = {"region_interior_minimum", "validated_critical_point"}
    assert obj["found"] and obj["certificate"]["type"] in spurious_kinds
    capsys.readouterr()
    assert main(["check", str(data), str(net), "--lam", "1/20"]) == 0
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["verdict"] == "spurious_local_minimum"
    assert verdict["certificate"]["type"] in spurious_kinds
