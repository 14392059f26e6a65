"""The wing's entries in the figure registry: the figures of arXiv:2509.24914 and two more."""

from aim.core.figures import Figure
from aim.erm import PAPER
from aim.erm import targets as t

_APPENDIX = {
    "seq2seq": "sequence-to-sequence vs sequence-to-label training (Fig. 4), with SE lines",
    "temperature": "student and teacher temperature beta = beta0 (Fig. 5), with SE lines",
    "tokens": "token count T against alpha_bar (Fig. 6), with SE lines",
}

FIGURES = (
    Figure(
        id="erm_spectra",
        paper=PAPER.id,
        summary="learned spectra, test error vs alpha, predicted rank (Fig. 1)",
        inputs=t.spectra_figure_inputs,
        options=t.spectra_figure_options,
        gather="aim.erm.aggregate:spectra_figure",
        plot="aim.erm.plotting:plot_spectra",
    ),
    Figure(
        id="erm_interpolation",
        paper=PAPER.id,
        summary="test error and train loss for six lambda and lambda -> 0+ (Fig. 2)",
        inputs=t.interpolation_figure_inputs,
        options=t.no_options,
        gather="aim.erm.aggregate:interpolation_figure",
        plot="aim.erm.plotting:plot_interpolation",
    ),
    Figure(
        id="erm_factorization",
        paper=PAPER.id,
        summary="factorized vs direct parameterisation at the oracle lambda, thresholds (Fig. 3)",
        inputs=t.factorization_figure_inputs,
        options=t.no_options,
        gather="aim.erm.aggregate:factorization_figure",
        plot="aim.erm.plotting:plot_factorization",
    ),
    *(
        Figure(
            id=f"erm_{name}",
            paper=PAPER.id,
            summary=summary,
            inputs=t.appendix_figure_inputs(name),
            options=t.appendix_figure_options(name),
            gather="aim.erm.aggregate:appendix_figure",
            plot="aim.erm.plotting:plot_appendix",
        )
        for name, summary in _APPENDIX.items()
    ),
    Figure(
        id="erm_vs_bayes",
        paper=PAPER.id,
        summary="noiseless ERM at its best lambda against the Bayes-optimal MMSE "
        "(beyond the paper)",
        inputs=t.vs_bayes_figure_inputs,
        options=t.no_options,
        gather="aim.erm.aggregate:vs_bayes_figure",
        plot="aim.erm.plotting:plot_vs_bayes",
    ),
    Figure(
        id="erm_thresholds",
        paper=PAPER.id,
        summary="thresholds vs kappa0 (Fig. 3 right), and the interpolation threshold for "
        "several label noises (not in the paper)",
        inputs=t.thresholds_figure_inputs,
        options=t.no_options,
        gather="aim.erm.aggregate:thresholds_figure",
        plot="aim.erm.plotting:plot_thresholds",
    ),
)
