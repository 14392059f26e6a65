"""Batched empirical risk minimisation of tied single-head attention (arXiv:2509.24914).

R runs train at once, each with its own teacher draw, data, initialisation and penalty.
Run r minimises, by full-batch Adam,

    L_r = sum_mu ||Y_mu - y_hat_mu||^2 + penalty_r        (seq2seq: the data term / d)

with y_hat = softmax_beta(h(S; x)) (seq2seq: times the tokens x), h_ab = (x_a^T S x_b -
delta_ab Tr S) / sqrt(d). Factorized: S = W W^T / sqrt(p d), W in R^{d x p}, penalty
(lam_r / sqrt(kappa)) ||W||_F^2 = lam_r d ||S||_* (lam is lambda_t). Direct: S symmetric,
trained entrywise, penalty lam_r d ||S||_F^2.

Each run is its own leaf tensor: Adam skips a parameter whose gradient is None, so a run
that met the stopping rule (its objective / d^2 changed by less than `tol` in one step,
after `min_steps`) is frozen exactly, momentum included, while the others go on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import softmax
from tqdm import tqdm

from aim.core.tokens import (
    attention_indices,
    rank,
    sample_count,
    sample_teacher,
    sample_tokens,
)
from aim.core.training_settings import PARAMETERISATIONS, TASKS
from aim.core.validation import InputError, integer, number


@dataclass(frozen=True, kw_only=True)
class ErmTask:
    """The learning problem shared by the runs of one batch."""

    d: int
    alpha: float
    kappa0: float
    noise: float = 0.0
    kappa: float = 1.0
    T: int = 2
    beta: float = 1.0
    beta0: float = 1.0
    parameterisation: str = "factorized"
    task: str = "label"

    def __post_init__(self) -> None:
        integer(self.d, name="d", lo=4)
        number(self.alpha, name="alpha", lo=0, lo_open=True)
        number(self.noise, name="noise", lo=0)
        integer(self.T, name="T", lo=2)
        for name in ("kappa0", "kappa", "beta", "beta0"):
            number(getattr(self, name), name=name, lo=0, lo_open=True)
        if self.parameterisation not in PARAMETERISATIONS:
            raise InputError(f"parameterisation: must be one of {PARAMETERISATIONS}")
        if self.task not in TASKS:
            raise InputError(f"task: must be one of {TASKS}")
        for name in ("kappa0", "kappa"):
            if round(getattr(self, name) * self.d) < 1:
                raise InputError(f"{name}: {name} d must round to a width >= 1 at d = {self.d}")

    @property
    def n(self) -> int:
        return sample_count(alpha=self.alpha, d=self.d)

    @property
    def width(self) -> int:
        return rank(rho=self.kappa, d=self.d)


@dataclass(frozen=True, kw_only=True)
class AdamSettings:
    """Full-batch Adam (default betas) with the per-run stopping rule."""

    lr: float = 0.1
    tol: float = 1e-7
    min_steps: int = 100
    max_steps: int = 100_000
    dtype: str = "float32"
    device: str = "cpu"

    def __post_init__(self) -> None:
        number(self.lr, name="lr", lo=0, lo_open=True)
        number(self.tol, name="tol", lo=0)
        integer(self.min_steps, name="min_steps", lo=1)
        integer(self.max_steps, name="max_steps", lo=1)
        if self.dtype not in ("float32", "float64"):
            raise InputError(f"dtype: must be float32 or float64, got {self.dtype!r}")


@dataclass(frozen=True)
class Draw:
    """One run's data: teacher S0 (d, d), tokens (n, T, d), noisy labels (n, T, T)."""

    teacher: np.ndarray
    x: np.ndarray
    y: np.ndarray


def symmetric_noise(shape: tuple[int, ...], *, T: int, noise: float, rng) -> np.ndarray:
    """Symmetric T x T Gaussian noise: variance noise on the diagonal, noise / 2 off it."""
    g = rng.standard_normal((*shape, T, T)) * math.sqrt(noise / 2)
    return (g + np.swapaxes(g, -1, -2)) / math.sqrt(2)


def sample_draw(task: ErmTask, *, seed: int) -> Draw:
    """Teacher, tokens and attention labels softmax_beta0(h(S0; x) + xi) of one seed."""
    rng = np.random.default_rng(seed)
    teacher = sample_teacher(d=task.d, rho=task.kappa0, rng=rng)
    x = sample_tokens(n=task.n, T=task.T, d=task.d, rng=rng)
    noise = symmetric_noise((len(x),), T=task.T, noise=task.noise, rng=rng)
    return Draw(teacher, x, softmax(task.beta0 * (attention_indices(x, teacher) + noise), axis=-1))


def sample_test(task: ErmTask, teacher: np.ndarray, *, seed: int, n: int) -> tuple:
    """n fresh test sequences of run `seed` (a stream apart from its training data): the
    tokens, the noisy attention labels and the clean ones softmax_beta0(h(S0; x))."""
    rng = np.random.default_rng([seed, 1])
    x = sample_tokens(n=n, T=task.T, d=task.d, rng=rng)
    h = attention_indices(x, teacher)
    noise = symmetric_noise((n,), T=task.T, noise=task.noise, rng=rng)
    return x, softmax(task.beta0 * (h + noise), axis=-1), softmax(task.beta0 * h, axis=-1)


DTYPES = {"float32": torch.float32, "float64": torch.float64}


def run_seeds(*, seed: int, runs: int, first: int = 0) -> tuple[list[int], list[int]]:
    """The data and initialisation seeds of runs first..first+runs-1 of `seed` (numpy
    SeedSequence of (seed, run, stream)): a run's draws depend on its own seeds only, so a
    batch split into blocks of runs draws what the whole batch would."""

    def one(r, stream):
        return int(np.random.SeedSequence([seed, r, stream]).generate_state(1)[0])

    ids = range(first, first + runs)
    return [one(r, 0) for r in ids], [one(r, 1) for r in ids]


def student_matrix(params: torch.Tensor, task: ErmTask) -> torch.Tensor:
    """S of every run: W W^T / sqrt(p d) (factorized, W (R, d, p)) or the symmetric part of
    the trained matrix (direct, (R, d, d))."""
    if task.parameterisation == "factorized":
        return params @ params.transpose(1, 2) / math.sqrt(params.shape[2] * task.d)
    return (params + params.transpose(1, 2)) / 2


def attention_of(S: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """h_ab = (x_a^T S x_b - delta_ab Tr S) / sqrt(d) for S (R, d, d), x (R, n, T, d)."""
    R, n, T, d = x.shape
    xs = torch.matmul(x.reshape(R, n * T, d), S).reshape(R, n, T, d)
    h = torch.matmul(xs, x.transpose(2, 3))
    trace = torch.diagonal(S, dim1=1, dim2=2).sum(-1)
    h = h - trace[:, None, None, None] * torch.eye(T, dtype=x.dtype, device=x.device)
    return h / math.sqrt(d)


def token_gram(x: torch.Tensor, task: ErmTask) -> torch.Tensor | None:
    """x x^T / d per sequence, which the seq2seq loss needs (None for the label loss)."""
    return torch.matmul(x, x.transpose(2, 3)) / task.d if task.task == "seq2seq" else None


def data_terms(S, x, y, task: ErmTask, gram=None) -> torch.Tensor:
    """sum over samples of ||y - softmax_beta(h)||^2 (label), or for seq2seq, with y the
    teacher's attention and gram = x x^T / d, of ||(y - P) x||^2 / d = tr((y-P) gram (y-P)^T)."""
    diff = y - torch.softmax(task.beta * attention_of(S, x), dim=-1)
    if task.task == "label":
        return diff.square().sum(dim=(1, 2, 3))
    return (torch.matmul(diff, gram) * diff).sum(dim=(1, 2, 3))


def penalties(params: torch.Tensor, lam: torch.Tensor, task: ErmTask) -> torch.Tensor:
    """(lam / sqrt(kappa)) ||W||_F^2 = lam d ||S||_* (factorized), lam d ||S||_F^2 (direct)."""
    if task.parameterisation == "factorized":
        return lam / math.sqrt(task.kappa) * params.square().sum(dim=(1, 2))
    return lam * task.d * student_matrix(params, task).square().sum(dim=(1, 2))


def initial_parameters(task: ErmTask, init_seeds: list[int]) -> list[torch.Tensor]:
    """W ~ N(0, 1)^{d x p} per run from its own seed; the direct S starts at W W^T/sqrt(pd)."""
    out = []
    for s in init_seeds:
        g = torch.Generator().manual_seed(int(s))
        w = torch.randn((task.d, task.width), generator=g, dtype=torch.float64)
        out.append(
            w if task.parameterisation == "factorized" else w @ w.T / math.sqrt(task.width * task.d)
        )
    return out


@dataclass
class ErmRuns:
    """Per run (R,): test errors against noisy and clean labels, train loss (objective /
    d^2), MSE of S, steps taken, whether the stopping rule stopped it, whether it diverged;
    eigenvalues (R, d) of S_hat (singular values of W / (p d)^(1/4) are their square roots)."""

    test_error: np.ndarray
    test_error_clean: np.ndarray
    train_loss: np.ndarray
    mse: np.ndarray
    steps: np.ndarray
    stopped: np.ndarray
    diverged: np.ndarray
    eigenvalues: np.ndarray


class _ActiveBatch:
    """The data of the runs still training, gathered again only when that set shrinks."""

    def __init__(self, *tensors) -> None:
        self.tensors, self.key, self.cached = tensors, None, tensors

    def rows(self, idx: np.ndarray) -> tuple:
        if self.key is None or not np.array_equal(idx, self.key):
            full = idx.size == len(self.tensors[0])
            index = torch.as_tensor(idx, device=self.tensors[0].device)
            self.cached = tuple(
                t if t is None or full else t.index_select(0, index) for t in self.tensors
            )
            self.key = idx
        return self.cached


def train_erm(
    task: ErmTask,
    *,
    seeds: list[int],
    lam: list[float],
    init_seeds: list[int],
    settings: AdamSettings = AdamSettings(),
    test_samples: int = 2000,
    progress: bool | None = None,
) -> ErmRuns:
    """Train len(seeds) runs at once: run r on the draw of seeds[r] with penalty lam[r] from
    the initialisation of init_seeds[r]."""
    if not len(seeds) == len(lam) == len(init_seeds) >= 1:
        raise InputError("seeds, lam, init_seeds: need one of each per run")
    dtype, device = DTYPES[settings.dtype], torch.device(settings.device)
    draws = [sample_draw(task, seed=s) for s in seeds]

    def tensor(a):
        return torch.as_tensor(np.stack(a), dtype=dtype, device=device)

    x, y = tensor([dr.x for dr in draws]), tensor([dr.y for dr in draws])
    gram = token_gram(x, task)
    lam_t = torch.as_tensor(lam, dtype=dtype, device=device)
    params = [
        p.to(dtype=dtype, device=device).requires_grad_(True)
        for p in initial_parameters(task, init_seeds)
    ]
    optimiser = torch.optim.Adam(params, lr=settings.lr)
    R, scale = len(seeds), float(task.d) ** 2
    active = np.ones(R, bool)
    steps, stopped, diverged = np.zeros(R, int), np.zeros(R, bool), np.zeros(R, bool)
    previous = np.full(R, np.inf)
    bar = tqdm(
        range(1, settings.max_steps + 1),
        desc=f"ERM R={R} d={task.d} n={task.n}",
        disable=None if progress is None else not progress,
        mininterval=2.0,
    )
    batch = _ActiveBatch(x, y, gram, lam_t)
    for step in bar:
        optimiser.zero_grad(set_to_none=True)
        idx = np.flatnonzero(active)  # stopped runs are neither computed nor stepped
        xa, ya, gram_a, lam_a = batch.rows(idx)
        stacked = torch.stack([params[r] for r in idx])
        objective = data_terms(student_matrix(stacked, task), xa, ya, task, gram_a)
        objective = objective + penalties(stacked, lam_a, task)
        objective.sum().backward()
        value = np.full(R, np.nan)
        value[idx] = objective.detach().cpu().numpy() / scale
        diverged |= active & ~np.isfinite(value)
        done = active & (step > settings.min_steps) & (np.abs(value - previous) < settings.tol)
        stopped |= done
        active &= ~(done | diverged)
        for r in np.flatnonzero(~active):
            params[r].grad = None  # Adam leaves a parameter without gradient untouched
        steps[active] = step
        previous = value
        if not active.any():
            break
        optimiser.step()
        bar.set_postfix(active=int(active.sum()), loss=f"{np.nanmean(value):.3e}", refresh=False)
    bar.close()
    with torch.no_grad():  # the final objective: a run cut by max_steps moved after `value`
        stacked = torch.stack(params)
        S = student_matrix(stacked, task)
        train = (data_terms(S, x, y, task, gram) + penalties(stacked, lam_t, task)).cpu().numpy()
        tests = [
            sample_test(task, dr.teacher, seed=s, n=test_samples) for dr, s in zip(draws, seeds)
        ]
        xt, noisy, clean = (tensor([t[i] for t in tests]) for i in range(3))
        gram_t = token_gram(xt, task)
        errors = [
            data_terms(S, xt, lab, task, gram_t).cpu().numpy() / test_samples
            for lab in (noisy, clean)
        ]
        S64 = S.to(torch.float64).cpu().numpy()
    teachers = np.stack([dr.teacher for dr in draws])
    bad = diverged | ~np.isfinite(S64).all(axis=(1, 2))
    return ErmRuns(
        test_error=np.where(bad, np.nan, errors[0]),
        test_error_clean=np.where(bad, np.nan, errors[1]),
        train_loss=np.where(bad, np.nan, train / task.d**2),
        mse=np.where(bad, np.nan, np.sum((S64 - teachers) ** 2, axis=(1, 2)) / task.d),
        steps=steps,
        stopped=stopped,
        diverged=bad,
        eigenvalues=np.linalg.eigvalsh(np.where(bad[:, None, None], 0.0, S64)),
    )


def train_grid(
    task: ErmTask,
    *,
    lam: list[float],
    seeds: list[int],
    init_seeds: list[int],
    settings: AdamSettings = AdamSettings(),
    max_batch: int = 256,
    progress: bool | None = None,
) -> ErmRuns:
    """The same runs at every lambda (same draws and initialisations, so that lambdas compare
    pairwise), max_batch (lambda, run) pairs per torch batch: every field shaped
    (n_lambda, runs), the eigenvalues (n_lambda, runs, d)."""
    pairs = [(k, r) for k in range(len(lam)) for r in range(len(seeds))]
    parts = []
    for start in range(0, len(pairs), max_batch):
        chunk = pairs[start : start + max_batch]
        parts.append(
            train_erm(
                task,
                seeds=[seeds[r] for _, r in chunk],
                lam=[lam[k] for k, _ in chunk],
                init_seeds=[init_seeds[r] for _, r in chunk],
                settings=settings,
                progress=progress,
            )
        )
    shape = (len(lam), len(seeds))
    return ErmRuns(
        **{
            name: np.concatenate([getattr(p, name) for p in parts]).reshape(
                shape + getattr(parts[0], name).shape[1:]
            )
            for name in ErmRuns.__dataclass_fields__
        }
    )


@dataclass
class OracleSweep:
    """Mean test error over the runs at every lambda, and the lambda of the lowest one: an
    oracle choice (it looks at the test error), as the paper's "cross-validated" lambda is."""

    lam: np.ndarray
    mean_test_error: np.ndarray
    oracle_lam: float
    oracle_index: int


def oracle_choice(lam, test_error: np.ndarray) -> OracleSweep:
    """test_error (n_lambda, runs); diverged runs (NaN) are left out of the means."""
    means = np.nanmean(test_error, axis=1)
    best = int(np.nanargmin(means))
    return OracleSweep(np.asarray(lam, float), means, float(lam[best]), best)
