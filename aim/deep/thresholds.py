"""Weak-recovery thresholds of the deep-attention model (rank-one layers, M = 2 tokens).

Linearising the state evolution at Q = 0, layer l grows once alpha F_l > 1 with
F_l = E_y || E[z_l z_l^T | y] - I ||_F^2 (omega = 0, V = I): alpha_weak_l = 1 / F_l. Jensen
bounds F_l by E|z_l|^4 - M = M (M + 1) = 6, so alpha_weak_l >= 1/6.

Sequential learning: with the last layer alone learned at overlap q, the first layer grows
once alpha F^(1)(q) > 1, F^(1)(q) the same quantity at Q = diag(0, q). The last layer's own
fixed point gives alpha*(q) = q / ((1 - q) T_L(q)) with T_L = E[sum_m g_Lm^2], so the
conditional threshold solves alpha*(q) F^(1)(q) = 1, a root in q. The same holds for every
layer below the last (L = 3: layers 1 and 2 once layer 3 is learned).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from aim.deep.posterior import InnerQuadrature
from aim.deep.state_evolution import SESettings, StateEvolution

JENSEN_BOUND = 1 / 6  # alpha_weak >= 1 / (M (M + 1)) for M = 2 tokens
THRESHOLD_OUTER = 16  # log2 of the outer nodes at Q = 0: F is a heavy-tailed average
CONDITIONAL_OUTER = 14  # and for the conditional thresholds, each a root search over q
CONDITIONAL_SCAN = (1e-3, 0.3, 0.6, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9999)


@dataclass(frozen=True, kw_only=True)
class Thresholds:
    """alpha_weak per layer (first layer first); per layer below the last, the conditional
    threshold once the last layer alone is learned, and the last layer's overlap there."""

    layers: int
    skip: float
    beta: float
    alpha_weak: np.ndarray
    alpha_conditional: np.ndarray | None = None
    last_layer_overlap: np.ndarray | None = None

    @property
    def alpha_first_layer_conditional(self) -> float | None:
        return None if self.alpha_conditional is None else float(self.alpha_conditional[0])


def weak_thresholds(se: StateEvolution) -> np.ndarray:
    """1 / F_l at Q = 0 for every layer."""
    return 1.0 / se.instability(np.zeros(se.layers))


def _alpha_star(se: StateEvolution, q: float) -> tuple[float, np.ndarray]:
    """(alpha at which the last layer alone sits at overlap q, F^(l) there for every layer)."""
    overlaps = np.zeros(se.layers)
    overlaps[-1] = q
    terms, growth = se.terms_and_instability(overlaps)
    return q / ((1 - q) * terms[-1]), growth


def conditional_threshold(se: StateEvolution, layer: int, *, xtol: float = 1e-5):
    """(alpha, q) where alpha*(q) F^(layer)(q) = 1: layer `layer` (0-based, below the last)
    turns unstable at Q = 0 once the last layer alone is learned to overlap q.

    The root is bracketed by scanning q upward over CONDITIONAL_SCAN (at large c it lies above
    q = 0.995, where the inner integrals need their zoom; scanning from below never evaluates
    closer to q = 1 than needed); (nan, nan) if the layer is already unstable at the bottom of
    the scan or still stable at its top."""

    def excess(q: float) -> float:
        alpha, growth = _alpha_star(se, q)
        return alpha * growth[layer] - 1

    below = CONDITIONAL_SCAN[0]
    if excess(below) > 0:
        return np.nan, np.nan
    for above in CONDITIONAL_SCAN[1:]:
        if excess(above) > 0:
            q = brentq(excess, below, above, xtol=xtol)
            return _alpha_star(se, q)[0], q
        below = above
    return np.nan, np.nan


def thresholds(
    *,
    layers: int,
    skip: float,
    beta: float = 1.0,
    log2_outer: int = THRESHOLD_OUTER,
    quadrature: InnerQuadrature | None = None,
    with_conditional: bool = True,
) -> Thresholds:
    """Every threshold at one (L, c, beta) on fixed nodes (the conditional ones on at most
    2^CONDITIONAL_OUTER outer nodes)."""

    def solver(log2: int) -> StateEvolution:
        settings = SESettings(log2_outer=log2)
        model = {"layers": layers, "skip": skip, "beta": beta}
        return StateEvolution(**model, settings=settings, quadrature=quadrature)

    found = {"alpha_weak": weak_thresholds(solver(log2_outer))}
    if with_conditional:
        se = solver(min(log2_outer, CONDITIONAL_OUTER))
        roots = np.array([conditional_threshold(se, layer) for layer in range(layers - 1)])
        found |= {"alpha_conditional": roots[:, 0], "last_layer_overlap": roots[:, 1]}
    return Thresholds(layers=layers, skip=skip, beta=beta, **found)
