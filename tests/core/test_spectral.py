import numpy as np
import pytest
from scipy.integrate import quad

from aim.core.spectral import (
    QUAD_NODES,
    learned_spectrum,
    mmse_S,
    rie_denoise,
    spectral_quadrature,
    support,
    threshold_functionals,
    upper_bulk_mass,
)
from aim.core.tokens import sample_goe, sample_teacher

# (0.1, 1.5386743352234669): the two intervals just merged, where the discriminant has a
# near-double root (an AMP run met it; the support search failed there before).
CASES = [
    (0.5, 0.5),
    (0.5, 0.01),
    (0.1, 1e-4),
    (0.05, 0.2),
    (1.0, 1e-3),
    (2.0, 0.5),
    (0.5, 3.0),
    (0.1, 1.5386743352234669),
]


@pytest.mark.parametrize("rho, delta", CASES)
def test_density_moments(rho, delta):
    # Exact moments of S + sqrt(Delta) Z; Gauss-Legendre in the edge angle is spectrally
    # accurate, 1e-10 leaves room over the observed 1e-14.
    q = spectral_quadrature(delta=delta, rho=rho)
    mass = q.w * q.mu
    assert mass.sum() == pytest.approx(1.0, abs=1e-10)
    assert (mass * q.x).sum() == pytest.approx(np.sqrt(rho), abs=1e-10)
    assert (mass * q.x**2).sum() == pytest.approx(1 + rho + delta, abs=1e-10)


def test_support_and_mass_across_the_merger_of_its_intervals():
    """Around the Delta where the two intervals merge the density has a deep dip; the
    quadrature cuts there. Mass within 1e-10 on a dense grid (observed: 5e-12)."""
    for rho in (0.05, 0.1, 0.3, 0.5):
        for delta in np.geomspace(1e-3, 50, 400):
            assert 1 <= len(support(delta=delta, rho=rho)) <= 2
            q = spectral_quadrature(delta=delta, rho=rho)
            assert np.sum(q.w * q.mu) == pytest.approx(1.0, abs=1e-10)


def test_support_splits_in_two_only_for_rho_below_one_and_small_delta():
    assert len(support(delta=0.01, rho=0.5)) == 2
    assert len(support(delta=0.5, rho=0.5)) == 1
    assert len(support(delta=0.01, rho=2.0)) == 1
    (lo, hi), _ = support(delta=1e-4, rho=0.1)  # the zero modes: semicircle of radius 2 sqrt(Delta)
    assert (lo, hi) == pytest.approx((-2e-2 * np.sqrt(0.9), 2e-2 * np.sqrt(0.9)), rel=0.05)


@pytest.mark.parametrize(
    "delta, rho, expected", [(0.5, 0.5, 0.24926), (0.5, 2.0, 0.30961), (3.0, 0.5, 0.67941)]
)
def test_mmse_reference_values(delta, rho, expected):
    assert mmse_S(delta=delta, rho=rho) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("rho", [0.1, 0.5, 2.0])
def test_mmse_small_delta_slope(rho):
    # mmse_S ~ (2 rho - rho^2) Delta for rho <= 1, Delta for rho >= 1; the correction is
    # O(Delta), so at Delta = 1e-6 the ratio is within 1e-5.
    slope = 2 * rho - rho**2 if rho <= 1 else 1.0
    assert mmse_S(delta=1e-6, rho=rho) / 1e-6 == pytest.approx(slope, rel=1e-5)


def test_mmse_large_delta_and_monotone():
    deltas = np.logspace(-3, 4, 30)
    values = mmse_S(delta=deltas, rho=0.5)
    assert np.all(np.diff(values) > 0)
    assert 1 - values[-1] == pytest.approx(0, abs=1e-3)
    assert mmse_S(delta=np.inf, rho=0.5) == 1.0
    assert mmse_S(delta=0.0, rho=0.5) == 0.0


def test_mmse_converged_in_node_count():
    for rho, delta in CASES:
        assert mmse_S(delta=delta, rho=rho, nodes=192) == pytest.approx(
            mmse_S(delta=delta, rho=rho, nodes=384), abs=1e-9
        )


def test_bad_arguments_rejected():
    with pytest.raises(ValueError, match="Delta"):
        mmse_S(delta=-0.1, rho=0.5)
    with pytest.raises(ValueError, match="rho"):
        mmse_S(delta=0.1, rho=0.0)


@pytest.mark.parametrize("rho, delta", [(0.5, 0.01), (2.0, 0.5)])
def test_density_matches_sampled_spectrum(rho, delta):
    # Kolmogorov distance between the limit law and d = 800 eigenvalues: O(1/d) for
    # eigenvalue rigidity; 0.02 is ~3x the observed value.
    d = 800
    rng = np.random.default_rng(1)
    y = sample_teacher(d=d, rho=rho, rng=rng) + np.sqrt(delta) * sample_goe(d=d, rng=rng)
    eig = np.sort(np.linalg.eigvalsh(y))
    q = spectral_quadrature(delta=delta, rho=rho)
    order = np.argsort(q.x)
    cdf = np.interp(eig, q.x[order], np.cumsum((q.w * q.mu)[order]))
    assert np.max(np.abs(cdf - np.arange(1, d + 1) / d)) < 0.02


@pytest.mark.parametrize("rho, delta", [(0.5, 0.5), (2.0, 0.2), (0.5, 0.05)])
def test_rie_reaches_mmse_on_sampled_instances(rho, delta):
    # d = 300, mean of 3 draws: finite-size bias and spread are ~1% here; allow 3%.
    d = 300
    errors = []
    for seed in range(3):
        rng = np.random.default_rng(seed)
        s = sample_teacher(d=d, rho=rho, rng=rng)
        s_hat = rie_denoise(s + np.sqrt(delta) * sample_goe(d=d, rng=rng), delta=delta, rho=rho)
        errors.append(np.sum((s_hat - s) ** 2) / d)
    assert np.mean(errors) == pytest.approx(mmse_S(delta=delta, rho=rho), rel=0.03)


def test_teacher_facts():
    rng = np.random.default_rng(2)
    s = sample_teacher(d=400, rho=0.5, rng=rng)
    assert np.trace(s) / 400 == pytest.approx(np.sqrt(0.5), rel=0.02)
    assert np.sum(s * s) / 400 == pytest.approx(1.5, rel=0.02)
    assert np.linalg.matrix_rank(s) == 200


# --- functionals above a threshold (the spectral side of the ERM state evolution) ---------


def test_threshold_functionals_reference_value():
    # erm-theory.md: dJ/ddelta = 1.19087 at kappa0 = 0.5, delta = 1, eps = 0.3 (a finite
    # difference there gives 1.19086); five digits quoted, so 1e-5.
    f = threshold_functionals(eps=0.3, noise_std=1.0, rho=0.5)
    assert f.dJ_ddelta == pytest.approx(1.19087, abs=1e-5)


@pytest.mark.parametrize("rho, std, eps", [(0.5, 1.0, 0.3), (0.2, 0.3, 0.8), (2.0, 0.5, 1.5)])
def test_threshold_derivatives_match_finite_differences(rho, std, eps):
    # Central differences with h = 1e-4 carry O(h^2) = 1e-8 truncation error; the
    # quadrature is spectrally accurate, so 1e-7 relative is a safe bound.
    h = 1e-4
    f = threshold_functionals(eps=eps, noise_std=std, rho=rho)
    J = lambda e, s: threshold_functionals(eps=e, noise_std=s, rho=rho).J  # noqa: E731
    assert f.dJ_deps == pytest.approx((J(eps + h, std) - J(eps - h, std)) / (2 * h), rel=1e-7)
    assert f.dJ_ddelta == pytest.approx((J(eps, std + h) - J(eps, std - h)) / (2 * h), rel=1e-7)


def test_threshold_functionals_below_the_support_are_the_moments():
    # eps below every eigenvalue: J = m2 - 2 eps m1 + eps^2 with m1 = sqrt(rho) and
    # m2 = 1 + rho + delta^2, dJ/deps = -2 (m1 - eps), dJ/ddelta = 2 delta, CDF = 0.
    rho, std, eps = 0.5, 0.7, -10.0
    f = threshold_functionals(eps=eps, noise_std=std, rho=rho)
    m1, m2 = np.sqrt(rho), 1 + rho + std**2
    assert f.J == pytest.approx(m2 - 2 * eps * m1 + eps**2, rel=1e-12)
    assert f.dJ_deps == pytest.approx(-2 * (m1 - eps), rel=1e-12)
    assert f.dJ_ddelta == pytest.approx(2 * std, rel=1e-10)
    assert f.cdf == pytest.approx(0.0, abs=1e-12)
    above = threshold_functionals(eps=50.0, noise_std=std, rho=rho)
    assert above == (0.0, 0.0, 0.0, 1.0)


def test_threshold_functionals_converge_under_node_doubling():
    one = threshold_functionals(eps=0.3, noise_std=1.0, rho=0.5)
    two = threshold_functionals(eps=0.3, noise_std=1.0, rho=0.5, nodes=2 * QUAD_NODES)
    np.testing.assert_allclose(one, two, rtol=1e-10, atol=1e-12)


def test_threshold_functionals_match_the_eigenvalues_of_a_large_sample():
    # S0 + delta Z at d = 1500: finite-d fluctuations of these linear statistics are
    # O(1/d) and the kink adds O(d^-1) bias; 2e-2 relative is several times the observed.
    rng = np.random.default_rng(7)
    d, rho, std, eps = 1500, 0.5, 0.6, 0.4
    lam = np.linalg.eigvalsh(sample_teacher(d=d, rho=rho, rng=rng) + std * sample_goe(d=d, rng=rng))
    f = threshold_functionals(eps=eps, noise_std=std, rho=rho)
    above = np.clip(lam - eps, 0, None)
    assert f.J == pytest.approx(np.mean(above**2), rel=2e-2)
    assert f.dJ_deps == pytest.approx(-2 * np.mean(above), rel=2e-2)
    assert f.cdf == pytest.approx(np.mean(lam <= eps), abs=2e-2)


def test_a_separated_top_bulk_keeps_the_teachers_rank():
    # rho < 1: S0 has an atom of mass 1 - rho at 0 and a bulk of mass rho; a small noise
    # splits the support, and free convolution keeps each separated component's mass.
    assert upper_bulk_mass(noise_std=0.1, rho=0.2) == pytest.approx(0.2, abs=1e-10)
    assert upper_bulk_mass(noise_std=1.0, rho=0.5) is None  # one interval


def test_learned_spectrum_is_a_law_with_the_predicted_mean():
    # atom + integral of the density = 1, and the mean eta int (x - eps)_+ mu = -eta dJ/deps / 2;
    # scipy's adaptive quad against our Gauss rules: both converge far below 1e-9.
    eps, eta, std, rho = 0.3, 1.7, 1.0, 0.5
    atom, _ = learned_spectrum([1.0], eps=eps, eta=eta, noise_std=std, rho=rho)
    top = eta * (support(delta=std**2, rho=rho)[-1][1] - eps)

    def density(y):
        return learned_spectrum([y], eps=eps, eta=eta, noise_std=std, rho=rho)[1][0]

    assert atom + quad(density, 0, top, limit=200)[0] == pytest.approx(1.0, abs=1e-9)
    mean = quad(lambda y: y * density(y), 0, top, limit=200)[0]
    dj_deps = threshold_functionals(eps=eps, noise_std=std, rho=rho).dJ_deps
    assert mean == pytest.approx(-eta * dj_deps / 2, rel=1e-9)
    assert learned_spectrum([-1.0, 0.0], eps=eps, eta=eta, noise_std=std, rho=rho)[1].tolist() == [
        0.0,
        0.0,
    ]
