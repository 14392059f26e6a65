"""A block of SGD runs on the deep-attention teacher as an annotated dataset (one job)."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import xarray as xr

from aim.deep.sgd import LEARNED, SgdSettings, train_sgd
from aim.deep.vocabulary import annotated, layer_coords


def sgd_runs(
    *,
    layers: int,
    skip: float,
    alpha: float,
    d: int,
    runs: int,
    first_run: int,
    seed: int,
    settings: SgdSettings,
    progress: bool = False,
) -> xr.Dataset:
    """A block of SGD runs: cosine per epoch, test error every few epochs."""
    result = train_sgd(
        layers=layers,
        skip=skip,
        alpha=alpha,
        d=d,
        runs=runs,
        first_run=first_run,
        seed=seed,
        settings=settings,
        progress=progress,
    )
    loss = np.vstack([np.full((1, runs), np.nan), result.train_loss])
    ds = xr.Dataset(
        {
            "cosine": (("epoch", "run", "layer"), result.cosine),
            "train_loss": (("epoch", "run"), loss),
            "test_error": (("test_epoch", "run"), result.test_error),
            "diverged": ("run", result.diverged.astype(np.int8)),
            "first_aligned": (("run", "layer"), result.first_aligned(LEARNED)),
        },
        coords={
            "epoch": result.epochs,
            "test_epoch": result.test_epochs,
            "run": np.arange(first_run, first_run + runs),
            **layer_coords(layers),
        },
    ).assign_coords(layers=layers, skip=skip, alpha=alpha, d=d, seed=seed)
    ds.attrs["wall_seconds"] = result.seconds  # not a variable: variables repeat to the bit
    return annotated(
        ds,
        title=f"deep-attention SGD, L = {layers}, c = {skip:g}, alpha = {alpha:g}, d = {d}",
        parameters={
            "layers": layers,
            "skip": skip,
            "alpha": alpha,
            "d": d,
            "seed": seed,
            "runs": [first_run, runs],
        },
        settings=asdict(settings),
    )
