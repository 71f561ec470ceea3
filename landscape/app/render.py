"""Rendering command results: output formats, CSV of cells, and the exit status.

Every command produces a JSON-ready object; this module turns it into the text a user
sees (JSON, CSV or a text table) and tells the exit status it stands for:

====== =====================================================================
status meaning
====== =====================================================================
0      finished; every reported result is certified (or exact)
1      ``landscape verify``: a literature claim did not pass
2      bad input: a one-line message on stderr, nothing written
3      finished, but not certified or not complete: a result carries
       ``"certified": false`` (e.g. a solver stopped at ``optimal_inaccurate``),
       or a sweep has failed or uncertified tasks
====== =====================================================================

Examples
--------
>>> exit_status({"value": 1, "certified": True}), exit_status({"certified": False})
(0, 3)
>>> render({"a": 1}, "json")
'{\\n "a": 1\\n}'
>>> render({"a": 1}, "text", text=lambda obj: f"a = {obj['a']}")
'a = 1'
"""

from __future__ import annotations

import json

from ..errors import InputError
from ..results.serialize import dumps

__all__ = ["EXIT_OK", "EXIT_CLAIM_FAILED", "EXIT_INPUT", "EXIT_UNCERTIFIED", "exit_status", "render",
           "OUTPUT_FORMATS", "cells_csv", "uncertified_reason"]

EXIT_OK = 0
EXIT_CLAIM_FAILED = 1
EXIT_INPUT = 2
EXIT_UNCERTIFIED = 3

#: the formats of ``--format`` for commands whose default output is a text table
OUTPUT_FORMATS = ("text", "json")


def exit_status(obj) -> int:
    """:data:`EXIT_UNCERTIFIED` when ``obj`` is a dict whose ``"certified"`` is false,
    else :data:`EXIT_OK`.  JSON text is read first."""
    if isinstance(obj, str):
        text = obj.lstrip()
        if not text.startswith("{"):
            return EXIT_OK
        try:
            obj = json.loads(text)
        except ValueError:
            return EXIT_OK
    if isinstance(obj, dict) and obj.get("certified") is False:
        return EXIT_UNCERTIFIED
    return EXIT_OK


def uncertified_reason(obj) -> str:
    """The ``reason`` or ``status`` a non-certified result gives, for a one-line note."""
    if isinstance(obj, str):
        try:
            obj = json.loads(obj)
        except ValueError:
            return ""
    if not isinstance(obj, dict):
        return ""
    for key in ("reason", "status", "message"):
        if obj.get(key):
            return str(obj[key]).splitlines()[0]
    return ""


def render(obj, fmt="json", text=None) -> str:
    """The output of a command in format ``fmt``.

    ``json`` is :func:`~landscape.results.serialize.dumps` of ``obj``; ``text`` calls
    ``text(obj)`` (a command's table renderer).  This is the one place where ``--format``
    is interpreted for commands that print a text table by default.
    """
    if fmt == "json":
        return dumps(obj)
    if fmt == "text":
        if text is None:
            raise InputError("this command has no text format; use --format json")
        return text(obj)
    raise InputError(f"unknown output format {fmt!r}; choose from {', '.join(OUTPUT_FORMATS)}")


def cells_csv(arr, facets=None) -> str:
    """CSV of the cells of an arrangement (index, sign pattern, witness point), then,
    after an empty line, the facets between adjacent cells when ``facets`` is given.

    >>> from landscape.data import Dataset
    >>> from landscape.geometry.arrangement import enumerate_cells
    >>> arr = enumerate_cells(Dataset.from_arrays([[1, 0]], [1]))
    >>> print(cells_csv(arr).splitlines()[0])
    cell,pattern,w0,w1
    """
    lines = ["cell,pattern," + ",".join(f"w{j}" for j in range(arr.dim))]
    for k in range(arr.count):
        lines.append(f"{k},{arr.pattern_string(k)}," + ",".join(str(v) for v in arr.witness(k)))
    if facets is not None:
        lines.append("")
        lines.append("cell_i,cell_j,rows," + ",".join(f"p{j}" for j in range(arr.dim)))
        for f in facets:
            lines.append(f"{f.cells[0]},{f.cells[1]},{' '.join(map(str, f.rows))},"
                         + ",".join(str(v) for v in f.point))
    return "\n".join(lines)
