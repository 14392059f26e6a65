"""Settings of batched training, checked without importing torch (a bad argument costs
no torch import)."""

from __future__ import annotations

from dataclasses import dataclass

from aim.core.validation import InputError, integer, number

DTYPE_NAMES = ("float32", "float64")
PARAMETERISATIONS = ("factorized", "direct")  # S = W W^T / sqrt(p d), or S itself (ERM)
TASKS = ("label", "seq2seq")  # ERM losses: on the attention matrix, or on its product with x


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def check_precision_and_device(*, dtype: str, device: str) -> None:
    """dtype one of DTYPE_NAMES; device cpu, or cuda where torch sees one."""
    if dtype not in DTYPE_NAMES:
        raise InputError(f"dtype: must be one of {DTYPE_NAMES}, got {dtype!r}")
    if device not in ("cpu", "cuda"):
        raise InputError(f"device: must be cpu or cuda, got {device!r}")
    if device == "cuda" and not _cuda_available():
        raise InputError("device: cuda requested but torch sees no CUDA device")


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
        integer(self.steps, name="steps", lo=1)
        number(self.lr, name="lr", lo=0, lo_open=True)
        number(self.beta, name="beta", lo=0, lo_open=True)
        check_precision_and_device(dtype=self.dtype, device=self.device)
        integer(self.record_every, name="record_every", lo=1)
