"""The analyse command: rows printed one by one, refused widths in their row, JSON output."""

import json
from fractions import Fraction

from landscape.cli import main

TEACHER = "data/examples/teacher_n4_d3.json"


def test_a_refused_width_is_printed_in_its_row_and_the_others_run(tmp_path, capsys):
    assert main(["analyse", TEACHER, "--lam", "1/100", "--width", "1,10", "--max-supports", "1000",
                 "--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["m", "K", "L*_m", "P_global"]
    assert lines[1].split()[0] == "1" and "refused" not in lines[1]
    assert lines[2].split()[0] == "10" and "refused" in lines[2] and "--max-supports" in lines[2]
    rows = json.loads((tmp_path / "summary.json").read_text())["rows"]
    assert Fraction(rows[0]["P_global"]) > 0 and rows[1]["P_global"] is None and "--samples" in rows[1]["reason"]


def test_json_format_prints_the_summary_object(capsys):
    assert main(["analyse", TEACHER, "--lam", "1/100", "--width", "2", "--format", "json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    (row,) = obj["rows"]
    assert row["m"] == 2 and row["L_star"]["method"] in ("equals_global", "exact_search", "branch_and_bound")
    Fraction(row["P_global"]), Fraction(row["uncertified"]["global"])
