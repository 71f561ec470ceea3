r"""What a training run records: the trajectory, its cell changes and the regions it visits.

Everything here is floating point: the signed cone of a neuron during training is read
from the float signs of ``W X^T`` (bit ``i`` is ``x_i . w_j > 0``) and the sign of
``a_j``; a neuron within rounding of a hyperplane may be assigned to the wrong side.  Only
:func:`landscape.dynamics.classify_endpoint` locates neurons exactly.

Cost
----
Recording is built to cost little next to the GD step itself:

* Cell changes are detected at *every* step, but the loop only writes the step's
  activation pattern (which it computes anyway) and the signs of ``a`` into a ring buffer;
  the buffer is compared slot against slot in one vectorised pass when it fills, and each
  change is stored as integers (step, neuron) plus the packed bits of the new pattern.
  The integer cone ids (``old``, ``new``) and the text labels are built at the end, and
  text only when asked (:attr:`CellChanges.events`, the output files).
* The summaries of :data:`RECORD_FIELDS` are taken on a geometric schedule of steps, each
  with a constant number of vectorised calls: the support is the set of distinct rows
  of the packed patterns, the directions are clustered with one pass per cluster *per
  signed cone* (not per neuron), and both ranks come from one SVD.

References
----------
O. Roy, M. Vetterli, "The effective rank: a measure of effective dimensionality",
EUSIPCO 2007.

Examples
--------
>>> X = np.eye(2)
>>> cones = SignedCones.of(X, np.array([1.0, -2.0, 1.0]), np.array([[1.0, -1.0], [1.0, 1.0], [2.0, -1.0]]))
>>> len(cones), cones.labels()
(2, ['10+', '11-'])
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from .loss import loss_and_grad

__all__ = [
    "RECORD_FIELDS",
    "CellChange",
    "CellChanges",
    "SignedCones",
    "Trajectory",
    "merge_directions",
    "effective_rank",
    "signed_cone_labels",
]

RECORD_FIELDS = ("step", "time", "loss", "data_loss", "theta_sq", "grad_sq", "gap_to_vstar",
                 "support_size", "directions", "rank", "effective_rank", "balance", "cell_changes")

_BUFFER_BYTES = 2**22  # size of the ring buffer of activation patterns


# ---------------------------------------------------------------------------
# Summaries of a network
# ---------------------------------------------------------------------------


def alive_neurons(a, W, rel_tol):
    """Mask of the neurons with ``|a_j| |w_j|`` above ``rel_tol`` times the largest."""
    size = np.abs(a) * np.sqrt(np.einsum("ij,ij->i", W, W))
    top = size.max() if size.size else 0.0
    if top <= 0:
        return np.zeros(len(a), dtype=bool)
    return size > rel_tol * top


def _rank_and_effective_rank(W, rel_tol=1e-3):
    """Numerical rank (singular values above ``rel_tol`` times the largest) and effective rank."""
    s = np.linalg.svd(np.asarray(W, dtype=float), compute_uv=False)
    total = s.sum() if s.size else 0.0
    if total <= 0:
        return 0, 0.0
    p = s[s > 0] / total
    return int((s > rel_tol * s[0]).sum()), float(np.exp(-(p * np.log(p)).sum()))


def effective_rank(W) -> float:
    """Effective rank ``exp(H(p))`` of ``W``, ``p`` the normalised singular values (Roy & Vetterli).

    >>> round(effective_rank(np.eye(3)), 12), effective_rank(np.zeros((2, 2)))
    (3.0, 0.0)
    """
    return _rank_and_effective_rank(W)[1]


def _packed(B, positive):
    """Rows ``[packbits(pattern), sign byte]`` of a boolean pattern matrix, as one uint8 matrix."""
    P = np.packbits(B, axis=1)
    return np.concatenate([P, np.asarray(positive, dtype=np.uint8)[:, None]], axis=1)


_HASH = np.random.default_rng(20261201).integers(1, 2**63, size=64, dtype=np.int64).astype(np.uint64) | np.uint64(1)


def _unique_rows(P):
    """``(first, inverse)`` of the distinct rows of a uint8 matrix, exactly.

    ``P[first]`` are the distinct rows (in a canonical order) and ``P[first][inverse] == P``.
    Rows are hashed to one uint64 each (sorting those is fast); the rows sharing a hash are
    compared, and on a collision the rows themselves are sorted instead.
    """
    P = np.ascontiguousarray(P, dtype=np.uint8)
    k, w = P.shape
    words = -(-w // 8)
    if k == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if words <= len(_HASH):
        Q = np.zeros((k, 8 * words), dtype=np.uint8)
        Q[:, :w] = P
        V = Q.view(np.uint64)
        h = V[:, 0] * _HASH[0]
        for c in range(1, words):
            h += V[:, c] * _HASH[c]
        h ^= h >> np.uint64(31)
        _, first, inverse = np.unique(h, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        if np.array_equal(P[first][inverse], P):  # no collision
            return first, inverse
    keys = P.view(np.dtype((np.void, w))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


@dataclass(frozen=True)
class SignedCones:
    """A list of float signed cones: packed activation patterns and the signs of ``a``.

    Attributes
    ----------
    packed : (k, ceil(n/8) + 1) uint8 array
        ``numpy.packbits`` of each pattern (bit ``i``: ``x_i . w > 0``), then a byte that is
        1 for ``a > 0``.
    n : int
        Number of data rows.
    """

    packed: np.ndarray
    n: int

    @classmethod
    def of(cls, X, a, W):
        """The distinct signed cones of the neurons ``(a_j, w_j)``, in a canonical order."""
        B = (np.asarray(W, dtype=float) @ np.asarray(X, dtype=float).T) > 0
        return cls.from_patterns(B, np.asarray(a) > 0)

    @classmethod
    def from_patterns(cls, B, positive, unique=True):
        P = _packed(B, positive)
        if unique and len(P):
            P = P[_unique_rows(P)[0]]
        return cls(P, B.shape[1])

    def __len__(self):
        return len(self.packed)

    def __eq__(self, other):
        return (isinstance(other, SignedCones) and self.n == other.n and self.packed.shape == other.packed.shape
                and np.array_equal(self.packed, other.packed))

    __hash__ = None

    @property
    def patterns(self) -> np.ndarray:
        """Boolean matrix (k x n) of the activation patterns."""
        return np.unpackbits(self.packed[:, :-1], axis=1, count=self.n).astype(bool)

    @property
    def positive(self) -> np.ndarray:
        return self.packed[:, -1].astype(bool)

    def labels(self) -> list:
        """Text labels ``pattern+sign``, e.g. ``'0110+'`` (built here, not during training)."""
        if not len(self):
            return []
        chars = np.empty((len(self), self.n + 1), dtype=np.uint8)
        chars[:, :-1] = np.unpackbits(self.packed[:, :-1], axis=1, count=self.n) + ord("0")
        chars[:, -1] = np.where(self.positive, ord("+"), ord("-"))
        text = chars.tobytes().decode("ascii")
        w = self.n + 1
        return [text[i:i + w] for i in range(0, len(text), w)]


def signed_cone_labels(X, a, W):
    """Float signed-cone label ``pattern+sign`` of every neuron, e.g. ``'0110+'``.

    The pattern bit ``i`` is ``x_i . w_j > 0`` evaluated in floating point (a candidate;
    :func:`landscape.dynamics.classify_endpoint` locates the final neurons exactly).

    >>> signed_cone_labels(np.eye(2), np.array([1.0, -2.0]), np.array([[1.0, -1.0], [1.0, 1.0]]))
    ['10+', '11-']
    """
    B = (np.asarray(W, dtype=float) @ np.asarray(X, dtype=float).T) > 0
    return SignedCones.from_patterns(B, np.asarray(a) > 0, unique=False).labels()


_MAX_PAIRS = 2**22  # pairs of same-cone neurons compared at once by _direction_heads


@functools.lru_cache(maxsize=8)
def _upper(k):
    """The boolean mask of the pairs ``i < j`` of ``k`` rows (cached: records reuse it)."""
    return np.triu(np.ones((k, k), dtype=bool), 1)


def _direction_heads(group, U, cos_tol):
    """Greedy clustering of unit rows ``U`` within groups: the head (row index) of each row.

    Rows are taken in index order; a row joins the first head of its group whose cosine
    with it exceeds ``1 - cos_tol``, else it becomes a head.  The close pairs of rows of one
    group are found at once; a row is then a head iff no earlier head is close to it, which
    is settled in a few vectorised rounds (a row none of whose earlier close rows can still
    be a head is a head; a row close to an earlier head is not).
    """
    k = len(group)
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    if k <= 256:  # all pairs at once
        C = U @ U.T > 1 - cos_tol
        C &= group[:, None] == group[None, :]
        C &= _upper(k)
        ii, jj = np.nonzero(C)
    else:  # the pairs of rows of one group only
        order = np.argsort(group, kind="stable")
        g = group[order]
        start = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        size = np.diff(np.r_[start, k])
        if size.max() == 1:
            return np.arange(k)
        pos = np.arange(k)
        later = np.repeat(start + size, size) - pos - 1  # members after each row in its group
        total = int(later.sum())
        if total > _MAX_PAIRS:
            return _direction_heads_by_rounds(group, U, cos_tol)
        first = np.repeat(pos, later)
        offset = np.arange(total) - np.repeat(np.cumsum(later) - later, later)
        second = first + 1 + offset
        ii, jj = order[first], order[second]  # ii < jj, same group
        close = np.einsum("ij,ij->i", U[ii], U[jj]) > 1 - cos_tol
        ii, jj = ii[close], jj[close]
    if ii.size == 0:
        return np.arange(k)
    head = np.zeros(k, dtype=bool)
    open_ = np.ones(k, dtype=bool)  # not yet decided
    while open_.any():
        maybe = head | open_
        blocked = np.bincount(jj[maybe[ii]], minlength=k) > 0
        beaten = np.bincount(jj[head[ii]], minlength=k) > 0
        new_heads = open_ & ~blocked
        head |= new_heads
        open_ &= ~new_heads & ~beaten
    out = np.arange(k)
    sel = head[ii] & ~head[jj]
    lead = np.full(k, k, dtype=np.int64)
    np.minimum.at(lead, jj[sel], ii[sel])
    out[~head] = lead[~head]
    return out


def _direction_heads_by_rounds(group, U, cos_tol):
    """:func:`_direction_heads` in one round per head of the largest group (bounded memory)."""
    k = len(group)
    head = np.full(k, -1, dtype=np.int64)
    todo = np.arange(k)
    while todo.size:
        _, first, inv = np.unique(group[todo], return_index=True, return_inverse=True)
        h = todo[first][inv.reshape(-1)]
        join = np.einsum("ij,ij->i", U[todo], U[h]) > 1 - cos_tol
        join[first] = True
        head[todo[join]] = h[join]
        todo = todo[~join]
    return head


def _support_and_directions(B, a, W, alive, cos_tol):
    """The support (:class:`SignedCones` of the live neurons), and the live neurons active on
    some row with the head of their direction cluster: ``(support, idx, heads)``."""
    live = np.flatnonzero(alive)
    P = _packed(B[live], a[live] > 0)
    first, group = _unique_rows(P)
    support = SignedCones(P[first], B.shape[1])
    keep = P[:, :-1].any(axis=1)
    idx, group = live[keep], group[keep]
    if idx.size == 0:
        return support, idx, idx
    Wl = W[idx]
    U = Wl / np.linalg.norm(Wl, axis=1, keepdims=True)
    return support, idx, _direction_heads(group, U, cos_tol)


def merge_directions(X, a, W, rel_tol=1e-6, cos_tol=1e-4):
    """Group the neurons into distinct directions: same signed cone and nearly parallel.

    Neurons with ``|a_j||w_j|`` below ``rel_tol`` times the largest, and neurons inactive on
    every row (they do not affect ``f``), are ignored.  Within a signed cone, neurons are
    clustered greedily in index order: a neuron joins a cluster when the cosine between its
    ``w`` and the cluster's first member exceeds ``1 - cos_tol``.

    Returns a list of clusters, each a list of neuron indices, ordered by first member.

    >>> X = np.eye(2)
    >>> W = np.array([[1.0, 0.1], [2.0, 0.2], [0.0, 1.0], [1e-9, 0.0]])
    >>> merge_directions(X, np.array([1.0, 1.0, 1.0, 1.0]), W)
    [[0, 1], [2]]
    """
    a = np.asarray(a, dtype=float)
    W = np.asarray(W, dtype=float)
    B = (W @ np.asarray(X, dtype=float).T) > 0
    _, idx, head = _support_and_directions(B, a, W, alive_neurons(a, W, rel_tol), cos_tol)
    clusters = {}
    for j, h in zip(idx.tolist(), head.tolist()):
        clusters.setdefault(h, []).append(j)
    return [clusters[h] for h in sorted(clusters)]


# ---------------------------------------------------------------------------
# Cell changes
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CellChange:
    """Neuron ``neuron`` moved from signed cone ``old`` to ``new`` at step ``step`` (float labels)."""

    step: int
    neuron: int
    old: str
    new: str


@dataclass(frozen=True)
class CellChanges:
    """The cell changes of a run as integer arrays.

    Event ``e``: at step ``step[e]`` (the iterate after that many steps is the first in its
    new cone) neuron ``neuron[e]`` moved from signed cone ``cones[old[e]]`` to
    ``cones[new[e]]``.  ``initial[j]`` is the cone of neuron ``j`` at step 0.  Events are in
    step order; only the first ``len(self)`` of ``total`` are kept.
    """

    step: np.ndarray
    neuron: np.ndarray
    old: np.ndarray
    new: np.ndarray
    initial: np.ndarray
    cones: SignedCones
    total: int

    def __len__(self):
        return len(self.step)

    def events(self) -> list:
        """The kept events as :class:`CellChange` records with text labels."""
        labels = self.cones.labels()
        return [CellChange(s, j, labels[o], labels[w])
                for s, j, o, w in zip(self.step.tolist(), self.neuron.tolist(), self.old.tolist(), self.new.tolist())]

    @classmethod
    def empty(cls, n, m=0):
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z, z, z, np.zeros(m, dtype=np.int64), SignedCones(np.zeros((0, (n + 7) // 8 + 1), np.uint8), n),
                   -1)


class CellLog:
    """Detects the cell changes of a run from the patterns of consecutive iterates.

    Slot ``i`` of the ring buffer ``pat``/``sgn`` holds the pattern and signs of the iterate
    after ``first + i`` steps; ``cursor`` is the next slot to fill.  A caller writes into
    ``pat[cursor]``, ``sgn[cursor]`` and calls :meth:`advance`; the buffer is compared
    slot against slot when it is full (:meth:`flush`).  With ``constant_signs`` the caller
    writes only the patterns and guarantees that the signs did not change since slot 0
    (gradient descent checks this at every check and replays a window where they did).
    """

    def __init__(self, B0, s0, max_events, filled=True):
        m, n = B0.shape
        self.m, self.n = m, n
        self.K = int(max(2, min(4096, _BUFFER_BYTES // max(1, m * (n + 1)))))
        # each pattern row is padded with zeros to whole 8-byte words, so that consecutive
        # slots are compared word by word (8 data rows at a time) in flush
        self.words = max(1, -(-n // 8))
        self._buffer = np.zeros((self.K, m, 8 * self.words), dtype=bool)
        self._words = self._buffer.view(np.uint64)
        self.pat = self._buffer[:, :, :n]
        self.sgn = np.empty((self.K, m), dtype=bool)
        self.pat[0], self.sgn[0] = B0, s0
        self.initial = _packed(B0, s0)
        self.first = 0
        self.cursor = 1 if filled else 0
        if max_events is None:  # as many as 64 MiB hold, at least 10,000
            max_events = max(10_000, (64 << 20) // ((n + 7) // 8 + 17))
        self.max_events = max_events
        self.chunks = []  # (steps, neurons, packed new cones)
        self.kept = 0
        self.total = 0
        self.constant_signs = False  # the signs in slots 1.. are not written (equal to slot 0)

    def advance(self):
        self.cursor += 1
        if self.cursor == self.K:
            self.flush()

    def push(self, B, s):
        """Append the pattern and signs of the next iterate."""
        np.copyto(self.pat[self.cursor], B)
        np.copyto(self.sgn[self.cursor], s)
        self.advance()

    def flush(self):
        """Compare the filled slots, store the changes, keep the last slot as slot 0."""
        c = self.cursor
        if c >= 2:
            m, n = self.m, self.n
            S, V = self.sgn[:c], self._words[:c]
            if self.words == 1:  # (c - 1, m): the neurons whose pattern changed
                D = V[1:, :, 0] != V[:-1, :, 0]
            else:
                D = np.logical_or.reduce(V[1:] != V[:-1], axis=2)
            if self.constant_signs:  # the caller vouches that no a_j changed sign since slot 0
                S[1:] = S[0]
            else:
                D |= S[1:] != S[:-1]
            idx = np.flatnonzero(D)
            if idx.size:
                self.total += idx.size
                room = self.max_events - self.kept
                if room > 0:
                    t, j = np.divmod(idx[:room], m)
                    t += 1
                    rows = V[t, j].view(np.uint8)[:, :n]  # the new patterns' bytes (0/1)
                    packed = np.empty((len(t), (n + 7) // 8 + 1), dtype=np.uint8)
                    packed[:, :-1] = np.packbits(rows, axis=1)
                    packed[:, -1] = S[t, j]
                    self.chunks.append((self.first + t, j, packed))
                    self.kept += len(t)
            self._buffer[0], self.sgn[0] = self._buffer[c - 1], S[c - 1]
            self.first += c - 1
        self.cursor = 1 if c >= 1 else 0

    def snapshot(self, a=None, W=None, step=0):
        """Remember the state after the last flush, with the network ``(a, W)`` of that step.

        One tuple assignment, so an interrupt leaves the previous snapshot whole.
        """
        self._snap = (self.pat[0].copy(), self.sgn[0].copy(), self.first, self.kept, self.total, len(self.chunks),
                      None if a is None else a.copy(), None if W is None else W.copy(), step)

    def rollback(self):
        """Forget everything after the last :meth:`snapshot`; return its ``(a, W, step)``."""
        P, S, self.first, self.kept, self.total, nchunks, a, W, step = self._snap
        self.pat[0], self.sgn[0] = P, S
        del self.chunks[nchunks:]  # the chunks kept at the snapshot hold exactly `kept` events
        self.cursor = 1
        return a, W, step

    def close(self):
        """Flush and free the ring buffer (the changes stay)."""
        self.flush()
        self.pat = self.sgn = self._buffer = self._words = None
        self._snap = None
        return self

    def result(self) -> CellChanges:
        """The stored changes as a :class:`CellChanges` (call after the last :meth:`flush`)."""
        m = self.m
        if self.chunks:
            steps = np.concatenate([c[0] for c in self.chunks]).astype(np.int64)
            neurons = np.concatenate([c[1] for c in self.chunks]).astype(np.int64)
            rows = np.concatenate([self.initial] + [c[2] for c in self.chunks])
        else:
            steps = neurons = np.zeros(0, dtype=np.int64)
            rows = self.initial
        first, ids = _unique_rows(rows)
        ids = ids.astype(np.int64)
        init_id, new = ids[:m], ids[m:]
        order = np.argsort(neurons, kind="stable")
        ns = neurons[order]
        old_sorted = np.empty(len(order), dtype=np.int64)
        if len(order):
            lead = np.r_[True, ns[1:] != ns[:-1]]
            prev = new[order]
            old_sorted[1:] = prev[:-1]
            old_sorted[lead] = init_id[ns[lead]]
        old = np.empty_like(old_sorted)
        old[order] = old_sorted
        return CellChanges(steps, neurons, old, new, init_id, SignedCones(rows[first], self.n), self.total)


# ---------------------------------------------------------------------------
# The trajectory
# ---------------------------------------------------------------------------


@dataclass
class Trajectory:
    """A finished (or stopped) training run: float results only.

    Attributes
    ----------
    a, W : the final network (the last finite iterate)
    steps : number of GD steps (or accepted flow steps) taken
    time : training time ``steps * lr`` for GD, the integration time for gradient flow
    seconds : wall-clock time
    stop_reason : ``"converged"`` (squared gradient norm below ``grad_tol``), ``"budget"``,
        ``"nan"``, ``"diverged"`` or ``"interrupted"``
    message : a one-line explanation when the run stopped abnormally
    records : dict of 1-d arrays, one per name in :data:`RECORD_FIELDS`, on a geometric
        schedule of steps (always including the first and last)
    changes : :class:`CellChanges`, the cell changes as integer arrays (at most
        ``max_events`` kept), assembled on first use from ``cell_log`` (the raw
        :class:`CellLog` of the run);
        :attr:`cell_changes` gives them as :class:`CellChange` records
    n_cell_changes : total number of cell changes (also those not kept; -1 if not tracked)
    supports : list of ``(step, SignedCones)``, one entry each time the support (the set of
        signed cones of the non-negligible neurons) changed, at the record points
    """

    a: np.ndarray
    W: np.ndarray
    lam: float
    lr: float
    steps: int
    time: float
    seconds: float
    stop_reason: str
    message: str
    records: dict
    cell_log: object
    n_cell_changes: int
    supports: list
    init: dict = field(default_factory=dict)

    @property
    def changes(self) -> CellChanges:
        """The cell changes as a :class:`CellChanges` (integer arrays, built on first use)."""
        if not isinstance(self.cell_log, CellChanges):
            self.cell_log = self.cell_log.result()
        return self.cell_log

    @property
    def width(self) -> int:
        return len(self.a)

    @property
    def final_loss(self) -> float:
        return float(self.records["loss"][-1])

    @property
    def cell_changes(self) -> list:
        """The kept cell changes as :class:`CellChange` records (text labels built here)."""
        return self.changes.events()

    def to_csv(self) -> str:
        """The recorded trajectory as CSV text, one row per recorded step."""
        lines = [",".join(RECORD_FIELDS)]
        cols = [self.records[k].tolist() for k in RECORD_FIELDS]
        for row in zip(*cols):
            lines.append(",".join(repr(v) if isinstance(v, float) else str(v) for v in row))
        return "\n".join(lines) + "\n"


class Recorder:
    """Computes the recorded quantities of a network (see :data:`RECORD_FIELDS`)."""

    def __init__(self, X, y, lam, v_star, rel_tol, cos_tol=1e-4):
        self.X, self.y, self.lam = X, y, lam
        self.Xt = np.ascontiguousarray(X.T)
        self.v_star = v_star
        self.rel_tol, self.cos_tol = rel_tol, cos_tol
        self.rows = {k: [] for k in RECORD_FIELDS}
        self.supports = []
        self._last_support = None

    def record(self, step, t, a, W, n_changes, L=None, grad_sq=None, B=None):
        """Record the network ``(a, W)`` at ``step``; ``L``, ``grad_sq`` and the activation
        pattern ``B`` are computed unless given."""
        if L is None or grad_sq is None:
            L, ga, gW = loss_and_grad(self.X, self.y, self.lam, a, W)
            grad_sq = float(ga @ ga + np.vdot(gW, gW))
        if B is None:
            B = (W @ self.Xt) > 0
        theta_sq = float(a @ a + np.vdot(W, W))
        alive = alive_neurons(a, W, self.rel_tol)
        supp, _, heads = _support_and_directions(B, a, W, alive, self.cos_tol)
        rank, erank = _rank_and_effective_rank(W)
        row = {
            "step": int(step), "time": float(t), "loss": L,
            "data_loss": L - self.lam * theta_sq, "theta_sq": theta_sq,
            "grad_sq": grad_sq,
            "gap_to_vstar": (L - self.v_star) if self.v_star is not None else float("nan"),
            "support_size": len(supp),
            "directions": int(np.unique(heads).size),
            "rank": rank, "effective_rank": erank,
            "balance": float(np.max(np.abs(a * a - (W * W).sum(axis=1)))) if len(a) else 0.0,
            "cell_changes": int(n_changes),
        }
        if self.rows["step"] and self.rows["step"][-1] == row["step"]:
            for k in RECORD_FIELDS:
                self.rows[k][-1] = row[k]
        else:
            for k in RECORD_FIELDS:
                self.rows[k].append(row[k])
        if self._last_support is None or supp != self._last_support:
            self.supports.append((int(step), supp))
            self._last_support = supp
        return row

    def arrays(self):
        return {k: np.array(v) for k, v in self.rows.items()}
