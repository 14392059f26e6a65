"""The realistic experiment of arXiv:2502.00901 (section 6 of the theory notes): TREC question
classification with two softmax attention layers trained from scratch, R runs at once.

Data: the standard label files (`COARSE:fine question words`, Latin-1, one question per line;
Li and Roth 2002). Words are split on whitespace and lower-cased (the files are already
tokenised; the authors' BERT tokenizer only split words, its vocabulary was not used), and the
vocabulary is the training set's words; unseen test words map to <unk>.

Model of one run: embeddings E (vocabulary x 128) trained from scratch; per layer a tied
projection W_l (128 x 64) and X <- softmax(X W_l W_l^T X^T / 8) X + X over the question's
tokens (padding masked out of the keys); mean pooling over the tokens; a linear classifier onto
the 6 coarse labels; cross-entropy; AdamW. The tied query = key projection keeps the theory's
model (w_l w_l^T) and makes G_l = W_l W_l^T the layer's attention matrix, whose similarity to
its final value S_l(t) = Tr(G_t G_T) / (|G_t|_F |G_T|_F) is what the paper's Fig. 3 tracks.

All R runs share the data; each has its own initialisation and batch order from
default_rng([seed, r]) and torch generators seeded from it, and AdamW acts elementwise on the
stacked parameters, so the batch is R independent runs.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from aim.core.training_settings import check_precision_and_device
from aim.core.validation import InputError, integer, number

LABELS = ("ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM")
PAD, UNKNOWN = 0, 1
LINE = re.compile(r"^([A-Z]+):(\S+) (.*\S.*)$")


@dataclass(frozen=True)
class Questions:
    """Questions as word lists with their coarse label index."""

    words: list[list[str]]
    labels: np.ndarray  # (n,) index into LABELS

    def __len__(self) -> int:
        return len(self.words)


def read_questions(path: str | Path) -> Questions:
    """Read a TREC label file; a malformed line is an InputError naming the file and line."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"TREC file {path}: not found (see the README for where to get it)")
    words, labels = [], []
    for number_, line in enumerate(path.read_text(encoding="latin-1").splitlines(), start=1):
        if not line.strip():
            continue
        match = LINE.match(line.rstrip())
        if match is None or match.group(1) not in LABELS:
            raise InputError(
                f"{path}:{number_}: expected 'COARSE:fine question' with COARSE in "
                f"{', '.join(LABELS)}, got {line[:60]!r}"
            )
        labels.append(LABELS.index(match.group(1)))
        words.append(match.group(3).lower().split())
    if not words:
        raise InputError(f"TREC file {path}: holds no question")
    return Questions(words, np.asarray(labels))


def vocabulary(questions: Questions) -> dict[str, int]:
    """Word -> index for every word of the training questions (0: padding, 1: unknown)."""
    words = sorted({w for q in questions.words for w in q})
    return {w: i for i, w in enumerate(words, start=2)}


def encode(questions: Questions, vocab: dict[str, int]) -> np.ndarray:
    """Token indices (n, longest question), padded with PAD."""
    longest = max(len(q) for q in questions.words)
    ids = np.full((len(questions), longest), PAD, dtype=np.int64)
    for row, q in enumerate(questions.words):
        ids[row, : len(q)] = [vocab.get(w, UNKNOWN) for w in q]
    return ids


@dataclass(frozen=True, kw_only=True)
class TrecSettings:
    """The protocol of section 6 (defaults: the paper's values; AdamW's weight decay is
    torch's default, which the paper does not state)."""

    embedding: int = 128
    width: int = 64
    layers: int = 2
    lr: float = 5e-5
    weight_decay: float = 0.01
    batch: int = 16
    epochs: int = 40
    records_per_epoch: int = 4
    dtype: str = "float32"
    device: str = "cpu"

    def __post_init__(self) -> None:
        for name in ("embedding", "width", "layers", "batch", "epochs", "records_per_epoch"):
            integer(getattr(self, name), name=name, lo=1)
        number(self.lr, name="lr", lo=0, lo_open=True)
        number(self.weight_decay, name="weight_decay", lo=0)
        check_precision_and_device(dtype=self.dtype, device=self.device)


@dataclass
class TrecResult:
    """Traces with the record axis first and the run axis second."""

    epochs: np.ndarray  # (m,) fractional epochs of the records, 0 = the start
    similarity: np.ndarray  # (m, R, layers): S_l(t) against the final W_l
    train_loss: np.ndarray  # (m, R): mean cross-entropy since the previous record (NaN at 0)
    test_accuracy: np.ndarray  # (m, R)
    majority_accuracy: float  # the best constant guess: the test share of its commonest label
    vocabulary_size: int
    seconds: float


class Classifier:
    """R classifiers as stacked leaf tensors (one optimiser, independent runs)."""

    def __init__(self, *, runs: int, vocab_size: int, s: TrecSettings, rngs, device, dtype):
        def normal(shape, scale):
            draws = np.stack([scale * rng.standard_normal(shape) for rng in rngs])
            return torch.tensor(draws, dtype=dtype, device=device, requires_grad=True)

        self.embedding = normal((vocab_size, s.embedding), 1.0)
        self.projections = [
            normal((s.embedding, s.width), 1 / math.sqrt(s.embedding)) for _ in range(s.layers)
        ]
        self.readout = normal((s.embedding, len(LABELS)), 1 / math.sqrt(s.embedding))
        self.bias = torch.zeros((runs, len(LABELS)), dtype=dtype, device=device, requires_grad=True)
        self.scale = 1 / math.sqrt(s.width)

    def parameters(self) -> list[torch.Tensor]:
        return [self.embedding, *self.projections, self.readout, self.bias]

    def logits(self, ids: torch.Tensor) -> torch.Tensor:
        """Class scores (R, b, 6) for token indices (R, b, length)."""
        runs = torch.arange(ids.shape[0], device=ids.device)[:, None, None]
        x = self.embedding[runs, ids]  # (R, b, length, embedding)
        keep = (ids != PAD).to(x.dtype)
        for w in self.projections:
            q = torch.einsum("rbte,rew->rbtw", x, w)
            scores = torch.einsum("rbtw,rbsw->rbts", q, q) * self.scale
            scores = scores.masked_fill(ids[:, :, None, :] == PAD, -torch.inf)
            x = torch.softmax(scores, dim=-1) @ x + x
        pooled = (x * keep[..., None]).sum(2) / keep.sum(2, keepdim=True).clamp(min=1)
        return torch.einsum("rbe,rec->rbc", pooled, self.readout) + self.bias[:, None]


def gram_similarity(current: torch.Tensor, final: torch.Tensor) -> torch.Tensor:
    """Tr(G_t G_T) / (|G_t| |G_T|) with G = W W^T, from W (R, e, w) without forming G:
    Tr(G_t G_T) = |W_t^T W_T|_F^2 and |G|_F = |W^T W|_F."""

    def gram(a, b):
        return torch.matmul(a.transpose(1, 2), b).square().sum(dim=(1, 2))

    return gram(current, final) / torch.sqrt(gram(current, current) * gram(final, final))


def train_trec(
    train: Questions,
    test: Questions,
    *,
    runs: int,
    seed: int,
    first_run: int = 0,
    settings: TrecSettings | None = None,
    progress: bool | None = None,
) -> TrecResult:
    """Train runs first_run .. first_run + runs - 1 of draw `seed` on the training questions."""
    s = settings or TrecSettings()
    integer(runs, name="runs", lo=1)
    integer(first_run, name="first_run", lo=0)
    dtype, device = getattr(torch, s.dtype), torch.device(s.device)
    vocab = vocabulary(train)
    rngs = [np.random.default_rng([seed, first_run + r]) for r in range(runs)]
    model = Classifier(
        runs=runs, vocab_size=len(vocab) + 2, s=s, rngs=rngs, device=device, dtype=dtype
    )
    optimiser = torch.optim.AdamW(model.parameters(), lr=s.lr, weight_decay=s.weight_decay)
    train_ids = torch.as_tensor(encode(train, vocab), device=device)
    train_labels = torch.as_tensor(train.labels, device=device)
    test_ids = torch.as_tensor(encode(test, vocab), device=device).expand(runs, -1, -1)
    test_labels = torch.as_tensor(test.labels, device=device)
    batches = math.ceil(len(train) / s.batch)
    record_at = set(np.linspace(0, batches, s.records_per_epoch + 1).round().astype(int)[1:])

    def accuracy() -> np.ndarray:
        with torch.no_grad():
            guess = model.logits(test_ids).argmax(-1)
        return (guess == test_labels).to(torch.float64).mean(-1).cpu().numpy()

    snapshots = [[w.detach().clone() for w in model.projections]]
    epochs, losses, accuracies = [0.0], [np.full(runs, np.nan)], [accuracy()]
    running, count = torch.zeros(runs, dtype=torch.float64, device=device), 0
    clock = time.perf_counter()
    for epoch in tqdm(
        range(s.epochs), desc=f"TREC R={runs}", disable=None if progress is None else not progress
    ):
        order = torch.as_tensor(np.stack([rng.permutation(len(train)) for rng in rngs]))
        for b in range(batches):
            pick = order[:, b * s.batch : (b + 1) * s.batch].to(device)
            ids = train_ids[pick]
            longest = int((ids != PAD).sum(-1).max())
            logits = model.logits(ids[..., :longest])
            loss = (
                torch.nn.functional.cross_entropy(
                    logits.flatten(0, 1), train_labels[pick].flatten(), reduction="none"
                )
                .view(runs, -1)
                .mean(-1)
            )
            optimiser.zero_grad(set_to_none=True)
            loss.sum().backward()
            optimiser.step()
            running += loss.detach().to(torch.float64)
            count += 1
            if b + 1 in record_at:
                snapshots.append([w.detach().clone() for w in model.projections])
                epochs.append(epoch + (b + 1) / batches)
                losses.append((running / count).cpu().numpy())
                accuracies.append(accuracy())
                running, count = running.zero_(), 0
    final = snapshots[-1]
    similarity = [
        torch.stack([gram_similarity(w, f) for w, f in zip(snap, final)], dim=-1).cpu().numpy()
        for snap in snapshots
    ]
    return TrecResult(
        epochs=np.asarray(epochs),
        similarity=np.asarray(similarity, dtype=np.float64),
        train_loss=np.asarray(losses),
        test_accuracy=np.asarray(accuracies),
        majority_accuracy=float(np.bincount(test.labels).max() / len(test)),
        vocabulary_size=len(vocab) + 2,
        seconds=time.perf_counter() - clock,
    )
