"""Memory and time of the wing's simulation jobs, from the problem size.

Calibrated on one core of the 2-core build machine: AMP at d = 100, alpha = 2.7 does
4 n T d^2 = 2.2 GFLOP in 0.128 s per iteration and peaks at 172 MB; GD at d = 100, K = 32,
T = 4, n = 1000 does 6 K n T d r = 3.8 GFLOP in 0.23 s per step and peaks at 561 MB (300 MB
of it imports). That is 16-20 GFLOP/s; the model assumes half of it for slower cluster cores.
The pipeline's resources are these estimates, doubled for safety (aim.core.resources).
"""

from __future__ import annotations

import math

from aim.core.tokens import rank

FLOPS_PER_SECOND = 8e9


def amp_memory_mb(*, alpha: float, d: int, T: int) -> int:
    """Peak memory of one GAMP-RIE run: tokens, labels and messages, a few d x d matrices."""
    n = alpha * d * d
    return 400 + math.ceil(8 * (4 * n * T * d + 6 * n * T * T + 30 * d * d) / 2**20)


def amp_seconds(*, alpha: float, d: int, T: int, iterations: int) -> float:
    """Wall time of `iterations` GAMP-RIE iterations: two token contractions and an eigh."""
    n = alpha * d * d
    return iterations * ((4 * n * T * d * d + 10 * d**3) / FLOPS_PER_SECOND + 0.01)


def gd_memory_mb(*, alpha: float, d: int, T: int, rho: float, students: int) -> int:
    """Peak memory of K students trained together: activations of the (K, n, T, r) graph."""
    n, r = alpha * d * d, rank(rho=rho, d=d)
    return 500 + math.ceil(4 * 12 * students * n * T * (r + T) / 2**20)


def gd_seconds(
    *, alpha: float, d: int, T: int, rho: float, students: int, steps: int, threads: int
) -> float:
    """Wall time of `steps` full-batch Adam steps of K students on `threads` cores."""
    n, r = alpha * d * d, rank(rho=rho, d=d)
    per_step = 6 * students * n * T * d * r / (FLOPS_PER_SECOND * threads) + 0.002
    return steps * per_step


def theory_memory_mb(*, points: int) -> int:
    """Peak memory of one SE curve: the tabulated hardmax integrand, then a few vectors and
    a spectral quadrature per grid point."""
    return 300 + math.ceil(points * 10 / 1024)
