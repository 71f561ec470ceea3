"""The population loss (docs/theory.md, section 8): closed forms against finite differences
and Monte Carlo, ball arithmetic against float, certified critical points, the search."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape.errors import InputError
from landscape.population import (PointVerdict, canonical_form, certify_point, enclose_spectrum, gradient,
                                  hessian, interval_gradient, interval_hessian, interval_loss, isotypic_assignment,
                                  arccos_kernel, loss, run_search, student_box, symmetric_isotypic_dimensions, teacher)

LOW = (math.pi - 2) / (4 * math.pi)  # 0.0908450569..., the smallest eigenvalue at W = I
HIGH = (math.pi + 2) / (4 * math.pi)  # 0.409155..., another eigenvalue at W = I
SADDLE_3 = [[-0.31818007, 0.65945309, 0.65945309], [0.65945309, -0.31818007, 0.65945309],
            [0.65945309, 0.65945309, -0.31818007]]


def _students(seed, shape):
    return np.random.default_rng(seed).normal(size=shape)


# ---------------------------------------------------------------- kernel identities


def test_kernel_identities():
    rng = np.random.default_rng(1)
    w, v = rng.normal(size=(2, 5))
    assert np.isclose(arccos_kernel([w], [w])[0, 0], w @ w / 2)  # E[relu(w.x)^2] = |w|^2 / 2
    assert np.isclose(arccos_kernel([w], [-w])[0, 0], 0.0)  # the two are never both positive
    e1, e2 = np.eye(2)
    assert np.isclose(arccos_kernel([3 * e1], [2 * e2])[0, 0], 6 / (2 * math.pi))  # orthogonal: |w||v| / 2 pi
    assert np.isclose(arccos_kernel([2 * w], [3 * v])[0, 0], 6 * arccos_kernel([w], [v])[0, 0])  # positively homogeneous
    assert np.isclose(arccos_kernel([w], [v])[0, 0], arccos_kernel([v], [w])[0, 0])


def test_kernel_against_monte_carlo():
    rng = np.random.default_rng(2)
    A, B = rng.normal(size=(2, 3, 4))
    X = rng.normal(size=(400_000, 4))
    ra, rb = np.maximum(X @ A.T, 0), np.maximum(X @ B.T, 0)
    prod = ra[:, :, None] * rb[:, None, :]
    mc, se = prod.mean(axis=0), prod.std(axis=0) / math.sqrt(len(X))
    assert (np.abs(mc - arccos_kernel(A, B)) < 5 * se).all()


def test_loss_against_monte_carlo():
    rng = np.random.default_rng(3)
    V, W = teacher(3), rng.normal(size=(4, 3))
    X = rng.normal(size=(400_000, 3))
    r = np.maximum(X @ W.T, 0).sum(axis=1) - np.maximum(X @ V.T, 0).sum(axis=1)
    half_sq = 0.5 * r * r
    assert abs(half_sq.mean() - loss(W, V)) < 5 * half_sq.std() / math.sqrt(len(X))


def test_loss_symmetry_and_batch():
    V = teacher(4)
    W = _students(4, (3, 5, 4))
    F = loss(W, V)
    assert F.shape == (3,) and (F >= 0).all()
    assert float(loss(V, V)) == 0.0
    perm_rows, perm_cols = [4, 2, 0, 1, 3], [2, 0, 3, 1]
    # student rows, and jointly teacher rows and coordinates (V = I)
    assert np.allclose(loss(W[:, perm_rows][:, :, perm_cols], V), F)
    for r in range(3):
        assert np.isclose(loss(W[r], V), F[r])


# ---------------------------------------------------------------- derivatives


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 4), k=st.integers(1, 4), extra=st.integers(0, 2))
def test_gradient_and_hessian_by_finite_differences(seed, n, k, extra):
    d = k + extra
    V = teacher(k, d)
    W = _students(seed, (n, d))
    G, H = gradient(W, V), hessian(W, V)
    e = 1e-6
    for idx in np.ndindex(W.shape):
        D = np.zeros_like(W)
        D[idx] = e
        fd = (loss(W + D, V) - loss(W - D, V)) / (2 * e)
        assert abs(fd - G[idx]) < 1e-7 * max(1.0, abs(G[idx]))
        col = (gradient(W + D, V) - gradient(W - D, V)).reshape(-1) / (2 * e)
        j = idx[0] * d + idx[1]
        assert np.abs(col - H[:, j]).max() < 1e-6 * max(1.0, np.abs(H).max())
    assert np.allclose(H, H.T)


def test_batched_derivatives_match_single():
    V = teacher(3)
    W = _students(5, (4, 3, 3))
    G, H = gradient(W, V), hessian(W, V)
    for r in range(4):
        assert np.allclose(G[r], gradient(W[r], V)) and np.allclose(H[r], hessian(W[r], V))


def test_hessian_at_global_minimum_closed_form():
    for k in (6, 10):
        ev = np.linalg.eigvalsh(hessian(teacher(k), teacher(k)))
        assert np.isclose(ev.min(), LOW, atol=1e-12)
        assert np.isclose(ev, HIGH, atol=1e-12).any()


# ---------------------------------------------------------------- ball arithmetic


def test_intervals_enclose_float_values():
    V = teacher(3, 4)
    W = _students(6, (4, 4))
    box = student_box(W, 1e-9)
    assert interval_loss(box, V).contains(float(loss(W, V))) or abs(
        float(interval_loss(box, V).mid()) - loss(W, V)) < 1e-13
    G, H = gradient(W, V).reshape(-1), hessian(W, V)
    IG, IH = interval_gradient(student_box(W), V), interval_hessian(box, V)
    for a in range(W.size):
        assert abs(float(IG[a, 0].mid()) - G[a]) <= float(IG[a, 0].rad()) + 1e-14
        for b in range(W.size):
            assert abs(float(IH[a, b].mid()) - H[a, b]) <= float(IH[a, b].rad()) + 1e-14


def test_interval_hessian_encloses_hessians_in_the_box():
    # the ball Hessian over a box must hold the float Hessian at points of the box,
    # including near parallel rows (around W = V)
    V = teacher(3)
    rng = np.random.default_rng(7)
    for center, r in ((V, 1e-4), (_students(8, (3, 3)), 1e-3)):
        IH = interval_hessian(student_box(center, r), V)
        for _ in range(5):
            H = hessian(center + rng.uniform(-r, r, size=center.shape), V)
            for a in range(9):
                for b in range(9):
                    assert abs(float(IH[a, b].mid()) - H[a, b]) <= float(IH[a, b].rad()) + 1e-12


def test_enclose_spectrum_counts_eigenvalues():
    rng = np.random.default_rng(9)
    Q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    A = Q @ np.diag([1.0, 1.0, 1.0, 2.0, 5.0, 5.0]) @ Q.T
    clusters = enclose_spectrum(A, np.zeros_like(A))
    assert [c.multiplicity for c in clusters] == [3, 1, 2]
    for c, v in zip(clusters, [1.0, 2.0, 5.0]):
        assert c.lower <= v <= c.upper and c.upper - c.lower < 1e-10


# ---------------------------------------------------------------- certification


@pytest.mark.parametrize("k", [6, 8])
def test_global_minimum_certified_with_closed_form_eigenvalue(k):
    V = teacher(k)
    cert = certify_point(V + 1e-7 * _students(k, V.shape), V)
    assert cert.verdict == PointVerdict.LOCAL_MINIMUM and cert.critical and cert.exact_center
    assert cert.loss_lower == 0.0 and cert.loss_upper < 1e-9
    assert cert.hessian_min_eig_lower <= LOW <= cert.hessian_min_eig_upper
    assert cert.hessian_min_eig_upper - cert.hessian_min_eig_lower < 1e-8
    assert any(c.lower <= HIGH <= c.upper and c.upper - c.lower < 1e-8 for c in cert.clusters)
    mult = [c.multiplicity for c in cert.clusters]
    assert sum(mult) == k * k
    assert isotypic_assignment(mult, symmetric_isotypic_dimensions(k)) is not None


def test_symmetric_saddle_certified():
    V = teacher(3)
    cert = certify_point(SADDLE_3, V)
    assert cert.verdict == PointVerdict.SADDLE and cert.critical
    assert cert.curvature_upper < 0 and cert.hessian_min_eig_upper < 0
    # the direction is a certificate: q^T H q < 0 at the centre, checked in float here
    q = cert.direction.reshape(-1)
    assert q @ hessian(cert.W, V) @ q < 0
    assert 0.0241 < cert.loss_lower <= cert.loss_upper < 0.0242


def test_krawczyk_refuses_a_box_without_critical_point():
    from landscape.population import krawczyk

    V = teacher(3)
    W = np.array([[1.0, 0.2, 0.0], [0.0, 1.0, 0.3], [0.5, 0.0, 1.0]])  # |grad F| is about 0.1
    Y = np.linalg.inv(hessian(W, V))
    assert not krawczyk(W, V, 1e-6, Y)[0]
    Vc = V + 0.0
    assert krawczyk(Vc, V, 1e-6, np.linalg.inv(hessian(Vc, V)))[0]


def test_parallel_rows_are_undecided_and_bad_input_refused():
    V = teacher(2)
    cert = certify_point([[1.0, 0.0], [0.5, 0.0], [0.0, 1.0]], V)
    assert cert.verdict == PointVerdict.UNDECIDED and "parallel" in cert.reason
    with pytest.raises(InputError, match="zero"):
        certify_point([[0.0, 0.0], [0.0, 1.0]], V)
    with pytest.raises(InputError, match="non-finite"):
        certify_point([[float("nan"), 0.0], [0.0, 1.0]], V)
    with pytest.raises(InputError, match="columns"):
        certify_point([[1.0, 0.0, 0.0]], V)
    with pytest.raises(InputError):
        teacher(3, 2)


# ---------------------------------------------------------------- canonical form and search


def test_canonical_form_is_invariant():
    rng = np.random.default_rng(10)
    W = rng.normal(size=(5, 5))
    base = canonical_form(W, joint=True)
    for _ in range(5):
        P, S = rng.permutation(5), rng.permutation(5)
        assert np.array_equal(canonical_form(W[P][:, S], joint=True), base)
        assert np.array_equal(canonical_form(W[P], joint=False), canonical_form(W, joint=False))
    sym = np.array(SADDLE_3)
    assert np.allclose(canonical_form(sym[[2, 0, 1]][:, [1, 2, 0]], joint=True), canonical_form(sym, joint=True))


@pytest.mark.slow
def test_small_search_families_cover_runs_and_are_certified():
    res = run_search(8, runs=24, seed=3, steps=20000)
    assert sum(f.count for f in res.families) == res.runs == 24
    spurious = [f for f in res.families if f.spurious]
    assert res.spurious_runs == sum(f.count for f in spurious)
    glob = [f for f in res.families if not f.spurious]
    assert len(glob) == 1 and glob[0].verdict == PointVerdict.LOCAL_MINIMUM 
    assert np.array_equal(glob[0].W, canonical_form(np.eye(8), joint=True))  # exactly the teacher, permuted
    assert sorted(glob[0].W.sum(axis=0)) == [1.0] * 8 and sorted(glob[0].W.sum(axis=1)) == [1.0] * 8
    for f in spurious:  # certified, or counted as undecided: never a float claim
        assert f.verdict in (PointVerdict.LOCAL_MINIMUM, PointVerdict.SADDLE, PointVerdict.UNDECIDED)
        if f.verdict == PointVerdict.LOCAL_MINIMUM:
            assert f.certificate.loss_lower > 1e-3 and f.certificate.hessian_min_eig_lower > 0
            # Arjevani & Field: a symmetric minimum; its certified multiplicities are isotypic
            assert f.isotropy is not None and max(int(x[2:]) for x in f.isotropy.split(" x ")) >= 6
            assert f.isotypic_consistent
            # one added neuron escapes it: g(u) < 0 proved over the certified box
            assert f.escape.escapes and f.escape.value_upper < 0
            u = f.escape.direction
            from landscape.population import residual_correlation
            assert residual_correlation(u[None], f.certificate.W, np.eye(8))[0] < 0
    summary = res.to_json_obj()
    assert summary["spurious_families"] == (summary["spurious_families_certified"] + summary["spurious_families_saddle"]
                                            + summary["spurious_families_undecided"])


def test_search_refuses_bad_input():
    with pytest.raises(InputError):
        run_search(3, runs=0)
    with pytest.raises(InputError):
        run_search(3, d=2)
    with pytest.raises(InputError):
        run_search(3, runs=2, lr=-1.0)
    with pytest.raises(InputError, match="n >= k"):
        run_search(3, n=2, runs=2)


# ---------------------------------------------------------------- symmetry and isotypic multiplicities


@settings(max_examples=20, deadline=None)
@given(sizes=st.lists(st.integers(1, 6), min_size=1, max_size=3), extra_rows=st.integers(0, 2))
def test_isotypic_dimensions_add_up(sizes, extra_rows):
    from landscape.population import isotypic_dimensions

    blocks = [(b if m > 1 else None, m) for b, m in enumerate(sizes)]
    rows = blocks + [(None, 1)] * extra_rows
    dims = isotypic_dimensions(rows, blocks)
    assert sum(dims) == (sum(sizes) + extra_rows) * sum(sizes)


def test_young_isotropy_of_known_points():
    from landscape.population import isotropy_label, young_isotropy

    assert isotropy_label(SADDLE_3, 3) == "S_3"
    a, b, c, e = 1.0, -0.02, 0.2, -0.7
    W = np.full((5, 5), b)
    W[np.arange(4), np.arange(4)] = a
    W[:4, 4], W[4, :4], W[4, 4] = c, 0.14, e
    assert isotropy_label(W, 5) == "S_4 x S_1"
    rng = np.random.default_rng(11)
    P, S = rng.permutation(5), rng.permutation(5)
    assert isotropy_label(W[P][:, S], 5) == "S_4 x S_1"  # conjugate points, same type
    assert young_isotropy(W, 5)[1].count((None, 1)) == 1
    assert isotropy_label(rng.normal(size=(4, 4)), 4) == "S_1 x S_1 x S_1 x S_1"


@pytest.mark.slow
def test_literature_checks_pass():
    from landscape.population import check_global_minimum_eigenvalue, check_spurious_share

    assert check_global_minimum_eigenvalue(6)["passed"]
    out = check_spurious_share(10, runs=200, seed=0)
    assert out["passed"], out


def test_ball_products_enclose_exact_products():
    # exact rational products against the float enclosure, with random radii
    from fractions import Fraction

    from landscape.population.balls import matmul

    rng = np.random.default_rng(12)
    M1, M2 = rng.normal(size=(5, 7)), rng.normal(size=(7, 3)) * 1e3
    R1, R2 = np.abs(rng.normal(size=(5, 7))) * 1e-9, np.zeros((7, 3))
    C, R = matmul(M1, R1, M2, R2)
    for i in range(5):
        for j in range(3):
            for signs in (1, -1):  # the corners A = M1 +- R1 of the ball
                exact = sum((Fraction(M1[i, t]) + signs * Fraction(R1[i, t])) * Fraction(M2[t, j]) for t in range(7))
                assert abs(exact - Fraction(C[i, j])) <= Fraction(R[i, j])
