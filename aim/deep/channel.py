"""The deep-attention channel as a sequence multi-index model (M = 2 tokens).

With z_l = X w_l / sqrt(d) in R^M the layer-l pre-activations of the raw tokens and
A(a) = softmax_row(beta a a^T) + c I, the network's output is y = softmax_row(beta u u^T) with
u = B z_L and the mixing matrix B = A_{L-1} ... A_1, A_l = A(B_l z_l), B_1 = I. So y = g(Z) with
Z in R^{L x M}. Arrays carry the layers and tokens as their last two axes.

For M = 2 the output determines u up to its sign (`last_input_from_output`): the channel
integral over Z collapses onto the free layers z_1..z_{L-1} on two sign branches.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, softmax

TOKENS = 2  # M: the inversion of the output and all figures use two tokens


def attention(a: np.ndarray, *, skip: float, beta: float) -> np.ndarray:
    """A(a) = softmax_row(beta a a^T) + c I for a of shape (..., M): shape (..., M, M).

    For two tokens, row m keeps the weight expit(beta a_m (a_m - a_other)) on itself.
    """
    if a.shape[-1] != TOKENS:
        scores = beta * a[..., :, None] * a[..., None, :]
        return softmax(scores, axis=-1) + skip * np.eye(a.shape[-1])
    gap = a[..., 0] - a[..., 1]
    own = expit(beta * np.stack([a[..., 0] * gap, -a[..., 1] * gap], axis=-1))
    return np.stack(
        [
            np.stack([own[..., 0] + skip, 1 - own[..., 0]], axis=-1),
            np.stack([1 - own[..., 1], own[..., 1] + skip], axis=-1),
        ],
        axis=-2,
    )


def mixing(free: np.ndarray, *, skip: float, beta: float) -> np.ndarray:
    """B with u = B z_L, from the free layers z_1..z_{L-1} (shape (..., L-1, M))."""
    mix = attention(free[..., 0, :], skip=skip, beta=beta)
    for layer in range(1, free.shape[-2]):
        pre = np.einsum("...ij,...j->...i", mix, free[..., layer, :])
        mix = attention(pre, skip=skip, beta=beta) @ mix
    return mix


def last_input(Z: np.ndarray, *, skip: float, beta: float) -> np.ndarray:
    """u = B(z_1..z_{L-1}) z_L, the input of the output softmax: shape (..., M)."""
    mix = mixing(Z[..., :-1, :], skip=skip, beta=beta)
    return np.einsum("...ij,...j->...i", mix, Z[..., -1, :])


def output_logits(u: np.ndarray, *, beta: float) -> np.ndarray:
    """log y with y = softmax_row(beta u u^T), shape (..., M, M)."""
    scores = beta * u[..., :, None] * u[..., None, :]
    return scores - np.logaddexp.reduce(scores, axis=-1, keepdims=True)


def output(Z: np.ndarray, *, skip: float, beta: float) -> np.ndarray:
    """The network's output y = g(Z), shape (..., M, M)."""
    return np.exp(output_logits(last_input(Z, skip=skip, beta=beta), beta=beta))


def last_input_from_output(log_y: np.ndarray, *, beta: float) -> np.ndarray:
    """One of the two u with softmax_row(beta u u^T) = y (the other is -u), from log y.

    beta u1 (u1 - u2) = log y11 - log y12 = a and beta u2 (u2 - u1) = b, so a + b =
    beta (u1 - u2)^2 and u = (-a, b) / sqrt(beta (a + b)). Log-ratios of the same row keep full
    precision in both tails; where u1 = u2 (y = 1/2 everywhere, a null set) u is 0.
    """
    a = log_y[..., 0, 0] - log_y[..., 0, 1]
    b = log_y[..., 1, 1] - log_y[..., 1, 0]
    gap = np.sqrt(np.maximum(beta * (a + b), 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.stack([-a, b], axis=-1) / gap[..., None]
    return np.where(gap[..., None] > 0, u, 0.0)
