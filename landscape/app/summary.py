r"""Rendering of :func:`~landscape.regions.landscape.analyse` results: text table, summary files.

Every proportion is written by the one renderer
:func:`~landscape.results.proportion.render_proportion`; files are written atomically
(:func:`~landscape.data.atomic_write`).

The table has fixed column widths, so rows can be printed one by one as their widths
finish (:func:`table_header`, :func:`row_line`) and the footer (:func:`table_footer`) at
the end; :func:`text_table` is the three together.

Examples
--------
>>> from landscape.data import Dataset
>>> from landscape.regions.landscape import analyse
>>> res = analyse(Dataset.from_arrays([[1, 0], [0, 1]], [1, -1]), "1/10", [2])
>>> print(row_line(res["rows"][0]).split()[:4])
['2', '8', '0.36', '1/8']
"""

from __future__ import annotations

import csv
import os

from ..data import atomic_write
from ..results.proportion import SampledProportion, render_proportion
from ..results.serialize import dumps

__all__ = ["table_header", "row_line", "table_footer", "text_table", "summary_obj", "summary_files",
           "worst_uncertified"]

_HEAD = ["m", "K", "L*_m", "P_global", "P_spurious", "P_bad", "stationary(authors)", "uncertified", "method", "s"]
_WIDTHS = [4, 4, 14, 26, 26, 26, 26, 26, 10, 7]


def worst_uncertified(unc):
    """The largest of the uncertified masses of the proportions (for display), or None."""
    values = [v for v in unc.values() if v is not None]
    return max(values, key=float) if values else None


def _fmt(cells):
    return "  ".join(c.rjust(w) for c, w in zip(cells, _WIDTHS))


def table_header():
    """The header line of the text table."""
    return _fmt(_HEAD)


def _L_text(Ls):
    if Ls is None:
        return "-"
    if Ls.certified:
        return f"{Ls.value:.10g}"
    return f"[{float(Ls.lower):.6g}, {float(Ls.upper):.6g}]"


def row_line(r):
    """One row of the text table; a refused width shows its reason instead."""
    if r.reason and r.P_global is None:
        return _fmt([str(r.m), str(r.K)]) + "  refused: " + r.reason
    cells = [str(r.m), str(r.K), _L_text(r.L_star)]
    cells += [render_proportion(p) for p in (r.P_global, r.P_spurious, r.P_bad, r.P_stationary)]
    cells += [render_proportion(worst_uncertified(r.uncertified)), r.method, f"{r.seconds:.2f}"]
    line = _fmt(cells)
    if r.L_star is not None and r.L_star.method == "branch_and_bound":
        line += f"  (L*_m by branch and bound, {r.L_star.programs:,} solves)"
    if r.L_star is not None and not r.L_star.certified:
        line += f"  L*_m bracketed: {r.L_star.reason}"
    return line


def table_footer(result):
    """The lines after the rows: V*, the smallest width, the measure, the closed form."""
    out = []
    sw = result["smallest_width"]
    out.append(f"V* = {result['V_star']['value']:.10g} (certified {result['V_star']['certified']}), "
               f"K = {result['K']} signed cones; smallest m with P_global >= 1 - {sw['eps']}: {sw['m']} "
               f"(paper scale min(n^d, 2^n) = {sw['paper_scale_min_n^d_2^n']})")
    md = result["measure_detail"]
    if result["measure"] != "uniform":
        out.append(f"measure {result['measure']}: cone probabilities by {md['method']}, error <= {md['error']:.2g} each"
                   + (f" ({md['samples']} samples)" if md.get("samples") else ""))
    closed = next((r.closed_form for r in result["rows"] if r.closed_form), None)
    if closed:
        out.append(f"P_global(m) = {closed}   (for m >= {result['landscape'].m0})")
    return "\n".join(out)


def text_table(result):
    """Human-readable table: one line per width, then the footer."""
    return "\n".join([table_header()] + [row_line(r) for r in result["rows"]] + [table_footer(result)])


def summary_obj(result):
    """The JSON-ready ``summary.json`` object of an :func:`analyse` result."""
    out = {k: v for k, v in result.items() if k not in ("rows", "landscape")}
    out["rows"] = [r.to_json_obj() for r in result["rows"]]
    return out


_PROPS = ("P_global", "P_spurious", "P_bad", "P_stationary")


def _csv_row(r):
    """A CSV row: estimates (exact values as p/q), then the sampled intervals."""
    Ls = r.L_star
    flat = lambda p: p.estimate if isinstance(p, SampledProportion) else render_proportion(p, "json")  # noqa: E731
    ends = []
    for name in _PROPS:
        p = getattr(r, name)
        ends += [p.low, p.high] if isinstance(p, SampledProportion) else ["", ""]
    return [r.m, r.K, "" if Ls is None else Ls.value, "" if Ls is None else str(Ls.lower),
            "" if Ls is None else str(Ls.upper), *(flat(getattr(r, name)) for name in _PROPS),
            *(flat(r.uncertified.get(k)) for k in ("global", "spurious", "bad")),
            r.method, round(r.seconds, 3), *ends, r.reason or ""]


def summary_files(result, out_dir):
    """Write ``summary.json`` and ``summary.csv`` into ``out_dir`` (created if needed)."""
    os.makedirs(out_dir, exist_ok=True)
    text = dumps(summary_obj(result))
    atomic_write(os.path.join(out_dir, "summary.json"), text + "\n")
    cols = ["m", "K", "L_star", "L_star_lower", "L_star_upper", "P_global", "P_spurious", "P_bad",
            "P_stationary_authors", "uncertified_global", "uncertified_spurious", "uncertified_bad",
            "method", "seconds"]
    cols += [f"{p}_{end}" for p in ("P_global", "P_spurious", "P_bad", "P_stationary_authors") for end in ("low", "high")]
    cols += ["reason"]

    def write(fh):
        w = csv.writer(fh)
        w.writerow(cols)
        for r in result["rows"]:
            w.writerow(_csv_row(r))

    atomic_write(os.path.join(out_dir, "summary.csv"), write)
