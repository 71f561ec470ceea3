"""Command-line interface: a thin layer over the Python API.

Every command prints JSON (or the requested format) to stdout, or writes it to
``--out FILE``.  Bad input of any kind (:class:`~landscape.errors.InputError`) ends with a
one-line message on stderr and exit status 2, never a traceback.

Each command is a pair ``_add_<name>(subparsers)`` / ``_cmd_<name>(args)``; the handler
calls the library and returns the object to print.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from fractions import Fraction

from . import __version__
from .errors import InputError

EXIT_INPUT = 2


# ---------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _rational(text):
    """argparse type: an exact rational from decimal or p/q text."""
    from .data import parse_rational

    try:
        return parse_rational(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_data_argument(p):
    """The DATA positional and the ``--bias`` flag shared by every analysis command."""
    p.add_argument("data", metavar="DATA", help="dataset file (.json, .csv or .npz)")
    p.add_argument("--bias", action="store_true", default=None,
                   help="append a constant 1 to every row (overrides the file's flag)")


def add_out_argument(p):
    p.add_argument("--out", metavar="FILE", help="write the result here instead of stdout")


def load_data(args):
    from .data import load_dataset

    return load_dataset(args.data, bias=args.bias)


def dumps(obj) -> str:
    """JSON text; Fractions become exact ``"p/q"`` strings, numpy values plain numbers.

    Lists of scalars stay on one line so that matrices read row by row.

    >>> print(dumps({"a": [1, Fraction(1, 3)], "b": {"c": [[1, 2], [3, 4]]}}))
    {
     "a": [1, "1/3"],
     "b": {
      "c": [
       [1, 2],
       [3, 4]
      ]
     }
    }
    """
    return _dumps(json.loads(json.dumps(obj, default=_json_default)), 0)


def _dumps(o, depth):
    pad = " " * (depth + 1)
    if isinstance(o, dict) and o:
        items = [f"{pad}{json.dumps(k)}: {_dumps(v, depth + 1)}" for k, v in o.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}"
    if isinstance(o, list) and any(isinstance(v, (list, dict)) for v in o):
        items = [pad + _dumps(v, depth + 1) for v in o]
        return "[\n" + ",\n".join(items) + "\n" + " " * depth + "]"
    return json.dumps(o, separators=(", ", ": "))


def _json_default(o):
    import numpy as np

    if isinstance(o, Fraction):
        return str(o)
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    raise TypeError(f"cannot serialise {type(o).__name__}")


def emit(text: str, out: str | None) -> None:
    """Print ``text`` or write it atomically to ``out``."""
    if not text.endswith("\n"):
        text += "\n"
    if out is None:
        sys.stdout.write(text)
        return
    directory = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(directory):
        raise InputError(f"--out {out}: directory {directory} does not exist")
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, out)


# ---------------------------------------------------------------------------
# landscape cells
# ---------------------------------------------------------------------------


def _add_cells(sub):
    from .arrangement import DEFAULT_MAX_CELLS

    p = sub.add_parser("cells", help="enumerate the cells (activation patterns) of the data's arrangement")
    add_data_argument(p)
    p.add_argument("--adjacency", action="store_true", help="also list pairs of cells sharing a facet")
    p.add_argument("--format", choices=["json", "csv"], default="json")
    p.add_argument("--max-cells", type=_positive_int, default=DEFAULT_MAX_CELLS,
                   help=f"refuse instances whose estimated cell count exceeds this (default {DEFAULT_MAX_CELLS:,})")
    add_out_argument(p)
    p.set_defaults(handler=_cmd_cells)


def _cmd_cells(args):
    from .arrangement import enumerate_cells

    ds = load_data(args)
    arr = enumerate_cells(ds, max_cells=args.max_cells)
    facets = arr.adjacency() if args.adjacency else None
    if args.format == "csv":
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
    obj = arr.to_json_obj()
    if facets is not None:
        obj["adjacency"] = [f.to_json_obj() for f in facets]
    return dumps(obj)


# ---------------------------------------------------------------------------
# landscape data gen
# ---------------------------------------------------------------------------


def _add_data(sub):
    from .data import GENERATORS

    p = sub.add_parser("data", help="dataset utilities")
    dsub = p.add_subparsers(dest="data_command", required=True, metavar="{gen}")
    g = dsub.add_parser("gen", help="generate a dataset and write it to a file")
    g.add_argument("kind", choices=sorted(GENERATORS))
    g.add_argument("--n", type=_positive_int, help="number of samples")
    g.add_argument("--d", type=_positive_int, help="input dimension")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--width", type=_positive_int, help="teacher width (relu-teacher)")
    g.add_argument("--b", type=_positive_int, help="the parameter b of the chistikov family")
    g.add_argument("--bias", action="store_true", default=None, help="mark the dataset as using a bias")
    g.add_argument("--out", metavar="FILE", required=True, help="output file (.json, .csv or .npz)")
    g.set_defaults(handler=_cmd_data_gen)


def _cmd_data_gen(args):
    import inspect

    from .data import GENERATORS, generate, save_dataset

    accepted = inspect.signature(GENERATORS[args.kind]).parameters
    params = {k: getattr(args, k) for k in ("n", "d", "seed", "width", "b", "bias") if getattr(args, k) is not None}
    unused = [k for k in params if k not in accepted and k != "seed"]
    if unused:
        raise InputError(f"generator {args.kind!r} does not take --{', --'.join(unused)}")
    missing = [k for k, v in accepted.items() if v.default is inspect.Parameter.empty and k not in params]
    if missing:
        raise InputError(f"generator {args.kind!r} needs --{', --'.join(missing)}")
    ds = generate(args.kind, **{k: v for k, v in params.items() if k in accepted})
    save_dataset(ds, args.out)
    return dumps({"wrote": args.out, "kind": args.kind, "n": ds.n, "d": ds.d, "bias": ds.bias})


# ---------------------------------------------------------------------------
# landscape sweep  (landscape/sweep.py, landscape/store.py)
# ---------------------------------------------------------------------------


def _add_sweep(sub):
    p = sub.add_parser("sweep", help="run a sweep file; finished tasks are kept in a results store")
    p.add_argument("file", metavar="FILE", help="sweep file (TOML)")
    p.add_argument("--workers", type=_positive_int, default=None,
                   help="local worker processes (default: the number of cores; 1 runs in-process)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="address of a running Dask distributed scheduler")
    p.add_argument("--store", metavar="DB",
                   help="results store (default: $LANDSCAPE_STORE, else ./landscape-results.sqlite)")
    p.add_argument("--retry-failed", action="store_true", help="run again the tasks stored as failed")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    p.add_argument("--dry-run", action="store_true", help="list the tasks and how many are stored, run nothing")
    add_out_argument(p)
    p.set_defaults(handler=_cmd_sweep)


def _cmd_sweep(args):
    from .store import Store
    from .sweep import load_sweep, run_sweep

    sweep = load_sweep(args.file)
    with Store(args.store) as store:
        if args.dry_run:
            have = store.finished_keys([t.key for t in sweep.tasks], include_failed=not args.retry_failed)
            return dumps({"sweep": sweep.name, "tasks": len(sweep.tasks), "stored": len(have),
                          "to_run": len(sweep.tasks) - len(have), "datasets": [d.name for d in sweep.datasets],
                          "kinds": sorted({t.kind for t in sweep.tasks})})
        summary = run_sweep(sweep, store, workers=args.workers, scheduler=args.scheduler,
                            progress=args.progress, retry_failed=args.retry_failed)
    if summary["failed"]:
        print(f"landscape sweep: {summary['failed']} task(s) failed; their errors are in the store "
              f"(landscape table {store.path} --query \"SELECT key, error FROM tasks WHERE status = 'failed'\")",
              file=sys.stderr)
    return dumps(summary)


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------

_COMMANDS = [_add_cells, _add_data, _add_sweep]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit status 2, no usage dump
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="landscape", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"landscape {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in _COMMANDS:
        add(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.handler(args)
        if isinstance(result, str):
            emit(result, getattr(args, "out", None) if args.command != "data" else None)
        return 0
    except InputError as exc:
        print(f"landscape {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print(f"landscape {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
