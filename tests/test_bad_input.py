"""Bad input, as a hostile new user would give it: every case fails before any work with a
non-zero exit and one line naming the argument or config key, no traceback, and nothing
written under results/."""

import copy
import subprocess
import sys

import pytest
import yaml
from workflow_helpers import REPO, load_config

SE = ["bayes", "se", "--channel", "hardmax", "--rho", "0.5", "--alpha", "0.6"]
AMP = ["bayes", "amp", "--channel", "hardmax", "--rho", "0.5", "--alpha", "0.6", "--d", "40"]
GD = ["bayes", "gd", "--T", "2", "--rho", "0.5", "--alpha", "0.05", "--d", "16"]
SOFT_SE = ["bayes", "se", "--channel", "softmax", "--rho", "0.5", "--alpha", "0.1"]

CLI_CASES = [
    (SE + ["--tol", "inf"], "--tol", "finite"),
    (SE + ["--tol", "nan"], "--tol", "finite"),
    (SE + ["--tol", "0"], "--tol", "> 0"),
    (SE + ["--damping", "nan"], "--damping", "finite"),
    (SE + ["--max-iter", "0"], "--max-iter", ">= 1"),
    (["bayes", "se", "--channel", "hardmax", "--rho", "1e-300", "--alpha", "0.6"], "--rho", ">="),
    (["bayes", "se", "--channel", "hardmax", "--rho", "nan", "--alpha", "0.6"], "--rho", "finite"),
    (["bayes", "se", "--channel", "hardmax", "--rho", "-1", "--alpha", "0.6"], "--rho", ">="),
    (["bayes", "se", "--channel", "hardmax", "--rho", "inf", "--alpha", "0.6"], "--rho", "softmax"),
    (
        ["bayes", "se", "--channel", "hardmax", "--rho", "0.5", "--alpha", "inf"],
        "--alpha",
        "finite",
    ),
    (SE + ["--beta", "5"], "--beta", "no temperature"),
    (SOFT_SE + ["--damping", "0.3"], "--damping", "closed form"),
    (SOFT_SE + ["--tol", "1e-3"], "--tol", "closed form"),
    (SOFT_SE + ["--max-iter", "3"], "--max-iter", "closed form"),
    (SOFT_SE + ["--beta", "nan"], "--beta", "finite"),
    (["bayes", "thresholds", "--channel", "hardmax", "--rho", "7"], "--rho", "leave --rho out"),
    (["bayes", "thresholds", "--channel", "softmax"], "--rho", "required"),
    (AMP[:-1] + ["100000"], "--alpha/--d/--T", "over the limit"),
    (AMP[:6] + ["--alpha", "1e9", "--d", "100"], "--alpha/--d/--T", "over the limit"),
    (
        ["bayes", "amp", "--channel", "softmax", "--T", "1000000", "--rho", "0.5", "--alpha", "0.6"]
        + ["--d", "20"],
        "--alpha/--d/--T",
        "over the limit",
    ),
    (AMP[:-1] + ["2"], "--d", ">= 4"),
    (AMP + ["--seed", "-1"], "--seed", "0..4294967295"),
    (AMP + ["--tol", "inf"], "--tol", "finite"),
    (AMP + ["--damping", "1"], "--damping", "< 1"),
    (GD + ["--students", "1000000000"], "--students", "over the limit"),
    (GD + ["--seed", "18446744073709551615"], "--seed", "0..4294967295"),
    (GD + ["--lr", "nan"], "--lr", "finite"),
    (GD + ["--lr", "-1"], "--lr", "> 0"),
    (GD + ["--steps", "0"], "--steps", ">= 1"),
    (GD + ["--threads", "0"], "--threads", ">= 1"),
    (GD + ["--T", "1"], "--T", ">= 2"),
    (GD + ["--rho", "0.01"], "--d", "rank"),
    (["bayes", "sse"], "command", "invalid choice"),
    (["linear", "se"], "paper", "invalid choice"),
]


def _one_line(out):
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    assert "Traceback" not in out.stderr and not out.stdout
    return lines[0]


@pytest.mark.parametrize(
    "argv, name, reason", CLI_CASES, ids=[" ".join(c[0][1:]) for c in CLI_CASES]
)
def test_cli_rejects_with_one_line(argv, name, reason):
    out = subprocess.run([sys.executable, "-m", "aim", *argv], capture_output=True, text=True)
    line = _one_line(out)
    assert out.returncode == 2 and name in line and reason in line, line


def test_gd_divergence_is_one_line_exit_1_and_valid_json():
    argv = GD + ["--lr", "1e30", "--steps", "20", "--students", "2", "--json", "--threads", "1"]
    out = subprocess.run([sys.executable, "-m", "aim", *argv], capture_output=True, text=True)
    assert out.returncode == 1 and "2 of 2 students diverged" in _one_line_stderr(out)
    result = yaml.safe_load(out.stdout)  # strict JSON is YAML; NaN would not parse as null
    assert "NaN" not in out.stdout and "Infinity" not in out.stdout
    assert result["single_mse"] == [None, None] and result["diverged"] == 2


def _one_line_stderr(out):
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    return lines[0]


def _set(cfg, keys, value):
    node = cfg
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value


INF, NAN = float("inf"), float("nan")
CONFIG_CASES = [
    (("bayes", "softmax", "amp", "tol"), INF, "bayes.softmax.amp.tol: must be finite"),
    (("bayes", "hardmax", "rho"), [0.5, INF], "bayes.hardmax.rho: must be finite"),
    (("bayes", "softmax", "rho_universal"), INF, "bayes.softmax.rho_universal: must be finite"),
    (("bayes", "hardmax", "rho"), [NAN], "bayes.hardmax.rho: must be finite"),
    (("bayes", "softmax", "gd", "lr"), NAN, "bayes.softmax.gd.lr: must be finite"),
    (("bayes", "hardmax", "amp", "damping"), NAN, "bayes.hardmax.amp.damping: must be finite"),
    (("bayes", "solver"), {"tol": NAN}, "bayes.solver.tol: must be finite"),
    (("bayes", "solver"), {"damping": 1.5}, "bayes.solver.damping: 1.5 is greater"),
    (("bayes", "hardmax", "alpha", "per_decade"), 10**9, "bayes.hardmax.alpha / bayes.softmax.x"),
    (
        ("bayes", "softmax", "gd", "alpha", "points"),
        10**7,
        "bayes_gd_softmax jobs, over limits.jobs",
    ),
    (("bayes", "hardmax", "amp", "d"), 100000, "bayes.hardmax.amp: its largest AMP job"),
    (("bayes", "softmax", "gd", "students"), 10**9, "bayes.softmax.gd: its largest GD job"),
    (("bayes", "softmax", "amp", "T"), [9], "bayes.softmax.amp.T: [9] not in"),
    (("bayes", "softmax", "gd", "T"), [7], "bayes.softmax.gd.T: [7] not in"),
    (("bayes", "softmax", "gd", "x_max"), 0.01, "bayes.softmax.gd.x_max: 0.01 lies below"),
    (("bayes", "hardmax", "alpha", "min"), 20, "bayes.hardmax.alpha: the lower end"),
    (("bayes", "softmax", "amp", "d"), 2, "bayes.softmax.amp.d: 2 is less than"),
    (("limits", "jobs"), 0, "limits.jobs: 0 is less than"),
    (("figures",), ["bayes_linear"], "figures: unknown figure 'bayes_linear'"),
]


def _dry_run(tmp_path, path):
    (tmp_path / "run").mkdir(exist_ok=True)
    cmd = [sys.executable, "-m", "snakemake", "-n", "--cores", "1", "--configfile", str(path)]
    cmd += ["--directory", str(tmp_path / "run"), "--snakefile", str(REPO / "Snakefile")]
    return subprocess.run(cmd, capture_output=True, text=True)


def _config_error(out):
    lines = [
        line
        for line in (out.stdout + out.stderr).splitlines()
        if line.strip() and not line.startswith("Using workflow specific profile")
    ]
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stdout + out.stderr
    return lines[0]


@pytest.mark.parametrize(
    "keys, value, message", CONFIG_CASES, ids=[".".join(c[0]) + f"={c[1]}" for c in CONFIG_CASES]
)
def test_config_rejects_with_one_line_before_any_job(tmp_path, keys, value, message):
    cfg = copy.deepcopy(load_config("config/test.yaml"))
    _set(cfg, keys, value)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg))
    out = _dry_run(tmp_path, path)
    line = _config_error(out)
    assert out.returncode != 0 and line.startswith("config error: ") and message in line, line
    assert not (tmp_path / "run/results").exists()


@pytest.mark.parametrize(
    "text, message",
    [
        ("bayse: {}\n", "(top level): Additional properties are not allowed ('bayse'"),
        ("hardmax: {}\n", "hardmax now live under 'bayes:'"),
        (
            "figures: [bayes_softmax]\nfigures: [bayes_hardmax]\n",
            "key 'figures' given twice",
        ),
    ],
    ids=["misspelled-top-level-key", "first-release-layout", "duplicate-key"],
)
def test_config_file_faults_are_one_line(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text((REPO / "config/test.yaml").read_text() + text)
    out = _dry_run(tmp_path, path)
    line = _config_error(out)
    assert out.returncode != 0 and message in line, line


def test_cli_and_schema_agree_on_the_smallest_d():
    from aim.core.validation import MIN_D

    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    assert schema["definitions"]["amp_runs"]["properties"]["d"]["minimum"] == MIN_D
    gd = schema["properties"]["bayes"]["properties"]["softmax"]["properties"]["gd"]
    assert gd["properties"]["d"]["minimum"] == MIN_D
