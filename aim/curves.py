"""Whole theory curves as annotated datasets: one pipeline job each.

Grids are anchored (log grids on 10^(k / per_decade), linear grids on multiples of the
step) so that curves computed separately for different rho share coordinates and can be
aligned in a figure's aggregate without interpolation.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from aim.channels import softmax_observations
from aim.io import annotate
from aim.state_evolution import (
    FixedPoint,
    SolverSettings,
    hardmax_small_rho,
    hardmax_state_evolution,
    hardmax_weak_recovery,
    softmax_perfect_recovery,
    softmax_state_evolution,
)


def log_grid(lo: float, hi: float, per_decade: int) -> np.ndarray:
    """Points 10^(k / per_decade) covering [lo, hi] (one point beyond each end)."""
    if not 0 < lo < hi or per_decade < 1:
        raise ValueError(f"need 0 < lo < hi and per_decade >= 1, got {lo}, {hi}, {per_decade}")
    k = np.arange(np.floor(per_decade * np.log10(lo)), np.ceil(per_decade * np.log10(hi)) + 1)
    return np.round(10.0 ** (k / per_decade), 12)


def linear_grid(lo: float, hi: float, step: float) -> np.ndarray:
    """Multiples of step in [lo, hi]."""
    if not (lo <= hi and step > 0):
        raise ValueError(f"need lo <= hi and step > 0, got {lo}, {hi}, {step}")
    k = np.arange(np.ceil(lo / step - 1e-9), np.floor(hi / step + 1e-9) + 1)
    return np.round(step * k, 12) + 0.0  # + 0.0 turns -0.0 into 0.0


def hardmax_alpha_grid(rho: float, alpha: dict, alpha_bar: dict) -> np.ndarray:
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


_ATTRS = {
    "mmse": ("Bayes-optimal estimation error ||S_hat - S||_F^2 / d", "1"),
    "q": ("overlap Tr(S_hat S) / d at the fixed point", "1"),
    "q_hat": ("conjugate overlap at the fixed point", "1"),
    "converged": ("fixed-point solver converged (1) or hit its iteration cap (0)", "1"),
    "iterations": ("fixed-point iterations", "1"),
    "alpha": ("sample ratio n / d^2", "1"),
    "alpha_bar": ("sample ratio per rank n / (d r) = alpha / rho", "1"),
    "x": ("alpha (T^2 + T - 2)", "1"),
    "rho": ("width ratio r / d", "1"),
    "T": ("tokens per sequence", "1"),
}


def with_metadata(ds: xr.Dataset, extra: dict | None = None) -> xr.Dataset:
    """Attach long_name and units to every variable that has an entry."""
    table = _ATTRS | (extra or {})
    for name in ds.variables:
        if name in table:
            ds[name].attrs.update(long_name=table[name][0], units=table[name][1])
    return ds


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
    variant: str, rho: float, alpha: dict, alpha_bar: dict, solver: dict
) -> xr.Dataset:
    """Hardmax SE curve at width ratio rho; rho = 0 gives the rescaled limit on alpha_bar."""
    settings = SolverSettings(**solver)
    if rho == 0:
        grid = log_grid(alpha_bar["min"], alpha_bar["max"], alpha_bar["per_decade"])
        ds = _fixed_point_dataset(hardmax_small_rho(grid, variant, settings), "alpha_bar")
    else:
        grid = hardmax_alpha_grid(rho, alpha, alpha_bar)
        ds = _fixed_point_dataset(hardmax_state_evolution(grid, rho, variant, settings), "alpha")
    ds = ds.assign_coords(rho=rho, T=2)
    ds["alpha_bar_weak"] = hardmax_weak_recovery(variant)
    ds = with_metadata(ds, {"alpha_bar_weak": ("weak-recovery threshold as rho -> 0", "1")})
    ds.attrs["variant"] = variant
    annotate(
        ds,
        f"Hardmax (T = 2, {variant}) state evolution, rho = {rho:g}",
        {
            "channel": "hardmax",
            "variant": variant,
            "T": 2,
            "rho": rho,
            "alpha": alpha,
            "alpha_bar": alpha_bar,
        },
        vars(settings),
    )
    return ds


def softmax_curve(T: int, rho: float, x: dict) -> xr.Dataset:
    """Closed-form softmax SE on an x grid (rho may be inf: the line 1 - x)."""
    xs = softmax_x_grid(x)
    k = softmax_observations(T)
    ds = _fixed_point_dataset(softmax_state_evolution(xs / k, T, rho), "alpha")
    ds = ds.assign_coords(x=("alpha", xs), rho=rho, T=T)
    ds["alpha_perfect"] = softmax_perfect_recovery(rho) / k
    ds = with_metadata(ds, {"alpha_perfect": ("perfect-recovery sample ratio", "1")})
    annotate(
        ds,
        f"Softmax (T = {T}) state evolution, rho = {rho:g}",
        {"channel": "softmax", "T": T, "rho": rho, "x": x},
        {"method": "closed_form", "equation": "mmse_S(Delta) = x Delta"},
    )
    return ds
