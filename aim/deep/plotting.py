"""The wing's figures (arXiv:2502.00901, Figs. 1-3, and the threshold diagram beyond it).

Legends sit outside the panels (a row above them), so they hide no data. GAMP points are means
over the runs that converged, with the count beside them when some did not; runs that did not
are drawn hollow. Published values are labelled markers, never merged with ours.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.lines import Line2D

from aim.core.plotting import mark_unconverged, style

FIGSIZE = (6.8, 2.6)
LAYER_COLOURS = {1: "#457B9D", 2: "#E63946", 3: "#6A994E"}
PHASE_COLOURS = ("#f1f1f1", "#fde4e6", "#e3edf3")
ERROR_COLOUR = "#333333"
PUBLISHED_STYLE = {"marker": "s", "mfc": "none", "ls": "none", "ms": 4, "mew": 0.8}


def _overlap_panel(ax, ds: xr.Dataset, *, error_axis: bool = True) -> None:
    """SE overlaps per layer, GAMP points, and the generalisation errors on a log twin axis."""
    for layer in ds.layer.values:
        colour = LAYER_COLOURS[int(layer)]
        q = ds.Q.sel(layer=layer)
        ax.plot(ds.alpha, q, color=colour, lw=1.3)
        mark_unconverged(ax, ds.alpha, q, ds.converged, colour)
        mean, std = ds.gamp_mean.sel(layer=layer), ds.gamp_std.sel(layer=layer)
        ax.errorbar(ds.gamp_alpha, mean, yerr=std, fmt="o", color=colour, ms=3, capsize=1.5)
        for i, alpha in enumerate(ds.gamp_alpha.values):
            bad = ds.gamp_converged.values[i] == 0
            ax.plot(
                np.full(bad.sum(), alpha),
                ds.gamp_overlap.sel(layer=layer).values[i][bad],
                "o",
                mfc="none",
                mec=colour,
                ms=3,
            )
    ax.set(xlabel=r"$\alpha = n/d$", ylabel=r"overlap $Q_{\ell\ell}$", ylim=(-0.02, 1.02))
    ax.set_xlim(0, float(ds.alpha.max()))
    if error_axis:
        twin = ax.twinx()
        twin.plot(ds.alpha, ds.gen_error, color=ERROR_COLOUR, lw=0.9)
        twin.plot(ds.alpha, ds.gen_error_last_layer, color=ERROR_COLOUR, lw=0.9, ls="--")
        twin.set_yscale("log")
        twin.set_ylabel(r"$\epsilon_g$", color=ERROR_COLOUR)


def _legend_row(fig, handles) -> None:
    fig.legend(
        handles=handles,
        loc="outside upper center",
        ncol=min(len(handles), 5),
        frameon=False,
        fontsize=6,
    )


def _layer_handles(layers) -> list:
    return [
        Line2D([], [], color=LAYER_COLOURS[int(layer)], lw=1.3, label=f"layer {layer}")
        for layer in layers
    ]


def _overlap_handles(layers) -> list:
    grey = "grey"
    return _layer_handles(layers) + [
        Line2D([], [], color=grey, lw=1.3, label=r"SE $Q_{\ell\ell}$"),
        Line2D([], [], color=grey, marker="o", ls="none", ms=3, label="GAMP mean $\\pm$ sd"),
        Line2D(
            [],
            [],
            color=grey,
            marker="o",
            mfc="none",
            ls="none",
            ms=3,
            label="GAMP run not stationary (left out)",
        ),
        Line2D([], [], color=ERROR_COLOUR, lw=0.9, label=r"$\epsilon_g$ (right axis)"),
        Line2D([], [], color=ERROR_COLOUR, lw=0.9, ls="--", label=r"$\epsilon_g$, last layer only"),
    ]


THRESHOLD_HANDLES = [
    Line2D([], [], color="grey", lw=1.2, label=r"$\alpha_{\rm weak}$ (from $Q = 0$)"),
    Line2D([], [], color="grey", lw=1.2, ls="--", label="once the last layer is learned"),
    Line2D([], [], color="grey", lw=0.7, ls=":", label="Jensen bound 1/6"),
]


def plot_two_layer(ds: xr.Dataset) -> plt.Figure:
    """Fig. 1: overlaps and errors against alpha (phases shaded at our thresholds); the
    thresholds against c, with the published ones as labelled markers."""
    with plt.rc_context(style()):
        fig, (left, right) = plt.subplots(1, 2, figsize=FIGSIZE, constrained_layout=True)
        weak, first = float(ds.alpha_weak.sel(layer=2)), float(ds.alpha_conditional.sel(layer=1))
        edges = (0.0, weak, first, float(ds.alpha.max()))
        for k, colour in enumerate(PHASE_COLOURS):
            left.axvspan(edges[k], edges[k + 1], color=colour, lw=0, zorder=0)
        _overlap_panel(left, ds)
        published = ds.published_se_layer.values
        for layer in (1, 2):
            pick = published == layer
            left.plot(
                ds.published_se_alpha.values[pick],
                ds.published_se_Q.values[pick],
                color=LAYER_COLOURS[layer],
                **PUBLISHED_STYLE,
            )
        left.set_title(
            rf"$L=2$, $c={float(ds.skip):g}$: $\alpha_2={weak:.3f}$, $\alpha_1={first:.3f}$ "
            f"(GAMP d = {int(ds.gamp_d)})",
            fontsize=6,
        )
        _threshold_panel(right, ds.threshold_skip.values, ds.weak, ds.conditional)
        right.axhline(float(ds.jensen_bound), color="grey", lw=0.7, ls=":")
        right.plot(
            [1.0], [float(ds.published_alpha_weak_last)], color=LAYER_COLOURS[2], **PUBLISHED_STYLE
        )
        right.plot(
            [1.0],
            [float(ds.published_alpha_conditional_first)],
            color=LAYER_COLOURS[1],
            **PUBLISHED_STYLE,
        )
        right.set_title(
            rf"thresholds against $c$ (ours at $c = {float(ds.skip):g}$ above)", fontsize=6
        )
        published = Line2D([], [], color="grey", label="published (authors)", **PUBLISHED_STYLE)
        _legend_row(fig, [*_overlap_handles(ds.layer.values), *THRESHOLD_HANDLES, published])
    return fig


def _threshold_panel(ax, skips, weak, conditional) -> None:
    """Weak thresholds (solid) and conditional ones (dashed) per layer against c, log scale."""
    for layer in weak.layer.values:
        colour = LAYER_COLOURS[int(layer)]
        w = weak.sel(layer=layer).values
        if np.isfinite(w).any():
            ax.plot(skips, w, color=colour, lw=1.2)
        c = conditional.sel(layer=layer).values
        if np.isfinite(c).any():
            ax.plot(skips, c, color=colour, lw=1.2, ls="--")
    ax.set(xlabel="skip strength $c$", ylabel=r"$\alpha$", yscale="log")


def _runs_and_mean(ax, x, runs: np.ndarray, colour: str) -> None:
    """One thin line per run (columns of runs) and their mean, thick."""
    ax.plot(x, runs, color=colour, lw=0.4, alpha=0.5)
    ax.plot(x, runs.mean(axis=1), color=colour, lw=1.4)


def plot_dynamics(ds: xr.Dataset) -> plt.Figure:
    """Fig. 2: GAMP cosines per iteration (one run); SGD cosines per epoch (thin: runs)."""
    with plt.rc_context(style()):
        fig, (left, right) = plt.subplots(1, 2, figsize=FIGSIZE, constrained_layout=True)
        for layer in ds.layer.values:
            colour = LAYER_COLOURS[int(layer)]
            left.plot(ds.iteration, ds.gamp_trace_cosine.sel(layer=layer), color=colour, lw=1.2)
            ok = ds.sgd_diverged.values == 0
            _runs_and_mean(right, ds.epoch, ds.sgd_cosine.sel(layer=layer).values[:, ok], colour)
        stationary = "" if int(ds.gamp_converged) else " (not stationary at its cap)"
        left.set(xlabel="GAMP iteration", ylabel="cosine similarity", ylim=(0, 1.02))
        left.set_title(
            rf"GAMP, $\alpha={float(ds.gamp_alpha):g}$, d = {int(ds.gamp_d)}{stationary}",
            fontsize=6,
        )
        right.set(xlabel="epoch", ylabel="cosine similarity", ylim=(0, 1.02), xscale="symlog")
        right.set_xlim(0, float(ds.epoch.max()))
        diverged = int(ds.sgd_diverged.sum())
        note = f", {diverged} diverged (left out)" if diverged else ""
        right.set_title(
            rf"SGD, $\alpha={float(ds.sgd_alpha):g}$, d = {int(ds.sgd_d)}, "
            f"{ds.run.size} runs{note}",
            fontsize=6,
        )
        handles = _layer_handles(ds.layer.values)
        handles.append(Line2D([], [], color="grey", lw=0.4, label="one SGD run (thick: mean)"))
        _legend_row(fig, handles)
    return fig


def plot_three_layer(ds: xr.Dataset) -> plt.Figure:
    """Fig. 3: L = 3 overlaps and errors (GAMP points beyond the paper); TREC similarities."""
    with plt.rc_context(style()):
        fig, (left, right) = plt.subplots(1, 2, figsize=FIGSIZE, constrained_layout=True)
        _overlap_panel(left, ds)
        left.set_title(rf"$L=3$, $c={float(ds.skip):g}$ (GAMP d = {int(ds.gamp_d)})", fontsize=6)
        for layer in ds.trec_layer.values:
            colour = LAYER_COLOURS[int(layer)]
            runs = ds.trec_similarity.sel(trec_layer=layer).values
            _runs_and_mean(right, ds.record_epoch, runs, colour)
        accuracy = ds.trec_test_accuracy.values[-1]
        right.set(xlabel="epoch", ylabel=r"similarity to final $W_\ell W_\ell^\top$")
        right.set_title(
            f"TREC, {ds.run.size} runs: test accuracy {accuracy.mean():.3f} "
            f"(constant guess {float(ds.majority_accuracy):.3f})",
            fontsize=6,
        )
        handles = _overlap_handles(ds.layer.values)
        handles.append(Line2D([], [], color="grey", lw=0.4, label="one TREC run (thick: mean)"))
        _legend_row(fig, handles)
    return fig


def plot_thresholds(ds: xr.Dataset) -> plt.Figure:
    """Beyond the paper: every layer's thresholds against c, for L = 2 and L = 3."""
    with plt.rc_context(style()):
        fig, axes = plt.subplots(1, ds.L.size, figsize=FIGSIZE, constrained_layout=True)
        for ax, layers in zip(np.atleast_1d(axes), ds.L.values, strict=True):
            part = ds.sel(L=layers)
            _threshold_panel(ax, part.threshold_skip.values, part.weak, part.conditional)
            ax.axhline(float(ds.jensen_bound), color="grey", lw=0.7, ls=":")
            ax.set_title(f"$L = {layers}$", fontsize=6)
        first = np.atleast_1d(axes)[0]
        for layer, name in (
            (2, "published_alpha_weak_last"),
            (1, "published_alpha_conditional_first"),
        ):
            first.plot([1.0], [float(ds[name])], color=LAYER_COLOURS[layer], **PUBLISHED_STYLE)
        published = Line2D([], [], color="grey", label="published, $L = 2$", **PUBLISHED_STYLE)
        _legend_row(fig, [*_layer_handles([1, 2, 3]), *THRESHOLD_HANDLES, published])
    return fig
