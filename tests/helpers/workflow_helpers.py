"""Shared by the workflow and cluster tests: run Snakemake, copy the workflow, count jobs."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOW_PARTS = ("Snakefile", "workflow", "config", "envs", "aim", "profiles")


def snakemake(*args, cwd=REPO, check=True, env=None, cores="2"):
    cmd = [sys.executable, "-m", "snakemake", "--cores", cores, *args]
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def dry_run(configfile, directory, *targets, check=True):
    """A dry run of the repository's Snakefile with results under `directory`."""
    return snakemake(
        "-n",
        *targets,
        "--configfile",
        str(configfile),
        "--directory",
        str(directory),
        "--snakefile",
        str(REPO / "Snakefile"),
        check=check,
    )


def copy_workflow(root: Path) -> Path:
    """A copy of everything a run reads, so that edits and results stay in `root`, with the
    TREC files where the test config reads them (data/trec)."""
    root.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_PARTS:
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / name)
    place_trec_files(root / "data/trec")
    return root


SHARED_TREC = REPO / "../shared/data/trec"
TREC_NAMES = ("train_5500.label", "TREC_10.label")


def place_trec_files(folder: Path) -> None:
    """The shared TREC copy where it exists; else small files in the same format whose label
    is told by one keyword among filler words (a fresh clone has no ../shared)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, count, seed in zip(TREC_NAMES, (5000, 500), (0, 1), strict=True):
        if (SHARED_TREC / name).is_file():
            shutil.copy(SHARED_TREC / name, folder / name)
        else:
            write_trec_like(folder / name, count, seed)


def write_trec_like(path: Path, count: int, seed: int) -> Path:
    labels = ("ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM")
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(count):
        label = int(rng.integers(len(labels)))
        words = [*rng.choice([f"w{i}" for i in range(40)], size=6), f"key{label}_{rng.integers(3)}"]
        rng.shuffle(words)
        lines.append(f"{labels[label]}:x {' '.join(words)} ?")
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    return path


def job_counts(output: str) -> dict[str, int]:
    if "Nothing to be done" in output:
        return {}
    table = output.split("Job stats:")[1]
    return {
        m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M) if m[1] != "total"
    }


def _seed_jobs(amp: dict) -> int:
    return -(-amp["seeds"] // amp.get("seeds_per_job", 4))  # ceil


def _gd_jobs(gd: dict) -> int:
    grid = np.geomspace(gd["alpha"]["min"], gd["alpha"]["max"], gd["alpha"]["points"])
    points = sum(int(np.sum(grid * (t * t + t - 2) <= gd.get("x_max", np.inf))) for t in gd["T"])
    return points * gd["draws"]


def _blocks(amp: dict) -> set[tuple[int, int]]:
    per_job = amp.get("seeds_per_job", 4)
    return {(lo, min(lo + per_job, amp["seeds"]) - 1) for lo in range(0, amp["seeds"], per_job)}


def _shared_hardmax(hm: dict, fs: dict) -> int:
    """Finite-size hardmax runs that are also exact-figure runs (same alpha, d and seeds)."""
    if "amp" not in hm or hm["amp"]["d"] not in fs["d"] or fs["rho"] not in hm["rho"]:
        return 0
    alphas = set(hm["amp"]["alpha"]) & set(fs["hardmax_alpha"])
    return len(alphas) * len(_blocks(hm["amp"]) & _blocks(fs))


def expected_counts(cfg: dict) -> dict[str, int]:
    """Jobs per rule that a config asks for, derived from the config alone."""
    hm, sm = cfg["bayes"]["hardmax"], cfg["bayes"]["softmax"]
    rhos = set(hm["rho"]) | set(hm["rho_rescaled"])
    softmax = {(2, r) for r in sm["rho"] + ["inf"]} | {(t, sm["rho_universal"]) for t in sm["T"]}
    counts = {
        "bayes_theory_hardmax": 2 * (len(rhos) + 1),  # exact and published, and rho -> 0
        "bayes_theory_softmax": len(softmax),
        "bayes_amp_hardmax": (
            2 * len(hm["rho"]) * len(hm["amp"]["alpha"]) * _seed_jobs(hm["amp"])
            if "amp" in hm
            else 0
        ),
        "bayes_amp_softmax": (
            len(sm["amp"]["T"]) * len(sm["amp"]["x"]) * _seed_jobs(sm["amp"]) if "amp" in sm else 0
        ),
        "bayes_gd_softmax": _gd_jobs(sm["gd"]) if "gd" in sm else 0,
        "effective_config": 1,
        "gather": 3,
        "bayes_hardmax": 1,
        "bayes_hardmax_published": 1,
        "bayes_softmax": 1,
        "bayes_validation": int(
            "amp" in hm or "amp" in sm or "gd" in sm or "bayes_finite_size" in cfg["figures"]
        ),
        "all": 1,
    }
    if "bayes_finite_size" in cfg["figures"]:
        fs = cfg["bayes"]["finite_size"]
        blocks = _seed_jobs(fs) * len(fs["d"])
        counts["bayes_amp_hardmax"] += len(fs["hardmax_alpha"]) * blocks - _shared_hardmax(hm, fs)
        counts["bayes_amp_softmax"] += len(fs["softmax_x"]) * blocks
        if "gd" in sm:  # the finite-size GD runs take their settings from softmax.gd
            counts["bayes_gd_softmax"] += (
                len(fs["gd"]["x"]) * len(fs["gd"]["d"]) * fs["gd"]["draws"]
            )
        counts["bayes_finite_size"] = 1
        counts["gather"] += 1
    if "bayes_phase_diagram" in cfg["figures"]:
        counts["bayes_phase_row"] = 2 * _log_points(cfg["bayes"]["phase_diagram"]["rho"])
        counts["bayes_phase_diagram"] = 1
        counts["gather"] += 1
    if "erm" in cfg:
        counts |= erm_counts(cfg["erm"])
        counts["gather"] += len(ERM_FIGURES)
    if "deep" in cfg:
        counts |= deep_counts(cfg["deep"])
        counts["gather"] += len(DEEP_FIGURES)
    return {rule: n for rule, n in counts.items() if n}


ERM_FIGURES = (
    "erm_spectra",
    "erm_interpolation",
    "erm_factorization",
    "erm_seq2seq",
    "erm_temperature",
    "erm_tokens",
    "erm_vs_bayes",
    "erm_thresholds",
)


def _log_points(spec: dict) -> int:
    lo, hi, k = spec["min"], spec["max"], spec["per_decade"]
    return int(round(np.ceil(k * np.log10(hi) - 1e-9) - np.floor(k * np.log10(lo) + 1e-9))) + 1


def erm_counts(erm: dict) -> dict[str, int]:
    """Jobs per erm rule, counted from the section as the paper's figures need them."""
    gd, ap, sp = erm["gd"], erm["appendix"], erm["spectra"]
    blocks = -(-gd["runs"] // gd["runs_per_job"])
    panel_blocks = -(-sp["panels"]["runs"] // gd["runs_per_job"])
    settings_se = {(b, 2) for b in ap["beta"]} | {(1, t) for t in ap["se_T"]} | {(1, 2)}
    settings_gd = (
        {("label", b, 2) for b in ap["beta"]}
        | {("label", 1, t) for t in ap["T"]}
        | {("seq2seq", 1, 2), ("label", 1, 2)}
    )
    spectra_points = {(k, a, gd["d"]) for k in sp["kappa"] for a in sp["gd_alpha"]}
    panels = {(1, a, d) for a, d in zip(sp["panels"]["alpha"], sp["panels"]["d"])}
    theory = (
        len({erm["base"]["kappa0"], *sp["rank_kappa0"]})
        + len({*erm["interpolation"]["lam"], 0})
        + 2 * _log_points(erm["factorization"]["lam"])
        + 1
        + _log_points(erm["vs_bayes"]["lam"])
        + 1
        + len(ap["noise"]) * len(settings_se)
    )
    gd_jobs = (
        len(spectra_points) * blocks
        + len(panels - spectra_points) * panel_blocks
        + len(erm["interpolation"]["gd_alpha"]) * blocks
        + 2 * len(erm["factorization"]["gd_alpha"]) * blocks
        + len(erm["vs_bayes"]["gd_alpha_bar"]) * blocks
        + len(ap["noise"]) * len(ap["gd_alpha_bar"]) * len(settings_gd) * blocks
    )
    return {
        "erm_theory": theory,
        "erm_spectrum": len(sp["panels"]["alpha"]),
        "erm_bayes_mmse": 1,
        "erm_gd": gd_jobs,
        "erm_theory_thresholds": 1,
        **dict.fromkeys(ERM_FIGURES, 1),
    }


DEEP_FIGURES = ("deep_two_layer", "deep_dynamics", "deep_three_layer", "deep_thresholds")


def deep_counts(deep: dict) -> dict[str, int]:
    """Jobs per deep rule: one SE and one threshold curve per layer count (2 and 3), one GAMP
    job per (L, alpha, seed) plus the traced run when it is not among them, run blocks."""
    gamp = deep["gamp"]
    points = {(2, a) for a in gamp["L2_alpha"]} | {(3, a) for a in gamp["L3_alpha"]}
    trace = 0 if (2, gamp["trace_alpha"]) in points else 1
    return {
        "deep_se": 2,
        "deep_threshold_curve": 2,
        "deep_gamp": len(points) * gamp["seeds"] + trace,
        "deep_sgd": -(-deep["sgd"]["runs"] // deep["sgd"]["runs_per_job"]),
        "deep_trec": -(-deep["trec"]["runs"] // deep["trec"]["runs_per_job"]),
        **dict.fromkeys(DEEP_FIGURES, 1),
    }


def load_config(name: str) -> dict:
    return yaml.safe_load((REPO / name).read_text())
