"""Memory and time of the wing's jobs, from the problem size: the pipeline's resources (and
the cost tables of the README) come from here.

Calibrated on one core of the 2-core build machine (float32): a (lambda, run) pair at d = 60,
n = 1080 takes 3.3 ms per Adam step, i.e. 6 n T d p flop at ~14 GFLOP/s; runs stop after
150-400 steps at the paper's tolerance (lambda_t = 1e-2 .. 1e-5, alpha 0.1 .. 0.5). An SE
point costs ~1 s at T = 2 with 2^14 nodes per continuation (two per curve), ~4 s at T = 3 and
~20 s at T = 5 (the output side is a 2(L-1)-dimensional QMC with L-1 = (T^2+T-2)/2). The model
assumes half that speed for slower cluster cores; the rules double it again for safety.
"""

from __future__ import annotations

import math

from aim.core.tokens import linear_observations, rank

FLOPS_PER_SECOND = 7e9
SECONDS_PER_STEP = 2e-3  # fixed cost of one batched step (Python, Adam, stopping rule)
SE_POINT_SECONDS = {2: 2.0, 3: 8.0}  # per alpha and continuation at 2^14 nodes (T > 3: scaled)


def gd_memory_mb(*, alpha: float, d: int, T: int, pairs: int, dtype: str = "float32") -> int:
    """Peak memory of one training batch (the CLI's check and the pipeline's request):
    imports, then about six copies of the tokens of a torch batch of (lambda, run) pairs
    (each pair holds its own data, the test set at least 2000 samples), S and Adam's state."""
    n = max(alpha * d * d, 2000)
    per_pair = (4 if dtype == "float32" else 8) * (6 * n * T * d + 8 * d * d)
    return 500 + math.ceil(min(pairs, 256) * per_pair / 2**20)


def gd_seconds(
    *,
    alpha: float,
    d: int,
    T: int,
    kappa: float,
    pairs: int,
    steps: int,
    threads: int = 1,
    dtype: str = "float32",
) -> float:
    """Wall time of `pairs` (lambda, run) pairs trained for `steps` full-batch Adam steps."""
    n, p = alpha * d * d, rank(rho=kappa, d=d)
    per_step = pairs * 6 * n * T * d * p / (FLOPS_PER_SECOND * threads) + SECONDS_PER_STEP
    return steps * per_step


def se_point_seconds(*, T: int, log2_nodes: int) -> float:
    """One SE point of one continuation; T > 3 scaled by the output side's dimension."""
    base = SE_POINT_SECONDS.get(T, SE_POINT_SECONDS[3] * linear_observations(T) / 5)
    return base * 2.0 ** (log2_nodes - 14)


def theory_seconds(*, points: int, T: int, log2_nodes: int) -> float:
    """One SE curve: two continuations over its grid."""
    return 2 * points * se_point_seconds(T=T, log2_nodes=log2_nodes)


def theory_memory_mb(*, T: int, log2_nodes: int) -> int:
    """A few copies of the proximal points, gradients and Hessians on the solver's nodes,
    and of the points on the test nodes (16 times as many)."""
    dims = 2 * (linear_observations(T) - 1)
    solver = 4 * 2**log2_nodes * dims * (dims + 4)
    test = 4 * 2 ** (log2_nodes + 4) * dims
    return 500 + math.ceil(8 * (solver + test) / 2**20)
