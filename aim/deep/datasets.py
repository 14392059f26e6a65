"""The wing's results as annotated datasets, one pipeline job each: an SE curve, a threshold
curve over the skip strength, one GAMP run, a block of SGD runs, a block of TREC runs."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import xarray as xr

from aim.core.io import annotate, with_metadata
from aim.deep import PAPER
from aim.deep.amp import GAMPSettings, run_gamp
from aim.deep.posterior import InnerQuadrature
from aim.deep.sgd import LEARNED, SgdSettings, train_sgd
from aim.deep.state_evolution import SESettings, StateEvolution, last_layer_only
from aim.deep.thresholds import JENSEN_BOUND, thresholds
from aim.deep.trec import TrecSettings, read_questions, train_trec
from aim.deep.vocabulary import ATTRS


def _layers(count: int) -> dict:
    return {"layer": np.arange(1, count + 1)}


def _finish(ds: xr.Dataset, *, title: str, parameters: dict, settings: dict) -> xr.Dataset:
    ds = with_metadata(ds, ATTRS)
    annotate(ds, paper=PAPER, title=title, parameters=parameters, settings=settings)
    return ds


def se_curve(
    *, layers: int, skip: float, alpha: list[float], log2_outer: int, progress: bool = False
) -> xr.Dataset:
    """The state evolution on an increasing alpha grid, each point started from the one
    before (aim.deep.state_evolution.solve_curve)."""
    settings = SESettings(log2_outer=log2_outer)
    se = StateEvolution(layers=layers, skip=skip, settings=settings)
    points = se.solve_curve(alpha, progress=progress)
    q, q_hat = np.array([p.q for p in points]), np.array([p.q_hat for p in points])
    ds = xr.Dataset(
        {
            "Q": (("alpha", "layer"), q),
            "Q_hat": (("alpha", "layer"), q_hat),
            "gen_error": ("alpha", [se.gen_error(row) for row in q]),
            "gen_error_last_layer": ("alpha", [se.gen_error(last_layer_only(row)) for row in q]),
            "converged": ("alpha", np.array([p.converged for p in points], dtype=np.int8)),
            "recovered": ("alpha", np.array([p.recovered for p in points], dtype=np.int8)),
            "iterations": ("alpha", [p.iterations for p in points]),
            "remaining": ("alpha", [p.remaining for p in points]),
            "min_effective_nodes": ("alpha", [p.min_effective_nodes for p in points]),
            "gen_error_null": se.gen_error(np.zeros(layers)),
        },
        coords={"alpha": [p.alpha for p in points], **_layers(layers)},
    )
    ds = ds.assign_coords(layers=layers, skip=skip)
    return _finish(
        ds,
        title=f"deep-attention state evolution, L = {layers}, c = {skip:g}",
        parameters={"layers": layers, "skip": skip, "alpha": list(map(float, alpha))},
        settings=asdict(settings) | {"quadrature": asdict(InnerQuadrature())},
    )


def threshold_curve(*, layers: int, skips: list[float], log2_outer: int) -> xr.Dataset:
    """Weak and conditional thresholds per layer at every skip strength."""
    rows = [thresholds(layers=layers, skip=c, log2_outer=log2_outer) for c in skips]
    conditional = np.full((len(rows), layers), np.nan)
    overlap = np.full((len(rows), layers), np.nan)
    for k, row in enumerate(rows):
        conditional[k, :-1] = row.alpha_conditional
        overlap[k, :-1] = row.last_layer_overlap
    ds = xr.Dataset(
        {
            "alpha_weak": (("skip", "layer"), np.array([r.alpha_weak for r in rows])),
            "alpha_conditional": (("skip", "layer"), conditional),
            "last_layer_overlap": (("skip", "layer"), overlap),
            "jensen_bound": JENSEN_BOUND,
        },
        coords={"skip": list(map(float, skips)), **_layers(layers)},
    ).assign_coords(layers=layers)
    return _finish(
        ds,
        title=f"deep-attention weak-recovery thresholds, L = {layers}",
        parameters={"layers": layers, "skip": list(map(float, skips))},
        settings={"log2_outer": log2_outer, "quadrature": asdict(InnerQuadrature())},
    )


def gamp_run(
    *,
    layers: int,
    skip: float,
    alpha: float,
    d: int,
    seed: int,
    settings: GAMPSettings,
    progress: bool = False,
) -> xr.Dataset:
    """One GAMP run with its per-iteration traces."""
    result = run_gamp(
        layers=layers, skip=skip, alpha=alpha, d=d, seed=seed, settings=settings, progress=progress
    )
    overlap = np.array([np.diag(m) for m in result.overlap]) / result.teacher_norm
    ds = xr.Dataset(
        {
            "overlap": (("iteration", "layer"), overlap),
            "self_overlap": (("iteration", "layer"), [np.diag(q) for q in result.self_overlap]),
            "cosine": (("iteration", "layer"), np.array(result.cosine)),
            "gen_error": ("iteration", result.gen_error),
            "teacher_norm": ("layer", result.teacher_norm),
            "converged": np.int8(result.converged),
            "iterations": result.iterations,
            "min_effective_nodes": result.min_effective_nodes,
        },
        coords={"iteration": np.arange(1, result.iterations + 1), **_layers(layers)},
    ).assign_coords(layers=layers, skip=skip, alpha=alpha, d=d, seed=seed)
    return _finish(
        ds,
        title=f"deep-attention GAMP, L = {layers}, c = {skip:g}, alpha = {alpha:g}, d = {d}",
        parameters={"layers": layers, "skip": skip, "alpha": alpha, "d": d, "seed": seed},
        settings=asdict(settings),
    )


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
            "seconds": result.seconds,
        },
        coords={
            "epoch": result.epochs,
            "test_epoch": result.test_epochs,
            "run": np.arange(first_run, first_run + runs),
            **_layers(layers),
        },
    ).assign_coords(layers=layers, skip=skip, alpha=alpha, d=d, seed=seed)
    return _finish(
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
            "seconds": result.seconds,
        },
        coords={
            "record_epoch": result.epochs,
            "run": np.arange(first_run, first_run + runs),
            **_layers(settings.layers),
        },
    ).assign_coords(seed=seed)
    ds.train_loss.attrs["note"] = "mean cross-entropy since the previous record"
    return _finish(
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
