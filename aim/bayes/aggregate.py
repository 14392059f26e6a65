"""Figure aggregates: everything one figure draws, gathered from the per-job datasets.

Each gather takes its named input lists of datasets (the figure registry's `inputs`) and
its options as keywords."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from aim.bayes import PAPER
from aim.bayes.vocabulary import AMP_POINT_ATTRS, GD_POINT_ATTRS, THEORY_ATTRS
from aim.core.io import annotate, parameters, with_metadata

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


def amp_points(runs: list[xr.Dataset], key: str, axis: str) -> xr.Dataset:
    """Mean, std and count of the AMP error at each (key, axis) point over the seeds that
    count (not diverged, predicted = measured), how many were left out, and the fraction
    of counted seeds that converged; the axis dimension is named f"{axis}_amp"."""
    name = f"{axis}_amp"
    table = pd.concat(
        pd.DataFrame(
            {
                key: np.full(ds.seed.size, ds[key].item()),
                name: np.full(ds.seed.size, round(float(ds[axis]), 12)),
                "mse": ds.mse.values,
                "converged": ds.converged.values.astype(float),
                "counts": (ds.consistent.values == 1) & (ds.diverged.values == 0),
            }
        )
        for ds in runs
    )
    table["left_out"] = ~table.counts
    table.loc[table.left_out, ["mse", "converged"]] = np.nan
    stats = table.groupby([key, name])
    out = xr.Dataset(
        {
            "amp_mse_mean": stats.mse.mean().to_xarray(),
            "amp_mse_std": stats.mse.std(ddof=1).to_xarray(),
            "amp_seeds": stats.mse.count().to_xarray().fillna(0).astype(np.int32),
            "amp_left_out": stats.left_out.sum().to_xarray().fillna(0).astype(np.int32),
            "amp_converged": stats.converged.mean().to_xarray(),
        }
    )
    out.attrs["amp_d"] = sorted({int(ds.d) for ds in runs})
    return with_metadata(out, THEORY_ATTRS | AMP_POINT_ATTRS)


def gd_points(runs: list[xr.Dataset]) -> xr.Dataset:
    """Per (T, x_gd): mean and std over draws of the single-run error (each draw's mean
    over its students that did not diverge) and of the averaged-estimate error, the number
    of draws that count and the number of diverged students left out."""
    table = pd.DataFrame(
        {
            "T": [int(ds["T"]) for ds in runs],
            "x_gd": [round(float(ds.x), 12) for ds in runs],
            "single": [float(ds.single_mse.mean()) for ds in runs],
            "averaged": [float(ds.averaged_mse) for ds in runs],
            "diverged": [int(ds.diverged.sum()) if "diverged" in ds else 0 for ds in runs],
        }
    )
    stats = table.groupby(["T", "x_gd"])
    out = xr.Dataset(
        {
            "gd_single_mean": stats.single.mean().to_xarray(),
            "gd_single_std": stats.single.std(ddof=1).to_xarray(),
            "gd_averaged_mean": stats.averaged.mean().to_xarray(),
            "gd_averaged_std": stats.averaged.std(ddof=1).to_xarray(),
            "gd_draws": stats.single.count().to_xarray().fillna(0).astype(np.int32),
            "gd_diverged": stats.diverged.sum().to_xarray().fillna(0).astype(np.int32),
        }
    )
    out.attrs.update(
        gd_d=sorted({int(ds.d) for ds in runs}),
        gd_students=sorted({int(ds.student.size) for ds in runs}),
    )
    return with_metadata(out, THEORY_ATTRS | GD_POINT_ATTRS)


def _with_points(ds: xr.Dataset, points: xr.Dataset) -> xr.Dataset:
    """Simulation points merged into a figure's data (outer join on shared dimensions)."""
    merged = xr.merge([ds, points], join="outer", combine_attrs="override")
    merged.attrs.update(points.attrs)
    return with_metadata(merged, THEORY_ATTRS | AMP_POINT_ATTRS | GD_POINT_ATTRS)


def hardmax_figure(
    *,
    curves: list[xr.Dataset],
    limit: list[xr.Dataset],
    amp: list[xr.Dataset] = (),
    rho_alpha: list,
    rho_alpha_bar: list,
) -> xr.Dataset:
    """Hardmax figure data: mmse(rho, alpha) for every rho (NaN off each rho's grid), the
    rho -> 0 curve on alpha_bar (`limit`, one dataset), the threshold, which rho goes in
    which panel, and the AMP points (rho, alpha_amp)."""
    (limit,) = limit
    variant = limit.attrs["variant"]
    ds = _stack_over_rho(curves, ["mmse", "converged"])
    rho = ds.rho.values
    ds["in_alpha_panel"] = ("rho", np.isin(rho, rho_alpha).astype(np.int8))
    ds["in_alpha_bar_panel"] = ("rho", np.isin(rho, rho_alpha_bar).astype(np.int8))
    ds["mmse_rho0"] = limit.mmse.drop_vars(["rho", "T"]).rename("mmse_rho0")
    ds["converged_rho0"] = limit.converged.drop_vars(["rho", "T"])
    ds["alpha_bar_weak"] = limit.alpha_bar_weak.drop_vars(["rho", "T"])
    ds = ds.drop_vars("T", errors="ignore")
    if amp:
        ds = _with_points(ds, amp_points(list(amp), "rho", "alpha"))
    with_metadata(
        ds,
        THEORY_ATTRS
        | {
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
        paper=PAPER,
        title=f"Hardmax T = 2 ({variant}): state evolution for the hardmax figure",
        parameters={
            "variant": variant,
            "rho_alpha_panel": rho_alpha,
            "rho_alpha_bar_panel": rho_alpha_bar,
            "inputs": [parameters(c) for c in [*curves, limit, *amp]],
        },
    )
    return ds


def softmax_figure(
    *,
    left: list[xr.Dataset],
    universal: list[xr.Dataset],
    amp: list[xr.Dataset] = (),
    gd: list[xr.Dataset] = (),
    rho_universal: float,
) -> xr.Dataset:
    """Softmax figure data: T = 2 curves over rho (left), the curves at rho_universal for
    every T against x (right; their spread across T is recorded as a check of the
    collapse), the AMP points (T, x_amp) and the GD points (T, x_gd)."""
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
    if amp:
        ds = _with_points(ds, amp_points(list(amp), "T", "x"))
    if gd:
        ds = _with_points(ds, gd_points(list(gd)))
    spread = float(np.nanmax(uni.max("T") - uni.min("T")))
    with_metadata(
        ds,
        THEORY_ATTRS
        | {
            "mmse_rho_inf": ("estimation error as rho -> infinity (1 - x)", "1"),
            "mmse_universal": (f"estimation error at rho = {rho_universal:g} against x", "1"),
            "alpha_perfect": ("perfect-recovery sample ratio", "1"),
        },
    )
    ds.attrs.update(rho_universal=rho_universal, collapse_max_spread=spread)
    annotate(
        ds,
        paper=PAPER,
        title="Softmax: state evolution for the softmax figure",
        parameters={
            "rho_universal": rho_universal,
            "inputs": [parameters(c) for c in [*left, *universal, *amp, *gd]],
        },
    )
    return ds
