import numpy as np
import pytest
from scipy.special import ndtr

from aim.bayes.channels import (
    DEFAULT_QUADRATURE,
    Hardmax,
    HardmaxQuadrature,
    hardmax_integrand,
    hardmax_mean_integrand,
    hardmax_mean_integrand_table,
)
from aim.bayes.state_evolution import (
    SolverSettings,
    hardmax_small_rho,
    hardmax_state_evolution,
    hardmax_weak_recovery,
)
from aim.core.gaussian import log_bivariate_normal_cdf, normal_pdf
from aim.core.spectral import mmse_S


def test_integrand_at_origin_in_closed_form():
    z_same = 0.25 + np.arcsin(1 / 3) / (2 * np.pi)  # Phi2(0, 0; +1/3)
    z_diff = 0.25 - np.arcsin(1 / 3) / (2 * np.pi)
    d = normal_pdf(0.0) * 0.5
    assert hardmax_integrand(0.0, 0.0, "exact") == pytest.approx(
        d * d * (2 * 8 / z_same + 2 * 4 / z_diff), rel=1e-13
    )
    phi2 = 1 / (2 * np.pi * np.sqrt(8 / 9))
    assert hardmax_integrand(0.0, 0.0, "published") == pytest.approx(
        phi2 * phi2 * (2 * 8 / z_same + 2 * 4 / z_diff), rel=1e-13
    )


def test_weak_recovery_thresholds():
    assert hardmax_weak_recovery("exact") == pytest.approx(0.4034106, abs=1e-6)
    assert hardmax_weak_recovery("published") == pytest.approx(0.5632675, abs=1e-6)


@pytest.mark.parametrize(
    "variant, expected",
    [("published", [0.628, 0.440, 0.235]), ("exact", [0.374, 0.168, 0.040])],
)
def test_reference_mmse_rho_half(variant, expected):
    result = hardmax_state_evolution(alpha=[0.3, 0.6, 1.5], rho=0.5, variant=variant)
    assert result.converged.all()
    np.testing.assert_allclose(result.mmse, expected, atol=1e-3)
    # a true fixed point of the prior equation, not merely a stopped iteration
    np.testing.assert_allclose(mmse_S(delta=1 / result.q_hat, rho=0.5), result.mmse, atol=1e-8)


def _log_likelihood(s1, s2, omega, V):
    """log P(labels s | omega, V) straight from the definition of the channel."""
    r = np.sqrt(3 * V)
    k1 = s1 * (omega[..., 0] - omega[..., 2]) / r
    k2 = s2 * (omega[..., 1] - omega[..., 2]) / r
    return log_bivariate_normal_cdf(k1, k2, corr=s1 * s2 / 3)


def test_exact_output_term_matches_monte_carlo():
    # Sample the generative process: omega ~ N(0, q C), h = omega + noise of variance
    # (2V, 2V, V), labels from h; G = grad_omega log Z by central differences of the
    # likelihood (independent of the closed-form derivative). 4 standard errors.
    rng = np.random.default_rng(3)
    q, V, n = 0.9, 0.6, 200_000
    sd = np.sqrt([2.0, 2.0, 1.0])
    omega = rng.standard_normal((n, 3)) * sd * np.sqrt(q)  # (w11, w22, w12)
    h = omega + rng.standard_normal((n, 3)) * sd * np.sqrt(V)
    s1 = np.where(h[:, 0] > h[:, 2], 1.0, -1.0)
    s2 = np.where(h[:, 1] > h[:, 2], 1.0, -1.0)
    eps = 1e-5
    grads = []
    for j in range(3):
        step = np.zeros(3)
        step[j] = eps
        grads.append(
            (_log_likelihood(s1, s2, omega + step, V) - _log_likelihood(s1, s2, omega - step, V))
            / (2 * eps)
        )
    g11, g22, g12 = grads
    sample = 2 * g11**2 + 2 * g22**2 + g12**2
    mc, err = sample.mean(), sample.std() / np.sqrt(n)
    assert abs(Hardmax(variant="exact").output_term(q=q, Q0=q + V) - mc) < 4 * err


def test_exact_integrand_uses_the_true_derivative_and_published_does_not():
    # Finite-difference derivatives of log Z for one label pattern vs the D's in F.
    k1, k2, c, eps = 0.4, -0.9, 1 / 3, 1e-6
    dz1 = (
        np.exp(log_bivariate_normal_cdf(k1 + eps, k2, corr=c))
        - np.exp(log_bivariate_normal_cdf(k1 - eps, k2, corr=c))
    ) / (2 * eps)
    exact_d1 = normal_pdf(k1) * ndtr((k2 - c * k1) / np.sqrt(1 - c * c))
    assert dz1 == pytest.approx(exact_d1, rel=1e-7)
    published_d1 = np.exp(-(k1**2 - 2 * c * k1 * k2 + k2**2) / (2 * (1 - c * c))) / (
        2 * np.pi * np.sqrt(1 - c * c)
    )
    assert abs(published_d1 / dz1 - 1) > 0.1


@pytest.mark.parametrize("variant", ["exact", "published"])
def test_quadrature_converged_in_node_count(variant):
    lam = np.array([0.05, 0.5, 0.99, 1.0, 3.0, 40.0, 1e3, 1e5, 1e8])
    base = hardmax_mean_integrand(lam, variant)
    finer = hardmax_mean_integrand(
        lam, variant, HardmaxQuadrature(step=0.04, n_sigma=14.0, hermite_nodes=48)
    )
    np.testing.assert_allclose(base, finer, rtol=1e-8)


@pytest.mark.parametrize("variant", ["exact", "published"])
def test_table_matches_direct_quadrature(variant):
    rng = np.random.default_rng(4)
    lam = np.exp(rng.uniform(np.log(1e-8), np.log(DEFAULT_QUADRATURE.lam_max), 25))
    np.testing.assert_allclose(
        hardmax_mean_integrand_table(lam, variant),
        hardmax_mean_integrand(lam, variant),
        rtol=5e-8,
    )


def test_large_overlap_tails():
    # Exact: the ridges at k = 0 give J ~ lam^(-1/2); published: F decays in both
    # directions, J ~ 1/lam. Checked on the table's last decade.
    lam = np.array([1e9, 1e10])
    for variant, power in (("exact", -0.5), ("published", -1.0)):
        j = hardmax_mean_integrand(lam, variant)
        assert np.log(j[1] / j[0]) / np.log(10) == pytest.approx(power, abs=1e-3)


def test_small_rho_limit_and_threshold():
    thr = hardmax_weak_recovery("exact")
    below = hardmax_small_rho(alpha_bar=[0.5 * thr, 0.99 * thr])
    np.testing.assert_array_equal(below.mmse, 1.0)
    above = hardmax_small_rho(alpha_bar=[1.2 * thr, 2.0, 5.0])
    assert np.all(above.mmse < 1) and above.converged.all()
    # finite rho approaches the rho -> 0 curve from below, closer for smaller rho
    for alpha_bar, limit in zip([2.0, 5.0], above.mmse[1:]):
        m05 = hardmax_state_evolution(alpha=[0.05 * alpha_bar], rho=0.05).mmse[0]
        m01 = hardmax_state_evolution(alpha=[0.01 * alpha_bar], rho=0.01).mmse[0]
        assert m05 < m01 < limit
        assert limit - m01 < 0.01


def test_non_convergence_is_flagged_not_hidden():
    result = hardmax_state_evolution(alpha=[0.6, 2.0], rho=0.5, settings=SolverSettings(max_iter=2))
    assert not result.converged.any()
    assert np.all(np.isfinite(result.mmse)) and np.all(result.iterations == 2)


def test_curve_is_monotone_and_exact_beats_published():
    alpha = np.logspace(np.log10(0.02), 1, 24)
    exact = hardmax_state_evolution(alpha=alpha, rho=0.5, variant="exact")
    published = hardmax_state_evolution(alpha=alpha, rho=0.5, variant="published")
    assert exact.converged.all() and published.converged.all()
    assert np.all(np.diff(exact.mmse) < 0)
    assert np.all(exact.mmse < published.mmse)  # the Bayes-optimal error is the smaller


def test_validation():
    with pytest.raises(ValueError, match="T = 2"):
        Hardmax(variant="exact", T=3)
    with pytest.raises(ValueError, match="variant"):
        Hardmax(variant="approximate")
    with pytest.raises(ValueError, match="alpha"):
        hardmax_state_evolution(alpha=[-0.1], rho=0.5)
    with pytest.raises(ValueError, match="rho"):
        hardmax_state_evolution(alpha=[0.1], rho=-0.5)
