"""Command line of the erm wing: `aim erm se|thresholds|gd` (one ERM state-evolution fixed
point, the thresholds, a batch of trained runs). Arguments are checked before any work;
torch comes in only for gd, once its plain arguments are sound."""

from __future__ import annotations

import argparse
import math

from aim.core.cli import UsageError, key_value_lines
from aim.core.validation import (
    MAX_SEED,
    MIN_D,
    InputError,
    check_memory,
    integer,
    number,
    seed,
    width_ratio,
)
from aim.erm import PARAMETERISATIONS, TASKS
from aim.erm.costs import gd_memory_mb

LOG2_NODES_RANGE = (8, 20)  # 2^20 nodes: ~1 GB of proximal points at T = 5


def _problem(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kappa0", type=float, required=True, help="teacher width r/d")
    p.add_argument("--noise", type=float, default=0.0, help="label noise Delta (default 0)")
    p.add_argument("--T", type=int, default=2, help="tokens per sequence (default 2)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def add_commands(sub) -> None:
    """The wing's subcommands, on the subparsers of `aim erm`."""
    se = sub.add_parser("se", help="ERM state evolution at one point")
    _problem(se)
    se.add_argument("--alpha", type=float, required=True, help="samples per d^2")
    se.add_argument("--lam", type=float, required=True, help="penalty lambda_t (0: lambda -> 0+)")
    se.add_argument("--beta", type=float, default=1.0, help="student temperature (default 1)")
    se.add_argument("--beta0", type=float, default=1.0, help="teacher temperature (default 1)")
    se.add_argument("--param", choices=PARAMETERISATIONS, default="factorized")
    lo, hi = LOG2_NODES_RANGE
    se.add_argument("--log2-nodes", type=int, default=14, help=f"Sobol nodes 2^k, k in {lo}..{hi}")
    th = sub.add_parser("thresholds", help="interpolation and perfect-recovery thresholds")
    _problem(th)
    gd = sub.add_parser("gd", help="R runs of full-batch Adam with weight decay, batched")
    _problem(gd)
    gd.add_argument("--alpha", type=float, required=True, help="samples per d^2")
    gd.add_argument("--lam", type=float, required=True, help="penalty lambda_t")
    gd.add_argument("--d", type=int, required=True, help="token dimension")
    gd.add_argument("--runs", type=int, default=8, help="runs: each its own teacher and data")
    gd.add_argument("--kappa", type=float, default=1.0, help="student width p/d (default 1)")
    gd.add_argument("--beta", type=float, default=1.0, help="student temperature (default 1)")
    gd.add_argument("--beta0", type=float, default=1.0, help="teacher temperature (default 1)")
    gd.add_argument("--param", choices=PARAMETERISATIONS, default="factorized")
    gd.add_argument("--task", choices=TASKS, default="label")
    gd.add_argument("--seed", type=int, default=0, help=f"seed of the batch (0..{MAX_SEED})")
    gd.add_argument("--lr", type=float, default=0.1)
    gd.add_argument("--tol", type=float, default=1e-7, help="stop a run when its loss moves less")
    gd.add_argument("--max-steps", type=int, default=100_000)
    gd.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    gd.add_argument("--dtype", choices=("float32", "float64"), default="float32")


def _arg(name: str) -> str:
    return f"argument --{name.replace('_', '-')}"


def validate(args: argparse.Namespace) -> None:
    """Every argument checked before any computation; UsageError names it."""
    width_ratio(args.kappa0, name=_arg("kappa0"))
    number(args.noise, name=_arg("noise"), lo=0)
    integer(args.T, name=_arg("T"), lo=2, hi=8)
    if args.command == "gd":
        _validate_gd(args)
    if args.command != "se":
        return
    number(args.alpha, name=_arg("alpha"), lo=0, lo_open=True)
    number(args.lam, name=_arg("lam"), lo=0)
    number(args.beta, name=_arg("beta"), lo=0, lo_open=True)
    number(args.beta0, name=_arg("beta0"), lo=0, lo_open=True)
    integer(
        args.log2_nodes, name=_arg("log2_nodes"), lo=LOG2_NODES_RANGE[0], hi=LOG2_NODES_RANGE[1]
    )
    if args.param == "direct" and args.lam == 0:
        raise UsageError("argument --lam: the direct parameterisation needs lambda > 0")


def _validate_gd(args: argparse.Namespace) -> None:
    number(args.alpha, name=_arg("alpha"), lo=0, lo_open=True)
    number(args.lam, name=_arg("lam"), lo=0)
    integer(args.d, name=_arg("d"), lo=MIN_D)
    integer(args.runs, name=_arg("runs"), lo=1)
    width_ratio(args.kappa, name=_arg("kappa"))
    seed(args.seed, name=_arg("seed"))
    for name in ("beta", "beta0", "lr"):
        number(getattr(args, name), name=_arg(name), lo=0, lo_open=True)
    number(args.tol, name=_arg("tol"), lo=0)
    integer(args.max_steps, name=_arg("max_steps"), lo=1)
    try:  # torch comes in here, only once the rest is sound
        task = _task(args)
    except InputError as err:
        raise UsageError(f"argument --{str(err).replace('_', '-')}") from None
    check_memory(
        gd_memory_mb(alpha=task.alpha, d=task.d, T=task.T, pairs=args.runs, dtype=args.dtype),
        name=f"arguments --alpha/--d/--runs (n = {task.n} samples, d = {args.d})",
        what=f"{args.runs} runs",
    )


def _task(args: argparse.Namespace):
    from aim.core.erm_training import ErmTask

    return ErmTask(
        d=args.d,
        alpha=args.alpha,
        kappa0=args.kappa0,
        noise=args.noise,
        kappa=args.kappa,
        T=args.T,
        beta=args.beta,
        beta0=args.beta0,
        parameterisation=args.param,
        task=args.task,
    )


def run_gd(args: argparse.Namespace) -> dict:
    from aim.core.erm_training import AdamSettings, run_seeds, train_erm

    seeds, init_seeds = run_seeds(seed=args.seed, runs=args.runs)
    settings = AdamSettings(
        lr=args.lr, tol=args.tol, max_steps=args.max_steps, dtype=args.dtype, device=args.device
    )
    runs = train_erm(
        _task(args),
        seeds=seeds,
        lam=[args.lam] * args.runs,
        init_seeds=init_seeds,
        settings=settings,
    )
    names = ("kappa0", "noise", "lam", "alpha", "d", "runs", "kappa", "T", "beta", "beta0")
    out = {k: getattr(args, k) for k in names} | {"param": args.param, "task": args.task}
    out |= {"seed": args.seed, "data_seeds": seeds, "init_seeds": init_seeds}
    for name in (
        "test_error",
        "test_error_clean",
        "train_loss",
        "mse",
        "steps",
        "stopped",
        "diverged",
    ):
        out[name] = getattr(runs, name).tolist()
    kept = ~runs.diverged
    out["mean_test_error"] = float(runs.test_error[kept].mean()) if kept.any() else math.nan
    out["std_test_error"] = float(runs.test_error[kept].std()) if kept.any() else math.nan
    if runs.diverged.any():
        out["failure"] = f"{int(runs.diverged.sum())} of {args.runs} runs diverged: lower --lr"
    return out


def run_se(args: argparse.Namespace) -> dict:
    from aim.erm.state_evolution import ErmModel, StateEvolution

    model = ErmModel(
        kappa0=args.kappa0,
        noise=args.noise,
        lam=args.lam,
        T=args.T,
        beta=args.beta,
        beta0=args.beta0,
        parameterisation=args.param,
        log2_nodes=args.log2_nodes,
    )
    point = StateEvolution(model).solve(alpha=args.alpha)
    inputs = {k: getattr(args, k) for k in ("kappa0", "noise", "lam", "T", "beta", "beta0")}
    return inputs | {"param": args.param, "log2_nodes": args.log2_nodes} | point.as_dict()


def run_thresholds(args: argparse.Namespace) -> dict:
    from aim.erm.thresholds import thresholds

    return {"kappa0": args.kappa0, "noise": args.noise, "T": args.T} | thresholds(
        kappa0=args.kappa0, noise=args.noise, T=args.T
    )


RUNNERS = {"se": run_se, "thresholds": run_thresholds, "gd": run_gd}


def summary(result: dict) -> str:
    return key_value_lines(result)
