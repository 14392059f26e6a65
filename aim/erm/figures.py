"""The wing's entries in the figure registry: the figures of arXiv:2509.24914."""

from aim.core.figures import Figure
from aim.erm import PAPER
from aim.erm import targets as t

FIGURES = (
    Figure(
        id="erm_thresholds",
        paper=PAPER.id,
        summary="thresholds vs kappa0 (Fig. 3 right), and the interpolation threshold for "
        "several label noises (not in the paper)",
        inputs=t.thresholds_figure_inputs,
        options=t.thresholds_figure_options,
        gather="aim.erm.aggregate:thresholds_figure",
        plot="aim.erm.plotting:plot_thresholds",
    ),
)
