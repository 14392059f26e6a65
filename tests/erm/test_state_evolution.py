"""The ERM fixed point against the reference values of erm-theory.md, node doubling, the
lambda -> 0+ limit from both sides, the zero student."""

import math

import pytest

from aim.core.spectral import threshold_functionals
from aim.erm.output import MoreauOutput
from aim.erm.state_evolution import ErmModel, StateEvolution
from aim.erm.thresholds import interpolation

PAPER = {"kappa0": 0.5, "noise": 0.5}  # T = 2, beta = beta0 = 1


def _solve(alpha, **kwargs):
    point = StateEvolution(ErmModel(**(PAPER | kwargs))).solve(alpha=alpha)
    assert point.converged
    return point


@pytest.mark.parametrize(
    "alpha, test_error, train_loss, tol",
    [
        # The reference values carry the authors' Monte Carlo noise (~1%): 2e-3 on the test
        # error, 2% on the train loss. At alpha = 0.1 ours is 0.29821: 1.4% below the
        # reference, confirmed by the proximal check against scipy, the test error against
        # an independent 2-d quadrature, spectral and Sobol node doubling, and the limit
        # lambda -> 0 (below); the tolerance there is 5e-3.
        (0.1, 0.3023, 0.00455, 5e-3),
        (0.2, 0.2073, 0.00773, 2e-3),
        (0.5, 0.1361, 0.02336, 2e-3),
    ],
)
def test_reference_values_at_lambda_001(alpha, test_error, train_loss, tol):
    point = _solve(alpha, lam=0.01)
    assert point.test_error == pytest.approx(test_error, abs=tol)
    assert point.train_loss == pytest.approx(train_loss, rel=2e-2)
    assert point.mse == pytest.approx(1.5 - 2 * point.m + point.q)


@pytest.mark.parametrize("alpha, rank", [(0.1, 0.354), (0.5, 0.644), (40.0, 0.740)])
def test_predicted_rank(alpha, rank):
    assert _solve(alpha, lam=0.01).rank == pytest.approx(rank, abs=2e-3)


def test_node_doubling_moves_the_test_error_by_less_than_1e_4():
    # observed: 3.4e-5 between 2^14 and 2^15 Sobol nodes at alpha = 0.5
    coarse, fine = (_solve(0.5, lam=0.01, log2_nodes=k) for k in (14, 15))
    assert abs(coarse.test_error - fine.test_error) < 1e-4


def test_small_lambda_tends_to_the_interpolating_closed_form():
    """Below alpha_interp the lambda -> 0+ point comes from two spectral equations (no
    output-side integral). The general solver at lambda = 1e-6 (sigma ~ 2e5) must approach
    it: the gap closes like sqrt(lambda), 7.6e-3, 2.9e-3, 0.9e-3 at 1e-4, 1e-5, 1e-6."""
    limit = _solve(0.1, lam=0.0)
    assert limit.phase == "interpolating" and limit.train_loss == 0.0
    small = _solve(0.1, lam=1e-6)
    assert small.phase == "finite" and small.train_loss < 1e-6
    assert small.test_error == pytest.approx(limit.test_error, abs=2e-3)
    assert small.rank == pytest.approx(limit.rank, abs=1e-3)


def test_lambda_to_zero_test_error_peaks_at_the_interpolation_threshold():
    """At alpha_interp both phases meet the threshold state (delta_bar, eps = 0, eta = 1):
    q = J, m = J - delta_bar dJ/ddelta / 2. Its test error (0.50) is the peak: the
    interpolating side rises to it, the finite side (sigma -> infinity) falls from it."""
    threshold = interpolation(**PAPER)
    f = threshold_functionals(eps=0.0, noise_std=threshold.delta_bar, rho=PAPER["kappa0"])
    output = MoreauOutput(T=2, beta=1.0, beta0=1.0, noise=0.5, Q0=1.5)
    peak = output.test_error(q=f.J, m=f.J - threshold.delta_bar * f.dJ_ddelta / 2)
    alpha_interp = threshold.alpha_bar / 2
    just_below = _solve(alpha_interp * (1 - 1e-6), lam=0.0)
    assert just_below.phase == "interpolating"
    assert just_below.test_error == pytest.approx(peak, abs=5e-3)
    below, above = _solve(0.14, lam=0.0), _solve(0.22, lam=0.0)
    assert above.phase == "finite" and 0 < above.train_loss < 1e-3
    assert below.test_error < just_below.test_error and above.test_error < peak
    assert peak == pytest.approx(0.50, abs=0.01)


def test_a_strong_penalty_keeps_the_student_at_zero():
    point = _solve(1e-4, lam=1.0)
    assert point.phase == "zero" and point.rank == 0.0
    uniform = MoreauOutput(T=2, beta=1.0, beta0=1.0, noise=0.5, Q0=1.5).test_error(q=0, m=0)
    assert point.test_error == uniform
    assert math.isclose(point.mse, 1.5)


def test_direct_parameterisation_needs_a_penalty():
    with pytest.raises(ValueError, match="lambda > 0"):
        ErmModel(kappa0=0.5, parameterisation="direct")


@pytest.mark.parametrize("alpha, lam", [(0.5, 0.01), (0.1, 0.0)])
def test_the_eigenvalue_law_reproduces_rank_and_overlap(alpha, lam):
    """The law eta (S0 + delta Z - eps)_+ of a fixed point: its non-zero mass is the rank
    and eta^2 J is q, identities of the prior side (to rounding)."""
    se = StateEvolution(ErmModel(**PAPER, lam=lam))
    point = se.solve(alpha=alpha)
    law = se.spectrum(point)
    f = threshold_functionals(eps=law.eps, noise_std=law.delta, rho=0.5)
    assert 1 - f.cdf == pytest.approx(point.rank, abs=1e-12)
    assert law.eta**2 * f.J == pytest.approx(point.q, rel=1e-10)


def test_noiseless_lambda_to_zero_recovers_the_teacher_past_the_threshold():
    """Delta = 0, lambda -> 0+: the minimum-nuclear-norm interpolator is exact from
    alpha_bar_PR = 0.4221750 on, and its error vanishes continuously below it."""
    se = StateEvolution(ErmModel(kappa0=0.5, noise=0.0, lam=0.0))
    past = se.solve(alpha=0.4221750 / 2 + 1e-4)
    assert past.phase == "perfect" and past.mse == 0 and past.converged
    below = se.solve(alpha=0.4221750 / 2 - 1e-3)
    assert below.phase == "interpolating" and 0 < below.mse < 2e-3
