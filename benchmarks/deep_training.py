"""Benchmark: the deep wing's torch training, batched runs against one at a time.

Run: python benchmarks/deep_training.py [--d 500] [--runs 8] [--epochs 5] [--device cuda]
(one torch thread on CPU)

1. SGD on the two-layer teacher at alpha = 15 (the paper's protocol): seconds per epoch for
   `runs` runs as one batch and for the same runs one after the other, and the projected time
   of the paper's 1700 epochs.
2. TREC: seconds per epoch for `runs` runs as one batch and for one run.
"""

import argparse
from pathlib import Path

import torch

from aim.deep.sgd import SgdSettings, train_sgd
from aim.deep.trec import TrecSettings, read_questions, train_trec

TREC = Path(__file__).resolve().parents[1] / "../shared/data/trec"


def sgd(d: int, runs: int, epochs: int, device: str) -> None:
    settings = SgdSettings(epochs=epochs, test_every=epochs, device=device)
    model = dict(layers=2, skip=1.0, alpha=15, d=d, seed=0, settings=settings, progress=False)
    batched = train_sgd(runs=runs, **model).seconds / epochs
    alone = sum(train_sgd(runs=1, first_run=r, **model).seconds for r in range(runs)) / epochs
    print(
        f"SGD d = {d}, alpha = 15, {runs} runs on {device}: {batched:.2f} s per epoch batched, "
        f"{alone:.2f} s one by one ({alone / batched:.1f}x); 1700 epochs batched: "
        f"{1700 * batched / 60:.0f} min"
    )


def trec(runs: int, epochs: int, device: str) -> None:
    if not (TREC / "train_5500.label").is_file():
        print("TREC: no shared copy of the files, skipped")
        return
    train, test = read_questions(TREC / "train_5500.label"), read_questions(TREC / "TREC_10.label")
    settings = TrecSettings(epochs=epochs, records_per_epoch=1, device=device)
    batched = train_trec(train, test, runs=runs, seed=0, settings=settings).seconds / epochs
    alone = train_trec(train, test, runs=1, seed=0, settings=settings).seconds / epochs
    print(
        f"TREC on {device}: {batched:.1f} s per epoch for {runs} runs batched, {alone:.1f} s "
        f"for one run; 40 epochs of {runs} runs: {40 * batched / 60:.0f} min"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--d", type=int, default=500)
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    if args.device == "cpu":
        torch.set_num_threads(1)
    sgd(args.d, args.runs, args.epochs, args.device)
    trec(args.runs, 1, args.device)


if __name__ == "__main__":
    main()
