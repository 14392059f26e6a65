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
    Figure(
        id="bayes_phase_diagram",
        paper=PAPER.id,
        summary="not in the paper: Bayes-optimal MMSE maps over (rho, alpha), softmax and hardmax",
        inputs=t.phase_figure_inputs,
        options=t.phase_figure_options,
        gather="aim.bayes.aggregate:phase_figure",
        plot="aim.bayes.plotting:plot_phase_diagram",
    ),
    Figure(
        id="bayes_finite_size",
        paper=PAPER.id,
        summary="not in the paper: AMP and GD errors against 1/d, extrapolated to d -> infinity",
        inputs=t.finite_size_inputs,
        options=t.finite_size_options,
        gather="aim.bayes.aggregate:finite_size_figure",
        plot="aim.bayes.plotting:plot_finite_size",
    ),
)
