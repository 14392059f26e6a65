"""One validation layer for the command line, the config and the library.

Numbers must be finite and in range, seeds must fit every generator they feed, and a job's
memory is estimated (by the same functions as the cluster resources) before anything is
allocated. Every failure is an InputError whose message starts with the name of the
argument or config key at fault.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

MIN_D = 4  # token dimension: as small as a test, large enough for a rank and a spectrum
MAX_SEED = 2**32 - 1  # numpy seeds anything; the derived torch seeds must stay below 2^63
RHO_RANGE = (1e-6, 1e6)  # finite width ratios the spectral quadrature resolves
MEMORY_LIMIT_VARIABLE = "AIM_MEMORY_LIMIT_MB"


class InputError(ValueError):
    """A bad argument or config value; the message names it first."""


def number(
    value,
    *,
    name: str,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
) -> float:
    """value as a float, if it is finite and in [lo, hi] (open ends where asked)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name}: must be a number, got {value!r}") from None
    if not math.isfinite(x):
        raise InputError(f"{name}: must be finite, got {value!r}")
    if lo is not None and (x < lo or (lo_open and x == lo)):
        raise InputError(f"{name}: must be {'>' if lo_open else '>='} {lo:g}, got {x:g}")
    if hi is not None and (x > hi or (hi_open and x == hi)):
        raise InputError(f"{name}: must be {'<' if hi_open else '<='} {hi:g}, got {x:g}")
    return x


def integer(value, *, name: str, lo: int | None = None, hi: int | None = None) -> int:
    """value as an int, if it is a whole number in [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise InputError(f"{name}: must be an integer, got {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        bounds = f">= {lo}" if hi is None else f"<= {hi}" if lo is None else f"in {lo}..{hi}"
        raise InputError(f"{name}: must be {bounds}, got {int(value)}")
    return int(value)


def choice(value, *, name: str, options: tuple[str, ...]) -> str:
    """value, if it is one of options."""
    if value not in options:
        raise InputError(f"{name}: must be one of {', '.join(options)}, got {value!r}")
    return value


def seed(value, *, name: str = "seed") -> int:
    return integer(value, name=name, lo=0, hi=MAX_SEED)


def width_ratio(value, *, name: str = "rho") -> float:
    """A finite width ratio r/d that the spectral quadrature resolves."""
    return number(value, name=name, lo=RHO_RANGE[0], hi=RHO_RANGE[1])


def non_finite_keys(tree, prefix: str = "") -> list[str]:
    """Every key of a nested config whose value is (or holds) an infinite or NaN number."""
    if isinstance(tree, dict):
        return [k for key, sub in tree.items() for k in non_finite_keys(sub, f"{prefix}.{key}")]
    values = tree if isinstance(tree, list) else [tree]
    bad = [v for v in values if isinstance(v, float) and not math.isfinite(v)]
    return [f"{prefix.lstrip('.')}: must be finite, got {bad[0]}"] if bad else []


def available_memory_mb() -> int:
    """MemAvailable of this machine (Linux), else its physical memory."""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20


def memory_limit_mb(configured: float | None = None) -> int:
    """The limit a job's memory estimate must stay under: the configured one, else the
    environment's AIM_MEMORY_LIMIT_MB, else this machine's available memory."""
    if configured is not None:
        return int(configured)
    if MEMORY_LIMIT_VARIABLE in os.environ:
        return int(number(os.environ[MEMORY_LIMIT_VARIABLE], name=MEMORY_LIMIT_VARIABLE, lo=1))
    return available_memory_mb()


def check_memory(estimate_mb: float, *, name: str, what: str, limit_mb: int | None = None):
    """Refuse, before any allocation, a job whose estimated memory exceeds the limit."""
    limit = memory_limit_mb(limit_mb)
    if estimate_mb > limit:
        raise InputError(
            f"{name}: {what} needs about {_size(estimate_mb)}, over the limit of "
            f"{_size(limit)} (raise it with {MEMORY_LIMIT_VARIABLE} or limits.job_memory_mb)"
        )


def _size(mb: float) -> str:
    return f"{mb / 1024:.3g} GB" if mb >= 1024 else f"{mb:.0f} MB"
