"""One (teacher, data) draw with its K students trained by full-batch Adam, as an annotated
dataset (one pipeline job). The tied-attention student itself lives in aim.core.training."""

from __future__ import annotations

import numpy as np
import xarray as xr

from aim.bayes import PAPER
from aim.bayes.channels import Softmax, x_per_alpha
from aim.bayes.vocabulary import GD_RUN_ATTRS
from aim.core.io import annotate, with_metadata
from aim.core.tokens import sample_problem
from aim.core.training import GdResult, init_seeds_for, train_students
from aim.core.training_settings import GdSettings


def gd_run(
    *,
    T: int,
    rho: float,
    alpha: float,
    d: int,
    seed: int,
    students: int,
    settings: GdSettings,
    progress: bool | None = None,
) -> tuple[GdResult, int, list[int]]:
    """K students on the softmax draw of `seed`: (result, number of samples, init seeds)."""
    channel = Softmax(T=T, beta=settings.beta)
    teacher, x, y = sample_problem(channel, d=d, alpha=alpha, rho=rho, seed=seed)
    init_seeds = init_seeds_for(seed=seed, students=students)
    result = train_students(
        x, y, teacher, rho=rho, init_seeds=init_seeds, settings=settings, progress=progress
    )
    return result, x.shape[0], init_seeds


def gd_dataset(
    *,
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
    result, n, init_seeds = gd_run(
        T=T,
        rho=rho,
        alpha=alpha,
        d=d,
        seed=seed,
        students=students,
        settings=gd_settings,
        progress=progress,
    )
    ds = xr.Dataset(
        {
            "single_mse": ("student", result.single_mse),
            "diverged": ("student", result.diverged.astype(np.int8)),
            "diverged_step": ("student", result.diverged_step.astype(np.int32)),
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
    ds = ds.assign_coords(alpha=alpha, rho=rho, T=T, d=d, n=n, seed=seed, x=alpha * x_per_alpha(T))
    ds = with_metadata(ds, GD_RUN_ATTRS)
    annotate(
        ds,
        paper=PAPER,
        title=(
            f"GD, {students} students (softmax, T = {T}), rho = {rho:g}, alpha = {alpha:g}, d = {d}"
        ),
        parameters={
            "channel": "softmax",
            "T": T,
            "rho": rho,
            "alpha": alpha,
            "d": d,
            "seed": seed,
            "students": students,
            "init_seeds": init_seeds,
        },
        settings=vars(gd_settings),
    )
    return ds
