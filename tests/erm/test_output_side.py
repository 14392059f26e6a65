"""The output side: derivatives, the batched proximal solver against scipy, Gaussian
integrals against independent quadrature, limits."""

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import minimize, minimize_scalar
from scipy.special import expit

from aim.erm import output as out_side

Q0, NOISE = 1.5, 0.5  # kappa0 = 0.5, Delta = 0.5: the paper's figures


@pytest.mark.parametrize("T", [2, 3])
def test_loss_derivatives_match_finite_differences(T):
    # central differences with step 1e-5 carry an error ~1e-10; 1e-8 leaves room
    geo = out_side.geometry(T)
    rng = np.random.default_rng(0)
    h = rng.standard_normal((geo.dim, 6))
    y = out_side.labels(rng.standard_normal((geo.dim, 6)), geo, beta=1.3)
    _, grad, hess = out_side.loss_derivatives(h, y, geo, beta=0.7)
    for k in range(geo.dim):
        dh = np.zeros((geo.dim, 1))
        dh[k] = 1e-5
        fd = out_side.square_loss(h + dh, y, geo, beta=0.7) - out_side.square_loss(
            h - dh, y, geo, beta=0.7
        )
        assert np.allclose(grad[k], fd / 2e-5, atol=1e-8)
        up, down = (out_side.loss_derivatives(h + s * dh, y, geo, beta=0.7)[1] for s in (1, -1))
        assert np.allclose(hess[:, k], (up - down) / 2e-5, atol=1e-8)


@pytest.mark.parametrize("T", [2, 3, 4])
def test_geometry_reproduces_the_pre_activation_covariance(T):
    """D on i.i.d. unit coordinates gives variance 2 on the diagonal of the attention
    indices, 1 off it, independent entries (up to symmetry), once the shift direction that
    softmax cannot see (the all-ones matrix, norm T / sqrt(2) in coordinates) is added back."""
    geo = out_side.geometry(T)
    full = np.einsum("abk,cdk->abcd", geo.D, geo.D) + 2 / T**2
    eye = np.eye(T)
    expected = np.einsum("ac,bd->abcd", eye, eye) + np.einsum("ad,bc->abcd", eye, eye)
    assert np.allclose(full, expected, atol=1e-12)


@pytest.mark.parametrize("beta, sigma", [(1.0, 18.93), (1.0, 0.5), (2.0, 5.0)])
def test_proximal_points_agree_with_scipy_per_node(beta, sigma):
    """The independent check: one scipy minimize per node from eight starts (z, the
    interpolating point, six random) on 120 nodes; the batched solver from its search starts
    must find the same minimiser to 1e-6 and never a higher value (at beta = 2 ~1% of the
    nodes have two or three minima, some where one row fits its label and the other not)."""
    geo = out_side.geometry(2)
    at = out_side.nodes_at(q=0.637, m=0.660, Q0=Q0, noise=NOISE, T=2, log2_nodes=8)
    y = out_side.labels(at.w, geo, beta=1.0)
    starts = out_side.search_starts(at.z, at.w / beta, T=2)
    prox = out_side.proximal_points(at.z, y, starts, geo, sigma=sigma, beta=beta)
    assert prox.converged.all()
    rng = np.random.default_rng(1)
    for i in range(120):

        def envelope(h, i=i):
            return out_side.envelope(
                h[:, None], at.z[:, i : i + 1], y[..., i : i + 1], geo, sigma=sigma, beta=beta
            )[0]

        starts = [at.z[:, i], at.w[:, i] / beta, *(at.z[:, i] + 3 * rng.standard_normal((6, 2)))]
        best = min(
            (minimize(envelope, s, method="BFGS", options={"gtol": 1e-12}) for s in starts),
            key=lambda r: r.fun,
        )
        assert prox.value[i] <= best.fun + 1e-12
        assert np.abs(best.x - prox.h[:, i]).max() < 1e-6


def _test_error_t2(q, m, n=200):
    """T = 2: each row's softmax is a sigmoid of one logit difference a, with variance
    3 (Q0 + noise/2) for the noisy teacher, 3 q for the student, covariance 3 m; the error
    is 4 E (sigmoid(a_w) - sigmoid(a_z))^2, a 2-d Gauss-Hermite integral."""
    x, w = np.polynomial.hermite_e.hermegauss(n)
    w = w / w.sum()
    X, Y = np.meshgrid(x, x, indexing="ij")
    vw, vz, c = 3 * (Q0 + NOISE / 2), 3 * q, 3 * m
    a_w = np.sqrt(vw) * X
    a_z = c / np.sqrt(vw) * X + np.sqrt(vz - c * c / vw) * Y
    return 4 * np.sum(np.outer(w, w) * (expit(a_w) - expit(a_z)) ** 2)


@pytest.mark.parametrize("q, m", [(0.5, 0.45), (1.466, 1.382), (0.637, 0.660)])
def test_test_error_against_a_two_dimensional_quadrature(q, m):
    # 2^18 scrambled Sobol nodes for the test error: observed errors 1e-5; 4e-5 leaves room
    model = out_side.MoreauOutput(T=2, beta=1, beta0=1, noise=NOISE, Q0=Q0)
    assert model.test_error(q=q, m=m) == pytest.approx(_test_error_t2(q, m), abs=4e-5)


def test_limits_of_the_test_error():
    """alpha -> 0: the uniform predictor (q = m = 0), a 1-d integral, 0.443943; the
    reference 0.4437 (the authors' Monte Carlo) matches it to its noise. alpha -> inf: the
    student minimises the population error over the overlaps it can reach, m^2 <= q Q0, on
    the ray S = c S0: 0.074084 at c = 0.876 (the teacher itself, c = 1, is worse: noisy
    labels are not the softmax of the noiseless indices); the reference says 0.0739."""
    model = out_side.MoreauOutput(T=2, beta=1, beta0=1, noise=NOISE, Q0=Q0)
    v = 3 * (Q0 + NOISE / 2)

    def uniform(x):
        return 4 * (expit(x) - 0.5) ** 2 * np.exp(-x * x / (2 * v)) / np.sqrt(2 * np.pi * v)

    exact = quad(uniform, -np.inf, np.inf, epsabs=1e-13)[0]
    assert exact == pytest.approx(0.443943, abs=1e-6)
    assert model.test_error(q=0.0, m=0.0) == pytest.approx(exact, abs=2e-5)
    assert exact == pytest.approx(0.4437, abs=5e-4)
    best = minimize_scalar(
        lambda c: _test_error_t2(c * c * Q0, c * Q0), bounds=(0.5, 1.2), method="bounded"
    )
    assert best.x == pytest.approx(0.876, abs=2e-3)
    assert best.fun == pytest.approx(0.0739, abs=3e-4)
    assert model.test_error(q=best.x**2 * Q0, m=best.x * Q0) == pytest.approx(best.fun, abs=2e-5)
    assert model.test_error(q=Q0, m=Q0) > best.fun + 1e-3


def test_tie_smoothing_moves_the_hats_less_than_the_nodes_error():
    """Soft weights between two basins (width 3e-4) against the hard minimum, where ~3% of
    the nodes have two minima (a large student, sigma = 50): the hats move by less than
    the node-doubling error (1e-3 relative here)."""
    kwargs = dict(alpha=0.28, q=5.32, m=2.20, sigma=50.0, Q0=Q0, noise=NOISE, T=2, beta=1, beta0=1)
    soft = out_side.output_side(**kwargs)
    width, out_side.TIE_WIDTH = out_side.TIE_WIDTH, 0.0
    try:
        hard = out_side.output_side(**kwargs)
    finally:
        out_side.TIE_WIDTH = width
    for name in ("q_hat", "m_hat", "sigma_hat"):
        assert getattr(soft, name) == pytest.approx(getattr(hard, name), rel=1e-3)
