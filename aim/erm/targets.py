"""Where the wing's results live, and which of them a config asks for.

The one place that turns parameters into file names for the erm wing: the rules take their
output patterns from the templates below, and each figure's inputs are listed from the
config's `erm` section with the same templates. No heavy import here: the Snakefile reads it.

A theory curve belongs to a figure group (its alpha grid is the group's); a GD job trains one
block of runs at one point, at every penalty of its group's lambda list (so an oracle sweep
over lambda is one batched job per block).
"""

from __future__ import annotations

import zlib
from typing import NamedTuple

import numpy as np

from aim.core.grids import log_grid
from aim.core.io import format_value
from aim.core.jobs import run_blocks, run_range  # noqa: F401 - the rules call run_range here
from aim.core.tokens import linear_observations
from aim.core.validation import InputError, check_memory
from aim.erm import costs

ROOT = "results/erm"
THRESHOLDS = ROOT + "/theory/thresholds.nc"
THEORY = ROOT + "/theory/{group}/{param}_T{T}_beta{beta}_kappa0{kappa0}_noise{noise}_lam{lam}.nc"
SPECTRUM = ROOT + "/theory/spectra/density_alpha{alpha}.nc"
BAYES_MMSE = ROOT + "/theory/vs_bayes/bayes_mmse_kappa0{kappa0}.nc"
GD = (
    ROOT + "/gd/{group}/{param}_{task}_T{T}_beta{beta}_kappa0{kappa0}_kappa{kappa}"
    "_noise{noise}_alpha{alpha}_d{d}_runs{runs}.nc"
)
GROUPS = ("spectra", "interpolation", "factorization", "appendix", "vs_bayes")
OPTIMUM = 0.0  # the lambda -> 0+ curve of the factorized parameterisation (lambda = 0)


class Curve(NamedTuple):
    """One SE curve: the wildcards of THEORY."""

    group: str
    kappa0: float
    noise: float
    lam: float
    param: str = "factorized"
    T: int = 2
    beta: float = 1.0

    @property
    def path(self) -> str:
        return THEORY.format(**_spelled(self._asdict()))


class Point(NamedTuple):
    """One GD job: a block of runs at one alpha, every lambda of its group: the wildcards
    of GD."""

    group: str
    kappa0: float
    noise: float
    alpha: float
    d: int
    runs: str
    param: str = "factorized"
    task: str = "label"
    T: int = 2
    beta: float = 1.0
    kappa: float = 1.0

    @property
    def path(self) -> str:
        return GD.format(**_spelled(self._asdict()))


def _spelled(fields: dict) -> dict:
    return {k: format_value(v) if isinstance(v, float) else v for k, v in fields.items()}


def log_of(template: str) -> str:
    """The log of a result: the same name under results/erm/logs/, ending in .log."""
    return template.replace(f"{ROOT}/", f"{ROOT}/logs/", 1).removesuffix(".nc") + ".log"


# --- grids ----------------------------------------------------------------------------------


def _grid(spec: dict) -> np.ndarray:
    return log_grid(spec["min"], spec["max"], spec["per_decade"])


def se_alphas(section: dict, group: str, *, T: int) -> list[float]:
    """The alpha grid of a group's SE curves (groups given in alpha_bar divide by (T^2+T-2)/2)."""
    spec = section[group]
    if "alpha" in spec:
        return _grid(spec["alpha"]).tolist()
    return (_grid(spec["alpha_bar"]) / linear_observations(T)).tolist()


def oracle_lams(section: dict, group: str) -> list[float]:
    """The penalty grid an oracle group picks from (ascending)."""
    return _grid(section[group]["lam"]).tolist()


def gd_lams(section: dict, group: str) -> list[float]:
    """The penalties every GD job of a group trains at."""
    if group in ("factorization", "vs_bayes"):
        return oracle_lams(section, group)
    if group == "interpolation":
        return sorted(float(v) for v in section[group]["lam"])
    return [float(section["base"]["lam"])]


def job_seed(base: int, path: str) -> int:
    """A job's seed: its config seed mixed with its output name without the run block, so
    that every point has its own teachers and the blocks of one point share a stream."""
    stem = path.rsplit("_runs", 1)[0]
    return int(np.random.SeedSequence([base, zlib.crc32(stem.encode())]).generate_state(1)[0])


# --- what each figure needs -----------------------------------------------------------------


def _base(section: dict) -> dict:
    return {k: float(section["base"][k]) for k in ("kappa0", "noise")}


def spectra_curves(section: dict) -> list[Curve]:
    """Fig. 1: the test-error/rank curve of every kappa0 of the rank panel (the base first)."""
    base, lam = _base(section), float(section["base"]["lam"])
    kappa0s = [base["kappa0"]] + [
        float(k) for k in section["spectra"]["rank_kappa0"] if k != base["kappa0"]
    ]
    return [Curve("spectra", kappa0=k, noise=base["noise"], lam=lam) for k in kappa0s]


def spectrum_densities(section: dict) -> list[str]:
    return [SPECTRUM.format(alpha=format_value(a)) for a in section["spectra"]["panels"]["alpha"]]


def _blocks(section: dict, runs: int | None = None) -> list[str]:
    gd = section["gd"]
    return run_blocks(gd["runs"] if runs is None else runs, gd["runs_per_job"])


def spectra_points(section: dict) -> list[Point]:
    sp, base, d = section["spectra"], _base(section), section["gd"]["d"]
    points = [
        Point("spectra", **base, alpha=float(a), d=d, runs=b, kappa=float(k))
        for k in sp["kappa"]
        for a in sp["gd_alpha"]
        for b in _blocks(section)
    ]
    panels = sp["panels"]
    points += [
        Point("spectra", **base, alpha=float(a), d=int(dp), runs=b)
        for a, dp in zip(panels["alpha"], panels["d"], strict=True)
        for b in _blocks(section, panels["runs"])
    ]
    return list(dict.fromkeys(points))


def interpolation_curves(section: dict) -> list[Curve]:
    base = _base(section)
    lams = sorted({float(v) for v in section["interpolation"]["lam"]} | {OPTIMUM}, reverse=True)
    return [Curve("interpolation", **base, lam=lam) for lam in lams]


def interpolation_points(section: dict) -> list[Point]:
    base, d = _base(section), section["gd"]["d"]
    return [
        Point("interpolation", **base, alpha=float(a), d=d, runs=b)
        for a in section["interpolation"]["gd_alpha"]
        for b in _blocks(section)
    ]


def _oracle_problem(section: dict, group: str) -> dict:
    spec = section[group]
    return {"kappa0": float(spec["kappa0"]), "noise": float(spec.get("noise", 0.0))}


def oracle_curves(section: dict, group: str, params=("factorized", "direct")) -> list[Curve]:
    """Every penalty of the group's grid (and lambda -> 0+ for the factorized model)."""
    problem, lams = _oracle_problem(section, group), oracle_lams(section, group)
    return [
        Curve(group, **problem, lam=lam, param=param)
        for param in params
        for lam in ([OPTIMUM] if param == "factorized" else []) + lams
    ]


def oracle_points(section: dict, group: str, params=("factorized", "direct")) -> list[Point]:
    spec, problem, d = section[group], _oracle_problem(section, group), section["gd"]["d"]
    alphas = spec.get("gd_alpha") or [a / linear_observations(2) for a in spec["gd_alpha_bar"]]
    return [
        Point(group, **problem, alpha=float(a), d=d, runs=b, param=param)
        for param in params
        for a in alphas
        for b in _blocks(section)
    ]


def appendix_curves(section: dict, figure: str) -> list[Curve]:
    """Figs. 4-6: the seq2lab SE lines (the seq2seq loss has the same large-d limit)."""
    ap, lam = section["appendix"], float(section["base"]["lam"])
    kappa0 = float(section["base"]["kappa0"])
    settings = {
        "seq2seq": [{}],
        "temperature": [{"beta": float(b)} for b in ap["beta"]],
        "tokens": [{"T": int(t)} for t in ap["se_T"]],
    }[figure]
    return [
        Curve("appendix", kappa0=kappa0, noise=float(noise), lam=lam, **extra)
        for extra in settings
        for noise in ap["noise"]
    ]


def appendix_points(section: dict, figure: str) -> list[Point]:
    ap, d = section["appendix"], section["gd"]["d"]
    kappa0 = float(section["base"]["kappa0"])
    settings = {
        "seq2seq": [{"task": t} for t in ("label", "seq2seq")],
        "temperature": [{"beta": float(b)} for b in ap["beta"]],
        "tokens": [{"T": int(t)} for t in ap["T"]],
    }[figure]
    return [
        Point(
            "appendix",
            kappa0=kappa0,
            noise=float(noise),
            alpha=float(ab) / linear_observations(extra.get("T", 2)),
            d=d,
            runs=b,
            **extra,
        )
        for extra in settings
        for noise in ap["noise"]
        for ab in ap["gd_alpha_bar"]
        for b in _blocks(section)
    ]


def bayes_mmse(section: dict) -> list[str]:
    return [BAYES_MMSE.format(kappa0=format_value(section["vs_bayes"]["kappa0"]))]


def all_curves(section: dict) -> list[Curve]:
    curves = spectra_curves(section) + interpolation_curves(section)
    curves += oracle_curves(section, "factorization")
    curves += oracle_curves(section, "vs_bayes", params=("factorized",))
    for figure in ("seq2seq", "temperature", "tokens"):
        curves += appendix_curves(section, figure)
    return list(dict.fromkeys(curves))


def all_points(section: dict) -> list[Point]:
    points = spectra_points(section) + interpolation_points(section)
    points += oracle_points(section, "factorization")
    points += oracle_points(section, "vs_bayes", params=("factorized",))
    for figure in ("seq2seq", "temperature", "tokens"):
        points += appendix_points(section, figure)
    return list(dict.fromkeys(points))


def _paths(items) -> list[str]:
    return [item.path for item in items]


# --- the figure registry's inputs and options ------------------------------------------------


def thresholds_figure_inputs(section: dict) -> dict[str, list[str]]:
    return {"thresholds": [THRESHOLDS]}


def spectra_figure_inputs(section: dict) -> dict[str, list[str]]:
    return {
        "curves": _paths(spectra_curves(section)),
        "densities": spectrum_densities(section),
        "gd": _paths(spectra_points(section)),
    }


def interpolation_figure_inputs(section: dict) -> dict[str, list[str]]:
    return {
        "curves": _paths(interpolation_curves(section)),
        "gd": _paths(interpolation_points(section)),
    }


def factorization_figure_inputs(section: dict) -> dict[str, list[str]]:
    return {
        "curves": _paths(oracle_curves(section, "factorization")),
        "gd": _paths(oracle_points(section, "factorization")),
        "thresholds": [THRESHOLDS],
    }


def appendix_figure_inputs(figure: str):
    def inputs(section: dict) -> dict[str, list[str]]:
        return {
            "curves": _paths(appendix_curves(section, figure)),
            "gd": _paths(appendix_points(section, figure)),
        }

    return inputs


def vs_bayes_figure_inputs(section: dict) -> dict[str, list[str]]:
    return {
        "curves": _paths(oracle_curves(section, "vs_bayes", params=("factorized",))),
        "gd": _paths(oracle_points(section, "vs_bayes", params=("factorized",))),
        "bayes": bayes_mmse(section),
    }


def no_options(section: dict) -> dict:
    return {}


def spectra_figure_options(section: dict) -> dict:
    panels = section["spectra"]["panels"]
    return {
        "d": int(section["gd"]["d"]),
        "panels": {
            "alpha": [float(a) for a in panels["alpha"]],
            "d": panels["d"],
            "runs": panels["runs"],
        },
    }


def appendix_figure_options(figure: str):
    def options(section: dict) -> dict:
        return {"figure": figure}

    return options


# --- checks and sizes -----------------------------------------------------------------------


def threshold_grids(section: dict) -> dict:
    """The kappa0 grids and noise levels of the threshold table (the job's parameters)."""
    th = section["thresholds"]
    unit = th["kappa0_unit"]
    step = 1.0 / unit["points"]
    return {
        "kappa0_unit": np.round(np.arange(1, unit["points"]) * step, 12).tolist(),
        "kappa0": _grid(th["kappa0"]).astype(float).tolist(),
        "noise": [float(v) for v in th["noise"]],
    }


def model_of(section: dict, wildcards) -> dict:
    """The ErmModel keywords of a theory curve: its file name's, and the solver's."""
    beta = float(wildcards.beta)
    return {
        "kappa0": float(wildcards.kappa0),
        "noise": float(wildcards.noise),
        "lam": float(wildcards.lam),
        "T": int(wildcards.T),
        "beta": beta,
        "beta0": beta,
        "parameterisation": wildcards.param,
        "log2_nodes": int(section["solver"]["log2_nodes"]),
    }


def base_model(section: dict) -> dict:
    """The ErmModel keywords of the spectrum panels: the paper's common problem."""
    base = section["base"]
    return {
        "kappa0": float(base["kappa0"]),
        "noise": float(base["noise"]),
        "lam": float(base["lam"]),
        "log2_nodes": int(section["solver"]["log2_nodes"]),
    }


def task_of(wildcards) -> dict:
    """The ErmTask keywords of a GD job, from its file name."""
    beta = float(wildcards.beta)
    return {
        "d": int(wildcards.d),
        "alpha": float(wildcards.alpha),
        "kappa0": float(wildcards.kappa0),
        "noise": float(wildcards.noise),
        "kappa": float(wildcards.kappa),
        "T": int(wildcards.T),
        "beta": beta,
        "beta0": beta,
        "parameterisation": wildcards.param,
        "task": wildcards.task,
    }


ADAM_KEYS = ("lr", "tol", "min_steps", "max_steps", "dtype", "device")


def adam_settings(gd: dict) -> dict:
    """The optimiser settings of the `gd` section."""
    return {key: gd[key] for key in ADAM_KEYS if key in gd}


def gd_size(section: dict, wildcards) -> dict:
    """What the cost model of a GD job needs, from its file name and the config."""
    _, runs = run_range(wildcards.runs)
    return {
        "alpha": float(wildcards.alpha),
        "d": int(wildcards.d),
        "T": int(wildcards.T),
        "kappa": float(wildcards.kappa),
        "pairs": runs * len(gd_lams(section, wildcards.group)),
        "steps": int(section["gd"]["steps_estimate"]),
        "dtype": section["gd"].get("dtype", "float32"),
    }


def gd_memory(section: dict, wildcards) -> int:
    """The memory a GD job asks for (MB), from its file name and the config."""
    size = gd_size(section, wildcards)
    return costs.gd_memory_mb(**{k: size[k] for k in ("alpha", "d", "T", "pairs", "dtype")})


def bayes_alpha_bars(section: dict) -> list[float]:
    """The Bayes-optimal MMSE's alpha_bar grid: steps of 0.0025 from 0 over the vs_bayes
    range (the curve ends in a kink at its threshold), and the SE curves' log grid."""
    ab = section["vs_bayes"]["alpha_bar"]
    linear = np.round(np.arange(0, ab["max"] + 1e-12, 0.0025), 12)
    return np.union1d(linear, _grid(ab)).tolist()


def planned_jobs(section: dict) -> dict[str, int]:
    """Jobs per rule that the section asks for."""
    return {
        "erm_theory": len(all_curves(section)),
        "erm_spectrum": len(spectrum_densities(section)),
        "erm_bayes_mmse": len(bayes_mmse(section)),
        "erm_gd": len(all_points(section)),
    }


def check_section(section: dict, *, limits: dict, job_sizes: bool = True) -> None:
    """What the schema cannot say, before any job is planned: ranges run upwards, lists
    match, job counts and (when job_sizes) every GD job's memory fit the limits."""
    ranges = {"thresholds.kappa0": section["thresholds"]["kappa0"]}
    for group in GROUPS:
        for key in ("alpha", "alpha_bar", "lam"):
            if isinstance(section[group].get(key), dict):
                ranges[f"{group}.{key}"] = section[group][key]
    for name, spec in ranges.items():
        if not spec["min"] < spec["max"]:
            raise InputError(
                f"erm.{name}: the lower end {spec['min']} must be below the upper end {spec['max']}"
            )
    panels = section["spectra"]["panels"]
    if len(panels["alpha"]) != len(panels["d"]):
        raise InputError(
            f"erm.spectra.panels: {len(panels['alpha'])} alpha but {len(panels['d'])} d; "
            "one d per panel"
        )
    extra = set(section["appendix"]["se_T"]) - set(section["appendix"]["T"])
    if extra:
        raise InputError(f"erm.appendix.se_T: {sorted(extra)} not in erm.appendix.T")
    for rule, count in planned_jobs(section).items():
        if count > limits["jobs"]:
            raise InputError(
                f"erm: the config plans {count:,} {rule} jobs, over limits.jobs = "
                f"{limits['jobs']:,}"
            )
    if job_sizes:
        need, largest = max((gd_memory(section, p), p) for p in all_points(section))
        check_memory(
            need,
            name="erm.gd",
            what=f"its largest GD job (d = {largest.d}, alpha = {largest.alpha:g})",
            limit_mb=limits.get("job_memory_mb"),
        )


def predicted_cpu_hours(section: dict) -> dict[str, float]:
    """CPU-hours of each figure's jobs by the cost model (a job shared by two figures is
    counted for both; `total` counts it once)."""
    threads = section["gd"]["threads"]
    log2_nodes = section["solver"]["log2_nodes"]

    def curve_hours(curve: Curve) -> float:
        points = len(se_alphas(section, curve.group, T=curve.T))
        return costs.theory_seconds(points=points, T=curve.T, log2_nodes=log2_nodes) / 3600

    def point_hours(point: Point) -> float:
        size = gd_size(section, point)
        return threads * costs.gd_seconds(**size, threads=threads) / 3600

    def hours(curves, points) -> float:
        return sum(map(curve_hours, curves)) + sum(map(point_hours, points))

    figures = {
        "erm_spectra": hours(spectra_curves(section), spectra_points(section)),
        "erm_interpolation": hours(interpolation_curves(section), interpolation_points(section)),
        "erm_factorization": hours(
            oracle_curves(section, "factorization"), oracle_points(section, "factorization")
        ),
        **{
            f"erm_{name}": hours(appendix_curves(section, name), appendix_points(section, name))
            for name in ("seq2seq", "temperature", "tokens")
        },
        "erm_vs_bayes": hours(
            oracle_curves(section, "vs_bayes", params=("factorized",)),
            oracle_points(section, "vs_bayes", params=("factorized",)),
        ),
    }
    figures["total"] = hours(all_curves(section), all_points(section))
    return figures
