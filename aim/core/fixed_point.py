"""Damped, vectorised fixed-point iteration with a convergence report per point."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from aim.core.validation import integer, number


@dataclass(frozen=True)
class SolverSettings:
    """Damping (the weight of the old iterate), tolerance on the step, iteration cap."""

    damping: float = 0.0
    tol: float = 1e-10
    max_iter: int = 5000

    def __post_init__(self) -> None:
        number(self.damping, name="damping", lo=0, hi=1, hi_open=True)
        number(self.tol, name="tol", lo=0, lo_open=True)  # finite: inf would stop at once
        integer(self.max_iter, name="max_iter", lo=1)


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


def stationary(history, *, window: int, tol: float) -> bool:
    """Whether an iteration's estimates (rows: iterations, columns: quantities) have stopped
    moving up to their own fluctuations: the means over the last `window` iterations differ
    from the `window` before by less than tol plus twice the standard error of the
    difference. An iterate that keeps jittering around its fixed point (finite d) is
    stationary; one still drifting (a slow approach, a trend) is not."""
    history = np.asarray(history, float)
    if len(history) < 2 * window:
        return False
    before, after = history[-2 * window : -window], history[-window:]
    drift = after.mean(axis=0) - before.mean(axis=0)
    noise = 2 * np.sqrt((before.var(axis=0) + after.var(axis=0)) / window)
    return bool(np.all(np.abs(drift) < tol + noise))
