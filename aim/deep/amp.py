"""GAMP for the deep-attention model: n = alpha d sequences of M = 2 tokens, L rank-one layers.

Per iteration, with V = C_hat the posterior covariance of the weights (L x L, shared by all
samples):
    omega_mu,m = W_hat x_mu,m / sqrt(d) - V g_mu,m(previous),
    g = V^{-1} (E[Z | y, omega, V] - omega),  dg/domega = V^{-1} Cov[z_m | y] V^{-1} - V^{-1},
    A = -(1/d) sum_mu,m dg/domega,  B = (1/sqrt(d)) sum_mu,m g_mu,m x_mu,m^T + A W_hat,
    W_hat = (I + A)^{-1} B,  C_hat = (I + A)^{-1}   (the Gaussian prior's denoiser).
The posterior moments are the state evolution's (both sign branches, analytic derivatives),
vectorised over all samples. Compare with the state evolution's Q_ll through
W_hat.w_l / |w_l|^2 (Nishimori: E[W_hat.w] = E|W_hat|^2 = Q |w|^2), which removes the teacher
norm's own finite-d fluctuation (sqrt(2/d)). Damping acts on the channel's messages g and A,
so that the Onsager term always matches the estimate it corrects. Each layer's sign is not
identifiable (z_l -> -z_l leaves y unchanged): overlaps are reported with their sign.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from aim.core.fixed_point import stationary
from aim.core.validation import integer, number
from aim.deep.channel import TOKENS, last_input_from_output, output
from aim.deep.posterior import (
    ChannelPosterior,
    InnerQuadrature,
    output_derivative,
    output_function,
)
from aim.deep.problem import Problem, make_problem, preactivations

TEST_SAMPLES = 2000


@dataclass(frozen=True, kw_only=True)
class GAMPSettings:
    """damping: weight of the old g and A. At finite d the iterate keeps jittering around its
    fixed point (a few % of |W_hat| per step at d = 1000, orthogonal to the teacher), so
    convergence is stationarity of what it estimates up to its own fluctuations: the
    self-overlaps Q_ll averaged over the last `window` iterations differ from the `window`
    before by less than tol plus twice the standard error of that difference."""

    damping: float = 0.3
    tol: float = 1e-3
    window: int = 10
    max_iter: int = 150
    test_samples: int = TEST_SAMPLES

    def __post_init__(self) -> None:
        number(self.damping, name="damping", lo=0, hi=1, hi_open=True)
        number(self.tol, name="tol", lo=0, lo_open=True)
        integer(self.window, name="window", lo=1)
        integer(self.max_iter, name="max_iter", lo=1)
        integer(self.test_samples, name="test_samples", lo=1)


def memory_mb(*, n: int, d: int) -> float:
    """Training and test tokens in float64, a copy for their products, and the posterior's
    blocks of (outer point, node) weights."""
    return 2 * (n + TEST_SAMPLES) * TOKENS * d * 8 / 2**20 + 64


@dataclass
class GAMPResult:
    """Per-iteration traces (iteration axis first) and the final state."""

    overlap: list = field(default_factory=list)  # W_hat w^T / d, (L, L)
    teacher_norm: np.ndarray | None = None  # |w_l|^2 / d
    self_overlap: list = field(default_factory=list)  # W_hat W_hat^T / d
    cosine: list = field(default_factory=list)  # per layer, signed
    gen_error: list = field(default_factory=list)
    step: list = field(default_factory=list)
    converged: bool = False
    iterations: int = 0
    min_effective_nodes: float = np.inf


def run_gamp(
    *,
    layers: int,
    skip: float,
    alpha: float,
    d: int,
    seed: int,
    beta: float = 1.0,
    settings: GAMPSettings | None = None,
    quadrature: InnerQuadrature | None = None,
    progress: bool = False,
) -> GAMPResult:
    """One GAMP run from a random start W_hat ~ N(0, 1), C_hat = I, g = 0."""
    s = settings or GAMPSettings()
    rng = np.random.default_rng(seed)
    problem = make_problem(
        layers=layers,
        skip=skip,
        beta=beta,
        alpha=alpha,
        d=d,
        rng=rng,
        test_samples=s.test_samples,
    )
    posterior = ChannelPosterior(layers=layers, skip=skip, beta=beta, quadrature=quadrature)
    u = last_input_from_output(problem.log_outputs, beta=beta)
    estimate, cov = rng.standard_normal((layers, d)), np.eye(layers)
    g, onsager = np.zeros((len(u), layers, TOKENS)), np.zeros((layers, layers))
    result = GAMPResult()
    for it in tqdm(range(1, s.max_iter + 1), disable=not progress, desc="GAMP", unit="it"):
        omega = preactivations(estimate, problem.tokens) - np.einsum("lk,nkm->nlm", cov, g)
        moments = posterior.moments(omega, u, cov)
        new_g = output_function(moments, omega, cov)
        new_onsager = -output_derivative(moments, cov).sum(axis=(0, 1)) / d
        g = s.damping * g + (1 - s.damping) * new_g if it > 1 else new_g
        onsager = s.damping * onsager + (1 - s.damping) * new_onsager if it > 1 else new_onsager
        field_ = np.einsum("nlm,nmd->ld", g, problem.tokens) / np.sqrt(d) + onsager @ estimate
        cov = np.linalg.inv(np.eye(layers) + onsager)
        new = cov @ field_
        step = np.linalg.norm(new - estimate) / max(np.linalg.norm(estimate), 1e-300)
        estimate = new
        _record(result, estimate, problem, skip=skip, beta=beta)
        result.step.append(float(step))
        result.min_effective_nodes = min(result.min_effective_nodes, moments.effective_nodes.min())
        result.iterations = it
        diagonals = [np.diag(q) for q in result.self_overlap[-2 * s.window :]]
        if stationary(diagonals, window=s.window, tol=s.tol):
            result.converged = True
            break
    return result


def _record(result: GAMPResult, estimate, problem: Problem, *, skip, beta) -> None:
    d = estimate.shape[1]
    overlap = estimate @ problem.teacher.T / d
    self_overlap = estimate @ estimate.T / d
    teacher_norm = np.sum(problem.teacher**2, axis=1) / d
    cosine = np.diag(overlap) / np.sqrt(np.diag(self_overlap) * teacher_norm)
    predicted = output(preactivations(estimate, problem.test_tokens), skip=skip, beta=beta)
    error = np.mean(np.sum((predicted - problem.test_outputs) ** 2, axis=(-2, -1)))
    result.teacher_norm = teacher_norm
    result.overlap.append(overlap)
    result.self_overlap.append(self_overlap)
    result.cosine.append(cosine)
    result.gen_error.append(float(error))
