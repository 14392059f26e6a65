"""The top-level command line: `aim <paper> <command>`, its aliases and its weight."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aim.cli import main

ALIASED = [
    ["se", "--channel", "hardmax", "--rho", "0.5", "--alpha", "0.6", "--json"],
    ["se", "--channel", "softmax", "--T", "3", "--rho", "0", "--alpha-bar", "0.3", "--json"],
    ["thresholds", "--channel", "hardmax", "--variant", "published", "--json"],
    ["amp", "--channel", "softmax", "--T", "3", "--rho", "0.5", "--alpha", "0.04", "--d", "20"]
    + ["--max-iter", "5", "--json"],
    ["gd", "--T", "2", "--rho", "0.5", "--alpha", "0.2", "--d", "12", "--students", "2"]
    + ["--steps", "5", "--threads", "1", "--json"],
]


def _run(*argv):
    return subprocess.run([sys.executable, "-m", "aim", *argv], capture_output=True, text=True)


@pytest.mark.parametrize("argv", ALIASED, ids=[a[0] for a in ALIASED])
def test_old_commands_are_aliases_with_byte_identical_json(argv):
    old, new = _run(*argv), _run("bayes", *argv)
    assert (old.returncode, old.stdout) == (new.returncode, new.stdout)
    assert json.loads(new.stdout)


def test_console_script_is_installed():
    aim = Path(sys.executable).parent / "aim"  # where pip puts console scripts
    assert aim.exists(), "pip install -e . installs the `aim` console script"
    out = subprocess.run([str(aim), "bayes", *ALIASED[0]], capture_output=True, text=True)
    assert json.loads(out.stdout)["mmse"] == pytest.approx(0.168, abs=1e-3)


def test_every_paper_has_its_commands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0 and "bayes" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, name",
    [(["linear", "se"], "paper"), (["bayes"], "command"), (["bayes", "sse"], "command")],
)
def test_unknown_paper_or_command_is_one_line(capsys, argv, name):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and len(err.strip().splitlines()) == 1 and name in err


@pytest.mark.parametrize(
    "argv",
    [
        ["bayes", "amp", "--channel", "hardmax", "--rho", "0.5", "--alpha", "0.3", "--d", "16"]
        + ["--max-iter", "2"],
        ["bayes", "se", "--channel", "hardmax", "--rho", "0.5", "--alpha", "0.6"],
        ["bayes", "gd", "--T", "2", "--rho", "0.5", "--alpha", "0.2", "--d", "8", "--lr", "-1"],
    ],
    ids=["amp", "se", "gd-argument-error"],
)
def test_amp_and_se_never_import_torch(argv):
    code = (
        "import sys\nfrom aim.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr
