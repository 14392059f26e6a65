"""Bayes-optimal estimation of S from noiseless labels that determine the (T^2 + T - 2) / 2
linear observations of every sequence (softmax at any temperature, arXiv:2506.01582): the
MMSE solves mmse_S(Delta) = x Delta, x = alpha (T^2 + T - 2), in closed form per point.
Shared by the bayes wing (its softmax state evolution) and the erm wing (its comparison)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from aim.core.spectral import mmse_S


def perfect_recovery_x(*, rho: float) -> float:
    """x_PR = alpha_PR (T^2 + T - 2): 2 rho - rho^2 for rho <= 1, else 1."""
    if rho < 0:
        raise ValueError(f"rho must be >= 0, got {rho}")
    return 1.0 if rho >= 1 else 2 * rho - rho * rho


def noiseless_mmse(x: float, *, rho: float, delta_range=(1e-12, 1e12)) -> tuple[float, bool]:
    """(MMSE, converged) at x: 1 at x <= 0, 0 from x_PR on, else x Delta with
    mmse_S(Delta) / Delta = x solved in log Delta."""
    if x <= 0:
        return 1.0, True
    if x >= perfect_recovery_x(rho=rho):
        return 0.0, True
    lo, hi = delta_range

    def gap(log_delta: float) -> float:
        delta = np.exp(log_delta)
        return mmse_S(delta=delta, rho=rho) / delta - x

    if gap(np.log(lo)) <= 0:  # closer to x_PR than the quadrature resolves
        return x * lo, True
    log_delta, info = brentq(gap, np.log(lo), np.log(hi), xtol=1e-13, full_output=True)
    return x * np.exp(log_delta), info.converged
