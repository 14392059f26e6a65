"""GAMP-RIE: approximate message passing for the attention-indexed model.

Sample mu, z-entry k = (a <= b) carries the sensing matrix U_k with <U_k, S> = z_k:
U_aa = (x_a x_a^T - I) / sqrt(d), U_ab = (x_a x_b^T + x_b x_a^T) / sqrt(2 d).
TokenSensing runs both contractions with U over the tokens x of shape (n, T, d) and never
forms U (DenseSensing does, as the naive reference for tests and benchmarks):

    <U, S_hat>        = tau * h(x, S_hat)                            (n, K)
    sum_mu,k g_k U_k  = X^T W X - (sum g_aa / sqrt(d)) I              (d, d)

with X = x as (n T, d) rows and W_mu the symmetric T x T matrix of g_k / (tau_k sqrt(d)).
Both are one (n T, d) x (d, d) matrix product: O(n T d^2) flops, O(n T d) memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from aim.core.fixed_point import SolverSettings, stationary
from aim.core.spectral import mmse_S, rie_denoise
from aim.core.tokens import attention_indices, to_z, triangle, z_scale
from aim.core.validation import choice, integer, number

MIN_PRECISION = 1e-8  # A below this (Delta > 5e7) means the messages carry no information
# A posterior mean obeys ||S_hat||^2 / d <= E[||S||^2 | y] / d ~ 1 + rho: far above it, AMP
# diverged.
MAX_NORM_FACTOR = 100.0
# Predicted and measured errors may differ by this fraction of the larger plus 1/d: at
# d = 100-150 the measured error of a sound run scatters by 5-7% over draws and sits up to
# 10% above the state evolution (finite d); near perfect recovery both are O(1/d).
CONSISTENCY_REL = 0.25
DAMPING_STARTS = ("auto", "second")
# A retried step halves the step size 1 - damping, down to 1 - MAX_DAMPING; each accepted step
# lets it grow back by STEP_REGROWTH, up to the configured damping's.
MAX_DAMPING = 0.95
STEP_REGROWTH = 1.25


def consistent(*, mse: float, predicted: float, d: int) -> bool:
    """Whether AMP's own predicted error C_hat tells the truth about the measured one:
    |mse - C_hat| <= CONSISTENCY_REL max(mse, C_hat) + 1 / d."""
    return bool(abs(mse - predicted) <= CONSISTENCY_REL * max(mse, predicted) + 1.0 / d)


@dataclass(frozen=True)
class AmpSettings(SolverSettings):
    """Damping of (omega, V), stopping tolerance on ||S_new - S_hat||_F^2 / d, cap.

    For a channel whose labels fix the scale of S (softmax) damping acts from the second
    iteration on: undamped, the early steps overshoot and the iterate settles away from
    the teacher near perfect recovery. For a scale-invariant channel (hardmax: y does not
    change under S -> lambda S) only the prior restores the scale of S_hat, and damping
    from the start overshoots that scale; there damping engages at the first iteration
    whose step exceeds the previous one, which suppresses the later period-2 oscillation.
    `damping_start` overrides that rule: "second" damps every channel from the second
    iteration on (the authors' published hardmax AMP, which never settles, lands nearer
    their dots at rho = 0.5 and 1 so, but far off at rho = 0.1); "auto" keeps the channel's
    rule.

    Overshoot guard (softmax, damped steps): a posterior mean obeys Pythagoras,
    ||S_hat||^2 / d = E||S||^2 / d - mmse = 1 + rho - C_hat, so a step whose estimate is
    longer than norm_bound (1 + rho - C_hat) overshot (at small alpha d the noise of R is far
    from the semicircle the RIE assumes, and the RIE passes its outlying eigenvalues almost
    unshrunk). It is retried with half the step size 1 - damping; accepted steps let the
    step size grow back; a retry counts against max_iter. inf switches the guard off. Not
    for hardmax, whose scale only the prior restores: there more damping makes the error
    creep back (on the default grid the guard fired in 5 of 320 runs and left 4 fewer
    consistent).

    Converged: the step fell below tol, or the iterate is stationary up to its own
    fluctuations. At finite d a run can settle into a small limit cycle around its fixed
    point (steps of 1e-3 at d = 100) that no step tolerance accepts; stationary means both
    the self-overlap ||S_hat||_F^2 / d and the predicted error C_hat, averaged over the last
    `window` iterations, moved by less than drift_tol plus twice the standard error of that
    difference. A run still approaching its fixed point (near perfect recovery C_hat shrinks
    by a few % per iteration while the norm of S_hat barely moves) is not stationary.
    """

    damping: float = 0.5
    tol: float = 1e-5
    max_iter: int = 100
    window: int = 10
    drift_tol: float = 1e-4
    damping_start: str = "auto"
    norm_bound: float = 1.5

    def __post_init__(self) -> None:
        super().__post_init__()
        integer(self.window, name="window", lo=1)
        number(self.drift_tol, name="drift_tol", lo=0, lo_open=True)
        choice(self.damping_start, name="damping_start", options=DAMPING_STARTS)
        if self.norm_bound != math.inf:
            number(self.norm_bound, name="norm_bound", lo=1)


@dataclass
class AmpResult:
    """Final estimate and per-iteration trace (mse is NaN when no teacher was given).

    `diverged`: the precision left (1e-8, inf) or the estimate's norm grew past any
    posterior mean's (||S_hat||^2 / d > MAX_NORM_FACTOR (1 + rho)); the run stopped there."""

    estimate: np.ndarray
    converged: bool
    diverged: bool
    trace: dict[str, np.ndarray] = field(repr=False)

    @property
    def iterations(self) -> int:
        return len(self.trace["step"])

    def _last(self, name: str) -> float:
        values = self.trace[name]
        return float(values[-1]) if len(values) else np.nan

    @property
    def mse(self) -> float:
        return self._last("mse")

    @property
    def predicted_mse(self) -> float:
        return self._last("predicted_mse")

    @property
    def consistent(self) -> bool | None:
        """Predicted and measured error agree (`consistent`); None without a teacher."""
        if np.isnan(self.mse):
            return None
        return consistent(mse=self.mse, predicted=self.predicted_mse, d=len(self.estimate))

    @property
    def counts(self) -> bool:
        """A run whose error a figure may average: not diverged, predicted = measured."""
        return not self.diverged and bool(self.consistent)


class TokenSensing:
    """<U, S> and sum g U through the tokens: O(n T d^2) flops, O(n T d) memory."""

    def __init__(self, x: np.ndarray):
        self.x = x

    def overlaps(self, S: np.ndarray) -> np.ndarray:
        """<U_k, S> for every sample and z-entry: (n, K)."""
        return to_z(attention_indices(self.x, S))

    def adjoint(self, g: np.ndarray) -> np.ndarray:
        """sum_mu sum_k g_mu,k U_mu,k for g of shape (n, K): a symmetric (d, d) matrix."""
        n, T, d = self.x.shape
        rows, cols = triangle(T)
        w = np.zeros((n, T, T))
        w[:, rows, cols] = g / (z_scale(T) * math.sqrt(d))
        w[:, cols, rows] = w[:, rows, cols]
        wx = np.einsum("nab,nbd->nad", w, self.x).reshape(n * T, d)
        out = self.x.reshape(n * T, d).T @ wx
        out[np.diag_indices(d)] -= g[:, rows == cols].sum() / math.sqrt(d)
        return 0.5 * (out + out.T)


class DenseSensing:
    """The naive reference: every U_k materialised, (n, K, d, d) floats.

    For tests and benchmarks only (8.6 GB at d = 100, alpha = 2.7); the pipeline never
    uses it.
    """

    def __init__(self, x: np.ndarray):
        n, T, d = x.shape
        rows, cols = triangle(T)
        xa, xb = x[:, rows], x[:, cols]
        outer = np.einsum("nki,nkj->nkij", xa, xb)
        u = (outer + outer.transpose(0, 1, 3, 2)) / (2 * math.sqrt(d))
        u[:, rows == cols] -= np.eye(d) / math.sqrt(d)
        self.u = u * z_scale(T)[:, None, None]

    def overlaps(self, S: np.ndarray) -> np.ndarray:
        return np.einsum("nkij,ij->nk", self.u, S)

    def adjoint(self, g: np.ndarray) -> np.ndarray:
        return np.einsum("nk,nkij->ij", g, self.u)


def gamp_rie(
    x: np.ndarray,
    y: np.ndarray,
    channel,
    *,
    rho: float,
    settings: AmpSettings = AmpSettings(),
    teacher: np.ndarray | None = None,
    progress: bool | None = None,
    sensing=None,
) -> AmpResult:
    """Run GAMP-RIE on tokens x (n, T, d) with labels y (n, T, T) from `channel`.

    Starts from the prior mean sqrt(rho) I (error 1). Each iteration: Onsager-corrected
    omega and V = 2 C_hat (damped), g = g_out, the effective observation
    R = S_hat + sum g U / (A d) with the precision A = 2 alpha `channel.slope` (softmax:
    -E_mu tr dg/domega, or its Nishimori twin E ||g||^2 where larger), and the RIE at noise
    Delta = 1 / (2 A), whose error mmse_S(Delta) is the next C_hat. The twin alone, with
    undamped early steps, made C_hat collapse near perfect recovery: it grows when the
    measured residual exceeds V, shrinking Delta, C_hat and so V further (the run froze
    with C_hat ~ 1e-6 and an error of 0.1). A diverged run stops unconverged. `progress`
    None shows a bar on terminals only.
    """
    n, T, d = x.shape
    if y.shape != (n, T, T):
        raise ValueError(f"labels must have shape {(n, T, T)}, got {y.shape}")
    alpha = n / d**2
    s_hat = math.sqrt(rho) * np.eye(d)
    c_hat = 1.0
    sensing = sensing or TokenSensing(x)
    g = np.zeros((n, T * (T + 1) // 2))
    omega, V = g, 2.0 * c_hat  # never mixed in: damping acts from the second iteration on
    names = ("step", "mse", "predicted_mse", "delta", "self_overlap", "damping")
    trace = {name: [] for name in names}
    converged = diverged = False
    damped = settings.damping_start == "second" or not channel.scale_invariant
    max_self_overlap = MAX_NORM_FACTOR * (1 + rho)
    bar = tqdm(
        range(settings.max_iter),
        desc=f"GAMP-RIE d={d} n={n}",
        disable=None if progress is None else not progress,
        mininterval=1.0,
    )
    strength = settings.damping
    guarded = not channel.scale_invariant and settings.norm_bound < math.inf
    for _ in bar:
        v_new = 2.0 * c_hat
        omega_new = sensing.overlaps(s_hat) - v_new * g
        mix = strength if damped and trace["step"] else 0.0
        omega_mixed = mix * omega + (1 - mix) * omega_new
        v_mixed = mix * V + (1 - mix) * v_new
        g_new = channel.g_out(y, omega_mixed, v_mixed)
        A = 2.0 * alpha * channel.slope(g_new, v_mixed)
        if not MIN_PRECISION < A < np.inf:  # the RIE has no spectrum to use
            diverged = True
            break
        delta = 1.0 / (2.0 * A)
        r = s_hat + sensing.adjoint(g_new) / (A * d)
        s_new = rie_denoise(r, delta=delta, rho=rho)
        c_new = float(mmse_S(delta=delta, rho=rho))
        if guarded and mix > 0:
            if np.sum(s_new**2) / d > settings.norm_bound * (1 + rho - c_new) and (
                strength < MAX_DAMPING
            ):
                strength = 1 - (1 - strength) / 2
                continue
            strength = max(settings.damping, 1 - (1 - strength) * STEP_REGROWTH)
        omega, V, g, c_hat = omega_mixed, v_mixed, g_new, c_new
        step = float(np.sum((s_new - s_hat) ** 2) / d)
        s_hat = s_new
        mse = np.nan if teacher is None else float(np.sum((s_hat - teacher) ** 2) / d)
        self_overlap = float(np.sum(s_hat**2) / d)
        for name, value in zip(names, (step, mse, c_hat, delta, self_overlap, mix)):
            trace[name].append(value)
        bar.set_postfix(
            step=f"{step:.1e}", mse=f"{mse:.4f}", predicted=f"{c_hat:.4f}", refresh=False
        )
        if not self_overlap < max_self_overlap:
            diverged = True
            break
        recent = -2 * settings.window
        history = np.column_stack([trace[k][recent:] for k in ("self_overlap", "predicted_mse")])
        if step < settings.tol or stationary(
            history, window=settings.window, tol=settings.drift_tol
        ):
            converged = True
            break
        damped = damped or (len(trace["step"]) > 1 and step > trace["step"][-2])
    bar.close()
    return AmpResult(s_hat, converged, diverged, {k: np.asarray(v) for k, v in trace.items()})
