"""Gradient descent: batched students, the student's algebra, and the errors against SE."""

import numpy as np
import pytest
import torch

from aim.bayes.aggregate import (
    effective_samples,
    finite_size_figure,
    gd_points,
    posterior_samples_error,
)
from aim.bayes.channels import Softmax
from aim.bayes.gd_runs import gd_dataset
from aim.bayes.state_evolution import softmax_state_evolution
from aim.core.tokens import attention_indices, sample_problem
from aim.core.training import (
    GdSettings,
    init_seeds_for,
    initial_weights,
    student_estimates,
    student_outputs,
    train_students,
)

RHO = 0.5


def test_student_outputs_are_the_softmax_of_its_attention_indices():
    """h of the student equals the teacher formula applied to S_hat = W^T W / sqrt(r d)."""
    rng = np.random.default_rng(0)
    d, T, n = 12, 3, 5
    w = initial_weights([1, 2], r=6, d=d)
    x = rng.standard_normal((n, T, d))
    y_hat = student_outputs(w, torch.as_tensor(x), beta=1.3).numpy()
    for k, s_hat in enumerate(student_estimates(w).numpy()):
        expected = Softmax(T=T, beta=1.3).labels(attention_indices(x, s_hat))
        np.testing.assert_allclose(y_hat[k], expected, rtol=1e-12, atol=1e-14)


def test_batched_students_equal_separate_runs():
    """K students in one tensor = K runs with the same seeds (float64, 60 Adam steps);
    tolerance 1e-9 leaves room for the summation order of the batched matmul."""
    teacher, x, y = sample_problem(Softmax(T=2), d=20, alpha=0.2, rho=RHO, seed=1)
    seeds = init_seeds_for(seed=1, students=3)
    settings = GdSettings(steps=60, dtype="float64")
    batched = train_students(
        x, y, teacher, rho=RHO, init_seeds=seeds, settings=settings, progress=False
    )
    separate = [
        train_students(x, y, teacher, rho=RHO, init_seeds=[s], settings=settings, progress=False)
        for s in seeds
    ]
    np.testing.assert_allclose(batched.single_mse, [r.single_mse[0] for r in separate], rtol=1e-9)
    np.testing.assert_allclose(
        batched.estimate, np.mean([r.estimate for r in separate], axis=0), rtol=0, atol=1e-9
    )
    np.testing.assert_allclose(batched.loss[:, 1], separate[1].loss[:, 0], rtol=1e-9)


def test_loss_decreases():
    teacher, x, y = sample_problem(Softmax(T=3), d=24, alpha=0.05, rho=RHO, seed=2)
    result = train_students(
        x, y, teacher, rho=RHO, init_seeds=[5, 6], settings=GdSettings(steps=200), progress=False
    )
    assert result.loss_steps[0] == 0 and result.loss_steps[-1] == 200
    assert np.all(result.loss[-1] < 0.05 * result.loss[0])
    assert np.all(np.diff(result.loss[::5], axis=0) < 0)  # every 50 steps


def test_past_perfect_recovery_the_averaged_error_vanishes():
    """x = 1.5 >= x_PR = 0.75 (rho = 0.5), d = 40, K = 8: averaged error below 1e-3."""
    alpha = 1.5 / 4
    teacher, x, y = sample_problem(Softmax(T=2), d=40, alpha=alpha, rho=RHO, seed=3)
    result = train_students(
        x,
        y,
        teacher,
        rho=RHO,
        init_seeds=init_seeds_for(seed=3, students=8),
        settings=GdSettings(),
        progress=False,
    )
    assert result.averaged_mse < 1e-3
    assert np.all(result.single_mse < 1e-3)


def test_below_perfect_recovery_averaging_beats_single_runs_and_nears_se():
    """x = 0.3, d = 40, K = 32, two draws: the single-run error exceeds the averaged one,
    and the averaged one lies within 30% of the state evolution (0.555)."""
    alpha = 0.3 / 4
    se = float(softmax_state_evolution(alpha=alpha, T=2, rho=RHO).mmse[0])
    single, averaged = [], []
    for seed in (0, 1):
        teacher, x, y = sample_problem(Softmax(T=2), d=40, alpha=alpha, rho=RHO, seed=seed)
        result = train_students(
            x,
            y,
            teacher,
            rho=RHO,
            init_seeds=init_seeds_for(seed=seed, students=32),
            settings=GdSettings(),
            progress=False,
        )
        single.append(result.single_mse.mean())
        averaged.append(result.averaged_mse)
    assert np.mean(single) > 1.3 * np.mean(averaged)
    assert abs(np.mean(averaged) / se - 1) < 0.3


def test_same_seeds_same_dataset():
    draw = dict(T=2, rho=RHO, alpha=0.05, d=16, seed=4, students=3, settings={"steps": 20})
    one = gd_dataset(**draw, progress=False)
    two = gd_dataset(**draw, progress=False)
    for name in one.data_vars:
        np.testing.assert_array_equal(one[name].values, two[name].values)
    assert list(one.init_seed.values) == init_seeds_for(seed=4, students=3)
    assert int(one.seed) == 4 and float(one.x) == pytest.approx(0.2)


def test_init_seeds_differ_across_draws_and_students():
    seeds = [s for draw in range(16) for s in init_seeds_for(seed=draw, students=32)]
    assert len(set(seeds)) == len(seeds)


@pytest.mark.parametrize(
    "bad", [{"steps": 0}, {"lr": -1.0}, {"beta": 0.0}, {"dtype": "half"}, {"device": "tpu"}]
)
def test_settings_are_checked(bad):
    with pytest.raises(ValueError):
        GdSettings(**bad)


def test_divergence_is_flagged_per_student_and_left_out():
    teacher, x, y = sample_problem(Softmax(T=2), d=16, alpha=0.05, rho=RHO, seed=0)
    settings = GdSettings(steps=20, lr=1e30)
    result = train_students(
        x, y, teacher, rho=RHO, init_seeds=[1, 2], settings=settings, progress=False
    )
    assert result.diverged.all() and np.isnan(result.single_mse).all()
    assert np.isnan(result.averaged_mse) and (result.diverged_step >= 0).all()
    healthy = train_students(
        x, y, teacher, rho=RHO, init_seeds=[1, 2], settings=GdSettings(steps=20), progress=False
    )
    assert not healthy.diverged.any() and (healthy.diverged_step == -1).all()
    assert np.isfinite(healthy.single_mse).all()


def test_gather_leaves_diverged_students_out_and_counts_them():
    draw = dict(T=2, rho=RHO, alpha=0.05, d=16, students=3, settings={"steps": 20})
    one = gd_dataset(**draw, seed=0, progress=False)
    two = gd_dataset(**draw, seed=1, progress=False)
    two["single_mse"][0] = np.nan  # as a diverged student is stored
    two["diverged"][0] = 1
    points = gd_points([one, two]).sel(T=2).isel(x_gd=0)
    expected = np.mean([one.single_mse.mean(), two.single_mse.values[1:].mean()])
    assert float(points.gd_single_mean) == pytest.approx(expected, rel=1e-12)
    assert int(points.gd_diverged) == 1 and int(points.gd_draws) == 2


def test_the_mean_of_k_posterior_samples_has_error_mmse_times_one_plus_one_over_k():
    """Scalar Gaussian channel y = x + sqrt(delta) z, x ~ N(0, 1): the posterior is
    N(y / (1 + delta), delta / (1 + delta)) in closed form. The mean of K = 3 samples from it
    misses x by mmse (1 + 1/3) on average; 2e5 draws resolve that to 0.3%, 4 SE allowed."""
    rng = np.random.default_rng(0)
    delta, k, draws = 0.5, 3, 200_000
    x = rng.standard_normal(draws)
    y = x + np.sqrt(delta) * rng.standard_normal(draws)
    mmse = delta / (1 + delta)
    samples = y[:, None] / (1 + delta) + np.sqrt(mmse) * rng.standard_normal((draws, k))
    errors = (samples.mean(axis=1) - x) ** 2
    expected = posterior_samples_error(mmse, samples=k)
    assert abs(errors.mean() - expected) < 4 * errors.std() / np.sqrt(draws)
    assert effective_samples(expected, mmse=mmse) == pytest.approx(k, rel=1e-12)
    assert effective_samples(mmse, mmse=mmse) == np.inf


def _gd_size_series(errors: dict[int, list[float]], students: int = 3) -> list:
    """Tiny GD draws (5 steps) whose averaged error is then set to the given values."""
    runs = []
    for d, values in errors.items():
        for seed, value in enumerate(values):
            ds = gd_dataset(
                T=2, rho=RHO, alpha=0.075, d=d, seed=seed, students=students,
                settings={"steps": 5}, progress=False,
            )  # fmt: skip
            ds["averaged_mse"] = value
            runs.append(ds)
    return runs


def test_finite_size_gd_series_recovers_the_effective_number_of_posterior_samples():
    """GD errors built as SE (1 + 1/4) + 0.5 / d (+- 0.002 over two draws): the fit's
    intercept is that of 4 independent samples, so effective_samples = 4 (to the 1e-6 of an
    exact line), and the reference for the 3 students averaged, SE (1 + 1/3), lies above."""
    se = float(softmax_state_evolution(alpha=[0.075], T=2, rho=RHO).mmse[0])
    line = {d: se * (1 + 1 / 4) + 0.5 / d for d in (16, 24, 32, 48)}
    errors = {d: [value - 0.002, value + 0.002] for d, value in line.items()}
    ds = finite_size_figure(gd=_gd_size_series(errors), rho=RHO)
    one = ds.isel(series=0)
    assert one.kind.item() == "gd" and int(one.students) == 3
    assert float(one.theory) == pytest.approx(se, rel=1e-12)
    assert float(one.effective_samples) == pytest.approx(4.0, rel=1e-6)
    assert float(one.effective_samples_low) < 4 < float(one.effective_samples_high)
    assert float(one.theory_posterior_samples) == pytest.approx(se * 4 / 3, rel=1e-12)
    assert int(one.posterior_samples_in_ci) == 0 and int(one.theory_in_ci) == 0


def test_finite_size_refuses_a_gd_series_with_several_student_counts():
    runs = _gd_size_series({16: [0.5]}, students=3) + _gd_size_series({24: [0.5]}, students=2)
    with pytest.raises(ValueError, match="one student count per GD series"):
        finite_size_figure(gd=runs, rho=RHO)
