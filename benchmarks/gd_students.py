"""Benchmark: K students trained in one batched tensor vs K separate runs.

    python benchmarks/gd_students.py [--device cuda] [--threads 1]

Same data, seeds and settings (d = 100, T = 2, alpha = 0.1, 200 Adam steps, K = 32);
reports wall time and the throughput ratio (student-steps per second).
"""

from __future__ import annotations

import argparse
import time

import torch

from aim.bayes.channels import Softmax
from aim.core.tokens import sample_problem
from aim.core.training import GdSettings, init_seeds_for, train_students


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--students", type=int, default=32)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--d", type=int, default=100)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    teacher, x, y = sample_problem(Softmax(T=2), d=args.d, alpha=0.1, rho=0.5, seed=0)
    seeds = init_seeds_for(seed=0, students=args.students)
    settings = GdSettings(steps=args.steps, device=args.device)
    train_students(
        x,
        y,
        teacher,
        rho=0.5,
        init_seeds=seeds[:1],
        settings=GdSettings(steps=5, device=args.device),
        progress=False,
    )

    start = time.perf_counter()
    batched = train_students(
        x, y, teacher, rho=0.5, init_seeds=seeds, settings=settings, progress=False
    )
    t_batched = time.perf_counter() - start
    start = time.perf_counter()
    separate = [
        train_students(x, y, teacher, rho=0.5, init_seeds=[s], settings=settings, progress=False)
        for s in seeds
    ]
    t_separate = time.perf_counter() - start

    gap = max(abs(b - s.single_mse[0]) for b, s in zip(batched.single_mse, separate))
    print(
        f"{args.device}, {args.threads} thread(s), d={args.d}, n={x.shape[0]}, "
        f"K={args.students}, {args.steps} steps"
    )
    print(f"  batched:  {t_batched:.2f} s")
    print(f"  separate: {t_separate:.2f} s")
    print(f"  throughput ratio: {t_separate / t_batched:.1f}x (max single-error gap {gap:.1e})")


if __name__ == "__main__":
    main()
