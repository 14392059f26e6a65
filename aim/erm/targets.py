"""Where the wing's results live, and which of them a config asks for.

The one place that turns parameters into file names for the erm wing; no heavy import here:
the Snakefile reads it.
"""

from __future__ import annotations

import numpy as np

from aim.core.grids import log_grid
from aim.core.validation import InputError

ROOT = "results/erm"
THRESHOLDS = ROOT + "/theory/thresholds.nc"


def log_of(template: str) -> str:
    """The log of a result: the same name under results/erm/logs/, ending in .log."""
    return template.replace(f"{ROOT}/", f"{ROOT}/logs/", 1).removesuffix(".nc") + ".log"


def threshold_grids(section: dict) -> dict:
    """The kappa0 grids and noise levels of the threshold table (the job's parameters)."""
    th = section["thresholds"]
    unit = th["kappa0_unit"]
    step = 1.0 / unit["points"]
    return {
        "kappa0_unit": np.round(np.arange(1, unit["points"]) * step, 12).tolist(),
        "kappa0": log_grid(th["kappa0"]["min"], th["kappa0"]["max"], th["kappa0"]["per_decade"])
        .astype(float)
        .tolist(),
        "noise": [float(v) for v in th["noise"]],
    }


def thresholds_figure_inputs(section: dict) -> dict[str, list[str]]:
    return {"thresholds": [THRESHOLDS]}


def thresholds_figure_options(section: dict) -> dict:
    return {}


def check_section(section: dict) -> None:
    """What the schema cannot say, before any job is planned: ranges run upwards."""
    kappa0 = section["thresholds"]["kappa0"]
    if not kappa0["min"] < kappa0["max"]:
        raise InputError(
            f"erm.thresholds.kappa0: the lower end {kappa0['min']} must be below the upper "
            f"end {kappa0['max']}"
        )
