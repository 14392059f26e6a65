"""Output channels of the attention-indexed model.

Each channel gives the labels y of attention indices h (natural coordinates, (n, T, T)),
the AMP denoiser g_out(y, omega, V) = d log Z_out / d omega in isotropic z-coordinates
(see aim.core.tokens), and the state-evolution map from the overlap q (out of Q0) to the
conjugate overlap q_hat at sample ratio alpha.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.special import log_ndtr, softmax

from aim.bayes import CHANNELS, TEACHERS, VARIANTS
from aim.core.gaussian import bivariate_normal_pdf, log_bivariate_normal_cdf
from aim.core.tokens import linear_observations, to_z, z_scale


def x_per_alpha(T: int) -> int:
    """x / alpha = T^2 + T - 2 = 2 linear_observations(T): the softmax error depends on
    alpha and T only through x = alpha (T^2 + T - 2)."""
    return 2 * linear_observations(T)


@dataclass(frozen=True, kw_only=True)
class Softmax:
    """Softmax attention at inverse temperature beta; the information is beta-free."""

    T: int
    beta: float = 1.0
    scale_invariant = False  # y changes under S -> lambda S: the likelihood fixes the scale
    calibrated = True  # g_out is the likelihood's: AMP's predicted error is the posterior's

    def __post_init__(self) -> None:
        if int(self.T) != self.T or self.T < 2:
            raise ValueError(f"T must be an integer >= 2, got {self.T}")
        if not self.beta > 0:
            raise ValueError(f"beta must be positive, got {self.beta}")

    def q_hat(self, *, alpha, q, Q0):
        with np.errstate(divide="ignore"):
            return x_per_alpha(self.T) * np.asarray(alpha) / (Q0 - np.asarray(q))

    def labels(self, h: np.ndarray) -> np.ndarray:
        """Row-wise softmax of beta h."""
        return softmax(self.beta * h, axis=-1)

    def g_out(self, y: np.ndarray, omega: np.ndarray, V: float) -> np.ndarray:
        """Posterior-mean shift in z-coordinates, (n, K) for omega of shape (n, K).

        y fixes h up to one global shift c: h_ab = c + psi_ab with psi_ab = h_ab - h_TT,
        read from phi_ab = log(y_ab / y_aT) / beta as psi_ab = phi_ab + phi_Ta. Under the
        isotropic prior N(omega, V) on z, c is Gaussian around
        c* = (sum_k tau_k omega_k - sum_k tau_k^2 psi_k) / T^2.
        """
        log_y = np.log(y)
        phi = (log_y - log_y[..., -1:]) / self.beta
        psi_z = to_z(phi + phi[..., -1, :, None])
        tau = z_scale(self.T)
        c = (omega - psi_z) @ tau / self.T**2
        return (c[..., None] * tau + psi_z - omega) / V

    def slope(self, g: np.ndarray, V: float) -> float:
        """The precision per sample: -tr dg/domega, or its Nishimori twin E ||g||^2 where
        that is larger. g = P (psi - omega) / V with P the projector orthogonal to tau
        (rank T^2/2 + T/2 - 1), so the derivative is exactly linear_observations(T) / V.
        The twin exceeds it only when the measured residual P (psi - omega) is larger than
        V says; the larger precision (the shorter step) then keeps the iterate from running
        away, which at small alpha d (few rank-one terms in R) it otherwise does."""
        return max(linear_observations(self.T) / V, float(np.mean(np.sum(g * g, axis=1))))


# --- hardmax, T = 2 -------------------------------------------------------------------
#
# With k_1 = (omega_11 - omega_12) / r, k_2 = (omega_22 - omega_12) / r and r = sqrt(3 V),
# E_out = E[2 G_11^2 + 2 G_22^2 + G_12^2] = J(q / V) / (3 V), where J(lam) is the mean of
# the fixed function F(k_1, k_2) over k ~ N(0, lam [[1, 1/3], [1/3, 1]]).

_CORR = np.array([[1.0, 1.0 / 3.0], [1.0 / 3.0, 1.0]])
_CORR_INV = np.linalg.inv(_CORR)
_CORR_DET = np.linalg.det(_CORR)
_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)


def _hardmax_log_terms(K1: np.ndarray, K2: np.ndarray, c, variant: str):
    """log Z, log D1, log D2 for one label pattern: Z = Phi2(K1, K2; c), D_i the slopes.

    `exact` uses D1 = phi(K1) Phi((K2 - c K1) / sqrt(1 - c^2)) (the true derivative of Z);
    `published` uses the bivariate density phi2(K1, K2; c) for D1 and D2 (the authors' code).
    """
    c = np.asarray(c, float)
    log_z = log_bivariate_normal_cdf(K1, K2, corr=c)
    if variant == "exact":
        sc = np.sqrt(1.0 - c * c)
        log_d1 = -_LOG_SQRT_2PI - 0.5 * K1**2 + log_ndtr((K2 - c * K1) / sc)
        log_d2 = -_LOG_SQRT_2PI - 0.5 * K2**2 + log_ndtr((K1 - c * K2) / sc)
    else:
        log_d1 = log_d2 = np.log(bivariate_normal_pdf(0.0, 0.0, corr=c)) - 0.5 * (
            K1**2 - 2 * c * K1 * K2 + K2**2
        ) / (1 - c * c)
    return log_z, log_d1, log_d2


def _check_variant(variant: str) -> None:
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")


def hardmax_integrand(k1: np.ndarray, k2: np.ndarray, variant: str = "exact") -> np.ndarray:
    """F(k1, k2): the output term summed over the four label patterns, times r^2.

    For pattern (s1, s2) the likelihood is Z = Phi2(s1 k1, s2 k2; s1 s2 / 3) and the
    pattern contributes (2 D1^2 + 2 D2^2 + (s1 D1 + s2 D2)^2) / Z, evaluated in log space.
    """
    _check_variant(variant)
    k1, k2 = np.broadcast_arrays(np.asarray(k1, float), np.asarray(k2, float))
    total = np.zeros(k1.shape)
    for s1 in (1.0, -1.0):
        for s2 in (1.0, -1.0):
            log_z, log_d1, log_d2 = _hardmax_log_terms(s1 * k1, s2 * k2, s1 * s2 / 3.0, variant)
            d1 = np.exp(log_d1 - 0.5 * log_z)
            d2 = np.exp(log_d2 - 0.5 * log_z)
            total += 2 * d1**2 + 2 * d2**2 + (s1 * d1 + s2 * d2) ** 2
    return total


@dataclass(frozen=True)
class HardmaxQuadrature:
    """Settings of the deterministic quadrature for J(lam).

    lam >= lam_switch: trapezoid rule in t on k = scale * sinh(t), per axis, which
    resolves the O(1)-wide ridges of F near k = 0 and the Gaussian out to
    `n_sigma` standard deviations of the largest tabulated lam. lam < lam_switch: a
    Gauss-Hermite product rule in whitened coordinates (F is smooth on that scale).
    """

    scale: float = 0.5
    step: float = 0.08
    n_sigma: float = 12.0
    hermite_nodes: int = 24
    lam_switch: float = 1.0
    lam_min: float = 1e-6
    lam_max: float = 1e10
    table_points: int = 480


DEFAULT_QUADRATURE = HardmaxQuadrature()


def _gaussian_weight(k1: np.ndarray, k2: np.ndarray, lam: np.ndarray) -> np.ndarray:
    quad = _CORR_INV[0, 0] * k1**2 + 2 * _CORR_INV[0, 1] * k1 * k2 + _CORR_INV[1, 1] * k2**2
    lam = np.asarray(lam)[..., None]
    return np.exp(-0.5 * quad / lam) / (2 * np.pi * lam * np.sqrt(_CORR_DET))


_BLOCK = 8192


@lru_cache(maxsize=8)
def _sinh_grid(variant: str, quad: HardmaxQuadrature):
    t_max = np.arcsinh(quad.n_sigma * np.sqrt(quad.lam_max) / quad.scale)
    t = np.arange(-t_max, t_max + quad.step / 2, quad.step)
    k = quad.scale * np.sinh(t)
    w = quad.step * quad.scale * np.cosh(t)
    k1, k2 = (a.ravel() for a in np.meshgrid(k, k, indexing="ij"))
    # in blocks: the tail integrals hold (points, 32) temporaries; all at once they would
    # double the peak memory of every job that builds the table
    values = np.concatenate(
        [
            hardmax_integrand(k1[i : i + _BLOCK], k2[i : i + _BLOCK], variant)
            for i in range(0, k1.size, _BLOCK)
        ]
    )
    weight = np.outer(w, w).ravel() * values
    keep = weight > 0
    return k1[keep], k2[keep], weight[keep]


def _hermite_mean(variant: str, lam: np.ndarray, nodes: int) -> np.ndarray:
    x, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()
    chol = np.linalg.cholesky(_CORR)
    xi1, xi2 = (a.ravel() for a in np.meshgrid(x, x, indexing="ij"))
    ww = np.outer(w, w).ravel()
    root = np.sqrt(np.asarray(lam, float))[:, None]
    k1 = root * (chol[0, 0] * xi1)
    k2 = root * (chol[1, 0] * xi1 + chol[1, 1] * xi2)
    return hardmax_integrand(k1, k2, variant) @ ww


def hardmax_mean_integrand(
    lam, variant: str = "exact", quad: HardmaxQuadrature = DEFAULT_QUADRATURE
) -> np.ndarray:
    """J(lam) by direct quadrature (no table); lam = q / V, any shape."""
    lam = np.atleast_1d(np.asarray(lam, float))
    if np.any(lam < 0) or np.any(lam > quad.lam_max * (1 + 1e-9)):
        raise ValueError(f"lam must lie in [0, {quad.lam_max}]")
    out = np.empty(lam.shape)
    small = lam < quad.lam_switch
    if np.any(small):
        out[small] = _hermite_mean(variant, lam[small], quad.hermite_nodes)
    big = np.flatnonzero(~small)
    if big.size:
        k1, k2, weight = _sinh_grid(variant, quad)
        for chunk in np.array_split(big, max(1, big.size // 16)):
            out[chunk] = _gaussian_weight(k1, k2, lam[chunk]) @ weight
    return out


@dataclass(frozen=True)
class _Table:
    spline: CubicSpline
    log_lam: np.ndarray
    j0: float
    j_min: float
    tail_slope: float


@lru_cache(maxsize=8)
def _hardmax_table(variant: str, quad: HardmaxQuadrature) -> _Table:
    log_lam = np.linspace(np.log(quad.lam_min), np.log(quad.lam_max), quad.table_points)
    log_j = np.log(hardmax_mean_integrand(np.exp(log_lam), variant, quad))
    spline = CubicSpline(log_lam, log_j)
    j0 = float(hardmax_integrand(0.0, 0.0, variant))
    slope = float((log_j[-1] - log_j[-2]) / (log_lam[-1] - log_lam[-2]))
    return _Table(spline, log_lam, j0, float(np.exp(log_j[0])), slope)


def hardmax_mean_integrand_table(lam, variant: str = "exact") -> np.ndarray:
    """J(lam) from a cubic spline in log lam of the direct quadrature.

    Below lam_min a straight line to J(0) (J is smooth at 0); above lam_max the last
    power law of the table.
    """
    table = _hardmax_table(variant, DEFAULT_QUADRATURE)
    lam = np.asarray(lam, float)
    lo, hi = np.exp(table.log_lam[0]), np.exp(table.log_lam[-1])
    with np.errstate(divide="ignore"):
        log_lam = np.log(lam)
    inside = np.exp(table.spline(np.clip(log_lam, table.log_lam[0], table.log_lam[-1])))
    below = table.j0 + (table.j_min - table.j0) * lam / lo
    above = np.exp(table.spline(table.log_lam[-1]) + table.tail_slope * (log_lam - np.log(hi)))
    return np.where(lam < lo, below, np.where(lam > hi, above, inside))


@dataclass(frozen=True, kw_only=True)
class Hardmax:
    """Hardmax attention (beta -> infinity), T = 2 only.

    `teacher` is the model the labels come from: `natural` (row a compares h_aa with h_ab,
    the model of the paper and of its state evolution) or `authors` (compares h_aa with
    sqrt(2) h_ab = z_ab, the model the authors' AMP code simulates; only for reproducing
    their published AMP points). g_out always matches the teacher's geometry.
    """

    variant: str = "exact"
    T: int = field(default=2)
    teacher: str = "natural"
    scale_invariant = True  # y is blind to S -> lambda S: only the prior sets the scale

    def __post_init__(self) -> None:
        if self.T != 2:
            raise ValueError(f"the hardmax channel is solved for T = 2 only, got T = {self.T}")
        _check_variant(self.variant)
        if self.teacher not in TEACHERS:
            raise ValueError(f"teacher must be one of {TEACHERS}, got {self.teacher!r}")

    @property
    def calibrated(self) -> bool:
        """Whether AMP's predicted error is the posterior's: not with the published
        derivative, which is not the likelihood's."""
        return self.variant == "exact"

    @property
    def off_weight(self) -> float:
        """w in h_aa - c h_ab = z_aa - w z_ab (c = sqrt(2) w): 1/sqrt(2) natural, 1 authors."""
        return 1.0 if self.teacher == "authors" else 1.0 / np.sqrt(2.0)

    def output_term(self, *, q, Q0):
        """E[2 G_11^2 + 2 G_22^2 + G_12^2] at overlap q out of Q0 (natural teacher)."""
        V = Q0 - np.asarray(q, float)
        with np.errstate(divide="ignore", invalid="ignore"):
            lam = np.where(V > 0, np.asarray(q) / V, np.inf)
            return hardmax_mean_integrand_table(lam, self.variant) / (3 * V)

    def q_hat(self, *, alpha, q, Q0):
        return 2 * np.asarray(alpha) * self.output_term(q=q, Q0=Q0)

    def labels(self, h: np.ndarray) -> np.ndarray:
        """One-hot rows: y_a picks argmax_b of h_ab, off-diagonal entries scaled by c."""
        c = np.sqrt(2.0) * self.off_weight
        scaled = np.where(np.eye(h.shape[-1], dtype=bool), h, c * h)
        return (scaled == scaled.max(axis=-1, keepdims=True)).astype(float)

    def g_out(self, y: np.ndarray, omega: np.ndarray, V: float) -> np.ndarray:
        """d log Z_out / d omega in z-coordinates (z_11, z_12, z_22), shape (n, 3).

        Row a picks the diagonal (s_a = +1) or not; the compared difference z_aa - w z_12
        has variance (1 + w^2) V under the isotropic prior, and the two differences have
        correlation w^2 / (1 + w^2) (1/3 for the natural teacher), so
        Z_out = Phi2(kappa_1, kappa_2; s_1 s_2 w^2 / (1 + w^2)).
        """
        w = self.off_weight
        s1 = np.where(y[:, 0, 0] > y[:, 0, 1], 1.0, -1.0)
        s2 = np.where(y[:, 1, 1] > y[:, 1, 0], 1.0, -1.0)
        r = np.sqrt((1 + w * w) * V)
        off = w * omega[:, 1]
        kappa1, kappa2 = s1 * (omega[:, 0] - off) / r, s2 * (omega[:, 2] - off) / r
        c = s1 * s2 * w * w / (1 + w * w)
        log_z, log_d1, log_d2 = _hardmax_log_terms(kappa1, kappa2, c, self.variant)
        g11 = s1 * np.exp(log_d1 - log_z) / r
        g22 = s2 * np.exp(log_d2 - log_z) / r
        return np.stack([g11, -w * (g11 + g22), g22], axis=-1)

    def slope(self, g: np.ndarray, V: float) -> float:
        """-E_mu tr dg/domega through the Nishimori identity, E ||g||^2 (the derivative of
        the bivariate-normal ratios is not written out)."""
        return float(np.mean(np.sum(g * g, axis=1)))


def make_channel(
    name: str,
    *,
    T: int = 2,
    variant: str | None = None,
    teacher: str | None = None,
    beta: float = 1.0,
):
    """Channel by name: softmax (any T >= 2, beta) or hardmax (T = 2, exact | published
    derivative, natural | authors teacher)."""
    if name == "softmax":
        if variant is not None or teacher is not None:
            raise ValueError("variant and teacher apply to the hardmax channel only")
        return Softmax(T=T, beta=beta)
    if name == "hardmax":
        return Hardmax(variant=variant or "exact", T=T, teacher=teacher or "natural")
    raise ValueError(f"channel must be one of {CHANNELS}, got {name!r}")
