"""Teacher, tokens, attention indices and their coordinates. Every draw comes from a caller's
numpy Generator.

Nothing here forms a per-sample d x d matrix: the attention indices of n samples cost
O(n T d^2) flops and O(n T d) memory.

Coordinates of a sample's T x T attention indices. Natural: h_ab = (x_a^T S x_b - delta_ab
Tr S) / sqrt(d), variance 2 Q0 on the diagonal and Q0 off it. Isotropic (z): the upper
triangle in row-major order, z_aa = h_aa and z_ab = sqrt(2) h_ab (a < b), so every z-entry
has variance 2 Q0.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def rank(*, rho: float, d: int) -> int:
    """The width r = round(rho d) of a teacher or student; at least 1."""
    r = int(round(rho * d))
    if d < 1 or r < 1:
        raise ValueError(f"need d >= 1 and rank r = round(rho d) >= 1, got d={d}, rho={rho}")
    return r


def linear_observations(T: int) -> int:
    """(T^2 + T - 2) / 2: the entries of a symmetric T x T matrix of attention indices less
    the one shift that a row-wise softmax cannot see (alpha_bar = alpha times this)."""
    return (T * T + T - 2) // 2


def sample_count(*, alpha: float, d: int) -> int:
    """n = alpha d^2, rounded to the nearest integer (at least 1)."""
    return max(1, int(round(alpha * d * d)))


def sample_teacher(*, d: int, rho: float, rng: np.random.Generator) -> np.ndarray:
    """S = W W^T / sqrt(r d), W in R^{d x r} with i.i.d. N(0, 1) entries, r = round(rho d)."""
    r = rank(rho=rho, d=d)
    w = rng.standard_normal((d, r))
    return w @ w.T / np.sqrt(r * d)


def sample_goe(*, d: int, rng: np.random.Generator) -> np.ndarray:
    """GOE matrix with semicircle on [-2, 2]: off-diagonal variance 1/d, diagonal 2/d."""
    g = rng.standard_normal((d, d))
    return (g + g.T) / np.sqrt(2 * d)


def sample_tokens(*, n: int, T: int, d: int, rng: np.random.Generator) -> np.ndarray:
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


def sample_problem(channel, *, d: int, alpha: float, rho: float, seed: int):
    """Teacher S, tokens x and labels y = channel.labels(h) from one seed.

    `channel` is any object with T and labels(h).
    """
    rng = np.random.default_rng(seed)
    teacher = sample_teacher(d=d, rho=rho, rng=rng)
    x = sample_tokens(n=sample_count(alpha=alpha, d=d), T=channel.T, d=d, rng=rng)
    return teacher, x, channel.labels(attention_indices(x, teacher))


@lru_cache(maxsize=16)
def triangle(T: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each z-entry: np.triu_indices(T), read-only."""
    rows, cols = np.triu_indices(T)
    rows.flags.writeable = cols.flags.writeable = False
    return rows, cols


def z_scale(T: int) -> np.ndarray:
    """tau_k: 1 on the diagonal, sqrt(2) off it."""
    rows, cols = triangle(T)
    return np.where(rows == cols, 1.0, np.sqrt(2.0))


def to_z(h: np.ndarray) -> np.ndarray:
    """(..., T, T) symmetric natural coordinates -> (..., T (T + 1) / 2) isotropic ones."""
    T = h.shape[-1]
    rows, cols = triangle(T)
    return h[..., rows, cols] * z_scale(T)
