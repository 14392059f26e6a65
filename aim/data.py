"""Teacher, tokens and attention indices. Every draw comes from a caller's numpy Generator.

Nothing here forms a per-sample d x d matrix: the attention indices of n samples cost
O(n T d^2) flops and O(n T d) memory.
"""

from __future__ import annotations

import numpy as np


def sample_teacher(d: int, rho: float, rng: np.random.Generator) -> np.ndarray:
    """S = W W^T / sqrt(r d), W in R^{d x r} with i.i.d. N(0, 1) entries, r = round(rho d)."""
    r = int(round(rho * d))
    if d < 1 or r < 1:
        raise ValueError(f"need d >= 1 and r = round(rho d) >= 1, got d={d}, rho={rho}")
    w = rng.standard_normal((d, r))
    return w @ w.T / np.sqrt(r * d)


def sample_goe(d: int, rng: np.random.Generator) -> np.ndarray:
    """GOE matrix with semicircle on [-2, 2]: off-diagonal variance 1/d, diagonal 2/d."""
    g = rng.standard_normal((d, d))
    return (g + g.T) / np.sqrt(2 * d)


def sample_tokens(n: int, T: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """n sequences of T i.i.d. N(0, I_d) tokens: shape (n, T, d)."""
    if n < 1 or T < 1 or d < 1:
        raise ValueError(f"need n, T, d >= 1, got n={n}, T={T}, d={d}")
    return rng.standard_normal((n, T, d))


def attention_indices(x: np.ndarray, S: np.ndarray) -> np.ndarray:
    """h_ab = (x_a^T S x_b - delta_ab Tr S) / sqrt(d) for x of shape (n, T, d): (n, T, T)."""
    n, T, d = x.shape
    xs = (x.reshape(n * T, d) @ S).reshape(n, T, d)
    h = np.einsum("nad,nbd->nab", xs, x)
    h[:, np.arange(T), np.arange(T)] -= np.trace(S)
    return h / np.sqrt(d)


def sample_count(alpha: float, d: int) -> int:
    """n = alpha d^2, rounded to the nearest integer (at least 1)."""
    return max(1, int(round(alpha * d * d)))


def sample_problem(channel, d: int, alpha: float, rho: float, seed: int):
    """Teacher S, tokens x and labels y = channel.labels(h) from one seed.

    `channel` is any object with T and labels(h) (aim.channels).
    """
    rng = np.random.default_rng(seed)
    teacher = sample_teacher(d, rho, rng)
    x = sample_tokens(sample_count(alpha, d), channel.T, d, rng)
    return teacher, x, channel.labels(attention_indices(x, teacher))
