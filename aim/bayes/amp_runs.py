"""A block of GAMP-RIE seeds at one point as an annotated dataset (one pipeline job).

Imports no torch: AMP jobs and the AMP command line stay light.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from aim.bayes import PAPER
from aim.bayes.amp import AmpResult, AmpSettings, gamp_rie
from aim.bayes.channels import make_channel, x_per_alpha
from aim.bayes.vocabulary import AMP_RUN_ATTRS
from aim.core.io import annotate, with_metadata
from aim.core.tokens import sample_problem


def amp_run(
    channel,
    *,
    d: int,
    alpha: float,
    rho: float,
    seed: int,
    settings: AmpSettings,
    progress: bool | None = None,
) -> tuple[AmpResult, int]:
    """One GAMP-RIE run on the draw of `seed`: (result, number of samples)."""
    teacher, x, y = sample_problem(channel, d=d, alpha=alpha, rho=rho, seed=seed)
    result = gamp_rie(x, y, channel, rho=rho, settings=settings, teacher=teacher, progress=progress)
    return result, x.shape[0]


def _padded(traces: list[np.ndarray], length: int) -> np.ndarray:
    out = np.full((len(traces), length), np.nan)
    for row, trace in zip(out, traces):
        row[: len(trace)] = trace
    return out


def amp_dataset(
    *,
    channel: str,
    T: int,
    rho: float,
    alpha: float,
    d: int,
    seeds: list[int],
    settings: dict,
    variant: str | None = None,
    teacher: str | None = None,
    progress: bool | None = None,
) -> xr.Dataset:
    """GAMP-RIE runs for each seed at one (channel, variant, teacher, T, rho, alpha, d).

    `calibrated` (an attribute) says whether AMP's predicted error is the posterior's, so
    that `consistent` may decide which runs count: not for the published hardmax
    derivative, which is not the likelihood's."""
    model = make_channel(channel, T=T, variant=variant, teacher=teacher)
    amp_settings = AmpSettings(**settings)
    runs = [
        amp_run(
            model, d=d, alpha=alpha, rho=rho, seed=seed, settings=amp_settings, progress=progress
        )
        for seed in seeds
    ]
    results, n = [run for run, _ in runs], runs[0][1]
    length = max(r.iterations for r in results)
    ds = xr.Dataset(
        {
            "mse": ("seed", [r.mse for r in results]),
            "predicted_mse": ("seed", [r.predicted_mse for r in results]),
            "iterations": ("seed", np.array([r.iterations for r in results], np.int32)),
            "converged": ("seed", np.array([r.converged for r in results], np.int8)),
            "diverged": ("seed", np.array([r.diverged for r in results], np.int8)),
            "consistent": ("seed", np.array([bool(r.consistent) for r in results], np.int8)),
        }
        | {
            f"trace_{name}": (
                ("seed", "iteration"),
                _padded([r.trace[name] for r in results], length),
            )
            for name in results[0].trace
        },
        coords={"seed": list(seeds), "iteration": np.arange(1, length + 1)},
    )
    ds = ds.assign_coords(alpha=alpha, rho=rho, T=T, d=d, n=n)
    if channel == "softmax":
        ds = ds.assign_coords(x=alpha * x_per_alpha(T))
    ds = with_metadata(ds, AMP_RUN_ATTRS)
    label = channel if variant is None else f"{channel}, {variant}, {model.teacher} teacher"
    ds.attrs["channel"] = channel
    ds.attrs["calibrated"] = int(model.calibrated)
    if variant is not None:
        ds.attrs.update(variant=variant, teacher=model.teacher)
    annotate(
        ds,
        paper=PAPER,
        title=f"GAMP-RIE ({label}, T = {T}), rho = {rho:g}, alpha = {alpha:g}, d = {d}",
        parameters={
            "channel": channel,
            "variant": variant,
            "teacher": teacher,
            "T": T,
            "rho": rho,
            "alpha": alpha,
            "d": d,
            "seeds": list(seeds),
        },
        settings=vars(amp_settings),
    )
    return ds
