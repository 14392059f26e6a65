"""The Bayes-optimal MMSE that ERM is compared with (arXiv:2506.01582: noiseless softmax
labels, any temperature), from the core's closed form, against alpha_bar."""

from __future__ import annotations

import numpy as np
import xarray as xr

from aim.core.io import annotate, with_metadata
from aim.core.noiseless import noiseless_mmse, perfect_recovery_x
from aim.erm import PAPER
from aim.erm.vocabulary import AGGREGATE_ATTRS, THEORY_ATTRS

BAYES_PAPER = "arXiv:2506.01582 (Bayes-optimal learning of attention-indexed models)"


def bayes_comparison(*, kappa0: float, alpha_bar: list[float]) -> xr.Dataset:
    """The Bayes-optimal MMSE of S at rho = kappa0 on an alpha_bar grid (x = 2 alpha_bar),
    with its perfect-recovery threshold alpha_bar = kappa0 - kappa0^2 / 2 (kappa0 <= 1)."""
    grid = np.asarray(alpha_bar, dtype=float)
    solved = [noiseless_mmse(2 * a, rho=kappa0) for a in grid]
    ds = xr.Dataset(
        {
            "bayes_mmse": ("bayes_node", [m for m, _ in solved]),
            "converged": ("bayes_node", np.array([ok for _, ok in solved], dtype=np.int8)),
            "alpha_bar_perfect_bayes": perfect_recovery_x(rho=kappa0) / 2,
        },
        coords={"bayes_alpha_bar": ("bayes_node", grid)},
    )
    ds = with_metadata(ds, THEORY_ATTRS | AGGREGATE_ATTRS)
    ds["alpha_bar_perfect_bayes"].attrs.update(
        long_name="Bayes-optimal perfect recovery in alpha_bar", units="1"
    )
    annotate(
        ds,
        paper=PAPER,
        title=f"Bayes-optimal MMSE of {BAYES_PAPER}, kappa0 = {kappa0:g}",
        parameters={"kappa0": kappa0, "alpha_bar": grid.tolist()},
        settings={"method": "closed_form", "equation": "mmse_S(Delta) = 2 alpha_bar Delta"},
    )
    ds.attrs["references"] += f"; the MMSE: {BAYES_PAPER}"
    return ds
