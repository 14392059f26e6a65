"""Damped, vectorised fixed-point iteration with a convergence report per point."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SolverSettings:
    """Damping (the weight of the old iterate), tolerance on the step, iteration cap."""

    damping: float = 0.0
    tol: float = 1e-10
    max_iter: int = 5000

    def __post_init__(self) -> None:
        if not 0 <= self.damping < 1:
            raise ValueError(f"damping must lie in [0, 1), got {self.damping}")
        if not self.tol > 0:
            raise ValueError(f"tol must be positive, got {self.tol}")
        if self.max_iter < 1:
            raise ValueError(f"max_iter must be >= 1, got {self.max_iter}")


def iterate(
    update: Callable[[np.ndarray, np.ndarray], np.ndarray],
    start: np.ndarray,
    settings: SolverSettings,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Damped iteration v <- update(idx, v[idx]) over the points not yet converged.

    A point stops updating once its step falls below tol; a point that reaches max_iter keeps
    its last iterate and is flagged as not converged. Returns (values, converged, iterations).
    """
    values = start.astype(float)
    converged = np.zeros(values.shape, bool)
    iterations = np.zeros(values.shape, int)
    for it in range(1, settings.max_iter + 1):
        active = np.flatnonzero(~converged)
        if active.size == 0:
            break
        new = np.atleast_1d(update(active, values[active]))
        new = (1 - settings.damping) * new + settings.damping * values[active]
        done = np.abs(new - values[active]) < settings.tol
        values[active] = new
        iterations[active] = it
        converged[active[done]] = True
    return values, converged, iterations
