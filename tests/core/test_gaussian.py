import mpmath as mp
import numpy as np
import pytest

from aim.core.gaussian import bivariate_normal_cdf, bivariate_normal_pdf, log_bivariate_normal_cdf

mp.mp.dps = 40


def _log_reference(h, k, rho):
    """log Phi2 by mpmath quadrature of phi(x) Phi((k - rho x)/s) up to min(h, k)."""
    h, k = sorted((mp.mpf(h), mp.mpf(k)))
    s = mp.sqrt(1 - mp.mpf(rho) ** 2)
    f = lambda x: mp.npdf(x) * mp.ncdf((k - mp.mpf(rho) * x) / s)  # noqa: E731
    return float(mp.log(mp.quad(f, [-mp.inf, h - 10, h - 3, h - 1, h - 0.3, h - 0.1, h])))


POINTS = [
    (h, k, rho)
    for h in (-30, -12, -5, -1.2, -0.3, 0.0, 0.4, 3, 7)
    for k in (-25, -9, -1, 0.0, 0.5, 6)
    for rho in (1 / 3, -1 / 3)
]


def test_log_cdf_matches_high_precision_quadrature_into_the_far_tails():
    # The tail branch resolves probabilities down to exp(-2000); the mpmath
    # reference is itself good to ~1e-9 there, so 1e-7 relative is a safe bound.
    h, k, rho = (np.array(v, float) for v in zip(*POINTS))
    for r in (1 / 3, -1 / 3):
        sel = rho == r
        ours = log_bivariate_normal_cdf(h[sel], k[sel], corr=r)
        ref = np.array([_log_reference(a, b, r) for a, b in zip(h[sel], k[sel])])
        np.testing.assert_allclose(np.expm1(ours - ref), 0, atol=1e-7)


def test_cdf_at_origin_and_symmetries():
    for rho in (1 / 3, -1 / 3):
        assert bivariate_normal_cdf(0.0, 0.0, corr=rho) == pytest.approx(
            0.25 + np.arcsin(rho) / (2 * np.pi), abs=1e-15
        )
    rng = np.random.default_rng(0)
    h, k = rng.normal(size=(2, 200)) * 3
    # Phi2(h, k) + Phi2(h, -k; -rho) = Phi(h): exact identity of the distribution.
    from scipy.special import ndtr

    total = bivariate_normal_cdf(h, k, corr=1 / 3) + bivariate_normal_cdf(h, -k, corr=-1 / 3)
    np.testing.assert_allclose(total, ndtr(h), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        bivariate_normal_cdf(h, k, corr=1 / 3), bivariate_normal_cdf(k, h, corr=1 / 3), rtol=1e-13
    )


def test_density_is_the_mixed_derivative_of_the_cdf():
    h, k, eps = 0.3, -0.7, 1e-4
    mixed = (
        bivariate_normal_cdf(h + eps, k + eps, corr=1 / 3)
        - bivariate_normal_cdf(h + eps, k - eps, corr=1 / 3)
        - bivariate_normal_cdf(h - eps, k + eps, corr=1 / 3)
        + bivariate_normal_cdf(h - eps, k - eps, corr=1 / 3)
    ) / (4 * eps * eps)
    assert mixed == pytest.approx(bivariate_normal_pdf(h, k, corr=1 / 3), rel=1e-6)
