"""The wing's figure aggregates, from its per-job datasets only."""

from __future__ import annotations

import xarray as xr


def thresholds_figure(*, thresholds: list[xr.Dataset]) -> xr.Dataset:
    """The threshold table as it is, with the count of noisy thresholds that could not be
    bracketed (the caption says so)."""
    (ds,) = thresholds
    ds = ds.copy()
    ds.attrs["not_found"] = int((ds.found == 0).sum())
    return ds
