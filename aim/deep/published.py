"""The published numbers of arXiv:2502.00901 that the figures draw beside ours (c = 1,
L = 2; the shared theory notes, sections 2-4)."""

PUBLISHED = {
    "alpha_weak_last": 0.1436,
    "alpha_conditional_first": 0.7936,
    "se_alpha": [0.3, 0.4, 0.5, 0.6, 1.0, 1.2],
    "se_layer": [2, 2, 2, 2, 1, 1],
    "se_Q": [0.218, 0.499, 0.773, 0.921, 0.614, 0.823],
    "gamp_alpha": [0.4, 1.0],
    "gamp_layer": [2, 1],
    "gamp_Q": [0.494, 0.520],
    "gamp_Q_std": [0.034, 0.135],
}
