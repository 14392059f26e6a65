"""Benchmark: R ERM runs batched against the same runs one at a time.

Run: python benchmarks/erm_runs.py [--runs 64] [--d 100] [--alpha 0.5] [--device cuda]
(one torch thread on CPU). kappa0 = 0.5, Delta = 0.5, lambda_t = 0.01: reports the wall time
of each way, the throughput ratio, the steps to the stopping rule, and checks that both give
the same test errors (float32: to 1e-4).
"""

import argparse
import time

import numpy as np
import torch

from aim.core.erm_training import AdamSettings, ErmTask, run_seeds, train_erm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=64)
    parser.add_argument("--d", type=int, default=100)
    parser.add_argument("--alpha", type=float, default=0.5)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    args = parser.parse_args()
    if args.device == "cpu":
        torch.set_num_threads(1)
    task = ErmTask(d=args.d, alpha=args.alpha, kappa0=0.5, noise=0.5)
    settings = AdamSettings(device=args.device)
    seeds, inits = run_seeds(seed=0, runs=args.runs)
    start = time.perf_counter()
    batch = train_erm(
        task,
        seeds=seeds,
        lam=[0.01] * args.runs,
        init_seeds=inits,
        settings=settings,
        progress=False,
    )
    batched = time.perf_counter() - start
    start = time.perf_counter()
    alone = [
        train_erm(task, seeds=[s], lam=[0.01], init_seeds=[i], settings=settings, progress=False)
        for s, i in zip(seeds, inits)
    ]
    separate = time.perf_counter() - start
    errors = np.array([a.test_error[0] for a in alone])
    print(f"{args.runs} runs, d = {args.d}, alpha = {args.alpha}, n = {task.n}, {args.device}")
    print(f"batched   {batched:8.1f} s")
    print(f"separate  {separate:8.1f} s   ratio {separate / batched:.2f}x")
    print(
        f"steps to the stopping rule: {batch.steps.min()}..{batch.steps.max()}, "
        f"stopped {int(batch.stopped.sum())} of {args.runs}"
    )
    print(
        f"largest test-error difference batch vs separate: "
        f"{np.abs(errors - batch.test_error).max():.1e}"
    )


if __name__ == "__main__":
    main()
