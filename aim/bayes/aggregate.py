"""Figure aggregates: everything one figure draws, gathered from the per-job datasets.

Each gather takes its named input lists of datasets (the figure registry's `inputs`) and
its options as keywords."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from aim.bayes import PAPER
from aim.bayes.channels import x_per_alpha
from aim.bayes.state_evolution import (
    SolverSettings,
    hardmax_state_evolution,
    softmax_state_evolution,
)
from aim.bayes.vocabulary import (
    AMP_POINT_ATTRS,
    FINITE_SIZE_ATTRS,
    GD_POINT_ATTRS,
    THEORY_ATTRS,
)
from aim.core.extrapolation import extrapolate
from aim.core.io import annotate, parameters, solver_settings, with_metadata

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
    count (not diverged and, where AMP's predicted error is calibrated, predicted =
    measured), how many were left out, and the fraction of counted seeds that converged;
    the axis dimension is named f"{axis}_amp"."""
    name = f"{axis}_amp"
    table = pd.concat(
        pd.DataFrame(
            {
                key: np.full(ds.seed.size, ds[key].item()),
                name: np.full(ds.seed.size, round(float(ds[axis]), 12)),
                "mse": ds.mse.values,
                "converged": ds.converged.values.astype(float),
                "counts": _run_counts(ds),
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
    teachers = sorted({ds.attrs["teacher"] for ds in runs if "teacher" in ds.attrs})
    if teachers:
        out.attrs["amp_teacher"] = teachers
    starts = {solver_settings(ds).get("damping_start", "auto") for ds in runs}
    out.attrs["amp_damping_start"] = sorted(starts)
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
    solver: dict | None = None,
) -> xr.Dataset:
    """Hardmax figure data: mmse(rho, alpha) for every rho (NaN off each rho's grid), the
    rho -> 0 curve on alpha_bar (`limit`, one dataset), the threshold, which rho goes in
    which panel, and the AMP points (rho, alpha_amp) with the SE at each (`amp_theory`,
    solved there, not interpolated; `solver`: the curves' settings)."""
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
        settings = SolverSettings(**(solver or {}))
        ds["amp_theory"] = xr.concat(
            [
                xr.DataArray(
                    _hardmax_se(
                        ds.alpha_amp.values, rho=float(r), variant=variant, settings=settings
                    )
                    if (ds.amp_seeds.sel(rho=r) > 0).any() or (ds.amp_left_out.sel(rho=r) > 0).any()
                    else np.full(ds.alpha_amp.size, np.nan),  # a row without AMP points
                    dims="alpha_amp",
                )
                for r in ds.rho
            ],
            dim=ds.rho,
        )
    with_metadata(
        ds,
        THEORY_ATTRS
        | AMP_POINT_ATTRS
        | GD_POINT_ATTRS
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


def _hardmax_se(alpha, *, rho: float, variant: str, settings: SolverSettings) -> np.ndarray:
    """The hardmax SE error solved at the points alpha (not read off a curve)."""
    return hardmax_state_evolution(alpha=alpha, rho=rho, variant=variant, settings=settings).mmse


def _softmax_se(x, *, rho: float) -> np.ndarray:
    """The softmax SE error solved at the points x = alpha (T^2 + T - 2), the same for
    every T."""
    alpha = np.asarray(x, float) / x_per_alpha(2)
    return softmax_state_evolution(alpha=alpha, T=2, rho=rho).mmse


def _softmax_at(x: xr.DataArray, rho: float) -> xr.DataArray:
    return xr.DataArray(_softmax_se(x.values, rho=rho), coords=x.coords)


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
        ds["amp_theory"] = _softmax_at(ds.x_amp, rho_universal)
    if gd:
        ds = _with_points(ds, gd_points(list(gd)))
        ds["gd_theory"] = _softmax_at(ds.x_gd, rho_universal)
    spread = float(np.nanmax(uni.max("T") - uni.min("T")))
    with_metadata(
        ds,
        THEORY_ATTRS
        | AMP_POINT_ATTRS
        | GD_POINT_ATTRS
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


def phase_figure(*, softmax: list[xr.Dataset], hardmax: list[xr.Dataset]) -> xr.Dataset:
    """Phase-diagram data: the MMSE of softmax T = 2 over (rho, alpha) with alpha_PR(rho),
    and of hardmax T = 2 (exact) over (rho, alpha_bar) with the rho -> 0 weak-recovery
    threshold."""
    soft = _stack_over_rho(softmax, ["mmse", "converged", "alpha_perfect"])
    hard = _stack_over_rho(hardmax, ["mmse", "converged"]).rename(
        mmse="hardmax_mmse", converged="hardmax_converged"
    )
    ds = xr.merge(
        [soft.rename(mmse="softmax_mmse", converged="softmax_converged"), hard],
        join="outer",
    ).drop_vars("T", errors="ignore")
    ds["alpha_bar_weak"] = hardmax[0].alpha_bar_weak
    with_metadata(
        ds,
        THEORY_ATTRS
        | {
            "softmax_mmse": ("softmax T = 2 Bayes-optimal error", "1"),
            "softmax_converged": ("softmax point solved", "1"),
            "hardmax_mmse": ("hardmax T = 2 Bayes-optimal error (exact derivative)", "1"),
            "hardmax_converged": ("hardmax fixed point converged", "1"),
            "alpha_perfect": ("softmax T = 2 perfect-recovery sample ratio", "1"),
            "alpha_bar_weak": ("hardmax weak-recovery alpha / rho as rho -> 0 (exact)", "1"),
        },
    )
    annotate(
        ds,
        paper=PAPER,
        title="Phase diagrams: Bayes-optimal error over (rho, alpha)",
        parameters={"inputs": [parameters(c) for c in [*softmax, *hardmax]]},
    )
    return ds


def _run_counts(ds: xr.Dataset) -> np.ndarray:
    """Which AMP seeds count: not diverged and, where AMP's predicted error is calibrated,
    predicted = measured."""
    calibrated = ds.attrs.get("calibrated", 1) == 1
    return ((ds.consistent.values == 1) | (not calibrated)) & (ds.diverged.values == 0)


SERIES_LABELS = {
    "hardmax": "AMP, hardmax (exact), alpha = {:g}",
    "softmax": "AMP, softmax T = 2, x = {:g}",
    "gd": "GD, averaged students, softmax T = 2, x = {:g}",
}


def _size_rows(
    kind: str, value: float, d: int, mse, counts, converged, students: int = 0
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "series": SERIES_LABELS[kind].format(value),
            "kind": kind,
            "value": value,
            "d": d,
            "mse": np.atleast_1d(mse),
            "left_out": ~np.atleast_1d(counts),
            "converged": np.atleast_1d(converged).astype(float),
            "students": students,
        }
    )


def _size_table(hardmax, softmax, gd) -> pd.DataFrame:
    """One row per run: its series (kind, alpha or x), d, error, whether it was left out,
    whether it converged (NaN for GD, which has no stopping rule), GD's students per draw
    (0 for AMP)."""
    rows = [
        _size_rows(
            kind, float(ds[axis]), int(ds.d), ds.mse.values, _run_counts(ds), ds.converged.values
        )
        for kind, axis, runs in (("hardmax", "alpha", hardmax), ("softmax", "x", softmax))
        for ds in runs
    ]
    rows += [
        _size_rows(
            "gd",
            float(ds.x),
            int(ds.d),
            float(ds.averaged_mse),
            np.isfinite(float(ds.averaged_mse)),
            np.nan,
            int(ds.student.size),
        )
        for ds in gd
    ]
    table = pd.concat(rows, ignore_index=True)
    mixed = table.groupby("series").students.nunique() > 1
    if mixed.any():
        raise ValueError(f"one student count per GD series, not several: {mixed[mixed].index[0]}")
    table.loc[table.left_out, ["mse", "converged"]] = np.nan
    return table


def _fit(d, mean, standard_error):
    """The extrapolation, or None where fewer than three sizes have a mean and an error
    (the figure then shows the points without a fit; its fit_* values are NaN)."""
    try:
        return extrapolate(d=d, mean=mean, standard_error=standard_error)
    except ValueError:
        return None


def posterior_samples_error(
    mmse: float | xr.DataArray, *, samples: int | xr.DataArray
) -> float | xr.DataArray:
    """Error of the mean of K independent posterior samples: mmse (1 + 1/K). Each sample is
    as far from the posterior mean as the truth is (Nishimori), mmse on average, and the
    mean of K of them is 1/K of that away."""
    return mmse * (1.0 + 1.0 / samples)


def effective_samples(
    error: float | xr.DataArray, *, mmse: float | xr.DataArray
) -> float | xr.DataArray:
    """The K for which K independent posterior samples, averaged, have this error: mmse /
    (error - mmse), inf where the error is at or below the mmse (NaN where it is NaN)."""
    excess = np.asarray(error, float) - np.asarray(mmse, float)
    bound = np.where(np.isnan(excess), np.nan, np.inf)
    return np.divide(mmse, excess, out=bound, where=excess > 0)[()]


def _students_reference(ds: xr.Dataset) -> xr.Dataset:
    """For the GD series: the error K independent posterior samples would have (K = the
    students averaged), whether it lies in the extrapolation's interval, and how many
    independent samples the extrapolated error is worth (with its 95% interval)."""
    gd = ds.kind == "gd"
    reference = posterior_samples_error(ds.theory, samples=ds.students.where(gd))
    ds["theory_posterior_samples"] = reference
    inside = (ds.fit_ci_low <= reference) & (reference <= ds.fit_ci_high)
    ds["posterior_samples_in_ci"] = inside.astype(np.int8)
    for name, error in (
        ("effective_samples", ds.fit_intercept),
        ("effective_samples_low", ds.fit_ci_high),
        ("effective_samples_high", ds.fit_ci_low),
    ):
        ds[name] = effective_samples(error, mmse=ds.theory).where(gd)
    return ds


def _series_theory(kind: str, value: float, *, rho: float, settings: SolverSettings) -> float:
    """The SE error a series tends to as d -> infinity."""
    if kind == "hardmax":
        return float(_hardmax_se([value], rho=rho, variant="exact", settings=settings)[0])
    return float(_softmax_se([value], rho=rho)[0])


def finite_size_figure(
    *,
    hardmax: list[xr.Dataset] = (),
    softmax: list[xr.Dataset] = (),
    gd: list[xr.Dataset] = (),
    rho: float,
    solver: dict | None = None,
) -> xr.Dataset:
    """Finite-size data: per series (AMP hardmax exact at each alpha, AMP softmax T = 2 at
    each x, GD averaged students at each x) and d: the mean error over the runs that count,
    its standard error, the counts; per series the SE value and the weighted fit a + b / d
    with its 95% interval at d -> infinity and chi^2 per degree of freedom; for GD also the
    error of as many independent posterior samples as students are averaged, and the
    number of independent samples the extrapolated error is worth."""
    table = _size_table(hardmax, softmax, gd)
    stats = table.groupby(["series", "d"])
    ds = xr.Dataset(
        {
            "mean": stats.mse.mean().to_xarray(),
            "count": stats.mse.count().to_xarray().fillna(0).astype(np.int32),
            "left_out": stats.left_out.sum().to_xarray().fillna(0).astype(np.int32),
            "converged": stats.converged.mean().to_xarray(),
        }
    )
    ds["standard_error"] = stats.mse.std(ddof=1).to_xarray() / np.sqrt(ds["count"])
    first = table.groupby("series").first()
    ds = ds.assign_coords(
        kind=("series", first.kind.loc[ds.series.values].values),
        value=("series", first.value.loc[ds.series.values].values),
        students=("series", first.students.loc[ds.series.values].values.astype(np.int32)),
    )
    settings = SolverSettings(**(solver or {}))
    theory = [
        _series_theory(str(k), float(v), rho=rho, settings=settings)
        for k, v in zip(ds.kind.values, ds.value.values)
    ]
    fits = [
        _fit(ds.d.values, ds["mean"].sel(series=s).values, ds.standard_error.sel(series=s).values)
        for s in ds.series.values
    ]
    ds["theory"] = ("series", theory)
    for name in ("intercept", "slope", "ci_low", "ci_high", "chi2_per_dof"):
        ds[f"fit_{name}"] = ("series", [getattr(f, name, np.nan) for f in fits])
    ds["fit_covariance"] = (
        ("series", "i", "j"),
        np.stack([np.full((2, 2), np.nan) if f is None else f.covariance for f in fits]),
    )
    ds["fit_residual"] = (
        ("series", "d"),
        np.stack([np.full(ds.d.size, np.nan) if f is None else f.residuals for f in fits]),
    )
    ds["theory_in_ci"] = (
        "series",
        np.array(
            [f is not None and f.ci_low <= t <= f.ci_high for f, t in zip(fits, theory)], np.int8
        ),
    )
    ds = _students_reference(ds)
    with_metadata(ds, FINITE_SIZE_ATTRS)
    annotate(
        ds,
        paper=PAPER,
        title="Finite-size scaling of AMP and GD errors",
        parameters={"rho": rho, "inputs": [parameters(r) for r in [*hardmax, *softmax, *gd]]},
    )
    return ds
