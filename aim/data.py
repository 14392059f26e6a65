"""Teacher and noise sampling. Every draw comes from a caller's numpy Generator."""

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
