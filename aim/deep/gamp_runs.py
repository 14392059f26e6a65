"""One GAMP run of the deep-attention model as an annotated dataset (one pipeline job)."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import xarray as xr

from aim.deep.amp import GAMPSettings, run_gamp
from aim.deep.vocabulary import annotated, layer_coords


def gamp_run(
    *,
    layers: int,
    skip: float,
    alpha: float,
    d: int,
    seed: int,
    settings: GAMPSettings,
    progress: bool = False,
) -> xr.Dataset:
    """One GAMP run with its per-iteration traces."""
    result = run_gamp(
        layers=layers, skip=skip, alpha=alpha, d=d, seed=seed, settings=settings, progress=progress
    )
    overlap = np.array([np.diag(m) for m in result.overlap]) / result.teacher_norm
    ds = xr.Dataset(
        {
            "overlap": (("iteration", "layer"), overlap),
            "self_overlap": (("iteration", "layer"), [np.diag(q) for q in result.self_overlap]),
            "cosine": (("iteration", "layer"), np.array(result.cosine)),
            "gen_error": ("iteration", result.gen_error),
            "teacher_norm": ("layer", result.teacher_norm),
            "converged": np.int8(result.converged),
            "iterations": result.iterations,
            "min_effective_nodes": result.min_effective_nodes,
        },
        coords={"iteration": np.arange(1, result.iterations + 1), **layer_coords(layers)},
    ).assign_coords(layers=layers, skip=skip, alpha=alpha, d=d, seed=seed)
    return annotated(
        ds,
        title=f"deep-attention GAMP, L = {layers}, c = {skip:g}, alpha = {alpha:g}, d = {d}",
        parameters={"layers": layers, "skip": skip, "alpha": alpha, "d": d, "seed": seed},
        settings=asdict(settings),
    )
