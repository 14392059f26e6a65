"""What every pipeline job does around the library call: its log, and calls by name."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable


def log_to(path: str) -> None:
    """Send this process's stdout and stderr to the job log, line-buffered, so that a
    running job's progress can be followed in its log."""
    stream = open(path, "w", buffering=1)  # noqa: SIM115 - open for the process's lifetime
    sys.stdout = sys.stderr = stream


def resolve(target: str) -> Callable:
    """The function named 'package.module:function'."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def run_blocks(runs: int, per_job: int) -> list[str]:
    """Runs 0..runs-1 in blocks of per_job, spelled 'first-last' (one job per block)."""
    return [f"{lo}-{min(lo + per_job, runs) - 1}" for lo in range(0, runs, per_job)]


def run_range(block: str) -> tuple[int, int]:
    """'first-last' -> (first, count)."""
    first, last = map(int, block.split("-"))
    return first, last - first + 1
