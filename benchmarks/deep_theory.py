"""Benchmark: the deep-attention theory on one core (L = 2, c = 1 unless said).

Run: python benchmarks/deep_theory.py [--points 48] [--skips 16] [--only se|gamp|thresholds]
[--coarse-levels 2] (pins BLAS/OpenMP to one thread itself)

1. An SE curve of `points` alpha values in 0.05..1.6, each started from the fixed point
   before it (targets: under 5 minutes, every point converged); --coarse-levels 0 runs it
   without the coarse start.
2. GAMP at d = 1000, alpha = 1.2: seconds per iteration over a 40-iteration run (target:
   under 1 s; the authors' per-sample adaptive quadrature with finite differences needs
   minutes per iteration on many cores).
3. The thresholds (alpha_weak per layer, the conditional first-layer threshold) over
   `skips` values of c in 0..4.
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from aim.deep.amp import GAMPSettings, run_gamp  # noqa: E402
from aim.deep.state_evolution import SESettings, StateEvolution  # noqa: E402
from aim.deep.thresholds import thresholds  # noqa: E402


def se_curve(points: int, coarse_levels: int) -> None:
    se = StateEvolution(layers=2, skip=1.0, settings=SESettings(coarse_levels=coarse_levels))
    start = time.perf_counter()
    solved = se.solve_curve(np.linspace(0.05, 1.6, points))
    seconds = time.perf_counter() - start
    iterations = sum(p.iterations for p in solved)
    coarse = sum(p.coarse_iterations for p in solved)
    bad = [round(p.alpha, 3) for p in solved if not p.converged]
    print(
        f"SE curve, {points} points, coarse_levels = {coarse_levels}: {seconds:.1f} s, "
        f"{iterations} iterations on the full node set and {coarse} on the coarse one"
    )
    print(f"  not converged at alpha = {bad}" if bad else "  every point converged")
    for p in solved:
        flag = " recovered" if p.recovered else " noise-limited" if p.noise_limited else ""
        print(
            f"  alpha {p.alpha:.3f}: Q = {np.round(p.q, 4)} "
            f"({p.iterations} + {p.coarse_iterations} coarse it){flag}"
        )


def gamp_iteration() -> None:
    start = time.perf_counter()
    result = run_gamp(
        layers=2, skip=1.0, alpha=1.2, d=1000, seed=0, settings=GAMPSettings(max_iter=40)
    )
    seconds = time.perf_counter() - start
    print(f"GAMP d = 1000, alpha = 1.2: {seconds / result.iterations:.3f} s per iteration")
    print(f"  final |overlap| = {np.round(np.abs(np.diag(result.overlap[-1])), 3)}")


def threshold_curve(count: int) -> None:
    start = time.perf_counter()
    rows = [thresholds(layers=2, skip=c) for c in np.linspace(0, 4, count)]
    seconds = time.perf_counter() - start
    print(f"thresholds at {count} values of c: {seconds:.1f} s")
    for t in rows:
        print(
            f"  c = {t.skip:.3f}: alpha_weak = {np.round(t.alpha_weak, 4)}, "
            f"conditional = {t.alpha_first_layer_conditional:.4f} "
            f"(at Q_22 = {t.last_layer_overlap[0]:.4f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=48)
    parser.add_argument("--skips", type=int, default=16)
    parser.add_argument("--only", choices=("se", "gamp", "thresholds"))
    parser.add_argument("--coarse-levels", type=int, default=SESettings().coarse_levels)
    args = parser.parse_args()
    if args.only in (None, "gamp"):
        gamp_iteration()
    if args.only in (None, "thresholds"):
        threshold_curve(args.skips)
    if args.only in (None, "se"):
        se_curve(args.points, args.coarse_levels)


if __name__ == "__main__":
    main()
