"""Command line of the erm wing: `aim erm se|thresholds` (one ERM state-evolution fixed
point, the thresholds). Arguments are checked with light imports only."""

from __future__ import annotations

import argparse

from aim.core.cli import UsageError
from aim.core.validation import integer, number, width_ratio
from aim.erm import PARAMETERISATIONS

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


def _arg(name: str) -> str:
    return f"argument --{name.replace('_', '-')}"


def validate(args: argparse.Namespace) -> None:
    """Every argument checked before any computation; UsageError names it."""
    width_ratio(args.kappa0, name=_arg("kappa0"))
    number(args.noise, name=_arg("noise"), lo=0)
    integer(args.T, name=_arg("T"), lo=2, hi=8)
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


RUNNERS = {"se": run_se, "thresholds": run_thresholds}


def summary(result: dict) -> str:
    lines = [
        f"  {k} = {v:.7g}" if isinstance(v, float) else f"  {k} = {v}" for k, v in result.items()
    ]
    return "\n".join(lines)
