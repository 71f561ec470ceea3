"""A catalogue of literature claims, each checkable on a small instance.

Every claim is a small function registered with :func:`claim`; it builds its instance,
computes the *expected* result independently of the code under test where it can (a
formula, a brute-force count, a published value) and the *observed* result with the
library, and returns an :class:`Outcome`.  :func:`run_claims` runs a selection and never
raises: a claim whose modules are missing from this version is ``unavailable``, one that
raises is ``error`` (with the message), otherwise ``pass`` or ``fail``.

``landscape verify [CLAIM ...]`` prints one row per claim: name, citation, instance,
expected, observed, status.

Examples
--------
>>> rows = run_claims(["cover"])
>>> rows[0].status, rows[0].citation.startswith("Cover")
('pass', True)
"""

from __future__ import annotations

import importlib
import math
import time
from dataclasses import dataclass
from fractions import Fraction

from ..errors import InputError
from ..results.proportion import SampledProportion

__all__ = ["Claim", "Outcome", "ClaimRow", "CLAIMS", "claim", "run_claims", "zaslavsky_brute_force"]


@dataclass
class Outcome:
    """What a claim's check found: expected and observed as text, and whether they agree."""

    expected: str
    observed: str
    passed: bool | None  # None: the check ran but could not decide (e.g. a run did not converge)


@dataclass(frozen=True)
class Claim:
    name: str
    citation: str
    instance: str
    check: object  # callable () -> Outcome
    requires: tuple = ()


@dataclass
class ClaimRow:
    """One line of the ``verify`` table."""

    name: str
    citation: str
    instance: str
    expected: str
    observed: str
    status: str  # pass, fail, undecided, error, unavailable
    seconds: float

    def to_json_obj(self):
        return dict(self.__dict__)


CLAIMS: dict = {}


def claim(name, citation, instance, requires=()):
    """Register the decorated function ``() -> Outcome`` as the claim ``name``.

    ``requires`` lists ``"module:attribute"`` names that must import for the claim to run.
    """

    def register(fn):
        if name in CLAIMS:
            raise ValueError(f"claim {name!r} registered twice")
        CLAIMS[name] = Claim(name, citation, instance, fn, tuple(requires))
        return fn

    return register


def _available(requires):
    for target in requires:
        module, _, attr = target.partition(":")
        try:
            mod = importlib.import_module(module)
        except ImportError:
            return False
        if attr and not hasattr(mod, attr):
            return False
    return True


def run_claims(names=None) -> list:
    """Run the named claims (all if ``names`` is empty) and return :class:`ClaimRow` s.

    Raises :class:`InputError` for an unknown claim name.
    """
    names = list(names or CLAIMS)
    unknown = [n for n in names if n not in CLAIMS]
    if unknown:
        raise InputError(f"unknown claim {unknown[0]!r}; choose from {', '.join(CLAIMS)}")
    rows = []
    for n in names:
        c = CLAIMS[n]
        t0 = time.perf_counter()
        if not _available(c.requires):
            rows.append(ClaimRow(n, c.citation, c.instance, "", "needs " + ", ".join(c.requires),
                                 "unavailable", 0.0))
            continue
        try:
            out = c.check()
            status = "undecided" if out.passed is None else ("pass" if out.passed else "fail")
            rows.append(ClaimRow(n, c.citation, c.instance, out.expected, out.observed, status,
                                 time.perf_counter() - t0))
        except Exception as exc:  # reported, never hidden
            rows.append(ClaimRow(n, c.citation, c.instance, "", f"{type(exc).__name__}: {exc}".splitlines()[0],
                                 "error", time.perf_counter() - t0))
    return rows


# ---------------------------------------------------------------------------
# Exact helpers (independent of landscape.geometry.arrangement)
# ---------------------------------------------------------------------------


def _rank(vectors):
    """Exact rank of a list of rational vectors (Gaussian elimination over Fraction)."""
    rows = [[Fraction(v) for v in vec] for vec in vectors]
    rank, col = 0, 0
    ncols = len(rows[0]) if rows else 0
    while rank < len(rows) and col < ncols:
        pivot = next((i for i in range(rank, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            col += 1
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(rank + 1, len(rows)):
            if rows[i][col] != 0:
                f = rows[i][col] / rows[rank][col]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[rank])]
        rank += 1
        col += 1
    return rank


def _distinct_hyperplanes(rows):
    """Normals of the distinct hyperplanes ``{w : x . w = 0}`` (zero rows dropped)."""
    seen, out = set(), []
    for r in rows:
        r = [Fraction(v) for v in r]
        if all(v == 0 for v in r):
            continue
        lead = next(v for v in r if v != 0)
        key = tuple(v / lead for v in r)  # parallel and antiparallel rows: one hyperplane
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def zaslavsky_brute_force(rows) -> int:
    """Number of cells of the central arrangement of ``rows``, by Zaslavsky's theorem.

    ``sum over subsets B of the distinct hyperplanes of (-1)^(|B| - rank B)``; exponential,
    for tests (at most ~15 hyperplanes).

    >>> zaslavsky_brute_force([[1, 0], [0, 1], [1, 1], [2, 2], [0, 0]])   # 3 lines in R^2
    6
    """
    H = _distinct_hyperplanes(rows)
    if len(H) > 16:
        raise InputError(f"brute-force Zaslavsky count needs at most 16 hyperplanes, got {len(H)}")

    def reduce(vec, basis):  # basis: list of (pivot, vector with 1 at pivot)
        vec = list(vec)
        for piv, b in basis:
            if vec[piv] != 0:
                f = vec[piv]
                vec = [x - f * y for x, y in zip(vec, b)]
        return vec

    def walk(i, size, basis):  # subsets of H[i:] added to a subset of size `size`
        if i == len(H):
            return (-1) ** (size - len(basis))
        total = walk(i + 1, size, basis)  # without H[i]
        v = reduce(H[i], basis)
        piv = next((j for j, x in enumerate(v) if x != 0), None)
        if piv is None:
            return total + walk(i + 1, size + 1, basis)
        v = [x / v[piv] for x in v]
        new = [(p, [x - b[piv] * y for x, y in zip(b, v)]) for p, b in basis] + [(piv, v)]
        return total + walk(i + 1, size + 1, new)

    return walk(0, 0, [])


def _cover(n, d):
    return 2 * sum(math.comb(n - 1, k) for k in range(d))


# ---------------------------------------------------------------------------
# The claims
# ---------------------------------------------------------------------------

_COVER_CASES = [(6, 2, False), (9, 3, False), (12, 4, False), (8, 2, True), (10, 3, True)]


@claim("cover", "Cover (1965), IEEE Trans. Electron. Comput. EC-14, Thm 1",
       "Gaussian X, seed 0: (n,d) = " + ", ".join(f"({n},{d}{'+bias' if b else ''})" for n, d, b in _COVER_CASES),
       requires=("landscape.geometry.arrangement:enumerate_cells",))
def _claim_cover():
    from ..geometry.arrangement import enumerate_cells
    from ..data import generate

    expected, observed = [], []
    for n, d, bias in _COVER_CASES:
        ds = generate("gaussian", n=n, d=d, seed=0, bias=bias)
        expected.append(_cover(n, ds.dim))
        observed.append(enumerate_cells(ds).count)
    return Outcome(" ".join(map(str, expected)), " ".join(map(str, observed)), expected == observed)


def _resonance(d):
    return [[(k >> j) & 1 for j in range(d)] for k in range(1, 2**d)]


def _threshold(n):
    return [[(k >> j) & 1 for j in range(n)] + [1] for k in range(2**n)]


_ZASLAVSKY_CASES = [
    ("resonance d=3", _resonance(3), 32),
    ("resonance d=4", _resonance(4), 370),
    ("cube {0,1}^3 + bias", _threshold(3), 104),
    ("duplicate/antipodal/zero rows", [[1, 0, 0], [2, 0, 0], [-1, 0, 0], [0, 0, 0], [0, 1, 0], [1, 1, 0],
                                       [0, 0, 1], [1, 1, 1]], None),
]


@claim("zaslavsky", "Zaslavsky (1975), Mem. AMS 154; threshold/resonance counts (OEIS A000609, A034997)",
       "degenerate data: " + "; ".join(c[0] for c in _ZASLAVSKY_CASES),
       requires=("landscape.geometry.arrangement:enumerate_cells",))
def _claim_zaslavsky():
    from ..geometry.arrangement import enumerate_cells

    expected, observed, ok = [], [], True
    for _, rows, published in _ZASLAVSKY_CASES:
        brute = zaslavsky_brute_force(rows)
        count = enumerate_cells(rows).count
        ok &= count == brute and (published is None or published == brute)
        expected.append(str(brute) if published is None else f"{brute}={published}")
        observed.append(str(count))
    return Outcome(" ".join(expected), " ".join(observed), ok)


@claim("pilanci-ergen", "Pilanci & Ergen (2020), ICML, Thm 1 (support <= n+1)",
       "relu-teacher n=5, d=2, seed 0, lam=1/100",
       requires=("landscape.convex.program:RegionProgram",))
def _claim_pilanci_ergen():
    from ..convex.program import RegionProgram, network_loss
    from ..data import generate

    ds = generate("relu-teacher", n=5, d=2, seed=0)
    lam = Fraction(1, 100)
    opt = RegionProgram(ds, lam).global_optimum()
    a, W = opt.network
    loss = network_loss(ds, lam, a, W)
    k = len(opt.cones_used)
    slack = 1e-9 * max(1.0, abs(float(opt.upper)))
    ok = bool(opt.certified and k <= ds.n + 1 and float(opt.lower) - slack <= loss <= float(opt.upper) + slack)
    return Outcome(f"certified V*; a width-{k} <= n+1 = {ds.n + 1} network has loss V*",
                   f"V* in [{float(opt.lower):.10g}, {float(opt.upper):.10g}], width {k}, loss {loss:.10g}", ok)


def _orthogonal_closed_form(ds, lam):
    """docs/theory.md, section 6: V* for orthonormal rows (float, from the closed form)."""
    n = ds.n
    lam = float(lam)
    total = 0.0
    for sign in (1, -1):
        ys = [float(v) for v in ds.y_exact if sign * v > 0]
        norm = math.sqrt(sum(v * v for v in ys))
        t = max(0.0, 1 - n * lam / norm) if norm > 0 else 0.0
        total += (1 - t) ** 2 * norm**2 / n + 2 * lam * t * norm
    total += sum(float(v) ** 2 for v in ds.y_exact if v == 0) / n
    return total


@claim("orthogonal-closed-form", "Boursier et al. (2025), orthogonal data; docs/theory.md, section 6",
       "orthonormal n=3, d=4, seeds 0-2, lam=1/20",
       requires=("landscape.convex.program:RegionProgram",))
def _claim_orthogonal():
    from ..convex.program import RegionProgram
    from ..data import generate

    lam = Fraction(1, 20)
    expected, observed, ok = [], [], True
    for seed in range(3):
        ds = generate("orthonormal", n=3, d=4, seed=seed)
        closed = _orthogonal_closed_form(ds, lam)
        opt = RegionProgram(ds, lam).global_optimum()
        # the bounds are proven whatever the solver status; demand they be tight
        slack = 1e-12 * max(1.0, closed)
        tight = opt.upper - opt.lower <= Fraction(1, 10**9) * (1 + abs(opt.upper))
        ok &= bool(tight and float(opt.lower) - slack <= closed <= float(opt.upper) + slack)
        expected.append(f"{closed:.10g}")
        observed.append(f"[{float(opt.lower):.10g}, {float(opt.upper):.10g}]"
                        + ("" if opt.status == "optimal" else f" ({opt.status})"))
    return Outcome(" ".join(expected), " ".join(observed), ok)


@claim("chistikov-thm8", "Chistikov, Englert & Lazic (2023), NeurIPS, Thm 8 (M>0, b=11)",
       "x1=b e1, x2,3 = b e1 -+ sqrt(b) e2 + e3, y = relu(X v*)",
       requires=("landscape.convex.program:min_norm_interpolator",))
def _claim_chistikov():
    from ..convex.program import min_norm_interpolator
    from ..data import generate

    it = min_norm_interpolator(generate("chistikov", b=11))
    # Rank-1 interpolators have |theta|^2 = 2; the theorem's point is that the minimum-norm
    # interpolator does better, hence has rank >= 2.  (Chistikov et al. exhibit a rank-2 one at
    # about 1.99938; the certified optimum may be lower still.)
    ok = bool(it.certified and it.upper < 2 and it.rank >= 2)
    return Outcome("min-norm |theta|^2 < 2 = every rank-1 interpolator, so rank >= 2",
                   f"rank {it.rank}, |theta|^2 in [{float(it.lower):.7g}, {float(it.upper):.7g}]", ok)


def _uncertified_mass(row, key):
    unc = row.uncertified
    value = unc.get(key, 0) if isinstance(unc, dict) else unc
    return Fraction(1) if isinstance(value, SampledProportion) else Fraction(value)


@claim("boursier-sufficiency", "Boursier et al. (2025), abstract: m >~ min(n^d, 2^n) suffices",
       "relu-teacher n=4, d=2, seed 0, lam=1/100, uniform measure, m = 64 (K = 16)",
       requires=("landscape.regions.landscape:Landscape",))
def _claim_boursier_sufficiency():
    from ..data import generate
    from ..regions.landscape import Landscape

    land = Landscape(generate("relu-teacher", n=4, d=2, seed=0), Fraction(1, 100))
    row = land.row(64)
    if isinstance(row.P_global, SampledProportion) or isinstance(row.P_spurious, SampledProportion):
        return Outcome("exact proportions", "sampled", None)
    spurious = Fraction(row.P_spurious) + _uncertified_mass(row, "spurious")
    ok = Fraction(row.P_global) > Fraction(9, 10) and spurious < Fraction(1, 10**6) \
        and _uncertified_mass(row, "global") == 0
    return Outcome("P_global(64) > 0.9 and P_spurious(64) < 1e-6 (exact)",
                   f"P_global = {float(row.P_global):.6f}, P_spurious <= {float(spurious):.3g}", ok)


@claim("boursier-necessity", "Boursier et al. (2025): orthogonal data need m of order 2^n",
       "orthonormal n=3, d=3, seed 0, lam=1/100, uniform measure, m = n = 3",
       requires=("landscape.regions.landscape:Landscape",))
def _claim_boursier_necessity():
    from ..data import generate
    from ..regions.landscape import Landscape

    land = Landscape(generate("orthonormal", n=3, d=3, seed=0), Fraction(1, 100))
    row = land.row(3)
    if isinstance(row.P_global, SampledProportion):
        return Outcome("exact proportions", "sampled", None)
    ok = Fraction(row.P_global) + _uncertified_mass(row, "global") < Fraction(1, 2)
    return Outcome("all 2^n = 8 patterns are cells; P_global(m = n) < 1/2 (exact)",
                   f"cells {land.K // 2}, P_global = {row.P_global} = {float(row.P_global):.4f}",
                   ok and land.K == 16)


@claim("boursier-theorem2", "Boursier et al. (2025), Thm 2 (small initialisation)",
       "theorem2 d=3, width 100, init 1e-4, lam=1e-5, lr 0.01, 200k GD steps",
       requires=("landscape.dynamics:classify_endpoint", "landscape.network.pointwise:check_network"))
def _claim_theorem2():
    from ..convex.program import min_norm_interpolator
    from ..data import generate
    from ..dynamics import classify_endpoint, train

    ds = generate("theorem2", d=3)
    lam = Fraction(1, 100000)
    run = train(ds, lam=lam, width=100, init_scale=1e-4, seed=0, lr=0.01, steps=200_000)
    verdict = classify_endpoint(ds, lam, run)
    eff = float(run.records["effective_rank"][-1])
    theta_sq = float(run.records["theta_sq"][-1])
    best = min_norm_interpolator(ds)
    # The theorem: from small initialisation GD reaches the one-neuron interpolator
    # (|theta|^2 = 2), not the min-norm one.  With zero neurons available that point is
    # a stationary point but not a local minimum (docs/theory.md, section 4), so the exact test
    # says not_a_local_minimum; a global minimum would contradict the theorem.
    ok = verdict.verdict in ("not_a_local_minimum", "spurious_local_minimum") and eff < 1.2 \
        and theta_sq > float(best.upper) + 1e-3
    decided = verdict.verdict not in ("not_converged", "undecided")
    return Outcome(f"ends near rank 1 with |theta|^2 ~ 2 > min-norm {float(best.upper):.5f}; not global",
                   f"{verdict.verdict}, effective rank {eff:.3f}, |theta|^2 {theta_sq:.5f}",
                   ok if decided else None)


def _literature_outcome(check):
    return Outcome(check["expected"], check["observed"], check["passed"])


@claim("safran-shamir-global-hessian", "Safran & Shamir (2018) / Arjevani & Field: W = I, k = 6",
       "population loss, teacher I_6, student W = I_6",
       requires=("landscape.population.literature:check_global_minimum_eigenvalue",))
def _claim_population_global_hessian():
    from ..population.literature import check_global_minimum_eigenvalue

    return _literature_outcome(check_global_minimum_eigenvalue(6))


@claim("safran-shamir-table1-k10", "Safran & Shamir (2018), Table 1: k = n = 10, 34.6% spurious",
       "population loss, teacher I_10, 200 runs from w_ij ~ N(0, 1/10), seed 0",
       requires=("landscape.population.literature:check_spurious_share",))
def _claim_population_share():
    from ..population.literature import check_spurious_share

    return _literature_outcome(check_spurious_share(10, runs=200))


# --- exact reproductions (issue 16) ---


def _recheck_saddle(prog, glob, S, m, descent):
    """Re-prove a descent certificate of the classifier with fresh certified solves.

    ``grow``: the merged minimiser of ``V(S)`` has a zero neuron (fewer used cones than
    ``m``) and ``V(S) > V*``; a point with a zero neuron is a local minimum only if it is a
    convex optimum (docs/theory.md, section 4), so it is a saddle.  ``cross``: a minimiser
    touches the facet (the face programme attains ``V(S)``) and the neighbouring region
    across it has a certifiably lower ``V``.
    """
    from ..regions.cache import certified_tol

    opt = prog.solve(S)
    if not descent:
        return False
    if descent["move"] == "grow":
        return len(opt.cones_used) < m and opt.lower > glob.upper
    if descent["move"] == "cross":
        c, nb, T = descent["from"], descent["to"], descent["region"]
        face = prog.solve(S, faces={c: nb})
        alt = prog.solve(T)
        return face.upper <= opt.lower + certified_tol(opt.upper) and alt.upper < opt.lower
    return False


@claim("boursier-authors-test-accepts-saddles", "Boursier et al. (2025), code: nn.test_minimum; Figure 1",
       "X = I_2, y = (1, 1), lam = 7/32, u = (9/16, 0); and Figure 1's protocol on their teacher data "
       "n=4, d=3, dataset 2, m = 10, 20, 40, 80, 20 regions each",
       requires=("landscape.network.authors:authors_teacher_dataset", "landscape.regions.landscape:Landscape"))
def _claim_authors_test_accepts_saddles():
    """Every region the authors' test flags as a bad minimum is a certified saddle.

    The expected count is the number of flagged regions (read off the authors' test, not
    the classifier); each flagged region's descent certificate is re-proven from fresh
    certified solves of a new programme (:func:`_recheck_saddle`), independently of the
    classifier that produced it.
    """
    import numpy as np

    from ..convex.program import RegionProgram
    from ..data import Dataset
    from ..geometry.cones import cone_sign
    from ..geometry.measures import sample_supports
    from ..network import check_network
    from ..network.authors import AUTHORS_TOLERANCES, authors_teacher_dataset, authors_test
    from ..regions.landscape import Landscape
    from ..results.status import RegionClass

    lam = Fraction(7, 32)
    test = authors_test(np.eye(2), np.array([1.0, 1.0]), float(lam), np.array([[9 / 16, 0.0]]), [1])
    exact = check_network(Dataset.from_arrays([[1, 0], [0, 1]], [1, 1]), lam, [Fraction(3, 4)],
                          [[Fraction(3, 4), Fraction(0)]])
    toy = test.passes and exact.verdict == "not_a_local_minimum"
    seed = 2
    ds = authors_teacher_dataset(4, 3, seed)
    land = Landscape(ds, Fraction(1, 100))
    fresh = RegionProgram(ds, Fraction(1, 100))
    glob = fresh.global_optimum()
    flagged = saddles = rechecked = 0
    for m in (10, 20, 40, 80):
        for S in sample_supports(land.measure, m, 20, seed=1000 * seed + m):
            S = tuple(sorted(S))
            opt = land.V(S)
            if abs(opt.value - land.glob.value) < AUTHORS_TOLERANCES["eps"]:
                continue
            U = np.array([opt.u[c] for c in S])
            if not authors_test(ds.features, ds.y, 0.01, U, [cone_sign(c) for c in S]).passes:
                continue
            flagged += 1
            sc = land.classify(S, m)
            descent = sc.certificate.get("descent") if sc.klass == RegionClass.BOUNDARY_DESCENT else None
            saddles += bool(descent)
            rechecked += _recheck_saddle(fresh, glob, S, m, descent)
    ok = toy and flagged > 0 and saddles == rechecked == flagged
    return Outcome("the toy saddle passes the authors' test and is refuted exactly; every flagged Figure 1 "
                   "region is a certified saddle (count = flagged)",
                   f"toy: authors {test.passes}, exact {exact.verdict}; Figure 1: {flagged} flagged, {saddles} "
                   f"certified boundary_descent, {rechecked} re-proven from fresh solves", ok)


def _orthogonal_p_global(n, pos, m):
    """First-principles ``P_global(m)`` on ``X = I_n`` with ``pos`` positive labels and
    ``n - pos`` negative ones (docs/theory.md, section 6): the positive neuron on ``S+``
    lies in the closed cell of a pattern iff the pattern contains ``S+``, so
    ``2^(n - |S+|)`` of the ``K = 2^(n+1)`` cones carry it (likewise ``S-``); a region is
    global iff it reaches both groups."""
    K = 2 ** (n + 1)
    gp, gq = Fraction(2 ** (n - pos), K), Fraction(2 ** pos, K)
    return 1 - (1 - gp) ** m - (1 - gq) ** m + (1 - gp - gq) ** m


def _first_width(p_of_m, target):
    m = 1
    while p_of_m(m) < target:
        m += 1 if m < 8 else m // 8
    while m > 1 and p_of_m(m - 1) >= target:
        m -= 1
    return m


@claim("boursier-necessity-width-law", "Boursier et al. (2025): orthogonal data need m of order 2^n log(1/eps)",
       "X = I_n, y = (1, ..., 1, -1), lam = 1/100, uniform measure, n = 3..7, eps = 1/100",
       requires=("landscape.regions.landscape:Landscape",))
def _claim_necessity_width_law():
    """The certified smallest width ``m*`` with ``P_global >= 1 - eps`` equals the closed
    form's, and ``P_global`` itself equals it as a rational at ``m*``."""
    from ..data import Dataset
    from ..regions.landscape import Landscape

    eps = Fraction(1, 100)
    expected, observed, same_p = [], [], True
    for n in range(3, 8):
        X = [[int(i == j) for j in range(n)] for i in range(n)]
        land = Landscape(Dataset.from_arrays(X, [1] * (n - 1) + [-1]), Fraction(1, 100))
        ref = _first_width(lambda m: _orthogonal_p_global(n, n - 1, m), 1 - eps)
        expected.append(ref)
        ours = land.smallest_width(eps)
        observed.append(ours)
        same_p = same_p and land.p_global_exact(ref)[0] == _orthogonal_p_global(n, n - 1, ref)
    return Outcome("m* = " + " ".join(map(str, expected)) + " (closed form; P_global equal as rationals)",
                   "m* = " + " ".join(map(str, observed)) + ("" if same_p else "; P_global differs"),
                   expected == observed and same_p)


@claim("boursier-sufficiency-width-law", "Boursier et al. (2025): m of order min(n^d, 2^n) log(n/eps) suffices",
       "their Gaussian teacher data, dataset 0, lam = 1/100, uniform measure, (n, d) in {4, 5, 6} x {2, 3}, "
       "eps = 1/100",
       requires=("landscape.network.authors:authors_teacher_dataset", "landscape.regions.landscape:Landscape"))
def _claim_sufficiency_width_law():
    """``m* <= K ln(n/eps)`` with ``K = 4 sum_{k<d} C(n-1, k)`` from Cover's formula: at most
    ``n`` optimal directions (pruning), each carried by at least one of ``K`` equally likely
    cones, so a support misses one with probability at most ``n (1 - 1/K)^m``."""
    from ..network.authors import authors_teacher_dataset
    from ..regions.landscape import Landscape

    eps = Fraction(1, 100)
    expected, observed, ok = [], [], True
    for n in (4, 5, 6):
        for d in (2, 3):
            K = 2 * _cover(n, d)
            bound = math.ceil(K * math.log(n / float(eps)))
            land = Landscape(authors_teacher_dataset(n, d, 0), Fraction(1, 100))
            ours = land.smallest_width(eps)
            expected.append(f"{n}x{d}: K={K}, m*<={bound}")
            observed.append(f"{n}x{d}: K={land.K}, m*={ours}")
            ok = ok and land.K == K and ours is not None and 1 <= ours <= bound
    return Outcome("; ".join(expected), "; ".join(observed), ok)


# --- training reproductions (issue 16) ---


def theorem2_published_dataset(d=4, data_seed=0, sigma=1e-3, digits=12):
    """The Theorem-2 rows of Boursier et al. (2025) perturbed by ``N(0, sigma^2)`` and
    renormalised, as their ``theorem2.py`` builds them, labels ``y = X beta`` after the
    perturbation.  The perturbation is drawn once from ``default_rng(data_seed)`` (the
    authors redraw it in every run); rows are rounded to ``digits`` decimals and ``y`` is
    computed exactly from the rounded rows, so ``w = beta`` still interpolates exactly.

    >>> ds = theorem2_published_dataset()
    >>> ds.n, ds.d, abs(float(ds.y[0]) - 0.8) < 1e-2
    (4, 4, True)
    """
    import numpy as np

    from ..data import Dataset

    X = np.zeros((d, d))
    X[0, 0] = 1.0
    X[1, :3] = [8 / 9, -4 / 9, 1 / 9]
    X[2, :3] = [8 / 9, 4 / 9, 1 / 9]
    for i in range(3, d):
        X[i, 0], X[i, i] = 8 / 9, math.sqrt(17) / 9
    X = X + np.random.default_rng(data_seed).normal(0.0, sigma, X.shape)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    scale = 10**digits
    Xq = [[Fraction(round(v * scale), scale) for v in row] for row in X]
    beta = [Fraction(4, 5), Fraction(0), Fraction(3, 5)] + [Fraction(0)] * (d - 3)
    y = [sum((a * b for a, b in zip(row, beta)), Fraction(0)) for row in Xq]
    return Dataset.from_arrays(Xq, y, False, f"theorem2_published_d{d}_data{data_seed}")


def _single_neuron_residual(X, y, lam):
    """Float, from scratch: the optimum of (1/n)|X u - y|^2 + 2 lam |u| (one all-active
    neuron, u = |a| w) by bisection on t = |u| in u(t) = (X^T X + (n lam / t) I)^{-1} X^T y,
    and its residual y - X u."""
    import numpy as np

    n, d = X.shape
    u_of = lambda t: np.linalg.solve(X.T @ X + (n * lam / t) * np.eye(d), X.T @ y)  # noqa: E731
    lo, hi = 1e-12, 10.0 * float(np.linalg.norm(np.linalg.lstsq(X, y, rcond=None)[0])) + 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if np.linalg.norm(u_of(mid)) > mid else (lo, mid)
    u = u_of(hi)
    return u, y - X @ u


def _best_growth_direction(X, r):
    """Float, from scratch: a lower bound on ``sup r . relu(X w)`` over unit ``w``, the
    growth rate of a zero neuron.  For every assignment of each row to active, tight or
    inactive, the candidate is the maximiser ``w = P_T g / |P_T g|`` of ``g . w`` on the
    face where the tight rows vanish (``g = X^T D r`` over the active rows ``D``, ``P_T``
    the projector off the tight rows); the true objective is evaluated at every candidate,
    so the best value is a valid lower bound whatever the candidate's pattern."""
    import itertools

    import numpy as np

    n, d = X.shape
    best, arg = -np.inf, None
    for roles in itertools.product((0, 1, 2), repeat=n):  # 0 inactive, 1 active, 2 tight
        D = np.array([v == 1 for v in roles], dtype=float)
        g = X.T @ (D * r)
        tight = X[[i for i, v in enumerate(roles) if v == 2]]
        if len(tight):
            Q = np.linalg.svd(tight.T, full_matrices=False)[0]
            g = g - Q @ (Q.T @ g)
        if np.linalg.norm(g) < 1e-300:
            continue
        w = g / np.linalg.norm(g)
        val = float(r @ np.maximum(X @ w, 0.0))
        if val > best:
            best, arg = val, w
    return best, arg


@claim("boursier-theorem2-published", "Boursier et al. (2025), Thm 2 and their theorem2.py (lam 1e-5, d 4)",
       "rows perturbed by N(0, 1e-6) (seed 0), width 100, init 1e-4, gradient flow to t = 1e4",
       requires=("landscape.dynamics:train_flow", "landscape.dynamics:classify_endpoint"))
def _claim_theorem2_published():
    import numpy as np

    from ..dynamics import classify_endpoint, train_flow

    ds = theorem2_published_dataset()
    lam = Fraction(1, 100000)
    X, y = ds.features, ds.y
    u, r = _single_neuron_residual(X, y, float(lam))
    growth, _ = _best_growth_direction(X, r)
    nl = ds.n * float(lam)
    run = train_flow(ds, float(lam), width=100, init_scale=1e-4, seed=0, t_max=1e4, max_steps=200_000)
    v = classify_endpoint(ds, lam, run)
    theta_sq = float(run.a @ run.a + np.vdot(run.W, run.W))
    ctype = v.certificate.get("type") if isinstance(v.certificate, dict) else None
    ok = (growth > nl and v.verdict == "not_a_local_minimum" and ctype == "zero_neuron_can_grow"
          and abs(theta_sq - 2 * float(np.linalg.norm(u))) < 1e-4 * theta_sq)
    decided = v.verdict not in ("not_converged", "undecided")
    return Outcome(f"a stalled saddle at the single neuron (|theta|^2 = 2|u| = {2 * np.linalg.norm(u):.6f}): "
                   f"max r.relu(Xw) >= {growth:.6g} > n lam = {nl:.3g}",
                   f"{v.verdict} ({ctype}), |theta|^2 = {theta_sq:.6f}", ok if decided else None)


@claim("town-orthogonal-saddles", "Town et al. (2025), orthogonal data: saddle-to-saddle, |theta|^2 ~ min-norm",
       "X = I_3, y = (0.9, -0.5, 0.3), lam = 0, width 12, init 1e-6, GD lr 0.1, 6000 steps",
       requires=("landscape.dynamics.plateaus:detect_plateaus", "landscape.convex.interpolation:min_norm_interpolator"))
def _claim_town():
    import numpy as np

    from ..convex.interpolation import min_norm_interpolator
    from ..data import Dataset
    from ..dynamics import train
    from ..dynamics.plateaus import detect_plateaus

    y = np.array([0.9, -0.5, 0.3])
    ds = Dataset.from_arrays(np.eye(3, dtype=int).tolist(), ["0.9", "-0.5", "0.3"])
    subsets = sorted({sum(y[i] ** 2 for i in range(3) if mask >> i & 1) / 3 for mask in range(8)})
    closed = 2 * (np.linalg.norm(y[y > 0]) + np.linalg.norm(y[y < 0]))
    it = min_norm_interpolator(ds)
    run = train(ds, 0.0, width=12, init_scale=1e-6, seed=3, lr=0.1, steps=6000, record_ratio=1.002)
    R = run.records
    ps = detect_plateaus(R["step"] + 1.0, R["data_loss"], rtol=0.01, min_duration=30)
    err = max((min(abs(p.level - s) for s in subsets) / p.level for p in ps), default=float("inf"))
    theta_sq = float(R["theta_sq"][-1])
    ratio = theta_sq / closed
    brackets = it.lower <= Fraction(closed) * (1 + Fraction(1, 10**9)) and closed <= it.upper * (1 + 1e-9)
    ok = (len(ps) >= 2 and err < 1e-3 and R["data_loss"][-1] < 1e-12 and 1 - 1e-9 <= ratio <= 2
          and it.certified and brackets)
    levels = [round(float(s), 4) for s in subsets]
    return Outcome(f"plateau levels among the subset sums {levels}; min-norm 2(|y+| + |y-|) = {closed:.6f}; "
                   "learned/min-norm in [1, 2]",
                   f"{len(ps)} plateaus at {[round(float(p.level), 4) for p in ps]} (max rel. error {err:.1g}); "
                   f"certified min-norm [{float(it.lower):.6f}, {float(it.upper):.6f}]; learned {theta_sq:.6f} "
                   f"(ratio {ratio:.4f})", ok)


@claim("chen-weight-decay-rank", "Chen et al. (2024): weight decay lowers the rank of W",
       "X = I_4, y = (0.9, 0.5, -0.7, -0.2), lam = 1/20 and 1/5: certified convex optimum",
       requires=("landscape.convex.program:RegionProgram", "landscape.dynamics:effective_rank"))
def _claim_chen():
    import numpy as np

    from ..convex.program import RegionProgram
    from ..data import Dataset
    from ..dynamics import effective_rank

    y = np.array([0.9, 0.5, -0.7, -0.2])
    ds = Dataset.from_arrays(np.eye(4, dtype=int).tolist(), ["0.9", "0.5", "-0.7", "-0.2"])
    expected, observed, ok = [], [], True
    for lam in (Fraction(1, 20), Fraction(1, 5)):
        # closed form (docs/theory.md, section 6): one neuron per sign, |u+-| = (|y+-| - n lam)_+;
        # its balanced W has orthogonal rows of norms sqrt|u+-|, the singular values
        s = np.array([max(np.linalg.norm(y[y > 0]) - 4 * float(lam), 0.0),
                      max(np.linalg.norm(y[y < 0]) - 4 * float(lam), 0.0)]) ** 0.5
        p = s[s > 0] / s.sum()
        erank = float(np.exp(-np.sum(p * np.log(p))))
        glob = RegionProgram(ds, lam).global_optimum()
        got = effective_rank(glob.network[1])
        ok = ok and glob.certified and abs(got - erank) < 1e-6
        expected.append(f"lam={lam}: {erank:.6f}")
        observed.append(f"lam={lam}: {got:.6f}")
    return Outcome("effective rank " + ", ".join(expected), "certified optimum " + ", ".join(observed), ok)


@claim("melamed-off-subspace", "Melamed, Yehudai & Vardi (2023): off-subspace gradients and weight decay",
       "4 points on a plane of R^4, width 8, init 0.5, lam = 1/100, GD lr 0.05, 3000 steps",
       requires=("landscape.dynamics.metrics:off_subspace_gradient_norms",))
def _claim_melamed():
    import numpy as np

    from ..data import Dataset
    from ..dynamics import train
    from ..dynamics.metrics import off_subspace_gradient_norms

    ds = Dataset.from_arrays([[1, 0, 0, 0], [0, 1, 0, 0], [1, 1, 0, 0], [2, -1, 0, 0]], ["1", "-0.5", "0.3", "0.8"])
    B = np.eye(4)[:, :2]
    lam, lr, steps = 0.01, 0.05, 3000
    start = train(ds, lam, width=8, init_scale=0.5, seed=1, lr=lr, steps=0)
    run = train(ds, lam, width=8, init_scale=0.5, seed=1, lr=lr, steps=steps)
    # from scratch: the data gradient of w_j is a combination of the inputs, so only the
    # weight decay acts off the plane: P W_T = (1 - 2 lr lam)^T P W_0
    predicted = (1 - 2 * lr * lam) ** steps * float(np.linalg.norm(start.W[:, 2:]))
    got = float(np.linalg.norm(run.W[:, 2:]))
    off = off_subspace_gradient_norms(run.a, run.W, ds.features, B)
    bound = float(np.linalg.norm(run.a)) * got  # |sum_j a_j D_ij P w_j| <= |a| |P W|_F
    ok = abs(got - predicted) <= 1e-9 * predicted and float(off.max()) <= bound * (1 + 1e-12)
    return Outcome(f"|P W_T| = (1 - 2 lr lam)^T |P W_0| = {predicted:.10g}; off-subspace gradient <= |a| |P W| = "
                   f"{bound:.4g}", f"|P W_T| = {got:.10g}; max off-subspace gradient {float(off.max()):.4g}", ok)
