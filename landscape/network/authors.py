r"""The bad-minimum test of Boursier, Bowditch, Englert & Lazic (2025), reimplemented.

Their Figure 1 calls a sampled region *bad* when its convex optimum ``V(S)`` is not within
``eps = 1e-7`` of ``V*`` and the network built from that optimum passes their test of a
local minimum.  This module implements that test from its description in their paper and
code, so that its verdicts can be set beside the certified classes of
:meth:`landscape.regions.Landscape.classify` (docs/theory.md, sections 4 and 6).  It is a
floating-point heuristic with tolerances, **not a certificate**: its result type,
:class:`AuthorsTest`, carries the gradients it measured and no claim of exactness.

The test, step by step:

1. *Merge to a minimal network* (``convert_tol = 5e-5``): entries of the cone weights
   ``u_c`` below the tolerance are set to zero; cones whose weights have the same
   activation pattern (``x_i . u > 1e-5``) and the same sign are summed; each sum ``U``
   becomes the balanced neuron ``w = U / sqrt|U|``, ``a = +-sqrt|U|``; merged-away slots are
   zero neurons.
2. *Second layer*: every ``|dL/da_j| < deriv_tol`` (``5e-5``).
3. *First layer*: if no ``|w_j . x_i|`` is below ``relu_tol`` (``5e-5``), every entry of the
   ordinary gradient ``dL/dw_j`` must be below ``deriv_tol``.  Otherwise each kink factor
   (the derivative of ReLU at a row with ``|w_j . x_i| < relu_tol``) is relaxed to the
   interval ``[0, 1]`` (rows clearly inactive keep 0, active rows keep 1), the factors are
   chosen to minimise ``|dL/dw|^2`` (a box-constrained least-squares problem, separable by
   neuron), and every entry of that smallest gradient must be below ``deriv_tol``.

Zero neurons always pass step 3 (their gradient in ``w`` vanishes), which is why the test
accepts saddles where a zero neuron could grow; it also accepts points where a neuron on a
hyperplane can rotate across it.

References
----------
E. Boursier, M. Bowditch, M. Englert, R. Lazic. *A theoretical framework for the
favourable loss landscape of two-layer ReLU networks* (2025).

Examples
--------
One positive neuron fitting ``y = (1, 0)`` on ``X = I_2``: its optimum ``u = (1 - 2 lam, 0)``
touches the hyperplane of ``x_2`` (a kink), and the relaxation makes it pass:

>>> import numpy as np
>>> X, y, lam = np.eye(2), np.array([1.0, 0.0]), 0.1
>>> t = authors_test(X, y, lam, np.array([[1 - 2 * lam, 0.0]]), [1])
>>> t.passes, t.relu_at_zero
(True, True)

Away from the optimum it fails, on the second layer already:

>>> authors_test(X, y, lam, np.array([[0.5, 0.0]]), [1]).passes
False
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import lsq_linear

__all__ = ["AuthorsTest", "authors_minimal_network", "authors_test", "authors_teacher_dataset",
           "AUTHORS_TOLERANCES"]

#: the tolerances of the authors' scripts (``get_prop_optimal.sh``)
AUTHORS_TOLERANCES = {"eps": 1e-7, "relu_tol": 5e-5, "deriv_tol": 5e-5, "convert_tol": 5e-5}
_ACTIVATION_EPS = 1e-5  # the threshold of their activation patterns


@dataclass(frozen=True)
class AuthorsTest:
    """Outcome of the authors' floating-point local-minimum test (not a certificate).

    Attributes
    ----------
    passes : whether the network passed (their ``at_critical_point``)
    relu_at_zero : some ``|w_j . x_i| < relu_tol``, so the kink relaxation was used
    max_grad_a, max_grad_w : the largest entry of ``|dL/da|`` and of the (relaxed) ``|dL/dw|``
    a, W : the minimal network the test ran on
    """

    passes: bool
    relu_at_zero: bool
    max_grad_a: float
    max_grad_w: float
    a: np.ndarray
    W: np.ndarray

    def to_json_obj(self) -> dict:
        return {"passes": self.passes, "relu_at_zero": self.relu_at_zero,
                "max_grad_a": self.max_grad_a, "max_grad_w": self.max_grad_w}


def authors_minimal_network(X, U, signs, convert_tol=AUTHORS_TOLERANCES["convert_tol"]):
    """Merge cone weights into the authors' minimal balanced network.

    Parameters
    ----------
    X : (n, d) data
    U : (k, d) cone weights ``u_c`` of a solution of ``V(S)``, one row per cone of ``S``
    signs : the ``k`` cone signs (+1 or -1)

    Returns
    -------
    a, W : arrays of length ``k`` and shape ``(k, d)``; slots left over after merging are
        zero neurons.

    >>> import numpy as np
    >>> a, W = authors_minimal_network(np.eye(2), np.array([[2.0, 0], [2.0, 0]]), [1, 1])
    >>> a.tolist(), W.tolist()
    ([2.0, 0.0], [[2.0, 0.0], [0.0, 0.0]])
    """
    X = np.asarray(X, dtype=float)
    U = np.where(np.abs(np.asarray(U, dtype=float)) < convert_tol, 0.0, np.asarray(U, dtype=float))
    signs = np.asarray(signs, dtype=float)
    pattern = (U @ X.T > _ACTIVATION_EPS).astype(float) * signs[:, None]
    groups: dict = {}
    for j, key in enumerate(map(tuple, pattern)):
        groups.setdefault(key, []).append(j)
    a, W = np.zeros(len(U)), np.zeros_like(U)
    for slot, (key, members) in enumerate(groups.items()):
        total = U[members].sum(axis=0)
        root = np.sqrt(np.linalg.norm(total))
        if root > convert_tol:
            W[slot] = total / root
            a[slot] = root if max(key) > 0 else -root
    return a, W


def authors_test(X, y, lam, U, signs, relu_tol=AUTHORS_TOLERANCES["relu_tol"],
                 deriv_tol=AUTHORS_TOLERANCES["deriv_tol"],
                 convert_tol=AUTHORS_TOLERANCES["convert_tol"]) -> AuthorsTest:
    """The authors' test of a local minimum at the network of cone weights ``U``.

    Parameters
    ----------
    X, y : data (floats)
    lam : weight decay of the loss ``(1/n)|f - y|^2 + lam (|a|^2 + |W|^2)``
    U, signs : cone weights and signs, as for :func:`authors_minimal_network`
    relu_tol, deriv_tol, convert_tol : the authors' tolerances (defaults as in their scripts)

    Returns
    -------
    AuthorsTest
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n = X.shape[0]
    lam = float(lam)
    a, W = authors_minimal_network(X, U, signs, convert_tol)
    Z = W @ X.T  # (m, n) pre-activations
    relu_at_zero = bool(np.any(np.abs(Z) < relu_tol))
    H = np.maximum(Z, 0.0)
    res = a @ H - y
    grad_a = H @ res * (2.0 / n) + 2 * lam * a
    max_a = float(np.max(np.abs(grad_a))) if grad_a.size else 0.0
    if max_a >= deriv_tol:
        return AuthorsTest(False, relu_at_zero, max_a, float("nan"), a, W)
    weight = (2.0 / n) * a[:, None] * res[None, :]  # (m, n): d loss / d (w_j . x_i) when active
    if not relu_at_zero:
        grad_w = ((Z > 0) * weight) @ X + 2 * lam * W
    else:
        grad_w = np.empty_like(W)
        for j in range(len(a)):
            grad_w[j] = _relaxed_gradient(X, weight[j], Z[j], 2 * lam * W[j], relu_tol)
    max_w = float(np.max(np.abs(grad_w))) if grad_w.size else 0.0
    return AuthorsTest(bool(max_w < deriv_tol), relu_at_zero, max_a, max_w, a, W)


def _relaxed_gradient(X, weight, z, decay, relu_tol):
    """Smallest ``X^T (weight * g) + decay`` over kink factors ``g`` in ``[0, 1]``."""
    fixed = np.where(z < -relu_tol, 0.0, 1.0)
    kink = np.abs(z) < relu_tol
    base = X.T @ (weight * np.where(kink, 0.0, fixed)) + decay
    if not kink.any():
        return base
    A = X[kink].T * weight[kink]  # columns: the gradient contribution of each kink row
    if not np.any(A):
        return base
    sol = lsq_linear(A, -base, bounds=(0.0, 1.0), method="bvls")
    return base + A @ sol.x


def authors_teacher_dataset(n, d, seed, width=10):
    """A dataset of the authors' Figure 1: Gaussian ``X`` labelled by a random ReLU teacher.

    As in their ``utils.create_data(label_type="teacher")``: ``X`` is ``n x d`` standard
    Gaussian, the teacher has ``width`` neurons with ``N(0, 1)`` input *and output* weights
    (the library's ``relu-teacher`` generator uses output weights ``+-1/sqrt(width)``
    instead), ``y = sum_k alpha_k relu(w_k . x)``.  The floats are drawn from
    ``numpy.random.default_rng(seed)`` and kept exactly (binary64 values are rationals).

    >>> ds = authors_teacher_dataset(4, 3, seed=0)
    >>> ds.n, ds.d, ds.name
    (4, 3, 'boursier_teacher_n4_d3_s0')
    """
    from ..data import Dataset

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    W = rng.standard_normal((width, d))
    alpha = rng.standard_normal(width)
    y = np.maximum(X @ W.T, 0.0) @ alpha
    return Dataset.from_arrays(X, y, name=f"boursier_teacher_n{n}_d{d}_s{seed}")
