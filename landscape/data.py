"""Datasets with an exact rational copy of the inputs.

A :class:`Dataset` holds ``X`` (n x d), labels ``y`` (n) and the ``bias`` flag.  Every
entry is kept as a :class:`fractions.Fraction`: floats convert exactly (a double *is* a
dyadic rational), decimal text such as ``"0.1"`` parses to ``1/10`` and ``"3/7"`` to
``3/7``.  Float copies are derived for solvers; the exact copy is what certificates use.

With ``bias=True`` every row gets a trailing 1 (:meth:`Dataset.features_exact`), so the
arrangement and the convex programmes run with ``d + 1`` columns (docs/theory.md, section 1).

Examples
--------
>>> ds = Dataset.from_arrays([["1/3", 0.5], [1, -2]], ["3/7", 1])
>>> ds.X_exact[0]
(Fraction(1, 3), Fraction(1, 2))
>>> ds.n, ds.d
(2, 2)
>>> Dataset.from_arrays([[1, 2], [3]], [0, 1])
Traceback (most recent call last):
...
landscape.errors.InputError: X is ragged: row 1 has 1 entries, row 0 has 2
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import sys
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

import numpy as np

from .errors import InputError, TooLargeError

__all__ = [
    "Dataset",
    "parse_rational",
    "parse_lam",
    "format_rational",
    "load_dataset",
    "save_dataset",
    "dataset_format",
    "STDIN",
    "check_output_file",
    "check_output_dir",
    "atomic_write",
    "generate",
    "GENERATORS",
]


# ---------------------------------------------------------------------------
# Exact scalars
# ---------------------------------------------------------------------------

_NONFINITE = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}

#: the largest magnitude a value may have: solvers work on float copies of the data
FLOAT_MAX = Fraction(sys.float_info.max)


def _in_range(q: Fraction, where, text) -> Fraction:
    if q and abs(q) > FLOAT_MAX:
        raise InputError(f"{where}: {text} is out of the floating-point range (|value| > {sys.float_info.max:.4g})")
    return q


def parse_rational(value, where="value") -> Fraction:
    """Convert a number or numeric text to an exact :class:`Fraction`.

    Floats convert exactly; text is read as a decimal or ``p/q`` literal.  NaN, infinity
    and non-numeric text raise :class:`InputError` naming ``where``.

    >>> parse_rational("3/7"), parse_rational("0.1"), parse_rational(0.5)
    (Fraction(3, 7), Fraction(1, 10), Fraction(1, 2))
    >>> parse_rational("abc", "X[0][1]")
    Traceback (most recent call last):
    ...
    landscape.errors.InputError: X[0][1]: 'abc' is not a number

    Values beyond the float range are refused too (the solvers work on float copies):

    >>> parse_rational("1e400", "y[0]")
    Traceback (most recent call last):
    ...
    landscape.errors.InputError: y[0]: 1e400 is out of the floating-point range (|value| > 1.798e+308)
    """
    if isinstance(value, Fraction):
        return _in_range(value, where, _short(value))
    if isinstance(value, (bool, np.bool_)):
        raise InputError(f"{where}: {value!r} is a boolean, not a number")
    if isinstance(value, (int, np.integer)):
        return _in_range(Fraction(int(value)), where, _short(value))
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            raise InputError(f"{where}: non-finite value {float(value)!r} (NaN or inf)")
        return Fraction(float(value))
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in _NONFINITE:
            raise InputError(f"{where}: non-finite value {text!r} (NaN or inf)")
        try:
            q = Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise InputError(f"{where}: {value!r} is not a number") from None
        return _in_range(q, where, text)
    raise InputError(f"{where}: {value!r} is not a number")


def _short(q) -> str:
    """Text of a number for a message, shortened when it has hundreds of digits."""
    text = str(q)
    if len(text) <= 40:
        return text
    q = Fraction(q)
    digits = len(str(abs(q.numerator))) - len(str(q.denominator))
    return f"{'-' if q < 0 else ''}~1e{digits}"


def parse_lam(lam, allow_zero=False) -> Fraction:
    """Exact, validated regularisation strength.

    >>> parse_lam("0.01")
    Fraction(1, 100)
    >>> parse_lam(-1)
    Traceback (most recent call last):
    ...
    landscape.errors.InputError: lam must be >= 0, got -1
    """
    q = parse_rational(lam, "lam")
    if q < 0:
        raise InputError(f"lam must be >= 0, got {q}")
    if q == 0 and not allow_zero:
        raise InputError("lam = 0 is not a regularised problem; use `landscape interpolate` "
                         "(min_norm_interpolator) for the lam -> 0 limit")
    return q


def format_rational(q) -> str:
    """Exact text form ``"p/q"`` (or ``"p"`` for integers) of a rational.

    >>> format_rational(Fraction(-6, 4)), format_rational(3)
    ('-3/2', '3')
    """
    return str(Fraction(q))


# ---------------------------------------------------------------------------
# The dataset
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Dataset:
    """Training data ``(X, y)`` kept exactly, plus the ``bias`` convention.

    Build it with :meth:`from_arrays` (which validates) rather than directly.
    """

    X_exact: tuple  # tuple of rows, each a tuple of Fraction
    y_exact: tuple  # tuple of Fraction
    bias: bool = False
    name: str = field(default="", compare=False)

    # -- construction -----------------------------------------------------
    @classmethod
    def from_arrays(cls, X, y, bias=False, name="") -> "Dataset":
        """Validate and convert ``X`` (n x d) and ``y`` (n) to an exact dataset."""
        rows = _as_rows(X)
        if len(rows) == 0:
            raise InputError("X is empty: the dataset has no rows")
        width = len(rows[0])
        if width == 0:
            raise InputError("X has no columns")
        for i, row in enumerate(rows):
            if len(row) != width:
                raise InputError(f"X is ragged: row {i} has {len(row)} entries, row 0 has {width}")
        Xq = tuple(
            tuple(parse_rational(v, f"X[{i}][{j}]") for j, v in enumerate(row))
            for i, row in enumerate(rows)
        )
        ys = _as_list(y, "y")
        if len(ys) != len(Xq):
            raise InputError(f"y has {len(ys)} entries but X has {len(Xq)} rows")
        yq = tuple(parse_rational(v, f"y[{i}]") for i, v in enumerate(ys))
        return cls(Xq, yq, bool(bias), name)

    def with_bias(self, bias=True) -> "Dataset":
        """The same data with the bias flag set to ``bias``."""
        return Dataset(self.X_exact, self.y_exact, bool(bias), self.name)

    # -- shapes and views ----------------------------------------------------
    @property
    def n(self) -> int:
        return len(self.X_exact)

    @property
    def d(self) -> int:
        """Input dimension, without the bias column."""
        return len(self.X_exact[0])

    @property
    def dim(self) -> int:
        """Dimension of the weight space: ``d + 1`` with bias, else ``d``."""
        return self.d + int(self.bias)

    @cached_property
    def X(self) -> np.ndarray:
        """Float copy of X (n x d), without the bias column."""
        return np.array([[float(v) for v in row] for row in self.X_exact], dtype=float)

    @cached_property
    def y(self) -> np.ndarray:
        return np.array([float(v) for v in self.y_exact], dtype=float)

    @cached_property
    def features_exact(self) -> tuple:
        """Exact rows of the effective design matrix (trailing 1 when ``bias``)."""
        if self.bias:
            return tuple(row + (Fraction(1),) for row in self.X_exact)
        return self.X_exact

    @cached_property
    def features(self) -> np.ndarray:
        """Float design matrix, n x dim (trailing column of ones when ``bias``)."""
        if self.bias:
            return np.hstack([self.X, np.ones((self.n, 1))])
        return self.X

    def content_hash(self) -> str:
        """SHA-256 of the exact content (X, y, bias), stable across sessions; the name
        does not enter.

        >>> a = Dataset.from_arrays([[1, 2]], [3], name="a")
        >>> a.content_hash() == Dataset.from_arrays([["1", "2.0"]], ["3"], name="b").content_hash()
        True
        """
        obj = {k: v for k, v in self.to_json_obj().items() if k != "name"}
        obj["bias"] = self.bias
        return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()

    # -- serialisation -------------------------------------------------------
    def to_json_obj(self) -> dict:
        """JSON-ready dict; non-integers are written as exact ``"p/q"`` strings."""
        obj = {
            "X": [[_json_number(v) for v in row] for row in self.X_exact],
            "y": [_json_number(v) for v in self.y_exact],
        }
        if self.bias:
            obj["bias"] = True
        if self.name:
            obj["name"] = self.name
        return obj

    def __repr__(self):
        label = f" {self.name!r}" if self.name else ""
        return f"<Dataset{label} n={self.n} d={self.d} bias={self.bias}>"


def _json_number(q: Fraction):
    return int(q) if q.denominator == 1 else str(q)


def _as_rows(X):
    if isinstance(X, np.ndarray):
        if X.ndim != 2:
            raise InputError(f"X must be a 2-d array, got {X.ndim} dimension(s)")
        return [list(r) for r in X]
    if isinstance(X, (str, bytes)) or not hasattr(X, "__iter__"):
        raise InputError("X must be a list of rows")
    rows = []
    for i, r in enumerate(X):
        if isinstance(r, (str, bytes)) or not hasattr(r, "__iter__"):
            raise InputError(f"X row {i} is not a list of numbers")
        rows.append(list(r))
    return rows


def _as_list(y, name):
    if isinstance(y, np.ndarray):
        if y.ndim != 1:
            raise InputError(f"{name} must be a 1-d array, got shape {y.shape}")
        return list(y)
    if isinstance(y, (str, bytes)) or not hasattr(y, "__iter__"):
        raise InputError(f"{name} must be a list of numbers")
    out = list(y)
    for i, v in enumerate(out):
        if isinstance(v, (list, tuple, np.ndarray)):
            raise InputError(f"{name}[{i}] is a list, expected a number")
    return out


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------


STDIN = "-"


def load_dataset(path, bias=None) -> Dataset:
    """Load a dataset from JSON, CSV or NPZ, chosen by the file extension.

    * JSON: ``{"X": [[...], ...], "y": [...], "bias": false}``; entries are numbers or
      rational strings.  Decimal literals are read exactly (``0.1`` is ``1/10``).
    * CSV: one row per sample, the last column is ``y``; a header line is allowed.
    * NPZ: arrays ``X`` and ``y`` (and optionally ``bias``); floats convert exactly.

    ``path`` may be ``"-"`` (:data:`STDIN`): the dataset is read from standard input, its
    format told by its content (an NPZ archive, a JSON object, else CSV).
    ``bias`` overrides the file's own flag when not ``None``.

    Examples
    --------
    >>> import io, sys
    >>> sys.stdin = io.TextIOWrapper(io.BytesIO(b"1,2,3\\n4,5,6\\n"))
    >>> load_dataset("-")
    <Dataset 'stdin' n=2 d=2 bias=False>
    >>> sys.stdin = sys.__stdin__
    """
    path = os.fspath(path)
    if path == STDIN:
        raw = sys.stdin.buffer.read()
        if raw.startswith(b"PK"):
            ext, source = ".npz", io.BytesIO(raw)
        else:
            try:
                source = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError("standard input: not UTF-8 text nor an NPZ archive") from None
            ext = ".json" if source.lstrip().startswith("{") else ".csv"
        where, default_name = "standard input", "stdin"
        if not raw.strip():
            raise InputError("standard input: no data (it is empty)")
    else:
        if not os.path.exists(path):
            raise InputError(f"{path}: no such file")
        if os.path.isdir(path):
            raise InputError(f"{path}: is a directory, expected a data file")
        try:
            ext = dataset_format(path)
        except InputError as exc:
            raise InputError(f"{exc} (or - for standard input)") from None
        if os.path.getsize(path) == 0:
            raise InputError(f"{path}: the file is empty")
        where, default_name = path, os.path.splitext(os.path.basename(path))[0]
        try:
            if ext == ".npz":
                source = path
            else:
                with open(path, encoding="utf-8", newline="") as fh:
                    source = fh.read()
        except UnicodeDecodeError:
            raise InputError(f"{path}: not UTF-8 text") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        X, y, file_bias, name = _LOADERS[ext](source)
        return Dataset.from_arrays(X, y, bias=file_bias if bias is None else bias, name=name or default_name)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


def _reject_constant(name):
    raise InputError(f"non-finite value {name} (NaN or inf)")


def _load_json(text):
    if not text.strip():
        raise InputError("the file is empty")
    try:
        obj = json.loads(text, parse_float=Fraction, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(obj, dict):
        raise InputError("expected a JSON object with keys 'X' and 'y'")
    for key in ("X", "y"):
        if key not in obj:
            raise InputError(f"missing key {key!r}")
    bias = obj.get("bias", False)
    if not isinstance(bias, bool):
        raise InputError(f"'bias' must be true or false, got {bias!r}")
    name = obj.get("name", "")
    if not isinstance(name, str):
        raise InputError(f"'name' must be a string, got {name!r}")
    return obj["X"], obj["y"], bias, name


def _load_csv(text):
    rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    if not rows:
        raise InputError("the file is empty")
    if all(_not_numeric(c) for c in rows[0]):  # a header: no field of the first line is a number
        rows = rows[1:]
    if not rows:
        raise InputError("the file has a header but no data rows")
    width = len(rows[0])
    if width < 2:
        raise InputError("a CSV row needs at least one feature column and the label column")
    for i, r in enumerate(rows):
        if len(r) != width:
            raise InputError(f"ragged rows: line {i + 1} has {len(r)} fields, the first has {width}")
    return [r[:-1] for r in rows], [r[-1] for r in rows], False, ""


def _not_numeric(text):
    text = text.strip()
    if text.lower() in _NONFINITE:
        return False
    try:
        Fraction(text)
        return False
    except (ValueError, ZeroDivisionError):
        return True


def _load_npz(source):
    try:
        with np.load(source, allow_pickle=False) as z:
            files = set(z.files)
            for key in ("X", "y"):
                if key not in files:
                    raise InputError(f"missing array {key!r} (found {sorted(files)})")
            X, y = z["X"], z["y"]
            bias = bool(z["bias"]) if "bias" in files else False
    except InputError:
        raise
    except Exception as exc:  # numpy raises several types for corrupt archives
        raise InputError(f"cannot read NPZ archive ({type(exc).__name__}: {exc})") from None
    if X.ndim != 2:
        raise InputError(f"X must be 2-d, got shape {X.shape}")
    if X.dtype.kind not in "iufU" or y.dtype.kind not in "iufU":
        raise InputError(f"arrays must be numeric, got X {X.dtype} and y {y.dtype}")
    return X, y, bias, ""


_LOADERS = {".json": _load_json, ".csv": _load_csv, ".npz": _load_npz}


# ---------------------------------------------------------------------------
# Output files
# ---------------------------------------------------------------------------


def check_output_file(path) -> str:
    """Check that the file ``path`` can be written, before any work; return it.

    Refused (:class:`InputError`): an empty name, an existing directory, a parent that
    does not exist or is a file, a parent or existing file that is not writable.  Nothing
    is created.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> check_output_file(os.path.join(folder, "a.json")) == os.path.join(folder, "a.json")
    True
    >>> check_output_file(folder)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    landscape.errors.InputError: ...: is a directory; give a file name
    """
    path = os.fspath(path)
    if not path:
        raise InputError("the output file name is empty")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory; give a file name")
    _check_parent(path)
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise InputError(f"{path}: the file is not writable")
    return path


def check_output_dir(path) -> str:
    """Check that the directory ``path`` exists and is writable, or can be created as
    the last component of an existing directory; return it.  Nothing is created.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> check_output_dir(os.path.join(folder, "new")) == os.path.join(folder, "new")
    True
    >>> check_output_dir(os.path.join(folder, "missing", "new"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    landscape.errors.InputError: ...: directory ... does not exist
    """
    path = os.fspath(path)
    if not path:
        raise InputError("the output directory name is empty")
    if os.path.isdir(path):
        if not os.access(path, os.W_OK | os.X_OK):
            raise InputError(f"{path}: the directory is not writable")
        return path
    if os.path.exists(path) or os.path.islink(path):
        raise InputError(f"{path}: exists and is not a directory")
    _check_parent(path)
    return path


def _check_parent(path):
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.exists(parent):
        raise InputError(f"{path}: directory {parent} does not exist")
    if not os.path.isdir(parent):
        raise InputError(f"{path}: {parent} is a file, not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{path}: directory {parent} is not writable")


def atomic_write(path, content, binary=False) -> str:
    """Write ``content`` to ``path`` atomically; return ``path``.

    ``content`` is text (``binary=False``), bytes (``binary=True``) or a callable that
    writes into the open file object it is given.  The data goes to a temporary file in
    the same directory, which then replaces ``path`` (:func:`os.replace`): readers see the
    old file or the new one, never a part, and a failure (or an interrupt) leaves no
    temporary file behind.  The path is checked first (:func:`check_output_file`).

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> atomic_write(os.path.join(folder, "a.txt"), "hello\\n") == os.path.join(folder, "a.txt")
    True
    >>> sorted(os.listdir(folder)), open(os.path.join(folder, "a.txt")).read()
    (['a.txt'], 'hello\\n')
    """
    path = check_output_file(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.fchmod(fd, 0o666 & ~mask)
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")) as fh:
            if callable(content):
                content(fh)
            else:
                fh.write(content)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def dataset_format(path) -> str:
    """The file type (``.json``, ``.csv`` or ``.npz``) a dataset path names, or InputError.

    >>> dataset_format("a/b.CSV")
    '.csv'
    """
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    if ext not in _LOADERS:
        raise InputError(f"{path}: unknown file type {ext or '(none)'!r}; use .json, .csv or .npz")
    return ext


def save_dataset(ds: Dataset, path) -> None:
    """Write ``ds`` atomically to JSON, CSV or NPZ (by extension), exactly for JSON and CSV."""
    path = os.fspath(path)
    ext = dataset_format(path)
    if ext == ".json":
        from .results.serialize import dumps

        atomic_write(path, dumps(ds.to_json_obj()) + "\n")
    elif ext == ".csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        for row, yi in zip(ds.X_exact, ds.y_exact):
            w.writerow([str(v) for v in row] + [str(yi)])
        atomic_write(path, buf.getvalue())
    else:
        atomic_write(path, lambda fh: np.savez(fh, X=ds.X, y=ds.y, bias=np.bool_(ds.bias)), binary=True)


# ---------------------------------------------------------------------------
# Generators
# ---------------------------------------------------------------------------
#
# Generated values are rounded to a decimal grid (``digits`` places) so that files stay
# readable and the exact copy is a short rational; the rounding is part of the instance.


def _decimal(values, digits=6):
    scale = 10**digits
    return [[Fraction(round(float(v) * scale), scale) for v in row] for row in np.atleast_2d(values)]


def _relu_labels(Xq, teacher_w, teacher_a):
    y = []
    for row in Xq:
        total = Fraction(0)
        for wk, ak in zip(teacher_w, teacher_a):
            pre = sum((x * w for x, w in zip(row, wk)), Fraction(0))
            if pre > 0:
                total += ak * pre
        y.append(total)
    return y


def gen_gaussian(n, d, seed=0, bias=False):
    """Gaussian inputs and Gaussian labels."""
    rng = np.random.default_rng(seed)
    X = _decimal(rng.standard_normal((n, d)))
    y = _decimal(rng.standard_normal((1, n)))[0]
    return Dataset.from_arrays(X, y, bias, name=f"gaussian_n{n}_d{d}_s{seed}")


def gen_relu_teacher(n, d, seed=0, width=10, bias=False):
    """Gaussian inputs labelled by a random ReLU teacher of the given width.

    The teacher has Gaussian input weights and output weights ``+-1/sqrt(width)``
    rounded to the decimal grid; labels are computed exactly from the rounded inputs.
    """
    rng = np.random.default_rng(seed)
    Xq = _decimal(rng.standard_normal((n, d)))
    Wt = _decimal(rng.standard_normal((width, d)))
    at = _decimal(rng.choice([-1.0, 1.0], size=(1, width)) / math.sqrt(width))[0]
    return Dataset.from_arrays(Xq, _relu_labels(Xq, Wt, at), bias, name=f"relu_teacher_n{n}_d{d}_w{width}_s{seed}")


def gen_orthonormal(n, d, seed=0, bias=False):
    """Exactly orthonormal rational rows (d >= n), labels uniform in [-1, 1].

    The rows are the first n rows of the Cayley transform ``(I - A)(I + A)^-1`` of a
    random skew-symmetric integer matrix ``A``: a rational orthogonal matrix.
    """
    if d < n:
        raise InputError(f"orthonormal rows need d >= n, got n={n}, d={d}")
    import sympy

    rng = np.random.default_rng(seed)
    upper = np.triu(rng.integers(-2, 3, size=(d, d)), 1)
    A = sympy.Matrix(upper - upper.T)
    eye = sympy.eye(d)
    Q = (eye - A) * (eye + A).inv()
    X = [[Fraction(int(sympy.fraction(Q[i, j])[0]), int(sympy.fraction(Q[i, j])[1])) for j in range(d)]
         for i in range(n)]
    y = _decimal(rng.uniform(-1, 1, size=(1, n)))[0]
    return Dataset.from_arrays(X, y, bias, name=f"orthonormal_n{n}_d{d}_s{seed}")


def gen_correlated(n, d, seed=0, correlation=0.8, bias=False):
    """Inputs correlated with one teacher neuron ``v`` and labels ``relu(v . x)``.

    ``x_i = correlation * v + sqrt(1 - correlation^2) * g_i`` with ``g_i`` Gaussian, so
    every input has positive expected correlation with ``v`` (Chistikov et al. 2023).
    """
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(d)
    v /= np.linalg.norm(v)
    G = rng.standard_normal((n, d)) / math.sqrt(d)
    Xq = _decimal(correlation * v + math.sqrt(1 - correlation**2) * G)
    vq = _decimal(v)
    return Dataset.from_arrays(Xq, _relu_labels(Xq, vq, [Fraction(1)]), bias,
                               name=f"correlated_n{n}_d{d}_s{seed}")


def gen_hypercube(n=None, d=2, seed=0, bias=True):
    """All vertices of ``{0,1}^d`` (n = 2^d rows) with random labels in {-1, +1}."""
    rng = np.random.default_rng(seed)
    X = [[(k >> j) & 1 for j in range(d)] for k in range(2**d)]
    y = [int(v) for v in rng.choice([-1, 1], size=2**d)]
    return Dataset.from_arrays(X, y, bias, name=f"hypercube_d{d}_s{seed}")


def gen_theorem2(n=None, d=3, seed=0, bias=False):
    """The dataset of Boursier et al. (2025), Theorem 2 (docs/theory.md, section 6), n = d >= 3.

    ``sqrt(17)/9`` in the rows ``i >= 4`` is irrational; it is replaced by the nearest
    rational with denominator at most 10^9, so those rows have norm 1 to within 1e-17.
    """
    if d < 3:
        raise InputError(f"the Theorem-2 dataset needs d >= 3, got d={d}")
    rows = [[Fraction(0)] * d for _ in range(d)]
    rows[0][0] = Fraction(1)
    rows[1][:3] = [Fraction(8, 9), Fraction(-4, 9), Fraction(1, 9)]
    rows[2][:3] = [Fraction(8, 9), Fraction(4, 9), Fraction(1, 9)]
    s = Fraction(math.sqrt(17) / 9).limit_denominator(10**9)
    for i in range(3, d):
        rows[i][0] = Fraction(8, 9)
        rows[i][i] = s
    beta = [Fraction(4, 5), Fraction(0), Fraction(3, 5)] + [Fraction(0)] * (d - 3)
    y = [sum((a * b for a, b in zip(r, beta)), Fraction(0)) for r in rows]
    return Dataset.from_arrays(rows, y, bias, name=f"theorem2_d{d}")


def gen_chistikov(n=None, d=3, seed=0, b=11, bias=False):
    """Chistikov, Englert & Lazic (2023), Theorem 8, the M > 0 family (d = 3).

    ``x1 = b e1``, ``x2 = b e1 - sqrt(b) e2 + e3``, ``x3 = b e1 + sqrt(b) e2 + e3`` and
    ``y = relu(X v*)`` with ``v* = (4/5) e1 + (3/5) e3``.  ``sqrt(b)`` is replaced by the
    nearest rational with denominator at most 10^9 when b is not a perfect square.
    """
    r = Fraction(math.isqrt(b)) if math.isqrt(b) ** 2 == b else Fraction(math.sqrt(b)).limit_denominator(10**9)
    B = Fraction(b)
    X = [[B, 0, 0], [B, -r, 1], [B, r, 1]]
    vstar = [[Fraction(4, 5), Fraction(0), Fraction(3, 5)]]
    Xq = [[Fraction(v) for v in row] for row in X]
    return Dataset.from_arrays(Xq, _relu_labels(Xq, vstar, [Fraction(1)]), bias, name=f"chistikov_b{b}")


GENERATORS = {
    "gaussian": gen_gaussian,
    "relu-teacher": gen_relu_teacher,
    "orthonormal": gen_orthonormal,
    "correlated": gen_correlated,
    "hypercube": gen_hypercube,
    "theorem2": gen_theorem2,
    "chistikov": gen_chistikov,
}


#: the most entries (n x d) a generated dataset may have unless ``max_entries`` says more
MAX_GENERATED_ENTRIES = 10**7


def generate(kind, max_entries=MAX_GENERATED_ENTRIES, **params) -> Dataset:
    """Generate a dataset by name (see :data:`GENERATORS`) with keyword parameters.

    Refuses (:class:`~landscape.errors.TooLargeError`) datasets with more than
    ``max_entries`` entries, and negative seeds.

    >>> generate("theorem2", d=3).n
    3
    >>> generate("nope")
    Traceback (most recent call last):
    ...
    landscape.errors.InputError: unknown generator 'nope'; choose from chistikov, correlated, gaussian, hypercube, orthonormal, relu-teacher, theorem2
    """
    if kind not in GENERATORS:
        raise InputError(f"unknown generator {kind!r}; choose from {', '.join(sorted(GENERATORS))}")
    params = {k: v for k, v in params.items() if v is not None}
    for key in ("n", "d", "width", "b"):
        if key in params and int(params[key]) < 1:
            raise InputError(f"{key} must be at least 1, got {params[key]}")
    if "seed" in params and int(params["seed"]) < 0:
        raise InputError(f"seed must be >= 0, got {params['seed']}")
    d = int(params.get("d", 2))
    rows = 2**d if kind == "hypercube" else int(params.get("n", d))
    if rows * d > max_entries:
        raise TooLargeError(f"{kind} dataset of {rows:,} x {d:,} entries", rows * d, max_entries, "max_entries")
    return GENERATORS[kind](**params)
