"""Input gradients off the data subspace (landscape.dynamics.metrics): finite differences,
and the exact decay of the off-subspace weights under gradient descent."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape.data import Dataset
from landscape.dynamics import train
from landscape.dynamics.metrics import (
    input_gradients,
    off_subspace_gradient_norms,
    off_subspace_projector,
    subspace_basis,
)
from landscape.errors import InputError


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_input_gradient_matches_finite_differences(seed):
    rng = np.random.default_rng(seed)
    m, d = 5, 4
    a, W, X = rng.standard_normal(m), rng.standard_normal((m, d)), rng.standard_normal((3, d))
    if np.min(np.abs(X @ W.T)) < 1e-3:  # too close to a kink for a central difference
        return
    f = lambda x: float(a @ np.maximum(W @ x, 0))  # noqa: E731
    h = 1e-7
    G = input_gradients(a, W, X)
    for i, x in enumerate(X):
        fd = [(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(d)]
        assert np.allclose(G[i], fd, atol=1e-5)


def test_subspace_basis_and_projector():
    rng = np.random.default_rng(0)
    B0 = np.linalg.qr(rng.standard_normal((5, 2)))[0]
    X = rng.standard_normal((7, 2)) @ B0.T
    B = subspace_basis(X)
    assert B.shape == (5, 2)
    P = off_subspace_projector(B)
    assert np.allclose(P @ X.T, 0, atol=1e-12) and np.allclose(P @ P, P)
    assert np.allclose(P @ B0, 0, atol=1e-12)
    with pytest.raises(InputError):
        off_subspace_projector(2 * B)


@pytest.mark.parametrize("lam", [0.0, 0.01])
def test_gd_scales_the_off_subspace_weights_by_exactly_one_minus_2_lr_lam(lam):
    """The data gradient of w_j is a combination of the inputs, so P W_T = (1 - 2 lr lam)^T P W_0."""
    X = [[1, 0, 0, 0], [0, 1, 0, 0], [1, 1, 0, 0], [2, -1, 0, 0]]  # on the plane e1, e2 of R^4
    ds = Dataset.from_arrays(X, ["1", "-0.5", "0.3", "0.8"])
    lr, steps = 0.05, 3000
    run0 = train(ds, lam, width=8, init_scale=0.5, seed=1, lr=lr, steps=0)
    run = train(ds, lam, width=8, init_scale=0.5, seed=1, lr=lr, steps=steps)
    P = off_subspace_projector(subspace_basis(ds.features))
    assert np.allclose(run.W @ P, (1 - 2 * lr * lam) ** steps * (run0.W @ P), rtol=1e-9, atol=1e-14)
    norms = off_subspace_gradient_norms(run.a, run.W, ds.features, subspace_basis(ds.features))
    assert norms.shape == (4,) and np.all(norms >= 0)
