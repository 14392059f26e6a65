"""Snakemake adapter: one block of TREC runs; torch uses the job's threads."""

import torch

from aim.core.io import write_dataset
from aim.core.jobs import log_to
from aim.deep.trec import TrecSettings
from aim.deep.trec_runs import trec_runs

log_to(snakemake.log[0])  # noqa: F821
torch.set_num_threads(snakemake.threads)  # noqa: F821
p = snakemake.params  # noqa: F821
first, runs = p.runs
ds = trec_runs(
    train=p.train,
    test=p.test,
    runs=runs,
    first_run=first,
    seed=p.seed,
    settings=TrecSettings(**p.settings),
    progress=True,
)
print(f"final test accuracy per run: {ds.test_accuracy.values[-1]}")
write_dataset(ds, snakemake.output[0])  # noqa: F821
