"""Wing of arXiv:2509.24914, empirical risk minimisation of a tied single-head attention
layer: six-parameter state evolution, learned spectra and thresholds."""

from aim.core import Paper

PAPER = Paper(
    id="erm",
    references=(
        "arXiv:2509.24914 (Boncoraglio, Erba, Troiani, Krzakala, Zdeborova, "
        "Inductive Bias and Spectral Properties of Single-Head Attention in High Dimensions)"
    ),
)

PARAMETERISATIONS = ("factorized", "direct")  # S = W W^T with weight decay; S with Frobenius
