"""Benchmark: ERM state-evolution curves (kappa0 = 0.5, Delta = 0.5, T = 2) on one core.

Run: python benchmarks/erm_curves.py [--points 128] [--one-sweep]
(pins BLAS/OpenMP to one thread itself)

1. lambda_t = 0.01, `points` log-spaced alpha in 0.02..60; 2. lambda -> 0+, `points / 2`
alpha in 0.025..0.5 across the interpolation threshold. Each curve is continued up and
down the grid (the lowest-train-loss branch); --one-sweep times the upward continuation
only. Target: under 2 minutes per curve, every point converged.
3. One output-side evaluation (2^14 Sobol nodes, every proximal point by batched Newton)
against the authors' approach, one scipy.optimize.minimize per Monte Carlo sample: the
per-sample time times the number of samples whose Monte Carlo error of q_hat equals the
Sobol error (measured against 2^18 nodes).
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy.optimize import minimize  # noqa: E402

from aim.erm import output  # noqa: E402
from aim.erm.state_evolution import ErmModel, StateEvolution, solve_curve, sweep  # noqa: E402

PAPER = {"kappa0": 0.5, "noise": 0.5}
POINT = {"q": 1.466, "m": 1.382, "sigma": 2.298}  # near the alpha = 0.5 fixed point


def _curve(lam: float, alphas: np.ndarray, one_sweep: bool) -> None:
    model = ErmModel(**PAPER, lam=lam)
    start = time.perf_counter()
    points = sweep(StateEvolution(model), alphas) if one_sweep else solve_curve(model, alphas)
    seconds = time.perf_counter() - start
    bad = [p.alpha for p in points if not p.converged]
    evaluations = sum(p.evaluations for p in points)
    print(
        f"lambda_t = {lam:g}: {len(alphas)} points in {seconds:6.1f} s, "
        f"{evaluations} output evaluations, unconverged: {bad or 'none'}"
    )
    peak = max(points, key=lambda p: p.test_error)
    print(
        f"  test error {points[0].test_error:.4f} .. {points[-1].test_error:.4f}, "
        f"peak {peak.test_error:.4f} at alpha = {peak.alpha:.4f} ({peak.phase})"
    )


def _output_side_ratio() -> None:
    kwargs = dict(alpha=0.5, Q0=1.5, noise=0.5, T=2, beta=1.0, beta0=1.0, **POINT)
    start = time.perf_counter()
    ours = output.output_side(**kwargs)
    ours_s = time.perf_counter() - start
    fine = output.output_side(**kwargs, log2_nodes=18)
    sobol_error = abs(ours.q_hat - fine.q_hat) / fine.q_hat

    geo = output.geometry(2)
    rng = np.random.default_rng(0)
    xi, u = rng.standard_normal((2, 2, 200))  # Monte Carlo samples, as the authors draw them
    at = output.coordinates(xi, u, q=POINT["q"], m=POINT["m"], Q0=1.5, noise=0.5)
    z, y = at.z, output.labels(at.w, geo, beta=1.0)
    start = time.perf_counter()
    shifts = []
    for i in range(z.shape[1]):

        def envelope(h, i=i):
            return output.envelope(
                h[:, None], z[:, i : i + 1], y[..., i : i + 1], geo, sigma=POINT["sigma"], beta=1.0
            )[0]

        shifts.append(minimize(envelope, z[:, i], method="BFGS").x - z[:, i])
    per_sample = (time.perf_counter() - start) / z.shape[1]
    values = np.sum(np.square(shifts), axis=1)
    relative_sd = values.std() / values.mean()  # Monte Carlo error of q_hat: this / sqrt(n)
    samples = (relative_sd / sobol_error) ** 2
    print(
        f"output side: ours {ours_s:.3f} s (2^14 nodes, q_hat error {sobol_error:.1e} vs 2^18); "
        f"per-sample scipy {per_sample * 1e3:.2f} ms, {samples:.3g} samples for that error "
        f"-> {per_sample * samples:.1f} s, ratio {per_sample * samples / ours_s:.0f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=128)
    parser.add_argument("--one-sweep", action="store_true")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    _output_side_ratio()
    _curve(0.01, np.geomspace(0.02, 60, args.points), args.one_sweep)
    _curve(0.0, np.linspace(0.025, 0.5, args.points // 2), args.one_sweep)


if __name__ == "__main__":
    main()
