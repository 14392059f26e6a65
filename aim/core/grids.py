"""Anchored grids: log grids on 10^(k / per_decade), linear grids on multiples of the step.

Curves computed separately (for different rho, say) share their points and can be aligned
in a figure's aggregate without interpolation.
"""

from __future__ import annotations

import numpy as np


def log_grid(lo: float, hi: float, per_decade: int) -> np.ndarray:
    """Points 10^(k / per_decade) covering [lo, hi] (one point beyond each end)."""
    if not 0 < lo < hi or per_decade < 1:
        raise ValueError(f"need 0 < lo < hi and per_decade >= 1, got {lo}, {hi}, {per_decade}")
    k = np.arange(np.floor(per_decade * np.log10(lo)), np.ceil(per_decade * np.log10(hi)) + 1)
    return np.round(10.0 ** (k / per_decade), 12)


def linear_grid(lo: float, hi: float, step: float) -> np.ndarray:
    """Multiples of step in [lo, hi]."""
    if not (lo <= hi and step > 0):
        raise ValueError(f"need lo <= hi and step > 0, got {lo}, {hi}, {step}")
    k = np.arange(np.ceil(lo / step - 1e-9), np.floor(hi / step + 1e-9) + 1)
    return np.round(step * k, 12) + 0.0  # + 0.0 turns -0.0 into 0.0
