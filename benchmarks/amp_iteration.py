"""Benchmark: one GAMP-RIE iteration, token contractions vs materialised sensing matrices.

    python benchmarks/amp_iteration.py            # d = 60 (both forms), d = 100 alpha = 2.7,
                                                  # d = 400 alpha = 1.5 (n = 240,000; ~2 GB)

Runs on one BLAS thread. Each case runs in its own process so that peak memory (the
process's maximum resident set, minus the size after imports) belongs to that case alone.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

CASES = [
    {"d": 60, "alpha": 0.5, "sensing": "dense"},
    {"d": 60, "alpha": 0.5, "sensing": "token"},
    {"d": 100, "alpha": 2.7, "sensing": "token"},
    {"d": 400, "alpha": 1.5, "sensing": "token", "iterations": 3},
]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def run_case(d: int, alpha: float, sensing: str, iterations: int = 5) -> dict:
    import numpy as np

    from aim.bayes.amp import AmpSettings, DenseSensing, TokenSensing, gamp_rie
    from aim.bayes.channels import Hardmax
    from aim.core.spectral import mmse_S
    from aim.core.tokens import sample_problem

    mmse_S(delta=1.0, rho=0.5)  # warm the imports before the baseline
    baseline = _peak_mb()
    channel = Hardmax(variant="exact")
    teacher, x, y = sample_problem(channel, d=d, alpha=alpha, rho=0.5, seed=0)
    start = time.perf_counter()
    operator = DenseSensing(x) if sensing == "dense" else TokenSensing(x)
    setup = time.perf_counter() - start
    settings = AmpSettings(max_iter=iterations, tol=1e-300)
    start = time.perf_counter()
    result = gamp_rie(
        x, y, channel, rho=0.5, settings=settings, teacher=teacher, progress=False, sensing=operator
    )
    per_iteration = (time.perf_counter() - start) / result.iterations
    return {
        "d": d,
        "alpha": alpha,
        "n": int(x.shape[0]),
        "sensing": sensing,
        "setup_s": setup,
        "seconds_per_iteration": per_iteration,
        "peak_mb_above_imports": _peak_mb() - baseline,
        "peak_mb_total": _peak_mb(),
        "mse_after": float(result.mse),
        "finite": bool(np.isfinite(result.mse)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case is not None:
        print(json.dumps(run_case(**CASES[args.case])))
        return
    rows = []
    for index in range(len(CASES)):
        out = subprocess.run(
            [sys.executable, __file__, "--case", str(index)],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(out.stdout))
        r = rows[-1]
        print(
            f"d={r['d']:4d} alpha={r['alpha']:<4} n={r['n']:6d} {r['sensing']:5s}: "
            f"{r['seconds_per_iteration']:.4f} s/iteration, "
            f"peak {r['peak_mb_above_imports']:.0f} MB above imports "
            f"({r['peak_mb_total']:.0f} MB in all)"
        )
    dense, token = rows[0], rows[1]
    print(
        f"d = 60: {dense['seconds_per_iteration'] / token['seconds_per_iteration']:.0f}x faster, "
        f"{dense['peak_mb_above_imports'] / max(token['peak_mb_above_imports'], 1):.0f}x less "
        "peak memory than the materialised form"
    )


if __name__ == "__main__":
    main()
