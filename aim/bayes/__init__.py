"""Wing of arXiv:2506.01582, Bayes-optimal learning of attention-indexed models: state
evolution, GAMP-RIE and gradient descent."""

from aim.core import Paper

PAPER = Paper(
    id="bayes",
    references="arXiv:2506.01582 (Boncoraglio, Troiani, Erba, Zdeborova, NeurIPS 2025)",
)
