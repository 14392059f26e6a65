"""GAMP-RIE: contractions, channel denoisers, reproducibility, agreement with state evolution."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy.integrate import quad
from scipy.stats import multivariate_normal

from aim.bayes.aggregate import amp_points
from aim.bayes.amp import AmpSettings, DenseSensing, TokenSensing, consistent, gamp_rie
from aim.bayes.amp_runs import amp_dataset, amp_run
from aim.bayes.channels import Hardmax, Softmax, make_channel
from aim.bayes.state_evolution import hardmax_state_evolution, softmax_state_evolution
from aim.bayes.targets import amp_settings
from aim.core.tokens import attention_indices, sample_problem, sample_teacher, sample_tokens, to_z

RHO = 0.5


def test_attention_indices_match_the_per_sample_formula():
    rng = np.random.default_rng(1)
    d, T = 9, 3
    S, x = sample_teacher(d=d, rho=RHO, rng=rng), sample_tokens(n=5, T=T, d=d, rng=rng)
    h = attention_indices(x, S)
    for mu in range(5):
        direct = (x[mu] @ S @ x[mu].T - np.trace(S) * np.eye(T)) / np.sqrt(d)
        np.testing.assert_allclose(h[mu], direct, rtol=0, atol=1e-13)


@pytest.mark.parametrize("T", [2, 3, 4])
def test_token_contractions_equal_the_materialised_sensing_matrices(T):
    """The (n, T, d) contractions against the naive (n, K, d, d) reference, to rounding."""
    rng = np.random.default_rng(T)
    d, n = 7, 11
    x = sample_tokens(n=n, T=T, d=d, rng=rng)
    S = sample_teacher(d=d, rho=RHO, rng=rng)
    g = rng.standard_normal((n, T * (T + 1) // 2))
    fast, naive = TokenSensing(x), DenseSensing(x)
    np.testing.assert_allclose(fast.overlaps(S), naive.overlaps(S), rtol=0, atol=1e-12)
    np.testing.assert_allclose(fast.adjoint(g), naive.adjoint(g), rtol=0, atol=1e-12)
    # <U_k, S> = z_k: the overlaps are the isotropic coordinates of h
    np.testing.assert_allclose(fast.overlaps(S), to_z(attention_indices(x, S)), atol=1e-12)


def test_amp_with_materialised_sensing_follows_the_same_trajectory():
    channel = Hardmax(variant="exact")
    teacher, x, y = sample_problem(channel, d=12, alpha=0.6, rho=RHO, seed=3)
    settings = AmpSettings(max_iter=8)
    fast = gamp_rie(x, y, channel, rho=RHO, settings=settings, teacher=teacher, progress=False)
    naive = gamp_rie(
        x,
        y,
        channel,
        rho=RHO,
        settings=settings,
        teacher=teacher,
        progress=False,
        sensing=DenseSensing(x),
    )
    np.testing.assert_allclose(fast.trace["mse"], naive.trace["mse"], rtol=1e-8)
    np.testing.assert_allclose(fast.estimate, naive.estimate, rtol=0, atol=1e-8)


def test_hardmax_labels_compare_h11_with_h12_in_natural_coordinates():
    # h_11 = 1.0 beats h_12 = 0.8, although sqrt(2) h_12 = 1.13 would not
    h = np.array([[[1.0, 0.8], [0.8, 0.5]]])
    y = Hardmax().labels(h)
    np.testing.assert_array_equal(y[0], [[1.0, 0.0], [1.0, 0.0]])


def _log_phi2_finite_difference(omega, V, s1, s2, eps=1e-5):
    """d log Z / d omega by central differences of scipy's bivariate normal CDF."""
    r = np.sqrt(1.5 * V)
    cov = [[1.0, s1 * s2 / 3.0], [s1 * s2 / 3.0, 1.0]]

    def log_z(w):
        off = w[1] / np.sqrt(2)
        k = [s1 * (w[0] - off) / r, s2 * (w[2] - off) / r]
        return np.log(multivariate_normal(mean=[0, 0], cov=cov).cdf(k))

    out = np.empty(3)
    for k in range(3):
        step = np.zeros(3)
        step[k] = eps
        out[k] = (log_z(omega + step) - log_z(omega - step)) / (2 * eps)
    return out


@pytest.mark.parametrize(
    "omega, V, labels",
    [
        ([0.3, -0.4, 0.1], 0.8, (1, 1)),
        ([-0.5, 0.9, 0.7], 0.3, (1, -1)),
        ([0.2, 0.6, -1.1], 1.7, (-1, -1)),
    ],
)
def test_exact_hardmax_g_out_is_the_derivative_of_log_z(omega, V, labels):
    """Against finite differences of an independent CDF (scipy's); tolerance 1e-4 covers
    scipy's CDF accuracy (about 1e-8) divided by the 1e-5 step."""
    s1, s2 = labels
    y = np.zeros((1, 2, 2))
    y[0, 0, 0 if s1 > 0 else 1] = 1
    y[0, 1, 1 if s2 > 0 else 0] = 1
    omega = np.asarray(omega)
    reference = _log_phi2_finite_difference(omega, V, s1, s2)
    exact = Hardmax(variant="exact").g_out(y, omega[None], V)[0]
    published = Hardmax(variant="published").g_out(y, omega[None], V)[0]
    np.testing.assert_allclose(exact, reference, rtol=1e-4, atol=1e-6)
    assert np.max(np.abs(published - reference)) > 0.05


def test_softmax_g_out_is_the_derivative_of_log_z():
    """log Z = log int dc N(tau (c + psi); omega, V), integrated numerically over c."""
    T, V = 3, 0.7
    rng = np.random.default_rng(4)
    h = rng.standard_normal((1, T, T))
    h = (h + h.transpose(0, 2, 1)) / 2
    channel = Softmax(T=T, beta=1.7)
    y = channel.labels(h)
    tau = np.where(np.triu_indices(T)[0] == np.triu_indices(T)[1], 1.0, np.sqrt(2.0))
    psi = to_z(h - h[:, -1:, -1:])[0]
    omega = rng.standard_normal(len(tau))

    def log_z(w):
        def density(c):
            return np.exp(-np.sum((tau * c + psi - w) ** 2) / (2 * V))

        return np.log(quad(density, -30, 30, epsabs=1e-14, epsrel=1e-12)[0])

    eps = 1e-5
    reference = [
        (log_z(omega + eps * e) - log_z(omega - eps * e)) / (2 * eps) for e in np.eye(len(tau))
    ]
    np.testing.assert_allclose(channel.g_out(y, omega[None], V)[0], reference, atol=1e-6)


def test_softmax_slope_is_minus_the_trace_of_the_g_out_jacobian():
    """g is linear in omega: -tr dg/domega by central differences, sample by sample, is the
    slope wherever V is at least the measured residual (here V is large)."""
    T, V, n = 3, 40.0, 5
    rng = np.random.default_rng(2)
    channel = Softmax(T=T)
    h = rng.standard_normal((n, T, T))
    y = channel.labels(h + h.transpose(0, 2, 1))
    omega = rng.standard_normal((n, T * (T + 1) // 2))
    eps, trace = 1e-6, np.zeros(n)
    for k in range(omega.shape[1]):
        step = np.zeros_like(omega)
        step[:, k] = eps
        diff = channel.g_out(y, omega + step, V) - channel.g_out(y, omega - step, V)
        trace -= diff[:, k] / (2 * eps)
    g = channel.g_out(y, omega, V)
    np.testing.assert_allclose(trace, channel.slope(g, V), rtol=1e-8)


@pytest.mark.parametrize(
    "channel", [Hardmax(variant="exact"), Hardmax(variant="published"), Softmax(T=3)]
)
def test_g_out_power_matches_the_state_evolution_output_term(channel):
    """Nishimori: E ||g_z||^2 over data consistent with (omega, V) is q_hat / (4 alpha).

    Monte Carlo with 200,000 samples against the deterministic SE quadrature (or the
    softmax closed form), within 4 standard errors.
    """
    Q0, q, n = 1.5, 0.9, 200_000
    T = channel.T
    rng = np.random.default_rng(11)
    K = T * (T + 1) // 2
    omega = rng.standard_normal((n, K)) * np.sqrt(2 * q)
    z = omega + rng.standard_normal((n, K)) * np.sqrt(2 * (Q0 - q))
    h = np.zeros((n, T, T))
    rows, cols = np.triu_indices(T)
    scale = np.where(rows == cols, 1.0, np.sqrt(2.0))
    h[:, rows, cols] = h[:, cols, rows] = z / scale
    power = np.sum(channel.g_out(channel.labels(h), omega, 2 * (Q0 - q)) ** 2, axis=1)
    expected = channel.q_hat(alpha=1.0, q=q, Q0=Q0) / 4
    assert abs(power.mean() - expected) < 4 * power.std() / np.sqrt(n)


def test_make_channel_rejects_bad_names():
    with pytest.raises(ValueError, match="channel must be one of"):
        make_channel("relu")
    with pytest.raises(ValueError, match="variant and teacher apply"):
        make_channel("softmax", T=2, variant="exact")
    with pytest.raises(ValueError, match="teacher must be one of"):
        make_channel("hardmax", teacher="symmetrised")
    with pytest.raises(ValueError, match="T = 2 only"):
        make_channel("hardmax", T=3)


def test_same_seed_same_result_bitwise():
    point = dict(channel="hardmax", T=2, rho=RHO, alpha=0.5, d=24, variant="exact")
    settings = {"max_iter": 15}
    one = amp_dataset(**point, seeds=[0, 1], settings=settings, progress=False)
    two = amp_dataset(**point, seeds=[0, 1], settings=settings, progress=False)
    for name in one.data_vars:
        np.testing.assert_array_equal(one[name].values, two[name].values)
    other = amp_dataset(**point, seeds=[2], settings=settings, progress=False)
    assert other.mse.item() != one.mse.values[0]


def test_amp_dataset_carries_seeds_traces_and_settings():
    ds = amp_dataset(
        channel="softmax",
        T=3,
        rho=RHO,
        alpha=0.04,
        d=20,
        seeds=[5, 6],
        settings={"max_iter": 7},
        progress=False,
    )
    assert list(ds.seed.values) == [5, 6]
    assert ds.x.item() == pytest.approx(0.4)
    assert ds.trace_mse.dims == ("seed", "iteration")
    assert int(ds.n) == round(0.04 * 400)
    last = ds.trace_mse.values[np.arange(2), ds.iterations.values - 1]
    np.testing.assert_array_equal(ds.mse.values, last)
    assert np.isnan(ds.trace_mse.values[ds.iterations.values < ds.iteration.size, -1]).all()
    assert '"max_iter": 7' in ds.attrs["provenance_solver"]
    assert '"seeds": [5, 6]' in ds.attrs["provenance_parameters"]


def test_damping_from_the_second_iteration_overrides_the_hardmax_rule():
    """Hardmax damps once a step grows; damping_start = second damps from the 2nd iteration:
    the first steps agree to the bit, the second differs."""
    channel = Hardmax(variant="published", teacher="authors")
    teacher, x, y = sample_problem(channel, d=12, alpha=0.6, rho=RHO, seed=3)
    steps = [
        gamp_rie(
            x,
            y,
            channel,
            rho=RHO,
            settings=AmpSettings(max_iter=3, damping_start=start),
            teacher=teacher,
            progress=False,
        ).trace["step"]
        for start in ("auto", "second")
    ]
    assert steps[0][0] == steps[1][0]
    assert abs(steps[0][1] - steps[1][1]) > 1e-3 * steps[0][1]


def test_only_the_published_figure_changes_the_damping_onset():
    amp = {"max_iter": 50, "published_damping_start": "auto"}
    assert amp_settings(amp, variant="exact") == {"max_iter": 50}
    assert amp_settings(amp, variant="published") == {"max_iter": 50, "damping_start": "auto"}
    assert amp_settings({}, variant="published") == {"damping_start": "auto"}


def test_settings_are_checked():
    for bad in ({"damping": 1.0}, {"tol": 0.0}, {"max_iter": 0}, {"damping_start": "first"}):
        with pytest.raises(ValueError):
            AmpSettings(**bad)


def _amp_errors(channel, alpha, d, seeds, max_iter):
    errors = []
    for seed in seeds:
        teacher, x, y = sample_problem(channel, d=d, alpha=alpha, rho=RHO, seed=seed)
        run = gamp_rie(
            x,
            y,
            channel,
            rho=RHO,
            settings=AmpSettings(max_iter=max_iter),
            teacher=teacher,
            progress=False,
        )
        errors.append(run.mse)
    errors = np.asarray(errors)
    return errors.mean(), errors.std(ddof=1) / np.sqrt(len(errors))


# Finite-size allowances: the mean error at d = 60..100 sits above the d -> infinity SE by
# up to 0.01 (hardmax exact, alpha = 0.6, d = 60), 0.02 (published) and 0.03 (softmax,
# x = 0.4, d = 100; the effective noise of R is a sum of only n T = 2 alpha d^2 rank-one
# terms, whose spectrum is skewed relative to the semicircle the RIE assumes).


def test_hardmax_exact_amp_lands_on_state_evolution_and_far_below_published():
    se_exact = float(hardmax_state_evolution(alpha=0.6, rho=RHO, variant="exact").mmse[0])
    se_published = float(hardmax_state_evolution(alpha=0.6, rho=RHO, variant="published").mmse[0])
    exact, sem_exact = _amp_errors(Hardmax(variant="exact"), 0.6, 60, range(4), 100)
    published, sem_published = _amp_errors(Hardmax(variant="published"), 0.6, 60, range(4), 100)
    assert se_exact == pytest.approx(0.168, abs=5e-4)
    assert abs(exact - se_exact) < 3 * sem_exact + 0.02
    assert abs(published - se_published) < 3 * sem_published + 0.04
    assert published - exact > 0.2


@pytest.mark.parametrize("T, x", [(2, 0.4), (3, 0.4)])
def test_softmax_amp_lands_on_state_evolution(T, x):
    alpha = x / (T * T + T - 2)
    se = float(softmax_state_evolution(alpha=alpha, T=T, rho=RHO).mmse[0])
    mean, sem = _amp_errors(Softmax(T=T), alpha, 100, range(4), 100)
    assert abs(mean - se) < 3 * sem + 0.04


@pytest.mark.slow
@pytest.mark.parametrize(
    "channel, alpha, d, allowance",
    [
        (Softmax(T=2), 0.1, 150, 0.025),
        (Softmax(T=3), 0.04, 150, 0.025),
        (Softmax(T=4), 0.6 / 18, 150, 0.025),
        (Hardmax(variant="exact"), 1.5, 100, 0.01),
        (Hardmax(variant="exact"), 2.7, 100, 0.005),
    ],
)
def test_amp_lands_on_state_evolution_at_paper_size(channel, alpha, d, allowance):
    if isinstance(channel, Softmax):
        se = float(softmax_state_evolution(alpha=alpha, T=channel.T, rho=RHO).mmse[0])
    else:
        se = float(hardmax_state_evolution(alpha=alpha, rho=RHO, variant=channel.variant).mmse[0])
    mean, sem = _amp_errors(channel, alpha, d, range(8), 500)
    assert abs(mean - se) < 3 * sem + allowance


def test_softmax_amp_near_perfect_recovery_reaches_the_teacher_and_says_so():
    """T = 3, x = 0.8 lies past perfect recovery (SE error 0). More data cannot hurt, so
    each run's error must sit below half the SE error at x = 0.7 (0.039), and its own
    predicted error must agree with it. Before the precision became the derivative of
    g_out, every seed froze at 0.15-0.18 while predicting 1e-6."""
    T, d = 3, 60
    ceiling = float(softmax_state_evolution(alpha=0.7 / 10, T=T, rho=RHO).mmse[0]) / 2
    assert float(softmax_state_evolution(alpha=0.8 / 10, T=T, rho=RHO).mmse[0]) == 0
    for seed in range(4):
        result, _ = amp_run(
            Softmax(T=T), d=d, alpha=0.08, rho=RHO, seed=seed, settings=AmpSettings()
        )
        assert result.mse < ceiling
        assert result.counts and result.predicted_mse > 1e-4


@pytest.mark.parametrize("T, alpha, d, seed", [(4, 0.2 / 18, 100, 1), (2, 0.01, 30, 0)])
def test_softmax_amp_that_fails_at_small_x_is_flagged_not_counted(T, alpha, d, seed):
    """The two runs the honesty issue reported as "converged" with a predicted error of
    1e-6 and a measured one near or above 1 (few rank-one terms: the RIE's semicircle does
    not hold), without the overshoot guard, are still wrong, but are left out of every mean."""
    unguarded = AmpSettings(norm_bound=math.inf)
    result, _ = amp_run(Softmax(T=T), d=d, alpha=alpha, rho=RHO, seed=seed, settings=unguarded)
    assert result.mse > 0.5
    assert not result.counts


def test_the_overshoot_guard_keeps_a_small_x_run_honest():
    """x = 0.1, d = 150, seed 1: unguarded, a step overshoots (||S_hat||^2 / d = 5 against
    the posterior mean's 1 + rho - C_hat = 0.64) and the run collapses (predicted error
    1e-5, measured 1.27); guarded, the step is retried with more damping, the run ends
    consistent, within 10% of the state evolution (0.879; d = 150 runs scatter by ~5%)."""
    se = float(softmax_state_evolution(alpha=0.025, T=2, rho=RHO).mmse[0])
    runs = {
        bound: amp_run(
            Softmax(T=2),
            d=150,
            alpha=0.025,
            rho=RHO,
            seed=1,
            settings=AmpSettings(norm_bound=bound),
        )[0]
        for bound in (math.inf, 1.5)
    }
    assert not runs[math.inf].counts and runs[math.inf].predicted_mse < 0.01
    assert runs[1.5].counts and abs(runs[1.5].mse - se) < 0.1 * se
    assert runs[1.5].trace["damping"].max() > 0.5  # the retry raised the damping


@pytest.mark.slow
@pytest.mark.parametrize("x", [0.1, 0.15])
def test_softmax_amp_at_small_x_is_consistent(x):
    """The honesty issue's small-x points (T = 2, d = 150, 8 seeds; unguarded 1 and 7 of 8
    were consistent): at least 7 of 8 consistent, their mean within 3 standard errors plus
    5% of the state evolution (the finite-size offset at d = 150 is 3-7%, see the
    finite-size figure)."""
    alpha = x / 4
    se = float(softmax_state_evolution(alpha=alpha, T=2, rho=RHO).mmse[0])
    runs = [
        amp_run(Softmax(T=2), d=150, alpha=alpha, rho=RHO, seed=s, settings=AmpSettings())[0]
        for s in range(8)
    ]
    errors = [r.mse for r in runs if r.counts]
    assert len(errors) >= 7
    sem = np.std(errors, ddof=1) / np.sqrt(len(errors))
    assert abs(np.mean(errors) - se) < 3 * sem + 0.05 * se


def test_consistency_tolerance():
    assert consistent(mse=0.0011, predicted=0.0020, d=150)
    assert consistent(mse=0.138, predicted=0.129, d=100)
    assert not consistent(mse=0.11, predicted=1e-6, d=100)
    assert not consistent(mse=0.94, predicted=3e-6, d=100)
    assert not consistent(mse=1.3, predicted=0.89, d=150)


def test_amp_points_average_only_the_runs_that_count():
    def block(alpha, mse, diverged, consistent):
        n = len(mse)
        return xr.Dataset(
            {
                "mse": ("seed", mse),
                "converged": ("seed", np.ones(n, np.int8)),
                "diverged": ("seed", np.array(diverged, np.int8)),
                "consistent": ("seed", np.array(consistent, np.int8)),
            },
            coords={"seed": np.arange(n), "rho": 0.5, "alpha": alpha, "d": 60},
        )

    points = amp_points(
        [block(0.3, [0.2, 0.4, 9.0], [0, 0, 0], [1, 1, 0]), block(0.6, [5.0], [1], [0])],
        "rho",
        "alpha",
    ).sel(rho=0.5)
    np.testing.assert_allclose(points.amp_mse_mean.values, [0.3, np.nan])
    np.testing.assert_array_equal(points.amp_seeds.values, [2, 0])
    np.testing.assert_array_equal(points.amp_left_out.values, [1, 1])


AUTHORS = Path(__file__).resolve().parents[2] / "../shared/data/paper1-authors"


@pytest.mark.slow
@pytest.mark.skipif(not AUTHORS.is_dir(), reason="the authors' AMP data (../shared) is absent")
@pytest.mark.parametrize("T, x", [(3, 0.6), (3, 0.7), (3, 0.8), (2, 0.8)])
def test_softmax_amp_at_the_authors_size_matches_or_beats_their_amp(T, x):
    """d = 150, rho = 0.5, 8 seeds against the authors' GAMP-RIE (d = 150, 20 seeds): within
    0.02 of their mean or below it (T = 2 has no point at x = 0.8: below 0.03 there), and
    every run consistent."""
    alpha = x / (T * T + T - 2)
    published = pd.read_csv(AUTHORS / f"AMP_softmax_T={T}_rho=0.5.csv")
    match = np.isclose(published.alpha, alpha)
    bound = published.mmse[match].item() + 0.02 if match.any() else 0.03
    runs = [
        amp_run(Softmax(T=T), d=150, alpha=alpha, rho=RHO, seed=s, settings=AmpSettings())[0]
        for s in range(8)
    ]
    assert np.mean([r.mse for r in runs]) < bound
    assert all(r.counts for r in runs)


@pytest.mark.slow
@pytest.mark.skipif(not AUTHORS.is_dir(), reason="the authors' AMP data (../shared) is absent")
@pytest.mark.parametrize(("rho", "p_range"), [("0.5", (0.5, 1.0)), ("1.0", (0.0, 0.01))])
def test_the_authors_hardmax_dots_against_their_own_error_bars(rho, p_range):
    """Why one published dot stays out of reach (rho = 1, alpha = 1.89): the authors' offsets
    from the published SE, alpha in 0.31..2.27, should vary smoothly (a finite-size effect);
    their second differences, with the covariance their stated errors (std / 4, 16 seeds)
    imply, give chi^2 = 5.0 on 10 degrees of freedom at rho = 0.5 (p = 0.89) but 27.9 at
    rho = 1 (p = 0.002): there the dots scatter beyond their error bars (offsets 0.016, 0.093,
    0.032, 0.055 at alpha = 1.32, 1.58, 1.89, 2.27), so a smooth curve, ours included,
    misses some of them by more than their error bars suggest."""
    from scipy.stats import chi2

    published = pd.read_csv(AUTHORS / f"AMP_hardmax_rho={rho}.csv")
    published = published[(published.alpha >= 0.3) & (published.mmse_std > 0)]
    se = hardmax_state_evolution(alpha=published.alpha.values, rho=float(rho), variant="published")
    offset = published.mmse.values - se.mmse
    second = np.diff(np.eye(len(offset)), n=2, axis=0)
    covariance = second @ np.diag((published.mmse_std.values / 4) ** 2) @ second.T
    statistic = second @ offset @ np.linalg.solve(covariance, second @ offset)
    assert p_range[0] <= chi2.sf(statistic, len(offset) - 2) <= p_range[1]


def test_the_authors_teacher_compares_h_aa_with_sqrt2_h_ab():
    h = np.array([[[1.0, 0.8], [0.8, 1.2]]])  # 1 > 0.8 but 1 < sqrt(2) 0.8 = 1.13
    natural = make_channel("hardmax").labels(h)[0]
    authors = make_channel("hardmax", teacher="authors").labels(h)[0]
    assert natural.tolist() == [[1, 0], [0, 1]]
    assert authors.tolist() == [[0, 1], [0, 1]]


@pytest.mark.parametrize("teacher", ["natural", "authors"])
def test_hardmax_g_out_matches_its_teacher(teacher):
    """E_y[d log Z_out / d omega] = 0 when y is drawn from the model g_out assumes: z ~
    N(omega, V) labelled by the teacher (200 000 draws; each mean within 4 standard errors
    of 0). With the other teacher's labels the means sit 15-20 standard errors away."""
    rng = np.random.default_rng(3)
    n, V, omega0 = 200_000, 0.7, np.array([0.3, -0.4, 0.1])
    z = omega0 + np.sqrt(V) * rng.standard_normal((n, 3))
    h = np.empty((n, 2, 2))
    h[:, 0, 0], h[:, 1, 1] = z[:, 0], z[:, 2]
    h[:, 0, 1] = h[:, 1, 0] = z[:, 1] / np.sqrt(2)
    omega = np.broadcast_to(omega0, (n, 3))
    other = {"natural": "authors", "authors": "natural"}[teacher]
    channel = make_channel("hardmax", teacher=teacher)
    for labels_from, ok in ((channel, True), (make_channel("hardmax", teacher=other), False)):
        g = channel.g_out(labels_from.labels(h), omega, V)
        z_scores = np.abs(g.mean(axis=0)) / (g.std(axis=0) / np.sqrt(n))
        assert (z_scores.max() < 4) == ok, z_scores


@pytest.mark.slow
@pytest.mark.skipif(not AUTHORS.is_dir(), reason="the authors' AMP data (../shared) is absent")
@pytest.mark.parametrize("rho, alpha", [(0.5, 0.536), (0.5, 1.58), (1.0, 0.312), (1.0, 2.27)])
def test_published_amp_with_the_authors_teacher_reproduces_their_dots(rho, alpha):
    """The published derivative with the authors' teacher at their size (d = 100, 16 seeds)
    against their published dots (d = 100, 16 seeds, at their alpha grid): within 2
    combined standard errors."""
    published = pd.read_csv(AUTHORS / f"AMP_hardmax_rho={rho}.csv")
    row = published.iloc[np.argmin(np.abs(published.alpha - alpha))]
    channel = make_channel("hardmax", variant="published", teacher="authors")
    settings = AmpSettings(max_iter=200)
    errors = [
        amp_run(channel, d=100, alpha=row.alpha, rho=rho, seed=s, settings=settings)[0].mse
        for s in range(16)
    ]
    combined = np.hypot(np.std(errors, ddof=1), row.mmse_std) / 4
    assert abs(np.mean(errors) - row.mmse) <= 2 * combined
