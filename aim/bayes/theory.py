"""Whole state-evolution curves as annotated datasets: one pipeline job each.

Grids are anchored (aim.core.grids), so curves computed separately for different rho share
coordinates and line up in a figure's aggregate without interpolation.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from aim.bayes import PAPER
from aim.bayes.channels import x_per_alpha
from aim.bayes.state_evolution import (
    FixedPoint,
    SolverSettings,
    hardmax_small_rho,
    hardmax_state_evolution,
    hardmax_weak_recovery,
    softmax_state_evolution,
)
from aim.bayes.vocabulary import THEORY_ATTRS
from aim.core.grids import linear_grid, log_grid
from aim.core.io import annotate, with_metadata
from aim.core.noiseless import perfect_recovery_x


def hardmax_alpha_grid(*, rho: float, alpha: dict, alpha_bar: dict) -> np.ndarray:
    """One log grid per rho that covers both panels: alpha and alpha / rho ranges."""
    per_decade = max(alpha["per_decade"], alpha_bar["per_decade"])
    lo = min(alpha["min"], alpha_bar["min"] * rho)
    hi = max(alpha["max"], alpha_bar["max"] * rho)
    return log_grid(lo, hi, per_decade)


def softmax_x_grid(x: dict) -> np.ndarray:
    """x = alpha (T^2 + T - 2): a linear grid on [0, max] joined with a log grid near 0."""
    grid = np.concatenate(
        [linear_grid(0.0, x["max"], x["step"]), log_grid(x["min_log"], x["max"], x["per_decade"])]
    )
    return np.unique(grid[grid <= x["max"] * (1 + 1e-12)])


def _fixed_point_dataset(fp: FixedPoint, dim: str) -> xr.Dataset:
    def clean(values):  # q_hat is infinite past perfect recovery: store as NaN
        return np.where(np.isfinite(values), values, np.nan)

    return xr.Dataset(
        {
            "mmse": (dim, fp.mmse),
            "q": (dim, clean(fp.q)),
            "q_hat": (dim, clean(fp.q_hat)),
            "converged": (dim, fp.converged.astype(np.int8)),
            "iterations": (dim, fp.iterations.astype(np.int32)),
        },
        coords={dim: fp.alpha},
    )


def hardmax_curve(
    *, variant: str, rho: float, alpha: dict, alpha_bar: dict, solver: dict
) -> xr.Dataset:
    """Hardmax SE curve at width ratio rho; rho = 0 gives the rescaled limit on alpha_bar."""
    settings = SolverSettings(**solver)
    if rho == 0:
        grid = log_grid(alpha_bar["min"], alpha_bar["max"], alpha_bar["per_decade"])
        fp = hardmax_small_rho(alpha_bar=grid, variant=variant, settings=settings)
        ds = _fixed_point_dataset(fp, "alpha_bar")
    else:
        grid = hardmax_alpha_grid(rho=rho, alpha=alpha, alpha_bar=alpha_bar)
        fp = hardmax_state_evolution(alpha=grid, rho=rho, variant=variant, settings=settings)
        ds = _fixed_point_dataset(fp, "alpha")
    ds = ds.assign_coords(rho=rho, T=2)
    ds["alpha_bar_weak"] = hardmax_weak_recovery(variant)
    ds = with_metadata(ds, THEORY_ATTRS)
    ds.attrs["variant"] = variant
    annotate(
        ds,
        paper=PAPER,
        title=f"Hardmax (T = 2, {variant}) state evolution, rho = {rho:g}",
        parameters={
            "channel": "hardmax",
            "variant": variant,
            "T": 2,
            "rho": rho,
            "alpha": alpha,
            "alpha_bar": alpha_bar,
        },
        settings=vars(settings),
    )
    return ds


def softmax_curve(*, T: int, rho: float, x: dict) -> xr.Dataset:
    """Closed-form softmax SE on an x grid (rho may be inf: the line 1 - x)."""
    xs = softmax_x_grid(x)
    k = x_per_alpha(T)
    ds = _fixed_point_dataset(softmax_state_evolution(alpha=xs / k, T=T, rho=rho), "alpha")
    ds = ds.assign_coords(x=("alpha", xs), rho=rho, T=T)
    ds["alpha_perfect"] = perfect_recovery_x(rho=rho) / k
    ds = with_metadata(ds, THEORY_ATTRS)
    annotate(
        ds,
        paper=PAPER,
        title=f"Softmax (T = {T}) state evolution, rho = {rho:g}",
        parameters={"channel": "softmax", "T": T, "rho": rho, "x": x},
        settings={"method": "closed_form", "equation": "mmse_S(Delta) = x Delta"},
    )
    return ds


def phase_row(*, channel: str, rho: float, grid: dict, solver: dict | None = None) -> xr.Dataset:
    """One row (fixed rho) of a phase diagram: the Bayes-optimal MMSE of softmax T = 2
    against alpha (grid: linear, {max, step}) or of hardmax T = 2, exact derivative,
    against alpha_bar = alpha / rho (grid: log, {min, max, per_decade})."""
    if channel == "softmax":
        alpha = linear_grid(0.0, grid["max"], grid["step"])
        ds = _fixed_point_dataset(softmax_state_evolution(alpha=alpha, T=2, rho=rho), "alpha")
        ds["alpha_perfect"] = perfect_recovery_x(rho=rho) / x_per_alpha(2)
        settings = {"method": "closed_form"}
    elif channel == "hardmax":
        settings = SolverSettings(**(solver or {}))
        alpha_bar = log_grid(grid["min"], grid["max"], grid["per_decade"])
        fp = hardmax_state_evolution(alpha=alpha_bar * rho, rho=rho, settings=settings)
        ds = _fixed_point_dataset(fp, "alpha")
        ds = ds.assign_coords(alpha_bar=("alpha", alpha_bar)).swap_dims(alpha="alpha_bar")
        ds = ds.drop_vars("alpha")
        ds["alpha_bar_weak"] = hardmax_weak_recovery("exact")
        settings = vars(settings)
    else:
        raise ValueError(f"channel must be softmax or hardmax, got {channel!r}")
    ds = with_metadata(ds.assign_coords(rho=rho, T=2), THEORY_ATTRS)
    annotate(
        ds,
        paper=PAPER,
        title=f"{channel.capitalize()} (T = 2) phase-diagram row, rho = {rho:g}",
        parameters={"channel": channel, "T": 2, "rho": rho, "grid": grid},
        settings=settings,
    )
    return ds
