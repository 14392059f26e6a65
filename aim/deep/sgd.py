"""Mini-batch SGD on the deep-attention teacher (section 5 of the theory notes), R runs at once.

The student has the teacher's architecture: L rank-one tied layers w_l in R^d, M = 2 tokens,
skip strength c. Run r has its own teacher, data, start and batch order, all drawn from
default_rng([seed, r]), so run r does not depend on how many runs share the batch. The runs sit
in one (R, L, d) tensor; the summed loss gives each run its own gradient and the SGD update is
elementwise, so the batch is R independent runs in one graph.

Loss of a run on a mini-batch: sum over its sequences and the M^2 output entries of
(y_hat - y)^2, divided by d. Update: w <- w - lr (grad + (weight_decay / d) w), as torch's SGD
with weight_decay = 0.07 / d; each mini-batch is used for `steps_per_batch` steps.

The cosine similarity C_l = w_hat_l . w_l / (|w_hat_l| |w_l|) is divided by both norms, so it
lies in [-1, 1]; the authors divided by the student's norm only, which scales their curve by
the teacher's |w_l| (constant along training, about sqrt(d)). The sign of each layer is not
identifiable (z_l -> -z_l leaves y unchanged), so |C_l| is what measures learning.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
from tqdm import tqdm

from aim.core.training_settings import check_precision_and_device
from aim.core.validation import integer, number
from aim.deep.problem import make_problem

LEARNED = 0.5  # |C_l| above which a layer counts as aligned (the epoch reported per layer)


@dataclass(frozen=True, kw_only=True)
class SgdSettings:
    """The protocol of section 5 (defaults: the paper's values)."""

    lr: float = 15.0
    weight_decay: float = 0.07  # times 1 / d
    batch: int = 200
    steps_per_batch: int = 3
    epochs: int = 1700
    init_scale: float = 0.9
    test_every: int = 10
    test_samples: int = 2000
    dtype: str = "float32"
    device: str = "cpu"

    def __post_init__(self) -> None:
        number(self.lr, name="lr", lo=0, lo_open=True)
        number(self.weight_decay, name="weight_decay", lo=0)
        for name in ("batch", "steps_per_batch", "epochs", "test_every", "test_samples"):
            integer(getattr(self, name), name=name, lo=1)
        number(self.init_scale, name="init_scale", lo=0, lo_open=True)
        check_precision_and_device(dtype=self.dtype, device=self.device)


@dataclass
class SgdResult:
    """Traces with the epoch axis first and the run axis second."""

    epochs: np.ndarray  # (E + 1,) 0 = the start
    cosine: np.ndarray  # (E + 1, R, L), signed
    train_loss: np.ndarray  # (E, R): mean over the epoch's mini-batch losses (first step each)
    test_epochs: np.ndarray  # (m,)
    test_error: np.ndarray  # (m, R): mean over test sequences of ||y_hat - y||_F^2
    diverged: np.ndarray  # (R,) the loss or the weights stopped being finite
    seconds: float

    def first_aligned(self, level: float = LEARNED) -> np.ndarray:
        """(R, L): the first epoch with |C_l| > level, -1 where it never was."""
        above = np.abs(self.cosine) > level
        return np.where(above.any(axis=0), above.argmax(axis=0), -1)


def network_outputs(w: torch.Tensor, x: torch.Tensor, *, skip: float, beta: float) -> torch.Tensor:
    """y_hat for R students w (R, L, d) on their own sequences x (R, b, M, d): (R, b, M, M).

    Works on the raw pre-activations z_l = x w_l / sqrt(d): layer l sees B_{l-1} z_l, where
    B_{l-1} = A_{l-1} ... A_1 mixes the tokens, and A(a) = softmax_row(beta a a^T) + c I.
    """
    z = torch.einsum("rbmd,rld->rblm", x, w) / math.sqrt(w.shape[-1])
    eye = torch.eye(x.shape[2], dtype=x.dtype, device=x.device)
    mix = None
    for layer in range(w.shape[1]):
        a = z[:, :, layer] if mix is None else torch.einsum("...ij,...j->...i", mix, z[:, :, layer])
        scores = torch.softmax(beta * a[..., :, None] * a[..., None, :], dim=-1)
        if layer == w.shape[1] - 1:
            return scores
        mix = scores + skip * eye if mix is None else (scores + skip * eye) @ mix
    raise AssertionError("unreachable")


def run_losses(
    w: torch.Tensor, x: torch.Tensor, y: torch.Tensor, *, skip: float, beta: float
) -> torch.Tensor:
    """Sum over sequences and output entries of (y_hat - y)^2, divided by d: (R,)."""
    residual = network_outputs(w, x, skip=skip, beta=beta) - y
    return residual.square().sum(dim=(1, 2, 3)) / w.shape[-1]


def train_sgd(
    *,
    layers: int,
    skip: float,
    alpha: float,
    d: int,
    runs: int,
    seed: int,
    first_run: int = 0,
    beta: float = 1.0,
    settings: SgdSettings | None = None,
    progress: bool | None = None,
) -> SgdResult:
    """Train runs first_run .. first_run + runs - 1 of draw `seed` by mini-batch SGD, each on
    its own teacher and data."""
    s = settings or SgdSettings()
    integer(layers, name="layers", lo=1)
    integer(runs, name="runs", lo=1)
    integer(first_run, name="first_run", lo=0)
    integer(d, name="d", lo=2)
    number(alpha, name="alpha", lo=0, lo_open=True)
    number(skip, name="skip", lo=0)
    dtype, device = getattr(torch, s.dtype), torch.device(s.device)
    rngs = [np.random.default_rng([seed, first_run + r]) for r in range(runs)]
    problems = [
        make_problem(
            layers=layers,
            skip=skip,
            beta=beta,
            alpha=alpha,
            d=d,
            rng=rng,
            test_samples=s.test_samples,
        )
        for rng in rngs
    ]
    start = np.stack([s.init_scale * rng.standard_normal((layers, d)) for rng in rngs])

    def tensor(values) -> torch.Tensor:
        return torch.as_tensor(np.stack(values), dtype=dtype, device=device)

    x, test_x = tensor([p.tokens for p in problems]), tensor([p.test_tokens for p in problems])
    y = tensor([np.exp(p.log_outputs) for p in problems])
    test_y = tensor([p.test_outputs for p in problems])
    teacher = tensor([p.teacher for p in problems])
    w = torch.as_tensor(start, dtype=dtype, device=device).requires_grad_(True)
    n, decay, rows = x.shape[1], s.weight_decay / d, torch.arange(runs, device=device)[:, None]

    def cosine() -> np.ndarray:
        dot = (w.detach() * teacher).sum(-1)
        return (dot / (w.detach().norm(dim=-1) * teacher.norm(dim=-1))).cpu().numpy()

    def test_error() -> np.ndarray:
        with torch.no_grad():
            residual = network_outputs(w, test_x, skip=skip, beta=beta) - test_y
            return residual.square().sum(dim=(2, 3)).mean(dim=1).cpu().numpy()

    cosines, losses, test_epochs, errors = [cosine()], [], [0], [test_error()]
    clock = time.perf_counter()
    bar = tqdm(
        range(1, s.epochs + 1),
        desc=f"SGD R={runs} d={d} n={n}",
        disable=None if progress is None else not progress,
        mininterval=2.0,
    )
    for epoch in bar:
        order = torch.as_tensor(np.stack([rng.permutation(n) for rng in rngs]), device=device)
        epoch_loss = torch.zeros(runs, dtype=torch.float64, device=device)
        for first in range(0, n, s.batch):
            pick = order[:, first : first + s.batch]
            xb, yb = x[rows, pick], y[rows, pick]
            for step in range(s.steps_per_batch):
                loss = run_losses(w, xb, yb, skip=skip, beta=beta)
                (grad,) = torch.autograd.grad(loss.sum(), w)
                with torch.no_grad():
                    w -= s.lr * (grad + decay * w)
                if step == 0:
                    epoch_loss += loss.detach().to(torch.float64)
        losses.append(epoch_loss.cpu().numpy() / math.ceil(n / s.batch))
        cosines.append(cosine())
        if epoch % s.test_every == 0 or epoch == s.epochs:
            test_epochs.append(epoch)
            errors.append(test_error())
        bar.set_postfix(C=np.round(np.abs(cosines[-1]).mean(axis=0), 3).tolist(), refresh=False)
    bar.close()
    weights = w.detach().cpu().numpy()
    train_loss = np.asarray(losses).reshape(-1, runs)
    diverged = ~np.isfinite(weights).all(axis=(1, 2)) | ~np.isfinite(train_loss).all(axis=0)
    return SgdResult(
        epochs=np.arange(s.epochs + 1),
        cosine=np.asarray(cosines, dtype=np.float64),
        train_loss=train_loss,
        test_epochs=np.asarray(test_epochs),
        test_error=np.asarray(errors, dtype=np.float64),
        diverged=diverged,
        seconds=time.perf_counter() - clock,
    )


def memory_mb(*, runs: int, n: int, d: int, dtype: str) -> float:
    """Training and test tokens of every run in torch, their numpy draws in float64, and a
    margin for the mini-batch graph."""
    size = 4 if dtype == "float32" else 8
    tokens = runs * (n + SgdSettings().test_samples) * 2 * d
    return tokens * (size + 8) / 2**20 + 64
