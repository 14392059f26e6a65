"""ERM state evolution of a tied single-head attention layer (arXiv:2509.24914, sec. 3):
six order parameters (q, m, sigma) of the student and (q_hat, m_hat, sigma_hat) conjugate.

The fixed point is a root of x -> log(output(prior(exp x))) - x over x = log(hats), solved
by MINPACK's hybrid method (scipy `root`) with the Jacobian carried along a continuation
in alpha; the output side warm-starts its proximal points from the previous evaluation,
and every converged point is confirmed by one evaluation with the global proximal search.

Four phases are solved in closed form where the general equations degenerate:
- the zero student (factorized, lambda > 0, tiny alpha): S = 0 is a fixed point when the
  threshold eps = 2 lambda / m_hat lies above the whole spectrum of mu_delta;
- interpolation (factorized, lambda -> 0+, alpha_bar below alpha_bar_interp): the hats
  vanish like lambda and sigma diverges, with delta and eps finite; the proximal point is
  then the interpolating one and the fixed point reduces to two spectral equations,
      4 alpha_bar delta = dJ/ddelta,   Q0 + noise/2 = J - (delta/2) dJ/ddelta - eps dJ/deps,
  with q = c^2 J, m = c (J - (delta/2) dJ/ddelta - (eps/2) dJ/deps), c = beta0 / beta;
- perfect recovery (factorized, lambda -> 0+, noiseless, alpha_bar past its threshold):
  the student is c S0;
- otherwise the general equations (lambda -> 0+ above alpha_interp is eps = 0).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np
from scipy.optimize import brentq, root

from aim.core.spectral import support, threshold_functionals
from aim.core.tokens import linear_observations
from aim.core.validation import integer, number, width_ratio
from aim.erm import PARAMETERISATIONS
from aim.erm.output import LOG2_NODES, MoreauOutput
from aim.erm.prior import PRIORS, PriorSide, Spectrum, factorized_spectrum
from aim.erm.thresholds import (
    interpolating_noise,
    interpolation,
    perfect_recovery_factorized,
)

# On log(hats). Node doubling moves log(hats) by 1e-4 (lambda = 0.01) to 1e-2 (lambda -> 0+ near the
# interpolation threshold): a root to 1e-5 is finer than the quadrature everywhere.
RESIDUAL_TOL = 1e-5
MAX_ROUNDS = 4
FD_STEP = 1e-4
MAX_UNCONVERGED_NODES = 1e-4  # fraction of nodes whose proximal point may stay unconverged
MAX_LOG_HAT = 60.0  # |log hat| beyond this: no fixed point of the ERM problem lives there


@dataclass(frozen=True, kw_only=True)
class ErmModel:
    """The learning problem: teacher width kappa0, label noise Delta, penalty lambda_t
    (0 means lambda -> 0+), T tokens, temperatures of student (beta) and teacher (beta0)."""

    kappa0: float
    noise: float = 0.0
    lam: float = 0.0
    T: int = 2
    beta: float = 1.0
    beta0: float = 1.0
    parameterisation: str = "factorized"
    log2_nodes: int = LOG2_NODES

    def __post_init__(self) -> None:
        width_ratio(self.kappa0, name="kappa0")
        number(self.noise, name="noise", lo=0)
        number(self.lam, name="lam", lo=0)
        integer(self.T, name="T", lo=2)
        number(self.beta, name="beta", lo=0, lo_open=True)
        number(self.beta0, name="beta0", lo=0, lo_open=True)
        integer(self.log2_nodes, name="log2_nodes", lo=1, hi=30)
        if self.parameterisation not in PARAMETERISATIONS:
            raise ValueError(f"parameterisation must be one of {PARAMETERISATIONS}")
        if self.parameterisation == "direct" and self.lam == 0:
            raise ValueError("the direct parameterisation needs lambda > 0")

    @property
    def Q0(self) -> float:
        return 1.0 + self.kappa0

    def alpha_bar(self, alpha: float) -> float:
        return alpha * linear_observations(self.T)


@dataclass(frozen=True, kw_only=True)
class ErmPoint:
    """One fixed point and its observables. `phase` is finite, interpolating, zero or perfect."""

    alpha: float
    q: float
    m: float
    sigma: float
    q_hat: float
    m_hat: float
    sigma_hat: float
    test_error: float
    train_loss: float
    mse: float
    rank: float
    converged: bool
    residual: float
    evaluations: int
    unconverged_nodes: float
    phase: str
    branches: int = 1

    def as_dict(self) -> dict:
        """Plain Python numbers (numpy scalars become floats, bools and ints)."""
        return {k: getattr(v, "item", lambda v=v: v)() for k, v in asdict(self).items()}


class StateEvolution:
    """Fixed points of one ErmModel, point by point or along an alpha grid."""

    def __init__(self, model: ErmModel) -> None:
        self.model = model
        self.output = MoreauOutput(
            T=model.T,
            beta=model.beta,
            beta0=model.beta0,
            noise=model.noise,
            Q0=model.Q0,
            log2_nodes=model.log2_nodes,
        )
        self._prior = PRIORS[model.parameterisation]
        self._jacobian: np.ndarray | None = None

    def prior(self, hats: np.ndarray) -> PriorSide:
        q_hat, m_hat, sigma_hat = hats
        return self._prior(
            q_hat=q_hat,
            m_hat=m_hat,
            sigma_hat=sigma_hat,
            lam=self.model.lam,
            kappa0=self.model.kappa0,
        )

    def _map(self, x: np.ndarray, *, alpha: float, search: bool):
        prior = self.prior(np.exp(x))
        out = self.output(alpha=alpha, q=prior.q, m=prior.m, sigma=prior.sigma, search=search)
        return prior, out, np.log([out.q_hat, out.m_hat, out.sigma_hat])

    def _residual(self, alpha: float):
        def residual(x):
            if np.max(np.abs(x)) > MAX_LOG_HAT:
                return np.full(3, 1e3)  # out of the domain: the trust region shrinks
            try:
                with np.errstate(all="ignore"):
                    _, _, new = self._map(x, alpha=alpha, search=False)
            except (ValueError, RuntimeError):
                return np.full(3, 1e3)
            return new - x if np.all(np.isfinite(new)) else np.full(3, 1e3)

        return residual

    def _jacobian_callback(self, residual):
        calls = {"n": 0}

        def jacobian(x):
            calls["n"] += 1
            if calls["n"] == 1 and self._jacobian is not None:
                return self._jacobian
            base, step = residual(x), FD_STEP
            return np.stack([(residual(x + step * e) - base) / step for e in np.eye(3)], 1)

        return jacobian

    def solve(self, *, alpha: float, start: np.ndarray | None = None) -> ErmPoint:
        """The fixed point at alpha from start (log hats; default: a cold guess)."""
        special = self._special_phase(alpha)
        if special is not None:
            return special
        x = self._cold_start(alpha) if start is None else np.asarray(start, float)
        evaluations = 0
        if start is None:  # far from the root: damped iteration until hybr's model holds
            x, used = self._damped(x, alpha=alpha)
            evaluations += used
        for _ in range(MAX_ROUNDS):  # solve on tracked proximal points, confirm by a search
            counted = _Counted(self._residual(alpha))
            sol = root(
                counted,
                x,
                method="hybr",
                jac=self._jacobian_callback(counted),
                options={"xtol": 1e-10},
            )
            evaluations += counted.calls + 1
            x = sol.x
            if np.all(np.isfinite(sol.r)):
                R = np.zeros((3, 3))
                R[np.triu_indices(3)] = sol.r
                self._jacobian = sol.fjac.T @ R
            prior, out, new = self._map(x, alpha=alpha, search=True)
            found = (x, prior, out, float(np.max(np.abs(new - x))))
            if found[-1] < RESIDUAL_TOL:
                break
            x, used = self._damped(x, alpha=alpha)  # then a fresh Jacobian
            evaluations += used
            self._jacobian = None
        return self._point(alpha, *found, evaluations)

    def _damped(self, x, *, alpha: float, tol: float = 1e-2, max_iter: int = 60):
        """Damped iteration (half steps in log hats) until the step falls below tol."""
        residual = self._residual(alpha)
        for it in range(1, max_iter + 1):
            step = residual(x)
            if np.max(np.abs(step)) >= 1e3:  # left the domain: stay where we were
                return x, it
            x = x + 0.5 * step
            if np.max(np.abs(step)) < tol:
                return x, it
        return x, max_iter

    def _point(self, alpha, x, prior, out, residual, evaluations) -> ErmPoint:
        hats = np.exp(x)
        train = (
            (hats[0] * prior.sigma + 2 * hats[1] * prior.m - hats[2] * prior.q) / 4
            + alpha * out.envelope
            + prior.value
        )
        return ErmPoint(
            alpha=alpha,
            q=prior.q,
            m=prior.m,
            sigma=prior.sigma,
            q_hat=hats[0],
            m_hat=hats[1],
            sigma_hat=hats[2],
            test_error=self.output.test_error(q=prior.q, m=prior.m),
            train_loss=float(train),
            mse=self.model.Q0 - 2 * prior.m + prior.q,
            rank=prior.rank,
            # a negative training loss cannot be the minimum of a sum of squares and
            # penalties: a root of the discretised map that is not a fixed point
            converged=residual < RESIDUAL_TOL
            and out.unconverged <= MAX_UNCONVERGED_NODES
            and train >= 0,
            residual=residual,
            evaluations=evaluations,
            unconverged_nodes=out.unconverged,
            phase="finite",
        )

    def _cold_start(self, alpha: float) -> np.ndarray:
        """Factorized, below the interpolation threshold: the lambda -> 0+ asymptote (delta and
        eps of the interpolating point, eta = beta0 / beta, m_hat = 2 lambda / eps). Just
        above it at lambda = 0: the threshold's state (delta_bar, eta) at sigma = 1000.
        Elsewhere: the hats of a student with a quarter of the teacher's overlap, sigma = 1."""
        model = self.model
        eta = model.beta0 / model.beta
        if model.parameterisation == "factorized":
            threshold = interpolation(kappa0=model.kappa0, noise=model.noise)
            below = model.alpha_bar(alpha) < threshold.alpha_bar
            if model.noise == 0:  # noiseless: interpolators are exact from alpha_bar_PR on
                below &= model.alpha_bar(alpha) < perfect_recovery_factorized(kappa0=model.kappa0)
            if below and model.lam > 0:
                delta, eps = self._interpolating_state(model.alpha_bar(alpha))
                m_hat = 2 * model.lam / eps
                return np.log([(delta * m_hat) ** 2, m_hat, m_hat / eta])
            if (
                model.noise > 0
                and model.lam == 0
                and model.alpha_bar(alpha) < 1.5 * threshold.alpha_bar
            ):
                delta = threshold.delta_bar
                f = threshold_functionals(eps=0.0, noise_std=delta, rho=model.kappa0)
                scale = f.dJ_ddelta * eta / (2 * delta * 1000.0)
                return np.log([(delta * eta * scale) ** 2, eta * scale, scale])
        out = self.output(alpha=alpha, q=0.3 * model.Q0, m=0.25 * model.Q0, sigma=1.0)
        return np.log([out.q_hat, out.m_hat, out.sigma_hat])

    def spectrum(self, point: ErmPoint) -> Spectrum | None:
        """(delta, eps, eta) of the estimate's eigenvalue law at a factorized point that has
        one (finite or interpolating); None otherwise."""
        if self.model.parameterisation != "factorized":
            return None
        if point.phase == "finite" and point.m_hat > 0:
            hats = {k: getattr(point, k) for k in ("q_hat", "m_hat", "sigma_hat")}
            return factorized_spectrum(**hats, lam=self.model.lam)
        if point.phase == "interpolating":
            delta, eps = self._interpolating_state(self.model.alpha_bar(point.alpha))
            return Spectrum(delta, eps, self.model.beta0 / self.model.beta)
        return None

    def _special_phase(self, alpha: float) -> ErmPoint | None:
        if self.model.parameterisation != "factorized":
            return None
        if self.model.lam == 0:
            # noiseless: exact from alpha_bar_PR on, below the Delta -> 0 interpolation limit
            return self._perfect(alpha) or self._interpolating(alpha)
        return self._zero_student(alpha)

    def _perfect(self, alpha: float) -> ErmPoint | None:
        """Noiseless labels, lambda -> 0+, past perfect recovery: the minimum-nuclear-norm
        interpolator is the teacher (times beta0 / beta), every error 0."""
        model = self.model
        if model.noise > 0 or model.alpha_bar(alpha) < perfect_recovery_factorized(
            kappa0=model.kappa0
        ):
            return None
        c = model.beta0 / model.beta
        q, m = c**2 * model.Q0, c * model.Q0
        return self._interpolator(alpha, q=q, m=m, rank=min(model.kappa0, 1.0), phase="perfect")

    def _interpolator(self, alpha, *, q, m, rank, phase, residual=0.0) -> ErmPoint:
        """A lambda -> 0+ student with zero train loss: hats 0, sigma infinite."""
        return ErmPoint(
            alpha=alpha,
            q=q,
            m=m,
            sigma=math.inf,
            q_hat=0.0,
            m_hat=0.0,
            sigma_hat=0.0,
            test_error=self.output.test_error(q=q, m=m),
            train_loss=0.0,
            mse=self.model.Q0 - 2 * m + q,
            rank=rank,
            converged=residual < RESIDUAL_TOL,
            residual=residual,
            evaluations=0,
            unconverged_nodes=0.0,
            phase=phase,
        )

    def _zero_student(self, alpha: float) -> ErmPoint | None:
        out = self.output.zero_student(alpha=alpha)
        delta, eps = math.sqrt(out.q_hat) / out.m_hat, 2 * self.model.lam / out.m_hat
        if out.m_hat <= 0 or eps < support(delta=delta**2, rho=self.model.kappa0)[-1][1]:
            return None
        return ErmPoint(
            alpha=alpha,
            q=0.0,
            m=0.0,
            sigma=0.0,
            q_hat=out.q_hat,
            m_hat=out.m_hat,
            sigma_hat=out.sigma_hat,
            test_error=self.output.test_error(q=0.0, m=0.0),
            train_loss=alpha * out.envelope,
            mse=self.model.Q0,
            rank=0.0,
            converged=True,
            residual=0.0,
            evaluations=1,
            unconverged_nodes=0.0,
            phase="zero",
        )

    def _interpolating_state(self, alpha_bar: float) -> tuple[float, float]:
        """(delta, eps) of the interpolating lambda -> 0+ student below the threshold: eps
        solves alpha_bar(eps) = alpha_bar, which falls from alpha_bar_interp at eps = 0."""
        model = self.model

        def excess(eps):
            state = interpolating_noise(kappa0=model.kappa0, noise=model.noise, eps=eps)
            return state.alpha_bar - alpha_bar

        hi = 1.0
        while excess(hi) > 0:
            hi *= 2
        eps = brentq(excess, 0.0, hi, xtol=1e-13, rtol=1e-13)
        return interpolating_noise(kappa0=model.kappa0, noise=model.noise, eps=eps).delta_bar, eps

    def _interpolating(self, alpha: float) -> ErmPoint | None:
        """The lambda -> 0+ fixed point below alpha_interp, or None above it."""
        model = self.model
        alpha_bar = model.alpha_bar(alpha)
        if alpha_bar >= interpolation(kappa0=model.kappa0, noise=model.noise).alpha_bar:
            return None
        delta, eps = self._interpolating_state(alpha_bar)
        f = threshold_functionals(eps=eps, noise_std=delta, rho=model.kappa0)
        c = model.beta0 / model.beta
        q = c**2 * f.J
        m = c * (f.J - delta * f.dJ_ddelta / 2 - eps * f.dJ_deps / 2)
        residual = abs(f.dJ_ddelta / (4 * delta) - alpha_bar)
        return self._interpolator(
            alpha, q=q, m=m, rank=1 - f.cdf, phase="interpolating", residual=residual
        )


class _Counted:
    def __init__(self, func) -> None:
        self.func, self.calls = func, 0

    def __call__(self, x):
        self.calls += 1
        return self.func(x)


def _log_hats(point: ErmPoint) -> np.ndarray | None:
    if point.phase != "finite" or not point.converged:
        return None
    return np.log([point.q_hat, point.m_hat, point.sigma_hat])


def sweep(se: StateEvolution, alphas, progress=None) -> list[ErmPoint]:
    """Continuation along alphas (in the given order): each solve starts from the previous
    converged point's hats, extrapolated linearly in log alpha from the two before."""
    points: list[ErmPoint] = []
    for alpha in alphas:
        known = [(p.alpha, _log_hats(p)) for p in points[-2:] if _log_hats(p) is not None]
        start = None
        if len(known) == 2:
            (a0, x0), (a1, x1) = known
            start = x1 + (x1 - x0) * math.log(alpha / a1) / math.log(a1 / a0)
        elif known:
            start = known[-1][1]
        points.append(se.solve(alpha=alpha, start=start))
        if progress is not None:
            progress.update()
    return points


def _distinct(a: ErmPoint, b: ErmPoint) -> bool:
    # differences below the quadrature's own error are one branch reached twice
    return abs(a.test_error - b.test_error) > 1e-4


def solve_curve(model: ErmModel, alphas, *, progress=None) -> list[ErmPoint]:
    """Fixed points along alphas, with the lowest-train-loss branch where several exist.

    Two continuations, one up and one down the grid (each on its own solver, warm starts
    and carried Jacobian), find the branches that meet at a first-order jump; at every
    alpha the converged point with the lowest train loss is kept (the lower residual if
    neither converged), and `branches` counts the distinct converged fixed points met."""
    alphas = np.sort(np.unique(np.asarray(alphas, dtype=float)))
    up = sweep(StateEvolution(model), alphas, progress)
    down = sweep(StateEvolution(model), alphas[::-1], progress)[::-1]
    chosen = []
    for a, b in zip(up, down):
        found = [p for p in (a, b) if p.converged]
        if not found:
            chosen.append(min((a, b), key=lambda p: p.residual))
            continue
        best = min(found, key=lambda p: p.train_loss)
        branches = 2 if len(found) == 2 and _distinct(a, b) else 1
        chosen.append(replace(best, branches=branches))
    return chosen
