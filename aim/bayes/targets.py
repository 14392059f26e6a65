"""Where the wing's results live, and which of them a config asks for.

The one place that turns parameters into file names: the pipeline's rules take their output
patterns from the templates below, and each figure's inputs are listed from the config's
`bayes` section with the same templates. No heavy import here: the Snakefile reads it.
"""

from __future__ import annotations

import numpy as np

from aim.bayes import costs
from aim.bayes.channels import x_per_alpha
from aim.core.grids import log_grid
from aim.core.io import format_value
from aim.core.validation import InputError, check_memory

ROOT = "results/bayes"
THEORY_HARDMAX = ROOT + "/theory/hardmax_{variant}_T2_rho{rho}.nc"
THEORY_SOFTMAX = ROOT + "/theory/softmax_T{T}_rho{rho}.nc"
AMP_HARDMAX = (
    ROOT + "/amp/hardmax_{variant}_{teacher}_T2_rho{rho}_alpha{alpha}_d{d}_seeds{seeds}.nc"
)
AMP_SOFTMAX = ROOT + "/amp/softmax_T{T}_rho{rho}_alpha{alpha}_d{d}_seeds{seeds}.nc"
PHASE_ROW = ROOT + "/theory/phase/{channel}_T2_rho{rho}.nc"
GD_SOFTMAX = ROOT + "/gd/softmax_T{T}_rho{rho}_alpha{alpha}_d{d}_K{K}_seed{seed}.nc"


VALIDATION_CSV = ROOT + "/validation.csv"
VALIDATION_HTML = ROOT + "/validation.html"


def validation_inputs(section: dict, figures: list[str]) -> list[str]:
    """The aggregates the validation table reads: the listed figures that draw simulations
    (empty: no table)."""
    simulated = {
        "bayes_hardmax": bool(section["hardmax"].get("amp")),
        "bayes_hardmax_published": bool(section["hardmax"].get("amp")),
        "bayes_softmax": bool(section["softmax"].get("amp") or section["softmax"].get("gd")),
        "bayes_finite_size": True,
    }
    return [f"{ROOT}/aggregated/{f}.nc" for f, drawn in simulated.items() if drawn and f in figures]


def log_of(template: str) -> str:
    """The log of a result: the same name under results/<paper>/logs/, ending in .log."""
    return template.replace(f"{ROOT}/", f"{ROOT}/logs/", 1).removesuffix(".nc") + ".log"


def hardmax_rhos(section: dict) -> list[float]:
    hm = section["hardmax"]
    return sorted(set(hm["rho"]) | set(hm["rho_rescaled"]))


def hardmax_curves(section: dict, *, variant: str) -> list[str]:
    return [
        THEORY_HARDMAX.format(variant=variant, rho=format_value(rho))
        for rho in hardmax_rhos(section)
    ]


def hardmax_limit(*, variant: str) -> list[str]:
    """The rescaled rho -> 0 curve (computed as rho = 0)."""
    return [THEORY_HARDMAX.format(variant=variant, rho=format_value(0.0))]


def softmax_left_curves(section: dict) -> list[str]:
    rhos = section["softmax"]["rho"] + [float("inf")]
    return [THEORY_SOFTMAX.format(T=2, rho=format_value(r)) for r in rhos]


def softmax_universal_curves(section: dict) -> list[str]:
    rho = format_value(section["softmax"]["rho_universal"])
    return [THEORY_SOFTMAX.format(T=T, rho=rho) for T in section["softmax"]["T"]]


def seed_blocks(amp: dict) -> list[str]:
    """Seeds 0..seeds-1 in blocks of seeds_per_job, spelled 'first-last'."""
    n, per_job = amp["seeds"], amp["seeds_per_job"]
    return [f"{lo}-{min(lo + per_job, n) - 1}" for lo in range(0, n, per_job)]


def seed_range(block: str) -> list[int]:
    first, last = map(int, block.split("-"))
    return list(range(first, last + 1))


def amp_settings(amp: dict, *, variant: str | None = None) -> dict:
    """The solver settings of an `amp` section (damping, tol, max_iter, window, drift_tol,
    norm_bound); the published hardmax figure adds its damping onset
    (`published_damping_start`)."""
    keys = ("damping", "tol", "max_iter", "window", "drift_tol", "norm_bound")
    settings = {key: amp[key] for key in keys if key in amp}
    if variant == "published":
        settings["damping_start"] = amp.get("published_damping_start", "auto")
    return settings


def amp_teacher(amp: dict, *, variant: str) -> str:
    """The hardmax teacher of a figure's AMP runs: natural, except where the published
    figure asks for the authors' (`published_teacher`)."""
    return amp.get("published_teacher", "authors") if variant == "published" else "natural"


def hardmax_amp_runs(section: dict, *, variant: str) -> list[str]:
    amp = section["hardmax"].get("amp")
    if not amp:
        return []
    teacher = amp_teacher(amp, variant=variant)
    return [
        AMP_HARDMAX.format(
            variant=variant,
            teacher=teacher,
            rho=format_value(rho),
            alpha=format_value(alpha),
            d=amp["d"],
            seeds=b,
        )
        for rho in section["hardmax"]["rho"]
        for alpha in amp["alpha"]
        for b in seed_blocks(amp)
    ]


def softmax_amp_runs(section: dict) -> list[str]:
    amp = section["softmax"].get("amp")
    if not amp:
        return []
    rho = format_value(section["softmax"]["rho_universal"])
    return [
        AMP_SOFTMAX.format(
            T=T, rho=rho, alpha=format_value(x / x_per_alpha(T)), d=amp["d"], seeds=b
        )
        for T in amp["T"]
        for x in amp["x"]
        for b in seed_blocks(amp)
    ]


def gd_alphas(gd: dict, *, T: int) -> list[float]:
    """The log-spaced alpha grid of the GD runs, without points past x_max (if given)."""
    grid = np.geomspace(gd["alpha"]["min"], gd["alpha"]["max"], gd["alpha"]["points"])
    keep = grid * x_per_alpha(T) <= gd.get("x_max", np.inf)
    return [float(a) for a in grid[keep]]


def gd_settings(gd: dict) -> dict:
    """The training settings of a `gd` section (steps, lr, dtype, record_every)."""
    return {key: gd[key] for key in ("steps", "lr", "dtype", "record_every") if key in gd}


def softmax_gd_runs(section: dict) -> list[str]:
    gd = section["softmax"].get("gd")
    if not gd:
        return []
    rho = format_value(section["softmax"]["rho_universal"])
    return [
        GD_SOFTMAX.format(
            T=T, rho=rho, alpha=format_value(alpha), d=gd["d"], K=gd["students"], seed=seed
        )
        for T in gd["T"]
        for alpha in gd_alphas(gd, T=T)
        for seed in range(gd["draws"])
    ]


def hardmax_figure_inputs(section: dict, *, variant: str) -> dict[str, list[str]]:
    return {
        "curves": hardmax_curves(section, variant=variant),
        "limit": hardmax_limit(variant=variant),
        "amp": hardmax_amp_runs(section, variant=variant),
    }


def hardmax_figure_options(section: dict) -> dict:
    hm = section["hardmax"]
    return {
        "rho_alpha": hm["rho"],
        "rho_alpha_bar": hm["rho_rescaled"],
        "solver": section.get("solver", {}),
    }


def softmax_figure_inputs(section: dict) -> dict[str, list[str]]:
    return {
        "left": softmax_left_curves(section),
        "universal": softmax_universal_curves(section),
        "amp": softmax_amp_runs(section),
        "gd": softmax_gd_runs(section),
    }


def softmax_figure_options(section: dict) -> dict:
    return {"rho_universal": section["softmax"]["rho_universal"]}


def phase_rhos(section: dict) -> list[float]:
    grid = section["phase_diagram"]["rho"]
    return [float(r) for r in log_grid(grid["min"], grid["max"], grid["per_decade"])]


def phase_figure_inputs(section: dict) -> dict[str, list[str]]:
    return {
        channel: [
            PHASE_ROW.format(channel=channel, rho=format_value(rho)) for rho in phase_rhos(section)
        ]
        for channel in ("softmax", "hardmax")
    }


def phase_figure_options(section: dict) -> dict:
    return {}


def finite_size_inputs(section: dict) -> dict[str, list[str]]:
    """The AMP and GD jobs of the finite-size figure: the figures' own job templates at
    each d (a run shared with another figure is computed once)."""
    fs = section["finite_size"]
    rho = format_value(fs["rho"])
    blocks = seed_blocks(fs)
    hardmax = [
        AMP_HARDMAX.format(
            variant="exact", teacher="natural", rho=rho, alpha=format_value(a), d=d, seeds=b
        )
        for a in fs["hardmax_alpha"]
        for d in fs["d"]
        for b in blocks
    ]
    softmax = [
        AMP_SOFTMAX.format(T=2, rho=rho, alpha=format_value(x / x_per_alpha(2)), d=d, seeds=b)
        for x in fs["softmax_x"]
        for d in fs["d"]
        for b in blocks
    ]
    gd, settings = fs["gd"], section["softmax"].get("gd")  # students, steps, lr
    if settings is None:
        return {"hardmax": hardmax, "softmax": softmax, "gd": []}
    students = settings["students"]
    averaged = [
        GD_SOFTMAX.format(
            T=2, rho=rho, alpha=format_value(x / x_per_alpha(2)), d=d, K=students, seed=seed
        )
        for x in gd["x"]
        for d in gd["d"]
        for seed in range(gd["draws"])
    ]
    return {"hardmax": hardmax, "softmax": softmax, "gd": averaged}


def finite_size_options(section: dict) -> dict:
    return {"rho": section["finite_size"]["rho"], "solver": section.get("solver", {})}


def _log_points(lo: float, hi: float, per_decade: int) -> int:
    """Points of log_grid(lo, hi, per_decade), counted without building it."""
    return int(np.ceil(per_decade * np.log10(hi)) - np.floor(per_decade * np.log10(lo))) + 1


def largest_curve(section: dict) -> int:
    """Grid points of the longest SE curve the section asks for."""
    hm, x = section["hardmax"], section["softmax"]["x"]
    per_decade = max(hm["alpha"]["per_decade"], hm["alpha_bar"]["per_decade"])
    hardmax = max(
        _log_points(
            min(hm["alpha"]["min"], hm["alpha_bar"]["min"] * rho),
            max(hm["alpha"]["max"], hm["alpha_bar"]["max"] * rho),
            per_decade,
        )
        for rho in hardmax_rhos(section)
    )
    softmax = int(x["max"] / x["step"]) + 1 + _log_points(x["min_log"], x["max"], x["per_decade"])
    return max(hardmax, softmax)


def planned_jobs(section: dict) -> dict[str, int]:
    """Upper bounds on the simulation jobs per rule, counted without listing them."""
    hm, sm = section["hardmax"], section["softmax"]
    counts = {}
    if amp := hm.get("amp"):
        blocks = -(-amp["seeds"] // amp["seeds_per_job"])
        counts["bayes_amp_hardmax"] = 2 * len(hm["rho"]) * len(amp["alpha"]) * blocks
    if amp := sm.get("amp"):
        blocks = -(-amp["seeds"] // amp["seeds_per_job"])
        counts["bayes_amp_softmax"] = len(amp["T"]) * len(amp["x"]) * blocks
    if gd := sm.get("gd"):
        counts["bayes_gd_softmax"] = len(gd["T"]) * gd["alpha"]["points"] * gd["draws"]
    return counts


def _check_subsets(sm: dict) -> None:
    for name in ("amp", "gd"):
        extra = set(sm.get(name, {}).get("T", [])) - set(sm["T"])
        if extra:
            raise InputError(
                f"bayes.softmax.{name}.T: {sorted(extra)} not in bayes.softmax.T = {sm['T']}; "
                "the figure draws only those T"
            )
    gd = sm.get("gd")
    if gd and "x_max" in gd and gd["draws"] and not any(gd_alphas(gd, T=T) for T in gd["T"]):
        lowest = gd["alpha"]["min"] * x_per_alpha(min(gd["T"]))
        raise InputError(
            f"bayes.softmax.gd.x_max: {gd['x_max']} lies below every GD point "
            f"(the lowest is x = {lowest:.3g}); lower alpha.min, raise x_max, or set draws: 0"
        )


def check_section(section: dict, *, limits: dict, job_sizes: bool = True) -> None:
    """What the schema cannot say, before any job is planned: ranges run upwards, the
    simulated T are drawn, and no job count exceeds the limits; with job_sizes, no job's
    estimated memory either (checked where the DAG is built, not again on a cluster node,
    whose free memory says nothing of the job it runs)."""
    hm, sm = section["hardmax"], section["softmax"]
    ranges = {
        "hardmax.alpha": (hm["alpha"]["min"], hm["alpha"]["max"]),
        "hardmax.alpha_bar": (hm["alpha_bar"]["min"], hm["alpha_bar"]["max"]),
        "softmax.x": (sm["x"]["min_log"], sm["x"]["max"]),
    }
    if "gd" in sm:
        ranges["softmax.gd.alpha"] = (sm["gd"]["alpha"]["min"], sm["gd"]["alpha"]["max"])
    for key, (lo, hi) in ranges.items():
        if not lo < hi:
            raise InputError(f"bayes.{key}: the lower end {lo} must be below the upper end {hi}")
    for rule, count in planned_jobs(section).items():  # before any grid is built
        if count > limits["jobs"]:
            raise InputError(
                f"bayes: the config plans up to {count:,} {rule} jobs, over limits.jobs = "
                f"{limits['jobs']:,}"
            )
    _check_subsets(sm)
    if not job_sizes:
        return
    limit = limits.get("job_memory_mb")
    points = largest_curve(section)
    check_memory(
        costs.theory_memory_mb(points=points),
        name="bayes.hardmax.alpha / bayes.softmax.x",
        what=f"an SE curve of {points:,} points",
        limit_mb=limit,
    )
    _check_simulation_memory(section, limit)


def _check_simulation_memory(section: dict, limit: int | None) -> None:
    hm, sm = section["hardmax"], section["softmax"]
    if amp := hm.get("amp"):
        need = costs.amp_memory_mb(alpha=max(amp["alpha"]), d=amp["d"], T=2)
        check_memory(need, name="bayes.hardmax.amp", what="its largest AMP job", limit_mb=limit)
    if amp := sm.get("amp"):
        need = max(
            costs.amp_memory_mb(alpha=x / x_per_alpha(T), d=amp["d"], T=T)
            for T in amp["T"]
            for x in amp["x"]
        )
        check_memory(need, name="bayes.softmax.amp", what="its largest AMP job", limit_mb=limit)
    if (gd := sm.get("gd")) and gd["draws"]:
        need = max(
            costs.gd_memory_mb(
                alpha=gd["alpha"]["max"],
                d=gd["d"],
                T=T,
                rho=sm["rho_universal"],
                students=gd["students"],
            )
            for T in gd["T"]
        )
        check_memory(need, name="bayes.softmax.gd", what="its largest GD job", limit_mb=limit)
