"""Workflow tests: dry runs, config validation, a real tiny run, incremental reruns."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml
from workflow_helpers import REPO, copy_workflow, job_counts, snakemake

from aim.io import write_dataset

FIGURES = ("fig_hardmax", "fig_hardmax_published", "fig_softmax")


def seed_jobs(amp: dict) -> int:
    per_job = amp.get("seeds_per_job", 4)
    return -(-amp["seeds"] // per_job)  # ceil


def gd_jobs(sm: dict) -> int:
    gd = sm["gd"]
    grid = np.geomspace(gd["alpha"]["min"], gd["alpha"]["max"], gd["alpha"]["points"])
    points = sum(int(np.sum(grid * (t * t + t - 2) <= gd.get("x_max", np.inf))) for t in gd["T"])
    return points * gd["draws"]


def expected_counts(configfile: str) -> dict[str, int]:
    cfg = yaml.safe_load((REPO / configfile).read_text())
    hm, sm = cfg["hardmax"], cfg["softmax"]
    rhos = set(hm["rho"]) | set(hm["rho_rescaled"])
    softmax = {(2, r) for r in sm["rho"] + ["inf"]} | {(t, sm["rho_universal"]) for t in sm["T"]}
    return {
        "amp_hardmax": 2 * len(hm["rho"]) * len(hm["amp"]["alpha"]) * seed_jobs(hm["amp"]),
        "amp_softmax": len(sm["amp"]["T"]) * len(sm["amp"]["x"]) * seed_jobs(sm["amp"]),
        "gd_softmax": gd_jobs(sm),
        "theory_hardmax": 2 * (len(rhos) + 1),
        "theory_softmax": len(softmax),
        "gather_hardmax": 2,
        "gather_softmax": 1,
        "plot": 3,
        "all": 1,
    }


@pytest.mark.parametrize(
    "configfile", ["config/config.yaml", "config/paper.yaml", "config/test.yaml"]
)
def test_dry_run_job_counts(configfile, tmp_path):
    out = snakemake(
        "-n",
        "--configfile",
        configfile,
        "--directory",
        str(tmp_path),
        "--snakefile",
        str(REPO / "Snakefile"),
    ).stdout
    assert job_counts(out) == expected_counts(configfile)


def test_one_figure_builds_only_what_it_needs(tmp_path):
    out = snakemake(
        "-n",
        "fig_softmax",
        "--configfile",
        "config/config.yaml",
        "--directory",
        str(tmp_path),
        "--snakefile",
        str(REPO / "Snakefile"),
    ).stdout
    counts = job_counts(out)
    assert {"theory_hardmax", "gather_hardmax", "amp_hardmax"}.isdisjoint(counts)
    assert counts["plot"] == 1 and counts["gather_softmax"] == 1


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c["hardmax"].__setitem__("rhos", c["hardmax"].pop("rho")), "rhos"),
        (lambda c: c["softmax"].__setitem__("rho", [0.5, -0.1]), "-0.1"),
        (lambda c: c.__setitem__("linear", {"rho": [0.5]}), "linear"),
        (lambda c: c.__setitem__("figures", ["fig_linear"]), "fig_linear"),
        (lambda c: c["solver"].__setitem__("damping", 1.5), "1.5"),
        (lambda c: c["hardmax"]["alpha"].__setitem__("min", 20), "hardmax.alpha"),
        (lambda c: c["softmax"]["amp"].__setitem__("d", 2), "2 is less than"),
        (lambda c: c["hardmax"]["amp"].__setitem__("seed", 3), "'seed' was unexpected"),
    ],
    ids=[
        "misspelled-key",
        "negative-rho",
        "unknown-channel",
        "unknown-figure",
        "damping",
        "reversed-range",
        "amp-tiny-d",
        "amp-misspelled",
    ],
)
def test_bad_config_rejected_at_parse_time(edit, message, tmp_path):
    cfg = yaml.safe_load((REPO / "config/config.yaml").read_text())
    edit(cfg)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(cfg))
    result = snakemake(
        "-n",
        "--configfile",
        str(bad),
        "--directory",
        str(tmp_path),
        "--snakefile",
        str(REPO / "Snakefile"),
        check=False,
    )
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert "Job stats" not in result.stdout


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """The test config run for real in a copy of the workflow (so edits stay local)."""
    root = copy_workflow(tmp_path_factory.mktemp("pipeline"))
    snakemake("--configfile", "config/test.yaml", cwd=root)
    return root


def test_tiny_run_produces_figures_and_datasets(tiny_run):
    for fig in FIGURES:
        for ext in ("pdf", "png"):
            assert (tiny_run / f"results/figures/{fig}.{ext}").stat().st_size > 10_000
    files = list((tiny_run / "results").rglob("*.nc"))
    assert len(files) == sum(
        expected_counts("config/test.yaml")[r]
        for r in (
            "amp_hardmax",
            "amp_softmax",
            "gd_softmax",
            "theory_hardmax",
            "theory_softmax",
            "gather_hardmax",
            "gather_softmax",
        )
    )
    for path in files:
        with xr.open_dataset(path) as ds:
            for key in ("Conventions", "title", "source", "history", "references"):
                assert ds.attrs[key]
            assert {"commit", "dirty"} <= json.loads(ds.attrs["provenance_git"]).keys()
            assert json.loads(ds.attrs["provenance_parameters"])
            assert "numpy" in json.loads(ds.attrs["provenance_packages"])
            for var in ds.variables.values():
                assert var.attrs["long_name"] and var.attrs["units"]
            # an iterative solver's stopping state; GD has no stopping rule, only steps
            assert "converged" in ds or ("step" in ds.coords and "loss" in ds)


def test_tiny_run_numbers_match_the_library(tiny_run):
    with xr.open_dataset(tiny_run / "results/aggregated/fig_hardmax.nc") as ds:
        assert ds.attrs["variant"] == "exact"
        assert float(ds.alpha_bar_weak) == pytest.approx(0.4034106, abs=1e-6)
        assert int(ds.converged.sum()) == int(np.isfinite(ds.mmse).sum())
    with xr.open_dataset(tiny_run / "results/aggregated/fig_hardmax_published.nc") as ds:
        assert "NOT the Bayes-optimal" in ds.attrs["variant_note"]
    with xr.open_dataset(tiny_run / "results/aggregated/fig_softmax.nc") as ds:
        assert ds.attrs["collapse_max_spread"] < 1e-10
        # x = 0.4 at rho = 0.5: the shared doc's 0.3922
        assert float(ds.mmse_universal.sel(T=2, x=0.4)) == pytest.approx(0.3922, abs=1e-4)


def test_tiny_run_gathers_amp_seeds(tiny_run):
    """Mean, std and count in the aggregate equal those of the per-block AMP datasets."""
    runs = sorted((tiny_run / "results/amp").glob("hardmax_exact_*.nc"))
    errors = []
    for path in runs:
        with xr.open_dataset(path) as run:
            errors.extend(run.mse.values)
    errors = np.asarray(errors)
    with xr.open_dataset(tiny_run / "results/aggregated/fig_hardmax.nc") as ds:
        point = ds.sel(rho=0.5, alpha_amp=0.6)
        assert int(point.amp_seeds) == errors.size == 2
        assert float(point.amp_mse_mean) == pytest.approx(errors.mean(), rel=1e-12)
        assert float(point.amp_mse_std) == pytest.approx(errors.std(ddof=1), rel=1e-12)
        assert ds.attrs["amp_d"] == 30
    with xr.open_dataset(tiny_run / "results/aggregated/fig_softmax.nc") as ds:
        assert int(ds.amp_seeds.sel(T=2, x_amp=0.4)) == 2


def test_tiny_run_gathers_gd_draws(tiny_run):
    runs = sorted((tiny_run / "results/gd").glob("*.nc"))
    single, averaged = [], []
    for path in runs:
        with xr.open_dataset(path) as run:
            single.append(float(run.single_mse.mean()))
            averaged.append(float(run.averaged_mse))
            assert run.student.size == 3 and run.loss.dims == ("step", "student")
    with xr.open_dataset(tiny_run / "results/aggregated/fig_softmax.nc") as ds:
        point = ds.sel(T=2, x_gd=0.4)
        assert int(point.gd_draws) == len(runs) == 2
        assert float(point.gd_single_mean) == pytest.approx(np.mean(single), rel=1e-12)
        assert float(point.gd_averaged_std) == pytest.approx(np.std(averaged, ddof=1), rel=1e-12)


@pytest.fixture
def finished_copy(tiny_run, tmp_path):
    """A copy of the finished tiny run (mtimes kept), for one edit."""
    root = tmp_path / "run"
    shutil.copytree(tiny_run, root, ignore=shutil.ignore_patterns("locks"))
    return root


def _dry_run_counts(root):
    return job_counts(snakemake("-n", "--configfile", "config/test.yaml", cwd=root).stdout)


def _touch_module(root, name):
    module = root / f"aim/{name}.py"
    module.write_text(module.read_text() + "\n# an edit\n")


def test_editing_plotting_code_reruns_only_plot_rules(finished_copy):
    assert (
        "Nothing to be done"
        in snakemake("-n", "--configfile", "config/test.yaml", cwd=finished_copy).stdout
    )
    _touch_module(finished_copy, "plotting")
    assert _dry_run_counts(finished_copy) == {"plot": 3, "all": 1}


def test_editing_gd_code_reruns_only_gd_and_the_softmax_figure(finished_copy):
    _touch_module(finished_copy, "gd")
    gd_jobs = expected_counts("config/test.yaml")["gd_softmax"]
    expected = {"gd_softmax": gd_jobs, "gather_softmax": 1, "plot": 1, "all": 1}
    assert _dry_run_counts(finished_copy) == expected


def test_editing_amp_code_reruns_only_amp_and_the_figures(finished_copy):
    _touch_module(finished_copy, "amp")
    counts = expected_counts("config/test.yaml")
    assert _dry_run_counts(finished_copy) == {
        "amp_hardmax": counts["amp_hardmax"],
        "amp_softmax": counts["amp_softmax"],
        "gather_hardmax": 2,
        "gather_softmax": 1,
        "plot": 3,
        "all": 1,
    }


def test_adding_an_alpha_point_runs_only_the_new_jobs(finished_copy):
    config = finished_copy / "config/test.yaml"
    cfg = yaml.safe_load(config.read_text())
    cfg["hardmax"]["amp"]["alpha"].append(1.2)
    config.write_text(yaml.safe_dump(cfg))
    out = snakemake("-n", "--configfile", "config/test.yaml", cwd=finished_copy).stdout
    assert job_counts(out) == {"amp_hardmax": 2, "gather_hardmax": 2, "plot": 2, "all": 1}
    assert "hardmax_exact_T2_rho0.5_alpha1.2_d30_seeds0-1.nc" in out


def test_killed_job_leaves_no_result_and_the_next_run_completes(tmp_path):
    """SIGKILL to the whole run while an AMP job iterates: no dataset (or temporary file)
    appears, and after `--unlock` the next run finishes the job."""
    root = copy_workflow(tmp_path / "run")
    target = "results/amp/hardmax_published_T2_rho0.5_alpha0.6_d200_seeds0-0.nc"  # ~5 s
    cmd = [sys.executable, "-m", "snakemake", target, "--cores", "1"]
    run = subprocess.Popen(
        [*cmd, "--configfile", "config/test.yaml"],
        cwd=root,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    log = root / target.replace("results/amp", "results/logs/amp").replace(".nc", ".log")
    deadline = time.monotonic() + 120
    while not (log.exists() and "GAMP-RIE" in log.read_text()):
        assert time.monotonic() < deadline and run.poll() is None
        time.sleep(0.5)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    assert list((root / "results/amp").iterdir()) == []
    snakemake("--unlock", "--configfile", "config/test.yaml", cwd=root)  # a hard kill keeps it
    snakemake(target, "--configfile", "config/test.yaml", cwd=root)
    with xr.open_dataset(root / target) as ds:
        assert ds.seed.values.tolist() == [0]


def test_a_failing_job_shows_its_log(finished_copy):
    script = finished_copy / "workflow/scripts/plot.py"
    script.write_text(script.read_text() + '\nraise RuntimeError("a broken plot")\n')
    out = snakemake(
        "fig_softmax",
        "--forcerun",
        "plot",
        "--configfile",
        "config/test.yaml",
        cwd=finished_copy,
        check=False,
    )
    assert out.returncode != 0
    assert "RuntimeError: a broken plot" in out.stdout + out.stderr  # the log, shown
    assert not (finished_copy / "results/figures/fig_softmax.png").exists()


def test_report_holds_every_figure_with_its_caption(finished_copy):
    report = finished_copy / "report.html"
    snakemake("--configfile", "config/test.yaml", "--report", str(report), cwd=finished_copy)
    html = report.read_text()
    for figure in FIGURES:
        assert f"{figure}.png" in html
    assert "<em>not</em> the Bayes-optimal error" in html  # the published figure's caption
    assert "threshold 0.5633" in html and "GAMP-RIE" in html and "gradient descent" in html
    assert "alpha for rho in [0.5]" in html  # parameters come from the config
    assert "{{" not in html  # every caption template was rendered


def test_interrupted_write_leaves_no_result(tmp_path, monkeypatch):
    ds = xr.Dataset(
        {"mmse": ("alpha", np.ones(4), {"long_name": "e", "units": "1"})},
        coords={"alpha": ("alpha", np.arange(4.0), {"long_name": "a", "units": "1"})},
    )
    target = tmp_path / "out.nc"

    def crash(self, path, *args, **kwargs):
        Path(path).write_bytes(b"CDF\x01 partial")
        raise KeyboardInterrupt  # the job is killed mid-write

    monkeypatch.setattr(xr.Dataset, "to_netcdf", crash)
    with pytest.raises(KeyboardInterrupt):
        write_dataset(ds, target)
    assert not target.exists() and list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    write_dataset(ds, target)
    with xr.open_dataset(target) as back:
        np.testing.assert_array_equal(back.mmse, 1.0)


def test_writer_refuses_variables_without_metadata(tmp_path):
    with pytest.raises(ValueError, match="long_name"):
        write_dataset(xr.Dataset({"mmse": ("alpha", np.ones(2))}), tmp_path / "x.nc")
