"""The signed cones of one dataset: cells, facet rows, constraint blocks and facets shared
by neighbouring cones (docs/theory.md, sections 1 and 3).

Signed cone ``c`` is cell ``c // 2`` with sign ``+1`` if ``c`` is even and ``-1`` if odd.
For cone ``c`` with activation pattern ``D_c`` the closed cell is ``G_c u >= 0`` with
``G_c = diag(2 D_c - 1) X`` restricted to the cell's facet rows (one data row per
hyperplane class), and the cone's fitted block is ``A_c = s_c D_c X``.  Everything here
depends on the data only (not on ``lam``) and is computed once, then cached.

Examples
--------
>>> from landscape.data import Dataset
>>> st = ConeStructure(Dataset.from_arrays([[1, 0], [0, 1]], [1, 1]))
>>> st.K, st.cell_of_pattern("11")
(8, 3)
>>> st.G(6).tolist()                                  # the all-active cell: u1, u2 >= 0
[[1.0, 0.0], [0.0, 1.0]]
>>> st.face_row(6, 4)                                 # its facet x_1 . u = 0 towards "01"
(0, [0, 1])
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InputError
from ..exact.arithmetic import ExactData
from ..geometry.cones import cone_cell, cone_sign

__all__ = ["ConeStructure"]


class ConeStructure:
    """Cells, facet rows and exact data of a dataset, shared by every programme on it.

    Parameters
    ----------
    ds : Dataset
    arrangement : Arrangement, optional
        A precomputed :func:`~landscape.geometry.arrangement.enumerate_cells` of ``ds``.
    """

    def __init__(self, ds, arrangement=None):
        from ..geometry.arrangement import enumerate_cells

        self.ds = ds
        self.arr = arrangement if arrangement is not None else enumerate_cells(ds)
        self.n, self.dim = ds.n, ds.dim
        self.P = self.arr.count
        self.K = 2 * self.P
        self.X = np.asarray(ds.features, dtype=float)
        self.y = np.asarray(ds.y, dtype=float)
        sigma = float(np.linalg.norm(self.X, 2))
        #: the data's natural size of a weight vector, ``|y| / |X|_2``
        self.u_scale = float(np.linalg.norm(self.y)) / sigma if sigma > 0 else 0.0
        rms = float(np.sqrt(np.mean(self.y ** 2))) if self.n else 0.0
        #: the nearest power of two to ``rms(y)`` when that is far from 1 (``|log2| > 10``),
        #: else 1: the unit in which the conic backends see the labels
        self.label_unit = 2.0 ** round(math.log2(rms)) if rms > 0 and abs(math.log2(rms)) > 10 else 1.0
        self.patterns = np.asarray(self.arr.patterns, dtype=bool)
        self.exact = ExactData(self.arr.rows_exact, ds.y_exact)
        self.nz = ~self.exact.zero_rows
        self._facets = None
        self._G_cache = {}
        self._face_cache = {}
        self._witness = None
        self._fpad = None
        self._pat_fmpz = None
        self._wprod = None
        self._wunit = None
        #: pieces of conic forms kept per dataset (:mod:`landscape.convex.assembly`)
        self.form_cache = {}
        #: the exact data matrix transposed (flint), for products ``U X^T``
        self.XfT = self.exact.Xf.transpose()
        #: activation patterns and zero rows as Python lists (the certificates' inner loops)
        self.pattern_lists = self.patterns.tolist()
        self.zero_list = self.exact.zero_rows.tolist()

    # -- cells and cones -----------------------------------------------------------
    def cell_of_pattern(self, bits: str) -> int:
        """Index of the cell with activation pattern ``bits`` (a 0/1 string)."""
        want = np.array([b == "1" for b in bits], dtype=bool)
        hits = np.nonzero(np.all(self.patterns == want[None, :], axis=1))[0]
        if len(hits) == 0:
            raise InputError(f"no cell has activation pattern {bits}")
        return int(hits[0])

    def witness_int(self, cell) -> list:
        """An integer point strictly inside ``cell`` (Python ints)."""
        if self._witness is None:
            self._witness = [[int(v) for v in row] for row in np.asarray(self.arr.witness_matrix).tolist()]
        return self._witness[cell]

    def witness_products(self, cell) -> list:
        """The exact products ``x_i . p`` (Python ints) of the rows with the integer witness
        ``p`` of ``cell`` (:meth:`witness_int`); positive exactly on the cell's active rows."""
        if self._wprod is None:
            import flint

            W = flint.fmpz_mat([self.witness_int(c) for c in range(self.P)]) if self.P else None
            self._wprod = [] if W is None else [[int(v) for v in row] for row in (W * self.XfT).tolist()]
        return self._wprod[cell]

    def witness_unit(self, cell) -> np.ndarray:
        """The float unit vector along :meth:`witness_int` (a direction inside ``cell``)."""
        if self._wunit is None:
            W = np.asarray(self.arr.witness_matrix, dtype=float).reshape(self.P, self.dim)
            self._wunit = W / np.maximum(np.linalg.norm(W, axis=1), 1e-300)[:, None]
        return self._wunit[cell]

    def validate_cones(self, cones) -> tuple:
        """``cones`` as a sorted tuple of distinct valid signed-cone indices."""
        try:
            cs = sorted({int(c) for c in cones})
        except (TypeError, ValueError):
            raise InputError("cones must be integers (signed-cone indices)") from None
        for c in cs:
            if not 0 <= c < self.K:
                raise InputError(f"cone {c} out of range: there are K = {self.K} signed cones")
        return tuple(cs)

    _validate_cones = validate_cones  # the name callers used before the split

    def facet_rows(self, cell) -> np.ndarray:
        """Row indices (one per hyperplane class) of the facets of ``cell``.

        The closed cell is ``{w : (2 D_i - 1) x_i . w >= 0 for i in facet_rows}``.
        """
        if self._facets is None:
            pairs = self.arr.adjacent_pairs()
            rc = np.asarray(self.arr.classes.row_class)
            rep = {}
            for i, c in enumerate(rc.tolist()):
                if c >= 0 and c not in rep:
                    rep[c] = i
            lists = [set() for _ in range(self.P)]
            for i, j, c in pairs.tolist():
                lists[i].add(rep[c])
                lists[j].add(rep[c])
            self._facets = [np.array(sorted(s), dtype=np.int64) for s in lists]
        return self._facets[cell]

    def G(self, c, rows=None) -> np.ndarray:
        """Float constraint matrix ``G_c`` restricted to ``rows`` (default: facet rows; the
        default block is cached and read-only)."""
        cell = cone_cell(c)
        if rows is None:
            G = self._G_cache.get(cell)
            if G is None:
                G = self._G_cache[cell] = self.G(c, self.facet_rows(cell))
                G.setflags(write=False)
            return G
        sgn = np.where(self.patterns[cell, rows], 1.0, -1.0)
        return sgn[:, None] * self.X[rows]

    def A(self, c) -> np.ndarray:
        """Float block ``s_c D_c X`` (n x dim)."""
        return cone_sign(c) * self.patterns[cone_cell(c)][:, None] * self.X

    def G_face(self, c, face=None) -> np.ndarray:
        """Float constraint rows of cone ``c``: facet rows, plus (for a face ``(c2, h, p)``)
        the row ``-g_h`` that turns ``g_h . u >= 0`` into ``x_h . u = 0``."""
        G = self.G(c)
        if face is None:
            return G
        h = face[1]
        sgn = 1.0 if self.patterns[cone_cell(c), h] else -1.0
        return np.vstack([G, -sgn * self.X[h][None, :]])

    # -- facets shared by neighbouring cones ------------------------------------------
    def face_row(self, c, c2):
        """``(h, p)`` for the facet shared by cones ``c`` and ``c2``: ``h`` a data row of the
        crossed hyperplane class, ``p`` an integer point in the relative interior of the
        facet (``x_h . p = 0``, strictly on ``c``'s side of every other class).

        Raises :class:`InputError` unless ``c2`` has the sign of ``c`` and its cell is
        adjacent to ``c``'s cell across exactly one hyperplane class.
        """
        key = (int(c), int(c2))
        if key in self._face_cache:
            return self._face_cache[key]
        for v in key:
            if not 0 <= v < self.K:
                raise InputError(f"cone {v} out of range: there are K = {self.K} signed cones")
        if c % 2 != c2 % 2:
            raise InputError(f"face cone {c2} has the opposite sign of cone {c}")
        i, j = cone_cell(c), cone_cell(c2)
        S = np.asarray(self.arr.class_signs)
        diff = np.nonzero(S[i] != S[j])[0]
        if len(diff) != 1:
            raise InputError(f"cells {i} and {j} (cones {c}, {c2}) are not adjacent across one hyperplane")
        rc = np.asarray(self.arr.classes.row_class)
        h = int(np.nonzero(rc == int(diff[0]))[0][0])
        wi, wj = self.witness_int(i), self.witness_int(j)
        xh = self.exact.Xl[h]
        a = sum(x * v for x, v in zip(xh, wi))
        b = sum(x * v for x, v in zip(xh, wj))
        p = [abs(b) * u + abs(a) * v for u, v in zip(wi, wj)]  # positive combination, x_h . p = 0
        g = math.gcd(*p) or 1
        out = (h, [v // g for v in p])
        self._face_cache[key] = out
        return out

    def face_spec(self, cones, faces) -> dict:
        """Validated ``{c: (c2, h, p)}`` for a face programme (see :meth:`face_row`)."""
        if not faces:
            return {}
        if not isinstance(faces, dict):
            raise InputError("faces must map a cone of S to a neighbouring cone")
        out = {}
        for c, c2 in faces.items():
            try:
                c, c2 = int(c), int(c2)
            except (TypeError, ValueError):
                raise InputError("faces must map integer cones to integer cones") from None
            if c not in cones:
                raise InputError(f"face cone {c} is not in the support S")
            h, p = self.face_row(c, c2)
            out[c] = (c2, h, p)
        return out

    # -- padded blocks for batched work ----------------------------------------------
    def facet_pad(self):
        """Padded facet constraint blocks of all cells: ``(Gpad, mask, rows, L)`` with
        ``Gpad`` (P x f x dim), ``rows`` (P x f) data rows, ``L`` a Lipschitz constant."""
        if self._fpad is None:
            lists = [self.facet_rows(c) for c in range(self.P)]
            f = max((len(l) for l in lists), default=0)
            rows = np.zeros((self.P, max(f, 1)), dtype=np.int64)
            mask = np.zeros((self.P, max(f, 1)), dtype=bool)
            for c, l in enumerate(lists):
                rows[c, :len(l)] = l
                mask[c, :len(l)] = True
            sgn = np.where(np.take_along_axis(self.patterns, rows, axis=1), 1.0, -1.0) * mask
            Gpad = sgn[:, :, None] * self.X[rows]
            L = np.einsum("pfd,pfd->p", Gpad, Gpad)  # squared Frobenius norm >= spectral^2
            self._fpad = (Gpad, mask, rows, np.maximum(L, 1e-300))
        return self._fpad

    def pattern_fmpz(self):
        """The activation patterns (P x n) as a flint integer matrix."""
        if self._pat_fmpz is None:
            import flint

            self._pat_fmpz = flint.fmpz_mat(self.patterns.astype(np.int64).tolist())
        return self._pat_fmpz
