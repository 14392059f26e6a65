"""Wing of arXiv:2509.24914, empirical risk minimisation of a tied single-head attention
layer: six-parameter state evolution, learned spectra and thresholds."""

from aim.core import Paper
from aim.core.training_settings import PARAMETERISATIONS, TASKS

__all__ = ["PAPER", "PARAMETERISATIONS", "TASKS"]

PAPER = Paper(
    id="erm",
    references=(
        "arXiv:2509.24914 (Boncoraglio, Erba, Troiani, Krzakala, Zdeborova, "
        "Inductive Bias and Spectral Properties of Single-Head Attention in High Dimensions)"
    ),
)
