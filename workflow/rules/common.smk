import math
import os
from pathlib import Path

import numpy as np

from snakemake.utils import validate

from aim.channels import softmax_observations
from aim.io import format_value

validate(config, "../schemas/config.schema.yaml")


def check_ranges(cfg):
    """What the schema cannot say: each range's lower end lies below its upper end."""
    ranges = {
        "hardmax.alpha": (
            cfg["hardmax"]["alpha"]["min"],
            cfg["hardmax"]["alpha"]["max"],
        ),
        "hardmax.alpha_bar": (
            cfg["hardmax"]["alpha_bar"]["min"],
            cfg["hardmax"]["alpha_bar"]["max"],
        ),
        "softmax.x": (cfg["softmax"]["x"]["min_log"], cfg["softmax"]["x"]["max"]),
    }
    if "gd" in cfg["softmax"]:
        grid = cfg["softmax"]["gd"]["alpha"]
        ranges["softmax.gd.alpha"] = (grid["min"], grid["max"])
    for key, (lo, hi) in ranges.items():
        if not lo < hi:
            raise ValueError(
                f"config {key}: the lower end {lo} must be below the upper end {hi}"
            )


check_ranges(config)

# Relative to the working directory, so that moving a checkout reruns nothing.
AIM = Path(os.path.relpath(Path(workflow.basedir) / "aim"))
# The aim modules each stage imports: declared as inputs so that editing one reruns
# exactly the jobs that use it.
THEORY_CODE = [
    str(AIM / f"{m}.py")
    for m in ("prior", "gaussian", "channels", "state_evolution", "curves", "io")
]
AMP_CODE = [
    str(AIM / f"{m}.py")
    for m in (
        "prior",
        "gaussian",
        "channels",
        "coordinates",
        "data",
        "state_evolution",
        "amp",
        "simulations",
        "curves",
        "io",
    )
]
GD_CODE = [
    str(AIM / f"{m}.py")
    for m in ("channels", "coordinates", "data", "gd", "simulations", "curves", "io")
]
AGGREGATE_CODE = [str(AIM / f"{m}.py") for m in ("aggregate", "curves", "io")]
PLOT_CODE = [str(AIM / "plotting.py")]

HARDMAX_FIGURES = {"fig_hardmax": "exact", "fig_hardmax_published": "published"}


wildcard_constraints:
    rho=r"[0-9][0-9.e+-]*|inf",
    T=r"[0-9]+",
    variant="exact|published",
    figure="fig_[a-z_]+",
    alpha=r"[0-9][0-9.e+-]*",
    d=r"[0-9]+",
    seeds=r"[0-9]+-[0-9]+",
    seed=r"[0-9]+",
    K=r"[0-9]+",


def canonical(mapping):
    """A config mapping in sorted key order: reordering keys in a config file is no change
    to a job's parameters (Snakemake compares their text)."""
    return dict(sorted(mapping.items()))


def hardmax_rhos():
    hm = config["hardmax"]
    return sorted(set(hm["rho"]) | set(hm["rho_rescaled"]))


def hardmax_curves(variant):
    return [
        f"results/theory/hardmax_{variant}_T2_rho{format_value(r)}.nc"
        for r in hardmax_rhos() + [0.0]
    ]


def softmax_left_curves():
    rhos = config["softmax"]["rho"] + [float("inf")]
    return [f"results/theory/softmax_T2_rho{format_value(r)}.nc" for r in rhos]


def softmax_universal_curves():
    rho = format_value(config["softmax"]["rho_universal"])
    return [f"results/theory/softmax_T{T}_rho{rho}.nc" for T in config["softmax"]["T"]]


def seed_blocks(amp):
    """Seeds 0..seeds-1 in blocks of seeds_per_job, spelled 'first-last'."""
    n, per_job = amp["seeds"], amp["seeds_per_job"]
    return [f"{lo}-{min(lo + per_job, n) - 1}" for lo in range(0, n, per_job)]


def seed_range(block):
    first, last = map(int, block.split("-"))
    return list(range(first, last + 1))


def amp_settings(amp):
    return {key: amp[key] for key in ("damping", "tol", "max_iter") if key in amp}


AMP_SETTINGS = {
    channel: amp_settings(config[channel].get("amp", {}))
    for channel in ("hardmax", "softmax")
}


def hardmax_amp_runs(variant):
    amp = config["hardmax"].get("amp")
    if not amp:
        return []
    return [
        f"results/amp/hardmax_{variant}_T2_rho{format_value(rho)}"
        f"_alpha{format_value(alpha)}_d{amp['d']}_seeds{block}.nc"
        for rho in config["hardmax"]["rho"]
        for alpha in amp["alpha"]
        for block in seed_blocks(amp)
    ]


def softmax_amp_runs():
    amp = config["softmax"].get("amp")
    if not amp:
        return []
    rho = format_value(config["softmax"]["rho_universal"])
    return [
        f"results/amp/softmax_T{T}_rho{rho}"
        f"_alpha{format_value(x / softmax_observations(T))}_d{amp['d']}_seeds{block}.nc"
        for T in amp["T"]
        for x in amp["x"]
        for block in seed_blocks(amp)
    ]


def gd_alphas(T):
    """The log-spaced alpha grid of the GD runs, without points past x_max."""
    gd = config["softmax"]["gd"]
    grid = np.geomspace(gd["alpha"]["min"], gd["alpha"]["max"], gd["alpha"]["points"])
    keep = grid * softmax_observations(T) <= gd.get("x_max", np.inf)
    return [float(a) for a in grid[keep]]


def gd_settings(gd):
    keys = ("steps", "lr", "dtype", "record_every")
    return {key: gd[key] for key in keys if key in gd}


def softmax_gd_runs():
    gd = config["softmax"].get("gd")
    if not gd:
        return []
    rho = format_value(config["softmax"]["rho_universal"])
    return [
        f"results/gd/softmax_T{T}_rho{rho}_alpha{format_value(alpha)}"
        f"_d{gd['d']}_K{gd['students']}_seed{seed}.nc"
        for T in gd["T"]
        for alpha in gd_alphas(T)
        for seed in range(gd["draws"])
    ]


# Cluster resources from the problem size, doubled for safety; a retry multiplies memory
# and time by the attempt number. Calibration, one core of the 2-core build machine:
# AMP at d = 100, alpha = 2.7 does 4 n T d^2 = 2.2 GFLOP in 0.128 s per iteration and
# peaks at 172 MB; GD at d = 100, K = 32, T = 4, n = 1000 does 6 K n T d r = 3.8 GFLOP in
# 0.23 s per step and peaks at 561 MB (300 MB of it imports). That is 16-20 GFLOP/s; the
# model assumes half of it for slower cluster cores.
FLOPS_PER_SECOND = 8e9


def _minutes(seconds, attempt):
    return max(5, math.ceil(2 * attempt * seconds / 60))


def _amp_size(wildcards):
    d = int(wildcards.d)
    return float(wildcards.alpha) * d * d, int(wildcards.get("T", 2)), d


def amp_memory(wildcards, attempt):
    n, T, d = _amp_size(wildcards)
    return attempt * (400 + math.ceil(8 * (4 * n * T * d + 30 * d * d) / 2**20))


def amp_runtime(channel):
    def runtime(wildcards, attempt):
        n, T, d = _amp_size(wildcards)
        iterations = AMP_SETTINGS[channel]["max_iter"] * len(
            seed_range(wildcards.seeds)
        )
        per_iteration = (4 * n * T * d * d + 10 * d**3) / FLOPS_PER_SECOND + 0.01
        return _minutes(iterations * per_iteration, attempt)

    return runtime


def gd_memory(wildcards, attempt):
    d, K, T = int(wildcards.d), int(wildcards.K), int(wildcards.T)
    n, r = float(wildcards.alpha) * d * d, max(1, round(float(wildcards.rho) * d))
    return attempt * (500 + math.ceil(4 * 12 * K * n * T * (r + T) / 2**20))


def gd_runtime(wildcards, attempt):
    d, K, T = int(wildcards.d), int(wildcards.K), int(wildcards.T)
    n, r = float(wildcards.alpha) * d * d, max(1, round(float(wildcards.rho) * d))
    gd = config["softmax"]["gd"]
    per_step = 6 * K * n * T * d * r / (FLOPS_PER_SECOND * gd["threads"]) + 0.002
    steps = gd["steps"]
    return _minutes(steps * per_step, attempt)


def figure_targets(figures):
    return [f"results/figures/{f}.{ext}" for f in figures for ext in ("pdf", "png")]
