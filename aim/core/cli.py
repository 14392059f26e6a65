"""What every wing's command line shares: one-line errors, strict JSON, the exit codes."""

from __future__ import annotations

import argparse
import json
import math

from aim.core.validation import InputError


class UsageError(InputError):
    """A bad argument, reported as one line naming it (exit status 2)."""


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, without the usage block."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def check_settings(settings_class, **values) -> None:
    """Build a settings dataclass from CLI values; its error names the argument."""
    try:
        settings_class(**values)
    except InputError as err:
        name, _, reason = str(err).partition(": ")
        raise UsageError(f"argument --{name.replace('_', '-')}: {reason}") from None


def _json_safe(value):
    """JSON has no NaN or infinity: NaN becomes null, +-inf the strings 'inf' / '-inf'."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    return value


def strict_json(result: dict) -> str:
    """One JSON object, never holding NaN or Infinity."""
    return json.dumps(_json_safe(result), allow_nan=False)


def key_value_lines(result: dict) -> str:
    """A result as indented `key = value` lines, floats to 7 significant digits."""
    return "\n".join(
        f"  {k} = {v:.7g}" if isinstance(v, float) else f"  {k} = {v}" for k, v in result.items()
    )
