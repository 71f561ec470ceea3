r"""Many gradient-descent runs on the population loss, batched over runs, and their endpoints
grouped into families up to symmetry (docs/theory.md, section 8).

The experiment of Safran & Shamir (2018)
----------------------------------------
Each run starts from ``w_ij ~ N(0, 1/d)`` (independent Gaussians) and takes plain
gradient steps ``W <- W - lr grad F(W)`` until ``|grad F|_F <= grad_tol``, ``F <=``
:data:`GLOBAL_LOSS` or ``steps`` steps.  All runs advance together as one array of shape ``(runs, n, d)``; runs that
have converged leave the batch.  A run is *spurious* when its endpoint's loss exceeds
:data:`SPURIOUS_LOSS` (the global minimum has loss 0; the spurious minima found in the
literature have losses above ``1e-3``).

Families and their canonical form
---------------------------------
``F`` is invariant under permuting the student rows and, when the teacher is ``I_k``
(padded with zero columns when ``d > k``), under the joint permutation of the teacher
rows and the first ``k`` coordinates, i.e. ``W -> P W S^T`` with ``P`` any row permutation
and ``S`` a permutation of the first ``k`` columns.  All endpoints at the global loss (at most
:data:`SPURIOUS_LOSS`) form one family, the global minimum (for ``n > k`` a connected set
of minima, with split neurons, rather than one orbit).  Two other endpoints are in the same family
when their losses agree to ``1e-9`` and the sorted lists of their entries, of their row
norms and of their column sums agree to ``tol`` (these are invariants of the action).  A
family's representative is its member with the smallest gradient, in the canonical form of
:func:`~landscape.population.symmetry.canonical_form`: rows and columns ordered by
colour refinement on the bipartite graph of rows and columns weighted by the (rounded)
entries, ties broken by individualising the first tied row.  Every family is then certified by
:func:`~landscape.population.certify.certify_point`, and its Young isotropy (e.g.
``S_9 x S_1``, Arjevani & Field's type of spurious minimum) is reported with whether the
certified eigenvalue multiplicities fit the isotypic decomposition it predicts
(:mod:`landscape.population.spectrum`).  For each certified spurious minimum,
:func:`~landscape.population.overparam.neuron_escape` looks for, and proves, a direction in
which one added neuron decreases the loss (the minimum does not survive at width ``n + 1``).

>>> res = run_search(3, runs=8, seed=0, steps=3000, certify=False)
>>> sum(f.count for f in res.families) == res.runs == 8
True
>>> canonical_form([[0.0, 2.0], [1.0, 0.0]], joint=True).tolist()
[[2.0, 0.0], [0.0, 1.0]]

References
----------
I. Safran, O. Shamir, "Spurious local minima are common in two-layer ReLU neural
networks", ICML 2018, Table 1.  Y. Arjevani, M. Field, "Symmetry & critical points for a
model shallow neural network", Physica D 427 (2021) (the symmetry group
``S_k x S_d`` and the isotropy of the spurious minima).  B. Weisfeiler, A. Leman (1968)
(colour refinement).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from .certify import PointCertificate, PointVerdict, certify_point
from .kernel import gradient, hessian, loss, teacher
from .overparam import NeuronEscape, neuron_escape
from .spectrum import isotypic_assignment, isotypic_dimensions
from .symmetry import canonical_form, isotropy_label, young_isotropy

__all__ = ["SPURIOUS_LOSS", "GLOBAL_LOSS", "Family", "SearchResult", "initial_students", "descend", "default_lr",
           "run_search", "population_search_task"]

#: a run whose endpoint has a larger loss is spurious (the global loss is 0)
SPURIOUS_LOSS = 1e-6
#: a run stops once its loss is this small: it is at the global minimum (for ``n > k`` the
#: loss decays only polynomially there, and the gradient test alone would run every step)
GLOBAL_LOSS = 1e-10


def initial_students(runs: int, n: int, d: int, rng) -> np.ndarray:
    """``runs`` students with independent entries ``N(0, 1/d)``, shape ``(runs, n, d)``."""
    return rng.normal(scale=1.0 / np.sqrt(d), size=(runs, n, d))


def default_lr(V, n) -> float:
    """``1.5 / lambda_max`` of the Hessian at the global minimum (with ``n`` students,
    teacher rows repeated cyclically): stable for plain gradient descent near it.

    >>> round(default_lr(teacher(10), 10), 3)
    0.479
    """
    W = np.array([V[i % len(V)] for i in range(n)], dtype=float)
    if n > len(V):
        W[len(V):] *= 0.5
        W[: n - len(V)] *= 0.5
    return 1.5 / float(np.linalg.eigvalsh(hessian(W, V)).max())


def descend(W, V, lr, steps, grad_tol, progress=None, loss_tol=0.0):
    """Gradient descent on every student of the batch ``W`` at once.

    A run leaves the batch when ``|grad F|_F <= grad_tol`` or ``F <= loss_tol`` (checked
    every 25 steps).  Returns ``(W, grad_norm, steps_taken)`` per run; ``progress`` (a tqdm
    bar or ``None``) is advanced by the number of steps.
    """
    W = np.array(W, dtype=float)
    R = len(W)
    gnorm = np.full(R, np.inf)
    taken = np.zeros(R, dtype=int)
    active = np.arange(R)
    X = W.copy()
    check = 25
    done = 0
    while done < steps and len(active):
        block = min(check, steps - done)
        for _ in range(block):
            G = gradient(X, V)
            X -= lr * G
        G = gradient(X, V)
        g = np.sqrt((G * G).sum(axis=(1, 2)))
        done += block
        W[active] = X
        gnorm[active] = g
        taken[active] = done
        keep = g > grad_tol
        if loss_tol > 0:
            keep &= loss(X, V) > loss_tol
        if not np.isfinite(X).all():
            raise InputError(f"gradient descent diverged with lr = {lr}: choose a smaller step")
        if not keep.all():
            active, X = active[keep], X[keep]
        if progress is not None:
            progress.update(block)
            progress.set_postfix(active=len(active), refresh=False)
    return W, gnorm, taken


def _invariants(W):
    return np.concatenate([np.sort(W.ravel()), np.sort(np.linalg.norm(W, axis=1)), np.sort(W.sum(axis=0))])


@dataclass
class Family:
    """Endpoints equal up to symmetry: their number, the representative and its certificate."""

    loss: float
    count: int
    W: np.ndarray
    spurious: bool
    certificate: PointCertificate | None = None
    members: list = field(default_factory=list, repr=False)
    isotropy: str | None = None
    isotypic_consistent: bool | None = None
    escape: NeuronEscape | None = None

    @property
    def verdict(self) -> PointVerdict:
        return self.certificate.verdict if self.certificate is not None else PointVerdict.UNDECIDED

    def to_json_obj(self):
        c = self.certificate
        return {"loss": self.loss, "count": self.count, "spurious": self.spurious, "verdict": self.verdict,
                "radius": None if c is None else c.radius,
                "hessian_min_eig_lower": None if c is None else c.hessian_min_eig_lower,
                "hessian_min_eig_upper": None if c is None else c.hessian_min_eig_upper,
                "loss_lower": None if c is None else c.loss_lower,
                "loss_upper": None if c is None else c.loss_upper,
                "reason": None if c is None else c.reason,
                "isotropy": self.isotropy, "isotypic_consistent": self.isotypic_consistent,
                "escape_with_extra_neuron": None if self.escape is None else self.escape.to_json_obj(),
                "W": self.W.tolist()}


@dataclass
class SearchResult:
    """All runs of one search, grouped into families (their counts add up to ``runs``)."""

    k: int
    n: int
    d: int
    runs: int
    seed: int
    steps: int
    lr: float
    grad_tol: float
    losses: np.ndarray
    grad_norms: np.ndarray
    families: list[Family]
    seconds: float = 0.0

    @property
    def spurious_runs(self) -> int:
        return int((self.losses > SPURIOUS_LOSS).sum())

    @property
    def share_spurious(self) -> float:
        return self.spurious_runs / self.runs

    def to_json_obj(self):
        p = self.share_spurious
        spur = [f for f in self.families if f.spurious]
        return {"k": self.k, "n": self.n, "d": self.d, "runs": self.runs, "seed": self.seed,
                "steps": self.steps, "lr": self.lr, "grad_tol": self.grad_tol,
                "init": "w_ij ~ N(0, 1/d)", "spurious_loss_threshold": SPURIOUS_LOSS,
                "share_spurious": p, "share_spurious_stderr": float(np.sqrt(p * (1 - p) / self.runs)),
                "spurious_runs": self.spurious_runs,
                "global_loss_threshold": GLOBAL_LOSS,
                "not_converged": int(((self.grad_norms > self.grad_tol) & (self.losses > GLOBAL_LOSS)).sum()),
                "smallest_spurious_loss": min((f.loss for f in spur), default=None),
                "spurious_families": len(spur),
                "spurious_families_certified": sum(f.verdict == PointVerdict.LOCAL_MINIMUM for f in spur),
                "spurious_families_saddle": sum(f.verdict == PointVerdict.SADDLE for f in spur),
                "spurious_families_undecided": sum(f.verdict == PointVerdict.UNDECIDED for f in spur),
                "spurious_minima_escaping_with_extra_neuron": sum(bool(f.escape and f.escape.escapes) for f in spur),
                "seconds": self.seconds,
                "families": [f.to_json_obj() for f in self.families]}


def _group(W, losses, gnorms, tol):
    """Greedy grouping of endpoints by their invariants; lists of run indices.  All
    endpoints at the global loss (below :data:`SPURIOUS_LOSS`) form one family."""
    order = np.argsort(losses, kind="stable")
    keys = [_invariants(w) for w in W]
    glob = [int(r) for r in order if losses[r] <= SPURIOUS_LOSS]
    groups = []  # [loss, key, members]
    for r in order[len(glob):]:
        for g in groups:
            if abs(g[0] - losses[r]) <= 1e-9 * max(1.0, abs(losses[r])) and np.abs(g[1] - keys[r]).max() <= tol:
                g[2].append(int(r))
                break
        else:
            groups.append([float(losses[r]), keys[r], [int(r)]])
    return ([glob] if glob else []) + [g[2] for g in groups]


def run_search(k, n=None, d=None, runs=100, seed=0, steps=20000, lr=None, grad_tol=1e-10, certify=True,
           tol=1e-5, progress=None) -> SearchResult:
    """Gradient descent from ``runs`` random starts against the teacher ``I_k`` (``d x d``
    padded when ``d > k``); endpoints grouped into families, each certified when ``certify``.

    ``progress``: a callable ``(total, description) -> tqdm-like bar`` or ``None``.
    """
    n = k if n is None else n
    d = k if d is None else d
    for name, v in (("k", k), ("n", n), ("d", d), ("runs", runs), ("steps", steps)):
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise InputError(f"{name} must be a positive integer, got {v!r}")
    if n < k:
        raise InputError(f"the search needs n >= k (student width {n} < teacher width {k}): the global loss is 0 "
                         "only then, and spurious means a loss above 0")
    V = teacher(k, d)
    lr = default_lr(V, n) if lr is None else float(lr)
    if not (np.isfinite(lr) and lr > 0):
        raise InputError(f"lr must be a positive number, got {lr}")
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    W0 = initial_students(runs, n, d, rng)
    bar = progress(steps, "gradient descent") if progress else None
    W, gnorm, _ = descend(W0, V, lr, steps, grad_tol, bar, loss_tol=GLOBAL_LOSS)
    if bar is not None:
        bar.close()
    losses = loss(W, V)
    families = []
    for members in _group(W, losses, gnorm, tol):
        best = min(members, key=lambda r: gnorm[r])
        rep = canonical_form(W[best], joint=True, k=k)
        families.append(Family(float(losses[best]), len(members), rep, bool(losses[best] > SPURIOUS_LOSS),
                               members=members))
    if certify:
        bar = progress(len(families), "certifying families") if progress else None
        for f in families:
            if not f.spurious and n > k:
                f.certificate = PointCertificate(PointVerdict.UNDECIDED, f.W, value=f.loss, reason=(
                    f"global minimum with n = {n} > k = {k}: the minima form a connected set (split neurons), "
                    "no box holds a unique critical point"))
                continue
            f.certificate = certify_point(f.W, V)
            if f.certificate.critical:
                f.W = canonical_form(f.certificate.W, joint=True, k=k)
                f.loss = f.certificate.loss
                f.isotropy = isotropy_label(f.W, k)
                iso = young_isotropy(f.W, k)
                if iso is not None and f.certificate.clusters is not None:
                    mult = [c.multiplicity for c in f.certificate.clusters]
                    f.isotypic_consistent = isotypic_assignment(mult, isotypic_dimensions(*iso)) is not None
                if f.spurious and f.verdict == PointVerdict.LOCAL_MINIMUM:
                    f.escape = neuron_escape(f.certificate.W, V, radius=f.certificate.radius)
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
    return SearchResult(k, n, d, runs, seed, steps, lr, grad_tol, losses, gnorm, families,
                        time.perf_counter() - t0)


def population_search_task(k, n=None, d=None, runs=1000, seed=0, steps=20000, lr=None, grad_tol=1e-10,
                           certify=True) -> dict:
    """A sweep task (needs no dataset): :func:`run_search` as a JSON-ready summary, with
    ``"certified": false`` and a reason when a spurious family is left undecided.

    >>> out = population_search_task(2, runs=3, steps=2000)
    >>> out["runs"], sum(f["count"] for f in out["families"]), "certified" in out
    (3, 3, False)
    """
    out = run_search(k, n=n, d=d, runs=runs, seed=seed, steps=steps, lr=lr, grad_tol=grad_tol,
                     certify=certify).to_json_obj()
    if not certify or out["spurious_families_undecided"]:
        out["certified"] = False
        out["reason"] = ("families not certified (certify = false)" if not certify else
                         f"{out['spurious_families_undecided']} spurious family(ies) undecided")
    return out
