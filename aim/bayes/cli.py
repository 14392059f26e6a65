"""Command line of the bayes wing: `aim bayes se|thresholds|amp|gd` (state-evolution
solves, thresholds, single AMP and GD runs). Arguments are checked with light imports only;
scipy, xarray and (for GD) torch come in when a command runs."""

from __future__ import annotations

import argparse
import math

import numpy as np

from aim.bayes import CHANNELS, TEACHERS, VARIANTS, costs
from aim.bayes.amp import DAMPING_STARTS, AmpSettings
from aim.core.cli import UsageError, check_settings
from aim.core.fixed_point import SolverSettings
from aim.core.tokens import rank, sample_count
from aim.core.training_settings import DTYPE_NAMES, GdSettings
from aim.core.validation import (
    MAX_SEED,
    MIN_D,
    check_memory,
    integer,
    number,
    seed,
    width_ratio,
)

SE_SOLVER = {"damping": 0.0, "tol": 1e-10, "max_iter": 5000}  # hardmax fixed point


def _common(p: argparse.ArgumentParser, *, rho_required: bool = True) -> None:
    p.add_argument("--channel", required=True, choices=CHANNELS)
    p.add_argument("--T", type=int, default=2, help="tokens per sequence (default 2)")
    p.add_argument(
        "--rho", type=float, required=rho_required, help="width ratio r/d; 0 = rescaled limit"
    )
    p.add_argument("--variant", choices=VARIANTS, help="hardmax derivative (default exact)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _draw(p: argparse.ArgumentParser) -> None:
    p.add_argument("--alpha", type=float, required=True, help="samples per d^2")
    p.add_argument("--d", type=int, required=True, help=f"token dimension (>= {MIN_D})")
    p.add_argument(
        "--seed", type=int, default=0, help=f"seed of teacher, tokens, labels (0..{MAX_SEED})"
    )


def add_commands(sub) -> None:
    """The wing's subcommands, on the subparsers of `aim bayes`."""
    se = sub.add_parser("se", help="Bayes-optimal state evolution at one point")
    _common(se)
    se.add_argument("--alpha", type=float, help="samples per d^2 (rho > 0)")
    se.add_argument("--alpha-bar", type=float, help="alpha / rho, for --rho 0")
    se.add_argument("--beta", type=float, help="softmax inverse temperature (default 1)")
    for name, default in SE_SOLVER.items():
        flag = "--" + name.replace("_", "-")
        kind = int if name == "max_iter" else float
        se.add_argument(flag, type=kind, help=f"hardmax fixed point (default {default:g})")
    th = sub.add_parser("thresholds", help="recovery thresholds")
    _common(th, rho_required=False)
    amp = sub.add_parser("amp", help="one GAMP-RIE run on a sampled teacher")
    _common(amp)
    _draw(amp)
    amp.add_argument(
        "--teacher",
        choices=TEACHERS,
        help="hardmax labels: natural (default) or authors (h_aa vs sqrt(2) h_ab, their AMP code)",
    )
    amp.add_argument("--damping", type=float, default=0.5)
    amp.add_argument("--tol", type=float, default=1e-5)
    amp.add_argument("--max-iter", type=int, default=100)
    amp.add_argument(
        "--damping-start",
        choices=DAMPING_STARTS,
        default="auto",
        help="auto: the channel's rule (softmax from the 2nd iteration, hardmax once a step "
        "grows); second: every channel from the 2nd iteration",
    )
    gd = sub.add_parser("gd", help="K students trained by full-batch Adam (softmax channel)")
    gd.add_argument("--T", type=int, default=2, help="tokens per sequence (default 2)")
    gd.add_argument("--rho", type=float, required=True, help="width ratio r/d")
    _draw(gd)
    gd.add_argument("--students", type=int, default=32, help="K students trained at once")
    gd.add_argument("--steps", type=int, default=1000)
    gd.add_argument("--lr", type=float, default=0.1)
    gd.add_argument("--beta", type=float, default=1.0, help="softmax inverse temperature")
    gd.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    gd.add_argument("--dtype", choices=DTYPE_NAMES, default="float32")
    gd.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    gd.add_argument("--json", action="store_true", help="print one JSON object")


def _arg(name: str) -> str:
    return f"argument --{name.replace('_', '-')}"


def _check_tokens(args: argparse.Namespace) -> None:
    integer(args.T, name=_arg("T"), lo=2)
    if getattr(args, "channel", "softmax") == "hardmax" and args.T != 2:
        raise UsageError(
            f"argument --T: the hardmax channel is solved for T = 2 only, got {args.T}"
        )


def _check_draw(args: argparse.Namespace) -> None:
    """The arguments of one sampled (teacher, tokens, labels) draw, for amp and gd."""
    width_ratio(args.rho, name=_arg("rho"))
    number(args.alpha, name=_arg("alpha"), lo=0, lo_open=True)
    integer(args.d, name=_arg("d"), lo=MIN_D)
    try:
        rank(rho=args.rho, d=args.d)
    except ValueError as err:
        raise UsageError(f"argument --d: {err}") from None
    seed(args.seed, name=_arg("seed"))


def _sizes(args: argparse.Namespace) -> str:
    n = sample_count(alpha=args.alpha, d=args.d)
    return f"arguments --alpha/--d/--T (n = {n:.3g} samples, d = {args.d}, T = {args.T})"


def _validate_amp(args: argparse.Namespace) -> None:
    _check_draw(args)
    check_settings(AmpSettings, damping=args.damping, tol=args.tol, max_iter=args.max_iter)
    memory = costs.amp_memory_mb(alpha=args.alpha, d=args.d, T=args.T)
    check_memory(memory, name=_sizes(args), what="one GAMP-RIE run")


def _validate_gd(args: argparse.Namespace) -> None:
    _check_tokens(args)
    _check_draw(args)
    integer(args.students, name=_arg("students"), lo=1)
    if args.threads is not None:
        integer(args.threads, name=_arg("threads"), lo=1)
    check_settings(
        GdSettings,
        steps=args.steps,
        lr=args.lr,
        beta=args.beta,
        dtype=args.dtype,
        device=args.device,
    )
    memory = costs.gd_memory_mb(
        alpha=args.alpha, d=args.d, T=args.T, rho=args.rho, students=args.students
    )
    check_memory(memory, name=_sizes(args) + " and --students", what=f"{args.students} students")


def _check_rho(args: argparse.Namespace) -> None:
    """0 (the rescaled limit), inf (the softmax rho -> infinity line) or a finite ratio."""
    if args.rho == math.inf:
        if args.channel == "hardmax":
            raise UsageError("argument --rho: rho = inf is available for softmax only")
    elif args.rho != 0:
        width_ratio(args.rho, name=_arg("rho"))


def _validate_se(args: argparse.Namespace) -> None:
    given = [k for k in SE_SOLVER if getattr(args, k) is not None]
    if args.channel == "softmax" and given:
        raise UsageError(f"{_arg(given[0])}: the softmax state evolution is solved in closed form")
    if args.channel == "hardmax" and args.beta is not None:
        raise UsageError("argument --beta: the hardmax channel has no temperature")
    if args.channel == "softmax":
        args.beta = number(
            1.0 if args.beta is None else args.beta, name=_arg("beta"), lo=0, lo_open=True
        )
    wanted, other = ("alpha_bar", "alpha") if args.rho == 0 else ("alpha", "alpha_bar")
    if getattr(args, other) is not None:
        raise UsageError(
            f"{_arg(other)}: not used with --rho {args.rho:g}; give --{wanted.replace('_', '-')}"
        )
    if getattr(args, wanted) is None:
        raise UsageError(f"{_arg(wanted)}: required with --rho {args.rho:g}")
    number(getattr(args, wanted), name=_arg(wanted), lo=0)
    for name, default in SE_SOLVER.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    check_settings(SolverSettings, damping=args.damping, tol=args.tol, max_iter=args.max_iter)


def validate(args: argparse.Namespace) -> None:
    """Every argument checked, before any computation or heavy import; UsageError names it."""
    if args.command == "gd":
        _validate_gd(args)
        return
    _check_tokens(args)
    if args.channel == "softmax" and args.variant is not None:
        raise UsageError("argument --variant: applies to the hardmax channel only")
    if args.channel == "softmax" and getattr(args, "teacher", None) is not None:
        raise UsageError("argument --teacher: applies to the hardmax channel only")
    if args.command == "thresholds":
        if args.channel == "hardmax" and args.rho is not None:
            raise UsageError(
                "argument --rho: the hardmax threshold is that of the rho -> 0 limit; "
                "leave --rho out"
            )
        if args.channel == "softmax" and args.rho is None:
            raise UsageError("argument --rho: required for the softmax thresholds")
    if args.rho is not None:
        _check_rho(args)
    if args.command == "amp":
        _validate_amp(args)
    elif args.command == "se":
        _validate_se(args)


def _finite(x) -> float | None:
    x = float(np.asarray(x).ravel()[0])
    return x if math.isfinite(x) else None


def run_se(args: argparse.Namespace) -> dict:
    from aim.bayes.state_evolution import (
        hardmax_small_rho,
        hardmax_state_evolution,
        softmax_small_rho,
        softmax_state_evolution,
    )

    variant = args.variant or "exact"
    settings = SolverSettings(damping=args.damping, tol=args.tol, max_iter=args.max_iter)
    out = {"channel": args.channel, "T": args.T, "rho": args.rho}
    if args.channel == "hardmax":
        out["variant"] = variant
    else:
        out["beta"] = args.beta
    if args.rho == 0:
        out["alpha_bar"] = args.alpha_bar
        if args.channel == "softmax":
            mmse = float(softmax_small_rho(alpha_bar=args.alpha_bar, T=args.T)[0])
            return out | {
                "mmse": mmse,
                "q": 1 - mmse,
                "q_hat": None,
                "converged": True,
                "iterations": 0,
                "method": "closed_form",
            }
        fp = hardmax_small_rho(alpha_bar=args.alpha_bar, variant=variant, settings=settings)
    else:
        out["alpha"] = args.alpha
        if args.channel == "softmax":
            fp = softmax_state_evolution(alpha=args.alpha, T=args.T, rho=args.rho, beta=args.beta)
        else:
            fp = hardmax_state_evolution(
                alpha=args.alpha, rho=args.rho, variant=variant, settings=settings
            )
    return out | {
        "mmse": _finite(fp.mmse),
        "q": _finite(fp.q),
        "q_hat": _finite(fp.q_hat),
        "converged": bool(fp.converged[0]),
        "iterations": int(fp.iterations[0]),
        "method": fp.method,
    }


def run_thresholds(args: argparse.Namespace) -> dict:
    from aim.bayes.channels import x_per_alpha
    from aim.bayes.state_evolution import (
        hardmax_weak_recovery,
        softmax_small_rho_thresholds,
    )
    from aim.core.noiseless import perfect_recovery_x

    out = {"channel": args.channel, "T": args.T}
    if args.channel == "hardmax":
        variant = args.variant or "exact"
        return out | {
            "variant": variant,
            "limit": "rho -> 0",
            "alpha_bar_weak": hardmax_weak_recovery(variant),
        }
    if args.rho == 0:
        return out | {"rho": 0.0, "limit": "rho -> 0"} | softmax_small_rho_thresholds(T=args.T)
    x_pr = perfect_recovery_x(rho=args.rho)
    return out | {"rho": args.rho, "x_perfect": x_pr, "alpha_perfect": x_pr / x_per_alpha(args.T)}


def run_amp(args: argparse.Namespace) -> dict:
    from aim.bayes.amp_runs import amp_run
    from aim.bayes.channels import make_channel
    from aim.bayes.state_evolution import hardmax_state_evolution, softmax_state_evolution

    channel = make_channel(args.channel, T=args.T, variant=args.variant, teacher=args.teacher)
    settings = AmpSettings(
        damping=args.damping,
        tol=args.tol,
        max_iter=args.max_iter,
        damping_start=args.damping_start,
    )
    result, n = amp_run(
        channel, d=args.d, alpha=args.alpha, rho=args.rho, seed=args.seed, settings=settings
    )
    if args.channel == "softmax":
        se = softmax_state_evolution(alpha=args.alpha, T=args.T, rho=args.rho)
    else:
        se = hardmax_state_evolution(alpha=args.alpha, rho=args.rho, variant=channel.variant)
    out = {"channel": args.channel, "T": args.T, "rho": args.rho, "alpha": args.alpha}
    if args.channel == "hardmax":
        out |= {"variant": channel.variant, "teacher": channel.teacher}
    return out | {
        "d": args.d,
        "n": n,
        "seed": args.seed,
        "mse": result.mse,
        "predicted_mse": result.predicted_mse,
        "se_mmse": float(se.mmse[0]),
        "iterations": result.iterations,
        "converged": result.converged,
        "diverged": result.diverged,
        "consistent": result.consistent,
    }


def run_gd(args: argparse.Namespace) -> dict:
    import torch

    from aim.bayes.channels import x_per_alpha
    from aim.bayes.gd_runs import gd_run
    from aim.bayes.state_evolution import softmax_state_evolution

    if args.threads:
        torch.set_num_threads(args.threads)
    settings = GdSettings(
        steps=args.steps, lr=args.lr, beta=args.beta, dtype=args.dtype, device=args.device
    )
    result, n, _ = gd_run(
        T=args.T,
        rho=args.rho,
        alpha=args.alpha,
        d=args.d,
        seed=args.seed,
        students=args.students,
        settings=settings,
    )
    se = softmax_state_evolution(alpha=args.alpha, T=args.T, rho=args.rho)
    kept = ~result.diverged
    out = {
        "channel": "softmax",
        "T": args.T,
        "rho": args.rho,
        "alpha": args.alpha,
        "x": args.alpha * x_per_alpha(args.T),
        "d": args.d,
        "n": n,
        "seed": args.seed,
        "students": args.students,
        "device": args.device,
        "single_mse": result.single_mse.tolist(),
        "averaged_mse": result.averaged_mse,
        "final_loss": float(result.final_loss[kept].mean()) if kept.any() else math.nan,
        "final_losses": result.final_loss.tolist(),
        "se_mmse": float(se.mmse[0]),
        "diverged": int(result.diverged.sum()),
    }
    if result.diverged.any():
        first = int(result.diverged_step[result.diverged].min())
        out["failure"] = (
            f"{out['diverged']} of {args.students} students diverged (loss not finite from "
            f"step {first}); their errors are null and left out of the averages: lower --lr"
        )
    return out


RUNNERS = {"se": run_se, "thresholds": run_thresholds, "amp": run_amp, "gd": run_gd}


def summary(result: dict) -> str:
    head = ", ".join(
        f"{k}={v}"
        for k, v in result.items()
        if k in ("channel", "variant", "T", "beta", "rho", "alpha", "alpha_bar")
    )
    if "averaged_mse" in result:
        single = np.asarray(result["single_mse"], float)
        single = single[np.isfinite(single)]
        spread = f"{single.mean():.6g} +- {single.std():.2g}" if single.size else "none"
        left_out = f", {result['diverged']} diverged and left out" if result["diverged"] else ""
        return (
            f"softmax, T={result['T']}, rho={result['rho']}, alpha={result['alpha']} "
            f"(x={result['x']:.4g}), d={result['d']}, n={result['n']}, seed={result['seed']}\n"
            f"  GD error: single {spread} ({result['students']} students{left_out}), "
            f"averaged {result['averaged_mse']:.6g}; state evolution {result['se_mmse']:.6g}; "
            f"final loss {result['final_loss']:.3g}"
        )
    if "predicted_mse" in result:
        status = "converged" if result["converged"] else "NOT converged"
        if result["diverged"]:
            status = "DIVERGED"
        elif not result["consistent"]:
            status += ", predicted != measured: not a result"
        return (
            f"{head}, d={result['d']}, n={result['n']}, seed={result['seed']}\n"
            f"  AMP error = {result['mse']:.6g}  (predicted {result['predicted_mse']:.6g}, "
            f"state evolution {result['se_mmse']:.6g}; {status}, "
            f"{result['iterations']} iterations)"
        )
    if "mmse" in result:
        status = "converged" if result["converged"] else "NOT converged"
        return (
            f"{head}\n  MMSE = {result['mmse']:.6g}  (q = {result['q']:.6g}, "
            f"q_hat = {result['q_hat']}, {result['method']}, {status}, "
            f"{result['iterations']} iterations)"
        )
    body = "\n".join(
        f"  {k} = {v:.7g}" for k, v in result.items() if isinstance(v, float) and k not in ("rho",)
    )
    extra = f"  ({result['limit']} limit)\n" if "limit" in result else ""
    return f"{head}\n{extra}{body}"
