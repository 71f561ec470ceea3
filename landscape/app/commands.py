"""The commands behind the command-line interface, as plain functions.

Each function takes keyword arguments (never an argparse namespace), does the work and
returns a JSON-ready object (or text) together with nothing else; the CLI
(:mod:`landscape.cli`) only parses arguments, calls these and renders what they return
(:mod:`landscape.app.render`).

Examples
--------
>>> import os, tempfile
>>> out = os.path.join(tempfile.mkdtemp(), "g.json")
>>> data_gen("theorem2", out, d=3)["n"]
3
>>> data_gen("theorem2", out, n=4)
Traceback (most recent call last):
...
landscape.errors.InputError: generator 'theorem2' does not take the parameter n (it takes n only as a placeholder: leave it out)
"""

from __future__ import annotations

import inspect

from ..errors import InputError

__all__ = ["data_gen", "generator_parameters", "sweep", "table", "plot", "verify", "list_claims", "interpolate",
           "counterexample", "DEFAULT_TABLE_QUERY", "DEFAULT_DESCENTS"]


# ---------------------------------------------------------------------------
# data gen
# ---------------------------------------------------------------------------


def generator_parameters(kind) -> dict:
    """``{name: required}`` of the parameters the generator ``kind`` uses.

    A generator may list ``n`` with the default ``None`` as a placeholder (its size is
    fixed by ``d``): such a parameter is not listed.

    >>> generator_parameters("gaussian")
    {'n': True, 'd': True, 'seed': False, 'bias': False}
    >>> generator_parameters("hypercube")
    {'d': False, 'seed': False, 'bias': False}
    """
    from ..data import GENERATORS

    if kind not in GENERATORS:
        raise InputError(f"unknown generator {kind!r}; choose from {', '.join(sorted(GENERATORS))}")
    out = {}
    for name, p in inspect.signature(GENERATORS[kind]).parameters.items():
        if p.default is None:  # a placeholder, e.g. n for the fixed-size families
            continue
        out[name] = p.default is inspect.Parameter.empty
    return out


def data_gen(kind, out, **params) -> dict:
    """Generate the dataset ``kind`` with ``params`` (``None`` values are left out) and
    write it atomically to ``out`` (.json, .csv or .npz); return what was written."""
    from ..data import GENERATORS, check_output_file, dataset_format, generate, save_dataset

    dataset_format(check_output_file(out))  # before any work
    accepted = generator_parameters(kind)
    params = {k: v for k, v in params.items() if v is not None}
    signature = inspect.signature(GENERATORS[kind]).parameters
    unused = [k for k in params if k not in accepted and k != "seed"]
    if unused:
        placeholder = [k for k in unused if k in signature]
        note = (f" (it takes {', '.join(placeholder)} only as a placeholder: leave it out)" if placeholder
                else f"; it takes {', '.join(accepted)}")
        raise InputError(f"generator {kind!r} does not take the parameter{'s' if len(unused) > 1 else ''} "
                         f"{', '.join(unused)}{note}")
    missing = [k for k, required in accepted.items() if required and k not in params]
    if missing:
        raise InputError(f"generator {kind!r} needs the parameter{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(missing)}")
    ds = generate(kind, **{k: v for k, v in params.items() if k in accepted})
    save_dataset(ds, out)
    return {"wrote": out, "kind": kind, "n": ds.n, "d": ds.d, "bias": ds.bias}


# ---------------------------------------------------------------------------
# sweep, table, plot
# ---------------------------------------------------------------------------


def sweep(file, store=None, workers=None, scheduler=None, progress=None, retry_failed=False, dry_run=False,
          max_tasks=None):
    """Run (or with ``dry_run`` only count) the sweep file ``file`` into the results
    store ``store``; return the summary dict of :func:`landscape.app.sweep.run_sweep`
    (or the dry-run counts)."""
    from .store import Store
    from .sweep import load_sweep, run_sweep

    kwargs = {} if max_tasks is None else {"max_tasks": max_tasks}
    sw = load_sweep(file, **kwargs)
    with Store(store) as st:
        if dry_run:
            have = st.finished_keys([t.key for t in sw.tasks], include_failed=not retry_failed)
            return {"sweep": sw.name, "tasks": len(sw.tasks), "stored": len(have),
                    "to_run": len(sw.tasks) - len(have), "datasets": [d.name for d in sw.datasets],
                    "kinds": sorted({t.kind for t in sw.tasks})}
        return run_sweep(sw, st, workers=workers, scheduler=scheduler, progress=progress,
                         retry_failed=retry_failed)


DEFAULT_TABLE_QUERY = ("SELECT sweep, kind, status, count(*) AS tasks, round(sum(seconds), 3) AS seconds "
                       "FROM results GROUP BY sweep, kind, status ORDER BY sweep, kind, status")


def table(db, query=None, fmt="markdown", digits=6, caption=None, label=None) -> str:
    """The rows of a read-only ``query`` (default :data:`DEFAULT_TABLE_QUERY`) on the
    store ``db``, rendered as csv, markdown or LaTeX."""
    from .reports import render_table
    from .store import Store

    with Store(db, readonly=True) as st:
        names, rows = st.query(query or DEFAULT_TABLE_QUERY)
    return render_table(names, rows, fmt, digits=digits, caption=caption, label=label)


def plot(db, query, x, y, out, group=None, vline=None, xlog=False, ylog=False, title=None) -> dict:
    """Draw a query on the store ``db`` into ``out`` (.png or .pdf); ``vline`` is a
    number or a column name (text that reads as a number is a number)."""
    from .reports import plot_figure
    from .store import Store

    if isinstance(vline, str):
        try:
            vline = float(vline)
        except ValueError:
            pass
    with Store(db, readonly=True) as st:
        names, rows = st.query(query)
    plot_figure(names, rows, x, y, out, group=group, vline=vline, xlog=xlog, ylog=ylog, title=title)
    return {"wrote": out, "rows": len(rows)}


# ---------------------------------------------------------------------------
# verify, interpolate
# ---------------------------------------------------------------------------


def verify(claims=(), fmt="markdown"):
    """Run the literature claims (all by default); return ``(text, failed claim names)``."""
    from .claims import run_claims
    from .reports import render_table
    from ..results.serialize import dumps

    rows = run_claims(list(claims))
    if fmt == "json":
        text = dumps([r.to_json_obj() for r in rows])
    else:
        names = ["claim", "citation", "instance", "expected", "observed", "status"]
        text = render_table(names, [(r.name, r.citation, r.instance, r.expected, r.observed, r.status)
                                    for r in rows], fmt)
    return text, [r.name for r in rows if r.status != "pass"]


def list_claims() -> str:
    """One line per literature claim: name, citation, instance."""
    from .claims import CLAIMS

    return "\n".join(f"{c.name}: {c.citation} -- {c.instance}" for c in CLAIMS.values())


def interpolate(ds, on_stage=None) -> dict:
    """The certified min-norm interpolator of ``ds`` (the lam -> 0 limit), as JSON;
    ``on_stage(name, index, total)`` reports its stages (a progress display)."""
    from ..convex.program import min_norm_interpolator

    return min_norm_interpolator(ds, on_stage=on_stage).to_json_obj()


# ---------------------------------------------------------------------------
# counterexample
# ---------------------------------------------------------------------------

#: descents run by default when the counterexample search samples
DEFAULT_DESCENTS = 20


def counterexample(ds, lam, width, *, max_supports=None, samples=None, descents=None, seed=0, steps=20_000,
                   lr=0.01, on_support=None, on_run=None) -> dict:
    """Search for a certified spurious local minimum of width ``width``, as JSON.

    The complete search over supports (:func:`~landscape.regions.counterexample.find_counterexample`)
    runs when it fits ``max_supports``.  Otherwise, with ``samples``, ``samples`` regions
    are drawn and their supports tried, then ``descents`` gradient descents (default
    :data:`DEFAULT_DESCENTS`) run at width ``width`` and their endpoints are certified
    (:func:`~landscape.dynamics.search.descent_counterexample`).  The object says how the
    search ended: ``found`` with the network and its certificate, or ``found: false`` with
    ``complete`` (true only for the complete search) and the counts of what was tried;
    ``certified`` is false only for the negative answer of an incomplete search.

    On ``X = I_2`` with labels ``(1, -1)`` two positive neurons on ``x1`` are a spurious
    minimum of width 2 (the negative label needs a neuron with ``a < 0``); with labels
    ``(1, 1)`` there is none among all 36 supports:

    >>> from landscape.data import Dataset
    >>> out = counterexample(Dataset.from_arrays([[1, 0], [0, 1]], [1, -1]), "1/10", 2)
    >>> out["found"], out["found_by"], [x > 0 for x in out["a"]]
    (True, 'complete search', [True, True])
    >>> same = Dataset.from_arrays([[1, 0], [0, 1]], [1, 1])
    >>> out = counterexample(same, "1/10", 2)
    >>> out["found"], out["complete"], out["supports_tried"]
    (False, True, 36)
    >>> out = counterexample(same, "1/10", 2, max_supports=5, samples=10, descents=2, steps=200)
    >>> out["found"], out["complete"], out["descents"]["runs"]
    (False, False, 2)
    """
    from ..errors import DEFAULT_MAX_SUPPORTS
    from ..regions.counterexample import complete_search_size, find_counterexample, search_supports
    from ..regions.landscape import Landscape

    m = int(width)
    if m < 1:
        raise InputError(f"width must be at least 1, got {m}")
    max_supports = DEFAULT_MAX_SUPPORTS if max_supports is None else int(max_supports)
    land = Landscape(ds, lam, max_supports=max_supports, samples=samples, seed=seed)
    supports = search_supports(land, m, max_supports, samples, seed)
    complete = complete_search_size(land, m) <= max_supports  # search_supports' own criterion
    head = {"width": m, "lam": land.lam}

    def found(network, certificate, how):
        a, W = network
        return {"found": True, "certified": True, **head, "a": list(a), "W": [list(w) for w in W],
                "certificate": certificate, "found_by": how}

    network, certificate = find_counterexample(ds, land.lam, m, land=land, supports=supports, on_support=on_support)
    if network is not None:
        return found(network, certificate, "complete search" if complete else "sampled regions")
    # an incomplete negative is not a certified answer: "certified": false (exit status 3)
    out = {"found": False, "certified": complete, **head, "complete": complete, "supports_tried": len(supports)}
    if complete:
        out["reason"] = (f"none of the {len(supports):,} supports of size <= min(m, n + 1) holds a certified spurious "
                         "minimum (interior, exact rational boundary, or validated boundary)")
        return out
    from ..dynamics.search import descent_counterexample

    runs = DEFAULT_DESCENTS if descents is None else int(descents)
    if runs > 0:
        search = descent_counterexample(ds, land.lam, m, runs, land=land, seed=seed, lr=lr, steps=steps,
                                        tried=set(supports), on_run=on_run)
        if search.network is not None:
            return found(search.network, search.certificate, "descent")
        out["descents"] = search.to_json_obj()
    out["reason"] = (f"none found in {samples:,} sampled regions ({len(supports):,} distinct supports) and {runs:,} "
                     "descents; the search is incomplete, so this is no proof that none exists")
    return out
