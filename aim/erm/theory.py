"""ERM state-evolution curves and threshold tables as annotated datasets: one pipeline job
each."""

from __future__ import annotations

import numpy as np
import xarray as xr

from aim.core.io import annotate, with_metadata
from aim.core.spectral import (
    learned_spectrum,
    support,
    teacher_eigenvalue_density,
    teacher_top,
    upper_bulk_mass,
)
from aim.erm import PAPER, thresholds
from aim.erm import output as output_side
from aim.erm.prior import Spectrum
from aim.erm.state_evolution import (
    MAX_UNCONVERGED_NODES,
    RESIDUAL_TOL,
    ErmModel,
    StateEvolution,
    solve_curve,
)
from aim.erm.thresholds import interpolation
from aim.erm.vocabulary import THEORY_ATTRS, THRESHOLD_ATTRS

PHASES = ("finite", "interpolating", "zero", "perfect")
FIELDS = (
    "q",
    "m",
    "sigma",
    "q_hat",
    "m_hat",
    "sigma_hat",
    "test_error",
    "train_loss",
    "mse",
    "rank",
    "residual",
    "evaluations",
    "unconverged_nodes",
    "branches",
)


def theory_curve(*, alpha, model: ErmModel, progress=None) -> xr.Dataset:
    """The fixed points of `model` on the alpha grid (the lowest-train-loss branch), every
    point with its convergence flag and residual; the interpolation threshold when
    lambda -> 0+ (factorized)."""
    points = solve_curve(model, alpha, progress=progress)
    data = {name: ("alpha", np.array([getattr(p, name) for p in points])) for name in FIELDS}
    data |= _spectrum_fields(model, points)
    data["converged"] = ("alpha", np.array([p.converged for p in points], dtype=np.int8))
    data["phase"] = ("alpha", np.array([PHASES.index(p.phase) for p in points], dtype=np.int8))
    ds = xr.Dataset(data, coords={"alpha": [p.alpha for p in points]})
    ds = ds.assign_coords(alpha_bar=("alpha", [model.alpha_bar(p.alpha) for p in points]))
    ds = ds.assign_coords(kappa0=model.kappa0, noise=model.noise, lam=model.lam, T=model.T)
    if model.noise > 0 and model.parameterisation == "factorized":
        threshold = interpolation(kappa0=model.kappa0, noise=model.noise)
        ds["alpha_interp"] = threshold.alpha_bar / model.alpha_bar(1.0)
    ds = with_metadata(ds, THEORY_ATTRS)
    annotate(
        ds,
        paper=PAPER,
        title=(
            f"ERM state evolution ({model.parameterisation}), kappa0 = {model.kappa0:g}, "
            f"Delta = {model.noise:g}, lambda_t = {model.lam:g}, T = {model.T}"
        ),
        parameters={"alpha": list(map(float, ds.alpha.values))} | vars(model),
        settings={
            "sobol_seed": output_side.NODE_SEED,
            "log2_nodes": model.log2_nodes,
            "test_log2_nodes": model.log2_nodes + output_side.TEST_NODES_LOG2_FACTOR,
            "tie_width": output_side.TIE_WIDTH,
            "residual_tol": RESIDUAL_TOL,
            "max_unconverged_nodes": MAX_UNCONVERGED_NODES,
            "branch_search": "continuations up and down the grid, lowest train loss kept",
        },
    )
    return ds


def _spectrum_fields(model: ErmModel, points) -> dict:
    """delta, eps, eta of the eigenvalue law at every point that has one, and the mass of its
    upper bulk once the support of mu_delta has split (NaN before)."""
    se = StateEvolution(model)
    laws = [se.spectrum(p) for p in points]
    law = np.array([tuple(s) if s else (np.nan,) * 3 for s in laws])
    upper = [upper_bulk_mass(noise_std=s.delta, rho=model.kappa0) if s else None for s in laws]
    fields = {name: ("alpha", law[:, i]) for i, name in enumerate(Spectrum._fields)}
    fields["upper_bulk"] = ("alpha", np.array([np.nan if u is None else u for u in upper]))
    return fields


def spectrum_density(*, alpha: float, model: ErmModel, points: int = 400) -> xr.Dataset:
    """The law of the singular values s of W / (p d)^(1/4) (s^2 the eigenvalues of S_hat)
    at one alpha: an atom at 0 and a density on a grid up to the top of the support; and the
    target's (W0 / (r d)^(1/4)) for comparison. A factorized model only."""
    if model.parameterisation != "factorized":
        raise ValueError("the learned spectrum is computed for the factorized model")
    (point,) = solve_curve(model, [alpha])
    law = StateEvolution(model).spectrum(point)
    if law is None:
        raise ValueError(f"no eigenvalue law at alpha = {alpha} (phase {point.phase})")
    top = support(delta=law.delta**2, rho=model.kappa0)[-1][1]
    s_max = 1.05 * np.sqrt(max(law.eta * (top - law.eps), teacher_top(model.kappa0)))
    s = np.linspace(0, s_max, points + 1)[1:]
    atom, density = learned_spectrum(
        s**2, eps=law.eps, eta=law.eta, noise_std=law.delta, rho=model.kappa0
    )
    ds = xr.Dataset(
        {
            "density": ("s", 2 * s * density),
            "teacher_density": ("s", 2 * s * teacher_eigenvalue_density(s**2, rho=model.kappa0)),
            "atom": atom,
            "teacher_atom": max(0.0, 1 - model.kappa0),
            "converged": np.int8(point.converged),
            **{name: getattr(law, name) for name in Spectrum._fields},
            "test_error": point.test_error,
        },
        coords={"s": s},
    )
    ds = ds.assign_coords(alpha=alpha, kappa0=model.kappa0, noise=model.noise, lam=model.lam)
    ds = with_metadata(ds, THEORY_ATTRS)
    annotate(
        ds,
        paper=PAPER,
        title=f"learned singular-value law, alpha = {alpha:g}, lambda_t = {model.lam:g}",
        parameters={"alpha": alpha} | vars(model),
    )
    return ds


def threshold_table(*, kappa0_unit: list[float], kappa0: list[float], noise: list[float]):
    """The thresholds against kappa0, as one annotated dataset: on kappa0_unit (in (0, 1))
    those of the paper's Fig. 3 (perfect recovery direct and factorized, interpolation as
    Delta -> 0, Bayes-optimal); on kappa0 the interpolation threshold at every label noise in
    `noise` (0: the closed form). A threshold the root search could not bracket is NaN and
    flagged."""
    unit = np.asarray(kappa0_unit, float)
    grid = np.asarray(kappa0, float)
    interp = np.full((len(noise), grid.size), np.nan)
    delta = np.full_like(interp, np.nan)
    for i, nz in enumerate(noise):
        for j, k in enumerate(grid):
            try:
                interp[i, j], delta[i, j] = interpolation(kappa0=k, noise=nz)
            except ValueError:
                pass
    ds = xr.Dataset(
        {
            "alpha_bar_perfect_factorized": (
                "kappa0_unit",
                [thresholds.perfect_recovery_factorized(kappa0=k) for k in unit],
            ),
            "alpha_bar_interp_noiseless": (
                "kappa0_unit",
                [thresholds.interpolation_noiseless(kappa0=k) for k in unit],
            ),
            "alpha_bar_bayes": ("kappa0_unit", [thresholds.bayes_optimal(kappa0=k) for k in unit]),
            "alpha_bar_perfect_direct": thresholds.PERFECT_RECOVERY_DIRECT,
            # the paper's reference width, quoted by the caption whatever the grid
            "pr_factorized_at_half": thresholds.perfect_recovery_factorized(kappa0=0.5),
            "interp_noiseless_at_half": thresholds.interpolation_noiseless(kappa0=0.5),
            "alpha_bar_interp": (("noise", "kappa0"), interp),
            "delta_bar": (("noise", "kappa0"), delta),
            "found": (("noise", "kappa0"), np.isfinite(interp).astype(np.int8)),
        },
        coords={"kappa0_unit": unit, "kappa0": grid, "noise": np.asarray(noise, float)},
    )
    ds = with_metadata(ds, THRESHOLD_ATTRS)
    annotate(
        ds,
        paper=PAPER,
        title="ERM thresholds against the teacher width kappa0",
        parameters={"kappa0_unit": unit.tolist(), "kappa0": grid.tolist(), "noise": noise},
    )
    return ds
