"""Batched training of tied-attention students in torch: K students trained at once.

Student k has W_k in R^{r x d}: u = x W_k^T / sqrt(d), h = u u^T / sqrt(r) -
(||W_k||_F^2 / (d sqrt(r))) I, y_hat = softmax(beta h) row-wise. The loss of a student is
the sum over samples and the T^2 entries of (y_hat - y)^2, divided by d. The K students
share the data and sit in one (K, r, d) tensor; the summed loss gives each its own
gradient, and Adam acts elementwise, so the batch is K independent runs in one graph.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from tqdm import tqdm

from aim.core.tokens import rank
from aim.core.training_settings import GdSettings

DTYPES = {"float32": torch.float32, "float64": torch.float64}  # GdSettings.dtype -> torch


@dataclass
class GdResult:
    """Per-student errors, the error of the averaged estimate, and the loss curves.

    A student diverged when its loss or its estimate stopped being finite; its error is NaN
    and the averaged estimate is the mean over the students that did not diverge (NaN when
    none is left).
    """

    single_mse: np.ndarray  # (K,)
    diverged: np.ndarray  # (K,) bool
    diverged_step: np.ndarray  # (K,) first step whose loss was not finite, -1 if none
    averaged_mse: float
    final_loss: np.ndarray  # (K,)
    loss_steps: np.ndarray  # (m,) steps at which the loss was recorded
    loss: np.ndarray  # (m, K)
    estimate: np.ndarray  # (d, d): the mean of the K students' S_hat


def initial_weights(init_seeds: list[int], *, r: int, d: int) -> torch.Tensor:
    """W_k ~ N(0, 1)^{r x d}, one CPU generator per student, so that student k's start
    depends on its own seed only (a batch equals the separate runs)."""
    return torch.stack(
        [
            torch.randn(
                (r, d), generator=torch.Generator().manual_seed(int(s)), dtype=torch.float64
            )
            for s in init_seeds
        ]
    )


def student_outputs(w: torch.Tensor, x: torch.Tensor, *, beta: float) -> torch.Tensor:
    """y_hat for K students (K, r, d) on tokens (n, T, d): shape (K, n, T, T)."""
    K, r, d = w.shape
    n, T, _ = x.shape
    u = torch.matmul(x.reshape(1, n * T, d), w.transpose(1, 2)).reshape(K, n, T, r)
    u = u / math.sqrt(d)
    h = torch.matmul(u, u.transpose(2, 3)) / math.sqrt(r)
    trace = w.square().sum(dim=(1, 2)) / (d * math.sqrt(r))
    h = h - trace[:, None, None, None] * torch.eye(T, dtype=w.dtype, device=w.device)
    return torch.softmax(beta * h, dim=-1)


def student_estimates(w: torch.Tensor) -> torch.Tensor:
    """S_hat_k = W_k^T W_k / sqrt(r d): (K, d, d)."""
    K, r, d = w.shape
    return torch.matmul(w.transpose(1, 2), w) / math.sqrt(r * d)


def student_losses(
    w: torch.Tensor, x: torch.Tensor, y: torch.Tensor, *, beta: float
) -> torch.Tensor:
    """Sum over samples and the T^2 entries of (y_hat - y)^2, divided by d: (K,)."""
    return (student_outputs(w, x, beta=beta) - y).square().sum(dim=(1, 2, 3)) / w.shape[2]


def train_students(
    x: np.ndarray,
    y: np.ndarray,
    teacher: np.ndarray,
    *,
    rho: float,
    init_seeds: list[int],
    settings: GdSettings = GdSettings(),
    progress: bool | None = None,
) -> GdResult:
    """Train len(init_seeds) students by full-batch Adam on tokens x (n, T, d), labels y."""
    n, T, d = x.shape
    r = rank(rho=rho, d=d)
    dtype, device = DTYPES[settings.dtype], torch.device(settings.device)
    xt = torch.as_tensor(x, dtype=dtype, device=device)
    yt = torch.as_tensor(y, dtype=dtype, device=device)
    w = initial_weights(init_seeds, r=r, d=d).to(dtype=dtype, device=device).requires_grad_(True)
    optimiser = torch.optim.Adam([w], lr=settings.lr)
    steps, losses = [], []
    first_bad = torch.full((len(init_seeds),), -1, dtype=torch.long, device=device)
    bar = tqdm(
        range(1, settings.steps + 1),
        desc=f"GD K={len(init_seeds)} d={d} n={n}",
        disable=None if progress is None else not progress,
        mininterval=2.0,
    )
    for step in bar:
        optimiser.zero_grad(set_to_none=True)
        per_student = student_losses(w, xt, yt, beta=settings.beta)
        per_student.sum().backward()  # a diverged student's NaN stays in its own gradient
        optimiser.step()
        bad = ~torch.isfinite(per_student.detach()) & (first_bad < 0)
        first_bad = torch.where(bad, step - 1, first_bad)
        if step % settings.record_every == 0 or step in (1, settings.steps):
            steps.append(step - 1)  # the loss is that of the weights before this update
            losses.append(per_student.detach().cpu().numpy())
            bar.set_postfix(loss=f"{losses[-1].mean():.3e}", refresh=False)
    bar.close()
    with torch.no_grad():
        final = student_losses(w, xt, yt, beta=settings.beta)
        estimates = student_estimates(w).to(torch.float64).cpu().numpy()
    first_bad = first_bad.cpu().numpy()
    diverged = (first_bad >= 0) | ~np.isfinite(final.cpu().numpy())
    diverged |= ~np.isfinite(estimates).all(axis=(1, 2))
    single = np.where(diverged, np.nan, np.sum((estimates - teacher) ** 2, axis=(1, 2)) / d)
    kept = estimates[~diverged]
    averaged = kept.mean(axis=0) if len(kept) else np.full((d, d), np.nan)
    return GdResult(
        single_mse=single,
        diverged=diverged,
        diverged_step=np.where(diverged & (first_bad < 0), settings.steps, first_bad),
        averaged_mse=float(np.sum((averaged - teacher) ** 2) / d),
        final_loss=final.cpu().numpy().astype(np.float64),
        loss_steps=np.asarray(steps + [settings.steps]),
        loss=np.vstack(losses + [final.cpu().numpy()]).astype(np.float64),
        estimate=averaged,
    )


def init_seeds_for(*, seed: int, students: int) -> list[int]:
    """The initialisation seeds of draw `seed`: 1_000_003 (seed + 1) + k, k < students,
    disjoint from the data seeds and from other draws for up to 10^6 students."""
    return [1_000_003 * (seed + 1) + k for k in range(students)]
