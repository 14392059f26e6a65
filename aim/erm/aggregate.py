"""The wing's figure aggregates, from its per-job datasets only."""

from __future__ import annotations

import numpy as np
import xarray as xr

from aim.erm import thresholds as th


def thresholds_figure(*, thresholds: list[xr.Dataset]) -> xr.Dataset:
    """The threshold table as it is, with the numbers the caption quotes: the reference
    point kappa0 = 0.5 (alpha_bar_PR = 0.4222, interpolation 0.4375) and how many noisy
    thresholds could not be bracketed."""
    (ds,) = thresholds
    ds = ds.copy()
    ds.attrs["pr_factorized_at_half"] = th.perfect_recovery_factorized(kappa0=0.5)
    ds.attrs["interp_noiseless_at_half"] = th.interpolation_noiseless(kappa0=0.5)
    ds.attrs["not_found"] = int((ds.found == 0).sum())
    ds.attrs["noise_levels"] = np.asarray(ds.noise.values, float)
    return ds
