"""The wing's figure aggregates, from its per-job datasets only.

SE curves are stacked along a `curve` dimension labelled by their parameters; GD blocks are
reduced to one row per (point, lambda) of a `point` table: mean, std and count over the
runs that count (diverged runs are left out and counted), and the runs that hit the step
cap. Oracle choices pick, per alpha, the lambda of the lowest mean (SE: the lowest converged
value); the figures and captions name them as oracle choices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from aim.core.io import parameters, with_metadata
from aim.erm.thresholds import perfect_recovery_factorized
from aim.erm.vocabulary import AGGREGATE_ATTRS, GD_ATTRS, THEORY_ATTRS

CURVE_KEYS = ("kappa0", "noise", "lam", "T", "beta", "parameterisation")
POINT_KEYS = (
    "kappa0",
    "noise",
    "lam",
    "T",
    "beta",
    "parameterisation",
    "task",
    "kappa",
    "alpha",
    "d",
)
MEASURES = ("test_error", "test_error_clean", "train_loss", "mse")
CURVE_FIELDS = (
    "test_error",
    "train_loss",
    "mse",
    "rank",
    "upper_bulk",
    "converged",
    "phase",
    "alpha_bar",
    "residual",
)


def _attrs(ds: xr.Dataset) -> xr.Dataset:
    """Metadata, and the counts a caption quotes: SE points that did not converge."""
    if "converged" in ds:
        finite = ds.test_error.notnull()
        ds.attrs["se_unconverged"] = int(((ds.converged == 0) & finite).sum())
    return with_metadata(ds, THEORY_ATTRS | GD_ATTRS | AGGREGATE_ATTRS)


def stack_curves(curves: list[xr.Dataset]) -> xr.Dataset:
    """SE curves along `curve` (outer join on alpha), labelled by CURVE_KEYS."""
    labels = {key: [parameters(c)[key] for c in curves] for key in CURVE_KEYS}
    parts = [c.reset_coords()[list(CURVE_FIELDS)].expand_dims("curve") for c in curves]
    ds = xr.concat(parts, dim="curve", join="outer")
    ds = ds.assign_coords({key: ("curve", values) for key, values in labels.items()})
    ds["alpha_interp"] = (
        "curve",
        [float(c.alpha_interp) if "alpha_interp" in c else np.nan for c in curves],
    )
    return ds


def point_table(runs: list[xr.Dataset]) -> pd.DataFrame:
    """One row per (point, lambda, run) of the GD blocks."""
    rows = []
    for ds in runs:
        p = parameters(ds)
        fixed = {key: p[key] for key in POINT_KEYS if key != "lam"}
        for lam in ds.lam.values:
            one = ds.sel(lam=lam)
            rows.append(
                pd.DataFrame(
                    {
                        **fixed,
                        "lam": float(lam),
                        "run": ds.run.values,
                        "data_seed": ds.data_seed.values,
                        **{m: one[m].values for m in MEASURES},
                        "diverged": one.diverged.values,
                        "capped": 1 - one.stopped.values,
                    }
                )
            )
    table = pd.concat(rows, ignore_index=True)
    # a run listed by two blocks (a panel that is also a test point) counts once
    return table.drop_duplicates([*POINT_KEYS, "data_seed"])


def reduce_points(table: pd.DataFrame) -> xr.Dataset:
    """Mean, std and count over the runs that did not diverge, per (point, lambda)."""
    kept = table[table.diverged == 0]
    groups = kept.groupby(list(POINT_KEYS))
    out = pd.DataFrame({"runs": groups.size()})
    for m in MEASURES:
        out[f"{m}_mean"] = groups[m].mean()
        out[f"{m}_std"] = groups[m].std(ddof=1)
    out["capped"] = groups.capped.sum()
    everything = table.groupby(list(POINT_KEYS))
    out = out.reindex(everything.size().index)
    out["runs"] = out.runs.fillna(0).astype(np.int32)
    out["diverged"] = everything.diverged.sum().astype(np.int32)
    out["capped"] = out.capped.fillna(0).astype(np.int32)
    return _table_dataset(out.reset_index(), dim="point", prefix="gd_")


def _table_dataset(flat: pd.DataFrame, *, dim: str, prefix: str) -> xr.Dataset:
    """A flat table as variables on one dimension, the POINT_KEYS as coordinates, every
    name prefixed (so that they never meet the SE curves' coordinates)."""
    return xr.Dataset(
        {prefix + c: (dim, flat[c].to_numpy()) for c in flat.columns if c not in POINT_KEYS},
        coords={prefix + c: (dim, flat[c].to_numpy()) for c in POINT_KEYS},
    )


def oracle_points(points: xr.Dataset, by: str = "test_error") -> xr.Dataset:
    """Per (parameterisation, alpha): the row of the lambda with the lowest mean `by`."""
    table = points.to_dataframe().reset_index(drop=True)
    table.columns = [c.removeprefix("gd_") for c in table.columns]
    table = table[table.runs > 0]
    best = table.loc[table.groupby(["parameterisation", "alpha"])[f"{by}_mean"].idxmin()]
    return _table_dataset(best.reset_index(drop=True), dim="best_point", prefix="best_")


def oracle_curves(stack: xr.Dataset, by: str = "test_error") -> xr.Dataset:
    """Per parameterisation and alpha, the converged curve with the lowest `by`: its value,
    its lambda, and whether any curve converged there."""
    out = {}
    for param in np.unique(stack.parameterisation.values):
        part = stack.where(stack.parameterisation == param, drop=True)
        value = part[by].where(part.converged == 1)
        found = value.notnull().any("curve")
        index = value.fillna(np.inf).argmin("curve")
        out[param] = xr.Dataset(
            {
                f"oracle_{by}": value.isel(curve=index).where(found),
                "oracle_lam": part.lam.isel(curve=index)
                .where(found)
                .drop_vars("curve", errors="ignore"),
                "oracle_found": found.astype(np.int8),
            }
        )
    return xr.concat(list(out.values()), dim=pd.Index(list(out), name="oracle_param"))


# --- one gather per figure ------------------------------------------------------------------


def spectra_figure(
    *,
    curves: list[xr.Dataset],
    densities: list[xr.Dataset],
    gd: list[xr.Dataset],
    d: int,
    panels: dict,
) -> xr.Dataset:
    """Fig. 1: the SE curves (one per kappa0), the learned laws at the panel alphas, the GD
    test-error points at width d, and the singular values of the panel runs."""
    ds = stack_curves(curves)
    test = [run for run in gd if int(run.d) == d]
    ds = ds.merge(reduce_points(point_table(test)), compat="override")
    laws = sorted(densities, key=lambda law: float(law.alpha))
    ds["panel_alpha"] = ("panel", [float(law.alpha) for law in laws])
    size = max(law.s.size for law in laws)
    for name in ("s", "density", "teacher_density"):
        ds[f"law_{name}"] = (
            ("panel", "law_node"),
            np.array(
                [
                    np.pad(law[name].values, (0, size - law.s.size), constant_values=np.nan)
                    for law in laws
                ]
            ),
        )
    for name in ("atom", "teacher_atom", "converged"):
        ds[f"law_{name}"] = ("panel", [float(law[name]) for law in laws])
    values = []
    for alpha, width in zip(panels["alpha"], panels["d"], strict=True):
        blocks = [
            run
            for run in gd
            if int(run.d) == width and np.isclose(float(run.alpha), alpha) and float(run.kappa) == 1
        ]
        eig = np.concatenate(
            [run.eigenvalues.values[0][run.diverged.values[0] == 0].ravel() for run in blocks]
        )
        values.append(np.sqrt(np.clip(eig, 0, None)))
    size = max(v.size for v in values)
    ds["panel_singular_values"] = (
        ("panel", "value"),
        np.array([np.pad(v, (0, size - v.size), constant_values=np.nan) for v in values]),
    )
    ds["panel_d"] = ("panel", [int(w) for w in panels["d"]])
    ds.attrs.update(gd_d=d, panel_runs=int(panels["runs"]))
    return _attrs(ds)


def interpolation_figure(*, curves: list[xr.Dataset], gd: list[xr.Dataset]) -> xr.Dataset:
    """Fig. 2: SE curves for every lambda and lambda -> 0+, the GD points, the interpolation
    threshold and the peak of the lambda -> 0+ test error."""
    ds = stack_curves(curves).merge(reduce_points(point_table(gd)), compat="override")
    limit = ds.isel(curve=int(np.argmin(ds.lam.values)))
    if float(limit.lam) == 0:
        peak = int(limit.test_error.fillna(-np.inf).argmax("alpha"))
        ds.attrs.update(
            peak_alpha=float(limit.alpha[peak]),
            peak_test_error=float(limit.test_error[peak]),
            alpha_interp=float(limit.alpha_interp),
        )
    return _attrs(ds)


def factorization_figure(
    *, curves: list[xr.Dataset], gd: list[xr.Dataset], thresholds: list[xr.Dataset]
) -> xr.Dataset:
    """Fig. 3: factorized vs direct at the oracle lambda (SE over its lambda grid, GD over
    the same grid), and the thresholds against kappa0."""
    stack = stack_curves(curves)
    points = reduce_points(point_table(gd))
    ds = xr.merge([stack, points, oracle_curves(stack), oracle_points(points)], compat="override")
    (table,) = thresholds
    ds = ds.merge(
        table.rename({"noise": "threshold_noise", "kappa0": "threshold_kappa0"}), compat="override"
    )
    return _attrs(ds)


def appendix_figure(*, curves: list[xr.Dataset], gd: list[xr.Dataset], figure: str) -> xr.Dataset:
    """Figs. 4-6: GD points per setting (task, beta or T) and noise, and the SE lines."""
    ds = stack_curves(curves).merge(reduce_points(point_table(gd)), compat="override")
    ds.attrs["figure"] = figure
    return _attrs(ds)


def vs_bayes_figure(
    *, curves: list[xr.Dataset], gd: list[xr.Dataset], bayes: list[xr.Dataset]
) -> xr.Dataset:
    """Beyond the paper: noiseless ERM at its best lambda (lowest MSE; SE over its lambda
    grid and lambda -> 0+, GD over the grid) against the Bayes-optimal MMSE, in alpha_bar,
    with both perfect-recovery thresholds."""
    stack = stack_curves(curves)
    points = reduce_points(point_table(gd))
    (mmse,) = bayes
    kappa0 = float(stack.kappa0[0])
    ds = xr.merge(
        [stack, points, oracle_curves(stack, by="mse"), oracle_points(points, by="mse")],
        compat="override",
    )
    ds["bayes_alpha_bar"] = ("bayes_node", mmse.bayes_alpha_bar.values)
    ds["bayes_mmse"] = ("bayes_node", mmse.bayes_mmse.values)
    ds["bayes_converged"] = ("bayes_node", mmse.converged.values)
    ds.attrs.update(
        kappa0=kappa0,
        alpha_bar_perfect_erm=perfect_recovery_factorized(kappa0=kappa0),
        alpha_bar_perfect_bayes=float(mmse.alpha_bar_perfect_bayes),
    )
    return _attrs(ds)


def thresholds_figure(*, thresholds: list[xr.Dataset]) -> xr.Dataset:
    """The threshold table as it is, with the count of noisy thresholds that could not be
    bracketed (the caption says so)."""
    (ds,) = thresholds
    ds = ds.copy()
    ds.attrs["not_found"] = int((ds.found == 0).sum())
    return ds
