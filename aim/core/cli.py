"""What every wing's command line shares: one-line errors, strict JSON, the exit codes."""

from __future__ import annotations

import argparse
import json
import math


class UsageError(Exception):
    """A bad argument, reported as one line naming it (exit status 2)."""


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, without the usage block."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def check_settings(settings_class, **values) -> None:
    """Build a settings dataclass from CLI values; its ValueError names the argument."""
    try:
        settings_class(**values)
    except ValueError as err:
        name = str(err).split()[0].replace("_", "-")
        raise UsageError(f"argument --{name}: {err}") from None


def strict_json(result: dict) -> str:
    """One JSON object; JSON has no infinity, so non-finite floats become 'inf' / '-inf'."""
    clean = {
        k: (str(v) if isinstance(v, float) and not math.isfinite(v) else v)
        for k, v in result.items()
    }
    return json.dumps(clean, allow_nan=False)
