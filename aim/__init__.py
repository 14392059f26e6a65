"""Reference implementation of the attention-indexed model (AIM).

Bayes-optimal state evolution (arXiv:2506.01582), with AMP and gradient-descent
simulations built on the same modules.
"""

__version__ = "0.1.0"
