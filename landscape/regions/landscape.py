r"""The width-m landscape of one dataset: the facade over solves, classes and proportions.

A *region* of the width-``m`` parameter space picks a signed cone for every neuron
(docs/theory.md, section 1); its *support* ``S`` is the set of distinct cones.
:class:`Landscape` ties together the pieces, each in a module of its own:

* :mod:`~landscape.regions.cache` -- the certified solve cache over supports;
* :mod:`~landscape.regions.dual` -- the certified dual point, active cones, direction
  groups and the global up-set;
* :mod:`~landscape.regions.width` -- ``L*_m`` (convex optimum, exhaustive search, or
  branch and bound), with the method that proved it;
* :mod:`~landscape.regions.classify` -- the class of a support
  (:class:`~landscape.results.status.RegionClass`);
* :mod:`~landscape.regions.proportions` -- exact ``P_global``, ``P_spurious``, ``P_bad``
  and the authors' stationarity count;
* :mod:`~landscape.regions.sampling` -- sampled proportions with Wilson intervals;

:meth:`Landscape.row` gives one :class:`WidthRow`; :func:`analyse` computes the rows of
several widths one by one (each row is reported as it finishes, a width too large for the
limits is reported in its row with the reason, and the other widths still run).

Examples
--------
Orthonormal data with one positive and one negative label.  At width 1 the best network
fits one label: 4 of the 8 signed cones can do that.  From width 2 on the convex optimum
(a positive and a negative neuron) is reachable, and a random region must put a neuron in
each of two groups of 2 cones out of 8, so ``P_global(m) = 1 - 2 (3/4)^m + (1/2)^m``:

>>> from landscape.data import Dataset
>>> ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, -1])
>>> land = Landscape(ds, "1/10")
>>> land.row(1).P_global, land.row(2).P_global, land.row(3).P_global
(ExactProportion(1, 2), ExactProportion(1, 8), ExactProportion(9, 32))
>>> land.row(2).closed_form
'-2*(3/4)**m + 1 + (1/2)**m'

When the zero network is the global optimum, every region's closure holds it:

>>> zero = Landscape(Dataset.from_arrays([[1, 0], [0, 1]], ["1/10", "-1/10"]), 1)
>>> zero.row(1).P_global, zero.row(3).closed_form, zero.smallest_width("1/100")
(ExactProportion(1, 1), '1', 1)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction

from ..convex.program import RegionProgram
from ..data import parse_lam
from ..errors import DEFAULT_MAX_SUPPORTS, InputError, TooLargeError
from ..geometry.measures import gaussian_measure, uniform_measure
from ..results.proportion import render_proportion
from .cache import SolveCache
from .classify import Classifier, SupportClass
from .dual import active_cones, direction_groups, global_upset, tightened_optimum
from .proportions import Proportions
from .sampling import sample_width
from .width import width_optimum

__all__ = ["Landscape", "SupportClass", "WidthRow", "analyse", "DEFAULT_MAX_SUPPORTS"]


@dataclass
class WidthRow:
    """One row of the landscape table: the proportions at width ``m``.

    Every proportion is an :class:`~landscape.results.proportion.ExactProportion`,
    :class:`~landscape.results.proportion.ApproxProportion` or
    :class:`~landscape.results.proportion.SampledProportion` (None: not computed, see
    ``reason``); ``uncertified`` maps ``"global"``, ``"spurious"`` and ``"bad"`` to the
    mass that could not be decided.
    """

    m: int
    K: int
    L_star: object  # WidthOptimum, or None when the row was refused before any work
    P_global: object
    P_spurious: object
    P_bad: object
    P_stationary: object  # what the authors' stationarity test would count as "bad"
    uncertified: dict
    method: str
    seconds: float
    reason: str | None = None

    @property
    def closed_form(self):
        """``P_global(m)`` as a sympy expression in ``m`` (text), when known exactly."""
        return getattr(self.P_global, "closed_form", None)

    def to_json_obj(self):
        enc = lambda p: render_proportion(p, "json")  # noqa: E731
        Ls = self.L_star
        obj = {
            "m": self.m, "K": self.K,
            "L_star": None if Ls is None else {
                "value": Ls.value, "lower": str(Ls.lower), "upper": str(Ls.upper), "certified": Ls.certified,
                "method": Ls.method, "programs_solved": Ls.programs, "reason": Ls.reason},
            "P_global": enc(self.P_global), "P_spurious": enc(self.P_spurious), "P_bad": enc(self.P_bad),
            "P_stationary_authors": enc(self.P_stationary),
            "uncertified": {k: enc(v) for k, v in self.uncertified.items()},
            "method": self.method, "seconds": round(self.seconds, 3),
            "P_global_closed_form": self.closed_form,
        }
        if self.reason:
            obj["reason"] = self.reason
        return obj


class Landscape:
    """The width-m landscape of one dataset and ``lam``, with cached certified solves.

    Parameters
    ----------
    ds : Dataset
    lam : Fraction or text, ``> 0``
    measure : ``"uniform"`` or ``"gaussian"``
    samples : int, optional
        Regions to sample per width when exact enumeration is too large (or always, when
        ``force_sampling``).  Without it, an instance too large for exact mode is refused.
    max_supports : int
        Limit on the number of supports solved for an exact answer (and the solve budget of
        the branch and bound for ``L*_m``).
    prog : RegionProgram, optional
    on_solve : callable, optional
        Called after every new certified solve (progress display).
    """

    def __init__(self, ds, lam, measure="uniform", samples=None, seed=0,
                 max_supports=DEFAULT_MAX_SUPPORTS, prog=None, force_sampling=False, on_solve=None, workers=1):
        self.ds = ds
        self.lam = parse_lam(lam)
        if self.lam <= 0:
            raise InputError("lam must be > 0 for the landscape (lam = 0 has no weight decay)")
        self.prog = prog if prog is not None else RegionProgram(ds, self.lam)
        self.K = self.prog.K
        if measure == "uniform":
            self.measure = uniform_measure(self.prog.arr)
        elif measure == "gaussian":
            self.measure = gaussian_measure(self.prog.arr, seed=seed)
        else:
            raise InputError(f"unknown measure {measure!r}; use uniform or gaussian")
        if samples is not None and int(samples) < 1:
            raise InputError(f"samples must be at least 1, got {samples}")
        self.samples = samples
        self.seed = seed
        self.max_supports = max_supports
        self.force_sampling = force_sampling
        self.cache = SolveCache(self.prog, on_solve, workers=workers)
        self.glob = tightened_optimum(self.prog, self.prog.global_optimum())
        self.classifier = Classifier(self.cache, self.L_star)
        self.proportions = Proportions(self)
        self._width = {}
        self._samples = {}
        self._active = None
        self._groups = False
        self._upset = None

    # -- certified solves ----------------------------------------------------------
    def V(self, cones):
        """Certified ``V(S)`` (cached)."""
        return self.cache.V(cones)

    def V_face(self, cones, c, nb):
        """Certified ``V(S)`` with ``u_c`` restricted to the facet shared with cone ``nb``."""
        return self.cache.V_face(cones, c, nb)

    def L_star(self, m):
        """``L*_m`` (a WidthOptimum) with the method that proved it
        (:func:`~landscape.regions.width.width_optimum`)."""
        m = int(m)
        if m not in self._width:
            groups = self.direction_groups() if m < len(self.glob.cones_used) else None
            self._width[m] = width_optimum(self.cache, m, self.glob, groups, self.max_supports)
        return self._width[m]

    @property
    def m0(self):
        """Smallest width at which ``L*_m = V*`` is certified: the number of verified
        direction groups, else the support size of the certified convex optimum."""
        groups = self.direction_groups() if len(self.glob.cones_used) > 1 else None
        return max(1, len(groups) if groups is not None else len(self.glob.cones_used))

    # -- the dual analysis of the convex optimum -------------------------------------
    def active_cones(self):
        """Cones that may carry a convex optimum (:func:`~landscape.regions.dual.active_cones`)."""
        if self._active is None:
            self._active = active_cones(self.prog, self.glob)
        return self._active

    def direction_groups(self):
        """Verified direction groups (:func:`~landscape.regions.dual.direction_groups`), or None."""
        if self._groups is False:
            self._groups = direction_groups(self.cache, self.glob, self.active_cones(), self.max_supports)
        return self._groups

    def global_upset(self):
        """``(minimal, undecided)`` subsets of the active cones (:func:`~landscape.regions.dual.global_upset`)."""
        if self._upset is None:
            self._upset = global_upset(self.cache, self.glob, self.active_cones())
        return self._upset

    # -- classification of one support ---------------------------------------------
    def classify(self, cones, m):
        """Classify the regions of width ``m`` with support ``cones`` (a SupportClass)."""
        return self.classifier.classify(cones, m)

    # -- proportions -------------------------------------------------------------
    def _prob(self, cones, m):
        return self.proportions.prob(cones, m)

    def _p_global(self, m):
        """``(P_global, closed form, uncertified)`` or None (too large)."""
        out = self.proportions.p_global(m)
        return None if out is None else (out[0], out[0].closed_form if hasattr(out[0], "closed_form") else None,
                                         out[1])

    def p_global_exact(self, m):
        """Exact ``P_global(m)`` and its closed form, or ``(None, None)`` if infeasible."""
        out = self._p_global(m)
        return (None, None) if out is None or float(out[2]) != 0 else out[:2]

    def exact_cost(self, m):
        """Supports to solve for each exact proportion at width ``m`` (no solving)."""
        return self.proportions.exact_cost(m)

    def sample(self, m, on_sample=None):
        """Sampled proportions at width ``m`` (cached; :func:`~landscape.regions.sampling.sample_width`)."""
        if m not in self._samples:
            self._samples[m] = sample_width(self.measure, self.classify, m, self.samples,
                                            seed=self.seed + m, on_sample=on_sample, prefetch=self.cache.prefetch)
        return self._samples[m]

    def row(self, m):
        """The landscape at width ``m``: a :class:`WidthRow`.

        Each proportion is computed exactly when its enumeration fits ``max_supports``,
        else sampled (when ``samples`` was given; otherwise :class:`TooLargeError`), see
        :mod:`~landscape.regions.proportions`.
        """
        if int(m) < 1:
            raise InputError(f"width must be at least 1, got {m}")
        m = int(m)
        if not self.force_sampling:
            self.precheck(m)  # refuse at once, before any exact work is spent
        t0 = time.perf_counter()
        Ls = self.L_star(m)
        P = self.proportions
        methods = {}

        def get(key, exact):
            out = None if self.force_sampling else exact(m)
            if out is not None:
                methods[key] = "exact"
                return out
            if not self.samples:
                if key == "stationary":  # an auxiliary column: left out when it cannot be had
                    return None
                raise TooLargeError(f"exact {key} at width {m} (supports to solve)", P.last_count,
                                    self.max_supports, "max_supports, or sample with samples=N")
            methods[key] = "sampled"
            sample = self.sample(m)
            return (sample[key], sample["uncertified"]) if key != "stationary" else sample[key]

        P_global, unc_g = get("global", P.p_global)
        P_spurious, unc_s = get("spurious", P.p_spurious)
        P_bad, unc_b = get("bad", P.p_bad)
        P_stat = get("stationary", P.p_stationary)
        unc = {"global": unc_g, "spurious": unc_s, "bad": unc_b}
        kinds = set(methods.values())
        method = kinds.pop() if len(kinds) == 1 else "mixed (" + ", ".join(f"{k}: {v}" for k, v in methods.items()) + ")"
        return WidthRow(m, self.K, Ls, P_global, P_spurious, P_bad, P_stat, unc, method,
                        time.perf_counter() - t0)

    def refused_row(self, m, error):
        """The row of a width refused before any work, carrying the reason."""
        return WidthRow(int(m), self.K, None, None, None, None, None, {}, "refused", 0.0, str(error))

    def precheck(self, m):
        """Raise :class:`TooLargeError` if width ``m`` needs sampling but ``samples`` is not set."""
        if self.samples:
            return
        need = self.exact_cost(int(m))
        worst = max(need, key=need.get)
        if need[worst] > self.max_supports:
            raise TooLargeError(f"exact {worst} at width {m} (supports to solve)", need[worst], self.max_supports,
                                "max_supports, or sample with samples=N")

    def smallest_width(self, eps, m_max=10**6):
        """Smallest ``m`` with ``P_global(m) >= 1 - eps`` (from the exact formula)."""
        target = 1 - Fraction(eps) if self.measure.exact else 1 - float(Fraction(eps))
        lo = self.m0
        if self.L_star(lo).method != "equals_global":
            return None
        def pg(m):  # a number to compare: the Fraction, or the float of an approximate value
            p = self.p_global_exact(m)[0]
            return p if p is None or isinstance(p, Fraction) else float(p)

        if pg(lo) is None:
            return None
        hi = lo
        while pg(hi) < target:
            if hi >= m_max:
                return None
            lo, hi = hi, hi * 2
        while lo < hi:
            mid = (lo + hi) // 2
            if pg(mid) >= target:
                hi = mid
            else:
                lo = mid + 1
        return hi


def _measure_detail(mu):
    """How the cone probabilities were obtained, with their error (Gaussian measure)."""
    if mu.exact:
        return {"method": "exact rationals (1/K per signed cone)", "error": 0}
    return {"method": mu.method, "error": mu.error, "samples": mu.samples,
            "note": "probabilities are floats; proportions inherit this error per cone"}


def analyse(ds, lam, widths, measure="uniform", samples=None, seed=0, max_supports=DEFAULT_MAX_SUPPORTS,
            eps="1/100", on_row=None, on_width=None, on_solve=None, workers=1):
    """Landscape table for the given widths: a dict with ``rows`` and a summary.

    Widths are computed one by one.  A width whose exact answer exceeds ``max_supports``
    while ``samples`` is not given is reported in its row (``reason``, no proportions) and
    the other widths still run; if no width can be answered the first refusal is raised
    (:class:`TooLargeError`).

    Parameters
    ----------
    on_row : callable, optional
        ``on_row(row, partial)`` as soon as each :class:`WidthRow` is finished; ``partial``
        is the result so far (its ``smallest_width["m"]`` is None until the end).
    on_width : callable, optional
        ``on_width(m, estimate)`` before width ``m`` starts, with a rough estimate of the
        certified solves it needs (for a progress bar).
    on_solve : callable, optional
        Called after every certified solve.
    workers : int
        Processes for large batches of solves (:class:`~landscape.convex.pool.SolvePool`).
    """
    widths = list(widths)
    if not widths:
        raise InputError("the width list is empty")
    for m in widths:
        if int(m) < 1:
            raise InputError(f"width must be at least 1, got {m}")
    land = Landscape(ds, lam, measure=measure, samples=samples, seed=seed, max_supports=max_supports,
                     on_solve=on_solve, workers=workers)
    rows, refusals = [], []
    for m in (int(m) for m in widths):
        try:
            land.precheck(m)
            if on_width is not None:
                on_width(m, _estimate(land, m))
            row = land.row(m)
        except TooLargeError as exc:
            refusals.append(exc)
            row = land.refused_row(m, exc)
        rows.append(row)
        if on_row is not None:
            on_row(row, _result(land, ds, measure, rows, eps, None))
    if len(refusals) == len(rows):
        raise refusals[0]
    return _result(land, ds, measure, rows, eps, land.smallest_width(eps))


def _result(land, ds, measure, rows, eps, m_eps):
    n, d = ds.n, ds.dim
    return {
        "n": n, "d": ds.d, "bias": ds.bias, "lam": land.lam, "measure": measure, "K": land.K,
        "measure_detail": _measure_detail(land.measure),
        "V_star": {"value": land.glob.value, "lower": land.glob.lower, "upper": land.glob.upper,
                   "certified": land.glob.certified, "cones_used": land.glob.cones_used},
        "active_cones": list(land.active_cones()),
        "smallest_width": {"eps": str(eps), "m": m_eps, "paper_scale_min_n^d_2^n": min(n**d, 2**n),
                           "signed_cones": land.K},
        "rows": list(rows),
        "landscape": land,
    }


def _estimate(land, m):
    """Rough number of certified solves width ``m`` needs (the exact enumerations that fit,
    plus the samples)."""
    need = land.exact_cost(m)
    fits = [v for v in need.values() if v <= land.max_supports]
    return sum(fits) + (land.samples or 0) * (len(fits) < len(need) or land.force_sampling)
