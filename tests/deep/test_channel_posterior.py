"""The deep-attention channel and its posterior moments, against independent facts: the exact
two-branch inversion, brute-force conditioning of the generative model, the same integral
evaluated entry by entry, and finite differences of g_out."""

import numpy as np
import pytest

from aim.deep.channel import (
    attention,
    last_input,
    last_input_from_output,
    mixing,
    output,
    output_logits,
)
from aim.deep.posterior import (
    ChannelPosterior,
    InnerQuadrature,
    output_derivative,
    output_function,
)


@pytest.mark.parametrize("layers", [2, 3])
@pytest.mark.parametrize("skip", [0.0, 0.5, 1.0, 3.0])
@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
def test_inversion_recovers_u_up_to_its_sign(layers, skip, beta):
    """u = (-a, b) / sqrt(beta (a + b)) is exact: recovered to rounding, 1e-9 relative plus the
    conditioning eps / (u_1 - u_2)^2 of a near tie. Where u_1 = u_2 to rounding (at c = 0 a
    saturated softmax makes both rows of A equal) y is 1/2 everywhere and carries no u: the
    inversion says 0."""
    rng = np.random.default_rng(0)
    Z = 1.5 * rng.standard_normal((500, layers, 2))
    u = last_input(Z, skip=skip, beta=beta)
    logits = output_logits(u, beta=beta)
    back = last_input_from_output(logits, beta=beta)
    tied = np.all(back == 0, axis=1)
    error = np.minimum(np.abs(back - u).max(axis=1), np.abs(back + u).max(axis=1))
    size = np.abs(u).max(axis=1)
    gap2 = (u[:, 0] - u[:, 1]) ** 2
    np.testing.assert_array_less(
        error[~tied], (1e-9 * np.maximum(size, 1) + 1e-14 * size / gap2)[~tied]
    )
    assert np.all(np.abs(u[tied, 0] - u[tied, 1]) < 1e-7 * np.abs(u[tied]).max(initial=1))
    assert skip == 0 or not tied.any()


def test_forward_model_matches_the_layer_recursion():
    """y from the pre-activations equals the network run on tokens: X_l = (A_l + c I) X_{l-1}."""
    rng = np.random.default_rng(1)
    d, skip, beta = 50, 0.7, 1.3
    X, W = rng.standard_normal((2, d)), rng.standard_normal((3, d))
    hidden = X
    for w in W[:-1]:
        scores = beta * np.outer(hidden @ w, hidden @ w) / d
        attn = np.exp(scores - scores.max(axis=1, keepdims=True))
        hidden = (attn / attn.sum(axis=1, keepdims=True) + skip * np.eye(2)) @ hidden
    scores = beta * np.outer(hidden @ W[-1], hidden @ W[-1]) / d
    y = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    Z = W @ X.T / np.sqrt(d)
    np.testing.assert_allclose(output(Z, skip=skip, beta=beta), y, rtol=1e-12)
    A1 = attention(Z[0], skip=skip, beta=beta)
    B = attention(A1 @ Z[1], skip=skip, beta=beta) @ A1  # L = 3: B = A(A(z1) z2) A(z1)
    np.testing.assert_allclose(mixing(Z[:-1], skip=skip, beta=beta), B, rtol=1e-12)
    a = Z[0]
    dense = np.exp(beta * np.outer(a, a))
    np.testing.assert_allclose(
        attention(a, skip=skip, beta=beta), dense / dense.sum(1, keepdims=True) + skip * np.eye(2)
    )


def _brute_force(omega, V, u_target, *, layers, skip, beta, rng, samples, radius):
    """E[Z | u = +-u_target] by rejection: prior draws whose u lands within `radius`."""
    kept = []
    root = np.linalg.cholesky(V)
    for _ in range(samples // 1_000_000):
        Z = omega + np.einsum("lk,nkm->nlm", root, rng.standard_normal((1_000_000, layers, 2)))
        u = last_input(Z, skip=skip, beta=beta)
        near = (np.linalg.norm(u - u_target, axis=1) < radius) | (
            np.linalg.norm(u + u_target, axis=1) < radius
        )
        kept.append(Z[near])
    return np.concatenate(kept).reshape(-1, layers * 2)


CASES = [
    (2, np.array([[0.5, -0.3], [0.8, 0.2]]), np.array([[0.7, 0.1], [0.1, 0.4]])),
    (2, np.array([[-1.2, 0.4], [0.1, -0.6]]), np.array([[0.3, 0.0], [0.0, 0.8]])),
    (3, np.array([[0.5, -0.3], [0.2, 0.4], [0.8, 0.2]]), np.diag([0.7, 0.8, 0.4])),
]


@pytest.mark.parametrize(("layers", "omega", "V"), CASES)
def test_posterior_moments_match_brute_force_conditioning(layers, omega, V):
    """Against rejection sampling of the generative model (1e7 draws, u within 0.06 of +-u):
    means and second moments agree within 4 standard errors plus 0.01 for the window's bias."""
    rng = np.random.default_rng(2)
    skip, beta = 1.0, 1.0
    Z0 = omega + np.linalg.cholesky(V) @ rng.standard_normal((layers, 2))
    u0 = last_input(Z0, skip=skip, beta=beta)
    post = ChannelPosterior(layers=layers, skip=skip, beta=beta)
    moments = post.moments(omega[None], u0[None], V)
    draws = _brute_force(
        omega, V, u0, layers=layers, skip=skip, beta=beta, rng=rng, samples=10_000_000, radius=0.06
    )
    assert len(draws) > 400
    error = draws.std(axis=0) / np.sqrt(len(draws))
    np.testing.assert_array_less(
        np.abs(moments.mean[0].ravel() - draws.mean(axis=0)), 4 * error + 0.01
    )
    products = draws[:, :, None] * draws[:, None, :]
    bound = 4 * products.std(axis=0) / np.sqrt(len(draws)) + 0.02
    np.testing.assert_array_less(np.abs(moments.second[0] - products.mean(axis=0)), bound)


def test_matrix_product_and_entrywise_evaluations_agree():
    """The fast path (log-weights as one matrix product) and the entrywise evaluation of the
    zoom stage integrate the same posterior: on the same box they agree to 1e-9."""
    rng = np.random.default_rng(3)
    V = np.array([[0.5, 0.05], [0.05, 0.3]])
    omega = 0.7 * rng.standard_normal((6, 2, 2))
    u = last_input(omega + 0.5 * rng.standard_normal((6, 2, 2)), skip=1, beta=1)
    quadrature = InnerQuadrature(points=33, zoom_points=33, zoom_levels=0)
    post = ChannelPosterior(layers=2, skip=1.0, beta=1.0, quadrature=quadrature)
    fast = post.moments(omega, u, V)
    box = np.full((6, 2), quadrature.half_width)
    mean, second, ess = post._local(omega, u, np.linalg.inv(V), np.zeros((6, 2)), box)
    np.testing.assert_allclose(fast.mean.reshape(6, -1), mean, atol=1e-9)
    np.testing.assert_allclose(fast.second, second, atol=1e-9)
    np.testing.assert_allclose(fast.effective_nodes, ess, rtol=1e-9)


def test_zoom_resolves_a_narrow_posterior():
    """With a small prior variance the global grid puts the posterior on a handful of nodes;
    the zoom raises the effective node count and moves the moments toward a 4x finer grid."""
    rng = np.random.default_rng(4)
    V = np.diag([0.01, 0.05])
    omega = rng.standard_normal((20, 2, 2))
    u = last_input(
        omega + np.sqrt(np.diag(V))[:, None] * rng.standard_normal((20, 2, 2)), skip=1, beta=1
    )
    coarse = ChannelPosterior(layers=2, skip=1, beta=1, quadrature=InnerQuadrature(zoom_levels=0))
    zoomed = ChannelPosterior(layers=2, skip=1, beta=1)
    fine = ChannelPosterior(
        layers=2, skip=1, beta=1, quadrature=InnerQuadrature(points=257, zoom_levels=0)
    )
    a, b, c = (p.moments(omega, u, V) for p in (coarse, zoomed, fine))
    assert np.median(b.effective_nodes) > 4 * np.median(a.effective_nodes)
    assert np.abs(b.mean - c.mean).max() < 0.2 * np.abs(a.mean - c.mean).max() + 1e-6


def test_g_out_derivative_is_the_posterior_covariance():
    """dg/domega = V^{-1} Cov V^{-1} - V^{-1} per token, against central differences (h = 1e-5;
    the fixed-node integral is smooth in omega, so they agree to 1e-6)."""
    rng = np.random.default_rng(5)
    V = np.array([[0.6, 0.1], [0.1, 0.5]])
    omega = 0.8 * rng.standard_normal((1, 2, 2))
    u = last_input(omega + 0.6 * rng.standard_normal((1, 2, 2)), skip=1, beta=1)
    post = ChannelPosterior(layers=2, skip=1, beta=1)

    def g_out(om):
        return output_function(post.moments(om, u, V), om, V)[0]

    derivative = output_derivative(post.moments(omega, u, V), V)[0]
    h = 1e-5
    for m in range(2):
        analytic = derivative[m]
        numeric = np.zeros((2, 2))
        for k in range(2):
            step = np.zeros_like(omega)
            step[0, k, m] = h
            numeric[:, k] = (g_out(omega + step)[:, m] - g_out(omega - step)[:, m]) / (2 * h)
        np.testing.assert_allclose(numeric, analytic, atol=1e-6)
