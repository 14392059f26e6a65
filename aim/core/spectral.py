"""Spectral core: extensive-rank matrix denoising of the teacher S = W W^T / sqrt(r d).

The observation is Y = S + sqrt(Delta) Z with Z a GOE matrix (semicircle on [-2, 2]).
Its spectral density follows from a cubic equation for the Stieltjes transform, whose
discriminant (a quartic in the spectral variable) gives the support edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from numpy.polynomial import Polynomial

QUAD_NODES = 192


def _check_rho_delta(delta: float, rho: float) -> None:
    if not rho > 0:
        raise ValueError(f"rho must be positive, got {rho}")
    if not delta > 0:
        raise ValueError(f"Delta must be positive, got {delta}")


def _cubic_coefficients(z, *, delta: float, rho: float):
    """Coefficients (a, b, c, e) of a g^3 + b g^2 + c g + e = 0 at spectral point z."""
    sr = np.sqrt(rho)
    z = np.asarray(z)
    a = np.full(z.shape, delta / sr)
    return a, -(z / sr + delta), z + 1 / sr - sr, np.full(z.shape, -1.0)


def stieltjes_roots(x: np.ndarray, *, delta: float, rho: float) -> np.ndarray:
    """All three roots of the Stieltjes cubic at real points x, shape (len(x), 3)."""
    a, b, c, e = _cubic_coefficients(np.atleast_1d(x).astype(float), delta=delta, rho=rho)
    companion = np.zeros(a.shape + (3, 3))
    companion[:, 0, :] = -np.stack([b, c, e], axis=-1) / a[:, None]
    companion[:, 1, 0] = 1.0
    companion[:, 2, 1] = 1.0
    return np.linalg.eigvals(companion)


def _support_discriminant(*, delta: float, rho: float) -> Polynomial:
    """Discriminant of the Stieltjes cubic as a quartic polynomial in x."""
    sr = np.sqrt(rho)
    a = Polynomial([delta / sr])
    b = Polynomial([-delta, -1 / sr])
    c = Polynomial([1 / sr - sr, 1.0])
    e = Polynomial([-1.0])
    return 18 * a * b * c * e - 4 * b**3 * e + b**2 * c**2 - 4 * a * c**3 - 27 * a**2 * e**2


def support(*, delta: float, rho: float) -> list[tuple[float, float]]:
    """Intervals where the density of S + sqrt(Delta) Z is positive (one or two)."""
    _check_rho_delta(delta, rho)
    disc = _support_discriminant(delta=delta, rho=rho)
    roots = disc.roots()
    scale = 1 + np.abs(roots)
    candidates = np.sort(roots[np.abs(roots.imag) < 1e-6 * scale].real)
    dpoly = disc.deriv()
    for _ in range(3):  # Newton polish of the (possibly ill-conditioned) edges
        slope = dpoly(candidates)
        step = np.where(slope != 0, disc(candidates) / np.where(slope == 0, 1, slope), 0)
        # near a double root (two intervals about to merge) Newton leaves the basin: skip
        small = np.abs(step) < 1e-6 * (1 + np.abs(candidates))
        candidates = candidates - np.where(small, step, 0.0)
    intervals: list[tuple[float, float]] = []
    for lo, hi in zip(candidates[:-1], candidates[1:]):
        if hi > lo and disc(0.5 * (lo + hi)) < 0:
            if intervals and np.isclose(intervals[-1][1], lo):
                intervals[-1] = (intervals[-1][0], hi)
            else:
                intervals.append((lo, hi))
    if not intervals:
        raise RuntimeError(f"no spectral support found for Delta={delta}, rho={rho}")
    return intervals


@lru_cache(maxsize=8)
def _legendre_on_angle(n: int) -> tuple[np.ndarray, np.ndarray]:
    t, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * np.pi * (t + 1), 0.5 * np.pi * w


@dataclass(frozen=True)
class SpectralQuadrature:
    """Nodes x, weights w (dx) and density mu of S + sqrt(Delta) Z on its support."""

    x: np.ndarray
    w: np.ndarray
    mu: np.ndarray


def _pieces(*, delta: float, rho: float) -> list[tuple[float, float]]:
    """The support intervals, each cut at its necks.

    Just after two intervals merge the density dips almost to zero at the merger point,
    where the discriminant keeps a pair of nearly real complex roots; cutting at the real
    part of every complex pair puts the quadrature's clustered nodes on the dip (a cut
    where the density is smooth costs nothing in accuracy).
    """
    roots = _support_discriminant(delta=delta, rho=rho).roots()
    necks = np.unique(roots.real[roots.imag > 0])
    pieces = []
    for lo, hi in support(delta=delta, rho=rho):
        cuts = necks[(necks > lo) & (necks < hi)]
        edges = [lo, *cuts, hi]
        pieces.extend(zip(edges[:-1], edges[1:]))
    return pieces


def spectral_quadrature(*, delta: float, rho: float, nodes: int = QUAD_NODES) -> SpectralQuadrature:
    """Quadrature on each support interval with x = centre - half cos(theta).

    The density vanishes like a square root at every edge; in theta the integrands
    used here become smooth, so Gauss-Legendre converges quickly.
    """
    theta, w_theta = _legendre_on_angle(nodes)
    xs, ws = [], []
    for lo, hi in _pieces(delta=delta, rho=rho):
        half = 0.5 * (hi - lo)
        xs.append(0.5 * (lo + hi) - half * np.cos(theta))
        ws.append(half * np.sin(theta) * w_theta)
    x = np.concatenate(xs)
    mu = np.clip(stieltjes_roots(x, delta=delta, rho=rho).imag.max(axis=1), 0, None) / np.pi
    return SpectralQuadrature(x, np.concatenate(ws), mu)


def spectral_density(x: np.ndarray, *, delta: float, rho: float) -> np.ndarray:
    """Density of the eigenvalues of S + sqrt(Delta) Z at the points x."""
    _check_rho_delta(delta, rho)
    x = np.asarray(x, dtype=float)
    roots = stieltjes_roots(x.ravel(), delta=delta, rho=rho)
    return (np.clip(roots.imag.max(axis=1), 0, None) / np.pi).reshape(x.shape)


def _mmse_single(*, delta: float, rho: float, nodes: int) -> float:
    if delta == 0:
        return 0.0
    quad = spectral_quadrature(delta=delta, rho=rho, nodes=nodes)
    integral = np.sum(quad.w * quad.mu**3)
    return float(delta - (4 * np.pi**2 / 3) * delta**2 * integral)


def mmse_S(*, delta, rho: float, nodes: int = QUAD_NODES):
    """Bayes-optimal denoising error ||S_hat - S||_F^2 / d at noise level Delta.

    Accepts a scalar or an array of Delta; Delta = inf gives the prior error 1.
    """
    d = np.asarray(delta, dtype=float)
    if np.any(d < 0) or np.any(np.isnan(d)):
        raise ValueError("Delta must be non-negative")
    if not rho > 0:
        raise ValueError(f"rho must be positive, got {rho}")
    out = np.array(
        [1.0 if np.isinf(v) else _mmse_single(delta=v, rho=rho, nodes=nodes) for v in d.ravel()]
    )
    return out.reshape(d.shape) if d.ndim else float(out[0])


def stieltjes_real_part(lam: np.ndarray, *, delta: float, rho: float) -> np.ndarray:
    """Re g(lambda - i0) of the density of S + sqrt(Delta) Z, for any real lambda.

    Inside the support the cubic root with positive imaginary part is the transform;
    outside (finite-size outliers) the principal-value integral is regular and is
    computed on the spectral quadrature.
    """
    lam = np.asarray(lam, dtype=float)
    quad = spectral_quadrature(delta=delta, rho=rho)
    roots = stieltjes_roots(lam, delta=delta, rho=rho)
    pick = np.argmax(roots.imag, axis=1)
    inside_root = roots[np.arange(len(lam)), pick]
    inside = inside_root.imag > 1e-10
    out = inside_root.real.copy()
    if np.any(~inside):
        outside = lam[~inside]
        out[~inside] = np.sum(quad.w * quad.mu / (outside[:, None] - quad.x), axis=1)
    return out


def rie_denoise(y: np.ndarray, *, delta: float, rho: float) -> np.ndarray:
    """Rotationally invariant estimator of S from Y = S + sqrt(Delta) Z (Y symmetric).

    Keeps the eigenvectors of Y and maps each eigenvalue through
    f(lambda) = lambda - 2 Delta Re g(lambda - i0).
    """
    _check_rho_delta(delta, rho)
    lam, vecs = np.linalg.eigh(y)
    f = lam - 2 * delta * stieltjes_real_part(lam, delta=delta, rho=rho)
    return (vecs * f) @ vecs.T


class ThresholdFunctionals(NamedTuple):
    """Functionals of mu_delta = mu_0 boxplus semicircle(delta^2) above a threshold eps (the
    spectral side of the ERM state evolution, arXiv:2509.24914): J = int (x - eps)_+^2 mu,
    its derivatives in eps and in the noise standard deviation delta, and the CDF at eps."""

    J: float
    dJ_deps: float
    dJ_ddelta: float
    cdf: float


@lru_cache(maxsize=8)
def _legendre_on_unit(n: int) -> tuple[np.ndarray, np.ndarray]:
    t, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (t + 1), 0.5 * w


def _above(eps: float, *, delta: float, rho: float, nodes: int):
    """Nodes x, weights (dx) on the part of the support above eps, where x = b - (b - eps) s^2
    on a piece [a, b] cut by eps: the square-root edge at b and the interior point eps both
    become smooth in s, so Gauss-Legendre converges fast despite the kink of (x - eps)_+."""
    s, w_s = _legendre_on_unit(nodes)
    theta, w_theta = _legendre_on_angle(nodes)
    xs, ws = [], []
    for lo, hi in _pieces(delta=delta, rho=rho):
        if eps >= hi:
            continue
        if eps <= lo:  # the whole piece: the cosine map of spectral_quadrature
            half = 0.5 * (hi - lo)
            xs.append(0.5 * (lo + hi) - half * np.cos(theta))
            ws.append(half * np.sin(theta) * w_theta)
        else:
            xs.append(hi - (hi - eps) * s**2)
            ws.append(2 * (hi - eps) * s * w_s)
    if not xs:
        return np.empty(0), np.empty(0)
    return np.concatenate(xs), np.concatenate(ws)


def threshold_functionals(
    *, eps: float, noise_std: float, rho: float, nodes: int = QUAD_NODES
) -> ThresholdFunctionals:
    """J(delta, eps) = int_eps^inf (x - eps)^2 mu_delta(dx) with delta = noise_std, and

        dJ/deps   = -2 int (x - eps)_+ mu_delta(dx),
        dJ/ddelta = 2 delta int int ((x - eps)_+ - (y - eps)_+) / (x - y) mu(dx) mu(dy)
                  = 4 delta int (x - eps)_+ h(x) mu_delta(dx),

    the free heat equation, with h = PV int mu(dy) / (x - y) the real part of the Stieltjes
    transform on the support (the antisymmetric double integral is twice the single one).
    """
    _check_rho_delta(noise_std**2, rho)
    x, w = _above(eps, delta=noise_std**2, rho=rho, nodes=nodes)
    roots = stieltjes_roots(x, delta=noise_std**2, rho=rho)
    root = roots[np.arange(x.size), np.argmax(roots.imag, axis=1)]
    mass = w * np.clip(root.imag, 0, None) / np.pi
    excess = x - eps
    return ThresholdFunctionals(
        J=float(np.sum(mass * excess**2)),
        dJ_deps=float(-2 * np.sum(mass * excess)),
        dJ_ddelta=float(4 * noise_std * np.sum(mass * excess * root.real)),
        cdf=float(1 - np.sum(mass)),
    )


def upper_bulk_mass(*, noise_std: float, rho: float, nodes: int = QUAD_NODES) -> float | None:
    """Mass of the highest support interval of mu_delta once the support has split in two
    (the predicted rank of the top bulk); None while the support is one interval."""
    intervals = support(delta=noise_std**2, rho=rho)
    if len(intervals) < 2:
        return None
    lo, _ = intervals[-1]
    return 1.0 - threshold_functionals(eps=lo, noise_std=noise_std, rho=rho, nodes=nodes).cdf


def learned_spectrum(
    y, *, eps: float, eta: float, noise_std: float, rho: float
) -> tuple[float, np.ndarray]:
    """The law of the eigenvalues eta (x - eps)_+, x ~ mu_delta, of a nuclear-norm ERM
    estimate: an atom of mass F_delta(eps) at 0, and the density mu_delta(eps + y / eta) / eta
    at the points y > 0. (Singular values s = sqrt(y) have density 2 s times it at y = s^2.)"""
    if not eta > 0:
        raise ValueError(f"eta must be positive, got {eta}")
    y = np.asarray(y, dtype=float)
    atom = threshold_functionals(eps=eps, noise_std=noise_std, rho=rho).cdf
    inside = spectral_density(eps + np.clip(y, 0, None) / eta, delta=noise_std**2, rho=rho) / eta
    return atom, np.where(y > 0, inside, 0.0)


def teacher_top(rho: float) -> float:
    """The largest eigenvalue of S0 = W0 W0^T / sqrt(r d): (1 + sqrt(rho))^2 / sqrt(rho)."""
    return (1 + np.sqrt(rho)) ** 2 / np.sqrt(rho)


def teacher_eigenvalue_density(y, *, rho: float) -> np.ndarray:
    """Density of the non-zero eigenvalues of S0 = W0 W0^T / sqrt(r d) (total mass
    min(rho, 1)): Marchenko-Pastur of ratio rho, rescaled by 1/sqrt(rho); the rest of the mass
    (1 - rho when rho < 1) is an atom at 0."""
    y = np.asarray(y, dtype=float)
    x = y * np.sqrt(rho)  # an eigenvalue of W0 W0^T / d
    lo, hi = (1 - np.sqrt(rho)) ** 2, (1 + np.sqrt(rho)) ** 2
    inside = (x > lo) & (x < hi)
    root = np.sqrt(np.clip((hi - x) * (x - lo), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        mp = np.where(inside, root / (2 * np.pi * x), 0.0)
    return mp * np.sqrt(rho)
