"""Wing of arXiv:2502.00901, deep attention as a sequence multi-index model: rank-one tied
layers with a skip connection, the Bayes-optimal multi-layer state evolution, weak-recovery
thresholds per layer and GAMP."""

from aim.core import Paper

__all__ = ["PAPER"]

PAPER = Paper(
    id="deep",
    references=(
        "arXiv:2502.00901 (Troiani, Cui, Dandi, Krzakala, Zdeborova, Fundamental limits of "
        "learning in sequence multi-index models and deep attention networks)"
    ),
)
