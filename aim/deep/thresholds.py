"""Weak-recovery thresholds of the deep-attention model (rank-one layers, M = 2 tokens).

Linearising the state evolution at Q = 0, layer l grows once alpha F_l > 1 with
F_l = E_y || E[z_l z_l^T | y] - I ||_F^2 (omega = 0, V = I): alpha_weak_l = 1 / F_l. Jensen
bounds F_l by E|z_l|^4 - M = M (M + 1) = 6, so alpha_weak_l >= 1/6.

Sequential learning: with the last layer alone learned at overlap q, the first layer grows
once alpha F^(1)(q) > 1, F^(1)(q) the same quantity at Q = diag(0, q). The last layer's own
fixed point gives alpha*(q) = q / ((1 - q) T_L(q)) with T_L = E[sum_m g_Lm^2], so the
conditional threshold solves alpha*(q) F^(1)(q) = 1, a root in q.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from aim.deep.posterior import InnerQuadrature
from aim.deep.state_evolution import SESettings, StateEvolution

JENSEN_BOUND = 1 / 6  # alpha_weak >= 1 / (M (M + 1)) for M = 2 tokens
THRESHOLD_OUTER = 16  # log2 of the outer nodes: F is a heavy-tailed average


@dataclass(frozen=True)
class Thresholds:
    """alpha_weak per layer (first layer first); the conditional first-layer threshold and
    the last layer's overlap there (L = 2 only, else None)."""

    layers: int
    skip: float
    beta: float
    alpha_weak: np.ndarray
    alpha_first_layer_conditional: float | None
    last_layer_overlap: float | None


def weak_thresholds(se: StateEvolution) -> np.ndarray:
    """1 / F_l at Q = 0 for every layer."""
    return 1.0 / se.instability(np.zeros(se.layers))


def _alpha_star(se: StateEvolution, q: float) -> tuple[float, float]:
    """(alpha at which the last layer alone sits at overlap q, F^(1) there)."""
    overlaps = np.zeros(se.layers)
    overlaps[-1] = q
    terms, _ = se.channel_terms(overlaps)
    return q / ((1 - q) * terms[-1]), float(se.instability(overlaps)[0])


def conditional_first_layer(se: StateEvolution, *, xtol: float = 1e-5) -> tuple[float, float]:
    """(alpha, q) where alpha*(q) F^(1)(q) = 1 for L = 2."""

    def excess(q: float) -> float:
        alpha, growth = _alpha_star(se, q)
        return alpha * growth - 1

    q = brentq(excess, 1e-3, 0.995, xtol=xtol)
    return _alpha_star(se, q)[0], q


def thresholds(
    *,
    layers: int,
    skip: float,
    beta: float = 1.0,
    log2_outer: int = THRESHOLD_OUTER,
    quadrature: InnerQuadrature | None = None,
    with_conditional: bool = True,
) -> Thresholds:
    """Every threshold at one (L, c, beta) on fixed nodes (the conditional one for L = 2)."""
    se = StateEvolution(
        layers=layers,
        skip=skip,
        beta=beta,
        settings=SESettings(log2_outer=log2_outer),
        quadrature=quadrature,
    )
    alpha_weak = weak_thresholds(se)
    wanted = with_conditional and layers == 2
    conditional = conditional_first_layer(se) if wanted else (None, None)
    return Thresholds(layers, skip, beta, alpha_weak, *conditional)
