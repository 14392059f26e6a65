"""Bayes-optimal state evolution of the deep-attention model (rank-one layers, Gaussian prior).

    Q_hat = alpha E[g_out g_out^T],   Q = Q_hat (I + Q_hat)^{-1},

with omega = Q^{1/2} xi, Z = omega + (I - Q)^{1/2} U, y = g(Z), g_out = V^{-1}(E[Z | y] - omega)
and the token sum inside g_out g_out^T. The outer expectation runs over fixed scrambled Sobol
nodes, so the map is deterministic. Q stays diagonal: flipping one layer's (xi, U) flips its
g_out and leaves y unchanged, so the off-diagonal entries of Q_hat vanish exactly and the
iteration runs on the L diagonal overlaps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm, qmc
from tqdm import tqdm

from aim.core.validation import integer, number
from aim.deep.channel import TOKENS, last_input, output
from aim.deep.posterior import ChannelPosterior, InnerQuadrature

OUTER_SEED = 20250201
MAX_OVERLAP = 1 - 1e-6  # V = 1 - q stays a proper variance
OVERLAP_FLOOR = 1e-8  # an overlap at the floor is an unlearned layer


@dataclass(frozen=True, kw_only=True)
class SESettings:
    """2^log2_outer outer nodes; damping (weight of the old iterate); stop when every overlap
    moves by less than tol relative to itself after at least min_iter steps (the escape from
    small Q is slow); the uninformed start Q = start I."""

    log2_outer: int = 12
    damping: float = 0.3
    tol: float = 1e-6
    min_iter: int = 40
    max_iter: int = 600
    start: float = 0.05

    def __post_init__(self) -> None:
        integer(self.log2_outer, name="log2_outer", lo=6, hi=20)
        number(self.damping, name="damping", lo=0, hi=1, hi_open=True)
        number(self.tol, name="tol", lo=0, lo_open=True)
        integer(self.min_iter, name="min_iter", lo=1)
        integer(self.max_iter, name="max_iter", lo=self.min_iter)
        number(self.start, name="start", lo=0, hi=1, lo_open=True, hi_open=True)


@dataclass(frozen=True, kw_only=True)
class SEPoint:
    """One fixed point: the diagonal overlaps (first layer first) and its report."""

    alpha: float
    q: np.ndarray
    q_hat: np.ndarray
    converged: bool
    iterations: int
    step: float
    min_effective_nodes: float


def outer_nodes(layers: int, log2_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Fixed standard-normal (xi, U), each of shape (2^log2_points, L, M)."""
    dim = layers * TOKENS
    sobol = qmc.Sobol(2 * dim, scramble=True, seed=OUTER_SEED).random_base2(log2_points)
    gauss = norm.ppf(sobol).reshape(-1, 2, layers, TOKENS)
    return gauss[:, 0], gauss[:, 1]


class StateEvolution:
    """The SE map and its fixed points for L layers, skip strength c and inverse temperature
    beta, on fixed outer and inner nodes."""

    def __init__(
        self,
        *,
        layers: int,
        skip: float,
        beta: float = 1.0,
        settings: SESettings | None = None,
        quadrature: InnerQuadrature | None = None,
    ):
        self.settings = settings or SESettings()
        self.posterior = ChannelPosterior(
            layers=layers, skip=skip, beta=beta, quadrature=quadrature
        )
        self.layers, self.skip, self.beta = layers, skip, beta
        self.xi, self.noise = outer_nodes(layers, self.settings.log2_outer)

    def _sample(self, q: np.ndarray):
        omega = np.sqrt(q)[:, None] * self.xi
        Z = omega + np.sqrt(1 - q)[:, None] * self.noise
        return omega, Z

    def _posterior(self, q):
        """(q clipped, omega, moments) at diagonal overlaps q on the fixed outer nodes."""
        q = np.minimum(np.asarray(q, dtype=float), MAX_OVERLAP)
        omega, Z = self._sample(q)
        u = last_input(Z, skip=self.skip, beta=self.beta)
        return q, omega, self.posterior.moments(omega, u, np.diag(1 - q))

    def channel_terms(self, q) -> tuple[np.ndarray, float]:
        """E[sum_m g_lm^2] per layer at diagonal overlaps q, and the smallest effective
        number of inner nodes over the outer points.

        Two Nishimori-equivalent integrands estimate it: sum_m g_lm^2 (light-tailed where Q is
        small) and -sum_m dg_lm/domega_lm = sum_m (1/v_l - Cov[z_lm]/v_l^2) (bounded above by
        2/v_l, light-tailed where Q is large). Their mix with the variance-minimising weight on
        the same nodes is unbiased for any weight and better than either.
        """
        return self._terms(*self._posterior(q))

    def instability(self, q) -> np.ndarray:
        """F_l = E || E[z_l z_l^T | y, omega] - I ||_F^2 per layer at diagonal overlaps q: for a
        layer with q_l = 0 the growth of q_l per unit alpha, alpha F_l q_l, near q_l = 0."""
        return self._instability(self._posterior(q)[2])

    def terms_and_instability(self, q) -> tuple[np.ndarray, np.ndarray]:
        """channel_terms(q)[0] and instability(q) from one posterior evaluation."""
        q, omega, moments = self._posterior(q)
        return self._terms(q, omega, moments)[0], self._instability(moments)

    @staticmethod
    def _terms(q, omega, moments) -> tuple[np.ndarray, float]:
        v = 1 - q
        squared = np.sum(((moments.mean - omega) / v[:, None]) ** 2, axis=-1)
        variance = np.einsum("kmll->kml", moments.token_covariance())
        slope = np.sum(1 / v - variance / v**2, axis=1)
        return _mix(squared, slope), float(moments.effective_nodes.min())

    @staticmethod
    def _instability(moments) -> np.ndarray:
        deviation = moments.layer_second() - np.eye(TOKENS)
        return np.mean(np.sum(deviation**2, axis=(-2, -1)), axis=0)

    def solve(
        self, *, alpha: float, start: np.ndarray | None = None, progress: bool = False
    ) -> SEPoint:
        """Damped iteration from Q = start I (or a given diagonal start).

        Overlaps are floored at OVERLAP_FLOOR: a layer that decays while another is learned
        would otherwise reach 1e-30 and need hundreds of iterations to escape once Q = 0 turns
        unstable for it. Converged: every overlap moved by less than tol relative to itself
        (so a small overlap that is still growing is not converged).
        """
        number(alpha, name="alpha", lo=0)
        s = self.settings
        q = np.full(self.layers, s.start) if start is None else np.asarray(start, float)
        step, ess = np.inf, np.inf
        bar = tqdm(range(1, s.max_iter + 1), disable=not progress, desc="SE", unit="it")
        for it in bar:
            terms, ess = self.channel_terms(q)
            q_hat = alpha * terms
            new = (1 - s.damping) * q_hat / (1 + q_hat) + s.damping * q
            new = np.maximum(new, OVERLAP_FLOOR)
            step = float(np.max(np.abs(new - q) / new))
            q = new
            bar.set_postfix(q=np.array2string(q, precision=4), step=f"{step:.1e}")
            if it >= s.min_iter and step < s.tol:
                break
        converged = bool(step < s.tol)
        return SEPoint(
            alpha=alpha,
            q=q,
            q_hat=alpha * terms,
            converged=converged,
            iterations=it,
            step=step,
            min_effective_nodes=ess,
        )

    def gen_error(self, q) -> float:
        """eps_g = E ||g(Z) - g(omega)||_F^2 of the plug-in predictor at diagonal overlaps q."""
        omega, Z = self._sample(np.minimum(np.asarray(q, dtype=float), 1.0))
        y = output(Z, skip=self.skip, beta=self.beta)
        y_hat = output(omega, skip=self.skip, beta=self.beta)
        return float(np.mean(np.sum((y - y_hat) ** 2, axis=(-2, -1))))


def _mix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Column means of lam a + (1 - lam) b with lam in [0, 1] minimising the variance."""
    da, db = a - a.mean(axis=0), b - b.mean(axis=0)
    diff = np.mean((da - db) ** 2, axis=0)
    lam = np.divide(
        np.mean(db * (db - da), axis=0), diff, out=np.full(diff.shape, 0.5), where=diff > 0
    )
    lam = np.clip(lam, 0, 1)
    return lam * a.mean(axis=0) + (1 - lam) * b.mean(axis=0)


def last_layer_only(q: np.ndarray) -> np.ndarray:
    """The overlaps with only the last layer learned: diag(0, ..., 0, Q_LL)."""
    out = np.zeros_like(np.asarray(q, dtype=float))
    out[-1] = q[-1]
    return out
