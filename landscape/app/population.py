"""The ``landscape population`` command: search, certify and spectrum of the population
loss against a teacher (docs/theory.md, sections 8 and 9).

``add_parser(subparsers)`` adds the command to the CLI; each handler returns the JSON text
to print.  Bad input raises :class:`~landscape.errors.InputError` (one line, exit status 2).

* ``population search --k K [--n N] [--d D] --runs R --seed S [--steps T] [--out DIR]``:
  gradient descent from ``R`` random starts; families of endpoints, each certified; with
  ``--out`` also ``DIR/summary.json``.
* ``population certify W.json --k K [--d D]``: the verdict on the critical point near ``W``.
* ``population spectrum W.json --k K [--d D]``: the Hessian's eigenvalue clusters there,
  with the multiplicities predicted by the point's isotropy (Arjevani & Field).

``W.json`` holds ``{"W": [[...], ...]}`` (``n x d``).
"""

from __future__ import annotations

import json
import os
import sys

from ..data import atomic_write, check_output_dir
from ..errors import InputError
from ..results.serialize import dumps

__all__ = ["add_parser", "cmd_search", "cmd_certify", "cmd_spectrum", "load_student"]


def add_parser(subparsers):
    """Add ``population`` with its subcommands ``search``, ``certify`` and ``spectrum``."""
    p = subparsers.add_parser("population",
                              help="population loss against a teacher (Safran & Shamir): search, certify, spectrum")
    sub = p.add_subparsers(dest="population_command", required=True, metavar="{search,certify,spectrum}")

    s = sub.add_parser("search", help="gradient descent from many random starts; certified families of endpoints")
    s.add_argument("--k", type=int, required=True, help="teacher width (teacher I_k)")
    s.add_argument("--n", type=int, help="student width (default k)")
    s.add_argument("--d", type=int, help="input dimension (default k; the teacher is padded with zeros)")
    s.add_argument("--runs", type=int, required=True, help="number of runs")
    s.add_argument("--seed", type=int, required=True, help="random seed of the initialisations")
    s.add_argument("--steps", type=int, default=20000, help="at most this many gradient steps per run")
    s.add_argument("--lr", type=float, default=None, help="step size (default 1.5 / largest Hessian eigenvalue at W = V)")
    s.add_argument("--grad-tol", type=float, default=1e-10, help="stop a run when |grad F|_F <= this")
    s.add_argument("--no-certify", action="store_true", help="group the endpoints without certifying them")
    s.add_argument("--out", dest="out_dir", metavar="DIR", help="also write DIR/summary.json")
    s.set_defaults(handler=cmd_search)

    for name, handler, text in (("certify", cmd_certify, "certify the critical point near W: minimum, saddle or undecided"),
                                ("spectrum", cmd_spectrum, "Hessian eigenvalue clusters with multiplicities near W")):
        c = sub.add_parser(name, help=text)
        c.add_argument("W", metavar="W.json", help='file holding {"W": [[...], ...]} (n x d)')
        c.add_argument("--k", type=int, required=True, help="teacher width (teacher I_k)")
        c.add_argument("--d", type=int, help="input dimension (default k)")
        c.add_argument("--radius", type=float, default=None, help="box radius for Krawczyk's test (default: tried in turn)")
        c.set_defaults(handler=handler)
    return p


def _progress():
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return lambda total, desc: tqdm(total=total, desc=desc, file=sys.stderr, dynamic_ncols=True, leave=False)


def cmd_search(args):
    """``population search``: the summary as JSON text (also written to ``DIR/summary.json``)."""
    from ..population.search import run_search

    if args.out_dir is not None:  # checked by the CLI before any work; the directory is made at the end
        check_output_dir(args.out_dir)
    if not args.grad_tol > 0:
        raise InputError(f"--grad-tol must be > 0, got {args.grad_tol}")
    result = run_search(args.k, n=args.n, d=args.d, runs=args.runs, seed=args.seed, steps=args.steps, lr=args.lr,
                        grad_tol=args.grad_tol, certify=not args.no_certify, progress=_progress())
    text = dumps(result.to_json_obj())
    if args.out_dir is not None:
        os.makedirs(args.out_dir, exist_ok=True)
        atomic_write(os.path.join(args.out_dir, "summary.json"), text + "\n")
    return text


def load_student(path):
    """The matrix ``W`` of a ``{"W": [[...]]}`` file (InputError for anything else)."""
    try:
        with open(path, encoding="utf-8") as fh:
            obj = json.load(fh)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(obj, dict) or "W" not in obj:
        raise InputError(f'{path}: expected an object {{"W": [[...], ...]}}')
    W = obj["W"]
    if not isinstance(W, list) or not W or not all(isinstance(r, list) for r in W) or len({len(r) for r in W}) != 1:
        raise InputError(f"{path}: W must be a non-empty list of rows of equal length")
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for r in W for x in r):
        raise InputError(f"{path}: every entry of W must be a number")
    return W


def _certificate(args):
    from ..population.certify import certify_point
    from ..population.kernel import check_student, teacher

    V = teacher(args.k, args.d)
    W = check_student(load_student(args.W), d=V.shape[1])
    if args.radius is not None and not args.radius > 0:
        raise InputError(f"--radius must be > 0, got {args.radius}")
    return V, certify_point(W, V, radius=args.radius)


def cmd_certify(args):
    """``population certify``: verdict, loss, radius and bounds on the smallest eigenvalue."""
    _, cert = _certificate(args)
    return dumps(cert.to_json_obj())


def cmd_spectrum(args):
    """``population spectrum``: rigorous eigenvalue clusters at the certified critical point,
    the float clusters, and the isotypic multiplicities its Young isotropy predicts."""
    import numpy as np

    from ..population.kernel import hessian
    from ..population.spectrum import float_clusters, isotypic_assignment, isotypic_dimensions
    from ..population.symmetry import isotropy_label, young_isotropy

    V, cert = _certificate(args)
    ev = np.linalg.eigvalsh(hessian(cert.W, V))
    obj = {"verdict": cert.verdict, "critical_point_in_box": cert.critical, "radius": cert.radius,
           "loss": cert.loss, "reason": cert.reason,
           "clusters": None if cert.clusters is None else [c.to_json_obj() for c in cert.clusters],
           "float_clusters": [{"value": v, "multiplicity": m} for v, m in float_clusters(ev)]}
    iso = young_isotropy(cert.W, args.k)
    obj["isotropy"] = isotropy_label(cert.W, args.k)
    if iso is not None:
        dims = isotypic_dimensions(*iso)
        mult = [c.multiplicity for c in cert.clusters] if cert.clusters else [m for _, m in float_clusters(ev)]
        obj["predicted_isotypic_dimensions"] = sorted(dims)
        obj["isotypic_assignment"] = isotypic_assignment(mult, dims)
    return dumps(obj)
