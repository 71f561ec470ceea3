"""Issue 16, exact parts: Figure 1 of Boursier et al. (2025) and the width laws.

The tightened convex optimum and the direction groups (regions/dual.py), the authors'
teacher data, the Figure 1 protocol script, the width-law claims and the HTML report.
"""

import base64
import importlib.util
import os
from fractions import Fraction

import pytest

from landscape.app import claims
from landscape.app.html_report import build_report, markdown_to_html, write_report
from landscape.convex.program import RegionProgram
from landscape.data import Dataset, load_dataset
from landscape.errors import InputError
from landscape.geometry.measures import sample_supports
from landscape.network.authors import authors_teacher_dataset
from landscape.regions import Landscape
from landscape.regions.dual import tightened_optimum

LAM = Fraction(1, 100)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _orthogonal(n):
    return Dataset.from_arrays([[int(i == j) for j in range(n)] for i in range(n)], [1] * (n - 1) + [-1])


def _script(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "scripts", f"{name}.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# -- the tightened optimum ------------------------------------------------------------

@pytest.mark.parametrize("n,d,seed", [(4, 5, 2), (4, 5, 3), (4, 3, 1)])
def test_tightened_optimum_is_a_proven_bracket_of_the_same_value(n, d, seed):
    prog = RegionProgram(authors_teacher_dataset(n, d, seed), LAM)
    glob = prog.global_optimum()
    tight = tightened_optimum(prog, glob)
    assert tight.certified
    assert tight.upper - tight.lower <= glob.upper - glob.lower
    assert tight.upper - tight.lower < Fraction(1, 10**12)
    # two proven brackets of V* must overlap
    assert tight.lower <= glob.upper and glob.lower <= tight.upper
    # the refined point uses no more cones than the solver's
    assert len(tight.cones_used) <= len(glob.cones_used)


@pytest.mark.parametrize("n", [5, 7])
def test_direction_groups_on_orthogonal_data_match_first_principles(n):
    """On X = I_n with y = (1, ..., 1, -1) the positive neuron can be carried by the 2 cones
    of patterns containing S+ and the negative one by the 2^(n-1) containing S- (these
    failed to verify before the optimum was tightened)."""
    land = Landscape(_orthogonal(n), LAM)
    groups = land.direction_groups()
    assert groups is not None and sorted(len(G) for G in groups) == [2, 2 ** (n - 1)]
    for m in (2, 10, 4 * 2**n):
        assert land.p_global_exact(m)[0] == claims._orthogonal_p_global(n, n - 1, m)


@pytest.mark.slow
def test_a_group_below_the_tolerance_is_not_a_group():
    """n=6, d=5, dataset 0: one optimal neuron is so small that dropping it raises V by
    less than the tolerance within which a support counts as global.  The groups must then
    not verify (they would call such supports non-global while the classifier calls them
    global), and the up-set's verdict agrees with the classifier on sampled supports."""
    land = Landscape(authors_teacher_dataset(6, 5, 0), LAM)
    assert land.direction_groups() is None
    minimal, undecided = land.global_upset()
    assert minimal and not undecided
    A = set(land.active_cones())
    for S in sample_supports(land.measure, 160, 25, seed=3):
        in_upset = any(set(M) <= set(S) & A for M in minimal)
        assert land.classifier.global_of(land.V(S), 160) is in_upset


# -- the authors' data and the Figure 1 script -----------------------------------------

def test_authors_teacher_dataset_is_their_generator():
    import numpy as np

    ds = authors_teacher_dataset(4, 3, 7)
    rng = np.random.default_rng(7)
    X, W, alpha = rng.standard_normal((4, 3)), rng.standard_normal((10, 3)), rng.standard_normal(10)
    assert ds.features.tolist() == X.tolist()
    assert np.allclose(ds.y, np.maximum(X @ W.T, 0) @ alpha, rtol=0, atol=1e-15)


@pytest.mark.slow
def test_figure1_protocol_flags_only_certified_saddles():
    fig = _script("figure1_protocol")
    _, rows, flagged = fig.run_dataset(4, 3, 2, [10, 40], 20, budget=120, exact_limit=3000, log=lambda s: None)
    assert [r["m"] for r in rows] == [10, 40]
    assert rows[1]["P_bad"] == 0 and rows[1]["P_bad_method"] == "exact (m > K)"  # K = 28 < 40
    assert all(r["P_global_method"].startswith("exact") for r in rows)
    assert flagged and all(f["descent"] for f in flagged)
    assert sum(r["authors_bad_count"] for r in rows) == len(flagged)
    for r in rows:  # the certified-global share of 20 regions is within its Wilson interval's reach
        assert 0 <= r["P_global_low"] <= r["P_global"] <= r["P_global_high"] <= 1


@pytest.mark.slow
def test_shipped_figure1_certificates_are_saddles():
    """Re-prove, from fresh certified solves on the shipped datasets, the descent of one
    flagged region per (n, d) in data/results/figure1_protocol_flagged.json."""
    import json

    with open(os.path.join(ROOT, "data", "results", "figure1_protocol_flagged.json")) as fh:
        flagged = json.load(fh)
    assert flagged and all(f["class"] == "boundary_descent" and f["descent"] for f in flagged)
    first = {}
    for f in flagged:
        first.setdefault((f["n"], f["d"]), f)
    assert len(first) >= 6
    for (n, d), f in sorted(first.items())[:6]:
        path = os.path.join(ROOT, "data", "results", "figure1_protocol_datasets", f"n{n}_d{d}_s{f['dataset']}.json")
        prog = RegionProgram(load_dataset(path), LAM)
        glob = prog.global_optimum()
        assert claims._recheck_saddle(prog, glob, tuple(f["support"]), f["m"], f["descent"]), f


def test_width_law_closed_form_agrees_with_the_claims_formula():
    laws = _script("width_laws")
    for n in (3, 6, 9):
        for m in (1, 7, 100):
            assert laws.p_global_closed_form(n, n - 1, 1, m) == claims._orthogonal_p_global(n, n - 1, m)
        assert laws.smallest_width_closed_form(n, n - 1, 1, Fraction(1, 100)) == \
            claims._first_width(lambda m: claims._orthogonal_p_global(n, n - 1, m), Fraction(99, 100))


@pytest.mark.parametrize("name,tasks", [("figure1_protocol", 40 * 8), ("width_law_necessity", 6 * 8),
                                        ("width_law_sufficiency", 28 * 16)])
def test_bundled_sweeps_expand_to_the_protocol(name, tasks):
    from landscape.app.sweep import load_sweep

    sw = load_sweep(os.path.join(ROOT, "data", "sweeps", f"{name}.toml"))
    assert sw.name == name and len(sw.tasks) == tasks
    if name == "figure1_protocol":  # the shipped files are the authors' generator's datasets
        ds = load_dataset(os.path.join(ROOT, "data", "results", "figure1_protocol_datasets", "n6_d10_s4.json"))
        assert ds.content_hash() == authors_teacher_dataset(6, 10, 4).content_hash()
        assert sorted({t.params["m"] for t in sw.tasks if t.kind == "analyse"}) == [10, 20, 40, 80, 160, 320, 640]


# -- claims ---------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("name", ["boursier-authors-test-accepts-saddles", "boursier-necessity-width-law",
                                  "boursier-sufficiency-width-law"])
def test_reproduction_claims_pass(name):
    (row,) = claims.run_claims([name])
    assert row.status == "pass", row


# -- the report -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from landscape.app.store import Store
    from landscape.app.sweep import load_sweep, run_sweep

    folder = tmp_path_factory.mktemp("report")
    sweep = folder / "s.toml"
    sweep.write_text(f'''
[sweep]
name = "tiny"
[[dataset]]
file = "{os.path.join(ROOT, 'data', 'examples', 'orthonormal_spurious.json')}"
[[task]]
kind = "analyse"
lam = "17/100"
m = [1, 2]
[[task]]
kind = "optimum"
lam = "17/100"
''')
    db = folder / "r.sqlite"
    with Store(db) as st:
        run_sweep(load_sweep(sweep), st, workers=1, progress=False)
    return db


def _images(html):
    import re

    return [base64.b64decode(s) for s in re.findall(r'src="data:image/png;base64,([^"]+)"', html)]


def test_report_holds_every_table_and_figure(store, tmp_path):
    (tmp_path / "res").mkdir()
    (tmp_path / "res" / "law.md").write_text("## A law\n\n| n | m* |\n|---|---|\n| 3 | 35 |\n")
    png = _images(build_report(store))[0]
    (tmp_path / "res" / "law.png").write_bytes(png)
    out = tmp_path / "report.html"
    info = write_report(store, out, results=tmp_path / "res")
    html = out.read_text()
    assert info["sweeps"] == 1 and info["figures"] == 3  # P_global, P_spurious, law.png
    assert html.count("<table") >= 4  # counts, analyse, optimum, law.md
    import re

    text = re.sub(r'src="data:image/png;base64,[^"]+"', "", html)
    assert "<td>0.0546875</td>" in text  # P_bad(2) = 7/128 (README), printed as a decimal
    assert all(img.startswith(b"\x89PNG\r\n\x1a\n") for img in _images(html))
    assert "<td>35</td>" in html and "src=\"http" not in html  # self-contained


def test_report_bad_input(store, tmp_path, capsys):
    from landscape.cli import main

    with pytest.raises(InputError, match="no such results store"):
        build_report(tmp_path / "missing.sqlite")
    assert main(["report", str(tmp_path / "missing.sqlite"), "--out", str(tmp_path / "r.html")]) == 2
    assert main(["report", str(store), "--out", str(tmp_path / "no" / "r.html")]) == 2
    assert main(["report", str(store), "--out", str(tmp_path / "r.html"), "--results", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(line.startswith("landscape report: error:") for line in err)
    assert not (tmp_path / "r.html").exists()
    assert main(["report", str(store), "--out", str(tmp_path / "r.html")]) == 0
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")


def test_markdown_is_escaped():
    html = markdown_to_html("a <script>alert(1)</script> **b**\n\n| x |\n|---|\n| <i> |")
    assert "<script>" not in html and "&lt;script&gt;" in html and "<strong>b</strong>" in html
    assert "&lt;i&gt;" in html
