"""The wing's entries in the figure registry: the figures of arXiv:2502.00901 and one more."""

from aim.core.figures import Figure
from aim.deep import PAPER
from aim.deep import targets as t

FIGURES = (
    Figure(
        id="deep_two_layer",
        paper=PAPER.id,
        summary="L = 2 overlaps and errors with GAMP, the phases, thresholds vs c (Fig. 1)",
        inputs=t.two_layer_inputs,
        options=t.skip_option,
        gather="aim.deep.aggregate:two_layer_figure",
        plot="aim.deep.plotting:plot_two_layer",
    ),
    Figure(
        id="deep_dynamics",
        paper=PAPER.id,
        summary="cosine similarity per layer along GAMP and along SGD (Fig. 2)",
        inputs=t.dynamics_inputs,
        options=t.no_options,
        gather="aim.deep.aggregate:dynamics_figure",
        plot="aim.deep.plotting:plot_dynamics",
    ),
    Figure(
        id="deep_three_layer",
        paper=PAPER.id,
        summary="L = 3 overlaps and errors with GAMP points, TREC similarities (Fig. 3)",
        inputs=t.three_layer_inputs,
        options=t.no_options,
        gather="aim.deep.aggregate:three_layer_figure",
        plot="aim.deep.plotting:plot_three_layer",
    ),
    Figure(
        id="deep_thresholds",
        paper=PAPER.id,
        summary="every layer's thresholds against c for L = 2 and 3 (beyond the paper)",
        inputs=t.thresholds_inputs,
        options=t.no_options,
        gather="aim.deep.aggregate:thresholds_figure",
        plot="aim.deep.plotting:plot_thresholds",
    ),
)
