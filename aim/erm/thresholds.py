"""Thresholds of the ERM wing (arXiv:2509.24914, sec. 5), in alpha_bar = alpha (T^2 + T - 2)/2.

- interpolation (lambda -> 0+): below alpha_bar_interp the training set is fitted exactly;
- perfect recovery of the noiseless factorized model (nuclear-norm inductive bias), of the
  direct one (alpha_bar = 1/2: every entry of a symmetric matrix) and of the Bayes-optimal
  estimator (kappa0 - kappa0^2 / 2, arXiv:2506.01582).
Order: BO < PR factorized < interpolation (noise -> 0) < 1/2.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import NamedTuple

from scipy.optimize import brentq

from aim.core.noiseless import perfect_recovery_x
from aim.core.spectral import threshold_functionals
from aim.core.tokens import linear_observations


class Interpolation(NamedTuple):
    """alpha_bar_interp and the noise level delta_bar of the effective denoising problem."""

    alpha_bar: float
    delta_bar: float


def interpolation_noiseless(*, kappa0: float) -> float:
    """(1 + 2 kappa0 - kappa0^2) / 4 for kappa0 < 1, 1/2 above."""
    return 0.5 if kappa0 >= 1 else (1 + 2 * kappa0 - kappa0**2) / 4


def interpolating_noise(*, kappa0: float, noise: float, eps: float = 0.0) -> Interpolation:
    """The interpolating lambda -> 0+ student at threshold eps: delta solves
    Q0 + noise/2 = J(delta, eps) - (delta/2) dJ/ddelta - eps dJ/deps, and then
    alpha_bar = dJ/ddelta / (4 delta). The right side falls short of the left one at
    delta -> 0 (by noise/2 at eps = 0) and overtakes it as delta grows: a bracket is found by
    doubling. eps = 0 gives the interpolation threshold."""
    target = 1 + kappa0 + noise / 2

    def gap(delta):
        f = threshold_functionals(eps=eps, noise_std=delta, rho=kappa0)
        return f.J - delta * f.dJ_ddelta / 2 - eps * f.dJ_deps - target

    hi = 1.0
    while gap(hi) < 0:
        hi *= 2
        if hi > 1e6:
            raise ValueError(f"no interpolating student for noise={noise}, eps={eps}")
    lo = hi / 2
    while lo > 1e-12 and gap(lo) > 0:
        lo /= 2
    delta = brentq(gap, lo, hi, xtol=1e-14, rtol=1e-14)
    f = threshold_functionals(eps=eps, noise_std=delta, rho=kappa0)
    return Interpolation(f.dJ_ddelta / (4 * delta), delta)


@lru_cache(maxsize=64)  # every lambda -> 0+ point of a curve asks for the same threshold
def interpolation(*, kappa0: float, noise: float) -> Interpolation:
    """alpha_bar_interp and delta_bar (the closed form at noise = 0, where delta_bar = 0)."""
    if noise == 0:
        return Interpolation(interpolation_noiseless(kappa0=kappa0), 0.0)
    return interpolating_noise(kappa0=kappa0, noise=noise)


def semicircle_moment(c: float, k: int) -> float:
    """P_k(c) = (1 / 2 pi) int_{-2}^{c} sqrt(4 - t^2) t^k dt, k = 0, 1, 2, in closed form."""
    root, angle = math.sqrt(max(4 - c * c, 0.0)), 2 * math.asin(max(-1.0, min(1.0, c / 2)))
    integral = {
        0: c * root / 2 + angle + math.pi,
        1: -(root**3) / 3,
        2: c * (2 * c * c - 4) * root / 8 + angle + math.pi,
    }[k]
    return integral / (2 * math.pi)


def perfect_recovery_factorized(*, kappa0: float) -> float:
    """c solves c - (1 - kappa0)(c P_0(c) - P_1(c)) = 0 (a sign change on (-2, 2)); then
    alpha_bar_PR = 1/2 - (1/2)(1 - kappa0)^2 (P_2(c) - c P_1(c)); 1/2 for kappa0 >= 1."""
    if kappa0 >= 1:
        return 0.5
    P = semicircle_moment
    c = brentq(lambda c: c - (1 - kappa0) * (c * P(c, 0) - P(c, 1)), -2, 2, xtol=1e-14)
    return 0.5 - 0.5 * (1 - kappa0) ** 2 * (P(c, 2) - c * P(c, 1))


PERFECT_RECOVERY_DIRECT = 0.5


def bayes_optimal(*, kappa0: float) -> float:
    """kappa0 - kappa0^2 / 2 for kappa0 < 1, 1/2 above: the noiseless Bayes-optimal x_PR / 2."""
    return perfect_recovery_x(rho=kappa0) / 2


def thresholds(*, kappa0: float, noise: float, T: int) -> dict[str, float]:
    """Every threshold, in alpha_bar and (for interpolation) in alpha at T tokens."""
    interp = interpolation(kappa0=kappa0, noise=noise)
    return {
        "alpha_bar_interp": interp.alpha_bar,
        "delta_bar": interp.delta_bar,
        "alpha_interp": interp.alpha_bar / linear_observations(T),
        "alpha_bar_interp_noiseless": interpolation_noiseless(kappa0=kappa0),
        "alpha_bar_perfect_factorized": perfect_recovery_factorized(kappa0=kappa0),
        "alpha_bar_perfect_direct": PERFECT_RECOVERY_DIRECT,
        "alpha_bar_bayes": bayes_optimal(kappa0=kappa0),
    }
