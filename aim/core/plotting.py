"""The shared plotting style: one look for every figure of every paper, and its rules:

- a point whose solver did not converge is never drawn as a plain result;
- a legend never covers plotted data: one that does is moved beside its panel when the
  figure is saved, and `covered_points` is the check the tests run on every figure;
- an error bar never runs off the axes: it is cut at the frame and the cut end carries a
  small arrowhead (the bar goes on beyond the axes); a point whose whole bar lies beyond the
  axes is an arrowhead on that edge.
"""

from __future__ import annotations

import logging
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.container import ErrorbarContainer  # noqa: E402


def style() -> dict:
    """rc parameters of every figure (a context for plt.rc_context): the papers' look, thin
    black frames, 6-8 pt text at a 6.8 in figure width."""
    thin = {f"{axis}tick.{part}.width": 0.6 for axis in "xy" for part in ("major", "minor")}
    return (
        sns.axes_style("ticks")
        | sns.plotting_context("paper", font_scale=0.8)
        | thin
        | {
            "axes.grid": False,
            "axes.edgecolor": "black",
            "axes.linewidth": 0.6,
            "xtick.major.size": 3.0,
            "ytick.major.size": 3.0,
            "xtick.minor.size": 1.8,
            "ytick.minor.size": 1.8,
            "legend.fontsize": 6,
            "legend.frameon": False,
        }
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


def _plotted_points(ax: plt.Axes, step_px: float = 2.0) -> np.ndarray:
    """Display coordinates of what the panel shows: every marker, and points every
    `step_px` pixels along every drawn line and error bar (images and filled areas are
    backgrounds and do not count)."""
    pieces = []
    for line in ax.get_lines():
        if line.get_visible() and len(line.get_xydata()):
            xy = line.get_transform().transform(line.get_xydata())
            joined = line.get_linestyle() not in ("None", "none", "", " ")
            pieces.append(_densified(xy, step_px) if joined else xy)
    for collection in ax.collections:
        if isinstance(collection, LineCollection) and collection.get_visible():
            for segment in collection.get_segments():
                if len(segment):
                    xy = collection.get_transform().transform(segment)
                    pieces.append(_densified(xy, step_px))
        elif isinstance(collection, PathCollection) and collection.get_visible():
            offsets = collection.get_offsets()
            if len(offsets):
                pieces.append(collection.get_offset_transform().transform(offsets))
    points = np.concatenate(pieces) if pieces else np.empty((0, 2))
    points = points[np.isfinite(points).all(axis=1)]
    box = ax.get_window_extent()
    inside = (
        (points[:, 0] >= box.x0)
        & (points[:, 0] <= box.x1)
        & (points[:, 1] >= box.y0)
        & (points[:, 1] <= box.y1)
    )
    return points[inside]


def _densified(xy: np.ndarray, step_px: float) -> np.ndarray:
    """The polyline through xy with points at most step_px apart."""
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) < 2:
        return xy
    gaps = np.hypot(*np.diff(xy, axis=0).T)
    pieces = [
        a + np.linspace(0, 1, max(int(g / step_px), 1), endpoint=False)[:, None] * (b - a)
        for a, b, g in zip(xy[:-1], xy[1:], gaps)
    ]
    return np.concatenate([*pieces, xy[-1:]])


def _legends(fig: plt.Figure) -> list:
    return [ax.get_legend() for ax in fig.axes if ax.get_legend()] + list(fig.legends)


def covered_points(fig: plt.Figure) -> dict[str, int]:
    """How many plotted points each legend covers, for the legends that cover any (keyed
    by the legend's first label); empty for a figure whose legends hide nothing."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    points = [_plotted_points(ax) for ax in fig.axes]
    covered = {}
    for legend in _legends(fig):
        box = legend.get_window_extent(renderer)
        hits = sum(int(box.count_contains(p)) for p in points if len(p))
        if hits:
            labels = [t.get_text() for t in legend.get_texts()]
            covered[labels[0] if labels else "legend"] = hits
    return covered


def _move_covering_legends(fig: plt.Figure) -> None:
    """A panel legend that covers data goes beside its panel, on the right."""
    if not covered_points(fig):
        return
    renderer = fig.canvas.get_renderer()
    points = [p for p in map(_plotted_points, fig.axes) if len(p)]
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        box = legend.get_window_extent(renderer)
        if any(box.count_contains(p) for p in points):
            legend.set_loc("center left")
            legend.set_bbox_to_anchor((1.02, 0.5), transform=ax.transAxes)
    if covered_points(fig):
        logging.getLogger(__name__).warning("legends still cover data: %s", covered_points(fig))


def _clip_error_bars(fig: plt.Figure) -> None:
    """Cut vertical error bars at the frame; an arrowhead marks each cut end (of a bar within
    the panel's x range: the others are not drawn)."""
    for ax in fig.axes:
        ax.set_ylim(ax.get_ylim())  # freeze: the arrowheads must not widen an autoscaled view
        low, high = sorted(ax.get_ylim())
        left, right = sorted(ax.get_xlim())
        bars = [c.lines[2] for c in ax.containers if isinstance(c, ErrorbarContainer)]
        for collection in (b for group in bars for b in group):
            segments = [np.array(s, dtype=float).reshape(-1, 2) for s in collection.get_segments()]
            cuts = []
            shown = (s for s in segments if len(s) and left <= s[0, 0] <= right)
            for s in shown:  # a bar beside the panel is clipped away, and so is its arrowhead
                top, bottom = s[:, 1].argmax(), s[:, 1].argmin()
                if s[bottom, 1] >= high or s[top, 1] <= low:  # the whole point is off-scale
                    cuts.append((s[top, 0], *((high, "^") if s[bottom, 1] >= high else (low, "v"))))
                    s[:] = np.nan
                    continue
                if s[top, 1] > high:
                    s[top, 1] = high
                    cuts.append((s[top, 0], high, "^"))
                if s[bottom, 1] < low:
                    s[bottom, 1] = low
                    cuts.append((s[bottom, 0], low, "v"))
            collection.set_segments(segments)
            for x, y, marker in cuts:
                ax.plot(x, y, marker, ms=2.5, color=collection.get_color()[0], clip_on=False)
        for container in (c for c in ax.containers if isinstance(c, ErrorbarContainer)):
            for cap in container.lines[1]:
                y = np.asarray(cap.get_ydata(), dtype=float)
                cap.set_ydata(np.where((y > high) | (y < low), np.nan, y))


def apply_rules(fig: plt.Figure) -> None:
    """The style's rules on a finished figure: error bars cut at the frame, legends that
    cover data moved beside their panels."""
    _clip_error_bars(fig)
    _move_covering_legends(fig)


def save_figure(fig: plt.Figure, *paths: str | Path) -> None:
    """Apply the style's rules and write the figure to each path (PDFs without a creation
    date: reproducible bytes)."""
    apply_rules(fig)
    for path in paths:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(
            path, dpi=300, metadata={"CreationDate": None} if str(path).endswith(".pdf") else None
        )
    plt.close(fig)
