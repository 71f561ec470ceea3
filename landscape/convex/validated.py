"""Validated numerics: certified critical points of face programmes with irrational
coordinates (docs/theory.md, section 9).

On generic data a minimum of the convex programme ``V(S)`` (Pilanci & Ergen 2020) has
irrational coordinates and usually lies on the boundary of its cones, so no rational
point is exactly critical.  Fix the combinatorics of a float candidate instead: for each
used cone a :class:`Face` (the sign, the rows strictly active, strictly inactive, and the
*tight* rows ``x_i . u = 0``).  On that face the minimiser solves the smooth square system

    n lam u_f / |u_f| - s_f X^T D_f r - X_{T_f}^T lambda_f = 0,     X_{T_f} u_f = 0,

with ``r = y - sum_g s_g D_g X u_g`` (``D_f`` the active rows of face ``f``).  The Krawczyk
operator (Krawczyk 1969; Moore, Kearfott & Cloud, *Introduction to Interval Analysis*,
2009, section 8.2)

    K(B) = c - Y F(c) + (I - Y J(B)) (B - c)

evaluated in ball arithmetic (python-flint's ``arb``; Johansson 2017) proves that the box
``B`` holds exactly one solution when ``K(B)`` lies in the interior of ``B``.  Every sign
the local-minimum test of docs/theory.md, section 4 needs is then an interval that must
exclude zero:

* strict activity / inactivity of the non-tight rows over the box;
* for each tight row, both one-sided multipliers: ``-lambda_i > 0`` (the cone where
  ``x_i`` stays inactive) and ``lambda_i - s_f r_i > 0`` (the cone where it becomes
  active), i.e. the KKT conditions of every accessible cone;
* a tight row whose multiplier vanishes *structurally* (``x_i`` orthogonal to every
  active and tight row of the face, so ``x_i . u = 0`` and ``lambda_i = 0`` hold exactly at
  the solution, as on orthonormal data) is an ``orthogonal`` row: only ``-s_f r_i > 0``
  is needed;
* the global dual condition ``max_{|w| <= 1} s r^T D_c X w <= n lam`` of every signed cone
  not accessible from a face, by a multiplier ``mu >= 0`` with
  ``|s X^T D_c r + G_c^T mu| < n lam`` (weak duality) in rigorous arithmetic.

Tight rows that share a hyperplane (``x_k = c x_i``, parallel data rows) enter the system
once, by a representative; the one-sided conditions then sum over the hyperplane's rows.
Before Krawczyk, float active-set corrections repair a slightly wrong face guess (a tight
row whose multiplier has the wrong sign is released, a row whose sign flips becomes
tight); only the final faces are certified.

Anything that cannot be decided leaves the result ``undecided``; a sign that is decided
the wrong way gives ``violated`` (the unique critical point of that face programme in the
box is not a local minimum).  Degenerate faces (dependent tight hyperplanes, a vanishing
multiplier that is not structural) stay undecided.

Examples
--------
Orthonormal data, ``y = (1, 1, -1)``, ``lam = 1/10``: the positive neuron fits ``x1, x2``
with ``|u| = sqrt 2 - 3/10`` (irrational), the negative one ``x3`` with ``|u| = 7/10``.

>>> from landscape.data import Dataset
>>> from landscape.convex.program import RegionProgram
>>> ds = Dataset.from_arrays([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [1, 1, -1])
>>> prog = RegionProgram(ds, "1/10")
>>> up = 2 ** 0.5 - 0.3
>>> faces = [face_of(prog, [up / 2 ** 0.5, up / 2 ** 0.5, 0.0], 1),
...          face_of(prog, [0.0, 0.0, 0.7], -1)]
>>> faces[0]
Face(sign=1, active=(0, 1), inactive=(), tight=(2,))
>>> vp = certify_faces(prog, faces, [[0.76, 0.76, 0.0], [0.0, 0.0, 0.7]])
>>> vp.status, vp.local_minimum, vp.global_dual
('certified', True, True)
>>> exact = (2 * 0.3 ** 2 / 2 + 0.09) / 3 + 0.2 * (2 ** 0.5 - 0.3 + 0.7)
>>> float(vp.value_lower) <= exact <= float(vp.value_upper), float(vp.value_upper - vp.value_lower) < 1e-20
(True, True)
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..exact.linalg import exact_rank

__all__ = ["Face", "ValidatedPoint", "face_of", "certify_faces", "dual_feasible_all_cones",
           "PRECISION_BITS"]

#: working precision of the ball arithmetic (bits)
PRECISION_BITS = 128

#: relative multiplier size below which a tight row is tried as structurally orthogonal
_SMALL_MULTIPLIER = 1e-7


@dataclass(frozen=True)
class Face:
    """The combinatorics of one used signed cone at a candidate point.

    ``active``: rows with ``x_i . u > 0`` (``D_i = 1``); ``inactive``: nonzero rows with
    ``x_i . u < 0``; ``tight``: rows with ``x_i . u = 0``.  Zero rows belong to none.
    """

    sign: int
    active: tuple
    inactive: tuple
    tight: tuple


def face_of(prog, u, sign, tol=1e-9) -> Face:
    """The face of a float point ``u``: rows with ``|x_i . u| <= tol |x_i| |u|`` are tight.

    >>> from landscape.data import Dataset
    >>> from landscape.convex.program import RegionProgram
    >>> prog = RegionProgram(Dataset.from_arrays([[1, 0], [0, 1], [1, 1]], [1, 0, 1]), "1/10")
    >>> face_of(prog, [1.0, 1e-12], 1)
    Face(sign=1, active=(0, 2), inactive=(), tight=(1,))
    """
    X = prog.X
    u = np.asarray(u, dtype=float)
    big = float(np.max(np.abs(u))) if u.size else 0.0
    unorm = big * float(np.linalg.norm(u / big)) if big > 0 else 0.0
    xn = np.linalg.norm(X, axis=1)
    xu = X @ (u / big if big > 0 else u)
    scale = xn * (unorm / big if big > 0 else 0.0)
    act, ina, tig = [], [], []
    for i in range(prog.n):
        if not prog.nz[i]:
            continue
        if abs(xu[i]) <= tol * scale[i]:
            tig.append(i)
        elif xu[i] > 0:
            act.append(i)
        else:
            ina.append(i)
    return Face(int(sign), tuple(act), tuple(ina), tuple(tig))


@dataclass
class ValidatedPoint:
    """Result of :func:`certify_faces`.

    Attributes
    ----------
    status : str
        ``"certified"``: the box holds exactly one solution of the face system and every
        sign of the local-minimum test is decided the right way; ``"violated"``: the box
        holds exactly one solution and some sign is decided the wrong way (named in
        ``reason``); ``"undecided"``: otherwise.
    local_minimum : bool or None
        The critical point in the box is a local minimum of the loss at width
        ``len(faces)`` (True), is not (False), or undecided (None).  Zero neurons are
        the caller's business (see ``global_dual``).
    global_dual : bool or None
        The residual satisfies the dual condition of all ``K`` cones (then the point is
        a global optimum of the convex programme, ``L = V*``); None if not decided or
        not asked for; False if a cone certifiably violates it.
    faces : list of Face
        As used: ``orthogonal`` rows are listed in ``orthogonal``.
    u_mid, u_rad : list of numpy arrays
        Centre and half-widths of a box for each ``u_f`` that holds the solution (the
        rounding of the centre to a float is included in the half-width).
    multipliers : list of dict
        Per face: ``{row: (lower, upper)}`` of ``lambda_i`` (float bounds).
    value_lower, value_upper : Fraction or None
        Proven bounds on ``(1/n)|r|^2 + 2 lam sum |u_f|``, the loss of the balanced
        network of the solution.
    residual_mid, residual_rad : numpy arrays
        A box holding the residual ``r = y - f`` at the solution.
    checks : dict
        How many strict inequalities were decided, and the smallest margin.
    reason : str
    """

    status: str
    local_minimum: bool | None
    global_dual: bool | None
    faces: list
    orthogonal: list
    u_mid: list
    u_rad: list
    multipliers: list
    value_lower: Fraction | None
    value_upper: Fraction | None
    residual_mid: np.ndarray | None
    residual_rad: np.ndarray | None
    checks: dict = field(default_factory=dict)
    reason: str = ""

    def u_balls(self):
        """The box as ``arb`` balls, one list per face (``u_mid +- u_rad``, exact floats)."""
        from flint import arb

        return [[arb(float(m), float(r)) for m, r in zip(mid, rad)] for mid, rad in zip(self.u_mid, self.u_rad)]

    def to_json_obj(self) -> dict:
        return {"status": self.status, "local_minimum": self.local_minimum, "global_dual": self.global_dual,
                "faces": [{"sign": f.sign, "active": list(f.active), "inactive": list(f.inactive),
                           "tight": list(f.tight), "orthogonal": list(o)}
                          for f, o in zip(self.faces, self.orthogonal)],
                "u": [m.tolist() for m in self.u_mid], "u_radius": [r.tolist() for r in self.u_rad],
                "multipliers": [{str(i): list(b) for i, b in mm.items()} for mm in self.multipliers],
                "value_lower": self.value_lower, "value_upper": self.value_upper,
                "checks": self.checks, "reason": self.reason}


@contextmanager
def _precision(bits):
    from flint import ctx

    old = ctx.prec
    ctx.prec = bits
    try:
        yield
    finally:
        ctx.prec = old


def _fraction_bounds(x):
    """Exact ``(lower, upper)`` Fractions of an ``arb`` ball."""
    m, e = x.mid().man_exp()
    rm, re = x.rad().man_exp()
    mid = Fraction(int(m)) * (Fraction(2) ** int(e))
    rad = Fraction(int(rm)) * (Fraction(2) ** int(re))
    return mid - rad, mid + rad


def _float_radius(ball, mid):
    """A float ``rho`` with ``ball`` inside ``[mid - rho, mid + rho]`` (``mid`` a float near
    the ball's centre: the rounding of the centre is part of the radius)."""
    import math

    from flint import arb

    return math.nextafter(float((ball - arb(mid)).abs_upper()), math.inf)


def _arb_q(q):
    from flint import arb, fmpq

    q = Fraction(q)
    return arb(fmpq(q.numerator, q.denominator))


class _System:
    """The square KKT system of a list of faces, in floats (Newton) and balls (Krawczyk)."""

    def __init__(self, prog, faces, tight):
        self.prog, self.faces, self.tight = prog, faces, tight
        self.n, self.dim = prog.n, prog.dim
        self.X = prog.X
        self.y = prog.y
        self.nl = prog.n * float(prog.lam)
        self.masks = [np.isin(np.arange(self.n), f.active) for f in faces]
        self.sizes = [self.dim + len(t) for t in tight]
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)]).astype(int)
        self.k = int(self.offsets[-1])
        # the constant part of the Jacobian, float
        J = np.zeros((self.k, self.k))
        cols = [f.sign * m[:, None] * self.X for f, m in zip(faces, self.masks)]
        for a, (fa, ta) in enumerate(zip(faces, tight)):
            oa = self.offsets[a]
            for b in range(len(faces)):
                ob = self.offsets[b]
                J[oa:oa + self.dim, ob:ob + self.dim] = cols[a].T @ cols[b]
            XT = self.X[list(ta)].reshape(len(ta), self.dim)
            J[oa:oa + self.dim, oa + self.dim:oa + self.sizes[a]] = -XT.T
            J[oa + self.dim:oa + self.sizes[a], oa:oa + self.dim] = XT
        self.J0 = J

    def split(self, z):
        out = []
        for a in range(len(self.faces)):
            o = self.offsets[a]
            out.append((z[o:o + self.dim], z[o + self.dim:o + self.sizes[a]]))
        return out

    # -- floats -------------------------------------------------------------------
    def F(self, z):
        parts = self.split(z)
        fit = np.zeros(self.n)
        for f, m, (u, _) in zip(self.faces, self.masks, parts):
            fit += f.sign * m * (self.X @ u)
        r = self.y - fit
        out = []
        for f, m, t, (u, lam) in zip(self.faces, self.masks, self.tight, parts):
            XT = self.X[list(t)].reshape(len(t), self.dim)
            out.append(self.nl * u / np.linalg.norm(u) - f.sign * self.X.T @ (m * r) - XT.T @ lam)
            out.append(XT @ u)
        return np.concatenate(out)

    def J(self, z):
        J = self.J0.copy()
        for a, (u, _) in enumerate(self.split(z)):
            o = self.offsets[a]
            nu = np.linalg.norm(u)
            e = u / nu
            J[o:o + self.dim, o:o + self.dim] += self.nl * (np.eye(self.dim) - np.outer(e, e)) / nu
        return J

    def newton(self, z, iters=30):
        with np.errstate(all="ignore"):
            return self._newton(z, iters)

    def _newton(self, z, iters):
        for _ in range(iters):
            if any(np.linalg.norm(u) == 0 for u, _ in self.split(z)):
                return None
            try:
                step = np.linalg.solve(self.J(z), self.F(z))
            except np.linalg.LinAlgError:
                return None
            z = z - step
            if not np.all(np.isfinite(z)) or not np.all(np.isfinite(self.F(z))):
                return None
            if np.linalg.norm(step) <= 1e-15 * (1 + np.linalg.norm(z)):
                break
        return z

    # -- balls --------------------------------------------------------------------
    def arb_data(self):
        if not hasattr(self, "_arb"):
            rows = self.prog.arr.rows_exact
            Xa = [[_arb_q(v) for v in row] for row in rows]
            ya = [_arb_q(v) for v in self.prog.ds.y_exact]
            nla = _arb_q(self.prog.n * self.prog.lam)
            self._arb = (Xa, ya, nla)
        return self._arb

    def residual_ball(self, parts):
        Xa, ya, _ = self.arb_data()
        r = list(ya)
        for f, (u, _) in zip(self.faces, parts):
            for i in f.active:
                xu = sum((Xa[i][t] * u[t] for t in range(self.dim)), 0 * ya[0])
                r[i] = r[i] - f.sign * xu
        return r

    def F_ball(self, z):
        from flint import arb

        Xa, ya, nla = self.arb_data()
        parts = self.split(z)
        r = self.residual_ball(parts)
        out = []
        for f, t, (u, lam) in zip(self.faces, self.tight, parts):
            nu = sum((v * v for v in u), arb(0)).sqrt()
            g = []
            for q in range(self.dim):
                b = sum((Xa[i][q] * r[i] for i in f.active), arb(0))
                g.append(nla * u[q] / nu - f.sign * b - sum((Xa[i][q] * lam[p] for p, i in enumerate(t)), arb(0)))
            out.extend(g)
            out.extend(sum((Xa[i][q] * u[q] for q in range(self.dim)), arb(0)) for i in t)
        return out

    def J_ball(self, z):
        """An enclosure of the Jacobian over the box ``z`` (list of balls), as ``arb_mat``."""
        from flint import arb, arb_mat

        Xa, ya, nla = self.arb_data()
        if not hasattr(self, "_J0a"):
            # exact constant part: blocks (s_a D_a X)^T (s_b D_b X), -X_T^T, X_T
            J = [[arb(0)] * self.k for _ in range(self.k)]
            for a, (fa, ta) in enumerate(zip(self.faces, self.tight)):
                oa = self.offsets[a]
                for b, fb in enumerate(self.faces):
                    ob = self.offsets[b]
                    both = sorted(set(fa.active) & set(fb.active))
                    for p in range(self.dim):
                        for q in range(self.dim):
                            J[oa + p][ob + q] = fa.sign * fb.sign * sum((Xa[i][p] * Xa[i][q] for i in both), arb(0))
                for c, i in enumerate(ta):
                    for p in range(self.dim):
                        J[oa + p][oa + self.dim + c] = -Xa[i][p]
                        J[oa + self.dim + c][oa + p] = Xa[i][p]
            self._J0a = J
        J = [row[:] for row in self._J0a]
        for a, (u, _) in enumerate(self.split(z)):
            o = self.offsets[a]
            nu = sum((v * v for v in u), arb(0)).sqrt()
            for p in range(self.dim):
                for q in range(self.dim):
                    J[o + p][o + q] += nla * ((1 if p == q else 0) - u[p] * u[q] / (nu * nu)) / nu
        return arb_mat(J)


def _krawczyk(system, c, radii):
    """Prove a unique zero of the system in the box ``c +- rho`` for one of ``radii``.

    Returns the box as a list of balls (the Krawczyk image, intersected with nothing:
    ``K(B)`` itself holds the zero and is the tighter box), or None.
    """
    from flint import arb, arb_mat

    k = system.k
    try:
        Y = np.linalg.inv(system.J(c))
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(Y)):
        return None
    Ya = arb_mat([[arb(float(v)) for v in row] for row in Y])
    ca = [arb(float(v)) for v in c]
    Fc = arb_mat([[v] for v in system.F_ball(ca)])
    YF = Ya * Fc
    I = arb_mat([[arb(1 if i == j else 0) for j in range(k)] for i in range(k)])
    for rho in radii:
        B = [arb(float(v), float(r)) for v, r in zip(c, rho)]
        if any(not u_ok for u_ok in _norms_positive(system, B)):
            continue
        JB = system.J_ball(B)
        Mx = I - Ya * JB
        d = arb_mat([[arb(0, float(r))] for r in rho])
        Kb = Mx * d
        Kimg = [ca[i] - YF[i, 0] + Kb[i, 0] for i in range(k)]
        if all(B[i].contains_interior(Kimg[i]) for i in range(k)):
            return Kimg
    return None


def _norms_positive(system, B):
    from flint import arb

    out = []
    for u, _ in system.split(B):
        out.append(sum((v * v for v in u), arb(0)) > 0)
    return out


def _tight_classes(prog, face):
    """The tight rows grouped by hyperplane: ``[(rep, [(k, c_k), ...]), ...]`` with
    ``x_k = c_k x_rep`` exactly (``c_rep = 1``); only representatives enter the system."""
    rows = prog.arr.rows_exact
    out = []
    for k in face.tight:
        for rep, members in out:
            piv = next(t for t, v in enumerate(rows[rep]) if v != 0)
            c = Fraction(rows[k][piv]) / Fraction(rows[rep][piv])
            if all(Fraction(a) == c * Fraction(b) for a, b in zip(rows[k], rows[rep])):
                members.append((k, c))
                break
        else:
            out.append((k, [(k, Fraction(1))]))
    return out


def _orthogonal_rows(prog, face, reps, lam_est, scale):
    """Tight hyperplanes whose multiplier vanishes structurally: the representative ``x_i``
    is orthogonal to every active row and every remaining tight representative (exact),
    and its float multiplier is small."""
    rows = prog.arr.rows_exact
    small = {i for i, li in zip(reps, lam_est) if abs(li) <= _SMALL_MULTIPLIER * scale}

    def orth(i, j):
        return sum((a * b for a, b in zip(rows[i], rows[j])), Fraction(0)) == 0

    while True:
        keep = (set(reps) - small) | set(face.active)
        drop = {i for i in small if not all(orth(i, j) for j in keep)}
        if not drop:
            return tuple(sorted(small))
        small -= drop


#: rounds of active-set corrections of the candidate faces
_SETTLE_ROUNDS = 8


def _newton_on_faces(prog, faces, u0):
    dim = prog.dim
    classes = [_tight_classes(prog, f) for f in faces]
    reps = [tuple(rep for rep, _ in cl) for cl in classes]
    system = _System(prog, faces, reps)
    z0 = []
    for t, u in zip(reps, u0):
        z0.append(u)
        z0.append(np.zeros(len(t)))
    z0 = np.concatenate(z0)
    # start the multipliers at their least-squares values
    with np.errstate(all="ignore"):
        F0 = system.F(z0)
    if not np.all(np.isfinite(F0)):
        return None
    for a, t in enumerate(reps):
        if t:
            o = system.offsets[a]
            z0[o + dim:o + system.sizes[a]] = np.linalg.lstsq(prog.X[list(t)].T, F0[o:o + dim], rcond=None)[0]
    z = system.newton(z0)
    return None if z is None else (classes, reps, system, z)


def _settle(prog, faces, classes, system, z, eps):
    """Float active-set corrections of the faces at the Newton point ``z``, or None."""
    X = prog.X
    parts = system.split(z)
    fit = np.zeros(prog.n)
    for f, m, (u, _) in zip(faces, system.masks, parts):
        fit += f.sign * m * (X @ u)
    r = prog.y - fit
    out, changed = [], False
    for f, cl, (u, lam) in zip(faces, classes, parts):
        act, ina, tig = set(f.active), set(f.inactive), set(f.tight)
        xu = X @ u
        scale = np.linalg.norm(X, axis=1) * np.linalg.norm(u)
        for i in list(act):
            if xu[i] <= 1e-12 * scale[i]:
                act.discard(i), tig.add(i)
        for i in list(ina):
            if xu[i] >= -1e-12 * scale[i]:
                ina.discard(i), tig.add(i)
        lam_of = dict(zip([rep for rep, _ in cl], lam))
        for rep, members in cl:
            li = lam_of[rep]
            pos = f.sign * sum(float(c) * r[k] for k, c in members if c > 0)
            neg = f.sign * sum(float(c) * r[k] for k, c in members if c < 0)
            side = None
            if neg - li < -eps:
                side = -1            # x_rep . u < 0: the representative becomes inactive
            elif li - pos < -eps:
                side = 1
            if side is None:
                continue
            for k, c in members:
                tig.discard(k)
                (act if side * c > 0 else ina).add(k)
        new = Face(f.sign, tuple(sorted(act)), tuple(sorted(ina)), tuple(sorted(tig)))
        changed |= new != f
        out.append(new)
    return out if changed else None


def certify_faces(prog, faces, u0, radii_rel=(1e-12, 1e-10, 1e-8, 1e-6), need_global=True,
                  settle=True) -> ValidatedPoint:
    """Certify the critical point of the face programmes of ``faces`` near ``u0``.

    Parameters
    ----------
    prog : RegionProgram
        Data and ``lam``.
    faces : list of Face
        One per used cone (distinct cones; same-sign faces whose closed cones may meet are
        checked for the parallel condition).
    u0 : list of float vectors
        Candidate ``u_f`` per face.
    radii_rel : tuple of float
        Box half-widths tried by Krawczyk, relative to ``1 + |c|`` (after adding the size
        of the last Newton step).
    need_global : bool
        Also decide the global dual condition over all ``K`` cones (``global_dual``).
    settle : bool
        Correct the faces first by float active-set steps (a tight row whose multiplier
        has the wrong sign is released, a row that changes sign becomes tight), so that a
        slightly wrong guess still reaches the nearby minimum; ``False`` certifies the
        critical point of exactly the faces given (the returned ``faces`` are the ones
        certified either way).

    Returns
    -------
    ValidatedPoint
    """
    from flint import arb

    def undecided(reason, **kw):
        base = dict(status="undecided", local_minimum=None, global_dual=None, faces=list(faces),
                    orthogonal=[()] * len(faces), u_mid=[np.asarray(u, float) for u in u0],
                    u_rad=[np.full(prog.dim, np.inf) for _ in u0], multipliers=[{} for _ in faces],
                    value_lower=None, value_upper=None, residual_mid=None, residual_rad=None,
                    reason=reason)
        base.update(kw)
        return ValidatedPoint(**base)

    if not faces:
        return undecided("no used cone: nothing to certify")
    dim = prog.dim
    u0 = [np.asarray(u, dtype=float).reshape(dim) for u in u0]
    # 1. float Newton with every tight hyperplane held, then active-set corrections: a
    #    tight hyperplane whose float multiplier has the wrong sign is released to the side
    #    it asks for, a row whose sign flipped becomes tight (a float heuristic: only the
    #    final face is certified)
    scale = prog.n * float(prog.lam) + float(np.abs(prog.X).max()) * float(np.abs(prog.y).max())
    for _ in range(_SETTLE_ROUNDS if settle else 1):
        solved = _newton_on_faces(prog, faces, u0)
        if solved is None:
            return undecided("Newton's method on the face system failed (singular Jacobian or a zero u)")
        classes, reps, system, z = solved
        moved = _settle(prog, faces, classes, system, z, 1e-9 * scale) if settle else None
        if moved is None:
            break
        faces, u0 = moved, [u for u, _ in system.split(z)]
        if len(set(faces)) < len(faces):
            return undecided("two faces became one during the active-set corrections")
    # 2. structurally vanishing multipliers: drop those rows from the system
    orth = []
    for f, t, (_, lam) in zip(faces, reps, system.split(z)):
        orth.append(_orthogonal_rows(prog, f, t, lam, scale))
    tight = [tuple(i for i in t if i not in o) for t, o in zip(reps, orth)]
    if any(orth):
        full = system.split(z)
        system = _System(prog, faces, tight)
        z = system.newton(np.concatenate([np.concatenate([u, lam[[k for k, i in enumerate(t) if i not in o]]])
                                          for t, o, (u, lam) in zip(reps, orth, full)]))
        if z is None:
            return undecided("Newton's method on the reduced face system failed")
    # 3. Krawczyk
    try:
        step = float(np.linalg.norm(np.linalg.solve(system.J(z), system.F(z))))
    except np.linalg.LinAlgError:
        step = np.inf
    if not np.isfinite(step):
        return undecided("the face system is singular at the Newton point (degenerate face)", orthogonal=orth)
    base = 1.0 + float(np.max(np.abs(z)))
    radii = [np.full(system.k, 10 * step + r * base) for r in radii_rel]
    with _precision(PRECISION_BITS):
        box = _krawczyk(system, z, radii)
        if box is None:
            return undecided("Krawczyk's test did not prove a unique solution of the face system near the candidate "
                             "(degenerate face, or the candidate is not near a critical point of this face)",
                             orthogonal=orth)
        parts = system.split(box)
        r = system.residual_ball(parts)
        Xa, ya, nla = system.arb_data()
        u_mid = [np.array([float(v.mid()) for v in u]) for u, _ in parts]
        u_rad = [np.array([_float_radius(v, float(m)) for v, m in zip(u, mid)]) for (u, _), mid in zip(parts, u_mid)]
        mults = []
        checks = {"strict_signs": 0, "exact_zero_multipliers": 0}
        margins = []
        wrong, unknown = [], []

        def need(ball, what, cone=False):
            if ball > 0:
                checks["strict_signs"] += 1
                margins.append(float(ball.lower()))
            elif ball < 0 and not cone:
                wrong.append(what)
            else:  # a row of the wrong sign: the face's critical point is not in the cone
                unknown.append(what if not ball < 0 else f"{what} fails: the face's critical point leaves its cone")

        for a, (f, t, (u, lam)) in enumerate(zip(faces, tight, parts)):
            xu = [sum((Xa[i][q] * u[q] for q in range(dim)), arb(0)) for i in range(prog.n)]
            for i in f.active:
                need(xu[i], f"row {i} active in face {a}", cone=True)
            for i in f.inactive:
                need(-xu[i], f"row {i} inactive in face {a}", cone=True)
            mm = {}
            lam_of = dict(zip(t, lam))
            for i, members in classes[a]:
                # KKT of the accessible cones on either side of the hyperplane of x_i:
                # lam - s sum_{c_k > 0} c_k r_k >= 0 and s sum_{c_k < 0} c_k r_k - lam >= 0
                pos = f.sign * sum((_arb_q(c) * r[k] for k, c in members if c > 0), arb(0))
                negs = [(k, c) for k, c in members if c < 0]
                neg = f.sign * sum((_arb_q(c) * r[k] for k, c in negs), arb(0))
                if i in lam_of:
                    li = lam_of[i]
                    mm[i] = (float(li.lower()), float(li.upper()))
                    need(neg - li, f"multiplier of row {i} in face {a} (the cone where it stays inactive)")
                    need(li - pos, f"multiplier of row {i} in face {a} (the cone where it becomes active)")
                    continue
                mm[i] = (0.0, 0.0)  # structurally zero: x_i is orthogonal to the face's other rows
                checks["exact_zero_multipliers"] += 1
                need(-pos, f"multiplier of orthogonal row {i} in face {a} (the cone where it becomes active)")
                if negs:
                    need(neg, f"multiplier of orthogonal row {i} in face {a} (the cone where it stays inactive)")
            mults.append(mm)
        # parallel condition: same-sign faces whose closed cones meet in some cell
        for a in range(len(faces)):
            for b in range(a + 1, len(faces)):
                fa, fb = faces[a], faces[b]
                if fa.sign != fb.sign or set(fa.active) & set(fb.inactive) or set(fb.active) & set(fa.inactive):
                    continue
                if _shared_cell(prog, fa, fb):
                    wrong.append(f"faces {a} and {b} share a closed signed cone but are not parallel")
        nrm = [sum((v * v for v in u), arb(0)).sqrt() for u, _ in parts]
        value = sum((v * v for v in r), arb(0)) / prog.n + 2 * _arb_q(prog.lam) * sum(nrm, arb(0))
        lo, hi = _fraction_bounds(value)
        r_mid = np.array([float(v.mid()) for v in r])
        r_rad = np.array([_float_radius(v, m) for v, m in zip(r, r_mid)])
        checks["min_margin"] = min(margins) if margins else None
        common = dict(faces=list(faces), orthogonal=orth, u_mid=u_mid, u_rad=u_rad, multipliers=mults,
                      value_lower=lo, value_upper=hi, residual_mid=r_mid, residual_rad=r_rad, checks=checks)
        if wrong and all(_independent(prog, t) for t in reps):
            # every sign pattern of independent tight hyperplanes is realised next to the
            # point, so a multiplier of the wrong sign fails the KKT test of an accessible cone
            return ValidatedPoint("violated", False, None, reason="; ".join(wrong[:3]), **common)
        if wrong or unknown:
            unknown = wrong + unknown
            return ValidatedPoint("undecided", None, None,
                                  reason="could not decide: " + "; ".join(unknown[:3]), **common)
        glob = None
        if need_global:
            glob, why = dual_feasible_all_cones(prog, r_mid, r_rad, faces)
            checks["global_dual"] = why
    return ValidatedPoint("certified", True, glob,
                          reason="a unique critical point of the face system lies in the box and every sign of "
                                 "the local-minimum test is strict", **common)


def _independent(prog, rows):

    vecs = [list(prog.arr.rows_exact[i]) for i in rows]
    return not vecs or exact_rank(vecs) == len(vecs)


def _accessible_from(prog, face):
    """Cells whose pattern agrees with the face off its tight rows (closures meet the face)."""
    P = prog.patterns
    ok = np.ones(prog.P, dtype=bool)
    if face.active:
        ok &= P[:, list(face.active)].all(axis=1)
    if face.inactive:
        ok &= ~P[:, list(face.inactive)].any(axis=1)
    return ok


def _shared_cell(prog, fa, fb):
    return bool(np.any(_accessible_from(prog, fa) & _accessible_from(prog, fb)))


def dual_feasible_all_cones(prog, r_mid, r_rad, faces=()):
    """Decide ``max_{w in closed cell, |w| <= 1} s r^T D X w <= n lam`` for all ``K`` cones,
    for every residual ``r`` in the box ``r_mid +- r_rad``.

    Cones accessible from one of ``faces`` (same sign, pattern agreeing off the tight
    rows) are exempt: their condition holds with equality by the KKT certificate of that
    face.  Every other cone needs a multiplier ``mu >= 0`` on its facet rows with
    ``|s X^T D r + G^T mu| < n lam`` for every ``r`` in the box (weak duality); the bound
    adds the box's effect ``sum_i |x_i| r_rad_i`` and a floating-point allowance of
    ``1e-10`` times the sum of the absolute terms (far above the rounding error of these
    short sums).

    Returns ``(True, summary)``, ``(False, summary)`` when a cone's float value exceeds
    ``n lam`` by more than the allowance (the residual is certifiably not dual feasible
    for that cone; the summary names it), or ``(None, summary)``.
    """
    X = prog.X
    nl = prog.n * float(prog.lam)
    xn = np.linalg.norm(X, axis=1)
    spread = float(xn @ r_rad)
    exempt = {0: np.zeros(prog.P, dtype=bool), 1: np.zeros(prog.P, dtype=bool)}
    for f in faces:
        exempt[0 if f.sign > 0 else 1] |= _accessible_from(prog, f)
    B = prog.patterns.astype(float) @ (X * r_mid[:, None])  # P x dim, b for sign +1
    absB = prog.patterns.astype(float) @ (np.abs(X) * np.abs(r_mid)[:, None])
    norms = np.linalg.norm(B, axis=1)
    allow = 1e-10 * np.linalg.norm(absB, axis=1) + spread
    easy = norms + allow < nl
    worst, hard = 0.0, 0
    for cell in range(prog.P):
        if easy[cell]:
            continue
        for sgn, s in ((0, 1.0), (1, -1.0)):
            if exempt[sgn][cell]:
                continue
            b = s * B[cell]
            c = 2 * cell + sgn
            val, rows, mu = prog.cone_dual_value(c, b)
            mu = np.maximum(mu, 0.0)
            G = prog.G(c, rows) if len(rows) else np.zeros((0, prog.dim))
            v = b + G.T @ mu
            absolute = float(np.linalg.norm(absB[cell])) + float(np.linalg.norm(np.abs(G).T @ mu))
            bound = float(np.linalg.norm(v)) + spread + 1e-10 * absolute
            hard += 1
            worst = max(worst, val / nl)
            if bound < nl:
                continue
            if val > nl * (1 + 1e-8) + spread:
                return False, f"cone {c} violates the dual condition (value {val:.6g} > n lam = {nl:.6g})"
            return None, f"cone {c} too close to the dual bound to decide (value {val:.6g}, n lam = {nl:.6g})"
    return True, f"all {prog.K} cones dual feasible ({hard} by a multiplier, largest value/n lam {worst:.6g})"
