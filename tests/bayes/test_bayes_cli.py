import json
import subprocess
import sys

import numpy as np
import pytest

from aim.cli import main

BASE = ["se", "--channel", "hardmax", "--T", "2", "--rho", "0.5", "--alpha", "0.6"]


def _run(capsys, argv):
    code = main(argv)
    return code, capsys.readouterr().out


def test_module_entry_point_prints_json():
    out = subprocess.run(
        [sys.executable, "-m", "aim", *BASE, "--json"], capture_output=True, text=True, check=True
    ).stdout
    result = json.loads(out)
    assert {"mmse", "q", "q_hat", "converged"} <= result.keys()
    assert result["mmse"] == pytest.approx(0.168, abs=1e-3)
    assert result["q"] == pytest.approx(1.5 - result["mmse"], abs=1e-12)


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--variant", "published"], 0.440),
        (["--channel", "softmax", "--T", "3", "--alpha", "0.04"], 0.3922),  # x = 0.4
        (["--channel", "softmax", "--beta", "3", "--alpha", "0.15"], 0.1281),  # x = 0.6
    ],
)
def test_se_values(capsys, argv, expected):
    code, out = _run(capsys, BASE + argv + ["--json"])
    assert code == 0
    assert json.loads(out)["mmse"] == pytest.approx(expected, abs=1e-3)


def test_se_rescaled_limit(capsys):
    base = ["se", "--T", "2", "--rho", "0", "--alpha-bar"]
    _, out = _run(capsys, base + ["0.3", "--channel", "softmax", "--json"])
    assert json.loads(out)["mmse"] == pytest.approx(0.96, abs=1e-12)  # 4 u (1 - u), u = 0.6
    _, out = _run(capsys, base + ["0.3", "--channel", "hardmax", "--json"])
    assert json.loads(out)["mmse"] == 1.0  # below alpha_bar_c = 0.4034


def test_thresholds(capsys):
    _, out = _run(
        capsys, ["thresholds", "--channel", "softmax", "--T", "2", "--rho", "0.5", "--json"]
    )
    result = json.loads(out)
    assert [k for k in result if "perfect" in k] and result["alpha_perfect"] == pytest.approx(
        0.1875
    )
    for variant, value in (("exact", 0.4034106), ("published", 0.5632675)):
        argv = ["thresholds", "--channel", "hardmax", "--T", "2"]  # the rho -> 0 threshold
        _, out = _run(capsys, argv + ["--variant", variant, "--json"])
        assert json.loads(out)["alpha_bar_weak"] == pytest.approx(value, abs=1e-6)
    _, out = _run(
        capsys, ["thresholds", "--channel", "softmax", "--T", "3", "--rho", "0", "--json"]
    )
    assert json.loads(out)["alpha_bar_weak"] == pytest.approx(0.1)


def test_human_readable_summary(capsys):
    code, out = _run(capsys, BASE)
    assert code == 0 and "MMSE = 0.168" in out and "converged" in out


@pytest.mark.parametrize(
    "change, name",
    [
        (["--T", "1"], "--T"),
        (["--T", "3"], "--T"),  # hardmax is T = 2 only
        (["--rho", "-0.5"], "--rho"),
        (["--alpha", "-0.1"], "--alpha"),
        (["--channel", "softmax", "--beta", "0"], "--beta"),
        (["--channel", "linear"], "--channel"),
        (["--variant", "approximate"], "--variant"),
        (["--channel", "softmax", "--variant", "exact"], "--variant"),
        (["--rho", "0"], "--alpha"),  # --alpha given where --alpha-bar is needed
        (["--damping", "1.5"], "--damping"),
        (["--max-iter", "0"], "--max-iter"),
    ],
)
def test_bad_arguments_exit_nonzero_with_one_line(capsys, change, name):
    with pytest.raises(SystemExit) as exc:
        main(BASE + change)
    err = capsys.readouterr().err
    assert exc.value.code != 0
    assert len(err.strip().splitlines()) == 1 and f"argument {name}" in err


def test_rho_zero_requires_alpha_bar(capsys):
    with pytest.raises(SystemExit):
        main(["se", "--channel", "hardmax", "--rho", "0"])
    assert "argument --alpha-bar" in capsys.readouterr().err


def test_non_convergence_exits_nonzero(capsys):
    code, out = _run(capsys, BASE + ["--max-iter", "2", "--json"])
    assert code == 1 and json.loads(out)["converged"] is False


AMP = ["amp", "--channel", "hardmax", "--rho", "0.5", "--alpha", "0.6", "--d", "40"]


def test_amp_prints_error_prediction_and_state_evolution(capsys):
    code, out = _run(capsys, AMP + ["--seed", "3", "--max-iter", "60", "--json"])
    result = json.loads(out)
    assert {"mse", "predicted_mse", "iterations", "converged", "se_mmse", "n"} <= result.keys()
    assert result["n"] == 960 and result["variant"] == "exact"
    assert result["se_mmse"] == pytest.approx(0.168, abs=1e-3)
    assert 0.05 < result["mse"] < 0.4  # d = 40: one seed, a loose finite-size band
    assert code == (0 if result["converged"] else 1)


def test_amp_same_seed_same_numbers(capsys):
    argv = AMP + ["--channel", "softmax", "--T", "3", "--alpha", "0.04", "--json"]
    first = json.loads(_run(capsys, argv)[1])
    second = json.loads(_run(capsys, argv)[1])
    assert first == second


@pytest.mark.parametrize(
    "change, name",
    [
        (["--d", "1"], "--d"),
        (["--alpha", "0"], "--alpha"),
        (["--rho", "0"], "--rho"),
        (["--seed", "-1"], "--seed"),
        (["--damping", "1"], "--damping"),
        (["--tol", "0"], "--tol"),
        (["--rho", "0.01", "--d", "10"], "--d"),  # rank 0
    ],
)
def test_amp_bad_arguments_exit_nonzero_with_one_line(capsys, change, name):
    with pytest.raises(SystemExit) as exc:
        main(AMP + change)
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert len(err.strip().splitlines()) == 1 and f"argument {name}" in err


GD = ["gd", "--T", "2", "--rho", "0.5", "--alpha", "0.2", "--d", "16", "--students", "3"]


def test_gd_prints_single_and_averaged_errors(capsys):
    code, out = _run(capsys, GD + ["--steps", "40", "--json", "--threads", "1"])
    result = json.loads(out)
    assert code == 0 and len(result["single_mse"]) == 3
    assert {"averaged_mse", "final_loss", "final_losses", "se_mmse"} <= result.keys()
    assert result["x"] == pytest.approx(0.8) and result["se_mmse"] == 0.0  # past x_PR = 0.75
    assert result["final_loss"] == pytest.approx(np.mean(result["final_losses"]), rel=1e-12)


@pytest.mark.parametrize(
    "change, name",
    [
        (["--students", "0"], "--students"),
        (["--steps", "0"], "--steps"),
        (["--lr", "-0.1"], "--lr"),
        (["--alpha", "nan"], "--alpha"),
        (["--T", "1"], "--T"),
        (["--threads", "0"], "--threads"),
        (["--device", "tpu"], "--device"),
    ],
)
def test_gd_bad_arguments_exit_nonzero_with_one_line(capsys, change, name):
    with pytest.raises(SystemExit) as exc:
        main(GD + change)
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert len(err.strip().splitlines()) == 1 and f"argument {name}" in err
