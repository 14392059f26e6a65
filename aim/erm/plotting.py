"""The figures of arXiv:2509.24914, drawn from aggregated datasets only."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.lines import Line2D

from aim.core.plotting import mark_unconverged, style

FIGSIZE = (6.8, 2.6)
NOISE_PALETTE = ("#1b4965", "#5fa8d3", "#90be6d", "#f8961e", "#e07a5f", "#9d4edd")
LIMIT_COLOUR = "#d62828"  # lambda -> 0+
ZERO_SINGULAR_VALUE = 0.05  # below it a learned singular value counts as zero
BEST = {"prefix": "best_"}  # the GD rows at the oracle lambda


def _palette(n: int) -> list:
    return list(plt.get_cmap("viridis")(np.linspace(0.0, 0.85, max(n, 1))))


def _se_line(ax, x, y, converged, colour, **kw) -> None:
    """An SE curve through its converged points; the others hollow, never joined."""
    x, y, ok = np.asarray(x), np.asarray(y), np.asarray(converged) == 1
    good = ok & np.isfinite(y)
    ax.plot(x[good], y[good], color=colour, lw=1.2, **kw)
    mark_unconverged(ax, x, y, np.where(np.isfinite(y), converged, 1), colour)


def _points(ax, x, rows: xr.Dataset, name: str, colour, marker="o", label=None, **kw) -> None:
    """GD means of measure `name` over the runs that count, +- their std (std / sqrt(runs)
    with sem=True): filled, or hollow where some run hit the step cap."""
    prefix, sem = kw.get("prefix", "gd_"), kw.get("sem", False)
    runs = rows[f"{prefix}runs"].values
    err = rows[f"{prefix}{name}_std"].values / (np.sqrt(np.maximum(runs, 1)) if sem else 1)
    capped = rows[f"{prefix}capped"].values > 0
    x, mean = np.asarray(x), rows[f"{prefix}{name}_mean"].values
    for part, filled in ((~capped, True), (capped, False)):
        if part.any() or (filled and label):
            ax.errorbar(
                x[part],
                mean[part],
                yerr=err[part],
                fmt=marker,
                color=colour,
                mfc=colour if filled else "none",
                ms=3.5,
                capsize=1.5,
                lw=0.8,
                label=label if filled else None,
            )


def _matching(ds: xr.Dataset, dim: str, prefix: str = "", **labels) -> np.ndarray:
    """Indices along dim whose labels (prefix + key) equal the given values."""
    mask = np.ones(ds.sizes[dim], bool)
    for key, value in labels.items():
        column = ds[prefix + key].values
        mask &= column == value if isinstance(value, str) else np.isclose(column, value)
    return np.flatnonzero(mask)


def _curve(ds: xr.Dataset, **labels) -> xr.Dataset:
    """The one SE curve with these labels."""
    (index,) = _matching(ds, "curve", **labels)
    return ds.isel(curve=index)


def _gd(ds: xr.Dataset, prefix: str = "gd_", **labels) -> xr.Dataset:
    """The GD rows with these labels, sorted by alpha."""
    dim = ds[f"{prefix}alpha"].dims[0]
    rows = ds.isel({dim: _matching(ds, dim, prefix, **labels)})
    return rows.isel({dim: np.argsort(rows[f"{prefix}alpha"].values)})


def plot_thresholds(ds: xr.Dataset) -> plt.Figure:
    """Left, the paper's Fig. 3 (right): thresholds in alpha_bar against kappa0 < 1. Right,
    beyond the paper: the interpolation threshold against kappa0 for every label noise."""
    with plt.rc_context(style()):
        fig, (left, right) = plt.subplots(1, 2, figsize=FIGSIZE, constrained_layout=True)
        _threshold_lines(left, ds)
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


def _spectrum_panel(ax, ds: xr.Dataset, k: int) -> None:
    s = ds.law_s.values[k]
    values = ds.panel_singular_values.values[k]
    values = values[np.isfinite(values)]
    top = np.nanmax(s)
    bins = np.linspace(0, top, 41)
    width = bins[1] - bins[0]
    nonzero = values[values > ZERO_SINGULAR_VALUE]
    ax.hist(
        nonzero,
        bins=bins,
        weights=np.full(nonzero.size, 1 / (values.size * width)),
        color="#5fa8d3",
        alpha=0.6,
        label=f"GD, d = {int(ds.panel_d[k])}",
    )
    ax.plot(s, ds.law_density.values[k], color="#1b4965", lw=1.2, label="theory")
    ax.plot(s, ds.law_teacher_density.values[k], color="#7f7f7f", lw=1, ls="--", label="target")
    atom = float(ds.law_atom[k])
    peak = np.nanmax(ds.law_density.values[k])
    ax.bar(0, min(atom / width, 1.2 * peak), width=width, color="#1b4965", alpha=0.9)
    empirical = 1 - nonzero.size / values.size
    ax.text(
        0.97,
        0.95,
        f"atom {atom:.2f}\n(GD {empirical:.2f})",
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=5.5,
    )
    ax.set(xlim=(-width, top), ylim=(0, 1.3 * peak), xlabel="singular value")
    ax.set_title(rf"$\alpha = {float(ds.panel_alpha[k]):g}$", fontsize=7)


def plot_spectra(ds: xr.Dataset) -> plt.Figure:
    """The paper's Fig. 1: four learned spectra; test error vs alpha (SE, GD at two widths);
    predicted rank for several kappa0 and the upper-bulk mass after the split."""
    with plt.rc_context(style()):
        fig = plt.figure(figsize=(6.8, 4.6), constrained_layout=True)
        grid = fig.add_gridspec(2, 2 * ds.panel.size)
        for k in range(ds.panel.size):
            ax = fig.add_subplot(grid[0, 2 * k : 2 * k + 2])
            _spectrum_panel(ax, ds, k)
            if k == 0:
                ax.set_ylabel("density")
                handles = ax.get_legend_handles_labels()
        fig.legend(*handles, loc="outside upper center", ncol=3, frameon=False, fontsize=6)
        half = ds.panel.size
        test = fig.add_subplot(grid[1, :half])
        rank = fig.add_subplot(grid[1, half:])
        base = float(ds.gd_kappa0.values[0])
        curve = _curve(ds, kappa0=base)
        _se_line(test, curve.alpha, curve.test_error, curve.converged, "#1b4965", label="SE")
        for kappa, marker in zip(np.unique(ds.gd_kappa.values)[::-1], ("x", "o", "s")):
            rows = _gd(ds, kappa=kappa)
            colour = "#e07a5f" if kappa == 1 else "#90be6d"
            label = rf"GD $\kappa = {kappa:g}$"
            _points(test, rows.gd_alpha, rows, "test_error", colour, marker, label)
        test.set(xscale="log", xlabel=r"$\alpha$", ylabel="test error")
        test.legend(frameon=False, fontsize=6, loc="upper right")
        colours = _palette(ds.curve.size)
        for i, k0 in enumerate(sorted(ds.kappa0.values)):
            c = _curve(ds, kappa0=k0)
            _se_line(
                rank, c.alpha, c["rank"], c.converged, colours[i], label=rf"$\kappa_0 = {k0:g}$"
            )
            split = np.flatnonzero(np.isfinite(c.upper_bulk.values))
            if split.size:
                rank.plot(c.alpha[split], c.upper_bulk[split], color=colours[i], ls="--", lw=1)
                rank.plot(c.alpha[split[0]], c.upper_bulk[split[0]], "o", color=colours[i], ms=3)
        rank.set(xscale="log", xlabel=r"$\alpha$", ylabel="predicted rank", ylim=(0, 1.02))
        rank.legend(frameon=False, fontsize=6, loc="upper left")
    return fig


def plot_interpolation(ds: xr.Dataset) -> plt.Figure:
    """The paper's Fig. 2: test error and train loss for every lambda (SE lines, GD points),
    lambda -> 0+ in red, the interpolation threshold and the peak."""
    with plt.rc_context(style()):
        fig, (test, train) = plt.subplots(1, 2, figsize=FIGSIZE, constrained_layout=True)
        lams = sorted(ds.lam.values, reverse=True)
        colours = dict(zip([v for v in lams if v > 0], _palette(len(lams))))
        for lam in lams:
            c = _curve(ds, lam=lam)
            colour = colours.get(lam, LIMIT_COLOUR)
            label = r"$\lambda \to 0^+$" if lam == 0 else rf"$\lambda = {lam:g}$"
            _se_line(test, c.alpha, c.test_error, c.converged, colour, label=label)
            loss = np.where(c.train_loss > 0, c.train_loss, np.nan)
            _se_line(train, c.alpha, loss, c.converged, colour)
            if lam == 0:
                continue
            rows = _gd(ds, lam=lam)
            for ax, name in ((test, "test_error"), (train, "train_loss")):
                _points(ax, rows.gd_alpha, rows, name, colour)
        if "alpha_interp" in ds.attrs:
            for ax in (test, train):
                ax.axvline(ds.attrs["alpha_interp"], color="#7f7f7f", lw=0.8, ls=":")
            test.plot(
                ds.attrs["peak_alpha"], ds.attrs["peak_test_error"], "*", color=LIMIT_COLOUR, ms=6
            )
        test.set(xlabel=r"$\alpha$", ylabel="test error")
        train.set(xlabel=r"$\alpha$", ylabel="train loss", yscale="log")
        fig.legend(
            *test.get_legend_handles_labels(), loc="outside right center", frameon=False, fontsize=6
        )
    return fig


def plot_factorization(ds: xr.Dataset) -> plt.Figure:
    """The paper's Fig. 3: factorized vs direct at the oracle lambda (SE, GD with
    std / sqrt(runs)), and the thresholds against kappa0."""
    with plt.rc_context(style()):
        fig, (left, right) = plt.subplots(1, 2, figsize=FIGSIZE, constrained_layout=True)
        colours = {"factorized": "#1b4965", "direct": "#e07a5f"}
        for param, colour in colours.items():
            if param not in ds.oracle_param.values:
                continue
            se = ds.sel(oracle_param=param)
            ok = se.oracle_found.values == 1
            left.plot(
                ds.alpha.values[ok],
                se.oracle_test_error.values[ok],
                color=colour,
                lw=1.2,
                label=f"{param}, SE",
            )
            rows = _gd(ds, prefix="best_", parameterisation=param)
            label = f"{param}, GD"
            _points(left, rows.best_alpha, rows, "test_error", colour, "o", label, **BEST, sem=True)
        left.set(xscale="log", xlabel=r"$\alpha$", ylabel=r"test error (oracle $\lambda$)")
        left.legend(frameon=False, fontsize=6, loc="upper right")
        _threshold_lines(right, ds)
        right.legend(frameon=False, loc="lower right", fontsize=6)
    return fig


def _threshold_lines(ax, ds: xr.Dataset) -> None:
    k = ds.kappa0_unit.values
    ax.axhline(float(ds.alpha_bar_perfect_direct), color="#7f7f7f", lw=1.2, label="PR, direct")
    ax.plot(
        k,
        ds.alpha_bar_interp_noiseless,
        color="#e07a5f",
        lw=1.2,
        label=r"interpolation, $\Delta\to0$",
    )
    ax.plot(k, ds.alpha_bar_perfect_factorized, color="#1b4965", lw=1.2, label="PR, factorized")
    ax.plot(k, ds.alpha_bar_bayes, color="#90be6d", lw=1.2, ls="--", label="Bayes-optimal")
    ax.set(xlabel=r"$\kappa_0$", ylabel=r"$\bar\alpha$", xlim=(0, 1), ylim=(0, 0.55))


APPENDIX_SETTING = {"seq2seq": "task", "temperature": "beta", "tokens": "T"}


def plot_appendix(ds: xr.Dataset) -> plt.Figure:
    """Figs. 4-6: test error (top) and train loss (bottom) per label noise (columns); GD
    points per setting, the SE lines of the sequence-to-label limit."""
    figure = ds.attrs["figure"]
    key = APPENDIX_SETTING[figure]
    in_bar = figure == "tokens"
    noises = np.unique(ds.gd_noise.values)
    settings = list(dict.fromkeys(ds[f"gd_{key}"].values.tolist()))
    colours = dict(zip(settings, _palette(len(settings))))
    markers = dict(zip(settings, ("o", "x", "s", "^")))
    with plt.rc_context(style()):
        fig, axes = plt.subplots(
            2, noises.size, figsize=(6.8, 3.8), constrained_layout=True, squeeze=False
        )
        for j, noise in enumerate(noises):
            for setting in settings:
                colour = colours[setting]
                rows = _gd(ds, noise=noise, **{key: setting})
                x = rows.gd_alpha * (rows.gd_T**2 + rows.gd_T - 2) / 2 if in_bar else rows.gd_alpha
                label = f"{key} = {setting}"
                for i, name in enumerate(("test_error", "train_loss")):
                    shown = f"GD, {label}" if i == 0 else None
                    _points(axes[i, j], x, rows, name, colour, markers[setting], shown)
                se_labels = {"noise": noise} | ({} if key == "task" else {key: setting})
                if not _has_curve(ds, **se_labels):
                    continue
                c = _curve(ds, **se_labels)
                x = c.alpha_bar if in_bar else c.alpha
                line = "black" if key == "task" else colour
                for i, name in enumerate(("test_error", "train_loss")):
                    _se_line(axes[i, j], x, c[name], c.converged, line)
            axes[0, j].set_title(rf"$\Delta = {noise:g}$", fontsize=7)
            axes[1, j].set(xlabel=r"$\bar\alpha$" if in_bar else r"$\alpha$", yscale="log")
            axes[0, j].set(xscale="log")
            axes[1, j].set(xscale="log")
        axes[0, 0].set_ylabel("test error")
        axes[1, 0].set_ylabel("train loss")
        handles, labels = axes[0, 0].get_legend_handles_labels()
        se = "SE, seq2lab (both tasks)" if key == "task" else "SE (same colour)"
        handles.append(Line2D([], [], color="black" if key == "task" else "grey", lw=1.2))
        fig.legend(handles, [*labels, se], loc="outside right center", frameon=False, fontsize=6)
    return fig


def _has_curve(ds: xr.Dataset, **labels) -> bool:
    return _matching(ds, "curve", **labels).size > 0


def plot_vs_bayes(ds: xr.Dataset) -> plt.Figure:
    """Beyond the paper: noiseless ERM at its best lambda against the Bayes-optimal MMSE,
    in alpha_bar, with both perfect-recovery thresholds; right, the price of ERM."""
    with plt.rc_context(style()):
        fig, (left, right) = plt.subplots(1, 2, figsize=FIGSIZE, constrained_layout=True)
        good = ds.bayes_converged.values == 1
        xb, mmse = ds.bayes_alpha_bar.values[good], ds.bayes_mmse.values[good]
        left.plot(xb, mmse, color="black", lw=1.2, label="Bayes-optimal MMSE")
        se = ds.sel(oracle_param="factorized")
        ok = se.oracle_found.values == 1
        x = ds.alpha_bar.values if ds.alpha_bar.ndim == 1 else ds.alpha_bar.values[0]
        left.plot(
            x[ok],
            se.oracle_mse.values[ok],
            color="#1b4965",
            lw=1.2,
            label=r"ERM, SE, best $\lambda$",
        )
        rows = _gd(ds, prefix="best_")
        xg = rows.best_alpha * (rows.best_T**2 + rows.best_T - 2) / 2
        _points(left, xg, rows, "mse", "#e07a5f", "o", r"ERM, GD, best $\lambda$", **BEST)
        for ax in (left, right):
            ax.axvline(ds.attrs["alpha_bar_perfect_bayes"], color="black", lw=0.8, ls=":")
            ax.axvline(ds.attrs["alpha_bar_perfect_erm"], color="#1b4965", lw=0.8, ls=":")
        left.set(xlabel=r"$\bar\alpha$", ylabel="MSE of S", ylim=(0, None))
        left.legend(frameon=False, fontsize=6, loc="upper right")
        gap = se.oracle_mse.values[ok] - np.interp(x[ok], xb, mmse)
        right.plot(x[ok], gap, color="#1b4965", lw=1.2)
        right.set(xlabel=r"$\bar\alpha$", ylabel="MSE(ERM) - MMSE")
    return fig
