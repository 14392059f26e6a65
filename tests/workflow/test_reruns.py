"""What an edit reruns: exactly the jobs whose code or parameters changed (dry runs on a
finished copy of the tiny run)."""

from workflow_helpers import ERM_FIGURES, expected_counts, job_counts, load_config, snakemake

TEST_COUNTS = expected_counts(load_config("config/test.yaml"))
SIMULATED = {"bayes_hardmax": 1, "bayes_hardmax_published": 1, "bayes_softmax": 1}
PLOTS = {**SIMULATED, "bayes_phase_diagram": 1, "bayes_finite_size": 1}


def _dry_run_counts(root):
    return job_counts(snakemake("-n", "--configfile", "config/test.yaml", cwd=root).stdout)


def _edit(root, module, old, new):
    path = root / module
    text = path.read_text()
    assert old in text, f"{old!r} not in {module}"
    path.write_text(text.replace(old, new, 1))


def test_a_finished_run_has_nothing_to_do(finished_copy):
    assert _dry_run_counts(finished_copy) == {}


def test_docstring_and_comment_edits_rerun_nothing(finished_copy):
    for module in ("aim/bayes/amp.py", "aim/core/spectral.py", "aim/core/io.py"):
        _edit(finished_copy, module, '"""', '"""Edited docstring. ')
        path = finished_copy / module
        path.write_text(path.read_text() + "\n# a comment\n")
    _edit(
        finished_copy,
        "aim/bayes/amp.py",
        "    def overlaps(self, S",
        "    def overlaps(  # c\n        self, S",
    )
    assert _dry_run_counts(finished_copy) == {}


def test_editing_amp_code_reruns_only_amp_and_what_reads_it(finished_copy):
    _edit(finished_copy, "aim/bayes/amp.py", "MIN_PRECISION = 1e-8", "MIN_PRECISION = 1.0e-8 + 0")
    assert _dry_run_counts(finished_copy) == {
        "bayes_amp_hardmax": TEST_COUNTS["bayes_amp_hardmax"],
        "bayes_amp_softmax": TEST_COUNTS["bayes_amp_softmax"],
        "gather": 4,
        **SIMULATED,
        "bayes_finite_size": 1,
        "bayes_validation": 1,
        "all": 1,
    }


def test_editing_plotting_code_reruns_only_plots(finished_copy):
    _edit(finished_copy, "aim/bayes/plotting.py", "FIGSIZE = (6.8, 2.35)", "FIGSIZE = (6.8, 2.4)")
    assert _dry_run_counts(finished_copy) == {**PLOTS, "all": 1}


def test_editing_training_code_reruns_only_gd_and_its_figures(finished_copy):
    _edit(
        finished_copy, "aim/core/training.py", "u = u / math.sqrt(d)", "u = u * (1 / math.sqrt(d))"
    )
    assert _dry_run_counts(finished_copy) == {
        "bayes_gd_softmax": TEST_COUNTS["bayes_gd_softmax"],
        "gather": 2,
        "bayes_softmax": 1,
        "bayes_finite_size": 1,
        "bayes_validation": 1,
        "all": 1,
    }


def test_adding_an_alpha_point_runs_only_the_new_jobs(finished_copy):
    config = finished_copy / "config/test.yaml"
    text = config.read_text()
    config.write_text(text.replace("alpha: [0.6]}", "alpha: [0.6, 1.2]}"))
    out = snakemake("-n", "--configfile", "config/test.yaml", cwd=finished_copy).stdout
    assert job_counts(out) == {
        "bayes_amp_hardmax": 2,
        "effective_config": 1,
        "gather": 2,
        "bayes_hardmax": 1,
        "bayes_hardmax_published": 1,
        "bayes_validation": 1,
        "all": 1,
    }
    assert "hardmax_exact_natural_T2_rho0.5_alpha1.2_d30_seeds0-1.nc" in out


def test_editing_erm_training_reruns_only_the_erm_runs_and_their_figures(finished_copy):
    _edit(
        finished_copy,
        "aim/core/erm_training.py",
        "R, scale = len(seeds), float(task.d) ** 2",
        "R, scale = len(seeds), float(task.d * task.d)",
    )
    with_runs = [f for f in ERM_FIGURES if f != "erm_thresholds"]
    assert _dry_run_counts(finished_copy) == {
        "erm_gd": TEST_COUNTS["erm_gd"],
        "gather": len(with_runs),
        **dict.fromkeys(with_runs, 1),
        "all": 1,
    }


def test_editing_deep_sgd_code_reruns_only_the_sgd_runs_and_their_figure(finished_copy):
    _edit(finished_copy, "aim/deep/sgd.py", "LEARNED = 0.5", "LEARNED = 0.5 + 0")
    assert _dry_run_counts(finished_copy) == {
        "deep_sgd": TEST_COUNTS["deep_sgd"],
        "gather": 1,
        "deep_dynamics": 1,
        "all": 1,
    }
