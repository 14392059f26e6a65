"""The wing's vocabulary: long_name and units of every variable its datasets hold (with
aim.core.io.COMMON_ATTRS, whose alpha it redefines: here n = alpha d sequences), and the one
way a job's dataset is annotated."""

from __future__ import annotations

import numpy as np
import xarray as xr

from aim.core.io import annotate, with_metadata
from aim.deep import PAPER

ATTRS = {
    "alpha": ("sample ratio n / d (sequences per token dimension)", "1"),
    "layer": ("layer l, 1 = the first (the tokens' own)", "1"),
    "layers": ("rank-one attention layers L", "1"),
    "skip": ("skip strength c", "1"),
    "beta": ("inverse temperature of every softmax", "1"),
    "Q": ("Bayes-optimal overlap Q_ll of layer l (state evolution)", "1"),
    "Q_hat": ("conjugate overlap Q_hat_ll of layer l", "1"),
    "gen_error": ("generalisation error E||g(Z) - g(omega)||_F^2 (sum of the 4 entries)", "1"),
    "gen_error_last_layer": ("the same with only the last layer learned", "1"),
    "gen_error_null": ("generalisation error at Q = 0", "1"),
    "recovered": ("every overlap within 1e-3 of 1 and rising: perfect recovery", "1"),
    "remaining": ("estimated remaining distance to the fixed point, relative", "1"),
    "noise_limited": ("stopped with steps below a tenth of the map's integration error", "1"),
    "iterations": ("iterations run (SE: on the full outer node set)", "1"),
    "coarse_iterations": ("SE iterations before, on 2^-coarse_levels of the outer nodes", "1"),
    "map_error": ("standard error of the SE map's outer average, relative to min(q, 1 - q)", "1"),
    "min_effective_nodes": ("smallest effective number of inner nodes of any posterior", "1"),
    "alpha_weak": ("weak-recovery threshold of layer l at Q = 0", "1"),
    "alpha_conditional": ("threshold of layer l once the last layer alone is learned", "1"),
    "last_layer_overlap": ("overlap of the last layer at the conditional threshold", "1"),
    "found": ("every threshold of layer l found (its root bracketed)", "1"),
    "jensen_bound": ("lower bound 1 / (M (M + 1)) = 1/6 of every weak threshold", "1"),
    "iteration": ("GAMP iteration", "1"),
    "overlap": ("GAMP W_hat_l . w_l / |w_l|^2 (estimates Q_ll), signed", "1"),
    "self_overlap": ("GAMP |W_hat_l|^2 / d", "1"),
    "cosine": ("cosine similarity of layer l with the teacher, signed", "1"),
    "teacher_norm": ("|w_l|^2 / d of the teacher", "1"),
    "run": ("run index (its teacher, data and start from default_rng([seed, run]))", "1"),
    "epoch": ("training epoch (0 = the start)", "1"),
    "test_epoch": ("epoch of a test-error record", "1"),
    "train_loss": ("mean mini-batch training loss over the epoch", "1"),
    "test_error": ("test error: mean over fresh sequences of ||y_hat - y||_F^2", "1"),
    "diverged": ("the run's loss or weights stopped being finite", "1"),
    "first_aligned": ("first epoch with |cosine| > 0.5 (-1: never)", "1"),
    "record_epoch": ("epoch of a record (fractional: records within an epoch)", "1"),
    "similarity": ("Tr(G_t G_T) / (|G_t| |G_T|), G = W_l W_l^T, against the final W_l", "1"),
    "test_accuracy": ("accuracy on the 500 TREC test questions", "1"),
    "majority_accuracy": ("accuracy of the best constant guess on the test questions", "1"),
    "vocabulary_size": ("words of the training set, with padding and unknown", "1"),
}


def layer_coords(count: int) -> dict:
    """The layer coordinate, 1 = the first layer."""
    return {"layer": np.arange(1, count + 1)}


def annotated(
    ds: xr.Dataset, *, title: str, parameters: dict, settings: dict, table: dict | None = None
) -> xr.Dataset:
    """ds with the metadata of `table` (default: the vocabulary) and the CF and provenance
    attributes."""
    ds = with_metadata(ds, ATTRS if table is None else table)
    annotate(ds, paper=PAPER, title=title, parameters=parameters, settings=settings)
    return ds
