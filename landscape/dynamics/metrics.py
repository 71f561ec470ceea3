r"""The input gradient of a trained network off the data subspace (Melamed et al. 2023).

For ``f(x) = sum_j a_j relu(w_j . x)`` the input gradient at ``x`` (where no ``w_j . x``
is zero) is ``grad_x f(x) = sum_j a_j 1[w_j . x > 0] w_j``.  When the data lie on a
``k``-dimensional subspace ``U`` of ``R^d`` (orthonormal basis the columns of ``B``),
its component off the subspace is ``P grad_x f(x)`` with ``P = I - B B^T``; a large
off-subspace gradient means a small perturbation orthogonal to the data moves the output
a lot (the adversarial direction of Melamed et al.).

The training dynamics never change what lies off ``U`` except through weight decay: the
gradient of the data term with respect to ``w_j`` is a combination of the inputs, so
under gradient descent ``P w_j`` evolves as ``P w_j <- (1 - 2 lr lam) P w_j``, exactly,
and stays at its initial value when ``lam = 0``.  Small initialisation and weight decay
are therefore the two ways to keep the off-subspace gradient small.

Float computations only.

References
----------
O. Melamed, G. Yehudai, G. Vardi, "Adversarial examples exist in two-layer ReLU networks
for low dimensional linear subspaces", NeurIPS 2023.

Examples
--------
>>> a = np.array([1.0, -2.0])
>>> W = np.array([[1.0, 0.0, 3.0], [0.0, 1.0, 4.0]])
>>> X = np.array([[1.0, 1.0, 0.0]])            # data in the plane x3 = 0
>>> B = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
>>> input_gradients(a, W, X).tolist()
[[1.0, -2.0, -5.0]]
>>> off_subspace_gradient_norms(a, W, X, B).tolist()
[5.0]
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError

__all__ = ["input_gradients", "off_subspace_projector", "off_subspace_gradient_norms", "subspace_basis"]


def input_gradients(a, W, X) -> np.ndarray:
    """``grad_x f(x_i) = sum_j a_j 1[w_j . x_i > 0] w_j`` for every row ``x_i`` of ``X``
    (``n x d``; ``relu'(0) = 0``)."""
    a = np.asarray(a, dtype=float).reshape(-1)
    W = np.asarray(W, dtype=float)
    X = np.atleast_2d(np.asarray(X, dtype=float))
    if W.ndim != 2 or W.shape[0] != len(a) or X.shape[1] != W.shape[1]:
        raise InputError(f"shapes do not match: a {a.shape}, W {W.shape}, X {X.shape}")
    D = (X @ W.T) > 0  # n x m activation patterns
    return (D * a[None, :]) @ W


def subspace_basis(X, tol=1e-10) -> np.ndarray:
    """An orthonormal basis (``d x k`` columns) of the span of the rows of ``X``: the left
    singular vectors of ``X^T`` with singular value above ``tol`` times the largest."""
    X = np.atleast_2d(np.asarray(X, dtype=float))
    U, s, _ = np.linalg.svd(X.T, full_matrices=False)
    if s.size == 0 or s[0] == 0:
        return np.zeros((X.shape[1], 0))
    return U[:, s > tol * s[0]]


def off_subspace_projector(B) -> np.ndarray:
    """``P = I - B B^T`` for a basis ``B`` (``d x k``) with orthonormal columns."""
    B = np.asarray(B, dtype=float)
    if B.ndim != 2:
        raise InputError(f"the basis must be a d x k matrix, got shape {B.shape}")
    if B.shape[1] and not np.allclose(B.T @ B, np.eye(B.shape[1]), atol=1e-9):
        raise InputError("the basis columns must be orthonormal")
    return np.eye(B.shape[0]) - B @ B.T


def off_subspace_gradient_norms(a, W, X, B) -> np.ndarray:
    """``|P grad_x f(x_i)|`` at every row ``x_i`` of ``X``, with ``P`` the projector off the
    span of the columns of ``B``."""
    G = input_gradients(a, W, X)
    return np.linalg.norm(G @ off_subspace_projector(B), axis=1)
