"""A block of TREC runs as an annotated dataset (one job)."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import xarray as xr

from aim.deep.trec import TrecSettings, read_questions, train_trec
from aim.deep.vocabulary import annotated, layer_coords


def trec_runs(
    *,
    train: str,
    test: str,
    runs: int,
    first_run: int,
    seed: int,
    settings: TrecSettings,
    progress: bool = False,
) -> xr.Dataset:
    """A block of TREC runs: per-layer similarity to the final weights, test accuracy."""
    train_q, test_q = read_questions(train), read_questions(test)
    result = train_trec(
        train_q,
        test_q,
        runs=runs,
        first_run=first_run,
        seed=seed,
        settings=settings,
        progress=progress,
    )
    ds = xr.Dataset(
        {
            "similarity": (("record_epoch", "run", "layer"), result.similarity),
            "train_loss": (("record_epoch", "run"), result.train_loss),
            "test_accuracy": (("record_epoch", "run"), result.test_accuracy),
            "majority_accuracy": result.majority_accuracy,
            "vocabulary_size": result.vocabulary_size,
        },
        coords={
            "record_epoch": result.epochs,
            "run": np.arange(first_run, first_run + runs),
            **layer_coords(settings.layers),
        },
    ).assign_coords(seed=seed)
    ds.train_loss.attrs["note"] = "mean cross-entropy since the previous record"
    ds.attrs["wall_seconds"] = result.seconds  # not a variable: variables repeat to the bit
    return annotated(
        ds,
        title=f"TREC question classification, two attention layers, {len(train_q)} questions",
        parameters={
            "train": str(train),
            "test": str(test),
            "seed": seed,
            "runs": [first_run, runs],
        },
        settings=asdict(settings),
    )
