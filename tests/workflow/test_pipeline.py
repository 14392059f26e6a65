"""The pipeline run for real on the test config: datasets, numbers, figures, the report,
a killed job and a failing one."""

import json
import os
import signal
import subprocess
import sys
import time

import matplotlib.pyplot as plt
import numpy as np
import pytest
import xarray as xr
import yaml
from scipy.integrate import trapezoid
from workflow_helpers import copy_workflow, expected_counts, load_config, snakemake

from aim.core.io import read_dataset
from aim.core.jobs import resolve
from aim.core.plotting import apply_rules, covered_points
from aim.figures import REGISTRY

FIGURES = tuple(REGISTRY)  # every registered figure: all of them are in the test config
AGG = "results/bayes/aggregated"


REFERENCES = {
    "bayes": "arXiv:2506.01582",
    "erm": "arXiv:2509.24914",
    "deep": "arXiv:2502.00901",
}


def test_tiny_run_produces_figures_and_datasets(tiny_run):
    for fig in FIGURES:
        for ext in ("pdf", "png"):
            path = tiny_run / f"results/{REGISTRY[fig].paper}/figures/{fig}.{ext}"
            assert path.stat().st_size > 10_000
    files = list((tiny_run / "results").rglob("*.nc"))
    counts = expected_counts(load_config("config/test.yaml"))
    simulations_and_theory = [
        r
        for r in counts
        if r.startswith(
            (
                "bayes_theory",
                "bayes_amp",
                "bayes_gd",
                "erm_theory",
                "erm_gd",
                "erm_spectrum",
            )
        )
        or r in ("deep_se", "deep_threshold_curve", "deep_gamp", "deep_sgd", "deep_trec")
        or r in ("erm_bayes_mmse", "bayes_phase_row")
    ]
    assert len(files) == sum(counts[r] for r in simulations_and_theory) + counts["gather"]
    for path in files:
        top, paper = path.relative_to(tiny_run).parts[:2]
        assert top == "results" and paper in REFERENCES
        with xr.open_dataset(path) as ds:
            for key in ("Conventions", "title", "source", "history", "references"):
                assert ds.attrs[key]
            assert ds.attrs["paper"] == paper and REFERENCES[paper] in ds.attrs["references"]
            assert ds.attrs["title"].startswith(f"[{paper}] ")
            assert {"commit", "dirty"} <= json.loads(ds.attrs["provenance_git"]).keys()
            assert json.loads(ds.attrs["provenance_parameters"])
            assert "numpy" in json.loads(ds.attrs["provenance_packages"])
            for var in ds.variables.values():
                assert var.attrs["long_name"] and var.attrs["units"]
            # an iterative solver's stopping state (a root search's: found); GD has no
            # stopping rule, only steps
            # ERM training: its stopping rule's state (stopped); deep GAMP and SGD: converged,
            # diverged (also as gamp_/sgd_ flags in aggregates); TREC: its records (fixed
            # epochs, no stopping rule)
            assert (
                "converged" in ds
                or "found" in ds
                or "stopped" in ds
                or any(name.endswith(("converged", "diverged")) for name in ds.data_vars)
                or ("step" in ds.coords and "loss" in ds)
                or "record_epoch" in ds.coords
            )


def test_no_legend_of_any_figure_covers_data(tiny_run):
    """The shared style's rule, on every figure of every paper as the pipeline draws it."""
    for fig_id, figure in REGISTRY.items():
        path = tiny_run / f"results/{figure.paper}/aggregated/{fig_id}.nc"
        fig = resolve(figure.plot)(read_dataset(path))
        apply_rules(fig)
        assert covered_points(fig) == {}, fig_id
        plt.close(fig)


def test_tiny_run_numbers_match_the_library(tiny_run):
    with xr.open_dataset(tiny_run / AGG / "bayes_hardmax.nc") as ds:
        assert ds.attrs["variant"] == "exact"
        assert float(ds.alpha_bar_weak) == pytest.approx(0.4034106, abs=1e-6)
        assert int(ds.converged.sum()) == int(np.isfinite(ds.mmse).sum())
    with xr.open_dataset(tiny_run / AGG / "bayes_hardmax_published.nc") as ds:
        assert "NOT the Bayes-optimal" in ds.attrs["variant_note"]
    with xr.open_dataset(tiny_run / AGG / "bayes_softmax.nc") as ds:
        assert ds.attrs["collapse_max_spread"] < 1e-10
        # x = 0.4 at rho = 0.5: the shared doc's 0.3922
        assert float(ds.mmse_universal.sel(T=2, x=0.4)) == pytest.approx(0.3922, abs=1e-4)
    with xr.open_dataset(tiny_run / "results/erm/aggregated/erm_thresholds.nc") as ds:
        assert float(ds.alpha_bar_perfect_factorized.sel(kappa0_unit=0.5)) == pytest.approx(
            0.4222, abs=5e-5
        )
        assert int(ds.found.sum()) == ds.found.size and ds.attrs["not_found"] == 0
        assert float(ds.alpha_bar_interp.sel(noise=0.0, kappa0=10.0)) == 0.5


def test_tiny_run_deep_aggregates(tiny_run):
    """Test-config numbers (2^9 to 2^10 outer nodes, so a few % from the converged values):
    the weak threshold of layer 2 (0.18544 at 2^16 nodes) within 0.01 and above the Jensen
    bound, the published values beside ours unchanged, eps_g(Q = 0) = 0.3869 (L = 2) and
    0.584 (L = 3) within 0.005 and 0.01, perfect recovery at alpha = 1.2 (alpha_PR = 1), the
    SGD layer 2 aligned in the first two epochs (d = 30, alpha = 15)."""
    agg = tiny_run / "results/deep/aggregated"
    with xr.open_dataset(agg / "deep_two_layer.nc") as ds:
        assert float(ds.alpha_weak_last) == pytest.approx(0.18544, abs=0.01)
        assert float(ds.alpha_weak_last) > float(ds.jensen_bound) > ds.published_alpha_weak_last
        assert float(ds.published_alpha_conditional_first) == 0.7936
        assert 0.6 < float(ds.alpha_conditional_first) < 0.8
        assert float(ds.gen_error_null) == pytest.approx(0.3869, abs=0.005)
        assert float(ds.Q.sel(alpha=1.2).min()) > 0.99
        assert int(ds.gamp_left_out) == int((ds.gamp_converged == 0).sum())
    with xr.open_dataset(agg / "deep_three_layer.nc") as ds:
        assert float(ds.gen_error_null) == pytest.approx(0.584, abs=0.01)
        assert ds.trec_similarity.shape[1:] == (2, 2)
        np.testing.assert_allclose(ds.trec_similarity.values[-1], 1.0, rtol=1e-6)
    with xr.open_dataset(agg / "deep_dynamics.nc") as ds:
        first = ds.sgd_first_aligned.sel(layer=2).values
        assert np.all((first >= 0) & (first <= 2))
    with xr.open_dataset(agg / "deep_thresholds.nc") as ds:
        assert ds.weak.sel(L=3).shape == (3, 3)
        assert np.all(ds.weak.values[np.isfinite(ds.weak.values)] > float(ds.jensen_bound))


def test_tiny_run_erm_aggregates(tiny_run):
    agg = tiny_run / "results/erm/aggregated"
    with xr.open_dataset(agg / "erm_interpolation.nc") as ds:
        # the reference alpha_bar_interp = 0.3069642 at kappa0 = Delta = 0.5, over 2
        assert ds.attrs["alpha_interp"] == pytest.approx(0.3069642 / 2, abs=1e-6)
        limit = ds.isel(curve=int(np.argmin(ds.lam.values)))
        assert float(limit.lam) == 0 and ds.attrs["peak_test_error"] == float(
            limit.test_error.max()
        )
    with xr.open_dataset(agg / "erm_vs_bayes.nc") as ds:
        assert ds.attrs["alpha_bar_perfect_bayes"] == pytest.approx(0.375, abs=1e-12)
        assert ds.attrs["alpha_bar_perfect_erm"] == pytest.approx(0.4222, abs=5e-5)
        # x = 2 alpha_bar = 0.4 at rho = 0.5: the shared doc's MMSE 0.3922
        at = np.argmin(abs(ds.bayes_alpha_bar.values - 0.2))
        assert float(ds.bayes_mmse[at]) == pytest.approx(0.3922, abs=1e-4)
    with xr.open_dataset(agg / "erm_spectra.nc") as ds:
        for k in range(ds.panel.size):  # the law's mass: its atom and its density, 1
            s, density = ds.law_s.values[k], ds.law_density.values[k]
            mass = float(ds.law_atom[k]) + trapezoid(np.r_[0, density], np.r_[0, s])
            assert mass == pytest.approx(1, abs=5e-3)
            teacher = float(ds.law_teacher_atom[k]) + trapezoid(
                np.r_[0, ds.law_teacher_density.values[k]], np.r_[0, s]
            )
            assert teacher == pytest.approx(1, abs=5e-3)


def test_tiny_run_gathers_erm_runs(tiny_run):
    """The aggregate's mean and count at a point are those of its blocks' runs."""
    blocks = sorted((tiny_run / "results/erm/gd/interpolation").glob("*.nc"))
    errors = []
    for path in blocks:
        with xr.open_dataset(path) as ds:
            errors += list(ds.test_error.sel(lam=0.01).values)
    with xr.open_dataset(tiny_run / "results/erm/aggregated/erm_interpolation.nc") as ds:
        row = ds.isel(point=int(np.flatnonzero(np.isclose(ds.gd_lam, 0.01))[0]))
        assert int(row.gd_runs) == len(errors) == 2
        assert float(row.gd_test_error_mean) == pytest.approx(np.mean(errors), rel=1e-6)
        assert float(row.gd_test_error_std) == pytest.approx(np.std(errors, ddof=1), rel=1e-6)


def test_tiny_run_gathers_amp_seeds(tiny_run):
    """Mean, std and count in the aggregate equal those of the per-block AMP datasets."""
    amp = tiny_run / "results/bayes/amp"
    runs = sorted(amp.glob("hardmax_exact_natural_T2_rho0.5_alpha0.6_d30_*.nc"))
    errors = []
    for path in runs:
        with xr.open_dataset(path) as run:
            errors.extend(run.mse.values)
    errors = np.asarray(errors)
    with xr.open_dataset(tiny_run / AGG / "bayes_hardmax.nc") as ds:
        point = ds.sel(rho=0.5, alpha_amp=0.6)
        assert int(point.amp_seeds) == errors.size == 2
        assert float(point.amp_mse_mean) == pytest.approx(errors.mean(), rel=1e-12)
        assert float(point.amp_mse_std) == pytest.approx(errors.std(ddof=1), rel=1e-12)
        assert ds.attrs["amp_d"] == 30
    with xr.open_dataset(tiny_run / AGG / "bayes_softmax.nc") as ds:
        point = ds.sel(T=2, x_amp=0.4)  # d = 30, 30 iterations: a run may be left out
        assert int(point.amp_seeds) + int(point.amp_left_out) == 2


def test_tiny_run_gathers_gd_draws(tiny_run):
    runs = sorted((tiny_run / "results/bayes/gd").glob("softmax_T2_rho0.5_alpha0.1_d16_*.nc"))
    single, averaged = [], []
    for path in runs:
        with xr.open_dataset(path) as run:
            single.append(float(run.single_mse.mean()))
            averaged.append(float(run.averaged_mse))
            assert run.student.size == 3 and run.loss.dims == ("step", "student")
    with xr.open_dataset(tiny_run / AGG / "bayes_softmax.nc") as ds:
        point = ds.sel(T=2, x_gd=0.4)
        assert int(point.gd_draws) == len(runs) == 2
        assert float(point.gd_single_mean) == pytest.approx(np.mean(single), rel=1e-12)
        assert float(point.gd_averaged_std) == pytest.approx(np.std(averaged, ddof=1), rel=1e-12)


def test_killed_job_leaves_no_result_and_the_next_run_completes(tmp_path):
    """SIGKILL to the whole run while an AMP job iterates: no dataset (or temporary file)
    appears, and after `--unlock` the next run finishes the job."""
    root = copy_workflow(tmp_path / "run")
    target = "results/bayes/amp/hardmax_published_authors_T2_rho0.5_alpha0.6_d200_seeds0-0.nc"
    cmd = [sys.executable, "-m", "snakemake", target, "--cores", "1"]
    run = subprocess.Popen(
        [*cmd, "--configfile", "config/test.yaml"],
        cwd=root,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    log = root / target.replace("results/bayes/", "results/bayes/logs/").replace(".nc", ".log")
    deadline = time.monotonic() + 120
    while not (log.exists() and "GAMP-RIE" in log.read_text()):
        assert time.monotonic() < deadline and run.poll() is None
        time.sleep(0.5)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    assert list((root / "results/bayes/amp").iterdir()) == []
    snakemake("--unlock", "--configfile", "config/test.yaml", cwd=root)  # a hard kill keeps it
    snakemake(target, "--configfile", "config/test.yaml", cwd=root)
    with xr.open_dataset(root / target) as ds:
        assert ds.seed.values.tolist() == [0]


def test_a_failing_job_shows_its_log(finished_copy):
    script = finished_copy / "workflow/scripts/plot.py"
    script.write_text(script.read_text() + '\nraise RuntimeError("a broken plot")\n')
    out = snakemake(
        "bayes_softmax",
        "--forcerun",
        "bayes_softmax",
        "--configfile",
        "config/test.yaml",
        cwd=finished_copy,
        check=False,
    )
    assert out.returncode != 0
    assert "RuntimeError: a broken plot" in out.stdout + out.stderr  # the log, shown
    assert not (finished_copy / "results/bayes/figures/bayes_softmax.png").exists()


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
    assert "alpha/rho = 0.4034" in html  # thresholds are read from the aggregates
    assert "Jensen bound 1/6" in html and "weak threshold of layer 2 (alpha = 0.18" in html


def test_caption_without_simulations_says_nothing_of_them(tmp_path):
    """A config with no AMP and no GD: the captions mention neither."""
    root = copy_workflow(tmp_path / "run")
    cfg = load_config("config/test.yaml")
    for section in (cfg["bayes"]["hardmax"], cfg["bayes"]["softmax"]):
        section.pop("amp", None)
        section.pop("gd", None)
    cfg.pop("deep")  # GAMP and SGD are not optional there
    cfg["figures"] = [
        f for f in cfg["figures"] if not f.startswith("deep_") and f != "bayes_finite_size"
    ]
    (root / "config/theory.yaml").write_text(yaml.safe_dump(cfg))
    snakemake("--configfile", "config/theory.yaml", cwd=root)
    report = root / "report.html"
    snakemake("--configfile", "config/theory.yaml", "--report", str(report), cwd=root)
    html = report.read_text()
    assert "threshold 0.5633" in html and "alpha/rho = 0.4034" in html
    for word in ("GAMP-RIE", "gradient descent", "AMP dots", "seeds"):
        assert word not in html


def test_a_diverging_gd_config_is_flagged_counted_and_drawn(tmp_path):
    root = copy_workflow(tmp_path / "run")
    cfg = load_config("config/test.yaml")
    cfg["figures"] = ["bayes_softmax"]
    cfg["bayes"]["softmax"].pop("amp")
    cfg["bayes"]["softmax"]["gd"]["lr"] = 1e30
    (root / "config/diverge.yaml").write_text(yaml.safe_dump(cfg))
    snakemake("--configfile", "config/diverge.yaml", cwd=root)
    gd = cfg["bayes"]["softmax"]["gd"]
    for path in (root / "results/bayes/gd").glob("*.nc"):
        with xr.open_dataset(path) as run:
            assert run.diverged.values.tolist() == [1] * gd["students"]
            assert np.isnan(run.single_mse).all() and np.isnan(run.averaged_mse)
    with xr.open_dataset(root / AGG / "bayes_softmax.nc") as ds:
        assert int(ds.gd_diverged.sum()) == gd["students"] * gd["draws"]
        assert int(ds.gd_draws.sum()) == 0  # no draw has a student left to count
    assert (root / "results/bayes/figures/bayes_softmax.png").stat().st_size > 10_000
    report = root / "report.html"
    snakemake("--configfile", "config/diverge.yaml", "--report", str(report), cwd=root)
    assert "students whose training diverged" in report.read_text()
