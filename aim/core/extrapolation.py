"""Finite-size extrapolation: a simulated quantity measured at several sizes d, fitted as
a + b / d by weighted least squares and extrapolated to d -> infinity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Extrapolation:
    """The fit y = intercept + slope / d: the intercept is the d -> infinity value, with a
    two-sided `level` confidence interval (Student t on the points' degrees of freedom; the
    covariance is scaled up by chi^2 / dof when the points scatter more than their standard
    errors say, never down). residuals are (y - fit) / standard error at each given size
    (NaN where a size had no mean or error and was not used)."""

    intercept: float
    slope: float
    ci_low: float
    ci_high: float
    chi2_per_dof: float
    residuals: np.ndarray
    covariance: np.ndarray

    @property
    def dof(self) -> int:
        """Degrees of freedom: sizes used - 2."""
        return int(np.isfinite(self.residuals).sum()) - 2

    @classmethod
    def from_dataset(cls, ds) -> Extrapolation:
        """The fit stored in a dataset's fit_* variables."""
        return cls(
            intercept=float(ds.fit_intercept),
            slope=float(ds.fit_slope),
            ci_low=float(ds.fit_ci_low),
            ci_high=float(ds.fit_ci_high),
            chi2_per_dof=float(ds.fit_chi2_per_dof),
            residuals=np.asarray(ds.fit_residual, float),
            covariance=np.asarray(ds.fit_covariance),
        )

    def predict(self, inverse_d: np.ndarray) -> np.ndarray:
        return self.intercept + self.slope * np.asarray(inverse_d)

    def band(self, inverse_d: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """Confidence band of the fitted line at the given 1/d."""
        basis = np.column_stack([np.ones_like(inverse_d), inverse_d])
        half = np.sqrt(np.einsum("ij,jk,ik->i", basis, self.covariance, basis))
        half = half * stats.t.ppf(0.5 + level / 2, self.dof)
        fit = self.predict(inverse_d)
        return fit - half, fit + half


def extrapolate(*, d, mean, standard_error, level: float = 0.95) -> Extrapolation:
    """Weighted least-squares fit of mean = a + b / d over the points with a finite mean
    and a positive standard error (at least three: the interval needs a degree of freedom)."""
    d, mean, sem = (np.asarray(v, float) for v in (d, mean, standard_error))
    use = np.isfinite(mean) & np.isfinite(sem) & (sem > 0)
    if use.sum() < 3:
        raise ValueError(f"need at least 3 sizes with a mean and a standard error, got {use.sum()}")
    x, y, w = 1.0 / d[use], mean[use], 1.0 / sem[use] ** 2
    basis = np.column_stack([np.ones_like(x), x])
    normal = basis.T @ (w[:, None] * basis)
    covariance = np.linalg.inv(normal)
    intercept, slope = covariance @ (basis.T @ (w * y))
    residuals = np.full(d.shape, np.nan)
    residuals[use] = (y - intercept - slope * x) / sem[use]
    dof = len(y) - 2
    chi2_per_dof = float(np.nansum(residuals**2) / dof)
    covariance = covariance * max(1.0, chi2_per_dof)
    half = stats.t.ppf(0.5 + level / 2, dof) * np.sqrt(covariance[0, 0])
    return Extrapolation(
        intercept=float(intercept),
        slope=float(slope),
        ci_low=float(intercept - half),
        ci_high=float(intercept + half),
        chi2_per_dof=chi2_per_dof,
        residuals=residuals,
        covariance=covariance,
    )
