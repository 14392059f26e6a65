"""SGD on the deep-attention teacher: the torch network against the numpy channel, batched runs
against separate ones, and learning at a small size."""

import numpy as np
import pytest
import torch

from aim.deep.channel import output
from aim.deep.problem import make_problem
from aim.deep.sgd import SgdSettings, network_outputs, run_losses, train_sgd


@pytest.mark.parametrize("layers", [2, 3])
def test_torch_network_equals_the_channel(layers):
    """The student's forward pass and the theory's channel are written independently; float64
    leaves only rounding (1e-12)."""
    rng = np.random.default_rng(0)
    w, x = rng.standard_normal((2, layers, 30)), rng.standard_normal((2, 50, 2, 30))
    got = network_outputs(torch.tensor(w), torch.tensor(x), skip=0.7, beta=1.3).numpy()
    for r in range(2):
        Z = np.einsum("ld,nmd->nlm", w[r], x[r]) / np.sqrt(30)
        np.testing.assert_allclose(got[r], output(Z, skip=0.7, beta=1.3), atol=1e-12)


def test_the_teachers_weights_have_zero_loss():
    """Labels from the numpy channel, loss from the torch student at the teacher's weights: zero
    up to float64 rounding of 7500 sequences (< 1e-24), and not for a perturbed student."""
    problem = make_problem(
        layers=2, skip=1.0, beta=1.0, alpha=15, d=500, rng=np.random.default_rng(1), test_samples=1
    )
    x = torch.tensor(problem.tokens[None])
    y = torch.tensor(np.exp(problem.log_outputs)[None])
    teacher = torch.tensor(problem.teacher[None])
    assert float(run_losses(teacher, x, y, skip=1.0, beta=1.0)[0]) < 1e-24
    assert float(run_losses(1.01 * teacher, x, y, skip=1.0, beta=1.0)[0]) > 1e-6


def test_batched_runs_equal_separate_runs():
    """Three runs in one batch against each run alone (float64, 2 epochs of 6 steps): the same
    numbers up to reduction order (1e-12)."""
    settings = SgdSettings(epochs=2, batch=40, steps_per_batch=3, dtype="float64", test_every=1)
    kwargs = dict(layers=2, skip=1.0, alpha=2.0, d=40, seed=5, settings=settings, progress=False)
    batched = train_sgd(runs=3, **kwargs)
    for r in range(3):
        alone = train_sgd(runs=1, first_run=r, **kwargs)
        np.testing.assert_allclose(batched.cosine[:, r], alone.cosine[:, 0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(batched.test_error[:, r], alone.test_error[:, 0], atol=1e-12)
    assert not np.allclose(batched.cosine[-1, 0], batched.cosine[-1, 1])


def test_sgd_learns_the_last_layer_first():
    """d = 100, alpha = 15 (far above perfect recovery, alpha = 1), 2 runs, 40 epochs: layer 2
    passes |C| = 0.5 in the first epochs and before layer 1; both end above 0.9 with the test
    error a tenth of its start. (Observed: layer 2 at epoch 1, layer 1 at 6-12, final 0.97 and
    0.998.)"""
    settings = SgdSettings(epochs=40, test_every=20)
    result = train_sgd(layers=2, skip=1.0, alpha=15, d=100, runs=2, seed=0, settings=settings)
    first = result.first_aligned()
    assert np.all(first[:, 1] >= 0) and np.all(first[:, 1] <= 3)
    assert np.all(first[:, 0] > first[:, 1])
    assert np.all(np.abs(result.cosine[-1]) > 0.9)
    assert np.all(result.test_error[-1] < 0.1 * result.test_error[0])
    assert not result.diverged.any()
