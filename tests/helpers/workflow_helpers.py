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
    """A copy of everything a run reads, so that edits and results stay in `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_PARTS:
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / name)
    return root


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
        "gather": 3 + ("erm" in cfg),
        "bayes_hardmax": 1,
        "bayes_hardmax_published": 1,
        "bayes_softmax": 1,
        "erm_theory_thresholds": int("erm" in cfg),
        "erm_thresholds": int("erm" in cfg),
        "all": 1,
    }
    return {rule: n for rule, n in counts.items() if n}


def load_config(name: str) -> dict:
    return yaml.safe_load((REPO / name).read_text())
