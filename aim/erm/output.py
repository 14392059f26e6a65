"""Output side of the ERM state evolution: the Moreau envelope of the softmax square loss.

A sample's T x T attention indices are D h for h in R^L, L = T (T + 1) / 2, where D puts h on
the upper triangle of a symmetric matrix and multiplies the diagonal by sqrt(2). Row-wise
softmax cannot see the one direction of h that shifts every entry of D h equally, so the
loss lives on its L - 1 dimensional complement; the expectations are 2 (L - 1) dimensional
Gaussian integrals (student and teacher coordinates), taken on fixed scrambled Sobol nodes
so that the fixed-point map is a smooth, deterministic function of the order parameters.

The proximal point of every node is found at once by a modified Newton method (Cholesky
where the Hessian is positive definite, absolute eigenvalues elsewhere, Armijo backtracking).
The problem is not convex: a large student far from its label can have two or three minima,
one per choice of which rows fit their label. Newton starts from each such choice (the
student's own point z, the interpolating point, and the mixes in between) and the lowest
envelope wins; near-ties are weighted smoothly (TIE_WIDTH).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.linalg import null_space
from scipy.special import ndtri
from scipy.stats import qmc

from aim.core.tokens import linear_observations

NODE_SEED = 2509_24914  # the Sobol scrambling: part of every result's provenance
LOG2_NODES = 14
TEST_NODES_LOG2_FACTOR = 4  # the test error has no proximal problem: 16 times more nodes


@dataclass(frozen=True, kw_only=True)
class Geometry:
    """The map D restricted to the loss-visible coordinates: attention indices
    (T, T, N) = tensordot(D, h) for h in R^(L - 1) x N, the complement of the shift.
    Arrays keep the node axis last, so that the many reductions over T run contiguously."""

    T: int
    D: np.ndarray  # (T, T, K), K = L - 1

    @property
    def dim(self) -> int:
        return self.D.shape[-1]

    @property
    def D_flat(self) -> np.ndarray:
        return self.D.reshape(self.T * self.T, self.dim)

    @property
    def DD_flat(self) -> np.ndarray:
        """D_abk D_abl as (K^2, T^2): the pull-back of a diagonal Hessian."""
        return np.einsum("xk,xl->klx", self.D_flat, self.D_flat).reshape(-1, self.T**2)


@lru_cache(maxsize=8)
def geometry(T: int) -> Geometry:
    rows, cols = np.triu_indices(T)
    index = np.arange(rows.size)
    full = np.zeros((T, T, rows.size))
    full[rows, cols, index] = full[cols, rows, index] = np.where(rows == cols, np.sqrt(2.0), 1.0)
    shift = np.where(rows == cols, 1 / np.sqrt(2.0), 1.0)  # D shift = the all-ones matrix
    D = full @ null_space(shift[None, :])
    D.flags.writeable = False
    return Geometry(T=T, D=D)


@lru_cache(maxsize=8)
def row_fit_projectors(T: int) -> tuple[np.ndarray, ...]:
    """For each set A of rows, the projector P_A (K, K) such that z + P_A (x - z) is the point
    nearest z whose rows in A have the logit differences of x: the starts of the proximal
    search (A = {} is z itself, A = all rows the interpolating point; in between, the mixed
    minima where some rows fit their label and others stay on a plateau). All 2^T sets for
    T <= 3; for larger T the single rows and their complements."""
    geo = geometry(T)
    if T <= 3:
        sets = [[a for a in range(T) if mask >> a & 1] for mask in range(2**T)]
    else:
        sets = [[], list(range(T))]
        sets += [[a] for a in range(T)] + [[b for b in range(T) if b != a] for a in range(T)]
    projectors = []
    for rows in sets:
        C = np.concatenate([geo.D[a, 1:] - geo.D[a, :1] for a in rows]) if rows else None
        P = np.zeros((geo.dim, geo.dim)) if C is None else C.T @ np.linalg.pinv(C @ C.T) @ C
        P.flags.writeable = False
        projectors.append(P)
    return tuple(projectors)


def search_starts(z: np.ndarray, fit: np.ndarray, *, T: int) -> list[np.ndarray]:
    """The starts z + P_A (fit - z) of the proximal search, fit the interpolating point."""
    return [z + P @ (fit - z) for P in row_fit_projectors(T)]


@lru_cache(maxsize=8)
def gaussian_nodes(*, T: int, log2_nodes: int = LOG2_NODES, seed: int = NODE_SEED):
    """Standard normal nodes (xi, u), each (L - 1, 2^log2_nodes): the student's and the
    teacher's coordinates, from one scrambled Sobol sequence. Equal weights."""
    dim = linear_observations(T)
    sobol = qmc.Sobol(d=2 * dim, scramble=True, seed=seed)
    points = ndtri(sobol.random_base2(log2_nodes)).T
    xi, u = np.ascontiguousarray(points[:dim]), np.ascontiguousarray(points[dim:])
    xi.flags.writeable = u.flags.writeable = False
    return xi, u


def attention(h: np.ndarray, geo: Geometry) -> np.ndarray:
    """(K, N) coordinates -> (T, T, N) attention indices."""
    return (geo.D_flat @ h).reshape(geo.T, geo.T, -1)


def labels(h: np.ndarray, geo: Geometry, *, beta: float) -> np.ndarray:
    """Row-wise softmax_beta of the attention indices D h: (T, T, N), rows along axis 1."""
    u = beta * attention(h, geo)
    e = np.exp(u - u.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def square_loss(h: np.ndarray, y: np.ndarray, geo: Geometry, *, beta: float) -> np.ndarray:
    """||y - softmax_beta(D h)||_F^2 per node."""
    return np.sum((y - labels(h, geo, beta=beta)) ** 2, axis=(0, 1))


def loss_derivatives(h: np.ndarray, y: np.ndarray, geo: Geometry, *, beta: float):
    """Loss (N,), gradient (K, N) and Hessian (K, K, N) of the square loss in h.

    Per row u of D h, with s = softmax(beta u), r = y - s, t = r - r.s: ds/du = A =
    beta (diag s - s s^T), grad_u = -2 A r = -2 beta s t, and the Hessian
    2 A A - 2 sum_b r_b d^2 s_b = 2 beta^2 (diag v - v s^T - s v^T + |s|^2 s s^T), v = s (s - t),
    pulled back through D with p_x[a] = sum_b x_ab D_ab (a K-vector per row and node)."""
    T, K = geo.T, geo.dim
    s = labels(h, geo, beta=beta)
    r = y - s
    t = r - np.sum(r * s, axis=1, keepdims=True)
    v = s * (s - t)
    grad = -2 * beta * (geo.D_flat.T @ (s * t).reshape(T * T, -1))
    hess = (geo.DD_flat @ v.reshape(T * T, -1)).reshape(K, K, -1)
    for a in range(T):
        p_s, p_v = geo.D[a].T @ s[a], geo.D[a].T @ v[a]
        hess += p_s[:, None] * (np.sum(s[a] ** 2, axis=0) * p_s - p_v)[None]
        hess -= p_v[:, None] * p_s[None]
    return np.sum(r * r, axis=(0, 1)), grad, 2 * beta**2 * hess


@dataclass(frozen=True)
class Prox:
    """Proximal points h (K, N), envelope values (N,), and which nodes converged."""

    h: np.ndarray
    value: np.ndarray
    converged: np.ndarray


MAX_STEP = 1.0  # a Newton step longer than this leaves the region where softmax is quadratic
TOL = 1e-9  # a Newton step this short is taken and ends the search: the error left is ~TOL^2


def envelope(h, z, y, geo: Geometry, *, sigma: float, beta: float) -> np.ndarray:
    """||h - z||^2 / (2 sigma) + ||y - softmax_beta(D h)||^2 per node."""
    return np.sum((h - z) ** 2, axis=0) / (2 * sigma) + square_loss(h, y, geo, beta=beta)


def _newton_direction(grad: np.ndarray, hess: np.ndarray, *, floor: float):
    """-H^-1 g where H is positive definite (Cholesky succeeds: the common case near a
    minimum), else with the eigenvalues of H replaced by max(|lambda|, floor)."""
    H, g = hess.transpose(2, 0, 1), grad.T[..., None]
    try:
        np.linalg.cholesky(H)
        return -np.linalg.solve(H, g)[..., 0].T, np.ones(g.shape[0], bool)
    except np.linalg.LinAlgError:
        lam, vec = np.linalg.eigh(H)
        coef = (g.transpose(0, 2, 1) @ vec)[:, 0] / np.maximum(np.abs(lam), floor)
        return -(vec @ coef[..., None])[..., 0].T, lam[:, 0] > 0


def _newton(h, z, y, geo, *, sigma, beta, max_iter) -> Prox:
    """Backtracking (Armijo) modified Newton from h, over the nodes still moving."""
    h = h.copy()
    value = envelope(h, z, y, geo, sigma=sigma, beta=beta)
    converged = np.zeros(h.shape[1], bool)
    for _ in range(max_iter):
        active = np.flatnonzero(~converged)
        if active.size == 0:
            break
        ha, za, ya = h[:, active], z[:, active], y[..., active]
        _, grad, hess = loss_derivatives(ha, ya, geo, beta=beta)
        grad += (ha - za) / sigma
        hess += np.eye(geo.dim)[..., None] / sigma
        step, convex = _newton_direction(grad, hess, floor=1e-3 / sigma)
        length = np.sqrt(np.sum(step**2, axis=0))
        step *= np.minimum(1.0, MAX_STEP / np.maximum(length, 1e-300))
        slope = np.sum(grad * step, axis=0)
        t = np.ones(active.size)
        pending = np.arange(active.size)
        for _ in range(40):
            trial = ha[:, pending] + t[pending] * step[:, pending]
            v = envelope(trial, za[:, pending], ya[..., pending], geo, sigma=sigma, beta=beta)
            # a step this short changes the value below its rounding: take it as it is
            ok = (v <= value[active[pending]] + 1e-4 * t[pending] * slope[pending]) | (
                length[pending] < 1e-6
            )
            h[:, active[pending[ok]]], value[active[pending[ok]]] = trial[:, ok], v[ok]
            t[pending[~ok]] *= 0.5
            pending = pending[~ok]
            if pending.size == 0:
                break
        converged[active[(length < TOL) & convex]] = True
    return Prox(h, value, converged)


# Tie width in envelope value: wide enough that a node changing basin moves the hats
# smoothly (the fixed-point map's roughness, measured at lambda -> 0+, alpha = 0.28, is
# lowest near 3e-4: narrower lets ties jump, wider lets appearing basins jump), narrow
# enough that the hats move by less than the nodes' own error (a test checks it).
TIE_WIDTH = 3e-4


def tie_weights(values: np.ndarray) -> np.ndarray:
    """Weights of the runs (R, N) per node: 1 on the lowest envelope value; with a tie
    width tau > 0, softmax(-value / tau), so that a node changing basin moves the hats
    continuously."""
    low = values.min(axis=0)
    if TIE_WIDTH == 0:
        return (values == low) / np.sum(values == low, axis=0)
    e = np.exp(-(values - low) / TIE_WIDTH)
    return e / e.sum(axis=0)


def _distinct_tracks(runs: list[Prox]) -> list[np.ndarray]:
    """Per track, the nodes where it ended apart from every lower track (1e-6): only there
    does a warm evaluation run it again."""
    alive = []
    for i, run in enumerate(runs):
        keep = np.isfinite(run.value)
        for other in runs[:i]:
            keep &= ~(np.isfinite(other.value) & (np.abs(run.h - other.h).max(axis=0) < 1e-6))
        alive.append(keep)
    return alive


def lowest(runs: list[Prox]) -> Prox:
    """Per node, the run with the lowest envelope value."""
    best = runs[0]
    for run in runs[1:]:
        keep = best.value <= run.value
        best = Prox(
            np.where(keep, best.h, run.h),
            np.where(keep, best.value, run.value),
            np.where(keep, best.converged, run.converged),
        )
    return best


def proximal_points(
    z: np.ndarray,
    y: np.ndarray,
    starts: list[np.ndarray],
    geo: Geometry,
    *,
    sigma: float,
    beta: float,
    max_iter: int = 100,
) -> Prox:
    """argmin_h ||h - z||^2 / (2 sigma) + ||y - softmax_beta(D h)||^2 for every node (z and
    each start (K, N), y (T, T, N)): the best of Newton runs from the given starts."""
    return lowest(
        [_newton(h, z, y, geo, sigma=sigma, beta=beta, max_iter=max_iter) for h in starts]
    )


@dataclass(frozen=True)
class Nodes:
    """The Gaussian variables at every node (K, N), for overlaps (q, m) out of
    Q0 + noise / 2: student z, noisy teacher w (its labels), E[noiseless teacher | z, w]."""

    z: np.ndarray
    w: np.ndarray
    teacher_mean: np.ndarray


def nodes_at(*, q: float, m: float, Q0: float, noise: float, T: int, log2_nodes: int) -> Nodes:
    """The Gaussian variables on the fixed Sobol nodes (see coordinates)."""
    xi, u = gaussian_nodes(T=T, log2_nodes=log2_nodes)
    return coordinates(xi, u, q=q, m=m, Q0=Q0, noise=noise)


def coordinates(xi, u, *, q: float, m: float, Q0: float, noise: float) -> Nodes:
    """Per coordinate, (z*, z) ~ N(0, [[Q0, m], [m, q]]), w = z* + zeta, zeta ~ N(0, noise/2),
    from standard normals xi, u: z = sqrt(q) xi, w = (m / sqrt(q)) xi + s u with
    s^2 = Q0 + noise/2 - m^2/q, and E[z* | xi, u] = w - (noise / (2 s)) u."""
    slope = m / np.sqrt(q) if q > 0 else 0.0
    s2 = Q0 + noise / 2 - slope**2
    if s2 < -1e-12:
        raise ValueError(f"overlaps out of range: m^2 / q = {slope**2:g} > Q0 + noise/2")
    s = np.sqrt(max(s2, 0.0))
    w = slope * xi + s * u
    shrink = noise / (2 * s) if noise > 0 else 0.0
    return Nodes(np.sqrt(q) * xi, w, w - shrink * u)


@dataclass(frozen=True)
class OutputSide:
    """The output side's conjugate overlaps at sample ratio alpha, the expected Moreau
    envelope M, and the fraction of nodes whose proximal point did not converge."""

    q_hat: float
    m_hat: float
    sigma_hat: float
    envelope: float
    unconverged: float


class MoreauOutput:
    """The output side of one problem (T, beta, beta0, noise, Q0) on fixed nodes.

    Newton runs on one track per search start (search_starts) and the lowest envelope wins
    per node. `search=True` starts every track cold: the global search, a function of the
    overlaps alone. `search=False` restarts each track from where it ended last time, and
    only where it had not merged with a lower track: a few Newton steps instead of many, for
    the nearby evaluations of a root solver, whose answer the caller confirms with a search."""

    def __init__(
        self,
        *,
        T: int,
        beta: float,
        beta0: float,
        noise: float,
        Q0: float,
        log2_nodes: int = LOG2_NODES,
    ) -> None:
        self.T, self.beta, self.beta0, self.noise, self.Q0 = T, beta, beta0, noise, Q0
        self.log2_nodes = log2_nodes
        self.geometry = geometry(T)
        self._tracks: list[np.ndarray] | None = None
        self._alive: list[np.ndarray] = []

    def _run(self, h, alive, z, y, sigma) -> Prox:
        """Newton from h on the nodes where this track is alive; elsewhere it is a copy of
        a lower track and takes no part (value +inf)."""
        idx = np.flatnonzero(alive)
        run = _newton(
            h[:, idx],
            z[:, idx],
            y[..., idx],
            self.geometry,
            sigma=sigma,
            beta=self.beta,
            max_iter=100,
        )
        out_h, value = h.copy(), np.full(h.shape[1], np.inf)
        converged = np.ones(h.shape[1], bool)
        out_h[:, idx], value[idx], converged[idx] = run.h, run.value, run.converged
        return Prox(out_h, value, converged)

    def _nodes(self, *, q: float, m: float) -> tuple[Nodes, np.ndarray]:
        at = nodes_at(q=q, m=m, Q0=self.Q0, noise=self.noise, T=self.T, log2_nodes=self.log2_nodes)
        return at, labels(at.w, self.geometry, beta=self.beta0)

    def __call__(
        self, *, alpha: float, q: float, m: float, sigma: float, search: bool = True
    ) -> OutputSide:
        """q_hat = 2 alpha E ||h* - z||^2 / sigma^2,
        m_hat = 2 alpha E (h* - z).(q z* - m z) / (sigma (Q0 q - m^2)),
        sigma_hat = -2 alpha E (h* - z).(Q0 z - m z*) / (sigma (Q0 q - m^2)),
        M = E min_h ||h - z||^2 / (2 sigma) + ||Y - softmax_beta(D h)||^2."""
        at, y = self._nodes(q=q, m=m)
        if search or self._tracks is None:
            self._tracks = search_starts(at.z, (self.beta0 / self.beta) * at.w, T=self.T)
            self._alive = [np.ones(at.z.shape[1], bool) for _ in self._tracks]
        runs = [self._run(h, alive, at.z, y, sigma) for h, alive in zip(self._tracks, self._alive)]
        self._tracks = [run.h for run in runs]
        self._alive = _distinct_tracks(runs)
        prox = lowest(runs)
        # one weight per distinct minimum: a basin reached by two tracks counts once
        values = np.stack([np.where(a, run.value, np.inf) for a, run in zip(self._alive, runs)])
        weights = tie_weights(values)
        shifts = np.stack([run.h for run in runs]) - at.z
        det = self.Q0 * q - m * m

        def mean(integrand):  # over the runs' weights and the nodes
            return float(np.mean(np.sum(weights * np.sum(integrand, axis=1), axis=0)))

        return OutputSide(
            q_hat=2 * alpha * mean(shifts**2) / sigma**2,
            m_hat=2 * alpha * mean(shifts * (q * at.teacher_mean - m * at.z)) / (sigma * det),
            sigma_hat=-2
            * alpha
            * mean(shifts * (self.Q0 * at.z - m * at.teacher_mean))
            / (sigma * det),
            envelope=float(np.mean(prox.value)),
            unconverged=float(np.mean(~prox.converged)),
        )

    def zero_student(self, *, alpha: float) -> OutputSide:
        """The limit sigma -> 0 at q = m = 0 (the student S = 0): with g = grad of the loss
        at h = 0, q_hat = 2 alpha E |g|^2, m_hat = -2 alpha E g.w / (Q0 + noise/2) (Stein's
        lemma on E g.(q z* - m z) / (Q0 q - m^2)), sigma_hat = 2 alpha E tr Hess."""
        at, y = self._nodes(q=0.0, m=0.0)
        loss, grad, hess = loss_derivatives(at.z, y, self.geometry, beta=self.beta)
        return OutputSide(
            q_hat=2 * alpha * float(np.mean(np.sum(grad**2, axis=0))),
            m_hat=-2
            * alpha
            * float(np.mean(np.sum(grad * at.w, axis=0)))
            / (self.Q0 + self.noise / 2),
            sigma_hat=2 * alpha * float(np.mean(np.trace(hess))),
            envelope=float(np.mean(loss)),
            unconverged=0.0,
        )

    def test_error(self, *, q: float, m: float) -> float:
        """E ||softmax_beta0(D w) - softmax_beta(D z)||_F^2, against noisy test labels, on
        2^TEST_NODES_LOG2_FACTOR times more nodes than the proximal side (no minimisation here)."""
        at = nodes_at(
            q=q,
            m=m,
            Q0=self.Q0,
            noise=self.noise,
            T=self.T,
            log2_nodes=self.log2_nodes + TEST_NODES_LOG2_FACTOR,
        )
        y = labels(at.w, self.geometry, beta=self.beta0)
        return float(np.mean(square_loss(at.z, y, self.geometry, beta=self.beta)))


def output_side(
    *,
    alpha: float,
    q: float,
    m: float,
    sigma: float,
    Q0: float,
    noise: float,
    T: int,
    beta: float,
    beta0: float,
    log2_nodes: int = LOG2_NODES,
) -> OutputSide:
    """One output-side evaluation with the global search (see MoreauOutput)."""
    model = MoreauOutput(T=T, beta=beta, beta0=beta0, noise=noise, Q0=Q0, log2_nodes=log2_nodes)
    return model(alpha=alpha, q=q, m=m, sigma=sigma)
