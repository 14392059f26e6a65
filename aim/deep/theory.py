"""The wing's theory jobs as annotated datasets: a state-evolution curve, a threshold curve."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import xarray as xr

from aim.deep.posterior import InnerQuadrature
from aim.deep.state_evolution import SESettings, StateEvolution, last_layer_only
from aim.deep.thresholds import JENSEN_BOUND, thresholds
from aim.deep.vocabulary import annotated, layer_coords


def se_curve(
    *, layers: int, skip: float, alpha: list[float], log2_outer: int, progress: bool = False
) -> xr.Dataset:
    """The state evolution on an increasing alpha grid, each point started from the one
    before (aim.deep.state_evolution.solve_curve)."""
    settings = SESettings(log2_outer=log2_outer)
    se = StateEvolution(layers=layers, skip=skip, settings=settings)
    points = se.solve_curve(alpha, progress=progress)
    q, q_hat = np.array([p.q for p in points]), np.array([p.q_hat for p in points])
    ds = xr.Dataset(
        {
            "Q": (("alpha", "layer"), q),
            "Q_hat": (("alpha", "layer"), q_hat),
            "gen_error": ("alpha", [se.gen_error(row) for row in q]),
            "gen_error_last_layer": ("alpha", [se.gen_error(last_layer_only(row)) for row in q]),
            "converged": ("alpha", np.array([p.converged for p in points], dtype=np.int8)),
            "recovered": ("alpha", np.array([p.recovered for p in points], dtype=np.int8)),
            "iterations": ("alpha", [p.iterations for p in points]),
            "coarse_iterations": ("alpha", [p.coarse_iterations for p in points]),
            "remaining": ("alpha", [p.remaining for p in points]),
            "noise_limited": ("alpha", np.array([p.noise_limited for p in points], dtype=np.int8)),
            "map_error": ("alpha", [p.map_error for p in points]),
            "min_effective_nodes": ("alpha", [p.min_effective_nodes for p in points]),
            "gen_error_null": se.gen_error(np.zeros(layers)),
        },
        coords={"alpha": [p.alpha for p in points], **layer_coords(layers)},
    )
    ds = ds.assign_coords(layers=layers, skip=skip)
    return annotated(
        ds,
        title=f"deep-attention state evolution, L = {layers}, c = {skip:g}",
        parameters={"layers": layers, "skip": skip, "alpha": list(map(float, alpha))},
        settings=asdict(settings) | {"quadrature": asdict(InnerQuadrature())},
    )


def threshold_curve(*, layers: int, skips: list[float], log2_outer: int) -> xr.Dataset:
    """Weak and conditional thresholds per layer at every skip strength."""
    rows = [thresholds(layers=layers, skip=c, log2_outer=log2_outer) for c in skips]
    conditional = np.full((len(rows), layers), np.nan)
    overlap = np.full((len(rows), layers), np.nan)
    for k, row in enumerate(rows):
        conditional[k, :-1] = row.alpha_conditional
        overlap[k, :-1] = row.last_layer_overlap
    found = np.isfinite(conditional)
    found[:, -1] = True  # the last layer has no conditional threshold to find
    found &= np.isfinite(np.array([r.alpha_weak for r in rows]))
    ds = xr.Dataset(
        {
            "alpha_weak": (("skip", "layer"), np.array([r.alpha_weak for r in rows])),
            "alpha_conditional": (("skip", "layer"), conditional),
            "last_layer_overlap": (("skip", "layer"), overlap),
            "found": (("skip", "layer"), found.astype(np.int8)),
            "jensen_bound": JENSEN_BOUND,
        },
        coords={"skip": list(map(float, skips)), **layer_coords(layers)},
    ).assign_coords(layers=layers)
    return annotated(
        ds,
        title=f"deep-attention weak-recovery thresholds, L = {layers}",
        parameters={"layers": layers, "skip": list(map(float, skips))},
        settings={"log2_outer": log2_outer, "quadrature": asdict(InnerQuadrature())},
    )
