"""Posterior moments of Z given the output y, a Gaussian prior N(omega, V) on each token's
column of Z, for the deep-attention channel (M = 2 tokens, L >= 2 layers).

y fixes u = B(z_1..z_{L-1}) z_L up to its sign, so the posterior lives on the free layers:
z_L = s B^{-1} u on the branches s = +-1, with density N(Z; omega, V) / |det B| over the free
layers. They are integrated on fixed nodes: a tensor grid (trapezoid rule) for L = 2, scrambled
Sobol points from a Gaussian proposal (importance sampling, effective sample size reported)
for L >= 3. Because the nodes do not depend on the outer point, every Z entry is linear in
u~ = (1, u_1, u_2) with node coefficients, and the log-weights of all (outer point, node) pairs
are one matrix product of outer features with node features: fast, vectorised, exact.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.stats import norm, qmc

from aim.core.validation import integer, number
from aim.deep.channel import TOKENS, mixing

NODE_SEED = 20250200  # fixed scramble of the importance nodes: the integral is deterministic
CHUNK_ELEMENTS = 4_000_000  # (outer points x nodes) per block: ~32 MB of weights
PRIOR_EXTENT = 6.0  # a zoom reaches at most this many prior standard deviations of a free layer


@dataclass(frozen=True, kw_only=True)
class InnerQuadrature:
    """Nodes for the free layers: a grid of `points`^2 on [-half_width, half_width]^2 (L = 2),
    or 2^log2_samples Sobol points from N(0, proposal_scale^2 I) (L >= 3); posteriors on fewer
    than min_effective nodes are zoomed onto, up to zoom_levels times, with zoom_points^2
    (L = 2) or 2^zoom_log2_samples (L >= 3) nodes."""

    half_width: float = 6.0
    points: int = 33
    log2_samples: int = 13
    proposal_scale: float = 1.3
    min_effective: float = 20.0
    zoom_levels: int = 4
    zoom_points: int = 25
    zoom_log2_samples: int = 11

    def __post_init__(self) -> None:
        number(self.half_width, name="half_width", lo=1)
        integer(self.points, name="points", lo=9, hi=1001)
        integer(self.log2_samples, name="log2_samples", lo=6, hi=22)
        number(self.proposal_scale, name="proposal_scale", lo=0.1, hi=10)
        number(self.min_effective, name="min_effective", lo=1)
        integer(self.zoom_levels, name="zoom_levels", lo=0, hi=20)
        integer(self.zoom_points, name="zoom_points", lo=5, hi=1001)
        integer(self.zoom_log2_samples, name="zoom_log2_samples", lo=4, hi=22)

    def zoomed(self) -> InnerQuadrature:
        """The same quadrature with the zoom's node counts."""
        return replace(self, points=self.zoom_points, log2_samples=self.zoom_log2_samples)

    def scale(self, layers: int) -> float:
        """The global nodes are the unit nodes times this."""
        return self.half_width if layers == 2 else self.proposal_scale

    def spacing(self, layers: int) -> float:
        """Distance between neighbouring unit nodes (for importance nodes, typical)."""
        if layers == 2:
            return 2 / (self.points - 1)
        return 2 ** (-self.log2_samples / ((layers - 1) * TOKENS))


def _unit_nodes(layers: int, quadrature: InnerQuadrature) -> tuple[np.ndarray, np.ndarray]:
    """Free-layer nodes (N, L-1, M) and the logs of their weights for integrals over the free
    layers: a trapezoid grid on [-1, 1]^2 (L = 2), or scrambled Sobol points through the
    normal quantile with weights 1 / (N phi(t)) (L >= 3), taken with every sign flip of each
    free layer so that the posterior keeps the channel's per-layer sign symmetry exactly
    (E[z_l | y] = 0 at omega_l = 0; without it Q = 0 would not be a fixed point)."""
    if layers == 2:
        t = np.linspace(-1.0, 1.0, quadrature.points)
        grid = np.stack(np.meshgrid(t, t, indexing="ij"), axis=-1).reshape(-1, 1, TOKENS)
        return grid, np.full(len(grid), 2 * np.log(t[1] - t[0]))
    free = layers - 1
    sobol = qmc.Sobol(free * TOKENS, scramble=True, seed=NODE_SEED)
    base = norm.ppf(sobol.random_base2(max(quadrature.log2_samples - free, 1)))
    base = base.reshape(-1, free, TOKENS)
    signs = np.array(np.meshgrid(*[[1.0, -1.0]] * free, indexing="ij")).reshape(free, -1).T
    nodes = (signs[:, None, :, None] * base[None]).reshape(-1, free, TOKENS)
    log_weight = -norm.logpdf(nodes).sum(axis=(1, 2)) - np.log(len(nodes))
    return nodes, log_weight


@dataclass(frozen=True)
class Moments:
    """E[Z | y, omega, V] (K, L, M), E[vec Z vec Z^T] (K, L M, L M) with vec in (layer, token)
    order, and the effective number of nodes per outer point."""

    mean: np.ndarray
    second: np.ndarray
    effective_nodes: np.ndarray

    def token_covariance(self) -> np.ndarray:
        """Cov[z_m | y] across layers, per token: (K, M, L, L)."""
        k, layers, tokens = self.mean.shape
        second = self.second.reshape(k, layers, tokens, layers, tokens)
        second = np.einsum("klmjm->kmlj", second)
        return second - np.einsum("klm,kjm->kmlj", self.mean, self.mean)

    def layer_second(self) -> np.ndarray:
        """E[z_l z_l^T | y] across tokens, per layer: (K, L, M, M)."""
        k, layers, tokens = self.mean.shape
        second = self.second.reshape(k, layers, tokens, layers, tokens)
        return np.einsum("klmln->klmn", second)


def output_function(moments: Moments, omega: np.ndarray, covariance: np.ndarray) -> np.ndarray:
    """g_out = V^{-1} (E[Z | y, omega, V] - omega), per token: (K, L, M)."""
    return np.einsum("lk,nkm->nlm", np.linalg.inv(covariance), moments.mean - omega)


def output_derivative(moments: Moments, covariance: np.ndarray) -> np.ndarray:
    """dg_out/domega per token, V^{-1} Cov[z_m | y] V^{-1} - V^{-1}: (K, M, L, L). Analytic:
    omega enters the weights only through exp(omega^T V^{-1} Z)."""
    precision = np.linalg.inv(covariance)
    return precision @ moments.token_covariance() @ precision - precision


class ChannelPosterior:
    """Posterior moments of the deep-attention channel at fixed nodes.

    Each Z entry at node n is sum_k e[n, k] u~[j(k)] over the pairs k = (entry, j): free
    entries (j = 0, the node value) and last-layer entries (j = 1, 2, coefficients s B^{-1}).
    """

    def __init__(
        self, *, layers: int, skip: float, beta: float, quadrature: InnerQuadrature | None = None
    ):
        integer(layers, name="layers", lo=2, hi=3)
        number(skip, name="skip", lo=0)
        number(beta, name="beta", lo=0, lo_open=True)
        self.layers, self.skip, self.beta = layers, skip, beta
        self.quadrature = quadrature or InnerQuadrature()
        unit, unit_log_weight = _unit_nodes(layers, self.quadrature)
        scale = self.quadrature.scale(layers)
        free = scale * unit
        log_weight = unit_log_weight + unit[0].size * np.log(scale)
        self.unit, self.unit_log_weight = _unit_nodes(layers, self.quadrature.zoomed())
        mix = mixing(free, skip=skip, beta=beta)
        det = np.linalg.det(mix)
        regular = np.abs(det) > 1e-12
        inverse = np.zeros_like(mix)
        inverse[regular] = np.linalg.inv(mix[regular])
        log_det = np.log(np.abs(np.where(regular, det, 1.0)))
        log_weight = np.where(regular, log_weight - log_det, -np.inf)
        n_free = (layers - 1) * TOKENS
        coeff = np.concatenate(
            [
                np.tile(free.reshape(-1, n_free), (2, 1)),
                np.concatenate([inverse, -inverse]).reshape(-1, TOKENS * TOKENS),
            ],
            axis=1,
        )
        self.coeff = coeff  # (2N, K): the two branches stacked
        self.log_weight = np.tile(log_weight, 2)
        last = [(layers - 1) * TOKENS + m for m in range(TOKENS) for _ in range(TOKENS)]
        self.entry = np.array([*range(n_free), *last])  # k -> index of Z entry in (l, m) order
        self.power = np.array([0] * n_free + [1 + j for _ in range(TOKENS) for j in range(TOKENS)])
        self.products = np.einsum("nk,nl->nkl", coeff, coeff).reshape(len(coeff), -1)

    @property
    def nodes(self) -> int:
        return len(self.coeff)

    def _u_tilde(self, u: np.ndarray) -> np.ndarray:
        return np.concatenate([np.ones((len(u), 1)), u], axis=1)

    def _node_features(self, precision: np.ndarray) -> np.ndarray:
        """The node side of the log-weights under prior precision V^{-1}: (nodes, 9 + K)."""
        layer, token = self.entry // TOKENS, self.entry % TOKENS
        quad = precision[np.ix_(layer, layer)] * np.equal.outer(token, token)  # (K, K)
        pick = np.eye(3)[self.power]  # (K, 3)
        gram = self.products @ np.einsum("kl,ka,lb->klab", quad, pick, pick).reshape(-1, 9)
        return np.concatenate([-0.5 * gram, self.coeff], axis=1)

    def _log_weights(self, omega: np.ndarray, u: np.ndarray, precision, node_features):
        """log of the unnormalised posterior weight of every (outer point, node) pair."""
        u_t = self._u_tilde(u)
        weighted = np.einsum("lj,kjm->klm", precision, omega).reshape(len(u), -1)
        outer = np.concatenate(
            [
                (u_t[:, :, None] * u_t[:, None, :]).reshape(len(u), 9),
                weighted[:, self.entry] * u_t[:, self.power],
            ],
            axis=1,
        )
        log_w = outer @ node_features.T
        log_w += self.log_weight
        return log_w

    def moments(self, omega: np.ndarray, u: np.ndarray, covariance: np.ndarray) -> Moments:
        """Moments at outer points omega (K, L, M), u (K, M), prior covariance V (L, L).

        Outer points whose posterior sits on fewer than min_effective nodes are integrated
        again on nodes zoomed onto it (centre: its free-layer mean; extent: 6 posterior
        standard deviations, at least two node spacings of the level before, at most
        PRIOR_EXTENT prior standard deviations: where the prior is narrow, a coarse level's
        few nodes overstate the posterior's spread), up to zoom_levels times; a zoom is kept
        where it raises the effective number of nodes.
        """
        precision = np.linalg.inv(covariance)
        prior_sd = np.repeat(np.sqrt(np.diag(covariance)[:-1]), TOKENS)
        features = self._node_features(precision)
        size = max(1, CHUNK_ELEMENTS // self.nodes)
        parts = [
            self._block(omega[i : i + size], u[i : i + size], precision, features)
            for i in range(0, len(u), size)
        ]
        mean, sec, ess = (np.concatenate(p) for p in zip(*parts))
        spacing = np.full(
            len(u), self.quadrature.scale(self.layers) * self.quadrature.spacing(self.layers)
        )
        for _ in range(self.quadrature.zoom_levels):
            low = np.flatnonzero((ess < self.quadrature.min_effective) & np.isfinite(spacing))
            if low.size == 0:
                break
            n_free = (self.layers - 1) * TOKENS
            centre = mean[low].reshape(len(low), -1)[:, :n_free]
            variance = np.diagonal(sec[low], axis1=1, axis2=2)[:, :n_free] - centre**2
            extent = np.maximum(6 * np.sqrt(np.maximum(variance, 0)), 2 * spacing[low, None])
            extent = np.minimum(extent, PRIOR_EXTENT * prior_sd)
            if self.layers > 2:
                extent = extent / 3  # a Gaussian proposal's scale, not a box's half-width
            z_mean, z_sec, z_ess = self._local(omega[low], u[low], precision, centre, extent)
            better = z_ess > ess[low]
            pick = low[better]
            mean[pick], sec[pick], ess[pick] = z_mean[better], z_sec[better], z_ess[better]
            zoom_spacing = self.quadrature.zoomed().spacing(self.layers)
            spacing[pick] = extent[better].min(axis=1) * zoom_spacing
            spacing[low[~better]] = np.inf  # a zoom that did not help is not tried again
        mean = mean.reshape(-1, self.layers, TOKENS)
        return Moments(mean=mean, second=sec, effective_nodes=ess)

    def _local(self, omega, u, precision, centre, extent):
        """Moments on nodes centre + extent * unit nodes, one node set per outer point,
        evaluated entry by entry (the nodes differ per point); in chunks."""
        size = max(1, CHUNK_ELEMENTS // (2 * len(self.unit) * self.layers * TOKENS))
        parts = [
            self._local_block(*(a[i : i + size] for a in (omega, u, centre, extent)), precision)
            for i in range(0, len(u), size)
        ]
        return tuple(np.concatenate(p) for p in zip(*parts))

    def _local_block(self, omega, u, centre, extent, precision):
        """The two sign branches share the free layers and flip z_L, so the quadratic form
        splits into a part even in the sign and an odd part linear in z_L: one pass over the
        nodes serves both branches."""
        k = len(u)
        flat_free = centre[:, None, :] + extent[:, None, :] * self.unit.reshape(
            1, len(self.unit), -1
        )
        free = flat_free.reshape(k, -1, self.layers - 1, TOKENS)
        mix = mixing(free, skip=self.skip, beta=self.beta)
        a, b, c, e = mix[..., 0, 0], mix[..., 0, 1], mix[..., 1, 0], mix[..., 1, 1]
        det = a * e - b * c
        regular = np.abs(det) > 1e-12
        safe = np.where(regular, det, 1.0)
        u0, u1 = u[:, None, 0], u[:, None, 1]
        last = np.stack([e * u0 - b * u1, a * u1 - c * u0], axis=-1) / safe[..., None]
        log_w = self.unit_log_weight + np.log(extent).sum(axis=1)[:, None] - np.log(np.abs(safe))
        log_w[~regular] = -np.inf
        dev, om_last = free - omega[:, None, :-1], omega[:, None, -1]
        p_free, p_cross, p_last = precision[:-1, :-1], precision[:-1, -1], precision[-1, -1]
        towards = np.einsum("knsm,s->knm", dev, p_cross)
        even = (
            np.einsum("knsm,st,kntm->kn", dev, p_free, dev)
            + p_last * np.sum(last**2 + om_last**2, axis=-1)
            - 2 * np.sum(towards * om_last, axis=-1)
        )
        odd = 2 * np.sum(last * (towards - p_last * om_last), axis=-1)
        log_plus, log_minus = log_w - 0.5 * (even + odd), log_w - 0.5 * (even - odd)
        top = np.maximum(log_plus.max(axis=1), log_minus.max(axis=1))[:, None]
        w_plus, w_minus = np.exp(log_plus - top), np.exp(log_minus - top)
        total = w_plus.sum(axis=1, keepdims=True) + w_minus.sum(axis=1, keepdims=True)
        w_plus, w_minus = w_plus / total, w_minus / total
        w_even, w_odd = w_plus + w_minus, w_plus - w_minus
        mean = np.concatenate(
            [np.einsum("kn,knf->kf", w_even, flat_free), np.einsum("kn,knm->km", w_odd, last)],
            axis=1,
        )
        free_free = np.matmul((w_even[..., None] * flat_free).transpose(0, 2, 1), flat_free)
        free_last = np.matmul((w_odd[..., None] * flat_free).transpose(0, 2, 1), last)
        last_last = np.matmul((w_even[..., None] * last).transpose(0, 2, 1), last)
        sec = np.block([[free_free, free_last], [free_last.transpose(0, 2, 1), last_last]])
        return mean, sec, 1.0 / np.sum(w_plus**2 + w_minus**2, axis=1)

    def _block(self, omega, u, precision, node_features):
        w = self._log_weights(omega, u, precision, node_features)
        w -= w.max(axis=1, keepdims=True)
        np.exp(w, out=w)
        w /= w.sum(axis=1, keepdims=True)
        u_t = self._u_tilde(u)[:, self.power]  # (K_out, K)
        select = np.eye(self.layers * TOKENS)[self.entry]  # (K, LM)
        mean = ((w @ self.coeff) * u_t) @ select
        products = (w @ self.products).reshape(len(u), *[len(self.entry)] * 2)
        sec = np.einsum("ok,okl,ol,ka,lb->oab", u_t, products, u_t, select, select, optimize=True)
        return mean, sec, 1.0 / np.einsum("kn,kn->k", w, w)
