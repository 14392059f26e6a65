"""Code fingerprints: which library files a job runs, and that only real edits count."""

import shutil
from pathlib import Path

import pytest

from aim.core.codedeps import code_closure, code_fingerprint

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def checkout(tmp_path):
    shutil.copytree(REPO / "aim", tmp_path / "aim", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def _names(paths, root):
    return {str(p.relative_to(root)) for p in paths}


def test_amp_jobs_run_no_training_code_and_gd_jobs_no_amp_code():
    amp = _names(code_closure(REPO, modules=["aim.bayes.amp_runs"]), REPO)
    gd = _names(code_closure(REPO, modules=["aim.bayes.gd_runs"]), REPO)
    assert {"aim/bayes/amp.py", "aim/core/spectral.py", "aim/bayes/__init__.py"} <= amp
    assert "aim/core/training.py" not in amp and "aim/bayes/gd_runs.py" not in amp
    assert "aim/core/training.py" in gd and "aim/bayes/amp.py" not in gd
    plot = _names(code_closure(REPO, modules=["aim.bayes.plotting"]), REPO)
    assert plot == {
        "aim/__init__.py",
        "aim/core/__init__.py",
        "aim/bayes/__init__.py",
        "aim/core/plotting.py",
        "aim/core/extrapolation.py",  # the finite-size figure draws the fit's band
        "aim/bayes/plotting.py",
    }


def test_lazy_imports_inside_functions_are_followed(checkout):
    module = checkout / "aim/core/grids.py"
    module.write_text(module.read_text() + "\n\ndef f():\n    from aim.core import gaussian\n")
    assert "aim/core/gaussian.py" in _names(
        code_closure(checkout, modules=["aim.core.grids"]), checkout
    )


def test_scripts_contribute_their_imports(checkout, tmp_path):
    script = tmp_path / "job.py"
    script.write_text("from aim.core.tokens import rank\nprint(rank(rho=0.5, d=4))\n")
    assert _names(code_closure(checkout, scripts=[script]), checkout) == {
        "aim/__init__.py",
        "aim/core/__init__.py",
        "aim/core/tokens.py",
    }


@pytest.mark.parametrize(
    "old, new, changes",
    [
        ('"""Teacher, tokens', '"""Edited. Teacher, tokens', False),  # module docstring
        (
            "    rows, cols = triangle(T)\n    return np.where",
            "    rows, cols = triangle(T)  # c\n    return np.where",
            False,
        ),
        (
            "def rank(*, rho: float, d: int) -> int:",
            "def rank(\n    *, rho: float, d: int\n) -> int:",
            False,
        ),
        ("    r = int(round(rho * d))", "    r = int(round(d * rho))", True),
    ],
    ids=["docstring", "comment", "reflow", "statement"],
)
def test_only_statement_edits_change_the_fingerprint(checkout, old, new, changes):
    before = code_fingerprint(checkout, modules=["aim.core.tokens"])
    path = checkout / "aim/core/tokens.py"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    assert (code_fingerprint(checkout, modules=["aim.core.tokens"]) != before) is changes


def test_unrelated_edits_leave_a_fingerprint_alone(checkout):
    before = code_fingerprint(checkout, modules=["aim.bayes.amp_runs"])
    path = checkout / "aim/core/training.py"
    text = path.read_text()
    assert "u = u / math.sqrt(d)" in text
    path.write_text(text.replace("u = u / math.sqrt(d)", "u = u * (1 / math.sqrt(d))"))
    assert code_fingerprint(checkout, modules=["aim.bayes.amp_runs"]) == before
