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
