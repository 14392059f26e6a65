"""The shared plotting style: one look for every figure of every paper, and the rule that
a point whose solver did not converge is never drawn as a plain result."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402
import xarray as xr  # noqa: E402


def style() -> dict:
    """rc parameters of every figure (a context for plt.rc_context)."""
    return (
        sns.axes_style("ticks")
        | {"axes.grid": False}
        | sns.plotting_context("paper", font_scale=0.8)
    )


def mark_unconverged(ax, x, y, converged, colour: str) -> None:
    """Points whose solver hit its cap are drawn hollow, never as a plain result."""
    bad = np.asarray(converged) == 0
    if bad.any():
        ax.plot(np.asarray(x)[bad], np.asarray(y)[bad], "o", mfc="none", mec=colour, ms=4)


def mark_left_out(ax, x, y, some, every) -> None:
    """Runs left out of a point's mean (diverged, or their own error estimate disagrees
    with the measured one): a red ring around a point that lost some, a red triangle on the
    top edge at an x that lost all (the point exists but has no value)."""
    red = {"mfc": "none", "mec": "#d62728", "mew": 0.7, "ls": "none"}
    x, y, some, every = map(np.asarray, (x, y, some, every))
    ax.plot(x[some], y[some], "o", ms=6, **red)
    edge = ax.get_xaxis_transform()  # x in data, y in axes fraction
    (lost,) = ax.plot(x[every], np.ones(every.sum()), "v", ms=4, transform=edge, **red)
    lost.set(clip_on=False, in_layout=False)  # on the frame, outside the layout's sums


def listed(ds: xr.Dataset, attr: str) -> str:
    """A dataset attribute holding one value or a list, as 'a, b, c'."""
    return ", ".join(map(str, np.atleast_1d(ds.attrs[attr])))


def save_figure(fig: plt.Figure, *paths: str | Path) -> None:
    """Write the figure to each path (PDFs without a creation date: reproducible bytes)."""
    for path in paths:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(
            path, dpi=300, metadata={"CreationDate": None} if str(path).endswith(".pdf") else None
        )
    plt.close(fig)
