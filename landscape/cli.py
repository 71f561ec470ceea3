"""Command-line interface: a thin layer over the Python API.

Every command prints JSON (or the requested format) to stdout, or writes it to
``--out FILE``.  Bad input of any kind (:class:`~landscape.errors.InputError`) ends with a
one-line message on stderr and exit status 2, never a traceback.  Exit statuses (see
docs/reference.md): 0 success, 1 a literature claim failed (``verify``), 2 bad input,
3 finished but not certified or not complete.

Each command is a pair ``_add_<name>(subparsers)`` / ``_cmd_<name>(args)``; the handler
calls the library (or :mod:`landscape.app.commands`) and returns what to print: text, a
JSON-ready object, or a pair ``(that, exit status)``.  :func:`main` checks the arguments
every command shares (``--lam``, ``--eps``, output paths) before the handler runs,
renders the result, derives the exit status and maps library errors to flags.
"""

from __future__ import annotations

import argparse
import re
import sys
from fractions import Fraction

from . import __version__
from .errors import InputError, TooLargeError
from .results.serialize import dumps  # noqa: F401  (used by every command)

EXIT_INPUT = 2
EXIT_UNCERTIFIED = 3


# ---------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------


def _int_at_least(low):
    """argparse type: an integer ``>= low``."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value
    return parse


_positive_int = _int_at_least(1)
_nonnegative_int = _int_at_least(0)


def _rational(text):
    """argparse type: an exact rational from decimal or p/q text."""
    from .data import parse_rational

    try:
        return parse_rational(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_data_argument(p):
    """The DATA positional and the ``--bias`` flag shared by every analysis command."""
    p.add_argument("data", metavar="DATA", help="dataset file (.json, .csv or .npz), or - for standard input")
    p.add_argument("--bias", action="store_true", default=None,
                   help="append a constant 1 to every row (overrides the file's flag)")


def add_out_argument(p):
    p.add_argument("--out", metavar="FILE", help="write the result here instead of stdout")


def add_progress_argument(p):
    p.add_argument("--progress", choices=("auto", "always", "never"), default="auto",
                   help="progress bar on stderr (auto: when stderr is a terminal)")


class _ProgressBars:
    """tqdm bars on stderr for one command, each made on its first tick and shown only
    after a second (so quick runs print nothing); closed when the ``with`` block ends.

    ``callback(desc, unit)`` returns ``tick(n=1)`` for a library's progress hook, or None
    when bars are off (``--progress never``, or ``auto`` and stderr is not a terminal).
    """

    def __init__(self, args):
        mode = getattr(args, "progress", "auto")
        self.show = mode == "always" or (mode == "auto" and sys.stderr.isatty())
        self.bars = {}

    def bar(self, desc, unit, total=None):
        if desc not in self.bars:
            from tqdm import tqdm

            self.bars[desc] = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True,
                                   leave=False, delay=1.0)
        return self.bars[desc]

    def callback(self, desc, unit, total=None):
        if not self.show:
            return None
        return lambda n=1: self.bar(desc, unit, total).update(n)

    def done(self, desc):
        """Close the bar ``desc`` (if it was made)."""
        bar = self.bars.pop(desc, None)
        if bar is not None:
            bar.close()

    def close(self):
        for bar in self.bars.values():
            bar.close()
        self.bars.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def add_format_argument(p, choices=("text", "json"), default="text"):
    """``--format`` for a command that prints a text table by default; render the result
    with :func:`landscape.app.render.render` (``render(obj, args.format, text=table)``)."""
    p.add_argument("--format", choices=list(choices), default=default,
                   help=f"output format (default {default})")


def load_data(args):
    from .data import load_dataset

    return load_dataset(args.data, bias=args.bias)


def emit(text: str, out: str | None) -> None:
    """Print ``text`` or write it atomically to ``out``."""
    from .data import atomic_write

    if not text.endswith("\n"):
        text += "\n"
    if out is None:
        sys.stdout.write(text)
        return
    atomic_write(out, text)


# ---------------------------------------------------------------------------
# landscape cells
# ---------------------------------------------------------------------------


def _add_cells(sub):
    from .errors import DEFAULT_MAX_CELLS

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
    from .geometry import cells_csv, cells_json, enumerate_cells, write_cells_npz

    if args.format == "npz" and args.out is None:
        raise InputError("--format npz writes a binary file: give --out FILE")
    ds = load_data(args)
    arr = enumerate_cells(ds, max_cells=args.max_cells)  # main() maps max_cells to --max-cells
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
    from .app.commands import data_gen

    return data_gen(args.kind, args.out, n=args.n, d=args.d, seed=args.seed, width=args.width, b=args.b,
                    bias=args.bias)


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
    p.add_argument("--max-tasks", type=_positive_int, default=None,
                   help="refuse sweep files that expand to more tasks than this (default 100,000)")
    add_out_argument(p)
    p.set_defaults(handler=_cmd_sweep)


def _cmd_sweep(args):
    from .app import commands

    summary = commands.sweep(args.file, store=args.store, workers=args.workers, scheduler=args.scheduler,
                             progress=args.progress, retry_failed=args.retry_failed, dry_run=args.dry_run,
                             max_tasks=args.max_tasks)
    if args.dry_run:
        return summary
    totals = summary["store_totals"]
    notes = []
    if totals["failed"]:
        notes.append(f"{totals['failed']} task(s) failed; their errors are in the store "
                     f"(landscape table {summary['store']} --query \"SELECT key, error FROM results "
                     f"WHERE status = 'failed'\")")
    if totals["uncertified"]:
        notes.append(f"{totals['uncertified']} task(s) finished uncertified")
    if notes:
        print(f"landscape sweep: {'; '.join(notes)}", file=sys.stderr)
        return summary, EXIT_UNCERTIFIED
    return summary


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
    add_progress_argument(p)
    p.set_defaults(handler=_cmd_train)


def _cmd_train(args):
    from .dynamics import command_train

    if args.width > 100_000:
        raise InputError(f"--width {args.width}: at most 100000 neurons")
    if args.plot and args.out_dir is None:
        raise InputError("--plot needs --out DIR")
    ds = load_data(args)
    with _ProgressBars(args) as bars:
        def progress(step, loss):
            bar = bars.bar("train", "step", total=args.steps)
            bar.update(step - bar.n)
            bar.set_postfix(loss=f"{loss:.4g}", refresh=False)

        return dumps(command_train(ds, lam=args.lam, width=args.width, init_scale=args.init_scale,
                                   init=args.init, seed=args.seed, lr=args.lr, steps=args.steps,
                                   grad_tol=args.grad_tol, classify=not args.no_classify, plot=args.plot,
                                   out_dir=args.out_dir, progress=progress if bars.show else None))


# ---------------------------------------------------------------------------
# landscape table / plot  (landscape/reports.py)
# ---------------------------------------------------------------------------

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
    from .app.commands import table

    return table(args.db, args.query, args.format, digits=args.digits, caption=args.caption, label=args.label)


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
    from .app.commands import plot

    return plot(args.db, args.query, args.x, args.y, args.out, group=args.group, vline=args.vline,
                xlog=args.xlog, ylog=args.ylog, title=args.title)


# ---------------------------------------------------------------------------
# landscape report  (landscape/app/html_report.py)
# ---------------------------------------------------------------------------

def _add_report(sub):
    p = sub.add_parser("report", help="one self-contained HTML file with every table and figure of a store")
    p.add_argument("db", metavar="STORE", help="results store written by `landscape sweep`")
    p.add_argument("--out", metavar="FILE", required=True, help="the HTML file to write")
    p.add_argument("--results", metavar="DIR", help="also include the Markdown tables and PNG figures of DIR "
                                                    "(e.g. data/results)")
    p.add_argument("--title", default="landscape report")
    p.set_defaults(handler=_cmd_report)


def _cmd_report(args):
    from .app.html_report import write_report

    return write_report(args.db, args.out, results=args.results, title=args.title)


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
    from .app.commands import list_claims, verify

    if args.list:
        return list_claims()
    text, bad = verify(args.claims, args.format)
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
    ds = load_data(args)
    prog = RegionProgram(ds, args.lam, solver=args.solver)
    res = prog.width_optimum(args.width) if args.width else prog.global_optimum()
    obj = res.to_json_obj()
    if not obj["network"]["a"]:
        # the zero network is optimal: write it as zero neurons of the requested width, so
        # that `check` judges it by the zero-neuron (global dual) test
        m = args.width or 1
        obj["network"] = {"a": [0] * m, "W": [[0] * ds.dim for _ in range(m)]}
    return dumps(obj)


def _add_check(sub):
    p = sub.add_parser("check", help="is a network a local/global minimum, or within a certified radius of one?")
    add_data_argument(p)
    p.add_argument("network", metavar="NETWORK",
                   help='JSON {"a": [...], "W": [[...]], "lam": optional}, or the output of optimum/counterexample')
    p.add_argument("--lam", type=_rational, help="weight decay (exact); defaults to the network file's lam")
    p.add_argument("--tol", type=float, default=1e-9, help="relative margin for 'undecided' (default 1e-9)")
    add_out_argument(p)
    p.set_defaults(handler=_cmd_check)


def _cmd_check(args):
    from .data import parse_rational
    from .network.io import load_network
    from .regions.verdict import check

    a, W, lam = load_network(args.network)
    if args.lam is not None:
        lam = args.lam
    if lam is None:
        raise InputError("no lam: pass --lam or put \"lam\" in the network file")
    if not args.tol >= 0:
        raise InputError(f"--tol must be >= 0, got {args.tol}")
    v = check(load_data(args), parse_rational(lam, "lam"), a, W, tol=args.tol)
    return dumps(v.to_json_obj())


def _add_interpolate(sub):
    p = sub.add_parser("interpolate", help="certified min-norm interpolator (the lam -> 0 limit)")
    add_data_argument(p)
    add_out_argument(p)
    add_progress_argument(p)
    p.set_defaults(handler=_cmd_interpolate)


def _cmd_interpolate(args):
    from .app.commands import interpolate

    ds = load_data(args)
    with _ProgressBars(args) as bars:
        def on_stage(name, index, total):
            bar = bars.bar("interpolate", "stage", total=total)
            bar.set_description_str(f"interpolate: {name}", refresh=False)
            bar.update(index - bar.n)

        return interpolate(ds, on_stage=on_stage if bars.show else None)


# ---------------------------------------------------------------------------
# landscape analyse / counterexample  (landscape/regions.py)
# ---------------------------------------------------------------------------


def _width_list(text):
    items = [t.strip() for t in text.split(",")]
    if not text.strip():
        raise argparse.ArgumentTypeError("the width list is empty")
    if "" in items:
        raise argparse.ArgumentTypeError(f"{text!r} has an empty entry; write widths as 1,2,4")
    try:
        widths = [int(t) for t in items]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of integers") from None
    bad = [m for m in widths if m < 1]
    if bad:
        raise argparse.ArgumentTypeError(f"widths must be at least 1, got {bad[0]}")
    return widths


def _add_analyse(sub):
    from .errors import DEFAULT_MAX_SUPPORTS

    p = sub.add_parser("analyse", help="classify the regions of the width-m landscape and their proportions")
    add_data_argument(p)
    p.add_argument("--lam", type=_rational, required=True, help="weight decay (exact: decimal or p/q), > 0")
    p.add_argument("--width", type=_width_list, required=True, help="comma-separated widths, e.g. 1,2,4,8")
    p.add_argument("--measure", choices=["uniform", "gaussian"], default="uniform")
    p.add_argument("--samples", type=_positive_int,
                   help="sample this many regions per width for every proportion that cannot be exact")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eps", type=_rational, default=Fraction(1, 100),
                   help="report the smallest m with P_global >= 1 - eps (default 1/100)")
    p.add_argument("--max-supports", type=_positive_int, default=DEFAULT_MAX_SUPPORTS,
                   help=f"limit on supports solved for exact answers, and on the solves of the branch and bound "
                        f"for L*_m (default {DEFAULT_MAX_SUPPORTS:,})")
    p.add_argument("--out", dest="out_dir", metavar="DIR", help="write summary.json and summary.csv here")
    p.add_argument("--workers", type=_positive_int, default=1,
                   help="processes for large batches of certified solves (default 1: this process only)")
    add_progress_argument(p)
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help="table: rows printed as each width finishes; json: the summary.json object at the end")
    p.set_defaults(handler=_cmd_analyse)


#: library keyword arguments named in size refusals -> the analyse flags that set them
_ANALYSE_FLAGS = {"max_supports": "--max-supports", "samples=N": "--samples N"}


def _analyse_flags(text):
    for keyword, flag in _ANALYSE_FLAGS.items():
        text = text.replace(keyword, flag)
    return text


def _cmd_analyse(args):
    from .errors import TooLargeError
    from .regions.landscape import analyse
    from .app.summary import row_line, summary_files, summary_obj, table_footer, table_header

    if args.lam <= 0:
        raise InputError(f"--lam must be > 0, got {args.lam}")
    ds = load_data(args)
    table = args.format == "table"
    started = [not table]  # json: no header and no rows until the end
    bars = _ProgressBars(args)
    current = {}

    def header():  # once, when the global optimum is known
        if not started[0]:
            print(table_header(), flush=True)
            started[0] = True

    def on_width(m, estimate):
        header()
        current["desc"] = f"width {m}"
        if bars.show:
            bars.bar(current["desc"], "solve", total=estimate or None)

    def on_solve():
        if bars.show and "desc" in current:
            bars.bar(current["desc"], "solve").update(1)

    def on_row(row, partial):
        bars.done(current.pop("desc", None))
        header()
        if row.reason:
            row.reason = _analyse_flags(row.reason)
        if table:
            print(row_line(row), flush=True)
        if args.out_dir:  # the rows finished so far, rewritten as each one finishes
            summary_files(partial, args.out_dir)

    try:
        with bars:
            result = analyse(ds, args.lam, args.width, measure=args.measure, samples=args.samples, seed=args.seed,
                             max_supports=args.max_supports, eps=args.eps, on_row=on_row, on_width=on_width,
                             on_solve=on_solve, workers=args.workers)
    except TooLargeError as exc:
        raise InputError(_analyse_flags(str(exc))) from None
    if args.out_dir:
        summary_files(result, args.out_dir)
    return table_footer(result) if table else dumps(summary_obj(result))


def _add_counterexample(sub):
    from .app.commands import DEFAULT_DESCENTS
    from .errors import DEFAULT_MAX_SUPPORTS

    p = sub.add_parser("counterexample", help="search for a certified spurious local minimum of width m")
    add_data_argument(p)
    p.add_argument("--lam", type=_rational, required=True, help="weight decay (exact), > 0")
    p.add_argument("--width", type=_positive_int, required=True, help="network width m")
    p.add_argument("--max-supports", type=_positive_int, default=DEFAULT_MAX_SUPPORTS,
                   help=f"search every support when there are at most this many (default {DEFAULT_MAX_SUPPORTS:,})")
    p.add_argument("--samples", type=_positive_int,
                   help="when the complete search is too large: try the supports of this many sampled regions, "
                        "then run gradient descents and certify their endpoints")
    p.add_argument("--descents", type=_nonnegative_int, default=None,
                   help=f"gradient descents run after the sampled regions (default {DEFAULT_DESCENTS}; needs --samples)")
    p.add_argument("--steps", type=_positive_int, default=20_000, help="step budget of each descent (default 20000)")
    p.add_argument("--seed", type=int, default=0)
    add_progress_argument(p)
    add_out_argument(p)
    p.set_defaults(handler=_cmd_counterexample)


def _cmd_counterexample(args):
    from .app.commands import counterexample

    if args.lam <= 0:
        raise InputError(f"--lam must be > 0, got {args.lam}")
    if args.descents is not None and args.samples is None:
        raise InputError("--descents runs only in the sampled search: give --samples N too")
    ds = load_data(args)
    with _ProgressBars(args) as bars:  # an incomplete negative has "certified": false (exit status 3)
        return dumps(counterexample(ds, args.lam, args.width, max_supports=args.max_supports, samples=args.samples,
                                    descents=args.descents, seed=args.seed, steps=args.steps,
                                    on_support=bars.callback("supports", "support"),
                                    on_run=bars.callback("descents", "run")))


def _add_graph(sub):
    from .errors import DEFAULT_MAX_NODES

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
    add_progress_argument(p)
    p.set_defaults(handler=_cmd_graph)


def _cmd_graph(args):
    from .graph.adjacency import graph_command

    if args.lam <= 0:
        raise InputError(f"--lam must be > 0, got {args.lam}")
    if args.plot and not args.out_dir:
        raise InputError("--plot writes PNG files: give the directory with --out DIR")
    ds = load_data(args)
    with _ProgressBars(args) as bars:
        return dumps(graph_command(ds, args.lam, args.width, out_dir=args.out_dir, fmt=args.format, plot=args.plot,
                                   max_nodes=args.max_nodes, samples=args.samples, seed=args.seed,
                                   on_solve=bars.callback(f"graph width {args.width}", "solve")))


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------

def _add_population(sub):
    from .app.population import add_parser

    add_parser(sub)


_COMMANDS = [_add_data, _add_cells, _add_optimum, _add_check, _add_interpolate, _add_analyse,
             _add_counterexample, _add_graph, _add_train, _add_population, _add_sweep, _add_table, _add_plot,
             _add_report, _add_verify]

#: commands whose --out is the product itself (not where the printed result goes)
_OUT_IS_PRODUCT = {"data", "plot", "report"}

#: commands that accept lam = 0 (none today; lam = 0 is `landscape interpolate`)
_LAM_ZERO_ALLOWED: set = set()

#: a negative number, decimal, rational or in scientific notation: an option's value
_NEGATIVE_NUMBER = re.compile(r"^-(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?(/\d+)?$")


class _Parser(argparse.ArgumentParser):
    """One-line usage errors with exit status 2; negative numbers such as ``-1/10`` are
    values, never options."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_NUMBER

    def error(self, message):  # one line, exit status 2, no usage dump
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="landscape", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"landscape {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in _COMMANDS:
        add(sub)
    return parser


def _command_parser(parser, args):
    """The (sub)parser of the command ``args`` was parsed for."""
    while True:
        actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not actions or getattr(args, actions[0].dest, None) is None:
            return parser
        parser = actions[0].choices[getattr(args, actions[0].dest)]


def _flag_names(parser):
    """Keyword argument -> text naming it for the command of ``parser``: its flag, or a
    note that only the Python API accepts it."""
    names = {}
    for action in parser._actions:
        longs = [o for o in action.option_strings if o.startswith("--")]
        if longs:
            names[action.dest] = longs[0]

    class _Names(dict):
        def __missing__(self, keyword):
            return f"{keyword}=... (a keyword argument of the Python API; `{parser.prog}` has no flag for it)"

        def __contains__(self, keyword):
            return not (keyword.startswith("-") or " " in keyword)

    return _Names(names)


def _check_arguments(args):
    """Checks shared by every command, before any work: lam, seed, eps and the output paths."""
    from .data import check_output_dir, check_output_file

    lam = getattr(args, "lam", None)
    if isinstance(lam, Fraction):
        if lam < 0 or (lam == 0 and args.command not in _LAM_ZERO_ALLOWED):
            raise InputError(f"--lam must be > 0, got {lam}" + (
                " (lam = 0 has no weight decay: `landscape interpolate` computes the lam -> 0 limit)"
                if lam == 0 else ""))
    seed = getattr(args, "seed", None)
    if isinstance(seed, int) and seed < 0:
        raise InputError(f"--seed must be >= 0, got {seed}")
    eps = getattr(args, "eps", None)
    if isinstance(eps, Fraction) and not 0 < eps < 1:
        raise InputError(f"--eps must lie strictly between 0 and 1, got {eps}")
    for dest, flag, check in (("out", "--out", check_output_file), ("out_dir", "--out", check_output_dir),
                              ("store", "--store", check_output_file)):
        value = getattr(args, dest, None)
        if isinstance(value, str):
            try:
                check(value)
            except InputError as exc:
                raise InputError(f"{flag} {exc}") from None


def _finish(result, args, prog):
    """Render a handler's result and return the exit status (see the module docstring)."""
    from .app.render import exit_status, uncertified_reason

    status = None
    if isinstance(result, tuple):  # (result, exit status), e.g. verify with a failing claim
        result, status = result
    if result is None:
        return status or 0
    text = result if isinstance(result, str) else dumps(result)
    if status is None:
        status = exit_status(result)
        if status == EXIT_UNCERTIFIED:
            reason = uncertified_reason(result)
            print(f"{prog}: finished, but the result is not certified (exit status 3)"
                  + (f": {reason}" if reason else ""), file=sys.stderr)
    out = None if args.command in _OUT_IS_PRODUCT else getattr(args, "out", None)
    emit(text, out)
    return status


def main(argv=None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (status 2), --help and --version (status 0)
        return exc.code
    command = _command_parser(parser, args)
    try:
        _check_arguments(args)
        return _finish(args.handler(args), args, command.prog)
    except TooLargeError as exc:
        print(f"{command.prog}: error: {exc.message(_flag_names(command))}", file=sys.stderr)
        return EXIT_INPUT
    except InputError as exc:
        print(f"{command.prog}: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:  # a file that cannot be read or written, a full disk
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"{command.prog}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print(f"{command.prog}: interrupted", file=sys.stderr)
        return 130


def _one_line(exc) -> str:
    text = str(exc).strip()
    return " ".join(text.split("\n")) if text else type(exc).__name__


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
