"""Bayes-optimal state evolution of the attention-indexed model.

The fixed point couples the prior (matrix denoising) and the output channel:
    q = Q0 - mmse_S(1 / q_hat),   q_hat = channel.q_hat(alpha, q, Q0),   MMSE = Q0 - q.
The solver iterates on the MMSE from the uninformed value 1, vectorised over alpha.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aim.bayes.channels import Hardmax, Softmax, x_per_alpha
from aim.core.fixed_point import SolverSettings, iterate
from aim.core.noiseless import noiseless_mmse
from aim.core.spectral import mmse_S


@dataclass(kw_only=True)
class FixedPoint:
    """State-evolution result on an alpha grid (arrays of the grid's shape)."""

    alpha: np.ndarray
    mmse: np.ndarray
    q: np.ndarray
    q_hat: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    method: str
    settings: dict = field(default_factory=dict)


def teacher_norm(*, rho: float) -> float:
    """Q0 = lim Tr(S^2) / d."""
    return 1.0 + rho


def _check_grid(alpha, name: str = "alpha") -> np.ndarray:
    a = np.atleast_1d(np.asarray(alpha, dtype=float))
    if np.any(~np.isfinite(a)) or np.any(a < 0):
        raise ValueError(f"{name} must be finite and >= 0")
    return a


def _check_rho(rho: float) -> None:
    if not (rho > 0 and np.isfinite(rho)):
        raise ValueError(f"rho must be positive and finite, got {rho}")


def solve_fixed_point(
    channel, *, alpha, rho: float, settings: SolverSettings = SolverSettings()
) -> FixedPoint:
    """Damped iteration m <- mmse_S(1 / q_hat(Q0 - m)) from m = 1, for every alpha."""
    alpha = _check_grid(alpha)
    _check_rho(rho)
    Q0 = teacher_norm(rho=rho)

    def update(idx, m):
        q_hat = channel.q_hat(alpha=alpha[idx], q=Q0 - m, Q0=Q0)
        with np.errstate(divide="ignore"):
            return mmse_S(delta=np.where(q_hat > 0, 1.0 / q_hat, np.inf), rho=rho)

    m, converged, iterations = iterate(update, np.ones_like(alpha), settings)
    q = Q0 - m
    return FixedPoint(
        alpha=alpha,
        mmse=m,
        q=q,
        q_hat=channel.q_hat(alpha=alpha, q=q, Q0=Q0),
        converged=converged,
        iterations=iterations,
        method="iteration",
        settings=vars(settings).copy(),
    )


# --- softmax: closed form ---------------------------------------------------------------


def softmax_state_evolution(*, alpha, T: int, rho: float, beta: float = 1.0) -> FixedPoint:
    """Closed-form softmax SE: mmse_S(Delta) = x Delta, x = alpha (T^2 + T - 2).

    Solved as a scalar equation in log Delta; MMSE = 0 from x_PR on. rho = inf gives the
    line MMSE = 1 - x.
    """
    Softmax(T=T, beta=beta)  # validates T and beta
    alpha = _check_grid(alpha)
    x = alpha * x_per_alpha(T)
    if np.isinf(rho):
        m, ok = np.clip(1 - x, 0, None), np.ones(x.shape, bool)
        q, q_hat = np.full(x.shape, np.inf), np.full(x.shape, np.inf)
        return FixedPoint(
            alpha=alpha,
            mmse=m,
            q=q,
            q_hat=q_hat,
            converged=ok,
            iterations=np.zeros(x.shape, int),
            method="closed_form",
        )
    _check_rho(rho)
    solved = [noiseless_mmse(float(v), rho=rho) for v in x]
    m = np.array([s[0] for s in solved])
    ok = np.array([s[1] for s in solved])
    Q0 = teacher_norm(rho=rho)
    with np.errstate(divide="ignore"):
        q_hat = np.where(m > 0, x / np.where(m > 0, m, 1), np.inf)
    return FixedPoint(
        alpha=alpha,
        mmse=m,
        q=Q0 - m,
        q_hat=q_hat,
        converged=ok,
        iterations=np.zeros(x.shape, int),
        method="closed_form",
    )


def softmax_small_rho(*, alpha_bar, T: int) -> np.ndarray:
    """rho -> 0 at fixed alpha_bar = alpha / rho: 1, then 4 u (1 - u), then 0."""
    u = _check_grid(alpha_bar, "alpha_bar") * x_per_alpha(T) / 2
    return np.where(u <= 0.5, 1.0, np.where(u <= 1.0, 4 * u * (1 - u), 0.0))


def softmax_small_rho_thresholds(*, T: int) -> dict[str, float]:
    """alpha_bar of weak (u = 1/2) and perfect (u = 1) recovery as rho -> 0."""
    k = x_per_alpha(T)
    return {"alpha_bar_weak": 1.0 / k, "alpha_bar_perfect": 2.0 / k}


# --- hardmax ------------------------------------------------------------------------------


def hardmax_state_evolution(
    *, alpha, rho: float, variant: str = "exact", settings: SolverSettings = SolverSettings()
) -> FixedPoint:
    """Hardmax (T = 2) SE curve by fixed-point iteration."""
    return solve_fixed_point(Hardmax(variant=variant), alpha=alpha, rho=rho, settings=settings)


def hardmax_weak_recovery(variant: str = "exact") -> float:
    """alpha_bar_c = 1 / (2 E_out(0; Q = 1)): where q = 0 stops being stable as rho -> 0."""
    return float(1.0 / (2.0 * Hardmax(variant=variant).output_term(q=0.0, Q0=1.0)))


def hardmax_small_rho(
    *, alpha_bar, variant: str = "exact", settings: SolverSettings = SolverSettings()
) -> FixedPoint:
    """rho -> 0 hardmax SE at fixed alpha_bar = alpha / rho (spiked prior with BBP).

    q <- (1 - Delta_bar)^2 if Delta_bar < 1 else 0, Delta_bar = 1 / (2 alpha_bar E_out(q; 1)),
    iterated from q = 0, which is a fixed point only below the weak-recovery threshold.
    """
    alpha_bar = _check_grid(alpha_bar, "alpha_bar")
    channel = Hardmax(variant=variant)

    def update(idx, q):
        with np.errstate(divide="ignore"):
            delta_bar = 1.0 / (2 * alpha_bar[idx] * channel.output_term(q=q, Q0=1.0))
        return np.where(delta_bar < 1, (1 - delta_bar) ** 2, 0.0)

    q, converged, iterations = iterate(update, np.zeros_like(alpha_bar), settings)
    q_hat = 2 * alpha_bar * channel.output_term(q=q, Q0=1.0)
    return FixedPoint(
        alpha=alpha_bar,
        mmse=1 - q,
        q=q,
        q_hat=q_hat,
        converged=converged,
        iterations=iterations,
        method="iteration",
        settings=vars(settings).copy(),
    )
