r"""Tables and figures from a results store.

:func:`render_table` turns the rows of a read-only SQL query on the store
(:meth:`landscape.app.store.Store.query`) into CSV, Markdown or LaTeX (booktabs).
:func:`plot_figure` draws one series per group with matplotlib and saves PNG or PDF.

Certified bounds
----------------
A value that carries certified bounds prints *with* them.  Two forms are recognised:

* a JSON object with ``"lower"`` and ``"upper"`` (and optionally ``"value"``), as task
  results store intervals: ``json_extract(result, '$.objective')``;
* three columns ``X``, ``X_lower``, ``X_upper`` (or just the two bounds) of one query.

Bounds are rational (``"p/q"`` text) or numbers; they are rounded *outwards* (lower down,
upper up) to the requested significant digits, so the printed interval still contains the
certified one.  CSV keeps them exact in separate ``X_lower``/``X_upper`` columns.

Examples
--------
>>> print(render_table(["m", "V"], [(10, '{"lower": "1/3", "upper": "1/2"}')], "markdown", digits=3))
| m | V |
|---:|---:|
| 10 | [0.333, 0.500] |
>>> print(render_table(["m", "V_lower", "V_upper"], [(10, "1/3", "1/2")], "latex", digits=3))
\begin{tabular}{rr}
\toprule
m & V \\
\midrule
10 & $[0.333, 0.500]$ \\
\bottomrule
\end{tabular}
>>> print(render_table(["m", "P"], [(8, '{"estimate": 0.25, "low": 0.1, "high": 0.5, "samples": 20}')],
...                    "markdown", digits=2))
| m | P |
|---:|:---|
| 8 | 0.25 (95% CI 0.1-0.5, N=20) |
>>> round_directed(Fraction(1, 3), 3, up=True), round_directed(Fraction(-1, 3), 3, up=True)
('0.334', '-0.333')
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from dataclasses import dataclass
from fractions import Fraction

from ..errors import InputError


__all__ = ["render_table", "write_rows_csv", "plot_figure", "round_directed", "Interval", "FORMATS"]

FORMATS = ("csv", "markdown", "latex")


@dataclass(frozen=True)
class Interval:
    """A value with certified bounds ``lower <= value <= upper`` (value optional)."""

    lower: Fraction
    upper: Fraction
    value: object = None


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------


def _as_fraction(v):
    if isinstance(v, Fraction):
        return v
    if isinstance(v, bool) or v is None:
        raise ValueError(v)
    if isinstance(v, int):
        return Fraction(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(v)
        return Fraction(v)
    if isinstance(v, str):
        return Fraction(v.strip())
    raise ValueError(v)


def round_directed(q, digits, up) -> str:
    """Decimal text of ``q`` to ``digits`` significant digits, rounded up or down.

    The result is exact: ``up=True`` never prints less than ``q``, ``up=False`` never more.
    """
    q = Fraction(q)
    if q == 0:
        return "0"
    e = math.floor(math.log10(abs(float(q)))) if abs(float(q)) > 0 else 0
    # correct the exponent exactly (float log10 can be off by one near powers of ten)
    while abs(q) >= Fraction(10) ** (e + 1):
        e += 1
    while abs(q) < Fraction(10) ** e:
        e -= 1
    shift = digits - 1 - e
    scaled = q * Fraction(10) ** shift
    n = math.ceil(scaled) if up else math.floor(scaled)
    if abs(n) == 10**digits:  # rounding carried into a new digit
        shift -= 1
        n = n // 10 if n > 0 else -((-n) // 10)
    return _decimal_text(n, shift)


def _decimal_text(n, shift):
    """Text of ``n * 10**-shift``; scientific notation outside 1e-4 .. 1e6."""
    sign = "-" if n < 0 else ""
    digits = str(abs(n))
    exponent = len(digits) - 1 - shift
    if -4 <= exponent < 6:
        if shift <= 0:
            return sign + digits + "0" * (-shift)
        digits = digits.rjust(shift + 1, "0")
        return sign + digits[:-shift] + "." + digits[-shift:]
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mantissa}e{exponent:+d}"


def _format_number(v, digits):
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            return str(v)
        return f"{v:.{digits}g}"
    if isinstance(v, Fraction):
        return str(v.numerator) if v.denominator == 1 else f"{float(v):.{digits}g}"
    return None


@dataclass(frozen=True)
class Estimate:
    """A sampled proportion with its Wilson 95% interval (statistical, not certified)."""

    estimate: float
    low: float
    high: float
    samples: int | None = None


def _parse_cell(v):
    """A query value as Interval, Fraction (from "p/q" text), number or text."""
    if isinstance(v, str):
        t = v.strip()
        if t.startswith("{"):
            try:
                obj = json.loads(t)
            except ValueError:
                return v
            if isinstance(obj, dict) and "lower" in obj and "upper" in obj:
                try:
                    return Interval(_as_fraction(obj["lower"]), _as_fraction(obj["upper"]), obj.get("value"))
                except (ValueError, ZeroDivisionError, TypeError):
                    return v
            if isinstance(obj, dict) and {"estimate", "low", "high"} <= set(obj):
                return Estimate(obj["estimate"], obj["low"], obj["high"], obj.get("samples"))
            return v
        if "/" in t:
            try:
                return Fraction(t)
            except (ValueError, ZeroDivisionError):
                return v
    return v


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------


def _merge_bound_columns(names, rows):
    """Fold ``X_lower``/``X_upper`` columns into ``X`` as Interval values."""
    names = list(names)
    groups = []  # (base, index of value or None, index lower, index upper)
    used = set()
    for i, nm in enumerate(names):
        if nm.endswith("_lower"):
            base = nm[: -len("_lower")]
            if base + "_upper" in names:
                j = names.index(base + "_upper")
                k = names.index(base) if base in names else None
                groups.append((base, k, i, j))
                used.update({i, j})
    if not groups:
        return names, [list(r) for r in rows]
    out_names, plan = [], []
    first_of = {}
    for base, k, i, j in groups:
        first_of[min(x for x in (k, i, j) if x is not None)] = (base, k, i, j)
    for idx, nm in enumerate(names):
        if idx in first_of:
            base, k, i, j = first_of[idx]
            out_names.append(base)
            plan.append(("interval", k, i, j))
        elif idx in used or any(idx == g[1] for g in groups):
            continue
        else:
            out_names.append(nm)
            plan.append(("plain", idx))
    out_rows = []
    for r in rows:
        new = []
        for p in plan:
            if p[0] == "plain":
                new.append(r[p[1]])
            else:
                _, k, i, j = p
                if r[i] is None or r[j] is None:
                    new.append(r[k] if k is not None else None)
                    continue
                try:
                    new.append(Interval(_as_fraction(r[i]), _as_fraction(r[j]), r[k] if k is not None else None))
                except (ValueError, ZeroDivisionError, TypeError):
                    new.append(f"{r[i]}..{r[j]}")
        out_rows.append(new)
    return out_names, out_rows


def _text(v, digits, fmt):
    if v is None:
        return "" if fmt == "csv" else "--"
    if isinstance(v, Estimate):  # sampled: a statistical interval, printed differently
        dash, pct = ("--", "\\%") if fmt == "latex" else ("-", "%")
        return (f"{_format_number(v.estimate, digits)} (95{pct} CI {_format_number(v.low, digits)}{dash}"
                f"{_format_number(v.high, digits)}, N={v.samples})")
    if isinstance(v, Interval):
        lo = round_directed(v.lower, digits, up=False)
        hi = round_directed(v.upper, digits, up=True)
        body = f"[{lo}, {hi}]"
        if v.value is not None:
            val = _format_number(_parse_cell(v.value) if isinstance(v.value, str) else v.value, digits) or str(v.value)
            body = f"{val} {body}" if fmt != "latex" else f"{val}\\ {body}"
        return f"${body}$" if fmt == "latex" else body
    num = _format_number(v, digits)
    if num is not None:
        return num
    return _latex_escape(str(v)) if fmt == "latex" else str(v)


_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _latex_escape(text):
    return "".join(_LATEX_SPECIAL.get(c, c) for c in text)


def _numeric_column(values):
    vals = [v for v in values if v is not None]
    return bool(vals) and all(isinstance(v, (int, float, Fraction, Interval)) and not isinstance(v, bool)
                              for v in vals)


def render_table(names, rows, fmt="markdown", digits=6, caption=None, label=None) -> str:
    """Render query rows as ``csv``, ``markdown`` or ``latex`` (booktabs) text.

    Parameters
    ----------
    names : list of str
        Column names (from the query).
    rows : list of tuples
        Values: numbers, text, ``"p/q"`` rationals, JSON interval objects (see module).
    fmt : {"csv", "markdown", "latex"}
    digits : int
        Significant digits for floats and (outward-rounded) bounds.
    caption, label : str, optional
        LaTeX only: wrap the tabular in a ``table`` environment with these.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown table format {fmt!r}; choose from {', '.join(FORMATS)}")
    if not isinstance(digits, int) or digits < 1:
        raise InputError(f"digits must be a positive integer, got {digits!r}")
    if fmt == "csv":
        return _render_csv(names, rows)
    names, rows = _merge_bound_columns(names, [[_parse_cell(v) for v in r] for r in rows])
    columns = list(zip(*rows)) if rows else [[] for _ in names]
    numeric = [_numeric_column(c) for c in columns]
    cells = [[_text(v, digits, fmt) for v in r] for r in rows]
    if fmt == "markdown":
        lines = ["| " + " | ".join(names) + " |",
                 "|" + "|".join("---:" if n else ":---" for n in numeric) + "|"]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in cells]
        return "\n".join(lines)
    spec = "".join("r" if n else "l" for n in numeric)
    lines = [rf"\begin{{tabular}}{{{spec}}}", r"\toprule",
             " & ".join(_latex_escape(n) for n in names) + r" \\", r"\midrule"]
    lines += [" & ".join(r) + r" \\" for r in cells]
    lines += [r"\bottomrule", r"\end{tabular}"]
    if caption is not None or label is not None:
        inner = lines
        lines = [r"\begin{table}[ht]", r"\centering"]
        if caption is not None:
            lines.append(rf"\caption{{{_latex_escape(caption)}}}")
        if label is not None:
            lines.append(rf"\label{{{label}}}")
        lines += inner + [r"\end{table}"]
    return "\n".join(lines)


def write_rows_csv(path, rows) -> None:
    """Write dict rows (one key order, the first row's) atomically as CSV (:func:`render_table`).

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "runs.csv")
    >>> write_rows_csv(path, [{"m": 10, "note": "a, b", "x": 0.1}])
    >>> print(open(path).read().strip())
    m,note,x
    10,"a, b",0.1
    """
    from ..data import atomic_write

    if not rows:
        raise InputError(f"{path}: no rows to write")
    keys = list(rows[0])
    atomic_write(path, render_table(keys, [[r[k] for k in keys] for r in rows], "csv") + "\n")


def _render_csv(names, rows):
    """CSV keeps everything exact; interval objects become three columns."""
    parsed = [[_parse_cell(v) for v in r] for r in rows]
    interval_cols = {i for i in range(len(names)) if any(isinstance(r[i], Interval) for r in parsed)}
    header = []
    for i, n in enumerate(names):
        header += [n, n + "_lower", n + "_upper"] if i in interval_cols else [n]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for raw, r in zip(rows, parsed):
        out = []
        for i, v in enumerate(r):
            if i in interval_cols:
                if isinstance(v, Interval):
                    out += ["" if v.value is None else v.value, str(v.lower), str(v.upper)]
                else:
                    out += [raw[i], "", ""]
            else:
                out.append("" if raw[i] is None else raw[i])
        w.writerow(out)
    return buf.getvalue().rstrip("\n")


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------


def plot_figure(names, rows, x, y, out, group=None, vline=None, xlog=False, ylog=False, title=None,
                xlabel=None, ylabel=None):
    """Plot column ``y`` against column ``x``, one line per value of ``group``.

    ``vline`` is a number, or the name of a column whose (per-group) value is drawn as a
    dashed vertical line — e.g. the number of signed cones ``K``, beyond which every
    support is possible.  Interval values are drawn at their value (else their midpoint)
    with error bars spanning the certified bounds; sampled proportions
    (``{"estimate", "low", "high"}``) at the estimate with error bars spanning the 95%
    interval.  Log axes get plain-number ticks; the legend sits outside the axes.
    ``out`` ends in ``.png`` or ``.pdf`` and is written atomically.
    """
    from ..data import atomic_write, check_output_file

    ext = os.path.splitext(os.fspath(out))[1].lower()
    if ext not in (".png", ".pdf"):
        raise InputError(f"{out}: figures are written as .png or .pdf")
    check_output_file(out)
    for col in [x, y] + ([group] if group else []) + ([vline] if isinstance(vline, str) else []):
        if col not in names:
            raise InputError(f"column {col!r} is not in the query's columns ({', '.join(names)})")
    if not rows:
        raise InputError("the query returned no rows to plot")
    ix, iy = names.index(x), names.index(y)
    ig = names.index(group) if group else None
    iv = names.index(vline) if isinstance(vline, str) else None
    if ig is not None and all(r[ig] is None for r in rows):
        raise InputError(f"the grouping column {group!r} is NULL in every row; check the query or drop --group")
    series = {}
    for r in rows:
        key = r[ig] if ig is not None else None
        series.setdefault(key, []).append(r)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5 if group else 5, 3.5))
    xs_all = set()
    try:
        for key, rs in sorted(series.items(), key=lambda kv: str(kv[0])):
            pts = sorted(_point(r, ix, iy, x, y) for r in rs)
            xs_all.update(p[0] for p in pts)
            label = None if ig is None else f"{group}={'NULL' if key is None else key}"
            errs = [[p[1] - p[2] for p in pts], [p[3] - p[1] for p in pts]]
            line = ax.errorbar([p[0] for p in pts], [p[1] for p in pts],
                               yerr=errs if any(e for side in errs for e in side) else None,
                               marker="o", ms=3, capsize=2, label=label)
            if iv is not None:
                for v in sorted({float(_parse_cell(r[iv])) for r in rs if r[iv] is not None}):
                    ax.axvline(v, ls="--", lw=1, color=line[0].get_color())
        if vline is not None and iv is None:
            ax.axvline(float(vline), ls="--", lw=1, color="grey")
        if xlog:
            ax.set_xscale("log")
            _plain_log_ticks(ax.xaxis, sorted(xs_all))
        if ylog:
            ax.set_yscale("log")
            _plain_log_ticks(ax.yaxis, None)
        ax.set_xlabel(xlabel or x)
        ax.set_ylabel(ylabel or y)
        if title:
            ax.set_title(title)
        if ig is not None:
            ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
                      frameon=False)
        fig.tight_layout()
        atomic_write(out, lambda fh: fig.savefig(fh, format=ext[1:], bbox_inches="tight"), binary=True)
    finally:
        plt.close(fig)
    return os.fspath(out)


def _point(r, ix, iy, x, y):
    """(x, y, y_low, y_high) of a row: intervals and sampled estimates carry their bounds."""
    xv, yv = _parse_cell(r[ix]), _parse_cell(r[iy])
    try:
        xf = float(xv)
    except (TypeError, ValueError):
        raise InputError(f"column {x!r} has a non-numeric value {r[ix]!r}") from None
    if isinstance(yv, Interval):
        lo, hi = float(yv.lower), float(yv.upper)
        try:
            mid = float(_parse_cell(yv.value) if isinstance(yv.value, str) else yv.value)
        except (TypeError, ValueError):
            mid = (lo + hi) / 2
        return xf, mid, lo, hi
    if isinstance(yv, Estimate):
        return xf, float(yv.estimate), float(yv.low), float(yv.high)
    try:
        yf = float(yv)
    except (TypeError, ValueError):
        raise InputError(f"column {y!r} has a non-numeric value {r[iy]!r}") from None
    return xf, yf, yf, yf


def _plain_log_ticks(axis, values):
    """Ticks a reader can read on a log axis: the data's own values when there are few
    (e.g. widths 1, 2, 4, ..., 64), plain numbers instead of powers otherwise."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    def plain(v, _pos=None):
        return f"{v:g}"

    positive = [v for v in values or () if v > 0]
    if positive and len(positive) <= 12:
        axis.set_major_locator(FixedLocator(positive))
        axis.set_minor_formatter(NullFormatter())
    axis.set_major_formatter(FuncFormatter(plain))
