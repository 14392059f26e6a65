"""Command line of the bayes wing: `aim bayes se|thresholds|amp|gd` (state-evolution
solves, thresholds, single AMP and GD runs). GD imports torch only when it runs."""

from __future__ import annotations

import argparse
import math

import numpy as np

from aim.bayes.amp import AmpSettings
from aim.bayes.amp_runs import amp_run
from aim.bayes.channels import CHANNELS, VARIANTS, make_channel, x_per_alpha
from aim.bayes.state_evolution import (
    SolverSettings,
    hardmax_small_rho,
    hardmax_state_evolution,
    hardmax_weak_recovery,
    softmax_perfect_recovery,
    softmax_small_rho,
    softmax_small_rho_thresholds,
    softmax_state_evolution,
)
from aim.core.cli import UsageError, check_settings
from aim.core.tokens import rank
from aim.core.training_settings import DTYPE_NAMES, GdSettings


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--channel", required=True, choices=CHANNELS)
    p.add_argument("--T", type=int, default=2, help="tokens per sequence (default 2)")
    p.add_argument("--rho", type=float, required=True, help="width ratio r/d; 0 = rescaled limit")
    p.add_argument("--variant", choices=VARIANTS, help="hardmax derivative (default exact)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _draw(p: argparse.ArgumentParser) -> None:
    p.add_argument("--alpha", type=float, required=True, help="samples per d^2")
    p.add_argument("--d", type=int, required=True, help="token dimension")
    p.add_argument("--seed", type=int, default=0, help="seed of teacher, tokens, labels")


def add_commands(sub) -> None:
    """The wing's subcommands, on the subparsers of `aim bayes`."""
    se = sub.add_parser("se", help="Bayes-optimal state evolution at one point")
    _common(se)
    se.add_argument("--alpha", type=float, help="samples per d^2 (rho > 0)")
    se.add_argument("--alpha-bar", type=float, help="alpha / rho, for --rho 0")
    se.add_argument("--beta", type=float, default=1.0, help="softmax inverse temperature")
    se.add_argument("--damping", type=float, default=0.0)
    se.add_argument("--tol", type=float, default=1e-10)
    se.add_argument("--max-iter", type=int, default=5000)
    th = sub.add_parser("thresholds", help="recovery thresholds")
    _common(th)
    amp = sub.add_parser("amp", help="one GAMP-RIE run on a sampled teacher")
    _common(amp)
    _draw(amp)
    amp.add_argument("--damping", type=float, default=0.5)
    amp.add_argument("--tol", type=float, default=1e-5)
    amp.add_argument("--max-iter", type=int, default=100)
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


def _check_draw(args: argparse.Namespace) -> None:
    """The arguments of one sampled (teacher, tokens, labels) draw, for amp and gd."""
    if not (math.isfinite(args.rho) and args.rho > 0):
        raise UsageError(f"argument --rho: {args.command} needs a finite rho > 0, got {args.rho}")
    if not (math.isfinite(args.alpha) and args.alpha > 0):
        raise UsageError(f"argument --alpha: must be finite and > 0, got {args.alpha}")
    try:
        if args.d < 2:
            raise ValueError(f"need d >= 2, got d={args.d}")
        rank(rho=args.rho, d=args.d)
    except ValueError as err:
        raise UsageError(f"argument --d: {err}") from None
    if args.seed < 0:
        raise UsageError(f"argument --seed: must be >= 0, got {args.seed}")


def _validate_amp(args: argparse.Namespace) -> None:
    _check_draw(args)
    check_settings(AmpSettings, damping=args.damping, tol=args.tol, max_iter=args.max_iter)


def _validate_gd(args: argparse.Namespace) -> None:
    if args.T < 2:
        raise UsageError(f"argument --T: must be >= 2, got {args.T}")
    _check_draw(args)
    for name in ("students", "threads"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise UsageError(f"argument --{name}: must be >= 1, got {value}")
    check_settings(
        GdSettings,
        steps=args.steps,
        lr=args.lr,
        beta=args.beta,
        dtype=args.dtype,
        device=args.device,
    )


def validate(args: argparse.Namespace) -> None:
    if args.command == "gd":
        _validate_gd(args)
        return
    if args.T < 2:
        raise UsageError(f"argument --T: must be >= 2, got {args.T}")
    if args.channel == "hardmax" and args.T != 2:
        raise UsageError(
            f"argument --T: the hardmax channel is solved for T = 2 only, got {args.T}"
        )
    if args.channel == "softmax" and args.variant is not None:
        raise UsageError("argument --variant: applies to the hardmax channel only")
    if math.isnan(args.rho) or args.rho < 0:
        raise UsageError(f"argument --rho: must be >= 0, got {args.rho}")
    if math.isinf(args.rho) and args.channel == "hardmax":
        raise UsageError("argument --rho: rho = inf is available for softmax only")
    if args.command == "amp":
        _validate_amp(args)
    if args.command != "se":
        return
    if args.beta <= 0 or not math.isfinite(args.beta):
        raise UsageError(f"argument --beta: must be positive, got {args.beta}")
    wanted, other = ("--alpha-bar", "--alpha") if args.rho == 0 else ("--alpha", "--alpha-bar")
    value = getattr(args, wanted[2:].replace("-", "_"))
    if getattr(args, other[2:].replace("-", "_")) is not None:
        raise UsageError(f"argument {other}: not used with --rho {args.rho:g}; give {wanted}")
    if value is None:
        raise UsageError(f"argument {wanted}: required with --rho {args.rho:g}")
    if not math.isfinite(value) or value < 0:
        raise UsageError(f"argument {wanted}: must be finite and >= 0, got {value}")
    check_settings(SolverSettings, damping=args.damping, tol=args.tol, max_iter=args.max_iter)


def _finite(x) -> float | None:
    x = float(np.asarray(x).ravel()[0])
    return x if math.isfinite(x) else None


def run_se(args: argparse.Namespace) -> dict:
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
    out = {"channel": args.channel, "T": args.T, "rho": args.rho}
    if args.channel == "hardmax":
        variant = args.variant or "exact"
        return out | {
            "variant": variant,
            "limit": "rho -> 0",
            "alpha_bar_weak": hardmax_weak_recovery(variant),
        }
    if args.rho == 0:
        return out | {"limit": "rho -> 0"} | softmax_small_rho_thresholds(T=args.T)
    x_pr = softmax_perfect_recovery(rho=args.rho)
    return out | {"x_perfect": x_pr, "alpha_perfect": x_pr / x_per_alpha(args.T)}


def run_amp(args: argparse.Namespace) -> dict:
    channel = make_channel(args.channel, T=args.T, variant=args.variant)
    settings = AmpSettings(damping=args.damping, tol=args.tol, max_iter=args.max_iter)
    result, n = amp_run(
        channel, d=args.d, alpha=args.alpha, rho=args.rho, seed=args.seed, settings=settings
    )
    if args.channel == "softmax":
        se = softmax_state_evolution(alpha=args.alpha, T=args.T, rho=args.rho)
    else:
        se = hardmax_state_evolution(alpha=args.alpha, rho=args.rho, variant=channel.variant)
    out = {"channel": args.channel, "T": args.T, "rho": args.rho, "alpha": args.alpha}
    if args.channel == "hardmax":
        out["variant"] = channel.variant
    return out | {
        "d": args.d,
        "n": n,
        "seed": args.seed,
        "mse": result.mse,
        "predicted_mse": result.predicted_mse,
        "se_mmse": float(se.mmse[0]),
        "iterations": result.iterations,
        "converged": result.converged,
    }


def run_gd(args: argparse.Namespace) -> dict:
    import torch

    from aim.bayes.gd_runs import gd_run

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
    return {
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
        "final_loss": float(result.final_loss.mean()),
        "final_losses": result.final_loss.tolist(),
        "se_mmse": float(se.mmse[0]),
    }


RUNNERS = {"se": run_se, "thresholds": run_thresholds, "amp": run_amp, "gd": run_gd}


def summary(result: dict) -> str:
    head = ", ".join(
        f"{k}={v}"
        for k, v in result.items()
        if k in ("channel", "variant", "T", "beta", "rho", "alpha", "alpha_bar")
    )
    if "averaged_mse" in result:
        single = np.asarray(result["single_mse"])
        return (
            f"softmax, T={result['T']}, rho={result['rho']}, alpha={result['alpha']} "
            f"(x={result['x']:.4g}), d={result['d']}, n={result['n']}, seed={result['seed']}\n"
            f"  GD error: single {single.mean():.6g} +- {single.std():.2g} "
            f"({result['students']} students), averaged {result['averaged_mse']:.6g}; "
            f"state evolution {result['se_mmse']:.6g}; final loss {result['final_loss']:.3g}"
        )
    if "predicted_mse" in result:
        status = "converged" if result["converged"] else "NOT converged"
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
