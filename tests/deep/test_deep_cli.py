import json
import subprocess
import sys

import pytest

from aim.cli import main


def _run(capsys, *argv, status=0):
    assert main(["deep", *argv, "--json"]) == status
    return json.loads(capsys.readouterr().out)


def test_se_prints_the_overlap_matrix_and_errors(capsys):
    result = _run(capsys, "se", "--layers", "2", "--skip", "1", "--alpha", "0.5")
    assert result["converged"] is True
    Q = result["Q"]
    assert len(Q) == 2 and Q[0][1] == Q[1][0] == 0.0
    assert Q[1][1] == pytest.approx(0.773, rel=0.03)  # the published SE point
    assert result["gen_error"] == pytest.approx(result["gen_error_last_layer"])
    assert 0 < result["gen_error"] < 0.3879


def test_thresholds_print_one_per_layer(capsys):
    result = _run(capsys, "thresholds", "--layers", "2", "--skip", "1", "--log2-outer", "13")
    first, last = result["alpha_weak"]
    assert 1 / 6 <= last < result["alpha_first_layer_conditional"] < first
    assert result["alpha_conditional"] == [result["alpha_first_layer_conditional"]]
    assert 0 < result["last_layer_overlap_at_conditional"][0] < 1


def test_amp_prints_overlaps_and_traces(capsys):
    argv = ["amp", "--layers", "2", "--skip", "1", "--alpha", "0.5", "--d", "100"]
    result = _run(capsys, *argv, "--max-iter", "5", status=1)  # 1: not converged in 5
    assert result["converged"] is False
    assert len(result["overlap"]) == 2 and len(result["Q"][0]) == 2
    assert result["iterations"] == 5 and len(result["cosine_per_iteration"]) == 5
    assert 0 <= result["gen_error"] < 1


def test_sgd_prints_cosines_and_first_epochs(capsys):
    """d = 60, alpha = 15, 2 runs, 5 epochs: layer 2 aligned in the first epoch (as at d = 100
    in the SGD tests), a cosine per layer and run, a first epoch per layer and run."""
    argv = ["sgd", "--alpha", "15", "--d", "60", "--runs", "2", "--epochs", "5"]
    result = _run(capsys, *argv)
    assert len(result["final_cosine"]) == 2 and len(result["final_cosine"][0]) == 2
    assert [row[1] for row in result["first_epoch_above"]] == [1, 1]
    assert all(abs(row[1]) > 0.9 for row in result["final_cosine"])
    assert result["diverged"] == [False, False]


def test_trec_reads_the_files_and_reports_accuracy(capsys, tmp_path):
    lines = [f"{'NUM:x how many' if k % 2 else 'LOC:x where is'} it ?" for k in range(40)]
    path = tmp_path / "q.label"
    path.write_text("\n".join(lines) + "\n")
    argv = ["trec", "--train", str(path), "--test", str(path), "--runs", "2", "--epochs", "1"]
    result = _run(capsys, *argv)
    assert result["train_questions"] == 40 and len(result["final_test_accuracy"]) == 2
    assert len(result["similarity_per_record"]) == 4  # the start, one per batch (3 < 4)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["se", "--alpha", "0.5", "--layers", "4"], "argument --layers: must be in 2..3"),
        (["se", "--alpha", "-1"], "argument --alpha: must be > 0"),
        (["se", "--alpha", "0.5", "--skip", "nan"], "argument --skip: must be finite"),
        (["se", "--alpha", "0.5", "--log2-outer", "30"], "argument --log2-outer: must be in"),
        (["amp", "--alpha", "1", "--d", "5"], "argument --d: must be >= 10"),
        (["amp", "--alpha", "1", "--d", "100", "--seed", "-2"], "argument --seed"),
        (["amp", "--alpha", "1000", "--d", "100000"], "arguments --alpha/--d"),
        (["thresholds", "--beta", "0"], "argument --beta: must be > 0"),
        (["sgd", "--alpha", "15", "--d", "50", "--batch", "0"], "argument --batch: must be >= 1"),
        (["sgd", "--alpha", "15", "--d", "50", "--device", "tpu"], "argument --device: must be"),
        (["sgd", "--alpha", "15", "--d", "10000000"], "arguments --runs/--alpha/--d"),
        (["trec", "--train", "/no/such.label", "--test", "x"], "TREC file /no/such.label: not"),
        (["trec", "--train", "a", "--test", "b", "--epochs", "0"], "argument --epochs: must be"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv, message):
    out = subprocess.run(
        [sys.executable, "-m", "aim", "deep", *argv], capture_output=True, text=True
    )
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and message in out.stderr
