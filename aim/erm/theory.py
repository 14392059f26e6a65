"""Whole ERM state-evolution curves as annotated datasets: one pipeline job each."""

from __future__ import annotations

import numpy as np
import xarray as xr

from aim.core.io import annotate, with_metadata
from aim.erm import PAPER
from aim.erm import output as output_side
from aim.erm.state_evolution import (
    MAX_UNCONVERGED_NODES,
    RESIDUAL_TOL,
    ErmModel,
    solve_curve,
)
from aim.erm.thresholds import interpolation
from aim.erm.vocabulary import THEORY_ATTRS

PHASES = ("finite", "interpolating", "zero")
FIELDS = (
    "q",
    "m",
    "sigma",
    "q_hat",
    "m_hat",
    "sigma_hat",
    "test_error",
    "train_loss",
    "mse",
    "rank",
    "residual",
    "evaluations",
    "unconverged_nodes",
    "branches",
)


def theory_curve(*, alpha, model: ErmModel, progress=None) -> xr.Dataset:
    """The fixed points of `model` on the alpha grid (the lowest-train-loss branch), every
    point with its convergence flag and residual; the interpolation threshold when
    lambda -> 0+ (factorized)."""
    points = solve_curve(model, alpha, progress=progress)
    data = {name: ("alpha", np.array([getattr(p, name) for p in points])) for name in FIELDS}
    data["converged"] = ("alpha", np.array([p.converged for p in points], dtype=np.int8))
    data["phase"] = ("alpha", np.array([PHASES.index(p.phase) for p in points], dtype=np.int8))
    ds = xr.Dataset(data, coords={"alpha": [p.alpha for p in points]})
    ds = ds.assign_coords(alpha_bar=("alpha", [model.alpha_bar(p.alpha) for p in points]))
    ds = ds.assign_coords(kappa0=model.kappa0, noise=model.noise, lam=model.lam, T=model.T)
    if model.noise > 0 and model.parameterisation == "factorized":
        threshold = interpolation(kappa0=model.kappa0, noise=model.noise)
        ds["alpha_interp"] = threshold.alpha_bar / model.alpha_bar(1.0)
    ds = with_metadata(ds, THEORY_ATTRS)
    annotate(
        ds,
        paper=PAPER,
        title=(
            f"ERM state evolution ({model.parameterisation}), kappa0 = {model.kappa0:g}, "
            f"Delta = {model.noise:g}, lambda_t = {model.lam:g}, T = {model.T}"
        ),
        parameters={"alpha": list(map(float, ds.alpha.values))} | vars(model),
        settings={
            "sobol_seed": output_side.NODE_SEED,
            "log2_nodes": model.log2_nodes,
            "test_log2_nodes": model.log2_nodes + output_side.TEST_NODES_LOG2_FACTOR,
            "tie_width": output_side.TIE_WIDTH,
            "residual_tol": RESIDUAL_TOL,
            "max_unconverged_nodes": MAX_UNCONVERGED_NODES,
            "branch_search": "continuations up and down the grid, lowest train loss kept",
        },
    )
    return ds
