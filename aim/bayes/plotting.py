"""The figures of arXiv:2506.01582, drawn from aggregated datasets only (no solver is ever
called)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr

from aim.core.plotting import listed, mark_left_out, mark_unconverged, style

FIGSIZE = (6.8, 2.35)  # inches, as in the paper
RHO_PALETTE = {
    0.05: "#577590",
    0.1: "#4d908e",
    0.2: "#43aa8b",
    0.3: "#6aa84f",
    0.5: "#90be6d",
    1.0: "#f9c74f",
    2.0: "#f8961e",
    5.0: "#f3722c",
}  # the paper's colours; 0.3 (softmax only) sits between 0.2 and 0.5


T_PALETTE = {2: "#1b4965", 3: "#5fa8d3", 4: "#9d4edd", 5: "#e07a5f", 6: "#3d405b"}


def rho_colour(rho: float) -> str:
    return RHO_PALETTE.get(round(float(rho), 6), "#7f7f7f")


def t_colour(T: int) -> str:
    return T_PALETTE.get(int(T), "#7f7f7f")


def _curve(ax, ds_rho: xr.Dataset, x, colour, label, var="mmse", conv="converged"):
    keep = np.isfinite(ds_rho[var].values)
    xv, yv = np.asarray(x)[keep], ds_rho[var].values[keep]
    ax.plot(xv, yv, color=colour, lw=1.2, label=label)
    mark_unconverged(ax, xv, yv, ds_rho[conv].values[keep], colour)


def _amp_dots(ax, points: xr.Dataset, x, colour, label=None):
    """AMP mean +- std over the seeds that count; hollow where some seed hit the iteration
    cap; seeds left out (diverged or inconsistent) marked red as for GD."""
    keep = points.amp_seeds.values > 0
    lost = points.amp_left_out.values > 0
    mark_left_out(ax, x, points.amp_mse_mean.values, keep & lost, ~keep & lost)
    if not keep.any():
        return
    xv = np.asarray(x)[keep]
    mean, std = points.amp_mse_mean.values[keep], points.amp_mse_std.values[keep]
    done = points.amp_converged.values[keep] == 1
    for mask, face in ((done, colour), (~done, "white")):
        if mask.any():
            ax.errorbar(
                xv[mask],
                mean[mask],
                yerr=np.nan_to_num(std[mask]),
                fmt="o",
                ms=2.6,
                mfc=face,
                mec=colour,
                ecolor=colour,
                elinewidth=0.7,
                capsize=1.2,
                label=label,
            )
            label = None


def _gd_marks(ax, points: xr.Dataset, x, colour, T):
    """GD single ('+') and averaged ('x'): mean +- std over draws. Where students diverged
    and were left out: a red ring around the mean, or, where none was left, a red triangle
    on the top edge at that x (the point exists but has no value)."""
    keep = points.gd_draws.values > 0
    if "gd_diverged" in points:
        hit = points.gd_diverged.values > 0
        mark_left_out(ax, x, points.gd_single_mean.values, keep & hit, ~keep & hit)
    if not keep.any():
        return
    for var, marker, label in (("single", "+", f"GD T = {T}"), ("averaged", "x", None)):
        ax.errorbar(
            np.asarray(x)[keep],
            points[f"gd_{var}_mean"].values[keep],
            yerr=np.nan_to_num(points[f"gd_{var}_std"].values[keep]),
            fmt=marker,
            ms=3.2,
            mew=0.8,
            color=colour,
            elinewidth=0.5,
            capsize=0,
            label=label,
        )


def _amp_note(ds: xr.Dataset) -> str:
    lost = int(ds.amp_left_out.sum())
    left = f"; {lost} runs left out (red)" if lost else ""
    return f"dots: AMP, d = {listed(ds, 'amp_d')} (hollow: iteration cap{left})"


def plot_hardmax(ds: xr.Dataset) -> plt.Figure:
    """Left: error vs alpha for several rho; right: error vs alpha / rho with the rho -> 0
    curve and the weak-recovery threshold."""
    with plt.rc_context(style()):
        fig, (left, right) = plt.subplots(1, 2, figsize=FIGSIZE, constrained_layout=True)
        for rho in ds.rho.values:
            sel = ds.sel(rho=rho)
            label = rf"$\rho={rho:g}$"
            if sel.in_alpha_panel:
                _curve(left, sel, ds.alpha.values, rho_colour(rho), label)
                if "amp_mse_mean" in ds:
                    _amp_dots(left, sel, ds.alpha_amp.values, rho_colour(rho))
            if sel.in_alpha_bar_panel:
                _curve(right, sel, ds.alpha.values / rho, rho_colour(rho), label)
        _curve(
            right,
            ds,
            ds.alpha_bar.values,
            "black",
            r"$\rho\to 0$",
            var="mmse_rho0",
            conv="converged_rho0",
        )
        threshold = float(ds.alpha_bar_weak)
        right.axvline(threshold, color="black", lw=0.6, alpha=0.6)
        right.annotate(
            rf"$\bar\alpha_c={threshold:.4f}$",
            (threshold, 0.05),
            xytext=(3, 0),
            textcoords="offset points",
            fontsize=6,
        )
        left.set(
            xscale="log",
            yscale="log",
            xlim=(0.03, 10),
            ylim=(0.03, 1.1),
            xlabel=r"$\alpha = n/d^2$",
            ylabel="estimation error",
        )
        right.set(
            xscale="log",
            xlim=(0.1, 20),
            ylim=(0, 1.05),
            xlabel=r"$\alpha/\rho = n/(dr)$",
            ylabel="estimation error",
        )
        left.legend(fontsize=6, frameon=False, loc="lower left")
        right.legend(fontsize=6, frameon=False, loc="lower left")
        if "amp_mse_mean" in ds:
            left.set_title(_amp_note(ds), fontsize=6)
        variant = ds.attrs["variant"]
        title = (
            "Hardmax, T = 2: exact derivative (Bayes-optimal)"
            if variant == "exact"
            else "Hardmax, T = 2: published derivative (paper's curves, not Bayes-optimal)"
        )
        fig.suptitle(title, fontsize=7)
    return fig


def plot_softmax(ds: xr.Dataset) -> plt.Figure:
    """Left: T = 2 error vs alpha for several rho and the rho = inf line; right: the
    universal curve against x = alpha (T^2 + T - 2) with GD ('+' single, 'x' averaged)
    and AMP (dots) for each T."""
    with plt.rc_context(style()):
        fig, (left, right) = plt.subplots(1, 2, figsize=FIGSIZE, constrained_layout=True)
        for rho in ds.rho.values:
            _curve(left, ds.sel(rho=rho), ds.alpha.values, rho_colour(rho), rf"$\rho={rho:g}$")
        if "mmse_rho_inf" in ds:
            left.plot(ds.alpha, ds.mmse_rho_inf, "k--", lw=0.9, label=r"$\rho=\infty$")
        left.set(
            xlim=(0, 0.28),
            ylim=(0, 1.02),
            xlabel=r"$\alpha = n/d^2$ (T = 2)",
            ylabel="estimation error",
        )
        left.legend(fontsize=6, frameon=False)
        rho_u = ds.attrs["rho_universal"]
        uni = ds.mmse_universal.isel(T=0)
        right.plot(
            ds.x,
            uni,
            color=rho_colour(rho_u),
            lw=1.2,
            label=rf"SE $\rho={rho_u:g}$, T = {', '.join(str(t) for t in ds.T.values)}",
        )
        notes = []
        if "gd_single_mean" in ds:
            for T in ds.T.values:
                _gd_marks(right, ds.sel(T=T), ds.x_gd.values, t_colour(T), T)
            diverged = int(ds.gd_diverged.sum()) if "gd_diverged" in ds else 0
            notes.append(
                f"GD: d = {listed(ds, 'gd_d')}, K = {listed(ds, 'gd_students')} "
                "(+ single, x averaged)"
                + (f"; {diverged} diverged, left out (red)" if diverged else "")
            )
        if "amp_mse_mean" in ds:
            for T in ds.T.values:
                points = ds.sel(T=T)
                _amp_dots(right, points, ds.x_amp.values, t_colour(T), f"AMP T = {T}")
            notes.append(_amp_note(ds))
        right.set_title("\n".join(notes), fontsize=5.5)
        right.set(
            xscale="log",
            xlim=(0.01, 1),
            ylim=(0, 2.1),
            xlabel=r"$\alpha\,(T^2+T-2)$",
            ylabel="estimation error",
        )
        right.legend(fontsize=5, frameon=False, ncol=2, loc="lower left", handlelength=1.5)
        fig.suptitle("Softmax attention: Bayes-optimal error", fontsize=7)
    return fig
