"""Command-line interface: a thin layer over the Python API.

Every command prints JSON (or the requested format) to stdout, or writes it to
``--out FILE``.  Bad input of any kind (:class:`~landscape.errors.InputError`) ends with a
one-line message on stderr and exit status 2, never a traceback.

Each command is a pair ``_add_<name>(subparsers)`` / ``_cmd_<name>(args)``; the handler
calls the library and returns the object to print.
"""

from __future__ import annotations

import argparse
import os
import sys
from fractions import Fraction

from . import __version__
from .errors import InputError
from .results.serialize import dumps  # noqa: F401  (used by every command)

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
    from .geometry.arrangement import DEFAULT_MAX_CELLS

    p = sub.add_parser("cells", help="enumerate the cells (activation patterns) of the data's arrangement")
    add_data_argument(p)
    p.add_argument("--adjacency", action="store_true", help="also list pairs of cells sharing a facet")
    p.add_argument("--format", choices=["json", "csv", "npz"], default="json",
                   help="json or csv text, or npz: packed patterns and integer witnesses for large outputs "
                        "(needs --out; read back with landscape.geometry.load_cells)")
    p.add_argument("--max-cells", type=_positive_int, default=DEFAULT_MAX_CELLS,
                   help=f"refuse instances whose estimated cell count exceeds this (default {DEFAULT_MAX_CELLS:,})")
    add_out_argument(p)
    p.set_defaults(handler=_cmd_cells)


def _cmd_cells(args):
    from .errors import TooLargeError
    from .geometry import cells_csv, cells_json, enumerate_cells, write_cells_npz

    if args.format == "npz" and args.out is None:
        raise InputError("--format npz writes a binary file: give --out FILE")
    ds = load_data(args)
    try:
        arr = enumerate_cells(ds, max_cells=args.max_cells)
    except TooLargeError as exc:  # the library names the keyword, the command its flag
        exc.override = "--max-cells"
        exc.args = (str(exc).replace("raise it with max_cells", "raise it with --max-cells"),)
        raise
    if args.format == "npz":
        write_cells_npz(arr, args.out, adjacency=args.adjacency)
        return None
    facets = arr.adjacency() if args.adjacency else None
    if args.format == "csv":
        return cells_csv(arr, facets)
    return cells_json(arr, facets)


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
    from .app.store import Store
    from .app.sweep import load_sweep, run_sweep

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
# landscape train  (landscape/dynamics/)
# ---------------------------------------------------------------------------


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def _add_train(sub):
    from .dynamics import INITS

    p = sub.add_parser("train", help="gradient descent on the data, with the endpoint classified exactly")
    add_data_argument(p)
    p.add_argument("--lam", type=_rational, required=True, help="weight decay (exact: decimal or p/q)")
    p.add_argument("--width", type=_positive_int, required=True, help="number of neurons m")
    p.add_argument("--init-scale", type=_positive_float, required=True, metavar="A",
                   help="initialisation scale alpha (w_j ~ N(0, alpha^2 I), a_j = +-|w_j|)")
    p.add_argument("--init", choices=INITS, default="gaussian")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr", type=_positive_float, default=0.01, help="step size (default 0.01)")
    p.add_argument("--steps", type=_positive_int, default=100_000, help="step budget (default 100000)")
    p.add_argument("--grad-tol", type=_positive_float, default=1e-16,
                   help="stop when |grad L|^2 falls below this (default 1e-16)")
    p.add_argument("--no-classify", action="store_true", help="skip the exact endpoint classification")
    p.add_argument("--plot", action="store_true", help="write loss.png (and directions.png for d = 2, 3) to --out")
    p.add_argument("--out", dest="out_dir", metavar="DIR",
                   help="write trajectory.csv, cell_changes.csv and result.json here")
    p.set_defaults(handler=_cmd_train)


def _cmd_train(args):
    from .dynamics import command_train

    if args.out_dir is not None and os.path.exists(args.out_dir) and not os.path.isdir(args.out_dir):
        raise InputError(f"--out {args.out_dir}: exists and is not a directory")
    if args.width > 100_000:
        raise InputError(f"--width {args.width}: at most 100000 neurons")
    if args.plot and args.out_dir is None:
        raise InputError("--plot needs --out DIR")
    return dumps(command_train(load_data(args), lam=args.lam, width=args.width, init_scale=args.init_scale,
                               init=args.init, seed=args.seed, lr=args.lr, steps=args.steps, grad_tol=args.grad_tol,
                               classify=not args.no_classify, plot=args.plot, out_dir=args.out_dir))


# ---------------------------------------------------------------------------
# landscape table / plot  (landscape/reports.py)
# ---------------------------------------------------------------------------

_DEFAULT_TABLE_QUERY = ("SELECT sweep, kind, status, count(*) AS tasks, round(sum(seconds), 3) AS seconds "
                        "FROM results GROUP BY sweep, kind, status ORDER BY sweep, kind, status")


def _add_table(sub):
    p = sub.add_parser("table", help="tabulate a results store (csv, markdown or LaTeX booktabs)")
    p.add_argument("db", metavar="DB", help="results store written by `landscape sweep`")
    p.add_argument("--query", metavar="SQL",
                   help="read-only SELECT over the tables/views tasks, sweep_tasks, results "
                        "(default: task counts per sweep, kind and status)")
    p.add_argument("--format", choices=["csv", "markdown", "latex"], default="markdown")
    p.add_argument("--digits", type=_positive_int, default=6, help="significant digits (default 6)")
    p.add_argument("--caption", help="LaTeX: wrap in a table environment with this caption")
    p.add_argument("--label", help="LaTeX: \\label of the table environment")
    add_out_argument(p)
    p.set_defaults(handler=_cmd_table)


def _cmd_table(args):
    from .app.reports import render_table
    from .app.store import Store

    with Store(args.db, readonly=True) as store:
        names, rows = store.query(args.query or _DEFAULT_TABLE_QUERY)
    return render_table(names, rows, args.format, digits=args.digits, caption=args.caption, label=args.label)


def _add_plot(sub):
    p = sub.add_parser("plot", help="plot a query on a results store (PNG or PDF)")
    p.add_argument("db", metavar="DB", help="results store written by `landscape sweep`")
    p.add_argument("--query", metavar="SQL", required=True, help="read-only SELECT giving the columns to plot")
    p.add_argument("--x", required=True, help="column for the horizontal axis")
    p.add_argument("--y", required=True, help="column for the vertical axis (intervals get error bars)")
    p.add_argument("--group", help="one line per value of this column")
    p.add_argument("--vline", help="a number, or a column whose value gets a dashed vertical line "
                                   "(e.g. the number of signed cones)")
    p.add_argument("--xlog", action="store_true")
    p.add_argument("--ylog", action="store_true")
    p.add_argument("--title")
    p.add_argument("--out", metavar="FILE", required=True, help="output file, .png or .pdf")
    p.set_defaults(handler=_cmd_plot)


def _cmd_plot(args):
    from .app.reports import plot_figure
    from .app.store import Store

    vline = args.vline
    if vline is not None:
        try:
            vline = float(vline)
        except ValueError:
            pass
    with Store(args.db, readonly=True) as store:
        names, rows = store.query(args.query)
    plot_figure(names, rows, args.x, args.y, args.out, group=args.group, vline=vline, xlog=args.xlog,
                ylog=args.ylog, title=args.title)
    print(dumps({"wrote": args.out, "rows": len(rows)}))
    return None


# ---------------------------------------------------------------------------
# landscape verify  (landscape/claims.py)
# ---------------------------------------------------------------------------


def _add_verify(sub):
    p = sub.add_parser("verify", help="check literature claims on small instances, one row per claim")
    p.add_argument("claims", nargs="*", metavar="CLAIM", help="claim names (default: all)")
    p.add_argument("--list", action="store_true", help="list the claims and exit")
    p.add_argument("--format", choices=["markdown", "csv", "latex", "json"], default="markdown")
    add_out_argument(p)
    p.set_defaults(handler=_cmd_verify)


def _cmd_verify(args):
    from .app.claims import CLAIMS, run_claims
    from .app.reports import render_table

    if args.list:
        return "\n".join(f"{c.name}: {c.citation} -- {c.instance}" for c in CLAIMS.values())
    rows = run_claims(args.claims)
    if args.format == "json":
        text = dumps([r.to_json_obj() for r in rows])
    else:
        names = ["claim", "citation", "instance", "expected", "observed", "status"]
        text = render_table(names, [(r.name, r.citation, r.instance, r.expected, r.observed, r.status)
                                    for r in rows], args.format)
    bad = [r.name for r in rows if r.status != "pass"]
    if bad:
        print(f"landscape verify: {len(bad)} claim(s) did not pass: {', '.join(bad)}", file=sys.stderr)
    return text, (1 if bad else 0)


# ---------------------------------------------------------------------------
# landscape optimum / check / interpolate  (landscape/convex.py, landscape/classify.py)
# ---------------------------------------------------------------------------


def _add_optimum(sub):
    p = sub.add_parser("optimum", help="certified global optimum V* (or the width-m optimum L*_m)")
    add_data_argument(p)
    p.add_argument("--lam", type=_rational, required=True, help="weight decay (exact, > 0)")
    p.add_argument("--width", type=_positive_int, help="width m: compute L*_m instead of V*")
    p.add_argument("--solver", default="clarabel", help="clarabel (default), cvxpy or cvxpy:NAME")
    add_out_argument(p)
    p.set_defaults(handler=_cmd_optimum)


def _cmd_optimum(args):
    from .convex.program import RegionProgram
    from .data import parse_lam

    parse_lam(args.lam)
    prog = RegionProgram(load_data(args), args.lam, solver=args.solver)
    res = prog.width_optimum(args.width) if args.width else prog.global_optimum()
    return dumps(res.to_json_obj())


def _add_check(sub):
    p = sub.add_parser("check", help="exact local-minimum test of a network")
    add_data_argument(p)
    p.add_argument("network", metavar="NETWORK", help='JSON {"a": [...], "W": [[...]], "lam": optional}')
    p.add_argument("--lam", type=_rational, help="weight decay (exact); defaults to the network file's lam")
    p.add_argument("--tol", type=float, default=1e-9, help="relative margin for 'undecided' (default 1e-9)")
    add_out_argument(p)
    p.set_defaults(handler=_cmd_check)


def _cmd_check(args):
    from .network.pointwise import check_network, load_network
    from .data import parse_rational

    a, W, lam = load_network(args.network)
    if args.lam is not None:
        lam = args.lam
    if lam is None:
        raise InputError("no lam: pass --lam or put \"lam\" in the network file")
    if not args.tol >= 0:
        raise InputError(f"--tol must be >= 0, got {args.tol}")
    v = check_network(load_data(args), parse_rational(lam, "lam"), a, W, tol=args.tol)
    return dumps(v.to_json_obj())


def _add_interpolate(sub):
    p = sub.add_parser("interpolate", help="certified min-norm interpolator (the lam -> 0 limit)")
    add_data_argument(p)
    add_out_argument(p)
    p.set_defaults(handler=_cmd_interpolate)


def _cmd_interpolate(args):
    from .convex.program import min_norm_interpolator

    return dumps(min_norm_interpolator(load_data(args)).to_json_obj())


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------

# ---------------------------------------------------------------------------
# landscape analyse / counterexample  (landscape/regions.py)
# ---------------------------------------------------------------------------


def _width_list(text):
    try:
        widths = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of integers") from None
    if not widths:
        raise argparse.ArgumentTypeError("the width list is empty")
    bad = [m for m in widths if m < 1]
    if bad:
        raise argparse.ArgumentTypeError(f"widths must be at least 1, got {bad[0]}")
    return widths


def _add_analyse(sub):
    from .regions.landscape import DEFAULT_MAX_SUPPORTS

    p = sub.add_parser("analyse", help="classify the regions of the width-m landscape and their proportions")
    add_data_argument(p)
    p.add_argument("--lam", type=_rational, required=True, help="weight decay (exact: decimal or p/q), > 0")
    p.add_argument("--width", type=_width_list, required=True, help="comma-separated widths, e.g. 1,2,4,8")
    p.add_argument("--measure", choices=["uniform", "gaussian"], default="uniform")
    p.add_argument("--samples", type=_positive_int, help="sample this many regions per width when exact mode is too large")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eps", type=_rational, default=Fraction(1, 100),
                   help="report the smallest m with P_global >= 1 - eps (default 1/100)")
    p.add_argument("--max-supports", type=_positive_int, default=DEFAULT_MAX_SUPPORTS,
                   help=f"limit on supports solved for exact answers (default {DEFAULT_MAX_SUPPORTS:,})")
    p.add_argument("--out", dest="out_dir", metavar="DIR", help="write summary.json and summary.csv here")
    p.set_defaults(handler=_cmd_analyse)


def _cmd_analyse(args):
    from .regions.landscape import analyse, summary_files, text_table

    if args.lam <= 0:
        raise InputError(f"--lam must be > 0, got {args.lam}")
    ds = load_data(args)
    result = analyse(ds, args.lam, args.width, measure=args.measure, samples=args.samples, seed=args.seed,
                     max_supports=args.max_supports, eps=args.eps)
    if args.out_dir:
        summary_files(result, args.out_dir)
    return text_table(result)


def _add_counterexample(sub):
    from .regions.landscape import DEFAULT_MAX_SUPPORTS

    p = sub.add_parser("counterexample", help="search for a certified spurious local minimum of width m")
    add_data_argument(p)
    p.add_argument("--lam", type=_rational, required=True, help="weight decay (exact), > 0")
    p.add_argument("--width", type=_positive_int, required=True, help="network width m")
    p.add_argument("--max-supports", type=_positive_int, default=DEFAULT_MAX_SUPPORTS)
    add_out_argument(p)
    p.set_defaults(handler=_cmd_counterexample)


def _cmd_counterexample(args):
    from .regions.counterexample import find_counterexample

    if args.lam <= 0:
        raise InputError(f"--lam must be > 0, got {args.lam}")
    ds = load_data(args)
    network, sc = find_counterexample(ds, args.lam, args.width, max_supports=args.max_supports)
    if network is None:
        return dumps({"found": False, "width": args.width, "lam": args.lam,
                      "reason": "no support of size <= min(m, n + 1) holds a certified interior spurious minimum"})
    a, W = network
    return dumps({"found": True, "width": args.width, "lam": args.lam, "a": list(a), "W": [list(w) for w in W],
                  "certificate": sc})


def _add_graph(sub):
    from .graph.adjacency import DEFAULT_MAX_NODES

    p = sub.add_parser("graph", help="cell graph and region graph of width m: benignity, basins, exports")
    add_data_argument(p)
    p.add_argument("--lam", type=_rational, required=True, help="weight decay (exact), > 0")
    p.add_argument("--width", type=_positive_int, required=True, help="network width m")
    p.add_argument("--out", dest="out_dir", metavar="DIR",
                   help="write cell_graph.* and region_graph.* (and figures) here")
    p.add_argument("--format", choices=("graphml", "json"), default="graphml", help="export format")
    p.add_argument("--plot", action="store_true", help="write PNG figures into DIR (needs --out)")
    p.add_argument("--max-nodes", type=_positive_int, default=DEFAULT_MAX_NODES,
                   help="refuse region graphs with more estimated supports than this")
    p.add_argument("--samples", type=_positive_int, default=None,
                   help="build only the neighbourhood of this many sampled regions")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(handler=_cmd_graph)


def _cmd_graph(args):
    from .graph.adjacency import graph_command

    if args.lam <= 0:
        raise InputError(f"--lam must be > 0, got {args.lam}")
    if args.plot and not args.out_dir:
        raise InputError("--plot writes PNG files: give the directory with --out DIR")
    ds = load_data(args)
    return dumps(graph_command(ds, args.lam, args.width, out_dir=args.out_dir, fmt=args.format, plot=args.plot,
                               max_nodes=args.max_nodes, samples=args.samples, seed=args.seed))


_COMMANDS = [_add_data, _add_cells, _add_optimum, _add_check, _add_interpolate, _add_analyse,
             _add_counterexample, _add_graph, _add_train, _add_sweep, _add_table, _add_plot, _add_verify]


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
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (status 2), --help and --version (status 0)
        return exc.code
    try:
        result = args.handler(args)
        status = 0
        if isinstance(result, tuple):  # (text, exit status), e.g. verify with a failing claim
            result, status = result
        if isinstance(result, str):
            emit(result, getattr(args, "out", None) if args.command != "data" else None)
        return status
    except InputError as exc:
        print(f"landscape {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print(f"landscape {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
