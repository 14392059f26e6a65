"""The test config through a real one-node SLURM cluster, against a local run.

Marked `cluster` (run with `pytest -m cluster`, as root: it installs SLURM when missing and
starts its daemons). `.ci/run` runs it.
"""

import json
import os
import re
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from slurm import SlurmCluster
from workflow_helpers import copy_workflow, snakemake

from aim.figures import REGISTRY

pytestmark = pytest.mark.cluster

SLURM_FLAGS = (
    "--profile",
    "profiles/slurm",
    "--slurm-no-account",
    "--slurm-keep-successful-logs",  # a group job's log lists its members
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
        jobs = subprocess.run(
            ["scontrol", "show", "job", "-o"], env=cluster.env, capture_output=True, text=True
        ).stdout  # finished jobs stay listed for MinJobAge (300 s)
    timings = {"local_seconds": local_seconds, "slurm_seconds": slurm_seconds}
    (base / "timings.json").write_text(json.dumps(timings))
    print(f"\ntest config: local {local_seconds:.0f} s, through SLURM {slurm_seconds:.0f} s")
    return local, remote, result, jobs


def test_slurm_run_submits_jobs_and_completes(runs):
    _, remote, result, _ = runs
    submitted = re.findall(r"submitted with SLURM jobid (\d+)", result.stdout + result.stderr)
    assert len(submitted) >= 3  # theory, AMP and GD groups at least
    for figure in REGISTRY.values():
        assert (remote / figure.images["png"]).stat().st_size > 10_000


def test_slurm_and_local_runs_write_the_same_numbers(runs):
    local, remote, _, _ = runs
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


def _requested(output: str) -> dict[str, list[tuple[int, int]]]:
    """(mem_mb, runtime) of every job Snakemake submitted, by its rule or its group."""
    requested: dict[str, list[tuple[int, int]]] = {}
    group = None
    for line in output.splitlines():
        if m := re.search(r"Group job (\w+) ", line):
            group = m[1]
        elif m := re.match(r"(\s*)(?:local)?rule (\w+):", line):
            rule = m[2]
            group = group if m[1] else None  # an indented rule belongs to the group above
        elif m := re.search(r"resources: .*mem_mb=(\d+),.*runtime=(\d+)", line):
            requested.setdefault(group or rule, []).append((int(m[1]), int(m[2])))
    return requested


def _minutes(limit: str) -> int:
    days, _, clock = limit.rpartition("-")
    h, m, s = map(int, clock.split(":"))
    return (int(days or 0) * 24 + h) * 60 + m + (s > 0)


def test_slurm_jobs_carry_the_rules_memory_and_time(runs):
    """--default-resources slurm_partition=... on the command line must not replace the
    rules' own mem_mb and runtime: each SLURM job asks for exactly its rule's limits (a
    group job: at least its largest member's and at most the sum of its members', the
    members read from the group job's own log, since jobs of one group differ)."""
    _, _, result, jobs = runs
    requested = _requested(result.stdout + result.stderr)
    checked = 0
    for line in jobs.splitlines():
        fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
        log = Path(fields["StdOut"])
        name = next(p for p in log.parts if p.startswith(("rule_", "group_")))
        memory, minutes = int(fields["MinMemoryNode"].rstrip("M")), _minutes(fields["TimeLimit"])
        if name.startswith("rule_"):
            members = requested[name.removeprefix("rule_")]
            # jobs of one rule may differ in size (the L = 2 and L = 3 curves)
            assert (memory, minutes) in set(members), (name, members)
        else:
            members = [m for ms in _requested(log.read_text()).values() for m in ms]
            mems, times = [m for m, _ in members], [t for _, t in members]
            assert members, (name, "no member jobs in its log")
            assert max(mems) <= memory <= sum(mems), (name, memory, mems)
            assert max(times) <= minutes <= sum(times), (name, minutes, times)
        checked += 1
    assert checked >= 6  # three groups, three gathers and three plots at least
