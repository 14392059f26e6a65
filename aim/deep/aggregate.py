"""Gathers: the per-job datasets of one figure into its aggregate (one dataset per figure).

GAMP points are the mean of the runs that converged (stationary up to their own jitter); a run
that did not is kept in the aggregate, counted, and drawn apart, never averaged in. The
published values of arXiv:2502.00901 sit beside ours as `published_*` variables.
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr

from aim.deep.published import PUBLISHED
from aim.deep.vocabulary import ATTRS, annotated

AGGREGATE_ATTRS = ATTRS | {
    "gamp_alpha": ("alpha of the GAMP runs", "1"),
    "gamp_seed": ("seed of a GAMP run", "1"),
    "gamp_overlap": ("final |W_hat_l . w_l| / |w_l|^2 of a GAMP run", "1"),
    "gamp_converged": ("the GAMP run was stationary before its cap (1) or not (0)", "1"),
    "gamp_mean": ("mean final overlap over the converged GAMP runs", "1"),
    "gamp_std": ("standard deviation of the final overlap over the converged runs", "1"),
    "gamp_count": ("converged GAMP runs in the mean", "1"),
    "gamp_runs": ("GAMP runs at the point", "1"),
    "sgd_cosine": ("|cosine| of layer l with the teacher along SGD", "1"),
    "sgd_first_aligned": ("first epoch with |cosine| > 0.5 (-1: never)", "1"),
    "sgd_diverged": ("the SGD run diverged", "1"),
    "sgd_test_error": ("SGD test error", "1"),
    "gamp_trace_cosine": ("|cosine| of layer l along one GAMP run", "1"),
    "gamp_trace_gen_error": ("generalisation error along that GAMP run", "1"),
    "threshold_skip": ("skip strength c of the threshold curve", "1"),
    "weak": ("weak-recovery threshold of layer l at Q = 0", "1"),
    "conditional": ("threshold of layer l once the last layer alone is learned", "1"),
    "published_se_alpha": ("alpha of a published SE overlap", "1"),
    "published_se_layer": ("layer of a published SE overlap", "1"),
    "published_se_Q": ("published SE overlap (the authors' Monte Carlo)", "1"),
    "published_gamp_alpha": ("alpha of a published GAMP overlap", "1"),
    "published_gamp_layer": ("layer of a published GAMP overlap", "1"),
    "published_gamp_Q": ("published GAMP overlap (d = 1000, 16 runs)", "1"),
    "published_gamp_Q_std": ("its published standard deviation", "1"),
    "published_alpha_weak_last": ("published weak threshold of the last layer (c = 1)", "1"),
    "published_alpha_conditional_first": ("published first-layer threshold (c = 1)", "1"),
    "trec_similarity": ("S_l(t) of one TREC run", "1"),
    "trec_test_accuracy": ("TREC test accuracy of one run", "1"),
    "L": ("layers of the threshold curve", "1"),
    "alpha_weak_last": ("our weak threshold of the last layer at the figures' c", "1"),
    "alpha_conditional_first": ("our first-layer threshold once the last is learned", "1"),
    "gamp_left_out": ("GAMP runs not stationary at their cap, left out of the means", "1"),
    "trec_final_accuracy": ("TREC test accuracy at the end, mean over the runs", "1"),
}


def _finish(ds: xr.Dataset, title: str, parameters: dict) -> xr.Dataset:
    return annotated(ds, title=title, parameters=parameters, settings={}, table=AGGREGATE_ATTRS)


def _se_part(se: xr.Dataset) -> xr.Dataset:
    keep = ["Q", "gen_error", "gen_error_last_layer", "converged", "recovered", "noise_limited"]
    keep += ["map_error", "gen_error_null"]
    return se[keep].drop_vars(["layers", "skip"], errors="ignore")


def _gamp_points(gamp: list[xr.Dataset]) -> xr.Dataset:
    """Final overlaps of every run on (gamp_alpha, gamp_seed, layer); means over the
    converged runs per alpha."""
    alphas = sorted({float(ds.alpha) for ds in gamp})
    seeds = sorted({int(ds.seed) for ds in gamp})
    layers = gamp[0].layer.values
    overlap = np.full((len(alphas), len(seeds), len(layers)), np.nan)
    converged = np.zeros((len(alphas), len(seeds)), dtype=np.int8)
    present = np.zeros_like(converged)
    for ds in gamp:
        i, j = alphas.index(float(ds.alpha)), seeds.index(int(ds.seed))
        overlap[i, j] = np.abs(ds.overlap.values[-1])
        converged[i, j], present[i, j] = int(ds.converged), 1
    kept = np.where(converged[..., None] == 1, overlap, np.nan)
    count = converged.sum(axis=1)
    with warnings.catch_warnings():  # an all-NaN row (no converged run) is NaN, as it should
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(kept, axis=1)
        std = np.nanstd(kept, axis=1, ddof=1) if len(seeds) > 1 else np.full_like(mean, np.nan)
    return xr.Dataset(
        {
            "gamp_overlap": (("gamp_alpha", "gamp_seed", "layer"), overlap),
            "gamp_converged": (("gamp_alpha", "gamp_seed"), converged),
            "gamp_mean": (("gamp_alpha", "layer"), mean),
            "gamp_std": (("gamp_alpha", "layer"), std),
            "gamp_count": ("gamp_alpha", count),
            "gamp_runs": ("gamp_alpha", present.sum(axis=1)),
        },
        coords={"gamp_alpha": alphas, "gamp_seed": seeds, "layer": layers},
    )


def _published() -> xr.Dataset:
    p = PUBLISHED
    return xr.Dataset(
        {
            "published_se_alpha": ("published_se", p["se_alpha"]),
            "published_se_layer": ("published_se", p["se_layer"]),
            "published_se_Q": ("published_se", p["se_Q"]),
            "published_gamp_alpha": ("published_gamp", p["gamp_alpha"]),
            "published_gamp_layer": ("published_gamp", p["gamp_layer"]),
            "published_gamp_Q": ("published_gamp", p["gamp_Q"]),
            "published_gamp_Q_std": ("published_gamp", p["gamp_Q_std"]),
            "published_alpha_weak_last": p["alpha_weak_last"],
            "published_alpha_conditional_first": p["alpha_conditional_first"],
        }
    )


def _thresholds_part(th: xr.Dataset) -> xr.Dataset:
    return xr.Dataset(
        {
            "weak": (("threshold_skip", "layer"), th.alpha_weak.values),
            "conditional": (("threshold_skip", "layer"), th.alpha_conditional.values),
            "found": (("threshold_skip", "layer"), th.found.values),
            "jensen_bound": th.jensen_bound,
        },
        coords={"threshold_skip": th.skip.values, "layer": th.layer.values},
    )


def two_layer_figure(
    *, se: list[xr.Dataset], thresholds: list[xr.Dataset], gamp: list[xr.Dataset], skip: float
) -> xr.Dataset:
    """Fig. 1: SE overlaps and errors with GAMP points, and the thresholds against c, with
    ours at the figures' c as scalars beside the published ones."""
    th = thresholds[0]
    at = th.sel(skip=skip)
    ds = xr.merge([_se_part(se[0]), _gamp_points(gamp), _thresholds_part(th), _published()])
    ds["alpha_weak"] = ("layer", at.alpha_weak.values)
    ds["alpha_conditional"] = ("layer", at.alpha_conditional.values)
    ds["alpha_weak_last"] = float(at.alpha_weak.sel(layer=2))
    ds["alpha_conditional_first"] = float(at.alpha_conditional.sel(layer=1))
    ds["gamp_left_out"] = int((ds.gamp_runs - ds.gamp_count).sum())
    ds = ds.assign_coords(skip=skip, gamp_d=int(gamp[0].d))
    ds.gamp_d.attrs.update(long_name="token dimension of the GAMP runs", units="1")
    ds.attrs["threshold_note"] = (
        "published layer-2 thresholds below the Jensen bound 1/6 cannot be right; ours are "
        "computed from the linearised state evolution"
    )
    parameters = {"skip": skip, "alpha": ds.alpha.values.tolist(), "gamp_d": int(gamp[0].d)}
    return _finish(ds, "deep attention, two layers (Fig. 1)", parameters)


def dynamics_figure(*, gamp: list[xr.Dataset], sgd: list[xr.Dataset]) -> xr.Dataset:
    """Fig. 2: one GAMP run's cosines per iteration; SGD cosines per epoch over the runs."""
    trace = gamp[0]
    runs = xr.concat(sgd, dim="run", data_vars="minimal", coords="minimal", compat="override")
    ds = xr.Dataset(
        {
            "gamp_trace_cosine": (("iteration", "layer"), np.abs(trace.cosine.values)),
            "gamp_trace_gen_error": ("iteration", trace.gen_error.values),
            "sgd_cosine": (("epoch", "run", "layer"), np.abs(runs.cosine.values)),
            "sgd_first_aligned": (("run", "layer"), runs.first_aligned.values),
            "sgd_diverged": ("run", runs.diverged.values),
            "sgd_test_error": (("test_epoch", "run"), runs.test_error.values),
        },
        coords={
            "iteration": trace.iteration.values,
            "layer": trace.layer.values,
            "epoch": runs.epoch.values,
            "run": runs.run.values,
            "test_epoch": runs.test_epoch.values,
        },
    )
    ds = ds.assign_coords(
        gamp_alpha=float(trace.alpha),
        gamp_d=int(trace.d),
        sgd_alpha=float(runs.alpha),
        sgd_d=int(runs.d),
    )
    for name, text in (
        ("gamp_alpha", "alpha of the GAMP run"),
        ("gamp_d", "token dimension of the GAMP run"),
        ("sgd_alpha", "alpha of the SGD runs"),
        ("sgd_d", "token dimension of the SGD runs"),
    ):
        ds[name].attrs.update(long_name=text, units="1")
    ds["gamp_converged"] = trace.converged
    ds.gamp_converged.attrs.update(long_name="the GAMP run was stationary", units="1")
    kept = np.abs(runs.cosine.values[-1][runs.diverged.values == 0])  # (runs, layer)
    first = runs.first_aligned.values[runs.diverged.values == 0]
    for k, layer in enumerate(trace.layer.values):
        ds[f"sgd_final_cosine_{layer}"] = float(kept[:, k].mean()) if len(kept) else np.nan
        aligned = first[:, k][first[:, k] >= 0]
        ds[f"sgd_median_first_epoch_{layer}"] = float(np.median(aligned)) if aligned.size else -1
        ds[f"sgd_never_aligned_{layer}"] = int((first[:, k] < 0).sum())
    ds.attrs["sgd_wall_seconds"] = sum(float(b.attrs["wall_seconds"]) for b in sgd)
    for layer in trace.layer.values:
        ds[f"sgd_final_cosine_{layer}"].attrs.update(
            long_name=f"final |cosine| of layer {layer}, mean over the runs", units="1"
        )
        ds[f"sgd_median_first_epoch_{layer}"].attrs.update(
            long_name=f"median first epoch with |cosine| > 0.5, layer {layer}", units="1"
        )
        ds[f"sgd_never_aligned_{layer}"].attrs.update(
            long_name=f"runs whose layer {layer} never passed |cosine| = 0.5", units="1"
        )
    parameters = {
        "gamp": {"alpha": float(trace.alpha), "d": int(trace.d), "seed": int(trace.seed)},
        "sgd": {"alpha": float(runs.alpha), "d": int(runs.d), "runs": int(runs.run.size)},
    }
    return _finish(ds, "deep attention dynamics: GAMP and SGD (Fig. 2)", parameters)


def three_layer_figure(
    *, se: list[xr.Dataset], gamp: list[xr.Dataset], trec: list[xr.Dataset]
) -> xr.Dataset:
    """Fig. 3: L = 3 SE overlaps and errors with GAMP points (not in the paper); TREC
    similarities per layer along training."""
    runs = xr.concat(trec, dim="run", data_vars="minimal", coords="minimal", compat="override")
    trec_part = xr.Dataset(
        {
            "trec_similarity": (("record_epoch", "run", "trec_layer"), runs.similarity.values),
            "trec_test_accuracy": (("record_epoch", "run"), runs.test_accuracy.values),
            "majority_accuracy": float(trec[0].majority_accuracy),
        },
        coords={
            "record_epoch": runs.record_epoch.values,
            "run": runs.run.values,
            "trec_layer": runs.layer.values,
        },
    )
    trec_part.trec_layer.attrs.update(long_name="attention layer of the TREC model", units="1")
    ds = xr.merge([_se_part(se[0]), _gamp_points(gamp), trec_part])
    ds["trec_final_accuracy"] = float(runs.test_accuracy.values[-1].mean())
    ds["gamp_left_out"] = int((ds.gamp_runs - ds.gamp_count).sum())
    ds = ds.assign_coords(skip=float(se[0].skip), gamp_d=int(gamp[0].d))
    ds.gamp_d.attrs.update(long_name="token dimension of the GAMP runs", units="1")
    parameters = {
        "skip": float(se[0].skip),
        "alpha": ds.alpha.values.tolist(),
        "gamp_d": int(gamp[0].d),
        "trec_runs": int(runs.run.size),
    }
    return _finish(ds, "deep attention, three layers, and TREC (Fig. 3)", parameters)


def thresholds_figure(*, thresholds: list[xr.Dataset]) -> xr.Dataset:
    """Beyond the paper: the thresholds of every layer against c, for L = 2 and 3."""
    parts = []
    for th in thresholds:
        part = _thresholds_part(th).drop_vars("jensen_bound")
        parts.append(part.reindex(layer=[1, 2, 3]).expand_dims(L=[int(th.layers)]))
    ds = xr.concat(parts, dim="L", data_vars="all", coords="minimal", compat="override")
    ds["jensen_bound"] = thresholds[0].jensen_bound
    ds["published_alpha_weak_last"] = PUBLISHED["alpha_weak_last"]
    ds["published_alpha_conditional_first"] = PUBLISHED["alpha_conditional_first"]
    parameters = {"L": ds.L.values.tolist(), "skip": ds.threshold_skip.values.tolist()}
    return _finish(ds, "deep attention thresholds against the skip strength", parameters)
