"""Command line of the deep wing: `aim deep se|thresholds|amp|sgd|trec` (one state-evolution
fixed point, the weak-recovery thresholds, one GAMP run, batched SGD runs on the teacher, the
TREC experiment). Arguments are checked before any work."""

from __future__ import annotations

import argparse

import numpy as np

from aim.core.cli import check_settings, key_value_lines
from aim.core.validation import MAX_SEED, check_memory, integer, number, seed

MAX_SKIP = 100.0
LOG2_OUTER_RANGE = (8, 20)


def _model(p: argparse.ArgumentParser) -> None:
    p.add_argument("--layers", type=int, default=2, help="rank-one attention layers L (2 or 3)")
    p.add_argument("--skip", type=float, default=1.0, help="skip strength c (default 1)")
    p.add_argument("--beta", type=float, default=1.0, help="inverse temperature (default 1)")
    p.add_argument("--points", type=int, default=33, help="inner grid points per axis (L = 2)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _training(p: argparse.ArgumentParser, *, runs: int, epochs: int) -> None:
    p.add_argument("--runs", type=int, default=runs, help=f"runs trained as one batch ({runs})")
    p.add_argument("--epochs", type=int, default=epochs, help=f"epochs ({epochs})")
    p.add_argument("--seed", type=int, default=0, help=f"seed of the draw (0..{MAX_SEED})")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--dtype", default="float32", help="float32 or float64")
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
    sgd = sub.add_parser("sgd", help="mini-batch SGD of R students, each on its own teacher")
    sgd.add_argument("--layers", type=int, default=2, help="rank-one attention layers L (2 or 3)")
    sgd.add_argument("--skip", type=float, default=1.0, help="skip strength c (default 1)")
    sgd.add_argument("--beta", type=float, default=1.0, help="inverse temperature (default 1)")
    sgd.add_argument("--alpha", type=float, required=True, help="samples per dimension n/d")
    sgd.add_argument("--d", type=int, required=True, help="token dimension")
    sgd.add_argument("--lr", type=float, default=15.0, help="learning rate (15)")
    sgd.add_argument("--batch", type=int, default=200, help="mini-batch size (200)")
    sgd.add_argument("--weight-decay", type=float, default=0.07, help="times 1/d (0.07)")
    sgd.add_argument("--test-every", type=int, default=10, help="epochs between test errors")
    _training(sgd, runs=8, epochs=1700)
    trec = sub.add_parser("trec", help="two attention layers on TREC questions, R runs")
    trec.add_argument("--train", required=True, help="train_5500.label")
    trec.add_argument("--test", required=True, help="TREC_10.label")
    trec.add_argument("--lr", type=float, default=5e-5, help="AdamW learning rate (5e-5)")
    trec.add_argument("--records-per-epoch", type=int, default=4)
    _training(trec, runs=8, epochs=40)


def _arg(name: str) -> str:
    return f"argument --{name.replace('_', '-')}"


def validate(args: argparse.Namespace) -> None:
    """Every argument checked before any computation; the error names it."""
    if args.command in ("sgd", "trec"):
        _validate_training(args)
        return
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
        from aim.deep.amp import memory_mb
        from aim.deep.problem import sequences

        n = sequences(alpha=args.alpha, d=args.d)
        check_memory(
            memory_mb(n=n, d=args.d),
            name=f"arguments --alpha/--d (n = {n} sequences, d = {args.d})",
            what="GAMP",
        )


def _validate_training(args: argparse.Namespace) -> None:
    integer(args.runs, name=_arg("runs"), lo=1, hi=1024)
    seed(args.seed, name=_arg("seed"))
    common = dict(epochs=args.epochs, device=args.device, dtype=args.dtype, lr=args.lr)
    if args.command == "trec":
        from aim.deep.trec import TrecSettings, read_questions

        check_settings(TrecSettings, records_per_epoch=args.records_per_epoch, **common)
        read_questions(args.train)  # a missing file or malformed line: one line, no work
        read_questions(args.test)
        return
    from aim.deep.problem import sequences
    from aim.deep.sgd import SgdSettings, memory_mb

    integer(args.layers, name=_arg("layers"), lo=1, hi=6)
    number(args.skip, name=_arg("skip"), lo=0, hi=MAX_SKIP)
    number(args.beta, name=_arg("beta"), lo=0, hi=50, lo_open=True)
    number(args.alpha, name=_arg("alpha"), lo=0, hi=1e4, lo_open=True)
    integer(args.d, name=_arg("d"), lo=2)
    check_settings(
        SgdSettings,
        batch=args.batch,
        weight_decay=args.weight_decay,
        test_every=args.test_every,
        **common,
    )
    n = sequences(alpha=args.alpha, d=args.d)
    check_memory(
        memory_mb(runs=args.runs, n=n, d=args.d, dtype=args.dtype),
        name=f"arguments --runs/--alpha/--d ({args.runs} runs of n = {n}, d = {args.d})",
        what="SGD",
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
        "coarse_iterations": point.coarse_iterations,
        "remaining": point.remaining,
        "noise_limited": point.noise_limited,
        "map_error": point.map_error,
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


def run_sgd(args: argparse.Namespace) -> dict:
    from aim.deep.sgd import LEARNED, SgdSettings, train_sgd

    settings = SgdSettings(
        lr=args.lr,
        weight_decay=args.weight_decay,
        batch=args.batch,
        epochs=args.epochs,
        test_every=args.test_every,
        dtype=args.dtype,
        device=args.device,
    )
    result = train_sgd(
        layers=args.layers,
        skip=args.skip,
        beta=args.beta,
        alpha=args.alpha,
        d=args.d,
        runs=args.runs,
        seed=args.seed,
        settings=settings,
        progress=not args.json,
    )
    return {
        "layers": args.layers,
        "skip": args.skip,
        "alpha": args.alpha,
        "d": args.d,
        "runs": args.runs,
        "seed": args.seed,
        "epochs": args.epochs,
        "device": args.device,
        "final_cosine": result.cosine[-1].tolist(),
        "final_abs_cosine_mean": np.abs(result.cosine[-1]).mean(axis=0).tolist(),
        "first_epoch_above": result.first_aligned().tolist(),
        "aligned_level": LEARNED,
        "final_test_error": result.test_error[-1].tolist(),
        "diverged": result.diverged.tolist(),
        "seconds": result.seconds,
    }


def run_trec(args: argparse.Namespace) -> dict:
    from aim.deep.trec import TrecSettings, read_questions, train_trec

    train, test = read_questions(args.train), read_questions(args.test)
    settings = TrecSettings(
        lr=args.lr,
        epochs=args.epochs,
        records_per_epoch=args.records_per_epoch,
        dtype=args.dtype,
        device=args.device,
    )
    result = train_trec(
        train, test, runs=args.runs, seed=args.seed, settings=settings, progress=not args.json
    )
    return {
        "runs": args.runs,
        "seed": args.seed,
        "epochs": args.epochs,
        "train_questions": len(train),
        "test_questions": len(test),
        "vocabulary": result.vocabulary_size,
        "final_test_accuracy": result.test_accuracy[-1].tolist(),
        "majority_accuracy": result.majority_accuracy,
        "similarity_per_record": result.similarity.tolist(),
        "epochs_per_record": result.epochs.tolist(),
        "seconds": result.seconds,
    }


RUNNERS = {
    "se": run_se,
    "thresholds": run_thresholds,
    "amp": run_amp,
    "sgd": run_sgd,
    "trec": run_trec,
}


def summary(result: dict) -> str:
    return key_value_lines(
        {k: v for k, v in result.items() if not k.endswith(("per_iteration", "per_record"))}
    )
