"""Natural and isotropic (z) coordinates of a sample's T x T attention indices.

Natural: h_ab = (x_a^T S x_b - delta_ab Tr S) / sqrt(d), variance 2 Q0 on the diagonal and
Q0 off it. Isotropic: the upper triangle in row-major order, z_aa = h_aa and
z_ab = sqrt(2) h_ab (a < b), so every z-entry has variance 2 Q0.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


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
