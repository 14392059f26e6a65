"""A deep-attention teacher with its training and test sequences (M = 2 tokens), drawn from
one generator: what GAMP and SGD learn from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aim.deep.channel import TOKENS, last_input, output, output_logits


@dataclass(frozen=True)
class Problem:
    """A teacher, its training sequences and outputs, fresh test sequences."""

    teacher: np.ndarray  # (L, d)
    tokens: np.ndarray  # (n, M, d)
    log_outputs: np.ndarray  # (n, M, M)
    test_tokens: np.ndarray
    test_outputs: np.ndarray  # (n_test, M, M)


def sequences(*, alpha: float, d: int) -> int:
    """n = alpha d training sequences, at least one."""
    return max(1, round(alpha * d))


def make_problem(
    *, layers: int, skip: float, beta: float, alpha: float, d: int, rng, test_samples: int
) -> Problem:
    """A teacher W ~ N(0, 1), n = alpha d training sequences with their outputs (as log y),
    and fresh test sequences with theirs, all drawn from rng."""
    teacher = rng.standard_normal((layers, d))
    n = sequences(alpha=alpha, d=d)
    tokens = rng.standard_normal((n, TOKENS, d))
    test_tokens = rng.standard_normal((test_samples, TOKENS, d))
    u = last_input(preactivations(teacher, tokens), skip=skip, beta=beta)
    test = output(preactivations(teacher, test_tokens), skip=skip, beta=beta)
    return Problem(teacher, tokens, output_logits(u, beta=beta), test_tokens, test)


def preactivations(weights: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """Z = W x^T / sqrt(d) per sample: (n, L, M)."""
    return np.einsum("ld,nmd->nlm", weights, tokens) / np.sqrt(weights.shape[1])
