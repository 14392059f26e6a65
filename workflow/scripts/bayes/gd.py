"""Snakemake adapter: K students on one (teacher, data) draw; torch uses the job's threads."""

import torch

from aim.bayes.gd_runs import gd_dataset
from aim.core.io import write_dataset
from aim.core.jobs import log_to

log_to(snakemake.log[0])  # noqa: F821
torch.set_num_threads(snakemake.threads)  # noqa: F821
p = snakemake.params  # noqa: F821
ds = gd_dataset(
    T=p.T,
    rho=p.rho,
    alpha=p.alpha,
    d=p.d,
    seed=p.seed,
    students=p.students,
    settings=p.settings,
    progress=True,
)
print(
    f"single {float(ds.single_mse.mean()):.5f} (mean of {ds.student.size}), "
    f"averaged {float(ds.averaged_mse):.5f}, final loss {float(ds.final_loss.mean()):.3e}"
)
write_dataset(ds, snakemake.output[0])  # noqa: F821
