"""Simulation runs as datasets: a block of AMP seeds, or one GD draw with its K students."""

from __future__ import annotations

import numpy as np
import xarray as xr

from aim.amp import AmpSettings, gamp_rie
from aim.channels import Softmax, make_channel, softmax_observations
from aim.curves import with_metadata
from aim.data import sample_problem
from aim.gd import GdSettings, init_seeds_for, train_students
from aim.io import annotate

_DRAW_ATTRS = {  # with curves' table (alpha, rho, T, x): the coordinates of one draw
    "seed": ("seed of the teacher, tokens and labels (numpy default_rng)", "1"),
    "d": ("token dimension", "1"),
    "n": ("samples n = alpha d^2", "1"),
}
_AMP_ATTRS = _DRAW_ATTRS | {
    "iteration": ("AMP iteration", "1"),
    "mse": ("final estimation error ||S_hat - S||_F^2 / d", "1"),
    "predicted_mse": ("AMP's predicted error mmse_S(Delta) at the last iteration", "1"),
    "iterations": ("AMP iterations run", "1"),
    "converged": ("step fell below tol (1) or the iteration cap was hit (0)", "1"),
    "trace_step": ("step size ||S_new - S_hat||_F^2 / d", "1"),
    "trace_mse": ("estimation error ||S_hat - S||_F^2 / d", "1"),
    "trace_predicted_mse": ("predicted error mmse_S(Delta)", "1"),
    "trace_delta": ("effective noise Delta = 1 / q_hat of the RIE step", "1"),
}


def amp_run(
    model,
    d: int,
    alpha: float,
    rho: float,
    seed: int,
    settings: AmpSettings,
    progress: bool | None = None,
):
    """One GAMP-RIE run on the draw of `seed`: (result, number of samples)."""
    teacher, x, y = sample_problem(model, d, alpha, rho, seed)
    return gamp_rie(x, y, model, rho, settings, teacher, progress), x.shape[0]


def gd_run(
    T: int,
    rho: float,
    alpha: float,
    d: int,
    seed: int,
    students: int,
    settings: GdSettings,
    progress: bool | None = None,
):
    """K students on the softmax draw of `seed`: (result, number of samples, init seeds)."""
    teacher, x, y = sample_problem(Softmax(T, settings.beta), d, alpha, rho, seed)
    init_seeds = init_seeds_for(seed, students)
    result = train_students(x, y, teacher, rho, init_seeds, settings, progress)
    return result, x.shape[0], init_seeds


def _padded(traces: list[np.ndarray], length: int) -> np.ndarray:
    out = np.full((len(traces), length), np.nan)
    for row, trace in zip(out, traces):
        row[: len(trace)] = trace
    return out


def amp_dataset(
    channel: str,
    T: int,
    rho: float,
    alpha: float,
    d: int,
    seeds: list[int],
    settings: dict,
    variant: str | None = None,
    progress: bool | None = None,
) -> xr.Dataset:
    """GAMP-RIE runs for each seed at one (channel, variant, T, rho, alpha, d)."""
    model = make_channel(channel, T, variant)
    amp_settings = AmpSettings(**settings)
    runs = [amp_run(model, d, alpha, rho, seed, amp_settings, progress) for seed in seeds]
    results, n = [run for run, _ in runs], runs[0][1]
    length = max(r.iterations for r in results)
    ds = xr.Dataset(
        {
            "mse": ("seed", [r.mse for r in results]),
            "predicted_mse": ("seed", [r.predicted_mse for r in results]),
            "iterations": ("seed", np.array([r.iterations for r in results], np.int32)),
            "converged": ("seed", np.array([r.converged for r in results], np.int8)),
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
        ds = ds.assign_coords(x=alpha * softmax_observations(T))
    ds = with_metadata(ds, _AMP_ATTRS)
    label = channel if variant is None else f"{channel}, {variant}"
    ds.attrs["channel"] = channel
    if variant is not None:
        ds.attrs["variant"] = variant
    annotate(
        ds,
        f"GAMP-RIE ({label}, T = {T}), rho = {rho:g}, alpha = {alpha:g}, d = {d}",
        {
            "channel": channel,
            "variant": variant,
            "T": T,
            "rho": rho,
            "alpha": alpha,
            "d": d,
            "seeds": list(seeds),
        },
        vars(amp_settings),
    )
    return ds


_GD_ATTRS = _DRAW_ATTRS | {
    "student": ("student index", "1"),
    "init_seed": ("seed of the student's initial weights (torch)", "1"),
    "step": ("Adam step at which the loss was recorded", "1"),
    "single_mse": ("error ||S_hat_k - S||_F^2 / d of each student", "1"),
    "averaged_mse": ("error of the mean of the students' S_hat", "1"),
    "final_loss": ("training loss after the last step", "1"),
    "loss": ("training loss: sum over samples and T^2 entries of squared error / d", "1"),
}


def gd_dataset(
    T: int,
    rho: float,
    alpha: float,
    d: int,
    seed: int,
    students: int,
    settings: dict,
    progress: bool | None = None,
) -> xr.Dataset:
    """K students trained by full-batch Adam on one softmax (teacher, data) draw."""
    gd_settings = GdSettings(**settings)
    result, n, init_seeds = gd_run(T, rho, alpha, d, seed, students, gd_settings, progress)
    ds = xr.Dataset(
        {
            "single_mse": ("student", result.single_mse),
            "averaged_mse": result.averaged_mse,
            "final_loss": ("student", result.final_loss),
            "loss": (("step", "student"), result.loss),
        },
        coords={
            "student": np.arange(students),
            "init_seed": ("student", init_seeds),
            "step": result.loss_steps,
        },
    )
    ds = ds.assign_coords(
        alpha=alpha, rho=rho, T=T, d=d, n=n, seed=seed, x=alpha * softmax_observations(T)
    )
    ds = with_metadata(ds, _GD_ATTRS)
    annotate(
        ds,
        f"GD, {students} students (softmax, T = {T}), rho = {rho:g}, alpha = {alpha:g}, d = {d}",
        {
            "channel": "softmax",
            "T": T,
            "rho": rho,
            "alpha": alpha,
            "d": d,
            "seed": seed,
            "students": students,
            "init_seeds": init_seeds,
        },
        vars(gd_settings),
    )
    return ds
