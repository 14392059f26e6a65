"""The stationarity test that decides when AMP (bayes) and GAMP (deep) have converged."""

import numpy as np

from aim.core.fixed_point import stationary


def test_jitter_around_a_fixed_point_is_stationary_and_a_slow_approach_is_not():
    """A limit cycle of amplitude 3e-3 (AMP at d = 100) is stationary although every step is
    far above a step tolerance; a geometric approach shrinking 4% an iteration (near perfect
    recovery) is not, until what remains is below tol; fewer than two windows never is."""
    it = np.arange(40)
    cycle = 0.3 + 3e-3 * (-1.0) ** it
    assert stationary(cycle, window=10, tol=1e-4)
    approach = 0.05 * 0.96**it
    assert not stationary(approach, window=10, tol=1e-4)
    assert stationary(1e-4 * 0.96**it, window=10, tol=1e-4)
    assert not stationary(cycle[:19], window=10, tol=1e-4)
    both = np.column_stack([cycle, approach])
    assert not stationary(both, window=10, tol=1e-4)  # every column must be stationary
