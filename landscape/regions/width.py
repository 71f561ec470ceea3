r"""``L*_m``, the best loss of a width-``m`` network, certified without exhaustive search.

``L*_m = min_{|S| <= m} V(S)`` over supports of at most ``m`` signed cones
(docs/theory.md, section 3).  ``V`` can only fall when cones are added, so the minimum is
over supports of size exactly ``min(m, K)``, and for any set ``R`` of cones
``V(R) <= V(S)`` for every ``S`` inside ``R``: a certified solve of ``V(R)`` is a certified
lower bound for all supports in ``R``.  :func:`width_optimum` proves ``L*_m`` by the first
method that applies, and says which (``method``):

* ``"equals_global"`` -- ``m`` is at least the number of verified direction groups, or the
  support size of the certified convex optimum: ``L*_m = V*``;
* ``"exact_search"`` -- at most ``exhaustive_limit`` supports of size ``m``: all solved;
* ``"branch_and_bound"`` -- a depth-first search over supports that decides one cone at a
  time (in it, or out of it) and cuts a branch when the certified lower bound ``V(R)`` of
  the cones it may still use cannot beat the incumbent.  Incumbents come from cheap
  heuristics: greedy cone removal from the convex optimum, then a local search that swaps
  one cone at a time while ``V`` falls.  When more than ``max_supports`` programmes would
  be needed the search stops and ``L*_m`` is *bracketed*: ``lower`` is the least bound of
  the branches left open, ``certified`` is False and ``reason`` says so.

Examples
--------
A tiny example of the brute-force tests (its convex optimum uses 2 cones): branch and
bound and the exhaustive search prove the same ``L*_1``:

>>> from landscape.data import Dataset
>>> from landscape.convex.program import RegionProgram
>>> from landscape.regions.cache import SolveCache
>>> prog = RegionProgram(Dataset.from_arrays([[3, 2], [1, -2]], [2, -4]), "1/10")
>>> cache, glob = SolveCache(prog), prog.global_optimum()
>>> bb = width_optimum(cache, 1, glob, exhaustive_limit=0)
>>> ex = width_optimum(cache, 1, glob)
>>> bb.method, ex.method, bb.certified, abs(bb.value - ex.value) < 1e-9
('branch_and_bound', 'exact_search', True, True)
"""

from __future__ import annotations

import math

import numpy as np

from ..convex.program import WidthOptimum
from ..errors import DEFAULT_MAX_SUPPORTS
from ..exact.arithmetic import gap_ok
from .cache import USABLE, SolveCache, certified_tol
from .dual import dual_point

__all__ = ["width_optimum", "greedy_incumbent", "EXHAUSTIVE_LIMIT"]

#: supports of size m up to which L*_m is found by solving every one of them
EXHAUSTIVE_LIMIT = 256


def width_optimum(cache: SolveCache, m, glob, groups=None, max_supports=DEFAULT_MAX_SUPPORTS,
                  exhaustive_limit=EXHAUSTIVE_LIMIT) -> WidthOptimum:
    """``L*_m`` with proven bounds and the method that proved it (see the module doc).

    Parameters
    ----------
    cache : SolveCache
    m : int
    glob : RegionOptimum
        The certified convex optimum ``V*``.
    groups : list of tuple, optional
        Verified direction groups (:func:`~landscape.regions.dual.direction_groups`).
    max_supports : int
        Budget of certified solves for the branch and bound.
    exhaustive_limit : int
        Solve every support when there are at most this many.
    """
    prog = cache.prog
    m = int(m)
    size = min(m, prog.K)
    count = math.comb(prog.K, size)
    if glob.certified and m >= len(glob.cones_used):
        return prog.width_optimum(m, max_programs=count, glob=glob)
    if groups is not None and m >= len(groups):
        best = cache.V(tuple(G[0] for G in groups)) if groups else glob
        return WidthOptimum(m, glob.lower, best.upper, gap_ok(glob.lower, best.upper, scale=prog.gap_scale),
                            best.status, "", "equals_global", best, len(groups))
    if count <= min(exhaustive_limit, max_supports):
        return prog.width_optimum(m, max_programs=count, glob=glob)
    return _branch_and_bound(cache, m, size, glob, max_supports)


def _priority(prog, glob):
    """Cones ordered by how much they matter at the convex optimum: used cones first, then
    by the norm of ``X^T D_c r`` at its dual point (large first)."""
    _, _, B = dual_point(prog, glob)
    norms = np.linalg.norm(B, axis=1)
    used = set(glob.cones_used)
    return sorted(range(prog.K), key=lambda c: (c not in used, -norms[c // 2], c))


def greedy_incumbent(cache: SolveCache, size, glob, order=None, max_swaps=2000):
    """A good support of ``size`` cones: greedy removal from the convex optimum, then swaps.

    Greedy removal drops, one at a time, the cone whose removal raises ``V`` least; the
    local search then replaces one cone by another while the certified upper bound falls
    (first improvement, at most ``max_swaps`` solves).  Returns the solve of the best
    support found (an upper bound on ``L*_m``, not a proof).
    """
    prog = cache.prog
    order = order if order is not None else _priority(prog, glob)
    S = [c for c in glob.cones_used] or list(order[:size])
    for c in order:
        if len(S) >= size:
            break
        if c not in S:
            S.append(c)
    while len(S) > size:
        rests = cache.prefetch([[x for x in S if x != c] for c in S])
        trials = [(cache.V(T).upper, c) for T, c in zip(rests, S)]
        S.remove(min(trials)[1])
    best = cache.V(S)
    pool = order[: min(len(order), 4 * size + 12)]
    solves, improved = 0, True
    while improved and solves < max_swaps:
        improved = False
        for out in list(S):
            for c in pool:
                if c in S or solves >= max_swaps:
                    continue
                T = [x for x in S if x != out] + [c]
                solves += 1
                trial = cache.V(T)
                if trial.status in USABLE and trial.upper < best.upper - certified_tol(best.upper):
                    S, best, improved = T, trial, True
                    break
            if improved:
                break
    return best


def _significant(opt, rel=1e-6):
    """Cones of ``opt`` whose ``|u_c|`` exceeds ``rel`` times the largest, largest first."""
    norms = {c: float(np.linalg.norm(opt.u[c])) for c in opt.cones if c in opt.u}
    top = max(norms.values(), default=0.0)
    return sorted((c for c, v in norms.items() if top > 0 and v > rel * top), key=lambda c: -norms[c])


def _branch_and_bound(cache, m, size, glob, max_supports):
    """Depth-first branch and bound over (cones in, cones out).

    A node ``(I, O)`` stands for the supports of ``size`` cones that contain ``I`` and avoid
    ``O``; ``V(R)`` over the cones ``R`` not in ``O`` is its certified lower bound (``V`` is
    monotone).  If the minimiser of ``V(R)`` uses, with ``I``, at most ``size`` cones, the
    support ``S*`` of those cones attains it and the node is closed; otherwise the search
    branches on the cone of the minimiser with the largest ``|u_c|`` (in ``I``, then out).
    """
    prog = cache.prog
    order = _priority(prog, glob)
    start = cache.solves
    best = greedy_incumbent(cache, size, glob, order)
    cut = lambda lower: lower >= best.upper - certified_tol(best.upper) / 2  # noqa: E731
    closed_low = best.lower  # least proven lower bound over every closed node
    stack = [((), frozenset(), glob.lower)]
    open_low = None
    while stack:
        if cache.solves - start > max_supports:
            open_low = min(b for _, _, b in stack)
            break
        I, O, bound = stack.pop()
        if cut(bound):
            closed_low = min(closed_low, bound)
            continue
        R = [c for c in order if c not in O]
        if len(I) == size or len(R) <= size:
            leaf = cache.V(I if len(I) == size else R)
            if leaf.status in USABLE and leaf.upper < best.upper:
                best = leaf
            closed_low = min(closed_low, leaf.lower if leaf.status in USABLE else bound)
            if leaf.status not in USABLE:  # no proven bound from this leaf: the proof fails honestly
                closed_low = min(closed_low, bound)
            continue
        opt = cache.V(R)
        lower = max(bound, opt.lower) if opt.status in USABLE else bound
        if cut(lower):
            closed_low = min(closed_low, lower)
            continue
        used = _significant(opt) if opt.status in USABLE else []
        star = list(I) + [c for c in used if c not in I]
        if len(star) <= size:
            # pad with cones of R so that the support has `size` cones (V only falls)
            star += [c for c in R if c not in star][: size - len(star)]
            leaf = cache.V(star)
            if leaf.status in USABLE and leaf.upper < best.upper:
                best = leaf
            if leaf.status in USABLE and leaf.upper - lower <= certified_tol(leaf.upper) / 2:
                closed_low = min(closed_low, lower)
                continue
        free = [c for c in used if c not in I] or [c for c in R if c not in I]
        c = free[0]
        stack.append((I, O | {c}, lower))  # c out
        stack.append((I + (c,), O, lower))  # c in (explored first)
    lower = closed_low if open_low is None else min(closed_low, open_low)
    lower = min(lower, best.upper)
    programs = cache.solves - start
    certified = best.certified and open_low is None and gap_ok(lower, best.upper, scale=prog.gap_scale)
    if certified:
        reason = ""
    elif open_low is not None:
        reason = (f"branch and bound stopped after {programs:,} certified solves (max_supports); "
                  f"L*_{m} is bracketed")
    else:
        reason = f"gap {float(best.upper - lower):.3g} too large"
    return WidthOptimum(m, lower, best.upper, certified, best.status, reason, "branch_and_bound", best, programs)
