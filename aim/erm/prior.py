"""Prior side of the ERM state evolution: what the weight penalty does to S given the
conjugate overlaps, for the two parameterisations of the student.

Both minimise (sigma_hat / 4) |S|^2 - S . B / 2 + penalty(S) with B = m_hat S0 + sqrt(q_hat) Z
(Z a GOE matrix). Factorized (S = W W^T / sqrt(p d), weight decay): PSD S, penalty
lambda_t Tr S, so S = eta ReLU(S0 + delta Z - eps) with delta = sqrt(q_hat) / m_hat,
eps = 2 lambda_t / m_hat, eta = m_hat / sigma_hat. Direct: symmetric S, penalty
lambda |S|_F^2, so S = B / c with c = sigma_hat + 4 lambda (linear shrinkage).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from aim.core.spectral import threshold_functionals


@dataclass(frozen=True)
class PriorSide:
    """Overlaps of the penalised estimate: q = |S|^2/d, m = S . S0 / d, sigma (its response
    to the field), the penalised minimum `value` (per d^2, the prior's part of the train
    loss) and the fraction of non-zero eigenvalues `rank`."""

    q: float
    m: float
    sigma: float
    value: float
    rank: float


class Spectrum(NamedTuple):
    """The weight-decay estimate's eigenvalues are eta (x - eps)_+ with x ~ mu_delta, the law
    of S0 + delta Z."""

    delta: float
    eps: float
    eta: float


def factorized_spectrum(*, q_hat: float, m_hat: float, sigma_hat: float, lam: float) -> Spectrum:
    """delta = sqrt(q_hat) / m_hat, eps = 2 lam / m_hat, eta = m_hat / sigma_hat."""
    return Spectrum(np.sqrt(q_hat) / m_hat, 2 * lam / m_hat, m_hat / sigma_hat)


def factorized(
    *, q_hat: float, m_hat: float, sigma_hat: float, lam: float, kappa0: float
) -> PriorSide:
    """q = eta^2 J, m = eta J - sqrt(q_hat) dJ/ddelta / (2 sigma_hat) - lam dJ/deps / sigma_hat,
    sigma = m_hat dJ/ddelta / (2 sqrt(q_hat) sigma_hat), value = -m_hat^2 J / (4 sigma_hat)."""
    delta, eps, eta = factorized_spectrum(q_hat=q_hat, m_hat=m_hat, sigma_hat=sigma_hat, lam=lam)
    f = threshold_functionals(eps=eps, noise_std=delta, rho=kappa0)
    return PriorSide(
        q=eta**2 * f.J,
        m=eta * f.J - np.sqrt(q_hat) * f.dJ_ddelta / (2 * sigma_hat) - lam * f.dJ_deps / sigma_hat,
        sigma=m_hat * f.dJ_ddelta / (2 * np.sqrt(q_hat) * sigma_hat),
        value=-(m_hat**2) * f.J / (4 * sigma_hat),
        rank=1 - f.cdf,
    )


def direct(*, q_hat: float, m_hat: float, sigma_hat: float, lam: float, kappa0: float) -> PriorSide:
    """q = (m_hat^2 Q0 + q_hat) / c^2, m = m_hat Q0 / c, sigma = 1 / c,
    value = -(m_hat^2 Q0 + q_hat) / (4 c); full rank."""
    Q0 = 1 + kappa0
    c = sigma_hat + 4 * lam
    power = m_hat**2 * Q0 + q_hat
    return PriorSide(
        q=power / c**2, m=m_hat * Q0 / c, sigma=1 / c, value=-power / (4 * c), rank=1.0
    )


PRIORS = {"factorized": factorized, "direct": direct}
