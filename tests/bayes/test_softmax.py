import numpy as np
import pytest

from aim.bayes.channels import Softmax
from aim.bayes.state_evolution import (
    SolverSettings,
    softmax_small_rho,
    softmax_state_evolution,
    solve_fixed_point,
)
from aim.core.noiseless import perfect_recovery_x
from aim.core.spectral import mmse_S


def test_reference_mmse_rho_half():
    x = np.array([0.1, 0.2, 0.4, 0.6])
    result = softmax_state_evolution(alpha=x / 4, T=2, rho=0.5)
    np.testing.assert_allclose(result.mmse, [0.8792, 0.7237, 0.3922, 0.1281], atol=1e-4)
    assert result.converged.all()


def test_closed_form_is_a_fixed_point_of_the_iteration():
    # Away from x_PR the iteration contracts; at tol 1e-12 the two agree to ~1e-10.
    alpha = np.array([0.01, 0.05, 0.1, 0.15])
    for rho in (0.3, 0.5, 2.0):
        closed = softmax_state_evolution(alpha=alpha, T=2, rho=rho)
        iterated = solve_fixed_point(
            Softmax(T=2), alpha=alpha, rho=rho, settings=SolverSettings(tol=1e-13, max_iter=20000)
        )
        assert iterated.converged.all()
        np.testing.assert_allclose(iterated.mmse, closed.mmse, atol=1e-9)
        # and it solves the prior equation q = Q0 - mmse_S(1 / q_hat) itself
        np.testing.assert_allclose(mmse_S(delta=1 / closed.q_hat, rho=rho), closed.mmse, atol=1e-10)


def test_collapse_in_x_across_token_counts():
    x = np.array([0.05, 0.3, 0.6, 0.74])
    reference = softmax_state_evolution(alpha=x / 4, T=2, rho=0.5).mmse
    for T in range(3, 7):
        k = T * T + T - 2
        iterated = solve_fixed_point(
            Softmax(T=T, beta=2.5), alpha=x / k, rho=0.5, settings=SolverSettings(tol=1e-13)
        )
        np.testing.assert_allclose(iterated.mmse, reference, atol=1e-8)


@pytest.mark.parametrize(
    "rho, alpha_pr",
    [(0.1, 0.0475), (0.2, 0.09), (0.3, 0.1275), (0.5, 0.1875), (1.0, 0.25), (2.0, 0.25)],
)
def test_perfect_recovery_point(rho, alpha_pr):
    assert perfect_recovery_x(rho=rho) / 4 == pytest.approx(alpha_pr, abs=1e-12)
    below, just_below, above = softmax_state_evolution(
        alpha=[0.9 * alpha_pr, (1 - 1e-4) * alpha_pr, 1.01 * alpha_pr], T=2, rho=rho
    ).mmse
    assert below > 1e-3  # still an error below the threshold
    assert just_below < 2e-3  # continuous at the threshold
    assert above == 0.0


def test_rho_infinity_line_is_approached():
    alpha = np.array([0.025, 0.1, 0.2])
    # the gap to 1 - x is O(1/rho): ~1e-4 at rho = 1000
    np.testing.assert_allclose(
        softmax_state_evolution(alpha=alpha, T=2, rho=1000.0).mmse, 1 - 4 * alpha, atol=1e-3
    )
    np.testing.assert_allclose(
        softmax_state_evolution(alpha=alpha, T=2, rho=np.inf).mmse, 1 - 4 * alpha
    )


def test_small_rho_limit_is_approached():
    alpha_bar = np.array([0.1, 0.3, 0.4, 0.6])
    limit = softmax_small_rho(alpha_bar=alpha_bar, T=2)
    np.testing.assert_allclose(limit, [1.0, 0.96, 0.64, 0.0])
    gaps = [
        np.max(np.abs(softmax_state_evolution(alpha=alpha_bar * rho, T=2, rho=rho).mmse - limit))
        for rho in (1e-2, 1e-3)
    ]
    assert gaps[1] < gaps[0] / 3  # observed rate ~ rho^0.8
    assert gaps[1] < 0.02


def test_beta_does_not_change_the_error_but_is_validated():
    a = softmax_state_evolution(alpha=[0.05], T=3, rho=0.5, beta=0.1).mmse
    b = softmax_state_evolution(alpha=[0.05], T=3, rho=0.5, beta=10.0).mmse
    assert a == b
    with pytest.raises(ValueError, match="beta"):
        Softmax(T=2, beta=0.0)
    with pytest.raises(ValueError, match="T"):
        Softmax(T=1)
