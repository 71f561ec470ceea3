r"""One self-contained HTML report of a results store: every table and figure.

``landscape report STORE --out report.html`` writes a single HTML file that needs nothing
else to be read: no terminal, no network, no side files.  Figures are embedded as base64
PNG.  It holds, for every sweep in the store (:class:`~landscape.app.store.Store`):

* the task counts by kind and status (failed and uncertified tasks are shown, never hidden);
* for ``analyse`` tasks, the table of proportions per dataset and width (certified bounds
  and Wilson intervals printed by :func:`~landscape.app.reports.render_table`) and the
  figure of ``P_global`` against ``m``, one line per dataset
  (:func:`~landscape.app.reports.plot_figure`);
* for every other kind, one row per task with the scalar fields of its result.

With ``results=DIR`` it also includes every Markdown table (``*.md``) and PNG figure of
that folder, e.g. ``data/results`` with the reproductions of the papers (Boursier et al.
2025, Figure 1 and the width laws; docs/theory.md, section 6).

Examples
--------
>>> import os, tempfile
>>> from landscape.app.store import Store, TaskRecord
>>> folder = tempfile.mkdtemp()
>>> db = os.path.join(folder, "r.sqlite")
>>> with Store(db) as st:
...     st.declare("demo", [("k1", "echo", None, None, {"value": 1})])
...     st.record([TaskRecord("k1", "done", '{"value": 1}')])
>>> html = build_report(db)
>>> html.startswith("<!DOCTYPE html>"), "demo" in html, "<table" in html
(True, True, True)
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import tempfile

from ..errors import InputError

__all__ = ["build_report", "write_report", "markdown_to_html"]

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1200px; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { border-bottom: 2px solid #444; } h2 { border-bottom: 1px solid #bbb; margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: right; vertical-align: top; }
th { background: #f0f0f0; } tr:nth-child(even) td { background: #fafafa; }
td.text, th.text { text-align: left; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.5em 0; }
code { background: #f4f4f4; padding: 0 0.2em; } .note { color: #666; font-size: 0.9em; }
nav ul { columns: 2; }
"""

_ANALYSE_QUERY = """
SELECT dataset, CAST(json_extract(params, '$.m') AS INTEGER) AS m, json_extract(result, '$.K') AS K,
       json_extract(result, '$.P_global') AS P_global, json_extract(result, '$.P_spurious') AS P_spurious,
       json_extract(result, '$.P_bad') AS P_bad,
       json_extract(result, '$.P_stationary_authors') AS P_stationary_authors,
       json_extract(result, '$.uncertified.global') AS uncertified_global,
       json_extract(result, '$.uncertified.spurious') AS uncertified_spurious,
       json_extract(result, '$.method') AS method, status, error
FROM results WHERE sweep = ? AND kind = 'analyse' ORDER BY dataset, m
"""

_MAX_GENERIC_COLUMNS = 10
_OWN_COLUMNS = ("dataset", "params", "status", "error")  # the task's, not the result's


def _esc(text) -> str:
    return html.escape("" if text is None else str(text))


def _inline(text: str) -> str:
    """Escape, then ``code`` and **bold** spans."""
    out = _esc(text)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)


def _table_html(names, rows) -> str:
    """An HTML table of text cells; numeric-looking cells align right."""
    def cls(v):
        return "" if re.fullmatch(r"[-+\[\]0-9.eE, /±()%NCI=]*", v or "") else ' class="text"'

    head = "".join(f"<th{cls('')}>{_inline(n)}</th>" for n in names)
    body = "".join("<tr>" + "".join(f"<td{cls(str(c))}>{_inline(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _split_row(line: str):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def markdown_to_html(text: str) -> str:
    """The Markdown this project writes (headings, paragraphs, pipe tables, lists, ``code``,
    **bold**) as HTML; anything else is kept as escaped text.

    >>> print(markdown_to_html("## T\\n\\n| a | b |\\n|---|---|\\n| 1 | x |\\n\\nSome `code`."))
    <h4>T</h4>
    <table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td class="text">x</td></tr></tbody></table>
    <p>Some <code>code</code>.</p>
    """
    out, para, lines = [], [], text.splitlines()
    i = 0

    def flush():
        if para:
            out.append("<p>" + _inline(" ".join(para)) + "</p>")
            para.clear()

    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            flush()
            level = min(6, len(line) - len(line.lstrip("#")) + 2)  # below the report's h2 and the file's h3
            out.append(f"<h{level}>{_inline(line.lstrip('#').strip())}</h{level}>")
        elif line.lstrip().startswith("|"):
            flush()
            block = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                block.append(lines[i])
                i += 1
            names = _split_row(block[0])
            body = [_split_row(r) for r in block[1:] if not re.fullmatch(r"\s*\|?[\s:|-]+\|?\s*", r)]
            out.append(_table_html(names, body))
            continue
        elif re.match(r"\s*[-*] ", line):
            flush()
            items = []
            while i < len(lines) and re.match(r"\s*[-*] ", lines[i]):
                items.append("<li>" + _inline(re.sub(r"^\s*[-*] ", "", lines[i])) + "</li>")
                i += 1
            out.append("<ul>" + "".join(items) + "</ul>")
            continue
        elif not line.strip():
            flush()
        else:
            para.append(line.strip())
        i += 1
    flush()
    return "\n".join(out)


def _png(data: bytes, alt: str) -> str:
    return f'<img alt="{_esc(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode("ascii")}">'


def _markdown_table(names, rows, digits=6):
    """Cells formatted by :func:`render_table` (bounds outwards, intervals), as rows of text."""
    from .reports import render_table

    text = render_table(names, rows, "markdown", digits=digits)
    lines = text.splitlines()
    return _split_row(lines[0]), [_split_row(r) for r in lines[2:]]


def _plot_png(names, rows, **kwargs) -> bytes | None:
    """A figure from :func:`plot_figure` as PNG bytes (None if there is nothing to draw)."""
    from .reports import plot_figure

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "figure.png")
        try:
            plot_figure(names, rows, out=path, **kwargs)
        except InputError:
            return None
        if not os.path.exists(path):
            return None
        with open(path, "rb") as fh:
            return fh.read()


def _scalar_fields(results):
    """Top-level keys whose values are scalars in the task results, in first-seen order."""
    keys = []
    for r in results:
        for k, v in r.items():
            if k not in keys and k not in _OWN_COLUMNS and (v is None or isinstance(v, (str, int, float, bool))):
                keys.append(k)
    return keys[:_MAX_GENERIC_COLUMNS]


def _sweep_section(st, sweep):
    parts = [f'<h2 id="sweep-{_esc(sweep)}">Sweep <code>{_esc(sweep)}</code></h2>']
    names, rows = st.query("SELECT kind, status, count(*) AS tasks FROM results WHERE sweep = ? "
                           "GROUP BY kind, status ORDER BY kind, status", (sweep,))
    parts.append(_table_html(names, [[str(c) for c in r] for r in rows]))
    tables = figures = 0
    kinds = [r[0] for r in st.query("SELECT DISTINCT kind FROM results WHERE sweep = ? ORDER BY kind", (sweep,))[1]]
    for kind in kinds:
        if kind == "analyse":
            names, rows = st.query(_ANALYSE_QUERY, (sweep,))
            if not rows:
                continue
            parts.append("<h3>analyse: proportions of regions per dataset and width</h3>")
            parts.append('<p class="note">Exact proportions print as decimals of their rationals, sampled ones '
                         "with their Wilson 95% interval; uncertified mass is never counted as global or "
                         "spurious.</p>")
            head, body = _markdown_table(names, rows)
            parts.append(_table_html(head, body))
            tables += 1
            done = [r for r in rows if r[names.index("P_global")] is not None]
            for y in ("P_global", "P_spurious"):
                png = _plot_png(names, done, x="m", y=y, group="dataset", vline="K", xlog=True,
                                title=f"{sweep}: {y} against width") if done else None
                if png:
                    parts.append(_png(png, f"{sweep} {y}"))
                    figures += 1
            continue
        _, rows = st.query("SELECT dataset, params, status, error, result FROM results WHERE sweep = ? AND kind = ? "
                           "ORDER BY dataset, params", (sweep, kind))
        results = [json.loads(r[4]) if r[4] else {} for r in rows]
        results = [r if isinstance(r, dict) else {"value": r} for r in results]
        fields = _scalar_fields(results)
        head = ["dataset", "params", "status"] + fields + ["error"]
        body = [[r[0] or "", r[1], r[2]] + ["" if res.get(f) is None else str(res.get(f)) for f in fields]
                + [r[3] or ""] for r, res in zip(rows, results)]
        parts.append(f"<h3>{_esc(kind)}</h3>")
        parts.append(_table_html(head, body))
        tables += 1
    return "\n".join(parts), tables, figures


def _results_section(folder):
    """Every ``*.md`` table of ``folder``, each followed by the PNG of the same name, then
    the remaining PNGs."""
    if not os.path.isdir(folder):
        raise InputError(f"{folder}: no such results folder")
    files = sorted(os.listdir(folder))
    parts = [f"<h2 id=\"results\">Reproductions in <code>{_esc(folder)}</code></h2>"]
    shown, tables, figures = set(), 0, 0
    for name in files:
        if not name.endswith(".md"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as fh:
            text = fh.read()
        parts.append(f"<h3>{_esc(name)}</h3>")
        parts.append(markdown_to_html(text))
        tables += text.count("\n|---") + text.count("\n| ---")
        png = name[:-3] + ".png"
        if png in files:
            with open(os.path.join(folder, png), "rb") as fh:
                parts.append(_png(fh.read(), png))
            shown.add(png)
            figures += 1
    for name in files:
        if name.endswith(".png") and name not in shown:
            parts.append(f"<h3>{_esc(name)}</h3>")
            with open(os.path.join(folder, name), "rb") as fh:
                parts.append(_png(fh.read(), name))
            figures += 1
    return "\n".join(parts), tables, figures


def build_report(store, results=None, title="landscape report"):
    """The report's HTML text (see the module doc), and nothing written.

    Parameters
    ----------
    store : path of a results store (opened read-only; :class:`InputError` if missing)
    results : folder of Markdown tables and PNG figures to include, optional
    title : the page's title
    """
    html_, _ = _build(store, results, title)
    return html_


def _build(store, results, title):
    from .. import __version__
    from .store import Store

    sections, tables, figures = [], 0, 0
    with Store(store, readonly=True) as st:
        sweeps = st.sweeps()
        counts = st.counts()
        for sweep in sweeps:
            text, t, f = _sweep_section(st, sweep)
            sections.append(text)
            tables, figures = tables + t, figures + f
    if results is not None:
        text, t, f = _results_section(os.fspath(results))
        sections.append(text)
        tables, figures = tables + t, figures + f
    nav = "".join(f'<li><a href="#sweep-{_esc(s)}">{_esc(s)}</a></li>' for s in sweeps)
    if results is not None:
        nav += '<li><a href="#results">reproductions</a></li>'
    summary = ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "no tasks"
    page = (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{_esc(title)}</title>"
            f"<style>{_CSS}</style></head><body>\n<h1>{_esc(title)}</h1>\n"
            f"<p>Store <code>{_esc(os.fspath(store))}</code>: {len(sweeps)} sweep(s), tasks: {_esc(summary)}. "
            f"landscape {_esc(__version__)}. {tables} table(s), {figures} figure(s).</p>\n"
            f"<nav><ul>{nav}</ul></nav>\n" + "\n".join(sections) + "\n</body></html>\n")
    return page, {"tables": tables, "figures": figures, "sweeps": len(sweeps)}


def write_report(store, out, results=None, title="landscape report") -> dict:
    """Write the report of ``store`` to ``out`` atomically; return what it holds.

    ``out`` is checked before any work (:func:`~landscape.data.check_output_file`); a
    missing store or results folder is an :class:`InputError`.
    """
    from ..data import atomic_write, check_output_file

    check_output_file(out)
    page, info = _build(store, results, title)
    atomic_write(out, page)
    return {"wrote": os.fspath(out), **info}
