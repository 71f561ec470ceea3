"""The training-reproduction claims of issue 16 (landscape.app.claims, last block) pass, and
their from-scratch helpers compute what they say."""

from fractions import Fraction

import numpy as np
import pytest

from landscape.app import claims


@pytest.mark.parametrize("name", ["town-orthogonal-saddles", "chen-weight-decay-rank", "melamed-off-subspace"])
def test_training_claims_pass(name):
    (row,) = claims.run_claims([name])
    assert row.status == "pass", row


@pytest.mark.slow
def test_theorem2_published_claim_passes():
    (row,) = claims.run_claims(["boursier-theorem2-published"])
    assert row.status == "pass", row


def test_single_neuron_residual_is_stationary():
    """At the single-neuron optimum u, (2/n) X^T (X u - y) + 2 lam u / |u| = 0 and X u > 0."""
    ds = claims.theorem2_published_dataset()
    X, y, lam = ds.features, ds.y, 1e-5
    u, r = claims._single_neuron_residual(X, y, lam)
    grad = (2 / len(y)) * X.T @ (-r) + 2 * lam * u / np.linalg.norm(u)
    assert np.linalg.norm(grad) < 1e-10 and np.all(X @ u > 0)
    # the neuron's own direction has growth rate exactly n lam (the KKT condition)
    w = u / np.linalg.norm(u)
    assert r @ np.maximum(X @ w, 0) == pytest.approx(len(y) * lam, rel=1e-6)


def test_best_growth_direction_is_a_lower_bound_and_beats_sampling():
    rng = np.random.default_rng(0)
    X, r = rng.standard_normal((4, 3)), rng.standard_normal(4)
    best, w = claims._best_growth_direction(X, r)
    assert np.linalg.norm(w) == pytest.approx(1.0)
    assert r @ np.maximum(X @ w, 0) == pytest.approx(best)  # attained: a valid lower bound
    S = rng.standard_normal((20000, 3))
    S /= np.linalg.norm(S, axis=1, keepdims=True)
    assert best >= np.max(np.maximum(S @ X.T, 0) @ r) - 1e-12  # the face maximisers include the sup


def test_published_dataset_is_the_perturbed_theorem2_data():
    ds = claims.theorem2_published_dataset(d=4, data_seed=0)
    X = ds.features
    assert np.allclose(np.linalg.norm(X, axis=1), 1, atol=1e-11)  # renormalised
    base = np.array([[1, 0, 0, 0], [8 / 9, -4 / 9, 1 / 9, 0], [8 / 9, 4 / 9, 1 / 9, 0], [8 / 9, 0, 0, 17**0.5 / 9]])
    assert 1e-5 < np.max(np.abs(X - base)) < 1e-2  # perturbed at the 1e-3 scale
    beta = [Fraction(4, 5), 0, Fraction(3, 5), 0]
    assert all(yi == sum(x * b for x, b in zip(row, beta)) for row, yi in zip(ds.X_exact, ds.y_exact))  # exact
