"""Shared by the workflow and cluster tests: run Snakemake, copy the workflow, read jobs."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORKFLOW_PARTS = ("Snakefile", "workflow", "config", "envs", "aim", "profiles")


def snakemake(*args, cwd=REPO, check=True, env=None, cores="2"):
    cmd = [sys.executable, "-m", "snakemake", "--cores", cores, *args]
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def copy_workflow(root: Path) -> Path:
    """A copy of everything a run reads, so that edits and results stay in `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_PARTS:
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / name)
    return root


def job_counts(output: str) -> dict[str, int]:
    table = output.split("Job stats:")[1]
    return {
        m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M) if m[1] != "total"
    }
