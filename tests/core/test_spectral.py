import numpy as np
import pytest

from aim.core.spectral import mmse_S, rie_denoise, spectral_quadrature, support
from aim.core.tokens import sample_goe, sample_teacher

# (0.1, 1.5386743352234669): the two intervals just merged, where the discriminant has a
# near-double root (an AMP run met it; the support search failed there before).
CASES = [
    (0.5, 0.5),
    (0.5, 0.01),
    (0.1, 1e-4),
    (0.05, 0.2),
    (1.0, 1e-3),
    (2.0, 0.5),
    (0.5, 3.0),
    (0.1, 1.5386743352234669),
]


@pytest.mark.parametrize("rho, delta", CASES)
def test_density_moments(rho, delta):
    # Exact moments of S + sqrt(Delta) Z; Gauss-Legendre in the edge angle is spectrally
    # accurate, 1e-10 leaves room over the observed 1e-14.
    q = spectral_quadrature(delta=delta, rho=rho)
    mass = q.w * q.mu
    assert mass.sum() == pytest.approx(1.0, abs=1e-10)
    assert (mass * q.x).sum() == pytest.approx(np.sqrt(rho), abs=1e-10)
    assert (mass * q.x**2).sum() == pytest.approx(1 + rho + delta, abs=1e-10)


def test_support_and_mass_across_the_merger_of_its_intervals():
    """Around the Delta where the two intervals merge the density has a deep dip; the
    quadrature cuts there. Mass within 1e-10 on a dense grid (observed: 5e-12)."""
    for rho in (0.05, 0.1, 0.3, 0.5):
        for delta in np.geomspace(1e-3, 50, 400):
            assert 1 <= len(support(delta=delta, rho=rho)) <= 2
            q = spectral_quadrature(delta=delta, rho=rho)
            assert np.sum(q.w * q.mu) == pytest.approx(1.0, abs=1e-10)


def test_support_splits_in_two_only_for_rho_below_one_and_small_delta():
    assert len(support(delta=0.01, rho=0.5)) == 2
    assert len(support(delta=0.5, rho=0.5)) == 1
    assert len(support(delta=0.01, rho=2.0)) == 1
    (lo, hi), _ = support(delta=1e-4, rho=0.1)  # the zero modes: semicircle of radius 2 sqrt(Delta)
    assert (lo, hi) == pytest.approx((-2e-2 * np.sqrt(0.9), 2e-2 * np.sqrt(0.9)), rel=0.05)


@pytest.mark.parametrize(
    "delta, rho, expected", [(0.5, 0.5, 0.24926), (0.5, 2.0, 0.30961), (3.0, 0.5, 0.67941)]
)
def test_mmse_reference_values(delta, rho, expected):
    assert mmse_S(delta=delta, rho=rho) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("rho", [0.1, 0.5, 2.0])
def test_mmse_small_delta_slope(rho):
    # mmse_S ~ (2 rho - rho^2) Delta for rho <= 1, Delta for rho >= 1; the correction is
    # O(Delta), so at Delta = 1e-6 the ratio is within 1e-5.
    slope = 2 * rho - rho**2 if rho <= 1 else 1.0
    assert mmse_S(delta=1e-6, rho=rho) / 1e-6 == pytest.approx(slope, rel=1e-5)


def test_mmse_large_delta_and_monotone():
    deltas = np.logspace(-3, 4, 30)
    values = mmse_S(delta=deltas, rho=0.5)
    assert np.all(np.diff(values) > 0)
    assert 1 - values[-1] == pytest.approx(0, abs=1e-3)
    assert mmse_S(delta=np.inf, rho=0.5) == 1.0
    assert mmse_S(delta=0.0, rho=0.5) == 0.0


def test_mmse_converged_in_node_count():
    for rho, delta in CASES:
        assert mmse_S(delta=delta, rho=rho, nodes=192) == pytest.approx(
            mmse_S(delta=delta, rho=rho, nodes=384), abs=1e-9
        )


def test_bad_arguments_rejected():
    with pytest.raises(ValueError, match="Delta"):
        mmse_S(delta=-0.1, rho=0.5)
    with pytest.raises(ValueError, match="rho"):
        mmse_S(delta=0.1, rho=0.0)


@pytest.mark.parametrize("rho, delta", [(0.5, 0.01), (2.0, 0.5)])
def test_density_matches_sampled_spectrum(rho, delta):
    # Kolmogorov distance between the limit law and d = 800 eigenvalues: O(1/d) for
    # eigenvalue rigidity; 0.02 is ~3x the observed value.
    d = 800
    rng = np.random.default_rng(1)
    y = sample_teacher(d=d, rho=rho, rng=rng) + np.sqrt(delta) * sample_goe(d=d, rng=rng)
    eig = np.sort(np.linalg.eigvalsh(y))
    q = spectral_quadrature(delta=delta, rho=rho)
    order = np.argsort(q.x)
    cdf = np.interp(eig, q.x[order], np.cumsum((q.w * q.mu)[order]))
    assert np.max(np.abs(cdf - np.arange(1, d + 1) / d)) < 0.02


@pytest.mark.parametrize("rho, delta", [(0.5, 0.5), (2.0, 0.2), (0.5, 0.05)])
def test_rie_reaches_mmse_on_sampled_instances(rho, delta):
    # d = 300, mean of 3 draws: finite-size bias and spread are ~1% here; allow 3%.
    d = 300
    errors = []
    for seed in range(3):
        rng = np.random.default_rng(seed)
        s = sample_teacher(d=d, rho=rho, rng=rng)
        s_hat = rie_denoise(s + np.sqrt(delta) * sample_goe(d=d, rng=rng), delta=delta, rho=rho)
        errors.append(np.sum((s_hat - s) ** 2) / d)
    assert np.mean(errors) == pytest.approx(mmse_S(delta=delta, rho=rho), rel=0.03)


def test_teacher_facts():
    rng = np.random.default_rng(2)
    s = sample_teacher(d=400, rho=0.5, rng=rng)
    assert np.trace(s) / 400 == pytest.approx(np.sqrt(0.5), rel=0.02)
    assert np.sum(s * s) / 400 == pytest.approx(1.5, rel=0.02)
    assert np.linalg.matrix_rank(s) == 200
