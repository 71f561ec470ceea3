"""Reading a network: exact parsing of ``(a, W)`` against a dataset, and the network JSON file.

A network file is ``{"a": [...], "W": [[...]], "lam": optional}``; numbers are read
exactly (decimals as the Fractions they spell, ``"p/q"`` text as rationals).

>>> from landscape.data import Dataset
>>> parse_network(Dataset.from_arrays([[1, 2]], [1]), ["1/3"], [[0.5, 2]])
([Fraction(1, 3)], [[Fraction(1, 2), Fraction(2, 1)]])
"""

from __future__ import annotations

import json
import os
from fractions import Fraction

import numpy as np

from ..convex.program import RegionProgram
from ..data import parse_lam, parse_rational
from ..errors import InputError

__all__ = ["parse_network", "load_network", "parse_problem"]


def parse_network(ds, a, W):
    """Exact ``(a, W)`` (lists of Fractions) with shapes checked against ``ds``.

    >>> from landscape.data import Dataset
    >>> parse_network(Dataset.from_arrays([[1, 2]], [1]), [1], [[1, 2, 3]])
    Traceback (most recent call last):
    ...
    landscape.errors.InputError: W row 0 has 3 entries but the data has dim = 2 (d = 2, no bias)
    """
    if isinstance(a, (str, bytes)) or not hasattr(a, "__iter__"):
        raise InputError("a must be a list of numbers")
    a = [parse_rational(v, f"a[{j}]") for j, v in enumerate(list(a))]
    if isinstance(W, np.ndarray) and W.ndim == 1 and len(a) == 1:
        W = [W]
    if isinstance(W, (str, bytes)) or not hasattr(W, "__iter__"):
        raise InputError("W must be a list of rows")
    W = [list(r) if hasattr(r, "__iter__") and not isinstance(r, (str, bytes)) else None for r in W]
    if len(a) == 0:
        raise InputError("the network has no neurons (a is empty)")
    if len(W) != len(a):
        raise InputError(f"a has {len(a)} entries but W has {len(W)} rows")
    bias = "with bias" if ds.bias else "no bias"
    out = []
    for j, row in enumerate(W):
        if row is None:
            raise InputError(f"W row {j} is not a list of numbers")
        if len(row) != ds.dim:
            raise InputError(f"W row {j} has {len(row)} entries but the data has dim = {ds.dim} "
                             f"(d = {ds.d}, {bias})")
        out.append([parse_rational(v, f"W[{j}][{i}]") for i, v in enumerate(row)])
    return a, out


def parse_problem(ds, lam, a, W, prog=None):
    """The inputs of every test on a network, read exactly: ``(lam, a, W, prog)``.

    ``lam`` as a Fraction (``> 0``), ``(a, W)`` by :func:`parse_network`, and the
    :class:`~landscape.convex.program.RegionProgram` (built unless given; a given one must
    have the same ``lam``).
    """
    lam = parse_lam(lam)
    a, W = parse_network(ds, a, W)
    prog = prog or RegionProgram(ds, lam)
    if prog.lam != lam:
        raise InputError("prog was built for a different lam")
    return lam, a, W, prog


def _reject_constant(c):
    raise InputError(f"non-finite value {c} (NaN or inf)")


def load_network(path):
    """Read ``(a, W, lam)`` exactly from a network JSON file (``lam`` is None if absent).

    The file is ``{"a": ..., "W": ..., "lam": ...}`` or, as ``landscape optimum`` writes it,
    ``{"network": {"a": ..., "W": ...}, "lam": ...}``.
    """
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    try:
        with open(path, encoding="utf-8") as fh:
            obj = json.load(fh, parse_float=Fraction, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: invalid JSON: {exc.msg} at line {exc.lineno}") from None
    if isinstance(obj, dict) and "a" not in obj and isinstance(obj.get("network"), dict):
        obj = {**obj["network"], "lam": obj.get("lam")}  # the output of `landscape optimum`
    if not isinstance(obj, dict) or "a" not in obj or "W" not in obj:
        raise InputError(f"{path}: expected a JSON object with keys 'a' and 'W' (or 'network' holding them)")
    return obj["a"], obj["W"], obj.get("lam")
