"""Batches of trained ERM runs as annotated datasets: one pipeline job each.

A job trains `runs` runs (each its own teacher, data and initialisation, from the job's
seed) at every penalty of its lambda list; the same runs serve every lambda, so lambdas
compare pairwise and the oracle lambda is the argmin of the mean test error.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from aim.core.erm_training import AdamSettings, ErmTask, run_seeds, train_grid
from aim.core.io import annotate, with_metadata
from aim.erm import PAPER
from aim.erm.vocabulary import GD_ATTRS

MEASURES = ("test_error", "test_error_clean", "train_loss", "mse", "steps", "stopped", "diverged")


def gd_dataset(
    *,
    task: ErmTask,
    lam: list[float],
    runs: int,
    seed: int,
    settings: dict,
    first_run: int = 0,
    max_batch: int = 256,
    progress: bool | None = None,
) -> xr.Dataset:
    """Every (lambda, run) pair of runs first_run..first_run+runs-1 trained, max_batch pairs
    per torch batch."""
    adam = AdamSettings(**settings)
    seeds, init_seeds = run_seeds(seed=seed, runs=runs, first=first_run)
    result = train_grid(
        task,
        lam=lam,
        seeds=seeds,
        init_seeds=init_seeds,
        settings=adam,
        max_batch=max_batch,
        progress=progress,
    )
    dims = ("lam", "run")
    data = {name: (dims, getattr(result, name)) for name in MEASURES[:4]}
    data["steps"] = (dims, result.steps.astype(np.int32))
    data |= {name: (dims, getattr(result, name).astype(np.int8)) for name in MEASURES[5:]}
    data["eigenvalues"] = ((*dims, "eigenvalue"), result.eigenvalues)
    ds = xr.Dataset(
        data,
        coords={
            "lam": np.asarray(lam, float),
            "run": np.arange(first_run, first_run + runs),
            "eigenvalue": np.arange(task.d),
            "data_seed": ("run", np.asarray(seeds, np.int64)),
            "init_seed": ("run", np.asarray(init_seeds, np.int64)),
        },
    )
    ds = ds.assign_coords(
        alpha=task.alpha,
        d=task.d,
        n=task.n,
        kappa0=task.kappa0,
        kappa=task.kappa,
        noise=task.noise,
        T=task.T,
        beta=task.beta,
        parameterisation=task.parameterisation,
        task=task.task,
        seed=seed,
    )
    ds = with_metadata(ds, GD_ATTRS)
    annotate(
        ds,
        paper=PAPER,
        title=(
            f"ERM by full-batch Adam ({task.parameterisation}, {task.task}), d = {task.d}, "
            f"alpha = {task.alpha:g}, {runs} runs x {len(lam)} lambda"
        ),
        parameters=vars(task)
        | {"lam": list(lam), "runs": runs, "first_run": first_run, "seed": seed},
        settings=vars(adam),
    )
    return ds
