"""Finite-size extrapolation against closed forms and numpy's own weighted fit."""

import numpy as np
import pytest
from scipy import stats

from aim.core.extrapolation import extrapolate

D = np.array([25, 50, 100, 200, 400])


def test_noise_free_points_give_the_line_back():
    fit = extrapolate(d=D, mean=0.3 + 2.0 / D, standard_error=np.full(5, 0.01))
    assert fit.intercept == pytest.approx(0.3, abs=1e-12)
    assert fit.slope == pytest.approx(2.0, abs=1e-10)
    assert np.allclose(fit.residuals, 0, atol=1e-9)


def test_matches_numpys_weighted_polyfit_and_its_covariance():
    rng = np.random.default_rng(0)
    sem = np.array([0.02, 0.015, 0.01, 0.008, 0.006])
    y = 0.3 + 2.0 / D + sem * rng.standard_normal(5)
    fit = extrapolate(d=D, mean=y, standard_error=sem)
    (slope, intercept), cov = np.polyfit(1.0 / D, y, 1, w=1.0 / sem, cov="unscaled")
    assert (fit.intercept, fit.slope) == pytest.approx((intercept, slope), rel=1e-10)
    scale = max(1.0, fit.chi2_per_dof)
    half = stats.t.ppf(0.975, 3) * np.sqrt(cov[1, 1] * scale)
    assert (fit.ci_low, fit.ci_high) == pytest.approx((intercept - half, intercept + half))
    low, high = fit.band(np.array([0.0]))
    assert (low[0], high[0]) == pytest.approx((fit.ci_low, fit.ci_high))


def test_the_interval_covers_the_truth_about_95_percent_of_the_time():
    """400 synthetic experiments: coverage within 3 binomial standard deviations of 95%
    (or above: the chi^2 scaling only widens)."""
    rng = np.random.default_rng(1)
    sem = np.array([0.02, 0.015, 0.01, 0.008, 0.006])
    hits = 0
    for _ in range(400):
        fit = extrapolate(
            d=D, mean=0.3 + 2.0 / D + sem * rng.standard_normal(5), standard_error=sem
        )
        hits += fit.ci_low <= 0.3 <= fit.ci_high
    assert hits / 400 > 0.95 - 3 * np.sqrt(0.95 * 0.05 / 400)


def test_too_few_sizes_is_an_error():
    with pytest.raises(ValueError, match="at least 3 sizes"):
        extrapolate(d=[25, 50, 100], mean=[0.5, 0.4, np.nan], standard_error=[0.01, 0.01, 0.01])


def test_a_size_without_a_mean_is_left_out_and_its_residual_is_nan():
    mean = 0.3 + 2.0 / D
    mean[1] = np.nan
    fit = extrapolate(d=D, mean=mean, standard_error=np.full(5, 0.01))
    assert np.isnan(fit.residuals[1]) and np.allclose(np.delete(fit.residuals, 1), 0, atol=1e-9)
    assert fit.dof == 2 and fit.intercept == pytest.approx(0.3, abs=1e-12)
