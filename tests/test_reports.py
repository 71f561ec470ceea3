"""Tables (csv / markdown / LaTeX booktabs) with certified bounds, and figures."""

import csv
import io
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape.errors import InputError
from landscape.app.reports import plot_figure, render_table, round_directed

fractions = st.fractions(min_value=-10**8, max_value=10**8, max_denominator=10**9).filter(lambda q: q != 0)


@settings(max_examples=300, deadline=None)
@given(q=fractions, digits=st.integers(1, 12))
def test_directed_rounding_brackets_the_exact_value(q, digits):
    lo = Fraction(round_directed(q, digits, up=False))
    hi = Fraction(round_directed(q, digits, up=True))
    assert lo <= q <= hi
    # and it is tight: within one unit in the last printed place
    assert hi - lo <= 2 * abs(q) / 10 ** (digits - 1)


def test_directed_rounding_examples():
    assert round_directed(Fraction(2, 3), 4, up=False) == "0.6666"
    assert round_directed(Fraction(2, 3), 4, up=True) == "0.6667"
    assert round_directed(Fraction(9999, 10000), 2, up=True) == "1.0"
    assert round_directed(Fraction(123456789), 3, up=True) == "1.24e+8"
    assert round_directed(Fraction(1, 10**7), 2, up=False) == "1.0e-7"
    assert round_directed(Fraction(5), 3, up=False) == "5.00"


def test_interval_objects_print_with_their_bounds():
    rows = [("a_b", '{"lower": "1/3", "upper": "2/3", "value": 0.5}', 3), ("c", None, 4)]
    md = render_table(["name", "V", "m"], rows, "markdown", digits=3)
    assert "| a_b | 0.5 [0.333, 0.667] | 3 |" in md
    assert "| c | -- | 4 |" in md
    tex = render_table(["name", "V", "m"], rows, "latex", digits=3, caption="50% done", label="tab:x")
    assert r"a\_b & $0.5\ [0.333, 0.667]$ & 3 \\" in tex
    assert r"\caption{50\% done}" in tex and r"\label{tab:x}" in tex
    for rule in (r"\toprule", r"\midrule", r"\bottomrule"):
        assert tex.count(rule) == 1
    assert r"\begin{tabular}{lrr}" in tex


def test_csv_keeps_bounds_exact():
    rows = [(1, '{"lower": "1/3", "upper": "2/3"}'), (2, "plain")]
    out = list(csv.reader(io.StringIO(render_table(["m", "V"], rows, "csv"))))
    assert out[0] == ["m", "V", "V_lower", "V_upper"]
    assert out[1] == ["1", "", "1/3", "2/3"]
    assert out[2] == ["2", "plain", "", ""]


def test_bound_columns_fold_into_one():
    names = ["m", "V", "V_lower", "V_upper", "note"]
    md = render_table(names, [(1, 0.25, "1/5", "3/10", "x")], "markdown", digits=2)
    assert md.splitlines()[0] == "| m | V | note |"
    assert "| 1 | 0.25 [0.20, 0.30] | x |" in md


def test_bad_format_and_digits():
    with pytest.raises(InputError, match="unknown table format"):
        render_table(["a"], [(1,)], "html")
    with pytest.raises(InputError, match="digits"):
        render_table(["a"], [(1,)], "markdown", digits=0)


@pytest.mark.parametrize("ext", ["png", "pdf"])
def test_plot_writes_a_figure(tmp_path, ext):
    out = tmp_path / f"f.{ext}"
    rows = [(10, 0.5, 28, "a"), (20, '{"lower": 0.6, "upper": 0.8}', 28, "a"), (10, 0.1, 40, "b")]
    plot_figure(["m", "p", "K", "g"], rows, "m", "p", out, group="g", vline="K", xlog=True)
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG" if ext == "png" else b"%PDF")


def test_plot_errors(tmp_path):
    with pytest.raises(InputError, match="png or .pdf"):
        plot_figure(["m", "p"], [(1, 2)], "m", "p", tmp_path / "f.svg")
    with pytest.raises(InputError, match="column 'q' is not in"):
        plot_figure(["m", "p"], [(1, 2)], "m", "q", tmp_path / "f.png")
    with pytest.raises(InputError, match="no rows"):
        plot_figure(["m", "p"], [], "m", "p", tmp_path / "f.png")


def test_cli_table_and_plot_end_to_end(tmp_path, capsys):
    from landscape.cli import main

    sweep = tmp_path / "s.toml"
    sweep.write_text('[sweep]\nname = "t"\n[[dataset]]\ngenerator = "gaussian"\nn = [3, 4]\nd = 2\n'
                     '[[task]]\nkind = "cells"\n')
    db = str(tmp_path / "r.sqlite")
    assert main(["sweep", str(sweep), "--store", db, "--workers", "1", "--no-progress"]) == 0
    capsys.readouterr()
    q = ("SELECT json_extract(result, '$.n') AS n, json_extract(result, '$.count') AS cells, "
         "json_extract(result, '$.signed_cones') AS K FROM results ORDER BY n")
    assert main(["table", db, "--query", q, "--format", "csv"]) == 0
    assert capsys.readouterr().out.split() == ["n,cells,K", "3,6,12", "4,8,16"]  # Cover: 2n cells in d=2
    assert main(["table", db, "--query", "DROP TABLE tasks"]) == 2
    assert "only SELECT" in capsys.readouterr().err
    assert main(["plot", db, "--query", q, "--x", "n", "--y", "cells", "--vline", "K",
                 "--out", str(tmp_path / "f.png")]) == 0
    assert (tmp_path / "f.png").exists()


def test_plot_points_carry_interval_and_sampled_bounds():
    from landscape.app.reports import _point

    assert _point((2, '{"lower": "1/4", "upper": "3/4"}'), 0, 1, "m", "p") == (2.0, 0.5, 0.25, 0.75)
    assert _point((2, '{"lower": 0.1, "upper": 0.9, "value": 0.2}'), 0, 1, "m", "p") == (2.0, 0.2, 0.1, 0.9)
    sampled = '{"estimate": 0.3, "low": 0.1, "high": 0.6, "samples": 20}'
    assert _point((4, sampled), 0, 1, "m", "p") == (4.0, 0.3, 0.1, 0.6)
    assert _point((4, "1/8"), 0, 1, "m", "p") == (4.0, 0.125, 0.125, 0.125)
    with pytest.raises(InputError, match="column 'p' has a non-numeric value None"):
        _point((4, None), 0, 1, "m", "p")


def test_plot_refuses_an_all_null_grouping_column(tmp_path):
    with pytest.raises(InputError, match="grouping column 'g' is NULL in every row"):
        plot_figure(["m", "p", "g"], [(1, 2, None), (2, 3, None)], "m", "p", tmp_path / "f.png", group="g")
    assert not (tmp_path / "f.png").exists()


def test_log_axes_have_plain_ticks_at_the_data():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from landscape.app.reports import _plain_log_ticks

    fig, ax = plt.subplots()
    ax.plot([1, 2, 4, 64], [1, 2, 3, 4])
    ax.set_xscale("log")
    _plain_log_ticks(ax.xaxis, [1, 2, 4, 64])
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "4", "64"]
    plt.close(fig)


def test_plot_legend_is_outside_the_axes(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    seen = {}
    real_close = plt.close

    def close(fig):
        fig.canvas.draw()
        ax = fig.axes[0]
        legend = ax.get_legend().get_window_extent()
        seen["outside"] = legend.x0 >= ax.get_window_extent().x1
        real_close(fig)

    monkeypatch.setattr(plt, "close", close)
    rows = [(1, 0.5, "a"), (2, 0.6, "a"), (1, 0.1, "b"), (2, 0.2, "b")]
    plot_figure(["m", "p", "g"], rows, "m", "p", tmp_path / "f.png", group="g")
    assert seen["outside"]
