r"""Cell files: the cells of an :class:`~landscape.geometry.arrangement.Arrangement` written
as JSON, CSV or a compact binary ``.npz``, built from its integer arrays in a few
vectorised passes (no Python object per cell), and :func:`load_cells` to read ``.npz``
back.

Formats
-------
``json``
    ``{"n", "d", "bias", "count", "cells": [{"pattern": "0110", "witness": ["3", "-1"]}, ...]}``
    (witness coordinates as exact integer text), optionally ``"adjacency"``.
``csv``
    ``cell,pattern,w0,...`` one row per cell; with adjacency a blank line, then
    ``cell_i,cell_j,rows,p0,...``.
``npz`` (``numpy.savez``; for large outputs)
    ``format``
        ``"landscape-cells"``; ``version``: 1.
    ``n, dim, d, bias, count, rank``
        Numbers of rows and of coordinates (``dim = d + bias``), whether a constant 1 was
        appended to every row, number of cells and rank of the rows.
    ``rows``
        The exact data rows (with the bias column) as ``"p/q"`` text, ``n x dim``.
    ``patterns``
        ``uint8`` array ``count x ceil(n/8)``: ``numpy.packbits(patterns, axis=1)``, so bit
        ``i`` of cell ``k`` (``x_i . w > 0``) is ``patterns[k, i // 8] >> (7 - i % 8) & 1``.
    ``witnesses``
        ``count x dim`` integers (an interior point of each cell), in the smallest signed
        integer type that holds them; when some coordinate does not fit in 64 bits the array
        holds decimal text instead.
    ``adjacency`` (optional)
        ``int64`` array ``F x 3`` of ``(cell_i, cell_j, class)`` for every pair of cells sharing
        a facet (see :meth:`Arrangement.adjacent_pairs`).

Examples
--------
>>> import io, os, tempfile
>>> from landscape.geometry import enumerate_cells
>>> arr = enumerate_cells([[1, 0], [0, 1], [1, 1]])
>>> print(cells_csv(arr).splitlines()[1])
0,000,-1,-1
>>> path = os.path.join(tempfile.mkdtemp(), "cells.npz")
>>> write_cells_npz(arr, path)
>>> back = load_cells(path)
>>> bool((back.patterns == arr.patterns).all()), back.count
(True, 6)
"""

from __future__ import annotations

import json
import os

import numpy as np

from ..data import atomic_write
from ..errors import InputError

__all__ = ["cells_json", "cells_csv", "write_cells_npz", "load_cells", "pattern_strings"]

_ROWS_PER_PASS = 1 << 16  # cells converted to text per vectorised pass


def pattern_strings(patterns) -> list:
    """The rows of a boolean matrix as ``'0110'`` strings, in one pass.

    >>> pattern_strings(np.array([[True, False], [False, False]]))
    ['10', '00']
    """
    P = np.asarray(patterns, dtype=bool)
    k, n = P.shape
    if k == 0:
        return []
    chars = np.empty((k, n + 1), dtype=np.uint8)
    chars[:, :n] = P
    chars[:, :n] += ord("0")
    chars[:, n] = ord("\n")
    return chars.tobytes().decode("ascii").split("\n")[:-1]


def _integer_text(W) -> list:
    """Columns of decimal text of an integer matrix (int64 or Python ints)."""
    W = np.asarray(W)
    if W.dtype == object:
        return [[str(int(v)) for v in W[:, j]] for j in range(W.shape[1])]
    return [W[:, j].astype(str).tolist() for j in range(W.shape[1])]


def _passes(arr):
    """``(pattern strings, witness text columns)`` of consecutive blocks of cells."""
    for start in range(0, arr.count, _ROWS_PER_PASS):
        stop = min(arr.count, start + _ROWS_PER_PASS)
        yield start, pattern_strings(arr.patterns_of(start, stop)), _integer_text(arr.witness_matrix[start:stop])


def cells_json(arr, adjacency=None) -> str:
    """The JSON text of the cells (and of ``adjacency``, a list of facets, if given).

    >>> from landscape.geometry import enumerate_cells
    >>> import json
    >>> json.loads(cells_json(enumerate_cells([[1, 0]])))["cells"]
    [{'pattern': '1', 'witness': ['1', '0']}, {'pattern': '0', 'witness': ['-1', '0']}]
    """
    from ..results.serialize import dumps

    head = {"n": arr.n, "d": arr.dim - int(arr.bias), "bias": arr.bias, "count": arr.count}
    parts = ["{\n" + ",\n".join(f" {json.dumps(k)}: {json.dumps(v)}" for k, v in head.items()) + ',\n "cells": [']
    blocks = []
    for _, pats, cols in _passes(arr):
        wit = [", ".join(f'"{v}"' for v in row) for row in zip(*cols)] if cols else [""] * len(pats)
        blocks.append(",\n".join(f'  {{\n   "pattern": "{p}",\n   "witness": [{w}]\n  }}' for p, w in zip(pats, wit)))
    body = ",\n".join(b for b in blocks if b)
    parts.append("\n" + body + "\n ]" if body else "]")
    if adjacency is not None:
        text = dumps({"adjacency": [f.to_json_obj() for f in adjacency]})
        parts.append(",\n" + text[2:-2])
    parts.append("\n}")
    return "".join(parts)


def cells_csv(arr, adjacency=None) -> str:
    """The CSV text of the cells (and of ``adjacency``, a list of facets, if given)."""
    lines = ["cell,pattern," + ",".join(f"w{j}" for j in range(arr.dim))]
    for start, pats, cols in _passes(arr):
        ids = np.arange(start, start + len(pats)).astype(str).tolist()
        lines.append("\n".join(map(",".join, zip(ids, pats, *cols))))
    if adjacency is not None:
        lines.append("")
        lines.append("cell_i,cell_j,rows," + ",".join(f"p{j}" for j in range(arr.dim)))
        for f in adjacency:
            lines.append(f"{f.cells[0]},{f.cells[1]},{' '.join(map(str, f.rows))}," + ",".join(str(v) for v in f.point))
    return "\n".join(line for line in lines if line is not None)


def _smallest_int_type(W, step=_ROWS_PER_PASS * 16):
    """The smallest signed integer type holding the integer matrix ``W``, or None when some
    entry does not fit in 64 bits (then the file holds decimal text)."""
    W = np.asarray(W)
    if W.dtype == object:
        try:
            hi = max((int(np.abs(W[s:s + step].astype(np.int64)).max()) for s in range(0, len(W), step)
                      if W[s:s + step].size), default=0)
        except OverflowError:
            return None
    else:
        hi = max((int(np.abs(W[s:s + step]).max()) for s in range(0, len(W), step) if W[s:s + step].size),
                 default=0)
    for t in (np.int8, np.int16, np.int32):
        if hi <= np.iinfo(t).max:
            return t
    return np.int64


def _smallest_int(W):
    """``W`` in the smallest signed integer type that holds it, or as decimal text."""
    t = _smallest_int_type(W)
    if t is None:
        return np.array([[str(int(v)) for v in row] for row in np.asarray(W)])
    return np.asarray(W).astype(t)


def _write_member(zf, name, dtype, shape, blocks):
    """One ``name.npy`` member of an ``.npz`` written block by block (as ``numpy.savez`` lays
    it out), so that the whole array is never held in memory."""
    from numpy.lib import format as npformat

    header = {"descr": npformat.dtype_to_descr(np.dtype(dtype)), "fortran_order": False, "shape": tuple(shape)}
    with zf.open(name + ".npy", "w", force_zip64=True) as fh:
        npformat.write_array_header_2_0(fh, header)
        for block in blocks:
            fh.write(np.ascontiguousarray(block, dtype=dtype).tobytes())


def write_cells_npz(arr, path, adjacency=False) -> None:
    """Write the cells to ``path`` in the ``npz`` format of the module docstring (atomically).

    The patterns and witnesses are converted and written block by block, so the file is
    streamed: memory beyond the :class:`Arrangement` itself stays a few MiB whatever the
    number of cells.  ``adjacency=True`` adds the ``(cell_i, cell_j, class)`` pairs of
    cells sharing a facet.
    """
    import zipfile

    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise InputError(f"path {path}: directory {directory} does not exist")
    count, W = arr.count, arr.witness_matrix
    small = dict(format=np.array("landscape-cells"), version=np.array(1), n=np.array(arr.n),
                 dim=np.array(arr.dim), d=np.array(arr.dim - int(arr.bias)), bias=np.array(bool(arr.bias)),
                 count=np.array(count), rank=np.array(arr.rank),
                 rows=np.array([[str(v) for v in r] for r in arr.rows_exact]).reshape(arr.n, arr.dim))
    wtype = _smallest_int_type(W)
    if wtype is None:
        witnesses = _smallest_int(W)
        wtype = witnesses.dtype
    else:
        witnesses = W
    ranges = [(s, min(count, s + _ROWS_PER_PASS)) for s in range(0, count, _ROWS_PER_PASS)]

    def write(fh):
        with zipfile.ZipFile(fh, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            for name, value in small.items():
                _write_member(zf, name, value.dtype, value.shape, [value])
            _write_member(zf, "patterns", np.uint8, (count, (arr.n + 7) // 8),
                          (np.packbits(arr.patterns_of(a, b), axis=1) for a, b in ranges))
            _write_member(zf, "witnesses", wtype, (count, arr.dim),
                          (np.asarray(witnesses[a:b]).astype(wtype) for a, b in ranges))
            if adjacency:
                pairs = arr.adjacent_pairs()
                _write_member(zf, "adjacency", pairs.dtype, pairs.shape, [pairs])

    atomic_write(path, write, binary=True)


def load_cells(path):
    """Read a ``.npz`` cell file back as an :class:`~landscape.geometry.arrangement.Arrangement`.

    The rows, patterns and witnesses are the file's; the hyperplane classes, their sign
    vectors and the rank are recomputed exactly from the rows, and every witness is
    checked in exact arithmetic to lie in the open cell of its pattern (:class:`InputError`
    otherwise, e.g. for a corrupted file).
    """
    from ..data import parse_rational
    from .arrangement import Arrangement, _pivot_columns, _verify, hyperplane_classes

    try:
        z = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable .npz cell file ({exc})") from None
    with z:
        if "format" not in z.files or str(z["format"]) != "landscape-cells":
            raise InputError(f"{path}: not a landscape cell file (no format 'landscape-cells')")
        if int(z["version"]) != 1:
            raise InputError(f"{path}: cell file version {int(z['version'])} is not supported (1 is)")
        n, dim, count, bias = int(z["n"]), int(z["dim"]), int(z["count"]), bool(z["bias"])
        rows = tuple(tuple(parse_rational(str(v), f"row {i}") for v in r) for i, r in enumerate(z["rows"]))
        patterns = np.unpackbits(z["patterns"], axis=1, count=n).astype(bool)
        W = z["witnesses"]
    if W.dtype.kind in "US":
        W = np.array([[int(v) for v in r] for r in W], dtype=object).reshape(count, dim)
    else:
        W = W.astype(np.int64)
    if patterns.shape != (count, n) or W.shape != (count, dim) or len(rows) != n:
        raise InputError(f"{path}: array shapes do not match n = {n}, dim = {dim}, count = {count}")
    classes = hyperplane_classes(rows)
    pivots = _pivot_columns(classes.normals)
    nc = len(classes.normals)
    rep = np.full(nc, -1, dtype=np.int64)
    nz = np.flatnonzero(classes.row_class >= 0)
    rep[classes.row_class[nz][::-1]] = nz[::-1]  # first row of each class
    sign_of = classes.row_sign[rep].astype(np.int8) if nc else np.zeros(0, np.int8)
    class_signs = (patterns[:, rep].astype(np.int8) * 2 - 1) * sign_of[None, :] if nc else \
        np.zeros((count, 0), np.int8)
    arr = Arrangement(rows, classes, pivots, class_signs, W, bias)
    try:
        _verify(arr)
    except RuntimeError:
        raise InputError(f"{path}: a witness is not in the open cell of its pattern (corrupted file?)") from None
    if not np.array_equal(arr.patterns, patterns):
        raise InputError(f"{path}: patterns disagree with the rows' hyperplane classes (corrupted file?)")
    return arr
