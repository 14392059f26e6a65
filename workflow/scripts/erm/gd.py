"""Snakemake adapter: one block of trained ERM runs at one point, every lambda of its group;
torch uses the job's threads."""

import torch

from aim.core.erm_training import ErmTask
from aim.core.io import write_dataset
from aim.core.jobs import log_to
from aim.erm.gd_runs import gd_dataset

log_to(snakemake.log[0])  # noqa: F821
torch.set_num_threads(snakemake.threads)  # noqa: F821
p = snakemake.params  # noqa: F821
first, runs = p.runs
ds = gd_dataset(
    task=ErmTask(**p.task),
    lam=p.lam,
    runs=runs,
    first_run=first,
    seed=p.seed,
    settings=p.settings,
    max_batch=p.max_batch,
    progress=True,
)
print(
    f"test error {float(ds.test_error.mean()):.4f} (mean over {ds.lam.size} lambda x "
    f"{ds.run.size} runs), stopped {int(ds.stopped.sum())}, diverged {int(ds.diverged.sum())}"
)
write_dataset(ds, snakemake.output[0])  # noqa: F821
