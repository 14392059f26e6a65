"""Figure aggregates: everything one figure draws, gathered from the per-job datasets."""

from __future__ import annotations

import numpy as np
import xarray as xr

from aim.curves import with_metadata
from aim.io import annotate, parameters

VARIANT_NOTES = {
    "exact": "exact derivative of the hardmax likelihood: the Bayes-optimal error",
    "published": (
        "the authors' published derivative (bivariate density in place of the exact "
        "derivative): reproduces the paper's curves, which are NOT the Bayes-optimal error"
    ),
}


def _stack_over_rho(curves: list[xr.Dataset], names: list[str]) -> xr.Dataset:
    parts = [c[names].expand_dims("rho") for c in sorted(curves, key=lambda c: float(c.rho))]
    return xr.concat(parts, dim="rho", join="outer")


def hardmax_figure(
    curves: list[xr.Dataset], limit: xr.Dataset, rho_alpha: list, rho_alpha_bar: list
) -> xr.Dataset:
    """Hardmax figure data: mmse(rho, alpha) for every rho (NaN off each rho's grid), the
    rho -> 0 curve on alpha_bar, the threshold, and which rho goes in which panel."""
    variant = limit.attrs["variant"]
    ds = _stack_over_rho(curves, ["mmse", "converged"])
    rho = ds.rho.values
    ds["in_alpha_panel"] = ("rho", np.isin(rho, rho_alpha).astype(np.int8))
    ds["in_alpha_bar_panel"] = ("rho", np.isin(rho, rho_alpha_bar).astype(np.int8))
    ds["mmse_rho0"] = limit.mmse.drop_vars(["rho", "T"]).rename("mmse_rho0")
    ds["converged_rho0"] = limit.converged.drop_vars(["rho", "T"])
    ds["alpha_bar_weak"] = limit.alpha_bar_weak.drop_vars(["rho", "T"])
    ds = ds.drop_vars("T", errors="ignore")
    with_metadata(
        ds,
        {
            "in_alpha_panel": ("curve drawn against alpha (left panel)", "1"),
            "in_alpha_bar_panel": ("curve drawn against alpha / rho (right panel)", "1"),
            "mmse_rho0": ("estimation error in the rho -> 0 limit", "1"),
            "converged_rho0": ("rho -> 0 solver converged", "1"),
            "alpha_bar_weak": ("weak-recovery threshold as rho -> 0", "1"),
        },
    )
    ds.attrs.update(variant=variant, variant_note=VARIANT_NOTES[variant])
    annotate(
        ds,
        f"Hardmax T = 2 ({variant}): state evolution for the hardmax figure",
        {
            "variant": variant,
            "rho_alpha_panel": rho_alpha,
            "rho_alpha_bar_panel": rho_alpha_bar,
            "inputs": [parameters(c) for c in curves],
        },
    )
    return ds


def softmax_figure(
    left: list[xr.Dataset], universal: list[xr.Dataset], rho_universal: float
) -> xr.Dataset:
    """Softmax figure data: T = 2 curves over rho (left) and the curves at rho_universal for
    every T against x (right), whose spread across T is recorded as a check of the collapse."""
    finite = [c for c in left if np.isfinite(float(c.rho))]
    line = [c for c in left if not np.isfinite(float(c.rho))]
    ds = _stack_over_rho(finite, ["mmse", "converged", "alpha_perfect"])
    if line:
        ds["mmse_rho_inf"] = line[0].mmse.drop_vars(["rho", "T", "x"])
    per_t = [
        c.mmse.swap_dims(alpha="x").drop_vars(["alpha", "rho"]).expand_dims("T")
        for c in sorted(universal, key=lambda c: int(c.T))
    ]
    uni = xr.concat(per_t, dim="T").rename("mmse_universal")
    ds = xr.merge([ds.drop_vars(["T", "x"], errors="ignore"), uni.to_dataset()])
    spread = float(np.nanmax(uni.max("T") - uni.min("T")))
    with_metadata(
        ds,
        {
            "mmse_rho_inf": ("estimation error as rho -> infinity (1 - x)", "1"),
            "mmse_universal": (f"estimation error at rho = {rho_universal:g} against x", "1"),
            "alpha_perfect": ("perfect-recovery sample ratio", "1"),
        },
    )
    ds.attrs.update(rho_universal=rho_universal, collapse_max_spread=spread)
    annotate(
        ds,
        "Softmax: state evolution for the softmax figure",
        {
            "rho_universal": rho_universal,
            "inputs": [parameters(c) for c in left + universal],
        },
    )
    return ds
