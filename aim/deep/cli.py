"""Command line of the deep wing: `aim deep se|thresholds|amp` (one state-evolution fixed point,
the weak-recovery thresholds, one GAMP run). Arguments are checked before any work."""

from __future__ import annotations

import argparse

import numpy as np

from aim.core.cli import key_value_lines
from aim.core.validation import MAX_SEED, check_memory, integer, number, seed

MAX_SKIP = 100.0
LOG2_OUTER_RANGE = (8, 20)


def _model(p: argparse.ArgumentParser) -> None:
    p.add_argument("--layers", type=int, default=2, help="rank-one attention layers L (2 or 3)")
    p.add_argument("--skip", type=float, default=1.0, help="skip strength c (default 1)")
    p.add_argument("--beta", type=float, default=1.0, help="inverse temperature (default 1)")
    p.add_argument("--points", type=int, default=33, help="inner grid points per axis (L = 2)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def add_commands(sub) -> None:
    """The wing's subcommands, on the subparsers of `aim deep`."""
    lo, hi = LOG2_OUTER_RANGE
    se = sub.add_parser("se", help="Bayes-optimal state evolution at one alpha")
    _model(se)
    se.add_argument("--alpha", type=float, required=True, help="samples per dimension n/d")
    se.add_argument("--log2-outer", type=int, default=12, help=f"outer nodes 2^k, k in {lo}..{hi}")
    se.add_argument(
        "--damping", type=float, default=0.0, help="weight of the old iterate (the map is monotone)"
    )
    se.add_argument("--max-iter", type=int, default=600)
    th = sub.add_parser("thresholds", help="weak-recovery thresholds per layer")
    _model(th)
    th.add_argument("--log2-outer", type=int, default=16, help=f"outer nodes 2^k, k in {lo}..{hi}")
    amp = sub.add_parser("amp", help="one GAMP run on a random teacher")
    _model(amp)
    amp.add_argument("--alpha", type=float, required=True, help="samples per dimension n/d")
    amp.add_argument("--d", type=int, required=True, help="token dimension")
    amp.add_argument(
        "--seed", type=int, default=0, help=f"seed of teacher, data, start (0..{MAX_SEED})"
    )
    amp.add_argument("--damping", type=float, default=0.3, help="weight of the old g and A")
    amp.add_argument("--max-iter", type=int, default=100)
    amp.add_argument(
        "--tol", type=float, default=1e-5, help="stop when W_hat moves less (relative)"
    )


def _arg(name: str) -> str:
    return f"argument --{name.replace('_', '-')}"


def validate(args: argparse.Namespace) -> None:
    """Every argument checked before any computation; the error names it."""
    integer(args.layers, name=_arg("layers"), lo=2, hi=3)
    number(args.skip, name=_arg("skip"), lo=0, hi=MAX_SKIP)
    number(args.beta, name=_arg("beta"), lo=0, hi=50, lo_open=True)
    integer(args.points, name=_arg("points"), lo=9, hi=1001)
    if args.command in ("se", "thresholds"):
        integer(
            args.log2_outer, name=_arg("log2_outer"), lo=LOG2_OUTER_RANGE[0], hi=LOG2_OUTER_RANGE[1]
        )
    if args.command in ("se", "amp"):
        number(args.alpha, name=_arg("alpha"), lo=0, hi=1e4, lo_open=True)
        number(args.damping, name=_arg("damping"), lo=0, hi=1, hi_open=True)
        integer(args.max_iter, name=_arg("max_iter"), lo=1)
    if args.command == "amp":
        integer(args.d, name=_arg("d"), lo=10)
        seed(args.seed, name=_arg("seed"))
        number(args.tol, name=_arg("tol"), lo=0, lo_open=True)
        from aim.deep.amp import memory_mb, sequences

        n = sequences(alpha=args.alpha, d=args.d)
        check_memory(
            memory_mb(n=n, d=args.d),
            name=f"arguments --alpha/--d (n = {n} sequences, d = {args.d})",
            what="GAMP",
        )


def _quadrature(args):
    from aim.deep.posterior import InnerQuadrature

    return InnerQuadrature(points=args.points)


def run_se(args: argparse.Namespace) -> dict:
    from aim.deep.state_evolution import SESettings, StateEvolution, last_layer_only

    settings = SESettings(log2_outer=args.log2_outer, damping=args.damping, max_iter=args.max_iter)
    se = StateEvolution(
        layers=args.layers,
        skip=args.skip,
        beta=args.beta,
        settings=settings,
        quadrature=_quadrature(args),
    )
    point = se.solve(alpha=args.alpha, progress=not args.json)
    return {
        "layers": args.layers,
        "skip": args.skip,
        "beta": args.beta,
        "alpha": args.alpha,
        "Q": np.diag(point.q).tolist(),
        "Q_hat": np.diag(point.q_hat).tolist(),
        "gen_error": se.gen_error(point.q),
        "gen_error_last_layer": se.gen_error(last_layer_only(point.q)),
        "converged": point.converged,
        "recovered": point.recovered,
        "iterations": point.iterations,
        "remaining": point.remaining,
        "min_effective_nodes": point.min_effective_nodes,
        "start": settings.start,
        "log2_outer": args.log2_outer,
    }


def run_thresholds(args: argparse.Namespace) -> dict:
    from aim.deep.thresholds import JENSEN_BOUND, thresholds

    found = thresholds(
        layers=args.layers,
        skip=args.skip,
        beta=args.beta,
        log2_outer=args.log2_outer,
        quadrature=_quadrature(args),
    )
    return {
        "layers": args.layers,
        "skip": args.skip,
        "beta": args.beta,
        "alpha_weak": found.alpha_weak.tolist(),
        "alpha_first_layer_conditional": found.alpha_first_layer_conditional,
        "alpha_conditional": found.alpha_conditional.tolist(),
        "last_layer_overlap_at_conditional": found.last_layer_overlap.tolist(),
        "jensen_bound": JENSEN_BOUND,
        "log2_outer": args.log2_outer,
    }


def run_amp(args: argparse.Namespace) -> dict:
    from aim.deep.amp import GAMPSettings, run_gamp

    result = run_gamp(
        layers=args.layers,
        skip=args.skip,
        beta=args.beta,
        alpha=args.alpha,
        d=args.d,
        seed=args.seed,
        settings=GAMPSettings(damping=args.damping, tol=args.tol, max_iter=args.max_iter),
        quadrature=_quadrature(args),
        progress=not args.json,
    )
    return {
        "layers": args.layers,
        "skip": args.skip,
        "beta": args.beta,
        "alpha": args.alpha,
        "d": args.d,
        "seed": args.seed,
        "overlap": result.overlap[-1].tolist(),
        "overlap_over_teacher_norm": (np.diag(result.overlap[-1]) / result.teacher_norm).tolist(),
        "Q": result.self_overlap[-1].tolist(),
        "cosine": result.cosine[-1].tolist(),
        "gen_error": result.gen_error[-1],
        "iterations": result.iterations,
        "converged": result.converged,
        "last_step": result.step[-1],
        "min_effective_nodes": result.min_effective_nodes,
        "cosine_per_iteration": [c.tolist() for c in result.cosine],
        "gen_error_per_iteration": result.gen_error,
    }


RUNNERS = {"se": run_se, "thresholds": run_thresholds, "amp": run_amp}


def summary(result: dict) -> str:
    return key_value_lines({k: v for k, v in result.items() if not k.endswith("per_iteration")})
