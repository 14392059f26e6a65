"""Settings of batched training, checked without importing torch (a bad argument costs
no torch import)."""

from __future__ import annotations

import math
from dataclasses import dataclass

DTYPE_NAMES = ("float32", "float64")


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


@dataclass(frozen=True, kw_only=True)
class GdSettings:
    """Full-batch Adam: steps, learning rate, inverse temperature, precision, device."""

    steps: int = 1000
    lr: float = 0.1
    beta: float = 1.0
    dtype: str = "float32"
    device: str = "cpu"
    record_every: int = 10

    def __post_init__(self) -> None:
        if int(self.steps) != self.steps or self.steps < 1:
            raise ValueError(f"steps must be a positive integer, got {self.steps}")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"lr must be positive, got {self.lr}")
        if not (self.beta > 0 and math.isfinite(self.beta)):
            raise ValueError(f"beta must be positive, got {self.beta}")
        if self.dtype not in DTYPE_NAMES:
            raise ValueError(f"dtype must be one of {DTYPE_NAMES}, got {self.dtype!r}")
        if self.device not in ("cpu", "cuda"):
            raise ValueError(f"device must be cpu or cuda, got {self.device!r}")
        if self.device == "cuda" and not _cuda_available():
            raise ValueError("device cuda requested but torch sees no CUDA device")
        if int(self.record_every) != self.record_every or self.record_every < 1:
            raise ValueError(f"record_every must be a positive integer, got {self.record_every}")
