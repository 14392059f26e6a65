"""The figures of arXiv:2506.01582, drawn from aggregated datasets only (no solver is ever
called)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.lines import Line2D

from aim.core.extrapolation import Extrapolation
from aim.core.plotting import mark_left_out, mark_unconverged, style

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


def _amp_dots(ax, points: xr.Dataset, x, colour):
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
            )


def _gd_marks(ax, points: xr.Dataset, x, colour):
    """GD single ('+') and averaged ('x'): mean +- std over draws. Where students diverged
    and were left out: a red ring around the mean, or, where none was left, a red triangle
    on the top edge at that x (the point exists but has no value)."""
    keep = points.gd_draws.values > 0
    if "gd_diverged" in points:
        hit = points.gd_diverged.values > 0
        mark_left_out(ax, x, points.gd_single_mean.values, keep & hit, ~keep & hit)
    if not keep.any():
        return
    for var, marker in (("single", "+"), ("averaged", "x")):
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
        )


def _marker_key(ds: xr.Dataset, colour: str = "0.3") -> list[Line2D]:
    """Legend entries that explain the simulation markers (no data behind them)."""
    keys = []
    if "gd_single_mean" in ds:
        keys += [
            Line2D([], [], ls="none", marker="+", color=colour, label="GD, one student"),
            Line2D([], [], ls="none", marker="x", color=colour, label="GD, students averaged"),
        ]
    if "amp_mse_mean" in ds:
        keys.append(Line2D([], [], ls="none", marker="o", ms=2.6, color=colour, label="AMP"))
        if (ds.amp_converged < 1).any():
            hollow = {"ls": "none", "marker": "o", "ms": 2.6, "mfc": "white", "mec": colour}
            keys.append(Line2D([], [], **hollow, label="AMP, iteration cap"))
    lost = sum(int(ds[v].sum()) for v in ("amp_left_out", "gd_diverged") if v in ds)
    if lost:
        keys.append(
            Line2D(
                [],
                [],
                ls="none",
                marker="o",
                ms=6,
                mfc="none",
                mec="#d62728",
                mew=0.7,
                label=f"runs left out ({lost})",
            )
        )
    return keys


def _side_legend(fig, handles: list, title: str | None = None) -> None:
    """One legend beside the panels, on the right, as in the paper."""
    fig.legend(handles=handles, loc="outside right center", title=title, alignment="left")


def _lowest_dot(ds: xr.Dataset, paper: float = 0.03) -> float:
    """Lower end of a log error axis: the paper's, or lower (down to 1e-3, in decades) where
    AMP dots lie below it (the exact derivative's errors are smaller than the published)."""
    means = ds.amp_mse_mean.values if "amp_mse_mean" in ds else np.array([])
    means = means[np.isfinite(means) & (means > 0)]
    if not means.size or means.min() >= paper:
        return paper
    return max(1e-3, 10 ** np.floor(np.log10(0.8 * means.min())))


def plot_hardmax(ds: xr.Dataset) -> plt.Figure:
    """Left: error vs alpha for several rho; right: error vs alpha / rho with the rho -> 0
    curve and the weak-recovery threshold. The legend beside the right panel names the
    derivative (exact or published)."""
    with plt.rc_context(style()):
        fig, (left, right) = plt.subplots(1, 2, figsize=FIGSIZE, layout="constrained")
        handles = {}
        for rho in ds.rho.values:
            sel = ds.sel(rho=rho)
            handles[rho] = Line2D([], [], color=rho_colour(rho), label=rf"$\rho={rho:g}$")
            if sel.in_alpha_panel:
                _curve(left, sel, ds.alpha.values, rho_colour(rho), None)
                if "amp_mse_mean" in ds:
                    _amp_dots(left, sel, ds.alpha_amp.values, rho_colour(rho))
            if sel.in_alpha_bar_panel:
                _curve(right, sel, ds.alpha.values / rho, rho_colour(rho), None)
        _curve(
            right,
            ds,
            ds.alpha_bar.values,
            "black",
            None,
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
            ylim=(_lowest_dot(ds), 1.1),
            xlabel=r"Sample complexity $\alpha = n/d^2$",
            ylabel="Estimation error",
        )
        right.set(
            xscale="log",
            xlim=(0.1, 20),
            ylim=(0, 1.05),
            xlabel=r"Sample complexity $\bar\alpha = \alpha/\rho = n/(dr)$",
            ylabel="Estimation error",
        )
        limit = Line2D([], [], color="black", label=r"$\rho\to 0$")
        title = (
            "exact derivative"
            if ds.attrs["variant"] == "exact"
            else "published derivative\n(not Bayes-optimal)"
        )
        _side_legend(fig, [*handles.values(), limit, *_marker_key(ds)], title)
    return fig


def plot_softmax(ds: xr.Dataset) -> plt.Figure:
    """Left: T = 2 error vs alpha for several rho and the rho = inf line; right: the
    universal curve against x = alpha (T^2 + T - 2) with GD ('+' single, 'x' averaged)
    and AMP (dots) for each T, coloured by T; their key beside the right panel."""
    with plt.rc_context(style()):
        fig, (left, right) = plt.subplots(1, 2, figsize=FIGSIZE, layout="constrained")
        for rho in ds.rho.values:
            _curve(left, ds.sel(rho=rho), ds.alpha.values, rho_colour(rho), rf"$\rho={rho:g}$")
        if "mmse_rho_inf" in ds:
            left.plot(ds.alpha, ds.mmse_rho_inf, "k--", lw=0.9, label=r"$\rho=\infty$")
        left.set(
            xlim=(0, 0.28),
            ylim=(0, 1.1),
            xlabel=r"Sample complexity $\alpha = n/d^2$ (T = 2)",
            ylabel="Estimation error",
        )
        left.legend(loc="upper right")
        rho_u = ds.attrs["rho_universal"]
        right.plot(ds.x, ds.mmse_universal.isel(T=0), color="black", lw=1.2)
        simulated = set()
        if "gd_single_mean" in ds:
            for T in ds.T.values:
                _gd_marks(right, ds.sel(T=T), ds.x_gd.values, t_colour(T))
            simulated |= set(ds.T.values[(ds.gd_draws > 0).any("x_gd").values])
        if "amp_mse_mean" in ds:
            for T in ds.T.values:
                _amp_dots(right, ds.sel(T=T), ds.x_amp.values, t_colour(T))
            simulated |= set(ds.T.values[(ds.amp_seeds > 0).any("x_amp").values])
        right.set(
            xlim=(0, 1),
            ylim=(0, 2.1 if "gd_single_mean" in ds else 1.1),
            xlabel=r"Sample complexity $\bar\alpha = \alpha\,(T^2+T-2)$",
            ylabel="Estimation error",
        )
        theory = Line2D([], [], color="black", label=rf"SE, $\rho={rho_u:g}$, any T")
        colours = [
            Line2D([], [], ls="none", marker="s", ms=3, color=t_colour(T), label=f"T = {T}")
            for T in sorted(simulated)
        ]
        _side_legend(fig, [theory, *colours, *_marker_key(ds)])
    return fig


def plot_phase_diagram(ds: xr.Dataset) -> plt.Figure:
    """Left: softmax T = 2 MMSE over (alpha, rho) with the perfect-recovery line; right:
    hardmax T = 2 (exact) over (alpha / rho, rho) with the rho -> 0 weak-recovery threshold.
    Points whose solver did not converge are crossed out."""
    with plt.rc_context(style()):
        fig, (left, right) = plt.subplots(1, 2, figsize=FIGSIZE, layout="constrained")
        for ax, name, x in ((left, "softmax", "alpha"), (right, "hardmax", "alpha_bar")):
            mesh = ax.pcolormesh(
                ds[x], ds.rho, ds[f"{name}_mmse"], cmap="viridis", vmin=0, vmax=1, shading="nearest"
            )
            bad = (ds[f"{name}_converged"] == 0).values
            xs, rs = np.meshgrid(ds[x].values, ds.rho.values)
            ax.plot(xs[bad], rs[bad], "x", color="white", ms=3, mew=0.6)
            ax.set(yscale="log", ylabel=r"width ratio $\rho = r/d$")
        left.plot(ds.alpha_perfect, ds.rho, color="white", lw=1.2, ls="--")
        left.annotate(
            r"$\alpha_{PR}(\rho)$",
            (float(ds.alpha_perfect[0]), float(ds.rho[0])),
            xytext=(4, 4),
            textcoords="offset points",
            color="white",
            fontsize=6,
        )
        left.set(xlabel=r"Sample complexity $\alpha = n/d^2$", title="softmax, T = 2")
        threshold = float(ds.alpha_bar_weak)
        right.axvline(threshold, color="white", lw=1.0, ls="--")
        right.annotate(
            rf"$\bar\alpha_c(\rho\to 0)={threshold:.4f}$",
            (threshold, float(ds.rho[-1])),
            xytext=(3, -10),
            textcoords="offset points",
            color="white",
            fontsize=6,
        )
        right.set(
            xscale="log",
            xlabel=r"Sample complexity $\bar\alpha = \alpha/\rho$",
            title="hardmax, T = 2, exact derivative",
        )
        fig.colorbar(mesh, ax=[left, right], label="Bayes-optimal error (MMSE)", shrink=0.9)
    return fig


SAMPLES_COLOUR = "#e07b00"


def plot_finite_size(ds: xr.Dataset) -> plt.Figure:
    """One panel per series: the error against 1/d (mean +- standard error), the weighted
    fit a + b / d with its 95% band down to 1/d = 0, and the SE value there (star); for GD
    also the error of as many independent posterior samples as students (diamond)."""
    with plt.rc_context(style()):
        fig, axes = plt.subplots(
            1, ds.series.size, figsize=FIGSIZE, layout="constrained", squeeze=False
        )
        inverse_d = 1.0 / ds.d.values
        line = np.linspace(0, inverse_d.max() * 1.05, 50)
        for ax, series in zip(axes[0], ds.series.values):
            one = ds.sel(series=series)
            if np.isfinite(float(one.fit_intercept)):
                fit = Extrapolation.from_dataset(one)
                low, high = fit.band(line)
                ax.fill_between(line, low, high, color="#5fa8d3", alpha=0.3, lw=0)
                ax.plot(line, fit.predict(line), color="#1b4965", lw=1.0)
            else:
                ax.text(
                    0.5,
                    0.9,
                    "too few sizes for a fit",
                    transform=ax.transAxes,
                    ha="center",
                    fontsize=5.5,
                    color="#d62728",
                )
            keep = one["count"].values > 0
            ax.errorbar(
                inverse_d[keep],
                one["mean"].values[keep],
                yerr=np.nan_to_num(one.standard_error.values[keep]),
                fmt="o",
                ms=3,
                color="black",
                capsize=1.5,
                elinewidth=0.7,
            )
            lost = one.left_out.values > 0
            mark_left_out(ax, inverse_d, one["mean"].values, keep & lost, ~keep & lost)
            capped = one.converged.values[keep] < 1  # NaN (GD: no stopping rule) is not
            mark_unconverged(ax, inverse_d[keep], one["mean"].values[keep], ~capped, "black")
            ax.plot(0, float(one.theory), "*", color="#d62728", ms=7, clip_on=False, zorder=5)
            if np.isfinite(float(one.get("theory_posterior_samples", np.nan))):
                ax.plot(
                    0,
                    float(one.theory_posterior_samples),
                    "D",
                    color=SAMPLES_COLOUR,
                    ms=4,
                    clip_on=False,
                    zorder=4,  # under the star where the two nearly coincide
                )
            ax.set(xlim=(0, line[-1]), xlabel=r"$1/d$")
            ax.set_title(_short_label(str(series)), fontsize=6)
        axes[0, 0].set_ylabel("Estimation error")
        keys = [
            Line2D(
                [], [], ls="none", marker="o", ms=3, color="black", label="simulation, mean ± s.e."
            ),
            Line2D([], [], color="#1b4965", label="fit a + b/d, 95% band"),
            Line2D(
                [],
                [],
                ls="none",
                marker="*",
                ms=7,
                color="#d62728",
                label="state evolution (d → ∞)",
            ),
        ]
        if np.isfinite(ds.get("theory_posterior_samples", xr.DataArray(np.nan))).any():
            k = int(ds.students.max())
            keys.append(
                Line2D(
                    [],
                    [],
                    ls="none",
                    marker="D",
                    ms=4,
                    color=SAMPLES_COLOUR,
                    label=f"mean of {k} independent posterior samples, SE (1 + 1/{k})",
                )
            )
        fig.legend(handles=keys, loc="outside upper center", ncol=len(keys))
    return fig


def _short_label(series: str) -> str:
    return series.replace(", softmax T = 2", "\nsoftmax T = 2").replace("(exact), ", "(exact)\n")
