"""Sweeps: many tasks declared in one TOML file, run in parallel, kept in a results store.

A *sweep file* names datasets (files or generators with seeds) and task kinds with grids of
parameters; :func:`load_sweep` expands it into :class:`Task` objects, each keyed by a hash
of the dataset content, the kind, the parameters and the package version
(:func:`task_key`).  :func:`run_sweep` runs the tasks whose key is not yet in the
:class:`~landscape.app.store.Store` — on a local process pool, or on a running Dask
distributed cluster (``scheduler=ADDRESS``) — and writes every finished task as one row.
Interrupt it at any point and run it again: finished work is kept, the rest is computed.

Sweep file
----------
.. code-block:: toml

    [sweep]
    name = "example"              # required: rows are grouped by sweep name
    description = "free text"

    [[dataset]]                   # one block per dataset family
    generator = "gaussian"        # any of landscape.data.GENERATORS ...
    n = [4, 6]                    # a list is a grid axis
    d = 3
    seed = {range = [0, 5]}       # range(0, 5); {range = [a, b, step]} also works

    [[dataset]]
    file = "train.json"           # ... or a data file (.json, .csv, .npz): see below
    bias = true                   # optional: overrides the file's own bias flag
    name = "train"                # optional: the name rows carry (default: the file's stem)

    [[task]]
    kind = "optimum"              # see KINDS
    lam = ["1/100", 0.1]          # rationals: "p/q" text or decimals (0.1 means 1/10)

A ``[[dataset]]`` block has exactly one of ``generator`` (with that generator's
parameters, each a value or a grid axis) or ``file``: a path, or a list of paths, read by
:func:`landscape.data.load_dataset`; a relative path is relative to the folder of the
sweep file.  Its only other keys are ``bias`` and ``name``.  Datasets with the same
content are run once.

Every ``[[task]]`` block runs over the Cartesian product of its grid axes and, if its kind
needs data, over every dataset.  Floats in a sweep file are read as their shortest decimal
text, so ``lam = 0.01`` is exactly 1/100.  Values are checked when the file is read
(``lam > 0``, widths ``m >= 1``, ...), and a sweep whose grids would expand to more than
:data:`DEFAULT_MAX_TASKS` tasks is refused with its size before anything is expanded
(``max_tasks=``, ``landscape sweep --max-tasks``).

Concurrent sweeps into one store share the work: each task is claimed in the store (a
lease naming the sweep process and a time, renewed while the task runs) before it runs; a
task another sweep holds is waited for, and taken over when its lease expires.

Task kinds
----------
``cells``, ``optimum``, ``analyse``, ``counterexample``, ``train`` and ``graph`` call the library (each is
imported only when used; a kind whose module is missing from this version is refused when
the sweep is loaded).  Two diagnostic kinds need no data and exist for tests and
benchmarks: ``echo`` (returns its ``value``; can sleep, fail or report an uncertified
result on demand) and ``spin`` (keeps a CPU busy for ``seconds``).  ``echo`` with ``crash = true`` kills its worker
process, to test that a lost worker is recorded and the sweep goes on.

A task returns a JSON-ready dict.  If it contains ``"certified": false`` its row gets the
status ``uncertified``; an exception gives ``failed`` with the error, and the sweep goes on.
Non-finite floats are stored as the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"``
(strict JSON, so that SQLite's ``json_extract`` can read every row).

Examples
--------
>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "s.toml")
>>> _ = open(path, "w").write('''
... [sweep]
... name = "demo"
... [[task]]
... kind = "echo"
... value = {range = [0, 3]}
... ''')
>>> sw = load_sweep(path)
>>> [t.params["value"] for t in sw.tasks]
[0, 1, 2]
>>> from landscape.app.store import Store
>>> with Store(os.path.join(folder, "r.sqlite")) as st:
...     summary = run_sweep(sw, st, workers=1, progress=False)
...     again = run_sweep(sw, st, workers=1, progress=False)
>>> summary["done"], again["skipped"], again["ran"]
(3, 3, 0)
"""

from __future__ import annotations

import hashlib
import importlib
import itertools
import json
import math
import os
import re
import signal
import socket
import sys
import time
import tomllib
import traceback
from collections import deque
from dataclasses import dataclass, field
from fractions import Fraction

from ..errors import InputError, TooLargeError
from ..results.serialize import canonical_json, json_default
from .store import TaskRecord

__all__ = [
    "KINDS", "TaskKind", "Task", "Sweep", "load_sweep", "parse_sweep", "task_key", "run_sweep",
    "run_batch", "run_tasks", "available_kinds", "DEFAULT_MAX_TASKS",
]


# ---------------------------------------------------------------------------
# Task kinds (a lazy registry)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskKind:
    """A kind of task a sweep can run.

    ``function`` is ``"module:attribute"`` of a callable ``f(ds, **params) -> dict`` (or
    ``f(**params)`` when ``needs_dataset`` is false); ``requires`` names what must be
    importable for the kind to be available.  ``params`` maps a parameter name to
    ``(type, default)`` with type one of ``rational``, ``lam`` (a rational > 0), ``int``,
    ``uint`` (an integer >= 0), ``pint`` (an integer >= 1), ``float``, ``pfloat`` (a finite float > 0), ``str``,
    ``bool``, ``json`` and default :data:`REQUIRED` for a required parameter.
    """

    name: str
    function: str
    params: dict
    needs_dataset: bool = True
    requires: tuple = ()
    description: str = ""


REQUIRED = object()

#: the most tasks (or datasets) a sweep file may expand to unless ``max_tasks`` says more
DEFAULT_MAX_TASKS = 100_000

KINDS = {
    k.name: k
    for k in [
        TaskKind("cells", "landscape.app.sweep:_task_cells", {"max_cells": ("pint", None)},
                 requires=("landscape.geometry.arrangement:enumerate_cells",),
                 description="number of cells of the data's arrangement"),
        TaskKind("optimum", "landscape.app.sweep:_task_optimum", {"lam": ("lam", REQUIRED)},
                 requires=("landscape.convex.program:RegionProgram",),
                 description="certified convex global optimum V* (Pilanci & Ergen 2020)"),
        TaskKind("analyse", "landscape.app.sweep:_task_analyse",
                 {"lam": ("lam", REQUIRED), "m": ("pint", REQUIRED), "measure": ("str", "uniform"),
                  "samples": ("pint", None), "seed": ("uint", 0), "max_supports": ("pint", None)},
                 requires=("landscape.regions.landscape:Landscape",),
                 description="proportions of width-m regions holding global / spurious minima (landscape.regions.landscape)"),
        TaskKind("counterexample", "landscape.app.sweep:_task_counterexample",
                 {"lam": ("lam", REQUIRED), "m": ("pint", REQUIRED), "max_supports": ("pint", None),
                  "samples": ("pint", None), "descents": ("uint", None), "seed": ("uint", 0),
                  "steps": ("pint", 20000)},
                 requires=("landscape.regions.counterexample:find_counterexample",
                           "landscape.dynamics.search:descent_counterexample"),
                 description="search for a certified spurious local minimum of width m"),
        TaskKind("population_search", "landscape.population.search:population_search_task",
                 {"k": ("pint", REQUIRED), "n": ("pint", None), "d": ("pint", None), "runs": ("pint", 1000),
                  "seed": ("uint", 0), "steps": ("pint", 20000), "lr": ("pfloat", None),
                  "grad_tol": ("pfloat", 1e-10), "certify": ("bool", True)},
                 needs_dataset=False, requires=("landscape.population.search:run_search",),
                 description="gradient descent on the population loss (Safran & Shamir); certified families"),
        TaskKind("train", "landscape.app.sweep:_task_train",
                 {"lam": ("lam", REQUIRED), "m": ("pint", REQUIRED), "init_scale": ("pfloat", 1e-3),
                  "init": ("str", "gaussian"), "seed": ("uint", 0), "lr": ("pfloat", 0.01),
                  "steps": ("pint", 100_000), "grad_tol": ("pfloat", 1e-16), "classify": ("bool", True)},
                 requires=("landscape.dynamics:train",),
                 description="gradient descent from a random initialisation; the endpoint classified exactly"),
        TaskKind("train_measured", "landscape.dynamics.measured:measured_run",
                 {"lam": ("rational", REQUIRED), "m": ("pint", REQUIRED), "init_scale": ("pfloat", 1e-3),
                  "init": ("str", "gaussian"), "seed": ("uint", 0), "lr": ("pfloat", 0.01),
                  "steps": ("pint", 100_000), "record_ratio": ("pfloat", 1.002), "rtol": ("pfloat", 0.01),
                  "min_duration": ("pfloat", 30.0), "floor_rel": ("pfloat", 1e-6)},
                 requires=("landscape.dynamics.measured:measured_run",),
                 description="GD with lam >= 0; plateaus, off-data-subspace input gradient, effective rank (float)"),
        TaskKind("graph", "landscape.app.sweep:_task_graph",
                 {"lam": ("lam", REQUIRED), "m": ("pint", REQUIRED), "samples": ("pint", None),
                  "seed": ("uint", 0), "max_nodes": ("pint", 5000)},
                 requires=("landscape.graph.adjacency:region_graph",),
                 description="the region graph of width m: benignity and spurious basins"),
        TaskKind("echo", "landscape.app.sweep:_task_echo",
                 {"value": ("json", None), "seconds": ("float", 0.0), "fail": ("bool", False),
                  "uncertified": ("bool", False), "crash": ("bool", False)},
                 needs_dataset=False,
                 description="diagnostic: return value after sleeping; fail or be uncertified on demand"),
        TaskKind("spin", "landscape.app.sweep:_task_spin", {"seconds": ("float", 0.01), "index": ("int", 0)},
                 needs_dataset=False, description="diagnostic: keep one CPU busy for the given seconds"),
    ]
}


def _resolve(target):
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def kind_available(name) -> bool:
    """Whether the kind ``name`` can run in this version (its modules import)."""
    kind = KINDS.get(name)
    if kind is None:
        return False
    try:
        for target in kind.requires:
            _resolve(target)
    except (ImportError, AttributeError):
        return False
    return True


def available_kinds():
    """Names of the task kinds this installation can run.

    >>> {"echo", "spin"} <= set(available_kinds())
    True
    """
    return [name for name in KINDS if kind_available(name)]


# -- task functions ----------------------------------------------------------


def _task_echo(value=None, seconds=0.0, fail=False, uncertified=False, crash=False):
    if seconds > 0:
        time.sleep(seconds)
    if crash:  # kill the worker process (only in a worker: never the sweep itself)
        import multiprocessing

        if multiprocessing.parent_process() is not None:
            os._exit(3)
        raise RuntimeError("echo asked to crash, but runs in the main process")
    if fail:
        raise RuntimeError(f"echo asked to fail (value={value!r})")
    out = {"value": value}
    if uncertified:
        out["certified"] = False
    return out


def _task_spin(seconds=0.01, index=0):
    end = time.perf_counter() + seconds
    count = 0
    while time.perf_counter() < end:
        count += 1
    return {"index": index, "iterations": count}


def _task_cells(ds, max_cells=None):
    from ..geometry.arrangement import enumerate_cells

    arr = enumerate_cells(ds) if max_cells is None else enumerate_cells(ds, max_cells=max_cells)
    return {"count": int(arr.count), "signed_cones": 2 * int(arr.count), "n": int(arr.n), "dim": int(arr.dim)}


def _to_json_ready(obj):
    for attr in ("to_json_obj", "to_dict", "as_dict"):
        if hasattr(obj, attr):
            return getattr(obj, attr)()
    if isinstance(obj, dict):
        return obj
    import dataclasses

    if dataclasses.is_dataclass(obj):
        return dataclasses.asdict(obj)
    raise TypeError(f"cannot turn a {type(obj).__name__} into a JSON result")


def _task_optimum(ds, lam):
    from ..convex.program import RegionProgram

    return _to_json_ready(RegionProgram(ds, lam).global_optimum())


_LANDSCAPES = {}


def _task_analyse(ds, lam, m, measure="uniform", samples=None, seed=0, max_supports=None):
    from ..regions.landscape import Landscape

    # one Landscape per (dataset, lam, measure, ...) and worker: widths share its solves
    key = (ds.content_hash(), str(lam), measure, samples, seed, max_supports)
    land = _LANDSCAPES.get(key)
    if land is None:
        kwargs = {} if max_supports is None else {"max_supports": max_supports}
        land = Landscape(ds, lam, measure=measure, samples=samples, seed=seed, **kwargs)
        if len(_LANDSCAPES) >= 4:
            _LANDSCAPES.pop(next(iter(_LANDSCAPES)))
        _LANDSCAPES[key] = land
    out = _to_json_ready(land.row(int(m)))
    glob = land.glob
    out["V_star"] = {"value": glob.value, "lower": glob.lower, "upper": glob.upper, "certified": glob.certified}
    out["signed_cones"] = land.K
    # uncertified mass per proportion: exact "p/q" text, or a sampled {"estimate", ...}
    masses = [v["estimate"] if isinstance(v, dict) else v for v in (out.get("uncertified") or {}).values()]
    unc_value = max((Fraction(str(v)) for v in masses if v is not None), default=Fraction(0))
    if not out.get("L_star", {}).get("certified", True) or not glob.certified or unc_value != 0:
        out["certified"] = False
        out["reason"] = ("some regions could not be certified (uncertified proportion "
                         f"{unc_value})" if unc_value != 0 else "L*_m or V* not certified")
    return out


def _task_counterexample(ds, lam, m, max_supports=None, samples=None, descents=None, seed=0, steps=20000):
    from .commands import counterexample

    return counterexample(ds, lam, int(m), max_supports=max_supports, samples=samples, descents=descents, seed=seed,
                          steps=steps)


def _task_train(ds, lam, m, init_scale=1e-3, init="gaussian", seed=0, lr=0.01, steps=100_000, grad_tol=1e-16,
                classify=True):
    from ..dynamics import train

    run = train(ds, lam=lam, width=m, init_scale=init_scale, init=init, seed=seed, lr=lr, steps=steps,
                grad_tol=grad_tol)
    last = {k: (float(v[-1]) if len(v) else None) for k, v in run.records.items()}
    out = {"stop_reason": run.stop_reason, "message": run.message, "steps": run.steps,
           "final": last, "cell_changes": run.n_cell_changes}
    if classify:
        from ..dynamics import classify_endpoint

        verdict = classify_endpoint(ds, lam, run)
        obj = _to_json_ready(verdict)
        obj.pop("polished", None)
        out["verdict"] = verdict.verdict
        out["endpoint"] = obj
        if verdict.verdict == "undecided":
            out["certified"] = False
            out["reason"] = verdict.reason
    return out


def _task_graph(ds, lam, m, samples=None, seed=0, max_nodes=5000):
    from ..graph.adjacency import region_graph

    summary = region_graph(ds, lam, int(m), max_nodes=max_nodes, samples=samples, seed=seed).summary()
    out = _to_json_ready(summary)
    uncertified = summary.get("classes", {}).get("uncertified", 0)
    if uncertified:
        out["certified"] = False
        out["reason"] = f"{uncertified} region(s) could not be classified with certificates"
    return out


# ---------------------------------------------------------------------------
# Tasks and their keys
# ---------------------------------------------------------------------------


@dataclass
class Task:
    """One unit of work: a kind, its parameters and (for most kinds) a dataset."""

    key: str
    kind: str
    params: dict
    dataset: str = ""          # the dataset's name
    dataset_hash: str | None = None
    dataset_obj: dict | None = field(default=None, repr=False)  # exact JSON form, sent to workers

    def payload(self):
        return (self.key, self.kind, self.dataset_obj, self.params)

    def meta(self):
        from .. import __version__

        return (self.kind, self.dataset, self.dataset_hash, self.params, __version__)


def task_key(kind, params, dataset_hash=None, version=None) -> str:
    """SHA-256 key of a task: kind, canonical parameters, dataset content hash, version.

    >>> task_key("echo", {"value": 1}, version="0") == task_key("echo", {"value": 1}, version="0")
    True
    >>> task_key("echo", {"value": 1}, version="0") == task_key("echo", {"value": 1}, version="1")
    False
    """
    if version is None:
        from .. import __version__ as version
    text = json.dumps({"kind": kind, "params": canonical_json(params), "dataset": dataset_hash,
                       "version": version}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------------------
# Sweep files
# ---------------------------------------------------------------------------


@dataclass
class Sweep:
    """An expanded sweep: its name, description, datasets and tasks."""

    name: str
    description: str
    tasks: list
    datasets: list = field(default_factory=list)  # Dataset objects
    path: str = ""


class _Lines:
    """Finds the line of a key inside ``[table]`` or the i-th ``[[array]]`` block."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(#.*)?$")
    _KEY = re.compile(r"^\s*(?:\"([^\"]+)\"|'([^']+)'|([A-Za-z0-9_\-]+))\s*=")

    def __init__(self, text):
        self.blocks = {}  # (table, index) -> (header line, {key: line})
        counts = {}
        current = (None, 0)
        self.blocks[current] = (1, {})
        for lineno, line in enumerate(text.splitlines(), start=1):
            m = self._HEADER.match(line)
            if m and not self._KEY.match(line):
                name = m.group(2).strip().strip("\"'")
                if m.group(1) == "[[":
                    index = counts.get(name, 0)
                    counts[name] = index + 1
                else:
                    index = 0
                current = (name, index)
                self.blocks[current] = (lineno, {})
                continue
            k = self._KEY.match(line)
            if k:
                key = k.group(1) or k.group(2) or k.group(3)
                self.blocks[current][1].setdefault(key, lineno)

    def line(self, table, index=0, key=None):
        header, keys = self.blocks.get((table, index), (None, {}))
        if key is not None and key in keys:
            return keys[key]
        return header


def _error(path, line, key, message):
    where = f"{path}:{line}" if line else path
    return InputError(f"{where}: {key}: {message}" if key else f"{where}: {message}")


def load_sweep(path, max_tasks=DEFAULT_MAX_TASKS) -> Sweep:
    """Read and expand a sweep file (see the module docstring).

    Raises
    ------
    InputError
        Naming the file, the line and the key: TOML syntax errors, unknown keys or kinds,
        kinds not available in this version, bad parameter values (``lam <= 0``,
        ``m < 1``, ...), failing generators.
    TooLargeError
        The grids expand to more than ``max_tasks`` tasks (keyword ``max_tasks``).
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise InputError(f"{path}: no such sweep file")
    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    return parse_sweep(text, path, max_tasks=max_tasks)


def parse_sweep(text, path="<sweep>", max_tasks=DEFAULT_MAX_TASKS) -> Sweep:
    """Parse and expand the TOML text of a sweep; ``path`` is used in messages and to
    resolve relative dataset files.  A sweep that would expand to more than
    ``max_tasks`` tasks (or datasets) is refused before it is expanded."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: invalid TOML: {exc}") from None
    lines = _Lines(text)
    base = os.path.dirname(os.path.abspath(path)) if os.path.exists(path) else os.getcwd()

    for key in doc:
        if key not in ("sweep", "dataset", "task"):
            raise _error(path, lines.line(None, 0, key) or lines.line(key), key,
                         "unknown top-level key; expected [sweep], [[dataset]] and [[task]]")
    head = doc.get("sweep")
    if not isinstance(head, dict):
        raise _error(path, 1, "sweep", "missing [sweep] table with a name")
    for key in head:
        if key not in ("name", "description"):
            raise _error(path, lines.line("sweep", 0, key), f"sweep.{key}", "unknown key; expected name, description")
    name = head.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _error(path, lines.line("sweep", 0, "name"), "sweep.name", "must be a non-empty string")
    description = head.get("description", "")
    if not isinstance(description, str):
        raise _error(path, lines.line("sweep", 0, "description"), "sweep.description", "must be a string")

    dataset_blocks = doc.get("dataset", [])
    task_blocks = doc.get("task", [])
    for key, blocks in (("dataset", dataset_blocks), ("task", task_blocks)):
        if not isinstance(blocks, list):
            raise _error(path, lines.line(key) or lines.line(None, 0, key), key,
                         f"must be an array of tables, written [[{key}]]")
    if not task_blocks:
        raise _error(path, None, "task", "the sweep declares no [[task]]")

    datasets = []
    for i, block in enumerate(dataset_blocks):
        datasets.extend(_expand_datasets(block, i, lines, path, base, max_tasks))
    seen = {}
    for ds in datasets:
        h = ds.content_hash()
        if h in seen:
            continue
        seen[h] = ds
    datasets = list(seen.values())

    tasks, keys = [], set()
    for i, block in enumerate(task_blocks):
        for t in _expand_tasks(block, i, lines, path, datasets, max_tasks - len(tasks)):
            if t.key not in keys:
                keys.add(t.key)
                tasks.append(t)
    return Sweep(name=name.strip(), description=description, tasks=tasks, datasets=datasets, path=path)


def _axis(value, where, line, path):
    """A grid axis: a list, a {range = [...]} table, or a single value."""
    if isinstance(value, list):
        if not value:
            raise _error(path, line, where, "an empty list gives no tasks")
        return value
    if isinstance(value, dict):
        if set(value) != {"range"}:
            raise _error(path, line, where, "a table value must be {range = [start, stop]} or [start, stop, step]")
        r = value["range"]
        if not (isinstance(r, list) and 1 <= len(r) <= 3 and all(isinstance(v, int) and not isinstance(v, bool)
                                                                 for v in r)):
            raise _error(path, line, where, "range needs 1 to 3 integers [start, stop, step]")
        try:
            values = range(*r)  # not expanded: its size is checked before the grid is built
        except ValueError as exc:
            raise _error(path, line, where, f"bad range: {exc}") from None
        if not values:
            raise _error(path, line, where, f"range {r} is empty")
        return values
    return [value]


def _grid(block, skip, table, index, lines, path, limit, factor=1):
    """The points of a block's grid; refused (TooLargeError, keyword ``max_tasks``) when
    their number times ``factor`` exceeds ``limit``, before any point is made."""
    names = [k for k in block if k not in skip]
    axes = [_axis(block[k], f"{table}.{k}", lines.line(table, index, k), path) for k in names]
    size = math.prod(len(a) for a in axes) * factor
    if size > limit:
        raise TooLargeError(f"{path}:{lines.line(table, index)}: [[{table}]] number {index + 1} expands to a grid "
                            f"of tasks", size, limit, "max_tasks")
    for combo in itertools.product(*axes):
        yield dict(zip(names, combo))


def _expand_datasets(block, index, lines, path, base, limit):
    import inspect

    from ..data import GENERATORS, generate, load_dataset

    line = lines.line("dataset", index)
    has_file, has_gen = "file" in block, "generator" in block
    if has_file == has_gen:
        raise _error(path, line, "dataset", "each [[dataset]] needs exactly one of 'file' or 'generator'")
    name = block.get("name")
    if name is not None and not isinstance(name, str):
        raise _error(path, lines.line("dataset", index, "name"), "dataset.name", "must be a string")
    out = []
    if has_file:
        for key in block:
            if key not in ("file", "bias", "name"):
                raise _error(path, lines.line("dataset", index, key), f"dataset.{key}",
                             "unknown key for a file dataset; expected file, bias, name")
        bias = block.get("bias")
        if bias is not None and not isinstance(bias, bool):
            raise _error(path, lines.line("dataset", index, "bias"), "dataset.bias", "must be true or false")
        files = _axis(block["file"], "dataset.file", lines.line("dataset", index, "file"), path)
        for f in files:
            if not isinstance(f, str):
                raise _error(path, lines.line("dataset", index, "file"), "dataset.file", "must be a path string")
            full = f if os.path.isabs(f) else os.path.join(base, f)
            try:
                ds = load_dataset(full, bias=bias)
            except InputError as exc:
                raise _error(path, lines.line("dataset", index, "file"), "dataset.file", str(exc)) from None
            if name and len(files) == 1:
                ds = type(ds)(ds.X_exact, ds.y_exact, ds.bias, name)
            out.append(ds)
        return out
    kind = block["generator"]
    gline = lines.line("dataset", index, "generator")
    if not isinstance(kind, str) or kind not in GENERATORS:
        raise _error(path, gline, "dataset.generator",
                     f"unknown generator {kind!r}; choose from {', '.join(sorted(GENERATORS))}")
    accepted = inspect.signature(GENERATORS[kind]).parameters
    for key in block:
        if key in ("generator", "name"):
            continue
        if key not in accepted:
            raise _error(path, lines.line("dataset", index, key), f"dataset.{key}",
                         f"generator {kind!r} takes no parameter {key!r}; it takes {', '.join(accepted)}")
    grid = list(_grid(block, {"generator", "name"}, "dataset", index, lines, path, limit))
    for point in grid:
        for key, value in point.items():
            if key == "bias":
                ok = isinstance(value, bool)
            else:
                ok = isinstance(value, int) and not isinstance(value, bool) or isinstance(value, float)
            if not ok:
                raise _error(path, lines.line("dataset", index, key), f"dataset.{key}", f"bad value {value!r}")
        try:
            ds = generate(kind, **point)
        except InputError as exc:
            raise _error(path, gline, "dataset.generator", f"{kind}({_fmt_point(point)}): {exc}") from None
        except TypeError as exc:
            raise _error(path, gline, "dataset.generator", f"{kind}({_fmt_point(point)}): {exc}") from None
        if name:
            suffix = "" if len(grid) == 1 else "_" + "_".join(f"{k}{v}" for k, v in point.items())
            ds = type(ds)(ds.X_exact, ds.y_exact, ds.bias, name + suffix)
        out.append(ds)
    return out


def _fmt_point(point):
    return ", ".join(f"{k}={v!r}" for k, v in point.items())


def _convert(value, typ, where, line, path):
    from ..data import parse_rational

    wanted = {"rational": "a rational", "lam": "a rational > 0", "pint": "an integer >= 1", "uint": "an integer >= 0",
              "pfloat": "a finite number > 0"}.get(typ, "a " + typ)
    bad = _error(path, line, where, f"expected {wanted}, got {value!r}")
    if typ == "lam":
        q = _convert(value, "rational", where, line, path)
        if q <= 0:
            raise _error(path, line, where, f"lam must be > 0, got {q}")
        return q
    if typ == "uint":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise bad
        return value
    if typ == "pint":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise bad
        return value
    if typ == "pfloat":
        value = _convert(value, "float", where, line, path)
        if not value > 0:
            raise bad
        return value
    if typ == "rational":
        if isinstance(value, bool):
            raise bad
        if isinstance(value, float):
            if not math.isfinite(value):
                raise _error(path, line, where, f"non-finite value {value!r}")
            value = repr(value)  # 0.01 in a sweep file means 1/100
        try:
            return parse_rational(value, where)
        except InputError as exc:
            raise _error(path, line, where, str(exc).split(": ", 1)[-1]) from None
    if typ == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad
        return value
    if typ == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise bad
        return float(value)
    if typ == "str":
        if not isinstance(value, str):
            raise bad
        return value
    if typ == "bool":
        if not isinstance(value, bool):
            raise bad
        return value
    if typ == "json":
        return value
    raise ValueError(typ)  # pragma: no cover


def _expand_tasks(block, index, lines, path, datasets, limit):
    line = lines.line("task", index)
    kind_name = block.get("kind")
    kline = lines.line("task", index, "kind")
    if not isinstance(kind_name, str):
        raise _error(path, line, "task.kind", "each [[task]] needs a kind")
    if kind_name not in KINDS:
        raise _error(path, kline, "task.kind", f"unknown task kind {kind_name!r}; choose from {', '.join(KINDS)}")
    if not kind_available(kind_name):
        raise _error(path, kline, "task.kind", f"task kind {kind_name} is not available in this version")
    kind = KINDS[kind_name]
    for key in block:
        if key != "kind" and key not in kind.params:
            raise _error(path, lines.line("task", index, key), f"task.{key}",
                         f"kind {kind_name!r} takes no parameter {key!r}; it takes {', '.join(kind.params) or 'none'}")
    for key, (_, default) in kind.params.items():
        if default is REQUIRED and key not in block:
            raise _error(path, line, f"task.{key}", f"kind {kind_name!r} needs the parameter {key!r}")
    if kind.needs_dataset and not datasets:
        raise _error(path, kline, "task.kind", f"kind {kind_name!r} needs data but the sweep has no [[dataset]]")
    out = []
    factor = len(datasets) if kind.needs_dataset else 1
    for point in _grid(block, {"kind"}, "task", index, lines, path, limit, factor):
        params = {}
        for key, (typ, default) in kind.params.items():
            if key in point:
                params[key] = _convert(point[key], typ, f"task.{key}", lines.line("task", index, key), path)
            elif default is not REQUIRED and default is not None:
                params[key] = default
        for ds in (datasets if kind.needs_dataset else [None]):
            dhash = ds.content_hash() if ds is not None else None
            out.append(Task(key=task_key(kind_name, params, dhash), kind=kind_name, params=params,
                            dataset=ds.name if ds is not None else "", dataset_hash=dhash,
                            dataset_obj=_dataset_payload(ds) if ds is not None else None))
    return out


def _dataset_payload(ds):
    obj = ds.to_json_obj()
    obj["bias"] = ds.bias
    obj["name"] = ds.name
    return obj


# ---------------------------------------------------------------------------
# Workers
# ---------------------------------------------------------------------------

_DATASET_CACHE = {}


def _dataset_from_payload(obj):
    key = json.dumps(obj, sort_keys=True)
    ds = _DATASET_CACHE.get(key)
    if ds is None:
        from ..data import Dataset

        ds = Dataset.from_arrays(obj["X"], obj["y"], bias=obj.get("bias", False), name=obj.get("name", ""))
        if len(_DATASET_CACHE) > 64:
            _DATASET_CACHE.clear()
        _DATASET_CACHE[key] = ds
    return ds


def _finite(obj):
    """Replace NaN and infinities (not JSON, and refused by SQLite's json functions) by the
    strings "NaN", "Infinity", "-Infinity"."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return "NaN" if obj != obj else ("Infinity" if obj > 0 else "-Infinity")
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


def run_one(payload) -> TaskRecord:
    """Run one task payload ``(key, kind, dataset_obj, params)`` and never raise
    (except for KeyboardInterrupt/SystemExit): failures become ``failed`` records."""
    key, kind_name, dataset_obj, params = payload
    started = time.time()
    t0 = time.perf_counter()
    try:
        kind = KINDS.get(kind_name)
        if kind is None or not kind_available(kind_name):
            raise InputError(f"task kind {kind_name} is not available in this version")
        fn = _resolve(kind.function)
        if kind.needs_dataset:
            result = fn(_dataset_from_payload(dataset_obj), **params)
        else:
            result = fn(**params)
        if not isinstance(result, dict):
            raise TypeError(f"task kind {kind_name} returned a {type(result).__name__}, expected a dict")
        text = json.dumps(_finite(json.loads(json.dumps(result, default=json_default, allow_nan=True))),
                          sort_keys=True, allow_nan=False)
        status = "uncertified" if result.get("certified") is False else "done"
        error = None
        if status == "uncertified":
            error = str(result.get("reason", "")) or None
    except Exception as exc:  # recorded, never dropped
        status = "failed"
        error = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__
        text = json.dumps({"traceback": traceback.format_exc(limit=8)})
    seconds = time.perf_counter() - t0
    return TaskRecord(key=key, status=status, result=text, error=error, started=started,
                      finished=time.time(), seconds=seconds, host=socket.gethostname())


def run_batch(payloads):
    """Run a batch of task payloads in order; the unit of work sent to a worker."""
    return [run_one(p) for p in payloads]


def _worker_init():  # pragma: no cover - runs in worker processes
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    if sys.platform.startswith("linux"):
        try:  # die with the parent, even if it is SIGKILLed
            import ctypes

            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
            if os.getppid() == 1:
                os._exit(1)
        except Exception:
            pass


# ---------------------------------------------------------------------------
# Backends: in-process, local process pool, Dask distributed
# ---------------------------------------------------------------------------


class _InlineBackend:
    slots = 1
    name = "inline"

    def submit(self, batch):
        return ("inline", run_batch(batch))

    def wait(self, futures, timeout=None):
        return list(futures)

    def result(self, fut):
        return fut[1]

    def close(self, cancel=False):
        pass


class _PoolBackend:
    name = "process-pool"

    def __init__(self, workers):
        import concurrent.futures as cf
        import multiprocessing as mp

        method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
        self._cf = cf
        self.slots = workers
        self.pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context(method),
                                           initializer=_worker_init)

    def submit(self, batch):
        return self.pool.submit(run_batch, batch)

    def wait(self, futures, timeout=None):
        done, _ = self._cf.wait(list(futures), timeout=timeout, return_when=self._cf.FIRST_COMPLETED)
        return list(done)

    def result(self, fut):
        return fut.result()

    def close(self, cancel=False):
        if cancel:
            procs = list(getattr(self.pool, "_processes", {}).values())
            self.pool.shutdown(wait=False, cancel_futures=True)
            for p in procs:
                p.terminate()
            for p in procs:
                p.join(5)
        else:
            self.pool.shutdown(wait=True)


DASK_CONNECT_TIMEOUT = "10s"


class _DaskBackend:
    name = "dask"

    def __init__(self, scheduler):
        try:
            import distributed
        except ImportError:
            raise InputError("--scheduler needs the 'distributed' package (Dask)") from None
        self._distributed = distributed
        if isinstance(scheduler, distributed.Client):
            self.client, self._own = scheduler, False
        else:
            try:
                self.client = distributed.Client(scheduler, timeout=DASK_CONNECT_TIMEOUT)
            except (OSError, TimeoutError) as exc:
                raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
            self._own = True
        self.slots = max(1, sum(self.client.nthreads().values()))

    def submit(self, batch):
        return self.client.submit(run_batch, batch, pure=False)

    def wait(self, futures, timeout=None):
        try:
            res = self._distributed.wait(list(futures), timeout=timeout, return_when="FIRST_COMPLETED")
        except self._distributed.TimeoutError:
            return []
        return list(res.done)

    def result(self, fut):
        return fut.result()

    def close(self, cancel=False):
        if self._own:
            self.client.close()


def _default_workers():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        return os.cpu_count() or 1


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------

TARGET_BATCH_SECONDS = 0.25


def _batch_size(mean, remaining, slots, previous=1):
    """Tasks per batch: about TARGET_BATCH_SECONDS of work, at most a fair share of what is
    left, and at most twice the previous batch (task times vary across a sweep)."""
    if mean is None:
        return 1
    by_time = int(TARGET_BATCH_SECONDS / max(mean, 1e-6))
    fair = math.ceil(remaining / (2 * slots))
    return max(1, min(by_time, fair, 2 * previous, 2000))


#: seconds between two looks at tasks another sweep is running
POLL_SECONDS = 0.5


def run_tasks(tasks, store, workers=None, scheduler=None, progress=None, label="sweep", include_failed=True):
    """Run ``tasks`` and record each in ``store``; return counts and timings.

    ``workers=1`` without a scheduler runs in this process; ``workers>1`` uses a local
    process pool; ``scheduler`` (an address or a ``distributed.Client``) uses Dask.
    Tasks go out in batches sized from the measured task time (about a quarter of a
    second of work each) so that many small tasks are not slowed by the transport.

    Every task is claimed in the store before it runs (:meth:`Store.claim`, a lease
    renewed while it runs): concurrent sweeps into one store share the work, and a task
    another sweep holds is waited for, and taken over if that sweep's lease expires.
    ``include_failed`` counts tasks stored as failed as finished (else they run again).
    The counts include ``by_others``: tasks finished meanwhile by another sweep.
    """
    from .store import LEASE_SECONDS

    if workers is None:
        workers = _default_workers()
    if workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    meta = {t.key: t.meta() for t in tasks}
    pending = deque(t.payload() for t in tasks)
    counts = {"done": 0, "failed": 0, "uncertified": 0, "by_others": 0}
    task_seconds = 0.0
    t_start = time.perf_counter()
    if not pending:
        return {**counts, "ran": 0, "seconds": 0.0, "task_seconds": 0.0, "backend": "none"}
    if scheduler is not None:
        backend = _DaskBackend(scheduler)
    elif workers == 1:
        backend = _InlineBackend()
    else:
        backend = _PoolBackend(min(workers, len(pending)))
    worker = f"{socket.gethostname()}:{os.getpid()}:{os.urandom(4).hex()}"
    bar = _progress(len(pending), label, progress)
    in_flight = {}
    waiting = []  # payloads another sweep holds a lease on
    mean = None
    previous = 1
    finished = 0
    renewed = time.monotonic()
    try:
        while pending or in_flight or waiting:
            while pending and len(in_flight) < 2 * backend.slots:
                size = _batch_size(mean, len(pending), backend.slots, previous)
                previous = size
                candidates = [pending.popleft() for _ in range(min(size, len(pending)))]
                claimed = set(store.claim([p[0] for p in candidates], worker, include_failed=include_failed))
                waiting.extend(p for p in candidates if p[0] not in claimed)
                batch = [p for p in candidates if p[0] in claimed]
                if batch:
                    fut = backend.submit(batch)
                    in_flight[id(fut)] = (fut, batch)
            if not in_flight:
                if waiting:
                    if not pending:
                        time.sleep(POLL_SECONDS)
                    waiting, freed, others = _look_again(store, waiting, worker, include_failed)
                    pending.extend(freed)
                    counts["by_others"] += others
                    finished += others
                    if bar is not None and others:
                        bar.update(others)
                continue
            done = backend.wait([f for f, _ in in_flight.values()], timeout=LEASE_SECONDS / 3)
            if time.monotonic() - renewed > LEASE_SECONDS / 6:  # keep the running tasks' leases
                store.renew([p[0] for _, b in in_flight.values() for p in b], worker)
                renewed = time.monotonic()
            for fut in done:
                entry = in_flight.pop(id(fut), None)
                if entry is None:  # re-queued after a pool restart
                    continue
                batch = entry[1]
                try:
                    records = backend.result(fut)
                except Exception as exc:  # a worker died: record, go on
                    msg = f"worker lost ({type(exc).__name__}: {exc})".splitlines()[0]
                    records = [TaskRecord(key=p[0], status="failed", error=msg, result="{}",
                                          seconds=None) for p in batch]
                    if isinstance(backend, _PoolBackend) and "Broken" in type(exc).__name__:
                        backend.close(cancel=True)
                        backend = _PoolBackend(backend.slots)
                        for f2, b2 in in_flight.values():
                            pending.extendleft(reversed(b2))
                        in_flight.clear()
                store.record(records, meta)
                for r in records:
                    counts[r.status] += 1
                    task_seconds += r.seconds or 0.0
                finished += len(records)
                timed = [r.seconds for r in records if r.seconds is not None]
                if timed:
                    batch_mean = sum(timed) / len(timed)
                    mean = batch_mean if mean is None else 0.5 * mean + 0.5 * batch_mean
                if bar is not None:
                    bar.update(len(records))
                    bar.set_postfix(done=counts["done"], failed=counts["failed"],
                                    uncertified=counts["uncertified"], left=len(tasks) - finished, refresh=False)
    except BaseException:
        backend.close(cancel=True)
        if bar is not None:
            bar.close()
        try:  # let other sweeps take over at once
            store.release([p[0] for _, b in in_flight.values() for p in b] + [p[0] for p in pending], worker)
        except Exception:  # pragma: no cover - the store itself failed
            pass
        raise
    backend.close()
    if bar is not None:
        bar.close()
    elapsed = time.perf_counter() - t_start
    return {**counts, "ran": finished - counts["by_others"], "seconds": elapsed, "task_seconds": task_seconds,
            "backend": backend.name, "slots": backend.slots}


def _look_again(store, waiting, worker, include_failed):
    """Split tasks held by other sweeps into (still held, free to claim, count finished)."""
    keys = [p[0] for p in waiting]
    finished = store.finished_keys(keys, include_failed=include_failed)
    held = store.claimed_elsewhere(keys, worker)
    still = [p for p in waiting if p[0] not in finished and p[0] in held]
    freed = [p for p in waiting if p[0] not in finished and p[0] not in held]
    return still, freed, len(finished)


def _progress(total, label, progress):
    if progress is False:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover
        return None
    return tqdm(total=total, desc=label, unit="task", file=sys.stderr, dynamic_ncols=True,
                disable=None if progress is None else not progress)


def run_sweep(sweep, store, workers=None, scheduler=None, progress=None, retry_failed=False):
    """Run the tasks of ``sweep`` that ``store`` does not hold yet; return a summary.

    Parameters
    ----------
    sweep : Sweep
        From :func:`load_sweep`.
    store : Store
        Where every finished task is written (one row each, whole rows only).
    workers : int, optional
        Local processes; default the number of cores available.  ``1`` runs in-process.
    scheduler : str or distributed.Client, optional
        Address of a running Dask distributed scheduler; overrides ``workers``.
    progress : bool, optional
        Show a tqdm progress bar on stderr (default: when stderr is a terminal).
    retry_failed : bool
        Run again the tasks whose stored status is ``failed`` (default: keep them).

    Returns
    -------
    dict
        ``tasks`` (declared), ``skipped`` (already stored), ``ran``, ``done``, ``failed``,
        ``uncertified``, ``by_others`` (finished meanwhile by a concurrent sweep), ``seconds`` (wall time), ``task_seconds`` (sum over tasks),
        ``overhead_per_task`` (seconds), and the store's totals for the sweep.
    """
    store.declare(sweep.name, [(t.key, t.kind, t.dataset, t.dataset_hash, t.params) for t in sweep.tasks])
    have = store.finished_keys([t.key for t in sweep.tasks], include_failed=not retry_failed)
    todo = [t for t in sweep.tasks if t.key not in have]
    stats = run_tasks(todo, store, workers=workers, scheduler=scheduler, progress=progress, label=sweep.name,
                      include_failed=not retry_failed)
    slots = stats.get("slots", 1)
    overhead = None
    if stats["ran"]:
        overhead = max(0.0, stats["seconds"] * slots - stats["task_seconds"]) / stats["ran"]
    totals = store.counts(sweep.name)
    return {
        "sweep": sweep.name, "store": store.path, "tasks": len(sweep.tasks), "skipped": len(sweep.tasks) - len(todo),
        "ran": stats["ran"], "done": stats["done"], "failed": stats["failed"], "uncertified": stats["uncertified"],
        "by_others": stats["by_others"],
        "seconds": round(stats["seconds"], 4), "task_seconds": round(stats["task_seconds"], 4),
        "overhead_per_task": overhead, "backend": stats["backend"], "slots": slots,
        "store_totals": {s: totals.get(s, 0) for s in ("done", "failed", "uncertified")},
    }
