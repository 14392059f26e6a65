"""Wing of arXiv:2506.01582, Bayes-optimal learning of attention-indexed models: state
evolution, GAMP-RIE and gradient descent."""

from aim.core import Paper

PAPER = Paper(
    id="bayes",
    references="arXiv:2506.01582 (Boncoraglio, Troiani, Erba, Zdeborova, NeurIPS 2025)",
)

CHANNELS = ("softmax", "hardmax")  # output channels of the attention indices
VARIANTS = ("exact", "published")  # hardmax derivatives: the true one, the authors' code's
# hardmax teachers: row a compares h_aa with h_ab (natural), or with sqrt(2) h_ab, as the
# authors' AMP code does (it builds h from symmetrised sensing matrices)
TEACHERS = ("natural", "authors")
