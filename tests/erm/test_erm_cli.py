import json
import subprocess
import sys

import pytest

from aim.cli import main

SE = ["erm", "se", "--kappa0", "0.5", "--noise", "0.5", "--lam", "0.01", "--alpha", "0.5"]
KEYS = {
    "test_error",
    "train_loss",
    "mse",
    "rank",
    "q",
    "m",
    "sigma",
    "q_hat",
    "m_hat",
    "sigma_hat",
    "converged",
}


def test_se_prints_one_json_object():
    out = subprocess.run(
        [sys.executable, "-m", "aim", *SE, "--json"], capture_output=True, text=True, check=True
    ).stdout
    result = json.loads(out)
    assert KEYS <= result.keys() and result["converged"] is True
    assert result["test_error"] == pytest.approx(0.1361, abs=2e-3)
    assert result["mse"] == pytest.approx(1.5 - 2 * result["m"] + result["q"])


def test_lambda_to_zero_below_the_threshold_prints_infinite_sigma(capsys):
    argv = ["erm", "se", "--kappa0", "0.5", "--noise", "0.5", "--lam", "0", "--alpha", "0.1"]
    assert main([*argv, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["phase"] == "interpolating" and result["sigma"] == "inf"
    assert result["train_loss"] == 0.0


def test_thresholds(capsys):
    assert main(["erm", "thresholds", "--kappa0", "0.5", "--noise", "0.5", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["alpha_bar_interp"] == pytest.approx(0.306964, abs=1e-6)
    assert result["alpha_interp"] == pytest.approx(0.153482, abs=1e-6)
    assert result["alpha_bar_perfect_factorized"] == pytest.approx(0.4222, abs=5e-5)
    assert result["alpha_bar_perfect_direct"] == 0.5
    assert result["alpha_bar_bayes"] == pytest.approx(0.375)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--kappa0", "-1"], "argument --kappa0: must be >= 1e-06"),
        (["--noise", "nan"], "argument --noise: must be finite"),
        (["--alpha", "0"], "argument --alpha: must be > 0"),
        (["--T", "1"], "argument --T: must be in 2..8"),
        (["--log2-nodes", "30"], "argument --log2-nodes: must be in 8..20"),
        (["--lam", "0", "--param", "direct"], "argument --lam: the direct parameterisation"),
        (["--param", "low-rank"], "argument --param: invalid choice"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv, message):
    out = subprocess.run([sys.executable, "-m", "aim", *SE, *argv], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and message in out.stderr


def test_gd_prints_one_json_object_per_batch(capsys):
    argv = ["erm", "gd", "--kappa0", "0.5", "--noise", "0.5", "--lam", "0.01", "--alpha", "0.2"]
    assert main([*argv, "--d", "16", "--runs", "2", "--max-steps", "300", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("test_error", "test_error_clean", "train_loss", "mse", "steps", "stopped"):
        assert len(result[key]) == 2
    assert len(set(result["data_seeds"])) == 2
    assert all(0 < e < 1 for e in result["test_error"])


def test_gd_refuses_a_student_without_width():
    argv = ["erm", "gd", "--kappa0", "0.5", "--lam", "0.01", "--alpha", "0.2", "--d", "30"]
    out = subprocess.run(
        [sys.executable, "-m", "aim", *argv, "--kappa", "0.001"], capture_output=True, text=True
    )
    assert out.returncode == 2
    assert out.stderr.strip() == (
        "aim erm gd: error: argument --kappa: kappa d must round to a width >= 1 at d = 30"
    )
