"""The wing's entries in the figure registry: the figures of arXiv:2506.01582."""

from functools import partial

from aim.bayes import PAPER
from aim.bayes import targets as t
from aim.core.figures import Figure


def _hardmax(variant: str, figure_id: str, summary: str) -> Figure:
    return Figure(
        id=figure_id,
        paper=PAPER.id,
        summary=summary,
        inputs=partial(t.hardmax_figure_inputs, variant=variant),
        options=t.hardmax_figure_options,
        gather="aim.bayes.aggregate:hardmax_figure",
        plot="aim.bayes.plotting:plot_hardmax",
    )


FIGURES = (
    _hardmax(
        "exact",
        "bayes_hardmax",
        "hardmax T = 2, exact derivative: SE vs alpha and alpha/rho, AMP dots",
    ),
    _hardmax(
        "published",
        "bayes_hardmax_published",
        "the same with the authors' published derivative (the paper's curves)",
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
