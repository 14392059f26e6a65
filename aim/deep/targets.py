"""Where the wing's results live, and which of them a config asks for.

The one place that turns the config's `deep` section into file names: the rules take their
output patterns from the templates below, and each figure's inputs are listed with the same
templates. No heavy import here: the Snakefile reads it.
"""

from __future__ import annotations

import numpy as np

from aim.core.io import format_value
from aim.core.jobs import run_blocks, run_range  # noqa: F401 - the rules call run_range here
from aim.core.validation import InputError, check_memory

ROOT = "results/deep"
SE = ROOT + "/theory/se_L{layers}_c{skip}.nc"
THRESHOLDS = ROOT + "/theory/thresholds_L{layers}.nc"
GAMP = ROOT + "/gamp/L{layers}_c{skip}_alpha{alpha}_d{d}_seed{seed}.nc"
SGD = ROOT + "/sgd/L2_c{skip}_alpha{alpha}_d{d}_runs{runs}.nc"
TREC = ROOT + "/trec/trec_runs{runs}.nc"
LAYERS = (2, 3)


def log_of(template: str) -> str:
    """The log of a result: the same name under results/deep/logs/, ending in .log."""
    return template.replace(f"{ROOT}/", f"{ROOT}/logs/", 1).removesuffix(".nc") + ".log"


def _skip(section: dict) -> str:
    return format_value(float(section["skip"]))


def se_alphas(section: dict, layers: int) -> list[float]:
    """The increasing alpha grid of the L-layer SE curve."""
    spec = section["se"][f"L{layers}"]
    return np.linspace(spec["min"], spec["max"], spec["points"]).tolist()


def threshold_skips(section: dict) -> list[float]:
    """The skip grid of the threshold curves, with the figures' own c added."""
    spec = section["thresholds"]["skip"]
    grid = np.linspace(spec["min"], spec["max"], spec["points"])
    return sorted({round(float(c), 12) for c in grid} | {float(section["skip"])})


def se_path(section: dict, layers: int) -> str:
    return SE.format(layers=layers, skip=_skip(section))


def threshold_path(layers: int) -> str:
    return THRESHOLDS.format(layers=layers)


def gamp_paths(section: dict, layers: int) -> list[str]:
    gamp = section["gamp"]
    return [
        GAMP.format(
            layers=layers, skip=_skip(section), alpha=format_value(float(a)), d=gamp["d"], seed=s
        )
        for a in gamp[f"L{layers}_alpha"]
        for s in range(gamp["seeds"])
    ]


def trace_path(section: dict) -> str:
    """The GAMP run of Fig. 2 (top): L = 2, the trace alpha, seed 0."""
    gamp = section["gamp"]
    alpha = format_value(float(gamp["trace_alpha"]))
    return GAMP.format(layers=2, skip=_skip(section), alpha=alpha, d=gamp["d"], seed=0)


def sgd_paths(section: dict) -> list[str]:
    sgd = section["sgd"]
    return [
        SGD.format(skip=_skip(section), alpha=format_value(float(sgd["alpha"])), d=sgd["d"], runs=b)
        for b in run_blocks(sgd["runs"], sgd["runs_per_job"])
    ]


def trec_paths(section: dict) -> list[str]:
    trec = section["trec"]
    return [TREC.format(runs=b) for b in run_blocks(trec["runs"], trec["runs_per_job"])]


def all_gamp_paths(section: dict) -> list[str]:
    paths = gamp_paths(section, 2) + gamp_paths(section, 3) + [trace_path(section)]
    return list(dict.fromkeys(paths))


# --- the figure registry's inputs and options ------------------------------------------------


def two_layer_inputs(section: dict) -> dict[str, list[str]]:
    return {
        "se": [se_path(section, 2)],
        "thresholds": [threshold_path(2)],
        "gamp": gamp_paths(section, 2),
    }


def dynamics_inputs(section: dict) -> dict[str, list[str]]:
    return {"gamp": [trace_path(section)], "sgd": sgd_paths(section)}


def three_layer_inputs(section: dict) -> dict[str, list[str]]:
    return {
        "se": [se_path(section, 3)],
        "gamp": gamp_paths(section, 3),
        "trec": trec_paths(section),
    }


def thresholds_inputs(section: dict) -> dict[str, list[str]]:
    return {"thresholds": [threshold_path(layers) for layers in LAYERS]}


def skip_option(section: dict) -> dict:
    return {"skip": float(section["skip"])}


def no_options(section: dict) -> dict:
    return {}


# --- job settings from the config (the library's defaults where a key is absent) -----------


def gamp_settings(section: dict) -> dict:
    gamp = section["gamp"]
    return {k: gamp[k] for k in ("damping", "max_iter", "tol", "window") if k in gamp}


def sgd_settings(section: dict) -> dict:
    keys = ("lr", "weight_decay", "batch", "steps_per_batch", "epochs", "test_every", "device")
    return {k: section["sgd"][k] for k in keys if k in section["sgd"]}


def trec_settings(section: dict) -> dict:
    keys = ("lr", "weight_decay", "batch", "epochs", "records_per_epoch", "device")
    return {k: section["trec"][k] for k in keys if k in section["trec"]}


# --- checks and sizes -----------------------------------------------------------------------


def planned_jobs(section: dict) -> dict[str, int]:
    """Jobs per rule that the section asks for."""
    return {
        "deep_se": len(LAYERS),
        "deep_threshold_curve": len(LAYERS),
        "deep_gamp": len(all_gamp_paths(section)),
        "deep_sgd": len(sgd_paths(section)),
        "deep_trec": len(trec_paths(section)),
    }


def sgd_memory(section: dict) -> float:
    from aim.deep.sgd import memory_mb

    sgd = section["sgd"]
    n = max(1, round(float(sgd["alpha"]) * sgd["d"]))
    return memory_mb(runs=sgd["runs_per_job"], n=n, d=sgd["d"], dtype="float32")


def gamp_memory(section: dict) -> float:
    from aim.deep.amp import memory_mb

    gamp = section["gamp"]
    alphas = [*gamp["L2_alpha"], *gamp["L3_alpha"], gamp["trace_alpha"]]
    n = max(1, round(max(map(float, alphas)) * gamp["d"]))
    return memory_mb(n=n, d=gamp["d"])


def check_section(section: dict, *, limits: dict, job_sizes: bool = True) -> None:
    """What the schema cannot say, before any job is planned: ranges run upwards, the trace
    point is one of the GAMP points, job counts and memory fit the limits."""
    ranges = {f"se.L{layers}": section["se"][f"L{layers}"] for layers in LAYERS}
    ranges["thresholds.skip"] = section["thresholds"]["skip"]
    for layers in LAYERS:
        if section["se"][f"L{layers}"]["min"] <= 0:
            raise InputError(f"deep.se.L{layers}.min: alpha must be > 0")
    for name, spec in ranges.items():
        if not spec["min"] < spec["max"]:
            raise InputError(
                f"deep.{name}: the lower end {spec['min']} must be below the upper end "
                f"{spec['max']}"
            )
    for rule, count in planned_jobs(section).items():
        if count > limits["jobs"]:
            raise InputError(
                f"deep: the config plans {count:,} {rule} jobs, over limits.jobs = "
                f"{limits['jobs']:,}"
            )
    if job_sizes:
        limit = limits.get("job_memory_mb")
        check_memory(sgd_memory(section), name="deep.sgd", what="an SGD job", limit_mb=limit)
        check_memory(gamp_memory(section), name="deep.gamp", what="a GAMP job", limit_mb=limit)
