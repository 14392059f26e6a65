"""The wing's entries in the figure registry: the figures of arXiv:2506.01582."""

from functools import partial

from aim.bayes import PAPER
from aim.bayes import targets as t
from aim.core.figures import Figure

FIGURES = (
    Figure(
        id="bayes_hardmax",
        paper=PAPER.id,
        summary="hardmax T = 2, exact derivative: SE vs alpha and alpha/rho, AMP dots",
        inputs=partial(t.hardmax_figure_inputs, variant="exact"),
        options=t.hardmax_figure_options,
        gather="aim.bayes.aggregate:hardmax_figure",
        plot="aim.bayes.plotting:plot_hardmax",
    ),
    Figure(
        id="bayes_hardmax_published",
        paper=PAPER.id,
        summary="the same with the authors' published derivative (the paper's curves)",
        inputs=partial(t.hardmax_figure_inputs, variant="published"),
        options=t.hardmax_figure_options,
        gather="aim.bayes.aggregate:hardmax_figure",
        plot="aim.bayes.plotting:plot_hardmax",
    ),
    Figure(
        id="bayes_softmax",
        paper=PAPER.id,
        summary="softmax: SE vs alpha for several rho; the collapse in x with GD and AMP",
        inputs=t.softmax_figure_inputs,
        options=t.softmax_figure_options,
        gather="aim.bayes.aggregate:softmax_figure",
        plot="aim.bayes.plotting:plot_softmax",
    ),
)
