"""Batched ERM training: batch = separate runs, the penalty identity, the stopping rule,
the label noise; the state evolution at d = 100."""

import math

import numpy as np
import pytest
import torch

from aim.core.erm_training import (
    AdamSettings,
    ErmTask,
    penalties,
    run_seeds,
    student_matrix,
    symmetric_noise,
    train_erm,
)

F64 = AdamSettings(dtype="float64", max_steps=400, min_steps=20, tol=1e-6)


@pytest.mark.parametrize("parameterisation", ["factorized", "direct"])
@pytest.mark.parametrize("task_name", ["label", "seq2seq"])
def test_a_batch_equals_its_runs_trained_apart(parameterisation, task_name):
    """Float64, same seeds, a different lambda per run: every measurement to 1e-10, and the
    runs stop at different steps, so a frozen run really is left alone."""
    task = ErmTask(
        d=16,
        alpha=0.3,
        kappa0=0.5,
        noise=0.5,
        kappa=0.75,
        parameterisation=parameterisation,
        task=task_name,
    )
    seeds, inits = run_seeds(seed=3, runs=3)
    lam = [0.03, 0.003, 0.0003]
    batch = train_erm(
        task, seeds=seeds, lam=lam, init_seeds=inits, settings=F64, test_samples=200, progress=False
    )
    assert len(set(batch.steps)) > 1
    for r in range(3):
        alone = train_erm(
            task,
            seeds=seeds[r : r + 1],
            lam=lam[r : r + 1],
            init_seeds=inits[r : r + 1],
            settings=F64,
            test_samples=200,
            progress=False,
        )
        for name in ("test_error", "test_error_clean", "train_loss", "mse"):
            assert getattr(alone, name)[0] == pytest.approx(getattr(batch, name)[r], rel=1e-10)
        assert alone.steps[0] == batch.steps[r]


def test_weight_decay_is_a_nuclear_norm_penalty():
    """(lam / sqrt(kappa)) ||W||_F^2 = lam d ||S_W||_* with S_W = W W^T / sqrt(p d) (PSD)."""
    task = ErmTask(d=40, alpha=0.1, kappa0=0.5, kappa=0.75)
    w = torch.randn((2, 40, 30), dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    lam = torch.tensor([0.01, 0.2], dtype=torch.float64)
    nuclear = torch.linalg.svdvals(student_matrix(w, task)).sum(-1)
    assert torch.allclose(penalties(w, lam, task), lam * 40 * nuclear, rtol=1e-12)


def test_label_noise_has_variance_delta_on_the_diagonal_and_half_off_it():
    # 2e5 draws: standard error of a variance ~ 0.5 * sqrt(2 / 2e5) = 2e-3; 1e-2 allowed
    xi = symmetric_noise((200_000,), T=3, noise=0.5, rng=np.random.default_rng(0))
    assert np.allclose(xi, np.swapaxes(xi, -1, -2))
    assert xi[:, 0, 0].var() == pytest.approx(0.5, abs=1e-2)
    assert xi[:, 0, 1].var() == pytest.approx(0.25, abs=1e-2)
    assert abs(np.mean(xi[:, 0, 1] * xi[:, 1, 2])) < 1e-2


def test_a_run_stops_once_its_loss_settles():
    task = ErmTask(d=16, alpha=0.3, kappa0=0.5, noise=0.5)
    seeds, inits = run_seeds(seed=0, runs=1)
    loose = AdamSettings(dtype="float64", max_steps=5000, min_steps=10, tol=1e-4)
    run = train_erm(task, seeds=seeds, lam=[0.01], init_seeds=inits, settings=loose, progress=False)
    assert run.stopped[0] and 10 < run.steps[0] < 5000


@pytest.mark.parametrize(
    "alpha, se_test_error, se_train_loss",
    [(0.1, 0.29821, 0.004578), (0.2, 0.20700, 0.007729), (0.5, 0.13605, 0.02329)],
)
def test_eight_runs_at_d_100_agree_with_the_state_evolution(alpha, se_test_error, se_train_loss):
    """kappa0 = 0.5, Delta = 0.5, lambda_t = 0.01: the mean test error of 8 runs within 2
    standard deviations of the state evolution, the train loss within 10%."""
    task = ErmTask(d=100, alpha=alpha, kappa0=0.5, noise=0.5)
    seeds, inits = run_seeds(seed=0, runs=8)
    runs = train_erm(task, seeds=seeds, lam=[0.01] * 8, init_seeds=inits, progress=False)
    assert runs.stopped.all()
    assert abs(runs.test_error.mean() - se_test_error) < 2 * runs.test_error.std()
    assert runs.train_loss.mean() == pytest.approx(se_train_loss, rel=0.1)
    assert math.isfinite(runs.mse.mean())


def test_the_learned_spectrum_follows_the_theory_law_at_d_200():
    """One run at d = 200, alpha = 0.5 (kappa0 = 0.5, Delta = 0.5, lambda_t = 0.01) against
    the law of eta ReLU(S0 + delta Z - eps) from the state evolution: the fraction of singular
    values of W / (p d)^(1/4) above 0.05 within 0.03 of the predicted rank (observed 0.670
    against 0.644), and the Kolmogorov-Smirnov distance of the eigenvalues above 0.05^2 to
    the law's CDF below 0.05 (observed 0.027)."""
    from aim.core.spectral import threshold_functionals
    from aim.erm.state_evolution import ErmModel, StateEvolution

    point = StateEvolution(ErmModel(kappa0=0.5, noise=0.5, lam=0.01)).solve(alpha=0.5)
    delta, eps = math.sqrt(point.q_hat) / point.m_hat, 0.02 / point.m_hat
    eta = point.m_hat / point.sigma_hat
    seeds, inits = run_seeds(seed=0, runs=1)
    task = ErmTask(d=200, alpha=0.5, kappa0=0.5, noise=0.5)
    run = train_erm(task, seeds=seeds, lam=[0.01], init_seeds=inits, progress=False)
    eig = np.sort(np.clip(run.eigenvalues[0], 0, None))
    assert np.mean(np.sqrt(eig) > 0.05) == pytest.approx(point.rank, abs=0.03)
    above = eig[eig > 0.05**2]
    law = np.array(
        [threshold_functionals(eps=eps + s / eta, noise_std=delta, rho=0.5).cdf for s in above]
    )
    empirical = [np.searchsorted(eig, above, side=side) / eig.size for side in ("left", "right")]
    assert max(np.abs(e - law).max() for e in empirical) < 0.05


def test_the_lambda_grid_is_the_same_in_chunks_and_the_oracle_is_its_argmin():
    from aim.core.erm_training import oracle_choice, train_grid

    task = ErmTask(d=16, alpha=0.3, kappa0=0.5, noise=0.5)
    seeds, inits = run_seeds(seed=5, runs=2)
    lam = [1e-4, 1e-2, 1.0]
    whole, chunked = (
        train_grid(
            task, lam=lam, seeds=seeds, init_seeds=inits, settings=F64, max_batch=b, progress=False
        )
        for b in (6, 4)
    )
    assert whole.test_error.shape == (3, 2) and whole.eigenvalues.shape == (3, 2, 16)
    assert np.allclose(whole.test_error, chunked.test_error, rtol=1e-10)
    oracle = oracle_choice(lam, whole.test_error)
    assert oracle.oracle_index == int(np.argmin(whole.test_error.mean(axis=1)))
    assert oracle.oracle_lam == lam[oracle.oracle_index]
    assert oracle.mean_test_error[2] > oracle.mean_test_error.min()  # lambda = 1 kills S


def test_sequence_to_sequence_and_to_label_agree():
    """Same asymptotics: at d = 60, alpha = 0.2 (kappa0 = 0.5, Delta = 0.5, lambda_t = 0.01)
    the mean test errors of 8 runs agree within 2 standard deviations (observed 0.2167 and
    0.2189, std 0.010)."""
    seeds, inits = run_seeds(seed=0, runs=8)
    errors = {}
    for name in ("label", "seq2seq"):
        task = ErmTask(d=60, alpha=0.2, kappa0=0.5, noise=0.5, task=name)
        errors[name] = train_erm(
            task, seeds=seeds, lam=[0.01] * 8, init_seeds=inits, progress=False
        ).test_error
    spread = max(errors["label"].std(), errors["seq2seq"].std())
    assert abs(errors["label"].mean() - errors["seq2seq"].mean()) < 2 * spread


def test_a_narrower_student_learns_the_same_when_the_rank_fits():
    """kappa = 0.75 against kappa = 1 at d = 100, alpha = 0.5: the predicted rank 0.644 is
    below 0.75, so nothing depends on kappa (observed difference 1e-4, std 0.004)."""
    seeds, inits = run_seeds(seed=0, runs=4)
    errors = [
        train_erm(
            ErmTask(d=100, alpha=0.5, kappa0=0.5, noise=0.5, kappa=kappa),
            seeds=seeds,
            lam=[0.01] * 4,
            init_seeds=inits,
            progress=False,
        ).test_error
        for kappa in (1.0, 0.75)
    ]
    assert abs(errors[0].mean() - errors[1].mean()) < 0.5 * errors[0].std()
