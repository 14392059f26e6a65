"""The figures of arXiv:2509.24914, drawn from aggregated datasets only."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr

from aim.core.plotting import style

FIGSIZE = (6.8, 2.6)
NOISE_PALETTE = ("#1b4965", "#5fa8d3", "#90be6d", "#f8961e", "#e07a5f", "#9d4edd")


def plot_thresholds(ds: xr.Dataset) -> plt.Figure:
    """Left, the paper's Fig. 3 (right): thresholds in alpha_bar against kappa0 < 1. Right,
    beyond the paper: the interpolation threshold against kappa0 for every label noise."""
    with plt.rc_context(style()):
        fig, (left, right) = plt.subplots(1, 2, figsize=FIGSIZE, constrained_layout=True)
        k = ds.kappa0_unit.values
        left.axhline(
            float(ds.alpha_bar_perfect_direct), color="#7f7f7f", lw=1.2, label="PR, direct"
        )
        left.plot(
            k,
            ds.alpha_bar_interp_noiseless,
            color="#e07a5f",
            lw=1.2,
            label=r"interpolation, $\Delta\to0$",
        )
        left.plot(
            k, ds.alpha_bar_perfect_factorized, color="#1b4965", lw=1.2, label="PR, factorized"
        )
        left.plot(k, ds.alpha_bar_bayes, color="#90be6d", lw=1.2, ls="--", label="Bayes-optimal")
        left.set(xlabel=r"$\kappa_0$", ylabel=r"$\bar\alpha$", xlim=(0, 1), ylim=(0, 0.55))
        left.legend(frameon=False, loc="lower right", fontsize=6)
        for i, noise in enumerate(ds.noise.values):
            row = ds.alpha_bar_interp.sel(noise=noise)
            found = ds.found.sel(noise=noise).values == 1
            colour = NOISE_PALETTE[i % len(NOISE_PALETTE)]
            right.plot(
                ds.kappa0.values[found],
                row.values[found],
                color=colour,
                lw=1.2,
                label=rf"$\Delta = {noise:g}$",
            )
            if not found.all():  # not bracketed: a cross on the axis, never a silent gap
                right.plot(
                    ds.kappa0.values[~found],
                    np.zeros((~found).sum()),
                    "x",
                    color=colour,
                    clip_on=False,
                )
        right.set(
            xscale="log",
            xlabel=r"$\kappa_0$",
            ylabel=r"$\bar\alpha_{\rm interp}$",
            ylim=(0.2, 0.52),
        )
        right.legend(frameon=False, loc="lower right", fontsize=6)
        for ax, tag in ((left, "thresholds"), (right, "interpolation vs noise")):
            ax.set_title(tag, fontsize=7)
    return fig
