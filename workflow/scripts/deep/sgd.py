"""Snakemake adapter: one block of SGD runs on the deep-attention teacher; torch uses the
job's threads."""

import torch

from aim.core.io import write_dataset
from aim.core.jobs import log_to
from aim.deep.sgd import SgdSettings
from aim.deep.sgd_runs import sgd_runs

log_to(snakemake.log[0])  # noqa: F821
torch.set_num_threads(snakemake.threads)  # noqa: F821
p = snakemake.params  # noqa: F821
first, runs = p.runs
ds = sgd_runs(
    **p.model, runs=runs, first_run=first, settings=SgdSettings(**p.settings), progress=True
)
print(f"first epoch above 0.5 per run and layer:\n{ds.first_aligned.values}")
write_dataset(ds, snakemake.output[0])  # noqa: F821
