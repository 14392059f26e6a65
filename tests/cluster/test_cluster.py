"""The test config through a real one-node SLURM cluster, against a local run.

Marked `cluster` (run with `pytest -m cluster`, as root: it installs SLURM when missing and
starts its daemons). `.ci/run` runs it.
"""

import json
import os
import re
import time

import numpy as np
import pytest
import xarray as xr
from cluster.slurm import SlurmCluster
from workflow_helpers import copy_workflow, snakemake

pytestmark = pytest.mark.cluster

SLURM_FLAGS = (
    "--profile",
    "profiles/slurm",
    "--slurm-no-account",
    "--slurm-status-command",
    "squeue",
    "--slurm-init-seconds-before-status-checks",
    "2",
    "--default-resources",
    "slurm_partition=debug",
    "--jobs",
    "4",
)


def _timed_run(root, *args, env=None):
    start = time.monotonic()
    result = snakemake("--configfile", "config/test.yaml", *args, cwd=root, env=env)
    return time.monotonic() - start, result


def _results(root):
    return sorted(p.relative_to(root) for p in (root / "results").rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("the cluster test starts SLURM daemons: run it as root")
    base = tmp_path_factory.mktemp("cluster")
    local = copy_workflow(base / "local")
    remote = copy_workflow(base / "slurm")
    local_seconds, _ = _timed_run(local)
    with SlurmCluster(base / "daemons") as cluster:
        slurm_seconds, result = _timed_run(remote, *SLURM_FLAGS, env=cluster.env)
    timings = {"local_seconds": local_seconds, "slurm_seconds": slurm_seconds}
    (base / "timings.json").write_text(json.dumps(timings))
    print(f"\ntest config: local {local_seconds:.0f} s, through SLURM {slurm_seconds:.0f} s")
    return local, remote, result


def test_slurm_run_submits_jobs_and_completes(runs):
    _, remote, result = runs
    submitted = re.findall(r"submitted with SLURM jobid (\d+)", result.stdout + result.stderr)
    assert len(submitted) >= 3  # theory, AMP and GD groups at least
    for figure in ("fig_hardmax", "fig_hardmax_published", "fig_softmax"):
        assert (remote / f"results/figures/{figure}.png").stat().st_size > 10_000


def test_slurm_and_local_runs_write_the_same_numbers(runs):
    local, remote, _ = runs
    datasets = [p for p in _results(local) if p.suffix == ".nc"]
    assert datasets == [p for p in _results(remote) if p.suffix == ".nc"]
    for path in datasets:
        with xr.open_dataset(local / path) as a, xr.open_dataset(remote / path) as b:
            assert sorted(a.data_vars) == sorted(b.data_vars)
            for name in a.data_vars:
                np.testing.assert_allclose(
                    a[name].values, b[name].values, rtol=1e-12, equal_nan=True, err_msg=str(path)
                )
            assert a.attrs["provenance_parameters"] == b.attrs["provenance_parameters"]
