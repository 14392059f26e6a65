"""Job plumbing: logs readable while the job runs, functions called by name."""

import subprocess
import sys
import time

from aim.core.jobs import resolve


def test_a_running_jobs_log_shows_each_line_at_once(tmp_path):
    log = tmp_path / "job.log"
    code = (
        "import time\nfrom aim.core.jobs import log_to\n"
        f"log_to({str(log)!r})\nprint('seed 0: done')\ntime.sleep(30)\n"
    )
    job = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 20
        while not (log.exists() and "seed 0: done" in log.read_text()):
            assert time.monotonic() < deadline, "the line never reached the log"
            time.sleep(0.1)
        assert job.poll() is None  # seen while the job still runs
    finally:
        job.kill()


def test_resolve_names_module_and_function():
    assert resolve("aim.core.tokens:rank")(rho=0.5, d=10) == 5
