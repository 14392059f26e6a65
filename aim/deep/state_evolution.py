"""Bayes-optimal state evolution of the deep-attention model (rank-one layers, Gaussian prior).

    Q_hat = alpha E[g_out g_out^T],   Q = Q_hat (I + Q_hat)^{-1},

with omega = Q^{1/2} xi, Z = omega + (I - Q)^{1/2} U, y = g(Z), g_out = V^{-1}(E[Z | y] - omega)
and the token sum inside g_out g_out^T. The outer expectation runs over fixed scrambled Sobol
nodes, so the map is deterministic. Q stays diagonal: flipping one layer's (xi, U) flips its
g_out and leaves y unchanged, so the off-diagonal entries of Q_hat vanish exactly and the
iteration runs on the L diagonal overlaps.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.special import expit, logit
from scipy.stats import norm, qmc
from tqdm import tqdm

from aim.core.validation import InputError, integer, number
from aim.deep.channel import TOKENS, last_input, output
from aim.deep.posterior import ChannelPosterior, InnerQuadrature

OUTER_SEED = 20250201
MAX_OVERLAP = 1 - 1e-6  # V = 1 - q stays a proper variance
OVERLAP_FLOOR = 1e-8  # an overlap at the floor is an unlearned layer
SMALL_OVERLAP = 1e-3  # below this a layer's overlap follows the linearised map
AITKEN_MAX_RATIO = 0.9  # a jump of at most 9 steps; slower contraction gets a Newton step
NEWTON_STEP = 1e-3  # forward-difference step of the Newton Jacobian, in logit(q)
NEWTON_TRUST = 2.0  # longest Newton step in logit(q); an untrusted Newton step at alpha = 0.94
# (a layer escaping from 0.02, 2^10 nodes) jumped to 1 - 1e-6, a spurious perfect recovery
NOISE_FRACTION = 0.1  # a slow iteration stops once its steps are below this part of its error
NOISE_MIN_OVERLAP = 0.1  # ... unless a learned layer is below this (near a threshold: real drift)


@dataclass(frozen=True, kw_only=True)
class SESettings:
    """2^log2_outer outer nodes; damping (weight of the old iterate; none by default: the
    Bayes-optimal SE map is monotone in Q, so the plain iteration does not overshoot); stop
    once the distance to the fixed point, estimated from the last two steps, is below tol
    relative to min(q, 1 - q) of every overlap (after at least min_iter steps), or, where the
    iteration contracts slowly, once a step moves every overlap by less than a tenth of the
    map's own integration error; or once every overlap is within recovery_gap of 1 and rising
    (perfect recovery: closer to 1 the inner integrals are not resolved); the uninformed start
    Q = start I; extrapolate: Aitken jumps along a geometric tail, Newton steps where it is
    slow; coarse_levels: the iteration first runs to its stop on 2^(log2_outer - coarse_levels)
    outer nodes and goes on from there on the full set (0: the full set from the start)."""

    log2_outer: int = 12
    coarse_levels: int = 2
    damping: float = 0.0
    tol: float = 1e-4
    min_iter: int = 5
    max_iter: int = 600
    start: float = 0.05
    recovery_gap: float = 1e-3
    extrapolate: bool = True

    def __post_init__(self) -> None:
        integer(self.log2_outer, name="log2_outer", lo=6, hi=20)
        integer(self.coarse_levels, name="coarse_levels", lo=0, hi=self.log2_outer - 6)
        number(self.damping, name="damping", lo=0, hi=1, hi_open=True)
        number(self.tol, name="tol", lo=0, lo_open=True)
        integer(self.min_iter, name="min_iter", lo=2)
        integer(self.max_iter, name="max_iter", lo=self.min_iter)
        number(self.start, name="start", lo=SMALL_OVERLAP, hi=1, hi_open=True)
        number(self.recovery_gap, name="recovery_gap", lo=1e-6, hi=0.1)


@dataclass(frozen=True, kw_only=True)
class SEPoint:
    """One fixed point: the diagonal overlaps (first layer first) and its report. recovered:
    the iteration stopped with every overlap within recovery_gap of 1 and rising (the fixed
    point is perfect recovery; q is the last iterate, a lower bound). noise_limited: it stopped
    because its steps fell below a tenth of the map's integration error while contracting
    slowly; map_error: the standard error of the map's outer average at q, relative to
    min(q, 1 - q) (the fixed point itself is uncertain by that over 1 - the map's slope, more
    where the map is flat). iterations: on the full outer node set; coarse_iterations: those
    before, on the coarse set."""

    alpha: float
    q: np.ndarray
    q_hat: np.ndarray
    converged: bool
    recovered: bool
    iterations: int
    coarse_iterations: int
    remaining: float  # estimated distance to the fixed point, relative to min(q, 1 - q)
    noise_limited: bool
    map_error: float
    min_effective_nodes: float


def outer_nodes(layers: int, log2_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Fixed standard-normal (xi, U), each of shape (2^log2_points, L, M)."""
    dim = layers * TOKENS
    sobol = qmc.Sobol(2 * dim, scramble=True, seed=OUTER_SEED).random_base2(log2_points)
    gauss = norm.ppf(sobol).reshape(-1, 2, layers, TOKENS)
    return gauss[:, 0], gauss[:, 1]


class StateEvolution:
    """The SE map and its fixed points for L layers, skip strength c and inverse temperature
    beta, on fixed outer and inner nodes."""

    def __init__(
        self,
        *,
        layers: int,
        skip: float,
        beta: float = 1.0,
        settings: SESettings | None = None,
        quadrature: InnerQuadrature | None = None,
    ):
        self.settings = settings or SESettings()
        self.posterior = ChannelPosterior(
            layers=layers, skip=skip, beta=beta, quadrature=quadrature
        )
        self.layers, self.skip, self.beta = layers, skip, beta
        self.xi, self.noise = outer_nodes(layers, self.settings.log2_outer)
        self.coarse = None
        if self.settings.coarse_levels:
            coarse = replace(
                self.settings,
                log2_outer=self.settings.log2_outer - self.settings.coarse_levels,
                coarse_levels=0,
                max_iter=max(self.settings.min_iter, self.settings.max_iter // 2),
            )
            self.coarse = StateEvolution(
                layers=layers, skip=skip, beta=beta, settings=coarse, quadrature=quadrature
            )

    def _sample(self, q: np.ndarray):
        omega = np.sqrt(q)[:, None] * self.xi
        Z = omega + np.sqrt(1 - q)[:, None] * self.noise
        return omega, Z

    def _posterior(self, q):
        """(q clipped, omega, moments) at diagonal overlaps q on the fixed outer nodes."""
        q = np.minimum(np.asarray(q, dtype=float), MAX_OVERLAP)
        omega, Z = self._sample(q)
        u = last_input(Z, skip=self.skip, beta=self.beta)
        return q, omega, self.posterior.moments(omega, u, np.diag(1 - q))

    def channel_terms(self, q) -> tuple[np.ndarray, float]:
        """E[sum_m g_lm^2] per layer at diagonal overlaps q, and the smallest effective
        number of inner nodes over the outer points.

        Two Nishimori-equivalent integrands estimate it: sum_m g_lm^2 (light-tailed where Q is
        small) and -sum_m dg_lm/domega_lm = sum_m (1/v_l - Cov[z_lm]/v_l^2) (bounded above by
        2/v_l, light-tailed where Q is large). Their mix with the variance-minimising weight on
        the same nodes is unbiased for any weight and better than either.
        """
        terms, _, ess = self._terms(*self._posterior(q))
        return terms, ess

    def instability(self, q) -> np.ndarray:
        """F_l = E || E[z_l z_l^T | y, omega] - I ||_F^2 per layer at diagonal overlaps q: for a
        layer with q_l = 0 the growth of q_l per unit alpha, alpha F_l q_l, near q_l = 0."""
        return self._instability(self._posterior(q)[2])

    def terms_and_instability(self, q) -> tuple[np.ndarray, np.ndarray]:
        """channel_terms(q)[0] and instability(q) from one posterior evaluation."""
        q, omega, moments = self._posterior(q)
        return self._terms(q, omega, moments)[0], self._instability(moments)

    @staticmethod
    def _terms(q, omega, moments) -> tuple[np.ndarray, np.ndarray, float]:
        """The channel terms, their standard errors over the outer nodes, the smallest ESS."""
        v = 1 - q
        squared = np.sum(((moments.mean - omega) / v[:, None]) ** 2, axis=-1)
        variance = np.einsum("kmll->kml", moments.token_covariance())
        slope = np.sum(1 / v - variance / v**2, axis=1)
        return *_mix(squared, slope), float(moments.effective_nodes.min())

    @staticmethod
    def _instability(moments) -> np.ndarray:
        deviation = moments.layer_second() - np.eye(TOKENS)
        return np.mean(np.sum(deviation**2, axis=(-2, -1)), axis=0)

    def solve(
        self, *, alpha: float, start: np.ndarray | None = None, progress: bool = False
    ) -> SEPoint:
        """Iteration (damped if the settings say so) from Q = start I or a given diagonal start.

        A layer below SMALL_OVERLAP follows the linearised map q_l -> alpha F_l q_l, so one step
        tells its fate: if the map lowers it, it decays to Q_l = 0 and is set to OVERLAP_FLOOR
        (the floor of an unlearned layer); if the map raises it from the floor, it grows, from
        `start`. Both only skip the slow geometric decay or escape near a threshold (the
        iterate reaches the same fixed point).

        Converged: the distance to the fixed point estimated from the contraction r of the last
        two steps, step r / (1 - r), is below tol relative to min(q, 1 - q) of every overlap;
        or, where r >= AITKEN_MAX_RATIO (a flat map, whose fixed point the outer nodes resolve
        only to their error over 1 - r), a step moved every overlap by less than
        NOISE_FRACTION of the map's standard error over the outer nodes (noise_limited: the
        distance still to go is then a tenth of the fixed point's own uncertainty). Not while
        a learned layer is below NOISE_MIN_OVERLAP: near a threshold the slow creep is the
        deterministic escape from or decay to Q = 0 on a smooth map.

        Extrapolation: where the last steps contract by one ratio, Aitken's extrapolation
        jumps to the limit of the geometric tail (the plain iteration then confirms it); where
        it contracts slowly, a Newton step in logit q, at most NEWTON_TRUST long (_newton).

        Coarse to fine: with coarse_levels, the same iteration first runs on 2^-coarse_levels
        of the outer nodes (a quarter by default), where a map is that much cheaper, for at
        most half of max_iter; the full set starts from where it stopped, and every stop rule
        above is applied again on the full set, so the fixed point is the full map's. Not from
        a noise-limited coarse stop: there the map is flat and the coarse fixed point lies
        about its error / (1 - r) away from the full one (Q_11 = 0.926 against 0.906 at
        alpha = 0.973), farther than the full iteration's own start; nor where the coarse
        iteration did not stop.
        """
        number(alpha, name="alpha", lo=0)
        coarse_iterations = 0
        if self.coarse is not None:
            rough = self.coarse.solve(alpha=alpha, start=start, progress=progress)
            coarse_iterations = rough.iterations
            if rough.converged and not rough.noise_limited:
                start = rough.q
        point = self._iterate(alpha, start, progress=progress)
        return replace(point, coarse_iterations=coarse_iterations)

    def _iterate(self, alpha: float, start: np.ndarray | None, *, progress: bool) -> SEPoint:
        s = self.settings
        q = np.full(self.layers, s.start) if start is None else np.asarray(start, float)
        q = np.clip(q, OVERLAP_FLOOR, MAX_OVERLAP)
        trail, remaining, ess = [q], np.inf, np.inf
        converged = recovered = noise_limited = False
        bar = tqdm(
            range(1, s.max_iter + 1), disable=not progress, desc=f"SE 2^{s.log2_outer}", unit="it"
        )
        for it in bar:
            previous = q
            q, q_hat, ess, error, jumped = self._step(q, alpha)
            rising = (q > trail[-1]) | (q >= MAX_OVERLAP)  # a clipped overlap cannot rise
            recovered = bool(np.all(1 - q < s.recovery_gap) and np.all(rising))
            trail = [q] if jumped else [*trail[-3:], q]
            remaining, contraction = _remaining(trail), _contraction(trail)
            bar.set_postfix(q=np.array2string(q, precision=4), remaining=f"{remaining:.1e}")
            converged = it >= s.min_iter and remaining < s.tol
            noise_limited = bool(
                it >= s.min_iter
                and not converged
                and contraction >= AITKEN_MAX_RATIO
                and np.all(q[q > SMALL_OVERLAP] >= NOISE_MIN_OVERLAP)
                and np.all(np.abs(q - trail[-2]) <= NOISE_FRACTION * error)
            )
            if converged or recovered or noise_limited:
                break
            if not s.extrapolate:
                continue
            limit = _aitken(trail)
            if limit is None and contraction >= AITKEN_MAX_RATIO and s.damping == 0:
                limit = self._newton(previous, q, alpha)
            if limit is not None:
                q, trail = limit, [limit]
        return SEPoint(
            alpha=alpha,
            q=q,
            q_hat=q_hat,
            converged=bool(converged or recovered or noise_limited),
            recovered=recovered,
            iterations=it,
            coarse_iterations=0,
            remaining=float(remaining),
            noise_limited=noise_limited,
            map_error=_relative_error(q, error),
            min_effective_nodes=ess,
        )

    def _step(self, q: np.ndarray, alpha: float):
        """One damped step with the linear-regime rules: (new q, Q_hat, ESS, the map's error,
        whether a rule moved a layer)."""
        s = self.settings
        target, q_hat, ess, error = self._map(q, alpha)
        new = (1 - s.damping) * target + s.damping * q
        small = new < SMALL_OVERLAP
        drop = small & (target < q) & (new > OVERLAP_FLOOR)
        kick = small & (target > q) & (q <= OVERLAP_FLOOR)
        new[drop], new[kick] = OVERLAP_FLOOR, s.start
        moved = bool(drop.any() or kick.any())
        return np.clip(new, OVERLAP_FLOOR, MAX_OVERLAP), q_hat, ess, error, moved

    def _map(self, q: np.ndarray, alpha: float):
        """The SE map itself: (Q_hat / (1 + Q_hat), Q_hat, ESS, the standard error of the new
        overlaps over the outer nodes) at diagonal overlaps q."""
        clipped, omega, moments = self._posterior(q)
        terms, error, ess = self._terms(clipped, omega, moments)
        q_hat = alpha * terms
        return q_hat / (1 + q_hat), q_hat, ess, alpha * error / (1 + q_hat) ** 2

    def _newton(self, q: np.ndarray, mapped: np.ndarray, alpha: float) -> np.ndarray | None:
        """Where the plain iteration contracts slowly (both layers near 1), one Newton step on
        logit T(q) - logit q = 0 over the learned layers, with a forward-difference Jacobian
        (one map per learned layer), no longer than NEWTON_TRUST in any layer, followed by one
        plain step from the Newton point. None near perfect recovery, and unless the Newton
        point keeps every learned layer learned and has a smaller residual than q (no jump
        onto another branch)."""
        live = q > SMALL_OVERLAP
        if not live.any() or np.any(q > 1 - self.settings.recovery_gap):
            return None  # near perfect recovery the recovered stop decides
        x = logit(q)
        residual = (logit(mapped) - x)[live]
        jacobian = np.empty((live.sum(), live.sum()))
        for column, layer in enumerate(np.flatnonzero(live)):
            shifted = x.copy()
            shifted[layer] += NEWTON_STEP
            moved = self._map(np.clip(expit(shifted), OVERLAP_FLOOR, MAX_OVERLAP), alpha)[0]
            jacobian[:, column] = ((logit(moved) - shifted)[live] - residual) / NEWTON_STEP
        try:
            step = np.linalg.solve(jacobian, residual)
        except np.linalg.LinAlgError:
            return None
        x[live] -= step * NEWTON_TRUST / max(np.max(np.abs(step)), NEWTON_TRUST)
        point = np.clip(expit(x), OVERLAP_FLOOR, MAX_OVERLAP)
        if not np.all(np.isfinite(point)) or np.any(point[live] < SMALL_OVERLAP):
            return None
        after = self._map(point, alpha)[0]
        if not np.max(np.abs(logit(after) - logit(point))[live]) < np.max(np.abs(residual)):
            return None
        return np.clip(after, OVERLAP_FLOOR, MAX_OVERLAP)

    def solve_curve(self, alphas, *, progress: bool = False) -> list[SEPoint]:
        """Fixed points along increasing alpha, each started from the one before. The SE map
        is monotone in Q and in alpha, so the iteration from the fixed point at a smaller
        alpha reaches the same fixed point as the one from the uninformed start."""
        alphas = np.asarray(alphas, dtype=float)
        if np.any(np.diff(alphas) <= 0):
            raise InputError("alphas must increase")
        points, start = [], None
        for alpha in tqdm(alphas, disable=not progress, desc="SE curve", unit="alpha"):
            point = self.solve(alpha=float(alpha), start=start)
            points.append(point)
            if point.converged:
                start = point.q
        return points

    def gen_error(self, q) -> float:
        """eps_g = E ||g(Z) - g(omega)||_F^2 of the plug-in predictor at diagonal overlaps q."""
        omega, Z = self._sample(np.minimum(np.asarray(q, dtype=float), 1.0))
        y = output(Z, skip=self.skip, beta=self.beta)
        y_hat = output(omega, skip=self.skip, beta=self.beta)
        return float(np.mean(np.sum((y - y_hat) ** 2, axis=(-2, -1))))


def _scale(q: np.ndarray) -> np.ndarray:
    """min(q, 1 - q): the scale against which steps and errors of an overlap are relative."""
    return np.minimum(q, 1 - q + 1e-12)


def _relative_steps(trail: list[np.ndarray]) -> np.ndarray:
    """Largest move of any overlap per step, relative to the smaller of q and 1 - q."""
    q = np.asarray(trail)
    scale = _scale(q[1:])
    return np.max(np.abs(np.diff(q, axis=0)) / scale, axis=1)


def _contraction(trail: list[np.ndarray]) -> float:
    """Ratio of the last relative step to the one before (0 with fewer than 3 iterates)."""
    if len(trail) < 3:
        return 0.0
    before, last = _relative_steps(trail[-3:])
    return last / before if before > 0 else 0.0


def _remaining(trail: list[np.ndarray]) -> float:
    """Distance to the fixed point, relative, estimated as step r / (1 - r) from the
    contraction r of the last two steps (inf when not contracting; 0 when at rest)."""
    if len(trail) < 3:
        return np.inf
    before, last = _relative_steps(trail[-3:])
    if last == 0:
        return 0.0
    if before == 0:
        return np.inf
    ratio = last / before
    return last * ratio / (1 - ratio) if ratio < 1 else np.inf


def _relative_error(q: np.ndarray, error: np.ndarray) -> float:
    """The map's standard error relative to min(q, 1 - q), largest over the learned layers
    (an unlearned layer sits at its floor, an exact fixed point)."""
    live = q > SMALL_OVERLAP
    if not live.any():
        return 0.0
    return float(np.max(error[live] / _scale(q[live])))


def _aitken(trail: list[np.ndarray]) -> np.ndarray | None:
    """Aitken's extrapolation of a geometrically converging sequence to its limit, per
    overlap, from the last three iterates; None unless every moving overlap has contracted
    by the same ratio r in (0, AITKEN_MAX_RATIO) (within 5%) over the last two steps, the
    signature of the slowest linear mode (elsewhere the plain iteration goes on)."""
    if len(trail) < 4:
        return None
    q = np.asarray(trail[-4:])
    delta = np.diff(q, axis=0)
    moving = np.abs(delta[-1]) > 0
    if not moving.any():
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = delta[1:, moving] / delta[:-1, moving]
    r = ratios[-1]
    if not (np.all((r > 0) & (r < AITKEN_MAX_RATIO)) and np.allclose(ratios[0], r, rtol=0.05)):
        return None
    limit = q[-1].copy()
    limit[moving] += delta[-1, moving] * r / (1 - r)
    return np.clip(limit, OVERLAP_FLOOR, MAX_OVERLAP)


def _mix(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means of lam a + (1 - lam) b with lam in [0, 1] minimising the variance, and
    their standard errors as if the rows were independent (for scrambled Sobol rows an
    overestimate: at Q = (0.893, 0.9989) the fixed point's map moves by about half of it
    between outer node sets)."""
    da, db = a - a.mean(axis=0), b - b.mean(axis=0)
    diff = np.mean((da - db) ** 2, axis=0)
    lam = np.divide(
        np.mean(db * (db - da), axis=0), diff, out=np.full(diff.shape, 0.5), where=diff > 0
    )
    lam = np.clip(lam, 0, 1)
    mixed = lam * a + (1 - lam) * b
    return mixed.mean(axis=0), mixed.std(axis=0) / np.sqrt(len(mixed))


def last_layer_only(q: np.ndarray) -> np.ndarray:
    """The overlaps with only the last layer learned: diag(0, ..., 0, Q_LL)."""
    out = np.zeros_like(np.asarray(q, dtype=float))
    out[-1] = q[-1]
    return out
