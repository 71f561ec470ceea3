"""The authors' bad-minimum test (landscape.network.authors) against the exact test."""

from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape.data import Dataset
from landscape.network import check_network
from landscape.network.authors import authors_minimal_network, authors_test


def test_accepts_a_neuron_that_can_rotate_across_its_hyperplane():
    """X = I_2, y = (1, 1), lam = 7/32: the optimum of the one-cone programme on x1 is
    u = (1 - 2 lam, 0) = (9/16, 0), i.e. a = 3/4, w = (3/4, 0).  It lies on the hyperplane
    of x2; turning w towards x2 fits the second label too, so it is not a local minimum.
    The authors' relaxation sets the kink factor to 0 and accepts it."""
    lam = Fraction(7, 32)
    X, y = np.eye(2), np.array([1.0, 1.0])
    t = authors_test(X, y, float(lam), np.array([[9 / 16, 0.0]]), [1])
    assert t.passes and t.relu_at_zero
    ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, 1])
    v = check_network(ds, lam, [Fraction(3, 4)], [[Fraction(3, 4), Fraction(0)]])
    assert v.verdict == "not_a_local_minimum"
    assert v.certificate  # the descent that the relaxation hides


def test_accepts_a_zero_neuron_that_can_grow():
    """One positive neuron fitting x1 exactly as above and a zero neuron beside it: the zero
    neuron's gradient vanishes, so the authors' test passes while the exact test finds that
    the zero neuron can grow towards x2 (max r . relu(X w) > n lam)."""
    lam = Fraction(7, 32)
    X, y = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1.0, 1.0])
    # two cones: the cell of x1 alone (used) and the cell of x2 alone (weight zero)
    t = authors_test(X, y, float(lam), np.array([[9 / 16, 0.0], [0.0, 0.0]]), [1, 1])
    assert t.passes
    ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, 1])
    v = check_network(ds, lam, [Fraction(3, 4), Fraction(0)],
                      [[Fraction(3, 4), Fraction(0)], [Fraction(0), Fraction(0)]])
    assert v.verdict == "not_a_local_minimum"


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.1, 3.0), min_size=1, max_size=4), st.integers(0, 3))
def test_merging_keeps_the_network_function_and_balance(norms, copies):
    """Merged cone weights give a balanced network with the same output and the same
    weight decay as the sum of the cones (u -> (a, w) with |a| = |w| = sqrt|u|)."""
    rng = np.random.default_rng(len(norms) + copies)
    X = rng.standard_normal((5, 3))
    U = np.array([s * rng.standard_normal(3) for s in norms])
    U = np.vstack([U] + [U[:1]] * copies)  # duplicated cones must merge
    signs = [1] * len(U)
    a, W = authors_minimal_network(X, U, signs, convert_tol=0.0)
    assert np.allclose(np.abs(a), np.linalg.norm(W, axis=1))
    groups = {}
    for j, key in enumerate(map(tuple, (U @ X.T > 1e-5))):
        groups.setdefault(key, []).append(j)
    f_cones = sum(np.maximum(X @ U[g].sum(axis=0), 0) for g in groups.values())
    assert np.allclose(np.maximum(X @ W.T, 0) @ a, f_cones)
