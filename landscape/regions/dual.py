r"""The certified dual point of a convex optimum: active cones, direction groups, the up-set.

A certified optimum of ``V`` carries a scaled dual residual ``r`` behind its lower bound;
by strong concavity of the dual the optimal residual lies within
``rho = sqrt(n (upper - lower))`` of it (docs/theory.md, section 3).  From it:

* :func:`tightened_optimum` -- the convex optimum re-certified from a Newton-refined
  point, so that ``rho`` is small enough to tell active cones from nearly active ones;
* :func:`dual_point` -- ``(r, rho, B)`` with ``B`` the rows ``X^T D r`` of every cell;
* :func:`active_cones` -- the cones that may carry a convex optimum (all others have a
  dual value certifiably below ``n lam``);
* :func:`tight_cones` -- the cones outside a support whose dual value may equal ``n lam``
  at the support's own optimal residual;
* :func:`direction_groups` -- the active cones grouped by the optimal direction they can
  carry, each grouping *proven* by certified solves;
* :func:`global_upset` -- the minimal subsets of the active cones that attain ``V*``.

When the zero network is the convex optimum (``V* = V(empty)``), there is no active cone
and no group is needed: every support attains ``V*`` and :func:`direction_groups`
returns ``[]``.

Examples
--------
Orthonormal data with labels ``(1, -1)``: the optimum is one positive neuron on ``x1`` and
one negative neuron on ``x2``; each can be carried by the 2 cones whose cell holds that
direction:

>>> from landscape.data import Dataset
>>> from landscape.convex.program import RegionProgram
>>> prog = RegionProgram(Dataset.from_arrays([[1, 0], [0, 1]], [1, -1]), "1/10")
>>> cache = SolveCache(prog)
>>> glob = prog.global_optimum()
>>> A = active_cones(prog, glob)
>>> sorted(len(G) for G in direction_groups(cache, glob, A))
[2, 2]
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from ..convex.backends import Candidate
from ..convex.refine import refine_optimum
from ..errors import TooLargeError
from ..geometry.cones import cone_cell, cone_sign
from ..results.status import SolverStatus
from .cache import USABLE, SolveCache, certified_tol

__all__ = ["tightened_optimum", "dual_point", "active_cones", "tight_cones", "direction_groups", "global_upset",
           "zero_is_optimal", "MAX_UPSET_CONES"]

#: a bracket this narrow (relative to 1 + |V|) is not tightened further
TIGHT_GAP = 1e-14

#: the up-set enumeration solves up to ``2^MAX_UPSET_CONES`` subsets of the active cones
MAX_UPSET_CONES = 16


def _merged_directions(glob, rel=1e-6, cos_tol=1e-5):
    """The significant ``u_c`` of ``glob``, parallel ones of one sign summed onto the heaviest
    cone (a float starting point for Newton's method; nothing here is certified)."""
    U = {c: np.array([float(v) for v in glob.u_exact[c]]) for c in glob.cones_used}
    norms = {c: float(np.linalg.norm(u)) for c, u in U.items()}
    top = max(norms.values(), default=0.0)
    kept = []
    for c in sorted(U, key=lambda c: (-norms[c], c)):
        if norms[c] <= rel * top:
            continue
        unit = U[c] / norms[c]
        same = [k for k in kept if cone_sign(k) == cone_sign(c) and float(U[k] @ unit) > (1 - cos_tol) * norms[k]]
        if same:
            U[same[0]] = U[same[0]] + U[c]
            norms[same[0]] = float(np.linalg.norm(U[same[0]]))
        else:
            kept.append(c)
    return {c: U[c] for c in kept}


def tightened_optimum(prog, glob, rounds=3, digits=40, dual="all"):
    """The convex optimum ``glob`` re-certified from a Newton-refined point, if tighter.

    An interior-point optimum is certified to ``GAP_TOL`` only; its proven gap sets the
    radius ``rho = sqrt(n (upper - lower))`` within which the optimal residual is known, and
    with ``rho ~ 1e-5`` a cone whose dual value is ``n lam (1 - 1e-4)`` cannot be excluded
    from the active cones, nor can two optimal neurons be told from one (the direction
    groups then fail to verify).  Here the significant neurons of ``glob`` are merged by
    direction, refined by Newton's method on their KKT system (in float, then if needed in
    ``digits``-digit arithmetic; :func:`~landscape.convex.refine.refine_optimum`), and the
    refined point is certified
    afresh over all ``K`` cones (``dual="all"``).  The result is returned when its proven
    bracket is narrower (a certified bracket preferred), else ``glob``: both are proven
    brackets of the same ``V*``, so no exact answer changes, more of them get decided.
    With ``dual="cones"`` the same is done for the optimum of ``V(S)`` over its support
    ``S = glob.cones``.

    Examples
    --------
    >>> from landscape.data import Dataset
    >>> from landscape.convex.program import RegionProgram
    >>> prog = RegionProgram(Dataset.from_arrays([[1, 0], [0, 1]], [1, -1]), "1/10")
    >>> glob = prog.global_optimum()
    >>> tight = tightened_optimum(prog, glob)
    >>> tight.certified, tight.upper - tight.lower <= glob.upper - glob.lower, tight.lower <= glob.upper
    (True, True, True)
    """
    best = glob
    # float Newton first (cheap); it stalls where the objective's changes drop below
    # rounding (a bracket of ~1e-9 with a tiny neuron), and mpmath with ``digits`` digits
    # then converges fully
    for dig in [None] + [digits] * (rounds - 1):
        if best.upper - best.lower <= TIGHT_GAP * (1 + abs(best.upper)):
            break
        U = _merged_directions(best)
        if not U or best.status not in USABLE:
            break
        ref = refine_optimum(prog, U, digits=dig)
        # over all K cones a bound on V* needs only the used cones; over a support S the
        # candidate keeps every cone of S (u_c = 0 where unused) so the dual check covers S
        cones = tuple(sorted(ref)) if dual == "all" else tuple(best.cones)
        zero = np.zeros(prog.dim)
        cand = Candidate(cones, np.array([np.asarray(ref.get(c, zero), dtype=float) for c in cones]),
                         SolverStatus.OPTIMAL, prog.solver)
        opt = prog.certify(cand, dual=dual)
        if (opt.certified, -(opt.upper - opt.lower)) <= (best.certified, -(best.upper - best.lower)):
            continue
        opt.method = f"{glob.method}+newton"
        best = opt
    return best


def dual_point(prog, opt):
    """The certified dual point of ``opt`` and its radius.

    Returns ``(r, rho, B)``: the scaled dual residual ``r`` behind ``opt.lower``, the
    radius ``sqrt(n (upper - lower))`` of the ball that holds the optimal residual (by
    strong concavity of the dual), and ``B`` with rows ``X^T D r`` for every cell.
    """
    r = opt.dual_point
    rho = math.sqrt(prog.n * float(opt.upper - opt.lower))
    return r, rho, prog.patterns.astype(float) @ (prog.X * r[:, None])


def _lipschitz_margin(prog, rho):
    nl = prog.n * prog.lamf
    return float(np.linalg.norm(prog.X, 2)) * rho + 1e-9 * nl


def active_cones(prog, glob):
    """Cones that may carry a convex optimum: all others are certifiably inactive.

    A cone ``c`` is excluded when its dual value at the certified dual point plus the
    Lipschitz bound ``|X|_2 sqrt(n (upper - lower))`` is below ``n lam``.
    """
    _, rho, B = dual_point(prog, glob)
    nl = prog.n * prog.lamf
    margin = _lipschitz_margin(prog, rho)
    active = []
    for cell in np.nonzero(np.linalg.norm(B, axis=1) >= nl - margin)[0].tolist():
        for s in (0, 1):
            c = 2 * cell + s
            b = B[cell] if s == 0 else -B[cell]
            if prog.cone_dual_value(c, b)[0] >= nl - margin:
                active.append(c)
    return tuple(active)


def tight_cones(prog, opt, exclude=()):
    """Cones not in ``exclude`` whose unconstrained dual norm at ``opt``'s residual may be
    ``n lam`` (within the Lipschitz radius): the only cones by which an interior minimiser
    of ``V(S)`` can be extended without changing it."""
    _, rho, B = dual_point(prog, opt)
    nl = prog.n * prog.lamf
    margin = _lipschitz_margin(prog, rho)
    skip = set(exclude)
    return [c for c in range(prog.K)
            if c not in skip and abs(float(np.linalg.norm(B[cone_cell(c)] * cone_sign(c))) - nl) <= margin]


def zero_is_optimal(cache: SolveCache, glob):
    """The zero network is a convex optimum: ``V(empty) <= V*`` within the certified tolerance."""
    return glob.status in USABLE and cache.empty_value() - glob.lower <= certified_tol(glob.upper)


def direction_groups(cache: SolveCache, glob, active, max_supports=None):
    """Active cones grouped by the optimal direction they can carry, verified.

    At the optimal dual residual every active cone's dual maximiser is one of the
    optimum's neuron directions; cones sharing a direction are interchangeable.  The
    grouping is read off the certified dual point in floating point and then *proven* by
    certified solves: removing a whole group certifiably raises ``V`` above ``V*`` (so a
    support missing a group is not global), and every choice of one cone per group
    attains ``V*`` within the tolerance (so, ``V`` being monotone, a support hitting every
    group is global).  "Raises" means by more than the tolerance within which a support
    counts as global (:func:`~landscape.regions.cache.certified_tol`), so that the groups
    and :meth:`~landscape.regions.classify.Classifier.global_of` agree on the active
    cones.  A comparison a solve leaves open is retried on its :func:`tightened_optimum`
    certificate.  Returns the groups (tuples of cones), ``[]`` when the zero network is
    optimal (every support is global), or None when the verification fails (e.g. several
    optimal supports, or a group whose removal raises ``V`` by less than the tolerance) or
    would solve more than ``max_supports`` programmes.
    """
    if zero_is_optimal(cache, glob):
        return []
    prog = cache.prog
    A = tuple(active)
    if not A:
        return None
    _, _, B = dual_point(prog, glob)
    groups, heads = [], []
    for c in A:
        b = cone_sign(c) * B[cone_cell(c)]
        _, rows, mu = prog.cone_dual_value(c, b)
        v = b + (prog.G(c, rows).T @ mu if len(rows) else 0)
        v = v / np.linalg.norm(v)
        for k, (sign, head) in enumerate(heads):
            if sign == cone_sign(c) and np.linalg.norm(v - head) <= 1e-6:
                groups[k].append(c)
                break
        else:
            heads.append((cone_sign(c), v))
            groups.append([c])
    if max_supports is not None and math.prod(len(G) for G in groups) + len(groups) > max_supports:
        return None
    # "global" means V(S) = V* within certified_tol (Classifier.global_of, the up-set), so a
    # group is needed only if dropping it raises V by more than that tolerance; a group whose
    # loss is below it (a tiny optimal neuron) would make the two definitions disagree
    tol = certified_tol(glob.upper)
    for G in groups:
        rest = [c for c in A if c not in G]
        if rest and not _holds(prog, cache.V(rest), lambda o: _above(o, glob, tol)):
            return None
        if not rest and not cache.empty_value() > glob.upper + tol:
            return None
    for choice in itertools.product(*groups):
        if not _holds(prog, cache.V(choice), lambda o: _attains(o, glob)):
            return None
    return [tuple(G) for G in groups]


def _attains(opt, glob):
    """``V(S) = V*`` within the certified tolerance, proven by the bounds of ``opt``."""
    return opt.status in USABLE and opt.upper - glob.lower <= certified_tol(glob.upper)


def _above(opt, glob, margin=0):
    """``V(S) > V* + margin``, proven by the bounds of ``opt``."""
    return opt.status in USABLE and opt.lower > glob.upper + margin


def _holds(prog, opt, test):
    """``test(opt)``, retried once on the Newton-tightened certificate of the same support
    (a solve certified only to ``GAP_TOL`` can leave a comparison with ``V*`` undecided)."""
    return test(opt) or (opt.status in USABLE and test(tightened_optimum(prog, opt, dual="cones")))


def global_upset(cache: SolveCache, glob, active):
    """Minimal subsets ``B`` of the active cones with ``V(B) = V*`` (certified).

    Returns ``(minimal, undecided)``: the minimal global subsets, and subsets whose
    comparison with ``V*`` could not be certified either way (a comparison left open by
    the solve is retried on its :func:`tightened_optimum` certificate).  When the zero network is
    optimal the empty subset is the one minimal subset.
    """
    if zero_is_optimal(cache, glob):
        return [()], []
    A = tuple(active)
    if len(A) > MAX_UPSET_CONES:
        raise TooLargeError("active cones of the convex optimum (subsets to solve)", 2 ** len(A),
                            2**MAX_UPSET_CONES, "samples")
    minimal, undecided = [], []
    for size in range(1, len(A) + 1):
        for B in itertools.combinations(A, size):
            if any(set(M) <= set(B) for M in minimal):
                continue
            opt = cache.V(B)  # decided from proven bounds alone (V(B) >= V*)
            if not (_attains(opt, glob) or _above(opt, glob)) and opt.status in USABLE:
                opt = tightened_optimum(cache.prog, opt, dual="cones")  # a narrower proven bracket
            if _attains(opt, glob):
                minimal.append(B)
            elif not _above(opt, glob):
                undecided.append(B)
    return minimal, undecided
